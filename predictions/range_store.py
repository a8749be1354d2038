"""Recording ranges in a unit of work: a forecast's quantiles with the tails' ends (fixed when recorded,
by predictions.ranges' rule against the metric's natural bounds then) and the value a resolution rests
on. Called by predictions.ledger inside its transactions; imports nothing above the storage layer but
the pure range rules, so the ledger can call it without a circle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from db import queries
from db import ranges as sql
from predictions import ranges


def stated(knots: Mapping[int, float] | None) -> dict[int, float]:
    """The quantiles the forecaster gave (without the tails' ends at levels 0 and 100)."""
    return {level: value for level, value in (knots or {}).items() if 0 < level < 100}


def claim_bounds(claim: Mapping[str, Any], values: Sequence[float] = ()) -> tuple[float | None, float | None]:
    from predictions.trajectory import natural_bounds

    return natural_bounds(claim, values)


def knots_for(
    claim: Mapping[str, Any], quantiles: Mapping[int, float], observed: Sequence[float] = ()
) -> dict[int, float]:
    """The range as stored: the stated quantiles checked against the metric's natural bounds, with the
    tails' ends at levels 0 and 100. A RangeError in one line when it cannot stand."""
    if claim.get("kind") != "threshold" or claim.get("target") is None:
        raise ranges.RangeError("only a threshold claim (a metric with a target) takes a range")
    bounds = claim_bounds(claim, observed)
    checked = ranges.check_quantiles(quantiles, bounds)
    knots = ranges.knots_of(checked, bounds, count=ranges.is_count(claim))
    xs = knots.xs[0]
    return {0: float(xs[0]), **checked, 100: float(xs[len(checked) + 1])}


def record_range(
    con: duckdb.DuckDBPyConnection, claim_id: int, forecast_id: int, quantiles: Mapping[int, float]
) -> None:
    """Store a forecast's range in its unit of work (ledger.add_forecast)."""
    claim = queries.claim_summary(con, claim_id) or {}
    observed = [float(o["value"]) for o in queries.observations_for(con, claim_id) if o["value"] is not None]
    try:
        knots = knots_for(claim, quantiles, observed)
    except ranges.RangeError as error:
        raise ranges.RangeError(f"claim {claim_id}: {error}") from None
    sql.insert_quantiles(con, forecast_id, knots)


def record_value(con: duckdb.DuckDBPyConnection, claim_id: int, resolution_id: int, value: float) -> None:
    """Store the value a resolution rests on, in its unit of work (ledger.resolve)."""
    claim = queries.claim_summary(con, claim_id) or {}
    if claim.get("kind") != "threshold":
        raise ranges.RangeError(f"claim {claim_id} is not a threshold claim: its resolution rests on no value")
    sql.insert_resolution_value(con, resolution_id, value)


def attach(
    con: duckdb.DuckDBPyConnection, claim_id: int, forecasts: list[dict[str, Any]], resolutions: list[dict[str, Any]]
) -> None:
    """Give a claim's forecast rows their range ("range": knots or None) and its resolution rows their
    value ("value")."""
    knots = sql.quantiles_for_claim(con, claim_id)
    values = sql.resolution_values_for_claim(con, claim_id)
    for forecast in forecasts:
        forecast["range"] = knots.get(int(forecast["id"]))
    for resolution in resolutions:
        resolution["value"] = values.get(int(resolution["id"]))
