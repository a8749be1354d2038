"""What the dashboard's inbox and the deadline lists read of the reminders recorded."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db import reminders as sql
from predictions.ledger import reading

if TYPE_CHECKING:
    pass

log = logging.getLogger("predictions.reminders")


def inbox(db_path: Path, claim_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    with reading(db_path) as con:
        if not _has_reminders(con):
            return []
        return sql.reminder_rows(con, claim_id, limit)


def reminder_states(db_path: Path) -> dict[int, dict[str, Any]]:
    with reading(db_path) as con:
        if not _has_reminders(con):
            return {}
        return {int(row["claim_id"]): row for row in sql.reminder_state_by_claim(con)}


def _has_reminders(con: Any) -> bool:
    from db.migrations import schema_version

    return schema_version(con) >= 2
