"""The deadlines as an iCalendar feed: one all-day event per claim deadline, with alarms at the
reminder offsets. UIDs are stable (the claim's external id when it has one), so a calendar that
re-imports the feed updates events instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from predictions.ledger import ClaimView, list_claims
from predictions.reminders import parse_offsets
from predictions.settings import Settings

log = logging.getLogger("predictions.ical_feed")

PRODID = "-//Trend Prediction Tracker//deadlines//EN"


def event_uid(view: ClaimView) -> str:
    basis = view["external_id"] or f"claim-{view.id}"
    return hashlib.sha1(basis.encode()).hexdigest()[:24] + "@trend-prediction-tracker"


def build_calendar(
    views: list[ClaimView], dashboard_url: str, offsets: list[int], skipped: list[int] | None = None
) -> Calendar:
    """One event per claim with a deadline; a claim whose event cannot be made is left out, logged and
    added to `skipped`, and stops no other."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Prediction deadlines")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for view in views:
        if view["deadline"] is None:
            continue
        try:
            calendar.add_component(_event(view, dashboard_url, offsets, stamp))
        except (OverflowError, ValueError) as error:
            log.warning("claim %s left out of the calendar (deadline %s): %s", view.id, view["deadline"], error)
            if skipped is not None:
                skipped.append(view.id)
    return calendar


def _event(view: ClaimView, dashboard_url: str, offsets: list[int], stamp: datetime) -> Event:
    deadline = view["deadline"]
    url = f"{dashboard_url.rstrip('/')}/?claim={view.id}"
    resolved = view.status.state == "resolved"
    event = Event()
    event.add("uid", event_uid(view))
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline)
    if deadline < date.max:  # on the last day of the calendar, the all-day event's default length
        event.add("dtend", deadline + timedelta(days=1))
    prefix = f"[{view.status.value}] " if resolved else "Deadline: "
    event.add("summary", prefix + view["statement"][:120])
    event.add("description", f"{view['statement']}\n\nClaimant: {view['claimant']}\nStatus: {view.status.value}\n{url}")
    event.add("url", url)
    event.add("categories", list(view["tags"] or []) or ["prediction"])
    event.add("transp", "TRANSPARENT")
    if not resolved:
        for days in offsets:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{days} day{'' if days == 1 else 's'} left: {view['statement'][:100]}")
            alarm.add("trigger", timedelta(days=-days))
            event.add_component(alarm)
    return event


def write_calendar(settings: Settings, out: Path, skipped: list[int] | None = None) -> int:
    """Write the feed to `out`; the number of deadlines in it (those left out are added to `skipped`)."""
    views = list_claims(settings.db)
    left_out: list[int] = [] if skipped is None else skipped
    calendar = build_calendar(views, settings.dashboard_url, parse_offsets(settings.remind_offsets), left_out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(calendar.to_ical())
    return sum(1 for v in views if v["deadline"] is not None) - len(left_out)


def calendar_bytes(settings: Settings) -> bytes:
    views = list_claims(settings.db)
    return build_calendar(views, settings.dashboard_url, parse_offsets(settings.remind_offsets)).to_ical()
