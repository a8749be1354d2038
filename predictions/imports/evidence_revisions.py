"""Corrections of the shipped evidence on a ledger that holds an earlier version of it.

The evidence shipped beside the seed (`<stem>.evidence.csv`) is revised now and then; its rows as they
were before each revision ship beside it in `<stem>.evidence.revisions.csv` (the evidence columns, plus
`revised_on`, the day of the revision that replaced the row). A ledger seeded from an earlier version
holds those old rows. `predictions init` and `predictions ensure-db` record each one's new version as a
correction: a new observation whose `revises` names the old row (the mechanism a watched source's
revised reading uses), appended through the hash chain like every row. The old row stays in the record;
the pages, the charts and the scores read the row in force (db.rules.OBSERVATIONS_IN_FORCE).

Never a duplicate (an old row is corrected once: a corrected row is no longer in force, so a second run
finds nothing to correct), never an overwrite, and rows that did not change are left alone. An old row
is found only by its exact content (claim, day, value, note, source) and origin `evidence`, so evidence
the author recorded is never taken for it. Its new version is the current file's row of the same claim
and day (the revisions file may name only days that have one row in the current file: a test checks).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from pydantic import Field, ValidationError, field_validator

from db import evidence as evidence_sql
from predictions.imports.base import ImportProblems
from predictions.models import Model, describe_validation_error

FIRST_VERSION = "the first version"


class OldRow(Model):
    """A row of the shipped evidence as an earlier version had it: what to look for in a ledger (its
    source is matched as it was stored, never written again, so it is not re-checked as a URL)."""

    revised_on: date
    claim_key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    observed_on: date
    value: float | None = None
    note: str | None = None
    source_url: str | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        return float(value) if isinstance(value, str) else value


def revisions_path(evidence_path: Path) -> Path:
    """`<stem>.evidence.revisions.csv` beside `<stem>.evidence.csv`."""
    return evidence_path.with_name(evidence_path.name.removesuffix(".csv") + ".revisions.csv")


def read_revisions(path: Path) -> list[OldRow]:
    """The old rows of every earlier version (none when no revisions file ships)."""
    if not path.is_file():
        return []
    rows = []
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    for record in reader:
        cells = {key: (value if value and value.strip() else None) for key, value in record.items()}
        try:
            rows.append(OldRow.model_validate({k: v for k, v in cells.items() if k in OldRow.model_fields}))
        except ValidationError as error:
            where = f"{path.name} line {reader.line_num}"
            raise ImportProblems([f"{where}: {line}" for line in describe_validation_error(error)]) from error
    return rows


def shipped_version(evidence_path: Path) -> str:
    """Which version of the shipped evidence this is: its latest revision's day, or the first version."""
    days = [row.revised_on for row in read_revisions(revisions_path(evidence_path))]
    return f"the revision of {max(days).isoformat()}" if days else FIRST_VERSION


def _current_rows(rows: Sequence[Any]) -> dict[tuple[str, date], Any]:
    """The current file's rows by (claim key, day), only where that day has one row for the claim."""
    by_day: dict[tuple[str, date], list[Any]] = {}
    for row in rows:
        if row.claim_key is not None:
            by_day.setdefault((row.claim_key, row.observed_on), []).append(row)
    return {key: found[0] for key, found in by_day.items() if len(found) == 1}


def correct(con: duckdb.DuckDBPyConnection, current: Sequence[Any], old_rows: Sequence[OldRow]) -> int:
    """Record the current version of each old row this ledger holds in force, as its correction, inside
    the caller's unit of work; the number recorded. `current` holds the current file's EvidenceRows."""
    if not old_rows:
        return 0
    by_key = evidence_sql.claims_by_key(con, sorted({row.claim_key for row in old_rows}))
    claim_of = {key: ids[0] for key, ids in by_key.items() if len(ids) == 1}
    in_force = evidence_sql.evidence_in_force(con, list(claim_of.values()))
    new_version = _current_rows(current)
    corrections = []
    for old in old_rows:
        claim_id = claim_of.get(old.claim_key)
        replacement = new_version.get((old.claim_key, old.observed_on))
        if claim_id is None or replacement is None:
            continue
        old_id = in_force.get((claim_id, old.observed_on, old.value, old.note, old.source_url))
        observation = replacement.observation()
        new_key = (claim_id, observation.observed_on, observation.value, observation.note, observation.source_url)
        if old_id is None or new_key in in_force:  # not held, already corrected, or the new row is there
            continue
        in_force.pop((claim_id, old.observed_on, old.value, old.note, old.source_url))
        in_force[new_key] = -1
        corrections.append({**observation.model_dump(mode="json"), "claim_id": claim_id, "revises": old_id})
    return evidence_sql.insert_observations(con, corrections)
