"""Watched data sources (issue 16) against a real HTTP server on localhost whose CSV, JSON and Atom
documents change between runs, a real DuckDB file, and real reminder processes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from local_http import Hook, Site, local_site, webhook_receiver

from predictions import ledger, verdicts, watches
from predictions import watch_sources as sources
from predictions.models import ClaimIn
from predictions.settings import Settings, load_settings

# --- the local servers -------------------------------------------------------------------------------


@pytest.fixture
def site() -> Iterator[Site]:
    with local_site() as served:
        yield served


@pytest.fixture
def webhook() -> Iterator[tuple[list[Hook], str]]:
    with webhook_receiver() as receiver:
        yield receiver


# --- a ledger with one threshold claim ------------------------------------------------------------------

DEADLINE = date(2027, 6, 30)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.duckdb"
    claim = ClaimIn.model_validate(dict(
        statement="Robotaxis run in at least 65 cities by mid-2027.", made_on=date(2026, 1, 1), deadline=DEADLINE,
        deadline_precision="day", kind="threshold", metric="cities with robotaxis", target=65, unit="cities",
        comparator=">=",
    ))  # fmt: skip
    ledger.add_claim(path, claim, probability=0.6, forecaster="author")
    ledger.add_claim(path, ClaimIn(statement="A binary claim.", made_on=date(2026, 1, 1), deadline=DEADLINE))
    return path


CLAIM = 1  # the threshold claim's id in the fixture
BINARY = 2


def settings_for(db: Path, **overrides: Any) -> Settings:
    return load_settings(**{"db": db, "watch_timeout_seconds": 1.0, "watch_retry_seconds": 0.0, **overrides})


def observations(db: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        cursor = con.execute(
            """SELECT id, observed_on, value, note, source_url, origin, watch_id, fetched_at, payload_sha256, revises
               FROM observations ORDER BY id"""
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def add(db: Path, url: str, fmt: str = "csv", **fields: Any) -> int:
    defaults = {"csv": {"value_at": "cities", "date_at": "month"}, "json": {}, "atom": {}}[fmt]
    watch = watches.WatchIn.model_validate({"claim_id": CLAIM, "url": url, "format": fmt, **defaults, **fields})
    return watches.add_watch(db, watch)


def run(db: Path, **overrides: Any) -> list[watches.WatchRun]:
    return watches.run_due(settings_for(db, **overrides), everything=True)


# --- readings become observations, once ------------------------------------------------------------------


def test_a_csv_watch_records_exactly_the_new_readings_over_three_runs(db: Path, site: Site) -> None:
    first = "month,cities\n2026-06,18\n2026-09,20\n"
    url = site.serve("/cities.csv", first)
    watch_id = add(db, url)

    [one] = run(db)
    assert (one.added, one.revised, one.unchanged, one.error) == (2, 0, 0, None)
    rows = observations(db)
    assert [(r["observed_on"], r["value"]) for r in rows] == [(date(2026, 6, 30), 18.0), (date(2026, 9, 30), 20.0)]
    assert all(r["source_url"] == url and r["origin"] == "watch" and r["watch_id"] == watch_id for r in rows)
    assert {r["payload_sha256"] for r in rows} == {hashlib.sha256(first.encode()).hexdigest()}
    assert all(isinstance(r["fetched_at"], datetime) for r in rows)
    host = urllib.parse.urlsplit(url).hostname
    assert [r["note"] for r in rows] == [f"read from {host}, column cities"] * 2  # never an empty note

    [two] = run(db)  # the same document: nothing new
    assert (two.added, two.revised, two.unchanged) == (0, 0, 2)
    assert len(observations(db)) == 2

    third = "month,cities\n2026-06,18\n2026-09,21\n2026-11,30\n"  # September revised, November new
    site.serve("/cities.csv", third)
    [three] = run(db)
    assert (three.added, three.revised, three.unchanged) == (1, 1, 1)
    rows = observations(db)
    assert len(rows) == 4
    revision = next(r for r in rows if r["revises"] is not None)
    earlier = next(r for r in rows if r["id"] == revision["revises"])
    assert (earlier["observed_on"], earlier["value"]) == (date(2026, 9, 30), 20.0)
    assert (revision["observed_on"], revision["value"]) == (date(2026, 9, 30), 21.0)
    assert f"revises observation #{earlier['id']}" in revision["note"] and "20 → 21" in revision["note"]
    assert revision["note"].endswith(f"; read from {host}, column cities")
    assert next(r for r in rows if r["observed_on"] == date(2026, 11, 30))["note"] == f"read from {host}, column cities"
    assert revision["payload_sha256"] == hashlib.sha256(third.encode()).hexdigest()


def test_json_pointers_read_an_array_of_points_or_one_value(db: Path, site: Site) -> None:
    points = site.serve("/series.json", '{"data": {"points": [{"m": "2026-05", "n": 12}, {"m": "2026-08", "n": null},'
                                        ' {"m": "2026-10-15", "n": "1,234.5"}]}}')  # fmt: skip
    pairs = site.serve("/pairs.json", '{"a/b": [["2026-04", 9], ["2026-07", 11]]}')
    # A date-time with an offset is read as the day written (in UTC it would be 2026-11-01).
    single = site.serve("/latest.json", '{"latest": {"count": 40, "as_of": "2026-11-02T06:00:00+08:00"}}')
    add(db, points, "json", points="/data/points", value_at="/n", date_at="/m")
    add(db, pairs, "json", points="/a~1b", value_at="/1", date_at="/0")  # RFC 6901 escapes "/" as ~1
    add(db, single, "json", value_at="/latest/count", date_at="/latest/as_of")
    runs = run(db)
    assert [(r.added, r.error) for r in runs] == [(2, None), (2, None), (1, None)]
    got = {(r["watch_id"], r["observed_on"], r["value"]) for r in observations(db)}
    assert got == {
        (1, date(2026, 5, 31), 12.0), (1, date(2026, 10, 15), 1234.5),  # a null value is no reading
        (2, date(2026, 4, 30), 9.0), (2, date(2026, 7, 31), 11.0),
        (3, date(2026, 11, 2), 40.0),
    }  # fmt: skip
    host = urllib.parse.urlsplit(points).hostname
    notes = {r["watch_id"]: r["note"] for r in observations(db)}
    assert notes == {
        1: f"read from {host}, /data/points/*/n",
        2: f"read from {host}, /a~1b/*/1",
        3: f"read from {host}, /latest/count",
    }  # fmt: skip


# --- bad payloads change nothing ----------------------------------------------------------------------------

GOOD_CSV = "month,cities\n2026-06,18\n2026-09,20\n"
GOOD_JSON = '{"points": [{"m": "2026-06", "n": 18}]}'
GOOD_ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><id>urn:news</id><updated>2026-11-01T00:00:00Z</updated>
<entry><title>Robotaxi service expands</title><id>urn:1</id><link href="https://example.org/1"/>
<updated>2026-10-01T00:00:00Z</updated><summary>robotaxi news</summary></entry></feed>"""

BAD_PAYLOADS: dict[str, tuple[str, str, dict[str, Any], str]] = {
    # case: (format, good document, bad route options, the reason's words)
    "html instead of csv": ("csv", GOOD_CSV, {"body": "<html><body>Moved</body></html>"}, "not CSV"),
    "missing column": ("csv", GOOD_CSV, {"body": "month,count\n2026-10,25\n"}, "no column 'cities'"),
    "value not a number": ("csv", GOOD_CSV, {"body": "month,cities\n2026-10,25\n2026-11,n/a\n"},
                           "line 3: value 'n/a' is not a number"),
    "date does not parse": ("csv", GOOD_CSV, {"body": "month,cities\nlast autumn,25\n"},
                            "line 2: date 'last autumn' is not a date"),
    "one day two values": ("csv", GOOD_CSV, {"body": "month,cities\n2026-10,25\n2026-10,26\n"},
                           "two different values"),
    "over the size limit": ("csv", GOOD_CSV, {"body": "month,cities\n" + "2026-10,25\n" * 200}, "over the limit"),
    "times out": ("csv", GOOD_CSV, {"body": GOOD_CSV, "delay": 3.0}, "no answer within 1 s (after one retry)"),
    "redirects to ftp": ("csv", GOOD_CSV, {"status": 302, "location": "ftp://example.org/cities.csv"},
                         "redirected to a ftp URL"),
    "redirects to file": ("csv", GOOD_CSV, {"status": 302, "location": "file:///etc/passwd"},
                          "redirected to a file URL"),
    "answers 404": ("csv", GOOD_CSV, {"status": 404, "body": "gone"}, "HTTP 404"),
    "answers 503": ("csv", GOOD_CSV, {"status": 503, "body": "busy"}, "HTTP 503"),
    "not json": ("json", GOOD_JSON, {"body": "month,n\n2026-10,3\n"}, "not JSON"),
    "pointer missing": ("json", GOOD_JSON, {"body": '{"series": []}'}, "nothing at /points"),
    "json value not a number": ("json", GOOD_JSON, {"body": '{"points": [{"m": "2026-07", "n": true}]}'},
                                "is not a number"),
    "not a feed": ("atom", GOOD_ATOM, {"body": '{"entries": []}'}, "not an Atom or RSS feed"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_PAYLOADS))
def test_a_bad_payload_records_nothing_keeps_the_readings_and_leaves_one_line(db: Path, site: Site, case: str) -> None:
    fmt, good, bad, reason = BAD_PAYLOADS[case]
    url = site.serve("/doc", good)
    fields = {"json": {"points": "/points", "value_at": "/n", "date_at": "/m"}, "atom": {"match_text": "robotaxi"},
              "csv": {}}[fmt]  # fmt: skip
    watch_id = add(db, url, fmt, **fields)
    [first] = run(db, watch_max_bytes=1_000)
    assert first.error is None and (first.added or first.candidates)
    before = dump(db)

    site.serve("/doc", **bad)
    [second] = run(db, watch_max_bytes=1_000)
    assert second.error is not None and reason in second.error, second.error
    assert "\n" not in second.error
    after = dump(db)
    assert {k: v for k, v in after.items() if k != "watches"} == {k: v for k, v in before.items() if k != "watches"}
    if case == "answers 503" or case == "times out":
        assert site.routes["/doc"].hits == 2  # retried once
    if case == "answers 404":
        assert site.routes["/doc"].hits == 1  # a 4xx is not retried

    listed = run_cli(["watch", "list", "--db", str(db)])
    assert listed.code == 0
    failing = [line for line in listed.out.splitlines() if f"watch {watch_id} " in line]
    assert len(failing) == 1 and f"failing: {second.error}" in failing[0]

    site.serve("/doc", good)  # the source recovers: the error clears, nothing is recorded twice
    [third] = run(db, watch_max_bytes=1_000)
    assert third.error is None and third.added == 0 and third.candidates == 0
    assert watches.list_watches(db)[0]["last_error"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "ftp://example.org/x.csv"], "only http and https URLs can be watched"),
        (["--url", "file:///etc/passwd"], "only http and https URLs can be watched"),
        (["--url", "javascript:alert(1)"], "only http and https URLs can be watched"),
        (["--url", "https://example.org/x.csv"], "needs --value and --date"),
        (["--url", "https://example.org/x.json", "--format", "json", "--value", "a", "--date", "/d"],
         "is not a JSON pointer"),
        (["--url", "https://example.org/feed", "--format", "atom"], "needs --match"),
        (["--url", "https://example.org/x.csv", "--value", "v", "--date", "d", "--every", "-1"], "every_hours"),
        (["--url", "https://example.org/x.csv", "--value", "v", "--date", "d", "--every", "0.001"], "every_hours"),
        (["--url", "https://reader:s3cret@example.org/x.csv", "--value", "v", "--date", "d"],
         "may not carry a user name or password"),
    ],
)  # fmt: skip
def test_watch_add_refuses_bad_sources_in_one_line(db: Path, args: list[str], message: str) -> None:
    before = dump(db)
    argv = ["watch", "add", str(CLAIM), *args]
    if "--format" not in args:
        argv += ["--format", "csv"]
    result = run_cli([*argv, "--db", str(db)])
    assert_clean_refusal(result)
    assert message in result.err, result.err
    assert "s3cret" not in result.err
    assert dump(db) == before


# --- secrets in watched URLs: sent to the source, never stored or shown -----------------------------------


def test_a_key_from_the_environment_is_sent_but_never_stored_or_shown(
    db: Path, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "k3y/with&odd=chars"
    quoted = urllib.parse.quote(secret, safe="")
    site.serve(f"/cities.csv?api_key={quoted}", "month,cities\n2026-06,18\n")
    template = site.base + "/cities.csv?api_key=${TRACKER_TEST_KEY}"
    monkeypatch.setenv("PREDICTIONS_WATCH_URL_VARIABLES", "TRACKER_TEST_KEY")  # the author allows it
    monkeypatch.delenv("TRACKER_TEST_KEY", raising=False)
    watch_id = add(db, template)

    [missing] = run(db)
    assert missing.error == "the watched URL needs the environment variable TRACKER_TEST_KEY, which is not set here"
    assert observations(db) == []

    monkeypatch.setenv("TRACKER_TEST_KEY", secret)
    [found] = run(db)
    assert (found.added, found.error) == (1, None)
    [row] = observations(db)
    assert row["source_url"] == template and row["watch_id"] == watch_id

    # An error that quotes the URL it was given (http.client refuses the space) is stored without the key.
    spaced = add(db, site.base + "/two words.csv?token=${TRACKER_TEST_KEY}")
    failed = next(r for r in run(db) if r.watch_id == spaced)
    assert failed.error is not None and "InvalidURL" in failed.error and "***" in failed.error
    everything = repr(dump(db))
    assert secret not in everything and quoted not in everything and "k3y" not in everything


def test_a_credential_written_into_the_query_is_masked_in_every_readings_source(db: Path, site: Site) -> None:
    url = site.serve("/series.csv?series=cities&apikey=abc123secret&X-Api-Key=zz9secret&year=2026",
                     "month,cities\n2026-06,18\n2026-09,20\n")  # fmt: skip
    add(db, url)
    [one] = run(db)
    assert one.added == 2
    masked = site.base + "/series.csv?series=cities&apikey=***&X-Api-Key=***&year=2026"
    assert [r["source_url"] for r in observations(db)] == [masked, masked]
    with duckdb.connect(str(db), read_only=True) as con:
        shown = repr(con.execute("SELECT * FROM observations").fetchall())
    assert "abc123secret" not in shown and "zz9secret" not in shown


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://x.org/a.csv", "https://x.org/a.csv"),
        ("https://x.org/a.csv?series=gdp&code=CN", "https://x.org/a.csv?series=gdp&code=CN"),
        ("https://x.org/a?key=s3&b=1#top", "https://x.org/a?key=***&b=1#top"),
        ("https://x.org/a?access_token=s3&Client-Secret=t4", "https://x.org/a?access_token=***&Client-Secret=***"),
        ("https://x.org/a?key=${API_KEY}&token=", "https://x.org/a?key=${API_KEY}&token="),
        ("https://x.org/a?flag&password=p", "https://x.org/a?flag&password=***"),
    ],
)
def test_public_url_masks_only_literal_credentials(url: str, public: str) -> None:
    assert sources.public_url(url) == public


def test_a_value_watch_on_a_binary_claim_is_refused(db: Path) -> None:
    before = dump(db)
    result = run_cli(["watch", "add", str(BINARY), "--url", "https://example.org/x.csv", "--format", "csv",
                      "--value", "v", "--date", "d", "--db", str(db)])  # fmt: skip
    assert_clean_refusal(result)
    assert "is binary" in result.err and dump(db) == before


def test_a_slow_source_does_not_hold_up_the_others(db: Path, site: Site) -> None:
    release = threading.Event()
    slow = site.serve("/slow.csv", GOOD_CSV, hold=release)
    fast = site.serve("/fast.csv", "month,cities\n2026-10,25\n")
    slow_id, fast_id = add(db, slow), add(db, fast)
    env = {**os.environ, "PREDICTIONS_DB": str(db), "PREDICTIONS_WATCH_TIMEOUT_SECONDS": "60"}
    runner = subprocess.Popen([sys.executable, "-m", "predictions.cli", "watch", "run", "--once"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        seen: set[int] = set()
        for _ in range(600):  # the fast source's reading is committed while the slow one still waits
            seen = {r["watch_id"] for r in observations_when_free(db)}
            if seen:
                break
            time.sleep(0.1)
        assert seen == {fast_id}
        assert site.routes["/slow.csv"].hits == 1 and runner.poll() is None
    finally:
        release.set()
        out, err = runner.communicate(timeout=120)
    assert runner.returncode == 0, err
    assert {r["watch_id"] for r in observations(db)} == {fast_id, slow_id}
    assert "2 watches run: 3 new readings" in out


def observations_when_free(db: Path) -> list[dict[str, Any]]:
    """The observations, or none while another process holds the file for a moment."""
    try:
        return observations(db)
    except duckdb.IOException:
        return []


# --- feed entries are candidate notes until the author accepts them --------------------------------------------


def atom(*entries: tuple[str, str, str]) -> str:
    items = "".join(
        f"<entry><title>{title}</title><id>urn:{key}</id><link href='https://example.org/{key}'/>"
        f"<updated>{day}T09:00:00Z</updated><summary>{title} in detail</summary></entry>"
        for key, title, day in entries
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>'
            f"<id>urn:feed</id><updated>2026-11-01T00:00:00Z</updated>{items}</feed>")  # fmt: skip


def test_a_feed_entry_becomes_evidence_only_after_the_author_accepts_it(db: Path, site: Site) -> None:
    url = site.serve("/news.xml", atom(("a", "Robotaxi fleet reaches Wuhan", "2026-10-01"),
                                       ("b", "Weather in Beijing", "2026-10-02"),
                                       ("c", "ROBOTAXI permits for Shenzhen", "2026-10-03")),
                     content_type="application/atom+xml")  # fmt: skip
    add(db, url, "atom", match_text="robotaxi", claim_id=BINARY)
    [first] = run(db)
    assert first.candidates == 2 and observations(db) == []
    listed = run_cli(["watch", "candidates", "--db", str(db)])
    assert "ROBOTAXI permits for Shenzhen" in listed.out and "Weather" not in listed.out
    review = run_cli(["review", "--db", str(db), "--today", "2026-12-04"])
    assert "2 candidate notes from watched feeds" in review.out and "Robotaxi fleet reaches Wuhan" in review.out
    notes = {note["title"]: note for note in watches.candidate_notes(db)}
    assert [note["published_on"] for note in watches.candidate_notes(db)] == [date(2026, 10, 3), date(2026, 10, 1)]

    accepted = run_cli(["watch", "accept", str(notes["Robotaxi fleet reaches Wuhan"]["id"]), "--db", str(db)])
    assert accepted.code == 0, accepted.err
    [note] = observations(db)
    assert note["value"] is None and note["note"].startswith("Robotaxi fleet reaches Wuhan")
    assert (note["source_url"], note["observed_on"], note["origin"]) == ("https://example.org/a", date(2026, 10, 1),
                                                                        "watch")  # fmt: skip
    assert run_cli(["watch", "dismiss", str(notes["ROBOTAXI permits for Shenzhen"]["id"]), "--db", str(db)]).code == 0
    assert watches.candidate_notes(db) == [] and len(observations(db)) == 1
    again = run_cli(["watch", "accept", str(notes["ROBOTAXI permits for Shenzhen"]["id"]), "--db", str(db)])
    assert_clean_refusal(again)
    assert "already dismissed" in again.err

    site.serve("/news.xml", atom(("a", "Robotaxi fleet reaches Wuhan", "2026-10-01"),
                                 ("c", "ROBOTAXI permits for Shenzhen", "2026-10-03"),
                                 ("d", "Robotaxi count passes 40 cities", "2026-11-01")))  # fmt: skip
    [second] = run(db)
    assert second.candidates == 1  # decided entries are not proposed again
    assert [note["title"] for note in watches.candidate_notes(db)] == ["Robotaxi count passes 40 cities"]


# --- a crossing is notified once -----------------------------------------------------------------------------


def cli_env(db: Path, hook: str) -> dict[str, str]:
    return {**os.environ, "PREDICTIONS_DB": str(db), "PREDICTIONS_WEBHOOK_URL": hook,
            "PREDICTIONS_WATCH_RETRY_SECONDS": "0"}  # fmt: skip


def predictions(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "predictions.cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)  # fmt: skip


def data_notices(received: list[Hook]) -> list[tuple[str, str]]:
    payloads = [hook.body for hook in received]
    return [(str(p["step"]), str(p["text"]).splitlines()[0]) for p in payloads if str(p["step"]).startswith("data-")]


def test_a_crossing_is_notified_once_across_sweeps_and_concurrent_processes(
    db: Path, site: Site, webhook: tuple[list[Hook], str]
) -> None:
    received, hook = webhook
    env = cli_env(db, hook)
    url = site.serve("/cities.csv", "month,cities\n2026-06,40\n")
    add(db, url)
    assert predictions("watch", "run", "--once", env=env).returncode == 0
    assert data_notices(received) == []  # short of the target before the deadline: nothing to say
    now = "2026-12-04T12:00:00"
    assert predictions("remind", "once", "--now", now, env=env).returncode == 0
    assert data_notices(received) == []

    site.serve("/cities.csv", "month,cities\n2026-06,40\n2026-11,66\n")
    result = predictions("watch", "run", "--once", "--all", env=env)
    assert result.returncode == 0, result.stderr
    crossed = [("data-crossed-2026-11-30", "Claim #1 crossed its target: 66 cities on 2026-11-30")]
    assert data_notices(received) == crossed
    queue = {item.id: item for item in verdicts.review_queue(db, date(2026, 12, 4))}
    assert queue[CLAIM].proposal.outcome == "true" and queue[CLAIM].reason == "target met before the deadline"
    review = run_cli(["review", "--db", str(db), "--today", "2026-12-04"])
    assert f"#{CLAIM}  deadline {DEADLINE}  (target met before the deadline)" in review.out

    for _ in range(2):  # two more sweeps, then three processes at once: still one notice
        assert predictions("remind", "once", "--now", now, env=env).returncode == 0
    command = [sys.executable, "-m", "predictions.cli", "remind", "once", "--now", now]
    together = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]  # fmt: skip
    assert [process.wait(120) for process in together] == [0, 0, 0]
    assert data_notices(received) == crossed
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT channel, state FROM reminders WHERE step LIKE 'data-%' ORDER BY 1").fetchall()
    assert rows == [("console", "sent"), ("inbox", "sent"), ("webhook", "sent")]

    # A fall below the target and a new rise is a new crossing; nothing is resolved by itself.
    site.serve("/cities.csv", "month,cities\n2026-06,40\n2026-11,66\n2026-12,60\n")
    predictions("watch", "run", "--once", "--all", env=env)
    assert data_notices(received) == crossed
    site.serve("/cities.csv", "month,cities\n2026-06,40\n2026-11,66\n2026-12,60\n2027-01,70\n")
    predictions("watch", "run", "--once", "--all", env=env)
    assert data_notices(received) == [*crossed, ("data-crossed-2027-01-31",
                                                 "Claim #1 crossed its target: 70 cities on 2027-01-31")]  # fmt: skip
    assert ledger.get_claim(db, CLAIM).resolutions == []


def test_a_deadline_passed_short_of_the_target_is_notified_once(
    db: Path, site: Site, webhook: tuple[list[Hook], str]
) -> None:
    received, hook = webhook
    env = cli_env(db, hook)
    add(db, site.serve("/cities.csv", "month,cities\n2027-03,30\n"))
    assert predictions("watch", "run", "--once", env=env).returncode == 0
    after = "2027-07-02T08:00:00"
    for _ in range(2):
        assert predictions("remind", "once", "--now", after, env=env).returncode == 0
    assert data_notices(received) == [
        ("data-short-2027-06-30", "Claim #1 reached its deadline short of its target: 30 cities on 2027-03-31")
    ]


def test_remind_run_runs_the_due_watches(db: Path, site: Site, tmp_path: Path) -> None:
    add(db, site.serve("/cities.csv", GOOD_CSV))
    env = {**os.environ, "PREDICTIONS_DB": str(db), "PREDICTIONS_WATCH_CHECK_MINUTES": "0.05",
           "PREDICTIONS_REMIND_EVERY_MINUTES": "60"}  # fmt: skip
    process = subprocess.Popen([sys.executable, "-m", "predictions.cli", "remind", "run"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 300  # a condition, not a pace: generous for a loaded machine
        while len(seen) != 2 and time.monotonic() < deadline:
            seen = observations_when_free(db)
            time.sleep(0.1)
        assert len(seen) == 2
    finally:
        process.send_signal(signal.SIGTERM)
        _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "watch 1 (claim #1): 2 new readings" in errors
