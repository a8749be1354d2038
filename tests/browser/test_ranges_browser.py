"""Ranges as a person sees them, in Chromium at 1440×900 and 390×844 (light and dark): the claim page's
metric chart with the range's bands and the outcome's percentile, the Track record's coverage table and
PIT histogram, and the workspace's p10/p50/p90 entry with its live preview, recorded into the ledger.
Screenshots in tests/artifacts/ranges-*.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from browser_server import (
    PASSWORD,
    RENDER_TIMEOUT_MS,
    SIZES,
    Server,
    browser,
    dashboard,
    load,
    no_exception_shown,
    settle,
    shoot,
    wait_for_text,
    watched_page,
)
from playwright.sync_api import Browser, Page, expect
from shared_pages import SharedPages, shared_pages

from db.clock import replaying
from predictions import ledger
from predictions.models import ClaimIn, ForecastIn, ResolutionIn
from predictions.vocabulary import Outcome

pytestmark = pytest.mark.browser

__all__ = ["browser", "shared_pages"]  # the module's Chromium and its pages loaded once, fixtures
ROBOTAXI, KPIS, NEO, EHANG = 14, 19, 29, 16  # the seed's threshold claims, by id
AUTHOR = "Pascal Coppens"


def build_range_ledger(path: Path) -> int:
    """The seed with ranges recorded in March 2025, resolved with values in January 2026, and a claim with a
    baseline (its range is a fan); returns that claim's id."""
    ledger.seed_from_file(path)
    made = datetime(2025, 3, 1, 9)
    with replaying(made):
        for claim_id, quantiles, p in (
            (ROBOTAXI, {10: 30, 50: 55, 90: 80}, 0.6),
            (KPIS, {10: 120, 50: 260, 90: 500}, 0.7),
            (NEO, {10: 10, 50: 28, 90: 45}, 0.5),
        ):
            ledger.add_forecast(
                path, claim_id, ForecastIn(probability=p, forecaster=AUTHOR, made_at=made, quantiles=quantiles)
            )
        share = ledger.add_claim(
            path,
            ClaimIn(
                statement="China's NEV share of new car sales reaches at least 60% in 2025.", kind="threshold",
                made_on=date(2024, 12, 31), deadline=date(2025, 12, 31), metric="NEV share of new car sales",
                unit="%", comparator=">=", target=60, baseline=47.6, baseline_on=date(2024, 12, 31),
            ),
            probability=0.4,
        )  # fmt: skip
        ledger.add_forecast(
            path, share, ForecastIn(probability=0.4, forecaster=AUTHOR, made_at=made,
                                    quantiles={5: 49, 25: 53, 50: 57, 75: 60, 95: 66}),
        )  # fmt: skip
    with replaying(datetime(2026, 1, 10, 9)):
        for claim_id, outcome, value in ((ROBOTAXI, "false", 28), (KPIS, "true", 310), (NEO, "true", 33),
                                         (share, "false", 53.9)):  # fmt: skip
            ledger.resolve(
                path, claim_id, ResolutionIn(outcome=Outcome(outcome), resolved_on=date(2026, 1, 10), value=value)
            )
    return share


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("ranges")
    database = folder / "ledger.duckdb"
    share = build_range_ledger(database)
    with dashboard(database, folder, env={"PREDICTIONS_AUTHOR_PASSWORD": PASSWORD}) as served:
        served.ids["share"] = share
        yield served


def trace_names(page: Page, index: int = 0) -> list[str]:
    """The names of the traces of the page's `index`th Plotly chart, as the browser holds them."""
    return list(
        page.evaluate("i => [...document.querySelectorAll('.js-plotly-plot')][i].data.map(t => t.name || '')", index)
    )


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_claim_chart_draws_the_range_and_where_the_outcome_fell(
    server: Server, shared_pages: SharedPages, size: str, scheme: str
) -> None:
    # Each claim page is loaded once per scheme and set to each size (the chart's layout at that size).
    page = shared_pages.get(f"/?claim={ROBOTAXI}", size, charts=2, scheme=scheme, resize=True)
    no_exception_shown(page)
    names = trace_names(page)
    assert {"50/80/90% range", "80% range", "50% range"} <= set(names)  # the widest names the legend entry
    assert "outcome at the 7th percentile" in names  # 28 cities: F(28) of {10: 30, 50: 55, 90: 80}
    wait_for_text(page, "The outcome, 28 cities, fell at the 7th percentile.")
    shoot(page, f"ranges-claim-{size}-{scheme}")
    page = shared_pages.get(f"/?claim={server.ids['share']}", size, charts=2, scheme=scheme, resize=True)
    no_exception_shown(page)
    # A claim with a baseline: the bands are a fan from the forecast's date (2025-03-01) to the deadline.
    fan = page.evaluate(
        "() => document.querySelectorAll('.js-plotly-plot')[0].data.find(t => t.name === '50/80/90% range').x"
    )
    assert fan[0].startswith("2025-03-01") and fan[1].startswith("2025-12-31")
    shoot(page, f"ranges-fan-{size}-{scheme}")


@pytest.mark.parametrize("size", list(SIZES))
def test_the_track_record_shows_coverage_and_the_pit_histogram(
    server: Server, shared_pages: SharedPages, size: str
) -> None:
    page = shared_pages.get("/track-record", size, charts=4, resize=True)  # loaded once, set to each size
    no_exception_shown(page)
    wait_for_text(page, "Ranges: how often the outcome fell inside")
    table = page.locator('[data-testid="stDataFrame"]').filter(has_text="interval").first
    table.scroll_into_view_if_needed()
    expect(table).to_be_visible()
    # The author's record (the default scope): the robotaxi's 28 is below its 50% interval [39, 71] (whole cities),
    # the KPIs' 310 and the NEV share's 53.9 inside theirs (the NEO claim is a reported projection)
    coverage = page.evaluate(
        """() => [...document.querySelectorAll('.js-plotly-plot')].map(p => p.data)
              .find(d => d.some(t => (t.name || '').startsWith('observed (95%')))
              .find(t => (t.name || '').startsWith('observed (95%')).text"""
    )
    assert coverage == ["2/3", "2/3", "3/3"]
    shoot(page, f"ranges-track-record-{size}")


def test_the_workspace_previews_a_range_and_records_it(server: Server, browser: Browser, tmp_path: Path) -> None:
    with watched_page(browser, SIZES["desktop"]) as page:
        load(page, server.url + "/author")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        expect(page.get_by_role("tab", name="Verdicts")).to_be_visible(timeout=RENDER_TIMEOUT_MS)
        page.get_by_label("Find by id or words").fill(str(EHANG))
        page.get_by_label("Find by id or words").press("Enter")
        settle(page)
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Claim").first.click()
        page.get_by_role("option").first.click()
        settle(page)
        page.get_by_role("tab", name="Evidence", exact=True).click()
        settle(page)
        page.get_by_role("tab", name="Update confidence").click()
        settle(page)
        for level, value in ((10, "800"), (50, "2500"), (90, "6000")):
            page.get_by_label(f"p{level}", exact=True).fill(value)
            page.get_by_label(f"p{level}", exact=True).press("Enter")
            settle(page)
        wait_for_text(page, "Implied probability that the claim comes true: 0%")
        wait_for_text(page, "more than 10 points apart")  # the seed's stated 50% against the range's 0%
        shoot(page, "ranges-workspace-preview")
        page.get_by_label("New probability (%)").fill("5")
        page.get_by_role("button", name="Record the new confidence").click()
        settle(page)
        wait_for_text(page, f"Recorded 5% on claim #{EHANG}. The range implies 0%.")
        no_exception_shown(page)
        shoot(page, "ranges-workspace-saved")
    # The range is in the ledger (tails added at recording) and the record verifies intact.
    database = Path(_server_database(server))
    detail = ledger.get_claim(database, EHANG)
    ranged = [f for f in detail.forecasts if f.get("range")]
    assert ranged and {k: v for k, v in ranged[-1]["range"].items() if 0 < k < 100} == {10: 800, 50: 2500, 90: 6000}
    assert ranged[-1]["probability"] == 0.05
    assert ledger.verify_record(database)[0].intact


def _server_database(server: Server) -> str:
    return str(server.log.parent / "ledger.duckdb")
