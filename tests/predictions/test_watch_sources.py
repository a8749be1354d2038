"""Watched sources under hostile conditions (issue 31, points 6, 7, 8 and 10), against a real HTTP server on
localhost: a source that trickles a byte a second, one that echoes the request (key and all) into its CSV
header, one that redirects to itself with a 60,000-character reason phrase; real `predictions` processes,
a real SIGTERM and a real SIGKILL, a real DuckDB file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from local_http import Site, local_site

from predictions import ledger, watches
from predictions import watch_sources as sources
from predictions.ledger import utc_now
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
    claim = ClaimIn.model_validate({
        "statement": "Robotaxis run in at least 65 cities by 2027.", "made_on": "2026-01-01", "deadline": "2027-06-30",
        "kind": "threshold", "metric": "cities", "target": 65, "unit": "cities",
    })  # fmt: skip
    ledger.add_claim(path, claim, probability=0.6)
    return path


def add(db: Path, url: str) -> int:
    return watches.add_watch(db, watches.WatchIn(claim_id=1, url=url, format="csv", value_at="cities", date_at="month"))


def env_for(db: Path, **settings: str) -> dict[str, str]:
    return {**os.environ, "PREDICTIONS_DB": str(db), "PREDICTIONS_WATCH_RETRY_SECONDS": "0", **settings}


def readings(db: Path) -> dict[int, int]:
    """Readings per watch, or none while the process under test holds the file for a moment."""
    try:
        with duckdb.connect(str(db), read_only=True) as con:
            rows = con.execute("SELECT watch_id, count(*) FROM observations GROUP BY 1").fetchall()
    except duckdb.IOException:
        return {}
    return {int(w): int(n) for w, n in rows}


def wait_for(condition: Any, what: str, bound: float = 90.0) -> None:
    """Poll a condition up to a generous bound (not a timing assertion: the bound only ends a hung test)."""
    ends = time.monotonic() + bound
    while not condition():
        assert time.monotonic() < ends, f"never happened: {what}"
        time.sleep(0.1)


# --- point 6: a trickling source never stalls -----------------------------------------------------------


def test_watch_run_once_gives_a_trickling_source_a_total_deadline(db: Path, site: Site) -> None:
    """One byte a second never lets a per-read timeout fire; the total deadline does (old code: ran forever)."""
    slow = add(db, site.serve("/trickle.csv", trickle=1.0))
    fast = add(db, site.serve("/fast.csv", CSV))
    result = subprocess.run([sys.executable, "-m", "predictions.cli", "watch", "run", "--once"], capture_output=True,
                            text=True, env=env_for(db, PREDICTIONS_WATCH_TIMEOUT_SECONDS="2"), timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"watch {slow} (claim #1): failed: no answer within 2 s (after one retry)" in result.stdout
    assert readings(db) == {fast: 2}
    assert site.routes["/trickle.csv"].hits == 2


def test_the_long_running_process_runs_healthy_watches_beside_a_trickle_and_stops_on_sigterm(
    db: Path, site: Site
) -> None:
    add(db, site.serve("/trickle.csv", trickle=1.0))
    first = add(db, site.serve("/first.csv", CSV))
    env = env_for(db, PREDICTIONS_WATCH_TIMEOUT_SECONDS="300", PREDICTIONS_WATCH_CHECK_MINUTES="0.05")
    process = subprocess.Popen([sys.executable, "-m", "predictions.cli", "watch", "run"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        wait_for(lambda: readings(db).get(first) == 2, "the first healthy watch recorded")
        # A watch added while the trickle still runs is run at the next look (old code: every later look
        # was skipped, "maximum number of running instances reached", until the trickle ended).
        later = _add_when_free(db, site.serve("/later.csv", "month,cities\n2026-10,25\n"))
        wait_for(lambda: readings(db).get(later) == 1, "the watch added later recorded")
        assert site.routes["/trickle.csv"].hits == 1 and process.poll() is None  # the trickle is still on
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            _, errors = process.communicate(timeout=20)  # the trickle's own deadline is 300 s away
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
            pytest.fail(f"SIGTERM did not stop the process within 20 s: {errors[-2000:]}")
    assert process.returncode == 0, errors
    assert "Traceback" not in errors
    trickle = next(w for w in watches.list_watches(db) if w["url"].endswith("/trickle.csv"))
    assert trickle["last_error"] is None and trickle["runs"] == 0  # cut short by the stop: nothing recorded
    assert trickle["next_run_at"] <= utc_now().replace(tzinfo=None) + timedelta(seconds=2 * 300 + 60)


def _add_when_free(db: Path, url: str) -> int:
    for _ in range(600):
        try:
            return add(db, url)
        except Exception as error:  # the process under test holds the file for a moment
            if "busy" not in str(error).lower() and "lock" not in str(error).lower():
                raise
            time.sleep(0.1)
    raise AssertionError("the database stayed busy")


def test_a_killed_run_leaves_its_watch_due_again_not_a_whole_interval_later(db: Path, site: Site) -> None:
    watch_id = add(db, site.serve("/doc.csv", trickle=1.0))
    env = env_for(db, PREDICTIONS_WATCH_TIMEOUT_SECONDS="300")
    process = subprocess.Popen([sys.executable, "-m", "predictions.cli", "watch", "run", "--once"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for(lambda: site.routes["/doc.csv"].hits == 1, "the fetch started")
    finally:
        process.kill()  # SIGKILL: nothing of the run is recorded
        process.wait(60)
    [watch] = watches.list_watches(db)
    killed_settings = load_settings(db=db, watch_timeout_seconds=300, watch_retry_seconds=0)
    lease_end = watch["next_run_at"]
    assert lease_end <= utc_now().replace(tzinfo=None) + watches.lease(killed_settings)
    assert lease_end < utc_now().replace(tzinfo=None) + timedelta(hours=23)  # not the 24 h interval

    site.serve("/doc.csv", CSV)  # the source recovers; once the lease ends the watch is due by itself
    settings = load_settings(db=db, watch_timeout_seconds=5, watch_retry_seconds=0)
    assert watches.run_due(settings, now=lease_end - timedelta(seconds=1)) == []  # still leased
    [run] = watches.run_due(settings, now=lease_end + timedelta(seconds=1))
    assert (run.watch_id, run.added, run.error) == (watch_id, 2, None)
    [after] = watches.list_watches(db)
    assert after["next_run_at"] == lease_end + timedelta(seconds=1) + timedelta(hours=24)  # from the run's clock


# --- point 7: secrets masked in every stored and printed error and source -----------------------------------


def test_a_server_echoing_the_request_into_its_csv_header_never_gets_the_key_stored_or_shown(
    db: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "k3y/Echo&d=1"
    quoted = urllib.parse.quote(secret, safe="")
    literal = "LiteralTok9"
    path = f"/stats.csv?api_key={quoted}&accessToken={literal}"
    site.serve(path, f"GET {path} HTTP/1.1,{secret}\n2026-06,18\n")  # the header quotes the request it got
    monkeypatch.setenv("PREDICTIONS_WATCH_SECRET_STATS", secret)
    add(db, site.base + "/stats.csv?api_key=${PREDICTIONS_WATCH_SECRET_STATS}&accessToken=" + literal)

    ran = run_cli(["watch", "run", "--once", "--db", str(db)])
    listed = run_cli(["watch", "list", "--db", str(db)])
    as_json = run_cli(["watch", "list", "--json", "--db", str(db)])
    assert ran.code == 0 and "the CSV has no column 'cities'" in ran.out and "***" in ran.out, ran.out
    [watch] = watches.list_watches(db)
    assert "no column" in watch["last_error"] and "\n" not in watch["last_error"]
    assert watch["url"].endswith("accessToken=" + literal)  # kept as written, to fetch with: never shown
    stored = {k: v for k, v in watch.items() if k != "url"}
    tables = {k: v for k, v in dump(db).items() if k != "watches"}
    shown = ran.out + ran.err + listed.out + as_json.out + repr(stored) + repr(tables)
    for form in (secret, quoted, literal, quoted.lower()):
        assert form not in shown, form


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://x.org/a?accessToken=s3cr", "https://x.org/a?accessToken=***"),
        ("https://x.org/a?authToken=s3cr&page=2", "https://x.org/a?authToken=***&page=2"),
        ("https://x.org/a?clientSecret=s3cr", "https://x.org/a?clientSecret=***"),
        ("https://x.org/a?apitoken=s3cr", "https://x.org/a?apitoken=***"),
        ("https://x.org/a?Authorization=Bearer%20s3cr", "https://x.org/a?Authorization=***"),
        ("https://x.org/a#access_token=s3cr&token_type=bearer", "https://x.org/a#access_token=***&token_type=bearer"),
        ("https://x.org/a?page=2#top", "https://x.org/a?page=2#top"),
        ("https://x.org/a?nextPageToken=${PREDICTIONS_WATCH_SECRET_P}", "https://x.org/a?nextPageToken=${PREDICTIONS_WATCH_SECRET_P}"),
    ],
)  # fmt: skip
def test_literal_credentials_in_common_spellings_are_masked_in_the_public_source(url: str, public: str) -> None:
    assert sources.public_url(url) == public


def test_a_camel_case_credential_is_masked_in_every_readings_source(db: Path, site: Site) -> None:
    url = site.serve("/c.csv?accessToken=abc123secret&clientSecret=zz9secret&year=2026", CSV)
    add(db, url)
    [run] = watches.run_due(load_settings(db=db, watch_retry_seconds=0), everything=True)
    assert run.added == 2
    with duckdb.connect(str(db), read_only=True) as con:
        sources_seen = {row[0] for row in con.execute("SELECT source_url FROM observations").fetchall()}
    assert sources_seen == {site.base + "/c.csv?accessToken=***&clientSecret=***&year=2026"}


# --- point 8: only variables the author allows are filled in -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "listed"),
    [("PREDICTIONS_SMTP_PASSWORD", ""), ("PREDICTIONS_SMTP_PASSWORD", "PREDICTIONS_SMTP_PASSWORD"),
     ("PREDICTIONS_AUTHOR_PASSWORD", "HOME,PREDICTIONS_AUTHOR_PASSWORD"), ("HOME", ""), ("HOME", "STATS_KEY")],
)  # fmt: skip
def test_watch_add_refuses_a_variable_the_author_did_not_allow(
    db: Path, monkeypatch: pytest.MonkeyPatch, name: str, listed: str
) -> None:
    monkeypatch.setenv("PREDICTIONS_WATCH_URL_VARIABLES", listed)
    before = dump(db)
    result = run_cli(["watch", "add", "1", "--url", f"https://stats.example.org/x.csv?q=${{{name}}}", "--format",
                      "csv", "--value", "cities", "--date", "month", "--db", str(db)])  # fmt: skip
    assert_clean_refusal(result)
    assert result.error_lines[0].startswith(f"error: url: the watched URL may not use the environment variable {name}")
    assert len(result.error_lines) == 1 and dump(db) == before


def test_an_allowed_variable_is_filled_and_a_stored_forbidden_one_is_never_sent(
    db: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREDICTIONS_WATCH_URL_VARIABLES", "STATS_KEY")
    monkeypatch.setenv("STATS_KEY", "listed1")
    monkeypatch.setenv("PREDICTIONS_WATCH_SECRET_B", "prefixed2")
    monkeypatch.setenv("PREDICTIONS_SMTP_PASSWORD", "smtp-pass-3")
    site.serve("/a.csv?k=listed1", CSV)
    site.serve("/b.csv?k=prefixed2", CSV)
    forbidden = site.serve("/c.csv?k=smtp-pass-3", CSV)
    add(db, site.base + "/a.csv?k=${STATS_KEY}")
    add(db, site.base + "/b.csv?k=${PREDICTIONS_WATCH_SECRET_B}")
    # A watch stored before this rule (an older ledger): the run refuses it as `watch add` does.
    template = site.base + "/c.csv?k=${PREDICTIONS_SMTP_PASSWORD}"
    with pytest.raises(Exception, match="may not use the environment variable PREDICTIONS_SMTP_PASSWORD"):
        add(db, template)
    old = watches.WatchIn.model_construct(claim_id=1, url=template, format="csv", value_at="cities",
                                          date_at="month", points=None, match_text=None, every_hours=24.0)  # fmt: skip
    old_id = watches.add_watch(db, old)
    runs = {run.watch_id: run for run in watches.run_due(load_settings(db=db, watch_retry_seconds=0), everything=True)}
    assert [runs[1].added, runs[2].added] == [2, 2]
    assert runs[old_id].error is not None and "may not use the environment variable" in runs[old_id].error
    assert site.routes["/c.csv?k=smtp-pass-3"].hits == 0 and forbidden
    assert "smtp-pass-3" not in repr(dump(db))


# --- point 10: the smaller ones ------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", [["--watch", "{id}"], ["--watch={id}"]])
def test_watch_run_once_with_watch_n_runs_that_watch(db: Path, site: Site, spelling: list[str]) -> None:
    wanted = add(db, site.serve("/one.csv", CSV))
    other = add(db, site.serve("/two.csv", CSV))
    result = run_cli(["watch", "run", "--once", *(arg.format(id=wanted) for arg in spelling), "--db", str(db)])
    assert result.code == 0, result.err
    assert f"watch {wanted} (claim #1): 2 new readings" in result.out
    assert readings(db) == {wanted: 2} and site.routes["/two.csv"].hits == 0 and other


def test_dashes_as_a_value_are_still_refused(db: Path) -> None:
    before = dump(db)
    result = run_cli(["watch", "run", "--once", "--watch=--", "--db", str(db)])
    assert_clean_refusal(result)
    assert result.error_lines == ["error: predictions: '--' is not a value for an option"]
    assert dump(db) == before


def test_a_redirect_loop_is_one_line_cut_at_300_characters(db: Path, site: Site) -> None:
    loop = site.serve("/loop", status=302, location="/loop", reason="Found " + "x" * 60_000)
    watch_id = add(db, loop)
    result = run_cli(["watch", "run", "--once", "--db", str(db)])
    assert result.code == 0, result.err
    [line] = [line for line in result.out.splitlines() if line.startswith(f"watch {watch_id} ")]
    assert line == f"watch {watch_id} (claim #1): failed: redirected too many times (a redirect loop)"
    [watch] = watches.list_watches(db)
    assert watch["last_error"] == "redirected too many times (a redirect loop)"
    assert max(len(line) for line in run_cli(["watch", "list", "--db", str(db)]).out.splitlines()) < 400


def test_a_long_reason_phrase_is_stored_as_one_line_of_at_most_300_characters(db: Path, site: Site) -> None:
    add(db, site.serve("/gone", status=404, reason="Not here " * 7_000))
    [run] = watches.run_due(load_settings(db=db, watch_retry_seconds=0), everything=True)
    assert run.error is not None and run.error.startswith("the server answered HTTP 404 Not here Not here")
    assert len(run.error) == 300 and run.error.endswith("…") and "\n" not in run.error
    assert watches.list_watches(db)[0]["last_error"] == run.error


@pytest.mark.parametrize("option", [["--all"], ["--watch", "1"]])
def test_watch_run_without_once_refuses_all_and_watch_instead_of_running_forever(db: Path, option: list[str]) -> None:
    add(db, "http://127.0.0.1:9/never.csv")
    before = dump(db)
    result = subprocess.run([sys.executable, "-m", "predictions.cli", "watch", "run", *option], capture_output=True,
                            text=True, env=env_for(db), timeout=60)  # fmt: skip
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: --all and --watch go with --once (`watch run` alone keeps running the due watches)"
    ]
    assert dump(db) == before


@pytest.mark.parametrize("port", ["99999", "0", "-1", "65536", "http"])
def test_watch_add_refuses_an_invalid_port_in_one_line(db: Path, port: str) -> None:
    before = dump(db)
    result = run_cli(["watch", "add", "1", "--url", f"http://127.0.0.1:{port}/x.csv", "--format", "csv", "--value",
                      "cities", "--date", "month", "--db", str(db)])  # fmt: skip
    assert_clean_refusal(result)
    assert result.error_lines == [f"error: url: the watched URL's port {port!r} is not a port number (1-65535)"]
    assert dump(db) == before


def test_a_stopped_runner_cuts_its_fetch_short_and_leaves_later_runs_free(db: Path, site: Site) -> None:
    """The long-running process's Runner, in this process: its stop cuts a fetch in progress short and records
    nothing for it, and leaves the process's later fetches (`watch run --once`, the dashboard's Run now) free
    to run (a stop once left every later fetch of the process refused)."""
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
