"""Evidence files: dated, sourced facts about claims, imported as observations with their provenance.

The layout is the one of `../shared/data/evidence/` (and of the copy shipped in `seed_data/`): one row
per fact with `claim_key` (a claim's seed key) or `claim_id`, `observed_on`, `value` (only where it
measures the claim's own metric), `note`, `source_url`, `source_published` and `confidence` (high,
medium, low). CSV, or the same rows as a JSON array of objects.

An import is all-or-nothing: every row is checked (one line per problem, with its line number in the
CSV or its item number in the JSON) before anything is written. A row already in the ledger (the same
claim, day, value, note and source) is counted, not added again, so importing a file twice adds nothing.
A fact dated before its claim was made is kept: it is a baseline.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from pydantic import Field, ValidationError, field_validator, model_validator

from db import evidence as evidence_sql
from predictions.imports import evidence_revisions
from predictions.imports.base import ImportProblems
from predictions.ledger import LedgerError, SeedResult, store_prepared, writing
from predictions.models import (
    EvidenceConfidence,
    Model,
    ObservationIn,
    ObservationOrigin,
    describe_validation_error,
    http_url,
    metric_value,
)
from predictions.safe_text import csv_value
from predictions.seed import default_seed_path, load_seed_file, prepare, source_external_id

COLUMNS = ("observed_on", "value", "note", "source_url", "source_published", "confidence")
KEY_COLUMNS = ("claim_key", "claim_id")
MAX_BYTES = 20_000_000


class EvidenceRow(Model):
    """One fact as written in an evidence file; empty cells are absent values."""

    claim_key: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    claim_id: int | None = Field(default=None, ge=1)
    observed_on: date
    value: float | None = None
    note: str | None = Field(default=None, max_length=5000)
    source_url: str | None = None
    source_published: date | None = None
    confidence: EvidenceConfidence | None = None

    @field_validator("value", mode="before")
    @classmethod
    def _number(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().replace(",", "")
            try:
                number = float(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            return number
        return value

    @field_validator("value")
    @classmethod
    def _sane(cls, value: float | None) -> float | None:
        return metric_value(value)

    _check_url = field_validator("source_url")(classmethod(lambda cls, v: http_url(v)))

    @field_validator("confidence", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _names_a_claim(self) -> EvidenceRow:
        if (self.claim_key is None) == (self.claim_id is None):
            raise ValueError("give the claim as claim_key or claim_id (one of them)")
        return self

    def observation(self) -> ObservationIn:
        return ObservationIn(
            observed_on=self.observed_on,
            value=self.value,
            note=self.note,
            source_url=self.source_url,
            source_published=self.source_published,
            confidence=self.confidence,
            origin=ObservationOrigin.EVIDENCE,
        )


@dataclass
class EvidenceResult:
    added: int = 0
    existing: int = 0


def _blank_to_none(record: dict[str, Any]) -> dict[str, Any]:
    return {key: (None if isinstance(value, str) and not value.strip() else value) for key, value in record.items()}


def _validated(where: str, record: Any) -> tuple[EvidenceRow | None, list[str]]:
    if not isinstance(record, dict):
        return None, [f"{where}: a row is an object with the evidence columns"]
    try:
        row = EvidenceRow.model_validate(_blank_to_none(record))
        return row, []
    except ValidationError as error:
        return None, [f"{where}: {line}" for line in describe_validation_error(error)]


def read_rows(text: str, fmt: str) -> list[tuple[str, EvidenceRow]]:
    """Parse and validate every row; ImportProblems lists each bad one with where it is."""
    if len(text) > MAX_BYTES:
        raise ImportProblems([f"the file is larger than {MAX_BYTES:,} bytes"])
    records: list[tuple[str, Any]] = []
    early_problems: list[str] = []  # rows refused before validation (more cells than columns)
    if fmt == "json":
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError, ValueError) as error:
            where = f"line {error.lineno}: " if isinstance(error, json.JSONDecodeError) else ""
            message = error.msg if isinstance(error, json.JSONDecodeError) else "too deeply nested or too large"
            raise ImportProblems([f"{where}not valid JSON ({message})"]) from error
        if not isinstance(data, list):
            raise ImportProblems(["line 1: an evidence file in JSON is an array of rows"])
        records = [(f"item {number}", record) for number, record in enumerate(data, start=1)]
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name.strip() for name in reader.fieldnames or []]
        if not header:
            raise ImportProblems(["line 1: the file is empty (a header row is needed)"])
        unknown = [name for name in header if name not in COLUMNS + KEY_COLUMNS]
        missing = [name for name in ("observed_on",) if name not in header]
        if not any(name in header for name in KEY_COLUMNS):
            missing.insert(0, "claim_key (or claim_id)")
        if unknown or missing:
            raise ImportProblems(
                [f"line 1: unknown column {name!r}" for name in unknown]
                + [f"line 1: missing column {name}" for name in missing]
            )
        reader.fieldnames = header
        start = 2
        try:
            for record in reader:
                if None in record:  # csv puts the cells beyond the header under the key None
                    early_problems.append(f"line {start}: more cells than columns")
                else:
                    # csv_value undoes the export's formula quoting (the site's .evidence.csv)
                    records.append((f"line {start}", {k: csv_value(v) for k, v in record.items()}))
                start = reader.line_num + 1
        except csv.Error as error:
            raise ImportProblems([f"line {reader.line_num}: {error}"]) from error
    else:
        raise LedgerError(f"unknown evidence format {fmt!r}: use csv or json")
    rows: list[tuple[str, EvidenceRow]] = []
    problems = []
    for where, record in records:
        row, found = _validated(where, record)
        problems += found
        if row is not None:
            rows.append((where, row))
    if problems or early_problems:
        raise ImportProblems(sorted(early_problems + problems, key=_line_number))
    return rows


def _line_number(problem: str) -> int:
    """A problem's line (or item) number, for reporting the problems in file order."""
    words = problem.split(":", 1)[0].split()
    return int(words[-1]) if words and words[-1].isdigit() else 0


def store_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[str, EvidenceRow]]) -> EvidenceResult:
    """Check the rows against the ledger (claims known, no value on a binary claim) and add the new
    ones, inside the caller's unit of work; ImportProblems (and nothing written) otherwise."""
    by_key = evidence_sql.claims_by_key(con, [row.claim_key for _w, row in rows if row.claim_key])
    facts = evidence_sql.claim_facts(
        con,
        [row.claim_id for _w, row in rows if row.claim_id] + [i for ids in by_key.values() for i in ids],
    )
    problems: list[str] = []
    resolved: list[tuple[int, ObservationIn]] = []
    for where, row in rows:
        if row.claim_key is not None:
            ids = by_key.get(row.claim_key, [])
            if not ids:
                problems.append(f"{where}: unknown claim {row.claim_key!r}")
                continue
            if len(ids) > 1:
                listed = ", ".join(f"#{i}" for i in ids)
                problems.append(f"{where}: claim key {row.claim_key!r} names {listed}: give claim_id instead")
                continue
            claim_id = ids[0]
        else:
            assert row.claim_id is not None
            claim_id = row.claim_id
            if claim_id not in facts:
                problems.append(f"{where}: unknown claim #{claim_id}")
                continue
        if row.value is not None and facts[claim_id]["kind"] != "threshold":
            problems.append(
                f"{where}: a value on binary claim #{claim_id}, which has no metric (put the figure in the note)"
            )
            continue
        try:
            resolved.append((claim_id, row.observation()))
        except ValidationError as error:
            problems += [f"{where}: {line}" for line in describe_validation_error(error)]
    if problems:
        raise ImportProblems(problems)
    seen = evidence_sql.observation_keys(con, [claim_id for claim_id, _o in resolved])
    new_rows = []
    result = EvidenceResult()
    for claim_id, observation in resolved:
        key = (claim_id, observation.observed_on, observation.value, observation.note, observation.source_url)
        if key in seen:
            result.existing += 1
            continue
        seen.add(key)
        new_rows.append({**observation.model_dump(mode="json"), "claim_id": claim_id})
    result.added = evidence_sql.insert_observations(con, new_rows)
    return result


def import_evidence_text(db_path: Path, text: str, fmt: str) -> EvidenceResult:
    rows = read_rows(text, fmt)
    if not rows:
        return EvidenceResult()  # an empty file adds nothing (and creates nothing)
    with writing(db_path, create=False) as con:
        return store_rows(con, rows)


def import_evidence_file(db_path: Path, path: Path) -> EvidenceResult:
    """An evidence file: JSON when its name ends in .json, CSV otherwise."""
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblems([f"{path.name}: not UTF-8 text"]) from error
    except OSError as error:
        raise LedgerError(f"{path}: cannot be read ({error.strerror})") from error
    return import_evidence_text(db_path, text, "json" if path.suffix.lower() == ".json" else "csv")


# --- the shipped evidence -------------------------------------------------------------------------


def shipped_evidence_path(seed_path: Path) -> Path:
    """The evidence file that ships beside a seed file: `<stem>.evidence.csv`."""
    return seed_path.with_name(seed_path.stem + ".evidence.csv")


@dataclass
class InitResult(SeedResult):
    evidence_added: int = 0
    evidence_existing: int = 0
    evidence_corrected: int = 0  # rows of an earlier shipped version recorded as corrected (evidence_revisions)
    evidence_version: str = ""  # which version of the shipped evidence this is


def _shipped(seed_path: Path, with_evidence: bool) -> tuple[list[tuple[str, EvidenceRow]], list[Any], str]:
    """The shipped evidence's rows, the old rows of its earlier versions, and which version it is."""
    evidence_file = shipped_evidence_path(seed_path)
    if not (with_evidence and evidence_file.is_file()):
        return [], [], ""
    rows = read_rows(evidence_file.read_text(encoding="utf-8"), "csv")
    old = evidence_revisions.read_revisions(evidence_revisions.revisions_path(evidence_file))
    return rows, old, evidence_revisions.shipped_version(evidence_file)


def seed_ledger(path: Path, seed_path: Path | None = None, *, with_evidence: bool = True) -> InitResult:
    """Create the database if needed, add the seed's claims and (unless told not to) the evidence
    shipped beside the seed file, in one unit of work (idempotent). On a ledger seeded from an earlier
    version of the evidence, each changed row is recorded as a correction of the old one."""
    seed_path = seed_path or default_seed_path()
    seed = load_seed_file(seed_path)
    prepared = prepare(seed, seed_path.stem)
    rows, old, version = _shipped(seed_path, with_evidence)
    created = not path.exists()
    with writing(path) as con:
        added, skipped = store_prepared(con, seed.source, source_external_id(seed, seed_path.stem), prepared)
        corrected = evidence_revisions.correct(con, [row for _w, row in rows], old) if rows else 0
        stored = store_rows(con, rows) if rows else EvidenceResult()
    existing = stored.existing - corrected  # a correction is the current row: recorded now, not already there
    return InitResult(created, added, skipped, stored.added, existing, corrected, version)


def ensure_ledger(path: Path) -> InitResult:
    """Create and seed the database (claims and shipped evidence) when the file does not exist yet;
    otherwise bring its schema up to date and correct the rows of an earlier version of the shipped
    evidence it holds (nothing else of the seed is added)."""
    if not path.exists():
        return seed_ledger(path)
    seed_path = default_seed_path()
    rows, old, version = _shipped(seed_path, True)
    with writing(path) as con:
        corrected = evidence_revisions.correct(con, [row for _w, row in rows], old)
    return InitResult(False, 0, 0, 0, 0, corrected, version)
