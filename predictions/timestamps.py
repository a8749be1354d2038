"""Date-times as other tools write them, read one way by every importer.

Accepted: ISO 8601 dates and date-times with a space or `T` between them, with or without seconds and
fractions, and with `Z` or an offset (`+02:00`, `+0200`, `-05`); and hours, minutes and seconds written
without their leading zero, as Fatebook's CSV export writes them (`2025-01-05 09:07:5`: its exporter
formats seconds with `getSeconds()`, unpadded). A time with an offset is converted to UTC; a time
without one is taken as written (Fatebook's export uses its server's local time and says nothing of
it). The result is always a naive datetime. Anything else ("yesterday", "2025-13-01", "25:00") is
refused with a ValueError that names the field and quotes the text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

__all__ = ["as_day", "as_naive_utc", "looks_like_date_time", "parse_date_time"]

_DATE_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"\s*(?P<zone>[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)?)?",
)


def looks_like_date_time(text: str) -> bool:
    """Whether `text` has the shape of a date with a time (so a date field should take its day)."""
    match = _DATE_TIME.fullmatch(text.strip())
    return match is not None and match.group("hour") is not None


def parse_date_time(text: str, name: str = "date-time") -> datetime:
    """`text` as a naive datetime (UTC when it carried an offset); raises ValueError with a short reason."""
    value = text.strip()
    try:  # the common case, fast: ISO 8601 as Python reads it (3.11: "T" or space, "Z", offsets)
        return as_naive_utc(datetime.fromisoformat(value))
    except ValueError:
        pass
    except OverflowError:
        raise ValueError(f"{name} {text!r} is out of range") from None
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        raise ValueError(f"{name} {text!r} is not a date-time (YYYY-MM-DD HH:MM:SS)")
    try:
        day = date.fromisoformat(match.group("date"))
        if match.group("hour") is None:
            return datetime(day.year, day.month, day.day)
        fraction = (match.group("fraction") or "0")[:6].ljust(6, "0")
        parsed = datetime(
            day.year,
            day.month,
            day.day,
            int(match.group("hour")),
            int(match.group("minute")),
            int(match.group("second") or 0),
            int(fraction),
            tzinfo=_zone(match.group("zone")),
        )
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a date-time (YYYY-MM-DD HH:MM:SS)") from None
    try:
        return as_naive_utc(parsed)
    except OverflowError:
        raise ValueError(f"{name} {text!r} is out of range") from None


def _zone(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text in {"Z", "z", "UTC"}:
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def as_naive_utc(value: datetime) -> datetime:
    """An aware datetime in UTC without its zone; a naive one as it is."""
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def as_day(value: object) -> object:
    """For a date field: a date-time (text or datetime) gives its day (in UTC when it has an offset);
    anything else is returned unchanged for the field's own validation to judge."""
    if isinstance(value, datetime):
        return as_naive_utc(value).date()
    if isinstance(value, str) and looks_like_date_time(value):
        return parse_date_time(value).date()
    return value
