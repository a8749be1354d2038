"""predictions.background, the long-running process (issue 28, point 15): on the real APScheduler it logs
what happened (a reminder, the first sweep, a sweep that did something), not every tick; and
dashboard/serve.py's relay writes that log to a file rotated by size."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from dashboard import serve
from predictions import background, ledger, reminders
from predictions.models import ClaimIn
from predictions.settings import Settings


def add_claim(db: Path, statement: str, deadline: date) -> int:
    claim = ClaimIn(statement=statement, made_on=date(2025, 1, 1), deadline=deadline, deadline_precision="day")
    return ledger.add_claim(db, claim, probability=0.7, forecaster="author")


def wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():  # type: ignore[operator]
        time.sleep(0.05)
    assert condition(), "timed out"  # type: ignore[operator]


def test_the_scheduler_logs_what_happened_not_every_tick(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "ledger.duckdb"
    add_claim(db, "A claim due in a week.", date.today() + timedelta(days=7))
    settings = Settings(db=db, remind_every_minutes=0.05, watch_check_minutes=0.05)  # every 3 s
    sweeps: list[reminders.SweepResult] = []
    caplog.set_level(logging.DEBUG)  # everything reaches the root: only the loggers' own levels filter
    scheduler = BackgroundScheduler()
    runner = background.schedule_jobs(scheduler, settings, on_sweep=sweeps.append)
    scheduler.start()
    try:
        wait_for(lambda: len(sweeps) >= 3, 60)  # three sweeps and as many looks for watches: ≥ 6 job runs
        add_claim(db, "A claim due tomorrow, added while the process runs.", date.today() + timedelta(days=1))
        wait_for(lambda: any(result.sent for result in sweeps[3:]), 60)
    finally:
        scheduler.shutdown(wait=True)
        runner.stop()
    chatter = [r for r in caplog.records if r.name.startswith("apscheduler") and r.levelno < logging.WARNING]
    assert chatter == []
    lines = [r.getMessage() for r in caplog.records if r.name == "predictions.reminders"]
    sweep_lines = [line for line in lines if line.startswith("reminder sweep:")]
    eventful = [result for result in sweeps if result.sent or result.failed or result.skipped]
    assert len(sweeps) >= 4 and len(eventful) == 2  # the first (the week's step) and the one after the add
    assert sweep_lines == [f"reminder sweep: {result.summary()}" for result in eventful]
    assert sum(line.startswith("reminder ") and "for claim" in line for line in lines) == 2  # each reminder


def test_without_quieting_apscheduler_would_log_every_tick(caplog: pytest.LogCaptureFixture) -> None:
    """What quiet_scheduler keeps out: the scheduler's own INFO lines for each job run."""
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)
    caplog.set_level(logging.INFO)
    ran = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.start()
    try:
        scheduler.add_job(ran.set)  # once, now
        assert ran.wait(10)
        time.sleep(0.2)  # the executor logs right after the job returns
    finally:
        scheduler.shutdown(wait=True)
    noisy = [r.getMessage() for r in caplog.records if r.name.startswith("apscheduler")]
    assert any("executed successfully" in line for line in noisy)
    background.quiet_scheduler()
    assert logging.getLogger("apscheduler.executors.default").getEffectiveLevel() == logging.WARNING


def test_the_relay_rotates_the_log_by_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        f"2026-01-01 00:00:{n % 60:02d} INFO watch 1 (claim #2): 0 new readings, line {n:05d}" for n in range(3000)
    ]
    lines.insert(1500, "2026-01-01 00:00:00 INFO reminder sweep: 2 sent, 0 failed, 0 older steps skipped")
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdout.write(sys.stdin.read())"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdin is not None
    child.stdin.write(("\n".join(lines) + "\n").encode())
    child.stdin.close()
    swept = threading.Event()
    log = tmp_path / "reminders.log"
    serve.relay(child, log, swept, max_bytes=20_000, backups=2)
    child.wait(timeout=30)
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == ["reminders.log", "reminders.log.1", "reminders.log.2"]
    assert all(f.stat().st_size <= 20_000 for f in files)
    kept = [line for name in ("reminders.log.2", "reminders.log.1", "reminders.log")
            for line in (tmp_path / name).read_text().splitlines()]  # fmt: skip
    assert kept == lines[len(lines) - len(kept) :] and kept[-1] == lines[-1]  # the newest, whole and in order
    assert swept.is_set() and "2 reminders sent" in capsys.readouterr().out
