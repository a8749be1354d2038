"""Hostile text is shown as text, in the real browser.

Claims whose statement, quote, criteria, deadline phrase, metric and unit, evidence note, source title,
claimant, topic, forecaster, forecast note and resolution rationale carry HTML, `<script>`, event-handler
attributes, Markdown links to `javascript:` URLs, attribute break-outs and a 5,000-character statement,
served by the real Streamlit server and opened in headless Chromium: on the Overview (plain and filtered
to the hostile claimant and topic), the claim pages, Deadlines and Track record no script runs (no dialog,
`window.__pwned` stays undefined), no element the payloads describe exists, and the text is there literally.

Links to evidence and sources accept only http(s) URLs, in the models, the CLI and every import path.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from browser_server import (
    RENDER_TIMEOUT_MS,
    Server,
    browser,
    dashboard,
    load,
    no_exception_shown,
    settle,
    wait_for_text,
    watched_page,
)
from dashboard_fixtures import build_rich_database
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from playwright.sync_api import Browser, Page, expect
from pydantic import ValidationError
from shared_pages import open_in_session

from db.clock import replaying, utc_now
from predictions import ledger, reminders
from predictions.models import (
    ClaimIn,
    ClaimKind,
    ForecastIn,
    ObservationIn,
    Outcome,
    ResolutionIn,
    Source,
)
from predictions.settings import load_settings

SCRIPT = "<script>window.__pwned='script';alert('script')</script>"
IMG = "<img src=x onerror=\"window.__pwned='img';alert('img')\">"
SVG = '<svg onload="window.__pwned=\'svg\'"><circle r="9"/></svg>'
IFRAME = '<iframe id="pwned-frame" srcdoc="<script>parent.__pwned=\'iframe\'</script>"></iframe>'
LINK = '<a id="pwned-link" href="javascript:window.__pwned=\'link\'">click</a>'
MARKDOWN_LINK = "[click me](javascript:window.__pwned='md')"
OVERLAY = '<div id="pwned-div" style="position:fixed;inset:0;background:red">overlay</div>'
BREAKOUT = "\"'><img id=\"pwned-breakout\" src=x onerror=alert('breakout')>"
MARKUP = '**bold** _em_ :red[red] $x^2$ <b id="pwned-b">b</b> &lt;entity&gt; {{7*7}} ${7*7}'
EVERYTHING = " ".join([SCRIPT, IMG, SVG, IFRAME, LINK, MARKDOWN_LINK, OVERLAY, BREAKOUT, MARKUP])

STATEMENT = "Hostile: " + EVERYTHING
CLAIMANT = "<img src=x onerror=alert('claimant')><b id=\"pwned-name\">Mallory</b>"
FORECASTER = "<svg onload=alert('forecaster')>Eve [x](javascript:alert(1))</svg>"
TAG = "<script>alert('tag')</script>"
SOURCE_TITLE = OVERLAY + " " + SCRIPT
LONG = ("<script>alert(1)</script> " * 200)[:4999] + "!"

__all__ = ["browser"]  # the module's Chromium, a fixture

# Elements any payload would create if it were rendered as HTML (or Markdown).
INJECTED = [
    'img[src="x"]', '[id^="pwned"]', "iframe[srcdoc]", 'a[href^="javascript:" i]', "[onerror]", "[onload]",
    'svg circle[r="9"]', 'div[style*="background:red"]',
]  # fmt: skip


def build_hostile_database(path: Path) -> dict[str, int]:
    """The rich database plus hostile claims: one threshold claim due soon, one resolved, one very long."""
    ids = build_rich_database(path)
    today = date.today()
    source = Source(title=SOURCE_TITLE, url="https://example.org/issue", published_on=today - timedelta(days=400))
    ids["hostile-threshold"] = ledger.add_claim(
        path,
        ClaimIn(
            statement=STATEMENT,
            quote=EVERYTHING,
            claimant=CLAIMANT,
            kind=ClaimKind.THRESHOLD,
            metric='<b id="pwned-metric">cities</b> ' + MARKDOWN_LINK,
            unit="<i>units</i>",
            target=100,
            made_on=today - timedelta(days=400),
            deadline=today + timedelta(days=20),
            deadline_text=MARKDOWN_LINK,
            resolution_criteria=EVERYTHING,
            tags=[TAG, "mobility"],
        ),
        probability=0.4,
        forecaster=FORECASTER,
        source=source,
    )
    for days, value in ((300, 10), (200, 25), (100, 40)):
        ledger.add_observation(
            path,
            ids["hostile-threshold"],
            ObservationIn(
                observed_on=today - timedelta(days=days),
                value=value,
                note=EVERYTHING,
                source_url="https://example.org/evidence",
            ),
        )
    ids["hostile-resolved"] = ledger.add_claim(
        path,
        ClaimIn(
            statement="Resolved " + EVERYTHING,
            quote=SCRIPT,
            claimant=CLAIMANT,
            made_on=today - timedelta(days=400),
            deadline=today - timedelta(days=30),
            tags=[TAG],
            resolution_criteria=MARKUP,
        ),
        probability=0.7,
        forecaster=FORECASTER,
        source=source,
    )
    with replaying(utc_now() - timedelta(days=60)):  # an update recorded before the deadline
        ledger.add_forecast(
            path,
            ids["hostile-resolved"],
            ForecastIn(probability=0.8, forecaster=FORECASTER, made_at=utc_now(), note=IMG),
        )
    ledger.resolve(
        path,
        ids["hostile-resolved"],
        ResolutionIn(
            outcome=Outcome.TRUE,
            resolved_on=today - timedelta(days=10),
            note=EVERYTHING,
            evidence_url="https://example.org/verdict",
        ),
    )
    ids["long"] = ledger.add_claim(
        path,
        ClaimIn(statement=LONG, quote=LONG, made_on=today - timedelta(days=5), deadline=today + timedelta(days=60)),
        probability=0.5,
    )
    # The reminder inbox on the Deadlines page holds the hostile subjects too.
    reminders.sweep(load_settings(db=path), channels=[reminders.inbox_channel()])
    return ids


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("hostile")
    database = folder / "ledger.duckdb"
    ids = build_hostile_database(database)
    with dashboard(database, folder) as running:
        running.ids = ids
        yield running


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with watched_page(browser, {"width": 1440, "height": 1400}) as opened:
        yield opened


@pytest.fixture(scope="module")
def session(browser: Browser) -> Iterator[Page]:
    """One reader's visit: the app loaded once, the overview and the Track record opened from its sidebar
    (`open_in_session`); the tests of a link's query (a claim, a filter, a window) load their own page."""
    with watched_page(browser, {"width": 1440, "height": 1400}) as opened:
        yield opened


def nothing_ran_nothing_injected(page: Page) -> None:
    no_exception_shown(page)
    assert page.evaluate("typeof window.__pwned") == "undefined", page.evaluate("window.__pwned")
    found = {selector: page.locator(selector).count() for selector in INJECTED}
    assert all(count == 0 for count in found.values()), found


def body_text(page: Page) -> str:
    return page.locator("body").inner_text()


def chart_headings(page: Page) -> list[str]:
    """The bold lines of the page: a chart's title is one, above its chart."""
    return page.locator('[data-testid="stMarkdownContainer"] strong').all_inner_texts()


def chart_texts(page: Page) -> str:
    """Every text drawn in the charts, one per line; a wrapped title's lines (tspans) joined by spaces."""
    texts = page.locator(".js-plotly-plot text").evaluate_all(
        """els => els.map(t => {
            const lines = [...t.querySelectorAll('tspan.line')].map(x => x.textContent);
            return lines.length ? lines.join(' ') : t.textContent; })"""
    )
    return "\n".join(texts)


# --- reader pages ------------------------------------------------------------------------------------


def test_overview(server: Server, session: Page) -> None:
    page = session
    open_in_session(page, server.url, "Overview", "/", charts=2)
    nothing_ran_nothing_injected(page)
    expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
    # The progress chart names the hostile threshold claim, literally.
    assert f"#{server.ids['hostile-threshold']} Hostile: <script>window.__pwned" in chart_texts(page)


def test_overview_filtered_to_the_hostile_claimant_and_topic(server: Server, page: Page) -> None:
    query = urllib.parse.urlencode({"claimant": CLAIMANT, "topic": TAG})
    load(page, f"{server.url}/?{query}", charts=2)
    nothing_ran_nothing_injected(page)
    text = body_text(page)
    assert CLAIMANT in text and TAG in text  # the chosen filters, shown as typed
    assert "Filtered: 2 of" in text
    page.get_by_text("Source issue").first.scroll_into_view_if_needed()
    page.locator('[data-testid="stMultiSelect"]').nth(4).click()  # open the source list: titles as options
    wait_for_text(page, SOURCE_TITLE)
    nothing_ran_nothing_injected(page)


def test_threshold_claim_page(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['hostile-threshold']}", charts=2)
    nothing_ran_nothing_injected(page)
    text = body_text(page)
    for shown in (STATEMENT, EVERYTHING, CLAIMANT, SOURCE_TITLE, MARKDOWN_LINK, '<b id="pwned-metric">cities</b>'):
        assert shown in text, shown
    assert FORECASTER in text  # the current confidence names the forecaster
    charts = chart_texts(page)
    assert "<i>units</i>" in charts  # the target's label and the axis, drawn by plotly as typed
    headings = chart_headings(page)  # the charts' titles, shown above them, as typed
    assert any(h.startswith('<b id="pwned-metric">cities</b> ') for h in headings), headings
    # Links go only where they should: the source and nothing made from the text.
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "https://example.org/issue" in hrefs
    assert all(h == "" or h.startswith(("http://", "https://", "/", "#", "?")) for h in hrefs), hrefs


def test_resolved_claim_page(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['hostile-resolved']}", charts=1)
    nothing_ran_nothing_injected(page)
    text = body_text(page)
    assert "Resolved " + EVERYTHING in text and MARKUP in text
    assert "Rationale: " + EVERYTHING in text
    assert f"Current confidence: 80% by {FORECASTER}" in text
    for name in ("Confidence history", "Resolution history"):  # the forecasts and verdicts with their notes
        summary = page.locator("summary").filter(has_text=name)
        summary.click()
        expect(summary.locator("xpath=..")).to_have_js_property("open", True)
    settle(page)
    nothing_ran_nothing_injected(page)


def test_a_five_thousand_character_statement(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['long']}", charts=1)
    nothing_ran_nothing_injected(page)
    heading = page.locator('[data-testid="stHeadingWithActionElements"] h3').first
    assert heading.inner_text().strip() == LONG
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1440 + 1, f"the long statement widened the page to {width}px"


def test_a_hostile_claim_id_in_the_url(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={urllib.parse.quote(IMG + SCRIPT)}")
    nothing_ran_nothing_injected(page)
    assert "No claim with id <img src=x onerror=" in body_text(page)


def test_deadlines(server: Server, page: Page) -> None:
    load(page, server.url + "/deadlines?within=365")
    nothing_ran_nothing_injected(page)
    expect(page.get_by_role("heading", name="Reminder inbox")).to_have_count(0)  # the author's, not readers'
    # The tables are drawn on a canvas: their cells reach the page only as text to paint.
    page.wait_for_function(  # a grid draws once its code has loaded, after the script has finished
        "() => document.querySelectorAll('[data-testid=\"stDataFrame\"]').length >= 2", timeout=RENDER_TIMEOUT_MS
    )


def test_track_record(server: Server, session: Page) -> None:
    page = session
    open_in_session(page, server.url, "Track record", "/track-record", charts=4)
    nothing_ran_nothing_injected(page)
    assert "<img src=x onerror=alert('claimant')>" in chart_texts(page)  # the claimant breakdown's axis
    search = page.get_by_role("textbox", name="Search forecasters")
    search.fill("Eve [x]")
    search.press("Enter")
    settle(page, charts=6)
    nothing_ran_nothing_injected(page)
    picker = page.get_by_role("combobox", name="Forecaster (most forecasts first)")
    assert picker.input_value() == f"{FORECASTER} (3 forecasts)"  # the chosen forecaster, as typed
    assert any(h.startswith("Calibration of <svg onload=alert('forecaster')>") for h in chart_headings(page))


# --- links accept only http(s) ---------------------------------------------------------------------

BAD_URLS = [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<script>x</script>",
    "vbscript:msgbox(1)", "//evil.example/x", "https://evil.example/\njavascript:x", "file:///etc/passwd",
]  # fmt: skip


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_models_refuse_links_that_are_not_http(url: str) -> None:
    for build in (
        lambda: ObservationIn(observed_on=date(2025, 1, 1), note="n", source_url=url),
        lambda: ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2025, 1, 1), evidence_url=url),
        lambda: Source(title="An issue", url=url),
    ):
        with pytest.raises(ValidationError, match="must be an http:// or https:// URL"):
            build()
    assert ObservationIn(observed_on=date(2025, 1, 1), value=1, source_url="HTTPS://example.org/x").source_url


def test_the_cli_refuses_javascript_links(db_path: Path) -> None:
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="A claim with evidence", made_on=date(2025, 1, 1)))
    before = dump(db_path)
    for args in (
        ["observe", str(claim_id), "--on", "2025-02-01", "--value", "3", "--source", "javascript:alert(1)"],
        ["resolve", str(claim_id), "true", "--on", "2025-02-01", "--evidence", "JavaScript:alert(1)"],
    ):
        result = run_cli([*args, "--db", str(db_path)])
        assert_clean_refusal(result)
        assert len(result.error_lines) == 1 and "must be an http:// or https:// URL" in result.err
    assert dump(db_path) == before


def _json_export(where: str, url: str) -> str:
    claim: dict[str, object] = {"statement": "Imported with a link", "made_on": "2025-01-01"}
    if where == "source":
        claim["source"] = {"title": "An issue", "url": url}
    elif where == "observation":
        claim["observations"] = [{"observed_on": "2025-02-01", "value": 3, "source_url": url}]
    else:
        claim["resolutions"] = [{"outcome": "true", "resolved_on": "2025-02-01", "evidence_url": url}]
    return json.dumps({"format": "trend-prediction-tracker/1", "claims": [claim]})


def _yaml_seed(where: str, url: str) -> str:
    observation = f"\n    observations: [{{observed_on: 2024-12-01, value: 3, source_url: '{url}'}}]"
    return (
        f"source: {{title: An issue, published_on: 2024-12-01{', url: ' + repr(url) if where == 'source' else ''}}}\n"
        "claims:\n  - key: linked\n    statement: A claim with a link.\n    quote: It will happen.\n"
        "    claimant: someone\n    attribution: author\n    probability: 0.5\n    resolution_criteria: x\n"
        f"    tags: [ai]{observation if where == 'observation' else ''}\n"
    )


@pytest.mark.parametrize(
    ("fmt", "where"),
    [("json", "source"), ("json", "observation"), ("json", "resolution"), ("yaml", "source"), ("yaml", "observation")],
)
def test_every_import_path_refuses_javascript_links(fmt: str, where: str, tmp_path: Path, db_path: Path) -> None:
    ledger.add_claim(db_path, ClaimIn(statement="Already in the ledger", made_on=date(2025, 1, 1)))
    before = dump(db_path)
    text = _json_export(where, "javascript:alert(1)") if fmt == "json" else _yaml_seed(where, "javascript:alert(1)")
    file = tmp_path / f"links.{fmt}"
    file.write_text(text, encoding="utf-8")
    result = run_cli(["import", str(file), "--format", fmt, "--db", str(db_path)])
    assert_clean_refusal(result)
    assert "must be an http:// or https:// URL" in result.err, result.err
    assert dump(db_path) == before
    # The same file with an https link goes in: the URL was the only problem.
    https = (
        _json_export(where, "https://example.org/x") if fmt == "json" else _yaml_seed(where, "https://example.org/x")
    )
    file.write_text(https, encoding="utf-8")
    assert run_cli(["import", str(file), "--format", fmt, "--db", str(db_path)]).code == 0


def test_flat_imports_carry_no_links_so_a_javascript_url_stays_inert_text(db_path: Path, tmp_path: Path) -> None:
    """csv / parquet / Fatebook / PredictionBook rows have no URL column: such a string can only be a title."""
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags"],
            ["javascript:alert(1)", "0.6", "", "2025-01-01", "2026-01-01", "javascript:alert(2)", "javascript:x"],
        ]
    )
    file = tmp_path / "links.csv"
    file.write_text(out.getvalue(), encoding="utf-8")
    assert run_cli(["import", str(file), "--format", "csv", "--db", str(db_path)]).code == 0
    with ledger.reading(db_path) as con:
        urls = con.execute(
            "SELECT url FROM sources UNION ALL SELECT source_url FROM observations "
            "UNION ALL SELECT evidence_url FROM resolutions"
        ).fetchall()
    assert all(url is None or url.startswith(("http://", "https://")) for (url,) in urls), urls
