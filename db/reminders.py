"""SQL of the reminder ledger: a step is claimed (INSERT ... ON CONFLICT DO NOTHING RETURNING) before
it is sent, so overlapping sweeps never both send it; DuckDB's single-writer file lock makes each
claim atomic across processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from db.queries import _CLAIM_SUMMARY, _dicts

REMINDER_FIELDS = ("claim_id", "step", "channel", "due_on", "state", "idempotency_key", "claimed_at", "claimed_by",
                   "subject", "body", "payload")  # fmt: skip


def open_claims_due_by(con: duckdb.DuckDBPyConnection, horizon: date) -> list[dict[str, Any]]:
    """Unresolved claims whose first reminder may be due by `horizon` (and those with no deadline)."""
    return _dicts(con.execute(
        _CLAIM_SUMMARY + " WHERE r.outcome IS NULL AND (c.deadline IS NULL OR c.deadline <= ?) ORDER BY c.id",
        [horizon],
    ))  # fmt: skip


def recorded_steps(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> set[tuple[int, str, str]]:
    if not claim_ids:
        return set()
    rows = con.execute(
        "SELECT claim_id, step, channel FROM reminders WHERE claim_id IN (SELECT unnest(?::BIGINT[]))",
        [list(claim_ids)],
    ).fetchall()
    return {(int(c), str(s), str(ch)) for c, s, ch in rows}


def claim_steps(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the rows; return those this call inserted (a row another sweep holds is left alone)."""
    claimed = []
    for row in rows:
        inserted = con.execute(
            f"INSERT INTO reminders ({', '.join(REMINDER_FIELDS)}) VALUES ({', '.join('?' for _ in REMINDER_FIELDS)}) "
            "ON CONFLICT DO NOTHING RETURNING claim_id",
            [row.get(name) for name in REMINDER_FIELDS],
        ).fetchall()
        if inserted:
            claimed.append(row)
    return claimed


def reclaim_due(
    con: duckdb.DuckDBPyConnection, now: datetime, lease_cutoff: datetime, max_attempts: int, claimed_by: str
) -> list[dict[str, Any]]:
    """Take back steps whose sender vanished (claimed before the lease cutoff) and failed ones due a retry."""
    return _dicts(con.execute(
        """UPDATE reminders SET state = 'claimed', claimed_at = ?, claimed_by = ?
           WHERE (state = 'claimed' AND claimed_at < ?)
              OR (state = 'failed' AND next_attempt_at <= ? AND attempts < ?)
           RETURNING *""",
        [now, claimed_by, lease_cutoff, now, max_attempts],
    ))  # fmt: skip


def mark_sent(con: duckdb.DuckDBPyConnection, key: tuple[int, str, str], now: datetime) -> None:
    con.execute(
        """UPDATE reminders SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
           WHERE claim_id = ? AND step = ? AND channel = ?""",
        [now, *key],
    )


def mark_failed(
    con: duckdb.DuckDBPyConnection, key: tuple[int, str, str], error: str, next_attempt_at: datetime
) -> None:
    con.execute(
        """UPDATE reminders SET state = 'failed', attempts = attempts + 1, last_error = ?, next_attempt_at = ?
           WHERE claim_id = ? AND step = ? AND channel = ?""",
        [error, next_attempt_at, *key],
    )


def reminder_rows(
    con: duckdb.DuckDBPyConnection, claim_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The inbox: newest first, with the claim's statement."""
    return _dicts(con.execute(
        """SELECT m.*, c.statement, c.deadline FROM reminders m JOIN claims c ON c.id = m.claim_id
           WHERE ? IS NULL OR m.claim_id = ?
           ORDER BY coalesce(m.sent_at, m.claimed_at) DESC NULLS LAST, m.due_on DESC LIMIT ?""",
        [claim_id, claim_id, limit],
    ))  # fmt: skip


def reminder_state_by_claim(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per claim: the latest step sent, and counts of pending and failed deliveries."""
    return _dicts(con.execute(
        """SELECT claim_id,
                  arg_max(step, sent_at) FILTER (WHERE state = 'sent') AS last_step_sent,
                  max(sent_at) AS last_sent_at,
                  count(*) FILTER (WHERE state = 'claimed') AS pending,
                  count(*) FILTER (WHERE state = 'failed') AS failed,
                  count(*) FILTER (WHERE state = 'skipped') AS skipped
           FROM reminders GROUP BY claim_id"""
    ))  # fmt: skip
