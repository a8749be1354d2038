"""Nothing lost, nothing half-written, readers cannot write.

- A failed resolution leaves no half state: refused input (CLI and library), a failure after the row was
  inserted, and a process SIGKILLed inside the resolution's transaction all leave every table as it was.
- "database busy": a real second process (plain duckdb, not this library) holding the file longer than the
  retry bound makes `predictions observe` exit 1 with one `error: database busy` line and no traceback.
- Readers cannot write: every reader page under AppTest, its widgets toggled, opens only read-only
  connections and leaves the file byte for byte as it was; a forced write through the readers' door fails.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dashboard_fixtures import Rich, app, no_exception, rich_db
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from streamlit.testing.v1 import AppTest

import db
import db.connection
from db import queries
from predictions import ledger, reminders
from predictions.models import ClaimIn, Outcome, ResolutionIn
from predictions.settings import load_settings

__all__ = ["rich_db"]  # fixture used by name below

ROOT = Path(__file__).resolve().parents[2]
MADE_ON = date(2025, 3, 10)


@pytest.fixture
def resolved(db_path: Path) -> tuple[Path, int]:
    """A ledger with one claim made on MADE_ON, already resolved `false` (so a failed resolve must not replace it)."""
    claim_id = ledger.add_claim(
        db_path, ClaimIn(statement="Made in March, resolved false", made_on=MADE_ON), probability=0.6
    )
    ledger.add_claim(db_path, ClaimIn(statement="A bystander claim", made_on=MADE_ON), probability=0.3)
    ledger.resolve(db_path, claim_id, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2025, 12, 31), note="first"))
    return db_path, claim_id


def in_force(path: Path, claim_id: int) -> tuple[str | None, Any]:
    view = ledger.get_claim(path, claim_id).view
    return view["outcome"], view["resolved_on"]


# --- a failed resolution leaves no half state ---------------------------------------------------------

FAILED_RESOLUTIONS = {
    "dated before the claim was made": (["true", "--on", "2025-03-09"], "before the claim was made (2025-03-10)"),
    "fraction above 1": (["partial", "--fraction", "1.5", "--on", "2026-01-01"], "probability '1.5' is outside"),
    "negative fraction": (["partial", "--fraction=-0.1", "--on", "2026-01-01"], "is outside 0–1"),
    "fraction not a number": (["partial", "--fraction", "two thirds"], "is not a number or a percentage"),
    "partial without fraction": (["partial", "--on", "2026-01-01"], "a partial resolution needs --fraction"),
    "fraction without partial": (["true", "--fraction", "0.5"], "a fraction is only given with a partial"),
    "impossible date": (["true", "--on", "2026-02-30"], "'2026-02-30' is not a date"),
    "javascript evidence": (["true", "--evidence", "javascript:alert(1)"], "must be an http:// or https:// URL"),
    "note too long": (["true", "--note", "x" * 5001], "note: String should have at most 5000 characters"),
    "unknown outcome": (["yes"], "unknown outcome 'yes'"),
}


@pytest.mark.parametrize("case", list(FAILED_RESOLUTIONS))
def test_a_refused_resolution_through_the_cli_writes_nothing(case: str, resolved: tuple[Path, int]) -> None:
    path, claim_id = resolved
    args, message = FAILED_RESOLUTIONS[case]
    before = dump(path)
    result = run_cli(["resolve", str(claim_id), *args, "--db", str(path)])
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1 and message in result.err, result.err
    assert dump(path) == before
    assert in_force(path, claim_id) == ("false", date(2025, 12, 31))


def test_a_resolution_dated_before_the_claim_is_refused_by_the_library_too(resolved: tuple[Path, int]) -> None:
    path, claim_id = resolved
    before = dump(path)
    with pytest.raises(ledger.LedgerError, match=r"resolution date 2025-03-09 is before the claim was made"):
        ledger.resolve(path, claim_id, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2025, 3, 9)))
    assert dump(path) == before
    # The day the claim was made is fine: the bound is exactly made_on.
    ledger.resolve(path, claim_id, ResolutionIn(outcome=Outcome.TRUE, resolved_on=MADE_ON))
    assert in_force(path, claim_id) == ("true", MADE_ON)


def _insert_then(fail: Callable[[], None], real: Callable[..., Any]) -> Callable[..., Any]:
    def insert(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # the row is in the transaction ...
        fail()  # ... and then the unit of work fails

    return insert


def _boom() -> None:
    raise RuntimeError("disk on fire")


@pytest.mark.parametrize("step", ["resolve", "undo"])
def test_a_failure_after_the_row_was_inserted_rolls_the_whole_resolution_back(
    step: str, resolved: tuple[Path, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, claim_id = resolved
    before = dump(path)
    if step == "resolve":
        monkeypatch.setattr(queries, "insert_resolution", _insert_then(_boom, queries.insert_resolution))
        with pytest.raises(RuntimeError, match="disk on fire"):
            ledger.resolve(path, claim_id, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2026, 1, 2)))
    else:
        monkeypatch.setattr(queries, "insert_undo", _insert_then(_boom, queries.insert_undo))
        with pytest.raises(RuntimeError, match="disk on fire"):
            ledger.undo_resolution(path, claim_id, "typo")
    monkeypatch.undo()
    assert dump(path) == before
    assert in_force(path, claim_id) == ("false", date(2025, 12, 31))


KILLED_INSIDE_THE_TRANSACTION = """
import os, signal, sys
from db import queries
from predictions import cli

real = queries.insert_resolution

def insert_then_die(*args, **kwargs):
    real(*args, **kwargs)
    print("inserted", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

queries.insert_resolution = insert_then_die
sys.exit(cli.main(sys.argv[1:]))
"""


def test_a_process_killed_inside_the_resolution_leaves_the_ledger_as_it_was(resolved: tuple[Path, int]) -> None:
    path, claim_id = resolved
    before = dump(path)
    args = ["resolve", str(claim_id), "true", "--on", "2026-01-02", "--note", "killed", "--db", str(path)]
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_INSIDE_THE_TRANSACTION, *args], capture_output=True, text=True, timeout=120
    )
    assert killed.returncode == -9, killed.stderr
    assert killed.stdout == "inserted\n"  # it died with the row inside the open transaction
    assert dump(path) == before
    # The file is a working ledger: the same resolution goes through now, and only once.
    assert run_cli(args).code == 0
    after = dump(path)
    assert len(after["resolutions"]) == len(before["resolutions"]) + 1
    assert in_force(path, claim_id) == ("true", date(2026, 1, 2))


# --- database busy ------------------------------------------------------------------------------------

HOLDER = "import duckdb, sys\ncon = duckdb.connect(sys.argv[1])\nprint('ready', flush=True)\nsys.stdin.readline()\n"


@contextmanager
def held_open(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the file open through plain duckdb (no sidecar lock), until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_file_held_beyond_the_bound_is_one_database_busy_line_from_the_cli(db_path: Path) -> None:
    # No setting lowers the bound (db/connection.py: DEFAULT_ATTEMPTS = 40 with backoff up to 0.5 s, about
    # 9 to 18 s in all), so the other process holds the file for longer than that.
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="Observed while locked", made_on=MADE_ON))
    before = dump(db_path)
    command = [sys.executable, "-m", "predictions.cli", "observe", str(claim_id), "--on", "2025-06-30",
               "--value", "41", "--db", str(db_path)]  # fmt: skip
    with held_open(db_path):
        started = time.monotonic()
        busy = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
        waited = time.monotonic() - started
    assert busy.returncode == 1, (busy.stdout, busy.stderr)
    assert busy.stdout == "" and "Traceback" not in busy.stderr
    lines = busy.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: database busy: "), lines
    assert str(db_path) in lines[0] and lines[0].endswith("try again")
    assert 5 < waited < 40, f"gave up after {waited:.1f} s"  # it retried, within its bound
    assert dump(db_path) == before
    again = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)  # free again: it works
    assert again.returncode == 0, again.stderr
    assert len(dump(db_path)["observations"]) == 1


def test_a_reader_waits_for_its_turn_only_up_to_the_bound(db_path: Path) -> None:
    ledger.add_claim(db_path, ClaimIn(statement="Writer holds the turn", made_on=MADE_ON))
    writer = subprocess.Popen(
        [sys.executable, "-c", "import sys; from db.connection import turn\nwith turn(sys.argv[1], exclusive=True):\n"
         "    print('ready', flush=True); sys.stdin.readline()", str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        started = time.monotonic()
        with (
            pytest.raises(db.DatabaseBusyError, match=r"^database busy: .* stayed in use by other processes for 0.4 s"),
            db.connection.turn(db_path, exclusive=False, timeout=0.4),
        ):
            pass
        assert 0.4 <= time.monotonic() - started < 3
    finally:
        assert writer.stdin is not None
        writer.stdin.close()
        writer.wait(timeout=30)
    with db.connection.turn(db_path, exclusive=False, timeout=0.4):  # released with its process
        pass


def test_the_dashboard_shows_database_busy_as_one_message(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = rich_db
    real = db.connection.connect
    monkeypatch.setattr(db.connection, "connect", lambda p, **kw: real(p, **{"attempts": 3, "base_delay": 0.01, **kw}))
    monkeypatch.setattr(db.connection, "DEFAULT_ATTEMPTS", 3)  # the readers' attach
    with held_open(path):
        at = app()
    no_exception(at)
    assert [e.value for e in at.error if str(e.value).startswith("database busy: ")], [e.value for e in at.error]


# --- readers cannot write -------------------------------------------------------------------------------

WRITES = [
    "INSERT INTO claims (id, statement, claimant, attribution, kind, made_on, tags, flags, created_at) "
    "VALUES (999, 'sneaky', 'x', 'author', 'binary', DATE '2025-01-01', [], [], now())",
    "UPDATE claims SET statement = 'rewritten'",
    "DELETE FROM resolutions",
    "DROP TABLE forecasts",
    "CREATE TABLE extra (x INTEGER)",
    "ALTER TABLE claims ADD COLUMN extra INTEGER",
    "ATTACH '{path}' AS again (READ_WRITE)",
]


def file_stamp(path: Path) -> list[tuple[int, int] | None]:
    stamps: list[tuple[int, int] | None] = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        stamps.append((candidate.stat().st_mtime_ns, candidate.stat().st_size) if candidate.exists() else None)
    return stamps


def test_a_forced_write_through_the_readers_connection_fails_inside_duckdb(resolved: tuple[Path, int]) -> None:
    path, _ = resolved
    before = dump(path)
    for statement in WRITES:
        with ledger.reading(path) as con, pytest.raises(duckdb.Error, match=r"read-only|Cannot attach|file handle"):
            con.execute(statement.format(path=path))
    assert dump(path) == before


def test_nothing_on_a_reader_page_can_change_the_ledger(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    path, ids = rich_db
    sweep = reminders.sweep(load_settings(db=path), now=datetime.combine(date.today(), datetime.min.time()))
    assert sweep.sent, "the Deadlines page should have reminder states and an inbox to show"
    before, stamp = dump(path), file_stamp(path)
    opened: list[bool] = []
    real = db.connection.connect

    def recording(p: Any, **kwargs: Any) -> Any:
        opened.append(bool(kwargs.get("read_only", False)))
        return real(p, **kwargs)

    monkeypatch.setattr(db.connection, "connect", recording)
    attached: list[bool | None] = []  # readers attach the file to an in-memory instance: record each ATTACH statement
    real_attached = db.connection._attached

    @contextmanager
    def recording_attach(p: Any, **kwargs: Any) -> Any:
        with real_attached(p, **kwargs) as con:
            mode = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = 'ledger'").fetchone()
            attached.append(mode[0] if mode else None)
            yield con

    monkeypatch.setattr(db.connection, "_attached", recording_attach)
    runs = 0

    def check(at: AppTest) -> AppTest:
        nonlocal runs
        runs += 1
        no_exception(at)
        return at

    # Overview with every filter set from the URL, then the widgets toggled.
    views = ledger.list_claims(path)
    some = next(v for v in views if v["source_id"] is not None)
    at = check(app(topic="ai", claimant=str(some["claimant"]), attribution="author", status="overdue",
                   source=str(some["source_title"]), **{"from": "2025-01-01", "to": "2030-12-31"}))  # fmt: skip
    check(at.multiselect(key="overview_status").unselect("overdue").run())
    check(at.multiselect(key="overview_topic").select("mobility").run())
    check(at.button(key="overview_clear").click().run())
    assert "topic" not in at.query_params
    # The claim page by deep link (a threshold claim with evidence, a resolved one, the hostile one) and by search.
    for key in ("robotaxi-cities-2025", "neo-bci-30-implantations-2025", "hostile"):
        check(app(claim=str(ids[key])))
    at = check(app(claim="1; DROP TABLE claims; --"))
    at.switch_page("app_pages/claim.py")
    at.query_params.clear()
    check(at.run())
    check(at.text_input(key="claim_search").input("robotaxi").run())
    check(at.selectbox(key="claim_pick").select(ids["robotaxi-cities-2025"]).run())
    assert at.query_params["claim"] == str(ids["robotaxi-cities-2025"])
    # Deadlines, each horizon.
    at.switch_page("app_pages/deadlines.py")
    assert check(at.run()).title[0].value == "Deadlines"
    for within in ("30", "365"):
        check(at.button_group(key="deadlines_within").set_value(within).run())
    # Track record, with its widgets toggled.
    at.switch_page("app_pages/track_record.py")
    assert check(at.run()).title[0].value == "Track record"
    check(at.button_group(key="track_scope").set_value("all").run())
    check(at.button_group(key="track_calibration").set_value("folded").run())
    check(at.text_input(key="track_forecaster_search").input("pascal").run())
    check(at.selectbox(key="track_forecaster").select_index(0).run())

    monkeypatch.undo()
    assert runs >= 15 and len(opened) + len(attached) >= 10
    assert all(opened), f"{opened.count(False)} of {len(opened)} connections opened by reader pages could write"
    assert all(mode is True for mode in attached), f"reader pages attached the file writable: {attached}"
    assert dump(path) == before
    assert file_stamp(path) == stamp  # not even a checkpoint: the file and its WAL are untouched
