"""Named SQL for the living record: evidence with its provenance and the review queue's claims.
Claim corrections (amendments and withdrawals) are db/amendments.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import duckdb

from db import chain, rollups, rules
from db.clock import utc_now
from db.queries import CLAIM_SUMMARY_SQL, dicts

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


def evidence_in_force(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> dict[tuple[Any, ...], int]:
    """(claim, day, value, note, source) → id of the evidence rows (origin `evidence`) of these claims that
    no later row revises: the rows a corrected version of the shipped evidence may replace."""
    if not claim_ids:
        return {}
    rows = con.execute(
        f"""SELECT claim_id, observed_on, value, note, source_url, id FROM {rules.OBSERVATIONS_IN_FORCE} o
            WHERE origin = 'evidence' AND claim_id IN (SELECT unnest(?::BIGINT[])) ORDER BY id""",
        [sorted(set(claim_ids))],
    ).fetchall()
    return {tuple(row[:5]): int(row[5]) for row in rows}


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
        f"""SELECT * FROM {rules.OBSERVATIONS_IN_FORCE} o WHERE claim_id IN (SELECT unnest(?::BIGINT[]))
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


def statements_of_source(con: duckdb.DuckDBPyConnection, source_id: int | None) -> list[tuple[int, str]]:
    """(id, statement) of the claims of a source (of no source, for None) that are not withdrawn."""
    rows = con.execute(
        """SELECT id, statement FROM claims
           WHERE source_id IS NOT DISTINCT FROM ? AND NOT coalesce(withdrawn, FALSE) ORDER BY id""",
        [source_id],
    ).fetchall()
    return [(int(claim_id), str(statement)) for claim_id, statement in rows]
