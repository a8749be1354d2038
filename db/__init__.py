"""Storage layer: DuckDB connections, migrations and named SQL functions.

Nothing here imports `predictions` or `dashboard`; rows go in and out as plain tuples and dicts.
"""

from db.connection import connect, read_only, unit_of_work
from db.errors import DatabaseBusyError, DatabaseError, PredictionsError
from db.migrations import MIGRATIONS, migrate

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
