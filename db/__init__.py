"""Storage layer: DuckDB connections, migrations and named SQL functions.

Nothing here imports `predictions` or `dashboard`; rows go in and out as plain tuples and dicts. The
names below load their module on first use, so `import db.errors` (the CLI's start-up) does not load
DuckDB.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from db.connection import connect, read_only, unit_of_work
    from db.errors import DatabaseBusyError, DatabaseError, PredictionsError
    from db.migrations import MIGRATIONS, migrate

_HOMES = {
    "connect": "db.connection",
    "read_only": "db.connection",
    "unit_of_work": "db.connection",
    "DatabaseBusyError": "db.errors",
    "DatabaseError": "db.errors",
    "PredictionsError": "db.errors",
    "MIGRATIONS": "db.migrations",
    "migrate": "db.migrations",
}

__all__ = [
    "MIGRATIONS",
    "DatabaseBusyError",
    "DatabaseError",
    "PredictionsError",
    "connect",
    "migrate",
    "read_only",
    "unit_of_work",
]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    if name in {"connection", "migrations", "queries", "rollups", "columns", "evidence", "reminders", "backup"}:
        return importlib.import_module(f"db.{name}")
    raise AttributeError(f"module 'db' has no attribute {name!r}")
