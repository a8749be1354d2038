"""The scorecard for the next issue: its figures against computations over the imported files themselves,
its Markdown and HTML (escaped), the CLI, the chart plugin, and the layering rule.
"""

from __future__ import annotations

import csv
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
import zipfile
from datetime import date, datetime, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import duckdb
import pytest
from archive_ledger import SHARED_ARCHIVE, copy_of_the_archive_ledger

from predictions import cli, imports, scorecard
from predictions.scoring import wilson_interval

HERE = Path(__file__).resolve().parents[1]
FATEBOOK = HERE / "data" / "fatebook_sample.csv"
SAMPLE = HERE / "data" / "predictionbook_sample"
SINCE, TODAY = date(2024, 6, 1), date(2025, 10, 15)


@pytest.fixture(scope="module")
def fatebook_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scorecard") / "fatebook.duckdb"
    imports.import_archive(db, FATEBOOK, "fatebook")
    return db


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scorecard") / "sample.duckdb"
    imports.import_archive(db, SAMPLE, "predictionbook")
    return db


# --- the Fatebook export read with the csv module: the independent side ----------------------------


def export_rows() -> list[dict[str, Any]]:
    with FATEBOOK.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        title = " ".join(row["Question title"].split())
        option = row["Multiple choice option"]
        row["statement"] = f"{title} — {option}" if option else title
        row["p"] = float(row["Forecast (scale = 0-1)"])
        row["at"] = datetime.fromisoformat(row["Forecast created at"])
        row["deadline"] = datetime.fromisoformat(row["Question resolve by"]).date()
        row["resolved"] = datetime.fromisoformat(row["Resolved at"]).date() if row["Resolved at"] else None
        row["o"] = {"YES": 1.0, "NO": 0.0}.get(row["Resolution"])
    return rows


def claims_of(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    claims: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        claims.setdefault(row["statement"], []).append(row)
    return claims


def brier(pairs: list[tuple[float, float]]) -> float:
    return sum((p - o) ** 2 for p, o in pairs) / len(pairs)


# --- figures ----------------------------------------------------------------------------------------


def test_resolved_claims_and_the_confidence_given_match_the_export(fatebook_db: Path) -> None:
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    expected = {}
    for statement, rows in claims_of(export_rows()).items():
        resolved = rows[0]["resolved"]
        if resolved is None or not SINCE <= resolved <= TODAY:
            continue
        in_time = [r for r in rows if r["at"].date() <= r["deadline"]]
        shown = max(in_time or rows, key=lambda r: r["at"])
        outcome = {"YES": "true", "NO": "false", "AMBIGUOUS": "ambiguous"}[rows[0]["Resolution"]]
        expected[statement] = (outcome, resolved, shown["p"], shown["Forecast created by"], not in_time)
    got = {
        r["statement"]: (r["outcome"], r["resolved_on"], r["probability"], r["forecaster"], r["after_deadline"])
        for r in card.resolved
    }
    assert got == expected
    assert [r["resolved_on"] for r in card.resolved] == sorted(r["resolved_on"] for r in card.resolved)
    for row in card.resolved:
        if row["outcome"] == "ambiguous":
            assert row["brier"] is None
        else:
            assert row["brier"] == pytest.approx((row["probability"] - (row["outcome"] == "true")) ** 2)


def test_brier_before_the_date_and_now_match_the_export(fatebook_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [r for r in export_rows() if r["o"] is not None]
    before = [(r["p"], r["o"]) for r in rows if r["resolved"] < SINCE]
    now = [(r["p"], r["o"]) for r in rows if r["resolved"] <= TODAY]
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    assert (card.before.n, card.now.n) == (len(before), len(now))
    assert card.before.brier == pytest.approx(brier(before), rel=1e-12)
    assert card.now.brier == pytest.approx(brier(now), rel=1e-12)
    assert card.change == pytest.approx(brier(now) - brier(before), rel=1e-9)
    # Everything in the export is resolved by TODAY, so "now" is what `predictions score` says.
    assert cli.main(["score", "--json", "--db", str(fatebook_db)]) == 0
    score = json.loads(capsys.readouterr().out)
    assert (card.now.n, card.now.brier, card.now.log_score) == (score["n"], score["brier"], score["log_score"])


def test_the_calibration_table_is_folded_and_counts_passed_deadlines_only(fatebook_db: Path) -> None:
    today = date(2024, 7, 25)  # the Tour de France options resolved and passed; the AI Act's deadline not yet
    card = scorecard.compute_scorecard(fatebook_db, SINCE, today)
    rows = [r for r in export_rows() if r["o"] is not None and r["resolved"] <= today and r["deadline"] < today]
    folded = [(1 - r["p"], 1 - r["o"]) if r["p"] < 0.5 else (r["p"], r["o"]) for r in rows]
    assert [(b.low, b.high) for b in card.calibration] == [(0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.0)]
    for b in card.calibration:
        inside = [(p, o) for p, o in folded if b.low <= p < b.high or (b.high == 1.0 and p == 1.0)]
        assert b.n == len(inside), b
        assert b.hits == pytest.approx(sum(o for _p, o in inside))
        if inside:
            assert b.mean_probability == pytest.approx(sum(p for p, _o in inside) / len(inside))
            assert (b.wilson_low, b.wilson_high) == pytest.approx(wilson_interval(b.hits, b.n))
    assert sum(b.n for b in card.calibration) == len(rows) > 0


def test_claims_due_in_the_next_90_days_match_the_export(fatebook_db: Path) -> None:
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    until = TODAY + timedelta(days=90)
    expected = {}
    for statement, rows in claims_of(export_rows()).items():
        if rows[0]["Resolution"] == "" and TODAY <= rows[0]["deadline"] <= until:
            last = max(rows, key=lambda r: r["at"])
            expected[statement] = (rows[0]["deadline"], last["p"], last["Forecast created by"])
    assert {r["statement"]: (r["deadline"], r["probability"], r["forecaster"]) for r in card.due} == expected
    assert len(expected) == 1  # the robotaxi question; the expo's options fall due later
    later = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY, due_days=365)
    assert {r["statement"] for r in later.due} == {
        statement
        for statement, rows in claims_of(export_rows()).items()
        if rows[0]["Resolution"] == "" and TODAY <= rows[0]["deadline"] <= TODAY + timedelta(days=365)
    }
    assert len(later.due) == 3


def test_filters_narrow_the_scorecard_like_score_does(fatebook_db: Path) -> None:
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY, forecaster="Chen Jing")
    rows = [r for r in export_rows() if r["Forecast created by"] == "Chen Jing"]
    scored = [(r["p"], r["o"]) for r in rows if r["o"] is not None]
    assert card.now.n == len(scored) and card.now.brier == pytest.approx(brier(scored))
    assert {r["forecaster"] for r in card.resolved} == {"Chen Jing"}
    assert {r["statement"] for r in card.resolved} == {
        r["statement"] for r in rows if r["resolved"] is not None and SINCE <= r["resolved"] <= TODAY
    }


# --- text -------------------------------------------------------------------------------------------


def _table(text: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under `heading`, split on unescaped pipes."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows[1:]  # without the header row


def test_markdown_scorecard_holds_every_section(fatebook_db: Path) -> None:
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    text = scorecard.build_scorecard(fatebook_db, SINCE, "markdown", TODAY)
    assert text.startswith(f"## Scorecard: claims resolved since {SINCE.isoformat()}\n")
    assert (
        f"- **Brier score before {SINCE.isoformat()}:** {card.before.brier:.3f} over {card.before.n:,} "
        f"{'forecast' if card.before.n == 1 else 'forecasts'}" in text
    )
    assert f"- **Change:** {card.change:+.3f} ({'better' if card.change < 0 else 'worse'})" in text
    resolved = _table(text, "### Resolved since")
    assert len(resolved) == len(card.resolved) and all(len(row) == 8 for row in resolved)
    ai_act = next(row for row in resolved if row[0].startswith("Will the EU AI Act"))
    assert ai_act[1:6] == ["2024-08-01", "85% (Ada Byrne)", "came true", "2024-08-01", "0.023"]
    assert ai_act[6] == "imported from Fatebook"  # the note the verdict rests on (the importer's)
    assert next(row for row in resolved if "eVTOL" in row[0])[3:6:2] == ["ambiguous (not scored)", "–"]
    calibration = _table(text, "### Calibration")
    assert [row[0] for row in calibration] == ["50%–60%", "60%–70%", "70%–80%", "80%–90%", "90%–100%"]
    assert [int(row[1]) for row in calibration] == [b.n for b in card.calibration]
    due = _table(text, "### Due in the next 90 days (1)")
    assert due == [
        [
            "Will a robotaxi service operate in at least 65 Chinese cities by the end of 2025?",
            "2025-12-31",
            "15%",  # a single forecaster in the list: no name
        ]
    ]


def test_a_scorecard_with_nothing_resolved_says_so(fatebook_db: Path) -> None:
    text = scorecard.build_scorecard(fatebook_db, date(2025, 10, 1), "markdown", TODAY)
    assert "### Resolved since 2025-10-01 (0)\n\nNo claim was resolved in this period." in text
    empty = scorecard.build_scorecard(fatebook_db, date(2023, 1, 1), "markdown", date(2023, 6, 1))
    assert "- **Change:** no forecasts were scored before 2023-01-01" in empty
    assert "- **Brier score before 2023-01-01:** no forecast scored yet" in empty


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


MARKUP_TITLE = "This site has <b>obvious</b> <script type=“text/javascript”>alert(“XSS”);</script> ;)."
LINK_TITLE = "[Link](http://example.com) & more: rates will be < 2% | > 1%"


def test_html_scorecard_escapes_every_value(sample_db: Path) -> None:
    text = scorecard.build_scorecard(sample_db, date(2018, 1, 1), "html", date(2022, 8, 11))
    parser = _Tags()
    parser.feed(text)
    assert set(parser.tags) <= {
        "section",
        "h2",
        "h3",
        "p",
        "em",
        "ul",
        "li",
        "strong",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
    assert "script" not in parser.tags and "b" not in parser.tags
    assert MARKUP_TITLE in parser.cells and LINK_TITLE in parser.cells  # shown literally, as written
    assert "&lt;script type=“text/javascript”&gt;" in text
    card = scorecard.compute_scorecard(sample_db, date(2018, 1, 1), date(2022, 8, 11))
    assert parser.tags.count("tr") == 1 + len(card.resolved) + 1 + 5 + (1 + len(card.due) if card.due else 0)


def test_markdown_scorecard_escapes_markup_and_pipes(sample_db: Path) -> None:
    text = scorecard.build_scorecard(sample_db, date(2018, 1, 1), "markdown", date(2022, 8, 11))
    # The only links are the evidence links the scorecard itself writes from checked http(s) URLs.
    people = re.sub(r"\[source\]\(<https?://[^<>\s]*>\)", "", text)
    assert not re.search(r"(?<!\\)[<>]", people)  # every angle bracket is escaped
    assert not re.search(r"(?<!\\)\]\(", people)  # no link can form
    rows = _table(text, "### Resolved since")
    assert all(len(row) == 8 for row in rows)  # the | inside a title does not open a column
    cells = {row[0] for row in rows}
    assert r"This site has \<b\>obvious\</b\> \<script type=“text/javascript”\>alert(“XSS”);\</script\> ;)." in cells
    assert r"\[Link\](http://example.com) \& more: rates will be \< 2% \| \> 1%" in cells
    multiline = next(c for c in cells if c.startswith("Generic assemblers"))
    assert "\n" not in multiline
    assert "† no forecast before the deadline" in text  # the sample has questions opened after their deadline


# --- the command ------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_or_writes_the_scorecard(
    fatebook_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = scorecard.build_scorecard(fatebook_db, SINCE, "html", TODAY)
    code, out, err = run_cli(
        capsys, "scorecard", "--since", SINCE, "--today", TODAY, "--format", "html", "--db", fatebook_db
    )
    assert (code, out, err) == (0, expected, "")
    target = tmp_path / "issue" / "scorecard.md"
    code, out, err = run_cli(capsys, "scorecard", "--since", SINCE, "--today", TODAY, "-o", target, "--db", fatebook_db)
    assert (code, err) == (0, "")
    assert out == f"wrote the scorecard to {target}\n"
    assert target.read_text(encoding="utf-8") == scorecard.build_scorecard(fatebook_db, SINCE, "markdown", TODAY)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-01-01", "--today", "2025-10-15"], "error: --since 2026-01-01 is after today (2025-10-15)"),
        (["--since", "2024-13-01"], "'2024-13-01' is not a date (use YYYY-MM-DD)"),
        (["--since", "2024-06-01", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["--since", "2024-06-01", "--days", "-1"], "error: the number of days ahead cannot be negative"),
    ],
)
def test_cli_rejects_bad_arguments_in_one_line(
    args: list[str], message: str, fatebook_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "scorecard", *args, "--db", fatebook_db)
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1 and message in err


def test_cli_on_a_missing_database_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "scorecard", "--since", "2024-01-01", "--db", tmp_path / "none.duckdb")
    assert (code, out) == (1, "")
    assert err.startswith("error: database ") and len(err.splitlines()) == 1
    assert not (tmp_path / "none.duckdb").exists()


def test_build_scorecard_takes_the_documented_positional_arguments(fatebook_db: Path) -> None:
    text = scorecard.build_scorecard(fatebook_db, SINCE, "html", TODAY)
    assert text.startswith('<section class="scorecard">\n') and text.endswith("</section>\n")
    with pytest.raises(scorecard.ScorecardError, match="unknown scorecard format 'pdf'"):
        scorecard.build_scorecard(fatebook_db, SINCE, "pdf", TODAY)


# --- charts through the plugin ------------------------------------------------------------------------


def _browser_available() -> bool:
    return bool(os.environ.get("BROWSER_PATH")) or any(
        shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")
    )


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.skipif(not _browser_available(), reason="no Chromium for kaleido (`make browser` installs Debian's)")
def test_charts_are_written_as_png_and_svg_and_linked(
    fatebook_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file, charts = tmp_path / "issue" / "scorecard.md", tmp_path / "issue" / "charts"
    code, _out, err = run_cli(
        capsys, "scorecard", "--since", SINCE, "--today", TODAY, "--charts", charts, "-o", out_file, "--db", fatebook_db
    )
    assert (code, err) == (0, ""), err
    assert sorted(p.name for p in charts.iterdir()) == sorted(
        f"{name}.{fmt}" for name in scorecard.CHART_NAMES for fmt in ("png", "svg")
    )
    for name in scorecard.CHART_NAMES:
        assert png_size(charts / f"{name}.png") == (1800, 1000)  # 900 × 500 at scale 2
        root = ElementTree.parse(charts / f"{name}.svg").getroot()
        assert root.tag.endswith("svg") and root.get("width") == "900"
    calibration_svg = (charts / "calibration.svg").read_text(encoding="utf-8")
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    for b in card.calibration:
        if b.n:
            assert f"n={b.n}" in calibration_svg  # each bin is labelled with its count
    assert f"since {SINCE.isoformat()}" in (charts / "brier.svg").read_text(encoding="utf-8")
    text = out_file.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(<([^>]+)>\)", text)
    assert links == [f"charts/{name}.png" for name in scorecard.CHART_NAMES]
    assert all((out_file.parent / link).is_file() for link in links)


def test_a_missing_renderer_is_one_clear_line(
    fatebook_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(scorecard, "entry_points", lambda **_: ())
    code, out, err = run_cli(
        capsys, "scorecard", "--since", SINCE, "--today", TODAY, "--charts", tmp_path / "c", "--db", fatebook_db
    )
    assert (code, out) == (1, "")
    assert err == (
        "error: no chart renderer installed (entry point predictions.chart_renderers:scorecard); "
        "reinstall the project with `pip install -e .`\n"
    )


def test_a_failing_renderer_is_one_clear_line(fatebook_db: Path, tmp_path: Path) -> None:
    card = scorecard.compute_scorecard(fatebook_db, SINCE, TODAY)
    received: list[dict[str, Any]] = []

    def broken(data: dict[str, Any], directory: Path) -> list[Path]:
        received.append(data)
        raise RuntimeError("No browser found\nwith a long explanation")

    with pytest.raises(scorecard.ScorecardError) as caught:
        scorecard.render_charts(card, tmp_path / "c", fatebook_db, renderer=broken)
    assert str(caught.value) == "could not draw the charts: RuntimeError: No browser found"
    data = received[0]
    assert data["since"] == SINCE.isoformat() and data["db_path"] == str(fatebook_db)
    assert [b["n"] for b in data["calibration"]] == [b.n for b in card.calibration]
    assert [(p["resolved_on"], p["n"]) for p in data["history"]] == [
        (p.resolved_on.isoformat(), p.n) for p in card.history
    ]


def test_the_renderer_is_registered_as_an_entry_point() -> None:
    (found,) = entry_points(group=scorecard.RENDERER_GROUP, name=scorecard.RENDERER_NAME)
    assert found.value == "dashboard.render.static_charts:render_scorecard_charts"
    assert callable(scorecard.chart_renderer())


def test_the_static_charts_find_the_systems_browser(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dashboard.render import static_charts

    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nowhere"))
    with pytest.raises(static_charts.BrowserNotFoundError, match="is not an executable browser"):
        static_charts.browser_path()
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(fake))
    assert static_charts.browser_path() == str(fake)
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert static_charts.browser_path() == str(fake)


def test_a_scorecard_never_loads_plotly_streamlit_or_the_dashboard(fatebook_db: Path) -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from pathlib import Path\n"
        "from predictions import cli, scorecard\n"
        f"scorecard.build_scorecard(Path({str(fatebook_db)!r}), date(2024, 6, 1), 'html', date(2025, 10, 15))\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'plotly', 'streamlit', 'dashboard', 'kaleido'})\n"
        "print(loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --- on the real archive ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("full")
    copy_of_the_archive_ledger(tmp_path_factory, base / "archive.duckdb")  # imported once per session
    with zipfile.ZipFile(SHARED_ARCHIVE / "forecasts.csv.zip") as z:
        z.extractall(base)
    with zipfile.ZipFile(SHARED_ARCHIVE / "questions.csv.zip") as z:
        z.extractall(base)
    return base / "archive.duckdb", base


@pytest.mark.slow
def test_scorecard_of_the_real_archive_matches_sql_over_its_csv(full_archive: tuple[Path, Path]) -> None:
    db, folder = full_archive
    since, today = date(2022, 1, 1), date(2022, 8, 11)
    card = scorecard.compute_scorecard(db, since, today)
    text = scorecard.build_scorecard(db, since, "markdown", today)
    with duckdb.connect() as con:
        public = str(folder / "public.csv")
        questions = str(folder / "questions.csv")
        forecasts = f"""(SELECT CAST(probability AS DOUBLE) AS p, TRY_CAST(outcome AS DOUBLE) AS o,
                            CAST(left(resolve_time, 10) AS DATE) AS resolved
                         FROM read_csv('{public}', header = true, all_varchar = true))"""
        before = con.execute(
            f"SELECT count(*), avg(power(p - o, 2)) FROM {forecasts} WHERE o IN (0, 1) AND resolved < ?", [since]
        ).fetchone()
        now = con.execute(
            f"SELECT count(*), avg(power(p - o, 2)) FROM {forecasts} WHERE o IN (0, 1) AND resolved <= ?", [today]
        ).fetchone()
        (resolved,) = con.execute(
            f"""SELECT count(*) FROM read_csv('{questions}', header = true, all_varchar = true)
                WHERE outcome IS NOT NULL AND CAST(left(resolve_time, 10) AS DATE) BETWEEN ? AND ?""",
            [since, today],
        ).fetchone()
    assert (card.before.n, card.now.n, len(card.resolved)) == (before[0], now[0], resolved)
    assert card.before.brier == pytest.approx(before[1], rel=1e-12)
    assert card.now.brier == pytest.approx(now[1], rel=1e-12)
    assert f"### Resolved since 2022-01-01 ({resolved})" in text
    assert len(_table(text, "### Resolved since")) == min(resolved, scorecard.MAX_ROWS)
