"""Restore and backup lose no committed write (issue 14, points 1 to 3).

- A restore takes the writers' turn on `<db>.lock`: a writer inside its transaction when the restore
  starts finishes first, its write is in the kept copy, and a write after the restore is in the
  restored ledger (real processes: the writer is paused inside its transaction).
- The kept `.before-restore-*` copy, and a backup, hold a write still in the WAL (the writer was
  SIGKILLed right after its COMMIT, before DuckDB could checkpoint).
- A backup is checked whole before it replaces anything: a Parquet file edited and re-hashed (the
  rollups recomputed from its rows disagree with the ones it holds), a file the manifest does not list,
  a schema newer than the program's (in the manifest or in the rows), a malformed or unreadable
  manifest: each is one line, and the ledger stays as it was.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ledger_snapshot import assert_clean_refusal, dump, run_cli

from db.connection import known_version
from predictions import backup, ledger
from predictions.models import ClaimIn, Outcome, ResolutionIn

ROOT = Path(__file__).resolve().parents[2]
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

attached = db.connection._attached

@contextmanager
def attached_then_killed(path, *, writable=False, **options):
    with attached(path, writable=writable, **options) as con:
        yield con
        if not writable:  # a read before the write: detached as usual
            return
        print("committed", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # after the write's COMMIT, before DETACH, which would checkpoint

db.connection._attached = attached_then_killed
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


# --- backups are checked whole (point 3) ----------------------------------------------------------------


@pytest.fixture
def full_backup(db_path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The seeded ledger with a resolution (so rollups hold scores), and a backup of it."""
    ledger.seed_from_file(db_path)
    claim = ledger.list_claims(db_path)[0]
    ledger.resolve(db_path, claim.id, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2025, 12, 31)))
    folder = tmp_path / "backup"
    backup.backup(db_path, folder)
    return db_path, folder


def rehash(folder: Path, edit: Callable[[dict[str, Any]], None] = lambda manifest: None) -> None:
    """Recompute every checksum in the manifest (as someone covering their tracks would), then `edit` it."""
    path = folder / backup.MANIFEST
    manifest = json.loads(path.read_text())
    manifest["files"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in manifest["files"]}
    edit(manifest)
    path.write_text(json.dumps(manifest))


def rewrite_parquet(file: Path, query: str) -> None:
    """Replace a Parquet file of the backup by `query` over its rows (table `t`)."""
    edited = file.with_name("edited.tmp")
    with duckdb.connect() as con:
        con.execute(f"COPY (WITH t AS (FROM read_parquet('{file}')) {query}) TO '{edited}' (FORMAT parquet)")
    edited.replace(file)


def refused_restore(path: Path, folder: Path) -> str:
    before = dump(path)
    result = run_cli(["restore", str(folder), "--db", str(path)])
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1, result.err
    assert dump(path) == before
    assert [p.name for p in path.parent.iterdir() if "before-restore" in p.name or "restoring" in p.name] == []
    return result.err.strip()


def test_a_backup_whose_parquet_was_edited_and_rehashed_is_refused(full_backup: tuple[Path, Path]) -> None:
    path, folder = full_backup
    rewrite_parquet(
        folder / "forecasts.parquet",
        "SELECT * REPLACE (CASE WHEN id = 1 THEN 0.01 ELSE probability END AS probability) FROM t",
    )
    rehash(folder)
    error = refused_restore(path, folder)
    assert error.startswith("error: backup is inconsistent: the rollups of 1 disagree with its rows"), error


def test_a_backup_with_a_file_its_manifest_does_not_list_is_refused(full_backup: tuple[Path, Path]) -> None:
    path, folder = full_backup
    rehash(folder, lambda manifest: manifest["files"].pop("resolutions.parquet"))
    error = refused_restore(path, folder)
    assert error == "error: backup holds files its manifest does not list: resolutions.parquet"


def test_a_backup_from_a_newer_schema_is_refused(full_backup: tuple[Path, Path]) -> None:
    path, folder = full_backup
    now = "TIMESTAMP '2030-01-01 00:00:00'"
    rewrite_parquet(folder / "schema_migrations.parquet", f"SELECT * FROM t UNION ALL SELECT 99, 'future', {now}")
    rehash(folder)  # the rows say 99, the manifest still says the program's version
    error = refused_restore(path, folder)
    assert (
        error
        == f"error: backup is inconsistent: its rows are of schema version 99, its manifest says {known_version()}"
    )
    rehash(folder, lambda manifest: manifest.update(schema_version=99))  # both say 99
    error = refused_restore(path, folder)
    assert error == (f"error: backup {folder} holds a ledger of schema version 99, newer than this program's "
                     f"{known_version()}: restore it with the newer version of the tracker that made it")  # fmt: skip


MALFORMED_MANIFESTS: dict[str, tuple[Callable[[dict[str, Any]], Any], str]] = {
    "files is a list": (lambda m: m.update(files=list(m["files"])), "files must map each file name to its SHA-256"),
    "a row count is text": (lambda m: m["row_counts"].update(claims="twelve"), "row_counts must map each table"),
    "row_counts is a list": (lambda m: m.update(row_counts=[1, 2]), "row_counts must map each table"),
    "a row count is true": (lambda m: m["row_counts"].update(claims=True), "row_counts must map each table"),
    "schema_version is text": (lambda m: m.update(schema_version="3"), "schema_version must be a whole number"),
    "a file outside the folder": (
        lambda m: m["files"].update({"../ledger.duckdb": "0" * 64}),
        "is not the name of a file",
    ),
    "the manifest is a list": (lambda m: [m], "not a trend-prediction-tracker-backup/1 manifest"),
}


@pytest.mark.parametrize("case", list(MALFORMED_MANIFESTS))
def test_a_malformed_manifest_is_one_line(case: str, full_backup: tuple[Path, Path]) -> None:
    path, folder = full_backup
    edit, message = MALFORMED_MANIFESTS[case]
    manifest_path = folder / backup.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(edit(manifest) or manifest))
    assert message in refused_restore(path, folder)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "cannot be read"),
        ('{"format": ' + "9" * 5000 + "}", "cannot be read"),
        ("\xff\xfe not utf-8", "cannot be read"),
    ],
    ids=["deeply nested", "a 5000-digit number", "not UTF-8"],
)
def test_an_unreadable_manifest_is_one_line(text: str, message: str, full_backup: tuple[Path, Path]) -> None:
    path, folder = full_backup
    (folder / backup.MANIFEST).write_bytes(text.encode("latin-1"))
    assert message in refused_restore(path, folder)
