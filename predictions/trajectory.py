"""Where a threshold claim's metric has been and where it is heading: the data behind the progress charts.

A trajectory holds the observed values (and the share of the way from the baseline to the target
each one represents) and the projection to the deadline as a path of points with its 95% band, as
computed by predictions.progress. Charts draw it; nothing here knows about plotting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from predictions.progress import Projection, day_number, fit_line, project, share_of_target

BAND_STEPS = 24


@dataclass(frozen=True)
class TrackPoint:
    day: date
    value: float
    percent: float | None  # share of the way from the baseline (0 if none) to the target, in %
    note: str | None = None
    source_url: str | None = None


@dataclass(frozen=True)
class BandPoint:
    day: date
    value: float
    low: float | None
    high: float | None
    percent: float | None
    percent_low: float | None
    percent_high: float | None


@dataclass(frozen=True)
class Trajectory:
    claim_id: int
    statement: str
    status: str
    metric: str | None
    unit: str | None
    comparator: str | None
    target: float
    baseline: float | None
    baseline_on: date | None
    made_on: date
    deadline: date | None
    points: list[TrackPoint]
    projection: list[BandPoint]  # from the last observation to the deadline; empty without one

    @property
    def has_band(self) -> bool:
        return any(p.low is not None for p in self.projection)

    @property
    def projected(self) -> BandPoint | None:
        return self.projection[-1] if self.projection else None


def _percent(value: float | None, claim: Mapping[str, Any]) -> float | None:
    if value is None:
        return None
    share = share_of_target(value, claim)
    return None if share is None else 100.0 * share


PERCENT_UNITS = frozenset({"%", "percent", "per cent", "percentage points"})


def natural_bounds(claim: Mapping[str, Any], values: Sequence[float]) -> tuple[float | None, float | None]:
    """The range the metric can take: never below 0 when nothing about it is negative (a count, an amount,
    a share), never above 100 for a percentage. A straight line and its band know neither, so the projection
    and the band are clipped to these (the band of 10 cities is not "−12 to 30 cities")."""
    known = [float(v) for v in (*values, claim.get("target"), claim.get("baseline")) if v is not None]
    low = 0.0 if all(v >= 0 for v in known) else None
    unit = str(claim.get("unit") or "").strip().lower()
    high = 100.0 if unit in PERCENT_UNITS and all(v <= 100 for v in known) else None
    return low, high


def _clip(value: float, bounds: tuple[float | None, float | None]) -> float:
    low, high = bounds
    if low is not None and value < low:
        return low
    if high is not None and value > high:
        return high
    return value


def projection_path(
    projection: Projection,
    claim: Mapping[str, Any],
    steps: int = BAND_STEPS,
    bounds: tuple[float | None, float | None] = (None, None),
) -> list[BandPoint]:
    """Points from the last observation to the deadline along the fitted line, with the 95% band, all
    within `bounds` (see natural_bounds)."""
    if projection.anchor is None:
        return []
    start = projection.anchor[0]
    end = projection.deadline
    span = (end - start).days
    steps = max(steps, 1) if span > 0 else 0
    days = sorted({start + timedelta(days=round(span * i / steps)) for i in range(steps + 1)}) if steps else [end]
    path = []
    for day in days:
        line = projection.value_on(day)
        half = projection.fit.half_width_at(day_number(day)) if projection.fit is not None else None
        low, high = (_clip(line - half, bounds), _clip(line + half, bounds)) if half is not None else (None, None)
        value = _clip(line, bounds)
        path.append(
            BandPoint(day, value, low, high, _percent(value, claim), _percent(low, claim), _percent(high, claim))
        )
    return path


def build(claim: Mapping[str, Any], observations: Sequence[Mapping[str, Any]], status: str) -> Trajectory:
    """The trajectory of one threshold claim from its summary row and its observations (any order)."""
    valued = sorted(
        (o for o in observations if o.get("value") is not None), key=lambda o: (o["observed_on"], o.get("id", 0))
    )
    points = [
        TrackPoint(
            o["observed_on"], float(o["value"]), _percent(float(o["value"]), claim), o.get("note"), o.get("source_url")
        )
        for o in valued
    ]
    path: list[BandPoint] = []
    if valued and claim.get("deadline") is not None:
        fit = fit_line([o["observed_on"] for o in valued], [float(o["value"]) for o in valued])
        projection = project(claim, fit, float(valued[-1]["value"]), valued[-1]["observed_on"])
        if projection is not None:
            path = projection_path(projection, claim, bounds=natural_bounds(claim, [float(o["value"]) for o in valued]))
    return Trajectory(
        claim_id=int(claim["id"]),
        statement=str(claim["statement"]),
        status=status,
        metric=claim.get("metric"),
        unit=claim.get("unit"),
        comparator=claim.get("comparator"),
        target=float(claim["target"]),
        baseline=None if claim.get("baseline") is None else float(claim["baseline"]),
        baseline_on=claim.get("baseline_on"),
        made_on=claim["made_on"],
        deadline=claim.get("deadline"),
        points=points,
        projection=path,
    )
