"""`make bench`, part "ranges": scoring 100,000 numeric forecasts (synthetic, seeded: 3 to 5 quantiles,
a third of them counts) against a vectorised NumPy floor of the same scores.

    python -m bench.ranges [--n 100000] [--repeat 7]

The library's figure is predictions.ranges.score (CRPS, the 50/80/90% intervals and their interval
scores, PIT) plus ranges.coverage and ranges.pit_histogram over the whole batch; the floor computes the
same numbers with plain array formulas written here, and the two are checked equal before timing. The
end-to-end figure (predictions.numeric.score_rows: from rows as the database returns them to the
per-forecast records `score --json` writes) is reported beside it, with no target.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np

from predictions import numeric, ranges

N = 100_000
REPEAT = 7
LIMIT = 2.0  # the library within 2× the floor
LEVEL_SETS = ((10, 50, 90), (5, 25, 50, 75, 95), (10, 25, 50, 75, 90), (5, 50, 95))


def synthetic(n: int, seed: int = 26) -> tuple[ranges.Knots, np.ndarray, list[dict[str, Any]]]:
    """n ranges (knots with tails, padded to one width) and outcomes, and the same as database rows."""
    rng = np.random.default_rng(seed)
    width = max(len(s) for s in LEVEL_SETS) + 2
    xs = np.empty((n, width))
    ps = np.empty((n, width))
    choice = rng.integers(0, len(LEVEL_SETS), n)
    count = rng.random(n) < 1 / 3
    centre = rng.uniform(10, 5000, n)
    spread = rng.uniform(0.05, 0.8, n) * centre
    rows = []
    for i in range(n):
        levels = LEVEL_SETS[choice[i]]
        p = np.array(levels) / 100
        # a skewed spread of quantiles around the centre, strictly increasing
        values = centre[i] + spread[i] * np.sinh(1.8 * (p - 0.5)) / np.sinh(0.9) * rng.uniform(0.6, 1.4)
        knots = ranges.knots_of(dict(zip(levels, values.tolist(), strict=True)), (0.0, None), count=bool(count[i]))
        k = knots.xs.shape[1]
        xs[i, :k], ps[i, :k] = knots.xs[0], knots.ps[0]
        xs[i, k:], ps[i, k:] = knots.xs[0, -1], 1.0
        rows.append({"forecast_id": i, "claim_id": i, "statement": "synthetic", "forecaster": "bench",
                     "made_at": datetime(2025, 1, 1), "unit": "cities" if count[i] else "GW", "target": 1,
                     "baseline": None, "resolved_on": date(2026, 1, 1), "outcome": "true",
                     "levels": [0, *levels, 100], "values": knots.xs[0].tolist()})  # fmt: skip
    y = np.maximum(centre + spread * rng.normal(0, 0.8, n), 0.0)
    y = np.where(count, np.round(y), y)
    for row, value in zip(rows, y.tolist(), strict=True):
        row["outcome_value"] = value
    return ranges.Knots(xs, ps, count), y, rows


def library(knots: ranges.Knots, y: np.ndarray) -> dict[str, Any]:
    scores = ranges.score(knots, y)
    return {"crps": scores.crps, "pit": scores.pit, "is": scores.interval_scores,
            "coverage": ranges.coverage(scores.covered), "histogram": ranges.pit_histogram(scores.pit)}  # fmt: skip


def floor(knots: ranges.Knots, y: np.ndarray) -> dict[str, Any]:
    """The same scores in plain array formulas: the floor the library is held to."""
    xs, ps, count = knots.xs, knots.ps, knots.count
    n = len(y)
    rows = np.arange(n)
    w_all = xs[:, 1:] - xs[:, :-1]
    slope = np.divide(ps[:, 1:] - ps[:, :-1], w_all, out=np.zeros_like(w_all), where=w_all > 0)

    def continuous(xs: np.ndarray, ps: np.ndarray, slope: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∫ F² left of y, ∫ (1 − F)² right of y, per segment."""
        a, b, pa, pb, yy = xs[:, :-1], xs[:, 1:], ps[:, :-1], ps[:, 1:], y[:, None]
        c = np.clip(yy, a, b)
        fc = pa + slope * (c - a)
        part = (c - a) * (pa**2 + pa * fc + fc**2) + (b - c) * ((1 - fc) ** 2 + (1 - fc) * (1 - pb) + (1 - pb) ** 2)
        return (part / 3).sum(1) + np.maximum(xs[:, 0] - y, 0) + np.maximum(y - xs[:, -1], 0)

    def discrete(xs: np.ndarray, ps: np.ndarray, slope: np.ndarray, y: np.ndarray) -> np.ndarray:
        """F(k + ½) on whole k, summed in closed form per segment."""
        a, b, pa, yy = xs[:, :-1], xs[:, 1:], ps[:, :-1], y[:, None]
        k1, k2, ky = np.ceil(a - 0.5), np.ceil(b - 0.5) - 1, np.floor(yy)

        def sq(c0: np.ndarray, m: np.ndarray) -> np.ndarray:
            return m * c0**2 + c0 * slope * m * (m - 1) + slope**2 * (m - 1) * m * (2 * m - 1) / 6

        def q(k: np.ndarray) -> np.ndarray:
            return pa + slope * (k + 0.5 - a)

        h = np.maximum(k1, ky + 1)
        lo = sq(q(k1), np.maximum(np.minimum(k2, ky - 1) - k1 + 1, 0))
        hi = sq(q(h) - 1, np.maximum(k2 - h + 1, 0))
        mid = np.where((k1 <= ky) & (ky <= k2), q(ky) ** 2 * (yy - ky) + (q(ky) - 1) ** 2 * (ky + 1 - yy), 0)
        edges = np.maximum(np.ceil(xs[:, 0] - 0.5) - y, 0) + np.maximum(y - np.ceil(xs[:, -1] - 0.5), 0)
        return (lo + hi + mid).sum(1) + edges

    crps = np.empty(n)
    crps[~count] = continuous(xs[~count], ps[~count], slope[~count], y[~count])
    crps[count] = discrete(xs[count], ps[count], slope[count], y[count])

    def cdf_at(x: np.ndarray) -> np.ndarray:
        j = np.clip((xs <= x[:, None]).sum(1) - 1, 0, xs.shape[1] - 2)
        f = ps[rows, j] + slope[rows, j] * (x - xs[rows, j])
        return np.where(x < xs[:, 0], 0.0, np.where(x >= xs[:, -1], 1.0, f))

    def inverse(level: float) -> np.ndarray:
        j = np.clip((ps <= level).sum(1) - 1, 0, xs.shape[1] - 2)
        dp = ps[rows, j + 1] - ps[rows, j]
        x = xs[rows, j] + (xs[rows, j + 1] - xs[rows, j]) * np.divide(
            level - ps[rows, j], dp, out=np.zeros(n), where=dp > 0
        )
        return np.where(count, np.ceil(x - 0.5), x)

    pit = np.where(count, (cdf_at(np.floor(y) - 0.5) + cdf_at(np.floor(y) + 0.5)) / 2, cdf_at(y))
    scores, covered = {}, {}
    for percent in ranges.INTERVALS:
        alpha = 1 - percent / 100
        lower, upper = inverse(alpha / 2), inverse(1 - alpha / 2)
        scores[percent] = upper - lower + 2 / alpha * (np.maximum(lower - y, 0) + np.maximum(y - upper, 0))
        covered[percent] = (lower <= y) & (y <= upper)
    histogram = np.bincount(np.minimum((pit * 10).astype(int), 9), minlength=10)
    return {"crps": crps, "pit": pit, "is": scores, "covered": {p: int(v.sum()) for p, v in covered.items()},
            "histogram": histogram.tolist()}  # fmt: skip


def _median(repeat: int, work: Callable[[], object]) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def run(n: int = N, repeat: int = REPEAT) -> dict[str, Any]:
    knots, y, rows = synthetic(n)
    ours, bare = library(knots, y), floor(knots, y)
    # The same numbers, or the comparison means nothing.
    assert np.allclose(ours["crps"], bare["crps"], rtol=1e-9, atol=1e-9)
    assert np.allclose(ours["pit"], bare["pit"], rtol=0, atol=1e-12)
    assert all(np.allclose(ours["is"][p], bare["is"][p], rtol=1e-12, atol=1e-9) for p in ranges.INTERVALS)
    assert [c.hits for c in ours["coverage"]] == [bare["covered"][p] for p in ranges.INTERVALS]
    assert ours["histogram"] == bare["histogram"]
    library_time = _median(repeat, lambda: library(knots, y))
    floor_time = _median(repeat, lambda: floor(knots, y))
    whole_time = _median(max(1, repeat // 3), lambda: numeric.score_rows(rows))
    ratio = library_time["median"] / floor_time["median"]
    return {
        "n": n,
        "timings": {"ranges.library": library_time, "ranges.floor": floor_time, "ranges.score_rows": whole_time},
        "ratio": ratio,
        "target": {
            "target": f"Scoring {n:,} numeric forecasts / NumPy floor",
            "size": "-",
            "key": "ratio.ranges",
            "value": ratio,
            "limit": LIMIT,
            "kind": "max",
            "met": ratio <= LIMIT,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--repeat", type=int, default=REPEAT)
    args = parser.parse_args(argv)
    result = run(args.n, args.repeat)
    timings = result["timings"]
    print(json.dumps({k: round(v["median"], 4) for k, v in timings.items()} | {"ratio": round(result["ratio"], 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
