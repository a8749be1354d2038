"""The real dashboard for browser tests: `streamlit run` on a free localhost port with its output in a log
file, and Debian's Chromium driven by Playwright (no browser download). Used by the modules of
tests/browser/ and by test_secrets.py, each with one server and one browser per module (a fresh context per
test is cheap); a module whose tests write to the ledger in ways another test would see starts its own.

Every wait here waits for a condition with a deadline generous for a loaded machine (RENDER_TIMEOUT_MS):
the script finished, no "Running" indicator, the charts drawn, the fonts loaded and the layout still
between animation frames. None is a fixed pause standing in for a condition.

The constants the browser modules share (ARTIFACTS, DESKTOP, PHONE, SIZES, PASSWORD) live here too, with
the `browser` fixture: a module imports it by name (`from browser_server import browser`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORT = {"width": 1440, "height": 1200}
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots (git-ignored)
PASSWORD = "a long enough password for the browser test"  # the author password the served dashboards take
STARTUP_SECONDS = 90
RENDER_TIMEOUT_MS = 120_000  # a first render on a cold server beside other test runs (load 40 seen) took > 60 s
# How long an `expect` waits for what a rerun shows (5 s, then 20 s, then 30 s failed tests on a loaded machine).
expect.set_options(timeout=60_000)


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]
    ids: dict[str, int] = field(default_factory=dict)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def dashboard(database: Path, folder: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Serve `database` until the block ends; stdout and stderr of the server go to folder/streamlit.log."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    full_env.update({"PREDICTIONS_DB": str(database), "PYTHONUNBUFFERED": "1", **(env or {})})
    port = free_port()
    log = folder / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=output, stderr=subprocess.STDOUT)
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
        yield Server(url, log, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def chromium() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: install Debian's chromium with `make browser`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module's tests (each test opens its own context)."""
    with chromium() as launched:
        yield launched


@contextmanager
def watched_page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    """A page in a fresh context; fails afterwards if any script on it opened a dialog (alert, confirm)."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    # Clicks, fills and navigations wait as long as a render may take on a loaded machine (Playwright: 30 s).
    context.set_default_timeout(RENDER_TIMEOUT_MS)
    context.set_default_navigation_timeout(RENDER_TIMEOUT_MS)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert dialogs == [], f"a script ran and opened a dialog: {dialogs}"


# Installed in every page `load` opens (an init script, so before Streamlit's own code): counts the frames
# the page sends to the server on its websocket and the ones it receives, so that a wait can tell a rerun
# the page asked for (a click, a filled box) from one the server has answered.
_WATCH_SOCKETS = """(() => {
    if (window.__sockets) return;
    const seen = window.__sockets = {sent: 0, received: 0, lastSent: 0, lastReceived: 0};
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (data) {
        seen.sent += 1;
        seen.lastSent = performance.now();
        if (!this.__counted) {
            this.__counted = true;
            this.addEventListener('message', () => { seen.received += 1; seen.lastReceived = performance.now(); });
        }
        return send.call(this, data);
    };
})()"""

# True once the page has settled: the script has run and is not running, no "Running" indicator, no
# element still a skeleton (its code not loaded yet), every frame the page sent has had an answer, the
# fonts are loaded, and all that with the layout (the size of the window, the number of elements, the
# boxes of the main area, the sidebar, every element, chart and grid) and the frames received unchanged
# for `frames` animation frames in a row. Its state is kept on window, reset by `layout_settled`.
_SETTLED = """frames => {
    const app = document.querySelector('[data-testid="stApp"]');
    const sockets = window.__sockets || {received: 0, lastSent: 0, lastReceived: 0};
    if (app && app.dataset.testScriptState !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    // an element whose code Streamlit still loads (a data grid's chunk, Plotly's) stands as a skeleton
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (sockets.lastSent > sockets.lastReceived) return false;
    if (document.fonts.status !== 'loaded') return false;
    const parts = [innerWidth, innerHeight, sockets.received, document.getElementsByTagName('*').length];
    for (const e of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"], '
            + '[data-testid="stElementContainer"], .js-plotly-plot .main-svg, [data-testid="stDataFrame"] canvas')) {
        const r = e.getBoundingClientRect();
        parts.push(Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height));
    }
    const seen = parts.join(',');
    const state = window.__settled || (window.__settled = {seen: '', same: 0});
    state.same = state.seen === seen ? state.same + 1 : 0;
    state.seen = seen;
    return state.same >= frames;
}"""


def layout_settled(page: Page, frames: int = 2) -> None:
    """Wait until the page has settled (`_SETTLED`): no rerun asked for and unanswered or running, the
    fonts loaded, and the layout still for `frames` animation frames (a chart drawn, a grid painted, a
    resize or a sidebar's slide finished)."""
    page.evaluate("() => { delete window.__settled; }")
    page.wait_for_function(_SETTLED, arg=frames, polling="raf", timeout=RENDER_TIMEOUT_MS)


def settle(page: Page, charts: int = 0) -> None:
    """Wait until the script has run and finished, `charts` Plotly charts have been drawn and the page
    has settled (`layout_settled`)."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=RENDER_TIMEOUT_MS)
    if charts:
        page.wait_for_function(
            "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n",
            arg=charts,
            timeout=RENDER_TIMEOUT_MS,
        )
    layout_settled(page)


def shoot(page: Page, name: str) -> None:
    """Screenshots in ARTIFACTS: the first screen as the person sees it (name.png), and the whole page
    (name-full.png; Streamlit scrolls inside its own container, so it is taken with a viewport as tall as
    the content, once the page has laid itself out at that height)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    size = page.viewport_size or DESKTOP
    tall = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section, body')]"
        ".map(e => e.scrollHeight))"
    )
    height = min(int(tall) + 50, 6000)
    page.set_viewport_size({"width": size["width"], "height": height})
    page.wait_for_function("h => window.innerHeight === h", arg=height, timeout=RENDER_TIMEOUT_MS)
    layout_settled(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}-full.png"))
    page.set_viewport_size(size)
    page.wait_for_function("h => window.innerHeight === h", arg=size["height"], timeout=RENDER_TIMEOUT_MS)
    layout_settled(page)


def wait_for_text(page: Page, text: str) -> None:
    """Wait until the page's text holds `text` (as typed: no selector escaping of hostile text)."""
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=RENDER_TIMEOUT_MS)


def grid_headers(grid: Locator) -> list[str]:
    """The column headers of a Streamlit data grid, once it has drawn them (it draws after the script ends)."""
    grid.scroll_into_view_if_needed(timeout=RENDER_TIMEOUT_MS)
    headers = grid.locator('[role="columnheader"]')
    expect(headers.first).to_be_attached(timeout=RENDER_TIMEOUT_MS)
    return [text.strip() for text in headers.all_inner_texts()]


def submit_not_taken(page: Page, password: str) -> bool:
    """True when the password form still holds `password` (the form clears on submit): its submit was lost.
    Read in one evaluation in the page, so that no rerun removes the box between finding it and reading it
    (read one locator at a time, at load 7-14 the box was found, then gone, and reading it waited 120 s)."""
    return bool(
        page.evaluate(
            "p => { const box = document.querySelector('input[type=\"password\"]'); return !!box && box.value === p; }",
            password,
        )
    )


def sign_in_from_the_sidebar(page: Page, url: str, password: str) -> None:
    """Sign in with the sidebar's form on the overview, open the author workspace and, on a phone, close
    the sidebar again (it covers the page there).

    On a loaded machine the form's submit can be lost while the page is still rerunning for the cookie
    component (the password stays in the box and nothing happens, as a person on a slow connection sees
    it): then the button is pressed once more, as that person would.
    """
    load(page, url + "/")
    phone = bool(page.viewport_size and page.viewport_size["width"] < 600)
    if phone:  # the phone layout hides the sidebar
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_text("Author sign-in").click()
    box = page.get_by_label("Password", exact=True)
    box.fill(password)
    signed_in = page.get_by_role("button", name="Sign out")
    page.get_by_role("button", name="Sign in").click()
    try:
        expect(signed_in).to_be_visible()  # the rerun that signed in is done
    except AssertionError:
        settle(page)
        if not submit_not_taken(page, password):
            raise  # the form was taken and refused: a real failure
        page.get_by_role("button", name="Sign in").click()
        expect(signed_in).to_be_visible()
    page.get_by_role("link", name="Author").first.click()
    page.wait_for_selector("text=Author workspace", timeout=RENDER_TIMEOUT_MS)
    settle(page)
    if phone:  # the sidebar opened to sign in covers the page
        page.keyboard.press("Escape")
        page.mouse.click(370, 700)
        expect(page.get_by_test_id("stExpandSidebarButton")).to_be_visible()  # the sidebar is closed


def load(page: Page, url: str, charts: int = 0) -> None:
    """Open `url` and wait until its script has run, `charts` charts are drawn and the page has settled."""
    if not getattr(page, "_sockets_watched", False):  # once per page: it holds for every later navigation
        page.add_init_script(_WATCH_SOCKETS)
        page._sockets_watched = True  # type: ignore[attr-defined]
    page.goto(url)
    settle(page, charts)


def no_exception_shown(page: Page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator("body").inner_text()[:2000]
