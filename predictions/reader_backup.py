"""The readers' forecasts in backups and restores (issue 25): a `readers/` folder inside the backup.

`predictions backup` exports the readers' file (db.reader_forecasts) beside the ledger's tables into
`readers/`, and lists its row counts and files' SHA-256 under "readers" in the manifest; `predictions
restore` checks them like the ledger's, rebuilds the readers' file in a new file and moves it into place
after the ledger (the one it replaces kept beside it as `<name>.before-restore-<UTC time>`). A backup
without readers (made before issue 25, or before any reader forecast) leaves the readers' file alone.
The readers' secret is not in a backup: restored elsewhere, the forecasts and their pseudonyms are
there, but readers' cookies from the old server do not sign in as the same readers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db import DatabaseError, connection
from db import reader_forecasts as sql
from predictions.ledger import LedgerError

FOLDER = "readers"


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def backup_readers(db_path: Path, folder: Path) -> dict[str, Any] | None:
    """Export the readers' forecasts into folder/readers; the manifest's "readers" entry, None without any."""
    path = sql.readers_file(db_path)
    if not path.exists():
        return None
    target = folder / FOLDER
    target.mkdir()
    try:
        counts = sql.export_to(path, target)
    except DatabaseError as error:
        raise LedgerError(str(error)) from error
    files = {p.name: _sha256(p) for p in sorted(target.iterdir()) if p.is_file()}
    return {"row_counts": counts, "files": files}


def check_readers(folder: Path, manifest: dict[str, Any], manifest_path: Path) -> bool:
    """The manifest's "readers" entry checked against folder/readers (each file there, listed, matching); False
    for a backup without readers."""
    readers = manifest.get("readers")
    if readers is None:
        return False
    counts = readers.get("row_counts") if isinstance(readers, dict) else None
    files = readers.get("files") if isinstance(readers, dict) else None
    if not isinstance(counts, dict) or not all(isinstance(n, int) and not isinstance(n, bool) for n in counts.values()):
        raise LedgerError(f"{manifest_path}: readers.row_counts must map each table to a whole number of rows")
    if not isinstance(files, dict) or not all(isinstance(d, str) for d in files.values()):
        raise LedgerError(f"{manifest_path}: readers.files must map each file name to its SHA-256")
    target = folder / FOLDER
    if not target.is_dir():
        raise LedgerError(f"backup is incomplete: its {FOLDER}/ folder is missing")
    for name in files:
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
            raise LedgerError(f"{manifest_path}: {name!r} is not the name of a file in {FOLDER}/")
    unlisted = sorted(p.name for p in target.iterdir() if p.name not in files)
    if unlisted:
        raise LedgerError(
            f"backup holds files its manifest does not list: {', '.join(f'{FOLDER}/{n}' for n in unlisted)}"
        )
    for name, digest in files.items():
        file = target / name
        if not file.is_file():
            raise LedgerError(f"backup is incomplete: {FOLDER}/{name} is missing")
        if _sha256(file) != digest:
            raise LedgerError(f"backup is damaged: {FOLDER}/{name} does not match its checksum")
    return True


def stage_readers(folder: Path, db_path: Path, manifest: dict[str, Any]) -> Path | None:
    """The backup's readers' forecasts rebuilt in a new file beside the ledger, row counts checked."""
    if "readers" not in manifest:
        return None
    target = sql.readers_file(db_path)
    staging = target.with_name(f".{target.name}.restoring")
    try:
        counts = sql.import_from(folder / FOLDER, staging)
        expected = {str(k): int(v) for k, v in manifest["readers"]["row_counts"].items()}
        if counts != expected:
            raise LedgerError(f"restore check failed: readers' row counts {counts} differ from the backup's {expected}")
    except DatabaseError as error:
        _clean(staging)
        raise LedgerError(str(error)) from error
    except BaseException:
        _clean(staging)
        raise
    return staging


def put_readers(staging: Path, db_path: Path) -> None:
    """Move the staged readers' file into place, under the readers' writer turn; the old one kept beside it."""
    target = sql.readers_file(db_path)
    try:
        with connection.turn(target, exclusive=True):
            if target.exists():
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                kept = target.with_name(f"{target.name}.before-restore-{stamp}")
                shutil.copy2(target, kept)
                wal = target.with_name(target.name + ".wal")
                if wal.exists():
                    shutil.copy2(wal, kept.with_name(kept.name + ".wal"))
                    wal.unlink()
            os.replace(staging, target)
    finally:
        _clean(staging)


def _clean(staging: Path) -> None:
    for leftover in (staging, staging.with_name(staging.name + ".wal"), *connection.lock_files(staging)):
        leftover.unlink(missing_ok=True)
