"""The project's error family: `PredictionsError` is the root of every error worth one line to a person
(a refused input, a missing or busy database, a file that is not a ledger). It lives in the lowest
layer so that the storage errors belong to it too; predictions.errors re-exports it for the layers above.

DuckDB's own errors are translated here, once (`from_duckdb`): a unit of work (db.connection) hands
its callers a DatabaseError, never a driver exception.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb


class PredictionsError(Exception):
    """A problem worth one line to the user; the CLI prints it, the dashboard shows it."""


class DatabaseError(PredictionsError):
    """A storage problem worth a one-line message to the user."""


class DatabaseBusyError(DatabaseError):
    """Another process kept the database locked for longer than the retry bound."""


class DatabaseMissingError(DatabaseError):
    """A read-only open of a file that does not exist."""


class SchemaTooNewError(DatabaseError):
    """The file was made or upgraded by a newer version of the program: neither read nor written."""


class SchemaTooOldError(DatabaseError):
    """A reader met a file with no ledger yet, or one older than the program (a write upgrades it)."""


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def from_duckdb(error: duckdb.Error, path: str | Path, schema_version: int | None, known: int) -> DatabaseError:
    """The one translation of a DuckDB error inside a unit of work on `path`. A missing table or column
    on a reader's file with an older schema (`schema_version`, None when unknown) says what to run."""
    import duckdb  # here, not at the top: importing the error family must not load DuckDB

    if isinstance(error, duckdb.CatalogException | duckdb.BinderException) and schema_version is not None:
        if schema_version == 0:
            return SchemaTooOldError(f"{path} holds no ledger yet: run `predictions init --db {path}`")
        if schema_version < known:
            return SchemaTooOldError(
                f"{path} holds a ledger of schema version {schema_version}, older than this program's {known}: "
                f"run `predictions ensure-db --db {path}` (any write upgrades it too)"
            )
    return DatabaseError(f"database error: {first_line(error)}")
