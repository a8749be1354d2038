"""Derived status and projections: hand-made rows with a given `today`, fits against numpy.polyfit."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from predictions import ledger
from predictions.models import ClaimIn, ObservationIn
from predictions.progress import (
    EPOCH,
    Status,
    claim_status,
    fit_line,
    project,
    share_of_target,
    summary_projection,
)

TODAY = date(2025, 6, 1)


def row(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "binary",
        "deadline": date(2025, 12, 31),
        "outcome": None,
        "n_observations": 0,
        "probability": 0.7,
        "target": None,
        "baseline": None,
        "comparator": None,
    }
    return {**base, **fields}


def threshold(**fields: Any) -> dict[str, Any]:
    return row(
        **{"kind": "threshold", "metric": "cities", "target": 65.0, "baseline": 15.0, "comparator": ">=", **fields}
    )


def projected(value: float, deadline: date = date(2025, 12, 31)) -> Any:
    return project({"deadline": deadline}, None, value, TODAY)


# --- status ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["true", "false", "partial", "ambiguous"])
def test_a_resolution_decides_the_status_even_after_the_deadline(outcome: str) -> None:
    status = claim_status(row(outcome=outcome, deadline=date(2020, 1, 1)), TODAY)
    assert status is Status(f"resolved {outcome}")
    assert status.state == "resolved"


def test_no_deadline_is_not_checkable() -> None:
    assert claim_status(row(deadline=None, n_observations=3), TODAY) is Status.NOT_CHECKABLE
    assert Status.NOT_CHECKABLE.state == "open"


def test_overdue_only_once_the_deadline_has_passed() -> None:
    assert claim_status(row(deadline=TODAY - timedelta(days=1)), TODAY) is Status.AWAITING_VERDICT
    assert Status.AWAITING_VERDICT.state == "overdue"
    assert claim_status(row(deadline=TODAY), TODAY) is Status.OPEN  # the deadline day itself is still open
    projection = projected(70.0, TODAY - timedelta(days=1))
    assert claim_status(threshold(deadline=TODAY - timedelta(days=1)), TODAY, projection) is Status.AWAITING_VERDICT


@pytest.mark.parametrize(
    ("n_observations", "probability", "expected"),
    [
        (0, 0.9, Status.OPEN),
        (0, None, Status.OPEN),
        (2, None, Status.HAS_EVIDENCE),
        (1, 0.95, Status.HAS_EVIDENCE),  # a probability is a belief, not evidence: never "on track"
        (1, 0.39, Status.HAS_EVIDENCE),  # ... nor "behind"
    ],
)
def test_open_binary_claims_are_open_or_have_evidence_whatever_the_probability(
    n_observations: int, probability: float | None, expected: Status
) -> None:
    assert claim_status(row(n_observations=n_observations, probability=probability), TODAY) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (65.0, Status.ON_TRACK),  # meets the target
        (80.0, Status.ON_TRACK),
        (64.9, Status.AT_RISK),  # (64.9 − 15) / (65 − 15) = 99.8% of the way
        (55.0, Status.AT_RISK),  # exactly 80%
        (54.9, Status.BEHIND),
        (10.0, Status.BEHIND),
    ],
)
def test_open_threshold_claims_follow_the_projection(value: float, expected: Status) -> None:
    assert claim_status(threshold(), TODAY, projected(value)) is expected


def test_threshold_without_a_projection_has_no_data() -> None:
    assert claim_status(threshold(), TODAY, None) is Status.NO_DATA


@pytest.mark.parametrize(
    ("value", "expected"), [(45.0, Status.ON_TRACK), (55.0, Status.AT_RISK), (80.0, Status.BEHIND)]
)
def test_a_falling_target(value: float, expected: Status) -> None:
    claim = threshold(target=50.0, baseline=100.0, comparator="<=")  # (55 − 100) / (50 − 100) = 90%
    assert claim_status(claim, TODAY, projected(value)) is expected


def test_strict_comparators_and_a_target_equal_to_the_baseline() -> None:
    assert claim_status(threshold(comparator=">"), TODAY, projected(65.0)) is Status.AT_RISK
    assert claim_status(threshold(comparator=">"), TODAY, projected(65.1)) is Status.ON_TRACK
    assert share_of_target(40.0, {"target": 65.0}) == pytest.approx(40 / 65)  # no baseline: from 0
    assert share_of_target(5.0, {"target": 5.0, "baseline": 5.0, "comparator": ">="}) == 1.0
    assert share_of_target(4.0, {"target": 5.0, "baseline": 5.0, "comparator": ">="}) == 0.0
    assert share_of_target(4.0, {"target": None}) is None


# --- projection ------------------------------------------------------------------------------------

DAYS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 15), date(2025, 4, 1), date(2025, 5, 20)]
VALUES = [15.0, 19.0, 22.5, 30.0, 33.0]
DEADLINE = date(2025, 12, 31)


def x(day: date) -> float:
    return float((day - EPOCH).days)


def test_line_fit_matches_numpy_polyfit_with_a_hand_computed_prediction_interval() -> None:
    fit = fit_line(DAYS, VALUES)
    assert fit is not None
    xs, ys = np.array([x(d) for d in DAYS]), np.array(VALUES)
    slope, intercept = np.polyfit(xs, ys, 1)
    assert fit.slope == pytest.approx(slope, rel=1e-9)
    assert fit.value_at(x(DEADLINE)) == pytest.approx(slope * x(DEADLINE) + intercept, rel=1e-9)

    residuals = ys - (slope * xs + intercept)
    s = math.sqrt(float(residuals @ residuals) / (len(xs) - 2))
    sxx = float(((xs - xs.mean()) ** 2).sum())
    t_975_df3 = 3.182
    expected_half = t_975_df3 * s * math.sqrt(1 + 1 / len(xs) + (x(DEADLINE) - xs.mean()) ** 2 / sxx)
    half = fit.half_width_at(x(DEADLINE))
    assert half == pytest.approx(expected_half, rel=1e-9)

    projection = project({"deadline": DEADLINE}, fit, VALUES[-1], DAYS[-1])
    assert projection is not None
    assert projection.value == pytest.approx(fit.value_at(x(DEADLINE)))
    assert projection.low == pytest.approx(projection.value - expected_half)
    assert projection.high == pytest.approx(projection.value + expected_half)
    assert projection.anchor == (DAYS[-1], VALUES[-1])
    assert projection.value_on(DAYS[0]) == pytest.approx(slope * xs[0] + intercept)


def test_fits_with_too_few_points() -> None:
    assert fit_line([DAYS[0]], [1.0]) is None
    assert fit_line([DAYS[0], DAYS[0]], [1.0, 2.0]) is None  # no spread in time
    two = fit_line(DAYS[:2], VALUES[:2])
    assert two is not None and two.half_width_at(x(DEADLINE)) is None  # no interval from two points


def test_one_observation_and_a_baseline_make_a_line() -> None:
    claim = {"deadline": DEADLINE, "baseline": 15.0, "baseline_on": date(2025, 1, 1)}
    projection = project(claim, None, 25.0, date(2025, 5, 1))
    assert projection is not None
    per_day = 10.0 / (date(2025, 5, 1) - date(2025, 1, 1)).days
    assert projection.value == pytest.approx(15.0 + per_day * (DEADLINE - date(2025, 1, 1)).days)
    assert projection.low is None and projection.high is None


def test_one_observation_without_baseline_stays_flat_and_no_deadline_projects_nothing() -> None:
    flat = project({"deadline": DEADLINE}, None, 25.0, date(2025, 5, 1))
    assert flat is not None and flat.value == 25.0 and flat.fit is None
    assert project({"deadline": None}, None, 25.0, date(2025, 5, 1)) is None
    assert project({"deadline": DEADLINE}, None, None, None) is None


def test_the_sql_statistics_give_the_same_line_as_numpy(db_path: Path) -> None:
    claim = ClaimIn(
        statement="Robotaxis operate in at least 65 Chinese cities",
        kind="threshold",
        metric="cities with robotaxis",
        target=65,
        baseline=15,
        baseline_on=date(2024, 12, 31),
        made_on=date(2024, 12, 31),
        deadline=DEADLINE,
    )
    claim_id = ledger.add_claim(db_path, claim, probability=0.75)
    for day, value in zip(DAYS, VALUES, strict=True):
        ledger.add_observation(db_path, claim_id, ObservationIn(observed_on=day, value=value))
    ledger.add_observation(db_path, claim_id, ObservationIn(observed_on=date(2025, 5, 21), note="a note, no value"))

    xs, ys = np.array([x(d) for d in DAYS]), np.array(VALUES)
    slope, intercept = np.polyfit(xs, ys, 1)
    expected = slope * x(DEADLINE) + intercept
    expected_status = "on track" if expected >= 65 else "at risk" if (expected - 15) / 50 >= 0.8 else "behind"

    view = ledger.list_claims(db_path, today=TODAY)[0]
    assert view.projection is not None
    assert view.projection.value == pytest.approx(expected, rel=1e-9)
    assert view.as_json()["projected_value"] == pytest.approx(expected, rel=1e-9)
    assert view.status.value == expected_status
    assert view["n_observations"] == 6 and view["last_value"] == 33.0

    detail = ledger.get_claim(db_path, claim_id, today=TODAY)
    assert detail.projection is not None
    assert detail.projection.value == pytest.approx(expected, rel=1e-9)
    assert summary_projection(view.row) is not None
    assert ledger.list_claims(db_path, today=DEADLINE + timedelta(days=1))[0].status is Status.AWAITING_VERDICT
