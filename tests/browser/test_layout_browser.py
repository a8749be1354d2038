"""What a person sees, in Chromium at 1440×900 and 390×844 (issue 13): every reader page and the author
workspace in both sizes (screenshots in tests/artifacts/), the workspace keeping its tab after a save with
the confirmation in view, a sign-in that survives a reload, /author as a bookmark, the page titles, the
phone layout of the overview and the deadlines, and the dark theme.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from author_sign_in import sign_in_on_the_author_page
from browser_server import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SIZES,
    Server,
    browser,
    dashboard,
    grid_headers,
    load,
    no_exception_shown,
    settle,
    shoot,
    watched_page,
)
from dashboard_fixtures import build_rich_database
from PIL import Image
from playwright.sync_api import Browser, Page, expect
from shared_pages import SharedPages, fetched, go_to, shared_pages

from dashboard import ui
from dashboard.render import charts
from predictions import watches
from predictions.watches import WatchIn

pytestmark = pytest.mark.browser

__all__ = ["browser", "shared_pages"]  # the module's Chromium and its reader pages loaded once per size, fixtures
READER_PAGES = {  # name → (path, charts drawn; on a phone the overview's timeline is a list instead)
    "overview": ("/", 2),
    "claim": ("/?claim={robotaxi}", 2),
    "deadlines": ("/deadlines", 0),
    "track-record": ("/track-record", 2),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("layout")
    database = folder / "ledger.duckdb"
    ids = build_rich_database(database)
    watch = WatchIn(  # the workspace's watch table has a row (issue 28, point 13: its last columns in view)
        claim_id=ids["robotaxi-cities-2025"], url="https://data.example.org/robotaxi/cities-by-month.csv",
        format="csv", value_at="cities", date_at="month",
    )  # fmt: skip
    watches.add_watch(database, watch)
    with dashboard(database, folder, env={"PREDICTIONS_AUTHOR_PASSWORD": PASSWORD}) as served:
        served.ids.update(ids)
        served.ids["robotaxi"] = ids["robotaxi-cities-2025"]
        yield served


def clipped_headings(page: Page) -> list[str]:
    """Titles, subheadings and captions whose text is cut off (wider than their box, or past the screen)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll(
                    'h1, h2, h3, [data-testid="stCaptionContainer"], [data-testid="stMetricLabel"] p')]
                .filter(e => e.offsetParent !== null)
                .filter(e => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > innerWidth + 1)
                .map(e => e.innerText.slice(0, 80))"""
        )
    )


def reader_page(pages: SharedPages, server: Server, name: str, size: str) -> Page:
    """The reader page `name` at `size`, loaded once for the module's reading tests (SharedPages)."""
    path, charts = READER_PAGES[name]
    drawn = charts if size == "desktop" or name != "overview" else 1  # the phone's timeline is a list
    return pages.get(path.format(**server.ids), size, charts=drawn)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", list(READER_PAGES))
def test_every_reader_page_reads_right_at_desktop_and_phone_size(
    server: Server, shared_pages: SharedPages, name: str, size: str
) -> None:
    page = reader_page(shared_pages, server, name, size)
    no_exception_shown(page)
    assert "Trend Prediction Tracker" in page.title()
    assert clipped_headings(page) == []
    body = page.locator("body").inner_text()
    assert "e+0" not in body and "2000-01-01" not in body
    shoot(page, f"{name}-{size}")


def test_each_page_names_itself_in_the_browser_title(server: Server, shared_pages: SharedPages) -> None:
    page = reader_page(shared_pages, server, "deadlines", "desktop")
    assert page.title() == "Deadlines · Trend Prediction Tracker"
    page = reader_page(shared_pages, server, "claim", "desktop")  # loaded from /?claim=…
    assert page.title().startswith("Robotaxis operate in at least 65 Chinese cities in 2025.")
    assert page.url == f"{server.url}/claim?claim={server.ids['robotaxi']}"  # one run: the claim page's own link


def test_the_timelines_claim_labels_fit_the_margin_set_for_them(server: Server, shared_pages: SharedPages) -> None:
    page = reader_page(shared_pages, server, "overview", "desktop")
    overflow = page.evaluate(
        """() => { const chart = document.querySelector('.st-key-overview_timeline_wide .js-plotly-plot');
            const left = chart.getBoundingClientRect().left;
            const labels = [...chart.querySelectorAll('.ytick text')];
            const cut = labels.filter(t => t.getBoundingClientRect().left < left).map(t => t.textContent);
            return [labels.length, cut,
                    chart.querySelector('.ytitle').getBoundingClientRect().left - left]; }"""
    )
    labels, cut, title_left = overflow
    assert labels >= 5 and cut == [], cut  # every label whole, the hostile one included
    assert title_left >= 0


def test_on_a_phone_the_timeline_is_a_list_and_the_deadlines_show_their_statement(
    server: Server, shared_pages: SharedPages
) -> None:
    page = reader_page(shared_pages, server, "overview", "phone")
    expect(page.locator(".st-key-overview_timeline_wide")).to_be_hidden()
    expect(page.get_by_text("Deadlines nearest today")).to_be_visible()
    page = reader_page(shared_pages, server, "deadlines", "phone")
    grid = page.locator('.st-key-deadlines_overdue_narrow [data-testid="stDataFrame"]')  # the phone's copy
    assert grid_headers(grid)[:2] == ["statement", "probability"]
    page = reader_page(shared_pages, server, "overview", "desktop")
    expect(page.locator(".st-key-overview_timeline_wide")).to_be_visible()
    expect(page.get_by_text("Deadlines nearest today")).to_be_hidden()


def test_the_dark_theme_follows_the_system(server: Server, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")  # type: ignore[arg-type]
    page = context.new_page()
    try:
        load(page, f"{server.url}/?claim={server.ids['robotaxi']}", charts=2)
        background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
        assert background == "rgb(16, 20, 24)", background
        text = page.evaluate("getComputedStyle(document.querySelector('h3')).color")
        assert text == "rgb(233, 236, 239)", text
        shoot(page, "claim-dark")
        go_to(page, "Track record", "/track-record", charts=2)  # within the session: the theme is the same
        expect(page.get_by_role("heading", name="Track record")).to_be_visible()
        shoot(page, "track-record-dark")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_claims_table_draws_each_status_as_a_pill_of_its_colour(
    server: Server, shared_pages: SharedPages, scheme: str
) -> None:
    page = shared_pages.get("/", "desktop", charts=2, scheme=scheme)
    grid = page.locator(".st-key-overview_table_wide [data-testid='stDataFrame']")
    column = grid_headers(grid).index("status") + 1
    # The grid paints on a canvas; its accessible table gives each row's status as text (what a screen reader says).
    cells = grid.locator(f'tbody [role="gridcell"][aria-colindex="{column}"]')
    statuses = set(cells.all_inner_texts()[:10])  # rows wholly on screen
    assert len(statuses) >= 2, statuses
    pixels = Image.open(io.BytesIO(grid.screenshot())).convert("RGB")
    painted = {f"#{r:02x}{g:02x}{b:02x}" for count, (r, g, b) in pixels.getcolors(1 << 20) if count >= 150}
    for status in statuses:
        assert ui.pill_colour(status) in painted, (status, ui.pill_colour(status), scheme)
        if charts.status_colour(status) != ui.pill_colour(status):  # a tinted pill: not the palette's colour
            assert charts.status_colour(status) not in painted, status
    background = page.evaluate("getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    assert background == ("rgb(16, 20, 24)" if scheme == "dark" else "rgb(255, 255, 255)"), background


def in_view(page: Page, locator: object) -> bool:
    box = locator.bounding_box()  # type: ignore[attr-defined]
    viewport = page.viewport_size or DESKTOP
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_workspace_keeps_its_tab_and_shows_the_confirmation_in_view(
    server: Server, browser: Browser, size: str
) -> None:
    # The eHang claim is open until 2030: it takes the new confidence (a past-deadline claim refuses it).
    with watched_page(browser, SIZES[size]) as page:
        sign_in_on_the_author_page(page, server.url, PASSWORD)
        shoot(page, f"author-{size}")
        page.get_by_label("Find by id or words").fill(str(server.ids["ehang-shenzhen-flying-taxis-2030"]))
        page.get_by_label("Find by id or words").press("Enter")  # one match: it is chosen
        settle(page)
        open_tab(page, "Evidence")
        tab = page.get_by_role("tab", name="Record an observation")
        tab.scroll_into_view_if_needed()
        tab.click()
        settle(page)
        page.get_by_label("Value of the metric (threshold claims)").fill("210")
        page.get_by_role("button", name="Record the observation").click()
        settle(page)
        expect(page.get_by_role("tab", name="Record an observation")).to_have_attribute("aria-selected", "true")
        done = page.get_by_text(f"Recorded an observation on claim #{server.ids['ehang-shenzhen-flying-taxis-2030']}.")
        expect(done).to_be_visible()
        assert in_view(page, done), "the confirmation is out of view"
        expect(page.get_by_label("Value of the metric (threshold claims)")).to_have_value("")  # the form is empty
        shoot(page, f"author-saved-{size}")
        page.get_by_role("tab", name="Update confidence").click()  # the next action keeps its tab too
        settle(page)
        page.get_by_label("New probability (%)").fill("35")
        page.get_by_role("button", name="Record the new confidence").click()
        settle(page)
        expect(page.get_by_role("tab", name="Update confidence")).to_have_attribute("aria-selected", "true")
        expect(
            page.get_by_text(f"Recorded 35% on claim #{server.ids['ehang-shenzhen-flying-taxis-2030']}.")
        ).to_be_visible()


def open_tab(page: Page, name: str) -> None:
    tab = page.get_by_role("tab", name=name, exact=True)
    tab.scroll_into_view_if_needed()
    tab.click()
    settle(page)
    expect(tab).to_have_attribute("aria-selected", "true")


WORKSPACE_TABS = ["Verdicts", "Claims", "New issue", "Evidence", "Watched sources", "Import", "Scorecard", "Reminders",
                  "Readers"]  # fmt: skip


@pytest.mark.parametrize("size", list(SIZES))
def test_every_workspace_tab_is_in_view_and_one_match_is_chosen(server: Server, browser: Browser, size: str) -> None:
    """Issue 28, point 13: the nine tabs fit 1440 px with no scroll arrow (and each is reachable on a phone);
    the watch table's last column is in view at 1440 px; "19" and Enter chooses claim #19."""
    with watched_page(browser, SIZES[size]) as page:
        sign_in_on_the_author_page(page, server.url, PASSWORD)
        strip = page.locator('[data-testid="stTabs"]').first.get_by_role("tablist")
        labels = [t.inner_text().strip() for t in strip.get_by_role("tab").all()]
        assert labels == WORKSPACE_TABS
        if size == "desktop":
            overflow = strip.evaluate("e => e.scrollWidth - e.clientWidth")
            assert overflow <= 1, f"the tab strip overflows by {overflow} px"
            edge = strip.bounding_box()
            for label in labels:
                box = page.get_by_role("tab", name=label, exact=True).bounding_box()
                assert box is not None and edge is not None and box["x"] + box["width"] <= edge["x"] + edge["width"]
        for label in reversed(labels):  # every one reachable, the last first
            open_tab(page, label)
        claim_id = server.ids["robotaxi"]
        search = page.get_by_label("Find by id or words")
        search.scroll_into_view_if_needed()
        search.fill(str(claim_id))
        search.press("Enter")
        settle(page)
        expect(page.locator(".st-key-author_claim").get_by_role("combobox")).to_have_value(re.compile(f"^#{claim_id} "))
        expect(page.get_by_role("link", name=f"Open claim #{claim_id}")).to_be_visible()
        open_tab(page, "Watched sources")
        table = page.get_by_role("tabpanel", name="Watched sources").get_by_test_id("stDataFrame").first
        table.scroll_into_view_if_needed()
        expect(table).to_be_visible()
        shoot(page, f"author-watches-{size}")
        if size == "desktop":  # every column in view: the grid does not scroll sideways
            hidden = table.locator(".dvn-scroller").evaluate("e => e.scrollWidth - e.clientWidth")
            assert hidden <= 1, f"the watch table's last columns are {hidden} px out of view"


def test_signing_in_survives_a_reload_and_signing_out_is_one_click(server: Server, browser: Browser) -> None:
    with watched_page(browser, DESKTOP) as page:
        sign_in_on_the_author_page(page, server.url, PASSWORD)
        page.reload()
        settle(page)
        expect(page.get_by_role("tab", name="Verdicts")).to_be_visible()  # still signed in
        page.get_by_role("button", name="Sign out").click()
        settle(page)
        page.wait_for_function("() => !document.cookie.includes('tracker_author=')")
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
        page.reload()
        settle(page)
        expect(page.get_by_label("Password", exact=True)).to_be_visible()  # signed out stays signed out
        expect(page.get_by_role("tab", name="Verdicts")).to_have_count(0)


# --- issue 28: what the charts and tables look like at both sizes --------------------------------------


def boxes(page: Page, selector: str) -> list[dict[str, float]]:
    """The on-screen boxes of the elements matching `selector` that are drawn (non-zero size)."""
    return list(
        page.evaluate(
            """s => [...document.querySelectorAll(s)].map(e => e.getBoundingClientRect())
                .filter(r => r.width > 0 && r.height > 0)
                .map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}))""",
            selector,
        )
    )


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def annotation(page: Page, chart: str, starts: str) -> dict[str, float]:
    """The box of the text of `chart`'s annotation that starts with `starts`."""
    found = page.evaluate(
        """([chart, starts]) => [...document.querySelectorAll(chart + ' .annotation-text')]
            .filter(e => e.textContent.startsWith(starts))
            .map(e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top,
                        bottom: r.bottom, width: r.width}; })""",
        [chart, starts],
    )
    assert found, f"no annotation starting {starts!r} in {chart}"
    return dict(found[0])


def test_charts_keep_their_labels_inside_and_apart_at_both_sizes(server: Server, shared_pages: SharedPages) -> None:
    page = reader_page(shared_pages, server, "overview", "desktop")
    timeline = ".st-key-overview_timeline .js-plotly-plot"
    today = annotation(page, timeline, "today")
    bars = boxes(page, f"{timeline} .bars path")
    assert bars and not any(overlaps(today, bar) for bar in bars)  # today's label is on its own row
    assert page.locator(".js-plotly-plot .gtitle").count() == 0  # titles are headings above the charts
    heading = page.get_by_text("Progress of threshold claims toward their targets", exact=True)
    assert heading.bounding_box()["height"] < 40  # one line on a desktop, not two beside empty space
    page = reader_page(shared_pages, server, "deadlines", "desktop")
    # The grid is drawn on a canvas (its column widths are AppTest's to check): the wide copy is the one shown.
    expect(page.locator(".st-key-deadlines_overdue_wide [data-testid='stDataFrame']")).to_be_visible()
    expect(page.locator(".st-key-deadlines_overdue_narrow")).to_be_hidden()
    page = reader_page(shared_pages, server, "claim", "phone")
    metric = ".st-key-claim_metric .js-plotly-plot"
    plot = boxes(page, f"{metric} .main-svg")[0]
    deadline = annotation(page, metric, "deadline")
    assert plot["left"] <= deadline["left"] and deadline["right"] <= plot["right"]  # not cut at the edge
    expect(page.locator(".st-key-claim_evidence_wide")).to_be_hidden()
    blocks = page.locator(".st-key-claim_evidence_narrow")
    expect(blocks).to_be_visible()
    expect(blocks.get_by_role("link", name="source ↗").first).to_be_visible()
    page = reader_page(shared_pages, server, "overview", "phone")
    progress = ".st-key-overview_progress .js-plotly-plot"
    legend = boxes(page, f"{progress} .legend")[0]
    assert legend["right"] <= PHONE["width"]  # the legend's rows fit the phone
    expect(page.get_by_text("not on the timeline")).to_be_hidden()
    expect(page.get_by_text("not in this list; the table below has every claim.")).to_be_visible()
    table = page.locator(".st-key-overview_table_narrow [data-testid='stDataFrame']")
    assert grid_headers(table)[:2] == ["statement", "probability"]


@pytest.mark.parametrize("size", list(SIZES))
def test_the_link_to_share_is_shown_and_its_button_copies_it(
    server: Server, shared_pages: SharedPages, size: str
) -> None:
    link = f"{server.url}/?claim={server.ids['robotaxi']}"  # the port this server listens on
    page = shared_pages.take("/?claim={robotaxi}".format(**server.ids), size, charts=2)  # it clicks: its own
    share = page.get_by_test_id("claim-share")
    expect(share.get_by_role("textbox", name="Link to this claim")).to_have_value(link)
    button = share.get_by_role("button", name="Copy link")
    expect(button).to_be_visible()  # on show without hovering: a phone has no hover
    box = button.bounding_box()
    assert box is not None and box["x"] + box["width"] <= SIZES[size]["width"]  # within the screen
    page.evaluate("navigator.clipboard.writeText('something else')")
    button.click()
    expect(share.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link
    assert not [url for url in fetched(page) if "SyntaxHighlighter" in url]  # no 1.56 MB highlighter for one line
    if size == "desktop":  # the navigation leads back to the overview, without the claim in the address
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click()
        settle(page)
        expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
        assert page.url == f"{server.url}/"
