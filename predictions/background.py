"""The long-running process (`predictions remind run`, `predictions watch run`, and `make run` through
dashboard/serve.py): an APScheduler BlockingScheduler that sweeps for due reminders every
`remind_every_minutes` and looks for due watched sources every `watch_check_minutes`, sending the crossing
notices right after a run that read something (predictions.watches.notify_crossings).

It logs what happened, not every tick: a reading or a failed fetch (predictions.watches), a reminder sent
or failed, a sweep that did something (and the first one, which says the process is up). APScheduler's own
"Running job …" / "executed successfully" lines, two a minute for the watch job, stay below the log's level
(quiet_scheduler). dashboard/serve.py writes the log to data/reminders.log and rotates it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from predictions import watches
from predictions.reminders import SweepResult, configured_channels, sweep

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from predictions.settings import Settings

log = logging.getLogger("predictions.reminders")

# APScheduler logs at INFO every run of every job (its executor and scheduler loggers): kept to warnings
# (a job that raised, a run missed by more than its grace time).
SCHEDULER_LOG_LEVEL = logging.WARNING


def quiet_scheduler() -> None:
    """APScheduler's per-tick chatter off; its warnings and errors kept."""
    logging.getLogger("apscheduler").setLevel(SCHEDULER_LOG_LEVEL)


def eventful(result: SweepResult) -> bool:
    """A sweep worth a line in the log: it sent, failed, skipped or could not schedule something."""
    return bool(result.sent or result.failed or result.skipped or result.unschedulable)


def run_forever(
    settings: Settings, *, on_sweep: Callable[[SweepResult], None] | None = None, reminders: bool = True
) -> None:
    """A BlockingScheduler sweeping every N minutes, and running the watched sources that are due every
    `watch_check_minutes`, until SIGTERM or Ctrl-C: one sweep at a time, each due watch on a thread of its
    own (watches.Runner). SIGTERM cuts the fetches in progress short and stops within moments."""
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    configured_channels(settings)  # a bad configuration fails now, not at the first sweep
    scheduler = BlockingScheduler(timezone=UTC)
    runner = schedule_jobs(scheduler, settings, on_sweep=on_sweep, reminders=reminders)

    def stop(signum: int, frame: object) -> None:
        # Ctrl-C reaches the whole process group and `make run` then sends SIGTERM too: stop once.
        if scheduler.running:
            log.info("reminder process stopping (signal %s)", signum)
            runner.stop()  # first: a fetch in progress is cut short, so the jobs below end within moments
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        runner.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)
    finally:
        runner.stop()


def schedule_jobs(
    scheduler: BaseScheduler,
    settings: Settings,
    *,
    on_sweep: Callable[[SweepResult], None] | None = None,
    reminders: bool = True,
) -> watches.Runner:
    """Add the process's two jobs to `scheduler` (not started): the reminder sweep (unless `reminders` is
    False) and the look for due watches, each run now and then on its interval. Returns the watches'
    Runner, which the caller stops after the scheduler."""
    quiet_scheduler()
    sweeps = 0

    def job() -> None:
        nonlocal sweeps
        try:
            result = sweep(settings)
        except Exception as error:  # one bad sweep (e.g. database busy) must not end the process
            log.error("reminder sweep failed: %s", error)
            return
        sweeps += 1
        # The first sweep says the process works (`make run` shows it before the URL); later ones only
        # when they did something, so an idle day leaves no line.
        if sweeps == 1 or eventful(result):
            log.info("reminder sweep: %s", result.summary())
        if on_sweep is not None:
            on_sweep(result)

    # A reading may have crossed a target: the crossing notices go out right after the run that read it.
    runner = watches.Runner(settings, lambda run: watches.notify_crossings(settings, [run]))

    def watch_job() -> None:
        try:
            runner.start_due()  # hands each due watch to a thread of its own and returns at once
        except Exception as error:  # one bad look (e.g. database busy) must not end the process
            log.error("watch run failed: %s", error)

    def every(minutes: float, work: Callable[[], None], name: str) -> None:
        """Run `work` now and then every `minutes`, one at a time; a late run is run once, not caught up."""
        scheduler.add_job(work, "interval", minutes=minutes, next_run_time=datetime.now(UTC), coalesce=True,
                          max_instances=1, misfire_grace_time=int(max(60, minutes * 60)), id=name)  # fmt: skip

    if reminders:
        every(settings.remind_every_minutes, job, "reminder-sweep")
    every(settings.watch_check_minutes, watch_job, "watch-runs")
    return runner
