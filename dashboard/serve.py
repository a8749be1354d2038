"""`make run`: serve the dashboard (and the reminder process, once configured) until Ctrl-C stops both."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from logging.handlers import RotatingFileHandler
from pathlib import Path

APP = Path(__file__).with_name("app.py")
# data/reminders.log (what the reminder process logged) is rotated: at LOG_MAX_BYTES it becomes
# reminders.log.1 (the older ones shift to .2 … .LOG_BACKUPS, the oldest dropped), so it never grows past
# (LOG_BACKUPS + 1) × LOG_MAX_BYTES, about 4 MB, which holds months of a quiet process's lines.
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
SWEEP = re.compile(r"reminder sweep: (\d+) sent(.*)$")


def streamlit_command(port: int, address: str = "localhost") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", address, "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--logger.level", "error",
    ]  # fmt: skip


def public_url(address: str, port: int) -> str:
    """Where the dashboard is reached: PREDICTIONS_DASHBOARD_URL when set, else this server's port."""
    from predictions.settings import load_settings

    settings = load_settings()
    if "dashboard_url" in settings.given:
        return settings.dashboard_url.rstrip("/")
    return f"http://{'localhost' if address in ('0.0.0.0', '127.0.0.1') else address}:{port}"


def sweep_line(line: str) -> str | None:
    """The one line `make run` shows for a reminder sweep: "reminder sweep: 2 sent, …" → "2 reminders sent"."""
    match = SWEEP.search(line)
    if match is None:
        return None
    sent = int(match.group(1))
    rest = match.group(2).strip(", ")
    return f"{sent} reminder{'s' if sent != 1 else ''} sent" + (f" ({rest})" if rest and "0 failed" not in rest else "")


WATCH = re.compile(r"(watch \d+ \(claim #\d+\): .*)$")
FOUND = re.compile(r"failed: |\b[1-9]\d* (?:new|revised)")


def watch_line(line: str) -> str | None:
    """The line `make run` shows for a watch run that found something or failed (quiet runs stay in the log)."""
    match = WATCH.search(line.rstrip())
    return match.group(1) if match is not None and FOUND.search(match.group(1)) else None


def wait_until_up(url: str, child: subprocess.Popen[bytes], seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the dashboard and the reminder process.")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.add_argument("--no-reminders", action="store_true", help="serve the dashboard only")
    parser.add_argument("--logs", type=Path, default=Path("data"), help="folder of dashboard.log and reminders.log")
    args = parser.parse_args(argv)
    args.logs.mkdir(parents=True, exist_ok=True)
    url = public_url(args.address, args.port)
    # Each child's chatter goes to its log file; the terminal gets one line per reminder sweep and the URL last.
    dashboard_log = (args.logs / "dashboard.log").open("ab")
    children = [
        subprocess.Popen(streamlit_command(args.port, args.address), stdout=dashboard_log, stderr=subprocess.STDOUT)
    ]
    swept = threading.Event()
    if not args.no_reminders:
        env = {**os.environ, "PREDICTIONS_DASHBOARD_URL": url}  # links in reminders point at this server
        reminder = subprocess.Popen(
            [sys.executable, "-m", "predictions.cli", "remind", "run"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        children.append(reminder)
        threading.Thread(target=relay, args=(reminder, args.logs / "reminders.log", swept), daemon=True).start()

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        host = "127.0.0.1" if args.address in ("0.0.0.0", "localhost") else args.address
        if not wait_until_up(f"http://{host}:{args.port}", children[0]):
            print(f"the dashboard did not start: see {args.logs / 'dashboard.log'}", file=sys.stderr, flush=True)
            return 1
        if len(children) > 1:
            swept.wait(timeout=60)  # the first sweep's line comes before the URL
        print(f"dashboard on {url}  (Ctrl-C stops everything)", flush=True)
        # The dashboard's life is the session's; a reminder process that dies is reported, not fatal.
        reported = False
        while children[0].poll() is None:
            try:
                children[0].wait(timeout=1)
            except subprocess.TimeoutExpired:
                if len(children) > 1 and children[1].poll() is not None and not reported:
                    print("reminder process stopped; the dashboard keeps running", file=sys.stderr, flush=True)
                    reported = True
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        dashboard_log.close()
    return 0


def relay(
    child: subprocess.Popen[bytes],
    log: Path,
    swept: threading.Event,
    max_bytes: int = LOG_MAX_BYTES,
    backups: int = LOG_BACKUPS,
) -> None:
    """Copy the reminder process's output to its rotating log; show each sweep's summary, and each watch
    run that found something or failed, as one line."""
    assert child.stdout is not None
    out = rotating_log(log, max_bytes, backups)
    try:
        for raw in child.stdout:
            text = raw.decode("utf-8", "replace")
            out.emit(logging.makeLogRecord({"msg": text.rstrip("\n"), "levelno": logging.INFO}))
            line = sweep_line(text)
            if line is not None:
                print(line, flush=True)
                swept.set()
            elif (watched := watch_line(text)) is not None:
                print(watched, flush=True)
    finally:
        out.close()


def rotating_log(path: Path, max_bytes: int = LOG_MAX_BYTES, backups: int = LOG_BACKUPS) -> RotatingFileHandler:
    """A handler appending lines as given (the process's own timestamps kept) to `path`, rotated by size."""
    handler = RotatingFileHandler(path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    return handler


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
