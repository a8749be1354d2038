"""Summaries of the claim list for readers: filters, headline figures and deadline buckets.

Pure functions over the JSON-shaped claim rows of `ClaimView.as_json()` (dates as ISO strings), so
the dashboard can cache the rows once and derive every view from them without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from predictions.models import Attribution
from predictions.progress import Status

Row = Mapping[str, Any]

DUE_SOON_DAYS = 90
HORIZONS = (30, 90, 365)
NO_SOURCE = "(no source)"


def parse_iso_date(value: object) -> date | None:
    """A date from YYYY-MM-DD text (as found in a URL); anything else is None, never an error."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _day(row: Row, key: str) -> date | None:
    return parse_iso_date(row.get(key))


def source_label(row: Row) -> str:
    source = row.get("source")
    if not source:
        return NO_SOURCE
    published = source.get("published_on")
    return f"{source['title']} ({published})" if published else str(source["title"])


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFilter:
    """What a reader narrowed the claim list to; every field empty means everything."""

    topics: tuple[str, ...] = ()
    claimants: tuple[str, ...] = ()
    attributions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    deadline_from: date | None = None
    deadline_to: date | None = None

    @property
    def active(self) -> bool:
        return any((self.topics, self.claimants, self.attributions, self.statuses, self.sources)) or any(
            d is not None for d in (self.deadline_from, self.deadline_to)
        )

    def matches(self, row: Row) -> bool:
        if self.topics and not set(row.get("tags") or []) & set(self.topics):
            return False
        if self.claimants and row.get("claimant") not in self.claimants:
            return False
        if self.attributions and row.get("attribution") not in self.attributions:
            return False
        if self.statuses and row.get("status") not in self.statuses and row.get("state") not in self.statuses:
            return False
        if self.sources and source_label(row) not in self.sources:
            return False
        if self.deadline_from is not None or self.deadline_to is not None:
            deadline = _day(row, "deadline")
            if deadline is None:
                return False
            if self.deadline_from is not None and deadline < self.deadline_from:
                return False
            if self.deadline_to is not None and deadline > self.deadline_to:
                return False
        return True


def filter_claims(rows: Iterable[Row], claim_filter: ClaimFilter) -> list[Row]:
    return [row for row in rows if claim_filter.matches(row)]


@dataclass(frozen=True)
class FilterOptions:
    """The values a reader can choose from, each sorted, largest group first for claimants."""

    topics: list[str] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def filter_options(rows: Sequence[Row]) -> FilterOptions:
    topics: set[str] = set()
    claimants: dict[str, int] = {}
    sources: set[str] = set()
    for row in rows:
        topics.update(row.get("tags") or [])
        claimants[row["claimant"]] = claimants.get(row["claimant"], 0) + 1
        sources.add(source_label(row))
    present_attributions = {row["attribution"] for row in rows}
    return FilterOptions(
        topics=sorted(topics),
        claimants=[name for name, _ in sorted(claimants.items(), key=lambda item: (-item[1], item[0]))],
        attributions=[a.value for a in Attribution if a.value in present_attributions],
        statuses=["open", "resolved"] + [s.value for s in Status],
        sources=sorted(sources),
    )


def search_claims(rows: Sequence[Row], text: str | None, limit: int = 100) -> list[Row]:
    """Claims whose id is `text` or whose statement contains every word of it (newest id first)."""
    ordered = sorted(rows, key=lambda row: -int(row["id"]))
    text = (text or "").strip()
    if not text:
        return ordered[:limit]
    if text.lstrip("#").isdigit():
        wanted = int(text.lstrip("#"))
        exact = [row for row in ordered if int(row["id"]) == wanted]
        if exact:
            return exact
    words = text.lower().split()
    found = []
    for row in ordered:
        haystack = f"{row['statement']} {row.get('claimant') or ''}".lower()
        if all(word in haystack for word in words):
            found.append(row)
            if len(found) >= limit:
                break
    return found


# --- headline figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    claims: int
    open: int
    due_soon: int
    overdue: int
    resolved: int
    not_checkable: int
    undated: int  # claims without a usable deadline, resolved or not: they cannot go on a timeline
    by_status: dict[str, int]


def headline(rows: Sequence[Row], today: date, due_within_days: int = DUE_SOON_DAYS) -> Headline:
    """Counts for the top of the overview: `due_soon` is open claims due from today to today + N days."""
    horizon = today + timedelta(days=due_within_days)
    by_status = {status.value: 0 for status in Status}
    due_soon = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        deadline = _day(row, "deadline")
        if row["state"] == "open" and deadline is not None and today <= deadline <= horizon:
            due_soon += 1
    states = [row["state"] for row in rows]
    return Headline(
        claims=len(rows),
        open=states.count("open"),
        due_soon=due_soon,
        overdue=states.count("overdue"),
        resolved=states.count("resolved"),
        not_checkable=by_status.get(Status.NOT_CHECKABLE.value, 0),
        undated=sum(1 for row in rows if not row.get("deadline")),
        by_status=by_status,
    )


# --- deadlines -----------------------------------------------------------------------------------


def due_within(rows: Iterable[Row], today: date, days: int) -> list[Row]:
    """Unresolved claims with a deadline from today to today + `days`, soonest first."""
    horizon = today + timedelta(days=days)
    due = [row for row in rows if row["state"] == "open" and (d := _day(row, "deadline")) and today <= d <= horizon]
    return sorted(due, key=lambda row: (row["deadline"], int(row["id"])))


def overdue(rows: Iterable[Row]) -> list[Row]:
    """Claims past their deadline and still unresolved, the longest overdue first."""
    late = [row for row in rows if row["state"] == "overdue"]
    return sorted(late, key=lambda row: (row["deadline"], int(row["id"])))


def days_to_deadline(row: Row, today: date) -> int | None:
    deadline = _day(row, "deadline")
    return None if deadline is None else (deadline - today).days


def deadline_counts(rows: Sequence[Row], today: date) -> dict[str, int]:
    counts = {f"within {days} days": len(due_within(rows, today, days)) for days in HORIZONS}
    counts["overdue"] = len(overdue(rows))
    return counts


NO_REMINDERS = "no reminders sent yet"


def reminder_label(state: Mapping[str, Any] | None) -> str:
    """One line about a claim's reminders, from the reminder ledger's per-claim state (or its absence)."""
    if not state:
        return NO_REMINDERS
    parts = []
    step = state.get("last_step_sent")
    if step:
        sent_at = state.get("last_sent_at")
        when = sent_at.isoformat()[:10] if isinstance(sent_at, date) else str(sent_at or "")[:10]
        parts.append(f"last sent: {step}" + (f" on {when}" if when else ""))
    for key, word in (("pending", "pending"), ("failed", "failed"), ("skipped", "skipped")):
        if state.get(key):
            parts.append(f"{state[key]} {word}")
    return ", ".join(parts) if parts else NO_REMINDERS


def parse_claim_id(text: object) -> int | None:
    """The claim id in a deep link (`?claim=14`): a positive integer, else None (never an error)."""
    value = str(text or "").strip().lstrip("#")
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        return None
    number = int(value)
    return number if number > 0 else None
