"""SQL of the reminder ledger: a step is claimed (INSERT ... ON CONFLICT DO NOTHING RETURNING) before
it is sent, so overlapping sweeps never both send it; DuckDB's single-writer file lock makes each
claim atomic across processes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from db.queries import claim_summaries_for_ids, dicts

if TYPE_CHECKING:  # the columnar reads (numpy) are for ledgers too large to plan claim by claim
    from db.columns import Columns

REMINDER_FIELDS = ("claim_id", "step", "channel", "due_on", "state", "idempotency_key", "claimed_at", "claimed_by",
                   "subject", "body", "payload")  # fmt: skip


# Unresolved: no resolution that has not been undone (then one of them would be in force). The same
# claims as NOT EXISTS over the view current_resolutions, without its window over every row.
_OPEN_CLAIM_DEADLINES = """SELECT c.id, c.deadline, c.made_on FROM claims c
    LEFT JOIN sources s ON s.id = c.source_id
    WHERE (c.deadline IS NULL OR c.deadline <= ?) AND coalesce(s.kind, '') <> 'archive' AND NOT c.withdrawn
      AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.claim_id = c.id
                      AND NOT EXISTS (SELECT 1 FROM resolution_undos u WHERE u.resolution_id = r.id))
    ORDER BY c.id"""
# Deadline steps only: the data steps (`data-…`) follow readings, not the calendar.
_HANDLED_THROUGH = """SELECT claim_id, channel, max(due_on) AS due_on FROM reminders
    WHERE NOT starts_with(step, 'data-') GROUP BY claim_id, channel"""


def open_claim_deadlines(con: duckdb.DuckDBPyConnection, horizon: date) -> Columns:
    """Unresolved claims whose first reminder may be due by `horizon` (and those with no deadline):
    columns id, deadline (NaT when none) and made_on, in id order, so the common sweep (nothing new)
    stays cheap.

    Claims imported from another platform's archive (sources of kind 'archive') are that platform's
    record, not the author's to-do list, and get no reminders.
    """
    from db.columns import read_columns

    return read_columns(con, _OPEN_CLAIM_DEADLINES, [horizon])


def handled_through(con: duckdb.DuckDBPyConnection) -> Columns:
    """Per (claim, channel), as columns claim_id, channel and due_on: the due date of the latest
    deadline step recorded in any state (the data steps, `data-…`, follow readings, not the calendar)."""
    from db.columns import read_columns

    return read_columns(con, _HANDLED_THROUGH, categorical=("channel",))


def open_claim_deadline_rows(con: duckdb.DuckDBPyConnection, horizon: date) -> list[tuple[int, date | None, date]]:
    """`open_claim_deadlines` as rows (id, deadline or None, made_on): for a ledger small enough to plan
    claim by claim."""
    return con.execute(_OPEN_CLAIM_DEADLINES, [horizon]).fetchall()


def handled_through_rows(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], date]:
    """`handled_through` as {(claim id, channel): due date of the latest deadline step recorded}."""
    return {(claim_id, channel): due_on for claim_id, channel, due_on in con.execute(_HANDLED_THROUGH).fetchall()}


def claim_summaries_for(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> list[dict[str, Any]]:
    return claim_summaries_for_ids(con, claim_ids)


def claim_steps(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the rows in one statement; return those this call inserted (a row already there is left alone)."""
    if not rows:
        return []
    columns = ", ".join(REMINDER_FIELDS)
    if len(rows) > BULK_ROWS:  # a first sweep's backlog: an Arrow table, whatever loading pyarrow costs
        import pyarrow as pa

        table = pa.table({name: [row.get(name) for row in rows] for name in REMINDER_FIELDS}, schema=_arrow_schema())
        con.register("claimed_rows", table)
        try:
            return dicts(con.execute(f"""INSERT INTO reminders ({columns}) SELECT {columns} FROM claimed_rows
                                          ON CONFLICT DO NOTHING RETURNING *"""))  # fmt: skip
        finally:
            con.unregister("claimed_rows")
    inserted = dicts(con.execute(
        f"INSERT INTO reminders ({columns}) SELECT {_ROW_VALUES} FROM ({_ROWS}) ON CONFLICT DO NOTHING RETURNING *",
        [_rows_json(rows)],
    ))  # fmt: skip
    return inserted


# Above this many rows an Arrow table beats the JSON parameter even with pyarrow's ~0.5 s first load
# (measured: 5,000 rows 0.25 s as JSON, 0.04 s + 0.5 s as Arrow; 50,000 rows 2.6 s against 0.9 s).
BULK_ROWS = 10_000


def _arrow_schema() -> Any:
    import pyarrow as pa

    text = pa.string()
    return pa.schema([("claim_id", pa.int64()), ("step", text), ("channel", text), ("due_on", pa.date32()),
                      ("state", text), ("idempotency_key", text), ("claimed_at", pa.timestamp("us")),
                      ("claimed_by", text), ("subject", text), ("body", text), ("payload", text)])  # fmt: skip


# Many rows go to DuckDB as one `?` parameter, a JSON array of arrays that the statement unnests and
# casts (no pyarrow table: pyarrow's first use loads pandas into a command line, ~0.5 s).
_ROWS = "SELECT unnest(from_json(?::JSON, '[[\"VARCHAR\"]]')) AS r"
_TYPES = {"claim_id": "BIGINT", "due_on": "DATE", "claimed_at": "TIMESTAMP"}
_ROW_VALUES = ", ".join(f"r[{i}]::{_TYPES.get(name, 'VARCHAR')}" for i, name in enumerate(REMINDER_FIELDS, start=1))


def _rows_json(rows: Sequence[Mapping[str, Any]], fields: Sequence[str] = REMINDER_FIELDS) -> str:
    return json.dumps([[row.get(name) for name in fields] for row in rows], default=_iso, ensure_ascii=False)


def _iso(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to the reminder ledger")


def reclaim_due(
    con: duckdb.DuckDBPyConnection, now: datetime, lease_cutoff: datetime, max_attempts: int, claimed_by: str
) -> list[dict[str, Any]]:
    """Take back steps whose sender vanished (claimed before the lease cutoff) and failed ones due a retry."""
    return dicts(con.execute(
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


def mark_many_sent(con: duckdb.DuckDBPyConnection, keys: Sequence[tuple[int, str, str]], now: datetime) -> None:
    if not keys:
        return
    con.execute(
        f"""UPDATE reminders SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
           FROM (SELECT r[1]::BIGINT AS claim_id, r[2] AS step, r[3] AS channel FROM ({_ROWS})) k
           WHERE reminders.claim_id = k.claim_id AND reminders.step = k.step AND reminders.channel = k.channel""",
        [now, json.dumps([list(key) for key in keys], ensure_ascii=False)],
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
    return dicts(con.execute(
        """SELECT m.*, c.statement, c.deadline FROM reminders m JOIN claims c ON c.id = m.claim_id
           WHERE ? IS NULL OR m.claim_id = ?
           ORDER BY coalesce(m.sent_at, m.claimed_at) DESC NULLS LAST, m.due_on DESC LIMIT ?""",
        [claim_id, claim_id, limit],
    ))  # fmt: skip


def reminder_state_by_claim(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Per claim: the latest step sent, and counts of pending and failed deliveries."""
    return dicts(con.execute(
        """SELECT claim_id,
                  arg_max(step, sent_at) FILTER (WHERE state = 'sent') AS last_step_sent,
                  max(sent_at) AS last_sent_at,
                  count(*) FILTER (WHERE state = 'claimed') AS pending,
                  count(*) FILTER (WHERE state = 'failed') AS failed,
                  count(*) FILTER (WHERE state = 'skipped') AS skipped
           FROM reminders GROUP BY claim_id"""
    ))  # fmt: skip
