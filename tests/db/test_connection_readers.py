"""Readers attach the ledger file to an in-memory DuckDB instance kept by the process, and detach it
when their unit of work ends (db/connection.py, `_Instances`): the instance is kept, the file is
not. Held by real processes opening the same file, writes between reads, failures inside a unit,
threads and a fork.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest

import db
import db.connection
from predictions import ledger
from predictions.models import ClaimIn

ROOT = Path(__file__).resolve().parents[2]

# Another process opens the file read-write once, without retrying: 0 when it could, 3 on the lock error.
WRITER = """
import sys, duckdb
try:
    duckdb.connect(sys.argv[1]).close()
except duckdb.IOException as error:
    sys.exit(3 if "lock" in str(error) else 4)
"""


def another_process_can_write(path: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", WRITER, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr
    return done.returncode == 0


def claim_count(path: Path) -> int:
    with db.read_only(path) as con:
        row = con.execute("SELECT count(*) FROM claims").fetchone()
    assert row is not None
    return int(row[0])


def attached_files() -> list[str]:
    """The files attached to the process's idle reader instances (none, between units)."""
    found = []
    for idle in db.connection._READERS._idle.values():
        for instance in idle:
            found += [
                str(row[0])
                for row in instance.execute("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL").fetchall()
            ]
    return found


@pytest.fixture
def ledger_path(db_path: Path) -> Path:
    ledger.add_claim(db_path, ClaimIn(statement="A first claim", made_on=date(2025, 1, 1)))
    return db_path


def test_the_file_is_held_during_a_read_and_free_the_moment_it_ends(ledger_path: Path) -> None:
    with db.read_only(ledger_path) as con:
        assert con.execute("SELECT count(*) FROM claims").fetchone() == (1,)
        assert not another_process_can_write(ledger_path)  # the probe sees a held file
    assert another_process_can_write(ledger_path)
    assert db.connection._READERS._idle, "the instance is kept for the next read"
    assert attached_files() == []


def test_a_write_holds_the_file_for_its_unit_and_leaves_it_written_and_free(ledger_path: Path) -> None:
    """A writer's unit holds the file while it runs, and at its end leaves it committed, checkpointed (no
    WAL for the next process to replay) and free."""
    with db.unit_of_work(ledger_path) as con:
        con.execute("CREATE TABLE write_probe AS SELECT 42 AS x")  # outside the record's chained tables
        assert not another_process_can_write(ledger_path)
    assert another_process_can_write(ledger_path)
    assert not ledger_path.with_name(ledger_path.name + ".wal").exists()
    assert attached_files() == []
    done = subprocess.run([sys.executable, "-c", "import sys, duckdb; print(duckdb.connect(sys.argv[1], "
                           "read_only=True).execute('SELECT x FROM write_probe').fetchone()[0])", str(ledger_path)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "42", done.stderr


def test_a_failed_write_leaves_nothing_and_the_file_free(ledger_path: Path) -> None:
    with pytest.raises(db.DatabaseError), db.unit_of_work(ledger_path) as con:
        con.execute("CREATE TABLE write_probe AS SELECT 42 AS x")
        con.execute("SELECT * FROM no_such_table")
    assert another_process_can_write(ledger_path) and attached_files() == []
    with db.read_only(ledger_path) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'write_probe'").fetchone() == (0,)


def test_a_read_sees_what_another_process_wrote_since_the_last_read(ledger_path: Path) -> None:
    assert claim_count(ledger_path) == 1
    for expected in (2, 3):
        command = [sys.executable, "-m", "predictions.cli", "add", "--statement", f"Claim number {expected}",
                   "--made-on", "2025-01-02", "--db", str(ledger_path)]  # fmt: skip
        added = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert added.returncode == 0, added.stderr
        assert claim_count(ledger_path) == expected


def test_a_unit_that_fails_leaves_nothing_attached_and_nothing_behind(ledger_path: Path) -> None:
    with pytest.raises(db.DatabaseError, match="no_such_column"), db.read_only(ledger_path) as con:
        con.execute("CREATE TEMP TABLE scratch AS SELECT 1 AS x")
        con.execute("SELECT no_such_column FROM claims")
    with pytest.raises(RuntimeError, match="boom"), db.read_only(ledger_path) as con:
        con.execute("SELECT 1").fetchall()
        raise RuntimeError("boom")
    assert attached_files() == []
    assert another_process_can_write(ledger_path)
    with db.read_only(ledger_path) as con:  # the kept instance reads on, without the other unit's temp table
        temporary = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scratch'").fetchone()
        assert temporary == (0,)
        assert con.execute("SELECT count(*) FROM claims").fetchone() == (1,)


def test_nested_and_concurrent_reads_each_get_their_own_attachment(ledger_path: Path) -> None:
    with db.read_only(ledger_path) as outer, db.read_only(ledger_path) as inner:
        assert (
            outer.execute("SELECT count(*) FROM claims").fetchone()
            == inner.execute("SELECT count(*) FROM claims").fetchone()
        )
    counts: list[int] = []
    errors: list[BaseException] = []

    def read_many() -> None:
        try:
            for _ in range(25):
                counts.append(claim_count(ledger_path))
        except BaseException as error:  # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=read_many) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and counts == [1] * 150
    assert all(len(idle) <= db.connection._READERS.KEEP for idle in db.connection._READERS._idle.values())
    assert attached_files() == []
    assert another_process_can_write(ledger_path)


def _count_in_child(path: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(claim_count(Path(path)))


def test_a_forked_child_reads_with_instances_of_its_own(ledger_path: Path) -> None:
    assert claim_count(ledger_path) == 1  # the parent has an idle instance now
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    child = context.Process(target=_count_in_child, args=(str(ledger_path), out))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    assert out.get(timeout=5) == 1
    assert claim_count(ledger_path) == 1  # and the parent's instance still works
