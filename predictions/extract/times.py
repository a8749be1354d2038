"""Time expressions in a clause, found and read by predictions.deadlines against the issue's date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from predictions.deadlines import find_time_phrases, normalise_deadline
from predictions.models import (
    Precision,
)

# --- time expressions ------------------------------------------------------------------------------

_Y = r"(?:19|20|21)\d\d"

Tense = Literal["future", "vague", "past"]


@dataclass(frozen=True)
class TimeExpression:
    text: str
    start: int
    tense: Tense
    on: date | None = None
    precision: Precision | None = None


def find_times(text: str, issue_date: date) -> list[TimeExpression]:
    """Time expressions in `text` (found and read by predictions.deadlines), each against the issue date:
    future, vague (no period: "in the coming years") or past ("in 2024" in an issue of 2025)."""
    found: list[TimeExpression] = []
    extra = _news_periods(text, issue_date)
    taken = [(t.start, t.start + len(t.text)) for t in extra]
    for phrase in find_time_phrases(text, issue_date):
        if any(start <= phrase.start < end for start, end in taken):
            continue
        if phrase.vague or phrase.on is None:
            found.append(TimeExpression(phrase.text, phrase.start, "vague"))
        elif re.fullmatch(rf"(?:the\s+)?{_Y}", phrase.text, re.IGNORECASE) and re.search(
            r"[A-Z][\w-]*\s$", text[: phrase.start]
        ):
            continue  # a year inside a name: "Made-in-China 2025", "Vision 2030"
        elif phrase.on > issue_date:
            found.append(TimeExpression(phrase.text, phrase.start, "future", phrase.on, phrase.precision))
        else:
            found.append(TimeExpression(phrase.text, phrase.start, "past"))  # "in 2024" on 2024-12-31
    return sorted(found + extra, key=lambda t: t.start)


# A span of years ("the 2026-2028 planning period") ends with its last year; a price target's horizon
# ("our 12-month price target") counts from the issue, as "within 12 months" does.
_YEAR_SPAN = re.compile(rf"(?<![\w-])(?P<first>{_Y})\s*[-–]\s*(?P<last>{_Y})(?![\w-])")
_HORIZON = re.compile(
    r"(?<![\w-])(?P<n>\d{1,2}|six|twelve|eighteen|one|two|three|five)[- ](?P<unit>month|year)\s+"
    r"(?:(?:price|share[- ]price)\s+)?(?:target|forecast|outlook|horizon|view)\b",
    re.IGNORECASE,
)


_FULL_YEAR = re.compile(r"(?<![\w-])full[- ]year(?=\s+(?:[\w-]+\s+){0,3}(?:forecast|guidance|outlook|target))", re.I)


def _news_periods(text: str, issue_date: date) -> list[TimeExpression]:
    found = []
    for match in _YEAR_SPAN.finditer(text):
        if re.search(r"[A-Z][\w-]*\s$", text[: match.start()]):
            continue  # a span inside a name: "the National Hydrogen Plan 2026-2035"
        if int(match.group("first")) < int(match.group("last")):
            deadline = normalise_deadline(f"by {match.group('last')}", issue_date)
            if deadline.on is not None:
                found.append(TimeExpression(match.group(0), match.start(), "future", deadline.on, deadline.precision))
    for match in _FULL_YEAR.finditer(text):  # "its full-year forecast": the year the issue is in
        deadline = normalise_deadline("this year", issue_date)
        if deadline.on is not None:
            found.append(TimeExpression(match.group(0), match.start(), "future", deadline.on, deadline.precision))
    for match in _HORIZON.finditer(text):
        deadline = normalise_deadline(f"within {match.group('n')} {match.group('unit')}s", issue_date)
        if deadline.on is not None:
            phrase = f"{match.group('n')}-{match.group('unit')}"
            found.append(TimeExpression(phrase, match.start(), "future", deadline.on, deadline.precision))
    return found
