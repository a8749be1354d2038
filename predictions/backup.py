"""`predictions backup -o DIR` and `predictions restore DIR`: the whole ledger, ids and history included.

A backup is a folder of Parquet files with the schema (DuckDB's EXPORT DATABASE) plus a manifest
with the row count and SHA-256 of every file. A restore checks the manifest, rebuilds the database
in a new file beside the target, compares the row counts, and only then moves it into place; the
database it replaces is kept beside it as `<name>.before-restore-<UTC time>`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

import db
import db.connection
from db import backup as sql
from db import rollups
from db.connection import known_version
from db.migrations import schema_version
from predictions import reader_backup
from predictions.ledger import LedgerError, reading

MANIFEST = "manifest.json"
# The migration that added claim_rollups and forecaster_rollups (db/migrations.py).
ROLLUPS_SINCE = 3
FORMAT = "trend-prediction-tracker-backup/1"


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def backup(db_path: Path, folder: Path) -> dict[str, Any]:
    """Write a consistent copy of the ledger into `folder` (which must be empty or absent)."""
    if folder.exists() and any(folder.iterdir()):
        raise LedgerError(f"backup folder {folder} is not empty")
    try:
        sql.check_folder(folder)  # refused before anything is made
    except sql.UnsafePathError as error:
        raise LedgerError(str(error)) from error
    created = None if folder.exists() else folder  # the outermost folder this backup makes
    while created is not None and not created.parent.exists():
        created = created.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with reading(db_path) as con:  # the read-only connection keeps writers out while exporting
            sql.export_database(con, folder)
            counts = sql.table_counts(con)
            version = schema_version(con)
    except BaseException:
        if created is not None:  # a failed backup leaves no folder of its own behind
            shutil.rmtree(created, ignore_errors=True)
        raise
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}
    readers = reader_backup.backup_readers(db_path, folder)  # the readers' forecasts, in readers/ (issue 25)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": str(db_path),
        "schema_version": version,
        "row_counts": counts,
        "files": files,
        **({"readers": readers} if readers is not None else {}),
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in `folder`, checked whole: its shape, the schema version against the
    program's, and every file of the folder against it (each listed file present and matching its
    checksum, no file it does not list). Any problem is one LedgerError line."""
    path = folder / MANIFEST
    if not folder.is_dir():
        raise LedgerError(f"{folder} is not a backup folder")
    if not path.is_file():
        raise LedgerError(f"{folder} is not a backup (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise LedgerError(f"{path}: line {error.lineno}: not valid JSON") from error
    except (OSError, ValueError, RecursionError) as error:  # unreadable, not UTF-8, nested too deep, huge numbers
        raise LedgerError(f"{path}: cannot be read: {_first_line(error)}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise LedgerError(f"{path}: not a {FORMAT} manifest")
    version = manifest.get("schema_version")
    if not _whole(version):
        raise LedgerError(f"{path}: schema_version must be a whole number")
    if version > known_version():
        raise LedgerError(
            f"backup {folder} holds a ledger of schema version {version}, newer than this program's "
            f"{known_version()}: restore it with the newer version of the tracker that made it"
        )
    counts, files = manifest.get("row_counts"), manifest.get("files")
    if not isinstance(counts, dict) or not all(_whole(n) and n >= 0 for n in counts.values()):
        raise LedgerError(f"{path}: row_counts must map each table to a whole number of rows")
    if not isinstance(files, dict) or not all(isinstance(d, str) for d in files.values()):
        raise LedgerError(f"{path}: files must map each file name to its SHA-256")
    for name in files:
        if name in ("", ".", "..", MANIFEST) or "/" in name or "\\" in name or "\0" in name:
            raise LedgerError(f"{path}: {name!r} is not the name of a file in the backup folder")
    readers = reader_backup.check_readers(folder, manifest, path)
    unlisted = sorted(
        p.name
        for p in folder.iterdir()
        if p.name != MANIFEST and p.name not in files and not (readers and p.name == "readers")
    )
    if unlisted:
        raise LedgerError(f"backup holds files its manifest does not list: {', '.join(unlisted)}")
    for name, digest in files.items():
        file = folder / name
        if not file.is_file():
            raise LedgerError(f"backup is incomplete: {name} is missing")
        if _sha256(file) != digest:
            raise LedgerError(f"backup is damaged: {name} does not match its checksum")
    return manifest


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def restore(folder: Path, db_path: Path) -> dict[str, int]:
    """Replace the ledger at `db_path` with the backup in `folder`; returns the restored row counts.

    The whole restore takes the writers' turn on `<db>.lock`: a write in progress finishes first (and
    is in the kept copy), a write that waits for its turn lands in the restored ledger. The kept copy
    is taken after a checkpoint, so it holds every committed write, those still in the WAL included.
    """
    manifest = read_manifest(folder)
    staging = db_path.with_name(f".{db_path.name}.restoring")
    try:
        with db.connection.turn(db_path, exclusive=True):
            counts = _build(folder, staging, manifest)
            expected = {str(k): int(v) for k, v in manifest["row_counts"].items()}
            if counts != expected:
                raise LedgerError(f"restore check failed: row counts {counts} differ from the backup's {expected}")
            readers = reader_backup.stage_readers(folder, db_path, manifest)  # checked before anything moves
            if db_path.exists():
                _keep(db_path, _kept_name(db_path))
            db_path.parent.mkdir(parents=True, exist_ok=True)
            _wal(db_path).unlink(missing_ok=True)
            os.replace(staging, db_path)
            if readers is not None:
                reader_backup.put_readers(readers, db_path)
    except db.DatabaseError as error:
        raise LedgerError(str(error)) from error
    finally:
        for leftover in (staging, _wal(staging), *db.connection.lock_files(staging)):
            leftover.unlink(missing_ok=True)
    return counts


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _build(folder: Path, staging: Path, manifest: dict[str, Any]) -> dict[str, int]:
    """The backup imported into a fresh file at `staging`, checked: the schema version its rows say (not
    newer than the program's, as the manifest's), and the rollups recomputed from its rows equal to the
    ones it holds (a Parquet file edited and re-hashed is caught here); its row counts."""
    for leftover in (staging, _wal(staging)):
        leftover.unlink(missing_ok=True)
    try:
        with db.unit_of_work(staging) as con:
            sql.import_database(con, folder)
            version = schema_version(con)
            if version != manifest["schema_version"]:
                raise LedgerError(
                    f"backup is inconsistent: its rows are of schema version {version}, "
                    f"its manifest says {manifest['schema_version']}"
                )
            if version >= ROLLUPS_SINCE:
                stale = rollups.stale_claims(con) + [f"forecaster {name!r}" for name in rollups.stale_forecasters(con)]
                if stale:
                    shown = ", ".join(str(item) for item in stale[:5])
                    raise LedgerError(
                        f"backup is inconsistent: the rollups of {shown}{' …' if len(stale) > 5 else ''} "
                        "disagree with its rows (was a file edited after the backup was made?)"
                    )
            return sql.table_counts(con)
    except LedgerError:
        raise
    except (sql.UnsafePathError, db.DatabaseError) as error:
        raise LedgerError(str(error)) from error
    except Exception as error:
        raise LedgerError(f"restore failed: {str(error).splitlines()[0]}") from error


def _kept_name(db_path: Path) -> Path:
    """`<name>.before-restore-<UTC time>`, with a counter after it should one of that second exist."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    number = 1
    while kept.exists() or _wal(kept).exists():
        number += 1
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{number}")
    return kept


def _keep(db_path: Path, kept: Path) -> None:
    """Copy the ledger about to be replaced to `kept`, with every committed write in it.

    Called with the writers' turn held. A checkpoint moves the WAL into the file first; should the file
    not open (damaged, say), its WAL is kept beside the copy instead, where DuckDB replays it on opening.
    """
    with contextlib.suppress(db.DatabaseError):
        sql.checkpoint(db_path)
    shutil.copy2(db_path, kept)
    if _wal(db_path).exists():
        shutil.copy2(_wal(db_path), _wal(kept))
