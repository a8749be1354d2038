"""The command line as fast as the engine under it (issue 18): `--help` and usage errors load nothing
heavy, JSON is compact unless asked (or on a terminal), and a breakdown streams as JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledger_snapshot import run_cli

from predictions import ledger

HEAVY = ("pydantic", "duckdb", "numpy", "pandas", "pyarrow", "pydantic_settings", "yaml")
PROBE = """
import sys
from predictions import cli
try:
    cli.main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED:" + ",".join(sorted(name for name in sys.modules if name.split(".")[0] in {heavy})))
"""


def loaded_by(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *args], capture_output=True, text=True, timeout=120
    )
    last = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("LOADED:"))
    return {name.split(".")[0] for name in last.removeprefix("LOADED:").split(",") if name}


def test_help_and_usage_errors_load_nothing_heavy() -> None:
    assert loaded_by("--help") == set()
    assert loaded_by("list", "--status") == set()  # an argument error
    assert loaded_by("resolve") == set()
    assert "duckdb" in loaded_by("list", "--db", "/nonexistent/x.duckdb")  # a real command loads what it needs


def test_listing_and_a_quiet_sweep_load_neither_numpy_nor_pydantic(db_path: Path) -> None:
    """What cron and scripts run most (issue 18): with the default settings, only DuckDB is heavy."""
    ledger.seed_from_file(db_path)
    assert loaded_by("list", "--json", "--db", str(db_path)) == {"duckdb"}
    sweep = ("remind", "once", "--now", "2026-06-01T09:00:00", "--db", str(db_path))
    assert "numpy" not in loaded_by(*sweep)  # the first sweep sends (the seed's steps, planned from rows)
    assert loaded_by(*sweep) == {"duckdb"}  # nothing new: no numpy, no pydantic


def test_json_is_compact_unless_asked(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    compact = run_cli(["list", "--json", "--db", str(db_path)])
    indented = run_cli(["list", "--json", "--indent", "2", "--db", str(db_path)])
    assert compact.code == indented.code == 0
    assert compact.out.count("\n") == 1 and "\n  " in indented.out  # captured stdout is not a terminal
    assert json.loads(compact.out) == json.loads(indented.out)


def test_a_breakdown_streams_as_json_lines(db_path: Path) -> None:
    from predictions.imports import import_text

    rows = ["statement,probability,outcome,made_on,deadline,forecaster,tags"]
    rows += [
        f"Claim number {i},0.{i % 9 + 1},{'true' if i % 3 else 'false'},2024-01-01,2024-06-30,F{i % 4},"
        for i in range(40)
    ]
    import_text(db_path, "\n".join(rows) + "\n", "csv", "forecasters")
    whole = json.loads(run_cli(["score", "--json", "--by", "forecaster", "--db", str(db_path)]).out)
    lines = run_cli(["score", "--jsonl", "--by", "forecaster", "--db", str(db_path)]).out.splitlines()
    documents = [json.loads(line) for line in lines]
    assert [d["group"] for d in documents[:-1]] == list(whole["by"])
    for document in documents[:-1]:
        assert {k: v for k, v in document.items() if k != "group"} == whole["by"][document["group"]]
    assert documents[-1]["group"] is None and documents[-1]["brier"] == whole["brier"]
    refused = run_cli(["score", "--jsonl", "--db", str(db_path)])
    assert refused.code == 1 and refused.error_lines == ["error: --jsonl goes with --by (one line per group)"]
