"""One database file, about 30 seconds, everyone at once: the real dashboard server with a browser
loading pages, the reminder process sweeping, and four CLI processes writing observations and
forecasts. Every write lands, nobody sees a lock error, and the pages keep rendering."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from predictions import ledger

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
DURATION = 30.0
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db_path: Path) -> Iterator[str]:
    ledger.seed_from_file(db_path)
    port = free_port()
    env = {**os.environ, "PREDICTIONS_DB": str(db_path)}
    env.pop("PREDICTIONS_AUTHOR_PASSWORD", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "dashboard" / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


# Each writer is one process that runs the CLI's entry point over and over (a process per write
# would spend the two cores on interpreter start-up instead of on the database).
WRITER = """
import sys, time
from predictions.cli import main
db, claim, index, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
ok = failed = 0
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end:
    n += 1
    if n % 2:
        args = ["observe", claim, "--on", "2025-06-30", "--value", str(index * 100000 + n)]
    else:
        args = ["forecast", claim, "--probability", f"0.{10 + n % 80:02d}", "--forecaster", f"writer-{index}"]
    if main([*args, "--db", db]) == 0:
        ok += 1
    else:
        failed += 1
print(f"ok={ok} failed={failed}")
"""


def test_everyone_at_once_for_thirty_seconds(db_path: Path, server: str) -> None:
    from playwright.sync_api import sync_playwright

    claims = ledger.list_claims(db_path)
    robotaxi = next(c for c in claims if c["external_id"].endswith(":robotaxi-cities-2025"))
    with duckdb.connect(str(db_path), read_only=True) as con:
        before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("observations", "forecasts")}

    reminder = subprocess.Popen(
        [sys.executable, "-m", "predictions.cli", "remind", "run", "--db", str(db_path)],
        env={**os.environ, "PREDICTIONS_REMIND_EVERY_MINUTES": "0.1"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), str(robotaxi.id), str(i), str(DURATION)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(4)
    ]  # fmt: skip

    ARTIFACTS.mkdir(exist_ok=True)
    pages = ["/", f"/?claim={robotaxi.id}", "/track-record", "/deadlines"]
    loads, problems = 0, []
    started = time.monotonic()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            while time.monotonic() - started < DURATION:
                path = pages[loads % len(pages)]
                page.goto(server + path)
                try:
                    page.wait_for_selector(
                        "[data-testid='stMainBlockContainer'] [data-testid='stHeading']", timeout=30_000
                    )
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "concurrency-failure.png"), full_page=True)
                    raise
                page.wait_for_function(
                    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
                )
                text = page.inner_text("body")
                for marker in ("database busy", "Could not set lock", "Traceback", "IOException"):
                    if marker in text:
                        problems.append(f"{path}: {marker}")
                loads += 1
            browser.close()
    finally:
        outputs = [w.communicate(timeout=180) for w in writers]
        reminder.terminate()
        _, reminder_err = reminder.communicate(timeout=60)

    assert problems == []
    assert loads >= 4
    counts = [dict(part.split("=") for part in out.strip().splitlines()[-1].split()) for out, _ in outputs]
    assert [c["failed"] for c in counts] == ["0", "0", "0", "0"], [err for _, err in outputs]
    assert all("Traceback" not in err and "database busy" not in err for _, err in outputs)
    written = sum(int(c["ok"]) for c in counts)
    assert written >= 40
    with duckdb.connect(str(db_path), read_only=True) as con:
        after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("observations", "forecasts")}
        sweeps_sent = con.execute("SELECT count(*) FROM reminders WHERE state = 'sent'").fetchone()[0]
    print(f"concurrency: {loads} page loads, {written} writes, {sweeps_sent} reminders sent in {DURATION:g} s")
    # Every write that reported success is in the ledger, and nothing else is.
    assert (after["observations"] - before["observations"]) + (after["forecasts"] - before["forecasts"]) == written
    assert reminder.returncode == 0
    assert "reminder sweep failed" not in reminder_err
    assert sweeps_sent > 0
