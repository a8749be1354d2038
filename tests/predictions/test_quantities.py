"""Huge finite numbers (issue 31, point 5): 1e308, 1.7e308 and -1.7e308 are refused on the way in (observe,
watched sources, imports), and a ledger that already holds them (an older program accepted them) still
lists, shows, publishes and exports every claim: the claim whose fit fails has no projection, the others
are untouched.

Real parts throughout: a DuckDB file written directly for the old ledger, the CLI in-process, a local HTTP
server for the watched source.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from local_http import Site, local_site

from db import rollups
from predictions import ledger, progress, status_columns, watches
from predictions.imports import JSON_FORMAT
from predictions.models import ClaimIn
from predictions.quantities import MAX_ABS_VALUE
from predictions.settings import load_settings

HUGE = (1e308, 1.7e308, -1.7e308)
TODAY = "2026-03-01"


def threshold_claim(statement: str) -> ClaimIn:
    return ClaimIn.model_validate({
        "statement": statement, "made_on": date(2026, 1, 1), "deadline": date(2099, 12, 31), "kind": "threshold",
        "metric": "cities", "target": 65, "unit": "cities", "comparator": ">=",
    })  # fmt: skip


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The seeded ledger with two open threshold claims: one healthy, one for the huge values."""
    path = tmp_path_factory.mktemp("numbers") / "ledger.duckdb"
    ledger.seed_from_file(path)
    healthy = ledger.add_claim(path, threshold_claim("Robotaxis run in at least 65 cities."), probability=0.6)
    huge = ledger.add_claim(path, threshold_claim("Flying taxis run in at least 65 cities."), probability=0.4)
    return path, healthy, huge


@pytest.fixture
def ledger_copy(pristine: tuple[Path, int, int], tmp_path: Path) -> Iterator[tuple[Path, int, int]]:
    path = tmp_path / "ledger.duckdb"
    shutil.copy2(pristine[0], path)
    yield path, pristine[1], pristine[2]


def write_directly(path: Path, claim_id: int, values: list[tuple[str, float]]) -> None:
    """Observations written straight into the file, as an older program's ledger holds them, and the
    rollups recomputed by the database as that program did (its fit overflows to a NULL slope)."""
    with duckdb.connect(str(path)) as con:
        for day, value in values:
            con.execute(
                "INSERT INTO observations (claim_id, observed_on, value, created_at) VALUES (?, ?, ?, now())",
                [claim_id, day, value],
            )
        rollups.rebuild(con)


READ_COMMANDS = [
    ["list"], ["list", "--json"], ["show", "{huge}"], ["show", "{huge}", "--json"], ["show", "{healthy}"],
    ["review", "--today", TODAY], ["review", "--json", "--today", TODAY], ["score"], ["score", "--json"],
    ["calendar", "-o", "{out}/deadlines.ics"], ["export", "--format", "json", "-o", "{out}/ledger.json"],
    ["export", "--format", "csv", "-o", "{out}/ledger.csv"], ["publish", "--no-cards", "-o", "{out}/site"],
    ["watch", "list"], ["scorecard", "--since", "2024-01-01"],
]  # fmt: skip


def run_every_read_command(path: Path, healthy: int, huge: int, out: Path) -> None:
    for command in READ_COMMANDS:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        args = [arg.format(huge=huge, healthy=healthy, out=out) for arg in command]
        result = run_cli([*args, "--db", str(path)])
        assert result.code == 0, (args, result.err)
        assert result.err == "" or "error" not in result.err, (args, result.err)


@pytest.mark.tampers  # writes values straight into the file, as an old ledger holds them
@pytest.mark.parametrize(
    "values",
    [
        [("2026-01-10", 1e308), ("2026-02-10", 1.7e308), ("2026-03-10", -1.7e308)],  # the three readings
        [("2026-01-10", 1.7e308), ("2026-02-10", 1.7e308)],  # a fit whose sums overflow to inf
        [("2026-01-10", 1.7e308)],  # one value: the flat projection of a huge number
    ],
    ids=["three-huge", "two-equal-huge", "one-huge"],
)
def test_an_old_ledger_holding_huge_values_still_reads_every_claim(
    ledger_copy: tuple[Path, int, int], tmp_path: Path, values: list[tuple[str, float]]
) -> None:
    path, healthy, huge = ledger_copy
    ledger.add_observation(path, healthy, _observation("2026-01-10", 20))
    ledger.add_observation(path, healthy, _observation("2026-02-10", 30))
    write_directly(path, huge, values)

    run_every_read_command(path, healthy, huge, tmp_path / "out")

    views = {view.id: view for view in ledger.list_claims(path, date(2026, 3, 1))}
    assert len(views) == 36  # every claim listed, the seed's 34 too
    assert views[huge].projection is None or abs(views[huge].projection.value) <= max(abs(v) for _, v in values)
    assert views[healthy].projection is not None and views[healthy].projection.value > 30  # untouched
    listed = run_cli(["list", "--db", str(path)]).out
    assert f"{healthy:>5}  on track" in listed
    # The array rules (the reader pages) agree with the per-claim ones on the bad claim and the rest.
    from db.columns import claim_columns

    with duckdb.connect(str(path), read_only=True) as con:
        columns = claim_columns(con)
    by_id = dict(zip(columns["id"], status_columns.statuses(columns, date(2026, 3, 1)), strict=True))
    assert {i: v.status.value for i, v in views.items()} == {int(i): s for i, s in by_id.items()}


def _observation(day: str, value: float) -> object:
    from predictions.models import ObservationIn

    return ObservationIn(observed_on=date.fromisoformat(day), value=value)


def test_a_fit_from_null_statistics_is_no_projection() -> None:
    """What an overflowed fit leaves in the rollups (NULL slope and intercept) reads as no projection."""
    row = {"kind": "threshold", "deadline": date(2099, 12, 31), "target": 65.0, "comparator": ">=",
           "last_value": -1.7e308, "last_value_on": date(2026, 3, 10), "fit_n": 3, "fit_slope": None,
           "fit_intercept": None, "fit_mean_x": 20500.0, "fit_sxx": 3000.0, "fit_syy": None,
           "fit_sxy": None}  # fmt: skip
    assert progress.summary_projection(row) is None
    assert progress.claim_status(row, date(2026, 3, 1), None) is progress.Status.NO_DATA


# --- refused on the way in -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e308", "1.7e308", "-1.7e308", "1000000000000001"])
def test_observe_refuses_a_value_beyond_the_bound_in_one_line(ledger_copy: tuple[Path, int, int], value: str) -> None:
    path, _, huge = ledger_copy
    before = dump(path)
    result = run_cli(["observe", str(huge), "--on", "2026-02-01", f"--value={value}", "--db", str(path)])
    assert_clean_refusal(result)
    reason = f"{float(value)!r} is outside ±1e15, the largest magnitude a value may have"
    assert result.error_lines == [f"error: value: {reason}"]
    assert dump(path) == before


def test_add_refuses_a_target_beyond_the_bound_in_one_line(ledger_copy: tuple[Path, int, int]) -> None:
    path, _, _ = ledger_copy
    before = dump(path)
    result = run_cli(["add", "--statement", "Huge target", "--kind", "threshold", "--metric", "m",
                      "--target=1.7e308", "--deadline", "2030-01-01", "--db", str(path)])  # fmt: skip
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1 and "outside ±1e15" in result.err
    assert dump(path) == before


def evidence_csv(claim_id: int, value: float) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["claim_id", "observed_on", "value", "note"])
    writer.writerow([claim_id, "2026-02-01", 10, "fine"])
    writer.writerow([claim_id, "2026-02-15", repr(value), "huge"])
    return out.getvalue()


def evidence_json(claim_id: int, value: float) -> str:
    return json.dumps([{"claim_id": claim_id, "observed_on": "2026-02-15", "value": value}])


def ledger_json(claim_id: int, value: float) -> str:
    claim = {"statement": f"Imported reading number {next(IMPORTED)}", "made_on": "2026-01-01",
             "deadline": "2030-12-31", "kind": "threshold", "metric": "m", "target": 10,
             "observations": [{"observed_on": "2026-02-15", "value": value}]}  # fmt: skip
    return json.dumps({"format": JSON_FORMAT, "claims": [claim]})


IMPORTED = itertools.count(1)  # each import is a claim of its own, never a duplicate statement
IMPORTS = {"evidence csv": ("evidence", evidence_csv), "evidence json": ("evidence", evidence_json),
           "ledger json": ("json", ledger_json)}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(IMPORTS))
@pytest.mark.parametrize("value", HUGE)
def test_an_import_with_a_huge_value_is_refused_whole(
    ledger_copy: tuple[Path, int, int], tmp_path: Path, kind: str, value: float
) -> None:
    path, _, huge = ledger_copy
    fmt, make = IMPORTS[kind]
    file = tmp_path / f"import.{'csv' if kind.endswith('csv') else 'json'}"
    file.write_text(make(huge, value))
    before = dump(path)
    result = run_cli(["import", str(file), "--format", fmt, "--db", str(path)])
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1 and "outside ±1e15" in result.err, result.err
    assert dump(path) == before


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


@pytest.mark.parametrize("value", ["1e308", "1.7e308", "-1.7e308", "1,000,000,000,000,001"])
def test_a_watched_source_with_a_huge_value_records_nothing(
    ledger_copy: tuple[Path, int, int], site: Site, value: str
) -> None:
    path, _, huge = ledger_copy
    url = site.serve("/huge.csv", f'month,cities\n2026-01,18\n2026-02,"{value}"\n')
    watch = watches.WatchIn(claim_id=huge, url=url, format="csv", value_at="cities", date_at="month")
    watches.add_watch(path, watch)
    before = {k: v for k, v in dump(path).items() if k != "watches"}
    [run] = watches.run_due(load_settings(db=path, watch_retry_seconds=0), everything=True)
    assert run.error == f"line 3: value {value!r} is outside ±1e15, the largest magnitude a value may have"
    assert {k: v for k, v in dump(path).items() if k != "watches"} == before


# --- a property: extreme finite numbers through every way in, then every read command ----------------------

EXTREME = st.one_of(
    st.sampled_from([*HUGE, MAX_ABS_VALUE, -MAX_ABS_VALUE, 1e15 + 2, 5e-324, -0.0, 2.0**53, 1e300, 8.98e307]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e16, max_value=1e16),
)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(EXTREME, min_size=1, max_size=3), way=st.sampled_from(["observe", "watch", *sorted(IMPORTS)]))
def test_extreme_finite_values_through_any_way_in_never_break_a_read_command(
    ledger_copy: tuple[Path, int, int], site: Site, tmp_path: Path, values: list[float], way: str
) -> None:
    path, healthy, huge = ledger_copy  # shared by the examples: what one accepted, the next reads
    for number, value in enumerate(values):
        day = f"2026-0{1 + number}-1{number}"
        accepted = abs(value) <= MAX_ABS_VALUE
        before = dump(path)
        if way == "observe":
            result = run_cli(["observe", str(huge), "--on", day, f"--value={value!r}", "--db", str(path)])
            assert result.code == (0 if accepted else 1), result.err
        elif way == "watch":
            url = site.serve(f"/v{number}.csv", f"month,cities\n{day},{value!r}\n")
            watch_id = watches.add_watch(path, watches.WatchIn(claim_id=huge, url=url, format="csv",
                                                               value_at="cities", date_at="month"))  # fmt: skip
            before = {k: v for k, v in dump(path).items() if k != "watches"}
            [run] = watches.run_due(load_settings(db=path, watch_retry_seconds=0), watch_ids=[watch_id])
            assert (run.error is None) == accepted, run.error
        else:
            fmt, make = IMPORTS[way]
            file = tmp_path / f"import-{number}.{'csv' if way.endswith('csv') else 'json'}"
            file.write_text(make(huge, value))
            result = run_cli(["import", str(file), "--format", fmt, "--db", str(path)])
            assert result.code == (0 if accepted else 1), result.err
        if not accepted and way != "watch":
            assert dump(path) == before
        if not accepted and way == "watch":
            assert {k: v for k, v in dump(path).items() if k != "watches"} == before
    run_every_read_command(path, healthy, huge, tmp_path / "out")
