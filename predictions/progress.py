"""Claim status, derived and never stored: resolved, awaiting a verdict, or open with how it is going.

Open threshold claims are projected to their deadline by a least-squares line through their
observations (a line through the baseline and the one observation when there is only one; flat
when there is no baseline). The projection's share of the way from the baseline (0 when none) to
the target gives the progress label:

- on track: the projection meets the target;
- at risk: it reaches at least 80% of the way;
- behind: less than that.

A threshold claim without a valued observation has "no data". Open binary claims have no metric to
project, and a probability is a belief, not evidence: they read "open", or "has evidence" once an
observation is recorded, never on track or at risk. Any claim whose deadline has passed without a
resolution is "awaiting verdict" (its coarse state is "overdue"). No usable deadline: "not checkable".
`status_reason` says in one line why a claim has its status. The same rules for many claims at once, as
array arithmetic, are in `predictions.status_columns`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

EPOCH = date(1970, 1, 1)
AT_RISK_SHARE = 0.8

# Two-sided 97.5% Student-t quantiles for small samples; beyond 30 degrees of freedom, 1.96.
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
         2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
         2.052, 2.048, 2.045, 2.042]  # fmt: skip


class Status(StrEnum):
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    BEHIND = "behind"
    NO_DATA = "no data"
    OPEN = "open"
    HAS_EVIDENCE = "has evidence"
    NOT_CHECKABLE = "not checkable"
    AWAITING_VERDICT = "awaiting verdict"
    RESOLVED_TRUE = "resolved true"
    RESOLVED_FALSE = "resolved false"
    RESOLVED_PARTIAL = "resolved partial"
    RESOLVED_AMBIGUOUS = "resolved ambiguous"

    @property
    def state(self) -> str:
        """The coarse state: open, overdue or resolved."""
        if self.value.startswith("resolved"):
            return "resolved"
        return "overdue" if self is Status.AWAITING_VERDICT else "open"


OPEN_STATUSES = tuple(s for s in Status if s.state == "open")


def day_number(day: date) -> float:
    return float((day - EPOCH).days)


def from_day_number(x: float) -> date:
    return EPOCH + timedelta(days=round(x))


@dataclass(frozen=True)
class LineFit:
    """Least-squares line value = intercept + slope·day, with what is needed for a prediction interval."""

    n: int
    slope: float
    intercept: float
    mean_x: float
    sxx: float
    residual_ss: float

    def value_at(self, x: float) -> float:
        return self.intercept + self.slope * x

    def half_width_at(self, x: float) -> float | None:
        """Half-width of the 95% prediction interval at x, or None with fewer than three points."""
        if self.n < 3 or self.sxx <= 0:
            return None
        sigma = math.sqrt(max(self.residual_ss, 0.0) / (self.n - 2))
        t = _T975[self.n - 3] if self.n - 2 <= len(_T975) else 1.96
        return t * sigma * math.sqrt(1 + 1 / self.n + (x - self.mean_x) ** 2 / self.sxx)


def fit_line(days: Iterable[date], values: Iterable[float]) -> LineFit | None:
    xs = [day_number(d) for d in days]
    ys = list(values)
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - mean_y) ** 2 for y in ys)
    slope = sxy / sxx
    return LineFit(n, slope, mean_y - slope * mean_x, mean_x, sxx, syy - slope * sxy)


def fit_from_stats(row: Mapping[str, Any]) -> LineFit | None:
    """The same line from the SQL sufficient statistics of a claim summary row."""
    n = int(row.get("fit_n") or 0)
    if n < 2 or not row.get("fit_sxx"):
        return None
    # A statistic the database could not compute (NULL: an old ledger's 1e308 overflowed the fit) reads as
    # NaN, so the projection it gives is refused in `project` as not finite: that claim shows no projection.
    slope, sxx = _number(row.get("fit_slope")), _number(row.get("fit_sxx"))
    residual = _number(row.get("fit_syy")) - slope * _number(row.get("fit_sxy"))
    return LineFit(n, slope, _number(row.get("fit_intercept")), _number(row.get("fit_mean_x")), sxx, residual)


def _number(value: Any) -> float:
    return math.nan if value is None else float(value)


@dataclass(frozen=True)
class Projection:
    """Where the metric is heading: its value at the deadline, with a 95% band when it can be had."""

    deadline: date
    value: float
    low: float | None
    high: float | None
    fit: LineFit | None
    anchor: tuple[date, float] | None  # the last observed point the projection starts from

    def value_on(self, day: date) -> float:
        if self.fit is not None:
            return self.fit.value_at(day_number(day))
        return self.value


def project(
    claim: Mapping[str, Any], fit: LineFit | None, last_value: float | None, last_on: date | None
) -> Projection | None:
    deadline = claim.get("deadline")
    if deadline is None or last_value is None or last_on is None:
        return None
    if fit is None and claim.get("baseline") is not None and claim.get("baseline_on") is not None:
        fit = fit_line([claim["baseline_on"], last_on], [float(claim["baseline"]), float(last_value)])
    if fit is None:
        if not math.isfinite(float(last_value)):
            return None
        return Projection(deadline, float(last_value), None, None, None, (last_on, float(last_value)))
    x = day_number(deadline)
    with contextlib.suppress(OverflowError):  # float arithmetic gives inf; `**` and math.sqrt may raise
        value = fit.value_at(x)
        if not math.isfinite(value):  # a failed fit: no projection for this claim, never an error for the page
            return None
        half = fit.half_width_at(x)
        low, high = (value - half, value + half) if half is not None and math.isfinite(half) else (None, None)
        return Projection(deadline, value, low, high, fit, (last_on, float(last_value)))
    return None


def meets(value: float, comparator: str | None, target: float) -> bool:
    return {
        ">=": value >= target,
        ">": value > target,
        "<=": value <= target,
        "<": value < target,
    }.get(comparator or ">=", value >= target)


def share_of_target(value: float, claim: Mapping[str, Any]) -> float | None:
    """How far `value` has come from the baseline (0 if none) toward the target: 1.0 is the target."""
    target = claim.get("target")
    if target is None:
        return None
    start = float(claim.get("baseline") or 0.0)
    distance = float(target) - start
    if distance == 0:
        return 1.0 if meets(value, claim.get("comparator"), float(target)) else 0.0
    return (value - start) / distance


def claim_status(claim: Mapping[str, Any], today: date, projection: Projection | None = None) -> Status:
    """The status of one claim summary row (db.queries.claim_summaries) on `today`."""
    outcome = claim.get("outcome")
    if outcome:
        return Status(f"resolved {outcome}")
    deadline = claim.get("deadline")
    if deadline is None:
        return Status.NOT_CHECKABLE
    if deadline < today:
        return Status.AWAITING_VERDICT
    if claim.get("kind") == "threshold":
        if projection is None:
            return Status.NO_DATA
        if meets(projection.value, claim.get("comparator"), float(claim["target"])):
            return Status.ON_TRACK
        share = share_of_target(projection.value, claim)
        return Status.AT_RISK if share is not None and share >= AT_RISK_SHARE else Status.BEHIND
    return Status.HAS_EVIDENCE if claim.get("n_observations") else Status.OPEN


def summary_projection(claim: Mapping[str, Any]) -> Projection | None:
    if claim.get("kind") != "threshold":
        return None
    return project(claim, fit_from_stats(claim), claim.get("last_value"), claim.get("last_value_on"))
