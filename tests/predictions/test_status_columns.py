"""The columnar claim table behind the reader pages: its vectorised statuses agree with the per-row
rule on every kind of claim, and its counts and buckets agree with a plain loop over the rows."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from mixed_ledger import build_mixed_ledger

from predictions import ledger, overview
from predictions.progress import claim_status, summary_projection
from predictions.status_columns import statuses

TODAY = date(2026, 3, 1)


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
