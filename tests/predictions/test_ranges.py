"""Parity tests of the range scores (predictions.ranges) against independent computations: the normal
CRPS's closed form, numerical integration of the piecewise-linear CRPS, a whole-number sum for counts,
the interval score and coverage by hand, and scoringrules' interval score (the paper's weights)."""

from __future__ import annotations

import bisect
import itertools
import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predictions import ranges

NORMAL_CRPS_AT_MEAN = 0.23369497725510913  # σ·[z(2Φ(z) − 1) + 2φ(z) − 1/√π] at z = 0, σ = 1


def phi(z: float) -> float:
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def big_phi(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def normal_crps(mu: float, sigma: float, y: float) -> float:
    z = (y - mu) / sigma
    return sigma * (z * (2 * big_phi(z) - 1) + 2 * phi(z) - 1 / math.sqrt(math.pi))


def normal_grid(mu: float, sigma: float, points: int = 200_001) -> ranges.Knots:
    """A dense piecewise-linear CDF through the normal's own values (tails cut at ±9σ, where Φ < 1e-18)."""
    z = np.linspace(-9.0, 9.0, points)
    ps = np.array([big_phi(v) for v in z])
    ps[0], ps[-1] = 0.0, 1.0
    return ranges.Knots((mu + sigma * z)[None, :], ps[None, :], np.array([False]))


def test_normal_crps_closed_form_at_the_mean() -> None:
    assert normal_crps(0.0, 1.0, 0.0) == pytest.approx(NORMAL_CRPS_AT_MEAN, abs=1e-15)
    got = ranges.crps(normal_grid(0.0, 1.0), np.array([0.0]))[0]
    assert abs(got - NORMAL_CRPS_AT_MEAN) < 1e-9


@pytest.mark.parametrize(
    ("mu", "sigma", "y"), [(0.0, 1.0, 1.3), (10.0, 2.5, 4.0), (-3.0, 0.5, -3.2), (100.0, 30.0, 190.0)]
)
def test_normal_crps_closed_form_elsewhere(mu: float, sigma: float, y: float) -> None:
    got = ranges.crps(normal_grid(mu, sigma), np.array([y]))[0]
    assert abs(got - normal_crps(mu, sigma, y)) < 1e-9 * max(1.0, sigma)


def _scalar_cdf(xs: list[float], ps: list[float], x: float) -> float:
    """F(x) of a piecewise-linear CDF, one point at a time (bisect, no numpy)."""
    if x < xs[0]:
        return 0.0
    if x >= xs[-1]:
        return 1.0
    j = bisect.bisect_right(xs, x) - 1
    a, b = xs[j], xs[j + 1]
    return ps[j + 1] if b == a else ps[j] + (ps[j + 1] - ps[j]) * (x - a) / (b - a)


def _simpson_crps(xs: list[float], ps: list[float], y: float) -> float:
    """∫ (F(x) − 1{x ≥ y})² dx by Simpson's rule on each piece between knots and y (the integrand is a
    quadratic on each piece, where Simpson's rule is exact), over the whole span where it is not zero."""
    cuts = sorted({*xs, y})
    total = 0.0
    for s, t in itertools.pairwise(cuts):
        if t <= s:
            continue

        def g(x: float) -> float:
            return (_scalar_cdf(xs, ps, x) - (1.0 if x >= y else 0.0)) ** 2

        # evaluate strictly inside the piece so that a jump at its ends is not read
        e = (t - s) * 1e-12
        total += (t - s) / 6.0 * (g(s + e) + 4 * g((s + t) / 2) + g(t - e))
    return total


def _random_range(rng: random.Random) -> tuple[dict[int, float], tuple[float | None, float | None]]:
    levels = sorted(rng.sample(range(5, 96), rng.randint(3, 7)))
    start = rng.uniform(-50, 500)
    values, x = [], start
    for _ in levels:
        x += rng.uniform(0.5, 300)
        values.append(round(x, rng.choice([0, 2, 6])))
    bounds = (start + rng.uniform(-20, 30), None) if rng.random() < 0.5 else (None, None)
    if bounds[0] is not None and bounds[0] > values[0]:
        bounds = (values[0], None)  # a tail stopped right at the lowest quantile: an atom at the bound
    return dict(zip(levels, values, strict=True)), bounds


def test_piecewise_linear_crps_matches_numerical_integration_on_1000_cases() -> None:
    rng = random.Random(26)
    worst = 0.0
    for _ in range(1000):
        quantiles, bounds = _random_range(rng)
        knots = ranges.knots_of(quantiles, bounds)
        xs, ps = list(knots.xs[0]), list(knots.ps[0])
        y = rng.uniform(xs[0] - 200, xs[-1] + 200) if rng.random() < 0.9 else rng.choice(xs)
        got = ranges.crps(knots, np.array([y]))[0]
        expected = _simpson_crps(xs, ps, y)
        worst = max(worst, abs(got - expected) / max(1.0, abs(expected)))
    assert worst < 1e-9


def _count_crps_by_cells(xs: list[float], ps: list[float], y: float) -> float:
    """∫ (F_d(x) − 1{x ≥ y})² dx for F_d(x) = F(⌊x⌋ + ½), one whole-number cell at a time."""
    first = math.floor(min(xs[0], y)) - 2
    last = math.ceil(max(xs[-1], y)) + 2
    total = 0.0
    for k in range(first, last + 1):
        q = _scalar_cdf(xs, ps, k + 0.5)
        below = min(max(y - k, 0.0), 1.0)  # share of [k, k+1) left of y
        total += q * q * below + (q - 1.0) ** 2 * (1.0 - below)
    return total


def test_count_crps_matches_a_sum_over_whole_numbers() -> None:
    rng = random.Random(2026)
    worst = 0.0
    for _ in range(500):
        quantiles, bounds = _random_range(rng)
        knots = ranges.knots_of(quantiles, bounds, count=True)
        xs, ps = list(knots.xs[0]), list(knots.ps[0])
        y = float(rng.randint(math.floor(xs[0]) - 50, math.ceil(xs[-1]) + 50))
        if rng.random() < 0.2:
            y += rng.random()  # an outcome between whole numbers is scored too
        got = ranges.crps(knots, np.array([y]))[0]
        expected = _count_crps_by_cells(xs, ps, y)
        worst = max(worst, abs(got - expected) / max(1.0, abs(expected)))
    assert worst < 1e-9


def test_count_distribution_is_a_probability_mass_function() -> None:
    knots = ranges.knots_of({10: 800, 50: 2500, 90: 6000}, (0.0, None), count=True)
    ks, mass = ranges.pmf(knots)
    assert np.all(ks == np.round(ks)) and np.all(mass >= 0)
    assert mass.sum() == pytest.approx(1.0, abs=1e-12)
    # The mean of the mass function against the piecewise-linear CDF's own mean (∫ x dF, segment midpoints).
    xs, ps = knots.xs[0], knots.ps[0]
    continuous_mean = float(np.sum((xs[1:] + xs[:-1]) / 2 * np.diff(ps)))
    assert float(np.sum(ks * mass)) == pytest.approx(continuous_mean, abs=0.5)


def test_tails_follow_the_documented_rule() -> None:
    knots = ranges.knots_of({10: 800, 50: 2500, 90: 6000}, (0.0, None))
    # below p10 the first segment's density (0.4 per 1,700) carries on to F = 0; above p90 the last one's
    assert knots.xs[0].tolist() == pytest.approx([800 - 0.1 * 1700 / 0.4, 800, 2500, 6000, 6000 + 0.1 * 3500 / 0.4])
    stopped = ranges.knots_of({10: 20, 50: 200, 90: 300}, (0.0, None))
    assert stopped.xs[0, 0] == 0.0  # 20 − 0.1·180/0.4 = −25 is below 0: the tail stops at 0
    # P(X ≥ 0) is 1 and P(X < 20) is 10%: the stopped tail's probability lies between 0 and 20
    assert ranges.probability_of(stopped, ">=", 0.0)[0] == 1.0
    assert ranges.probability_of(stopped, "<", 20.0)[0] == pytest.approx(0.1)


def test_interval_score_against_a_hand_computation() -> None:
    # 80% interval of {10: 800, 50: 2500, 90: 6000} is [800, 6000]; outcome 10 is 790 below it:
    # (6000 − 800) + (2 / 0.2)·790 = 5200 + 7900 = 13100
    knots = ranges.knots_of({10: 800, 50: 2500, 90: 6000}, (0.0, None))
    scores = ranges.score(knots, np.array([10.0]))
    assert scores.lower[80][0] == pytest.approx(800) and scores.upper[80][0] == pytest.approx(6000)
    assert scores.interval_scores[80][0] == pytest.approx(13100.0)
    # 50% interval: p25 = 800 + 0.15/0.4·1700 = 1437.5, p75 = 2500 + 0.25/0.4·3500 = 4687.5; 10 below:
    # (4687.5 − 1437.5) + (2 / 0.5)·(1437.5 − 10) = 3250 + 5710 = 8960
    assert scores.interval_scores[50][0] == pytest.approx(8960.0)
    # inside the interval only the width counts; above it the overshoot
    assert ranges.interval_score(np.array([1.0]), np.array([3.0]), np.array([2.0]), 0.1)[0] == 2.0
    assert ranges.interval_score(np.array([1.0]), np.array([3.0]), np.array([4.0]), 0.1)[0] == 2.0 + 20.0


def test_interval_score_agrees_with_scoringrules() -> None:
    import scoringrules

    rng = np.random.default_rng(7)
    lower = rng.uniform(0, 10, 200)
    upper = lower + rng.uniform(0, 10, 200)
    y = rng.uniform(-5, 25, 200)
    for alpha in (0.5, 0.2, 0.1):
        ours = ranges.interval_score(lower, upper, y, alpha)
        theirs = np.asarray(scoringrules.interval_score(y, lower, upper, alpha, backend="numpy"))
        assert np.allclose(ours, theirs, rtol=0, atol=1e-9)


def test_pit_and_percentile_words() -> None:
    knots = ranges.knots_of({10: 800, 50: 2500, 90: 6000}, (0.0, None))
    assert ranges.pit(knots, np.array([2500.0]))[0] == pytest.approx(0.5)
    assert ranges.pit(knots, np.array([10.0]))[0] == 0.0  # below the stopped tail's start (375)
    count = ranges.knots_of({10: 10, 50: 20, 90: 30}, (0.0, None), count=True)
    # mid-PIT at 20: ½(F(19.5) + F(20.5)) = ½(0.5 − 0.02 + 0.5 + 0.02)
    assert ranges.pit(count, np.array([20.0]))[0] == pytest.approx(0.5)
    assert ranges.percentile_words(0.12) == "the 12th percentile"
    assert ranges.percentile_words(0.011) == "the 1st percentile"
    assert ranges.percentile_words(0.113) == "the 11th percentile"


def test_coverage_against_a_count_by_hand() -> None:
    quantiles = {5: 10.0, 25: 20.0, 50: 30.0, 75: 40.0, 95: 50.0}
    outcomes = [22.0, 35.0, 12.0, 49.0, 55.0, 30.0, 5.0]
    # 50% interval [20, 40]: 22, 35, 30 inside (3 of 7); 90% interval [10, 50]: all but 55 and 5 (5 of 7)
    knots = ranges.stack([quantiles] * len(outcomes), [(0.0, None)] * len(outcomes), [False] * len(outcomes))
    scores = ranges.score(knots, np.array(outcomes))
    table = {c.percent: c for c in ranges.coverage(scores.covered)}
    assert (table[50].n, table[50].hits) == (7, 3)
    assert (table[90].n, table[90].hits) == (7, 5)
    # Wilson 95% for 3 of 7, by its formula
    z, n, p = 1.959963984540054, 7, 3 / 7
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert table[50].low == pytest.approx(centre - half) and table[50].high == pytest.approx(centre + half)
    assert ranges.pit_histogram(np.array([0.0, 0.05, 0.1, 0.99, 1.0])) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_stacked_rows_score_as_single_ranges() -> None:
    rng = random.Random(5)
    rows, bounds, counts, ys = [], [], [], []
    for _ in range(200):
        quantiles, bound = _random_range(rng)
        rows.append(quantiles)
        bounds.append(bound)
        counts.append(rng.random() < 0.3)
        ys.append(float(rng.randint(-100, 2500)))
    stacked = ranges.score(ranges.stack(rows, bounds, counts), np.array(ys))
    for i in range(200):
        single = ranges.score(ranges.knots_of(rows[i], bounds[i], count=counts[i]), np.array([ys[i]]))
        assert stacked.crps[i] == pytest.approx(single.crps[0], rel=1e-12, abs=1e-9)
        assert stacked.pit[i] == pytest.approx(single.pit[0], abs=1e-12)
        for percent in ranges.INTERVALS:
            assert stacked.interval_scores[percent][i] == pytest.approx(single.interval_scores[percent][0], abs=1e-9)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("10=800,50=700,90=6000", "quantiles must increase: p50 = 700 is not above p10 = 800"),
        ("10=800,90=6000", "a range needs at least 3 quantiles"),
        ("1=5,50=10,90=20", "quantile level 1 is outside p5…p95"),
        ("10=-5,50=10,90=20", "p10 = -5 is below 0, the least the metric can be"),
        ("10=800,50,90=6000", "quantile '50' is not LEVEL=VALUE"),
        ("10=800,50=x,90=6000", "quantile 50's value 'x' is not a number"),
        ("10=1,10=2,90=3", "quantile 10 is given twice"),
    ],
)
def test_bad_ranges_are_refused_in_one_line(text: str, problem: str) -> None:
    with pytest.raises(ranges.RangeError) as error:
        ranges.check_quantiles(ranges.parse_quantiles(text), (0.0, None))
    assert problem in str(error.value)
    assert "\n" not in str(error.value)


def test_what_is_a_count() -> None:
    assert ranges.is_count({"unit": "cities", "target": 65})
    assert ranges.is_count({"unit": "flying taxis", "target": 10000})
    assert not ranges.is_count({"unit": "%", "target": 30})
    assert not ranges.is_count({"unit": "GW", "target": 100})
    assert not ranges.is_count({"unit": "USD bn", "target": 5})
    assert not ranges.is_count({"unit": "cities", "target": 6.5})


# --- properties -----------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_is_read_as_quantiles_or_refused_in_one_line(text: str) -> None:
    try:
        parsed = ranges.parse_quantiles(text)
        ranges.check_quantiles(parsed, (0.0, None))
    except ValueError as error:  # a RangeError, or numbers.check_value's (not finite, too large)
        assert "\n" not in str(error)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(0.5, 1e6), min_size=3, max_size=7),
    st.sampled_from([(10, 50, 90), (5, 25, 50, 75, 95), (5, 10, 50, 90, 95), (5, 20, 40, 60, 80, 90, 95)]),
    st.floats(-1e6, 3e6),
    st.booleans(),
)
def test_every_range_is_a_distribution_with_sane_scores(
    gaps: list[float], levels: tuple[int, ...], y: float, count: bool
) -> None:
    chosen = list(levels)[: len(gaps)]
    if len(chosen) < 3:
        return
    values = [float(v) for v in np.cumsum(gaps[: len(chosen)])]
    knots = ranges.knots_of(dict(zip(chosen, values, strict=True)), (0.0, None), count=count)
    xs, ps = knots.xs[0], knots.ps[0]
    assert np.all(np.diff(xs) >= 0) and ps[0] == 0 and ps[-1] == 1 and xs[0] >= 0
    grid = np.linspace(xs[0] - 10, xs[-1] + 10, 50)
    cdf = [ranges.cdf(knots, np.array([x]))[0] for x in grid]
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(cdf))  # non-decreasing, 0 to 1
    assert cdf[0] == 0 and cdf[-1] == 1
    scores = ranges.score(knots, np.array([y]))
    assert scores.crps[0] >= 0 and 0 <= scores.pit[0] <= 1
    for percent in ranges.INTERVALS:
        width = scores.upper[percent][0] - scores.lower[percent][0]
        assert width >= 0 and scores.interval_scores[percent][0] >= width - 1e-9
    # beyond the support, the CRPS grows one for one with the distance
    far, farther = (ranges.crps(knots, np.array([xs[-1] + d]))[0] for d in (10.0, 110.0))
    assert farther - far == pytest.approx(100.0, rel=1e-9)
