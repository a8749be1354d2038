"""Deadline normalisation: a time phrase becomes the last day of the period it names, with its precision."""

from __future__ import annotations

from datetime import date

import pytest

from predictions.deadlines import DeadlinePhraseError, normalise_deadline, parse_deadline_strict
from predictions.models import Precision
from predictions.seed import prepare, read_seed_text

ISSUE = date(2024, 12, 31)  # the December 2024 issue
MID_YEAR_ISSUE = date(2025, 6, 15)

Y, H, Q, M, D = Precision.YEAR, Precision.HALF, Precision.QUARTER, Precision.MONTH, Precision.DAY


@pytest.mark.parametrize(
    ("phrase", "issue", "on", "precision"),
    [
        ("in 2025", ISSUE, date(2025, 12, 31), Y),
        ("In 2025.", ISSUE, date(2025, 12, 31), Y),
        ("by 2030", ISSUE, date(2030, 12, 31), Y),
        ("by 2035 or earlier", ISSUE, date(2035, 12, 31), Y),
        ("starting in 2025", ISSUE, date(2025, 12, 31), Y),
        ("by the end of 2027", ISSUE, date(2027, 12, 31), Y),
        ("first half of 2025", ISSUE, date(2025, 6, 30), H),
        ("in the first half of 2025", ISSUE, date(2025, 6, 30), H),
        ("the second half of 2026", ISSUE, date(2026, 12, 31), H),
        ("H1 2026", ISSUE, date(2026, 6, 30), H),
        ("h2 2025", ISSUE, date(2025, 12, 31), H),
        ("Q1 2025", ISSUE, date(2025, 3, 31), Q),
        ("by the third quarter of 2025", ISSUE, date(2025, 9, 30), Q),
        ("March 2025", ISSUE, date(2025, 3, 31), M),
        ("by Feb. 2028", ISSUE, date(2028, 2, 29), M),  # leap year
        ("2025-02", ISSUE, date(2025, 2, 28), M),
        ("2025-07-14", ISSUE, date(2025, 7, 14), D),
        # relative phrases are read against the issue's date
        ("next year", ISSUE, date(2025, 12, 31), Y),
        ("next year", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
        ("by the end of the year", ISSUE, date(2024, 12, 31), Y),
        ("by the end of the year", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
        ("this year", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
        ("the first half of next year", ISSUE, date(2025, 6, 30), H),
        ("second half of next year", MID_YEAR_ISSUE, date(2026, 12, 31), H),
        ("next month", ISSUE, date(2025, 1, 31), M),
        ("next month", date(2025, 1, 31), date(2025, 2, 28), M),
        ("this month", MID_YEAR_ISSUE, date(2025, 6, 30), M),
        ("within two years", ISSUE, date(2026, 12, 31), Y),
        ("in 5 years", MID_YEAR_ISSUE, date(2030, 12, 31), Y),
        ("the next three years", ISSUE, date(2027, 12, 31), Y),
        ("the next decade", ISSUE, date(2034, 12, 31), Y),
    ],
)
def test_phrase_becomes_the_end_of_its_period(phrase: str, issue: date, on: date, precision: Precision) -> None:
    deadline = normalise_deadline(phrase, issue)
    assert (deadline.on, deadline.precision) == (on, precision)
    assert deadline.phrase == phrase  # the original wording is kept
    assert deadline.checkable
    assert parse_deadline_strict(phrase, issue).on == on


@pytest.mark.parametrize(
    "phrase",
    [
        "very soon",
        "mid-term",
        "in the mid-term",
        "imminent",
        "",
        "   ",
        "someday",
        "in many years",
        "2025-13",
        "Q5 2025",
    ],
)
def test_phrase_without_a_usable_period_is_not_checkable(phrase: str) -> None:
    deadline = normalise_deadline(phrase, ISSUE)
    assert deadline.on is None and deadline.precision is None
    assert not deadline.checkable
    with pytest.raises(DeadlinePhraseError, match="no usable deadline"):
        parse_deadline_strict(phrase, ISSUE)


@pytest.mark.parametrize(
    ("phrase", "issue"),
    [
        ("in 2020", ISSUE),  # a period that ended before the issue is no deadline for a forecast
        ("2024-06-01", ISSUE),
        ("Q1 2025", MID_YEAR_ISSUE),
        ("0000-05", ISSUE),  # year 0 does not exist
        ("next year", date(9999, 6, 1)),  # would be year 10000
        ("in 50 years", date(9990, 1, 1)),
    ],
)
def test_impossible_or_past_periods_give_no_deadline_and_never_raise(phrase: str, issue: date) -> None:
    deadline = normalise_deadline(phrase, issue)
    assert deadline.on is None and not deadline.checkable


SEED = """
source:
  title: "An issue"
  published_on: 2024-12-31
claims:
  - key: "soon"
    statement: "Something happens very soon."
    quote: "Something will happen very soon."
    claimant: "Pascal Coppens"
    attribution: "author"
    deadline_text: "very soon"
    hedge: "will"
    resolution_criteria: "It happens."
    tags: ["misc"]
  - key: "next-year"
    statement: "Something else happens next year."
    quote: "Something else is set to happen next year."
    claimant: "Pascal Coppens"
    attribution: "author"
    deadline_text: "next year"
    hedge: "is set to"
    resolution_criteria: "It happens."
    tags: ["misc"]
"""


def test_a_claim_without_usable_deadline_is_kept_and_flagged() -> None:
    prepared = {p.claim.external_id: p.claim for p in prepare(read_seed_text(SEED), "issue")}
    soon, next_year = prepared["seed:issue:soon"], prepared["seed:issue:next-year"]
    assert soon.deadline is None and soon.deadline_precision is None
    assert soon.flags == ["not_checkable"] and not soon.checkable
    assert soon.deadline_text == "very soon"
    assert (next_year.deadline, next_year.deadline_precision) == (date(2025, 12, 31), Precision.YEAR)
    assert next_year.flags == [] and next_year.checkable
