"""One database file, everyone at once, in real processes.

- About 30 seconds of the real dashboard server with a browser loading pages, the reminder process
  sweeping, and four CLI processes writing observations and forecasts: every write lands, nobody sees a
  lock error, and the pages keep rendering (browser).
- Writers are not starved: six processes reading the claim list in a loop, and four writes at once
  among them all land, each in far less than the 30 s a turn may wait.
- Restores amid writers and readers: a writer adding claims in a loop, two readers, and restores one
  after another; every claim the writer was told was added is in the ledger or in one of the copies
  the restores kept, and no reader or writer sees an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from browser_server import ARTIFACTS, RENDER_TIMEOUT_MS, chromium, dashboard

from predictions import ledger
from predictions.models import ClaimIn

# The issue asked for about 30 seconds of everyone at once: the first test lasts that long by design.
DURATION = 30.0
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(db_path: Path, tmp_path: Path) -> Iterator[str]:
    """The seed served by the real dashboard (no author password), its output in tmp_path/streamlit.log."""
    ledger.seed_from_file(db_path)
    with dashboard(db_path, tmp_path) as served:
        yield served.url


# Each writer is one process that runs the CLI's entry point over and over (a process per write
# would spend the two cores on interpreter start-up instead of on the database).
WRITER = """
import sys, time
from predictions.cli import main
db, claim, index, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
MIN_WRITES = 10
ok = failed = 0
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end or n < MIN_WRITES:  # at least MIN_WRITES each, however slow the machine
    n += 1
    if n % 2:
        args = ["observe", claim, "--on", "2025-06-30", "--value", str(index * 100000 + n)]
    else:
        args = ["forecast", claim, "--probability", f"0.{10 + n % 80:02d}", "--forecaster", f"writer-{index}"]
    if main([*args, "--db", db]) == 0:
        ok += 1
    else:
        failed += 1
print(f"ok={ok} failed={failed}")
"""


@pytest.mark.browser
def test_everyone_at_once_for_thirty_seconds(db_path: Path, server: str) -> None:
    claims = ledger.list_claims(db_path)
    robotaxi = next(c for c in claims if c["external_id"].endswith(":robotaxi-cities-2025"))
    # the writers' claim is open until 2030, so it takes forecasts (past its deadline it would refuse them)
    ehang = next(c for c in claims if c["external_id"].endswith(":ehang-shenzhen-flying-taxis-2030"))
    with duckdb.connect(str(db_path), read_only=True) as con:
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("observations", "forecasts")}

    reminder = subprocess.Popen(
        [sys.executable, "-m", "predictions.cli", "remind", "run", "--db", str(db_path)],
        env={**os.environ, "PREDICTIONS_REMIND_EVERY_MINUTES": "0.1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(ehang.id), str(i), str(DURATION)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]  # fmt: skip

    ARTIFACTS.mkdir(exist_ok=True)
    pages = ["/", f"/?claim={robotaxi.id}", "/track-record", "/deadlines"]
    loads, problems = 0, []
    started = time.monotonic()
    try:
        with chromium() as browser:
            page = browser.new_page()
            # Every page at least once, however slow the machine: a count, never a speed, is asserted.
            while time.monotonic() - started < DURATION or loads < len(pages):
                path = pages[loads % len(pages)]
                page.goto(server + path)
                try:
                    page.wait_for_selector(
                        "[data-testid='stMainBlockContainer'] [data-testid='stHeading']", timeout=RENDER_TIMEOUT_MS
                    )
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "concurrency-failure.png"), full_page=True)
                    raise
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=RENDER_TIMEOUT_MS
                )
                text = page.inner_text("body")
                for marker in ("database busy", "Could not set lock", "Traceback", "IOException"):
                    if marker in text:
                        problems.append(f"{path}: {marker}")
                loads += 1
    finally:
        outputs = [w.communicate(timeout=180) for w in writers]
        reminder.terminate()
        _, reminder_err = reminder.communicate(timeout=60)

    assert problems == []
    assert loads >= len(pages)
    counts = [dict(part.split("=") for part in out.strip().splitlines()[-1].split()) for out, _ in outputs]
    assert [c["failed"] for c in counts] == ["0", "0", "0", "0"], [err for _, err in outputs]
    assert all("Traceback" not in err and "database busy" not in err for _, err in outputs)
    written = sum(int(c["ok"]) for c in counts)
    assert written >= 40
    with duckdb.connect(str(db_path), read_only=True) as con:
        after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("observations", "forecasts")}
        sweeps_sent = con.execute("SELECT count(*) FROM reminders WHERE state = 'sent'").fetchone()[0]
    print(f"concurrency: {loads} page loads, {written} writes, {sweeps_sent} reminders sent in {DURATION:g} s")
    # Every write that reported success is in the ledger, and nothing else is.
    assert (after["observations"] - before["observations"]) + (after["forecasts"] - before["forecasts"]) == written
    assert reminder.returncode == 0
    assert "reminder sweep failed" not in reminder_err
    assert sweeps_sent > 0


# --- writers are not starved by readers (issue 14, point 7) -----------------------------------------------

# A reader process: `predictions list` in a loop until the stop file appears; "ready" after its first read.
READER = """
import contextlib, io, os, sys
from predictions.cli import main
db, stop = sys.argv[1], sys.argv[2]
ok = failed = 0
while not os.path.exists(stop):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["list", "--db", db])
    if code == 0:
        ok += 1
    else:
        failed += 1
        print(err.getvalue().strip(), file=sys.stderr, flush=True)
    if ok + failed == 1:
        print("ready", flush=True)
print(f"ok={ok} failed={failed}")
"""


def start_readers(db_path: Path, stop: Path, count: int) -> list[subprocess.Popen[str]]:
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(db_path), str(stop)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=REPO)
        for _ in range(count)
    ]  # fmt: skip
    for reader in readers:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready", reader.communicate()
    return readers


def stop_readers(readers: list[subprocess.Popen[str]], stop: Path) -> list[tuple[int, int, str]]:
    stop.touch()
    results = []
    for reader in readers:
        out, err = reader.communicate(timeout=60)
        counts = dict(part.split("=") for part in out.strip().splitlines()[-1].split())
        results.append((int(counts["ok"]), int(counts["failed"]), err))
    return results


def test_six_readers_in_a_loop_do_not_starve_four_writers(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    claim = ledger.list_claims(db_path)[0]
    stop = tmp_path / "stop"
    readers = start_readers(db_path, stop, 6)
    try:
        started = time.monotonic()
        writers = [
            subprocess.Popen([sys.executable, "-m", "predictions.cli", "observe", str(claim.id), "--on", "2025-06-30",
                              "--note", f"writer {i}", "--db", str(db_path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
            for i in range(4)
        ]  # fmt: skip
        done = [w.communicate(timeout=120) for w in writers]
        took = time.monotonic() - started
    finally:
        read = stop_readers(readers, stop)
    assert [w.returncode for w in writers] == [0, 0, 0, 0], [err for _, err in done]
    assert all(out.startswith("recorded observation") for out, _ in done), done
    assert all(failed == 0 for _, failed, _ in read), read
    assert all(ok > 0 for ok, _, _ in read), read
    notes = {row["note"] for row in ledger.get_claim(db_path, claim.id).observations}
    assert {f"writer {i}" for i in range(4)} <= notes
    print(f"reader-heavy: 4 writes among 6 looping readers in {took:.1f} s; {sum(r[0] for r in read)} reads")


# --- restores amid writers and readers (issue 14, point 1) -------------------------------------------------

# A writer process adding claims one after another until the stop file appears; it prints every claim
# it was told was added, and every failure.
ADDER = """
import contextlib, io, os, sys
from predictions.cli import main
db, stop = sys.argv[1], sys.argv[2]
n = 0
while not os.path.exists(stop):
    n += 1
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["add", "--statement", f"Looping writer claim {n}", "--made-on", "2025-01-01", "--db", db])
    if code == 0:
        print(f"acked Looping writer claim {n}", flush=True)
    else:
        print(f"failed {err.getvalue().strip()}", flush=True)
"""


def statements(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {row[0] for row in con.execute("SELECT statement FROM claims").fetchall()}


def test_restores_amid_a_looping_writer_and_readers_lose_no_acknowledged_write(db_path: Path, tmp_path: Path) -> None:
    from predictions import backup

    ledger.add_claim(db_path, ClaimIn(statement="In the backup", made_on=date(2025, 1, 1)))
    folder = tmp_path / "backup"
    backup.backup(db_path, folder)
    stop = tmp_path / "stop"
    readers = start_readers(db_path, stop, 2)
    writer = subprocess.Popen([sys.executable, "-c", ADDER, str(db_path), str(stop)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=REPO)  # fmt: skip
    restores, lines = [], []
    try:
        assert writer.stdout is not None
        for _ in range(3):
            for _ in range(3):  # a few acknowledged writes before each restore
                lines.append(writer.stdout.readline().strip())
                assert lines[-1].startswith("acked "), lines
            restores.append(subprocess.run([sys.executable, "-m", "predictions.cli", "restore", str(folder),
                                            "--db", str(db_path)], capture_output=True, text=True, cwd=REPO,
                                           timeout=120))  # fmt: skip
    finally:
        stop.touch()
        rest, writer_err = writer.communicate(timeout=60)
        read = stop_readers(readers, stop)
    assert [r.returncode for r in restores] == [0, 0, 0], [r.stderr for r in restores]
    lines += [line for line in rest.splitlines() if line]
    assert not [line for line in lines if not line.startswith("acked ")], (lines, writer_err)
    assert "Traceback" not in writer_err, writer_err
    acked = {line.removeprefix("acked ") for line in lines}
    kept = [p for p in db_path.parent.iterdir() if ".before-restore-" in p.name and not p.name.endswith(".wal")]
    assert len(kept) >= 1
    found = statements(db_path).union(*(statements(p) for p in kept))
    assert acked - found == set(), sorted(acked - found)
    assert all(failed == 0 for _, failed, _ in read), read
    print(f"restores: {len(restores)} restores, {len(acked)} more acknowledged writes, {len(kept)} kept copies")


WAITING_WRITER = """
import sys
from db.connection import turn
with turn(sys.argv[1], exclusive=True, timeout=60):
    print("in", flush=True)
"""


def test_a_waiting_writer_holds_new_readers_back_but_not_a_read_inside_a_read(db_path: Path) -> None:
    import fcntl
    import threading

    from db import connection

    ledger.add_claim(db_path, ClaimIn(statement="Read while a writer waits", made_on=date(2025, 1, 1)))
    _, gate_path = connection.lock_files(db_path)
    with connection.turn(db_path, exclusive=False):  # a read in progress
        writer = subprocess.Popen([sys.executable, "-c", WAITING_WRITER, str(db_path)], stdout=subprocess.PIPE,
                                  text=True, cwd=REPO)  # fmt: skip
        try:
            with gate_path.open("rb") as gate:  # wait until the writer holds the gate (it then waits for its turn)
                deadline = time.monotonic() + 120  # a writer's start-up on a loaded machine
                while True:
                    try:
                        fcntl.flock(gate, fcntl.LOCK_SH | fcntl.LOCK_NB)
                        fcntl.flock(gate, fcntl.LOCK_UN)
                    except BlockingIOError:
                        break
                    if time.monotonic() > deadline or writer.poll() is not None:
                        pytest.fail("the writer never queued at the gate")
                    time.sleep(0.01)
            # A new reader (another thread) waits behind the writer: here until its bound.
            refused: list[BaseException] = []

            def new_reader() -> None:
                try:
                    with connection.turn(db_path, exclusive=False, timeout=0.5):
                        pass
                except connection.DatabaseBusyError as error:
                    refused.append(error)

            thread = threading.Thread(target=new_reader)
            thread.start()
            thread.join(timeout=30)
            assert len(refused) == 1
            # A read inside the read in progress has its turn already: it does not queue behind the writer.
            with connection.turn(db_path, exclusive=False, timeout=0.5):
                pass
            assert writer.poll() is None  # still waiting for the read in progress
        except BaseException:
            writer.kill()
            raise
    out, _ = writer.communicate(timeout=60)  # the read is over: the writer goes
    assert writer.returncode == 0 and out == "in\n"
