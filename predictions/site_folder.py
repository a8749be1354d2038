"""The folder `predictions publish -o DIR` writes into: what it may replace, and replacing it whole (issue 31,
points 1 and 2).

A publish only ever replaces a site it wrote. Each site holds a marker file (MARKER) with the manifest of
its files; a folder without one must be empty or missing, and a site with one must hold nothing but the
files its manifest lists (no symbolic link, no DuckDB file, nothing added by hand). The ledger's folder,
`/`, the home folder, a folder above the home folder and any top-level folder are refused outright, and so
is a symbolic link as the target. A refusal is one line (SiteFolderError) and touches nothing.

The new site is built in a staging folder beside the target (`.NAME.publish-XXXX`, in the same parent so
a rename moves it) and swapped in at the end with one `renameat2(RENAME_EXCHANGE)`, so a reader of DIR
sees the old site or the new one, never a mix. The staging folder carries a marker from its first moment;
a publish that is killed or fails leaves the old site as it was, and the next publish into the same parent
removes what it left behind (only folders of that name that hold a marker, or are empty). One publish
runs at a time per parent folder (an advisory lock on the parent, released by the kernel if the process
dies).
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import secrets
import shutil
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from predictions.ledger import LedgerError

MARKER = ".predictions-site.json"
FORMAT: Literal["trend-prediction-tracker-site/1"] = "trend-prediction-tracker-site/1"
STAGING = ".{name}.publish-"  # + random hex: a staging folder, or an old site on its way out
SWAPPED = "predictions.site_folder.swapped"  # an audit event (sys.audit): the new site is in place
SCAN_LIMIT = 20_000  # entries looked at in a folder that is not a site, to name a DuckDB file in it


class SiteFolderError(LedgerError):
    """The output folder is not one a publish may write: one line for the user."""


@dataclass(frozen=True)
class Target:
    path: Path  # the folder, its parent resolved (no symbolic link on the way)
    site: bool  # it holds a site this program published (else it is missing or empty)


class SiteManifest(BaseModel):
    """The marker's content: read from a folder a publish may replace, so validated like any input."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["trend-prediction-tracker-site/1"]
    note: str = ""
    building: bool = False  # a staging folder: its files are not listed yet
    files: list[str] = Field(default_factory=list)  # every file of the site, relative, "/"-separated


def _manifest(folder: Path) -> SiteManifest | None:
    """The marker's content when `folder` holds a readable marker of this program, else None."""
    marker = folder / MARKER
    try:
        if not stat.S_ISREG(marker.lstat().st_mode):
            return None
        return SiteManifest.model_validate_json(marker.read_bytes())
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None


def _walk(folder: Path, limit: int | None = None) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative path, entry) of everything under `folder`, never following a symbolic link."""
    pending, seen = [folder], 0
    while pending:
        current = pending.pop()
        with os.scandir(current) as entries:
            for entry in entries:
                seen += 1
                if limit is not None and seen > limit:
                    return
                yield Path(entry.path).relative_to(folder).as_posix(), entry
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))


def _is_duckdb(name: str) -> bool:
    return ".duckdb" in name.lower()  # the ledger, its .wal, a copy named x.duckdb.bak


def _resolved(out: Path) -> Path:
    if out.name in ("", ".", ".."):
        return Path(os.path.realpath(out))
    return Path(os.path.realpath(out.parent)) / out.name


def _protected(path: Path) -> str | None:
    """Why `path` is never a site's folder, or None."""
    if len(path.parts) <= 2:
        return "the root or a top-level folder"
    try:
        home = Path(os.path.realpath(Path.home()))
    except (RuntimeError, KeyError):  # no home folder known
        return None
    if path == home:
        return "the home folder"
    if home.is_relative_to(path):
        return "a folder that holds the home folder"
    return None


def check_target(out: Path, db_path: Path) -> Target:
    """The folder to publish into, or SiteFolderError saying in one line why not. Reads only."""
    if out.is_symlink():
        raise SiteFolderError(f"{out} is a symbolic link: publish into a real folder (never through a link)")
    path = _resolved(out)
    why = _protected(path)
    if why:
        raise SiteFolderError(f"{out} is {why}: publish into a folder of its own, such as {path / 'site'}")
    ledger = Path(os.path.realpath(db_path))
    if ledger.is_relative_to(path):
        raise SiteFolderError(f"{out} holds the ledger ({db_path}): publish into a folder of its own")
    if not os.path.lexists(path):
        return Target(path, site=False)
    if not path.is_dir():
        raise SiteFolderError(f"{out} is a file, not a folder")
    manifest = _manifest(path)
    if manifest is None:
        if not any(path.iterdir()):
            return Target(path, site=False)
        duckdb = next((rel for rel, _ in _walk(path, SCAN_LIMIT) if _is_duckdb(rel.rsplit("/", 1)[-1])), None)
        if duckdb:
            raise SiteFolderError(f"{out} holds a DuckDB file ({duckdb}): publish into a folder of its own")
        raise SiteFolderError(
            f"{out} is not empty and holds no site published by this program (no {MARKER}): "
            "publish into a new or empty folder"
        )
    listed = {*manifest.files, MARKER}
    folders = {parent.as_posix() for name in listed for parent in Path(name).parents}
    foreign: list[str] = []
    for rel, entry in _walk(path):
        if _is_duckdb(entry.name):
            raise SiteFolderError(f"{out} holds a DuckDB file ({rel}): publish into a folder of its own")
        if entry.is_symlink():
            raise SiteFolderError(f"{out} holds a symbolic link ({rel}): a publish never replaces one")
        if rel not in (folders if entry.is_dir(follow_symlinks=False) else listed):
            foreign.append(rel)
    if foreign:
        shown = ", ".join(sorted(foreign)[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise SiteFolderError(f"{out} holds files its last publish did not write ({shown}): move them out first")
    return Target(path, site=True)


def _remove(folder: Path) -> None:
    """Remove a staging folder or an old site, its marker last: one killed halfway keeps its marker and
    is removed by the next publish. shutil.rmtree never follows a symbolic link."""
    with os.scandir(folder) as entries:
        children = [e for e in entries if e.name != MARKER]
    for entry in children:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    with suppress(FileNotFoundError):
        os.unlink(folder / MARKER)
    os.rmdir(folder)


def _leftovers(target: Path) -> list[Path]:
    """What killed or failed publishes into `target` left beside it: staging folders and old sites."""
    prefix = STAGING.format(name=target.name)
    found = []
    with os.scandir(target.parent) as entries:
        for entry in entries:
            if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
                folder = Path(entry.path)
                if _manifest(folder) is not None or not any(folder.iterdir()):
                    found.append(folder)
    return found


_RENAME_EXCHANGE = 2  # linux/fs.h


def exchange(first: Path, second: Path) -> None:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE): there is no moment where either is
    missing. OSError when the system or the file system cannot."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)  # glibc 2.28+
    if renameat2 is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(first))


def swap_by_renames(staging: Path, target: Path) -> None:
    """Where exchange cannot: the old site steps aside under the staging folder's name, then the new one
    takes its place. A publish killed between the two renames leaves no DIR until the next publish (which
    removes the old one); a reader never sees a mix of the two."""
    aside = staging.with_name(staging.name + "-old")
    os.rename(target, aside)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(aside, target)  # the old site back where it was
        raise
    _remove(aside)


def _swap_in(staging: Path, target: Path) -> None:
    if not os.path.lexists(target):
        os.rename(staging, target)
        sys.audit(SWAPPED, str(target))
        return
    try:
        exchange(staging, target)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        swap_by_renames(staging, target)
        return
    sys.audit(SWAPPED, str(target))
    _remove(staging)  # now the old site


def write_manifest(folder: Path, *, building: bool = False) -> None:
    """The marker: this program's site, with every file in it (empty while it is being built)."""
    files = [] if building else sorted(rel for rel, e in _walk(folder) if not e.is_dir(follow_symlinks=False))
    document = SiteManifest(
        format=FORMAT,
        note="written by `predictions publish`; the next publish into this folder replaces it whole",
        building=building,
        files=[name for name in files if name != MARKER],
    )
    (folder / MARKER).write_text(document.model_dump_json(indent=0) + "\n", encoding="utf-8")


@contextmanager
def _parent_lock(parent: Path, out: Path) -> Iterator[None]:
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise SiteFolderError(
                f"another publish into {parent} is running: try again when it has finished"
            ) from error
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def staged(out: Path, db_path: Path) -> Iterator[tuple[Path, Path | None]]:
    """Check `out`, then yield (staging folder, the current site or None) for the caller to fill; when the
    block ends without an exception the staging folder gets its manifest and replaces `out` whole. On an
    exception it is removed and `out` stays as it was."""
    check_target(out, db_path)  # the cheap refusals, before anything is made
    target = _resolved(out)
    made = [p for p in target.parents if not os.path.lexists(p)]  # folders this publish makes, deepest first
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise SiteFolderError(f"cannot make the folder {out.parent}: {error.strerror or error}") from error
    try:
        with _parent_lock(target.parent, out):
            yield from _staged(out, db_path, target)
    except BaseException:
        for folder in made:  # a publish that failed leaves no empty folder it made behind
            with suppress(OSError):
                folder.rmdir()
        raise


def _staged(out: Path, db_path: Path, target: Path) -> Iterator[tuple[Path, Path | None]]:
    """staged's work once the parent is locked."""
    found = check_target(out, db_path)  # again, now that no other publish can change it
    for leftover in _leftovers(target):
        _remove(leftover)
    staging = target.with_name(STAGING.format(name=target.name) + secrets.token_hex(4))
    os.mkdir(staging)  # the umask's mode, as a folder the user made (mkdtemp's 0700 would hide the site)
    try:
        if os.path.lexists(target):  # the folder keeps the permissions its owner gave it
            os.chmod(staging, stat.S_IMODE(target.stat().st_mode))
        write_manifest(staging, building=True)
        yield staging, target if found.site else None
        write_manifest(staging)
        _swap_in(staging, target)
    except BaseException:
        if os.path.lexists(staging):
            _remove(staging)
        raise
