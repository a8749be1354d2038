"""The flat track-record layout, one row per forecast (csv or parquet): rows validated one by one,
grouped into claims, and stored in one transaction.

Columns: statement, probability, outcome, made_on, deadline, forecaster, tags [, forecast_at, fraction].
Outcome true, false, ambiguous, blank (open), or partial with the fraction achieved (0–1): a claim
resolved partial in this layout gives partial credit, so it scores as that fraction (docs/architecture.md §4).
Rows with the same statement, made_on and deadline are forecasts on one claim."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, TypeAdapter, ValidationError, field_validator, model_validator

from db import queries
from predictions import timestamps
from predictions.imports.base import (
    CSV_COLUMNS,
    CSV_EXPORT_ONLY,
    CSV_OPTIONAL,
    ImportProblems,
    ImportResult,
    Progress,
    _key,
    parse_probability,
)
from predictions.ledger import writing
from predictions.models import (
    Attribution,
    ClaimIn,
    Model,
    Outcome,
    Precision,
    describe_validation_error,
)
from predictions.safe_text import csv_value


class FlatRow(Model):
    """One row of the flat layout (csv or parquet)."""

    statement: str = Field(min_length=3, max_length=5000)
    probability: float
    outcome: Outcome | None = None
    made_on: date
    deadline: date | None = None
    forecaster: str = Field(min_length=1, max_length=200)
    tags: list[str] = Field(default_factory=list)
    forecast_at: datetime | None = None
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("probability", mode="before")
    @classmethod
    def _probability(cls, value: object) -> float:
        return parse_probability(value)

    @field_validator("outcome", mode="before")
    @classmethod
    def _outcome(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            return None
        text = str(value).strip().lower()
        if text not in {"true", "false", "partial", "ambiguous"}:
            raise ValueError(f"outcome {value!r} must be true, false, partial, ambiguous or blank")
        return text

    @field_validator("deadline", "forecast_at", "fraction", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("made_on", "deadline", mode="before")
    @classmethod
    def _day(cls, value: object) -> object:
        return timestamps.as_day(value)  # a date-time ("…T09:07:05Z") gives its day

    @field_validator("forecast_at", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        if isinstance(value, str) and value.strip():
            return timestamps.parse_date_time(value, "forecast_at")  # ISO 8601, Z, offsets, unpadded seconds
        return timestamps.as_naive_utc(value) if isinstance(value, datetime) else value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if value is None:
            return []
        if isinstance(value, str):
            for separator in (";", "|", ","):
                if separator in value:
                    return [t.strip() for t in value.split(separator) if t.strip()]
            return [value.strip()] if value.strip() else []
        return value

    @model_validator(mode="after")
    def _fraction_with_partial(self) -> FlatRow:
        if (self.outcome is Outcome.PARTIAL) != (self.fraction is not None):
            raise ValueError("a partial outcome needs a fraction (0–1), and a fraction needs outcome partial")
        return self

    @model_validator(mode="after")
    def _dates(self) -> FlatRow:
        if self.deadline is not None and self.deadline < self.made_on:
            raise ValueError(f"deadline {self.deadline} is before made_on {self.made_on}")
        return self


def _row_problem(where: str, error: ValidationError) -> str:
    return f"{where}: " + "; ".join(describe_validation_error(error))


def _read_csv_rows(text: str, default_forecaster: str) -> list[tuple[str, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        raise ImportProblems([f"line {reader.line_num}: not readable as CSV ({error})"]) from error
    missing = [c for c in ("statement", "probability", "made_on") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS + CSV_OPTIONAL + CSV_EXPORT_ONLY]
    if missing or unknown:
        reasons = []
        if missing:
            reasons.append("missing column(s) " + ", ".join(missing))
        if unknown:
            reasons.append("unknown column(s) " + ", ".join(unknown))
        raise ImportProblems([f"line 1: {'; '.join(reasons)} (expected: {', '.join(CSV_COLUMNS)})"])
    rows: list[tuple[str, dict[str, Any]]] = []
    line = reader.line_num  # physical lines read so far: a record starts on the next one
    while True:
        try:
            values = next(reader, None)
        except csv.Error as error:
            raise ImportProblems([f"line {line + 1}: not readable as CSV ({error})"]) from error
        if values is None:
            return rows
        where = f"line {line + 1}"
        line = reader.line_num
        if not values:  # a blank line
            continue
        if len(values) > len(header):
            rows.append((where, {"__error__": "more fields than columns in the header"}))
            continue
        # csv_value undoes the export's formula quoting, so an exported CSV imports back exactly
        cleaned: dict[str, Any] = {
            name: csv_value(values[i]) if i < len(values) else None
            for i, name in enumerate(header)
            if name not in CSV_EXPORT_ONLY  # the export's ranges: read past (base.CSV_EXPORT_ONLY)
        }
        if not cleaned.get("forecaster"):
            cleaned["forecaster"] = default_forecaster
        rows.append((where, cleaned))


def _read_parquet_rows(path: Path, default_forecaster: str) -> list[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as error:  # pyarrow raises several types for a bad file
        raise ImportProblems([f"{path.name}: not a readable parquet file ({error.__class__.__name__})"]) from error
    rows = []
    for index, record in enumerate(table.to_pylist(), start=1):
        record = {k: v for k, v in record.items() if k in CSV_COLUMNS + CSV_OPTIONAL}
        if not record.get("forecaster"):
            record["forecaster"] = default_forecaster
        rows.append((f"row {index}", record))
    return rows


@dataclass
class _FlatColumns:
    """Valid rows of the flat layout as columns, in file order (what FlatRow gives, field by field)."""

    statement: list[str]
    probability: list[float]
    outcome: list[Outcome | None]
    made_on: list[date]
    deadline: list[date | None]
    forecaster: list[str]
    tags: list[list[str]]
    forecast_at: list[datetime | None]
    fraction: list[float | None]
    made_at_text: list[str] | None = None  # str() of each forecast's time, when already known

    @classmethod
    def of(cls, rows: list[FlatRow]) -> _FlatColumns:
        return cls(*([getattr(row, name) for row in rows] for name in _FLAT_FIELDS))

    def __len__(self) -> int:
        return len(self.statement)


_FLAT_FIELDS = (
    "statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags", "forecast_at", "fraction",
)  # fmt: skip


@dataclass
class _FlatClaims:
    """The rows grouped into claims: keys in order of first appearance, the first row of each (which
    gives the claim its fields and outcome) and each row's claim."""

    keys: list[str]
    first_row: list[int]
    claim_of: np.ndarray


def _group_flat(columns: _FlatColumns, where: list[str] | None) -> tuple[_FlatClaims, list[str]]:
    """Rows with the same statement, made_on and deadline are one claim; an outcome differing from the
    claim's first row is a problem (worded with `where`, the rows' line labels)."""
    ordinal: dict[tuple[str, date, date | None], int] = {}
    keys: list[str] = []
    first_row: list[int] = []
    claim_of = np.empty(len(columns), dtype=np.int64)
    problems: list[str] = []
    outcomes = columns.outcome
    for i, identity in enumerate(zip(columns.statement, columns.made_on, columns.deadline, strict=True)):
        claim = ordinal.get(identity)
        if claim is None:
            claim = ordinal[identity] = len(keys)
            keys.append("csv:" + _key(*identity))
            first_row.append(i)
        claim_of[i] = claim
        first = first_row[claim]
        if outcomes[i] != outcomes[first]:
            if where is None:
                problems.append("outcome contradiction")
                continue
            shown = [o.value if o else "blank" for o in (outcomes[i], outcomes[first])]
            problems.append(
                f"{where[i]}: outcome {shown[0]} contradicts {shown[1]} given for the same claim at {where[first]}"
            )
    return _FlatClaims(keys, first_row, claim_of), problems


def import_flat(
    db_path: Path,
    rows: list[tuple[str, dict[str, Any]]],
    source_title: str,
    progress: Progress | None = None,
    author_name: str | None = None,
) -> ImportResult:
    """Validate every row, group them into claims, then write everything in one transaction.

    A claim whose (first) forecaster is `author_name` (case ignored) is the author's own; any other
    forecaster's claim is a third-party forecast, so it never enters the author's record."""
    problems: list[str] = []
    parsed: list[FlatRow] = []
    where: list[str] = []
    for label, record in rows:
        if "__error__" in record:
            problems.append(f"{label}: {record['__error__']}")
            continue
        try:
            parsed.append(FlatRow.model_validate(record))
            where.append(label)
        except ValidationError as error:
            problems.append(_row_problem(label, error))
    columns = _FlatColumns.of(parsed)
    claims, contradictions = _group_flat(columns, where)
    problems += contradictions
    if problems:
        raise ImportProblems(problems)
    return _store_flat(db_path, columns, claims, source_title, progress, author_name)


_CLAIMS = TypeAdapter(list[ClaimIn])


def _store_flat(
    db_path: Path,
    columns: _FlatColumns,
    claims: _FlatClaims,
    source_title: str,
    progress: Progress | None,
    author_name: str | None = None,
) -> ImportResult:
    """Write valid, grouped rows in one transaction: new claims (with their outcome as a resolution)
    and every forecast not stored by an earlier import of the same rows."""
    if not len(claims.keys):  # an empty file adds nothing, not even its source (a new ledger is still made)
        with writing(db_path):
            return ImportResult()
    if progress:
        progress(0.3, f"{len(columns)} rows valid, {len(claims.keys)} claims")
    today = date.today()
    result = ImportResult()
    c = columns
    with writing(db_path) as con:
        source_key = f"import:{source_title}"
        source_id = queries.ensure_source(con, {"external_id": source_key, "title": source_title, "kind": "import"})
        existing = queries.claim_ids_by_external_id(con, claims.keys)
        new = [(key, i) for key, i in zip(claims.keys, claims.first_row, strict=True) if key not in existing]
        new_claims = _CLAIMS.validate_python(  # ClaimIn(...) for each, validated in one call
            [
                {
                    "statement": c.statement[i],
                    "quote": c.statement[i],
                    "claimant": c.forecaster[i],
                    "attribution": (
                        Attribution.AUTHOR
                        if author_name is None or c.forecaster[i].casefold() == author_name.casefold()
                        else Attribution.THIRD_PARTY_FORECAST
                    ),
                    "made_on": c.made_on[i],
                    "deadline": c.deadline[i],
                    "tags": c.tags[i],
                    "deadline_precision": Precision.DAY if c.deadline[i] else None,
                    "partial_credit": c.outcome[i] is Outcome.PARTIAL,
                }
                for _key, i in new
            ]
        )
        fields = [name for name in queries.CLAIM_COLUMNS if name not in ("external_id", "source_id")]
        values = [m.__dict__ for m in new_claims]  # a model's field values (what model_dump copies)
        claim_columns: dict[str, Sequence[Any]] = {name: [v[name] for v in values] for name in fields}
        claim_columns["external_id"] = [key for key, _i in new]
        claim_columns["source_id"] = [source_id] * len(new)
        ids = {**existing, **queries.bulk_insert_columns(con, "claims", claim_columns, returning_key="external_id")}
        if progress:
            progress(0.6, f"{len(new_claims)} new claims stored")
        resolutions = []
        for key, i in new:
            outcome = c.outcome[i]
            if outcome is not None:
                deadline, made_on = c.deadline[i], c.made_on[i]
                resolved_on = min(deadline, today) if deadline else made_on
                resolutions.append(
                    {"claim_id": ids[key], "outcome": outcome.value, "resolved_on": max(resolved_on, made_on),
                     "fraction": c.fraction[i], "note": "imported"}
                )  # fmt: skip
        # The forecasts claim by claim (in order of first appearance), each claim's in file order.
        midnight = datetime.min.time()
        if len(claims.claim_of) < 2 or bool((np.diff(claims.claim_of) >= 0).all()):  # already claim by claim
            rank = claims.claim_of
            forecaster, probability = c.forecaster, c.probability
            made_at = [at or datetime.combine(day, midnight) for at, day in zip(c.forecast_at, c.made_on, strict=True)]
        else:
            order = np.argsort(claims.claim_of, kind="stable")
            rank = claims.claim_of[order]
            rows = order.tolist()
            made_at = [c.forecast_at[i] or datetime.combine(c.made_on[i], midnight) for i in rows]
            forecaster = [c.forecaster[i] for i in rows]
            probability = [c.probability[i] for i in rows]
        keys = [claims.keys[k] for k in rank.tolist()]
        texts: Sequence[Any] = made_at  # formatted by the f-string below: str(datetime)
        if c.made_at_text is not None:
            texts = c.made_at_text if rank is claims.claim_of else [c.made_at_text[i] for i in rows]
        sha1 = hashlib.sha1
        bases = [  # _key(key, forecaster, made_at, probability) of every forecast
            sha1(f"{k}\x1f{f}\x1f{a}\x1f{p}".encode()).hexdigest()[:20]
            for k, f, a, p in zip(keys, forecaster, texts, probability, strict=True)
        ]
        if len(set(bases)) == len(bases):  # no forecast given twice: each is the first of its kind
            external_ids = [f"csv:{base}:1" for base in bases]
        else:  # a base names its claim, so counting over all claims counts per claim
            seen: dict[str, int] = {}
            external_ids = []
            for base in bases:
                seen[base] = seen.get(base, 0) + 1
                external_ids.append(f"csv:{base}:{seen[base]}")
        claim_ids = np.array([ids[key] for key in claims.keys], dtype=np.int64)[rank]
        known = queries.existing_forecast_ids(con, external_ids)
        keep = [n for n, external_id in enumerate(external_ids) if external_id not in known]
        if len(keep) == len(external_ids):
            forecasts = {"external_id": external_ids, "claim_id": claim_ids, "forecaster": forecaster,
                         "probability": probability, "made_at": made_at}  # fmt: skip
        else:
            forecasts = {"external_id": [external_ids[n] for n in keep], "claim_id": claim_ids[keep],
                         "forecaster": [forecaster[n] for n in keep], "probability": [probability[n] for n in keep],
                         "made_at": [made_at[n] for n in keep]}  # fmt: skip
        queries.bulk_insert_columns(con, "forecasts", {**forecasts, "basis": ["imported"] * len(keep)})
        queries.bulk_insert(con, "resolutions", resolutions)
    if progress:
        progress(1.0, "done")
    result.claims_added = len(new_claims)
    result.claims_existing = len(existing)
    result.forecasts_added = len(keep)
    result.resolutions_added = len(resolutions)
    return result
