"""Restore and backup lose no committed write (issue 14, points 1 to 3).

- A restore takes the writers' turn on `<db>.lock`: a writer inside its transaction when the restore
  starts finishes first, its write is in the kept copy, and a write after the restore is in the
  restored ledger (real processes: the writer is paused inside its transaction).
- The kept `.before-restore-*` copy, and a backup, hold a write still in the WAL (the writer was
  SIGKILLed right after its COMMIT, before DuckDB could checkpoint).
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from predictions import backup, ledger
from predictions.models import ClaimIn

ROOT = Path(__file__).resolve().parents[1]
MADE_ON = date(2025, 3, 10)


def statements(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [row[0] for row in con.execute("SELECT statement FROM claims ORDER BY id").fetchall()]


def kept_copies(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(path.name + ".before-restore-")
                  and not p.name.endswith(".wal"))  # fmt: skip


@pytest.fixture
def backed_up(db_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A ledger of two claims and a backup of it."""
    ledger.add_claim(db_path, ClaimIn(statement="In the backup, one", made_on=MADE_ON))
    ledger.add_claim(db_path, ClaimIn(statement="In the backup, two", made_on=MADE_ON))
    folder = tmp_path / "backup"
    backup.backup(db_path, folder)
    return db_path, folder


# A writer that stops inside its transaction (the claim inserted, not yet committed) until told to go on.
PAUSED_WRITER = """
import sys
from db import queries
from predictions import cli

real = queries.insert_claim

def insert_then_wait(*args, **kwargs):
    claim_id = real(*args, **kwargs)
    print("inside", flush=True)
    sys.stdin.readline()
    return claim_id

queries.insert_claim = insert_then_wait
sys.exit(cli.main(sys.argv[1:]))
"""


def cli_process(*args: str, script: str | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", script, *args] if script else [sys.executable, "-m", "predictions.cli", *args]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)  # fmt: skip


def test_a_restore_waits_for_the_writer_inside_its_transaction(backed_up: tuple[Path, Path]) -> None:
    path, folder = backed_up
    writer = cli_process("add", "--statement", "Written while the restore waits", "--made-on", "2025-03-10",
                         "--db", str(path), script=PAUSED_WRITER)  # fmt: skip
    assert writer.stdout is not None and writer.stdin is not None
    assert writer.stdout.readline().strip() == "inside"
    restore = cli_process("restore", str(folder), "--db", str(path))
    try:
        # Without its turn a restore is done in about a second; with it, it waits for the writer however long.
        with pytest.raises(subprocess.TimeoutExpired):
            restore.wait(timeout=3)
    finally:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    written, writer_err = writer.communicate(timeout=60)
    restored, restore_err = restore.communicate(timeout=60)
    assert writer.returncode == 0 and written.startswith("added claim 3"), writer_err
    assert restore.returncode == 0 and restored.startswith("restored "), restore_err
    # The acknowledged write is in the kept copy; the ledger is the backup's.
    assert statements(path) == ["In the backup, one", "In the backup, two"]
    [kept] = kept_copies(path)
    assert statements(kept) == ["In the backup, one", "In the backup, two", "Written while the restore waits"]
    # A write after the restore lands in the restored ledger, with the backup's next id.
    after = subprocess.run([sys.executable, "-m", "predictions.cli", "add", "--statement", "After the restore",
                            "--made-on", "2025-03-10", "--db", str(path)], capture_output=True, text=True,
                           cwd=ROOT, timeout=60)  # fmt: skip
    assert after.returncode == 0 and after.stdout.startswith("added claim 3"), after.stderr
    assert statements(path) == ["In the backup, one", "In the backup, two", "After the restore"]


# A writer killed right after its COMMIT: the write is committed, still in the WAL, never checkpointed.
KILLED_AFTER_COMMIT = """
import os, signal, sys
from contextlib import contextmanager
import db.connection

@contextmanager
def connected_then_killed(path, **options):
    con = db.connection.connect(path, **options)
    yield con
    print("committed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # before close(), which would checkpoint

db.connection._connected = connected_then_killed
from predictions import cli
sys.exit(cli.main(sys.argv[1:]))
"""


def add_then_die(path: Path, statement: str) -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_COMMIT, "add", "--statement", statement,
                             "--made-on", "2025-03-10", "--db", str(path)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60)  # fmt: skip
    assert killed.returncode == -9 and killed.stdout.endswith("committed\n"), killed.stderr
    wal = path.with_name(path.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0  # the write is only in the WAL


def test_the_kept_copy_holds_a_write_still_in_the_wal(backed_up: tuple[Path, Path]) -> None:
    path, folder = backed_up
    add_then_die(path, "Committed, only in the WAL")
    backup.restore(folder, path)
    assert statements(path) == ["In the backup, one", "In the backup, two"]
    [kept] = kept_copies(path)
    assert statements(kept) == ["In the backup, one", "In the backup, two", "Committed, only in the WAL"]
    # Nothing of the restore's own is left behind.
    leftovers = sorted(p.name for p in path.parent.iterdir() if ".restoring" in p.name)
    assert leftovers == []


def test_a_backup_holds_a_write_still_in_the_wal(db_path: Path, tmp_path: Path) -> None:
    ledger.add_claim(db_path, ClaimIn(statement="Checkpointed long ago", made_on=MADE_ON))
    add_then_die(db_path, "Committed, only in the WAL")
    folder = tmp_path / "backup"
    backup.backup(db_path, folder)
    elsewhere = tmp_path / "elsewhere.duckdb"
    backup.restore(folder, elsewhere)
    assert statements(elsewhere) == ["Checkpointed long ago", "Committed, only in the WAL"]
