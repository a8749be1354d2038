"""A process's CPU time from /proc, for bench/whole.py's server CPU per new reader (issue 30): read once the
server has gone quiet, so that a batch of readers is charged all the work it caused and nothing after."""

from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` and its reaped children so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICK  # utime, stime, cutime, cstime


def quiet_cpu(pid: int, limit: float = 10.0) -> float:
    """The server's CPU time once it has stopped using any (sessions closed, collections done)."""
    before, started = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - started < limit:
        time.sleep(0.3)
        now = cpu_seconds(pid)
        if now == before:
            return now
        before = now
    return before
