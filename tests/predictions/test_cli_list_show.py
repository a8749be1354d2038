"""`predictions list` and `show` as people read them (issue 13, points 7 and 14): an unknown status is one
line and exit 1, `list` has a header and ends cut statements with "…", `show` prints numbers as people
write them and each observation's note and source."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

from db.clock import replaying
from predictions import ledger
from predictions.models import ClaimIn, ObservationIn


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "predictions.cli", *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_an_unknown_status_is_one_line_and_exit_1(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    before = db_path.read_bytes()
    result = run("list", "--status", "overdew", "--db", db_path)
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "unknown status 'overdew'" in result.stderr
    assert "awaiting verdict" in result.stderr and "Traceback" not in result.stderr
    assert db_path.read_bytes() == before
    assert run("list", "--status", "awaiting verdict", "--db", db_path).returncode == 0


def test_list_has_a_header_and_marks_cut_statements(db_path: Path) -> None:
    long = "Robotaxis " + "and more robotaxis " * 10 + "everywhere."
    ledger.add_claim(db_path, ClaimIn(statement=long, made_on=date(2025, 1, 1), deadline=date(2026, 12, 31)))
    lines = run("list", "--db", db_path).stdout.splitlines()
    assert lines[0].split() == ["id", "status", "deadline", "prob", "statement"]
    assert lines[1].endswith("…") and long not in lines[1]
    assert len(lines[1].split("  ")[-1].strip()) <= 80


def test_show_prints_numbers_notes_and_sources(db_path: Path) -> None:
    claim = ClaimIn(statement="Five million cars.", made_on=date(2025, 1, 1), deadline=date(2026, 12, 31),
                    kind="threshold", metric="cars sold", unit="cars", target=5_000_000)  # fmt: skip
    with replaying(datetime(2025, 1, 1, 9)):  # added the day it was made: its 65% is live, not backfilled
        claim_id = ledger.add_claim(db_path, claim, probability=0.65)
    ledger.add_observation(db_path, claim_id, ObservationIn(observed_on=date(2025, 6, 30), value=1_250_000,
                           note="H1 sales report", source_url="https://example.org/h1"))  # fmt: skip
    text = run("show", str(claim_id), "--db", db_path).stdout
    assert "target: cars sold >= 5,000,000 cars" in text and "probability: 65%" in text
    assert "observed 2025-06-30: 1,250,000 — H1 sales report" in text
    assert "source: https://example.org/h1" in text
    assert "e+0" not in text and "5000000.0" not in text
