"""Readers forecast too (issue 25) in a real browser: two independent browser contexts on the real
server. The second one is checked on the wire (every websocket frame Streamlit sent it) and in the DOM:
no aggregate of the other readers reaches it before its own forecast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from browser_server import CHROMIUM, CHROMIUM_ARGS, RENDER_TIMEOUT_MS, Server, dashboard, settle, wait_for_text
from playwright.sync_api import Browser, BrowserContext, Locator, Page, sync_playwright

from predictions import ledger
from predictions import reader_forecasts as readers
from predictions import reader_identity as identity
from predictions.models import ClaimIn

pytestmark = pytest.mark.browser
TODAY = date.today()
# What an aggregate looks like on the wire: the metrics' labels, the histogram's title and its trace.
AGGREGATE_MARKS = (b"Readers' median", b"readers think", b'"name":"readers"')


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, int]]:
    folder = tmp_path_factory.mktemp("readers-browser")
    path = folder / "ledger.duckdb"
    ledger.ensure_database(path)
    claim = ledger.add_claim(
        path,
        ClaimIn(
            statement="Robotaxis operate in 100 Chinese cities",
            made_on=TODAY - timedelta(days=3),
            deadline=TODAY + timedelta(days=200),
        ),
        probability=0.65,
        author_name="Pascal Coppens",
    )
    secret = identity.server_secret(path)
    for p in (0.2, 0.55):  # two readers already: the third makes the aggregate appear
        reader_id = identity.token_reader(identity.new_token(secret), secret)
        assert reader_id is not None
        readers.submit(
            path, claim, identity.pseudonym(reader_id, secret), p, address=None, limiter=identity.RateLimiter(99)
        )
    with dashboard(path, folder) as server:
        yield server, path, claim


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class Recorded:
    """A browser context of its own (its own cookies) whose page keeps every websocket frame it received."""

    def __init__(self, browser: Browser) -> None:
        self.context: BrowserContext = browser.new_context(viewport={"width": 1440, "height": 1200})
        self.context.set_default_timeout(RENDER_TIMEOUT_MS)
        self.page: Page = self.context.new_page()
        self.frames: list[bytes] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._keep))

    def _keep(self, payload: str | bytes) -> None:
        self.frames.append(payload if isinstance(payload, bytes) else payload.encode())

    def wire_has(self, mark: bytes) -> bool:
        return any(mark in frame for frame in self.frames)

    def wait_for_wire(self, marks: tuple[bytes, ...]) -> bool:
        """Whether every mark arrives within the render deadline (the page shows one element before the
        frames of the next have all been received)."""
        deadline = time.monotonic() + RENDER_TIMEOUT_MS / 1000
        while not all(self.wire_has(mark) for mark in marks) and time.monotonic() < deadline:
            self.page.wait_for_timeout(100)
        return all(self.wire_has(mark) for mark in marks)

    def reader_cookie(self) -> str | None:
        return next((c["value"] for c in self.context.cookies() if c["name"] == "tracker_reader"), None)


def _value(thumb: Locator) -> str | None:
    """The slider's value: a native range input's value, or an ARIA slider's aria-valuenow."""
    return thumb.get_attribute("aria-valuenow") or thumb.evaluate("e => e.value ?? null")


def forecast(page: Page, percent: int) -> None:
    thumb = page.get_by_role("slider")
    thumb.focus()
    if percent <= 50:
        thumb.press("Home")  # 1 %, then up
        steps, key = percent - 1, "ArrowRight"
    else:
        thumb.press("End")  # 99 %, then down: the fewer key presses
        steps, key = 99 - percent, "ArrowLeft"
    for _ in range(steps):
        thumb.press(key)
    deadline = time.monotonic() + 60
    while _value(thumb) != str(percent) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert _value(thumb) == str(percent)
    page.get_by_role("button", name="Submit my forecast").click()
    wait_for_text(page, "Your forecast of")


def test_a_second_browser_sees_no_aggregate_before_its_own_forecast(
    served: tuple[Server, Path, int], browser: Browser
) -> None:
    server, path, claim = served
    first, second = Recorded(browser), Recorded(browser)
    try:
        first.page.goto(f"{server.url}/claim?claim={claim}")
        settle(first.page)
        wait_for_text(first.page, "What do you think?")
        assert not any(first.wire_has(mark) for mark in AGGREGATE_MARKS)
        assert first.reader_cookie() is None  # reading alone sets no cookie
        forecast(first.page, 30)
        wait_for_text(first.page, "Readers' median")
        assert first.wait_for_wire(AGGREGATE_MARKS)  # the marks are what the crowd looks like
        assert first.reader_cookie() is not None

        second.page.goto(f"{server.url}/claim?claim={claim}")
        settle(second.page)
        wait_for_text(second.page, "stay hidden until you have made yours")
        assert second.frames, "the websocket frames were not recorded"
        assert not any(second.wire_has(mark) for mark in AGGREGATE_MARKS), "an aggregate went over the wire"
        body = second.page.locator("body").inner_text()
        assert "Readers' median" not in body and "readers think" not in body
        assert second.page.locator('[data-testid="stMetric"]', has_text="Readers").count() == 0
        assert second.page.locator(".js-plotly-plot", has_text="readers").count() == 0

        forecast(second.page, 80)
        wait_for_text(second.page, "Readers' median")
        metric = second.page.locator('[data-testid="stMetric"]', has_text="Readers' median")
        expected = f"{float(np.median([0.2, 0.55, 0.3, 0.8])):.0%}"
        assert metric.inner_text().splitlines()[-1].strip() == expected
        assert second.reader_cookie() not in (None, first.reader_cookie())

        first.page.reload()  # the cookie keeps the first browser's reader: its forecast and the crowd, at once
        settle(first.page)
        wait_for_text(first.page, "Your forecast: 30%")
        wait_for_text(first.page, "Readers' median")
        assert readers.claims_readers(path, [claim])[0].aggregate.n == 4
    finally:
        first.context.close()
        second.context.close()
