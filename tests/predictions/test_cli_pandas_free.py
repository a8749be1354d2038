"""No command imports pandas unless it needs it (issue 18, point 1), and reading without it changed no
output: `score` in its JSON forms and `remind once` give, byte for byte, what they gave before
(tests/data/cli_golden/, written by tests/support/cli_golden.py from the code before the change)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_golden import COMMANDS, GOLDEN, build, outputs, reminder_rows

PROBE = """
import contextlib, io, sys
from predictions import cli
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(sys.argv[1:])
print(json.dumps({"code": code, "loaded": sorted(m for m in ("pandas", "pyarrow") if m in sys.modules)}))
""".replace("import contextlib", "import contextlib, json")


def loaded_by(*args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("golden") / "ledger.duckdb"
    build(path)
    return path


def test_score_and_remind_once_load_neither_pandas_nor_pyarrow(ledger: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(ledger.read_bytes())
    db = ["--db", str(copy)]
    for args in (["score", "--json", "--by", "forecaster"], ["score", "--json", "--by", "topic", "--latest"],
                 ["score"], ["remind", "once"], ["remind", "once"], ["list", "--json"]):  # fmt: skip
        # The first `remind once` records every due step, the second is the steady state.
        assert loaded_by(*args, *db) == {"code": 0, "loaded": []}, args


def test_outputs_are_byte_for_byte_what_they_were(ledger: Path) -> None:
    found = outputs(ledger)
    assert list(found) == list(COMMANDS)
    for name, text in found.items():
        assert text == (GOLDEN / f"{name}.txt").read_text(), name
    assert reminder_rows(ledger) == (GOLDEN / "reminders.txt").read_text()
