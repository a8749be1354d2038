"""Date-times as other tools write them (issue 19): ISO 8601 with a space or T, Z or an offset, and
Fatebook's unpadded seconds, read one way by every importer; what is not a date-time stays refused."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from flat_files import both_ways, write_csv

from predictions import imports
from predictions.imports import archive as archive_io
from predictions.timestamps import as_day, parse_date_time

READ = [
    ("2025-01-05 09:07:5", datetime(2025, 1, 5, 9, 7, 5)),  # Fatebook: seconds through getSeconds(), unpadded
    ("2025-01-05 09:07:05", datetime(2025, 1, 5, 9, 7, 5)),
    ("2025-01-05 00:00:0", datetime(2025, 1, 5)),
    ("2025-01-05 9:7:5", datetime(2025, 1, 5, 9, 7, 5)),
    ("  2025-01-05 23:59:9  ", datetime(2025, 1, 5, 23, 59, 9)),
    ("2025-01-05T09:07:05", datetime(2025, 1, 5, 9, 7, 5)),
    ("2025-01-05T09:07:05Z", datetime(2025, 1, 5, 9, 7, 5)),
    ("2025-01-05T09:07:5Z", datetime(2025, 1, 5, 9, 7, 5)),
    ("2025-01-05T09:07:05+02:00", datetime(2025, 1, 5, 7, 7, 5)),  # an offset: converted to UTC
    ("2025-01-05 09:07:5 +0200", datetime(2025, 1, 5, 7, 7, 5)),
    ("2024-12-31T23:30:00-01:00", datetime(2025, 1, 1, 0, 30)),
    ("2025-01-05T09:07:05.250Z", datetime(2025, 1, 5, 9, 7, 5, 250000)),
    ("2025-01-05T09:07:5.5", datetime(2025, 1, 5, 9, 7, 5, 500000)),
    ("2025-01-05T09:07", datetime(2025, 1, 5, 9, 7)),
    ("2025-01-05", datetime(2025, 1, 5)),
]
REFUSED = [
    "yesterday",
    "",
    "2025-13-05 10:00:00",  # no month 13
    "2025-02-30 10:00:00",
    "2025-01-05 24:00:0",
    "2025-01-05 09:60:0",
    "2025-01-05 09:07:60",
    "2025-01-05 09:07:5x",
    "05/01/2025 09:07:05",
    "2025-1-5 09:07:05",
    "2025-01-05 09:07:05+25:00",
    "2025-01-05 09:07:123",
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_date_times_as_tools_write_them_are_read(text: str, expected: datetime) -> None:
    assert parse_date_time(text) == expected
    assert archive_io._timestamp(text, "Forecast created at") == expected  # PredictionBook and Fatebook
    assert as_day(text) == expected.date() or len(text.strip()) == 10


@pytest.mark.parametrize("text", REFUSED)
def test_what_is_not_a_date_time_is_refused_with_its_field_named(text: str) -> None:
    with pytest.raises(ValueError, match=r"^Resolved at '.*' is not a date-time \(YYYY-MM-DD HH:MM:SS\)$"):
        parse_date_time(text, "Resolved at")


def test_a_date_field_takes_the_day_of_a_date_time_in_utc() -> None:
    assert as_day("2025-01-05T23:30:00-02:00") == date(2025, 1, 6)
    assert as_day(datetime(2025, 1, 5, 9, 7, 5)) == date(2025, 1, 5)
    assert as_day("2025-01-05") == "2025-01-05"  # a plain date is left to the field's own validation
    assert as_day("not a date") == "not a date"


def test_the_generic_csv_reads_iso_and_unpadded_times_the_same_both_ways(tmp_path: Path) -> None:
    header = [*imports.CSV_COLUMNS, "forecast_at"]
    rows = [
        ["Robotaxis in 100 cities", "0.7", "", "2025-01-05T09:07:05Z", "2025-12-31", "ann", "", "2025-01-05 09:07:5"],
        ["Robotaxis in 100 cities", "0.6", "", "2025-01-05", "2025-12-31T12:00:00+02:00", "bob", "",
         "2025-01-06T10:00:00+02:00"],
        ["Flying taxis", "0.2", "", "2025-01-05 10:00:0", "", "cy", "", "2025-01-07T08:00:00Z"],
    ]  # fmt: skip
    fast, slow = both_ways(tmp_path, write_csv(header, rows), "times")
    assert fast == slow
    db = tmp_path / "times-fast.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        claims = con.execute("SELECT statement, made_on, deadline FROM claims ORDER BY statement").fetchall()
        times = con.execute("SELECT forecaster, made_at FROM forecasts ORDER BY forecaster").fetchall()
    assert claims == [
        ("Flying taxis", date(2025, 1, 5), None),
        ("Robotaxis in 100 cities", date(2025, 1, 5), date(2025, 12, 31)),
    ]
    assert times == [
        ("ann", datetime(2025, 1, 5, 9, 7, 5)),
        ("bob", datetime(2025, 1, 6, 8, 0)),
        ("cy", datetime(2025, 1, 7, 8, 0)),
    ]


@pytest.mark.parametrize("value", ["yesterday", "2025-01-05 09:07:61", "2025-13-05T10:00:00Z"])
def test_the_generic_csv_still_refuses_a_bad_time_with_its_line(tmp_path: Path, value: str) -> None:
    header = [*imports.CSV_COLUMNS, "forecast_at"]
    good = ["Robotaxis", "0.6", "", "2024-01-05", "", "ann", "", ""]
    text = write_csv(header, [good, [*good[:7], value]])
    with pytest.raises(imports.ImportProblems) as caught:
        imports.import_text(tmp_path / "db.duckdb", text, "csv", "upload", default_forecaster="Ann")
    assert len(caught.value.problems) == 1 and caught.value.problems[0].startswith("line 3: forecast_at")
    assert not (tmp_path / "db.duckdb").exists()
