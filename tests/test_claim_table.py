"""The columnar claim table behind the reader pages: its vectorised statuses agree with the per-row
rule on every kind of claim, and its counts and buckets agree with a plain loop over the rows."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from db import queries
from predictions import ledger, overview
from predictions.models import ClaimIn, ForecastIn, ObservationIn, ResolutionIn
from predictions.progress import claim_status, summary_projection
from predictions.status_columns import statuses

TODAY = date(2026, 3, 1)


def build_mixed_ledger(db: Path, rng: random.Random, n: int = 160) -> None:
    """Binary and threshold claims, with and without deadlines, baselines, observations and resolutions.

    Written in one unit of work through the storage functions the ledger uses (one connection per
    claim would make this test slow without making it more real).
    """
    with ledger.writing(db) as con:
        for i in range(n):
            _add_mixed_claim(con, rng, i)


def _add_mixed_claim(con: duckdb.DuckDBPyConnection, rng: random.Random, i: int) -> None:
    made_on = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 500))
    deadline = None if rng.random() < 0.1 else made_on + timedelta(days=rng.randrange(10, 900))
    threshold = rng.random() < 0.6
    baseline = rng.choice([None, float(rng.randrange(0, 40))])
    claim = ClaimIn(
        statement=f"Mixed claim {i}",
        made_on=made_on,
        deadline=deadline,
        kind="threshold" if threshold else "binary",
        metric="units" if threshold else None,
        target=float(rng.choice([50, 100, 100, 20])) if threshold else None,
        comparator=rng.choice([">=", ">", "<=", "<"]) if threshold else None,
        baseline=baseline if threshold else None,
        baseline_on=made_on if threshold and baseline is not None and rng.random() < 0.7 else None,
    )
    claim_id = queries.insert_claim(con, claim.model_dump())
    probability = rng.choice([None, 0.2, 0.45, 0.5, 0.65, 0.9])
    if probability is not None:
        forecast = ForecastIn(probability=probability, forecaster="a", made_at=datetime(2024, 1, 1))
        # historical forecasts with their own dates, as an import brings them (they count by those dates)
        queries.insert_forecast(con, claim_id, {**forecast.model_dump(), "entry": "imported"})
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
        observed = made_on + timedelta(days=rng.randrange(0, 400))
        value = float(rng.randrange(0, 150)) if threshold or rng.random() < 0.3 else None
        observation = ObservationIn(observed_on=observed, value=value, note="n")
        queries.insert_observation(con, claim_id, observation.model_dump())
    if rng.random() < 0.25:
        outcome = rng.choice(["true", "false", "partial", "ambiguous"])
        resolution = ResolutionIn(outcome=outcome, resolved_on=made_on + timedelta(days=5),
                                  fraction=0.5 if outcome == "partial" else None)  # fmt: skip
        queries.insert_resolution(con, claim_id, resolution.model_dump())


def test_vectorised_statuses_match_the_per_row_rule(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(42))
    views = ledger.list_claims(db_path, TODAY)
    for today in (TODAY, date(2024, 6, 1), date(2027, 1, 1)):
        table = ledger.claim_table(db_path, today)
        expected = {v.id: claim_status(v.row, today, summary_projection(v.row)).value for v in views}
        assert dict(zip(table.ids.tolist(), table.status.tolist(), strict=True)) == expected
    # The ledger above reaches every status the rule knows, so the comparison covers them all.
    assert len({v.status for v in ledger.list_claims(db_path, date(2025, 6, 1))}) >= 8


def test_statuses_of_an_empty_ledger() -> None:
    empty = {key: np.array([]) for key in ("id", "deadline", "outcome", "kind")}
    assert len(statuses(empty, TODAY)) == 0


def test_counts_and_buckets_agree_with_a_plain_loop(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(7))
    table = ledger.claim_table(db_path, TODAY)
    rows = list(table)
    assert len(rows) == len(table) and [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    head = overview.headline(table, TODAY)
    assert head.claims == len(rows)
    assert head.open == sum(r["state"] == "open" for r in rows)
    assert head.overdue == sum(r["state"] == "overdue" for r in rows)
    assert head.resolved == sum(r["state"] == "resolved" for r in rows)
    due = [r for r in rows if r["state"] == "open" and r["deadline"]
           and TODAY <= date.fromisoformat(r["deadline"]) <= TODAY + timedelta(days=90)]  # fmt: skip
    assert head.due_soon == len(due)
    assert [r["id"] for r in overview.due_within(table, TODAY, 90)] == [
        r["id"] for r in sorted(due, key=lambda r: (r["deadline"], r["id"]))
    ]
    # A filter's mask selects exactly the rows the row-by-row filter keeps.
    claim_filter = overview.ClaimFilter(statuses=("open",), deadline_to=date(2026, 12, 31))
    by_mask = table.rows(np.flatnonzero(claim_filter.mask(table)))
    by_rows = overview.filter_claims(rows, claim_filter)
    assert [r["id"] for r in by_mask] == [r["id"] for r in by_rows] and by_rows


def test_timeline_picks_the_deadlines_nearest_today(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(3), n=90)
    table = ledger.claim_table(db_path, TODAY)
    chosen = overview.timeline_index(table, np.ones(len(table), dtype=bool), TODAY, 20)
    picked = table.rows(chosen)
    dated = [r for r in table if r["deadline"]]
    distance = sorted(abs((date.fromisoformat(r["deadline"]) - TODAY).days) for r in dated)
    assert len(picked) == 20
    assert max(abs((date.fromisoformat(r["deadline"]) - TODAY).days) for r in picked) == distance[19]
    assert [r["deadline"] for r in picked] == sorted(r["deadline"] for r in picked)


def test_trajectories_from_the_claim_tables_fields_equal_those_from_the_claims_rows(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(8))
    table = ledger.claim_table(db_path, TODAY)
    threshold = np.flatnonzero((table.columns["kind"] == "threshold") & ~np.isnan(table.columns["target"]))
    binary = int(table.ids[np.flatnonzero(table.columns["kind"] == "binary")[0]])
    ids = [int(table.ids[i]) for i in threshold[::2]] + [binary]  # the binary claim gets no trajectory
    from_table = ledger.table_trajectories(db_path, table, ids)
    from_rows = ledger.threshold_trajectories(db_path, TODAY, ids)
    assert len(from_rows) >= 20 and any(t.points for t in from_rows) and any(t.projection for t in from_rows)
    assert from_table == from_rows
    assert binary not in {t.claim_id for t in from_table}


def test_the_unfiltered_progress_charts_observations_come_with_the_claim_table(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(9))
    table = ledger.claim_table(db_path, TODAY, progress_claims=overview.PROGRESS_CLAIMS)
    shown = overview.progress_index(table, np.ones(len(table), dtype=bool), TODAY, overview.PROGRESS_CLAIMS)
    ids = [int(table.ids[i]) for i in shown]
    assert sorted(table.prefetched) == sorted(ids) and len(ids) == overview.PROGRESS_CLAIMS
    assert any(table.prefetched.values())  # some of them have observations
    expected = ledger.threshold_trajectories(db_path, TODAY, ids)
    db_path.rename(db_path.with_name("moved.duckdb"))  # no read of the file is left to make
    assert ledger.table_trajectories(db_path, table, ids) == expected
