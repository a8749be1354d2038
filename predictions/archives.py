"""Imports of other sites' track records: the PredictionBook public archive and Fatebook CSV exports.

Both run in two steps. First the files are read and every row is validated (through the domain
models) into plain rows for claims, forecasts and resolutions, collecting one row-numbered line per
problem; a file with any unparseable row is rejected whole. Then everything is written in one
transaction through Arrow bulk inserts, skipping what an earlier import already stored (by external
id), so importing the same archive twice adds nothing.

Odd but readable rows are kept and flagged rather than rejected (claims.flags, forecasts.note):

- `deadline_before_made_on`: the question's deadline is before it was opened;
- `extreme_probability`: a forecast of exactly 0 or 1 (the forecast's note says so too);
- `title_missing` / `title_short`: a blank or one-to-two-character title (the statement then names
  the question instead); `title_multiline`; `title_markup` (HTML tags, entities or link markup);
- `resolve_time_missing`: resolved, but with no resolution time (the deadline stands in for it);
- `not_checkable`: no deadline at all.

PredictionBook (`PATH` = the directory holding `questions.csv.zip` and `forecasts.csv.zip` as shipped,
or the extracted `questions.csv` and `public.csv`; or either file, the other being found beside it):
each question is a claim (`predictionbook:<question_id>`), its title the statement (whitespace folded
onto one line) and the verbatim quote, `open_time` the day it was made, `close_time` the deadline (day
precision; the exact time is kept in deadline_text), the outcome 1 / 0 / −1 / blank a resolution true /
false / ambiguous / none dated by `resolve_time`. The claimant is the question's first forecaster.
Each row of `public.csv` is a forecast by its `user_id`, basis `imported`.

Fatebook (one CSV export, one row per forecast): a question is identified by its title, creator and
creation time; a row with a `Multiple choice option` belongs to the binary claim "title — option".
`Question resolve by` is the deadline, `Resolution` YES / NO / AMBIGUOUS / blank the outcome dated by
`Resolved at`, `Question notes` the resolution criteria.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from db import queries
from predictions.ledger import LedgerError, writing
from predictions.models import (
    Attribution,
    ClaimIn,
    ForecastBasis,
    ForecastIn,
    Outcome,
    Precision,
    ResolutionIn,
    Source,
    describe_validation_error,
)
from predictions.timestamps import parse_date_time
from predictions.transfer import ImportProblems, ImportResult, Progress

ARCHIVE_FORMATS = ("predictionbook", "fatebook")
MAX_PROBLEMS = 25  # lines shown for a damaged file; the rest are counted

PREDICTIONBOOK_SOURCE = Source(
    title="PredictionBook", kind="archive", url="https://predictionbook.com", external_id="predictionbook"
)
FATEBOOK_SOURCE = Source(title="Fatebook", kind="archive", url="https://fatebook.io", external_id="fatebook")

PB_QUESTION_FILES = ("questions.csv", "questions.csv.zip")
PB_FORECAST_FILES = ("public.csv", "forecasts.csv.zip", "forecasts.csv")
PB_QUESTION_COLUMNS = ("question_id", "q_title", "open_time", "close_time", "resolve_time", "outcome")
PB_FORECAST_COLUMNS = ("question_id", "user_id", "probability", "timestamp")

FATEBOOK_REQUIRED = (
    "Question title", "Forecast created by", "Forecast (scale = 0-1)", "Forecast created at",
    "Question created by", "Question created at", "Question resolve by", "Resolution", "Resolved at",
)  # fmt: skip
FATEBOOK_OUTCOMES = {"YES": Outcome.TRUE, "NO": Outcome.FALSE, "AMBIGUOUS": Outcome.AMBIGUOUS}

_MARKUP = re.compile(r"<[A-Za-z/!][^>]*>|&[A-Za-z]+;|&#\d+;|\[[^\]]*\]\([^)]*\)")


@dataclass
class ArchiveImportResult(ImportResult):
    """What an archive import did, with the number of claims and forecasts carrying each flag."""

    flagged: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "flagged": dict(self.flagged)}


@dataclass
class PreparedArchive:
    """Validated rows ready for the bulk insert, keyed by external id."""

    source: Source
    claims: list[dict[str, Any]] = field(default_factory=list)
    forecasts: list[dict[str, Any]] = field(default_factory=list)  # "claim_key" names the claim
    resolutions: dict[str, dict[str, Any]] = field(default_factory=dict)  # claim key → resolution
    flagged: dict[str, int] = field(default_factory=dict)

    def flag(self, name: str) -> None:
        self.flagged[name] = self.flagged.get(name, 0) + 1


class Problems:
    """Row-numbered problems, capped so that a wholly wrong file still gives a readable answer."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_PROBLEMS:
            self.lines.append(line)

    def raise_if_any(self) -> None:
        if self.count:
            lines = list(self.lines)
            if self.count > len(lines):
                lines.append(f"… and {self.count - len(lines)} more problems")
            raise ImportProblems(lines)


# --- reading CSV text, plain or zipped ------------------------------------------------------------


@contextmanager
def _open_text(path: Path) -> Iterator[IO[str]]:
    """A text stream of a CSV file, or of the one CSV inside a zip file."""
    if path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as error:
            raise ImportProblems([f"{path.name}: not a readable zip file ({error})"]) from error
        with archive:
            members = [m for m in archive.namelist() if m.lower().endswith(".csv") and not m.endswith("/")]
            if len(members) != 1:
                raise ImportProblems([f"{path.name}: expected exactly one .csv inside, found {len(members)}"])
            try:
                with archive.open(members[0]) as raw:
                    yield io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            except (zipfile.BadZipFile, OSError, EOFError) as error:  # a damaged member (CRC, truncation)
                raise ImportProblems([f"{path.name}: damaged zip member {members[0]} ({error})"]) from error
        return
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield handle
    except OSError as error:
        raise ImportProblems([f"{path.name}: cannot be read ({error.strerror})"]) from error


def _csv_records(path: Path, label: str) -> Iterator[tuple[int, dict[str, str] | list[str]]]:
    """(line where the record starts, the record as a dict), the header first as a list.

    A record whose field count differs from the header's comes out as a list: the problem, then its
    first field (if any).
    """
    with _open_text(path) as handle:
        reader = csv.reader(handle)
        line = 0
        try:
            header = next(reader, None)
            if header is None:
                raise ImportProblems([f"{label} line 1: the file is empty"])
            header = [name.strip() for name in header]
            yield 1, header
            line = reader.line_num
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not fields:  # a blank line
                    continue
                if len(fields) != len(header):
                    yield start, [f"{len(fields)} fields where the header has {len(header)}", *fields[:1]]
                else:
                    yield start, dict(zip(header, fields, strict=True))
        except UnicodeDecodeError as error:
            raise ImportProblems([f"{label} line {line + 1}: not UTF-8 text ({error.reason})"]) from error
        except csv.Error as error:
            raise ImportProblems([f"{label} line {line + 1}: unreadable CSV ({error})"]) from error


def _check_header(header: list[str], required: tuple[str, ...], label: str) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportProblems([f"{label} line 1: missing column(s) {', '.join(missing)}"])


# --- small parsers (each raises ValueError with a short reason) ------------------------------------


def _timestamp(text: str, name: str) -> datetime:
    """A date-time as naive UTC: ISO 8601 (space or T, Z or an offset) or as Fatebook's exporter writes it
    (seconds not zero-padded: `2025-01-05 09:07:5`); see predictions/timestamps.py."""
    return parse_date_time(text, name)


def _optional_timestamp(text: str, name: str) -> datetime | None:
    return _timestamp(text, name) if text.strip() else None


def _probability(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise ValueError(f"{name} {text!r} is outside 0–1")
    return value


def _question_id(text: str) -> int:
    value = text.strip()
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"question_id {text!r} is not a number") from None
    if not number.is_integer() or number < 0:
        raise ValueError(f"question_id {text!r} is not a whole number")
    return int(number)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _title_flags(title: str) -> list[str]:
    flags = []
    stripped = title.strip()
    if not stripped:
        flags.append("title_missing")
    elif len(_fold(stripped)) < 3:
        flags.append("title_short")
    if "\n" in stripped or "\r" in stripped:
        flags.append("title_multiline")
    if _MARKUP.search(stripped):
        flags.append("title_markup")
    return flags


def _statement(title: str, fallback: str) -> str:
    folded = _fold(title)
    if len(folded) >= 3:
        return folded
    return f"{fallback}: {folded!r}" if folded else f"{fallback} (untitled)"


def _problem(where: str, error: ValidationError | ValueError) -> str:
    if isinstance(error, ValidationError):
        return f"{where}: " + "; ".join(describe_validation_error(error))
    return f"{where}: {error}"


def _claim_row(claim: ClaimIn, external_id: str) -> dict[str, Any]:
    return {**claim.model_dump(), "external_id": external_id}


def _forecast_row(forecast: ForecastIn, claim_key: str) -> dict[str, Any]:
    return {**forecast.model_dump(), "claim_key": claim_key}


# --- PredictionBook -------------------------------------------------------------------------------


def _find(directory: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _sniff_kind(path: Path) -> str:
    """'questions' or 'forecasts', from the file's header."""
    for _line, header in _csv_records(path, path.name):
        if isinstance(header, list) and "user_id" in header:
            return "forecasts"
        if isinstance(header, list) and "q_title" in header:
            return "questions"
        break
    raise ImportProblems([f"{path.name} line 1: neither a PredictionBook questions nor a forecasts file"])


def predictionbook_files(path: Path) -> tuple[Path, Path]:
    """(questions file, forecasts file) from a directory or from either file; see the module docstring."""
    if path.is_dir():
        questions, forecasts = _find(path, PB_QUESTION_FILES), _find(path, PB_FORECAST_FILES)
        missing = [
            " or ".join(names)
            for names, found in ((PB_QUESTION_FILES, questions), (PB_FORECAST_FILES, forecasts))
            if found is None
        ]
        if missing:
            raise LedgerError(f"{path}: no {' and no '.join(missing)} in this directory")
        assert questions is not None and forecasts is not None
        return questions, forecasts
    if not path.is_file():
        raise LedgerError(f"{path}: no such file or directory")
    if _sniff_kind(path) == "questions":
        forecasts = _find(path.parent, PB_FORECAST_FILES)
        if forecasts is None:
            raise LedgerError(f"{path}: no {' or '.join(PB_FORECAST_FILES)} beside it")
        return path, forecasts
    questions = _find(path.parent, PB_QUESTION_FILES)
    if questions is None:
        raise LedgerError(f"{path}: no {' or '.join(PB_QUESTION_FILES)} beside it")
    return questions, path


def _inner_name(path: Path) -> str:
    """The name used in messages: the CSV inside a zip, else the file's own name."""
    if path.suffix.lower() == ".zip":
        return path.name[: -len(".zip")] if path.name.lower().endswith(".csv.zip") else path.stem + ".csv"
    return path.name


def load_predictionbook(path: Path) -> PreparedArchive:
    """Read and validate the archive; raises ImportProblems (row-numbered) if any row is unparseable."""
    questions_path, forecasts_path = predictionbook_files(path)
    q_label, f_label = _inner_name(questions_path), _inner_name(forecasts_path)
    problems = Problems()
    prepared = PreparedArchive(PREDICTIONBOOK_SOURCE)

    questions: dict[int, dict[str, Any]] = {}
    first_line: dict[int, int] = {}
    rejected: set[int] = set()  # ids of question rows with a problem, already reported
    for line, record in _csv_records(questions_path, q_label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, PB_QUESTION_COLUMNS, q_label)
            else:
                problems.add(f"{q_label} line {line}: {record[0]}")
                with suppress(ValueError, IndexError):  # its forecasts need no messages of their own
                    rejected.add(_question_id(record[1]))
            continue
        where = f"{q_label} line {line}"
        try:
            question_id = _question_id(record["question_id"])
            rejected.add(question_id)  # until the row has passed: its forecasts then need no messages
            opened = _timestamp(record["open_time"], "open_time")
            closes = _optional_timestamp(record["close_time"], "close_time")
            resolved = _optional_timestamp(record["resolve_time"], "resolve_time")
            outcome_text = record["outcome"].strip()
            outcome: Outcome | None = None
            if outcome_text:
                try:
                    code = float(outcome_text)
                except ValueError:
                    code = float("nan")
                outcome = {1.0: Outcome.TRUE, 0.0: Outcome.FALSE, -1.0: Outcome.AMBIGUOUS}.get(code)
                if outcome is None:
                    raise ValueError(f"outcome {outcome_text!r} is not 1, 0, -1 or blank")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        if question_id in questions:
            problems.add(f"{where}: question_id {question_id} repeats line {first_line[question_id]}")
            continue
        rejected.discard(question_id)
        first_line[question_id] = line
        questions[question_id] = {
            "where": where,
            "title": record["q_title"],
            "opened": opened,
            "closes": closes,
            "resolved": resolved,
            "outcome": outcome,
            "close_text": record["close_time"].strip() or None,
            "forecasts": [],
        }

    seen: dict[tuple[int, str, str], int] = {}
    for line, record in _csv_records(forecasts_path, f_label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, PB_FORECAST_COLUMNS, f_label)
            else:
                problems.add(f"{f_label} line {line}: {record[0]}")
            continue
        where = f"{f_label} line {line}"
        try:
            question_id = _question_id(record["question_id"])
            probability = _probability(record["probability"], "probability")
            made_at = _timestamp(record["timestamp"], "timestamp")
            user = record["user_id"].strip()
            if not user:
                raise ValueError("user_id is empty")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        question = questions.get(question_id)
        if question is None:
            if question_id not in rejected:
                problems.add(f"{where}: question_id {question_id} is not in {q_label}")
            continue
        # The same user, question and time can occur twice (a double submission): both rows are kept.
        # Counted by the instant, as the external id names it: "…00:00Z" and "…00:00+00:00" are one time.
        base = (question_id, user, made_at.isoformat())
        seen[base] = seen.get(base, 0) + 1
        question["forecasts"].append((where, user, probability, made_at, seen[base]))

    for question_id, question in questions.items():
        where = question["where"]
        flags = _title_flags(question["title"])
        opened, closes = question["opened"], question["closes"]
        if closes is None:
            flags.append("not_checkable")
        elif closes < opened:
            flags.append("deadline_before_made_on")
        if question["outcome"] is not None and question["resolved"] is None:
            flags.append("resolve_time_missing")
        forecasts = sorted(question["forecasts"], key=lambda f: (f[3], f[0]))
        if any(p in (0.0, 1.0) for _w, _u, p, _m, _n in forecasts):
            flags.append("extreme_probability")
        key = f"predictionbook:{question_id}"
        try:
            claim = ClaimIn(
                statement=_statement(question["title"], f"PredictionBook question {question_id}"),
                quote=question["title"].strip() or None,
                claimant=forecasts[0][1] if forecasts else "PredictionBook",
                attribution=Attribution.THIRD_PARTY_FORECAST,
                made_on=opened.date(),
                deadline=closes.date() if closes else None,
                deadline_precision=Precision.DAY if closes else None,
                deadline_text=question["close_text"],
                flags=flags,
            )
        except ValidationError as error:
            problems.add(_problem(where, error))
            continue
        prepared.claims.append(_claim_row(claim, key))
        for flag in flags:
            prepared.flag(flag)
        for f_where, user, probability, made_at, occurrence in forecasts:
            extreme = probability in (0.0, 1.0)
            try:
                forecast = ForecastIn(
                    probability=probability,
                    forecaster=user,
                    made_at=made_at,
                    basis=ForecastBasis.IMPORTED,
                    note=f"extreme_probability: stated as exactly {probability:g}" if extreme else None,
                    external_id=f"{key}:{user}:{made_at.isoformat(sep=' ')}:{occurrence}",
                )
            except ValidationError as error:
                problems.add(_problem(f_where, error))
                continue
            prepared.forecasts.append(_forecast_row(forecast, key))
        if question["outcome"] is not None:
            resolved_on = (question["resolved"] or closes or opened).date()
            try:
                resolution = ResolutionIn(
                    outcome=question["outcome"],
                    resolved_on=resolved_on,
                    note="imported from PredictionBook",
                )
            except ValidationError as error:
                problems.add(_problem(where, error))
                continue
            prepared.resolutions[key] = resolution.model_dump()
    prepared.flagged["extreme_probability_forecasts"] = sum(
        1 for f in prepared.forecasts if f["probability"] in (0.0, 1.0)
    )
    problems.raise_if_any()
    return prepared


# --- Fatebook -------------------------------------------------------------------------------------


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def _fatebook_date(text: str, name: str) -> date:
    value = text.strip()
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None
    return _timestamp(value, name).date()


def load_fatebook(path: Path) -> PreparedArchive:
    """Read and validate a Fatebook CSV export; raises ImportProblems (row-numbered) on any bad row."""
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    label = path.name
    problems = Problems()
    prepared = PreparedArchive(FATEBOOK_SOURCE)
    claims: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str, datetime], int] = {}
    for line, record in _csv_records(path, label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, FATEBOOK_REQUIRED, label)
            else:
                problems.add(f"{label} line {line}: {record[0]}")
            continue
        where = f"{label} line {line}"
        title = record["Question title"]
        option = record.get("Multiple choice option", "").strip()
        try:
            probability = _probability(record["Forecast (scale = 0-1)"], "forecast")
            made_at = _timestamp(record["Forecast created at"], "Forecast created at")
            created_at = _timestamp(record["Question created at"], "Question created at")
            deadline = _fatebook_date(record["Question resolve by"], "Question resolve by")
            resolution_text = record["Resolution"].strip().upper()
            outcome = FATEBOOK_OUTCOMES.get(resolution_text) if resolution_text else None
            if resolution_text and outcome is None:
                raise ValueError(f"Resolution {record['Resolution']!r} is not YES, NO, AMBIGUOUS or blank")
            resolved_at = _optional_timestamp(record["Resolved at"], "Resolved at")
            if outcome is not None and resolved_at is None:
                raise ValueError(f"Resolution {resolution_text} has no Resolved at")
            if outcome is None and resolved_at is not None:
                raise ValueError("Resolved at is given without a Resolution")
            forecaster = record["Forecast created by"].strip()
            if not forecaster:
                raise ValueError("Forecast created by is empty")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        creator = record["Question created by"].strip()
        question_key = _digest(_fold(title), creator, created_at.isoformat())
        key = f"fatebook:{question_key}" + (f":{_digest(option)[:8]}" if option else "")
        facts = (deadline, outcome, resolved_at)
        entry = claims.get(key)
        if entry is None:
            flags = _title_flags(title)
            if deadline < created_at.date():
                flags.append("deadline_before_made_on")
            statement = _statement(title, "Fatebook question")
            entry = claims[key] = {
                "where": where,
                "facts": facts,
                "flags": flags,
                "fields": {
                    "statement": f"{statement} — {_fold(option)}" if option else statement,
                    "quote": title.strip() or None,
                    "claimant": creator or forecaster,
                    "attribution": Attribution.THIRD_PARTY_FORECAST,
                    "made_on": created_at.date(),
                    "deadline": deadline,
                    "deadline_precision": Precision.DAY,
                    "resolution_criteria": record.get("Question notes", "").strip() or None,
                },
                "forecasts": [],
            }
        elif entry["facts"] != facts:
            problems.add(
                f"{where}: resolve-by date, resolution or resolved-at differ from {entry['where']} "
                "for the same question"
            )
            continue
        occurrence_key = (key, forecaster, made_at)
        seen[occurrence_key] = seen.get(occurrence_key, 0) + 1
        entry["forecasts"].append((where, forecaster, probability, made_at, seen[occurrence_key]))

    for key, entry in claims.items():
        flags = entry["flags"]
        if any(p in (0.0, 1.0) for _w, _u, p, _m, _n in entry["forecasts"]):
            flags.append("extreme_probability")
        try:
            claim = ClaimIn(**entry["fields"], flags=flags)
        except ValidationError as error:
            problems.add(_problem(entry["where"], error))
            continue
        prepared.claims.append(_claim_row(claim, key))
        for flag in flags:
            prepared.flag(flag)
        for where, forecaster, probability, made_at, occurrence in entry["forecasts"]:
            extreme = probability in (0.0, 1.0)
            try:
                forecast = ForecastIn(
                    probability=probability,
                    forecaster=forecaster,
                    made_at=made_at,
                    basis=ForecastBasis.IMPORTED,
                    note=f"extreme_probability: stated as exactly {probability:g}" if extreme else None,
                    external_id=f"{key}:{_digest(forecaster, made_at.isoformat())}:{occurrence}",
                )
            except ValidationError as error:
                problems.add(_problem(where, error))
                continue
            prepared.forecasts.append(_forecast_row(forecast, key))
        _deadline, outcome, resolved_at = entry["facts"]
        if outcome is not None:
            try:
                resolution = ResolutionIn(
                    outcome=outcome, resolved_on=resolved_at.date(), note="imported from Fatebook"
                )
            except ValidationError as error:
                problems.add(_problem(entry["where"], error))
                continue
            prepared.resolutions[key] = resolution.model_dump()
    prepared.flagged["extreme_probability_forecasts"] = sum(
        1 for f in prepared.forecasts if f["probability"] in (0.0, 1.0)
    )
    problems.raise_if_any()
    return prepared


# --- storing --------------------------------------------------------------------------------------


def store_archive(db_path: Path, prepared: PreparedArchive, progress: Progress | None = None) -> ArchiveImportResult:
    """Write the prepared rows in one transaction; what is already stored (by external id) is skipped.

    A claim stored earlier gets the archive's resolution only when the resolution in force differs
    (an open question that has since been resolved), so a repeated import adds nothing.
    """
    result = ArchiveImportResult(flagged={k: v for k, v in sorted(prepared.flagged.items()) if v})
    source = prepared.source
    assert source.external_id is not None
    with writing(db_path) as con:
        source_id = queries.source_id_by_external_id(con, source.external_id)
        if source_id is None:
            source_id = queries.insert_source(con, source.model_dump())
        keys = [claim["external_id"] for claim in prepared.claims]
        existing = queries.claim_ids_by_external_id(con, keys)
        new_claims = [{**c, "source_id": source_id} for c in prepared.claims if c["external_id"] not in existing]
        ids = {**existing, **queries.bulk_insert(con, "claims", new_claims, returning_key="external_id")}
        if progress:
            progress(0.4, f"{len(new_claims)} new claims stored")
        in_force = queries.current_outcomes(con, [existing[k] for k in prepared.resolutions if k in existing])
        resolutions = []
        for key, resolution in prepared.resolutions.items():
            claim_id = ids[key]
            current = in_force.get(claim_id)
            if current is not None and current == (resolution["outcome"].value, resolution["resolved_on"]):
                continue
            resolutions.append({**resolution, "claim_id": claim_id})
        known = queries.existing_forecast_ids(con, [f["external_id"] for f in prepared.forecasts])
        forecasts = [
            {**f, "claim_id": ids[f["claim_key"]]} for f in prepared.forecasts if f["external_id"] not in known
        ]
        queries.bulk_insert(con, "forecasts", forecasts)
        if progress:
            progress(0.8, f"{len(forecasts)} new forecasts stored")
        queries.bulk_insert(con, "resolutions", resolutions)
    if progress:
        progress(1.0, "done")
    result.claims_added = len(new_claims)
    result.claims_existing = len(existing)
    result.forecasts_added = len(forecasts)
    result.resolutions_added = len(resolutions)
    return result


def import_archive(db_path: Path, path: Path, fmt: str, progress: Progress | None = None) -> ArchiveImportResult:
    """Import a PredictionBook archive or a Fatebook export, all or nothing."""
    started = time.perf_counter()
    if fmt == "predictionbook":
        prepared = load_predictionbook(path)
    elif fmt == "fatebook":
        prepared = load_fatebook(path)
    else:
        raise LedgerError(f"unknown archive format {fmt!r}: use {', '.join(ARCHIVE_FORMATS)}")
    if progress:
        progress(0.2, f"{len(prepared.claims)} claims and {len(prepared.forecasts)} forecasts valid")
    result = store_archive(db_path, prepared, progress)
    result.seconds = time.perf_counter() - started
    return result
