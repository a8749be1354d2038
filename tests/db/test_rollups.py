"""The per-claim rollups (db/rollups.py) are what every write leaves behind: after each kind of write
they equal a recomputation from the ledger tables and a plain Python computation from the raw rows."""

from __future__ import annotations

import contextlib
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from mixed_ledger import build_mixed_ledger

from db import rollups
from db.clock import replaying
from predictions import exports, imports, ledger
from predictions.models import ClaimIn, ForecastIn, ObservationIn, ResolutionIn

TODAY = date(2026, 3, 1)


def stale(db: Path) -> list[int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return rollups.stale_claims(con)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def expected_in_python(db: Path) -> dict[int, dict[str, Any]]:
    """Each claim's rollup from its raw rows, by loops: the rules of docs/architecture.md §3 and §4 written
    out again."""
    with duckdb.connect(str(db), read_only=True) as con:
        claims = {row["id"]: row for row in rows(con, "SELECT id, partial_credit, deadline FROM claims")}
        forecasts = rows(con, "SELECT * FROM forecasts")
        observations = rows(con, "SELECT * FROM observations")
        resolutions = rows(con, "SELECT * FROM resolutions")
        undone = {row["resolution_id"] for row in rows(con, "SELECT resolution_id FROM resolution_undos")}
    out: dict[int, dict[str, Any]] = {}
    first_resolved: dict[int, datetime] = {}
    for r in resolutions:
        first_resolved[r["claim_id"]] = min(r["recorded_at"], first_resolved.get(r["claim_id"], r["recorded_at"]))

    def counts(f: dict[str, Any]) -> bool:
        """No hindsight (docs/evidence-and-verdicts.md, "No hindsight in any score"): never backfilled; a live
        forecast only if recorded before the end of the deadline day and before the first resolution was recorded."""
        if f["entry"] == "backfilled":
            return False
        if f["entry"] != "live":
            return True
        deadline = claims[f["claim_id"]]["deadline"]
        if deadline is not None and f["recorded_at"] >= datetime.combine(deadline + timedelta(days=1), time()):
            return False
        return f["claim_id"] not in first_resolved or f["recorded_at"] < first_resolved[f["claim_id"]]

    forecasts = [f for f in forecasts if counts(f)]
    touched = {r["claim_id"] for r in forecasts + observations + resolutions}
    for claim_id in touched:
        mine = [f for f in forecasts if f["claim_id"] == claim_id]
        latest = max(mine, key=lambda f: (f["made_at"], f["id"])) if mine else None
        standing = [r for r in resolutions if r["claim_id"] == claim_id and r["id"] not in undone]
        in_force = max(standing, key=lambda r: r["id"]) if standing else None
        seen = [o for o in observations if o["claim_id"] == claim_id]
        valued = [o for o in seen if o["value"] is not None]
        outcome = None
        if in_force and in_force["outcome"] in ("true", "false", "partial"):
            partial = in_force["fraction"] if claims[claim_id]["partial_credit"] else 0.0
            outcome = {"true": 1.0, "false": 0.0}.get(in_force["outcome"], partial)
        out[claim_id] = {
            "probability": latest["probability"] if latest else None,
            "probability_by": latest["forecaster"] if latest else None,
            "outcome": in_force["outcome"] if in_force else None,
            "resolution_id": in_force["id"] if in_force else None,
            "n_observations": len(seen),
            "n_values": len(valued),
            "last_value_on": max((o["observed_on"] for o in valued), default=None),
            "last_observed_on": max((o["observed_on"] for o in seen), default=None),
            "n_scored": len(mine) if outcome is not None else 0,
            "brier_sum": sum((f["probability"] - outcome) ** 2 for f in mine) if outcome is not None and mine else None,
        }
    return out


def stored(db: Path) -> dict[int, dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {row.pop("claim_id"): row for row in rows(con, "SELECT * FROM claim_rollups")}


def forecaster_counts(db: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(stored in forecaster_rollups, counted here from the forecasts' rows)."""
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("SELECT forecaster, n_forecasts FROM forecaster_rollups").fetchall())
        counted: dict[str, int] = {}
        for (name,) in con.execute("SELECT forecaster FROM forecasts").fetchall():
            counted[name] = counted.get(name, 0) + 1
    return stored, counted


def assert_rollups_hold(db: Path) -> None:
    assert stale(db) == []
    stored_counts, counted = forecaster_counts(db)
    assert stored_counts == counted
    expected, actual = expected_in_python(db), stored(db)
    assert set(actual) == set(expected)
    for claim_id, want in expected.items():
        got = {name: actual[claim_id][name] for name in want}
        if want["brier_sum"] is not None:
            assert got.pop("brier_sum") == pytest.approx(want.pop("brier_sum"), rel=1e-12, abs=1e-12)
        assert got == want, claim_id


def test_every_write_through_the_ledger_keeps_the_rollups(db_path: Path) -> None:
    rng = random.Random(11)
    build_mixed_ledger(db_path, rng, n=120)  # every kind of row, many claims in one unit of work
    assert_rollups_hold(db_path)
    ids = [view.id for view in ledger.list_claims(db_path, TODAY)]
    with replaying(datetime(2025, 1, 1, 12)):  # added on the day they were made: live first forecasts
        new_id = ledger.add_claim(db_path, ClaimIn(statement="Added later", made_on=date(2025, 1, 1)), probability=0.3)
        partial = ledger.add_claim(
            db_path, ClaimIn(statement="Partial credit", made_on=date(2025, 1, 1), partial_credit=True), probability=0.6
        )
    ids.append(new_id)
    for step in range(60):
        claim_id = rng.choice(ids)
        action = rng.choice(["forecast", "observation", "resolve", "undo"])
        if action == "forecast":
            made_at = datetime(2025, 1, 1) + timedelta(days=rng.randrange(0, 300))
            # recorded when made; a claim resolved or past its deadline by then refuses it (no hindsight)
            with replaying(made_at), contextlib.suppress(ledger.LedgerError):
                ledger.add_forecast(db_path, claim_id, ForecastIn(probability=rng.random(), forecaster=f"f{step % 3}",
                                                                  made_at=made_at))  # fmt: skip
        elif action == "observation":
            value = rng.choice([None, float(rng.randrange(0, 100))])
            ledger.add_observation(db_path, claim_id, ObservationIn(observed_on=date(2025, 2, 1) + timedelta(step),
                                                                    value=value, note="seen"))  # fmt: skip
        elif action == "resolve":
            outcome = rng.choice(["true", "false", "partial", "ambiguous"])
            fraction = 0.25 if outcome == "partial" else None
            ledger.resolve(db_path, claim_id, ResolutionIn(outcome=outcome, resolved_on=date(2025, 6, 1),
                                                           fraction=fraction))  # fmt: skip
        else:
            with contextlib.suppress(ledger.LedgerError):  # nothing to undo on this claim
                ledger.undo_resolution(db_path, claim_id, "changed my mind")
    ledger.resolve(db_path, partial, ResolutionIn(outcome="partial", fraction=0.4, resolved_on=date(2025, 6, 1)))
    assert_rollups_hold(db_path)
    assert stored(db_path)[partial]["brier_sum"] == pytest.approx((0.6 - 0.4) ** 2)
    ledger.undo_resolution(db_path, partial, None)
    assert stored(db_path)[partial]["n_scored"] == 0
    assert_rollups_hold(db_path)


def test_imports_keep_the_rollups(tmp_path: Path, db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    lines = ["statement,probability,outcome,made_on,deadline,forecaster,tags"]
    for i in range(40):  # twenty claims, two forecasts each, a third of them resolved each way
        outcome = ["true", "false", ""][(i // 2) % 3]
        lines.append(f"Imported claim {i // 2},0.{i % 9 + 1},{outcome},2025-01-01,2025-06-30,p{i % 4},ai")
    text = "\n".join(lines) + "\n"
    try:
        imports.import_text(db_path, text, "csv", "imported")
    except imports.ImportProblems as problems:  # the file above is the test's; say which line is wrong
        pytest.fail(str(problems))
    assert_rollups_hold(db_path)
    exported = tmp_path / "ledger.json"
    exports.export_ledger(db_path, "json", exported)
    other = tmp_path / "other.duckdb"
    imports.import_file(other, exported, "json")
    assert_rollups_hold(other)
    assert stored(other).keys() and len(stored(other)) == len(stored(db_path))


@pytest.mark.tampers
def test_the_check_finds_a_rollup_that_no_longer_matches(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    assert stale(db_path) == []
    claim_id = next(iter(stored(db_path)))
    with duckdb.connect(str(db_path)) as con:  # behind the ledger's back, as a DuckDB shell could
        con.execute("UPDATE claim_rollups SET probability = 0.123 WHERE claim_id = ?", [claim_id])
        con.execute("INSERT INTO forecasts (claim_id, forecaster, probability, made_at, basis, entry) "
                    "VALUES (?, 'x', 0.9, TIMESTAMP '2030-01-01', 'b', 'imported')", [claim_id + 1])  # fmt: skip
    assert stale(db_path) == sorted([claim_id, claim_id + 1])
    with duckdb.connect(str(db_path), read_only=True) as con:
        assert rollups.stale_forecasters(con) == ["x"]  # the forecast added behind its back
    with ledger.writing(db_path) as con:
        rollups.rebuild(con)
    assert_rollups_hold(db_path)


def test_a_failed_write_leaves_the_rollups_as_they_were(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    before = stored(db_path)
    claim_id = next(iter(before))
    with pytest.raises(RuntimeError), ledger.writing(db_path) as con:
        from db import queries

        queries.insert_forecast(con, claim_id, {"forecaster": "x", "probability": 0.99,
                                                "made_at": datetime(2031, 1, 1), "basis": "b"})  # fmt: skip
        raise RuntimeError("the unit of work fails after the write")
    assert stored(db_path) == before


@pytest.mark.tampers
def test_the_overview_brier_from_rollups_is_the_track_records(db_path: Path) -> None:
    build_mixed_ledger(db_path, random.Random(5), n=150)
    with ledger.writing(db_path) as con:  # a second forecaster and partial credit, so the sums have work
        con.execute("UPDATE claims SET attribution = 'author' WHERE id % 3 = 0")
        con.execute("UPDATE claims SET partial_credit = true WHERE id % 4 = 0")
        rollups.rebuild(con)  # the rows above were changed behind the ledger's back
    from predictions import overview

    table = ledger.claim_table(db_path, TODAY)
    for attribution in ("author", "cited_forecast"):
        summary = overview.brier_of(table, attribution)
        record = ledger.track_record(db_path, TODAY, attribution=attribution)
        assert summary.n == record.n
        if record.n:
            assert summary.brier == pytest.approx(record.brier, rel=1e-12)
        else:
            assert summary.brier is None
    assert overview.brier_of(table, "author").n > 0


def test_a_reader_of_a_ledger_before_the_rollups_is_told_to_upgrade_it(db_path: Path) -> None:
    import db

    with db.unit_of_work(db_path) as con:
        db.migrate(con, up_to=2)  # a ledger written by the version before the rollups
    with pytest.raises(ledger.DatabaseError, match=r"schema version 2.*predictions ensure-db"):
        ledger.claim_table(db_path, TODAY)
    ledger.seed_from_file(db_path)  # any write brings it up to date
    assert len(ledger.claim_table(db_path, TODAY)) > 0
    assert_rollups_hold(db_path)
