"""Loaded dashboard pages a browser module's reading tests share, so that each page is loaded once per size
(a Streamlit page load costs ~4 s of Chromium CPU; reading a loaded page again costs next to nothing).

`SharedPages.get` hands out the page at `path` and `size`, loading it the first time (one context per size
and colour scheme, with the clipboard granted); a later `get` scrolls it back to the top and waits for it to
settle, so a test sees the page as it was loaded. With `resize=True` one page serves every size: it is
loaded once and set to the size asked for (for tests about the layout at a size, not about a first load at
it). Only tests that READ may use `get`: a test that acts on the page (a
click that changes what it shows, a navigation) uses `take`, which hands the page over and forgets it, so
that no later test sees what it did (the next `get` loads the page afresh). Every page records the URLs it
fetched (`fetched(page)`), and any dialog a script opens fails the next `get` and the module's end.

`go_to` and `open_in_session` move a loaded page to another page of the app by the sidebar's navigation
(a rerun of the loaded app, not a load), for tests about what a page shows, not about a first load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from browser_server import RENDER_TIMEOUT_MS, SIZES, Server, layout_settled, load, settle
from playwright.sync_api import Browser, BrowserContext, Page

_TOP = """() => { for (const e of document.querySelectorAll('[data-testid="stMain"], section, body'))
    { e.scrollTop = 0; e.scrollLeft = 0; } window.scrollTo(0, 0); }"""


class SharedPages:
    def __init__(self, browser: Browser, server: Server) -> None:
        self.browser = browser
        self.server = server
        self.contexts: dict[tuple[str, str], BrowserContext] = {}
        self.pages: dict[tuple[str, str, str], Page] = {}
        self.dialogs: list[str] = []

    def _context(self, size: str, scheme: str) -> BrowserContext:
        if (size, scheme) not in self.contexts:
            context = self.browser.new_context(viewport=SIZES[size], color_scheme=scheme)  # type: ignore[arg-type]
            context.set_default_timeout(RENDER_TIMEOUT_MS)
            context.set_default_navigation_timeout(RENDER_TIMEOUT_MS)
            context.grant_permissions(["clipboard-read", "clipboard-write"])
            self.contexts[(size, scheme)] = context
        return self.contexts[(size, scheme)]

    def get(self, path: str, size: str, charts: int = 0, *, scheme: str = "light", resize: bool = False) -> Page:
        """The page at `path` (relative to the server) at `size` in `scheme`, loaded with `charts` charts
        drawn; with `resize`, the one page of `path` in `scheme`, set to `size`."""
        assert self.dialogs == [], f"a script ran and opened a dialog: {self.dialogs}"
        key = (path, "any size" if resize else size, scheme)
        for other, idle in self.pages.items():  # a page waiting for its next test runs no script meanwhile
            if other != key:
                _lifecycle(idle, "frozen")
        if key in self.pages:
            page = self.pages[key]
            _lifecycle(page, "active")
            if page.viewport_size != SIZES[size]:
                page.set_viewport_size(SIZES[size])  # type: ignore[arg-type]
                page.wait_for_function(
                    "([w, h]) => innerWidth === w && innerHeight === h",
                    arg=[SIZES[size]["width"], SIZES[size]["height"]],
                    timeout=RENDER_TIMEOUT_MS,
                )
            page.evaluate(_TOP)
            layout_settled(page)
            return page
        page = self._context(size, scheme).new_page()
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page._fetched = requested  # type: ignore[attr-defined]
        load(page, self.server.url + path, charts=charts)
        self.pages[key] = page
        return page

    def take(self, path: str, size: str, charts: int = 0) -> Page:
        """The page as `get` gives it, no longer shared: the taking test may act on it."""
        page = self.get(path, size, charts)
        del self.pages[(path, size, "light")]
        return page

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()
        assert self.dialogs == [], f"a script ran and opened a dialog: {self.dialogs}"


def _lifecycle(page: Page, state: str) -> None:
    """Freeze a page (its timers and scripts stop: an idle Streamlit page still costs ~1% of a core, 4 of
    them 1 CPU-s in 20 s here) or wake it again, by the DevTools protocol."""
    if getattr(page, "_lifecycle", "active") == state:
        return
    session = getattr(page, "_devtools", None) or page.context.new_cdp_session(page)
    page._devtools = session  # type: ignore[attr-defined]
    session.send("Page.setWebLifecycleState", {"state": state})
    page._lifecycle = state  # type: ignore[attr-defined]


def fetched(page: Page) -> list[str]:
    """The URLs a page from SharedPages requested since it was opened."""
    return list(page._fetched)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def shared_pages(browser: Browser, server: Server) -> Iterator[SharedPages]:
    """The module's shared pages (the module provides `browser` and `server`)."""
    pages = SharedPages(browser, server)
    yield pages
    pages.close()


def go_to(page: Page, link: str, path: str, charts: int = 0) -> None:
    """Open another page of the app from the sidebar's navigation (a rerun of the loaded app, not a load)."""
    if page.viewport_size and page.viewport_size["width"] < 600:  # the phone layout hides the sidebar
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))
    settle(page, charts)


def open_in_session(page: Page, url: str, link: str, path: str, charts: int = 0) -> None:
    """Show the app's page at `path` (its sidebar link named `link`) in `page`: loaded from `url` the first
    time, reached by the sidebar's navigation once the app is loaded in it."""
    if page.url.startswith(url):
        go_to(page, link, path, charts)
    else:
        load(page, url + path, charts)
