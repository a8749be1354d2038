"""Named SQL for the living record: evidence with its provenance, the review queue's claims, and
claim corrections (amendments and withdrawals), each a row of its own.

Field names that reach SQL as identifiers come from the fixed AMENDABLE list, never from input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb

from db import chain, rollups
from db.clock import utc_now
from db.queries import CLAIM_SUMMARY_SQL, dicts

# A claim's fields an amendment may change (the ones people get wrong when they first write a claim).
AMENDABLE = ("statement", "deadline", "deadline_precision", "resolution_criteria", "target", "tags")

_OBSERVATION_FIELDS = ("observed_on", "value", "note", "source_url", "source_published", "confidence", "origin")
# A watched source's reading also names its watch, when it was fetched, the payload's hash and the
# reading it revises (schema 6).
_READING_FIELDS = ("watch_id", "fetched_at", "payload_sha256", "revises")


# --- evidence -------------------------------------------------------------------------------------


def claims_by_key(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> dict[str, list[int]]:
    """For each seed key, the ids of the claims whose external id ends in `:key` (one, normally)."""
    if not keys:
        return {}
    rows = con.execute(
        """SELECT k.key, c.id FROM (SELECT unnest(?::VARCHAR[]) AS key) k
           JOIN claims c ON ends_with(c.external_id, ':' || k.key) ORDER BY c.id""",
        [sorted(set(keys))],
    ).fetchall()
    found: dict[str, list[int]] = {}
    for key, claim_id in rows:
        found.setdefault(str(key), []).append(int(claim_id))
    return found


def claim_facts(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What an evidence row is checked against: each claim's kind and the day it was made."""
    if not claim_ids:
        return {}
    rows = dicts(con.execute(
        "SELECT id, kind, made_on, withdrawn FROM claims WHERE id IN (SELECT unnest(?::BIGINT[]))",
        [sorted(set(claim_ids))],
    ))  # fmt: skip
    return {int(row["id"]): row for row in rows}


def observation_keys(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> set[tuple[Any, ...]]:
    """(claim, day, value, note, source) of every observation of these claims: what makes a row already there."""
    if not claim_ids:
        return set()
    rows = con.execute(
        """SELECT claim_id, observed_on, value, note, source_url FROM observations
           WHERE claim_id IN (SELECT unnest(?::BIGINT[]))""",
        [sorted(set(claim_ids))],
    ).fetchall()
    return {tuple(row) for row in rows}


def insert_observations(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Many observations with their provenance, in one statement; the claims' rollups follow."""
    if not rows:
        return 0
    import pyarrow as pa

    columns = ("claim_id", *_OBSERVATION_FIELDS, *(name for name in _READING_FIELDS if name in rows[0]))
    now = utc_now()
    arrow = pa.table(
        {
            **{name: [row.get(name) for row in rows] for name in columns},
            "created_at": [now] * len(rows),
            "recorded_at": [now] * len(rows),
        }
    )
    con.register("evidence_rows", arrow)
    try:
        names = ", ".join((*columns, "created_at", "recorded_at"))
        inserted = con.execute(
            f"INSERT INTO observations ({names}) SELECT {names} FROM evidence_rows RETURNING id"
        ).fetchall()
    finally:
        con.unregister("evidence_rows")
    chain.append(con, "observations", sorted(int(row[0]) for row in inserted))
    rollups.touch(con, sorted({int(row["claim_id"]) for row in rows}))
    return len(rows)


def observations_of(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Every observation of these claims, newest first per claim (the order evidence is read in)."""
    if not claim_ids:
        return {}
    rows = dicts(con.execute(
        """SELECT * FROM observations WHERE claim_id IN (SELECT unnest(?::BIGINT[]))
           ORDER BY claim_id, observed_on DESC, id DESC""",
        [list(claim_ids)],
    ))  # fmt: skip
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(int(row["claim_id"]), []).append(row)
    return grouped


# --- the review queue -----------------------------------------------------------------------------


def awaiting_verdict(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """Claims whose deadline has passed with no resolution in force, oldest deadline first: the
    author's own ledger only (another platform's archive is that platform's record), withdrawn
    claims left out."""
    return dicts(con.execute(
        CLAIM_SUMMARY_SQL
        + """ WHERE c.deadline < ? AND r.outcome IS NULL AND NOT coalesce(c.withdrawn, FALSE)
              AND coalesce(s.kind, '') <> 'archive'
              ORDER BY c.deadline, c.id""",
        [today],
    ))  # fmt: skip


# --- corrections ----------------------------------------------------------------------------------


def claim_fields(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[str, Any] | None:
    rows = dicts(con.execute(
        "SELECT id, source_id, kind, made_on, withdrawn, statement, deadline, deadline_precision, "
        "resolution_criteria, target, tags FROM claims WHERE id = ?",
        [claim_id],
    ))  # fmt: skip
    return rows[0] if rows else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def record_amendment(
    con: duckdb.DuckDBPyConnection,
    claim_id: int,
    changes: Mapping[str, tuple[Any, Any]],
    reason: str,
) -> int:
    """Record the change first (old and new values), then make the claim show the new values."""
    unknown = set(changes) - set(AMENDABLE)
    if unknown:
        raise ValueError(f"not an amendable field: {sorted(unknown)}")
    document = {name: {"from": _jsonable(old), "to": _jsonable(new)} for name, (old, new) in changes.items()}
    amendment_id = _insert_amendment(con, claim_id, "amend", document, reason, None)
    names = [name for name in AMENDABLE if name in changes]
    assignments = ", ".join(f"{name} = ?" for name in names)  # names from AMENDABLE only
    con.execute(f"UPDATE claims SET {assignments} WHERE id = ?", [changes[name][1] for name in names] + [claim_id])
    rollups.touch(con, [claim_id])  # the deadline and target decide scoring and the projection
    return amendment_id


def _insert_amendment(
    con: duckdb.DuckDBPyConnection,
    claim_id: int,
    action: str,
    document: Mapping[str, Any],
    reason: str,
    duplicate_of: int | None,
) -> int:
    now = utc_now()
    row = con.execute(
        """INSERT INTO claim_amendments (claim_id, action, changes, reason, duplicate_of, created_at, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [claim_id, action, json.dumps(document, sort_keys=True), reason, duplicate_of, now, now],
    ).fetchone()
    assert row is not None
    chain.append(con, "claim_amendments", [int(row[0])])
    return int(row[0])


def record_withdrawal(con: duckdb.DuckDBPyConnection, claim_id: int, reason: str, duplicate_of: int | None) -> int:
    amendment_id = _insert_amendment(
        con, claim_id, "withdraw", {"withdrawn": {"from": False, "to": True}}, reason, duplicate_of
    )
    con.execute("UPDATE claims SET withdrawn = TRUE WHERE id = ?", [claim_id])
    rollups.touch(con, [claim_id])
    return amendment_id


def record_reinstatement(con: duckdb.DuckDBPyConnection, claim_id: int, reason: str) -> int:
    """A withdrawal undone (`withdraw --undo`): a row of its own, like every correction."""
    amendment_id = _insert_amendment(
        con, claim_id, "unwithdraw", {"withdrawn": {"from": True, "to": False}}, reason, None
    )
    con.execute("UPDATE claims SET withdrawn = FALSE WHERE id = ?", [claim_id])
    rollups.touch(con, [claim_id])
    return amendment_id


def withdrawal_of(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[str, Any] | None:
    """The withdrawal in force (the latest withdraw not undone since), with its reason and date."""
    rows = dicts(con.execute(
        """SELECT id, action, reason, duplicate_of, recorded_at FROM claim_amendments
           WHERE claim_id = ? AND action IN ('withdraw', 'unwithdraw') ORDER BY id DESC LIMIT 1""",
        [claim_id],
    ))  # fmt: skip
    return rows[0] if rows and rows[0]["action"] == "withdraw" else None


def amendments_for(con: duckdb.DuckDBPyConnection, claim_id: int) -> list[dict[str, Any]]:
    """A claim's corrections, oldest first, with `changes` parsed back into {field: {from, to}}."""
    rows = dicts(con.execute("SELECT * FROM claim_amendments WHERE claim_id = ? ORDER BY id", [claim_id]))
    for row in rows:
        row["changes"] = json.loads(row["changes"])
    return rows


def amended_claim_ids(con: duckdb.DuckDBPyConnection) -> dict[int, Any]:
    """Each amended claim with the time of its first amendment (the scorecard notes those amended
    after their first forecast)."""
    rows = con.execute(
        "SELECT claim_id, min(created_at) FROM claim_amendments WHERE action = 'amend' GROUP BY claim_id"
    ).fetchall()
    return {int(claim_id): first for claim_id, first in rows}


def statements_of_source(con: duckdb.DuckDBPyConnection, source_id: int | None) -> list[tuple[int, str]]:
    """(id, statement) of the claims of a source (of no source, for None) that are not withdrawn."""
    rows = con.execute(
        """SELECT id, statement FROM claims
           WHERE source_id IS NOT DISTINCT FROM ? AND NOT coalesce(withdrawn, FALSE) ORDER BY id""",
        [source_id],
    ).fetchall()
    return [(int(claim_id), str(statement)) for claim_id, statement in rows]
