"""`make bench`: how fast the tracker answers at sizes S, M and L and on the real PredictionBook archive.

    python -m bench.run                      # S, M and L (L builds once, ~1 min; the whole run ~15 min)
    python -m bench.run --sizes S,M          # what `make bench SIZES=S,M` runs
    python -m bench.run --sizes S --repeat 1 --import-rows 5000 --no-archive --out /tmp/b   # the smoke run

Ledgers are built by bench/generate.py and cached in bench/work/ under a name holding the size and a
digest of the generator and the schema, so a rerun reuses them. Each size's page work runs in a fresh
subprocess (its peak RSS is the page-work memory figure), the AppTest renders in another (the
"dashboard process" figure), the pandas references in a third. Every time is the median of repeated
runs with min and max beside it; every ratio compares figures of this one run. The "whole" part
(bench/whole.py) times the commands people run and the reader pages in headless Chromium, each against
its floor. The results go to bench/results.json, and bench/report.py turns them into the table in
BENCHMARKS.md.

Over 500 lines: the runner times every workload in its own child process, checks that the page, its floor and
pandas agree, and writes results.json; the children are entry points of this module so a child runs exactly
the code the parent describes.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from bench import generate, whole, workloads

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK = BENCH / "work"
APP = ROOT / "dashboard" / "app.py"
ARCHIVE = ROOT.parent / "shared" / "data" / "predictionbook"  # ../shared beside the checkout
PARTS = ("pages", "references", "apptest", "reminders", "transfer", "whole", "ranges", "readers")
TODAY = generate.TODAY
DEFAULT_SIZES = ("S", "M", "L")
REPEATS = {"S": 7, "M": 7, "L": 3, "PB": 7}
IMPORT_ROWS = 1_000_000
FORECASTS_PER_IMPORTED_CLAIM = 10
MAX_CHART_POINTS = 10_000
PACKAGES = ("duckdb", "numpy", "pandas", "pyarrow", "pydantic", "streamlit", "plotly")

# Targets at size M (issue 6): (name, result key, limit, "max" = at most / "min" = at least).
TARGETS = (
    ("Overview work (cold)", "overview.page", 0.300, "max"),
    ("Claim page work (cold)", "claim.page", 0.050, "max"),
    ("Track record work (cold)", "track_record.page", 0.300, "max"),
    ("Reminder sweep (steady state)", "reminders.steady", 0.100, "max"),
    ("AppTest render of the Overview (cold caches)", "apptest.overview.cold", 1.5, "max"),
    ("Peak memory of the dashboard process (MB)", "memory.dashboard_mb", 1024, "max"),
    ("Track record work / bare-SQL floor", "ratio.track_record.floor", 3.0, "max"),
    ("pandas reference / Track record work", "ratio.track_record.pandas_speedup", 5.0, "min"),
)
IMPORT_TARGET = ("Import of 1,000,000 forecasts (generic CSV)", 10.0)


# --- timing ----------------------------------------------------------------------------------------


def summary(samples: Sequence[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "n": len(samples),
    }


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def maxrss_mb() -> float:
    """Peak RSS of this process. Linux carries a parent's resident size into a child's ru_maxrss
    (fork copies the mappings, exec keeps the maximum), so every measuring child is started by this
    runner while it is still small: the reminder sweep and the imports run in children too."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def peak_rss_mb() -> float | None:
    """VmHWM, the peak resident size of this process image since its exec (a cross-check)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


# --- ledgers ---------------------------------------------------------------------------------------


def generator_digest(size: generate.Size) -> str:
    """Changes with the generator's code, the size and the schema: a cached ledger is never stale."""
    import db

    schema = "".join(statement for migration in db.MIGRATIONS for statement in migration.statements)
    text = Path(generate.__file__).read_bytes() + repr(size).encode() + schema.encode()
    return hashlib.sha256(text).hexdigest()[:12]


def ledger_path(work: Path, size: generate.Size, log: Callable[[str], None] = print) -> tuple[Path, float | None]:
    """The cached ledger of `size`, built first when missing (in a child: building L takes ~2 GB, which
    Linux would carry into every later child's ru_maxrss); returns (path, seconds spent building)."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"ledger-{size.name}-{generator_digest(size)}.duckdb"
    if path.exists():
        return path, None
    for stale in work.glob(f"ledger-{size.name}-*.duckdb*"):
        stale.unlink()
    partial = path.with_name(path.name + ".partial")
    spec = {"size": size.name, "path": str(partial), "out_file": str(work / f"child-generate-{size.name}.json")}
    seconds, _ = timed(lambda: run_child("generate", spec, log))
    partial.rename(path)
    for leftover in work.glob(f"{partial.name}*"):
        leftover.unlink()
    return path, seconds


def ledger_counts(path: Path) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            table: int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
            for table in ("claims", "observations", "forecasts", "resolutions")
        }
    finally:
        con.close()


# --- children: each runs in a fresh interpreter and writes JSON ------------------------------------


def run_child(task: str, spec: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    out = Path(spec["out_file"])
    out.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PREDICTIONS_DB", None)
    command = [sys.executable, "-m", "bench.run", "--child", task, "--spec", json.dumps(spec)]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode != 0 or not out.exists():
        log(completed.stdout[-4000:])
        log(completed.stderr[-4000:])
        raise RuntimeError(f"benchmark child {task} failed (exit {completed.returncode})")
    return json.loads(out.read_text())


def child_pages(spec: dict[str, Any]) -> dict[str, Any]:
    """Page work (cold, then warm through the cached wrappers) interleaved with the bare-SQL floors."""
    path, repeat, claim_id = Path(spec["db"]), int(spec["repeat"]), int(spec["claim_id"])
    today = date.fromisoformat(spec["today"])

    def calls() -> workloads.LibraryCalls:  # a fresh one per page run: nothing carries over
        return workloads.LibraryCalls(path, today)

    jobs: dict[str, Callable[[], Any]] = {
        "overview.page": lambda: workloads.overview_page(calls()),
        "overview.floor": lambda: workloads.overview_floor(path, today),
        "claim.page": lambda: workloads.claim_page(calls(), claim_id),
        "claim.floor": lambda: workloads.claim_floor(path, claim_id),
        "track_record.page": lambda: workloads.track_record_page(calls()),
        "track_record.floor": lambda: workloads.track_record_floor(path, today),
        # The same page once the reader picks the forecaster with the most forecasts.
        "track_record_picked.page": lambda: workloads.track_record_page(calls(), pick_largest=True),
        "track_record_picked.floor": lambda: workloads.track_record_floor(path, today, pick_largest=True),
    }
    values = {name: job() for name, job in jobs.items()}  # warm-up: imports, plotly's validators
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    pages = ("overview", "claim", "track_record", "track_record_picked")
    figures: dict[str, list[float]] = {f"{page}.figures": [] for page in pages}
    for _ in range(repeat):
        for name, job in jobs.items():
            seconds, values[name] = timed(job)
            samples[name].append(seconds)
            if name.endswith(".page"):  # of which building the figures with dashboard/render/charts.py
                figures[name.replace(".page", ".figures")].append(values[name]["figures_s"])
    samples.update(figures)
    # Warm: the same pages through dashboard/data.py once its caches hold this database version.
    os.environ["PREDICTIONS_DB"] = str(path)
    cached = workloads.DashboardCalls(path, today)
    warm_jobs = {
        "overview.warm": lambda: workloads.overview_page(cached),
        "claim.warm": lambda: workloads.claim_page(cached, claim_id),
        "track_record.warm": lambda: workloads.track_record_page(cached),
    }
    for job in warm_jobs.values():
        job()
    for name, job in warm_jobs.items():
        samples[name] = [timed(job)[0] for _ in range(max(repeat, 3))]
    return {
        "timings": {name: summary(s) for name, s in samples.items()},
        "values": values,
        "maxrss_mb": maxrss_mb(),
        "vmhwm_mb": peak_rss_mb(),
    }


def child_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """cProfile of one cold run of each page: the functions with the most cumulative time."""
    import cProfile
    import io
    import pstats

    path, claim_id, today = Path(spec["db"]), int(spec["claim_id"]), date.fromisoformat(spec["today"])
    pages: dict[str, Callable[[], Any]] = {
        "overview": lambda: workloads.overview_page(workloads.LibraryCalls(path, today)),
        "claim": lambda: workloads.claim_page(workloads.LibraryCalls(path, today), claim_id),
        "track_record": lambda: workloads.track_record_page(workloads.LibraryCalls(path, today)),
    }
    out = {}
    for name, page in pages.items():
        page()
        profiler = cProfile.Profile()
        profiler.runcall(page)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(r"predictions|db|dashboard", 25)
        out[name] = text.getvalue()
    return out


def child_references(spec: dict[str, Any]) -> dict[str, Any]:
    """pandas: loading the tables with `.df()`, then each page's figures computed from them."""
    path, repeat = Path(spec["db"]), int(spec["repeat"])
    today = date.fromisoformat(spec["today"])
    claim_id = int(spec["claim_id"])
    frames = workloads._frames(path)  # warm-up
    samples: dict[str, list[float]] = {"pandas.load": [], "overview.pandas_compute": [],
                                       "track_record.pandas_compute": [], "track_record_picked.pandas_compute": [],
                                       "claim.pandas_compute": []}  # fmt: skip
    values: dict[str, Any] = {}

    def claim_rows() -> dict[str, int]:
        return {
            "observations": int((frames["observations"]["claim_id"] == claim_id).sum()),
            "forecasts": int((frames["forecasts"]["claim_id"] == claim_id).sum()),
            "resolutions": int((frames["resolutions"]["claim_id"] == claim_id).sum()),
        }

    for _ in range(repeat):
        seconds, frames = timed(lambda: workloads._frames(path))
        samples["pandas.load"].append(seconds)
        for name, job in (
            ("overview.pandas_compute", lambda frames=frames: workloads.overview_pandas(path, today, frames)),
            ("track_record.pandas_compute", lambda frames=frames: workloads.track_record_pandas(path, today, frames)),
            (
                "track_record_picked.pandas_compute",
                lambda frames=frames: workloads.track_record_pandas(path, today, frames, pick_largest=True),
            ),
            ("claim.pandas_compute", claim_rows),
        ):
            seconds, values[name.split(".")[0]] = timed(job)
            samples[name].append(seconds)
    return {
        "timings": {name: summary(s) for name, s in samples.items()},
        "values": values,
        "maxrss_mb": maxrss_mb(),
        "vmhwm_mb": peak_rss_mb(),
    }


def child_apptest(spec: dict[str, Any]) -> dict[str, Any]:
    """The real app under streamlit.testing.v1.AppTest: first render in this fresh process, then cold
    (caches cleared) and warm (a rerun) renders of the Overview, the Claim page and the Track record."""
    os.environ["PREDICTIONS_DB"] = spec["db"]
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    repeat, claim_id = int(spec["repeat"]), str(spec["claim_id"])
    problems: list[str] = []
    points: dict[str, int] = {}

    def check(at: AppTest, page: str) -> None:
        if at.exception:
            problems.append(f"{page}: " + "; ".join(str(e.value)[:300] for e in at.exception))
        specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
        # a page shows a chart's title as a heading above it and keeps it in the figure's meta
        # (dashboard.render.charts.title_apart); a figure drawn with its own title has it in layout.title
        titles = [
            str(
                ((s.get("layout") or {}).get("meta") or {}).get("title")
                or ((s.get("layout") or {}).get("title") or {}).get("text")
                or ""
            )
            for s in specs
        ]
        shown = {  # each page's own mark, so that a measurement is of the page it names
            "overview": bool(at.title) and at.title[0].value == "Trend Prediction Tracker",
            "claim": "Confidence history" in titles,
            "track_record": bool(at.title) and at.title[0].value == "Track record",
        }[page]
        if not shown:
            problems.append(f"{page}: the page rendered is not the {page} page")
        for index, figure in enumerate(specs):
            key = f"{page}.{index}"
            points[key] = max(points.get(key, 0), workloads.figure_points(figure))

    def fresh(page: str) -> AppTest:
        """An AppTest about to render `page` with empty caches: the Claim page through its deep link
        (/?claim=ID, as the router hands it over), the Track record by switching to it after a first
        run of the Overview (a switch before any run is not taken)."""
        at = AppTest.from_file(str(APP), default_timeout=1800)
        if page == "claim":
            at.query_params["claim"] = claim_id
        elif page == "track_record":
            at.run()
            at.switch_page("app_pages/track_record.py")
        st.cache_data.clear()
        st.cache_resource.clear()
        return at

    samples: dict[str, list[float]] = {}
    at = fresh("overview")
    seconds, _ = timed(at.run)
    check(at, "overview")
    samples["apptest.first_render"] = [seconds]
    for page in ("overview", "claim", "track_record"):
        cold, warm = [], []
        for _ in range(repeat):
            at = fresh(page)
            seconds, _ = timed(at.run)
            check(at, page)
            cold.append(seconds)
            seconds, _ = timed(at.run)
            check(at, page)
            warm.append(seconds)
        samples[f"apptest.{page}.cold"] = cold
        samples[f"apptest.{page}.warm"] = warm
    return {
        "timings": {name: summary(s) for name, s in samples.items()},
        "problems": problems,
        "points": points,
        "maxrss_mb": maxrss_mb(),
        "vmhwm_mb": peak_rss_mb(),
    }


def child_reminders(spec: dict[str, Any]) -> dict[str, Any]:
    result = bench_reminders(Path(spec["db"]), Path(spec["work"]), int(spec["repeat"]))
    return {**result, "maxrss_mb": maxrss_mb()}


def child_transfer(spec: dict[str, Any]) -> dict[str, Any]:
    archive = Path(spec["archive"]) if spec["archive"] else None
    lines: list[str] = []
    result = bench_transfer(Path(spec["work"]), int(spec["rows"]), int(spec["repeat"]), archive, lines.append)
    return {**result, "log": lines, "maxrss_mb": maxrss_mb(), "vmhwm_mb": peak_rss_mb()}


def child_whole(spec: dict[str, Any]) -> dict[str, Any]:
    """The whole processes (bench/whole.py): commands against their floors, reader pages in Chromium."""
    archive = Path(spec["archive"]) if spec["archive"] else None
    lines: list[str] = []
    result = whole.run(work=Path(spec["work"]), repeat=int(spec["repeat"]), page_repeat=int(spec["page_repeat"]),
                       archive=archive, browser=bool(spec["browser"]), log=lines.append,
                       warmup=bool(spec.get("warmup", True)))  # fmt: skip
    return {**result, "log": lines}


def child_generate(spec: dict[str, Any]) -> dict[str, Any]:
    generate.build(Path(spec["path"]), generate.SIZES[spec["size"]])
    return {"maxrss_mb": maxrss_mb()}


CHILDREN: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "generate": child_generate,
    "pages": child_pages,
    "profile": child_profile,
    "references": child_references,
    "apptest": child_apptest,
    "reminders": child_reminders,
    "transfer": child_transfer,
    "whole": child_whole,
}


# --- reminders -------------------------------------------------------------------------------------


def bench_reminders(path: Path, work: Path, repeat: int) -> dict[str, Any]:
    """The sweep with only the inbox channel, on copies of the ledger: the first sweep (every due
    step of every open claim recorded) and the steady state (a sweep that finds nothing new), and
    plan() alone, which works out the due steps."""
    from db import reminders as sql
    from predictions import reminders
    from predictions.ledger import reading
    from predictions.settings import Settings

    now = datetime.combine(TODAY, datetime.min.time()) + timedelta(hours=9)
    copy = work / f"sweep-{path.name}"
    settings = Settings(db=copy, remind_offsets="30,7,1", remind_overdue_every_days=7)
    channels = [reminders.inbox_channel()]
    first, steady, plan_first, plan_steady = [], [], [], []
    result: Any = None
    for _ in range(repeat):
        for leftover in work.glob(f"{copy.name}*"):
            leftover.unlink()
        shutil.copyfile(path, copy)
        with reading(copy) as con:
            candidates = sql.open_claim_deadlines(con, TODAY + timedelta(days=30))
            nothing = sql.handled_through(con)  # nothing recorded yet
        plan_first.append(timed(partial(reminders.plan, candidates, nothing, now, settings, ["inbox"]))[0])
        seconds, result = timed(lambda: reminders.sweep(settings, now=now, channels=channels, worker="bench"))
        first.append(seconds)
    sent = len(result.sent)
    skipped = result.skipped
    with reading(copy) as con:
        candidates = sql.open_claim_deadlines(con, TODAY + timedelta(days=30))
        recorded = sql.handled_through(con)
    for _ in range(repeat):
        plan_steady.append(timed(lambda: reminders.plan(candidates, recorded, now, settings, ["inbox"]))[0])
        seconds, again = timed(lambda: reminders.sweep(settings, now=now, channels=channels, worker="bench"))
        steady.append(seconds)
        if again.sent or again.skipped:
            raise RuntimeError("a steady-state sweep sent reminders again")
    for leftover in work.glob(f"{copy.name}*"):
        leftover.unlink()
    return {
        "timings": {
            "reminders.first": summary(first),
            "reminders.steady": summary(steady),
            "reminders.plan_first": summary(plan_first),
            "reminders.plan_steady": summary(plan_steady),
        },
        "values": {
            "candidates": len(candidates["id"]) if isinstance(candidates, dict) else len(candidates),
            "sent": sent,
            "skipped": skipped,
        },
    }


# --- imports and exports ---------------------------------------------------------------------------


def forecast_csv(work: Path, rows: int) -> Path:
    """A deterministic generic CSV of `rows` forecasts, ten per claim (cached like the ledgers)."""
    import inspect

    source = inspect.getsource(forecast_csv) + repr((generate.SEED, FORECASTS_PER_IMPORTED_CLAIM, TODAY))
    digest = hashlib.sha256(source.encode()).hexdigest()[:8]  # changes with the generator, not the runner
    path = work / f"forecasts-{rows}-{digest}.csv"
    if path.exists():
        return path
    for stale in work.glob(f"forecasts-{rows}-*.csv"):
        stale.unlink()
    rng = np.random.default_rng(generate.SEED)
    claims = max(rows // FORECASTS_PER_IMPORTED_CLAIM, 1)
    start = np.datetime64("2012-01-01")
    made_on = start + rng.integers(0, 4000, claims)
    deadline = made_on + rng.integers(1, 900, claims)
    has_deadline = rng.random(claims) > 0.05
    truth = rng.random(claims) < 0.45
    resolved = has_deadline & (deadline < np.datetime64(TODAY)) & (rng.random(claims) < 0.9)
    outcome = np.where(resolved, np.where(truth, "true", "false"), "").astype(object)
    outcome[resolved & (rng.random(claims) < 0.02)] = "ambiguous"
    tags = np.array(["ai", "economy;policy", "science", "", "energy|trade", "health"], dtype=object)
    claim_tags = tags[rng.integers(0, len(tags), claims)]
    claim_of = np.repeat(np.arange(claims), FORECASTS_PER_IMPORTED_CLAIM)[:rows]
    claim_of = (
        np.concatenate([claim_of, rng.integers(0, claims, rows - len(claim_of))]) if len(claim_of) < rows else claim_of
    )
    p = np.clip(np.round(np.where(truth[claim_of], 0.65, 0.35) + rng.normal(0, 0.2, rows), 2), 0.01, 0.99)
    percent = rng.random(rows) < 0.1
    forecaster = rng.integers(0, 3000, rows)
    offset = (rng.random(rows) * np.maximum((deadline[claim_of] - made_on[claim_of]).astype(int), 1)).astype(int)
    forecast_at = (made_on[claim_of] + offset).astype("datetime64[s]") + rng.integers(0, 86_400, rows)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags", "forecast_at"]
        )
        for i in range(rows):
            c = int(claim_of[i])
            writer.writerow([
                f"Imported claim {c}: a measurable event happens by the deadline",
                f"{p[i] * 100:.0f}%" if percent[i] else f"{p[i]:.2f}",
                outcome[c],
                str(made_on[c]),
                str(deadline[c]) if has_deadline[c] else "",
                f"user{forecaster[i]:04d}",
                claim_tags[c],
                str(forecast_at[i]),
            ])  # fmt: skip
    partial.rename(path)
    return path


def _fresh(path: Path) -> Path:
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
    return path


def bench_transfer(
    work: Path, rows: int, repeat: int, archive: Path | None, log: Callable[[str], None]
) -> dict[str, Any]:
    from predictions import exports, imports

    timings: dict[str, Any] = {}
    values: dict[str, Any] = {}
    source = forecast_csv(work, rows)
    target = work / "import-csv.duckdb"
    samples = []
    for _ in range(repeat):
        _fresh(target)
        seconds, result = timed(lambda: imports.import_file(_fresh(target), source, "csv"))
        samples.append(seconds)
    timings["import.csv"] = summary(samples)
    values["import.csv"] = {"rows": rows, **result.as_dict()}
    log(f"  import csv {rows:,} rows: {statistics.median(samples):.2f} s")
    databases = {"csv": target}
    if archive is not None and archive.is_dir():
        pb = work / "import-predictionbook.duckdb"
        samples = []
        for _ in range(repeat):
            seconds, result = timed(lambda: imports.import_file(_fresh(pb), archive, "predictionbook"))
            samples.append(seconds)
        timings["import.predictionbook"] = summary(samples)
        values["import.predictionbook"] = result.as_dict()
        log(f"  import predictionbook: {statistics.median(samples):.2f} s")
        databases["predictionbook"] = pb
        chain_timings, chain_values = bench_chain(work, archive, pb, repeat, log)
        timings |= chain_timings
        values |= chain_values
    for name, database in databases.items():
        for fmt in ("csv", "json", "parquet"):
            out = work / f"export-{name}.{fmt}"
            samples = []
            for _ in range(repeat):
                out.unlink(missing_ok=True)
                seconds, count = timed(partial(exports.export_ledger, database, fmt, out))
                samples.append(seconds)
            timings[f"export.{name}.{fmt}"] = summary(samples)
            values[f"export.{name}.{fmt}"] = {"records": count, "bytes": out.stat().st_size}
            out.unlink(missing_ok=True)
            log(f"  export {name} {fmt}: {statistics.median(samples):.2f} s")
    return {"timings": timings, "values": values, "databases": {k: str(v) for k, v in databases.items()}}


def bench_chain(
    work: Path, archive: Path, ledger_path: Path, repeat: int, log: Callable[[str], None]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Issue 24's two figures on the archive: `verify` against its floor (a plain loop hashing the same
    canonical records with hashlib, read from the file in the same kind of unit), and the archive import
    against the same import with the chain switched off (db.chain.append a no-op: the import as it was)."""
    import hashlib

    import db
    from db import chain
    from predictions import imports, ledger

    timings: dict[str, Any] = {}
    values: dict[str, Any] = {}

    def floor() -> int:
        with db.read_only(ledger_path) as con:
            records = [text for (text,) in con.execute("SELECT record FROM record_chain ORDER BY seq").fetchall()]
        previous = chain.GENESIS
        for text in records:
            previous = hashlib.sha256((previous + text).encode()).hexdigest()
        return len(records)

    for name, fn in (("verify.predictionbook", lambda: ledger.verify_record(ledger_path)), ("verify.floor", floor)):
        samples = []
        for _ in range(repeat):
            seconds, _result = timed(fn)
            samples.append(seconds)
        timings[name] = summary(samples)
    values["verify.predictionbook"] = {"records": floor()}
    plain = work / "import-predictionbook-unchained.duckdb"
    kept = chain.append
    chain.append = lambda con, table, ids: chain.head(con)
    try:
        samples = []
        for _ in range(repeat):
            seconds, unchained = timed(lambda: imports.import_file(_fresh(plain), archive, "predictionbook"))
            samples.append(seconds)
    finally:
        chain.append = kept
    timings["import.predictionbook.unchained"] = summary(samples)
    values["import.predictionbook.unchained"] = unchained.as_dict()  # the report's size and rate columns
    ratio = timings["verify.predictionbook"]["median"] / timings["verify.floor"]["median"]
    log(f"  verify predictionbook: {timings['verify.predictionbook']['median']:.2f} s ({ratio:.2f}x its floor)")
    log(f"  import predictionbook without the chain: {statistics.median(samples):.2f} s")
    return timings, values


# --- checks: the page, its floor and pandas computed the same figures ------------------------------


# The Overview's figures that its SQL floor and the pandas reference must give exactly.
OVERVIEW_COUNTS = ("claims", "open", "due_soon", "overdue", "resolved", "not_checkable", "author_n", "claimants",
                   "topics")  # fmt: skip


def cross_checks(pages: dict[str, Any], references: dict[str, Any] | None) -> dict[str, bool]:
    close = workloads.close
    values = pages["values"]
    page, floor = values["track_record.page"], values["track_record.floor"]
    picked, picked_floor = values["track_record_picked.page"], values["track_record_picked.floor"]
    checks = {
        "track_record.n = floor": page["n"] == floor["n"],
        "track_record.brier = floor": close(page["brier"], floor["brier"]),
        "track_record.log_score = floor": close(page["log_score"], floor["log_score"]),
        "track_record.calibration_n = floor": page["calibration_n"] == floor["calibration_n"],
        "track_record.history = floor": page["history_points"] == floor["history_points"]
        and close(page["history_last"], floor["history_last"]),
        "track_record.by_n = floor": page["by_n"] == floor["by_n"],
        "track_record.by_brier = floor": all(
            close(page["by_brier"][g][k], floor["by_brier"][g][k])
            for g in page["by_brier"]
            for k in page["by_brier"][g]
        ),
        "track_record.forecaster list = floor": (page["top_forecaster"], page["top_forecasts"])
        == (floor["top_forecaster"], floor["top_forecasts"]),
        "track_record_picked.top forecaster = floor": (
            picked["top_forecaster"],
            picked["top_forecasts"],
            picked["top_n"],
        )
        == (picked_floor["top_forecaster"], picked_floor["top_forecasts"], picked_floor["top_n"])
        and close(picked["top_brier"], picked_floor["top_brier"]),
    }
    over, over_floor = values["overview.page"], values["overview.floor"]
    for key in OVERVIEW_COUNTS:
        checks[f"overview.{key} = floor"] = over[key] == over_floor[key]
    checks["overview.author_brier = floor"] = close(over["author_brier"], over_floor["author_brier"])
    checks["overview.author = track record"] = (
        close(over["author_brier"], page["brier"]) and over["author_n"] == page["n"]
    )
    claim, claim_floor = values["claim.page"], values["claim.floor"]
    checks["claim rows = floor"] = all(
        claim[k] == claim_floor[k] for k in ("observations", "forecasts", "resolutions", "corrections")
    )
    checks["claim probability = floor"] = close(claim["probability"], claim_floor["probability"])
    if references is not None:
        ref = references["values"]
        for key in OVERVIEW_COUNTS:
            checks[f"overview.{key} = pandas"] = over[key] == ref["overview"][key]
        checks["overview.by_status = pandas"] = {k: v for k, v in over["by_status"].items() if v} == ref["overview"][
            "by_status"
        ]
        checks["overview.author_brier = pandas"] = close(over["author_brier"], ref["overview"]["author_brier"])
        for name, mine in (("track_record", page), ("track_record_picked", picked)):
            pandas_record = ref[name]
            for key in ("n", "calibration_n", "history_points", "by_n", "top_forecaster", "top_forecasts", "top_n"):
                checks[f"{name}.{key} = pandas"] = mine[key] == pandas_record[key]
            for key in ("brier", "log_score", "history_last", "top_brier"):
                checks[f"{name}.{key} = pandas"] = close(mine[key], pandas_record[key])
        checks["claim rows = pandas"] = all(
            claim[k] == ref["claim"][k] for k in ("observations", "forecasts", "resolutions")
        )
    return checks


# --- the run ---------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "memory_gb": memory,
        "platform": platform.platform(),
        "versions": versions,
    }


def _median(results: dict[str, Any], key: str) -> float | None:
    entry = results.get("timings", {}).get(key)
    return entry["median"] if entry else None


def ratios(size_result: dict[str, Any]) -> dict[str, float]:
    t = size_result["timings"]
    out: dict[str, float] = {}
    for page in ("overview", "claim", "track_record", "track_record_picked"):
        work = t.get(f"{page}.page", {}).get("median")
        floor = t.get(f"{page}.floor", {}).get("median")
        load = t.get("pandas.load", {}).get("median")
        compute = t.get(f"{page}.pandas_compute", {}).get("median")
        if work and floor:
            out[f"{page}.floor"] = work / floor
        if work and load is not None and compute is not None:
            out[f"{page}.pandas_speedup"] = (load + compute) / work
            out[f"{page}.pandas_compute_speedup"] = compute / work
    return out


def size_run(
    name: str,
    path: Path,
    repeat: int,
    work: Path,
    log: Callable[[str], None],
    *,
    parts: Sequence[str] = PARTS,
    profile: bool = False,
) -> dict[str, Any]:
    claim_id = workloads.busiest_claim(path)
    spec = {"db": str(path), "repeat": repeat, "claim_id": claim_id, "today": TODAY.isoformat()}
    result: dict[str, Any] = {"ledger": ledger_counts(path), "claim_id": claim_id, "timings": {}, "memory": {}}
    log(f"  pages ({repeat} repetitions)")
    pages = run_child("pages", {**spec, "out_file": str(work / f"child-pages-{name}.json")}, log)
    result["timings"].update(pages["timings"])
    result["values"] = pages["values"]
    result["memory"]["pages_mb"] = pages["maxrss_mb"]
    result["memory"]["pages_vmhwm_mb"] = pages["vmhwm_mb"]
    result["points"] = {
        f"{page}.{chart}": count
        for page in ("overview", "claim", "track_record")
        for chart, count in pages["values"][f"{page}.page"]["points"].items()
    }
    reference = None
    if "references" in parts:
        log("  pandas references")
        reference = run_child("references", {**spec, "out_file": str(work / f"child-references-{name}.json")}, log)
        result["timings"].update(reference["timings"])
        result["values"]["pandas"] = reference["values"]
        result["memory"]["pandas_mb"] = reference["maxrss_mb"]
        result["memory"]["pandas_vmhwm_mb"] = reference["vmhwm_mb"]
    if "apptest" in parts:
        log("  AppTest renders")
        rendered = run_child(
            "apptest", {**spec, "repeat": min(repeat, 3), "out_file": str(work / f"child-apptest-{name}.json")}, log
        )
        result["timings"].update(rendered["timings"])
        result["memory"]["dashboard_mb"] = rendered["maxrss_mb"]
        result["memory"]["dashboard_vmhwm_mb"] = rendered["vmhwm_mb"]
        result["apptest_problems"] = rendered["problems"]
        result["apptest_points"] = rendered["points"]
    if "reminders" in parts:
        log("  reminder sweep")
        swept = run_child(
            "reminders", {**spec, "work": str(work), "out_file": str(work / f"child-reminders-{name}.json")}, log
        )
        result["timings"].update(swept["timings"])
        result["values"]["reminders"] = swept["values"]
    if profile:
        log("  profile")
        result["profile"] = run_child("profile", {**spec, "out_file": str(work / f"child-profile-{name}.json")}, log)
    result["checks"] = cross_checks(pages, reference)
    result["ratios"] = ratios(result)
    return result


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    size = results["sizes"].get("M")
    out = []
    if size is not None:
        for label, key, limit, kind in TARGETS:
            if key.startswith("ratio."):
                value = size["ratios"].get(key.removeprefix("ratio."))
            elif key.startswith("memory."):
                value = size["memory"].get(key.removeprefix("memory."))
            else:
                value = size["timings"].get(key, {}).get("median")
            met = None if value is None else (value <= limit if kind == "max" else value >= limit)
            out.append({"target": label, "size": "M", "key": key, "value": value, "limit": limit, "kind": kind,
                        "met": met})  # fmt: skip
    transfer = results.get("transfer")
    if transfer and transfer["values"]["import.csv"]["rows"] == IMPORT_ROWS:
        value = transfer["timings"]["import.csv"]["median"]
        label, limit = IMPORT_TARGET
        out.append({"target": label, "size": "-", "key": "import.csv", "value": value, "limit": limit, "kind": "max",
                    "met": value <= limit})  # fmt: skip
    if results.get("whole"):
        out.extend(results["whole"]["targets"])
    if results.get("ranges"):
        out.append(results["ranges"]["target"])
    large = results["sizes"].get("L")
    if large is not None:
        points = max([*large["points"].values(), *large.get("apptest_points", {}).values()], default=0)
        answered = not large.get("apptest_problems")
        out.append({"target": "L: every page answers, no chart above ~10,000 points", "size": "L", "key": "points",
                    "value": points, "limit": MAX_CHART_POINTS, "kind": "max",
                    "met": answered and points <= MAX_CHART_POINTS})  # fmt: skip
    return out


def run(
    sizes: Sequence[str],
    *,
    out: Path = BENCH,
    work: Path = WORK,
    repeat: int | None = None,
    import_rows: int = IMPORT_ROWS,
    archive: Path | None = ARCHIVE,
    parts: Sequence[str] = PARTS,
    profile: bool = False,
    whole_repeat: int | None = None,
    page_repeat: int | None = None,
    browser: bool = True,
    log: Callable[[str], None] = print,
    ranges_forecasts: int | None = None,
    whole_warmup: bool = True,
) -> dict[str, Any]:
    """The parts named in `parts` at `sizes`; `whole_warmup=False` skips the whole part's untimed first run
    of each command (the smoke test: it checks what the commands answer, not their times)."""
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": machine(),
        "config": {
            "sizes": list(sizes),
            "repeat": repeat,
            "import_rows": import_rows,
            "today": TODAY.isoformat(),
            "sizes_defined": {k: generate.SIZES[k].__dict__ for k in sizes},
        },
        "sizes": {},
    }
    for name in sizes:
        size = generate.SIZES[name]
        path, built = ledger_path(work, size, log)
        log(f"size {name}: {path.name}" + (f" (built in {built:.1f} s)" if built else " (cached)"))
        result = size_run(name, path, repeat or REPEATS[name], work, log, parts=parts, profile=profile)
        result["build_seconds"] = built
        results["sizes"][name] = result
    if "transfer" in parts:
        transfer_repeat = min(repeat or 3, 3)
        log(f"imports and exports ({transfer_repeat} repetitions)")
        results["transfer"] = run_child(
            "transfer",
            {"work": str(work), "rows": import_rows, "repeat": transfer_repeat, "archive": str(archive or ""),
             "out_file": str(work / "child-transfer.json")},
            log,
        )  # fmt: skip
        for line in results["transfer"].pop("log", []):
            log(line)
        pb = results["transfer"]["databases"].get("predictionbook")
        if pb:
            log("size PB: the imported PredictionBook archive")
            results["sizes"]["PB"] = size_run(
                "PB", Path(pb), repeat or REPEATS["PB"], work, log,
                parts=[p for p in parts if p != "reminders"],  # archive claims get no reminders
                profile=profile,
            )  # fmt: skip
    if "whole" in parts:
        log(f"whole processes ({whole_repeat or whole.REPEAT} runs each, pages {page_repeat or whole.PAGE_REPEAT})")
        results["whole"] = run_child(
            "whole",
            {"work": str(work), "repeat": whole_repeat or whole.REPEAT, "page_repeat": page_repeat or whole.PAGE_REPEAT,
             "archive": str(archive or ""), "browser": browser, "warmup": whole_warmup,
             "out_file": str(work / "child-whole.json")},
            log,
        )  # fmt: skip
        for line in results["whole"].pop("log", []):
            log(line)
    if "ranges" in parts:  # scoring 100,000 numeric forecasts (the smoke: fewer) against a NumPy floor
        from bench import ranges as ranges_bench

        n = ranges_forecasts or ranges_bench.N
        log(f"ranges: scoring {n:,} numeric forecasts")
        results["ranges"] = ranges_bench.run(n, repeat=min(repeat or ranges_bench.REPEAT, ranges_bench.REPEAT))
    if "readers" in parts:  # 200 simulated readers against one server (issue 25): bench/readers.py
        from bench import readers

        smoke = repeat == 1  # a one-repetition (smoke) run: 2 readers on 2 claims within 1 s, 1 resolve each way
        count, arrivals = (2, 1.0) if smoke else (readers.READERS, readers.ARRIVALS)
        log(f"readers: {count} simulated readers arriving over {arrivals:g} s against one server")
        results["readers"] = readers.run(
            work, log, readers=count, arrivals=arrivals, resolves=1 if smoke else readers.RESOLVES,
            open_claims=2 if smoke else readers.OPEN_CLAIMS,
        )  # fmt: skip
    results["targets"] = evaluate_targets(results)
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    from bench import report

    report.write(results, out / "BENCHMARKS.md" if out != BENCH else ROOT / "BENCHMARKS.md")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(DEFAULT_SIZES), help="comma-separated: S, M, L")
    parser.add_argument("--repeat", type=int, help="repetitions per figure (default: 7 at S and M, 3 at L)")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS, help="rows of the generic CSV import")
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="the PredictionBook archive (../shared/...)")
    parser.add_argument("--no-archive", action="store_true", help="skip the PredictionBook archive")
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated subset of {', '.join(PARTS)}")
    parser.add_argument("--profile", action="store_true", help="add a cProfile of each page to the results")
    parser.add_argument("--whole-repeat", type=int, help=f"runs of each whole command (default {whole.REPEAT})")
    parser.add_argument("--page-repeat", type=int, help=f"Chromium navigations per page (default {whole.PAGE_REPEAT})")
    parser.add_argument("--no-browser", action="store_true", help="the whole-process part without Chromium")
    parser.add_argument("--out", type=Path, default=BENCH, help="where results.json (and BENCHMARKS.md) go")
    parser.add_argument("--work", type=Path, default=WORK, help="cache of ledgers and scratch files")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        spec = json.loads(args.spec)
        Path(spec["out_file"]).write_text(json.dumps(CHILDREN[args.child](spec), default=str))
        return 0
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in generate.SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}: use {', '.join(generate.SIZES)}")
    results = run(
        sizes,
        out=args.out,
        work=args.work,
        repeat=args.repeat,
        import_rows=args.import_rows,
        archive=None if args.no_archive else args.archive,
        parts=[p.strip() for p in args.parts.split(",") if p.strip()],
        profile=args.profile,
        whole_repeat=args.whole_repeat,
        page_repeat=args.page_repeat,
        browser=not args.no_browser,
    )
    failed = [f"{size}: {name}" for size, r in results["sizes"].items() for name, ok in r["checks"].items() if not ok]
    problems = [f"{size}: {p}" for size, r in results["sizes"].items() for p in r.get("apptest_problems", [])]
    failed += [f"whole: {name}" for name, ok in results.get("whole", {}).get("checks", {}).items() if not ok]
    for line in failed + problems:
        print(f"CHECK FAILED {line}", file=sys.stderr)
    print(f"wrote {args.out / 'results.json'} in {results['seconds']:.0f} s")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
