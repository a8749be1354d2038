"""Deadline normalisation: a time phrase becomes the last day of the period it names, with its precision."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from predictions.deadlines import (
    DeadlinePhraseError,
    find_time_phrases,
    is_period_unit,
    normalise_deadline,
    parse_deadline_strict,
)
from predictions.models import Precision
from predictions.seed import prepare, read_seed_text

ISSUE = date(2024, 12, 31)  # the December 2024 issue
MID_YEAR_ISSUE = date(2025, 6, 15)

Y, H, Q, M, D = Precision.YEAR, Precision.HALF, Precision.QUARTER, Precision.MONTH, Precision.DAY


LEAP_DAY = date(2024, 2, 29)
MONTH_END = date(2025, 1, 31)
AUTUMN_ISSUE = date(2026, 11, 20)

# (phrase, the issue date it is read against, deadline, precision): every family
# docs/claims-and-deadlines.md documents, each phrase read as documented there.
PHRASES = [
    # named periods end on their last day
    ("in 2025", ISSUE, date(2025, 12, 31), Y),
    ("In 2025.", ISSUE, date(2025, 12, 31), Y),
    ("by 2030", ISSUE, date(2030, 12, 31), Y),
    ("by 2035 or earlier", ISSUE, date(2035, 12, 31), Y),
    ("by 2028 at the latest", MID_YEAR_ISSUE, date(2028, 12, 31), Y),
    ("starting in 2025", ISSUE, date(2025, 12, 31), Y),
    ("by the end of 2027", ISSUE, date(2027, 12, 31), Y),
    ("end-2027", MID_YEAR_ISSUE, date(2027, 12, 31), Y),
    ("year-end 2027", MID_YEAR_ISSUE, date(2027, 12, 31), Y),
    ("first half of 2025", ISSUE, date(2025, 6, 30), H),
    ("in the first half of 2025", ISSUE, date(2025, 6, 30), H),
    ("the second half of 2026", ISSUE, date(2026, 12, 31), H),
    ("H1 2026", ISSUE, date(2026, 6, 30), H),
    ("h2 2025", ISSUE, date(2025, 12, 31), H),
    ("H2 2026", MID_YEAR_ISSUE, date(2026, 12, 31), H),
    ("2H 2026", MID_YEAR_ISSUE, date(2026, 12, 31), H),
    ("Q1 2025", ISSUE, date(2025, 3, 31), Q),
    ("by Q2 2026", MID_YEAR_ISSUE, date(2026, 6, 30), Q),
    ("in the second quarter of 2026", MID_YEAR_ISSUE, date(2026, 6, 30), Q),
    ("by the third quarter of 2025", ISSUE, date(2025, 9, 30), Q),
    ("2026 Q3", MID_YEAR_ISSUE, date(2026, 9, 30), Q),
    ("3Q 2026", MID_YEAR_ISSUE, date(2026, 9, 30), Q),
    ("March 2025", ISSUE, date(2025, 3, 31), M),
    ("by Feb. 2028", ISSUE, date(2028, 2, 29), M),  # leap year
    ("2025-02", ISSUE, date(2025, 2, 28), M),
    ("2025-07-14", ISSUE, date(2025, 7, 14), D),
    ("by June 30, 2026", MID_YEAR_ISSUE, date(2026, 6, 30), D),
    ("on or before 31 March 2027", MID_YEAR_ISSUE, date(2027, 3, 31), D),
    # parts of years: mid is June 30; early is the first quarter, late the last one
    ("by mid-2027", MID_YEAR_ISSUE, date(2027, 6, 30), H),
    ("by the middle of 2027", MID_YEAR_ISSUE, date(2027, 6, 30), H),
    ("mid 2026", ISSUE, date(2026, 6, 30), H),
    ("early 2027", MID_YEAR_ISSUE, date(2027, 3, 31), Q),
    ("in early 2027", MID_YEAR_ISSUE, date(2027, 3, 31), Q),
    ("late 2027", MID_YEAR_ISSUE, date(2027, 12, 31), Q),
    ("by late 2027", MID_YEAR_ISSUE, date(2027, 12, 31), Q),
    ("early next year", MID_YEAR_ISSUE, date(2026, 3, 31), Q),
    ("later this year", MID_YEAR_ISSUE, date(2025, 12, 31), Q),
    # seasons: the northern hemisphere's meteorological ones
    ("by summer 2027", MID_YEAR_ISSUE, date(2027, 8, 31), Q),
    ("by the summer of 2026", ISSUE, date(2026, 8, 31), Q),
    ("in spring 2026", ISSUE, date(2026, 5, 31), Q),
    ("by autumn 2025", ISSUE, date(2025, 11, 30), Q),
    ("winter 2027", MID_YEAR_ISSUE, date(2028, 2, 29), Q),  # the winter that starts in December 2027
    ("winter 2026/27", MID_YEAR_ISSUE, date(2027, 2, 28), Q),
    ("this summer", MID_YEAR_ISSUE, date(2025, 8, 31), Q),
    ("next summer", MID_YEAR_ISSUE, date(2026, 8, 31), Q),
    ("next summer", ISSUE, date(2025, 8, 31), Q),
    ("by summer", AUTUMN_ISSUE, date(2027, 8, 31), Q),
    # decades
    ("by the end of the decade", MID_YEAR_ISSUE, date(2029, 12, 31), Y),
    ("by the end of the decade", date(2031, 3, 1), date(2039, 12, 31), Y),
    ("this decade", ISSUE, date(2029, 12, 31), Y),
    ("in the 2030s", MID_YEAR_ISSUE, date(2039, 12, 31), Y),
    ("by the late 2020s", MID_YEAR_ISSUE, date(2029, 12, 31), Y),
    ("the early 2030s", MID_YEAR_ISSUE, date(2033, 12, 31), Y),
    # bounds: before / until exclude the period named, by / no later than include it
    ("before 2028", MID_YEAR_ISSUE, date(2027, 12, 31), Y),
    ("by 2028", MID_YEAR_ISSUE, date(2028, 12, 31), Y),
    ("until 2029", MID_YEAR_ISSUE, date(2028, 12, 31), Y),
    ("until the end of 2029", MID_YEAR_ISSUE, date(2029, 12, 31), Y),
    ("no later than March 2027", MID_YEAR_ISSUE, date(2027, 3, 31), M),
    ("before March 2027", MID_YEAR_ISSUE, date(2027, 2, 28), M),
    ("prior to Q3 2026", MID_YEAR_ISSUE, date(2026, 6, 30), Q),
    ("before H2 2026", MID_YEAR_ISSUE, date(2026, 6, 30), H),
    ("by the start of 2027", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
    ("before mid-2027", MID_YEAR_ISSUE, date(2027, 6, 30), H),
    ("before next year", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
    # relative periods: the issue's date plus the period, to the day, precision from the unit
    ("within nine months", MID_YEAR_ISSUE, date(2026, 3, 15), M),
    ("within the next 24 months", MID_YEAR_ISSUE, date(2027, 6, 15), M),
    ("in the next two years", MID_YEAR_ISSUE, date(2027, 6, 15), Y),
    ("over the next five years", MID_YEAR_ISSUE, date(2030, 6, 15), Y),
    ("within a year", MID_YEAR_ISSUE, date(2026, 6, 15), Y),
    ("within the next year", MID_YEAR_ISSUE, date(2026, 6, 15), Y),
    ("in four years' time", MID_YEAR_ISSUE, date(2029, 6, 15), Y),
    ("in four years’ time", MID_YEAR_ISSUE, date(2029, 6, 15), Y),
    ("in a year's time", MID_YEAR_ISSUE, date(2026, 6, 15), Y),
    ("two years from now", MID_YEAR_ISSUE, date(2027, 6, 15), Y),
    ("within two years", ISSUE, date(2026, 12, 31), Y),
    ("in 5 years", MID_YEAR_ISSUE, date(2030, 6, 15), Y),
    ("the next three years", ISSUE, date(2027, 12, 31), Y),
    ("the next decade", ISSUE, date(2034, 12, 31), Y),
    ("within six months", MONTH_END, date(2025, 7, 31), M),
    ("within a month", MONTH_END, date(2025, 2, 28), M),  # no February 31: its last day
    ("within a year", LEAP_DAY, date(2025, 2, 28), Y),
    ("within 12 to 18 months", MID_YEAR_ISSUE, date(2026, 12, 15), M),  # the longer period
    ("in a year and a half", MID_YEAR_ISSUE, date(2026, 12, 15), M),
    ("within two quarters", MID_YEAR_ISSUE, date(2025, 12, 15), Q),
    ("within 90 days", MID_YEAR_ISSUE, date(2025, 9, 13), D),
    ("in three weeks", MID_YEAR_ISSUE, date(2025, 7, 6), D),
    # named relative periods end with the calendar period they name
    ("next year", ISSUE, date(2025, 12, 31), Y),
    ("next year", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
    ("by the end of the year", ISSUE, date(2024, 12, 31), Y),
    ("by the end of the year", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
    ("by year-end", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
    ("this year", MID_YEAR_ISSUE, date(2025, 12, 31), Y),
    ("the year after next", MID_YEAR_ISSUE, date(2027, 12, 31), Y),
    ("the first half of next year", ISSUE, date(2025, 6, 30), H),
    ("second half of next year", MID_YEAR_ISSUE, date(2026, 12, 31), H),
    ("next month", ISSUE, date(2025, 1, 31), M),
    ("next month", MONTH_END, date(2025, 2, 28), M),  # January 31 plus a month: the last day of February
    ("next month", MID_YEAR_ISSUE, date(2025, 7, 15), M),  # a relative period: the issue date plus a month
    ("this month", MID_YEAR_ISSUE, date(2025, 6, 30), M),
    ("next quarter", MID_YEAR_ISSUE, date(2025, 9, 30), Q),
    ("next quarter", AUTUMN_ISSUE, date(2027, 3, 31), Q),
    ("next week", MID_YEAR_ISSUE, date(2025, 6, 22), D),  # 2025-06-15 is a Sunday; next week ends on the 22nd
    # fiscal and school years, only where the text names them
    ("FY2026", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
    ("in fiscal 2027", MID_YEAR_ISSUE, date(2027, 12, 31), Y),
    ("by FY26", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
    ("fiscal year 2025-26", MID_YEAR_ISSUE, date(2026, 12, 31), Y),
    ("the fiscal year ending March 2027", MID_YEAR_ISSUE, date(2027, 3, 31), M),
    ("by the end of the fiscal year ending June 30, 2026", MID_YEAR_ISSUE, date(2026, 6, 30), D),
    ("the 2026-27 school year", MID_YEAR_ISSUE, date(2027, 8, 31), Y),
    ("academic year 2025/26", MID_YEAR_ISSUE, date(2026, 8, 31), Y),
]


def test_the_table_covers_at_least_sixty_phrases() -> None:
    assert len(PHRASES) >= 60
    assert len({(phrase, issue) for phrase, issue, _on, _p in PHRASES}) == len(PHRASES)  # no row twice


@pytest.mark.parametrize(("phrase", "issue", "on", "precision"), PHRASES)
def test_phrase_becomes_the_end_of_its_period(phrase: str, issue: date, on: date, precision: Precision) -> None:
    deadline = normalise_deadline(phrase, issue)
    assert (deadline.on, deadline.precision) == (on, precision)
    assert deadline.phrase == phrase  # the original wording is kept
    assert deadline.checkable
    assert parse_deadline_strict(phrase, issue).on == on


@pytest.mark.parametrize(("phrase", "issue", "on", "precision"), PHRASES)
def test_phrase_inside_a_sentence_is_found_whole_and_read_alike(
    phrase: str, issue: date, on: date, precision: Precision
) -> None:
    sentence = f"Analysts say the plant will open {phrase.rstrip('.')}, if the permits arrive."
    found = find_time_phrases(sentence, issue)
    assert [(f.text, f.on, f.precision) for f in found] == [(phrase.rstrip("."), on, precision)]
    assert sentence[found[0].start : found[0].end] == found[0].text


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
        "in the coming years",
        "over the coming months",
        "within a few years",
        "in the next few years",
        "in the near future",
        "for years to come",
        "the year",  # names no period on its own
        "in the beginning of 2027",
        "winter 2026/29",
        "FY2025/29",
        "2026-29 school year",
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


@pytest.mark.parametrize(
    ("sentence", "found"),
    [
        # a verb or a noun that is also a season's name is no time: "fall", "the fall of"
        ("Prices will fall by 2030.", [("by 2030", date(2030, 12, 31))]),
        ("After the fall of the old regime, elections will follow in 2026.", [("in 2026", date(2026, 12, 31))]),
        ("Sales rose over the past two years and will double within three years.",
         [("within three years", date(2028, 6, 15))]),
        ("Person of the year will be announced before the summer.", [("before the summer", date(2025, 5, 31))]),
        ("Robotaxis will run in a quarter of Chinese cities by 2027.", [("by 2027", date(2027, 12, 31))]),
        ("The fall in prices will continue through the winter.", [("through the winter", date(2026, 2, 28))]),
        ("Sales will double within six months of the launch.", []),  # counted from the launch, not the issue
        ("It will happen in the coming years, perhaps by 2030.",
         [("in the coming years", None), ("by 2030", date(2030, 12, 31))]),
    ],
)  # fmt: skip
def test_phrases_are_found_in_running_text(sentence: str, found: list[tuple[str, date | None]]) -> None:
    assert [(f.text, f.on) for f in find_time_phrases(sentence, MID_YEAR_ISSUE)] == found


@pytest.mark.parametrize(
    ("word", "period"),
    [("months", True), ("years", True), ("year", True), ("six-month", True), ("weeks.", True), ("decades", True),
     ("cities", False), ("GW", False), ("monthly", False), ("yearbooks", False)],
)  # fmt: skip
def test_a_span_of_time_is_a_period_unit(word: str, period: bool) -> None:
    assert is_period_unit(word) is period


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.sampled_from([p for p, _i, _o, _pr in PHRASES] + ["the fall of", "in the coming years", "’", "–"]),
            st.text(max_size=12),
        ),
        max_size=6,
    ).map(" ".join),
    issue=st.dates(),
)
def test_finding_phrases_never_raises_and_gives_disjoint_spans_of_the_text(text: str, issue: date) -> None:
    found = find_time_phrases(text, issue)
    ends = [-1]
    for phrase in found:
        assert phrase.start >= ends[-1] and phrase.end > phrase.start
        assert text[phrase.start : phrase.end] == phrase.text
        assert (phrase.on is None) == phrase.vague == (phrase.precision is None)
        ends.append(phrase.end)
