"""Every refusal is one line and leaves the ledger as it was (issue 14, points 4, 6, 8 and 9).

- A database from a newer program (schema version above this program's) is refused for reads and
  writes alike, naming both versions.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from ledger_snapshot import assert_clean_refusal, dump, run_cli

from db.connection import known_version
from predictions import ledger
from predictions.models import ClaimIn

MADE_ON = date(2025, 3, 10)


@pytest.fixture
def future(db_path: Path) -> Path:
    """A ledger last written by a (hypothetical) newer program: schema version 99."""
    ledger.add_claim(
        db_path, ClaimIn(statement="Made by the program of the future", made_on=MADE_ON, deadline=date(2026, 1, 1))
    )
    with duckdb.connect(str(db_path)) as con:
        con.execute("INSERT INTO schema_migrations VALUES (99, 'from the future', ?)",
                    [datetime.now(UTC).replace(tzinfo=None)])  # fmt: skip
    return db_path


NEWER_SCHEMA_COMMANDS = {
    "list": ["list"],
    "list --json": ["list", "--json"],
    "show": ["show", "1"],
    "score": ["score"],
    "scorecard": ["scorecard", "--since", "2025-01-01"],
    "calendar": ["calendar", "-o", "{tmp}/deadlines.ics"],
    "export": ["export", "--format", "json", "-o", "{tmp}/ledger.json"],
    "backup": ["backup", "-o", "{tmp}/backup"],
    "add": ["add", "--statement", "Written by an older program", "--made-on", "2025-03-10"],
    "observe": ["observe", "1", "--on", "2025-06-30", "--note", "seen"],
    "forecast": ["forecast", "1", "--probability", "0.4"],
    "resolve": ["resolve", "1", "true", "--on", "2026-01-02"],
    "init": ["init"],
    "ensure-db": ["ensure-db"],
    "remind once": ["remind", "once", "--now", "2026-01-01T09:00"],
}


@pytest.mark.parametrize("name", list(NEWER_SCHEMA_COMMANDS))
def test_a_database_from_a_newer_program_is_refused_for_reads_and_writes(
    name: str, future: Path, tmp_path: Path
) -> None:
    before = dump(future)
    args = [arg.format(tmp=tmp_path) for arg in NEWER_SCHEMA_COMMANDS[name]]
    result = run_cli([*args, "--db", str(future)])
    assert_clean_refusal(result)
    assert result.error_lines == [
        f"error: {future} holds a ledger of schema version 99, newer than this program's {known_version()}: "
        "use the newer version of the tracker that made it"
    ]
    assert dump(future) == before
    assert not (tmp_path / "backup").exists() and not (tmp_path / "ledger.json").exists()
