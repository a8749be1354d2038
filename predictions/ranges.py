"""A threshold claim's range: quantiles of the metric's value at the deadline, the distribution they
stand for, and its proper scores. Pure functions over numpy arrays; nothing here reads the ledger.

The rule from quantiles to a distribution (one rule, everywhere: the CLI, the pages, the scores):

* The stated quantiles (levels p5…p95, at least three, values strictly increasing) are knots of a
  cumulative distribution function F that is linear between neighbouring knots.
* The tails continue the nearest segment's straight line to F = 0 below the lowest quantile and to F = 1
  above the highest (the density of the outermost stated segment carries on), stopped at the metric's
  natural bounds (never below 0 for a count or an amount, never above 100 for a percentage;
  predictions.trajectory.natural_bounds). Where a bound stops a tail, the rest of that tail's probability
  sits on the bound.
* A count (cities, KPIs, taxis: see `is_count`) takes whole values only: P(X = k) = F(k + ½) − F(k − ½),
  the continuous distribution rounded to the nearest whole number, so its CDF is F_d(x) = F(⌊x⌋ + ½).

The scores, each exact (no sampling, no grid):

* CRPS(F, y) = ∫ (F(x) − 1{x ≥ y})² dx, in the metric's units: a closed form per linear segment (per whole
  number for a count, summed in closed form over each segment's run of whole numbers).
* The interval score of the central (1 − α) interval [l, u] = [F⁻¹(α/2), F⁻¹(1 − α/2)] (Gneiting &
  Raftery 2007, eq. 43): IS_α = (u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}, for the 50%, 80%
  and 90% intervals. For a count, l and u are whole numbers (the smallest k with F_d(k) ≥ level).
* PIT = F(y); for a count the mid-PIT ½(F_d(y − 1) + F_d(y)) (Czado, Gneiting & Held 2009), so that a
  whole-number outcome is not pushed to the top of its step.
* Coverage of each central interval: the share of outcomes with l ≤ y ≤ u, with its Wilson 95% interval.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from predictions.errors import PredictionsError

MIN_LEVEL, MAX_LEVEL = 5, 95  # the quantile levels a range may state, in percent
MIN_QUANTILES = 3
INTERVALS = (50, 80, 90)  # the central intervals scored and counted for coverage, in percent
PIT_BINS = 10
DISAGREEMENT = 0.10  # the implied and the stated probability differ by more than this: say so

# Units of measure, money and scale: a metric in one of these is not a count.
_MEASURES = re.compile(
    r"%|percent|per cent|point|\b(k?m|km2|kg|t|mt|g|gw|mw|kw|twh|gwh|kwh|mwh|km/h|hours?|days?|years?|"
    r"tonnes?|tons?|metres?|meters?|kilomet(re|er)s?|litres?|liters?|barrels?|usd|eur|cny|rmb|yuan|dollars?|"
    r"euros?|\$|€|¥|bn|billions?|millions?|trillions?|thousands?|ratio|rate|index|score|degrees?|°c?)\b",
    re.IGNORECASE,
)


class RangeError(PredictionsError, ValueError):
    """A range that cannot stand: one line saying why."""


# --- reading and checking ----------------------------------------------------------------------------


def parse_quantiles(text: str) -> dict[int, float]:
    """`10=800,50=2500,90=6000` (levels in percent, optionally `p10`) as {10: 800.0, …}; not yet checked."""
    result: dict[int, float] = {}
    for part in (piece.strip() for piece in str(text).split(",")):
        if not part:
            continue
        level_text, sep, value_text = part.partition("=")
        if not sep:
            raise RangeError(f"quantile {part!r} is not LEVEL=VALUE (e.g. 10=800)")
        level_text = level_text.strip().lower().removeprefix("p")
        try:
            level = int(level_text)
        except ValueError:
            raise RangeError(f"quantile level {level_text!r} is not a whole percent (5 to 95)") from None
        try:
            value = float(value_text.replace("_", "").strip())
        except ValueError:
            raise RangeError(f"quantile {level}'s value {value_text.strip()!r} is not a number") from None
        if level in result:
            raise RangeError(f"quantile {level} is given twice")
        result[level] = value
    return result


def check_quantiles(
    quantiles: Mapping[int, float], bounds: tuple[float | None, float | None] = (None, None)
) -> dict[int, float]:
    """The quantiles in level order if they can stand; else a RangeError in one line."""
    from predictions.quantities import check_value, format_number

    if len(quantiles) < MIN_QUANTILES:
        raise RangeError(
            f"a range needs at least {MIN_QUANTILES} quantiles between p{MIN_LEVEL} and p{MAX_LEVEL} "
            f"(e.g. 10=800,50=2500,90=6000); {len(quantiles)} given"
        )
    ordered: dict[int, float] = {}
    for level in sorted(quantiles):
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise RangeError(f"quantile level {level!r} is outside p{MIN_LEVEL}…p{MAX_LEVEL} (whole percents)")
        ordered[level] = check_value(quantiles[level], f"quantile {level}")
    levels = list(ordered)
    for lower, upper in itertools.pairwise(levels):
        if not ordered[upper] > ordered[lower]:
            raise RangeError(
                f"quantiles must increase: p{upper} = {format_number(ordered[upper])} is not above "
                f"p{lower} = {format_number(ordered[lower])}"
            )
    low, high = bounds
    first, last = ordered[levels[0]], ordered[levels[-1]]
    if low is not None and first < low:
        raise RangeError(
            f"p{levels[0]} = {format_number(first)} is below {format_number(low)}, the least the metric can be"
        )
    if high is not None and last > high:
        raise RangeError(
            f"p{levels[-1]} = {format_number(last)} is above {format_number(high)}, the most the metric can be"
        )
    return ordered


def quantiles_text(quantiles: Mapping[int, float]) -> str:
    """The quantiles as the CLI and the files take them: `10=800,50=2500,90=6000` (no thousands commas)."""

    def plain(value: float) -> str:
        return str(int(value)) if value == math.floor(value) and abs(value) < 1e15 else repr(float(value))

    return ",".join(f"{level}={plain(value)}" for level, value in sorted(quantiles.items()))


def is_count(claim: Mapping[str, Any]) -> bool:
    """A metric counted in whole things (cities, KPIs, flying taxis): a whole target (and baseline), a unit
    that names things rather than a measure, money, scale or percentage."""
    if not _counted_unit(str(claim.get("unit") or "").strip()):
        return False
    numbers = [claim.get("target"), claim.get("baseline")]
    return all(v is None or float(v) == math.floor(float(v)) for v in numbers) and claim.get("target") is not None


@functools.lru_cache(maxsize=1024)
def _counted_unit(unit: str) -> bool:
    return bool(unit) and _MEASURES.search(unit) is None


# --- the distribution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Knots:
    """Rows of piecewise-linear CDFs: xs[i] (non-decreasing) and ps[i] (0 first, 1 last, increasing but
    for zero-width padding at the end), one row per distribution; `count[i]` says whole values only."""

    xs: np.ndarray  # (n, m)
    ps: np.ndarray  # (n, m)
    count: np.ndarray  # (n,) bool

    def __len__(self) -> int:
        return int(self.xs.shape[0])


def knots_from(
    levels: np.ndarray, values: np.ndarray, low: np.ndarray | None = None, high: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The CDF knots of rows of stated quantiles (levels in percent, (n, k); NaN-padded at the end for
    rows with fewer): the tails by the module's rule, each row padded with its last knot."""
    levels = np.asarray(levels, dtype=float)
    values = np.asarray(values, dtype=float)
    n, k = values.shape
    stated = ~np.isnan(values)
    counts = stated.sum(axis=1)
    rows = np.arange(n)
    last = counts - 1
    p = levels / 100.0
    # The lower tail continues the first segment, the upper the last one (the same density).
    slope_low = (values[:, 1] - values[:, 0]) / (p[:, 1] - p[:, 0])
    x0 = values[:, 0] - p[:, 0] * slope_low
    slope_high = (values[rows, last] - values[rows, last - 1]) / (p[rows, last] - p[rows, last - 1])
    x_end = values[rows, last] + (1.0 - p[rows, last]) * slope_high
    if low is not None:
        x0 = np.where(np.isnan(low), x0, np.fmax(x0, low))
    if high is not None:
        x_end = np.where(np.isnan(high), x_end, np.fmin(x_end, high))
    xs = np.empty((n, k + 2))
    ps = np.empty((n, k + 2))
    xs[:, 0], ps[:, 0] = x0, 0.0
    xs[:, 1 : k + 1] = np.where(stated, values, 0.0)
    ps[:, 1 : k + 1] = np.where(stated, p, 1.0)
    # After each row's last stated quantile: the upper tail's end, then padding at it (zero-width segments).
    after = np.arange(k + 2)[None, :] > counts[:, None]
    xs = np.where(after, x_end[:, None], xs)
    ps = np.where(after, 1.0, ps)
    return xs, ps


def _segment_cdf(xs: np.ndarray, ps: np.ndarray, x: np.ndarray, *, left: bool = False) -> np.ndarray:
    """F(x) per row, right-continuous (x of shape (n,)); with `left`, F(x−), the probability strictly below x
    (it differs from F(x) only at a bound holding a tail: a zero-width segment there takes its lower end)."""
    n, m = xs.shape
    j = ((xs < x[:, None]) if left else (xs <= x[:, None])).sum(axis=1) - 1  # the last knot left of (or at) x
    below = j < 0
    above = j >= m - 1
    j = np.clip(j, 0, m - 2)
    rows = np.arange(n)
    a, b = xs[rows, j], xs[rows, j + 1]
    pa, pb = ps[rows, j], ps[rows, j + 1]
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        inside = np.where(width > 0, pa + (pb - pa) * (x - a) / width, pa if left else pb)
    return np.where(below, 0.0, np.where(above, 1.0, inside))


def cdf(knots: Knots, x: np.ndarray) -> np.ndarray:
    """P(X ≤ x) per row: F for a measure, F_d(x) = F(⌊x⌋ + ½) for a count."""
    x = np.asarray(x, dtype=float)
    where = np.where(knots.count, np.floor(x) + 0.5, x)
    return _segment_cdf(knots.xs, knots.ps, where)


def quantile(knots: Knots, level: float) -> np.ndarray:
    """F⁻¹(level) per row (0 < level < 1); for a count the smallest whole k with F_d(k) ≥ level."""
    xs, ps = knots.xs, knots.ps
    n, m = xs.shape
    j = np.clip((ps <= level).sum(axis=1) - 1, 0, m - 2)
    rows = np.arange(n)
    pa, pb = ps[rows, j], ps[rows, j + 1]
    a, b = xs[rows, j], xs[rows, j + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(pb > pa, a + (b - a) * (level - pa) / (pb - pa), a)
    return np.where(knots.count, np.ceil(x - 0.5), x)


def probability_of(knots: Knots, comparator: str, target: float) -> np.ndarray:
    """P(the metric meets `target` by `comparator`) per row: the probability the range implies."""
    xs, ps, count = knots.xs, knots.ps, knots.count
    t = np.full(len(knots), float(target))
    # For a count: P(X ≤ t) = F(⌊t⌋ + ½), P(X < t) = F(⌈t⌉ − ½).
    at_most = np.where(count, _segment_cdf(xs, ps, np.floor(t) + 0.5), _segment_cdf(xs, ps, t))
    below = np.where(count, _segment_cdf(xs, ps, np.ceil(t) - 0.5), _segment_cdf(xs, ps, t, left=True))
    if comparator == ">=":
        return 1.0 - below
    if comparator == ">":
        return 1.0 - at_most
    if comparator == "<=":
        return at_most
    if comparator == "<":
        return below
    raise RangeError(f"unknown comparator {comparator!r}")


def pmf(knots: Knots, row: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A count's whole values and their probabilities (row `row`), from the lowest to the highest with mass."""
    xs, ps = knots.xs[row], knots.ps[row]
    first, last = math.ceil(xs[0] - 0.5), math.ceil(xs[-1] - 0.5)
    if last - first > 200_000:  # a picture needs no more; the scores never enumerate
        step = math.ceil((last - first) / 200_000)
        ks = np.arange(first, last + 1, step, dtype=float)
    else:
        ks = np.arange(first, last + 1, dtype=float)
    upper = np.interp(ks + 0.5, xs, ps, left=0.0, right=1.0)
    lower = np.interp(ks - 0.5, xs, ps, left=0.0, right=1.0)
    return ks, upper - lower


# --- the scores ---------------------------------------------------------------------------------------


def _crps_continuous(xs: np.ndarray, ps: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∫ (F − 1{x ≥ y})² dx, exactly: per segment [a, b] split at y, ∫ of a squared line is
    (length)·(u² + uv + v²)/3 with u, v its ends."""
    a, b = xs[:, :-1], xs[:, 1:]
    pa, pb = ps[:, :-1], ps[:, 1:]
    yy = y[:, None]
    c = np.clip(yy, a, b)
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        fc = np.where(width > 0, pa + (pb - pa) * (c - a) / width, pa)
    left = (c - a) * (pa * pa + pa * fc + fc * fc) / 3.0
    qa, qc = 1.0 - pb, 1.0 - fc
    right = (b - c) * (qc * qc + qc * qa + qa * qa) / 3.0
    outside = np.maximum(xs[:, 0] - y, 0.0) + np.maximum(y - xs[:, -1], 0.0)
    return (left + right).sum(axis=1) + outside


def _sum_squares(c: np.ndarray, slope: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Σ_{t=0}^{n−1} (c + slope·t)², for n ≥ 0."""
    return n * c * c + c * slope * n * (n - 1) + slope * slope * (n - 1) * n * (2 * n - 1) / 6.0


def _crps_count(xs: np.ndarray, ps: np.ndarray, y: np.ndarray) -> np.ndarray:
    """∫ (F_d − 1{x ≥ y})² dx with F_d(x) = F(⌊x⌋ + ½): constant on each [k, k + 1); the whole numbers
    k with k + ½ in a segment [a, b) give F(k + ½) on a line, so each segment's sum is closed."""
    a, b = xs[:, :-1], xs[:, 1:]
    pa, pb = ps[:, :-1], ps[:, 1:]
    width = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(width > 0, (pb - pa) / width, 0.0)
    k1 = np.ceil(a - 0.5)
    k2 = np.ceil(b - 0.5) - 1.0  # inclusive; k2 < k1 for a segment holding no k + ½

    def q(k: np.ndarray) -> np.ndarray:
        return pa + slope * (k + 0.5 - a)

    yy = y[:, None]
    ky = np.floor(yy)
    n_low = np.maximum(np.minimum(k2, ky - 1.0) - k1 + 1.0, 0.0)
    low = _sum_squares(q(k1), slope, n_low)
    start = np.maximum(k1, ky + 1.0)
    n_high = np.maximum(k2 - start + 1.0, 0.0)
    high = _sum_squares(q(start) - 1.0, slope, n_high)
    holds = (k1 <= ky) & (ky <= k2)
    qy = q(ky)
    middle = np.where(holds, qy * qy * (yy - ky) + (qy - 1.0) ** 2 * (ky + 1.0 - yy), 0.0)
    first = np.ceil(xs[:, 0] - 0.5)  # below it F_d = 0
    end = np.ceil(xs[:, -1] - 0.5)  # from it on F_d = 1
    outside = np.maximum(first - y, 0.0) + np.maximum(y - end, 0.0)
    return (low + high + middle).sum(axis=1) + outside


def crps(knots: Knots, y: np.ndarray) -> np.ndarray:
    """The continuous ranked probability score of each row at its outcome, in the metric's units."""
    y = np.asarray(y, dtype=float)
    out = np.empty(len(knots))
    count = knots.count
    if (~count).any():
        out[~count] = _crps_continuous(knots.xs[~count], knots.ps[~count], y[~count])
    if count.any():
        out[count] = _crps_count(knots.xs[count], knots.ps[count], y[count])
    return out


def interval_score(lower: np.ndarray, upper: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Gneiting & Raftery (2007), eq. 43: (u − l) + (2/α)(l − y)·1{y < l} + (2/α)(y − u)·1{y > u}."""
    return (upper - lower) + (2.0 / alpha) * np.maximum(lower - y, 0.0) + (2.0 / alpha) * np.maximum(y - upper, 0.0)


def central_interval(knots: Knots, percent: int) -> tuple[np.ndarray, np.ndarray]:
    alpha = 1.0 - percent / 100.0
    return quantile(knots, alpha / 2.0), quantile(knots, 1.0 - alpha / 2.0)


def pit(knots: Knots, y: np.ndarray) -> np.ndarray:
    """F(y); for a count the mid-PIT ½(F_d(y − 1) + F_d(y))."""
    y = np.asarray(y, dtype=float)
    upper = cdf(knots, y)
    lower = cdf(knots, y - 1.0)
    return np.where(knots.count, 0.5 * (lower + upper), upper)


@dataclass(frozen=True)
class NumericScores:
    """Each row's scores at its outcome."""

    crps: np.ndarray
    pit: np.ndarray
    lower: dict[int, np.ndarray]  # central interval ends, by percent
    upper: dict[int, np.ndarray]
    interval_scores: dict[int, np.ndarray]
    covered: dict[int, np.ndarray]


def score(knots: Knots, y: np.ndarray) -> NumericScores:
    y = np.asarray(y, dtype=float)
    lower, upper, scores, covered = {}, {}, {}, {}
    for percent in INTERVALS:
        lo, hi = central_interval(knots, percent)
        lower[percent], upper[percent] = lo, hi
        scores[percent] = interval_score(lo, hi, y, 1.0 - percent / 100.0)
        covered[percent] = (lo <= y) & (y <= hi)
    return NumericScores(crps(knots, y), pit(knots, y), lower, upper, scores, covered)


@dataclass(frozen=True)
class Coverage:
    percent: int
    n: int
    hits: int
    low: float | None  # Wilson 95% interval of the observed rate
    high: float | None

    @property
    def rate(self) -> float | None:
        return self.hits / self.n if self.n else None

    def as_dict(self) -> dict[str, Any]:
        return {"nominal": self.percent / 100, "n": self.n, "covered": self.hits, "observed": self.rate,
                "wilson_low": self.low, "wilson_high": self.high}  # fmt: skip


def coverage(covered: Mapping[int, np.ndarray]) -> list[Coverage]:
    """Per central interval: how many outcomes fell inside, of how many, with the Wilson 95% interval."""
    from predictions.scoring import wilson_interval

    rows = []
    for percent in INTERVALS:
        inside = np.asarray(covered.get(percent, np.zeros(0, dtype=bool)), dtype=bool)
        n, hits = int(inside.size), int(inside.sum())
        interval = wilson_interval(hits, n) if n else None
        rows.append(Coverage(percent, n, hits, *(interval if interval else (None, None))))
    return rows


def pit_histogram(values: np.ndarray, bins: int = PIT_BINS) -> list[int]:
    """Counts of PIT values in `bins` equal bins of [0, 1] (1 itself in the last)."""
    values = np.asarray(values, dtype=float)
    index = np.minimum((values * bins).astype(int), bins - 1)
    return [int(n) for n in np.bincount(index[(values >= 0) & (values <= 1)], minlength=bins)]


# --- one range ------------------------------------------------------------------------------------------


def knots_of(
    quantiles: Mapping[int, float], bounds: tuple[float | None, float | None] = (None, None), *, count: bool = False
) -> Knots:
    """One range's distribution (a one-row Knots)."""
    levels = sorted(quantiles)
    values = np.array([[float(quantiles[level]) for level in levels]])
    low = np.array([np.nan if bounds[0] is None else bounds[0]])
    high = np.array([np.nan if bounds[1] is None else bounds[1]])
    xs, ps = knots_from(np.array([levels], dtype=float), values, low, high)
    return Knots(xs, ps, np.array([count]))


def stack(
    rows: Sequence[Mapping[int, float]],
    bounds: Sequence[tuple[float | None, float | None]],
    counts: Sequence[bool],
) -> Knots:
    """Many ranges as one Knots (rows of unequal length padded)."""
    width = max((len(r) for r in rows), default=MIN_QUANTILES)
    levels = np.full((len(rows), width), np.nan)
    values = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        ordered = sorted(row)
        levels[i, : len(ordered)] = ordered
        values[i, : len(ordered)] = [row[level] for level in ordered]
    # padded levels only feed padded knots; any number keeps the arithmetic finite
    levels = np.where(np.isnan(levels), 50.0, levels)
    low = np.array([np.nan if b[0] is None else b[0] for b in bounds], dtype=float)
    high = np.array([np.nan if b[1] is None else b[1] for b in bounds], dtype=float)
    xs, ps = knots_from(levels, values, low, high)
    return Knots(xs, ps, np.asarray(counts, dtype=bool))


def percentile_words(value: float) -> str:
    """0.12 → 'the 12th percentile'."""
    n = min(max(round(value * 100), 0), 100)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"the {n}{suffix} percentile"
