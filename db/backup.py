"""Whole-database backup and restore with DuckDB's EXPORT/IMPORT DATABASE (Parquet files + schema).

EXPORT/IMPORT take the directory as a string literal (no `?` parameter is accepted there), so the
path is the one literal this package builds: made absolute, refused if it holds a quote or a control
character, never taken from anything but the caller's own path argument.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from db import connection
from db.errors import DatabaseError


class UnsafePathError(DatabaseError, ValueError):
    pass


def _literal(path: Path) -> str:
    text = str(path.resolve())
    if any(ch in text for ch in "'\"\\") or any(ord(ch) < 32 for ch in text):
        raise UnsafePathError(f"backup folder {text!r} may not contain quotes, backslashes or control characters")
    return f"'{text}'"


def check_folder(path: Path) -> None:
    """Raise UnsafePathError for a folder EXPORT/IMPORT DATABASE could not take safely (before any is made)."""
    _literal(path)


def export_database(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.execute(f"EXPORT DATABASE {_literal(folder)} (FORMAT parquet)")


def import_database(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.execute(f"IMPORT DATABASE {_literal(folder)}")


def checkpoint(path: Path) -> None:
    """Write the WAL of the file at `path` into the file itself (the caller holds the writers' turn)."""
    con = connection.connect(path)
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as error:
        raise DatabaseError(f"cannot checkpoint {path}: {str(error).splitlines()[0]}") from error
    finally:
        con.close()


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every base table in the main schema."""
    names = [row[0] for row in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name"
    ).fetchall()]  # fmt: skip
    counts = {}
    for name in names:
        # The name comes from the catalogue itself, quoted as an identifier.
        row = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        counts[str(name)] = int(row[0]) if row else 0
    return counts
