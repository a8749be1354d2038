"""The deadlines as an iCalendar feed: one all-day event per claim deadline, with alarms at the
reminder offsets. UIDs are stable (the claim's external id when it has one), so a calendar that
re-imports the feed updates events instead of duplicating them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Alarm, Calendar, Event

from predictions.ledger import ClaimView, list_claims
from predictions.reminders import parse_offsets
from predictions.settings import Settings

PRODID = "-//Trend Prediction Tracker//deadlines//EN"


def event_uid(view: ClaimView) -> str:
    basis = view["external_id"] or f"claim-{view.id}"
    return hashlib.sha1(basis.encode()).hexdigest()[:24] + "@trend-prediction-tracker"


def build_calendar(views: list[ClaimView], dashboard_url: str, offsets: list[int]) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Prediction deadlines")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for view in views:
        deadline = view["deadline"]
        if deadline is None:
            continue
        url = f"{dashboard_url.rstrip('/')}/?claim={view.id}"
        resolved = view.status.state == "resolved"
        event = Event()
        event.add("uid", event_uid(view))
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline)
        event.add("dtend", deadline + timedelta(days=1))
        prefix = f"[{view.status.value}] " if resolved else "Deadline: "
        event.add("summary", prefix + view["statement"][:120])
        event.add(
            "description", f"{view['statement']}\n\nClaimant: {view['claimant']}\nStatus: {view.status.value}\n{url}"
        )
        event.add("url", url)
        event.add("categories", list(view["tags"] or []) or ["prediction"])
        event.add("transp", "TRANSPARENT")
        if not resolved:
            for days in offsets:
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", f"{days} days left: {view['statement'][:100]}")
                alarm.add("trigger", timedelta(days=-days))
                event.add_component(alarm)
        calendar.add_component(event)
    return calendar


def write_calendar(settings: Settings, out: Path) -> int:
    views = list_claims(settings.db)
    calendar = build_calendar(views, settings.dashboard_url, parse_offsets(settings.remind_offsets))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(calendar.to_ical())
    return sum(1 for v in views if v["deadline"] is not None)


def calendar_bytes(settings: Settings) -> bytes:
    views = list_claims(settings.db)
    return build_calendar(views, settings.dashboard_url, parse_offsets(settings.remind_offsets)).to_ical()
