"""The revised shipped evidence reaches a ledger seeded from the first version: `predictions init` and
`predictions ensure-db` record each changed row as a correction of the old one (a new observation whose
`revises` names it), never a duplicate and never an overwrite; unchanged rows stay as they were; a
second run adds nothing.

tests/data/evidence-first-version.csv is the first shipped version, as git history has it (commit
92a859a, predictions/seed_data/this-month-in-china-2024-12.evidence.csv). What changed is worked out
here from the two CSV files with the csv module, not from the revisions file the code reads.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ledger_snapshot import dump, run_cli

from db.migrations import MIGRATIONS
from predictions import ledger
from predictions.imports import evidence, evidence_revisions
from predictions.seed import default_seed_path

FIRST_VERSION = Path(__file__).resolve().parents[1] / "data" / "evidence-first-version.csv"
SHIPPED = default_seed_path().with_name(default_seed_path().stem + ".evidence.csv")
REVISIONS = default_seed_path().with_name(default_seed_path().stem + ".evidence.revisions.csv")
FIELDS = ("claim_key", "observed_on", "value", "note", "source_url", "source_published", "confidence")


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def content(row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[name] for name in FIELDS)


def changed() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(rows of the first version not in the shipped file, rows of the shipped file not in the first)."""
    old, new = rows_of(FIRST_VERSION), rows_of(SHIPPED)
    old_set, new_set = {content(r) for r in old}, {content(r) for r in new}
    return [r for r in old if content(r) not in new_set], [r for r in new if content(r) not in old_set]


@pytest.fixture
def first_version_ledger(tmp_path: Path) -> Path:
    """A ledger seeded as `predictions init` did when the first version shipped."""
    folder = tmp_path / "first"
    folder.mkdir()
    seed = folder / default_seed_path().name
    shutil.copy(default_seed_path(), seed)
    shutil.copy(FIRST_VERSION, evidence.shipped_evidence_path(seed))
    db_path = tmp_path / "ledger.duckdb"
    result = evidence.seed_ledger(db_path, seed)
    assert result.evidence_added == len(rows_of(FIRST_VERSION))
    return db_path


def observations(db_path: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        cursor = con.execute(
            """SELECT o.*, regexp_extract(c.external_id, ':([a-z0-9-]+)$', 1) AS claim_key
               FROM observations o JOIN claims c ON c.id = o.claim_id ORDER BY o.id"""
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def as_csv(o: dict[str, Any]) -> tuple[str, ...]:
    """An observation as its evidence-file row would read (numbers as the file writes them)."""
    value = "" if o["value"] is None else f"{o['value']:g}"
    published = "" if o["source_published"] is None else o["source_published"].isoformat()
    return (o["claim_key"], o["observed_on"].isoformat(), value, o["note"] or "", o["source_url"] or "",
            published, o["confidence"] or "")  # fmt: skip


def test_the_shipped_file_differs_from_the_first_version_in_rows_of_the_same_claim_and_day() -> None:
    old, new = changed()
    assert old and len(old) == len(new) < len(rows_of(SHIPPED))
    assert sorted((r["claim_key"], r["observed_on"]) for r in old) == sorted(
        (r["claim_key"], r["observed_on"]) for r in new
    )
    # The revisions file the code reads holds exactly those old rows.
    listed = [
        {**r, "source_published": r["source_published"], "confidence": r["confidence"]} for r in rows_of(REVISIONS)
    ]
    assert sorted(content(r) for r in listed) == sorted(content(r) for r in old)
    # ... each naming a claim and day that has one row in the shipped file (its new version).
    for row in old:
        same_day = [
            r for r in rows_of(SHIPPED) if (r["claim_key"], r["observed_on"]) == (row["claim_key"], row["observed_on"])
        ]
        assert len(same_day) == 1


def test_init_records_each_changed_row_as_a_correction_and_nothing_else(first_version_ledger: Path) -> None:
    before = observations(first_version_ledger)
    old, new = changed()
    result = run_cli(["init", "--db", str(first_version_ledger)])
    assert result.code == 0, result.err
    assert f"0 observations of evidence added, {len(rows_of(SHIPPED)) - len(new)} already there" in result.out
    assert f", {len(new)} rows corrected; shipped evidence: the revision of 2026-12-07" in result.out
    after = observations(first_version_ledger)
    # Append-only: every row there before is there after, unchanged.
    assert after[: len(before)] == before
    added = after[len(before) :]
    assert sorted(as_csv(o) for o in added) == sorted(content(r) for r in new)
    by_id = {o["id"]: o for o in before}
    for correction in added:
        replaced = by_id[correction["revises"]]
        assert as_csv(replaced) in {content(r) for r in old}
        assert (replaced["claim_id"], replaced["observed_on"]) == (correction["claim_id"], correction["observed_on"])
        assert correction["origin"] == "evidence"
    assert len({o["revises"] for o in added}) == len(added)  # one correction per old row
    # The rows in force are the shipped file, row for row.
    replaced_ids = {o["revises"] for o in after if o["revises"] is not None}
    in_force = [o for o in after if o["id"] not in replaced_ids and o["origin"] == "evidence"]
    assert sorted(as_csv(o) for o in in_force) == sorted(content(r) for r in rows_of(SHIPPED))


def test_a_second_init_and_ensure_db_add_nothing(first_version_ledger: Path) -> None:
    assert run_cli(["init", "--db", str(first_version_ledger)]).code == 0
    settled = dump(first_version_ledger)
    again = run_cli(["init", "--db", str(first_version_ledger)])
    assert again.code == 0 and "corrected" not in again.out
    assert run_cli(["ensure-db", "--db", str(first_version_ledger)]).out == f"using {first_version_ledger}\n"
    assert dump(first_version_ledger) == settled


def test_ensure_db_corrects_a_first_version_ledger_as_init_does(first_version_ledger: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin.duckdb"
    shutil.copy(first_version_ledger, twin)
    _old, new = changed()
    result = run_cli(["ensure-db", "--db", str(first_version_ledger)])
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"using {first_version_ledger}",
        f"{len(new)} rows of the shipped evidence corrected to the revision of 2026-12-07 "
        "(each recorded as a correction of the old row)",
    ]
    assert run_cli(["init", "--db", str(twin)]).code == 0
    strip = ["id", "created_at", "recorded_at"]
    assert [{k: v for k, v in o.items() if k not in strip} for o in observations(first_version_ledger)] == [
        {k: v for k, v in o.items() if k not in strip} for o in observations(twin)
    ]


def test_the_corrected_values_are_the_ones_the_pages_and_scores_read(first_version_ledger: Path) -> None:
    today = date(2026, 12, 7)
    valued = sorted(
        (date.fromisoformat(r["observed_on"]), float(r["value"]))
        for r in rows_of(SHIPPED)
        if r["claim_key"] == "robotaxi-cities-2025" and r["value"]
    )
    first_valued = [r for r in rows_of(FIRST_VERSION) if r["claim_key"] == "robotaxi-cities-2025" and r["value"]]
    assert len(first_valued) > len(valued)  # the first version had Apollo Go's own counts as values

    def robotaxi() -> Any:
        claim = next(
            v
            for v in ledger.list_claims(first_version_ledger, today)
            if v["metric"] and "robotaxi" in str(v["statement"]).lower()
        )
        return ledger.get_claim(first_version_ledger, int(claim["id"]), today)

    assert len([o for o in robotaxi().observations if o["value"] is not None]) == len(first_valued)
    assert run_cli(["init", "--db", str(first_version_ledger)]).code == 0
    detail = robotaxi()
    assert sorted((o["observed_on"], o["value"]) for o in detail.observations if o["value"] is not None) == valued
    trajectory = ledger.claim_trajectory(detail)
    assert trajectory is not None
    assert [(p.day, p.value) for p in trajectory.points] == valued
    assert detail.view["last_value"] == valued[-1][1]


def test_evidence_the_author_recorded_is_never_taken_for_an_old_row(first_version_ledger: Path) -> None:
    old, _new = changed()
    row = old[0]
    claim = evidence_revisions.read_revisions(REVISIONS)[0]
    assert (claim.claim_key, claim.observed_on.isoformat()) == (row["claim_key"], row["observed_on"])
    # The author recorded the same fact with their own note: origin 'recorded', so not the shipped row.
    with duckdb.connect(str(first_version_ledger), read_only=True) as con:
        found = con.execute("SELECT id FROM claims WHERE external_id LIKE ?", [f"%:{row['claim_key']}"]).fetchone()
    assert found is not None
    observed = run_cli(
        ["observe", str(found[0]), "--on", row["observed_on"], "--note", row["note"], "--db", str(first_version_ledger)]
    )
    assert observed.code == 0, observed.err
    mine = observations(first_version_ledger)[-1]
    assert run_cli(["init", "--db", str(first_version_ledger)]).code == 0
    assert not [o for o in observations(first_version_ledger) if o["revises"] == mine["id"]]


def test_the_in_force_migration_rebuilds_the_rollups_a_revised_reading_left_behind(first_version_ledger: Path) -> None:
    """Before observations in force, a claim's rollup counted a revised row and its revision both: the
    migration recomputes every rollup under the rule of today."""
    from db import rollups

    assert run_cli(["init", "--db", str(first_version_ledger)]).code == 0
    with duckdb.connect(str(first_version_ledger)) as con:
        [(claim_id,)] = con.execute(
            "SELECT claim_id FROM observations WHERE revises IS NOT NULL AND value IS NOT NULL LIMIT 1"
        ).fetchall()
        expected = con.execute("SELECT * FROM claim_rollups WHERE claim_id = ?", [claim_id]).fetchall()
        # the rollup as the old rule left it: every observation counted, the revised one too
        con.execute(
            "UPDATE claim_rollups SET n_observations = (SELECT count(*) FROM observations WHERE claim_id = ?),"
            " n_values = (SELECT count(value) FROM observations WHERE claim_id = ?) WHERE claim_id = ?",
            [claim_id, claim_id, claim_id],
        )
        assert rollups.stale_claims(con) == [claim_id]
        version = next(m.version for m in MIGRATIONS if m.name.startswith("observations in force"))
        con.execute("DELETE FROM schema_migrations WHERE version = ?", [version])
    assert run_cli(["ensure-db", "--db", str(first_version_ledger)]).code == 0  # any write migrates
    with duckdb.connect(str(first_version_ledger), read_only=True) as con:
        assert rollups.stale_claims(con) == []
        assert con.execute("SELECT * FROM claim_rollups WHERE claim_id = ?", [claim_id]).fetchall() == expected
