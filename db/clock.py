"""The one clock: now in UTC as a naive datetime, the form every TIMESTAMP column of the ledger holds.

Every `recorded_at` comes from here. `replaying` sets the time from Python (tests that build a ledger
as it stood on past days); nothing outside a Python process can set it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_replayed: list[datetime] = []


def utc_now() -> datetime:
    if _replayed:
        return _replayed[-1]
    return datetime.now(UTC).replace(tzinfo=None)


@contextmanager
def replaying(at: datetime) -> Iterator[None]:
    """Within the block, the clock reads `at` (naive UTC): writes are recorded as made then."""
    _replayed.append(at)
    try:
        yield
    finally:
        _replayed.pop()
