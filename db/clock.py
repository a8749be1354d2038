"""The one clock: now in UTC as a naive datetime, the form every TIMESTAMP column of the ledger holds."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
