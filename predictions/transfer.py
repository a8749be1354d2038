"""Imports and exports. Every import validates the whole file first and writes in one transaction:
a file with any bad row is rejected whole, with one line per problem, and the ledger is unchanged.

Formats:
- csv / parquet: the flat track-record layout, one row per forecast:
  statement, probability, outcome, made_on, deadline, forecaster, tags [, forecast_at].
  Rows with the same statement, made_on and deadline are forecasts on one claim.
- yaml: a newsletter issue with its claims (the seed-file layout).
- json: this project's full export (claims with source, forecasts, observations, resolution history).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from db import queries
from predictions import timestamps
from predictions.ledger import LedgerError, store_prepared, utc_now, writing
from predictions.models import (
    ClaimIn,
    ForecastIn,
    Model,
    ObservationIn,
    Outcome,
    Precision,
    ResolutionIn,
    Source,
    describe_validation_error,
)
from predictions.seed import SeedError, prepare, read_seed_text, source_external_id

CSV_COLUMNS = ("statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags")
CSV_OPTIONAL = ("forecast_at",)
JSON_FORMAT = "trend-prediction-tracker/1"

Progress = Callable[[float, str], None]


class ImportProblems(LedgerError):
    """A rejected import: `problems` holds one line per bad row, with its line (or row) number."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(problems[0] if problems else "import failed")


@dataclass
class ImportResult:
    claims_added: int = 0
    claims_existing: int = 0
    forecasts_added: int = 0
    observations_added: int = 0
    resolutions_added: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _key(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]


def parse_probability(value: object) -> float:
    """0–1, or a percentage such as `70%`; anything else is an error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError as error:
            raise ValueError(f"probability {text!r} is not a number or a percentage") from error
        if percent:
            number /= 100
    if not 0.0 <= number <= 1.0 or number != number:
        raise ValueError(f"probability {value!r} is outside 0–1 (or 0%–100%)")
    return number


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
        if text not in {"true", "false", "ambiguous"}:
            raise ValueError(f"outcome {value!r} must be true, false, ambiguous or blank")
        return text

    @field_validator("deadline", "forecast_at", mode="before")
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
    unknown = [c for c in header if c not in CSV_COLUMNS + CSV_OPTIONAL]
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
        cleaned: dict[str, Any] = {name: values[i] if i < len(values) else None for i, name in enumerate(header)}
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
    made_at_text: list[str] | None = None  # str() of each forecast's time, when already known

    @classmethod
    def of(cls, rows: list[FlatRow]) -> _FlatColumns:
        return cls(*([getattr(row, name) for row in rows] for name in _FLAT_FIELDS))

    def __len__(self) -> int:
        return len(self.statement)


_FLAT_FIELDS = ("statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags", "forecast_at")


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
    db_path: Path, rows: list[tuple[str, dict[str, Any]]], source_title: str, progress: Progress | None = None
) -> ImportResult:
    """Validate every row, group them into claims, then write everything in one transaction."""
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
    return _store_flat(db_path, columns, claims, source_title, progress)


_CLAIMS = TypeAdapter(list[ClaimIn])


def _store_flat(
    db_path: Path, columns: _FlatColumns, claims: _FlatClaims, source_title: str, progress: Progress | None
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
        source_id = queries.source_id_by_external_id(con, source_key)
        if source_id is None:
            source_id = queries.insert_source(con, {"external_id": source_key, "title": source_title, "kind": "import"})
        existing = queries.claim_ids_by_external_id(con, claims.keys)
        new = [(key, i) for key, i in zip(claims.keys, claims.first_row, strict=True) if key not in existing]
        new_claims = _CLAIMS.validate_python(  # ClaimIn(...) for each, validated in one call
            [
                {
                    "statement": c.statement[i],
                    "quote": c.statement[i],
                    "claimant": c.forecaster[i],
                    "made_on": c.made_on[i],
                    "deadline": c.deadline[i],
                    "tags": c.tags[i],
                    "deadline_precision": Precision.DAY if c.deadline[i] else None,
                    "flags": [] if c.deadline[i] else ["not_checkable"],
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
                     "note": "imported"}
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


# --- the generic CSV without a Python object per row -------------------------------------------------


def _field_validators(name: str) -> list[Callable[[Any], Any]]:
    """FlatRow's "before" validators of field `name` (they take the raw value only)."""
    return [
        decorator.func
        for decorator in FlatRow.__pydantic_decorators__.field_validators.values()
        if name in decorator.info.fields and decorator.info.mode == "before"
    ]


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _validate_distinct(name: str, values: list[Any]) -> list[Any] | None:
    """Distinct raw values of field `name` as FlatRow validates them (the field's own before-validators,
    then its type and constraints with the model's config); None if any value is invalid."""
    if name not in _ADAPTERS:
        field = FlatRow.model_fields[name]
        item = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        _ADAPTERS[name] = TypeAdapter(list[item], config=ConfigDict(**FlatRow.model_config))  # type: ignore[valid-type]
    before = values
    try:
        for validator in _field_validators(name):
            before = [validator(value) for value in before]
        return list(_ADAPTERS[name].validate_python(before))
    except (ValueError, TypeError):  # ValidationError is a ValueError
        return None


@dataclass
class _RawColumn:
    """A text column as codes (one per row) into its distinct values (also as Arrow, when read so)."""

    codes: np.ndarray
    distinct: list[Any]
    arrow: Any = None


def _encode_values(values: Iterable[Any]) -> _RawColumn:
    lookup: dict[Any, int] = {}
    codes = np.fromiter((lookup.setdefault(value, len(lookup)) for value in values), dtype=np.int64)
    return _RawColumn(codes, list(lookup))


def _read_csv_columns(text: str) -> tuple[list[str], dict[str, _RawColumn], int] | None:
    """Header, columns and record count, read exactly as csv.reader reads them (blank lines skipped);
    None when a record has another number of fields than the header or the file is not readable.

    Text without quote characters, lone carriage returns or NULs is one record per line split at
    commas, which Arrow's reader does in C++; anything else goes through csv.reader."""
    lone_cr = "\r" in text and "\r" in text.replace("\r\n", "")
    if '"' not in text and "\x00" not in text and not lone_cr:
        first, _, _rest = text.partition("\n")
        header = [name.strip() for name in first.removesuffix("\r").split(",")] if first else []
        names = [f"c{i}" for i in range(len(header))]
        try:
            import pyarrow as pa
            from pyarrow import csv as pa_csv

            table = pa_csv.read_csv(
                pa.BufferReader(text.encode("utf-8")),
                read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pa_csv.ParseOptions(quote_char=False, escape_char=False, newlines_in_values=False),
                convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
            )
        except Exception:  # a record with another number of fields (Arrow raises several types)
            return None
        columns = {}
        for name, key in zip(header, names, strict=True):
            encoded = table.column(key).combine_chunks().dictionary_encode()
            columns[name] = _RawColumn(
                encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist(), encoded.dictionary
            )
        return header, columns, table.num_rows
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader, [])]
        records = [values for values in reader if values]  # blank lines are skipped
    except csv.Error:
        return None
    if any(len(values) != len(header) for values in records):
        return None
    if not records:
        return header, {name: _RawColumn(np.zeros(0, dtype=np.int64), []) for name in header}, 0
    return (
        header,
        {name: _encode_values(values) for name, values in zip(header, zip(*records, strict=True), strict=True)},
        len(records),
    )


def _fast_csv_columns(text: str, default_forecaster: str) -> tuple[_FlatColumns, _FlatClaims] | None:
    """The generic CSV validated column by column and grouped into claims, or None when the row-by-row
    path must read it (anything odd: a CSV error, a short or long record, an invalid value, a
    contradiction). That path words the problems, so a bad file is reported exactly as before; a good
    one gives the same rows. Each distinct value of a column is validated once, by FlatRow's own
    validators."""
    read = _read_csv_columns(text)
    if read is None:
        return None
    header, raw, n = read
    allowed = CSV_COLUMNS + CSV_OPTIONAL
    if (
        any(c not in header for c in ("statement", "probability", "made_on"))
        or any(c not in allowed for c in header)
        or len(set(header)) != len(header)
    ):
        return None
    if "forecaster" in raw:
        raw["forecaster"].distinct = [value or default_forecaster for value in raw["forecaster"].distinct]
    else:
        raw["forecaster"] = _RawColumn(np.zeros(n, dtype=np.int64), [default_forecaster])
    out: dict[str, list[Any]] = {}
    canonical: dict[str, np.ndarray] = {}  # per row, a code of the validated value (for grouping)
    forecast_at_valid: list[Any] | None = None
    for name in _FLAT_FIELDS:
        if name not in raw:  # the field's default, as FlatRow leaves it (defaults are not validated)
            field = FlatRow.model_fields[name]
            out[name] = [field.get_default(call_default_factory=True) for _ in range(n)]
            canonical[name] = np.zeros(n, dtype=np.int64)
            continue
        column = raw[name]
        valid = _validate_distinct(name, column.distinct)
        if valid is None:
            return None
        if name == "forecast_at":
            forecast_at_valid = valid
        values = np.empty(len(valid), dtype=object)
        values[:] = valid
        out[name] = values[column.codes].tolist()
        if name in ("statement", "made_on", "deadline", "outcome"):  # hashable; two raw texts may agree
            lookup: dict[Any, int] = {}
            remap = np.fromiter((lookup.setdefault(v, len(lookup)) for v in valid), dtype=np.int64, count=len(valid))
            canonical[name] = remap[column.codes]
    columns = _FlatColumns(**out)
    if any(d is not None and d < m for d, m in zip(columns.deadline, columns.made_on, strict=True)):
        return None  # FlatRow's model validator: deadline before made_on
    columns.made_at_text = _made_at_text(raw.get("forecast_at"), forecast_at_valid, columns.made_on)
    claims = _group_codes(columns, canonical)
    return None if claims is None else (columns, claims)


# A time written "YYYY-MM-DD HH:MM:SS" (or with a T) is the datetime whose str() is that text with a space.
_PLAIN_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


def _made_at_text(forecast_at: _RawColumn | None, valid: list[Any] | None, made_on: list[date]) -> list[str]:
    """str() of each forecast's time (forecast_at, else made_on at midnight), the text its external id
    is made from, without formatting a datetime per row when the file writes plain times; `valid` is
    forecast_at's distinct values as validated."""
    n = len(made_on)
    texts = np.full(n, None, dtype=object)
    if forecast_at is not None and valid is not None:
        given = np.empty(len(valid), dtype=object)
        given[:] = valid
        shown = np.full(len(valid), None, dtype=object)
        present = np.flatnonzero(np.asarray(given != None, dtype=bool))  # noqa: E711 - elementwise None test
        if forecast_at.arrow is not None:
            import pyarrow.compute as pc

            plain = np.asarray(pc.match_substring_regex(forecast_at.arrow, _PLAIN_TIME), dtype=bool)
            spaced = pc.replace_substring(forecast_at.arrow, "T", " ", max_replacements=1)
            shown[plain] = np.asarray(spaced.to_numpy(zero_copy_only=False), dtype=object)[plain]
            present = present[~plain[present]]
        for i in present.tolist():  # anything else: as str() writes it
            shown[i] = str(valid[i])
        texts = shown[forecast_at.codes]
    missing = np.flatnonzero(np.asarray(texts == None, dtype=bool)).tolist()  # noqa: E711
    if missing:
        day_text = {day: f"{day} 00:00:00" for day in {made_on[i] for i in missing}}  # str(combine(day, 0:00))
        for i in missing:
            texts[i] = day_text[made_on[i]]
    return list(texts.tolist())


def _group_codes(columns: _FlatColumns, codes: dict[str, np.ndarray]) -> _FlatClaims | None:
    """`_group_flat` on value codes, for rows without contradictions (None when a claim has two outcomes)."""
    n = len(columns)
    if n == 0:
        return _FlatClaims([], [], np.zeros(0, dtype=np.int64))
    s, m, d = codes["statement"], codes["made_on"], codes["deadline"]
    if (int(s.max()) + 1) * (int(m.max()) + 1) * (int(d.max()) + 1) >= 2**62:
        claims, problems = _group_flat(columns, None)
        return None if problems else claims
    key = (s * (int(m.max()) + 1) + m) * (int(d.max()) + 1) + d
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # claims in order of first appearance
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    claim_of = rank[inverse.reshape(-1)]
    first_row = first[order]
    outcome = codes["outcome"]
    if (outcome != outcome[first_row][claim_of]).any():
        return None
    keys = ["csv:" + _key(columns.statement[i], columns.made_on[i], columns.deadline[i]) for i in first_row.tolist()]
    return _FlatClaims(keys, first_row.tolist(), claim_of)


def import_csv_text(
    db_path: Path, text: str, name: str, default_forecaster: str = "author", progress: Progress | None = None
) -> ImportResult:
    """The generic CSV: validated column by column when every row is fine (a million rows in seconds),
    else row by row with one line per problem."""
    fast = _fast_csv_columns(text, default_forecaster)
    if fast is not None:
        return _store_flat(db_path, *fast, name, progress)
    return import_flat(db_path, _read_csv_rows(text, default_forecaster), name, progress)


def import_yaml_text(db_path: Path, text: str, name: str) -> ImportResult:
    try:
        seed = read_seed_text(text)
        prepared = prepare(seed, name)
    except SeedError as error:
        raise ImportProblems([str(error)]) from error
    if not prepared:  # a file without claims adds nothing, not even its source (a new ledger is still made)
        with writing(db_path):
            return ImportResult()
    with writing(db_path) as con:
        added, skipped = store_prepared(con, seed.source, source_external_id(seed, name), prepared)
    observations = sum(len(p.observations) for p in prepared)
    return ImportResult(
        claims_added=added,
        claims_existing=skipped,
        forecasts_added=added,
        observations_added=observations if added else 0,
    )


# --- JSON: the full-fidelity export ---------------------------------------------------------------


class ExportedResolution(ResolutionIn):
    undone: bool = False


class ExportedClaim(ClaimIn):
    source: Source | None = None
    forecasts: list[ForecastIn] = Field(default_factory=list)
    observations: list[ObservationIn] = Field(default_factory=list)
    resolutions: list[ExportedResolution] = Field(default_factory=list)


class ExportFile(Model):
    format: str
    exported_at: datetime | None = None
    claims: list[ExportedClaim]

    @field_validator("format")
    @classmethod
    def _format(cls, value: str) -> str:
        if value != JSON_FORMAT:
            raise ValueError(f"not a {JSON_FORMAT} export")
        return value


def import_json_text(db_path: Path, text: str) -> ImportResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportProblems([f"line {error.lineno}: not valid JSON ({error.msg})"]) from error
    except RecursionError as error:
        raise ImportProblems(["not readable JSON: nested too deeply"]) from error
    except ValueError as error:  # e.g. a number of thousands of digits
        raise ImportProblems([f"not readable JSON: {str(error).split(';')[0]}"]) from error
    try:
        export = ExportFile.model_validate(data)
    except ValidationError as error:
        raise ImportProblems(describe_validation_error(error)) from error
    result = ImportResult()
    keys = [c.external_id or "json:" + _key(c.statement, c.made_on, c.deadline, c.claimant) for c in export.claims]
    first_at: dict[str, int] = {}
    duplicates = []
    for index, key in enumerate(keys):
        if key in first_at:
            duplicates.append(f"claims.{index}: the same claim as claims.{first_at[key]} (key {key})")
        first_at.setdefault(key, index)
    forecast_at: dict[str, str] = {}  # a forecast's external id is unique in the ledger, so in the file too
    for index, claim in enumerate(export.claims):
        for number, forecast in enumerate(claim.forecasts):
            where = f"claims.{index}.forecasts.{number}"
            if forecast.external_id is not None and forecast.external_id in forecast_at:
                duplicates.append(
                    f"{where}: external_id {forecast.external_id!r} repeats {forecast_at[forecast.external_id]}"
                )
            elif forecast.external_id is not None:
                forecast_at[forecast.external_id] = where
        archived = (claim.external_id or "").startswith(("predictionbook:", "fatebook:"))  # kept as the archive had it
        for number, resolution in enumerate(claim.resolutions):
            if resolution.resolved_on < claim.made_on and not archived:
                duplicates.append(
                    f"claims.{index}.resolutions.{number}: resolution date {resolution.resolved_on.isoformat()} "
                    f"is before the claim was made ({claim.made_on.isoformat()})"
                )
    if duplicates:
        raise ImportProblems(duplicates)
    if not export.claims:  # an empty export adds nothing (a new ledger is still made)
        with writing(db_path):
            return result
    with writing(db_path) as con:
        existing = queries.claim_ids_by_external_id(con, keys)
        new = [(key, claim) for key, claim in zip(keys, export.claims, strict=True) if key not in existing]
        result.claims_existing = len(keys) - len(new)
        taken = queries.existing_forecast_ids(
            con, [f.external_id for _k, c in new for f in c.forecasts if f.external_id]
        )
        if taken:
            raise ImportProblems(
                [f"forecast external_id {x!r} is already in the ledger, on another claim" for x in sorted(taken)]
            )
        source_ids: dict[str, int] = {}
        rows = []
        for key, claim in new:
            source_id = None
            if claim.source is not None:
                source_key = claim.source.external_id or f"json:{claim.source.title}:{claim.source.published_on}"
                if source_key not in source_ids:
                    found = queries.source_id_by_external_id(con, source_key)
                    if found is None:
                        found = queries.insert_source(con, {**claim.source.model_dump(), "external_id": source_key})
                    source_ids[source_key] = found
                source_id = source_ids[source_key]
            fields = claim.model_dump(exclude={"source", "forecasts", "observations", "resolutions"})
            rows.append({**fields, "external_id": key, "source_id": source_id})
        # One Arrow insert per table: row by row, the PredictionBook archive's export took minutes.
        ids = queries.bulk_insert(con, "claims", rows, returning_key="external_id")
        forecasts: list[dict[str, Any]] = []
        observations: list[dict[str, Any]] = []
        single_resolutions: list[dict[str, Any]] = []
        for key, claim in new:
            claim_id = ids[key]
            forecasts += [{**f.model_dump(), "claim_id": claim_id} for f in claim.forecasts]
            observations += [{**o.model_dump(), "claim_id": claim_id} for o in claim.observations]
            if len(claim.resolutions) == 1 and not claim.resolutions[0].undone:
                single_resolutions.append({**claim.resolutions[0].model_dump(exclude={"undone"}), "claim_id": claim_id})
                continue
            # A resolution history (the order decides which one is in force) or an undo: row by row, in order.
            for resolution in claim.resolutions:
                resolution_id = queries.insert_resolution(con, claim_id, resolution.model_dump(exclude={"undone"}))
                if resolution.undone:
                    queries.insert_undo(con, resolution_id, "undone before export")
        queries.bulk_insert(con, "forecasts", forecasts)
        queries.bulk_insert(con, "observations", observations)
        queries.bulk_insert(con, "resolutions", single_resolutions)
    result.claims_added = len(new)
    result.forecasts_added = len(forecasts)
    result.observations_added = len(observations)
    result.resolutions_added = sum(len(claim.resolutions) for _key, claim in new)
    return result


def import_file(
    db_path: Path,
    path: Path,
    fmt: str,
    *,
    default_forecaster: str = "author",
    progress: Progress | None = None,
) -> ImportResult:
    if fmt in ("predictionbook", "fatebook"):
        from predictions import archives  # archives builds on this module

        return archives.import_archive(db_path, path, fmt, progress)
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    if fmt == "parquet":
        return import_flat(db_path, _read_parquet_rows(path, default_forecaster), path.name, progress)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblems([f"{path.name}: not UTF-8 text"]) from error
    return import_text(db_path, text, fmt, path.stem, default_forecaster=default_forecaster, progress=progress)


def import_text(
    db_path: Path,
    text: str,
    fmt: str,
    name: str,
    *,
    default_forecaster: str = "author",
    progress: Progress | None = None,
) -> ImportResult:
    if fmt == "csv":
        return import_csv_text(db_path, text, name, default_forecaster, progress)
    if fmt == "yaml":
        return import_yaml_text(db_path, text, name)
    if fmt == "json":
        return import_json_text(db_path, text)
    raise LedgerError(f"unknown import format {fmt!r}")


# --- exports --------------------------------------------------------------------------------------


def _flat_records(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    records = []
    for row in rows:
        outcome = row["outcome"]
        if outcome == "partial":  # the flat layout has no partial: it scores as false (DESIGN §4)
            outcome = "false"
        records.append(
            {
                "statement": row["statement"],
                "probability": row["probability"],
                "outcome": outcome or "",
                "made_on": row["made_on"].isoformat(),
                "deadline": row["deadline"].isoformat() if row["deadline"] else "",
                "forecaster": row["forecaster"],
                "tags": ";".join(row["tags"] or []),
                "forecast_at": row["forecast_at"].isoformat(),
            }
        )
    return records


def export_ledger(db_path: Path, fmt: str, out: Path) -> int:
    """Write the ledger to `out`; returns the number of records (forecast rows or claims) written."""
    from predictions.ledger import reading

    out.parent.mkdir(parents=True, exist_ok=True)
    with reading(db_path) as con:
        if fmt in {"csv", "parquet"}:
            records = _flat_records(queries.flat_forecast_rows(con))
        elif fmt == "json":
            tables = {table: queries.table_rows(con, table) for table in queries.EXPORT_TABLES}
        else:
            raise LedgerError(f"unknown export format {fmt!r}: use csv, json or parquet")
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS + CSV_OPTIONAL))
            writer.writeheader()
            writer.writerows(records)
        return len(records)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), out)
        return len(records)
    document = _json_document(tables)
    out.write_text(json.dumps(document, indent=1, default=str, ensure_ascii=False), encoding="utf-8")
    return len(document["claims"])


def _json_document(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    sources = {s["id"]: s for s in tables["sources"]}
    undone = {u["resolution_id"] for u in tables["resolution_undos"]}
    children: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in ("forecasts", "observations", "resolutions"):
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in tables[table]:
            grouped.setdefault(row["claim_id"], []).append(row)
        children[table] = grouped
    claims = []
    for claim in tables["claims"]:
        source = sources.get(claim["source_id"])
        item = {key: claim[key] for key in queries.CLAIM_COLUMNS if key != "source_id"}
        item["source"] = (
            {k: source[k] for k in ("title", "published_on", "url", "kind", "author", "external_id")}
            if source
            else None
        )
        item["forecasts"] = [
            {k: f[k] for k in ("probability", "forecaster", "made_at", "basis", "note", "external_id")}
            for f in children["forecasts"].get(claim["id"], [])
        ]
        item["observations"] = [
            {k: o[k] for k in ("observed_on", "value", "note", "source_url", "source_published", "confidence")}
            | {"origin": o["origin"] or "recorded"}
            for o in children["observations"].get(claim["id"], [])
        ]
        item["resolutions"] = [
            {
                **{k: r[k] for k in ("outcome", "fraction", "resolved_on", "note", "evidence_url")},
                "undone": r["id"] in undone,
            }
            for r in children["resolutions"].get(claim["id"], [])
        ]
        claims.append(item)
    return {"format": JSON_FORMAT, "exported_at": utc_now().isoformat(), "claims": claims}
