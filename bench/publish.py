"""`python -m bench.publish`: the static site's figures (issue 15) for BENCHMARKS.md.

    python -m bench.publish [--out bench/work/publish.json] [--no-archive] [--repeat 3]

- the time of `predictions publish` of the seed ledger into an empty folder (with its 34 cards, and
  without them), and again into the same folder (unchanged cards are kept, not redrawn);
- the 34 cards alone: their figures drawn in one CardPainter (browser start and plotly.js load included);
- with the PredictionBook archive imported beside the seed, `publish` without `--all` (the author's
  sources only, with the whole ledger's downloads) and with `--all` (every claim's page, embed and
  downloads; cards for the author's claims only), each into an empty folder;
- in one Chromium run against a local static server, the published Overview's render time (navigation to
  every chart drawn) against the live dashboard's Overview over the same ledger (navigation to every
  chart drawn, script finished), and the plotly.js bytes each page loads;
- the published seed site's size in all and per claim (its page, embed, card and downloads).

Every time is the median of `--repeat` runs with min and max. Nothing here is a test: figures only.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = ROOT.parent / "shared" / "data" / "predictionbook"
AS_OF = date(2026, 6, 1)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def predictions(*args: str, db: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    command = [sys.executable, "-m", "predictions.cli", *args, "--db", str(db)]
    subprocess.run(command, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def timed(repeat: int, work: Callable[[], object]) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def live_dashboard(db: Path, log: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")} | {"PREDICTIONS_DB": str(db)}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1",
               "--browser.gatherUsageStats", "false"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def browser_times(site: Path, db: Path, repeat: int, work: Path) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    drawn = "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n"
    result: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with static_server(site) as url:
            charts = (site / "index.html").read_text(encoding="utf-8").count("data-figure=")
            loaded: list[int] = []

            def static_once() -> None:
                context = browser.new_context()  # nothing cached: every run fetches plotly.js again
                page = context.new_page()
                page.on("response", lambda r: loaded.append(len(r.body())) if r.url.endswith("plotly.min.js") else None)
                page.goto(url + "index.html")
                page.wait_for_function(drawn, arg=charts, timeout=60_000)
                context.close()

            result["static_overview"] = timed(repeat, static_once)
            result["plotly_js_bytes_per_page"] = loaded[0] if loaded else 0
        with live_dashboard(db, work / "streamlit.log") as url:

            def live_once() -> None:
                context = browser.new_context()
                page = context.new_page()
                page.goto(url)
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
                page.wait_for_function(drawn, arg=2, timeout=60_000)
                context.close()

            live_once()  # the server's first run imports the app: not what a reader waits for
            result["live_overview"] = timed(repeat, live_once)
        browser.close()
    result["ratio"] = result["static_overview"]["median"] / result["live_overview"]["median"]
    return result


def card_drawer(db: Path, folder: Path) -> Callable[[], object]:
    """Drawing every seed claim's card as a publish draws them (one CardPainter) into `folder`; the
    figures are made beforehand, so only the drawing is timed."""
    from dashboard.render import cards
    from predictions import ledger

    figures = {
        folder / f"claim-{view.id}.png": cards.card_figure(cards.card_data(ledger.get_claim(db, view.id, AS_OF), AS_OF))
        for view in ledger.list_claims(db, AS_OF)
    }
    return lambda: cards.render_cards(figures)


def sizes(site: Path) -> dict[str, Any]:
    files = [p for p in site.rglob("*") if p.is_file()]
    claims = sorted(site.glob("claim-*.html"))
    per_claim = []
    for page in claims:
        claim = page.stem
        parts = [page, site / "embed" / page.name, site / "cards" / f"{claim}.png",
                 *(site / "data").glob(f"{claim}.*")]  # fmt: skip
        per_claim.append({"page": page.stat().st_size, "all": sum(p.stat().st_size for p in parts if p.is_file())})
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "plotly_js": (site / "assets" / "plotly.min.js").stat().st_size,
        "claim_page_median": statistics.median(c["page"] for c in per_claim),
        "claim_all_median": statistics.median(c["all"] for c in per_claim),
        "card_median": statistics.median(p.stat().st_size for p in (site / "cards").glob("*.png")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "work" / "publish.json")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-archive", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    results: dict[str, Any] = {"as_of": AS_OF.isoformat()}
    try:
        seed = work / "seed.duckdb"
        predictions("init", db=seed)
        site = work / "site"
        publish = ("publish", "-o", str(site), "--today", AS_OF.isoformat())

        def cold(*extra: str) -> None:
            shutil.rmtree(site, ignore_errors=True)
            predictions(*publish, *extra, db=seed)

        results["seed_publish"] = timed(args.repeat, cold)  # into an empty folder: every card drawn
        results["seed_publish_no_cards"] = timed(args.repeat, lambda: cold("--no-cards"))
        cold()
        results["seed_republish"] = timed(args.repeat, lambda: predictions(*publish, db=seed))  # cards kept
        results["seed_cards"] = timed(args.repeat, card_drawer(seed, work / "cards"))
        results["seed_site"] = sizes(site)
        results["browser"] = browser_times(site, seed, args.repeat, work)
        if not args.no_archive and ARCHIVE.is_dir():
            archive = work / "archive.duckdb"
            shutil.copy(seed, archive)
            try:
                predictions("import", str(ARCHIVE), "--format", "predictionbook", db=archive)
                results["archive_publish_default"] = timed(1, lambda: predictions(*publish, db=archive))

                def everything() -> None:
                    shutil.rmtree(site, ignore_errors=True)
                    predictions(*publish, "--all", db=archive)

                results["archive_publish_all"] = timed(1, everything)
                results["archive_site"] = {
                    "files": sum(1 for p in site.rglob("*") if p.is_file()),
                    "bytes": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()),
                }
            except subprocess.CalledProcessError as error:  # the figures above are still worth keeping
                results["archive_error"] = str(error)
            results["archive_claims"] = 34 + 18_670
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
