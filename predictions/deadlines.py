"""Time phrases as forecasters write them, read against the issue's date: the one home for deadlines.

A phrase becomes a deadline (a day) with its precision, and the phrase itself is kept beside it
(`deadline_text`), so anyone can see why a claim ends when it does. The readings, also documented in
docs/claims-and-deadlines.md and held by tests/predictions/test_deadlines.py:

- a named period ends on its last day: "in 2025" / "by 2025" 2025-12-31 (year), "March 2027"
  2027-03-31 (month), "Q2 2026" / "the second quarter of 2026" 2026-06-30 (quarter), "H2 2026" /
  "the second half of 2026" 2026-12-31 (half), "2026-07-14" (day), "June 30, 2026" (day);
- parts of a year: "mid-2027" / "the middle of 2027" June 30 (half); "early 2027" the first quarter,
  March 31; "late 2027" the last quarter, December 31 (quarter); seasons are the northern
  hemisphere's meteorological ones: spring ends May 31, "summer 2027" August 31, autumn / fall
  November 30, and "winter 2027" (or "winter 2027/28") is the winter that starts in December 2027,
  ending on the last day of February 2028 (quarter);
- decades: "by the end of the decade" / "this decade" the last day of the issue's decade (2029-12-31
  for an issue of the 2020s), "the 2030s" 2039-12-31, "the early / mid / late 2030s" 2033, 2036 and
  2039-12-31 (year);
- bounds: "by", "in", "no later than", "on or before", "at the latest", "or earlier" include the period
  named; "before", "until", "till", "prior to", "ahead of" and "by the start of" exclude it, so the
  deadline is the day before it starts: "before 2028" 2027-12-31, "until 2029" 2028-12-31, "before March
  2027" 2027-02-28; "the end of" always includes it ("until the end of 2029" 2029-12-31);
- relative periods are added to the issue's date, to the day, with the precision of their unit:
  "within nine months", "within the next 24 months", "in the next two years", "over the next five
  years", "in four years' time", "two years from now", "within a year", "within 12 to 18 months" (the
  longer), "a year and a half" (day, week: day; month: month; quarter; year, decade: year). A month
  added to January 31 ends on the last day of February; "next month" is such a period too (the issue
  date plus one month, at month precision), as the issue lists it;
- named relative periods end with the calendar period they name: "next year" (and "for next year"; only
  "within the next year" counts a year from the issue) December 31 of the year after the issue's, "this
  year" / "by year-end" its own year, "the third quarter of this year" its September 30, "the month after
  next" that calendar month, "next quarter", "next week" (Sunday), "later this year", "early next year",
  "next summer" (the first summer starting after the issue);
- fiscal years only where the text says fiscal (or FY, or financial year): "FY2026", "fiscal 2026",
  "fiscal year 2025-26" end within the calendar year they are named after (the usual convention), so at
  the latest on its December 31 (year), unless the text names the end: "the fiscal year ending March
  2027" 2027-03-31 (month). School and academic years only where named: "the 2026-27 school year"
  ends on August 31, 2027 (year);
- no usable period: "in the coming years", "very soon", "in the near future", "within a few years",
  "mid-term", "eventually": the claim is kept and flagged not checkable.

A period that does not exist (year 0, year 10000) or that ended before the issue gives no deadline.
`find_time_phrases` finds these phrases inside a sentence (leftmost, then longest); the extractor
(predictions/extract.py) uses it, so the sentence and a stored `deadline_text` are read alike.

Over 500 lines: the phrase families share one scanner and one table of readings, so they stay
together rather than scatter the deadline rule across modules.

Over 500 lines: the phrase rules, their calendar arithmetic and the table of period names form one grammar
whose readings are documented together above and held by one test file; split, a rule and the arithmetic it
relies on would sit in different modules.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from predictions.models import Precision

__all__ = [
    "MONTHS",
    "Deadline",
    "DeadlinePhraseError",
    "TimePhrase",
    "find_time_phrases",
    "is_period_unit",
    "normalise_deadline",
    "parse_deadline_strict",
]

MONTHS = {name.lower(): index for index, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): index for index, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))


@dataclass(frozen=True)
class Deadline:
    """A normalised deadline; `on` is None when the phrase has no usable period."""

    on: date | None
    precision: Precision | None
    phrase: str

    @property
    def checkable(self) -> bool:
        return self.on is not None


@dataclass(frozen=True)
class TimePhrase:
    """A time phrase found in a text: its deadline (None when vague or impossible), whatever the issue date.

    `on` may lie before the issue (a past period: "in 2020"); `normalise_deadline` refuses those.
    """

    text: str
    start: int
    end: int
    on: date | None
    precision: Precision | None
    vague: bool = False


class DeadlinePhraseError(ValueError):
    """Raised only by `parse_deadline_strict` for a phrase that names no period."""


# --- calendar arithmetic ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Period:
    """A named period: a deadline "by" it is `end`; "before" it, the day before `start`."""

    start: date
    end: date
    precision: Precision


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _year(year: int) -> _Period:
    return _Period(date(year, 1, 1), date(year, 12, 31), Precision.YEAR)


def _months(year: int, first: int, last: int, precision: Precision) -> _Period:
    """Months `first`..`last` of `year` (`last` may run into the next year: 14 is February of year + 1)."""
    end_year, end_month = divmod(year * 12 + last - 1, 12)
    return _Period(date(year, first, 1), _month_end(end_year, end_month + 1), precision)


def _quarter(year: int, quarter: int) -> _Period:
    return _months(year, 3 * quarter - 2, 3 * quarter, Precision.QUARTER)


def _half(year: int, half: int) -> _Period:
    return _months(year, 6 * half - 5, 6 * half, Precision.HALF)


_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 14)}


def _season(year: int, name: str) -> _Period:
    first, last = _SEASONS[name]
    return _months(year, first, last, Precision.QUARTER)


def _decade(first_year: int, part: str | None = None) -> _Period:
    """A decade (first_year ending in 0), or its early (0-3), mid (4-6) or late (7-9) years."""
    low, high = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get(part or "", (0, 9))
    return _Period(date(first_year + low, 1, 1), date(first_year + high, 12, 31), Precision.YEAR)


def _full_year(text: str) -> int:
    """A four-digit year, or a two-digit one in the 2000s ("FY26", "2025/26")."""
    return int(text) if len(text) == 4 else 2000 + int(text)


# --- numbers of periods ----------------------------------------------------------------------------

_COUNT_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-four": 24,
    "thirty": 30, "thirty-six": 36, "forty": 40, "forty-eight": 48, "fifty": 50, "sixty": 60, "a hundred": 100,
    "a couple of": 2, "a dozen": 12, "half a": 0.5, "one and a half": 1.5, "two and a half": 2.5,
}  # fmt: skip
_NUMBER = r"\d{1,3}(?:\.\d+)?|" + "|".join(sorted((re.escape(w) for w in _COUNT_WORDS), key=len, reverse=True))
# "12 to 18 months", "12-18 months", "two or three years": the longer period is the deadline
_COUNT = rf"(?:(?:{_NUMBER})\s*(?:-|–|to|or)\s*)?(?P<n>{_NUMBER})"
_UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12, "decade": 120}
_UNIT_DAYS = {"day": 1, "week": 7, "fortnight": 14}
_UNIT_PRECISION = {
    "day": Precision.DAY, "week": Precision.DAY, "fortnight": Precision.DAY, "month": Precision.MONTH,
    "quarter": Precision.QUARTER, "year": Precision.YEAR, "decade": Precision.YEAR,
}  # fmt: skip
_UNITS = "|".join(_UNIT_PRECISION)
_PERIOD_UNIT = re.compile(rf"(?:{_UNITS})s?|(?:[\w-]+-)?(?:{_UNITS})(?:s|-long|-old)?", re.IGNORECASE)
_MAX_YEARS = 100  # "in 500 years" is no deadline anyone will check


def is_period_unit(word: str) -> bool:
    """Whether `word` names a span of time ("months", "years", "six-month"): never a threshold's unit."""
    return bool(_PERIOD_UNIT.fullmatch(word.strip(".,;:!?\"'()-")))


def _count(text: str) -> float | None:
    text = " ".join(text.lower().split())
    if text in _COUNT_WORDS:
        return _COUNT_WORDS[text]
    try:
        return float(text)
    except ValueError:
        return None


def _after(issue: date, count: float, unit: str) -> tuple[date, Precision] | None:
    """The issue's date plus `count` units, to the day."""
    unit = unit.lower().rstrip("s")
    precision = _UNIT_PRECISION[unit]
    if unit in _UNIT_DAYS:
        days = count * _UNIT_DAYS[unit]
        if days != int(days) or days > 366 * _MAX_YEARS:
            return None
        return issue + timedelta(days=int(days)), precision
    months = count * _UNIT_MONTHS[unit]
    if months != int(months) or months <= 0 or months > 12 * _MAX_YEARS:
        return None
    return _add_months(issue, int(months)), precision


# --- the rules -------------------------------------------------------------------------------------

_Y = r"(?:19|20|21)\d\d"
_YY = r"\d\d"
_ORDINAL_HALF = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "latter": 2, "back": 2}
_ORDINAL_QUARTER = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4}
_HALF_WORDS = "|".join(_ORDINAL_HALF)
_QUARTER_WORDS = "|".join(_ORDINAL_QUARTER)

# Bounds before a named period: inclusive ones end with it, exclusive ones the day before it starts.
_EXCLUSIVE = r"before|until|till|'til|up\s+until|prior\s+to|ahead\s+of"
_INCLUSIVE = (
    r"by|in|during|within|for|from|over|through|throughout|at|around|circa|sometime\s+in|some\s+time\s+in|"
    r"(?:starting|beginning)(?:\s+(?:in|from))?|as\s+of|no\s+later\s+than|not\s+later\s+than|on\s+or\s+before|"
    r"at\s+the\s+latest\s+by"
)
_EDGE = (
    r"(?:the\s+)?(?:very\s+)?(?:end|close)\s+of\s+|end-|(?:the\s+)?year[- ]end\s+|"
    r"(?:the\s+)?(?:start|beginning)\s+of\s+"
)
_TAIL = r"at\s+the\s+latest|or\s+(?:earlier|sooner|before)|or\s+so"

Reading = Callable[[re.Match[str], date], "_Period | tuple[date, Precision] | None"]


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    read: Reading
    vague: bool = False


def _named(core: str, read: Callable[[re.Match[str], date], _Period | None]) -> _Rule:
    pattern = (
        rf"(?<![\w'-])(?:(?P<lead>{_EXCLUSIVE}|{_INCLUSIVE})\s+)?(?P<edge>{_EDGE})?(?:{core})"
        rf"(?:,?\s+(?P<tail>{_TAIL}))?(?![\w-])"
    )
    return _Rule(re.compile(pattern, re.IGNORECASE), read)


def _relative(pattern: str, read: Reading) -> _Rule:
    return _Rule(re.compile(rf"(?<![\w'-])(?:{pattern})(?![\w-])", re.IGNORECASE), read)


def _vague(pattern: str) -> _Rule:
    return _Rule(re.compile(rf"(?<![\w'-])(?:{pattern})(?![\w-])", re.IGNORECASE), lambda m, d: None, vague=True)


def _g(m: re.Match[str], name: str) -> str:
    return (m.group(name) or "").lower()


def _iso_day(m: re.Match[str], _: date) -> _Period:
    day = date.fromisoformat(m.group("iso"))
    return _Period(day, day, Precision.DAY)


def _written_day(m: re.Match[str], _: date) -> _Period:
    month = MONTHS[_g(m, "month1") or _g(m, "month2")]
    day = date(int(m.group("year")), month, int(m.group("day1") or m.group("day2")))
    return _Period(day, day, Precision.DAY)


def _iso_month(m: re.Match[str], _: date) -> _Period | None:
    year, month = int(m.group("year")), int(m.group("month"))
    return _months(year, month, month, Precision.MONTH) if 1 <= month <= 12 else None


def _month_year(m: re.Match[str], _: date) -> _Period:
    month = MONTHS[_g(m, "month")]
    return _months(int(m.group("year")), month, month, Precision.MONTH)


def _plain_year(m: re.Match[str], _: date) -> _Period:
    return _year(int(m.group("year")))


def _part_of_year(m: re.Match[str], issue: date) -> _Period:
    year = _relative_year(m, issue)
    part = _g(m, "part").replace("-", "").replace(" ", "")
    if "mid" in part:
        # the middle of a year is the boundary of its halves: by it and before it both mean June 30
        return _Period(date(year, 7, 1), date(year, 6, 30), Precision.HALF)
    if part.startswith("early"):
        return _quarter(year, 1)
    return _quarter(year, 4)  # late, later


def _relative_year(m: re.Match[str], issue: date) -> int:
    if m.group("year"):
        return int(m.group("year"))
    return issue.year + {"this": 0, "the": 0, "next": 1, "the following": 1}.get(_g(m, "which_year"), 0)


def _season_of(m: re.Match[str], issue: date) -> _Period | None:
    name, which = _g(m, "season"), _g(m, "which")
    if m.group("year"):
        return _season(int(m.group("year")), name)
    seasonal_leads = {"by", "in", "during", "over", "through", "throughout", "before", "until", "till"}
    if which not in {"this", "next"} and _g(m, "lead") not in seasonal_leads:
        return None  # "prices fall", "the fall of": a season only as a time ("by summer", "this autumn")
    if which == "this":  # the one the issue's year names (a December winter for "this winter")
        return _season(issue.year if name != "winter" or issue.month == 12 else issue.year - 1, name)
    season = _season(issue.year - 1, name)
    while (season.start <= issue) if which == "next" else (season.end < issue):
        season = _season(season.start.year + 1, name)
    return season


def _season_span(m: re.Match[str], _: date) -> _Period | None:
    first, second = int(m.group("year")), _full_year(m.group("year2"))
    return _season(first, "winter") if second % 100 == (first + 1) % 100 else None


def _decade_of(m: re.Match[str], issue: date) -> _Period | None:
    if m.group("decade"):
        first = int(m.group("decade"))
        return _decade(first, _g(m, "part").replace("-", "") or None) if first % 10 == 0 else None
    if _g(m, "which") == "the" and not _in_context(m):
        return None
    return _decade(issue.year - issue.year % 10)


def _in_context(m: re.Match[str]) -> bool:
    """ "the year", "the month", "the decade" name the issue's own only after an edge or "within" / "during"."""
    return bool(m.group("edge")) or " ".join(_g(m, "lead").split()) in {"within", "during", "by", "before"}


def _fiscal(m: re.Match[str], _: date) -> _Period | None:
    if m.group("year2"):
        first, second = _full_year(m.group("year")), _full_year(m.group("year2"))
        if second % 100 != (first + 1) % 100:
            return None
        return _year(first + 1)
    return _year(_full_year(m.group("year")))


def _fiscal_ending(m: re.Match[str], _: date) -> _Period:
    year, month = int(m.group("year")), MONTHS[_g(m, "month")]
    if m.group("day"):
        end = date(year, month, int(m.group("day")))
        precision = Precision.DAY
    else:
        end, precision = _month_end(year, month), Precision.MONTH
    return _Period(_add_months(end, -12) + timedelta(days=1), end, precision)


def _school_year(m: re.Match[str], _: date) -> _Period | None:
    first, second = int(m.group("year")), _full_year(m.group("year2"))
    if second % 100 != (first + 1) % 100:
        return None
    return _Period(date(first, 9, 1), date(first + 1, 8, 31), Precision.YEAR)


def _this_or_next(unit: str) -> Callable[[re.Match[str], date], _Period | None]:
    """ "this month", "next quarter", "the week after next": the calendar period named."""

    def read(m: re.Match[str], issue: date) -> _Period | None:
        which = " ".join(_g(m, "which").split())
        if which == "the" and not _in_context(m):
            return None  # "the year's best", "over the month": no period named
        offset = {"this": 0, "the": 0, "the current": 0, "next": 1, "the following": 1, "the coming": 1}
        ahead = 2 if m.groupdict().get("after") else offset.get(which, 0)
        if unit == "year":
            return _year(issue.year + ahead)
        if unit == "quarter":
            quarter = (issue.month - 1) // 3 + ahead
            return _quarter(issue.year + quarter // 4, quarter % 4 + 1)
        if unit == "month" and ahead == 1 and not m.groupdict().get("after"):
            # "next month" is a relative period (as "within a month"): the issue date plus one month
            return _Period(issue + timedelta(days=1), _add_months(issue, 1), Precision.MONTH)
        if unit == "month":
            first = _add_months(issue.replace(day=1), ahead)
            return _months(first.year, first.month, first.month, Precision.MONTH)
        monday = issue - timedelta(days=issue.weekday()) + timedelta(weeks=ahead)
        return _Period(monday, monday + timedelta(days=6), Precision.DAY)

    return read


def _half_of_relative(m: re.Match[str], issue: date) -> _Period:
    year = issue.year + (0 if _g(m, "which_year") == "this" else 1)
    groups = m.groupdict()
    return _half(year, _ORDINAL_HALF[_g(m, "which")] if groups.get("which") else int(groups["h"]))


def _quarter_of_relative(m: re.Match[str], issue: date) -> _Period:
    """ "the third quarter of this year", "the first quarter of next year"."""
    year = issue.year + (0 if _g(m, "which_year") == "this" else 1)
    return _quarter(year, _ORDINAL_QUARTER[_g(m, "which")])


def _in_count(m: re.Match[str], issue: date) -> tuple[date, Precision] | None:
    groups = m.groupdict()
    count = _count(groups["n"]) if groups.get("n") else 1.0
    return None if count is None else _after(issue, count, groups.get("unit") or groups["unit1"])


def _year_and_a_half(_: re.Match[str], issue: date) -> tuple[date, Precision] | None:
    return _after(issue, 18, "months")


_WHICH_YEAR = r"(?P<which_year>this|next|the\s+following)\s+year"
_YEAR_OR_RELATIVE = rf"(?:(?:of\s+|in\s+)?(?P<year>{_Y})|{_WHICH_YEAR})"
_RELATIVE_LEAD = r"(?:with)?in|over|during|for|in|across"
_COUNTED = rf"{_COUNT}\s+(?P<unit>{_UNITS})s?"
_SINGLE = rf"(?P<unit1>{_UNITS})"

_RULES: list[_Rule] = [
    # relative periods: the issue's date plus the period
    # "within the next year" counts from the issue; "for next year" (no "the", no count) is the calendar year
    _relative(rf"(?:{_RELATIVE_LEAD})\s+the\s+(?:next|coming|following)\s+(?:{_COUNTED}|{_SINGLE})", _in_count),
    _relative(rf"(?:{_RELATIVE_LEAD})\s+(?:next|coming|following)\s+{_COUNTED}", _in_count),
    # "within six months of launch" counts from the launch, "in a quarter of cities" is no period
    _relative(rf"(?:with)?in\s+{_COUNTED}(?:['’]s?\s+time)?(?!\s+of\b)", _in_count),
    _relative(rf"{_COUNTED}\s+(?:from\s+(?:now|today)|hence|after\s+(?:this|the)\s+issue)", _in_count),
    _relative(rf"(?:the\s+)?(?:next|coming)\s+(?:{_COUNTED}|(?P<unit1>decade))", _in_count),
    _relative(r"(?:with)?in\s+(?:a|one)\s+year\s+and\s+a\s+half", _year_and_a_half),
    # no usable period
    _vague(
        r"(?:(?:with)?in|over|during)\s+(?:the\s+)?(?:next|coming)\s+(?:few|several|many|couple\s+of)\s+"
        rf"(?:{_UNITS})s|(?:with)?in\s+(?:a\s+few|several|some|many|a\s+couple\s+of)\s+(?:{_UNITS})s|"
        rf"(?:in|over|during)\s+the\s+(?:coming|next)\s+(?:{_UNITS})s|in\s+the\s+(?:{_UNITS})s\s+(?:ahead|to\s+come)|"
        r"for\s+(?:years|decades)\s+to\s+come|(?:very\s+)?soon|imminent(?:ly)?|"
        r"in\s+the\s+(?:near|foreseeable|not\s+too\s+distant|distant)\s+future|"
        r"(?:in\s+the\s+)?(?:mid|medium|long|short)[- ]?term|(?:in|over)\s+the\s+long\s+run|eventually|"
        r"sooner\s+or\s+later|in\s+due\s+course|one\s+day|someday|some\s+day"
    ),
    # named periods (with their bounds)
    _named(r"(?P<iso>\d{4}-\d{2}-\d{2})", _iso_day),
    _named(
        rf"(?:(?P<month1>{_MONTH_NAMES})\.?\s+(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?|(?:the\s+)?(?P<day2>\d{{1,2}})"
        rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month2>{_MONTH_NAMES})\.?),?\s+(?P<year>{_Y})",
        _written_day,
    ),
    _named(rf"(?P<year>{_Y})-(?P<month>\d{{2}})", _iso_month),
    _named(rf"(?P<month>{_MONTH_NAMES})\.?\s+(?:of\s+)?(?P<year>{_Y})", _month_year),
    _named(
        rf"(?:the\s+)?(?P<which>{_HALF_WORDS})\s+half\s+(?:of\s+)?(?:the\s+year\s+)?(?P<year>{_Y})|"
        rf"(?:h(?P<h>[12])|(?P<h2>[12])h)\s*(?:of\s+)?(?P<year2>{_Y})|(?P<year3>{_Y})\s*[-/]?\s*h(?P<h3>[12])",
        lambda m, _: _half(
            int(m.group("year") or m.group("year2") or m.group("year3")),
            _ORDINAL_HALF.get(_g(m, "which")) or int(m.group("h") or m.group("h2") or m.group("h3")),
        ),
    ),
    _named(
        rf"(?:the\s+)?(?P<which>{_QUARTER_WORDS})\s+quarter\s+(?:of\s+)?(?P<year>{_Y})|"
        rf"(?:q(?P<q>[1-4])|(?P<q2>[1-4])q)\s*(?:of\s+|[-/]\s*)?(?P<year2>{_Y})|(?P<year3>{_Y})\s*[-/]?\s*q(?P<q3>[1-4])",
        lambda m, _: _quarter(
            int(m.group("year") or m.group("year2") or m.group("year3")),
            _ORDINAL_QUARTER.get(_g(m, "which")) or int(m.group("q") or m.group("q2") or m.group("q3")),
        ),
    ),
    _named(
        r"(?P<part>mid-?|the\s+middle\s+of|the\s+midpoint\s+of|mid-?year|early-?|late-?|later)\s*"
        + rf"(?:in\s+)?(?:(?P<year>{_Y})|{_WHICH_YEAR})",
        _part_of_year,
    ),
    _named(
        r"(?:(?P<which>this|next|the)\s+)?(?P<season>spring|summer|autumn|fall|winter)"
        rf"(?:\s+(?:of\s+)?(?P<year>{_Y}))?",
        _season_of,
    ),
    _named(
        rf"(?:the\s+)?(?:season\s+)?winter\s+(?:of\s+)?(?P<year>{_Y})\s*[-/–]\s*(?P<year2>{_Y}|{_YY})", _season_span
    ),
    _named(
        rf"(?:the\s+)?(?:(?P<part>early|mid-?|late)\s*)?(?P<decade>{_Y})'?s|(?P<which>this|the\s+current|the)\s+decade",
        _decade_of,
    ),
    _named(
        rf"(?:the\s+)?(?:(?:fiscal|financial)(?:\s+year)?|fy)\s*['’]?(?P<year>{_Y}|{_YY})"
        rf"(?:\s*[-/–]\s*(?P<year2>{_Y}|{_YY}))?|the\s+(?P<y>{_Y})\s+(?:fiscal|financial)\s+year",
        lambda m, d: _fiscal(m, d) if not m.group("y") else _year(int(m.group("y"))),
    ),
    _named(
        rf"(?:the\s+|its\s+|their\s+)?(?:fiscal|financial)\s+year\s+(?:ending|that\s+ends)\s+(?:in\s+|on\s+)?"
        rf"(?P<month>{_MONTH_NAMES})\.?\s+(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+)?(?P<year>{_Y})",
        _fiscal_ending,
    ),
    _named(rf"(?:the\s+)?(?:school|academic)\s+year\s+(?P<year>{_Y})\s*[-/]\s*(?P<year2>{_Y}|{_YY})", _school_year),
    _named(rf"(?:the\s+)?(?P<year>{_Y})\s*[-/]\s*(?P<year2>{_Y}|{_YY})\s+(?:school|academic)\s+year", _school_year),
    _named(rf"(?:the\s+)?(?P<which>{_HALF_WORDS})\s+half\s+of\s+{_WHICH_YEAR}", _half_of_relative),
    _named(rf"h(?P<h>[12])\s+(?:of\s+)?{_WHICH_YEAR}", _half_of_relative),
    _named(rf"(?:the\s+)?(?P<which>{_QUARTER_WORDS})\s+quarter\s+of\s+{_WHICH_YEAR}", _quarter_of_relative),
    _named(
        r"(?P<after>the\s+year\s+after\s+next)|(?P<which>this|the\s+current|next|the\s+following|the\s+coming|the)"
        r"\s+year|(?:the\s+)?year[- ]end",
        _this_or_next("year"),
    ),
    _named(r"(?P<which>this|the\s+current|next|the\s+following|the)\s+quarter", _this_or_next("quarter")),
    _named(
        r"(?P<after>the\s+month\s+after\s+next)|(?P<which>this|the\s+current|next|the\s+following|the)\s+month",
        _this_or_next("month"),
    ),
    _named(
        r"(?P<after>the\s+week\s+after\s+next)|(?P<which>this|next|the\s+following|the)\s+week", _this_or_next("week")
    ),
    _named(rf"(?:the\s+)?(?:year\s+)?(?P<year>{_Y})", _plain_year),
]


def _read(rule: _Rule, m: re.Match[str], issue: date) -> TimePhrase | None:
    if rule.vague:
        return TimePhrase(m.group(0), m.start(), m.end(), None, None, vague=True)
    try:
        found = rule.read(m, issue)
        if isinstance(found, _Period):
            found = _bounded(m, found)
    except (ValueError, OverflowError, KeyError):
        return None  # a period that does not exist: year 0, year 10000, February 30, quarter 0
    if found is None:
        return None
    return TimePhrase(m.group(0), m.start(), m.end(), found[0], found[1])


def _bounded(m: re.Match[str], period: _Period) -> tuple[date, Precision] | None:
    """The deadline a bound and an edge make of a named period: its end, or the day before it starts."""
    lead = " ".join(_g(m, "lead").split())
    edge = _g(m, "edge")
    exclusive = re.fullmatch(_EXCLUSIVE, lead) is not None
    if edge.startswith(("start", "beginning", "the start", "the beginning")):
        if lead in {"by", "before", "until", "till", "prior to", "no later than", "not later than", ""} or exclusive:
            return period.start - timedelta(days=1), period.precision
        return None  # "in the beginning of 2027" names no end
    if edge or not exclusive:
        return period.end, period.precision
    return period.start - timedelta(days=1), period.precision


def _clean(text: str) -> str:
    return text.replace("’", "'").replace("–", "-")


def find_time_phrases(text: str, issue_date: date) -> list[TimePhrase]:
    """Every time phrase in `text`, leftmost first; of phrases starting together, the longest.

    Each carries its deadline read against `issue_date` (or vague=True); a past period keeps its date.
    """
    cleaned = _clean(text)
    found: list[tuple[int, int, int, TimePhrase]] = []
    for order, rule in enumerate(_RULES):
        for m in rule.pattern.finditer(cleaned):
            phrase = _read(rule, m, issue_date)
            if phrase is not None:
                found.append((m.start(), -m.end(), order, phrase))
    chosen: list[TimePhrase] = []
    covered_to = -1
    for start, _negative_end, _order, phrase in sorted(found, key=lambda f: f[:3]):
        if start >= covered_to:
            chosen.append(TimePhrase(text[phrase.start : phrase.end], *_fields(phrase)))
            covered_to = phrase.end
    return chosen


def _fields(phrase: TimePhrase) -> tuple[int, int, date | None, Precision | None, bool]:
    return phrase.start, phrase.end, phrase.on, phrase.precision, phrase.vague


def normalise_deadline(phrase: str, issue_date: date) -> Deadline:
    """Read `phrase` relative to `issue_date`; never raises, returns on=None when not checkable.

    A period that does not exist (year 0, year 10000) or ended before the issue is no usable deadline.
    """
    text = " ".join(_clean(phrase).split()).strip(" .,;:")
    for rule in _RULES:
        match = rule.pattern.fullmatch(text)
        if match is None:
            continue
        found = _read(rule, match, issue_date)
        if found is None:
            continue
        if found.vague:
            break
        if found.on is not None and found.on >= issue_date:
            return Deadline(found.on, found.precision, phrase)
    return Deadline(None, None, phrase)


def parse_deadline_strict(phrase: str, issue_date: date) -> Deadline:
    deadline = normalise_deadline(phrase, issue_date)
    if not deadline.checkable:
        raise DeadlinePhraseError(f"no usable deadline in {phrase!r}")
    return deadline
