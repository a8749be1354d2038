"""Turn a time phrase ("in 2025", "first half of 2025", "next year") into a deadline with its precision.

A phrase names a period; the deadline is the last day of that period and the precision says how
coarse it was. Relative phrases are read against the issue's date. A phrase with no usable period
("very soon", "in the mid-term") gives no deadline: the claim is kept and flagged not checkable.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from predictions.models import Precision

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))

# Leading words that do not change the period: "by 2030" and "in 2030" both end on 2030-12-31.
_LEAD = (
    r"(?:(?:by|in|during|within|before|until|for|from|over|starting(?: in| from)?|beginning(?: in)?|as of|through)\s+)?"
)
_END_OF = r"(?:(?:by\s+)?(?:the\s+)?end\s+of\s+(?:the\s+)?)?"
_YEAR = r"((?:19|20|21)\d\d)"


@dataclass(frozen=True)
class Deadline:
    """A normalised deadline; `on` is None when the phrase has no usable period."""

    on: date | None
    precision: Precision | None
    phrase: str

    @property
    def checkable(self) -> bool:
        return self.on is not None


Builder = Callable[[re.Match[str], date], "tuple[date, Precision] | None"]


class DeadlinePhraseError(ValueError):
    """Raised only by `parse_deadline_strict` for a phrase that names no period."""


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _quarter_end(year: int, quarter: int) -> date:
    return _end_of_month(year, quarter * 3)


def normalise_deadline(phrase: str, issue_date: date) -> Deadline:
    """Read `phrase` relative to `issue_date`; never raises, returns on=None when not checkable.

    A period that does not exist (year 0, year 10000) or ended before the issue is no usable deadline.
    """
    text = " ".join(phrase.lower().replace("’", "'").split()).strip(" .,;")
    for pattern, build in _RULES:
        match = re.fullmatch(_LEAD + _END_OF + pattern, text)
        if match:
            try:
                result = build(match, issue_date)
            except (ValueError, OverflowError):
                result = None
            if result is not None and result[0] >= issue_date:
                return Deadline(result[0], result[1], phrase)
    return Deadline(None, None, phrase)


def parse_deadline_strict(phrase: str, issue_date: date) -> Deadline:
    deadline = normalise_deadline(phrase, issue_date)
    if not deadline.checkable:
        raise DeadlinePhraseError(f"no usable deadline in {phrase!r}")
    return deadline


def _iso_day(m: re.Match[str], _: date) -> tuple[date, Precision] | None:
    try:
        return date.fromisoformat(m.group(1)), Precision.DAY
    except ValueError:
        return None


def _iso_month(m: re.Match[str], _: date) -> tuple[date, Precision] | None:
    year, month = int(m.group(1)), int(m.group(2))
    return (_end_of_month(year, month), Precision.MONTH) if 1 <= month <= 12 else None


def _year(m: re.Match[str], _: date) -> tuple[date, Precision]:
    return date(int(m.group(1)), 12, 31), Precision.YEAR


def _month_year(m: re.Match[str], _: date) -> tuple[date, Precision]:
    return _end_of_month(int(m.group(2)), MONTHS[m.group(1)]), Precision.MONTH


def _half(m: re.Match[str], _: date) -> tuple[date, Precision]:
    which, year = m.group(1), int(m.group(2))
    first = which in {"first", "1st", "h1", "1"}
    return (date(year, 6, 30) if first else date(year, 12, 31)), Precision.HALF


def _quarter(m: re.Match[str], _: date) -> tuple[date, Precision]:
    words = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
    quarter = words.get(m.group(1)) or int(m.group(1))
    return _quarter_end(int(m.group(2)), quarter), Precision.QUARTER


def _relative_year(offset: int) -> Builder:
    def build(_: re.Match[str], issue: date) -> tuple[date, Precision]:
        return date(issue.year + offset, 12, 31), Precision.YEAR

    return build


def _relative_month(offset: int) -> Builder:
    def build(_: re.Match[str], issue: date) -> tuple[date, Precision]:
        month_index = issue.year * 12 + issue.month - 1 + offset
        return _end_of_month(month_index // 12, month_index % 12 + 1), Precision.MONTH

    return build


def _relative_half(which: str) -> Builder:
    def build(_: re.Match[str], issue: date) -> tuple[date, Precision]:
        year = issue.year + 1
        return (date(year, 6, 30) if which == "first" else date(year, 12, 31)), Precision.HALF

    return build


_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "the": 1,
}


def _years_ahead(m: re.Match[str], issue: date) -> tuple[date, Precision] | None:
    count_text = m.group(1)
    count = _NUMBER_WORDS.get(count_text) if not count_text.isdigit() else int(count_text)
    if count is None or count > 100:
        return None
    return date(issue.year + count, 12, 31), Precision.YEAR


def _decade_ahead(_: re.Match[str], issue: date) -> tuple[date, Precision]:
    return date(issue.year + 10, 12, 31), Precision.YEAR


_RULES = [
    (r"(\d{4}-\d{2}-\d{2})", _iso_day),
    (r"(\d{4})-(\d{2})", _iso_month),
    (rf"(?:the\s+)?(first|1st|second|2nd|h1|h2)\s*(?:half\s+)?(?:of\s+)?{_YEAR}", _half),
    (rf"(?:the\s+)?(first|1st|second|2nd)\s+half\s+of\s+{_YEAR}", _half),
    (rf"h([12])\s+{_YEAR}", _half),
    (rf"(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\s+(?:of\s+)?{_YEAR}", _quarter),
    (rf"q([1-4])\s*(?:of\s+)?{_YEAR}", _quarter),
    (rf"({_MONTH_NAMES})\.?\s+(?:of\s+)?{_YEAR}", _month_year),
    (rf"(?:the\s+)?(?:year\s+)?{_YEAR}(?:\s+or\s+(?:earlier|sooner|before))?", _year),
    (r"(?:this|the)\s+year|the\s+current\s+year", _relative_year(0)),
    (r"next\s+year|the\s+coming\s+year|the\s+following\s+year", _relative_year(1)),
    (r"(?:the\s+)?first\s+half\s+of\s+next\s+year", _relative_half("first")),
    (r"(?:the\s+)?second\s+half\s+of\s+next\s+year", _relative_half("second")),
    (r"(?:this|the)\s+month", _relative_month(0)),
    (r"next\s+month", _relative_month(1)),
    (r"(?:the\s+)?next\s+(\w+)\s+years?", _years_ahead),
    (r"(\w+)\s+years?(?:\s+from\s+now)?", _years_ahead),
    (r"(?:the\s+)?next\s+decade|a\s+decade", _decade_ahead),
]
