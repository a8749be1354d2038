"""Property tests for everything that parses outside input. `HYPOTHESIS_PROFILE=long` runs many more examples."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from predictions import cli
from predictions.deadlines import normalise_deadline
from predictions.imports import CSV_COLUMNS, parse_probability
from predictions.imports.flat import FlatRow
from predictions.models import ClaimIn, ClaimKind

MONTH_NAMES = ["january", "Feb", "feb.", "March", "sept", "December", "Mai"]

years = st.integers(min_value=1890, max_value=2210)
issue_dates = st.one_of(st.dates(), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))


@st.composite
def deadline_phrases(draw: st.DrawFn) -> str:
    """Phrases built from the grammar the parser knows, with its near misses."""
    year = draw(years)
    body = draw(
        st.sampled_from(
            [
                f"{year}",
                f"the year {year}",
                f"{year} or earlier",
                f"Q{draw(st.integers(0, 6))} {year}",
                f"the {draw(st.sampled_from(['first', '2nd', 'third', '4th', 'fifth']))} quarter of {year}",
                f"{draw(st.sampled_from(['first', 'second', 'H1', 'h2', 'h3']))} half of {year}",
                f"{draw(st.sampled_from(MONTH_NAMES))} {year}",
                f"{draw(st.integers(0, 9999)):04d}-{draw(st.integers(0, 19)):02d}",
                f"{draw(st.integers(0, 9999)):04d}-{draw(st.integers(0, 19)):02d}-{draw(st.integers(0, 39)):02d}",
                f"{draw(st.sampled_from(['a', 'two', 'ten', 'eleven', '3', '100', '101', '99999']))} years",
                f"the next {draw(st.sampled_from(['two', '5', 'few']))} years",
                "next year",
                "this year",
                "next month",
                "this month",
                "the next decade",
                "the first half of next year",
                "very soon",
                "mid-term",
                f"{draw(st.sampled_from(['mid-', 'the middle of ', 'early ', 'late ', 'summer ', 'winter ']))}{year}",
                f"{draw(st.sampled_from(['FY', 'fiscal ', 'the ']))}{year}-{draw(st.integers(0, 99)):02d}",
                f"the {year}s",
                f"within {draw(st.sampled_from(['nine', 'the next 24', 'a', '0', '999', '12 to 18']))} months",
                f"in {draw(st.sampled_from(['four', 'a', '101', '1.5']))} years' time",
                "by the end of the decade",
                "in the coming years",
            ]
        )
    )
    lead = draw(
        st.sampled_from(
            ["", "by ", "in ", "before ", "by the end of ", "end of the ", "starting in ", "until ", "no later than "]
        )
    )
    text = lead + body
    if draw(st.booleans()):
        text = text.upper() if draw(st.booleans()) else f"  {text}. "
    return text


@given(phrase=st.one_of(deadline_phrases(), st.text(max_size=40)), issue=issue_dates)
def test_deadline_phrases_never_raise_and_never_end_before_the_issue(phrase: str, issue: date) -> None:
    deadline = normalise_deadline(phrase, issue)
    assert deadline.phrase == phrase
    if deadline.on is None:
        assert deadline.precision is None and not deadline.checkable
    else:
        assert deadline.on >= issue
        assert deadline.precision is not None and deadline.checkable


@given(year=years, issue=issue_dates, lead=st.sampled_from(["in ", "by ", "by the end of ", ""]))
def test_a_year_not_before_the_issue_ends_on_its_last_day(year: int, issue: date, lead: str) -> None:
    deadline = normalise_deadline(f"{lead}{year}", issue)
    if 1900 <= year <= 2199 and year >= issue.year:
        assert deadline.on == date(year, 12, 31)
    else:
        assert deadline.on is None


@given(issue=st.dates(max_value=date(9000, 1, 1)))
def test_next_year_is_relative_to_the_issue(issue: date) -> None:
    assert normalise_deadline("next year", issue).on == date(issue.year + 1, 12, 31)
    assert normalise_deadline("by the end of the year", issue).on == date(issue.year, 12, 31)


# --- probabilities -----------------------------------------------------------------------------------


@given(value=st.floats(min_value=0, max_value=1))
def test_probability_in_range_is_accepted_as_number_or_text(value: float) -> None:
    assert parse_probability(value) == value
    assert parse_probability(repr(value)) == value
    assert parse_probability(f" {value!r} ") == value


@given(percent=st.floats(min_value=0, max_value=100))
def test_percentages_are_divided_by_100(percent: float) -> None:
    assert parse_probability(f"{percent!r}%") == percent / 100


@given(value=st.one_of(st.floats(), st.integers()).filter(lambda v: math.isnan(v) or not 0 <= v <= 1))
def test_numbers_outside_0_1_are_refused(value: float) -> None:
    for candidate in (value, str(value)):
        try:
            parse_probability(candidate)
        except ValueError as error:
            assert "probability" in str(error)
        else:
            raise AssertionError(f"accepted {candidate!r}")


@given(text=st.text(max_size=20))
def test_any_text_is_a_probability_or_a_value_error(text: str) -> None:
    try:
        result = parse_probability(text)
    except ValueError:
        return
    assert 0.0 <= result <= 1.0


# --- models ------------------------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.dates().map(str),
    st.dates(),
    st.lists(st.text(max_size=6), max_size=3),
    st.sampled_from(["true", "false", "ambiguous", "partial", "70%", "0.5", "2025-01-01", "threshold", ">="]),
)


@given(record=st.dictionaries(st.sampled_from([*CSV_COLUMNS, "forecast_at", "extra"]), anything, max_size=9))
def test_flat_rows_validate_or_raise_validation_error(record: dict[str, Any]) -> None:
    try:
        row = FlatRow.model_validate(record)
    except ValidationError:
        return
    assert 0.0 <= row.probability <= 1.0
    assert row.deadline is None or row.deadline >= row.made_on
    assert len(row.statement) >= 3 and row.forecaster


CLAIM_FIELDS = [*ClaimIn.model_fields, "unknown_field"]


@given(record=st.dictionaries(st.sampled_from(CLAIM_FIELDS), anything, max_size=12))
def test_claims_validate_or_raise_validation_error(record: dict[str, Any]) -> None:
    try:
        claim = ClaimIn.model_validate(record)
    except ValidationError:
        return
    if claim.deadline is not None:
        assert claim.deadline >= claim.made_on or "deadline_before_made_on" in claim.flags
        assert claim.deadline_precision is not None
    if claim.kind is ClaimKind.THRESHOLD:
        assert claim.metric and claim.target is not None and claim.comparator is not None
    assert all(tag == tag.strip().lower() and tag for tag in claim.tags)


# --- whole files through the CLI ---------------------------------------------------------------------

cells = st.one_of(
    st.text(max_size=15),
    st.sampled_from(["0.7", "70%", "1.5", "-0", "nan", "true", "FALSE", "ambiguous", "", "2024-01-01", "2031-12-31"]),
)


@st.composite
def csv_files(draw: st.DrawFn) -> str:
    """Mostly well-formed rows, some cells replaced by anything (commas, quotes, newlines, unicode)."""
    header = list(CSV_COLUMNS)
    if draw(st.integers(0, 9)) == 0:
        header = draw(st.lists(st.sampled_from([*CSV_COLUMNS, "forecast_at", "other"]), max_size=8))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for index in range(draw(st.integers(0, 6))):
        row = {
            "statement": f"Generated claim {draw(st.integers(0, 3))}",
            "probability": draw(st.sampled_from(["0.1", "0.55", "90%", "1"])),
            "outcome": draw(st.sampled_from(["", "true", "false", "ambiguous"])),
            "made_on": "2024-01-01",
            "deadline": draw(st.sampled_from(["", "2024-06-30", "2031-12-31"])),
            "forecaster": draw(st.sampled_from(["", "me", "you"])),
            "tags": draw(st.sampled_from(["", "ai", "ai;mobility"])),
            "forecast_at": "",
            "other": "x",
        }
        for column in draw(st.lists(st.sampled_from(header or ["statement"]), max_size=2)):
            row[column] = draw(cells)
        values = [row[column] for column in header]
        if draw(st.integers(0, 12)) == 0:
            values.append("surplus")
        writer.writerow(values)
        if index == 0 and draw(st.booleans()):
            out.write("\n")  # a blank line
    return out.getvalue()


def tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


def import_through_cli(text: str, fmt: str, *, twice: bool = False) -> None:
    """Import `text` with the CLI's main(): exit 0, or exit 1 with only `error:` lines and nothing written."""
    with tempfile.TemporaryDirectory() as folder:
        file, db = Path(folder) / f"input.{fmt}", Path(folder) / "ledger.duckdb"
        file.write_text(text, encoding="utf-8")
        for _ in range(2 if twice else 1):
            before = tables(db)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = cli.main(["import", str(file), "--format", fmt, "--db", str(db)])  # must not raise
            if code == 0:
                assert err.getvalue() == "" and out.getvalue().startswith("imported")
            else:
                assert code == 1
                lines = err.getvalue().splitlines()
                assert lines and all(line.startswith("error: ") for line in lines), lines
                assert tables(db) == before
        if twice and code == 0:
            assert "0 claims added" in out.getvalue() and ", 0 forecasts, 0 resolutions" in out.getvalue()


# Each valid example writes a database twice: half the profile's examples keep the default run quick.
@settings(max_examples=max(1, settings.default.max_examples // 2), suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_files())
def test_csv_files_through_the_cli_never_raise_and_reimport_adds_nothing(text: str) -> None:
    import_through_cli(text, "csv", twice=True)


@given(text=st.text(max_size=80))
def test_arbitrary_text_through_every_import_format(text: str) -> None:
    for fmt in ("csv", "json", "yaml"):
        import_through_cli(text, fmt)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)


@st.composite
def json_exports(draw: st.DrawFn) -> str:
    claim: dict[str, Any] = {"statement": "A generated claim", "made_on": "2024-01-01"}
    for key in draw(st.lists(st.sampled_from(["deadline", "forecasts", "resolutions", "tags", "kind", "source"]))):
        claim[key] = draw(json_values)
    if draw(st.booleans()):
        claim["forecasts"] = [
            {"probability": draw(st.floats(-1, 2)), "forecaster": "me", "made_at": "2024-01-02T00:00:00"}
        ]
    return json.dumps({"format": "trend-prediction-tracker/1", "claims": [claim]})


@given(text=json_exports())
def test_json_exports_through_the_cli_never_raise(text: str) -> None:
    assume(text)
    import_through_cli(text, "json")
