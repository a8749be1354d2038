"""What the tracker promises about its data: backups round-trip, a killed import leaves nothing,
and an old database upgrades without losing a row."""

from __future__ import annotations

import gzip
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from db import rollups
from db.migrations import MIGRATIONS
from predictions import backup, ledger
from predictions.models import ClaimIn, ResolutionIn

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TABLES = ("sources", "claims", "observations", "forecasts", "resolutions", "resolution_undos")


def dump(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every ledger table, ids included, in a stable order."""
    with duckdb.connect(str(db), read_only=True) as con:
        present = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES if t in present}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "predictions.cli", *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


@pytest.fixture
def seeded(db_path: Path) -> Path:
    ledger.seed_from_file(db_path)
    claims = ledger.list_claims(db_path)
    ledger.resolve(db_path, claims[1].id, ResolutionIn(outcome="true", resolved_on=date(2025, 12, 31)))
    ledger.resolve(db_path, claims[2].id, ResolutionIn(outcome="false", resolved_on=date(2025, 12, 31)))
    ledger.undo_resolution(db_path, claims[2].id, "wrong claim")
    return db_path


def test_backup_and_restore_round_trip_the_whole_ledger(seeded: Path, tmp_path: Path) -> None:
    before = dump(seeded)
    folder = tmp_path / "backup"
    made = cli("backup", "--db", str(seeded), "-o", str(folder))
    assert made.returncode == 0, made.stderr
    restored = tmp_path / "restored.duckdb"
    back = cli("restore", str(folder), "--db", str(restored))
    assert back.returncode == 0, back.stderr
    assert dump(restored) == before
    # The sequences continue where they were: a new claim does not reuse an id.
    new_id = ledger.add_claim(restored, ClaimIn(statement="A claim after the restore.", made_on=date(2026, 1, 1)))
    assert new_id == max(row[0] for row in before["claims"]) + 1


def test_restore_keeps_the_replaced_database_beside_it(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    backup.backup(seeded, folder)
    original = dump(seeded)
    ledger.resolve(seeded, ledger.list_claims(seeded)[5].id, ResolutionIn(outcome="true", resolved_on=date(2026, 1, 2)))
    changed = dump(seeded)
    backup.restore(folder, seeded)
    assert dump(seeded) == original
    kept = [p for p in seeded.parent.iterdir() if p.name.startswith(seeded.name + ".before-restore-")]
    assert len(kept) == 1 and dump(kept[0]) == changed


def test_damaged_backup_is_refused_and_the_ledger_is_untouched(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backup"
    backup.backup(seeded, folder)
    before = dump(seeded)
    victim = folder / "claims.parquet"
    victim.write_bytes(victim.read_bytes()[:-10] + b"0123456789")
    result = cli("restore", str(folder), "--db", str(seeded))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: backup is damaged: claims.parquet does not match its checksum"
    assert dump(seeded) == before


def test_backup_refuses_a_folder_that_is_not_empty(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "something").write_text("x")
    result = cli("backup", "--db", str(seeded), "-o", str(folder))
    assert result.returncode == 1 and "not empty" in result.stderr and "Traceback" not in result.stderr


def _big_csv(path: Path, rows: int) -> None:
    lines = ["statement,probability,outcome,made_on,deadline,forecaster,tags"]
    for i in range(rows):
        outcome = ("true", "false", "")[(i // 3) % 3]
        lines.append(f"Bulk claim {i // 3},{(i % 97) / 100},{outcome},2020-01-01,2021-01-01,user{i % 50},bulk")
    path.write_text("\n".join(lines) + "\n")


def test_import_killed_with_sigkill_leaves_the_database_exactly_as_before(seeded: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    _big_csv(big, 150_000)
    before = dump(seeded)
    process = subprocess.Popen(
        [sys.executable, "-m", "predictions.cli", "import", str(big), "--format", "csv", "--progress",
         "--db", str(seeded)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stderr is not None
    # Kill it halfway through its transaction: the claims are written, the forecasts not yet.
    seen = []
    for line in process.stderr:
        seen.append(line)
        if "new claims stored" in line:
            break
    assert process.poll() is None, f"the import ended before it could be killed: {seen}"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert dump(seeded) == before
    # And the file is still a working ledger.
    assert len(ledger.list_claims(seeded)) == len(before["claims"])


def test_a_version_1_database_upgrades_without_losing_a_row(tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    with gzip.open(FIXTURES / "ledger-v1.duckdb.gz", "rb") as packed, old.open("wb") as raw:
        shutil.copyfileobj(packed, raw)
    before = dump(old)
    with duckdb.connect(str(old), read_only=True) as con:
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone() == (1,)
    assert sum(len(rows) for rows in before.values()) > 100
    result = cli("ensure-db", "--db", str(old))
    assert result.returncode == 0, result.stderr
    after = dump(old)
    for table, rows in before.items():  # every row kept; later migrations only add columns at the end
        width = len(rows[0]) if rows else 0
        assert [row[:width] for row in after[table]] == rows, table
    with duckdb.connect(str(old), read_only=True) as con:
        versions = [row[0] for row in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert con.execute("SELECT count(*) FROM reminders").fetchone() == (0,)
        # Migration 3 computed every claim's rollup from the old rows.
        assert rollups.stale_claims(con) == []
        assert con.execute("SELECT count(*) FROM claim_rollups").fetchone()[0] > 0  # type: ignore[index]
    assert versions == [m.version for m in MIGRATIONS]
    # The upgraded ledger answers like any other: statuses derive and the record scores.
    resolved = {row[1] for row in before["resolutions"] if row[2] in ("true", "false")}
    scored_forecasts = [row for row in before["forecasts"] if row[2] in resolved]
    assert ledger.track_record(old).n == len(scored_forecasts) > 0


def test_a_failed_backup_leaves_no_folder_behind(tmp_path: Path) -> None:
    folder = tmp_path / "backups" / "tonight"
    result = cli("backup", "--db", str(tmp_path / "missing.duckdb"), "-o", str(folder))
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "backups").exists()  # nor the parent it made for it
