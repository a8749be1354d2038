"""This tracker's own full-fidelity export (JSON): claims with their source, forecasts, observations
and resolution history, read back."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from db import amendments as amendments_sql
from db import queries
from db import ranges as ranges_sql
from predictions.imports.base import JSON_FORMAT, ImportProblems, ImportResult, _key
from predictions.ledger import source_key as source_key_of
from predictions.ledger import writing
from predictions.models import (
    ClaimIn,
    ForecastIn,
    Model,
    ObservationIn,
    ResolutionIn,
    Source,
    describe_validation_error,
)

# --- JSON: the full-fidelity export ---------------------------------------------------------------


class ExportedResolution(ResolutionIn):
    undone: bool = False


class ExportedForecast(ForecastIn):
    """A forecast as exported: how it entered that ledger, when, and whether it counted there."""

    entry: Literal["live", "backfilled", "imported", "migrated"] | None = None
    recorded_at: datetime | None = None
    counted: bool = True
    # A range's tails' ends as recorded there (predictions.ranges): kept, so its scores are the same here.
    tails: tuple[float, float] | None = None
    scores: dict[str, Any] | None = None  # the export's scores of the range, for reading: recomputed here

    @model_validator(mode="after")
    def _tails_outside(self) -> ExportedForecast:
        if self.tails is not None:
            if not self.quantiles:
                raise ValueError("tails come with quantiles")
            if not self.tails[0] <= min(self.quantiles.values()) or not self.tails[1] >= max(self.quantiles.values()):
                raise ValueError("a range's tails must lie outside its quantiles")
        return self

    def entry_here(self) -> str:
        """Its entry in this ledger: imported with its own date, but one that never counted where it was
        recorded (backfilled, or typed after its claim's deadline or verdict) stays unscored here too."""
        return "imported" if self.counted and self.entry != "backfilled" else "backfilled"


class ExportedWithdrawal(Model):
    reason: str = Field(min_length=1, max_length=2000)
    withdrawn_at: datetime | None = None


class ExportedClaim(ClaimIn):
    source: Source | None = None
    forecasts: list[ExportedForecast] = Field(default_factory=list)
    withdrawal: ExportedWithdrawal | None = None
    observations: list[ObservationIn] = Field(default_factory=list)
    resolutions: list[ExportedResolution] = Field(default_factory=list)


class ExportFile(Model):
    format: str
    exported_at: datetime | None = None
    claims: list[ExportedClaim]
    # The exporting ledger's hash chain: this ledger builds its own (its records are new here).
    chain: list[dict[str, Any]] | None = None

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
                source_key = source_key_of(claim.source, "json")
                if source_key not in source_ids:
                    source_ids[source_key] = queries.ensure_source(
                        con, {**claim.source.model_dump(), "external_id": source_key}
                    )
                source_id = source_ids[source_key]
            fields = claim.model_dump(exclude={"source", "forecasts", "observations", "resolutions", "withdrawal"})
            rows.append({**fields, "external_id": key, "source_id": source_id})
        # One Arrow insert per table: row by row, the PredictionBook archive's export took minutes.
        ids = queries.bulk_insert(con, "claims", rows, returning_key="external_id")
        forecasts: list[dict[str, Any]] = []
        observations: list[dict[str, Any]] = []
        single_resolutions: list[dict[str, Any]] = []
        for key, claim in new:
            claim_id = ids[key]
            forecasts += [
                {
                    **f.model_dump(exclude={"recorded_at", "counted", "scores"}),
                    "entry": f.entry_here(),
                    "claim_id": claim_id,
                }
                for f in claim.forecasts
                if not f.quantiles
            ]
            for f in claim.forecasts:  # a range: its forecast's id is needed, so row by row
                if f.quantiles:
                    _store_range(con, claim_id, claim, f)
            observations += [{**o.model_dump(), "claim_id": claim_id} for o in claim.observations]
            if len(claim.resolutions) == 1 and not claim.resolutions[0].undone and claim.resolutions[0].value is None:
                single_resolutions.append({**claim.resolutions[0].model_dump(exclude={"undone"}), "claim_id": claim_id})
                continue
            # A resolution history (the order decides which one is in force), an undo or a value: row by row.
            for resolution in claim.resolutions:
                resolution_id = queries.insert_resolution(con, claim_id, resolution.model_dump(exclude={"undone"}))
                if resolution.value is not None:
                    if claim.kind.value != "threshold":
                        raise ImportProblems([f"claim {key!r}: only a threshold claim's resolution rests on a value"])
                    ranges_sql.insert_resolution_value(con, resolution_id, resolution.value)
                if resolution.undone:
                    queries.insert_undo(con, resolution_id, "undone before export")
        queries.bulk_insert(con, "forecasts", forecasts)
        queries.bulk_insert(con, "observations", observations)
        queries.bulk_insert(con, "resolutions", single_resolutions)
        for key, claim in new:  # withdrawn there, withdrawn here: never scored by an export and an import
            if claim.withdrawal is not None:
                amendments_sql.record_withdrawal(con, ids[key], claim.withdrawal.reason, None)
    result.claims_added = len(new)
    result.forecasts_added = sum(len(claim.forecasts) for _key, claim in new)
    result.observations_added = len(observations)
    result.resolutions_added = sum(len(claim.resolutions) for _key, claim in new)
    return result


def _store_range(con: Any, claim_id: int, claim: ExportedClaim, forecast: ExportedForecast) -> None:
    """A forecast with its range: the tails as recorded there, else by the rule against this claim."""
    from predictions import numeric
    from predictions.ranges import RangeError

    row = queries.insert_forecast(
        con, claim_id,
        {**forecast.model_dump(exclude={"recorded_at", "counted", "tails", "scores"}), "entry": forecast.entry_here()},
    )  # fmt: skip
    assert forecast.quantiles
    if forecast.tails is not None:
        knots = {0: forecast.tails[0], **forecast.quantiles, 100: forecast.tails[1]}
    else:
        try:
            knots = numeric.knots_for(claim.model_dump(mode="json"), forecast.quantiles)
        except RangeError as error:
            raise ImportProblems([f"claim {claim.statement[:60]!r}: {error}"]) from None
    ranges_sql.insert_quantiles(con, row, knots)
