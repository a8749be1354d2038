"""Connections: one per unit of work, retried while another process holds the file lock.

DuckDB locks the whole file for as long as any connection of a process is open, read-only ones
included, so no process may keep it open (DESIGN §5). Every unit of work opens, works in one
transaction, and closes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

# Bound on waiting for another process's lock: attempts with jittered exponential backoff.
DEFAULT_ATTEMPTS = 40
DEFAULT_BASE_DELAY = 0.02
DEFAULT_MAX_DELAY = 0.5


class DatabaseError(Exception):
    """A storage problem worth a one-line message to the user."""


class DatabaseBusyError(DatabaseError):
    """Another process kept the database locked for longer than the retry bound."""


class DatabaseMissingError(DatabaseError):
    """A read-only open of a file that does not exist."""


def _is_lock_error(error: Exception) -> bool:
    text = str(error)
    # Another process holds the file lock, or (same process, another thread) a connection with the
    # other read_only setting is open: both clear once the other unit of work closes.
    return "Could not set lock" in text or "Conflicting lock" in text or "different configuration" in text


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    sleep: Callable[[float], None] = time.sleep,
) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying on the lock error; raise DatabaseBusyError after `attempts` tries."""
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseMissingError(f"database {path} does not exist (run `predictions init` first)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(attempts):
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except (duckdb.IOException, duckdb.ConnectionException) as error:
            if not _is_lock_error(error):
                raise DatabaseError(f"cannot open database {path}: {error}") from error
            if attempt == attempts - 1:
                break
            delay = min(max_delay, base_delay * 2**attempt)
            sleep(delay * random.uniform(0.5, 1.0))
    raise DatabaseBusyError(
        f"database busy: {path} stayed locked by another process after {attempts} attempts; try again"
    )


@contextmanager
def unit_of_work(path: str | Path, **connect_options: object) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection inside one transaction: committed on success, rolled back on error."""
    con = connect(path, **connect_options)  # type: ignore[arg-type]
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
    finally:
        con.close()


@contextmanager
def read_only(path: str | Path, **connect_options: object) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: any write through it fails inside DuckDB itself."""
    con = connect(path, read_only=True, **connect_options)  # type: ignore[arg-type]
    try:
        yield con
    finally:
        con.close()
