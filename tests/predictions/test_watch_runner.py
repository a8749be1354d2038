"""The long-running process's watches.Runner, in this process: its stop cuts a fetch in progress short and
records nothing for it, and then ends, leaving the process's later fetches (a `watch run --once`, the
dashboard's Run now) free to run. Real local HTTP server, real DuckDB file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from local_http import Site, local_site

from predictions import ledger, watches
from predictions.models import ClaimIn
from predictions.settings import load_settings

CSV = "month,cities\n2026-06,18\n2026-09,20\n"


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.duckdb"
    claim = ClaimIn.model_validate(dict(
        statement="Robotaxis run in at least 65 cities by mid-2027.", made_on=date(2026, 1, 1),
        deadline=date(2027, 6, 30), deadline_precision="day", kind="threshold", metric="cities with robotaxis",
        target=65, unit="cities", comparator=">=",
    ))  # fmt: skip
    ledger.add_claim(path, claim, probability=0.6, forecaster="author")
    return path


def add(db: Path, url: str) -> int:
    watch = watches.WatchIn.model_validate({"claim_id": 1, "url": url, "format": "csv", "value_at": "cities",
                                           "date_at": "month"})  # fmt: skip
    return watches.add_watch(db, watch)


def test_a_stopped_runner_cuts_its_fetch_short_and_leaves_later_runs_free(db: Path, site: Site) -> None:
    trickle = add(db, site.serve("/trickle.csv", trickle=1.0))
    runner = watches.Runner(load_settings(db=db, watch_timeout_seconds=300, watch_retry_seconds=0))
    try:
        assert runner.start_due() == 1
        ends = time.monotonic() + 60  # a bound on a hung test only, not a timing assertion
        while site.routes["/trickle.csv"].hits == 0:
            assert time.monotonic() < ends, "the fetch never started"
            time.sleep(0.05)
    finally:
        runner.stop()  # the trickle's own deadline is 300 s away: the stop ends it
    [cut] = watches.list_watches(db)
    assert cut["id"] == trickle and cut["runs"] == 0 and cut["last_error"] is None  # nothing recorded

    healthy = add(db, site.serve("/cities.csv", CSV))
    [run] = watches.run_due(load_settings(db=db, watch_retry_seconds=0), watch_ids=[healthy])
    assert (run.watch_id, run.added, run.error) == (healthy, 2, None)
    assert site.routes["/cities.csv"].hits == 1
