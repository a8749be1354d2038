"""The `predictions` command as a real subprocess: exit codes, stdout, stderr, and a database that bad
input leaves exactly as it was.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from predictions import cli
from predictions.confidence import hedge_probability
from predictions.seed import default_seed_path

BAD_INPUTS = Path(__file__).resolve().parents[1] / "bad_inputs"
ENTRY_POINT = Path(sys.executable).with_name("predictions")
LIST_KEYS = {
    "id", "statement", "quote", "claimant", "attribution", "kind", "deadline", "deadline_precision", "probability",
    "status", "metric", "unit", "comparator", "target", "tags", "source",
}  # fmt: skip


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(ENTRY_POINT)] if ENTRY_POINT.exists() else [sys.executable, "-m", "predictions.cli"]
    return subprocess.run(
        [*command, *map(str, args)], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: the whole database, for before/after comparisons."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


def n_shipped_evidence() -> int:
    """Rows of the evidence file shipped beside the seed, counted by the csv module."""
    path = default_seed_path().with_name(default_seed_path().stem + ".evidence.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def shipped_version() -> str:
    """Which version of the shipped evidence this is, read from its revisions file: its latest `revised_on`."""
    path = default_seed_path().with_name(default_seed_path().stem + ".evidence.revisions.csv")
    with path.open(encoding="utf-8", newline="") as handle:
        return f"the revision of {max(row['revised_on'] for row in csv.DictReader(handle))}"


def n_seed_claims() -> int:
    return len(yaml.safe_load(default_seed_path().read_text(encoding="utf-8"))["claims"])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.duckdb"
    assert ok("init", "--db", path).strip() == (
        f"created {path}: {n_seed_claims()} claims added, 0 already there; "
        f"{n_shipped_evidence()} observations of evidence added, 0 already there; "
        f"shipped evidence: {shipped_version()}"
    )
    return path


def copy_of(seeded: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "ledger.duckdb"
    shutil.copy(seeded, target)
    return target


# --- every command ---------------------------------------------------------------------------------


def test_every_command_takes_db() -> None:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert commands is not None
    expected = {"init", "list", "show", "add", "observe", "forecast", "resolve", "import", "export", "score"}
    assert set(commands) >= expected
    for name, sub in commands.items():
        actions = next((a for a in sub._actions if isinstance(a, argparse._SubParsersAction)), None)
        # A command with actions of its own (watch) takes --db on each action.
        for where, parser in actions.choices.items() if actions is not None else [(name, sub)]:
            assert any("--db" in action.option_strings for action in parser._actions), where


def test_init_twice_adds_nothing_and_the_db_comes_from_the_environment(tmp_path: Path, db_path: Path) -> None:
    first = ok("init")  # PREDICTIONS_DB points at db_path
    assert first.startswith(f"created {db_path}:") and db_path.exists()
    before = dump(db_path)
    assert ok("init").endswith(
        f"0 claims added, {n_seed_claims()} already there; "
        f"0 observations of evidence added, {n_shipped_evidence()} already there; "
        f"shipped evidence: {shipped_version()}\n"
    )
    assert dump(db_path) == before
    elsewhere = tmp_path / "elsewhere.duckdb"
    assert ok("init", "--db", elsewhere).startswith(f"created {elsewhere}:")  # --db wins over the environment


def test_list_json_shows_the_seed_claims(seeded: Path) -> None:
    items = json.loads(ok("list", "--json", "--db", seeded))
    seed = yaml.safe_load(default_seed_path().read_text(encoding="utf-8"))
    assert len(items) == len(seed["claims"])
    by_statement = {item["statement"]: item for item in items}
    today = date.today()
    for claim in seed["claims"]:
        item = by_statement[claim["statement"]]
        assert set(item) >= LIST_KEYS
        assert (item["quote"], item["claimant"], item["attribution"]) == (
            claim["quote"],
            claim["claimant"],
            claim["attribution"],
        )
        assert item["kind"] == claim.get("kind", "binary")
        assert item["tags"] == [t.lower() for t in claim["tags"]]
        assert (item["metric"], item["unit"], item["target"]) == (
            claim.get("metric"),
            claim.get("unit"),
            claim.get("target"),
        )
        expected_probability = claim.get("probability") or hedge_probability(claim["hedge"])
        assert item["probability"] == pytest.approx(expected_probability)
        assert item["source"]["title"] == seed["source"]["title"]
        if item["deadline"] is None:
            assert item["status"] == "not checkable" and item["deadline_precision"] is None
        else:
            deadline = date.fromisoformat(item["deadline"])
            assert item["deadline_precision"] in {"day", "month", "quarter", "half", "year"}
            assert (item["state"] == "overdue") == (deadline < today)
    robotaxis = next(i for i in items if "65" in i["statement"] and i["kind"] == "threshold")
    assert (robotaxis["deadline"], robotaxis["deadline_precision"], robotaxis["comparator"]) == (
        "2025-12-31",
        "year",
        ">=",
    )
    text = ok("list", "--db", seeded)
    assert len(text.splitlines()) == len(items) + 1  # a header line


def test_a_claim_from_add_to_undo(seeded: Path, tmp_path: Path) -> None:
    db = copy_of(seeded, tmp_path)
    added = ok(
        "add", "--db", db, "--statement", "Robotaxis operate in 100 Chinese cities", "--quote", "I predict 100 cities.",
        "--made-on", "2025-01-15", "--deadline", "2027-06-30", "--deadline-precision", "half", "--metric", "cities",
        "--unit", "cities", "--target", "100", "--baseline", "20", "--comparator", ">=", "--tags", "Mobility,AI",
        "--criteria", "Official count", "--claimant", "Pascal Coppens",
    )  # fmt: skip
    claim_id = added.strip().removeprefix("added claim ")
    assert claim_id.isdigit() and int(claim_id) == n_seed_claims() + 1
    assert ok("observe", claim_id, "--db", db, "--on", "2025-03-01", "--value", "30", "--source", "https://x.org/a")
    assert ok(
        "forecast", claim_id, "--db", db, "--probability", "40%", "--forecaster", "me"
    )  # live: a forecast dated back (--at) would be kept as backfilled and never shown as the probability
    shown = json.loads(ok("show", claim_id, "--json", "--db", db))
    assert (shown["kind"], shown["metric"], shown["target"], shown["baseline"], shown["comparator"]) == (
        "threshold",
        "cities",
        100.0,
        20.0,
        ">=",
    )
    assert (shown["deadline"], shown["deadline_precision"], shown["tags"]) == ("2027-06-30", "half", ["mobility", "ai"])
    assert (shown["made_on"], shown["resolution_criteria"], shown["claimant"]) == (
        "2025-01-15",
        "Official count",
        "Pascal Coppens",
    )
    assert [(f["probability"], f["basis"]) for f in shown["forecasts"]] == [(0.8, "verbal"), (0.4, "updated")]
    assert shown["probability"] == 0.4
    assert [o["value"] for o in shown["observations"]] == [30.0]

    assert ok("resolve", claim_id, "true", "--on", "2025-05-01", "--db", db) == f"resolved claim {claim_id}: true\n"
    assert ok("resolve", claim_id, "partial", "--fraction", "0.5", "--on", "2025-05-02", "--db", db)
    assert "undid resolution partial" in ok("resolve", claim_id, "--undo", "--db", db)
    after_undo = json.loads(ok("show", claim_id, "--json", "--db", db))
    assert (after_undo["status"], after_undo["outcome"]) == ("resolved true", "true")
    assert [(r["outcome"], r["fraction"], r["undone_at"] is None) for r in after_undo["resolutions"]] == [
        ("true", None, True),
        ("partial", 0.5, False),
    ]


def seed_claims() -> list[dict[str, Any]]:
    claims: list[dict[str, Any]] = yaml.safe_load(default_seed_path().read_text(encoding="utf-8"))["claims"]
    return claims


def test_show_as_text(seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = copy_of(seeded, tmp_path)
    assert cli.main(["resolve", "2", "partial", "--fraction", "0.5", "--on", "2025-05-02", "--db", str(db)]) == 0
    assert cli.main(["resolve", "2", "--undo", "--db", str(db)]) == 0
    capsys.readouterr()
    text = ok("show", "2", "--db", db)
    second = seed_claims()[1]  # ids follow the seed file's order
    assert text.startswith(f"#2 {second['statement']}")
    assert f'"{second["quote"]}"' in text
    assert "resolved 2025-05-02: partial (undone)" in text


def test_score_json_shape(seeded: Path, tmp_path: Path) -> None:
    db = copy_of(seeded, tmp_path)
    assert cli.main(["resolve", "2", "false", "--on", "2026-01-05", "--db", str(db)]) == 0
    assert cli.main(["resolve", "3", "true", "--on", "2026-01-05", "--db", str(db)]) == 0
    second, third = seed_claims()[1:3]
    p_false, p_true = (c.get("probability") or hedge_probability(c["hedge"]) for c in (second, third))
    score = json.loads(ok("score", "--json", "--by", "attribution", "--db", db))
    assert set(score) == {"n", "brier", "log_score", "calibration", "by", "numeric"}
    assert score["numeric"]["n"] == 0  # no range resolved (tests/predictions/test_range_store.py has them)
    assert score["n"] == 2
    assert score["brier"] == pytest.approx((p_false**2 + (1 - p_true) ** 2) / 2)
    assert len(score["calibration"]) == 10
    assert set(score["calibration"][0]) >= {"low", "high", "n", "hits", "mean_probability"}
    attributions = {second["attribution"], third["attribution"]}
    assert set(score["by"]) == attributions
    assert sum(sub["n"] for sub in score["by"].values()) == 2
    text = ok("score", "--db", db)
    assert text.startswith("all scored forecasts") and "n=2" in text


# --- bad input: exit 1, one line per problem, no traceback, nothing changed ----------------------------


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    expected: tuple[str, ...]  # one fragment per expected stderr line, in order


CLAIM = ("add", "--statement", "Robotaxis operate in 65 cities", "--made-on", "2025-01-01")
# Run as real processes (with every broken file below): the bad inputs the issue names.
CASES: dict[str, Case] = {
    "invalid probability": Case((*CLAIM, "--probability", "1.5"), ("probability '1.5' is outside 0–1",)),
    "malformed date": Case((*CLAIM, "--deadline", "2025-02-30"), ("'2025-02-30' is not a date (use YYYY-MM-DD)",)),
    "unknown claim id": Case(("show", "999"), ("no claim with id 999",)),
    "resolve an unknown claim": Case(("resolve", "999", "true"), ("no claim with id 999",)),
    "deadline before the claim was made": Case(
        ("add", "--statement", "Robotaxis", "--made-on", "2025-06-01", "--deadline", "2025-01-01"),
        ("deadline 2025-01-01 is before the claim was made (2025-06-01)",),
    ),
    "unknown kind": Case((*CLAIM, "--kind", "prophecy"), ("argument --kind: invalid choice: 'prophecy'",)),
}
# Run in-process through cli.main (the same code path, without the start-up cost of a process).
IN_PROCESS_CASES: dict[str, Case] = {
    "probability not a number": Case((*CLAIM, "--probability", "likely"), ("probability 'likely' is not a number",)),
    "percentage over 100": Case(("forecast", "1", "--probability", "120%"), ("probability '120%' is outside",)),
    "malformed observation date": Case(
        ("observe", "1", "--on", "31/12/2025", "--value", "3"), ("'31/12/2025' is not a date",)
    ),
    "claim id not a number": Case(("show", "abc"), ("no claim with id 'abc'",)),
    "observe an unknown claim": Case(
        ("observe", "999", "--on", "2025-03-01", "--value", "3"), ("no claim with id 999",)
    ),
    "forecast an unknown claim": Case(("forecast", "999", "--probability", "0.5"), ("no claim with id 999",)),
    "undo an unknown claim": Case(("resolve", "999", "--undo"), ("no claim with id 999",)),
    "threshold without target": Case((*CLAIM, "--kind", "threshold"), ("a threshold claim needs metric and target",)),
    "statement too short": Case(("add", "--statement", "ab"), ("statement: String should have at least 3",)),
    "unknown outcome": Case(("resolve", "1", "maybe"), ("unknown outcome 'maybe'",)),
    "partial without fraction": Case(("resolve", "1", "partial"), ("a partial resolution needs --fraction",)),
    "fraction without partial": Case(("resolve", "1", "true", "--fraction", "0.3"), ("only given with a partial",)),
    "resolved before made": Case(("resolve", "1", "true", "--on", "2020-01-01"), ("before the claim was made",)),
    "undo without resolution": Case(("resolve", "1", "--undo"), ("claim 1 has no resolution to undo",)),
    "outcome and undo": Case(("resolve", "1", "true", "--undo"), ("give either an outcome or --undo",)),
    "not a finite value": Case(("observe", "1", "--on", "2025-03-01", "--value", "nan"), ("'nan' is not a finite",)),
    "observation without value or note": Case(("observe", "1", "--on", "2025-03-01"), ("needs --value X or --note",)),
    "javascript link": Case(
        ("observe", "1", "--on", "2025-03-01", "--note", "x", "--source", "javascript:alert(1)"),
        ("source_url: must be an http:// or https:// URL",),
    ),
    "unknown grouping": Case(("score", "--by", "colour"), ("argument --by: invalid choice: 'colour'",)),
    "unknown import format": Case(("import", "x.csv", "--format", "xml"), ("argument --format: invalid choice",)),
    "import of a missing file": Case(("import", "no-such.csv", "--format", "csv"), ("no-such.csv: no such file",)),
    "add without statement": Case(("add", "--made-on", "2025-01-01"), ("add needs --statement",)),
    "no command": Case((), ("the following arguments are required: command",)),
}

FILE_CASES: dict[str, tuple[str, ...]] = {
    "fourth_row_bad.csv": ("line 5: probability: probability '1.7' is outside 0–1",),
    "several_problems.csv": (
        "line 4: made_on:",  # line 3 is blank
        "line 5: outcome: outcome 'maybe' must be true, false, partial, ambiguous or blank",
        "line 6: deadline 2024-01-01 is before made_on 2024-06-01",
        "line 7: more fields than columns in the header",
        "line 8: statement:",
        "line 9: probability: probability '150%' is outside 0–1",
    ),
    "missing_column.csv": ("line 1: missing column(s) probability",),
    "unknown_column.csv": ("line 1: unknown column(s) confidence",),
    "empty.csv": ("line 1: missing column(s) statement, probability, made_on",),
    "contradicting_outcomes.csv": ("line 3: outcome false contradicts true given for the same claim at line 2",),
    "latin1.csv": ("latin1.csv: not UTF-8 text",),
    "not_json.json": ("line 3: not valid JSON",),
    "wrong_format.json": ("format: not a trend-prediction-tracker/1 export",),
    "bad_claim.json": ("claims.1.forecasts.1.probability: Input should be less than or equal to 1",),
    "duplicate_ids.json": ("claims.1: the same claim as claims.0",),
    "bad_syntax.yaml": ("not valid YAML",),
    "unknown_field.yaml": ("claims.0.deadlne_text: Extra inputs are not permitted",),
    "not_parquet.parquet": ("not_parquet.parquet: not a readable parquet file",),
}
for _name, _expected in FILE_CASES.items():
    CASES[f"import {_name}"] = Case(("import", str(BAD_INPUTS / _name), "--format", Path(_name).suffix[1:]), _expected)


@dataclass
class Outcome:
    before: dict[str, list[tuple[Any, ...]]]
    result: subprocess.CompletedProcess[str]
    after: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def outcomes(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Run every bad-input case as its own process on its own copy of the seeded database, a few at a time."""
    folders = {name: tmp_path_factory.mktemp("bad") for name in CASES}
    env = {**os.environ, "PREDICTIONS_DB": str(tmp_path_factory.mktemp("unused") / "unused.duckdb")}

    def one(name: str) -> Outcome:
        db = copy_of(seeded, folders[name])
        before = dump(db)
        result = run(*CASES[name].args, "--db", db, env=env) if CASES[name].args else run(env=env)
        return Outcome(before, result, dump(db))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(one, CASES), strict=True))


def assert_clean_failure(result: subprocess.CompletedProcess[str], expected: Sequence[str]) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == len(expected), lines  # one line per problem
    for line, fragment in zip(lines, expected, strict=True):
        assert line.startswith("error: ")
        assert fragment in line, (fragment, line)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_and_changes_nothing(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    assert_clean_failure(outcome.result, CASES[name].expected)
    assert outcome.after == outcome.before


@pytest.mark.parametrize("name", list(IN_PROCESS_CASES))
def test_bad_input_in_process(name: str, seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = copy_of(seeded, tmp_path)
    before = dump(db)
    args = [*IN_PROCESS_CASES[name].args, "--db", str(db)] if IN_PROCESS_CASES[name].args else []
    code = cli.main(args)  # an exception escaping here would be a traceback for the user
    out, err = capsys.readouterr()
    assert_clean_failure(subprocess.CompletedProcess(args, code, out, err), IN_PROCESS_CASES[name].expected)
    assert dump(db) == before


def test_every_bad_input_file_has_a_case() -> None:
    assert sorted(p.name for p in BAD_INPUTS.iterdir()) == sorted(FILE_CASES)


def test_a_partly_bad_file_into_a_new_database_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    assert_clean_failure(
        run("import", BAD_INPUTS / "fourth_row_bad.csv", "--format", "csv", "--db", db),
        FILE_CASES["fourth_row_bad.csv"],
    )
    assert not db.exists()


def test_a_parquet_file_with_a_bad_fourth_row_imports_nothing(seeded: Path, tmp_path: Path) -> None:
    db = copy_of(seeded, tmp_path / "db")
    path = tmp_path / "rows.parquet"
    probabilities = [0.7, 0.8, 0.4, 1.7, 0.5]
    pq.write_table(
        pa.table(
            {
                "statement": [f"Parquet claim {i}" for i in range(5)],
                "probability": probabilities,
                "made_on": [date(2024, 1, 1)] * 5,
                "outcome": ["true", "false", "", "true", None],
            }
        ),
        path,
    )
    before = dump(db)
    assert_clean_failure(run("import", path, "--format", "parquet", "--db", db), ("row 4: probability:",))
    assert dump(db) == before


def test_missing_and_broken_database_files(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    for args in (("list",), ("score", "--json"), ("show", "1"), ("resolve", "1", "true")):
        assert_clean_failure(run(*args, "--db", missing), ("does not exist",))
    assert not missing.exists()
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("this is not a database\n" * 100)
    assert_clean_failure(run("list", "--db", not_a_database), ("cannot open database",))
    assert not_a_database.read_text() == "this is not a database\n" * 100
