"""Named SQL for claim corrections: amendments, withdrawals and reinstatements, each a row of its own
(claim_amendments, chained) before the claim shows its new values.

Field names that reach SQL as identifiers come from the fixed AMENDABLE list, never from input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import duckdb

from db import chain, rollups
from db.clock import utc_now
from db.queries import dicts

# A claim's fields an amendment may change (the ones people get wrong when they first write a claim).
AMENDABLE = ("statement", "deadline", "deadline_precision", "resolution_criteria", "target", "tags")


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
