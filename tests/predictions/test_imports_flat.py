"""The generic CSV import validates column by column when every row is fine, and falls back to the
row-by-row path otherwise: both must store the same ledger, and a bad file must get the same lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flat_files import both_ways, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from predictions import imports
from predictions.imports import flat_csv


def test_a_clean_file_takes_the_column_path_and_stores_what_the_row_path_stores(tmp_path: Path) -> None:
    header = [*imports.CSV_COLUMNS, "forecast_at"]
    rows = [
        ["Robotaxis in 100 cities", "0.7", "true", "2024-01-05", "2024-12-31", "ann", "AI; Mobility", ""],
        ["Robotaxis in 100 cities", "55%", "true", "2024-01-05", "2024-12-31", "bob", "ai", "2024-02-01T10:00:00"],
        ["Robotaxis in 100 cities", "0.7", "true", "2024-01-05", "2024-12-31", "ann", "", ""],  # a double
        ["  Flying taxis  ", "0.25", "", "2024-03-01", "", "", "evtol|energy", "2024-03-02 08:30"],
        ["Flying taxis", "1", "FALSE", "2024-03-01", "2024-06-30", "cy", "a,b,a", ""],
        ["Rain tomorrow", "0", "ambiguous", "2024-03-01", "2024-03-01", "dee", "", ""],
    ]
    text = write_csv(header, rows)
    assert flat_csv._fast_csv_columns(text, "Ann") is not None
    fast, slow = both_ways(tmp_path, text, "clean")
    assert fast == slow
    assert fast[0]["forecasts_added"] == 6 and fast[0]["claims_added"] == 4
    # Importing the same file again adds nothing, either way.
    again = imports.import_text(tmp_path / "clean-fast.duckdb", text, "csv", "upload", default_forecaster="Ann")
    assert (again.claims_added, again.forecasts_added, again.claims_existing) == (0, 0, 4)


@pytest.mark.parametrize(
    "row",
    [
        ["Robotaxis", "1.2", "", "2024-01-05", "", "ann", "", ""],  # probability above 1
        ["Robotaxis", "0.5", "maybe", "2024-01-05", "", "ann", "", ""],  # unknown outcome
        ["Robotaxis", "0.5", "", "2024-13-05", "", "ann", "", ""],  # no such month
        ["Robotaxis", "0.5", "", "2024-01-05", "2023-01-01", "ann", "", ""],  # deadline before made_on
        ["ab", "0.5", "", "2024-01-05", "", "ann", "", ""],  # statement too short
        ["Robotaxis", "0.5", "", "2024-01-05", "", "   ", "", ""],  # a blank forecaster
        ["Robotaxis", "0.5", "", "2024-01-05", "", "ann", "", "yesterday"],  # forecast_at not a time
        ["Robotaxis", "0.5", "true", "2024-01-05", "", "bob", "", ""],  # contradicts the first row's blank
        ["Robotaxis", "0.5", "", "2024-01-05", "", "ann", "", "", "extra"],  # more fields than the header
        ["Robotaxis", "0.5", "", "2024-01-05"],  # fewer fields: the rest are missing
    ],
)
def test_a_bad_row_gets_the_same_lines_as_before(tmp_path: Path, row: list[str]) -> None:
    header = [*imports.CSV_COLUMNS, "forecast_at"]
    good = ["Robotaxis", "0.6", "", "2024-01-05", "", "ann", "", ""]
    text = write_csv(header, [good, row, good])
    fast, slow = both_ways(tmp_path, text, "bad")
    assert fast == slow


values = {
    "statement": st.sampled_from(["Robotaxis in 100 cities", "  Flying taxis ", "ab", "Ümlaut ‘quoted’ claim", "",
                                  "Line\nbreak claim", "x" * 5001, "\x1f  separator  \x1f"]),
    "probability": st.sampled_from(["0.7", "70%", " 0.25 ", "1", "0", "1e-1", "1_0%", "nan", "1.5", "-0", "abc",
                                    "", "0.3333333333333333", "5 %"]),
    "outcome": st.sampled_from(["", "true", "FALSE", " Ambiguous ", "partial", "yes"]),
    "made_on": st.sampled_from(["2024-01-05", "2024-02-30", " 2024-01-05", "2024-01-05T00:00:00", "20240105",
                                "2023-12-31", ""]),
    "deadline": st.sampled_from(["", "2024-12-31", "2023-01-01", "2024-01-05", "2024-06-30T12:00:00", "soon"]),
    "forecaster": st.sampled_from(["", "ann", " bob ", "   ", "x" * 201]),
    "tags": st.sampled_from(["", "AI", "ai; mobility", "a|b", "a,b,,c", " ; "]),
    "forecast_at": st.sampled_from(["", "2024-02-01T10:00:00", "2024-02-01 10:00", "2024-02-01T10:00:00+02:00",
                                    "2024-02-01", "noon"]),
}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    columns=st.lists(st.sampled_from(list(values)), min_size=3, max_size=8, unique=True),
    data=st.data(),
)
def test_any_file_gets_the_same_answer_both_ways(tmp_path_factory: pytest.TempPathFactory, columns: list[str],
                                                 data: st.DataObject) -> None:  # fmt: skip
    n = data.draw(st.integers(0, 12))
    rows = [[data.draw(values[c]) for c in columns] for _ in range(n)]
    fast, slow = both_ways(tmp_path_factory.mktemp("any"), write_csv(columns, rows), "any")
    assert fast == slow


valid = {
    "statement": st.sampled_from(["Robotaxis in 100 cities", "  Flying taxis ", "Ümlaut ‘quoted’ claim",
                                  "Line\nbreak claim", "Rain"]),
    "probability": st.sampled_from(["0.7", "70%", " 0.25 ", "1", "0", "1e-1", "-0", "0.3333333333333333", "5 %",
                                    "1_0%"]),
    "outcome": st.sampled_from(["", "true", "FALSE", " Ambiguous "]),
    "made_on": st.sampled_from(["2024-01-05", "2023-12-31", "2024-01-05T00:00:00"]),
    "deadline": st.sampled_from(["", "2024-12-31", "2024-01-05"]),
    "forecaster": st.sampled_from(["", "ann", " bob "]),
    "tags": st.sampled_from(["", "AI", "ai; mobility", "a|b", "a,b,,c"]),
    "forecast_at": st.sampled_from(["", "2024-02-01T10:00:00", "2024-02-01 10:00", "2024-02-01T10:00:00+02:00"]),
}  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.sampled_from(["outcome", "deadline", "forecaster", "tags", "forecast_at"]), unique=True),
       data=st.data())  # fmt: skip
def test_valid_files_store_the_same_ledger_both_ways(tmp_path_factory: pytest.TempPathFactory, extra: list[str],
                                                     data: st.DataObject) -> None:  # fmt: skip
    columns = ["statement", "probability", "made_on", *extra]
    n = data.draw(st.integers(1, 15))
    rows = [[data.draw(valid[c]) for c in columns] for _ in range(n)]
    # One outcome per claim, so that no row contradicts another.
    if "outcome" in columns:
        first: dict[tuple[str, ...], str] = {}
        at = columns.index("outcome")
        for row in rows:
            identity = tuple(row[columns.index(c)] for c in ("statement", "made_on") if c in columns)
            row[at] = first.setdefault(identity, row[at])
    text = write_csv(columns, rows)
    fast, slow = both_ways(tmp_path_factory.mktemp("valid"), text, "valid")
    assert fast == slow


@pytest.mark.parametrize(
    "layout",
    [
        lambda text: text.replace("\n", "\r\n"),  # Windows line ends
        lambda text: text.replace("\n", "\n\n"),  # blank lines between records
        lambda text: text + "\n\n",  # blank lines at the end
        lambda text: text.rstrip("\n"),  # no line end after the last record
        lambda text: text.replace("\n", "\n   \n", 1),  # a line of spaces: a record of one field
        lambda text: text.replace("\n", "\r", 1),  # a lone carriage return
        lambda text: text.replace("statement,probability", " statement , probability"),  # padded header names
        lambda text: text.replace("Rain", '"Rain, or snow"'),  # a quoted field with a comma
        lambda text: text.replace("Rain", "Rain\x00"),  # a NUL
    ],
)
def test_line_ends_blank_lines_and_quotes_are_read_as_csv_reads_them(tmp_path: Path, layout: Any) -> None:
    header = ["statement", "probability", "outcome", "made_on", "deadline", "forecaster"]
    rows = [
        ["Rain tomorrow", "0.6", "", "2024-03-01", "2024-03-02", "ann"],
        ["Sun later", "40%", "", "2024-03-01", "", ""],
    ]
    text = layout(write_csv(header, rows).replace("\r\n", "\n"))
    fast, slow = both_ways(tmp_path, text, "layout")
    assert fast == slow
