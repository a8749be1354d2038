"""The real dashboard in a real browser: the Streamlit server on a free localhost port, headless Chromium
(Debian's /usr/bin/chromium driven by Playwright; no browser download), checking what a person sees.

Screenshots go to tests/artifacts/ (git-ignored). This test never skips: without /usr/bin/chromium it
fails and says how to install it (`make browser`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_server import DESKTOP, Server, browser, dashboard, load, no_exception_shown, shoot, watched_page
from dashboard_fixtures import build_rich_database
from playwright.sync_api import Browser, Page, expect
from shared_pages import open_in_session

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # the module's Chromium, a fixture


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The rich ledger served read-only (no author password: dashboard() passes on no PREDICTIONS_* but the db)."""
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "ledger.duckdb"
    ids = build_rich_database(database)
    ids["robotaxi"] = next(v for k, v in ids.items() if k.endswith("robotaxi-cities-2025"))
    with dashboard(database, folder) as served:
        served.ids.update(ids)
        yield served


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, DESKTOP) as opened:
        yield opened


@pytest.fixture(scope="module")
def session(browser: Browser) -> Iterator[Page]:
    """One reader's visit for the tests of what a page shows: the app is loaded once, and each such test
    opens its page from the sidebar (`open_in_session`); the deep links get fresh pages (`page`)."""
    with watched_page(browser, DESKTOP) as opened:
        yield opened


def nothing_broken(page: Page) -> None:
    no_exception_shown(page)
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error:" not in body


def chart_titles(page: Page) -> list[str]:
    """The titles of the charts: a bold line above each (it wraps to the screen; plotly draws none inside)."""
    assert page.locator(".js-plotly-plot .gtitle").count() == 0
    return page.locator('[data-testid="stMarkdownContainer"] strong').all_inner_texts()


def test_overview(server: Server, session: Page) -> None:
    page = session
    open_in_session(page, server.url, "Overview", "/", charts=2)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
    expect(page.get_by_text("Resolution timeline (").first).to_be_visible()
    expect(page.get_by_text("Author's Brier score", exact=True)).to_be_visible()
    shoot(page, "overview")
    progress = page.get_by_text("Progress of threshold claims toward their targets", exact=True)
    progress.scroll_into_view_if_needed()
    expect(progress).to_be_visible()
    assert "Progress of threshold claims toward their targets" in chart_titles(page)


def test_claim_deep_link(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['robotaxi']}", charts=2)
    nothing_broken(page)
    expect(page.get_by_text("Robotaxis operate in at least 65 Chinese cities in 2025.")).to_be_visible()
    expect(page.get_by_text("2025 is set to see robotaxis operating in at least 65 Chinese cities")).to_be_visible()
    assert any(title.endswith("observed against the target") for title in chart_titles(page)), chart_titles(page)
    shoot(page, "claim-robotaxi")
    page.get_by_text("Confidence history").first.scroll_into_view_if_needed()
    expect(page.get_by_text("Confidence history").first).to_be_visible()
    page.get_by_role("link", name="Overview").click()  # back to all claims: the deep link's id is gone
    expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
    assert "claim=" not in page.url


def test_track_record(server: Server, session: Page) -> None:
    page = session
    open_in_session(page, server.url, "Track record", "/track-record", charts=2)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Track record")).to_be_visible()
    assert "Calibration (the author's own claims, unfolded)" in chart_titles(page), chart_titles(page)
    expect(page.get_by_text("Brier score over time", exact=True)).to_be_visible()
    expect(page.get_by_text("Pick a forecaster, or search for one")).to_be_visible()  # nobody's record unasked
    expect(page.get_by_text("Calibration of")).to_have_count(0)
    shoot(page, "track-record")


def test_deadlines(server: Server, session: Page) -> None:
    page = session
    open_in_session(page, server.url, "Deadlines", "/deadlines", charts=0)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Overdue and unresolved")).to_be_visible()
    shoot(page, "deadlines")


def test_hostile_text_stays_text(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['hostile']}", charts=1)
    nothing_broken(page)
    expect(page.get_by_text('<script>alert("owned")</script> **bold** [click me](javascript:alert(1))')).to_be_visible()
    expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False)).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    shoot(page, "claim-hostile")


def test_unknown_claim(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim=99999", charts=0)
    nothing_broken(page)
    expect(page.get_by_text("No claim with id 99999.")).to_be_visible()
    expect(page.get_by_text("Back to all claims")).to_be_visible()
