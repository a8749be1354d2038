"""Property tests for the parsers of outside input that test_properties.py leaves out: the archive formats
(Fatebook CSV exports, the PredictionBook questions/forecasts files, plain or zipped), their field parsers,
the YAML seed layout, the other input models, and the CLI's own arguments.

Every input is either accepted or rejected with one `error:` line per problem, exit code 1, no traceback
and nothing written. Well-formed archives import completely (one claim per question, one forecast per row)
and importing them again adds nothing. `HYPOTHESIS_PROFILE=long` runs tens of thousands of examples.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from ledger_snapshot import assert_clean_refusal, dump, run_cli
from pydantic import ValidationError

from predictions.imports import archive as archive_io
from predictions.imports import fatebook, predictionbook
from predictions.models import ForecastIn, ObservationIn, Outcome, ResolutionIn, Source
from predictions.seed import SeedError, SeedFile, prepare, read_seed_text

# Each example writes a database (twice for the well-formed ones): half the profile's examples.
HALF = settings(
    max_examples=max(1, settings.default.max_examples // 2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUMMARY = re.compile(
    r"^imported .*: ([\d,]+) claims? added \(([\d,]+) already there\), ([\d,]+) forecasts?, ([\d,]+) resolutions?$",
    re.M,
)

# --- building blocks ----------------------------------------------------------------------------------

printable = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
titles = st.one_of(
    st.text(printable, max_size=60),
    st.sampled_from(
        [
            "Will it rain in Paris on 2025-07-14?",
            'He said "it will ship by Friday", and it will',
            "<b>Bold</b> &amp; [a link](javascript:alert(1))",
            "Line one\nline two",
            "",
            "x",
            "1; DROP TABLE claims; --",
        ]
    ),
)
names = st.one_of(
    st.sampled_from(["gwern", "Ada Byrne", "Jayson Virissimo", "' OR '1'='1", "名前"]),
    st.text(printable, min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
)
moments = st.datetimes(min_value=datetime(2005, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
offsets = st.sampled_from([None, UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])


@st.composite
def timestamp_texts(draw: st.DrawFn) -> tuple[str, datetime]:
    """A timestamp as archives write it (ISO with a space or T, with or without an offset, or Fatebook's
    unpadded seconds) and its naive UTC value."""
    moment, offset = draw(moments), draw(offsets)
    aware = moment.replace(tzinfo=offset) if offset is not None else moment
    text = aware.isoformat(sep=draw(st.sampled_from([" ", "T"])))
    if offset is UTC and draw(st.booleans()):
        text = text.replace("+00:00", "Z")
    if offset is None and draw(st.booleans()):  # as Fatebook's exporter writes it: seconds not zero-padded
        text = f"{moment:%Y-%m-%d %H:%M}:{moment.second}"
    naive = aware.astimezone(UTC).replace(tzinfo=None) if offset is not None else moment
    return text, naive


probability_texts = st.one_of(
    st.floats(0, 1).map(repr), st.sampled_from(["0", "1", "0.5", "1.0", "0.0", ".25", "1e-3"])
)
junk = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "nan", "inf", "-0.1", "1.5", "70%", "2024-02-30", "2024-13-01 00:00:00", "yes", "-1"]),
)
urls = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        [
            "https://example.org/a",
            "http://x.y",
            "HTTPS://EXAMPLE.ORG",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "https://exa mple.org",
            "https://example.org/\njavascript:x",
            "//example.org",
            "",
        ]
    ),
)


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


@contextmanager
def workspace() -> Iterator[Path]:
    """A fresh folder per example (function-scoped pytest fixtures do not reset between examples)."""
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def write(path: Path, text: str, zipped: bool = False) -> Path:
    if zipped:
        target = path.with_name(path.name + ".zip")
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr(path.name, text.encode("utf-8"))
        return target
    path.write_text(text, encoding="utf-8", newline="")
    return path


def import_once(source: Path, fmt: str, db: Path) -> tuple[int, str, str]:
    """Import through the CLI: accepted with a summary, or refused cleanly with the ledger as it was."""
    before = dump(db)
    result = run_cli(["import", str(source), "--format", fmt, "--db", str(db)])
    if currently_in_test_context():
        event(f"{fmt} import {'accepted' if result.code == 0 else 'refused'}")
    if result.code == 0:
        assert result.err == "", result.err
        assert SUMMARY.search(result.out), result.out
    else:
        assert_clean_refusal(result)
        assert len(result.error_lines) <= archive_io.MAX_PROBLEMS + 1  # capped, with "… and N more problems"
        assert dump(db) == before
    return result.code, result.out, result.err


def counts(out: str) -> tuple[int, int, int, int]:
    match = SUMMARY.search(out)
    assert match, out
    added, existing, forecasts, resolutions = (int(g.replace(",", "")) for g in match.groups())  # "1,234"
    return added, existing, forecasts, resolutions


# --- the archives' field parsers ------------------------------------------------------------------------


@given(text=st.one_of(st.text(max_size=40), timestamp_texts().map(lambda t: t[0])))
def test_archive_timestamps_parse_to_naive_utc_or_raise_value_error(text: str) -> None:
    try:
        parsed = archive_io._timestamp(text, "open_time")
    except ValueError as error:
        assert "open_time" in str(error)
        return
    assert parsed.tzinfo is None


@given(stamp=timestamp_texts())
def test_archive_timestamps_keep_the_instant(stamp: tuple[str, datetime]) -> None:
    text, expected = stamp
    assert archive_io._timestamp(text, "t") == expected
    assert archive_io._timestamp(f"  {text} ", "t") == expected


@given(text=st.one_of(junk, probability_texts, st.floats(allow_nan=True).map(str)))
def test_archive_probabilities_are_in_0_1_or_a_value_error(text: str) -> None:
    try:
        value = archive_io._probability(text, "probability")
    except ValueError as error:
        assert str(error).startswith("probability ")
        return
    assert 0.0 <= value <= 1.0 and not math.isnan(value)


@given(text=st.one_of(junk, st.integers(-5, 10**12).map(str), st.floats().map(str)))
def test_question_ids_are_whole_non_negative_numbers_or_a_value_error(text: str) -> None:
    try:
        value = predictionbook._question_id(text)
    except ValueError as error:
        assert str(error).startswith("question_id ")
        return
    assert value >= 0 and float(text.strip()) == value


@given(text=st.one_of(junk, st.dates().map(str), timestamp_texts().map(lambda t: t[0])))
def test_fatebook_dates_parse_or_raise_value_error(text: str) -> None:
    try:
        value = fatebook._fatebook_date(text, "Question resolve by")
    except ValueError as error:
        assert "Question resolve by" in str(error)
        return
    assert isinstance(value, date)


# --- Fatebook exports -------------------------------------------------------------------------------------


@st.composite
def fatebook_questions(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Well-formed questions, each with its forecasts (every fact consistent within a question)."""
    questions = []
    base = draw(moments)
    for index in range(draw(st.integers(1, 4))):
        created = base + timedelta(hours=index)  # distinct questions
        created_text = created.isoformat(sep=draw(st.sampled_from([" ", "T"])))
        deadline = created.date() + timedelta(days=draw(st.integers(-30, 900)))
        outcome = draw(st.sampled_from(["", "YES", "NO", "AMBIGUOUS", "yes"]))
        resolved_text = ""
        if outcome:
            resolved_text = draw(timestamp_texts())[0]
        forecasts = [
            (draw(names), draw(probability_texts), draw(timestamp_texts())[0]) for _ in range(draw(st.integers(1, 4)))
        ]
        questions.append(
            {
                "title": draw(titles),
                "option": draw(st.sampled_from(["", "", "Option A", "B, or C"])),
                "creator": draw(st.one_of(st.just(""), names)),
                "created": created_text,
                "deadline": draw(st.sampled_from([deadline.isoformat(), f"{deadline.isoformat()} 00:00:00"])),
                "outcome": outcome,
                "resolved": resolved_text,
                "notes": draw(st.text(printable, max_size=30)),
                "forecasts": forecasts,
            }
        )
    return questions


def fatebook_rows(questions: list[dict[str, Any]]) -> list[list[str]]:
    header = [
        "Question title", "Multiple choice option", "Forecast created by", "Forecast (scale = 0-1)",
        "Forecast created at", "Question created by", "Question created at", "Question resolve by", "Resolution",
        "Resolved at", "Question notes", "Question shared publicly",
    ]  # fmt: skip
    rows = [header]
    for q in questions:
        for forecaster, probability, made_at in q["forecasts"]:
            rows.append(
                [
                    q["title"], q["option"], forecaster, probability, made_at, q["creator"], q["created"],
                    q["deadline"], q["outcome"], q["resolved"], q["notes"], "false",
                ]
            )  # fmt: skip
    return rows


@HALF
@given(questions=fatebook_questions())
def test_well_formed_fatebook_exports_import_completely_and_once(questions: list[dict[str, Any]]) -> None:
    with workspace() as folder:
        source, db = write(folder / "export.csv", csv_text(fatebook_rows(questions))), folder / "ledger.duckdb"
        code, out, err = import_once(source, "fatebook", db)
        assert code == 0, err
        added, existing, forecasts, resolutions = counts(out)
        assert (added, existing) == (len(questions), 0)
        assert forecasts == sum(len(q["forecasts"]) for q in questions)
        assert resolutions == sum(1 for q in questions if q["outcome"])
        stored = {row[0] for row in dump_claims(db)}
        for q in questions:
            folded = " ".join(q["title"].split())
            statement = folded if len(folded) >= 3 else None
            if statement is not None:
                option = " ".join(q["option"].split())
                assert (f"{statement} — {option}" if option else statement) in stored
        code, out, _ = import_once(source, "fatebook", db)
        assert code == 0 and counts(out) == (0, len(questions), 0, 0)


def dump_claims(db: Path) -> list[tuple[Any, ...]]:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT statement, quote, claimant, external_id FROM claims").fetchall()


@st.composite
def damaged_fatebook_files(draw: st.DrawFn) -> str:
    rows = fatebook_rows(draw(fatebook_questions()))
    for _ in range(draw(st.integers(1, 4))):
        row = draw(st.integers(0, len(rows) - 1))
        change = draw(st.integers(0, 3))
        if change == 0:  # a cell replaced by anything
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(junk)
        elif change == 1:  # a field too many or too few
            rows[row] = rows[row][:-1] if draw(st.booleans()) else [*rows[row], "surplus"]
        elif change == 2:  # a column renamed in the header
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(st.text(max_size=8))
        else:  # a row repeated with different facts
            copy = list(rows[row])
            copy[8] = draw(st.sampled_from(["YES", "NO", ""]))
            rows.append(copy)
    text = csv_text(rows)
    if draw(st.integers(0, 5)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.text(max_size=5)) + text[cut:]
    return text


@HALF
@given(text=st.one_of(damaged_fatebook_files(), st.text(max_size=60)))
def test_any_fatebook_file_is_imported_or_refused_whole(text: str) -> None:
    with workspace() as folder:
        source, db = write(folder / "export.csv", text), folder / "ledger.duckdb"
        code, _, err = import_once(source, "fatebook", db)
        if code == 1:
            assert all("export.csv" in line for line in err.splitlines()), err
        else:
            assert import_once(source, "fatebook", db)[0] == 0


# --- PredictionBook archives --------------------------------------------------------------------------------


@st.composite
def predictionbook_archives(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Well-formed question rows and forecast rows (each forecast on a question of the archive)."""
    ids = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=4, unique=True))
    questions = []
    for question_id in ids:
        opened_text, opened = draw(timestamp_texts())
        close = draw(st.one_of(st.none(), st.integers(-40, 900)))
        close_text = "" if close is None else (opened + timedelta(days=close)).isoformat(sep=" ") + "+00:00"
        questions.append(
            {
                "question_id": draw(st.sampled_from([str(question_id), f"{question_id}.0"])),
                "id": question_id,
                "q_title": draw(titles),
                "open_time": opened_text,
                "close_time": close_text,
                "resolve_time": draw(st.one_of(st.just(""), timestamp_texts().map(lambda t: t[0]))),
                "outcome": draw(st.sampled_from(["", "1.0", "0.0", "-1.0", "1", "0", "-1"])),
            }
        )
    forecasts = []
    for _ in range(draw(st.integers(0, 6))):
        question = draw(st.sampled_from(questions))
        # Some forecasts share their user and instant, the time spelt differently (a double submission).
        stamp = draw(st.one_of(timestamp_texts().map(lambda t: t[0]), st.sampled_from(ONE_INSTANT)))
        user = draw(st.one_of(st.sampled_from(["gwern", "bob"]), names))
        forecasts.append([str(question["id"]), user, draw(probability_texts), stamp])
    return questions, forecasts


ONE_INSTANT = ["2020-01-02 00:00:00+00:00", "2020-01-02T00:00:00Z", "2020-01-02 01:00:00+01:00", "2020-01-02 00:00:00"]
QUESTION_HEADER = ("question_id", "q_title", "q_status", "open_time", "close_time", "resolve_time", "outcome")
FORECAST_HEADER = ("question_id", "user_id", "probability", "timestamp")


def question_rows(questions: list[dict[str, Any]]) -> list[list[str]]:
    return [list(QUESTION_HEADER)] + [
        [q["question_id"], q["q_title"], "x", q["open_time"], q["close_time"], q["resolve_time"], q["outcome"]]
        for q in questions
    ]


def write_archive(folder: Path, questions: str, forecasts: str, zipped: bool) -> Path:
    archive = folder / "archive"
    archive.mkdir()
    write(archive / "questions.csv", questions, zipped)
    write(archive / ("forecasts.csv" if zipped else "public.csv"), forecasts, zipped)
    return archive


@HALF
@given(archive=predictionbook_archives(), zipped=st.booleans())
def test_well_formed_predictionbook_archives_import_completely_and_once(
    archive: tuple[list[dict[str, Any]], list[list[str]]], zipped: bool
) -> None:
    questions, forecasts = archive
    with workspace() as folder:
        source = write_archive(
            folder, csv_text(question_rows(questions)), csv_text([FORECAST_HEADER, *forecasts]), zipped
        )
        db = folder / "ledger.duckdb"
        code, out, err = import_once(source, "predictionbook", db)
        assert code == 0, err
        assert counts(out) == (
            len(questions),
            0,
            len(forecasts),
            sum(1 for q in questions if q["outcome"]),
        )
        assert {row[3] for row in dump_claims(db)} == {f"predictionbook:{q['id']}" for q in questions}
        code, out, _ = import_once(source, "predictionbook", db)
        assert code == 0 and counts(out) == (0, len(questions), 0, 0)


@st.composite
def damaged_predictionbook_archives(draw: st.DrawFn) -> tuple[str, str]:
    questions, forecasts = draw(predictionbook_archives())
    q_rows, f_rows = question_rows(questions), [list(FORECAST_HEADER)] + [list(row) for row in forecasts]
    for _ in range(draw(st.integers(1, 4))):
        rows = draw(st.sampled_from([q_rows, f_rows]))
        row = draw(st.integers(0, len(rows) - 1))
        change = draw(st.integers(0, 3))
        if change == 0:
            rows[row][draw(st.integers(0, len(rows[row]) - 1))] = draw(junk)
        elif change == 1:
            rows[row] = rows[row][:-1] if draw(st.booleans()) else [*rows[row], "surplus"]
        elif change == 2:  # a forecast on a question that is not in the archive, or a repeated question
            rows.append(list(rows[-1]) if rows is q_rows else ["424242424", "someone", "0.5", "2020-01-01 00:00:00"])
        else:
            rows[row] = [draw(junk) for _ in rows[row]]
    return csv_text(q_rows), csv_text(f_rows)


@HALF
@given(files=damaged_predictionbook_archives(), zipped=st.booleans())
def test_any_predictionbook_archive_is_imported_or_refused_whole(files: tuple[str, str], zipped: bool) -> None:
    with workspace() as folder:
        source, db = write_archive(folder, *files, zipped), folder / "ledger.duckdb"
        code, _, err = import_once(source, "predictionbook", db)
        if code == 1:
            assert all(("questions.csv" in line or "public.csv" in line or "forecasts.csv" in line)
                       for line in err.splitlines()), err  # fmt: skip
        else:
            assert import_once(source, "predictionbook", db)[0] == 0


@given(data=st.binary(max_size=200), name=st.sampled_from(["questions.csv.zip", "questions.csv"]))
def test_damaged_bytes_in_an_archive_file_are_refused_cleanly(data: bytes, name: str) -> None:
    with workspace() as folder:
        archive = folder / "archive"
        archive.mkdir()
        (archive / name).write_bytes(data)
        write(archive / "public.csv", csv_text([FORECAST_HEADER]))
        import_once(archive, "predictionbook", folder / "ledger.duckdb")


# --- JSON exports carrying ids ----------------------------------------------------------------------------


@st.composite
def json_exports_with_ids(draw: st.DrawFn) -> str:
    """Exports whose claims and forecasts carry external ids from a small pool, so that some repeat."""
    claims = []
    for index in range(draw(st.integers(1, 3))):
        forecasts = [
            {
                "probability": draw(st.floats(0, 1)),
                "forecaster": draw(names),
                "made_at": "2024-01-02T00:00:00",
                "external_id": draw(st.sampled_from([None, "pb:1:a", "pb:2:b"])),
            }
            for _ in range(draw(st.integers(0, 3)))
        ]
        claim = {"statement": f"Exported claim number {index}", "made_on": "2024-01-01", "forecasts": forecasts}
        claim["external_id"] = draw(st.sampled_from([None, f"json:{index}", "json:0"]))
        claims.append(claim)
    return json.dumps({"format": "trend-prediction-tracker/1", "claims": claims})


@HALF
@given(first=json_exports_with_ids(), second=json_exports_with_ids())
def test_json_exports_with_repeated_ids_are_imported_or_refused_by_validation(first: str, second: str) -> None:
    with workspace() as folder:
        db = folder / "ledger.duckdb"
        for number, text in enumerate((first, second, first)):
            import_once(write(folder / f"export{number}.json", text), "json", db)


def test_a_double_submission_spelt_two_ways_is_two_forecasts_and_reimports_as_none() -> None:
    with workspace() as folder:
        source = write_archive(
            folder,
            csv_text([QUESTION_HEADER, ["7", "Will it happen?", "x", "2020-01-01 00:00:00+00:00", "", "", ""]]),
            csv_text([FORECAST_HEADER, *([["7", "bob", "0.5", stamp] for stamp in ONE_INSTANT])]),
            zipped=False,
        )
        db = folder / "ledger.duckdb"
        first = import_once(source, "predictionbook", db)
        assert counts(first[1]) == (1, 0, len(ONE_INSTANT), 0), first
        assert counts(import_once(source, "predictionbook", db)[1]) == (0, 1, 0, 0)


def test_a_forecast_id_repeated_in_a_json_file_or_taken_in_the_ledger_is_a_validation_error() -> None:
    def export(*statements: str) -> str:
        forecast = {"probability": 0.5, "forecaster": "a", "made_at": "2024-01-02T00:00:00", "external_id": "f:1"}
        claims = [{"statement": s, "made_on": "2024-01-01", "forecasts": [forecast]} for s in statements]
        return json.dumps({"format": "trend-prediction-tracker/1", "claims": claims})

    with workspace() as folder:
        db = folder / "ledger.duckdb"
        code, _, err = import_once(write(folder / "twice.json", export("Claim one here", "Claim two here")), "json", db)
        assert code == 1 and err == "error: claims.1.forecasts.0: external_id 'f:1' repeats claims.0.forecasts.0\n"
        assert import_once(write(folder / "one.json", export("Claim one here")), "json", db)[0] == 0
        code, _, err = import_once(write(folder / "other.json", export("Claim two here")), "json", db)
        assert (code, err) == (1, "error: forecast external_id 'f:1' is already in the ledger, on another claim\n")


# --- YAML seed files ------------------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3000),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
    st.lists(st.text(max_size=5), max_size=2),
    st.sampled_from(["author", "threshold", ">=", "is set to", "will likely", "in 2025", "by 2030", "no", "ai"]),
)
SEED_EXAMPLE = """
source: {title: This Month in China, published_on: 2024-12-01}
claims:
  - key: robotaxis
    statement: Robotaxis operate in at least 65 Chinese cities in 2025.
    quote: 2025 is set to see robotaxis operating in at least 65 Chinese cities
    claimant: Pascal Coppens
    attribution: author
    deadline_text: in 2025
    hedge: is set to
    resolution_criteria: Official counts.
    tags: [mobility]
"""
SEED_FIELDS = [
    "key", "statement", "quote", "claimant", "attribution", "kind", "deadline_text", "deadline", "deadline_precision",
    "hedge", "probability", "forecaster", "resolution_criteria", "tags", "metric", "unit", "comparator", "target",
    "baseline", "baseline_on", "observations", "unknown",
]  # fmt: skip


@st.composite
def seed_documents(draw: st.DrawFn) -> str:
    """A seed file that is mostly right: a valid claim with some fields replaced or added."""
    claims = []
    for index in range(draw(st.integers(1, 3))):
        claim: dict[str, Any] = {
            "key": f"claim-{index}",
            "statement": "Robotaxis operate in at least 65 Chinese cities in 2025.",
            "quote": "2025 is set to see robotaxis operating in at least 65 Chinese cities",
            "claimant": "Pascal Coppens",
            "attribution": "author",
            "deadline_text": "in 2025",
            "hedge": "is set to",
            "resolution_criteria": "Official counts.",
            "tags": ["mobility"],
        }
        for field in draw(st.lists(st.sampled_from(SEED_FIELDS), max_size=3)):
            claim[field] = draw(anything)
        if draw(st.integers(0, 4)) == 0:
            claim["observations"] = [{"observed_on": draw(anything), "value": draw(anything), "note": draw(anything)}]
        claims.append(claim)
    source: dict[str, Any] = {"title": "This Month in China", "published_on": date(2024, 12, 1)}
    if draw(st.integers(0, 3)) == 0:
        source[draw(st.sampled_from(["title", "published_on", "url", "kind", "extra"]))] = draw(
            st.one_of(anything, urls, st.just("x" * 600))
        )
    document: dict[str, Any] = {"source": source, "claims": claims}
    return yaml.safe_dump(document, allow_unicode=True)


@given(text=st.one_of(seed_documents(), st.text(max_size=60)))
def test_seed_text_is_a_seed_file_or_a_seed_error(text: str) -> None:
    try:
        seed = read_seed_text(text)
        prepared = prepare(seed, "generated")
    except SeedError as error:
        assert str(error) and "\n" not in str(error)
        return
    assert isinstance(seed, SeedFile)
    for item in prepared:
        assert 0.0 <= item.probability <= 1.0
        assert item.claim.deadline is None or item.claim.deadline >= item.claim.made_on
        assert (item.claim.deadline is None) == ("not_checkable" in item.claim.flags)


@HALF
@given(text=seed_documents())
def test_seed_files_through_check_seed_and_import(text: str) -> None:
    with workspace() as folder:
        path, db = write(folder / "issue.yaml", text), folder / "ledger.duckdb"
        checked = run_cli(["check-seed", str(path)])
        if checked.code:
            assert_clean_refusal(checked)
        code, _, _ = import_once(path, "yaml", db)
        assert code == checked.code  # check-seed says exactly what an import will do


def test_check_seed_refuses_what_an_import_refuses() -> None:
    seed = yaml.safe_load(SEED_EXAMPLE)
    seed["claims"][0]["deadline"] = date(2000, 1, 1)  # before the issue
    with workspace() as folder:
        path = write(folder / "issue.yaml", yaml.safe_dump(seed))
        result = run_cli(["check-seed", str(path)])
        assert_clean_refusal(result)
        assert result.err == "error: claim robotaxis: deadline 2000-01-01 is before the claim was made (2024-12-01)\n"
        code, _, err = import_once(path, "yaml", folder / "ledger.duckdb")
        assert (code, err) == (1, result.err)


# --- the other input models -------------------------------------------------------------------------------


def only_http(url: str | None) -> None:
    assert url is None or (url.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in url))


@given(record=st.fixed_dictionaries({"observed_on": anything, "value": anything, "note": anything}, optional={
    "source_url": urls, "extra": anything}))  # fmt: skip
def test_observations_validate_or_raise(record: dict[str, Any]) -> None:
    try:
        observation = ObservationIn.model_validate(record)
    except ValidationError:
        return
    only_http(observation.source_url)
    assert observation.value is None or math.isfinite(observation.value)
    assert observation.value is not None or observation.note


@given(record=st.fixed_dictionaries({"outcome": anything, "resolved_on": anything}, optional={
    "fraction": st.one_of(anything, st.floats(-1, 2)), "note": anything, "evidence_url": urls,
    "extra": anything}))  # fmt: skip
def test_resolutions_validate_or_raise(record: dict[str, Any]) -> None:
    try:
        resolution = ResolutionIn.model_validate(record)
    except ValidationError:
        return
    only_http(resolution.evidence_url)
    assert (resolution.fraction is not None) == (resolution.outcome is Outcome.PARTIAL)
    assert resolution.fraction is None or 0.0 <= resolution.fraction <= 1.0


@given(record=st.fixed_dictionaries({"probability": st.one_of(anything, st.floats()), "forecaster": anything,
    "made_at": st.one_of(anything, st.datetimes())}, optional={"basis": anything, "note": anything}))  # fmt: skip
def test_forecasts_validate_or_raise(record: dict[str, Any]) -> None:
    try:
        forecast = ForecastIn.model_validate(record)
    except ValidationError:
        return
    assert 0.0 <= forecast.probability <= 1.0
    assert 1 <= len(forecast.forecaster) <= 200 and forecast.forecaster == forecast.forecaster.strip()


@given(record=st.fixed_dictionaries({"title": anything}, optional={"url": urls, "published_on": anything}))
def test_sources_validate_or_raise(record: dict[str, Any]) -> None:
    try:
        source = Source.model_validate(record)
    except ValidationError:
        return
    only_http(source.url)
    assert 1 <= len(source.title) <= 500


# --- the CLI's own arguments ------------------------------------------------------------------------------

arguments = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", " ", "-", "--", "-1", "1e309", "nan", "0x10", "２０２５-01-01", "2025-02-29", "70 %", "٣"]),
)
OPTIONS = {
    "add": ["--statement", "--quote", "--deadline", "--made-on", "--probability", "--claimant", "--forecaster",
            "--kind", "--metric", "--target", "--baseline", "--unit", "--comparator", "--criteria", "--tags",
            "--deadline-precision", "--attribution"],
    "observe": ["--on", "--value", "--note", "--source"],
    "forecast": ["--probability", "--forecaster", "--at", "--note"],
    "resolve": ["--fraction", "--on", "--note", "--evidence"],
}  # fmt: skip
FIXED = {
    "add": ["--statement=A generated claim from the command line", "--made-on=2025-01-01"],
    "observe": ["--on=2025-06-30", "--value=3"],
    "forecast": ["--probability=0.4"],
    "resolve": ["true", "--on=2026-01-02"],
}


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(list(OPTIONS)))
    args = [command] if command == "add" else [command, draw(st.sampled_from(["1", "0", "-3", "x", "99"]))]
    chosen = dict(arg.split("=", 1) for arg in FIXED[command] if arg.startswith("--"))
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=3)):
        chosen[option] = draw(arguments)
    args += [a for a in FIXED[command] if not a.startswith("--")]
    args += [f"{option}={value}" for option, value in chosen.items()]
    return args


@HALF
@given(args=command_lines())
def test_any_command_line_is_done_or_refused_with_one_line_per_problem(args: list[str]) -> None:
    with workspace() as folder:
        db = folder / "ledger.duckdb"
        assert run_cli(["add", "--statement=The claim everyone writes about", "--made-on=2025-01-01",
                        "--db", str(db)]).code == 0  # fmt: skip
        before = dump(db)
        result = run_cli([*args, "--db", str(db)])
        event(f"{args[0]} {'done' if result.code == 0 else 'refused'}")
        if result.code == 0:
            assert result.err == "" and result.out.strip()
            assert dump(db) != before
        else:
            assert_clean_refusal(result)
            assert dump(db) == before
