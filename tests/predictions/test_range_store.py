"""Ranges in the ledger, through the real command line on a real DuckDB file: `forecast --quantiles`
(refusals in one line, exit 1, the database unchanged; the hindsight rules), `resolve --value`, `show`,
`score` and `score --json` against an independent computation, the review queue's proposed value, an
old ledger migrated (its chain intact) and a tampered quantile named by verify."""

from __future__ import annotations

import bisect
import json
import math
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from db import chain, migrations
from db.clock import replaying
from db.errors import PredictionsError
from predictions import ledger, verdicts
from predictions.models import ForecastIn, ObservationIn, ResolutionIn
from predictions.vocabulary import Outcome

ROBOTAXI, EHANG, DOMINANCE = 14, 16, 15  # ids of the seed's claims (a threshold, an open one, a binary one)
ENTRY_POINT = Path(sys.executable).with_name("predictions")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "PREDICTIONS_AUTHOR_NAME": "Pascal Coppens"}
    return subprocess.run(
        [str(ENTRY_POINT), *map(str, args)], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.duckdb"
    ledger.seed_from_file(path)
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ledger.duckdb"
    shutil.copy(seeded, target)
    return target


def test_a_range_is_recorded_with_its_implied_probability(db: Path) -> None:
    result = run("forecast", EHANG, "--probability", "25%", "--quantiles", "10=800,50=2500,90=6000", "--db", db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # P(X ≥ 10,000) is 0: the upper tail ends at 6,000 + 0.1·3,500/0.4 = 6,875
    assert lines[1] == "range: p10 800 · p50 2,500 · p90 6,000 flying taxis (90% between 587 and 6,437, whole numbers)"
    assert lines[2] == "implied probability that it comes true: 0% (stated 25%)"
    assert lines[3].startswith("note: the range implies 0% that it comes true, the stated probability is 25%")
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT level, value FROM forecast_quantiles ORDER BY level").fetchall()
    assert rows == [(0, 375.0), (10, 800.0), (50, 2500.0), (90, 6000.0), (100, 6875.0)]
    shown = run("show", EHANG, "--db", db).stdout
    assert (
        "range: p10 800 · p50 2,500 · p90 6,000 flying taxis; implies 0% (stated 25%): more than 10 points apart"
        in (shown)
    )
    assert ledger.verify_record(db)[0].intact


def test_a_range_close_to_the_stated_probability_gets_no_note(db: Path) -> None:
    result = run("forecast", EHANG, "--probability", "0.3", "--quantiles", "10=2000,50=7000,90=14000", "--db", db)
    assert result.returncode == 0, result.stderr
    # P(X ≥ 10,000) = 1 − F(9,999.5) with F linear from 0.5 at 7,000 to 0.9 at 14,000
    implied = 1 - (0.5 + 0.4 * (9999.5 - 7000) / 7000)
    assert f"implied probability that it comes true: {implied:.0%} (stated 30%)" in result.stdout
    assert "note:" not in result.stdout


@pytest.mark.parametrize(
    ("claim", "quantiles", "problem"),
    [
        (EHANG, "10=800,50=700,90=6000", "error: quantiles: quantiles must increase: p50 = 700 is not above p10 = 800"),
        (EHANG, "10=-8,50=700,90=6000", "error: claim 16: p10 = -8 is below 0, the least the metric can be"),
        (EHANG, "10=8,90=6000", "error: quantiles: a range needs at least 3 quantiles between p5 and p95"),
        (EHANG, "2=8,50=10,90=6000", "error: quantiles: quantile level 2 is outside p5…p95"),
        (EHANG, "10=8,50=ten,90=6000", "error: quantile 50's value 'ten' is not a number"),
        (ROBOTAXI, "10=30,50=55,90=80", "error: claim 14's deadline 2025-12-31 has passed: a forecast now would be"),
    ],
)
def test_bad_ranges_are_refused_in_one_line_and_change_nothing(
    db: Path, claim: int, quantiles: str, problem: str
) -> None:
    before = dump(db)
    result = run("forecast", claim, "--probability", "0.3", "--quantiles", quantiles, "--db", db)
    assert result.returncode == 1
    assert result.stderr.startswith(problem), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert dump(db) == before


def test_a_binary_claim_takes_no_range_and_no_value(db: Path) -> None:
    with replaying(datetime(2025, 6, 1, 9)), pytest.raises(PredictionsError, match="only a threshold claim"):
        ledger.add_forecast(db, DOMINANCE, ForecastIn(probability=0.3, forecaster="x", made_at=datetime(2025, 6, 1),
                                                      quantiles={10: 1, 50: 2, 90: 3}))  # fmt: skip
    before = dump(db)
    result = run("resolve", DOMINANCE, "true", "--value", "3", "--db", db)
    assert (result.returncode, result.stderr) == (
        1,
        "error: claim 15 is not a threshold claim: its resolution rests on no value\n",
    )
    assert dump(db) == before


def _cdf(xs: list[float], ps: list[float], x: float) -> float:
    if x < xs[0]:
        return 0.0
    if x >= xs[-1]:
        return 1.0
    j = bisect.bisect_right(xs, x) - 1
    return ps[j] + (ps[j + 1] - ps[j]) * (x - xs[j]) / (xs[j + 1] - xs[j])


def _count_crps(xs: list[float], ps: list[float], y: float) -> float:
    """Σ over whole-number cells of (F(k + ½) − 1{k ≥ y})², for a whole y."""
    return sum((_cdf(xs, ps, k + 0.5) - (1.0 if k >= y else 0.0)) ** 2 for k in range(-10, 400))


def test_resolving_with_a_value_scores_the_range(db: Path) -> None:
    """A range recorded before the deadline, resolved with a value: `score --json` has the numbers an
    independent computation (a plain sum over whole numbers, the quantiles by hand) gives."""
    with replaying(datetime(2025, 6, 1, 9)):
        ledger.add_forecast(db, ROBOTAXI, ForecastIn(probability=0.6, forecaster="Pascal Coppens",
                                                     made_at=datetime(2025, 6, 1, 9),
                                                     quantiles={10: 30, 50: 55, 90: 80}))  # fmt: skip
    result = run("resolve", ROBOTAXI, "false", "--value", "28", "--on", "2026-01-05", "--db", db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("resolved claim 14: false at 28\nthe outcome 28 cities is at the 7th percentile")
    document = json.loads(run("score", "--json", "--db", db).stdout)
    numeric = document["numeric"]
    assert numeric["n"] == 1
    scored = numeric["forecasts"][0]
    # the distribution by hand: tails at 30 − 0.1·25/0.4 = 23.75 and 80 + 0.1·25/0.4 = 86.25
    xs, ps = [23.75, 30.0, 55.0, 80.0, 86.25], [0.0, 0.1, 0.5, 0.9, 1.0]
    assert scored["crps"] == pytest.approx(_count_crps(xs, ps, 28.0), abs=1e-9)
    assert scored["pit"] == pytest.approx((_cdf(xs, ps, 27.5) + _cdf(xs, ps, 28.5)) / 2, abs=1e-12)
    # 50% interval: whole numbers around p25 = 39.375 and p75 = 70.625 → [39, 71]; 28 lies 11 below
    fifty = scored["intervals"]["50"]
    assert (fifty["low"], fifty["high"], fifty["covered"]) == (39.0, 71.0, False)
    assert fifty["score"] == pytest.approx((71 - 39) + (2 / 0.5) * (39 - 28))
    ninety = scored["intervals"]["90"]  # p5 = 26.875 → 27, p95 = 83.125 → 83: 28 inside
    assert (ninety["low"], ninety["high"], ninety["covered"], ninety["score"]) == (27.0, 83.0, True, 56.0)
    assert [c["covered"] for c in numeric["coverage"]] == [0, 0, 1]
    assert numeric["pit_histogram"]["counts"] == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    text = run("score", "--db", db).stdout
    assert "ranges: 50% intervals held 0 of 1 (0%, 0%–79%); 80% intervals held 0 of 1" in text
    assert (
        "#14 Robotaxis operate in at least 65 Chinese cities in 2025: outcome 28 cities at the 7th percentile" in text
    )
    assert "resolved 2026-01-05: false at 28" in run("show", ROBOTAXI, "--db", db).stdout


def test_a_range_recorded_after_the_first_resolution_is_refused_and_an_undone_value_is_not_scored(db: Path) -> None:
    with replaying(datetime(2025, 6, 1, 9)):
        ledger.add_forecast(db, ROBOTAXI, ForecastIn(probability=0.6, forecaster="Pascal Coppens",
                                                     made_at=datetime(2025, 6, 1, 9),
                                                     quantiles={10: 30, 50: 55, 90: 80}))  # fmt: skip
    with replaying(datetime(2026, 1, 5, 9)):
        ledger.resolve(db, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 5), value=28))
        ledger.undo_resolution(db, ROBOTAXI, "wrong count")
        ledger.resolve(db, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 5)))
    from predictions import numeric

    assert numeric.numeric_record(db).n == 0  # the resolution in force rests on no value
    with replaying(datetime(2026, 1, 6, 9)):
        ledger.undo_resolution(db, ROBOTAXI, "again")
        ledger.resolve(db, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 6), value=31))
    assert [s.value for s in numeric.numeric_record(db).scored] == [31.0]


def test_the_review_queue_proposes_the_value(db: Path) -> None:
    with replaying(datetime(2026, 1, 3, 9)):
        ledger.add_observation(db, ROBOTAXI, ObservationIn(observed_on=date(2025, 11, 30), value=22))
        ledger.add_observation(db, ROBOTAXI, ObservationIn(observed_on=date(2025, 12, 31), value=27))
        ledger.add_observation(db, ROBOTAXI, ObservationIn(observed_on=date(2026, 1, 2), value=99))  # after it
    item = next(i for i in verdicts.review_queue(db, date(2026, 1, 3)) if i.id == ROBOTAXI)
    assert (item.proposal.outcome, item.proposal.value) == ("false", 27.0)
    assert item.as_json()["proposed_value"] == 27.0
    text = run("review", "--today", "2026-01-03", "--db", db).stdout
    assert "  resolve with: predictions resolve 14 false --value 27" in text


def test_an_old_ledger_migrates_with_its_chain_intact(tmp_path: Path) -> None:
    """A ledger of schema 7 (chained, no range tables) gets migration 8: every old record keeps its hash."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        migrations.migrate(con, up_to=7)
    with duckdb.connect(str(path)) as con:  # rows and records as version 7 wrote them
        con.execute("INSERT INTO claims (statement, claimant, attribution, kind, made_on, deadline, tags, flags, "
                    "metric, unit, comparator, target, created_at, recorded_at, withdrawn) VALUES ('Old', 'me', "
                    "'author', 'threshold', DATE '2024-01-01', DATE '2024-12-31', [], [], 'm', 'cities', '>=', 10, "
                    "TIMESTAMP '2024-01-01 10:00', TIMESTAMP '2024-01-01 10:00', false)")  # fmt: skip
        chain.append(con, "claims", [1])
        before = con.execute("SELECT seq, record, hash FROM record_chain ORDER BY seq").fetchall()
    ledger.ensure_database(path)
    with duckdb.connect(str(path), read_only=True) as con:
        assert migrations.current_version(con) == max(m.version for m in migrations.MIGRATIONS) >= 8
        assert con.execute("SELECT seq, record, hash FROM record_chain ORDER BY seq").fetchall() == before
    assert ledger.verify_record(path)[0].intact
    with replaying(datetime(2024, 6, 1)):
        ledger.add_forecast(path, 1, ForecastIn(probability=0.5, forecaster="me", made_at=datetime(2024, 6, 1),
                                                quantiles={10: 5, 50: 10, 90: 20}))  # fmt: skip
    assert ledger.verify_record(path)[0].intact


def test_a_tampered_quantile_is_named_by_verify(db: Path) -> None:
    with replaying(datetime(2025, 6, 1, 9)):
        ledger.add_forecast(db, ROBOTAXI, ForecastIn(probability=0.6, forecaster="Pascal Coppens",
                                                     made_at=datetime(2025, 6, 1, 9),
                                                     quantiles={10: 30, 50: 55, 90: 80}))  # fmt: skip
    with replaying(datetime(2026, 1, 5, 9)):
        ledger.resolve(db, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 5), value=28))
    with duckdb.connect(str(db)) as con:
        quantile_id = con.execute("SELECT id FROM forecast_quantiles WHERE level = 50").fetchone()[0]
        seq = con.execute(
            "SELECT seq FROM record_chain WHERE table_name = 'forecast_quantiles' AND row_id = ?", [quantile_id]
        ).fetchone()[0]
        con.execute("UPDATE forecast_quantiles SET value = 40 WHERE id = ?", [quantile_id])
    result = run("verify", "--db", db)
    assert result.returncode == 1
    assert f"broken at record {seq}: forecast_quantiles row {quantile_id}: value differs: recorded 55, now 40" in (
        result.stdout + result.stderr
    )
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE forecast_quantiles SET value = 55 WHERE id = ?", [quantile_id])
        value_id = con.execute("SELECT id FROM resolution_values").fetchone()[0]
        con.execute("UPDATE resolution_values SET value = 65 WHERE id = ?", [value_id])
    result = run("verify", "--db", db)
    assert f"resolution_values row {value_id}: value differs: recorded 28, now 65" in result.stdout + result.stderr
    with duckdb.connect(str(db)) as con:  # put back: the suite's own check after the test finds it intact
        con.execute("UPDATE resolution_values SET value = 28 WHERE id = ?", [value_id])
    assert math.isfinite(float(ledger.verify_record(db)[0].head.count))
