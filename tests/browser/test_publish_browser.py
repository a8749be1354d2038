"""The published site in a real browser (issue 15): served by a real static server, walked in headless
Chromium. Every page loads with no console error and no request outside the server, its charts draw,
its links work, its og tags point at existing cards, it passes axe-core's checks of headings, alt text
and contrast, it reads without JavaScript and from file://, and an embed loads from another origin.
Screenshots of the Overview and a claim page at desktop and phone sizes go to tests/artifacts/.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_server import ARTIFACTS, DESKTOP, PHONE, RENDER_TIMEOUT_MS, browser
from dashboard_fixtures import HOSTILE_STATEMENT
from playwright.sync_api import Browser, BrowserContext, Page
from site_fixtures import Site, published, static_server

pytestmark = pytest.mark.browser

__all__ = ["browser", "published"]  # fixtures: the module's Chromium, the site published once
# axe-core rules for what the issue names: headings, alt text and contrast (and the names that go with them).
AXE_RULES = [
    "page-has-heading-one", "heading-order", "empty-heading", "image-alt", "svg-img-alt", "role-img-alt",
    "color-contrast", "link-name", "button-name", "label", "document-title", "html-has-lang", "frame-title",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(published: Site) -> Iterator[str]:
    with static_server(published.folder, published.port) as url:
        assert url == published.url
        yield url


OPENED: list[BrowserContext] = []  # the contexts the running test opened


@pytest.fixture(autouse=True)
def _close_contexts() -> Iterator[None]:
    """Each test's browser contexts are closed after it, so the module's Chromium holds no page of an
    earlier test."""
    yield
    while OPENED:
        OPENED.pop().close()


class Watched:
    """A page that records console errors, failed requests and every request's origin."""

    def __init__(self, page: Page, allowed: tuple[str, ...]) -> None:
        self.page = page
        self.errors: list[str] = []
        self.outside: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        # A request the next navigation cancels (on a loaded machine, the favicon of the page before) is
        # net::ERR_ABORTED, not a failure; a missing file is a 404, which the console reports as an error.
        page.on(
            "requestfailed",
            lambda r: None if r.failure == "net::ERR_ABORTED" else self.errors.append(f"failed {r.url}"),
        )
        page.on("request", lambda r: None if r.url.startswith(allowed) else self.outside.append(r.url))

    def open(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        # site.js marks every figure data-drawn ("true", or "table": on a phone some show their table instead)
        if self.page.locator("[data-figure]").count():
            self.page.wait_for_function(
                "() => !document.querySelector('[data-figure]:not([data-drawn])')", timeout=RENDER_TIMEOUT_MS
            )
        expected = self.page.locator("[data-figure]").count() - self.page.locator('[data-drawn="table"]').count()
        if expected:
            self.page.wait_for_function(
                "n => document.querySelectorAll('[data-drawn] .main-svg').length >= n",
                arg=expected,
                timeout=RENDER_TIMEOUT_MS,
            )
        assert self.errors == [], f"{url}: {self.errors}"
        assert self.outside == [], f"{url} asked outside the server: {self.outside}"


def watched(
    browser: Browser, allowed: tuple[str, ...], viewport: dict[str, int] = DESKTOP, **options: object
) -> Watched:
    context = browser.new_context(viewport=viewport, **options)  # type: ignore[arg-type]
    OPENED.append(context)
    return Watched(context.new_page(), allowed)


def pages_of(site: Site) -> list[str]:
    return sorted(str(p.relative_to(site.folder)) for p in site.folder.rglob("*.html"))


def test_every_page_loads_draws_its_charts_and_links_only_to_what_exists(
    published: Site, server: str, browser: Browser
) -> None:
    view = watched(browser, (server,))
    pages = pages_of(published)
    assert len(pages) == 3 + 2 * len(list(published.folder.glob("claim-*.html")))
    checked_links: set[str] = set()
    for name in pages:
        view.open(server + name)
        hrefs = view.page.eval_on_selector_all(
            "a[href], link[href], script[src], img[src], meta[property='og:image']",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('content'))",
        )
        for href in hrefs:
            target = urljoin(server + name, href).split("#")[0]
            if not target.startswith(server) or target in checked_links:
                assert urlparse(target).scheme in ("http", "https"), href  # sources only: links out, never loads
                continue
            with urllib.request.urlopen(target, timeout=10) as response:
                assert response.status == 200, f"{name} links {href}"
            checked_links.add(target)
        if name.startswith("claim-"):
            meta = view.page.eval_on_selector_all(
                "meta[property^='og:'], meta[name^='twitter:']",
                "els => Object.fromEntries(els.map(e => [e.getAttribute('property') || e.getAttribute('name'), "
                "e.getAttribute('content')]))",
            )
            number = name.removeprefix("claim-").removesuffix(".html")
            assert meta["og:image"] == f"{server}cards/claim-{number}.png"
            assert meta["twitter:card"] == "summary_large_image" and meta["twitter:image"] == meta["og:image"]
            assert meta["og:url"] == server + name and meta["og:title"] and meta["og:description"]
            with urllib.request.urlopen(meta["og:image"], timeout=10) as response:
                assert response.headers["Content-Type"] == "image/png"
                assert response.read()[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    assert any(link.endswith("/feed.xml") for link in checked_links)


def test_the_claim_table_filters_and_sorts_in_the_page(published: Site, server: str, browser: Browser) -> None:
    view = watched(browser, (server,))
    view.open(server + "index.html")
    rows = view.page.locator("#claims tbody tr")
    total = rows.count()
    assert total == len(list(published.folder.glob("claim-*.html")))
    view.page.locator("input[type=search]").fill("robotaxi")
    visible = view.page.locator("#claims tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert all("robotaxi" in text.lower() for text in visible.all_inner_texts())
    view.page.locator("input[type=search]").fill("")
    status = view.page.locator("select[name=status]")
    status.select_option("awaiting verdict")
    shown = view.page.eval_on_selector_all(
        "#claims tbody tr:not([hidden])", "rows => rows.map(r => r.cells[1].innerText)"
    )
    assert shown and set(shown) == {"awaiting verdict"}
    status.select_option("overdue")  # the coarse state finds the same claims
    assert view.page.locator("#claims tbody tr:not([hidden])").count() == len(shown)
    status.select_option("")
    view.page.locator("#claims th button", has_text="deadline").click()
    deadlines = view.page.eval_on_selector_all("#claims tbody tr", "rows => rows.map(r => r.cells[2].textContent)")
    dated = [d for d in deadlines if d != "none"]
    assert dated == sorted(dated) and len(dated) > 10
    assert view.errors == []


@pytest.mark.parametrize("name", ["index.html", "deadlines.html", "track-record.html", "claim-{robotaxi}.html",
                                  "claim-{hostile}.html", "embed/claim-{robotaxi}.html"])  # fmt: skip
def test_pages_pass_the_accessibility_check(published: Site, server: str, browser: Browser, name: str) -> None:
    path = name.format(robotaxi=published.ids["robotaxi-cities-2025"], hostile=published.ids["hostile"])
    view = watched(browser, (server,))
    view.open(server + path)
    results = Axe().run(view.page, options={"runOnly": {"type": "rule", "values": AXE_RULES}})
    assert results.violations_count == 0, results.generate_report()


def test_hostile_text_is_shown_as_typed_and_never_runs(published: Site, server: str, browser: Browser) -> None:
    view = watched(browser, (server,))
    dialogs: list[str] = []
    view.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    view.open(f"{server}claim-{published.ids['hostile']}.html")
    assert view.page.locator("h1").inner_text() == HOSTILE_STATEMENT
    view.open(server + "index.html")
    assert view.page.get_by_text(HOSTILE_STATEMENT, exact=True).count() >= 1
    assert dialogs == []


def test_pages_read_without_javascript(published: Site, server: str, browser: Browser) -> None:
    view = watched(browser, (server,), java_script_enabled=False)
    view.page.goto(f"{server}claim-{published.ids['robotaxi-cities-2025']}.html")
    assert view.page.get_by_text("The interactive chart needs JavaScript").first.is_visible()
    data = view.page.locator("details.chart-data").first
    assert data.is_visible() and data.get_attribute("open") is not None
    assert "2025-09-30" in data.inner_text()  # the robotaxi claim's last observation, in the table
    view.page.goto(server + "index.html")
    assert view.page.locator("#claims tbody tr").count() > 30


def test_the_site_works_from_file_urls(published: Site, browser: Browser) -> None:
    root = published.folder.as_uri() + "/"
    view = watched(browser, (root, "file://"))
    view.open(root + "index.html")
    view.open(root + f"claim-{published.ids['robotaxi-cities-2025']}.html")


def test_an_embed_loads_from_another_origin(published: Site, server: str, browser: Browser, tmp_path: Path) -> None:
    claim_page = (published.folder / f"claim-{published.ids['robotaxi-cities-2025']}.html").read_text()
    snippet = re.search(r"<pre class=\"snippet\"><code>(.*?)</code></pre>", claim_page, re.S)
    assert snippet is not None
    import html

    (tmp_path / "post.html").write_text(
        '<!doctype html><html lang=en><head><meta charset=utf-8><link rel=icon href="data:,">'
        "<title>A blog post</title></head>"
        f"<body><h1>A blog post</h1>{html.unescape(snippet.group(1))}</body></html>"
    )
    with static_server(tmp_path) as blog:
        assert urlparse(blog).port != urlparse(server).port
        view = watched(browser, (server, blog))
        view.open(blog + "post.html")
        frame = view.page.frame_locator("iframe")
        frame.locator("[data-drawn] .main-svg").first.wait_for(timeout=RENDER_TIMEOUT_MS)
        assert "Robotaxis" in frame.locator("h1").inner_text()
        assert view.errors == [] and view.outside == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("viewport", "size"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_screenshots_of_the_published_overview_and_a_claim(
    published: Site, server: str, browser: Browser, viewport: dict[str, int], size: str, scheme: str
) -> None:
    view = watched(browser, (server,), viewport, color_scheme=scheme)
    robotaxi = published.ids["robotaxi-cities-2025"]
    for name, path in (("overview", "index.html"), ("claim", f"claim-{robotaxi}.html"),
                       ("embed", f"embed/claim-{robotaxi}.html")):  # fmt: skip
        view.open(server + path)  # every chart drawn (or shown as its table)
        width = view.page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} scrolls sideways at {size}: {width}px"
        if name == "overview":
            timeline = view.page.locator("figure.chart").first
            if size == "phone":  # a row per claim is unreadable at 390 px: the table instead, open
                assert timeline.locator('[data-drawn="table"]').count() == 1
                assert timeline.locator("details.chart-data[open] tbody tr").count() > 20
            else:
                assert timeline.locator("[data-drawn] .main-svg").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        suffix = "" if scheme == "light" else "-dark"
        view.page.screenshot(path=str(ARTIFACTS / f"published-{name}-{size}{suffix}.png"), full_page=False)
        if name == "overview":
            view.page.locator("#claims").scroll_into_view_if_needed()
            view.page.screenshot(path=str(ARTIFACTS / f"published-claims-{size}{suffix}.png"), full_page=False)


# --- issue 28: the claims table on a phone, and dark mode ----------------------------------------------


def _boxes(row: Any, names: tuple[str, ...]) -> dict[str, dict[str, float]]:
    boxes = {}
    for name in names:
        box = row.locator(f"td.c-{name}").bounding_box()
        assert box is not None, name
        boxes[name] = box
    return boxes


def test_the_claims_tables_read_as_a_list_on_a_phone(published: Site, server: str, browser: Browser) -> None:
    view = watched(browser, (server,), PHONE)
    names = ("statement", "probability", "status", "deadline")
    for path, table in (("index.html", "#claims"), ("deadlines.html", "#overdue")):
        view.open(server + path)
        assert view.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        rows = view.page.locator(f"{table} tbody tr")
        assert rows.count() > 3
        for n in (0, rows.count() - 1):
            box = _boxes(rows.nth(n), names)
            # the statement first, on the whole width of the screen (never a column of a few characters)
            assert box["statement"]["width"] >= 0.75 * PHONE["width"], box["statement"]
            below = box["statement"]["y"] + box["statement"]["height"]
            assert all(box[k]["y"] >= below - 1 for k in names[1:]), box
            # then probability, status and deadline, in that order, on one line
            assert box["probability"]["x"] < box["status"]["x"] < box["deadline"]["x"], box
            middles = [box[k]["y"] + box[k]["height"] / 2 for k in names[1:]]
            assert max(middles) - min(middles) < 12, box
    # on a desktop the table stays a table, its statement column the widest
    desk = watched(browser, (server,), DESKTOP)
    desk.open(server + "index.html")
    row = desk.page.locator("#claims tbody tr").first
    widths = {k: v["width"] for k, v in _boxes(row, (*names, "claim", "claimant", "topics")).items()}
    assert widths["statement"] == max(widths.values()) and widths["statement"] >= 300, widths


def _rgb(css: str) -> tuple[int, int, int]:
    """A CSS colour as computed or as a Plotly layout holds it: rgb(…), #rrggbb, #rgb or white."""
    css = {"white": "#ffffff", "black": "#000000"}.get(css.strip(), css.strip())
    if re.fullmatch(r"#[0-9a-fA-F]{3}", css):
        css = "#" + "".join(2 * c for c in css[1:])
    found = re.findall(r"\d+", css)
    if css.startswith("#"):
        return (int(css[1:3], 16), int(css[3:5], 16), int(css[5:7], 16))
    return (int(found[0]), int(found[1]), int(found[2]))


def _luminance(colour: tuple[int, int, int]) -> float:
    linear = [(c / 255) / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: float, other: float) -> float:
    return (max(one, other) + 0.05) / (min(one, other) + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_site_and_its_embeds_follow_the_colour_scheme(
    published: Site, server: str, browser: Browser, scheme: str
) -> None:
    robotaxi = published.ids["robotaxi-cities-2025"]
    view = watched(browser, (server,), DESKTOP, color_scheme=scheme)
    for path in ("index.html", f"claim-{robotaxi}.html", f"embed/claim-{robotaxi}.html", "track-record.html"):
        view.open(server + path)
        found = view.page.evaluate(
            """() => ({body: getComputedStyle(document.body).backgroundColor,
                       ink: getComputedStyle(document.body).color,
                       papers: Array.from(document.querySelectorAll('[data-drawn="true"]'))
                                    .map(b => [b._fullLayout.paper_bgcolor, b._fullLayout.plot_bgcolor,
                                               b._fullLayout.font.color])})"""
        )
        background, ink = _luminance(_rgb(found["body"])), _luminance(_rgb(found["ink"]))
        assert (background < 0.05) if scheme == "dark" else (background > 0.9), (path, found["body"])
        assert _contrast(background, ink) >= 7, (path, found)  # readable text
        assert found["papers"], path
        for paper, plot, text in found["papers"]:
            assert _rgb(paper) == _rgb(plot) and abs(_luminance(_rgb(paper)) - background) < 0.02, (path, paper)
            assert (max(background, _luminance(_rgb(text))) + 0.05) / (
                min(background, _luminance(_rgb(text))) + 0.05
            ) >= 4.5
        if scheme == "dark":  # the accessibility check's contrast rules hold in dark mode too
            results = Axe().run(view.page, options={"runOnly": {"type": "rule", "values": AXE_RULES}})
            assert results.violations_count == 0, results.generate_report()


def test_a_chart_follows_the_mode_when_it_changes(published: Site, server: str, browser: Browser) -> None:
    context = browser.new_context(viewport=DESKTOP, color_scheme="light")  # type: ignore[arg-type]
    OPENED.append(context)
    view = Watched(context.new_page(), (server,))
    view.open(f"{server}claim-{published.ids['robotaxi-cities-2025']}.html")
    paper = "() => document.querySelector('[data-drawn=\"true\"]')._fullLayout.paper_bgcolor"
    before = view.page.evaluate(paper)
    view.page.emulate_media(color_scheme="dark")  # the reader switches the system to dark mode
    view.page.wait_for_function(f"before => ({paper})() !== before", arg=before)
    assert _luminance(_rgb(before)) > 0.9 and _luminance(_rgb(view.page.evaluate(paper))) < 0.05
    assert view.errors == []
