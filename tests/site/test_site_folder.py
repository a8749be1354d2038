"""`predictions publish -o DIR` never destroys (issue 31, points 1 and 2): it replaces only a site it wrote,
refuses every other folder in one line without touching it, and swaps the new site in whole, so that a
publish killed with SIGKILL at any moment leaves the old site as it was and the next publish cleans up.

The kills are real: a real `predictions publish` subprocess stops itself (SIGSTOP) at a named moment (an
audit hook watches its own file operations, whose events fire just before each: the staging folder made,
the tenth claim page opened, the first card written, the manifest written, the old site being removed),
the test looks at the site as a reader would at that instant, then sends SIGKILL. Nothing waits on a clock.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from ledger_snapshot import folder_snapshot as snapshot

from predictions import ledger, site_folder
from predictions.models import ClaimIn

AS_OF = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[2]


def publish_args(db: Path, out: Path | str, *extra: str) -> list[str]:
    return ["publish", "--db", str(db), "-o", str(out), "--today", AS_OF.isoformat(), "--no-cards", *extra]


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".publish-" in p.name)


@pytest.fixture
def seeded(db_path: Path) -> Path:
    ledger.seed_from_file(db_path)
    return db_path


# --- point 1: what a publish may replace ---------------------------------------------------------------


def test_publish_into_the_folder_holding_the_default_ledger_is_refused_and_deletes_nothing(tmp_path: Path) -> None:
    """The issue's case: `predictions publish -o .` where ./data/predictions.duckdb is the ledger (the
    default location) deleted data/ and claim-*.html before it failed. A real process in that tree."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    ledger.seed_from_file(project / "data" / "predictions.duckdb")
    (project / "claim-1.html").write_text("<p>my own page</p>")
    (project / "embed").mkdir()
    (project / "embed" / "notes.txt").write_text("mine")
    before, rows = snapshot(project), dump(project / "data" / "predictions.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    result = subprocess.run(
        [sys.executable, "-m", "predictions.cli", "publish", "-o", ".", "--no-cards"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 1, result
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr == "error: . holds the ledger (data/predictions.duckdb): publish into a folder of its own\n"
    assert snapshot(project) == before and dump(project / "data" / "predictions.duckdb") == rows
    assert leftovers(tmp_path) == []


def _targets(tmp_path: Path, db: Path, home: Path) -> dict[str, tuple[Path, str]]:
    """Each folder a publish must refuse, made in `tmp_path`, with the start of its one-line refusal."""
    foreign = tmp_path / "foreign"
    (foreign / "deep").mkdir(parents=True)
    (foreign / "deep" / "keep.txt").write_text("not the tracker's")
    with_duckdb = tmp_path / "with-duckdb"
    (with_duckdb / "a" / "b").mkdir(parents=True)
    shutil.copy2(db, with_duckdb / "a" / "b" / "copy.duckdb")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("the link's target")
    (tmp_path / "link").symlink_to(outside, target_is_directory=True)
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("a file")
    return {
        "root": (Path("/"), "error: / is the root or a top-level folder"),
        "top-level": (Path("/usr"), "error: /usr is the root or a top-level folder"),
        "home": (home, f"error: {home} is the home folder"),
        "above home": (home.parent, f"error: {home.parent} is a folder that holds the home folder"),
        "ledger's folder": (db.parent.parent, f"error: {db.parent.parent} holds the ledger ({db})"),
        "foreign": (foreign, f"error: {foreign} is not empty and holds no site published by this program"),
        "duckdb deep inside": (with_duckdb, f"error: {with_duckdb} holds a DuckDB file (a/b/copy.duckdb)"),
        "symlink": (tmp_path / "link", f"error: {tmp_path / 'link'} is a symbolic link"),
        "a file": (a_file, f"error: {a_file} is a file, not a folder"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "root",
        "top-level",
        "home",
        "above home",
        "ledger's folder",
        "foreign",
        "duckdb deep inside",
        "symlink",
        "a file",
    ],
)
def test_every_folder_that_is_not_its_own_is_refused_in_one_line_and_left_alone(
    name: str, seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home" / "me"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "letter.txt").write_text("dear …")
    monkeypatch.setenv("HOME", str(home))
    db = tmp_path / "project" / "data" / "predictions.duckdb"  # a ledger in a folder of its own
    db.parent.mkdir(parents=True)
    shutil.copy2(seeded, db)
    target, message = _targets(tmp_path, db, home)[name]
    system = not target.is_relative_to(tmp_path)  # "/" and "/usr": their listing is watched
    before = sorted(os.listdir(target)) if system else snapshot(tmp_path)
    rows = dump(db)
    result = run_cli(publish_args(db, target))
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1 and result.error_lines[0].startswith(message), result.err
    assert (sorted(os.listdir(target)) if system else snapshot(tmp_path)) == before
    assert dump(db) == rows


def test_its_own_site_is_refused_once_it_holds_a_link_a_duckdb_file_or_a_file_of_someone_else(
    seeded: Path, tmp_path: Path
) -> None:
    """The issue's symlink case: `site/data` as a link made the old publish write 105 files into its target."""
    site = tmp_path / "site"
    assert run_cli(publish_args(seeded, site)).code == 0
    assert (site / site_folder.MARKER).is_file()
    manifest = json.loads((site / site_folder.MARKER).read_text())
    assert manifest["format"] == site_folder.FORMAT and "index.html" in manifest["files"]
    assert set(manifest["files"]) == {k for k, v in snapshot(site).items() if v != "folder"} - {site_folder.MARKER}
    outside = tmp_path / "outside"
    outside.mkdir()
    pristine = snapshot(site)

    def link(copy: Path) -> str:
        shutil.rmtree(copy / "data")
        (copy / "data").symlink_to(outside, target_is_directory=True)
        return f"error: {copy} holds a symbolic link (data): a publish never replaces one"

    def duckdb_file(copy: Path) -> str:
        shutil.copy2(seeded, copy / "embed" / "stray.duckdb")
        return f"error: {copy} holds a DuckDB file (embed/stray.duckdb): publish into a folder of its own"

    def foreign(copy: Path) -> str:
        (copy / "CNAME").write_text("predictions.example.org")
        return f"error: {copy} holds files its last publish did not write (CNAME): move them out first"

    for change in (link, duckdb_file, foreign):
        copy = tmp_path / f"site-{change.__name__}"
        shutil.copytree(site, copy, symlinks=True)
        message = change(copy)
        before = snapshot(copy)
        result = run_cli(publish_args(seeded, copy))
        assert_clean_refusal(result)
        assert result.error_lines == [message], result.err
        assert snapshot(copy) == before and snapshot(outside) == {}
    assert snapshot(site) == pristine
    assert run_cli(publish_args(seeded, site)).code == 0  # its own site, untouched: replaced
    assert snapshot(site) == pristine and leftovers(tmp_path) == []


def test_an_empty_folder_keeps_its_permissions_and_a_new_one_gets_the_usual_ones(seeded: Path, tmp_path: Path) -> None:
    """Built in a staging folder, the site must not come out private (mkdtemp's 0700 would hide it from a
    web server) nor lose the mode its owner gave it."""
    new, empty = tmp_path / "new" / "site", tmp_path / "empty"
    empty.mkdir()
    empty.chmod(0o750)
    assert run_cli(publish_args(seeded, new)).code == 0
    assert run_cli(publish_args(seeded, empty)).code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert (new.stat().st_mode & 0o777) == 0o777 & ~umask
    assert (empty.stat().st_mode & 0o777) == 0o750 and (empty / "index.html").is_file()
    assert run_cli(publish_args(seeded, empty)).code == 0  # the second publish keeps it too
    assert (empty.stat().st_mode & 0o777) == 0o750


# --- point 2: killed at any moment, the old site stays whole -------------------------------------------

# Run in the child: stop this process (SIGSTOP) at the n-th audit event named EVENT whose first argument
# contains every one of PARTS (and, for "open", is opened for writing), counting only after the event
# AFTER when one is named.
STOPPER = r"""
import json, os, signal, sys
want = json.loads(os.environ["STOP_AT"])
seen = 0
armed = "after" not in want

def hook(event, args):
    global seen, armed
    if event == want.get("after"):
        armed = True
    if not armed or event != want["event"] or not args:
        return
    path = os.fsdecode(args[0]) if isinstance(args[0], (str, bytes, os.PathLike)) else ""
    if not all(part in path for part in want["parts"]):
        return
    if event == "open" and not (isinstance(args[1], str) and ("w" in args[1] or "a" in args[1])):
        return
    seen += 1
    if seen == want["nth"]:
        os.kill(os.getpid(), signal.SIGSTOP)

sys.addaudithook(hook)
from predictions.cli import main
sys.exit(main(sys.argv[1:]))
"""

MOMENTS = {
    # the staging folder has just been made beside the site, still empty (its marker is being opened)
    "staging made": ({"event": "open", "parts": [".site.publish-", site_folder.MARKER], "nth": 1}, "old"),
    # the pages are half written
    "tenth page": ({"event": "open", "parts": [".site.publish-", "/claim-"], "nth": 10}, "old"),
    # the first card is being written (Chromium drew it)
    "first card": ({"event": "open", "parts": [".site.publish-", "/cards/claim-"], "nth": 1}, "old"),
    # the manifest is written: the next step is the swap
    "manifest": ({"event": "open", "parts": [".site.publish-", site_folder.MARKER], "nth": 2}, "old"),
    # swapped: the old site, now under the staging name, is being removed
    "removing the old site": (
        {"event": "shutil.rmtree", "parts": [".site.publish-"], "nth": 1, "after": site_folder.SWAPPED},
        "new",
    ),
}


@pytest.fixture(scope="module")
def two_ledgers(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """An old ledger and a new one (a claim more), each published once with cards as the reference."""
    root = tmp_path_factory.mktemp("two")
    old, new = root / "old.duckdb", root / "new.duckdb"
    ledger.seed_from_file(old)
    shutil.copy2(old, new)
    ledger.add_claim(new, ClaimIn(statement="Only in the new ledger", made_on=AS_OF))
    for db, name in ((old, "ref-old"), (new, "ref-new")):
        result = run_cli([a for a in publish_args(db, root / name) if a != "--no-cards"])
        assert result.code == 0 and result.err == "", result.err  # every card drawn, none stood in for
    return old, new, root


def _stopped_publish(args: list[str], stop_at: dict[str, object], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    env["STOP_AT"] = json.dumps(stop_at)
    env["PREDICTIONS_SETTINGS_FILE"] = str(cwd / "no-settings.toml")
    process = subprocess.Popen(
        [sys.executable, "-c", STOPPER, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    _, status = os.waitpid(process.pid, os.WUNTRACED)  # returns once it has stopped itself (or ended)
    if not os.WIFSTOPPED(status):
        process.returncode = os.waitstatus_to_exitcode(status)
        out, err = process.communicate()
        pytest.fail(f"the publish ended before the moment {stop_at}: {process.returncode} {out} {err}")
    return process


@pytest.mark.parametrize("moment", sorted(MOMENTS))
def test_a_publish_killed_at_any_moment_leaves_a_whole_site_and_the_next_one_cleans_up(
    moment: str, two_ledgers: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, new_db, root = two_ledgers
    old_site, new_site = snapshot(root / "ref-old"), snapshot(root / "ref-new")
    assert old_site != new_site
    site = tmp_path / "site"
    shutil.copytree(root / "ref-old", site)
    stop_at, expected = MOMENTS[moment]

    whole = old_site if expected == "old" else new_site  # byte for byte

    args = [a for a in publish_args(new_db, site) if a != "--no-cards"]
    process = _stopped_publish(args, stop_at, tmp_path)
    try:
        # a reader now sees one whole site: the old one until the swap, the new one after it
        assert snapshot(site) == whole
        assert leftovers(tmp_path)  # the staging folder (or the old site on its way out) is there
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    assert snapshot(site) == whole
    # the next publish removes what the killed one left and publishes whole
    result = run_cli([a for a in publish_args(new_db, site) if a != "--no-cards"])
    assert result.code == 0, result.err
    assert snapshot(site) == new_site and leftovers(tmp_path) == []


def test_a_failed_publish_leaves_the_old_site_and_no_staging_folder(seeded: Path, tmp_path: Path) -> None:
    """A publish that fails after it began building (an unknown --source, found once the ledger is read)."""
    site = tmp_path / "site"
    assert run_cli(publish_args(seeded, site)).code == 0
    before = snapshot(site)
    result = run_cli(publish_args(seeded, site, "--source", "999"))
    assert_clean_refusal(result)
    assert result.error_lines == ["error: no claim of source 999 to publish"]
    assert snapshot(site) == before and leftovers(tmp_path) == []
    # into folders that do not exist yet: it leaves none of them behind
    result = run_cli(publish_args(seeded, tmp_path / "new" / "deeper" / "site", "--source", "999"))
    assert result.error_lines == ["error: no claim of source 999 to publish"]
    assert not (tmp_path / "new").exists()


def test_a_second_publish_beside_a_running_one_is_refused_in_one_line(seeded: Path, tmp_path: Path) -> None:
    """One publish at a time per parent folder: another (here, a real process holding the parent's lock
    the way a publish does) makes it refuse rather than remove that one's staging folder as a leftover."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()", str(tmp_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        result = run_cli(publish_args(seeded, tmp_path / "site"))
        assert_clean_refusal(result)
        message = f"error: another publish into {tmp_path} is running: try again when it has finished"
        assert result.error_lines == [message]
        assert not (tmp_path / "site").exists() and leftovers(tmp_path) == []
    finally:
        holder.communicate("")  # closing its stdin ends it, and the lock with it
    assert run_cli(publish_args(seeded, tmp_path / "site")).code == 0


def test_the_swap_without_rename_exchange_also_leaves_one_whole_site(tmp_path: Path) -> None:
    """Where renameat2 cannot exchange (another system or file system), two renames do; the old site steps
    aside first and is removed last."""
    target, staging = tmp_path / "site", tmp_path / ".site.publish-0000"
    for folder, text in ((target, "old"), (staging, "new")):
        folder.mkdir()
        (folder / "index.html").write_text(text)
        site_folder.write_manifest(folder)
    site_folder.swap_by_renames(staging, target)
    assert (target / "index.html").read_text() == "new" and leftovers(tmp_path) == []
    other = tmp_path / "other"
    other.mkdir()
    (other / "index.html").write_text("other")
    site_folder.exchange(target, other)  # and the one-step swap works on this file system
    assert (target / "index.html").read_text() == "other" and (other / "index.html").read_text() == "new"
