"""Readers' forecasts: their own DuckDB file beside the ledger (`<ledger stem>.readers.duckdb`).

A separate file, so a reader's write never takes the ledger's lock: DuckDB locks a whole file per
process, and the sidecar turn (db.connection.turn) is per file too, so the author's writes and the
reminder sweep queue only behind each other, never behind a reader. The same rules as the ledger hold
here: one connection per unit of work, retried on the lock error, writers and readers taking turns on
`<file>.lock`.

Every table is append-only: a reader's changed forecast is a new row (the latest row of a reader on a
claim is the active one), an exclusion or a closing is a new row (the latest one per pseudonym, per
claim, wins). Nothing here stores a cookie or an address: `reader` is a pseudonym (an HMAC of the
cookie's random id, made by predictions.reader_forecasts).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from db import connection
from db.errors import DatabaseError, from_duckdb

SCHEMA_VERSION = 1
SCHEMA = (
    "CREATE SEQUENCE IF NOT EXISTS reader_forecast_ids",
    """CREATE TABLE IF NOT EXISTS reader_forecasts (
           id BIGINT PRIMARY KEY DEFAULT nextval('reader_forecast_ids'),
           claim_id BIGINT NOT NULL,
           reader VARCHAR NOT NULL,
           probability DOUBLE NOT NULL CHECK (probability >= 0.01 AND probability <= 0.99),
           made_at TIMESTAMP NOT NULL)""",
    "CREATE SEQUENCE IF NOT EXISTS reader_exclusion_ids",
    """CREATE TABLE IF NOT EXISTS reader_exclusions (
           id BIGINT PRIMARY KEY DEFAULT nextval('reader_exclusion_ids'),
           reader VARCHAR NOT NULL,
           action VARCHAR NOT NULL CHECK (action IN ('exclude', 'include')),
           reason VARCHAR NOT NULL,
           recorded_at TIMESTAMP NOT NULL)""",
    "CREATE SEQUENCE IF NOT EXISTS reader_closing_ids",
    """CREATE TABLE IF NOT EXISTS reader_closings (
           id BIGINT PRIMARY KEY DEFAULT nextval('reader_closing_ids'),
           claim_id BIGINT,
           action VARCHAR NOT NULL CHECK (action IN ('close', 'open')),
           reason VARCHAR NOT NULL,
           recorded_at TIMESTAMP NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS reader_schema (version INTEGER NOT NULL)",
)
TABLES = ("reader_forecasts", "reader_exclusions", "reader_closings", "reader_schema")
# A reader's unit of work waits longer for its turn than the ledger's 30 s before "database busy": a burst
# of readers on a loaded machine queues behind itself (never behind the author, whose file is another).
TURN_TIMEOUT = 120.0


def readers_file(ledger: Path) -> Path:
    """Where the readers' forecasts of the ledger at `ledger` live: beside it, its stem + .readers.duckdb."""
    return ledger.with_name(f"{ledger.stem}.readers.duckdb")


def _ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in SCHEMA:
        con.execute(statement)
    row = con.execute("SELECT max(version) FROM reader_schema").fetchone()
    found = row[0] if row else None
    if found is None:
        con.execute("INSERT INTO reader_schema VALUES (?)", [SCHEMA_VERSION])
    elif found > SCHEMA_VERSION:
        raise DatabaseError(f"readers' forecasts of schema version {found} are newer than this program's")


# Files whose tables this process made or found, by (path, inode): a write checks the schema once.
_READY: set[tuple[str, int]] = set()


def _file_key(path: Path) -> tuple[str, int] | None:
    try:
        return str(path.resolve()), path.stat().st_ino
    except FileNotFoundError:
        return None


@contextmanager
def writing(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write unit of work on the readers' file (created with its tables on first use)."""
    with connection.turn(path, exclusive=True, timeout=TURN_TIMEOUT):
        con = connection.connect(path, threads=1)
        try:
            con.execute("BEGIN TRANSACTION")
            try:
                key = _file_key(path)
                if key is None or key not in _READY:
                    _ensure_schema(con)
                yield con
            except duckdb.Error as error:
                con.execute("ROLLBACK")
                raise from_duckdb(error, path, None, SCHEMA_VERSION) from error
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()
        key = _file_key(path)
        if key is not None:
            _READY.add(key)


@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only unit of work on the readers' file; None when no reader has forecast yet (no file)."""
    if not path.exists():
        yield None
        return
    # Attached to a kept in-memory instance (db.connection's readers): ~2 ms, where opening the file is ~15.
    with connection.turn(path, exclusive=False, timeout=TURN_TIMEOUT), connection._attached(path, threads=1) as con:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchall()
        }
        yield con if "reader_forecasts" in tables else None


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- forecasts ---------------------------------------------------------------------------------------


def active_probability(con: duckdb.DuckDBPyConnection, claim_id: int, reader: str) -> float | None:
    """The reader's active (latest) forecast on the claim, None when they have not forecast it."""
    row = con.execute(
        "SELECT probability FROM reader_forecasts WHERE claim_id = ? AND reader = ? ORDER BY id DESC LIMIT 1",
        [claim_id, reader],
    ).fetchone()
    return None if row is None else float(row[0])


def insert_forecast(
    con: duckdb.DuckDBPyConnection, claim_id: int, reader: str, probability: float, made_at: datetime
) -> int:
    row = con.execute(
        "INSERT INTO reader_forecasts (claim_id, reader, probability, made_at) VALUES (?, ?, ?, ?) RETURNING id",
        [claim_id, reader, probability, made_at],
    ).fetchone()
    assert row is not None
    return int(row[0])


def own_history(con: duckdb.DuckDBPyConnection, reader: str) -> list[dict[str, Any]]:
    """Every forecast of one reader, oldest first."""
    return _dicts(
        con.execute(
            "SELECT id, claim_id, probability, made_at FROM reader_forecasts WHERE reader = ? ORDER BY id", [reader]
        )
    )


def forecasts_of_claims(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """Every forecast (history included) of the given claims (all claims with None), by claim then id,
    each with whether its reader is excluded now."""
    return _dicts(
        con.execute(
            f"""WITH excluded AS (
                   SELECT reader, action FROM reader_exclusions
                   QUALIFY row_number() OVER (PARTITION BY reader ORDER BY id DESC) = 1)
               SELECT f.id, f.claim_id, f.reader, f.probability, f.made_at,
                      coalesce(e.action = 'exclude', false) AS excluded
               FROM reader_forecasts f LEFT JOIN excluded e ON e.reader = f.reader
               WHERE {"true" if claim_ids is None else "f.claim_id IN (SELECT unnest(?::BIGINT[]))"}
               ORDER BY f.claim_id, f.id""",
            [] if claim_ids is None else [list(claim_ids)],
        )
    )


def forecast_claims(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The claims any reader has forecast."""
    return [int(row[0]) for row in con.execute("SELECT DISTINCT claim_id FROM reader_forecasts ORDER BY 1").fetchall()]


def count_rows(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM reader_forecasts").fetchone()
    return int(row[0]) if row else 0


# --- exclusions and closings ---------------------------------------------------------------------------


def insert_exclusion(con: duckdb.DuckDBPyConnection, reader: str, action: str, reason: str, at: datetime) -> None:
    con.execute(
        "INSERT INTO reader_exclusions (reader, action, reason, recorded_at) VALUES (?, ?, ?, ?)",
        [reader, action, reason, at],
    )


def exclusions(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every exclusion and re-inclusion, oldest first."""
    return _dicts(con.execute("SELECT reader, action, reason, recorded_at FROM reader_exclusions ORDER BY id"))


def insert_closing(
    con: duckdb.DuckDBPyConnection, claim_id: int | None, action: str, reason: str, at: datetime
) -> None:
    con.execute(
        "INSERT INTO reader_closings (claim_id, action, reason, recorded_at) VALUES (?, ?, ?, ?)",
        [claim_id, action, reason, at],
    )


def closings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every closing and reopening (claim_id NULL: everywhere), oldest first."""
    return _dicts(con.execute("SELECT claim_id, action, reason, recorded_at FROM reader_closings ORDER BY id"))


# --- what the ledger says about the claims readers forecast ---------------------------------------------


def ledger_claims(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> list[dict[str, Any]]:
    """For each given claim of the ledger (a connection to the ledger, not to the readers' file): its
    deadline, whether it is withdrawn, its partial-credit rule, its resolution in force, when it was first
    resolved (undone or not), and the author's last counted forecast."""
    from db import rules

    if not claim_ids:
        return []
    return _dicts(
        con.execute(
            f"""WITH wanted AS (SELECT unnest(?::BIGINT[]) AS id),
                    last AS (SELECT f.claim_id, f.probability, f.forecaster FROM {rules.COUNTED_FORECASTS} f
                             WHERE f.claim_id IN (SELECT id FROM wanted)
                             QUALIFY row_number() OVER (
                                 PARTITION BY f.claim_id ORDER BY f.made_at DESC, f.id DESC) = 1),
                    first AS (SELECT claim_id, min(recorded_at) AS first_resolved_at FROM resolutions
                              WHERE claim_id IN (SELECT id FROM wanted) GROUP BY claim_id)
               SELECT c.id AS claim_id, c.statement, c.deadline, c.withdrawn, c.partial_credit,
                      r.outcome, r.fraction, r.resolved_on, fr.first_resolved_at,
                      l.probability AS author_probability, l.forecaster AS author_forecaster
               FROM claims c
               LEFT JOIN current_resolutions r ON r.claim_id = c.id
               LEFT JOIN first fr ON fr.claim_id = c.id
               LEFT JOIN last l ON l.claim_id = c.id
               WHERE c.id IN (SELECT id FROM wanted)
               ORDER BY c.id""",
            [list(claim_ids)],
        )
    )


# --- backup --------------------------------------------------------------------------------------------


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for table in TABLES:  # a fixed list: no identifier from outside
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


def export_to(path: Path, folder: Path) -> dict[str, int]:
    """Copy the readers' file into `folder` (EXPORT DATABASE, Parquet) under a reader's turn; its row counts."""
    from db import backup

    with reading(path) as con:
        if con is None:
            raise DatabaseError(f"{path} holds no readers' forecasts")
        backup.export_database(con, folder)
        return table_counts(con)


def import_from(folder: Path, staging: Path) -> dict[str, int]:
    """A new readers' file at `staging` from an export in `folder`; its row counts."""
    from db import backup

    for leftover in (staging, staging.with_name(staging.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connection.connect(staging, threads=1)
    try:
        backup.import_database(con, folder)
        _ensure_schema(con)
        return table_counts(con)
    except duckdb.Error as error:
        raise DatabaseError(f"cannot restore the readers' forecasts: {str(error).splitlines()[0]}") from error
    finally:
        con.close()
