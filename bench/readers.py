"""`python -m bench.readers`: 200 simulated readers forecasting against one dashboard server (issue 25).

A fresh seed ledger with open claims, one `streamlit run` of the dashboard, and 200 readers, each a
websocket session (bench/streamlit_client.py) from a loopback address of its own (127.0.2.x, so the
per-address rate limit is one per reader, as on the internet), arriving at random over the first 50 s
of a 60 s window: each opens a claim page, submits a forecast and changes it once a few seconds later.
Reported: submit latency (p50, p95, max), page-open latency, every acknowledged forecast found stored
(its pseudonym recomputed from the cookie the server set), and the author's `predictions resolve`
(a whole CLI process) idle against during the load, with their ratio (target: at most 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "work"
READERS = 200
ARRIVALS = 50.0
OPEN_CLAIMS = 12
RESOLVES = 5
RATIO_TARGET = 1.5


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _prepare(
    folder: Path, resolves: int = RESOLVES, open_claims: int = OPEN_CLAIMS
) -> tuple[Path, list[int], list[int]]:
    from predictions import ledger
    from predictions.models import ClaimIn

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("ledger*"):
        old.unlink()
    path = folder / "ledger.duckdb"
    ledger.ensure_database(path)
    today = date.today()

    def claim(statement: str) -> int:
        return ledger.add_claim(
            path,
            ClaimIn(statement=statement, made_on=today - timedelta(days=3), deadline=today + timedelta(days=300)),
            probability=0.6,
            author_name="Pascal Coppens",
        )

    open_ids = [claim(f"An open claim readers forecast, number {i}") for i in range(open_claims)]
    resolve_ids = [claim(f"A claim the author resolves, number {i}") for i in range(2 * resolves)]
    return path, open_ids, resolve_ids


def _serve(path: Path, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    env.update({"PREDICTIONS_DB": str(path), "PYTHONUNBUFFERED": "1"})
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"), "--server.headless", "true",
        "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with (folder / "streamlit.log").open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the dashboard did not start")


def _resolve(path: Path, claim_id: int) -> float:
    env = {**os.environ, "PREDICTIONS_DB": str(path)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "predictions.cli", "resolve", str(claim_id), "true"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"resolve failed: {done.stderr}")
    return seconds


def run(
    work: Path = WORK,
    log: Callable[[str], None] = print,
    readers: int = READERS,
    *,
    arrivals: float = ARRIVALS,
    resolves: int = RESOLVES,
    open_claims: int = OPEN_CLAIMS,
) -> dict[str, Any]:
    """`readers` simulated readers arriving over `arrivals` seconds, each on one of `open_claims` open claims;
    the author's resolve timed `resolves` times idle and as many under the load (the smoke test runs the
    smallest: 2 readers on 2 claims, 1 s, 1 resolve)."""
    from bench.streamlit_client import Session
    from predictions import reader_identity as identity

    folder = work / "readers"
    path, open_ids, resolve_ids = _prepare(folder, resolves, open_claims)
    process, url = _serve(path, folder)
    try:
        with Session(url) as warm:  # the first page of a server imports everything: not a reader's figure
            warm.open("claim", f"claim={open_ids[0]}")
        idle = [_resolve(path, claim) for claim in resolve_ids[:resolves]]
        log(f"readers: idle resolve median {statistics.median(idle):.3f} s")
        rng = random.Random(42)
        plan = sorted((rng.uniform(0, arrivals), i, rng.choice(open_ids)) for i in range(readers))
        submits: list[float] = []
        opens: list[float] = []
        acknowledged: list[tuple[str, int, int]] = []
        refused: list[str] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = time.monotonic()

        def reader(arrival: float, number: int, claim: int) -> None:
            time.sleep(max(0.0, start + arrival - time.monotonic()))
            choice = random.Random(number)
            try:
                with Session(url, source_address=f"127.0.{2 + number // 250}.{1 + number % 250}", timeout=120) as tab:
                    page = tab.open("claim", f"claim={claim}")
                    with lock:
                        opens.append(page.seconds)
                    for attempt in range(2):
                        value = choice.randint(1, 99) if attempt == 0 else choice.randint(1, 99) | 1
                        if attempt:
                            time.sleep(choice.uniform(1, 5))
                        answer = tab.submit(page, {"reader_probability": value}, "reader_submit")
                        page = answer
                        with lock:
                            taken = ("is recorded.", "Your forecast changed from", "Your forecast stays at")
                            if any(answer.has(text) for text in taken):  # not "Your forecast was not recorded"
                                submits.append(answer.seconds)
                                acknowledged.append((tab.token or "", claim, value))
                            else:
                                refused.append(next((t for t in answer.texts if "wait" in t), "no answer"))
            except Exception as error:
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")

        loaded: list[float] = []

        def author() -> None:
            time.sleep(min(10.0, arrivals / 5))  # once the readers are arriving
            for claim in resolve_ids[resolves:]:
                loaded.append(_resolve(path, claim))
                time.sleep(min(2.0, arrivals / 25))

        side = threading.Thread(target=author)
        side.start()
        with ThreadPoolExecutor(max_workers=readers) as pool:
            list(pool.map(lambda item: reader(*item), plan))
        side.join()
        elapsed = time.monotonic() - start
    finally:
        process.terminate()
        process.wait(timeout=30)
    secret = identity.server_secret(path)
    from db import reader_forecasts as sql

    with sql.reading(sql.readers_file(path)) as con:
        rows = [] if con is None else sql.forecasts_of_claims(con, None)
    stored = {(r["reader"], int(r["claim_id"]), round(100 * float(r["probability"]))) for r in rows}
    missing = 0
    for token, claim, value in acknowledged:
        reader_id = identity.token_reader(token, secret)
        name = identity.pseudonym(reader_id, secret) if reader_id else ""
        missing += (name, claim, value) not in stored
    ratio = statistics.median(loaded) / statistics.median(idle) if loaded and idle else None
    result = {
        "readers": readers,
        "window_seconds": round(elapsed, 1),
        "submitted": len(submits) + len(refused),
        "acknowledged": len(acknowledged),
        "refused": len(refused),
        "errors": errors[:5],
        "error_count": len(errors),
        "acknowledged_not_stored": missing,
        "rows_stored": len(rows),
        "submit_p50": _percentile(submits, 0.5),
        "submit_p95": _percentile(submits, 0.95),
        "submit_max": max(submits) if submits else None,
        "open_p50": _percentile(opens, 0.5),
        "open_p95": _percentile(opens, 0.95),
        "resolve_idle_median": statistics.median(idle),
        "resolve_idle": idle,
        "resolve_loaded_median": statistics.median(loaded) if loaded else None,
        "resolve_loaded": loaded,
        "resolve_ratio": ratio,
        "resolve_ratio_target": RATIO_TARGET,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    log(
        f"readers: {result['acknowledged']} acknowledged ({missing} not stored), submit p50 "
        f"{result['submit_p50']:.3f} s p95 {result['submit_p95']:.3f} s; resolve idle "
        f"{result['resolve_idle_median']:.3f} s, under load {result['resolve_loaded_median']:.3f} s "
        f"(×{ratio:.2f}, target ≤ {RATIO_TARGET})"
        if submits and ratio is not None
        else f"readers: {result}"
    )
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.readers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=READERS)
    parser.add_argument("--work", type=Path, default=WORK)
    args = parser.parse_args(argv)
    result = run(args.work, readers=args.readers)
    (args.work / "readers.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0 if result["acknowledged_not_stored"] == 0 and not result["error_count"] else 1


if __name__ == "__main__":
    sys.exit(main())
