"""A new ledger copied from the process's blank one (db/blank_ledger.py) is the ledger that migrating the
file in place makes: same schema, same rows, its migrations stamped with the time it was made; and the copy
never replaces a file that is already there."""

from __future__ import annotations

import stat
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

import db
from db import blank_ledger, clock, migrations
from predictions import ledger
from predictions.models import ClaimIn

CATALOGUE = {
    "tables": "SELECT table_name, sql FROM duckdb_tables() ORDER BY ALL",
    "columns": "SELECT table_name, column_name, data_type, column_default, is_nullable FROM duckdb_columns() "
    "ORDER BY ALL",
    "constraints": "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints() ORDER BY ALL",
    "indexes": "SELECT table_name, index_name, sql FROM duckdb_indexes() ORDER BY ALL",
    "sequences": "SELECT sequence_name, start_value, increment_by FROM duckdb_sequences() ORDER BY ALL",
    "views": "SELECT view_name, sql FROM duckdb_views() WHERE NOT internal ORDER BY ALL",
}


def described(path: Path) -> dict[str, Any]:
    """The file's catalogue, every table's rows (the migrations' times left out) and the sequences' next values."""
    with duckdb.connect(str(path), read_only=True) as con:
        found: dict[str, Any] = {name: con.execute(sql).fetchall() for name, sql in CATALOGUE.items()}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall():
            columns = "version, name" if table == "schema_migrations" else "*"
            found[table] = con.execute(f'SELECT {columns} FROM "{table}" ORDER BY ALL').fetchall()
        return found


def migrated_in_place(path: Path) -> Path:
    with db.unit_of_work(path) as con:
        migrations.migrate(con)
    return path


def test_a_copied_new_ledger_is_the_one_migrating_in_place_makes(tmp_path: Path) -> None:
    blanks = blank_ledger._BlankLedgers()
    assert blanks.place(tmp_path / "first.duckdb") is False  # a process's first new ledger is migrated in place
    assert not (tmp_path / "first.duckdb").exists()
    copied = tmp_path / "copied.duckdb"
    assert blanks.place(copied) is True
    assert described(copied) == described(migrated_in_place(tmp_path / "in_place.duckdb"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["copied.duckdb", "in_place.duckdb", "in_place.duckdb.lock", "in_place.duckdb.lock.gate"]
    )  # no temporary file left beside it
    assert stat.S_IMODE(copied.stat().st_mode) == stat.S_IMODE((tmp_path / "in_place.duckdb").stat().st_mode)


def test_ledgers_made_both_ways_take_the_same_writes_alike(tmp_path: Path) -> None:
    """The sequences, defaults and rollups of the copy work as the migrated file's: the same claims added to
    each leave the same rows (ids included) and the same chain."""
    made = {}
    for name in ("in_place", "copied", "copied_again"):
        path = tmp_path / f"{name}.duckdb"
        if name == "in_place":
            migrated_in_place(path)
        with clock.replaying(datetime(2025, 3, 1, 12)):
            for number in range(3):
                claim = ClaimIn(
                    statement=f"claim {number}", made_on=date(2025, 3, 1), deadline=date(2026, 1, number + 1)
                )
                ledger.add_claim(path, claim, probability=0.3 + number / 10)
        made[name] = described(path)
        assert ledger.verify_record(path)[0].intact
    assert made["in_place"] == made["copied"] == made["copied_again"]


def test_its_migrations_are_stamped_with_the_time_it_was_made(tmp_path: Path) -> None:
    with ledger.writing(tmp_path / "one.duckdb"):  # after it, the process copies its blank ledger
        pass
    at = datetime(2024, 12, 31, 23, 59)
    with clock.replaying(at), ledger.writing(tmp_path / "two.duckdb"):
        pass
    with duckdb.connect(str(tmp_path / "two.duckdb"), read_only=True) as con:
        stamps = con.execute("SELECT DISTINCT applied_at FROM schema_migrations").fetchall()
        versions = [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert blank_ledger._BLANKS._new_ledgers >= 2  # so "two" was the copy
    assert stamps == [(at,)]
    assert versions == sorted(m.version for m in migrations.MIGRATIONS)


def test_an_existing_file_is_never_replaced(tmp_path: Path) -> None:
    blanks = blank_ledger._BlankLedgers()
    blanks.place(tmp_path / "first.duckdb")
    kept = tmp_path / "kept.duckdb"
    kept.write_bytes(b"")  # an empty file: DuckDB makes a database of it, and so must the caller
    assert blanks.place(kept) is False and kept.read_bytes() == b""


def test_threads_racing_for_one_new_file_leave_one_whole_ledger(tmp_path: Path) -> None:
    blanks = blank_ledger._BlankLedgers()
    blanks.place(tmp_path / "first.duckdb")
    target, placed = tmp_path / "raced.duckdb", []
    start = threading.Barrier(4)

    def racer() -> None:
        start.wait()
        placed.append(blanks.place(target))

    threads = [threading.Thread(target=racer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(placed) == [False, False, False, True]
    assert described(target) == described(migrated_in_place(tmp_path / "in_place.duckdb"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")] == []
