"""Connections: one per unit of work, retried while another process holds the file lock.

DuckDB locks the whole file for as long as any connection of a process is open, read-only ones
included, so no process may keep it open (docs/architecture.md §5). Every unit of work opens, works in one
transaction, and closes. Writers and readers alike attach the file (read-write or read-only) to an empty
in-memory instance the process keeps (`_Instances`) and detach it at the end, which checkpoints a
writer's changes into the file: the instance's start and stop are paid once, the file is held only for
the unit.

DuckDB's own lock is all-or-nothing with no queue: a reader polling it with backoff can starve
while a few writers take turns. So every unit of work first takes its turn on a sidecar lock file
(`<db>.lock`, flock: shared for readers, exclusive for writers), polled every few milliseconds;
that is cheap to poll, works between the threads of one process as well (each turn opens the
file anew), and lets readers share. The DuckDB-level retry stays for anyone who opens the file
without the sidecar (a DuckDB shell, an older version).
"""

from __future__ import annotations

import atexit
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from db import migrations, rollups
from db.errors import (
    DatabaseBusyError,
    DatabaseError,
    DatabaseMissingError,
    SchemaTooNewError,
    from_duckdb,
)

# Bound on waiting for another process's lock: attempts with jittered exponential backoff.
DEFAULT_ATTEMPTS = 40
DEFAULT_BASE_DELAY = 0.02
DEFAULT_MAX_DELAY = 0.5
# Bound on waiting for a turn on the sidecar lock before "database busy".
DEFAULT_TURN_TIMEOUT = 30.0

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: rely on DuckDB's own lock and the retry
    fcntl = None  # type: ignore[assignment]


def known_version() -> int:
    return max(m.version for m in migrations.MIGRATIONS)


# Files whose schema version was checked, by (path, fingerprint of the file and its WAL): a reader
# asks the catalogue again only after the file changed, not on every read.
_CHECKED: set[tuple[str, tuple[int, int, int, int]]] = set()


def _fingerprint(path: Path) -> tuple[int, int, int, int]:
    stamps = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = candidate.stat()
            stamps += [stat.st_mtime_ns, stat.st_size]
        except FileNotFoundError:
            stamps += [0, 0]
    return stamps[0], stamps[1], stamps[2], stamps[3]


def check_schema(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """Raise SchemaTooNewError when the file holds a schema newer than this program knows."""
    key = (str(Path(path).resolve()), _fingerprint(Path(path)))
    if key in _CHECKED:
        return
    found, known = migrations.schema_version(con), known_version()
    if found > known:
        raise SchemaTooNewError(
            f"{path} holds a ledger of schema version {found}, newer than this program's {known}: "
            "use the newer version of the tracker that made it"
        )
    if len(_CHECKED) > 256:
        _CHECKED.clear()
    _CHECKED.add(key)


def _is_lock_error(error: Exception) -> bool:
    text = str(error)
    # Another process holds the file lock, or (same process, another thread) a connection with the
    # other read_only setting is open or a reader has the file attached: all clear once the other
    # unit of work closes.
    return any(
        marker in text
        for marker in ("Could not set lock", "Conflicting lock", "different configuration", "file handle conflict")
    )


# Nothing is ever downloaded: a file DuckDB would open through an extension (a SQLite file, say) is
# refused before it gets there, and the built-in extensions (parquet, json, icu) need no loading.
NO_DOWNLOADS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}
DUCKDB_MAGIC = b"DUCK"  # bytes 8 to 12 of every DuckDB database file


def _check_file(path: Path) -> None:
    """Refuse an existing file that is not a DuckDB database, in one line, before DuckDB opens it."""
    if path.is_dir():
        raise DatabaseError(f"cannot open database {path}: it is a folder, not a database file")
    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except FileNotFoundError:
        return
    except OSError as error:
        raise DatabaseError(f"cannot open database {path}: {error.strerror or error}") from error
    if len(head) < 12 or head[8:12] == DUCKDB_MAGIC:  # empty (DuckDB makes a database of it) or a DuckDB file
        return
    kind = "a SQLite database" if head.startswith(b"SQLite format 3") else "not a DuckDB database"
    raise DatabaseError(f"cannot open database {path}: it is {kind}, not a ledger of this tracker")


def _quiet(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """No progress bar: DuckDB draws one on stdout for a query slower than 2 s (any query on a loaded
    machine), which would land in the middle of a command's output or its JSON."""
    con.execute("SET enable_progress_bar = false")
    return con


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the file, retrying on the lock error; raise DatabaseBusyError after `attempts` tries.

    `threads` bounds DuckDB's worker threads: one for a unit of work that reads a few rows, whose
    instance then stops sooner (no worker to wake and join)."""
    path = Path(path)
    if read_only and not path.exists():
        raise DatabaseMissingError(f"database {path} does not exist (run `predictions init` first)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    _check_file(path)
    config = _config(threads)
    return _retried(
        lambda: _quiet(duckdb.connect(str(path), read_only=read_only, config=config)),
        path,
        attempts=attempts,
        base_delay=base_delay,
        max_delay=max_delay,
        sleep=sleep,
    )


def _config(threads: int | None) -> dict[str, str | bool | int | float | list[str]]:
    return {**NO_DOWNLOADS, **({} if threads is None else {"threads": threads})}


Opened = TypeVar("Opened")


def _retried(
    open_once: Callable[[], Opened],
    path: Path,
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
    sleep: Callable[[float], None] = time.sleep,
) -> Opened:
    """`open_once()` (a connect or an attach), tried again with jittered backoff while the file is locked."""
    for attempt in range(attempts):
        try:
            return open_once()
        except (duckdb.IOException, duckdb.ConnectionException, duckdb.ResourceInUseException) as error:
            if not _is_lock_error(error):
                raise DatabaseError(f"cannot open database {path}: {error}") from error
            if attempt == attempts - 1:
                break
            delay = min(max_delay, base_delay * 2**attempt)
            sleep(delay * random.uniform(0.5, 1.0))
    raise DatabaseBusyError(
        f"database busy: {path} stayed locked by another process after {attempts} attempts; try again"
    )


def lock_files(path: str | Path) -> tuple[Path, Path]:
    """The sidecar files of the database at `path`: the turn (`<db>.lock`) and the writers' gate."""
    return Path(str(path) + ".lock"), Path(str(path) + ".lock.gate")


@contextmanager
def turn(path: str | Path, *, exclusive: bool, timeout: float = DEFAULT_TURN_TIMEOUT) -> Iterator[None]:
    """Hold the sidecar lock of `path` (shared or exclusive) for the duration of a unit of work.

    Writers are preferred: a writer waiting for its turn holds the gate (`<db>.lock.gate`, exclusive),
    and a reader passes the gate (shared, and only until it has its turn) before taking its turn, so
    no new reader starts while a writer waits; the readers already in finish, then the writer goes.
    """
    lock_path, gate_path = lock_files(path)
    try:
        if exclusive:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # e.g. a read-only folder: fall back to DuckDB's lock and the retry
        yield
        return
    key = str(lock_path)
    try:
        if fcntl is not None:
            deadline = time.monotonic() + timeout
            try:
                # A read inside a read of the same thread already has its turn: it does not queue at the
                # gate (where it would wait for a writer that waits for the outer read).
                nested = not exclusive and _HELD.counts.get(key, 0) > 0
                gate = None if nested else os.open(gate_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:  # no gate (a read-only folder): plain turns
                gate = None
            try:
                if gate is not None:
                    _lock(gate, exclusive, deadline, path, timeout)
                _lock(fd, exclusive, deadline, path, timeout)
            finally:
                if gate is not None:
                    os.close(gate)  # the turn is held (or given up): let the next one queue at the gate
        _HELD.counts[key] = _HELD.counts.get(key, 0) + 1
        try:
            yield
        finally:
            _HELD.counts[key] -= 1
    finally:
        os.close(fd)  # releases the lock


class _Held(threading.local):
    """The turns this thread holds, by lock file."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}


_HELD = _Held()


def _lock(fd: int, exclusive: bool, deadline: float, path: str | Path, timeout: float) -> None:
    """flock `fd`, polling every few milliseconds until `deadline`; then DatabaseBusyError."""
    assert fcntl is not None
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"database busy: {path} stayed in use by other processes for {timeout:g} s; try again"
                ) from None
            time.sleep(random.uniform(0.0005, 0.004))


@contextmanager
def unit_of_work(
    path: str | Path, *, threads: int | None = None, attempts: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection inside one transaction: committed on success, rolled back on error."""
    with turn(path, exclusive=True), _attached(path, writable=True, threads=threads, attempts=attempts) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            check_schema(con, path)
            yield con
            rollups.refresh_touched(con)  # the claims this unit wrote to, recomputed in its transaction
        except duckdb.Error as error:
            con.execute("ROLLBACK")
            raise from_duckdb(error, path, None, known_version()) from error
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


@contextmanager
def read_only(
    path: str | Path, *, threads: int | None = None, attempts: int | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: any write through it fails inside DuckDB itself. `threads` as for
    `connect`; `attempts` bounds the retries on another process's lock (default DEFAULT_ATTEMPTS)."""
    if not Path(path).exists():
        raise DatabaseMissingError(f"database {path} does not exist (run `predictions init` first)")
    with turn(path, exclusive=False), _attached(path, threads=threads, attempts=attempts) as con:
        check_schema(con, path)
        try:
            yield con
        except duckdb.Error as error:
            # A missing table or column: looked at only then, rather than by catalog queries per read.
            missing = isinstance(error, duckdb.CatalogException | duckdb.BinderException)
            raise from_duckdb(
                error, path, migrations.schema_version(con) if missing else None, known_version()
            ) from error


# --- units of work: the file attached to a kept in-memory instance ------------------------------------


class _Instances:
    """In-memory DuckDB instances that units of work (read-only and read-write) attach the ledger file to.

    Starting a DuckDB instance costs ~15 ms and stopping one ~6 ms, more than a claim page's five
    point reads; attaching a file to a running instance takes ~2 ms and detaching it ~1 ms. An
    instance here holds no file between units (each unit detaches what it attached, so the file is
    held exactly as long as with a connection of its own: docs/architecture.md §5), and no table of its own. Each
    unit has an instance to itself (no alias to share), nested reads take another one; a few idle
    ones are kept per thread count."""

    KEEP = 4

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[int | None, list[duckdb.DuckDBPyConnection]] = {}
        self._pid = os.getpid()
        self._inherited: list[duckdb.DuckDBPyConnection] = []

    def take(self, threads: int | None) -> duckdb.DuckDBPyConnection:
        with self._lock:
            self._after_fork()
            idle = self._idle.get(threads)
            if idle:
                return idle.pop()
        return duckdb.connect(":memory:", config=_config(threads))

    def give(self, threads: int | None, instance: duckdb.DuckDBPyConnection) -> None:
        with self._lock:
            self._after_fork()
            idle = self._idle.setdefault(threads, [])
            if len(idle) < self.KEEP:
                idle.append(instance)
                return
        instance.close()

    def close_all(self) -> None:
        with self._lock:
            instances = [instance for idle in self._idle.values() for instance in idle]
            self._idle.clear()
        for instance in instances:
            instance.close()

    def _after_fork(self) -> None:
        # A forked child must not use (or stop) its parent's instances: their threads did not follow it.
        if self._pid != os.getpid():
            self._inherited += [instance for idle in self._idle.values() for instance in idle]
            self._idle, self._pid = {}, os.getpid()


_READERS = _Instances()
atexit.register(_READERS.close_all)  # stopped before DuckDB's module is torn down
_ALIAS = "ledger"


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def _attached(
    path: str | Path,
    *,
    writable: bool = False,
    threads: int | None = None,
    attempts: int | None = None,
    base_delay: float = DEFAULT_BASE_DELAY,
    max_delay: float = DEFAULT_MAX_DELAY,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the file at `path` (read-only unless `writable`), attached for the duration and
    detached after."""
    path = Path(path)
    if writable:
        path.parent.mkdir(parents=True, exist_ok=True)
    _check_file(path)
    mode = "" if writable else " (READ_ONLY)"
    instance = _READERS.take(threads)
    cursor = _quiet(instance.cursor())  # the unit's own: its temporary objects and settings go with it
    attached = False
    try:
        _retried(
            lambda: cursor.execute(f"ATTACH {_sql_text(str(path))} AS {_ALIAS}{mode}"),
            path,
            attempts=DEFAULT_ATTEMPTS if attempts is None else attempts,
            base_delay=base_delay,
            max_delay=max_delay,
        )
        attached = True
        cursor.execute(f"USE {_ALIAS}")
        yield cursor
    finally:
        reusable = _release(instance, cursor, attached)
        if reusable:
            _READERS.give(threads, instance)
        else:
            instance.close()  # whatever it held goes with it


def _release(instance: duckdb.DuckDBPyConnection, cursor: duckdb.DuckDBPyConnection, attached: bool) -> bool:
    """Detach the unit's file; False when the instance cannot be trusted to be empty again."""
    try:
        cursor.close()
        if attached:
            instance.execute(f"DETACH {_ALIAS}")
        return True
    except duckdb.Error:
        return False
