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

This module holds what both loaders share: the result and the prepared rows, capped problem lines,
CSV reading (plain or zipped), small parsers, title flags, and the one transaction that stores them."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from db import queries
from predictions.imports.base import ImportProblems, ImportResult, Progress
from predictions.ledger import writing
from predictions.models import (
    ClaimIn,
    ForecastBasis,
    ForecastIn,
    Outcome,
    ResolutionIn,
    Source,
    describe_validation_error,
)
from predictions.timestamps import parse_date_time

MAX_PROBLEMS = 25  # lines shown for a damaged file; the rest are counted
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


@dataclass
class Question:
    """One question of an archive, read and checked: what the shared step turns into rows."""

    key: str  # the claim's external id
    where: str  # where the question is, for problem lines
    fields: dict[str, Any]  # the claim's fields (ClaimIn), flags aside
    flags: list[str]
    forecasts: list[tuple[str, str, float, datetime, str]]  # (where, forecaster, probability, made at, external id)
    outcome: Outcome | None = None
    resolved_on: date | None = None
    resolution_note: str = ""


def add_question(prepared: PreparedArchive, problems: Problems, question: Question) -> None:
    """The one question → claim, forecasts and resolution step both archive formats share: flags a
    forecast of exactly 0 or 1, validates every row through the domain models, and adds the rows (or
    a problem line for each that does not validate)."""
    flags = list(question.flags)
    if any(p in (0.0, 1.0) for _w, _u, p, _m, _id in question.forecasts):
        flags.append("extreme_probability")
    try:
        claim = ClaimIn(**question.fields, flags=flags)
    except ValidationError as error:
        problems.add(_problem(question.where, error))
        return
    prepared.claims.append({**claim.model_dump(), "external_id": question.key})
    for flag in flags:
        prepared.flag(flag)
    for where, forecaster, probability, made_at, external_id in question.forecasts:
        extreme = probability in (0.0, 1.0)
        try:
            forecast = ForecastIn(
                probability=probability,
                forecaster=forecaster,
                made_at=made_at,
                basis=ForecastBasis.IMPORTED,
                note=f"extreme_probability: stated as exactly {probability:g}" if extreme else None,
                external_id=external_id,
            )
        except ValidationError as error:
            problems.add(_problem(where, error))
            continue
        prepared.forecasts.append({**forecast.model_dump(), "claim_key": question.key})
    if question.outcome is not None and question.resolved_on is not None:
        try:
            resolution = ResolutionIn(
                outcome=question.outcome, resolved_on=question.resolved_on, note=question.resolution_note
            )
        except ValidationError as error:
            problems.add(_problem(question.where, error))
            return
        prepared.resolutions[question.key] = resolution.model_dump()


def finish(prepared: PreparedArchive, problems: Problems) -> PreparedArchive:
    """Count the extreme forecasts and raise the problems, if any: the end of every loader."""
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
        source_id = queries.ensure_source(con, source.model_dump())
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
