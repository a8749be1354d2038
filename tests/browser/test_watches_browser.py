"""Watched sources in a real browser: the author workspace served by the real Streamlit server over a
ledger with three watches of a local HTTP server (a CSV that was read, a 404, a feed with candidate
notes), read in Debian's Chromium at desktop and phone sizes. "Run now" and "Accept as evidence" keep
their tab selected and show their result below the button. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from author_sign_in import sign_in_on_the_author_page
from browser_server import (
    ARTIFACTS,
    PASSWORD,
    SIZES,
    Server,
    browser,
    dashboard,
    no_exception_shown,
    settle,
    watched_page,
)
from dashboard_fixtures import build_rich_database
from local_http import local_site
from playwright.sync_api import Browser, Page, expect
from watch_documents import CITIES_CSV, FEED

from predictions import watches
from predictions.settings import load_settings

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the module's Chromium, a fixture


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with local_site() as source:
        source.serve("/cities.csv", CITIES_CSV, content_type="text/csv")
        source.serve("/news.xml", FEED, content_type="application/atom+xml")
        folder = tmp_path_factory.mktemp("watches")
        database = folder / "ledger.duckdb"
        ids = build_rich_database(database)
        robotaxi = ids["robotaxi-cities-2025"]
        for path, fmt, value, day, match in (
            ("/cities.csv", "csv", "cities", "month", None),
            ("/gone.csv", "csv", "cities", "month", None),
            ("/news.xml", "atom", None, None, "robotaxi"),
        ):
            fields = {"claim_id": robotaxi, "url": source.base + path, "format": fmt, "value_at": value,
                      "date_at": day, "match_text": match}  # fmt: skip
            watches.add_watch(database, watches.WatchIn.model_validate(fields))
        watches.run_due(load_settings(db=database), everything=True)
        with dashboard(database, folder, env={"PREDICTIONS_AUTHOR_PASSWORD": PASSWORD}) as served:
            served.ids.update(ids)
            yield served


def pick_claim(page: Page, claim_id: int) -> None:
    search = page.get_by_label("Find by id or words")
    search.scroll_into_view_if_needed()
    search.fill(str(claim_id))
    search.press("Enter")
    settle(page)
    page.locator(".st-key-author_claim").click()
    page.get_by_role("option", name=f"#{claim_id} ", exact=False).first.click()
    settle(page)


def open_tab(page: Page, name: str) -> None:
    tab = page.get_by_role("tab", name=name)
    tab.scroll_into_view_if_needed()
    tab.click()
    settle(page)
    expect(tab).to_have_attribute("aria-selected", "true")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_watched_sources_tab_runs_a_watch_and_keeps_its_tab(server: Server, browser: Browser, size: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with watched_page(browser, SIZES[size]) as page:
        sign_in_on_the_author_page(page, server.url, PASSWORD)
        open_tab(page, "Watched sources")
        no_exception_shown(page)
        robotaxi = server.ids["robotaxi-cities-2025"]
        failing = page.get_by_text(f"Watch 2 (claim #{robotaxi}) is failing: the server answered HTTP 404")
        expect(failing).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"watches-tab-{size}.png"))
        failing.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"watches-tab-2-{size}.png"))

        page.get_by_role("button", name="Run now").click()  # watch 1, the first one
        settle(page)
        summary = page.get_by_text(f"Watch 1 (claim #{robotaxi}): 0 new readings, 0 revised, 2 already")
        summary.scroll_into_view_if_needed()
        expect(summary).to_be_visible()
        expect(page.get_by_role("tab", name="Watched sources")).to_have_attribute("aria-selected", "true")
        no_exception_shown(page)
        page.screenshot(path=str(ARTIFACTS / f"watches-run-{size}.png"))

        pick_claim(page, robotaxi)  # the add form is for the claim picked above the tabs
        expect(page.get_by_role("tab", name="Watched sources")).to_have_attribute("aria-selected", "true")
        page.get_by_label("URL (http or https)").fill("ftp://stats.example.org/cities.csv")
        page.get_by_role("button", name="Watch this source").click()
        settle(page)
        refusal = page.get_by_text("only http and https URLs can be watched", exact=False)
        refusal.scroll_into_view_if_needed()
        expect(refusal).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"watches-add-refused-{size}.png"))
        page.get_by_label("URL (http or https)").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"watches-add-form-{size}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_candidate_notes_wait_under_needs_a_verdict(server: Server, browser: Browser, size: str) -> None:
    with watched_page(browser, SIZES[size]) as page:
        sign_in_on_the_author_page(page, server.url, PASSWORD)
        no_exception_shown(page)
        heading = page.get_by_text("Candidate evidence from watched feeds (", exact=False)
        expect(heading).to_be_visible()
        link = page.get_by_role("link", name="Robotaxi fleet grows in Shenzhen")
        expect(link).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"watches-candidates-{size}.png"))
        buttons = page.get_by_role("button", name="Accept as evidence").last
        buttons.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"watches-candidates-2-{size}.png"))
        if size != "desktop":
            return
        open_tab(page, "Watched sources")  # accept from another tab's selection: the verdict tab again
        open_tab(page, "Verdicts")
        page.get_by_role("button", name="Accept as evidence").first.click()
        settle(page)
        accepted = page.get_by_text("as observation #", exact=False)
        accepted.scroll_into_view_if_needed()
        expect(accepted).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"watches-accepted-{size}.png"))
        expect(page.get_by_role("tab", name="Verdicts")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text("Candidate evidence from watched feeds (1)")).to_be_visible()
        no_exception_shown(page)
