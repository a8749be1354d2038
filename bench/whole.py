"""The whole processes people run, each against its floor in the same run (issue 18): the command line
(`--help`, `list --json`, `score --json --by forecaster`, `remind once`) timed from exec to exit, and the
reader pages in headless Chromium (navigation to fully rendered, a new browser context each time)
against a bare Streamlit page with one Plotly chart and one table, each navigation to a page right after one
to the bare page; and the server's CPU time per new reader of each page, eight readers arriving at once,
against the bare page's server doing the same (issue 30).

    python -m bench.whole                    # both parts; figures to bench/work/whole.json
    python -m bench.whole --no-browser       # the command line only

`bench.run` runs it as its "whole" part and puts the figures into bench/results.json and BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from bench.server_cpu import quiet_cpu

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
ARCHIVE = ROOT.parent / "shared" / "data" / "predictionbook"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
VIEWPORT = {"width": 1440, "height": 1200}
REPEAT = 7  # whole commands
PAGE_REPEAT = 5  # browser navigations
NOW = "2026-06-01T09:00:00"  # the reminder sweeps' clock (the steady state: nothing new at that time)
BARE_PAGE = (1, 1)  # bench/bare_page.py: one Plotly chart, one table
PAGES = {"overview": "/", "claim": "/?claim={claim}", "deadlines": "/deadlines", "track_record": "/track-record"}

# Targets (issue 18): (label, key, limit, kind); "ratio." keys compare a command with its floor.
TARGETS = (
    ("`predictions --help`", "help", 0.150, "max"),
    ("`list --json` (seed) / bare DuckDB query", "ratio.list", 1.5, "max"),
    ("`score --json --by forecaster` (archive) / pandas script", "ratio.score", 0.6, "max"),
    ("`remind once`, steady state (seed) / bare DuckDB queries", "ratio.remind", 1.5, "max"),
)
PAGE_LIMIT = 1.2  # every reader page ≤ 1.2× the bare Streamlit page
CPU_LIMIT = 1.1  # the server's CPU per new reader of every reader page ≤ 1.1× the bare page's (issue 30)

# The floors, each a whole process too.
LIST_FLOOR = """import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute("SELECT * FROM claims ORDER BY id").fetchall()
con.close()
print(json.dumps(rows, default=str, separators=(",", ":")))"""
# What a steady sweep must ask: the open claims that may be due, and what has been recorded per channel.
REMIND_FLOOR = """import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute('''SELECT c.id, c.deadline, c.made_on FROM claims c LEFT JOIN sources s ON s.id = c.source_id
    WHERE (c.deadline IS NULL OR c.deadline <= current_date + 30) AND coalesce(s.kind, '') <> 'archive'
    AND NOT c.withdrawn AND NOT EXISTS (SELECT 1 FROM resolutions r WHERE r.claim_id = c.id AND NOT EXISTS
    (SELECT 1 FROM resolution_undos u WHERE u.resolution_id = r.id)) ORDER BY c.id''').fetchall()
con.execute("SELECT claim_id, channel, max(due_on) FROM reminders GROUP BY claim_id, channel").fetchall()
con.close()"""


def summary(samples: Sequence[float]) -> dict[str, Any]:
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


def environment(**extra: str) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE (set in some shells and CI images) would make every run compile the project's
    # changed modules again (~55 ms measured): the untimed first run writes their bytecode, as for anyone.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update({"PREDICTIONS_SETTINGS_FILE": str(WORK / "no-settings.toml"), "PYTHONPATH": str(ROOT), **extra})
    return env


def predictions_command() -> list[str]:
    """The `predictions` console script beside this interpreter, as people run it."""
    script = Path(sys.executable).with_name("predictions")
    return [str(script)] if script.exists() else [sys.executable, "-m", "predictions.cli"]


def run_once(command: Sequence[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def interleaved(pairs: dict[str, tuple[Sequence[str], Sequence[str]]], repeat: int, env: dict[str, str],
                warmup: bool = True) -> dict:  # fmt: skip
    """Each command and its floor, alternating, `repeat` times after one untimed run of each (the file
    cache warm, as for a command people run again; `warmup=False` skips it: the smoke test, which checks
    what the runs answer, not their times). The outputs checked are the last run's."""
    samples: dict[str, dict[str, list[float]]] = {name: {"command": [], "floor": []} for name in pairs}
    outputs: dict[str, dict[str, str]] = {}
    for name, (command, floor) in pairs.items() if warmup else ():
        outputs[name] = {"command": run_once(command, env)[1], "floor": run_once(floor, env)[1]}
    for _ in range(repeat):
        for name, (command, floor) in pairs.items():
            (seconds, said), (floor_seconds, floor_said) = run_once(command, env), run_once(floor, env)
            samples[name]["command"].append(seconds)
            samples[name]["floor"].append(floor_seconds)
            outputs[name] = {"command": said, "floor": floor_said}
    result = {}
    for name, both in samples.items():
        command_s, floor_s = summary(both["command"]), summary(both["floor"])
        result[name] = {"command": command_s, "floor": floor_s, "ratio": command_s["median"] / floor_s["median"],
                        "bytes": len(outputs[name]["command"])}  # fmt: skip
    return {"results": result, "outputs": outputs}


def build_ledgers(work: Path, archive: Path | None, log: Callable[[str], None]) -> dict[str, Path]:
    """The seed ledger, and the archive imported beside the seed (made afresh each run: a few seconds; the
    archive's starts as a copy of the freshly made seed: the seed a second `init` would write)."""
    env = environment()
    cli = predictions_command()
    ledgers = {"seed": work / "whole-seed.duckdb"}
    if archive is not None and archive.is_dir():
        ledgers["archive"] = work / "whole-archive.duckdb"
    for name, path in ledgers.items():
        for leftover in work.glob(f"{path.name}*"):
            leftover.unlink()
        if name == "archive":
            assert archive is not None
            shutil.copyfile(ledgers["seed"], path)
            run_once([*cli, "import", str(archive), "--format", "predictionbook", "--db", str(path)], env)
        else:
            run_once([*cli, "init", "--db", str(path)], env)
        log(f"  ledger {name}: {path.name}")
    return ledgers


def commands(ledgers: dict[str, Path], archive: Path | None, repeat: int, work: Path,
             warmup: bool = True) -> dict[str, Any]:  # fmt: skip
    env = environment()
    cli = predictions_command()
    python = sys.executable
    seed = str(ledgers["seed"])
    sweep = work / "whole-remind.duckdb"  # a copy: the sweeps write
    for leftover in work.glob(f"{sweep.name}*"):
        leftover.unlink()
    shutil.copyfile(seed, sweep)
    run_once([*cli, "remind", "once", "--now", NOW, "--db", str(sweep)], env)  # the first sweep records every step
    pairs: dict[str, tuple[Sequence[str], Sequence[str]]] = {
        "help": ([*cli, "--help"], [python, "-c", "import duckdb"]),
        "list": ([*cli, "list", "--json", "--db", seed], [python, "-c", LIST_FLOOR, seed]),
        "remind": ([*cli, "remind", "once", "--now", NOW, "--db", str(sweep)],
                   [python, "-c", REMIND_FLOOR, str(sweep)]),
    }  # fmt: skip
    if "archive" in ledgers and archive is not None:
        pairs["score"] = (
            [*cli, "score", "--json", "--by", "forecaster", "--db", str(ledgers["archive"])],
            [python, str(ROOT / "bench" / "pandas_score.py"), str(archive)],
        )
    found = interleaved(pairs, repeat, env, warmup)
    checks: dict[str, bool] = {
        "remind once: the steady sweep sends nothing": "0 sent" in found["outputs"]["remind"]["command"],
    }
    if "score" in found["outputs"]:
        mine = json.loads(found["outputs"]["score"]["command"])["by"]
        theirs = json.loads(found["outputs"]["score"]["floor"])["by"]
        top = next(iter(theirs))
        checks["score: the largest forecaster and its count = pandas"] = (next(iter(mine)), mine[top]["n"]) == (
            top,
            theirs[top]["n"],
        )
        checks["score: its Brier score = pandas (1e-9)"] = abs(mine[top]["brier"] - theirs[top]["brier"]) <= 1e-9
    for leftover in work.glob(f"{sweep.name}*"):
        leftover.unlink()
    return {"commands": found["results"], "checks": checks}


# --- reader pages in Chromium ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served(NamedTuple):
    url: str
    pid: int  # the server process, whose CPU time each new reader costs


@contextmanager
def streamlit(script: str, log: Path, db: Path | None = None) -> Iterator[Served]:
    """`streamlit run script` on a free port until the block ends (its output in `log`)."""
    port = free_port()
    env = environment(PYTHONUNBUFFERED="1", **({"PREDICTIONS_DB": str(db)} if db else {}))
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true", "--server.port",
               str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited ({process.returncode}): {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {url}: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield Served(url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Fully rendered: the script has finished, no "running" indicator, and at least as many Plotly charts
# drawn and tables painted as the page had once settled (counted on an untimed first visit).
RENDERED = """([charts, tables]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (!document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]')) return false;
  const drawn = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(e => e.querySelector('.main-svg')).length;
  const painted = [...document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')]
    .filter(e => e.querySelector('canvas, table')).length;
  return drawn >= charts && painted >= tables;
}"""
# Drawn charts, painted tables, exceptions, the charts and tables on show (not inside a closed
# expander), which must all be drawn before the page counts as settled, and the skeletons on show: an
# element whose code Streamlit still loads (plotly's 4.7 MB chunk) is a stSkeleton until it arrives, not
# yet a chart, so a page with one has not settled however long it stays so (issue 30: on a loaded machine
# the Overview was counted with 0 charts).
COUNT = """() => [
  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].filter(e => e.querySelector('.main-svg')).length,
  [...document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')]
    .filter(e => e.querySelector('canvas, table')).length,
  document.querySelectorAll('[data-testid="stException"]').length,
  [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter(e => e.getClientRects().length && !e.closest('details:not([open])')).length,
  [...document.querySelectorAll('[data-testid="stDataFrame"], [data-testid="stTable"]')]
    .filter(e => e.getClientRects().length && !e.closest('details:not([open])')).length,
  [...document.querySelectorAll('[data-testid="stSkeleton"]')]
    .filter(e => e.getClientRects().length && !e.closest('details:not([open])')).length,
]"""


# Settled: RENDERED, every chart and table on show drawn (no skeleton), at least `least` of them, the counts
# unchanged over two animation frames and `quiet` ms (polled each frame). Unknown pages need the quiet time: a
# table's phone copy shows until its hiding style arrives (0.1 s idle, longer loaded); a slow chart is waited for.
SETTLED = f"""([charts, tables, quiet]) => {{
  const c = ({COUNT})(), ready = ({RENDERED})([charts, tables]) && c[0] >= c[3] && c[1] >= c[4] && c[5] === 0;
  const key = ready ? JSON.stringify(c) : null, last = window.__benchSettled, now = performance.now();
  const same = key !== null && last && last.key === key;
  window.__benchSettled = {{key, frames: same ? last.frames + 1 : 0, since: same ? last.since : now}};
  return same && window.__benchSettled.frames >= 2 && now - last.since >= quiet;
}}"""
SETTLE_TIMEOUT_MS = 180_000  # generous for a loaded machine: a page not settled by then is a failure
QUIET_MS = 3_000  # a page's counts unchanged this long (when its elements are not known beforehand)


def settled_counts(browser: Any, url: str, least: tuple[int, int] | None = None) -> tuple[int, int, int, float]:
    """The charts, tables and exceptions `url` shows settled, on a first visit in a new context (`least`:
    known), and the seconds from its navigation's start to those counts first all drawn (the smoke's sample)."""
    page = (context := browser.new_context(viewport=VIEWPORT)).new_page()
    page.goto(url, timeout=SETTLE_TIMEOUT_MS)
    try:
        page.wait_for_function(SETTLED, arg=[*least, 0] if least else [0, 0, QUIET_MS], polling="raf",
                               timeout=SETTLE_TIMEOUT_MS)  # fmt: skip
    except Exception as error:
        raise RuntimeError(f"{url}: charts or tables still undrawn after {SETTLE_TIMEOUT_MS // 1000} s: "
                           f"{page.evaluate(COUNT)}") from error  # fmt: skip
    counts, since = page.evaluate(COUNT), page.evaluate("window.__benchSettled.since")  # ms from its time origin
    context.close()
    return counts[0], counts[1], counts[2], since / 1000


def navigation(browser: Any, url: str, charts: int, tables: int) -> float:
    """One navigation to `url` in a new browser context, to every chart and table drawn (seconds)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    try:
        page.wait_for_function(RENDERED, arg=[charts, tables], timeout=120_000)
    except Exception as error:
        raise RuntimeError(f"{url}: not rendered in 120 s: expected {charts} charts and {tables} tables, "
                           f"found {page.evaluate(COUNT)}") from error  # fmt: skip
    seconds = time.perf_counter() - start
    context.close()
    return seconds


# --- server CPU per new reader ----------------------------------------------------------------------

READERS = 8  # readers arriving at once, as when a newsletter goes out
CPU_REPEAT = 3  # batches of readers per page (median)


def reader_batch(browser: Any, served: Served, url: str, charts: int, tables: int, readers: int = READERS) -> float:
    """Server CPU seconds per reader while `readers` new readers (fresh browser contexts: nothing cached)
    open `url` at once, each until every chart and table is drawn, and leave (their sessions closed)."""
    start = quiet_cpu(served.pid)
    contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(readers)]
    pages = [context.new_page() for context in contexts]
    for page in pages:  # all of them asking before any has its answer
        page.goto(url, wait_until="commit", timeout=120_000)
    for page in pages:
        page.wait_for_function(RENDERED, arg=[charts, tables], timeout=180_000)
    for context in contexts:
        context.close()
    return (quiet_cpu(served.pid) - start) / readers


def pages(
    ledgers: dict[str, Path],
    page_repeat: int,
    work: Path,
    log: Callable[[str], None],
    cpu_repeat: int = CPU_REPEAT,
    readers: int = READERS,
    cpu_ledgers: Collection[str] | None = None,
    cpu_pages: Collection[str] | None = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Every reader page against the bare page, interleaved: each navigation to a page follows one to the
    bare page (the bare page's server runs throughout), so both see the same load; the ratio is of the
    page's median to the median of its own bare runs. Then the server CPU per new reader, `readers` at once,
    each page's batch following a bare page's batch, `cpu_repeat` times, on the ledgers named in
    `cpu_ledgers` and pages in `cpu_pages` (all when None: the smoke test measures one page of one ledger, the
    same code). `warmup=False` (the smoke, which checks what is measured, not how fast): a page's first visit,
    which counts its charts and tables, is its first sample, against one bare run after a ledger's visits."""
    from playwright.sync_api import sync_playwright

    from bench.workloads import busiest_claim

    if unknown := set(cpu_pages or ()) - set(PAGES):
        raise ValueError(f"no such page: {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    bare_samples: list[float] = []  # every bare navigation
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            with streamlit("bench/bare_page.py", work / "whole-bare.log") as bare:
                bare_counts = settled_counts(browser, bare.url, least=BARE_PAGE)
                for name, path in ledgers.items():
                    claim = busiest_claim(path)
                    with streamlit("dashboard/app.py", work / f"whole-{name}.log", path) as served:
                        urls = {page: served.url + address.format(claim=claim) for page, address in PAGES.items()}
                        counts = {page: settled_counts(browser, url) for page, url in urls.items()}
                        # warmup off (the smoke): each page's first visit is its first sample, one bare run after
                        first = [] if warmup else [navigation(browser, bare.url, *bare_counts[:2])]
                        bare_samples += first
                        times = {p: {"page": [] if warmup else [counts[p][3]], "bare": [*first]} for p in urls}
                        for _ in range(page_repeat if warmup else page_repeat - 1):
                            for page, url in urls.items():
                                bare_samples.append(navigation(browser, bare.url, *bare_counts[:2]))
                                times[page]["bare"].append(bare_samples[-1])
                                times[page]["page"].append(navigation(browser, url, *counts[page][:2]))
                        cpu: dict[str, dict[str, list[float]]] = {p: {"page": [], "bare": []} for p in urls}
                        measured = {p: u for p, u in urls.items() if cpu_pages is None or p in cpu_pages}
                        for _ in range(cpu_repeat if cpu_ledgers is None or name in cpu_ledgers else 0):
                            for page, url in measured.items():
                                cpu[page]["bare"].append(reader_batch(browser, bare, bare.url, *bare_counts[:2],
                                                                      readers=readers))  # fmt: skip
                                cpu[page]["page"].append(reader_batch(browser, served, url, *counts[page][:2],
                                                                      readers=readers))  # fmt: skip
                    out[name] = {}
                    for page in urls:
                        timed, floor = summary(times[page]["page"]), summary(times[page]["bare"])
                        out[name][page] = {
                            **timed, "charts": counts[page][0], "tables": counts[page][1],
                            "exceptions": counts[page][2], "bare": floor, "ratio": timed["median"] / floor["median"],
                        }  # fmt: skip
                        if cpu[page]["page"]:
                            used, floor_cpu = summary(cpu[page]["page"]), summary(cpu[page]["bare"])
                            out[name][page]["cpu"] = {"readers": readers, "page": used, "bare": floor_cpu,
                                                      "ratio": used["median"] / floor_cpu["median"]
                                                      if floor_cpu["median"] else None}  # fmt: skip
                    log(
                        f"  reader pages, {name}: "
                        + ", ".join(
                            f"{p} {t['median'] * 1000:.0f} ms ({t['ratio']:.2f}x"
                            + (f"; CPU/reader {t['cpu']['page']['median'] * 1000:.0f} ms, {t['cpu']['ratio'] or 0:.2f}x"
                               if "cpu" in t else "") + ")"
                            for p, t in out[name].items()
                        )
                    )  # fmt: skip
            out["bare"] = {**summary(bare_samples), "charts": bare_counts[0], "tables": bare_counts[1],
                           "exceptions": bare_counts[2]}  # fmt: skip
            log(f"  bare Streamlit page: {out['bare']['median'] * 1000:.0f} ms")
        finally:
            browser.close()
    return out


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    found = result.get("commands", {})
    rows = []
    for label, key, limit, kind in TARGETS:
        name = key.removeprefix("ratio.")
        entry = found.get(name)
        value = None if entry is None else (entry["ratio"] if key.startswith("ratio.") else entry["command"]["median"])
        rows.append({"target": label, "size": "whole", "key": key if key.startswith("ratio.") else "seconds",
                     "value": value, "limit": limit, "kind": kind,
                     "met": None if value is None else value <= limit})  # fmt: skip
    browser = result.get("pages")
    if browser:
        bare = browser["bare"]["median"]
        for ledger in (name for name in browser if name != "bare"):
            for page, entry in browser[ledger].items():
                ratio = entry.get("ratio", entry["median"] / bare)
                label = page.replace("_", " ").capitalize()
                rows.append({"target": f"{label} in Chromium ({ledger}) / bare page",
                             "size": "whole", "key": "ratio.page", "value": ratio, "limit": PAGE_LIMIT, "kind": "max",
                             "met": ratio <= PAGE_LIMIT})  # fmt: skip
                cpu = entry.get("cpu", {}).get("ratio")
                if cpu is not None:
                    rows.append({"target": f"{label}: server CPU per new reader ({ledger}, {entry['cpu']['readers']} "
                                 "at once) / bare page", "size": "whole", "key": "ratio.cpu", "value": cpu,
                                 "limit": CPU_LIMIT, "kind": "max", "met": cpu <= CPU_LIMIT})  # fmt: skip
    return rows


def run(
    *,
    work: Path = WORK,
    repeat: int = REPEAT,
    page_repeat: int = PAGE_REPEAT,
    archive: Path | None = ARCHIVE,
    browser: bool = True,
    log: Callable[[str], None] = print,
    cpu_repeat: int = CPU_REPEAT,
    readers: int = READERS,
    cpu_ledgers: Collection[str] | None = None,
    cpu_pages: Collection[str] | None = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Both parts; `warmup=False` skips the untimed first run of each command and floor, and times each
    page's first visit (the smoke test: see `pages`)."""
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    load_before = [round(x, 2) for x in os.getloadavg()]
    ledgers = build_ledgers(work, archive, log)
    result: dict[str, Any] = commands(ledgers, archive, repeat, work, warmup)
    for name, entry in result["commands"].items():
        log(f"  {name}: {entry['command']['median'] * 1000:.0f} ms, floor {entry['floor']['median'] * 1000:.0f} ms"
            f" ({entry['ratio']:.2f}x)")  # fmt: skip
    if browser:
        result["pages"] = pages(ledgers, page_repeat, work, log, cpu_repeat=cpu_repeat, readers=readers,
                                cpu_ledgers=cpu_ledgers, cpu_pages=cpu_pages, warmup=warmup)  # fmt: skip
    result["targets"] = targets(result)
    result["repeat"] = {"commands": repeat, "pages": page_repeat if browser else 0,
                        "cpu": cpu_repeat if browser else 0, "readers": readers}  # fmt: skip
    result["load_average"] = {"start": load_before, "end": [round(x, 2) for x in os.getloadavg()]}
    result["seconds"] = time.perf_counter() - started
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.whole", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=REPEAT, help="runs of each command and floor (median)")
    parser.add_argument("--page-repeat", type=int, default=PAGE_REPEAT, help="navigations per page (median)")
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="the PredictionBook archive")
    parser.add_argument("--cpu-repeat", type=int, default=CPU_REPEAT, help="batches of readers per page (median)")
    parser.add_argument("--readers", type=int, default=READERS, help="new readers at once in a batch")
    parser.add_argument("--no-browser", action="store_true", help="the command line only")
    parser.add_argument("--work", type=Path, default=WORK, help="ledgers, logs and whole.json go here")
    args = parser.parse_args(argv)
    result = run(work=args.work, repeat=args.repeat, page_repeat=args.page_repeat, archive=args.archive,
                 browser=not args.no_browser, cpu_repeat=args.cpu_repeat, readers=args.readers)  # fmt: skip
    (args.work / "whole.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.work / 'whole.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
