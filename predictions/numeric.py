"""Ranges in the ledger: recording a forecast's quantiles and a resolution's value, and the numeric
record (CRPS, interval scores, PIT, coverage) that the CLI, the scorecard, the pages and the site show.

The distribution a range stands for is fixed when it is recorded: its tails' ends (levels 0 and 100,
predictions.ranges' rule against the metric's natural bounds then) are stored with its quantiles, so
nothing recorded later (an observation, an amendment) changes a past range or its score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from db import ranges as sql
from predictions import ranges
from predictions.ledger import reading

# Recording a range, and the rule from quantiles to what is stored (re-exported: the CLI, the exports and the
# tests read them here).
from predictions.range_store import attach, claim_bounds, knots_for, record_range, record_value, stated

__all__ = ["attach", "claim_bounds", "knots_for", "record_range", "record_value", "stated"]


# --- one range, read ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeView:
    """A recorded range as a page or the CLI shows it."""

    knots: dict[int, float]
    count: bool
    comparator: str
    target: float

    @property
    def quantiles(self) -> dict[int, float]:
        return stated(self.knots)

    @property
    def distribution(self) -> ranges.Knots:
        levels = sorted(self.knots)
        return ranges.Knots(
            np.array([[self.knots[level] for level in levels]], dtype=float),
            np.array([[level / 100 for level in levels]], dtype=float),
            np.array([self.count]),
        )

    @property
    def implied(self) -> float:
        """P(the metric meets the target by the comparator) under the range."""
        return float(ranges.probability_of(self.distribution, self.comparator, self.target)[0])

    def interval(self, percent: int) -> tuple[float, float]:
        low, high = ranges.central_interval(self.distribution, percent)
        return float(low[0]), float(high[0])

    def median(self) -> float:
        return float(ranges.quantile(self.distribution, 0.5)[0])

    def pit(self, value: float) -> float:
        return float(ranges.pit(self.distribution, np.array([value]))[0])

    def disagreement(self, probability: float | None) -> str | None:
        """A line when the implied and the stated probability differ by more than 10 points."""
        if probability is None or abs(self.implied - probability) <= ranges.DISAGREEMENT:
            return None
        return (
            f"the range implies {self.implied:.0%} that it comes true, the stated probability is {probability:.0%}: "
            "one of them may need another look"
        )


def range_view(claim: Mapping[str, Any], knots: Mapping[int, float] | None) -> RangeView | None:
    if not knots or claim.get("target") is None:
        return None
    return RangeView(dict(knots), ranges.is_count(claim), str(claim.get("comparator") or ">="), float(claim["target"]))


def preview(claim: Mapping[str, Any], quantiles: Mapping[int, float], observed: Sequence[float] = ()) -> RangeView:
    """The range a form is about to record (RangeError when it cannot stand)."""
    knots = knots_for(claim, quantiles, observed)
    view = range_view(claim, knots)
    assert view is not None
    return view


# --- the numeric record ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredRange:
    forecast_id: int
    claim_id: int
    statement: str
    forecaster: str
    made_at: datetime
    unit: str | None
    resolved_on: date
    outcome: str
    value: float
    quantiles: dict[int, float]
    crps: float
    pit: float
    intervals: dict[int, tuple[float, float]]
    interval_scores: dict[int, float]
    covered: dict[int, bool]

    def as_dict(self) -> dict[str, Any]:
        return {
            "forecast_id": self.forecast_id, "claim_id": self.claim_id, "statement": self.statement,
            "forecaster": self.forecaster, "made_at": self.made_at.isoformat(), "unit": self.unit,
            "resolved_on": self.resolved_on.isoformat(), "outcome": self.outcome, "value": self.value,
            "quantiles": {str(level): v for level, v in self.quantiles.items()}, "crps": self.crps, "pit": self.pit,
            "intervals": {str(p): {"low": lo, "high": hi, "score": self.interval_scores[p], "covered": self.covered[p]}
                          for p, (lo, hi) in self.intervals.items()},
        }  # fmt: skip


@dataclass(frozen=True)
class NumericRecord:
    scored: list[ScoredRange]
    coverage: list[ranges.Coverage]
    pit_histogram: list[int]

    @property
    def n(self) -> int:
        return len(self.scored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "coverage": [c.as_dict() for c in self.coverage],
            "pit_histogram": {"bins": ranges.PIT_BINS, "counts": self.pit_histogram},
            "forecasts": [s.as_dict() for s in self.scored],
        }

    def coverage_line(self) -> str:
        """`ranges: 50% intervals held 3 of 5 outcomes (60%, 23–88%), …`."""
        if not self.n:
            return "ranges: no resolved range yet"
        parts = []
        for c in self.coverage:
            rate = f"{c.rate:.0%}" if c.rate is not None else "–"
            interval = f", {c.low:.0%}–{c.high:.0%}" if c.low is not None and c.high is not None else ""
            parts.append(f"{c.percent}% intervals held {c.hits} of {c.n} ({rate}{interval})")
        return "ranges: " + "; ".join(parts)


def score_rows(rows: Sequence[Mapping[str, Any]]) -> NumericRecord:
    """The numeric record of rows as db.ranges.numeric_forecasts reads them (one vectorised pass; the
    per-forecast records are built from plain lists)."""
    if not rows:
        empty = {p: np.zeros(0, dtype=bool) for p in ranges.INTERVALS}
        return NumericRecord([], ranges.coverage(empty), [0] * ranges.PIT_BINS)
    width = max(len(row["levels"]) for row in rows)
    xs = np.array([list(row["values"]) + [row["values"][-1]] * (width - len(row["values"])) for row in rows])
    ps = np.array([list(row["levels"]) + [100] * (width - len(row["levels"])) for row in rows], dtype=float) / 100
    counts = np.array([ranges.is_count(row) for row in rows])
    y = np.array([float(row["outcome_value"]) for row in rows])
    result = ranges.score(ranges.Knots(xs, ps, counts), y)
    crps, pit, values = result.crps.tolist(), result.pit.tolist(), y.tolist()
    lower = {p: result.lower[p].tolist() for p in ranges.INTERVALS}
    upper = {p: result.upper[p].tolist() for p in ranges.INTERVALS}
    scores = {p: result.interval_scores[p].tolist() for p in ranges.INTERVALS}
    covered = {p: result.covered[p].tolist() for p in ranges.INTERVALS}
    scored = [
        ScoredRange(
            forecast_id=int(row["forecast_id"]),
            claim_id=int(row["claim_id"]),
            statement=str(row["statement"]),
            forecaster=str(row["forecaster"]),
            made_at=row["made_at"],
            unit=row.get("unit"),
            resolved_on=row["resolved_on"],
            outcome=str(row["outcome"]),
            value=values[i],
            quantiles=dict(zip(row["levels"][1:-1], row["values"][1:-1], strict=True)),  # without the tails
            crps=crps[i],
            pit=pit[i],
            intervals={p: (lower[p][i], upper[p][i]) for p in ranges.INTERVALS},
            interval_scores={p: scores[p][i] for p in ranges.INTERVALS},
            covered={p: covered[p][i] for p in ranges.INTERVALS},
        )
        for i, row in enumerate(rows)
    ]
    return NumericRecord(scored, ranges.coverage(result.covered), ranges.pit_histogram(result.pit))


def numeric_record_from(
    con: duckdb.DuckDBPyConnection, *, attribution: str | None = None, forecaster: str | None = None
) -> NumericRecord:
    return score_rows(sql.numeric_forecasts(con, attribution=attribution, forecaster=forecaster))


def numeric_record(path: Path, *, attribution: str | None = None, forecaster: str | None = None) -> NumericRecord:
    """Every scored numeric forecast's CRPS, interval scores and PIT; coverage and the PIT histogram."""
    with reading(path) as con:
        return numeric_record_from(con, attribution=attribution, forecaster=forecaster)


def proposal_value(observations: Sequence[Mapping[str, Any]], deadline: date | None) -> float | None:
    """The value a proposed verdict rests on: the last valued observation on or before the deadline."""
    valued = [
        o for o in observations if o.get("value") is not None and (deadline is None or o["observed_on"] <= deadline)
    ]
    if not valued:
        return None
    last = max(valued, key=lambda o: (o["observed_on"], o.get("id") or 0))
    return float(last["value"])


# --- what the claim page draws ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeBands:
    """The latest range on a claim as its metric chart draws it: the 50/80/90% intervals and the median at
    the deadline, a fan from the forecast's date where the claim has a baseline, and where the outcome fell."""

    forecaster: str
    made_on: date
    deadline: date
    unit: str | None
    median: float
    intervals: dict[int, tuple[float, float]]
    implied: float
    probability: float | None
    fan_from: float | None  # the baseline the fan starts at (None: bands at the deadline only)
    outcome: float | None = None
    outcome_pit: float | None = None

    @property
    def outcome_words(self) -> str | None:
        if self.outcome is None or self.outcome_pit is None:
            return None
        return f"outcome at {ranges.percentile_words(self.outcome_pit)}"


def latest_range(detail: Any) -> dict[str, Any] | None:
    """The claim's latest forecast that carries a range (a ledger.ClaimDetail's forecast row)."""
    return next((f for f in reversed(detail.forecasts) if f.get("range")), None)


def range_bands(detail: Any) -> RangeBands | None:
    """The bands of a claim's latest range (None without one, or without a deadline)."""
    from predictions.ledger import resolution_in_force

    row = detail.view.row
    forecast = latest_range(detail)
    if forecast is None or row.get("deadline") is None:
        return None
    view = range_view(row, forecast["range"])
    if view is None:
        return None
    current = resolution_in_force(detail)
    outcome = None if current is None else current.get("value")
    made_on = forecast["made_at"].date() if isinstance(forecast["made_at"], datetime) else forecast["made_at"]
    return RangeBands(
        forecaster=str(forecast["forecaster"]),
        made_on=made_on,
        deadline=row["deadline"],
        unit=row.get("unit"),
        median=view.median(),
        intervals={p: view.interval(p) for p in ranges.INTERVALS},
        implied=view.implied,
        probability=forecast.get("probability"),
        fan_from=None if row.get("baseline") is None else float(row["baseline"]),
        outcome=None if outcome is None else float(outcome),
        outcome_pit=None if outcome is None else view.pit(float(outcome)),
    )


def scores_at(claim: Mapping[str, Any], knots: Mapping[int, float], value: float) -> dict[str, Any]:
    """One range's scores at an outcome, as the exports write them (the same numbers `score --json` gives)."""
    view = range_view(claim, knots)
    assert view is not None
    result = ranges.score(view.distribution, np.array([float(value)]))
    return {
        "value": float(value),
        "crps": float(result.crps[0]),
        "pit": float(result.pit[0]),
        "intervals": {
            str(p): {"low": float(result.lower[p][0]), "high": float(result.upper[p][0]),
                     "score": float(result.interval_scores[p][0]), "covered": bool(result.covered[p][0])}
            for p in ranges.INTERVALS
        },
    }  # fmt: skip
