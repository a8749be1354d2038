"""The living record in a real browser: the default ledger (the seed and its shipped evidence) served by
the real Streamlit server, read in Debian's Chromium at desktop and phone sizes, and the author's review
queue signed in. Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest
from browser_server import (
    ARTIFACTS,
    PASSWORD,
    SIZES,
    Server,
    browser,
    dashboard,
    no_exception_shown,
    sign_in_from_the_sidebar,
    watched_page,
)
from playwright.sync_api import Browser, expect
from shared_pages import SharedPages, shared_pages

from predictions import ledger
from predictions.imports import evidence
from predictions.seed import default_seed_path

pytestmark = pytest.mark.browser

__all__ = ["browser", "shared_pages"]  # the module's Chromium and its claim page loaded once, fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("living")
    database = folder / "ledger.duckdb"
    evidence.seed_ledger(database)
    ids = {str(v["external_id"]).rsplit(":", 1)[1]: v.id for v in ledger.list_claims(database)}
    with dashboard(database, folder, env={"PREDICTIONS_AUTHOR_PASSWORD": PASSWORD}) as served:
        served.ids.update(ids)
        yield served


def robotaxi_rows() -> list[dict[str, str]]:
    path = evidence.shipped_evidence_path(default_seed_path())
    with path.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["claim_key"] == "robotaxi-cities-2025"]


def robotaxi_values() -> list[str]:
    """The valued facts (the seed's own baseline for this claim is a note, so these are all the points)."""
    return [row["value"] for row in robotaxi_rows() if row["value"]]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_robotaxi_claim_shows_its_evidence_and_why(server: Server, shared_pages: SharedPages, size: str) -> None:
    # The claim page is loaded once and set to each size (what it shows at that size).
    page = shared_pages.get(f"/?claim={server.ids['robotaxi-cities-2025']}", size, charts=2, resize=True)
    no_exception_shown(page)
    expect(page.get_by_text("Robotaxis operate in at least 65 Chinese cities in 2025.")).to_be_visible()
    reason = page.get_by_text("the data proposes false", exact=False).first
    expect(reason).to_be_visible()
    assert "10 cities on 2025-11-26" in reason.inner_text()
    # the metric chart draws the valued evidence against the 65-city target
    chart = page.locator(".js-plotly-plot").first
    chart.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"living-claim-robotaxi-{size}.png"))
    assert chart.locator(".scatterlayer .point").count() == len(robotaxi_values())
    table = page.get_by_text("dated facts, newest first").first
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / f"living-claim-robotaxi-evidence-{size}.png"))


@pytest.mark.parametrize("size", list(SIZES))
def test_the_review_queue_proposes_and_saves_a_verdict(server: Server, browser: Browser, size: str) -> None:
    with watched_page(browser, SIZES[size]) as page:
        sign_in_from_the_sidebar(page, server.url, PASSWORD)
        no_exception_shown(page)
        expect(page.get_by_role("tab", name="Verdicts")).to_be_visible()
        expect(page.get_by_text("need a verdict", exact=False).first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"living-review-queue-{size}.png"), full_page=True)
