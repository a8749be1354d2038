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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator, model_validator

from db import queries
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


def import_flat(
    db_path: Path, rows: list[tuple[str, dict[str, Any]]], source_title: str, progress: Progress | None = None
) -> ImportResult:
    """Validate every row, group them into claims, then write everything in one transaction."""
    problems: list[str] = []
    parsed: list[tuple[str, FlatRow]] = []
    for where, record in rows:
        if "__error__" in record:
            problems.append(f"{where}: {record['__error__']}")
            continue
        try:
            parsed.append((where, FlatRow.model_validate(record)))
        except ValidationError as error:
            problems.append(_row_problem(where, error))
    claims: dict[str, dict[str, Any]] = {}
    for where, row in parsed:
        key = "csv:" + _key(row.statement, row.made_on, row.deadline)
        entry = claims.setdefault(key, {"row": row, "forecasts": [], "outcome": row.outcome, "where": where})
        if entry["outcome"] != row.outcome:
            shown = [o.value if o else "blank" for o in (row.outcome, entry["outcome"])]
            problems.append(
                f"{where}: outcome {shown[0]} contradicts {shown[1]} given for the same claim at {entry['where']}"
            )
        entry["forecasts"].append(row)
    if problems:
        raise ImportProblems(problems)
    if progress:
        progress(0.3, f"{len(parsed)} rows valid, {len(claims)} claims")
    today = date.today()
    result = ImportResult()
    with writing(db_path) as con:
        source_key = f"import:{source_title}"
        source_id = queries.source_id_by_external_id(con, source_key)
        if source_id is None:
            source_id = queries.insert_source(con, {"external_id": source_key, "title": source_title, "kind": "import"})
        existing = queries.claim_ids_by_external_id(con, list(claims))
        new_claims = []
        for key, entry in claims.items():
            if key in existing:
                continue
            row = entry["row"]
            new_claims.append(
                {
                    **ClaimIn(
                        statement=row.statement,
                        quote=row.statement,
                        claimant=row.forecaster,
                        made_on=row.made_on,
                        deadline=row.deadline,
                        tags=row.tags,
                        deadline_precision=Precision.DAY if row.deadline else None,
                        flags=[] if row.deadline else ["not_checkable"],
                    ).model_dump(),
                    "external_id": key,
                    "source_id": source_id,
                }
            )
        ids = {**existing, **queries.bulk_insert(con, "claims", new_claims, returning_key="external_id")}
        if progress:
            progress(0.6, f"{len(new_claims)} new claims stored")
        forecasts, resolutions = [], []
        for key, entry in claims.items():
            seen: dict[str, int] = {}
            for row in entry["forecasts"]:
                made_at = row.forecast_at or datetime.combine(row.made_on, datetime.min.time())
                base = _key(key, row.forecaster, made_at, row.probability)
                seen[base] = seen.get(base, 0) + 1
                forecasts.append(
                    {
                        "external_id": f"csv:{base}:{seen[base]}",
                        "claim_id": ids[key],
                        "forecaster": row.forecaster,
                        "probability": row.probability,
                        "made_at": made_at,
                        "basis": "imported",
                    }
                )
            if key not in existing and entry["outcome"] is not None:
                row = entry["row"]
                resolved_on = min(row.deadline, today) if row.deadline else row.made_on
                resolutions.append(
                    {
                        "claim_id": ids[key],
                        "outcome": entry["outcome"].value,
                        "resolved_on": max(resolved_on, row.made_on),
                        "note": "imported",
                    }
                )
        known = queries.existing_forecast_ids(con, [f["external_id"] for f in forecasts])
        forecasts = [f for f in forecasts if f["external_id"] not in known]
        queries.bulk_insert(con, "forecasts", forecasts)
        queries.bulk_insert(con, "resolutions", resolutions)
    if progress:
        progress(1.0, "done")
    result.claims_added = len(new_claims)
    result.claims_existing = len(existing)
    result.forecasts_added = len(forecasts)
    result.resolutions_added = len(resolutions)
    return result


def import_yaml_text(db_path: Path, text: str, name: str) -> ImportResult:
    try:
        seed = read_seed_text(text)
        prepared = prepare(seed, name)
    except SeedError as error:
        raise ImportProblems([str(error)]) from error
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
    if duplicates:
        raise ImportProblems(duplicates)
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
        return import_flat(db_path, _read_csv_rows(text, default_forecaster), name, progress)
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
            {k: o[k] for k in ("observed_on", "value", "note", "source_url")}
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
