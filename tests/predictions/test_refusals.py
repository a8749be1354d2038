"""Every refusal is one line and leaves the ledger as it was (issue 14, points 4, 6, 8 and 9).

- A database from a newer program (schema version above this program's) is refused for reads and
  writes alike, naming both versions.
- A claim due on 0001-01-02 or 9999-12-31 stops no other: the reminder sweep skips the one it cannot
  schedule (one logged line, counted in its summary) and reminds the rest; the calendar holds them all,
  an imported archive's included. Settings and arguments that would run off the calendar are refused.
"""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from icalendar import Calendar
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


# --- one claim with an extreme date stops no other (point 6) ------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "predictionbook_sample"


@pytest.fixture
def extreme(db_path: Path) -> Path:
    """Claims due on the first days and the last day of the calendar, and an ordinary one due tomorrow."""
    for deadline in (date(1, 1, 2), date(9999, 12, 31), date(2026, 3, 2)):
        ledger.add_claim(
            db_path, ClaimIn(statement=f"Due on {deadline.isoformat()}", made_on=date(1, 1, 1), deadline=deadline)
        )
    return db_path


def test_a_claim_that_cannot_be_scheduled_is_skipped_and_every_other_is_reminded(
    extreme: Path, caplog: pytest.LogCaptureFixture
) -> None:
    result = run_cli(["remind", "once", "--now", "2026-03-01T09:00", "--db", str(extreme)])
    assert result.code == 0, result.err
    summary = next(line for line in result.out.splitlines() if line.startswith("reminder sweep: "))
    assert summary.endswith(", 1 claim could not be scheduled"), summary
    skipped = [r.getMessage() for r in caplog.records if "cannot be scheduled" in r.getMessage()]
    assert skipped == ["claim 1 cannot be scheduled (deadline 0001-01-02): date value out of range; skipped"]
    with duckdb.connect(str(extreme), read_only=True) as con:
        sent = con.execute("SELECT claim_id, step, channel FROM reminders WHERE state = 'sent' ORDER BY ALL").fetchall()
    assert sent == [(3, "before-1", "console"), (3, "before-1", "inbox")]
    again = run_cli(["remind", "once", "--now", "2026-03-01T10:00", "--db", str(extreme)])
    assert again.code == 0 and "0 sent" in again.out  # the ordinary claim is not reminded twice


def test_the_calendar_holds_every_claim_with_an_extreme_deadline(extreme: Path, tmp_path: Path) -> None:
    out = tmp_path / "deadlines.ics"
    result = run_cli(["calendar", "-o", str(out), "--db", str(extreme)])
    assert (result.code, result.err) == (0, "")
    assert result.out == f"wrote 3 deadlines to {out}\n"
    events = Calendar.from_ical(out.read_bytes()).walk("VEVENT")
    assert sorted(e.decoded("dtstart") for e in events) == [date(1, 1, 2), date(2026, 3, 2), date(9999, 12, 31)]
    last = next(e for e in events if e.decoded("dtstart") == date(9999, 12, 31))
    assert "DTEND" not in last  # an all-day event on the last day: its default length, one day


def test_the_calendar_of_an_imported_archive_with_extreme_close_times(db_path: Path, tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    for name in ("questions.csv.zip", "forecasts.csv.zip"):
        with zipfile.ZipFile(SAMPLE / name) as packed:
            packed.extractall(archive)
    questions = archive / "questions.csv"
    with questions.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("close_time")
    rows[1][column] = "9999-12-31 00:00:00+00:00"  # as 11 questions of the real archive have
    rows[2][column] = "0001-01-02 00:00:00+00:00"
    with questions.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    imported = run_cli(["import", str(archive), "--format", "predictionbook", "--db", str(db_path)])
    assert imported.code == 0, imported.err
    out = tmp_path / "deadlines.ics"
    result = run_cli(["calendar", "-o", str(out), "--db", str(db_path)])
    assert (result.code, result.err) == (0, ""), result.err
    with_deadline = sum(1 for view in ledger.list_claims(db_path) if view["deadline"] is not None)
    assert result.out == f"wrote {with_deadline} deadlines to {out}\n"
    days = {e.decoded("dtstart") for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert {date(9999, 12, 31), date(1, 1, 2)} <= days


EXTREME_SETTINGS = {
    "offsets of a million years": (
        {"PREDICTIONS_REMIND_OFFSETS": "999999999"}, ["remind", "once"],
        "error: reminder offsets '999999999' must be at most 3650 days (ten years)",
    ),
    "offsets in the calendar": (
        {"PREDICTIONS_REMIND_OFFSETS": "30,999999999"}, ["calendar", "-o", "{tmp}/deadlines.ics"],
        "error: reminder offsets '30,999999999' must be at most 3650 days (ten years)",
    ),
    "overdue every million years": (
        {"PREDICTIONS_REMIND_OVERDUE_EVERY_DAYS": "999999999"}, ["remind", "once"],
        "error: remind_overdue_every_days: Input should be less than or equal to 3650",
    ),
    "sweeps a googol minutes apart": (
        {"PREDICTIONS_REMIND_EVERY_MINUTES": "1e100"}, ["remind", "once"],
        "error: remind_every_minutes: Input should be less than or equal to 10080",
    ),
    "a scorecard 270,000 years ahead": (
        {}, ["scorecard", "--since", "2025-01-01", "--days", "99999999"],
        "error: the number of days ahead (99999999) may be at most 3650 (ten years)",
    ),
    "a sweep as of year 1": (
        {}, ["remind", "once", "--now", "0001-01-01T00:00"],
        "error: cannot sweep as of 0001-01-01T00:00:00: too close to the ends of the calendar",
    ),
    "a scorecard dated on the last day": (
        {}, ["scorecard", "--since", "2025-01-01", "--today", "9999-12-30"],
        "error: 90 days after 9999-12-30 is past the end of the calendar",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(EXTREME_SETTINGS))
def test_extreme_settings_are_refused_in_one_line(
    case: str, extreme: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, args, message = EXTREME_SETTINGS[case]
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    before = dump(extreme)
    result = run_cli([*(arg.format(tmp=tmp_path) for arg in args), "--db", str(extreme)])
    assert_clean_refusal(result)
    assert result.error_lines == [message]
    assert dump(extreme) == before
    assert not (tmp_path / "deadlines.ics").exists()
