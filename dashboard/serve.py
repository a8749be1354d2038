"""`make run`: serve the dashboard (and the reminder process, once configured) until Ctrl-C stops both."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def streamlit_command(port: int, address: str = "localhost") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.port", str(port), "--server.address", address, "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the dashboard and the reminder process.")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--address", default="localhost")
    parser.add_argument("--no-reminders", action="store_true", help="serve the dashboard only")
    args = parser.parse_args(argv)
    children = [subprocess.Popen(streamlit_command(args.port, args.address))]
    if not args.no_reminders:
        children.append(subprocess.Popen([sys.executable, "-m", "predictions.cli", "remind", "run"]))
    print(f"dashboard on http://{args.address}:{args.port}  (Ctrl-C stops everything)", flush=True)

    def stop(*_: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
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
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
