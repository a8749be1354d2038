"""Summaries of the claim list for readers: filters, headline figures and deadline buckets.

They work on a `ClaimTable`, the claims as columns with their derived status, so the reader pages
stay fast with a million claims: filtering and counting are array operations, and only the rows a
page shows (a table page, the timeline's sixty) become dicts. Every function also takes a plain
sequence of JSON-shaped rows (as `ClaimView.as_json()` gives), which it turns into a table first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from predictions.models import Attribution
from predictions.progress import Status, states

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


def _iso(value: np.datetime64) -> str | None:
    return None if np.isnat(value) else str(value)


class ClaimTable:
    """Every claim as columns (numpy arrays), with `status` and `state` derived for a given day."""

    TEXT = ("statement", "quote", "claimant", "attribution", "kind", "deadline_precision", "outcome")

    def __init__(self, columns: Mapping[str, np.ndarray], status: np.ndarray) -> None:
        self.columns = dict(columns)
        self.status = np.asarray(status, dtype=object)
        self.state = states(self.status)
        self.ids = np.asarray(self.columns["id"], dtype=np.int64)
        self.deadline = np.asarray(self.columns["deadline"], dtype="datetime64[D]")
        self.source = _source_labels(self.columns)
        for array in (*self.columns.values(), self.status, self.state, self.source):
            array.flags.writeable = False  # shared between reruns: nobody may change it in place

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for start in range(0, len(self), 10_000):
            yield from self.rows(np.arange(start, min(start + 10_000, len(self))))

    def row(self, index: int) -> dict[str, Any]:
        c = self.columns
        title = c["source_title"][index]
        probability = float(c["probability"][index])
        target = float(c["target"][index])
        return {
            "id": int(self.ids[index]),
            **{name: c[name][index] for name in self.TEXT},
            "made_on": _iso(c["made_on"][index]),
            "deadline": _iso(self.deadline[index]),
            "probability": None if np.isnan(probability) else probability,
            "target": None if np.isnan(target) else target,
            "status": self.status[index],
            "state": self.state[index],
            "tags": tuple(c["tags"][index]),
            "source": None if title is None else {
                "title": title, "published_on": _iso(c["source_date"][index]), "url": c["source_url"][index]
            },
        }  # fmt: skip

    def rows(self, index: Iterable[int] | np.ndarray) -> list[dict[str, Any]]:
        return [self.row(int(i)) for i in index]

    def index_of(self, claim_id: int) -> int | None:
        found = np.flatnonzero(self.ids == claim_id)
        return int(found[0]) if len(found) else None

    @classmethod
    def from_rows(cls, rows: Sequence[Row]) -> ClaimTable:
        """A table from JSON-shaped rows that already carry their status (tests, small lists)."""

        def day(value: object) -> np.datetime64:
            parsed = parse_iso_date(value)
            return np.datetime64(parsed, "D") if parsed else np.datetime64("NaT", "D")

        def number(value: object) -> float:
            return float(value) if isinstance(value, int | float) else float("nan")

        sources = [row.get("source") or {} for row in rows]
        columns: dict[str, np.ndarray] = {
            "id": np.array([int(row["id"]) for row in rows], dtype=np.int64),
            **{name: np.array([row.get(name) for row in rows], dtype=object) for name in cls.TEXT},
            "made_on": np.array([day(row.get("made_on")) for row in rows], dtype="datetime64[D]"),
            "deadline": np.array([day(row.get("deadline")) for row in rows], dtype="datetime64[D]"),
            "probability": np.array([number(row.get("probability")) for row in rows]),
            "target": np.array([number(row.get("target")) for row in rows]),
            "tags": _object_array([tuple(row.get("tags") or ()) for row in rows]),
            "source_title": np.array([s.get("title") for s in sources], dtype=object),
            "source_date": np.array([day(s.get("published_on")) for s in sources], dtype="datetime64[D]"),
            "source_url": np.array([s.get("url") for s in sources], dtype=object),
        }
        return cls(columns, np.array([row["status"] for row in rows], dtype=object))


def _source_labels(columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """`source_label` of every claim, worked out once per distinct source."""
    titles, days = columns["source_title"], columns["source_date"]
    keys = columns.get("source_id")
    if keys is None:  # tables made from rows: few enough to label one by one
        return _object_array([_label(t, d) for t, d in zip(titles, days, strict=True)])
    keys = np.nan_to_num(np.asarray(keys, dtype=float), nan=-1).astype(np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    labels = _object_array([_label(titles[i], days[i]) for i in first])
    return labels[inverse]


def _label(title: object, day: np.datetime64) -> str:
    if title is None:
        return NO_SOURCE
    return f"{title} ({_iso(day)})" if not np.isnat(day) else str(title)


def _object_array(items: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def as_table(claims: ClaimTable | Sequence[Row]) -> ClaimTable:
    return claims if isinstance(claims, ClaimTable) else ClaimTable.from_rows(list(claims))


def _sorted(table: ClaimTable, mask: np.ndarray, *, by_deadline: bool = True) -> np.ndarray:
    """Indices where `mask` holds, by deadline then id."""
    index = np.flatnonzero(mask)
    if by_deadline:
        order = np.lexsort((table.ids[index], table.deadline[index]))
        return index[order]
    return index


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

    def mask(self, claims: ClaimTable | Sequence[Row]) -> np.ndarray:
        """Which claims of the table pass the filter."""
        table = as_table(claims)
        keep = np.ones(len(table), dtype=bool)
        if self.topics:
            wanted = set(self.topics)
            keep &= np.fromiter((bool(wanted.intersection(tags)) for tags in table.columns["tags"]), bool, len(table))
        if self.claimants:
            keep &= np.isin(table.columns["claimant"], list(self.claimants))
        if self.attributions:
            keep &= np.isin(table.columns["attribution"], list(self.attributions))
        if self.statuses:
            keep &= np.isin(table.status, list(self.statuses)) | np.isin(table.state, list(self.statuses))
        if self.sources:
            keep &= np.isin(table.source, list(self.sources))
        if self.deadline_from is not None or self.deadline_to is not None:
            keep &= ~np.isnat(table.deadline)
            if self.deadline_from is not None:
                keep &= table.deadline >= np.datetime64(self.deadline_from, "D")
            if self.deadline_to is not None:
                keep &= table.deadline <= np.datetime64(self.deadline_to, "D")
        return keep


def filter_claims(claims: ClaimTable | Sequence[Row], claim_filter: ClaimFilter) -> list[dict[str, Any]]:
    """The matching claims as rows, in id order (small lists; pages use `ClaimFilter.mask`)."""
    table = as_table(claims)
    return table.rows(np.flatnonzero(claim_filter.mask(table)))


@dataclass(frozen=True)
class FilterOptions:
    """The values a reader can choose from, each sorted, largest group first for claimants."""

    topics: list[str] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)
    attributions: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def filter_options(claims: ClaimTable | Sequence[Row]) -> FilterOptions:
    table = as_table(claims)
    topics: set[str] = set()
    for tags in table.columns["tags"]:
        topics.update(tags)
    names, counts = np.unique(table.columns["claimant"].astype(str), return_counts=True)
    present_attributions = set(table.columns["attribution"].tolist())
    return FilterOptions(
        topics=sorted(topics),
        claimants=[str(names[i]) for i in sorted(range(len(names)), key=lambda i: (-counts[i], names[i]))],
        attributions=[a.value for a in Attribution if a.value in present_attributions],
        statuses=["open", "resolved"] + [s.value for s in Status],
        sources=sorted(set(table.source.tolist())),
    )


def search_claims(claims: ClaimTable | Sequence[Row], text: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """Claims whose id is `text` or whose statement or claimant contains every word of it (newest id first)."""
    table = as_table(claims)
    order = np.argsort(-table.ids, kind="stable")
    text = (text or "").strip()
    if not text:
        return table.rows(order[:limit])
    if text.lstrip("#").isdigit():
        found = table.index_of(int(text.lstrip("#")))
        if found is not None:
            return table.rows([found])
    words = text.lower().split()
    hits = []
    statements, claimants = table.columns["statement"], table.columns["claimant"]
    for i in order:
        haystack = f"{statements[i]} {claimants[i] or ''}".lower()
        if all(word in haystack for word in words):
            hits.append(i)
            if len(hits) >= limit:
                break
    return table.rows(hits)


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


def headline(
    claims: ClaimTable | Sequence[Row],
    today: date,
    due_within_days: int = DUE_SOON_DAYS,
    mask: np.ndarray | None = None,
) -> Headline:
    """Counts for the top of the overview: `due_soon` is open claims due from today to today + N days."""
    table = as_table(claims)
    keep = np.ones(len(table), dtype=bool) if mask is None else mask
    status, state, deadline = table.status[keep], table.state[keep], table.deadline[keep]
    names, counts = np.unique(status.astype(str), return_counts=True)
    by_status = {s.value: 0 for s in Status} | {str(k): int(v) for k, v in zip(names, counts, strict=True)}
    start, horizon = np.datetime64(today, "D"), np.datetime64(today + timedelta(days=due_within_days), "D")
    return Headline(
        claims=int(keep.sum()),
        open=int((state == "open").sum()),
        due_soon=int(((state == "open") & (deadline >= start) & (deadline <= horizon)).sum()),
        overdue=int((state == "overdue").sum()),
        resolved=int((state == "resolved").sum()),
        not_checkable=by_status.get(Status.NOT_CHECKABLE.value, 0),
        undated=int(np.isnat(deadline).sum()),
        by_status=by_status,
    )


# --- deadlines -----------------------------------------------------------------------------------


def due_within_index(table: ClaimTable, today: date, days: int) -> np.ndarray:
    start, horizon = np.datetime64(today, "D"), np.datetime64(today + timedelta(days=days), "D")
    return _sorted(table, (table.state == "open") & (table.deadline >= start) & (table.deadline <= horizon))


def overdue_index(table: ClaimTable) -> np.ndarray:
    return _sorted(table, table.state == "overdue")


def due_within(
    claims: ClaimTable | Sequence[Row], today: date, days: int, limit: int | None = None
) -> list[dict[str, Any]]:
    """Unresolved claims with a deadline from today to today + `days`, soonest first."""
    table = as_table(claims)
    return table.rows(due_within_index(table, today, days)[:limit])


def overdue(claims: ClaimTable | Sequence[Row], limit: int | None = None) -> list[dict[str, Any]]:
    """Claims past their deadline and still unresolved, the longest overdue first."""
    table = as_table(claims)
    return table.rows(overdue_index(table)[:limit])


def days_to_deadline(row: Row, today: date) -> int | None:
    deadline = _day(row, "deadline")
    return None if deadline is None else (deadline - today).days


def deadline_counts(claims: ClaimTable | Sequence[Row], today: date) -> dict[str, int]:
    table = as_table(claims)
    counts = {f"within {days} days": len(due_within_index(table, today, days)) for days in HORIZONS}
    counts["overdue"] = len(overdue_index(table))
    return counts


def timeline_index(table: ClaimTable, mask: np.ndarray, today: date, limit: int) -> np.ndarray:
    """The `limit` dated claims whose deadlines are nearest today, in deadline order (the timeline)."""
    index = np.flatnonzero(mask & ~np.isnat(table.deadline))
    distance = np.abs((table.deadline[index] - np.datetime64(today, "D")).astype(np.int64))
    nearest = index[np.argsort(distance, kind="stable")[:limit]]
    return nearest[np.lexsort((table.ids[nearest], table.deadline[nearest]))]


def progress_index(table: ClaimTable, mask: np.ndarray, today: date, limit: int) -> np.ndarray:
    """Threshold claims for the progress chart: those with deadlines nearest today, at most `limit`."""
    threshold = mask & (table.columns["kind"] == "threshold") & ~np.isnan(table.columns["target"])
    return timeline_index(table, threshold, today, limit)


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
