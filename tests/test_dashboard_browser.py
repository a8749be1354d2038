"""The real dashboard in a real browser: the Streamlit server on a free localhost port, headless Chromium
(Debian's /usr/bin/chromium driven by Playwright; no browser download), checking what a person sees.

Screenshots go to tests/artifacts/ (git-ignored). This test never skips: without /usr/bin/chromium it
fails and says how to install it (`make browser`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_fixtures import build_rich_database
from playwright.sync_api import Browser, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LAPTOP = {"width": 1440, "height": 900}
STARTUP_SECONDS = 90
RENDER_TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, url: str, ids: dict[str, int], log: Path) -> None:
        self.url, self.ids, self.log = url, ids, log


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser")
    database = folder / "ledger.duckdb"
    ids = build_rich_database(database)
    ids["robotaxi"] = next(v for k, v in ids.items() if k.endswith("robotaxi-cities-2025"))
    env = {**os.environ, "PREDICTIONS_DB": str(database), "PYTHONUNBUFFERED": "1"}
    env.pop("PREDICTIONS_AUTHOR_PASSWORD", None)
    port = free_port()
    log = folder / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within {STARTUP_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.3)
        yield Server(url, ids, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium with `make browser`"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], f"a page opened a dialog (script ran?): {dialogs}"


def load(page: Page, url: str, charts: int) -> None:
    """Open `url` and wait until the script has finished and `charts` Plotly charts have been drawn."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RENDER_TIMEOUT_MS)
    if charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=charts,
            timeout=RENDER_TIMEOUT_MS,
        )
    page.wait_for_timeout(500)  # let the last chart finish its layout before looking


def nothing_broken(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "Error:" not in body


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size({"width": LAPTOP["width"], "height": 2600})
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"))
    page.set_viewport_size(LAPTOP)


def test_overview(server: Server, page: Page) -> None:
    load(page, server.url + "/", charts=2)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
    expect(page.get_by_text("Resolution timeline (").first).to_be_visible()
    expect(page.get_by_text("Author's Brier score")).to_be_visible()
    screenshot(page, "overview")
    page.get_by_text("Progress of threshold claims toward their targets").scroll_into_view_if_needed()
    expect(page.get_by_text("Progress of threshold claims toward their targets")).to_be_visible()


def test_claim_deep_link(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['robotaxi']}", charts=2)
    nothing_broken(page)
    expect(page.get_by_text("Robotaxis operate in at least 65 Chinese cities in 2025.")).to_be_visible()
    expect(page.get_by_text("2025 is set to see robotaxis operating in at least 65 Chinese cities")).to_be_visible()
    expect(page.get_by_text("observed against the target")).to_be_visible()
    screenshot(page, "claim-robotaxi")
    page.get_by_text("Confidence history").first.scroll_into_view_if_needed()
    expect(page.get_by_text("Confidence history").first).to_be_visible()
    page.get_by_role("link", name="Overview").click()  # back to all claims: the deep link's id is gone
    expect(page.get_by_role("heading", name="Trend Prediction Tracker")).to_be_visible()
    assert "claim=" not in page.url


def test_track_record(server: Server, page: Page) -> None:
    load(page, server.url + "/track-record", charts=2)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Track record")).to_be_visible()
    expect(page.get_by_text("Calibration (the author's own claims, unfolded)")).to_be_visible()
    expect(page.get_by_text("Brier score over time", exact=True)).to_be_visible()
    expect(page.get_by_text("Pick a forecaster, or search for one")).to_be_visible()  # nobody's record unasked
    expect(page.get_by_text("Calibration of")).to_have_count(0)
    screenshot(page, "track-record")


def test_deadlines(server: Server, page: Page) -> None:
    load(page, server.url + "/deadlines", charts=0)
    nothing_broken(page)
    expect(page.get_by_role("heading", name="Overdue and unresolved")).to_be_visible()
    screenshot(page, "deadlines")


def test_hostile_text_stays_text(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim={server.ids['hostile']}", charts=1)
    nothing_broken(page)
    expect(page.get_by_text('<script>alert("owned")</script> **bold** [click me](javascript:alert(1))')).to_be_visible()
    expect(page.get_by_text("<img src=x onerror=alert(1)>", exact=False)).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    screenshot(page, "claim-hostile")


def test_unknown_claim(server: Server, page: Page) -> None:
    load(page, f"{server.url}/?claim=99999", charts=0)
    nothing_broken(page)
    expect(page.get_by_text("No claim with id 99999.")).to_be_visible()
    expect(page.get_by_text("Back to all claims")).to_be_visible()
