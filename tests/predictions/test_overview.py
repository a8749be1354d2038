"""Reader summaries (predictions/overview.py), trajectories (predictions/trajectory.py) and the ledger
reads added for the dashboard, with a fixed `today` passed in."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from dashboard_fixtures import OBSERVATIONS, build_rich_database, claim_ids

from predictions import ledger, overview, reminders, trajectory
from predictions.progress import Status, fit_line, project

TODAY = date(2026, 6, 1)


def row(claim_id: int, status: str, deadline: str | None, **fields: Any) -> dict[str, Any]:
    state = Status(status).state
    return {
        "id": claim_id,
        "statement": fields.pop("statement", f"claim {claim_id}"),
        "status": status,
        "state": state,
        "deadline": deadline,
        "claimant": fields.pop("claimant", "Pascal"),
        "attribution": fields.pop("attribution", "author"),
        "tags": fields.pop("tags", []),
        "source": fields.pop("source", None),
        **fields,
    }


ROWS = [
    row(1, "on track", "2026-06-15", tags=["ai"]),
    row(2, "at risk", "2026-08-30", tags=["ai", "mobility"], claimant="eHang", attribution="reported_projection"),
    row(3, "behind", "2027-05-01", tags=["energy"]),
    row(4, "awaiting verdict", "2025-12-31", tags=["ai"]),
    row(5, "awaiting verdict", "2025-06-30"),
    row(6, "resolved true", "2025-12-31", tags=["mobility"]),
    row(7, "not checkable", None, source={"title": "Issue 1", "published_on": "2024-12-31", "url": None}),
    row(8, "no data", "2026-06-01"),
]


def test_headline_counts_each_state_and_what_is_due_within_ninety_days() -> None:
    head = overview.headline(ROWS, TODAY)
    assert (head.claims, head.open, head.overdue, head.resolved) == (8, 5, 2, 1)
    assert head.due_soon == 3  # 2026-06-01 (today), 2026-06-15 and 2026-08-30; not 2027-05-01
    assert head.not_checkable == 1 and head.undated == 1
    assert head.by_status["awaiting verdict"] == 2 and sum(head.by_status.values()) == 8


def test_filters_combine_and_match_any_chosen_value_within_a_facet() -> None:
    def ids(claim_filter: overview.ClaimFilter) -> list[int]:
        return [int(r["id"]) for r in overview.filter_claims(ROWS, claim_filter)]

    assert ids(overview.ClaimFilter()) == list(range(1, 9))
    assert ids(overview.ClaimFilter(topics=("ai",))) == [1, 2, 4]
    assert ids(overview.ClaimFilter(topics=("ai", "energy"))) == [1, 2, 3, 4]
    assert ids(overview.ClaimFilter(topics=("ai",), statuses=("overdue",))) == [4]
    assert ids(overview.ClaimFilter(statuses=("open",))) == [1, 2, 3, 7, 8]
    assert ids(overview.ClaimFilter(claimants=("eHang",))) == [2]
    assert ids(overview.ClaimFilter(attributions=("reported_projection",))) == [2]
    assert ids(overview.ClaimFilter(sources=("Issue 1 (2024-12-31)",))) == [7]
    assert ids(overview.ClaimFilter(deadline_from=date(2026, 1, 1), deadline_to=date(2026, 12, 31))) == [1, 2, 8]
    assert not overview.ClaimFilter().active and overview.ClaimFilter(deadline_to=TODAY).active


def test_filter_options_list_what_is_present() -> None:
    options = overview.filter_options(ROWS)
    assert options.topics == ["ai", "energy", "mobility"]
    assert options.claimants == ["Pascal", "eHang"]  # most claims first
    assert options.attributions == ["author", "reported_projection"]
    assert options.statuses[:3] == ["open", "overdue", "resolved"] and "awaiting verdict" in options.statuses
    assert options.sources == ["(no source)", "Issue 1 (2024-12-31)"]


def test_deadline_buckets_are_soonest_first_and_exclude_resolved_claims() -> None:
    assert [r["id"] for r in overview.due_within(ROWS, TODAY, 30)] == [8, 1]
    assert [r["id"] for r in overview.due_within(ROWS, TODAY, 90)] == [8, 1, 2]
    assert [r["id"] for r in overview.due_within(ROWS, TODAY, 365)] == [8, 1, 2, 3]
    assert [r["id"] for r in overview.overdue(ROWS)] == [5, 4]
    assert overview.deadline_counts(ROWS, TODAY) == {
        "within 30 days": 2,
        "within 90 days": 3,
        "within 365 days": 4,
        "overdue": 2,
    }
    assert overview.days_to_deadline(ROWS[0], TODAY) == 14
    assert overview.days_to_deadline(ROWS[6], TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14", 14),
        (" #14 ", 14),
        ("0", None),
        ("-3", None),
        ("abc", None),
        ("1; DROP TABLE claims", None),
        ("1 OR 1=1", None),
        ("١٤", None),  # non-ASCII digits
        ("9" * 30, None),
        (None, None),
    ],
)
def test_parse_claim_id_accepts_positive_integers_only(text: object, expected: int | None) -> None:
    assert overview.parse_claim_id(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2025-12-31", date(2025, 12, 31)), ("2025-13-01", None), ("yesterday", None), ("", None), (None, None)],
)
def test_parse_iso_date_never_raises(text: object, expected: date | None) -> None:
    assert overview.parse_iso_date(text) == expected


def test_search_claims_by_id_or_words() -> None:
    rows = [row(1, "on track", None, statement="Robotaxis in 65 cities"), row(2, "on track", None, statement="KPIs")]
    assert [r["id"] for r in overview.search_claims(rows, "")] == [2, 1]
    assert [r["id"] for r in overview.search_claims(rows, "#1")] == [1]
    assert [r["id"] for r in overview.search_claims(rows, "cities robotaxis")] == [1]
    assert overview.search_claims(rows, "nothing like it") == []


def test_reminder_label() -> None:
    assert overview.reminder_label(None) == overview.NO_REMINDERS
    assert overview.reminder_label({}) == overview.NO_REMINDERS
    state = {"last_step_sent": "7d", "last_sent_at": datetime(2026, 5, 25, 8), "pending": 1, "failed": 0}
    assert overview.reminder_label(state) == "last sent: 7d on 2026-05-25, 1 pending"


# --- trajectories --------------------------------------------------------------------------------


def claim(**overrides: Any) -> dict[str, Any]:
    base = {
        "id": 1,
        "statement": "s",
        "metric": "m",
        "unit": "u",
        "comparator": ">=",
        "target": 100.0,
        "baseline": None,
        "baseline_on": None,
        "made_on": date(2025, 1, 1),
        "deadline": date(2026, 1, 1),
    }
    return {**base, **overrides}


def test_trajectory_projection_ends_at_the_deadline_with_the_projected_value() -> None:
    points = [(date(2025, 2, 1), 10.0), (date(2025, 4, 1), 25.0), (date(2025, 6, 1), 38.0), (date(2025, 8, 1), 55.0)]
    obs = [{"observed_on": d, "value": v, "id": i} for i, (d, v) in enumerate(points)]
    t = trajectory.build(claim(), list(reversed(obs)), "behind")
    assert [p.value for p in t.points] == [10.0, 25.0, 38.0, 55.0]
    assert [p.percent for p in t.points] == pytest.approx([10.0, 25.0, 38.0, 55.0])
    expected = project(claim(), fit_line([d for d, _ in points], [v for _, v in points]), 55.0, date(2025, 8, 1))
    assert expected is not None
    assert t.projection[0].day == date(2025, 8, 1) and t.projected is not None
    assert t.projected.day == date(2026, 1, 1)
    assert t.projected.value == pytest.approx(expected.value)
    assert (t.projected.low, t.projected.high) == pytest.approx((expected.low, expected.high))
    assert t.has_band
    widths = [p.high - p.low for p in t.projection if p.high is not None and p.low is not None]
    assert widths == sorted(widths)  # the band widens away from the data


def test_trajectory_percent_counts_from_the_baseline() -> None:
    t = trajectory.build(
        claim(baseline=20.0, baseline_on=date(2024, 12, 1)), [{"observed_on": date(2025, 6, 1), "value": 60.0}], "x"
    )
    assert t.points[0].percent == pytest.approx(50.0)
    assert not t.has_band  # a line through the baseline and one point has no interval
    assert t.projected is not None and t.projected.day == date(2026, 1, 1)


def test_trajectory_without_values_has_no_projection() -> None:
    t = trajectory.build(claim(), [{"observed_on": date(2025, 6, 1), "value": None, "note": "text only"}], "no data")
    assert t.points == [] and t.projection == [] and t.projected is None


# --- ledger reads for the dashboard --------------------------------------------------------------


def test_threshold_trajectories_read_every_threshold_claim(db_path: Path) -> None:
    ids = build_rich_database(db_path, today=TODAY)
    found = {t.claim_id: t for t in ledger.threshold_trajectories(db_path, TODAY)}
    for key, values in OBSERVATIONS.items():
        assert [(p.day, p.value) for p in found[ids[key]].points] == [(d, float(v)) for d, v in values]
    views = {v.id: v for v in ledger.list_claims(db_path, TODAY)}
    assert set(found) == {i for i, v in views.items() if v["kind"] == "threshold"}
    for claim_id, t in found.items():
        assert t.status == views[claim_id].status.value


def test_claim_trajectory_and_resolution_in_force(db_path: Path) -> None:
    ids = build_rich_database(db_path, today=TODAY)
    detail = ledger.get_claim(db_path, ids["neo-bci-30-implantations-2025"], TODAY)
    t = ledger.claim_trajectory(detail)
    assert t is not None and len(t.points) == 3 and t.status == "resolved true"
    assert detail.projection is not None and t.projected is not None
    assert t.projected.value == pytest.approx(detail.projection.value)
    current = ledger.resolution_in_force(detail)
    assert current is not None and current["outcome"] == "true"
    ledger.undo_resolution(db_path, detail.view.id, "test")
    assert ledger.resolution_in_force(ledger.get_claim(db_path, detail.view.id, TODAY)) is None
    binary = ledger.get_claim(db_path, ids["china-economy-peak-2025"], TODAY)
    assert ledger.claim_trajectory(binary) is None


def test_reminder_states_are_empty_before_any_reminder(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    assert reminders.reminder_states(db_path) == {}
    assert claim_ids(db_path)["robotaxi-cities-2025"] > 0
