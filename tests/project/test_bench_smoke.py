"""The benchmark at size S, once, so that it cannot rot: it runs end to end (children, AppTest, reminder
sweep, import and export, the whole processes and, in a browser test, the reader pages in Chromium), and
what it measures is right — the pages' figures equal the bare-SQL floors' and pandas', every page renders
without an exception. Times are not checked here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import report, whole
from bench import run as bench

SAMPLE_ARCHIVE = Path(__file__).resolve().parents[1] / "data" / "predictionbook_sample"


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("bench")
    lines: list[str] = []
    found = bench.run(["S"], out=out, work=out / "work", repeat=1, import_rows=3_000, archive=None,
                      whole_repeat=1, browser=False, log=lines.append, ranges_forecasts=2_000,
                      whole_warmup=False)  # fmt: skip
    return found, out


def test_the_smoke_run_writes_results_and_the_report(results: tuple[dict, Path]) -> None:
    found, out = results
    assert json.loads((out / "results.json").read_text())["config"]["sizes"] == ["S"]
    report = (out / "BENCHMARKS.md").read_text()
    assert "Overview work, cold" in report and "Checks:" in report
    size = found["sizes"]["S"]
    assert size["ledger"] == {"claims": 1_000, "observations": 10_000, "forecasts": 10_000,
                              "resolutions": size["ledger"]["resolutions"]}  # fmt: skip
    for key in ("overview.page", "overview.floor", "claim.page", "track_record.page", "track_record.floor",
                "pandas.load", "apptest.overview.cold", "reminders.steady", "reminders.first"):  # fmt: skip
        entry = size["timings"][key]
        assert entry["min"] <= entry["median"] <= entry["max"] and entry["n"] >= 1
    assert size["memory"]["dashboard_mb"] > 0 and size["memory"]["pages_mb"] > 0


def test_the_pages_agree_with_the_sql_floor_and_pandas(results: tuple[dict, Path]) -> None:
    size = results[0]["sizes"]["S"]
    assert size["checks"] and all(size["checks"].values()), [k for k, ok in size["checks"].items() if not ok]
    values = size["values"]
    page, floor, pandas = values["track_record.page"], values["track_record.floor"], values["pandas"]["track_record"]
    assert page["n"] == floor["n"] == pandas["n"] > 0
    assert page["brier"] == pytest.approx(floor["brier"], rel=1e-9) == pytest.approx(pandas["brier"], rel=1e-9)
    assert page["calibration_n"] == floor["calibration_n"] == pandas["calibration_n"]
    overview = values["overview.page"]
    assert overview["claims"] == values["overview.floor"]["claims"] == values["pandas"]["overview"]["claims"] == 1_000
    assert {k: v for k, v in overview["by_status"].items() if v} == values["pandas"]["overview"]["by_status"]


def test_every_page_renders_and_no_chart_is_heavy(results: tuple[dict, Path]) -> None:
    size = results[0]["sizes"]["S"]
    assert size["apptest_problems"] == []
    assert size["apptest_points"] and max(size["apptest_points"].values()) <= bench.MAX_CHART_POINTS
    assert max(size["points"].values()) <= bench.MAX_CHART_POINTS


def test_the_sweep_and_the_transfers_did_their_work(results: tuple[dict, Path]) -> None:
    found = results[0]
    reminders = found["sizes"]["S"]["values"]["reminders"]
    assert reminders["sent"] > 0 and reminders["candidates"] > 0
    transfer = found["transfer"]
    assert transfer["values"]["import.csv"]["rows"] == 3_000
    assert transfer["values"]["import.csv"]["forecasts_added"] == 3_000
    assert transfer["values"]["export.csv.csv"]["records"] == 3_000
    assert transfer["values"]["export.csv.json"]["records"] == transfer["values"]["import.csv"]["claims_added"]


def test_the_ranges_part_scored_its_forecasts_against_the_floor(results: tuple[dict, Path]) -> None:
    ranges = results[0]["ranges"]  # its run asserts that the library's scores equal the NumPy floor's
    assert ranges["n"] == 2_000 and ranges["ratio"] == pytest.approx(
        ranges["timings"]["ranges.library"]["median"] / ranges["timings"]["ranges.floor"]["median"]
    )
    assert ranges["target"]["key"] == "ratio.ranges" and "2,000 numeric forecasts" in ranges["target"]["target"]
    assert "2,000 numeric forecasts" in (results[1] / "BENCHMARKS.md").read_text()


def test_the_whole_processes_ran_against_their_floors(results: tuple[dict, Path]) -> None:
    found, out = results
    commands = found["whole"]["commands"]
    assert set(commands) == {"help", "list", "remind"}  # no archive in the smoke run, so no score
    for entry in commands.values():
        assert entry["command"]["n"] == entry["floor"]["n"] == 1 and entry["ratio"] > 0
    assert all(found["whole"]["checks"].values()), found["whole"]["checks"]
    assert "pages" not in found["whole"]
    report = (out / "BENCHMARKS.md").read_text()
    assert "### Whole processes" in report and "`predictions --help`" in report
    labels = {t["target"] for t in found["targets"]}
    assert {"`predictions --help`", "`list --json` (seed) / bare DuckDB query"} <= labels


def test_the_readers_part_stored_every_acknowledged_forecast_and_timed_the_author(
    results: tuple[dict, Path],
) -> None:
    """bench/readers.py at its smallest (2 readers against one server, the author's resolve once idle and
    once under their load): each reader's forecast and its change acknowledged, found in the readers' file."""
    readers = results[0]["readers"]
    assert readers["readers"] == 2 and readers["error_count"] == 0, readers["errors"]
    assert readers["acknowledged"] + readers["refused"] == readers["submitted"] == 4
    assert readers["acknowledged"] >= 1 and readers["acknowledged_not_stored"] == 0
    assert 1 <= readers["rows_stored"] <= readers["acknowledged"]  # a repeated value stores no row
    assert readers["submit_p50"] > 0 and len(readers["resolve_idle"]) == len(readers["resolve_loaded"]) == 1
    assert readers["resolve_ratio"] == readers["resolve_loaded_median"] / readers["resolve_idle_median"]


CPU_PAGES = ("overview",)  # the server CPU batches on one page: the same code measures every page


@pytest.mark.browser
def test_the_whole_processes_and_the_reader_pages_in_chromium(tmp_path: Path) -> None:
    """The whole part at its smallest: one run of each command, one timed visit per page (its first, which
    also counts its charts and tables) against one bare navigation per ledger, the server CPU of one page on
    the seed, and the PredictionBook sample as the archive (score against the pandas script included)."""
    found = whole.run(work=tmp_path, repeat=1, page_repeat=1, archive=SAMPLE_ARCHIVE, log=lambda line: None,
                      cpu_repeat=1, readers=2, cpu_ledgers=("seed",), cpu_pages=CPU_PAGES, warmup=False)  # fmt: skip
    assert set(found["commands"]) == {"help", "list", "remind", "score"}
    assert found["checks"] and all(found["checks"].values()), found["checks"]
    pages = found["pages"]
    assert pages["bare"]["charts"] == 1 and pages["bare"]["tables"] >= 1
    assert pages["bare"]["n"] == 2  # one bare navigation per ledger, shared by its pages' first visits
    for ledger in ("seed", "archive"):
        assert set(pages[ledger]) == set(whole.PAGES)
        for page, entry in pages[ledger].items():
            assert entry["n"] == 1 and entry["median"] > 0 and entry["exceptions"] == 0, (ledger, page)
        assert pages[ledger]["overview"]["charts"] >= 1  # every chart counted is waited for
        for entry in pages[ledger].values():  # each page against the bare runs interleaved with its own
            assert entry["bare"]["n"] == 1 and entry["ratio"] == entry["median"] / entry["bare"]["median"]
    for page in CPU_PAGES:  # the CPU part (the same code on every ledger and page) on the seed's Overview
        cpu = pages["seed"][page]["cpu"]  # the server's CPU per new reader, two at once here, against the bare's
        assert cpu["readers"] == 2 and cpu["page"]["median"] > 0 and cpu["bare"]["median"] > 0, page
        assert cpu["ratio"] == cpu["page"]["median"] / cpu["bare"]["median"]
    assert [page for page, entry in pages["seed"].items() if "cpu" in entry] == list(CPU_PAGES)  # only those
    assert not [page for page, entry in pages["archive"].items() if "cpu" in entry]  # not asked for there
    page_targets = [t for t in found["targets"] if t["key"] == "ratio.page"]
    assert len(page_targets) == 8
    assert len([t for t in found["targets"] if t["key"] == "ratio.cpu"]) == len(CPU_PAGES)
    text = "\n".join(report.whole_section(found))
    assert "bare Streamlit page" in text and "Track record" in text and "Server CPU time per new reader" in text
    assert text.count("not measured") == len(CPU_PAGES)  # the archive's column of the CPU table
