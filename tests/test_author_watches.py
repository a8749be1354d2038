"""Watched sources in the author workspace (issue 16), against a real local HTTP server whose documents
the test changes: a CSV watch added from the form and run at once records its readings as the claim's
observations; a non-http URL is refused with one line and nothing written; a failing source shows its
error line; a feed entry is a candidate under "Needs a verdict" until it is accepted (a note observation
linking the entry) or dismissed; a watch is removed after a confirmation. Real DuckDB file, no mocks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dashboard_fixtures import Rich, author, no_exception, rich_db
from local_http import Site, local_site
from streamlit.testing.v1 import AppTest

from predictions import ledger, watches
from predictions.models import ClaimIn, ClaimKind, Comparator, ObservationIn

__all__ = ["author", "rich_db"]  # fixtures used by name below

CITIES_CSV = b"month,cities\n2025-10,40\n2025-11,66\n"
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Mobility news</title><id>urn:news</id><updated>2025-12-02T08:00:00Z</updated>
  <entry><title>Robotaxi service opens in Wuhan's airport district</title><id>urn:news:1</id>
    <link href="https://news.example.org/robotaxi-wuhan"/><updated>2025-12-01T08:00:00Z</updated>
    <summary>Apollo Go adds a 66th city.</summary></entry>
  <entry><title>Robotaxi fleet grows in Shenzhen</title><id>urn:news:2</id>
    <link href="https://news.example.org/robotaxi-shenzhen"/><updated>2025-11-20T08:00:00Z</updated>
    <summary>More cars, same cities.</summary></entry>
  <entry><title>Battery prices fall again</title><id>urn:news:3</id>
    <link href="https://news.example.org/batteries"/><updated>2025-11-25T08:00:00Z</updated></entry>
</feed>
"""


@pytest.fixture
def source() -> Iterator[Site]:
    """A local HTTP server serving documents the test may change between runs."""
    with local_site() as site:
        yield site


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {table: con.sql(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall() for table in tables}


def plain(markdown: str) -> str:
    """Escaped markdown as a person reads it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def pick(at: AppTest, claim_id: int) -> AppTest:
    at.selectbox(key="author_claim").select(claim_id).run()
    no_exception(at)
    return at


def add_watch(at: AppTest, url: str, fmt: str = "csv", value: str = "", day: str = "", match: str = "") -> AppTest:
    at.text_input(key="watch_url").input(url)
    at.selectbox(key="watch_format").select(fmt)
    at.text_input(key="watch_value").input(value)
    at.text_input(key="watch_date").input(day)
    at.text_input(key="watch_match").input(match)
    at.button(key="watch_add_submit").click().run()
    no_exception(at)
    return at


def run_now(at: AppTest, watch_id: int) -> AppTest:
    at.selectbox(key="watch_pick").select(watch_id)
    at.button(key="watch_run_now").click().run()
    no_exception(at)
    return at


def watch_table(at: AppTest) -> Any:
    return next(frame.value for frame in at.dataframe if "reads" in frame.value.columns)


def test_a_csv_watch_added_and_run_from_the_workspace_records_its_readings(
    author: AppTest, rich_db: Rich, source: Site
) -> None:
    path, ids = rich_db
    base = source.base
    robotaxi = ids["robotaxi-cities-2025"]
    source.serve("/cities.csv", CITIES_CSV, content_type="text/csv")
    before = len(ledger.get_claim(path, robotaxi).observations)
    at = pick(author, robotaxi)
    assert "Watched sources" in [tab.label for tab in at.tabs]
    assert any(info.value == f"No watched sources for claim #{robotaxi}." for info in at.info)

    at = add_watch(at, f"{base}/cities.csv", value="cities", day="month")
    assert plain(at.success[0].value).startswith(f"Watch 1 added to claim #{robotaxi}: csv value cities dated by month")
    assert [w["url"] for w in watches.list_watches(path)] == [f"{base}/cities.csv"]
    assert at.text_input(key="watch_url").value == ""  # the form is emptied after its save
    assert watch_table(at)["state"].tolist() == ["not run yet"]

    at = run_now(at, 1)
    assert plain(at.success[0].value).startswith(
        f"Watch 1 (claim #{robotaxi}): 2 new readings, 0 revised, 0 already recorded"
    )
    shown = watch_table(at)
    assert shown["found"].tolist() == ["2 readings, latest for 2025-11-30"]
    assert shown["state"].tolist() == ["ok"] and shown["last run"].notna().all()
    observations = ledger.get_claim(path, robotaxi).observations
    assert len(observations) == before + 2
    new = sorted((o for o in observations if o["origin"] == "watch"), key=lambda o: o["observed_on"])
    assert [(o["observed_on"], o["value"], o["source_url"]) for o in new] == [
        (date(2025, 10, 31), 40, f"{base}/cities.csv"),
        (date(2025, 11, 30), 66, f"{base}/cities.csv"),
    ]

    at = run_now(at, 1)  # the same document again adds nothing
    assert plain(at.success[0].value).startswith(f"Watch 1 (claim #{robotaxi}): 0 new readings, 0 revised, 2 already")
    assert len(ledger.get_claim(path, robotaxi).observations) == before + 2

    at.query_params["claim"] = str(robotaxi)  # the claim page names where the readings came from
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    evidence = next(frame.value for frame in at.dataframe if "from" in frame.value.columns)
    assert evidence["from"].iloc[0] == "a watched source"


def test_a_non_http_url_is_refused_with_one_line_and_nothing_is_written(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    before = dump(path)
    at = pick(author, ids["robotaxi-cities-2025"])
    at = add_watch(at, "ftp://stats.example.org/cities.csv", value="cities", day="month")
    assert plain(at.error[0].value) == (
        "Not saved:\n- URL: only http and https URLs can be watched, not 'ftp://stats.example.org/cities.csv'"
    )
    at = add_watch(at, "https://stats.example.org/feed.xml", fmt="atom")  # an atom watch without its text
    assert plain(at.error[0].value) == (
        "Not saved:\n- an atom/RSS watch needs “Match text”: the entries to propose as notes"
    )
    assert dump(path) == before


def test_a_failing_source_shows_its_error_line_and_records_nothing(
    author: AppTest, rich_db: Rich, source: Site
) -> None:
    path, ids = rich_db
    base = source.base
    robotaxi = ids["robotaxi-cities-2025"]
    before = len(ledger.get_claim(path, robotaxi).observations)
    at = add_watch(pick(author, robotaxi), f"{base}/gone.csv", value="cities", day="month")
    at = run_now(at, 1)
    assert [plain(e.value) for e in at.error] == [
        f"Watch 1 (claim #{robotaxi}) is failing: the server answered HTTP 404 Not Found (last success: never)",
        f"Watch 1 (claim #{robotaxi}): failed: the server answered HTTP 404 Not Found",  # the run, below its button
    ]
    assert watch_table(at)["state"].tolist() == ["failing"]
    assert len(ledger.get_claim(path, robotaxi).observations) == before


def test_feed_entries_are_candidates_until_accepted_or_dismissed(author: AppTest, rich_db: Rich, source: Site) -> None:
    path, ids = rich_db
    base = source.base
    robotaxi = ids["robotaxi-cities-2025"]
    source.serve("/news.xml", FEED, content_type="application/atom+xml")
    before = len(ledger.get_claim(path, robotaxi).observations)
    at = add_watch(pick(author, robotaxi), f"{base}/news.xml", fmt="atom", match="robotaxi")
    at = run_now(at, 1)
    assert plain(at.success[0].value) == f"Watch 1 (claim #{robotaxi}): 2 new candidate notes"
    assert watch_table(at)["found"].tolist() == ["2 candidate notes pending"]

    headings = [m.value for m in at.markdown if m.value.startswith("**Candidate evidence")]
    assert headings == ["**Candidate evidence from watched feeds (2)**"]
    wuhan, shenzhen = (note["id"] for note in watches.candidate_notes(path))  # newest entry first
    link = next(m.value for m in at.markdown if "news.example.org" in m.value)
    assert (
        plain(link)
        == "**[Robotaxi service opens in Wuhan's airport district](https://news.example.org/robotaxi-wuhan)**"
    )
    assert len(ledger.get_claim(path, robotaxi).observations) == before  # a candidate is not evidence yet

    at.button(key=f"watch_accept_{wuhan}").click().run()
    no_exception(at)
    observation_id = next(o["id"] for o in ledger.get_claim(path, robotaxi).observations if o["origin"] == "watch")
    assert plain(at.success[0].value) == (
        f"Recorded “Robotaxi service opens in Wuhan's airport district” as observation #{observation_id} "
        f"of claim #{robotaxi}."
    )
    note = next(o for o in ledger.get_claim(path, robotaxi).observations if o["id"] == observation_id)
    assert (note["observed_on"], note["value"], note["source_url"]) == (
        date(2025, 12, 1), None, "https://news.example.org/robotaxi-wuhan"
    )  # fmt: skip
    assert note["note"].startswith("Robotaxi service opens in Wuhan's airport district")
    assert [m.value for m in at.markdown if m.value.startswith("**Candidate evidence")] == [
        "**Candidate evidence from watched feeds (1)**"
    ]

    at.button(key=f"watch_dismiss_{shenzhen}").click().run()
    no_exception(at)
    assert plain(at.success[0].value) == "Dismissed “Robotaxi fleet grows in Shenzhen”."
    assert watches.candidate_notes(path) == []
    assert [c["state"] for c in watches.candidate_notes(path, state=None)] == ["accepted", "dismissed"]
    assert not [m.value for m in at.markdown if m.value.startswith("**Candidate evidence")]
    assert len(ledger.get_claim(path, robotaxi).observations) == before + 1  # dismissing records nothing


def test_a_watch_is_removed_only_after_a_confirmation(author: AppTest, rich_db: Rich, source: Site) -> None:
    path, ids = rich_db
    base = source.base
    at = add_watch(pick(author, ids["robotaxi-cities-2025"]), f"{base}/cities.csv", value="cities", day="month")
    at.button(key="watch_remove").click().run()
    no_exception(at)
    assert plain(at.warning[0].value).startswith("Remove watch 1 of claim")
    at.button(key="watch_remove_no").click().run()
    assert not at.warning and len(watches.list_watches(path)) == 1
    at.button(key="watch_remove").click().run()
    at.button(key="watch_remove_yes").click().run()
    no_exception(at)
    assert plain(at.success[0].value) == "Removed watch 1; the readings it recorded stay as evidence."
    assert watches.list_watches(path) == []


def test_a_claim_whose_data_met_its_target_early_says_so_in_the_queue(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    today = date.today()
    claim_id = ledger.add_claim(
        path,
        ClaimIn(
            statement="At least 10 pilot plants run by the end of next year.",
            made_on=today - timedelta(days=30),
            deadline=today + timedelta(days=400),
            kind=ClaimKind.THRESHOLD,
            metric="pilot plants",
            unit="plants",
            comparator=Comparator.AT_LEAST,
            target=10,
        ),
        probability=0.6,
    )
    ledger.add_observation(path, claim_id, ObservationIn(observed_on=today - timedelta(days=2), value=12))
    at = author
    at.run()
    no_exception(at)
    label = next(o for o in at.selectbox(key="verdict_claim").options if o.startswith(f"#{claim_id} "))
    assert "target met before the deadline · data proposes true" in label
    at.selectbox(key="verdict_claim").select(claim_id).run()
    assert any("**in the queue:** target met before the deadline" in m.value for m in at.markdown)
