"""Storage: migrations, one connection per unit of work, the lock of another process, read-only mode,
parameterised SQL, and the append-only resolution history.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest

import db
from db import queries
from db.connection import DatabaseBusyError, DatabaseError, DatabaseMissingError
from db.migrations import MIGRATIONS, Migration, applied_versions, schema_version
from predictions import ledger
from predictions.models import ClaimIn, ResolutionIn

ROOT = Path(__file__).resolve().parents[2]
CORE_TABLES = {"schema_migrations", "sources", "claims", "observations", "forecasts", "resolutions", "resolution_undos"}
CLAIM_FIELDS = {
    "id", "source_id", "statement", "quote", "claimant", "attribution", "kind", "made_on", "deadline",
    "deadline_precision", "deadline_text", "resolution_criteria", "tags", "metric", "unit", "comparator", "target",
    "baseline", "baseline_on", "partial_credit", "flags",
}  # fmt: skip


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    }


# --- migrations ------------------------------------------------------------------------------------


def test_a_blank_database_reaches_the_expected_schema(db_path: Path) -> None:
    with db.unit_of_work(db_path) as con:
        applied = db.migrate(con)
    expected_versions = sorted(m.version for m in MIGRATIONS)
    assert applied == expected_versions
    assert expected_versions == list(range(1, len(MIGRATIONS) + 1))  # ordered, no gaps, no duplicates
    with db.read_only(db_path) as con:
        assert tables(con) >= CORE_TABLES
        views = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        assert "current_resolutions" in views
        columns = {
            row[0]
            for row in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'claims'").fetchall()
        }
        assert columns >= CLAIM_FIELDS
        recorded = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        assert recorded == [(m.version, m.name) for m in sorted(MIGRATIONS, key=lambda m: m.version)]
        assert schema_version(con) == max(expected_versions)


def test_migrating_again_applies_nothing_and_an_old_database_gets_only_the_rest(db_path: Path) -> None:
    with db.unit_of_work(db_path) as con:
        assert db.migrate(con, up_to=1) == [1]
    with db.read_only(db_path) as con:
        assert schema_version(con) == 1
    with db.unit_of_work(db_path) as con:
        assert db.migrate(con) == [m.version for m in MIGRATIONS if m.version > 1]
    with db.unit_of_work(db_path) as con:
        assert db.migrate(con) == []
        assert applied_versions(con) == [m.version for m in MIGRATIONS]


def test_a_failing_migration_leaves_nothing_behind(db_path: Path) -> None:
    broken = (*MIGRATIONS, Migration(99, "broken", ("CREATE TABLE half_done (x INTEGER)", "THIS IS NOT SQL")))
    with pytest.raises(db.DatabaseError, match="syntax error") as raised, db.unit_of_work(db_path) as con:
        db.migrate(con, broken)
    assert isinstance(raised.value.__cause__, duckdb.ParserException)  # translated once, in db/
    with db.read_only(db_path) as con:
        assert schema_version(con) == 0
        assert tables(con) == set()


def test_a_file_without_the_ledger_is_a_clear_error(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(db_path)).close()  # an empty DuckDB file
    with pytest.raises(db.DatabaseError, match="holds no ledger yet: run `predictions init"):
        ledger.list_claims(db_path)


# --- units of work ---------------------------------------------------------------------------------


def test_a_unit_of_work_commits_or_rolls_back_as_a_whole(db_path: Path) -> None:
    with db.unit_of_work(db_path) as con:
        db.migrate(con)
    with pytest.raises(RuntimeError), db.unit_of_work(db_path) as con:
        queries.insert_source(con, {"title": "kept?", "kind": "manual"})
        raise RuntimeError("half-way")
    with db.unit_of_work(db_path) as con:
        queries.insert_source(con, {"title": "kept", "kind": "manual"})
    with db.read_only(db_path) as con:
        assert [row["title"] for row in queries.list_sources(con)] == ["kept"]


def test_read_only_connections_cannot_write(db_path: Path) -> None:
    with db.unit_of_work(db_path) as con:
        db.migrate(con)
    with db.read_only(db_path) as con, pytest.raises(duckdb.Error, match="read-only"):
        queries.insert_source(con, {"title": "sneaky", "kind": "manual"})
    with db.read_only(db_path) as con:
        assert queries.list_sources(con) == []


def test_read_only_open_of_a_missing_file_creates_nothing(db_path: Path) -> None:
    with pytest.raises(DatabaseMissingError, match="does not exist"), db.read_only(db_path):
        pass
    assert not db_path.exists()


def test_a_file_that_is_not_a_database_is_a_database_error(db_path: Path) -> None:
    db_path.write_text("claims,probability\n")
    with pytest.raises(DatabaseError, match="cannot open database") as caught:
        db.connect(db_path, attempts=2, base_delay=0)
    assert not isinstance(caught.value, DatabaseBusyError)


HOLDER = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "sys.stdin.readline()\n"
    "con.close()\n"
)


@contextmanager
def held_by_another_process(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A real second process with the database file open until it is told to let go."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield holder
    finally:
        if holder.poll() is None:
            assert holder.stdin is not None
            holder.stdin.write("\n")
            holder.stdin.flush()
        holder.wait(timeout=10)


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    holder.wait(timeout=10)


def initialised(path: Path) -> Path:
    with db.unit_of_work(path) as con:
        db.migrate(con)
    return path


def test_a_write_waits_for_the_other_process_and_then_succeeds(db_path: Path) -> None:
    initialised(db_path)
    outcome: dict[str, object] = {}

    def write() -> None:
        try:
            claim = ClaimIn(statement="Written while locked", made_on=date(2025, 1, 1))
            outcome["id"] = ledger.add_claim(db_path, claim, probability=0.6)
        except Exception as error:  # reported to the test thread below
            outcome["error"] = error

    with held_by_another_process(db_path) as holder:
        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.4)
        assert writer.is_alive(), f"the write did not wait for the lock: {outcome}"
        release(holder)
        writer.join(timeout=20)
    assert not writer.is_alive()
    assert "error" not in outcome, outcome.get("error")
    assert [view["statement"] for view in ledger.list_claims(db_path)] == ["Written while locked"]


def test_a_lock_held_beyond_the_bound_is_a_clear_database_busy_error(db_path: Path) -> None:
    initialised(db_path)
    with held_by_another_process(db_path):
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError) as caught:
            db.connect(db_path, attempts=3, base_delay=0.01)
        assert time.monotonic() - started < 5
        assert str(caught.value).startswith("database busy")
        with pytest.raises(DatabaseBusyError):
            db.connect(db_path, read_only=True, attempts=2, base_delay=0.01)
    db.connect(db_path, attempts=1).close()  # free again once the other process is gone


def test_the_retry_backs_off_within_its_bound(db_path: Path) -> None:
    initialised(db_path)
    delays: list[float] = []
    with held_by_another_process(db_path), pytest.raises(DatabaseBusyError, match="after 6 attempts"):
        db.connect(db_path, attempts=6, base_delay=0.1, max_delay=0.3, sleep=delays.append)
    assert len(delays) == 5  # no sleep after the last attempt
    caps = [0.1, 0.2, 0.3, 0.3, 0.3]
    assert all(cap / 2 <= delay <= cap for delay, cap in zip(delays, caps, strict=True)), delays


def test_no_connection_stays_open_after_a_unit_of_work(db_path: Path) -> None:
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="Open and closed", made_on=date(2025, 1, 1)))
    ledger.resolve(db_path, claim_id, ResolutionIn(outcome="true", resolved_on=date(2025, 2, 1)))
    ledger.list_claims(db_path)
    ledger.get_claim(db_path, claim_id)
    ledger.track_record(db_path, by="forecaster")
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; duckdb.connect(sys.argv[1]).close(); print('opened')",
            str(db_path),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert other.stdout.strip() == "opened", other.stderr


# --- parameterised SQL -------------------------------------------------------------------------------

NASTY = 'Robotaxis\'); DROP TABLE claims; -- "quoted" ? $1 %s {x}'


def test_text_is_stored_verbatim_never_spliced_into_sql(db_path: Path) -> None:
    claim_id = ledger.add_claim(
        db_path,
        ClaimIn(statement=NASTY, quote=NASTY, claimant=NASTY, tags=[NASTY], made_on=date(2025, 1, 1)),
        probability=0.5,
        forecaster=NASTY,
    )
    view = ledger.get_claim(db_path, claim_id).view
    assert (view["statement"], view["quote"], view["claimant"]) == (NASTY, NASTY, NASTY)
    assert view["tags"] == [NASTY.lower()]
    assert ledger.forecasters(db_path, search="drop table") == [(NASTY, 1)]
    assert ledger.forecasters(db_path, search="'; --") == []


def test_identifiers_come_only_from_fixed_lists(db_path: Path) -> None:
    initialised(db_path)
    with db.read_only(db_path) as con, pytest.raises(ValueError, match="unknown table"):
        queries.table_rows(con, "claims; DROP TABLE claims")
    with pytest.raises(ledger.LedgerError, match="unknown grouping"):
        ledger.track_record(db_path, by="1=1")


def test_sql_in_db_is_never_built_with_format_or_percent() -> None:
    offences = []
    for path in sorted((ROOT / "db").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.BinOp)
                and isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant | ast.JoinedStr)
            ):
                offences.append(f"{path.name}:{node.lineno} uses % formatting")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                offences.append(f"{path.name}:{node.lineno} uses str.format")
    assert offences == []


# --- resolutions: append-only, latest wins, undoable ------------------------------------------------


def resolution(outcome: str, day: int, fraction: float | None = None) -> ResolutionIn:
    return ResolutionIn(outcome=outcome, resolved_on=date(2025, 3, day), fraction=fraction, note=f"{outcome} {day}")


def current(db_path: Path, claim_id: int) -> str | None:
    return ledger.get_claim(db_path, claim_id).view["outcome"]


def test_latest_resolution_wins_and_undo_restores_the_one_before(db_path: Path) -> None:
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="Resolved twice", made_on=date(2025, 1, 1)))
    other_id = ledger.add_claim(db_path, ClaimIn(statement="Another claim", made_on=date(2025, 1, 1)))
    ledger.resolve(db_path, other_id, resolution("ambiguous", 1))
    assert current(db_path, claim_id) is None
    ledger.resolve(db_path, claim_id, resolution("true", 2))
    ledger.resolve(db_path, claim_id, resolution("partial", 3, 0.4))
    ledger.resolve(db_path, claim_id, resolution("false", 1))  # latest recorded wins, whatever its date
    assert current(db_path, claim_id) == "false"

    assert ledger.undo_resolution(db_path, claim_id, "typo")["outcome"] == "false"
    detail = ledger.get_claim(db_path, claim_id)
    assert (detail.view["outcome"], detail.view["fraction"]) == ("partial", 0.4)
    assert detail.view.status.value == "resolved partial"

    assert ledger.undo_resolution(db_path, claim_id)["outcome"] == "partial"
    assert current(db_path, claim_id) == "true"
    assert ledger.undo_resolution(db_path, claim_id)["outcome"] == "true"
    assert current(db_path, claim_id) is None
    with pytest.raises(ledger.LedgerError, match="has no resolution to undo"):
        ledger.undo_resolution(db_path, claim_id)

    # Nothing was deleted: the whole history is still there, the undone ones marked.
    history = ledger.get_claim(db_path, claim_id).resolutions
    assert [(r["outcome"], r["undone_at"] is not None) for r in history] == [
        ("true", True),
        ("partial", True),
        ("false", True),
    ]
    assert history[2]["undo_note"] == "typo"
    assert current(db_path, other_id) == "ambiguous"  # other claims untouched

    ledger.resolve(db_path, claim_id, resolution("true", 4))  # a claim can be resolved again after undos
    assert current(db_path, claim_id) == "true"


def test_resolving_an_unknown_claim_or_before_the_claim_was_made(db_path: Path) -> None:
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="Made in March", made_on=date(2025, 3, 10)))
    with pytest.raises(ledger.UnknownClaimError, match="no claim with id 999"):
        ledger.resolve(db_path, 999, resolution("true", 20))
    with pytest.raises(ledger.LedgerError, match="before the claim was made"):
        ledger.resolve(db_path, claim_id, resolution("true", 1))
    with pytest.raises(ledger.UnknownClaimError):
        ledger.undo_resolution(db_path, 999)
    assert ledger.get_claim(db_path, claim_id).resolutions == []


def test_writes_about_claims_never_create_a_database(tmp_path: Path) -> None:
    missing = tmp_path / "typo.duckdb"
    with pytest.raises(ledger.LedgerError, match="does not exist"):
        ledger.resolve(missing, 1, resolution("true", 1))
    assert not missing.exists()
