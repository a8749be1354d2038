"""Summaries of the claim list for readers: filters, headline figures and deadline buckets.

They work on a `ClaimTable`, the claims as columns with their derived status, so the reader pages
stay fast with a million claims: filtering and counting are array operations, and only the rows a
page shows (a table page, the timeline's sixty) become dicts. Every function also takes a plain
sequence of JSON-shaped rows (as `ClaimView.as_json()` gives), which it turns into a table first.

Over 500 lines: the table and the functions that filter and count it share its private
column layout; splitting them would expose that layout to a second module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from db.columns import Coded, CodedLists
from predictions.models import Attribution
from predictions.progress import Status
from predictions.status_columns import STATUS_VALUES

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
    """Every claim as columns (numpy arrays), with `status` and `state` derived for a given day.

    Columns with few distinct values (claimant, attribution, status, source) are also held as integer
    codes into their distinct values, and the topics as one flat array of codes with each claim's
    offsets into it, so that filtering and counting a million claims never compares strings.
    """

    TEXT = ("statement", "quote", "claimant", "attribution", "kind", "deadline_precision", "outcome")

    def __init__(
        self, columns: Mapping[str, np.ndarray], status: np.ndarray, status_codes: np.ndarray | None = None
    ) -> None:
        self.columns = dict(columns.items())
        # The codes db.columns.claim_columns hands over (Columns.coded, Columns.lists), else worked out here.
        coded: Mapping[str, Coded] = getattr(columns, "coded", {})
        lists: Mapping[str, CodedLists] = getattr(columns, "lists", {})
        self.categories: dict[str, tuple[np.ndarray, np.ndarray]] = {
            name: (np.asarray(c.codes), np.asarray(c.names)) for name, c in coded.items()
        }
        if "tags" in lists:
            self.topic_offsets = np.asarray(lists["tags"].offsets, dtype=np.int64)
            self.topic_codes = np.asarray(lists["tags"].codes, dtype=np.int32)
            self.topic_names = np.asarray(lists["tags"].names, dtype=object)
        else:
            self.topic_offsets, self.topic_codes, self.topic_names = _flatten(list(self.columns.pop("tags")))
        self.status = np.asarray(status, dtype=object)
        if status_codes is None:
            status_codes, names = _encode(self.status, STATUS_VALUES)
        else:
            names = STATUS_VALUES
        self.status_code, self.status_names = np.asarray(status_codes), names
        self.state_names = np.array(["open", "overdue", "resolved"], dtype=object)
        self.state_code = _state_codes(names)[self.status_code]
        self.state = self.state_names[self.state_code]
        self.ids = np.asarray(self.columns["id"], dtype=np.int64)
        self.deadline = np.asarray(self.columns["deadline"], dtype="datetime64[D]")
        self.source_code, self.source_names = _source_labels(self.columns)
        self.source = self.source_names[self.source_code]
        arrays = [*self.columns.values(), self.status, self.status_code, self.state, self.state_code, self.source,
                  self.source_code, self.topic_offsets, self.topic_codes, self.topic_names]  # fmt: skip
        arrays += [array for pair in self.categories.values() for array in pair]
        for array in arrays:
            array.flags.writeable = False  # shared between reruns: nobody may change it in place
        # Observations (with a value) of some claims, read with the table: ledger.claim_table fills it
        # for the claims of the unfiltered progress chart, so that chart needs no read of its own.
        self.prefetched: dict[int, list[dict[str, Any]]] = {}

    def category(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, distinct values) of a text column; -1 is NULL."""
        if name not in self.categories:
            codes, names = _encode(self.columns[name])
            codes.flags.writeable = names.flags.writeable = False
            self.categories[name] = (codes, names)
        return self.categories[name]

    def tags(self, index: int) -> tuple[str, ...]:
        start, end = self.topic_offsets[index], self.topic_offsets[index + 1]
        return tuple(self.topic_names[self.topic_codes[start:end]])

    def has_topic(self, topics: Iterable[str]) -> np.ndarray:
        """Which claims carry any of `topics`."""
        wanted = np.flatnonzero(np.isin(self.topic_names, list(topics)))
        hit = np.isin(self.topic_codes, wanted)
        owner = np.repeat(np.arange(len(self)), np.diff(self.topic_offsets))
        keep = np.zeros(len(self), dtype=bool)
        keep[owner[hit]] = True
        return keep

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
            "tags": self.tags(index),
            "source": None if title is None else {
                "title": title, "published_on": _iso(c["source_date"][index]), "url": c["source_url"][index]
            },
        }  # fmt: skip

    def rows(self, index: Iterable[int] | np.ndarray) -> list[dict[str, Any]]:
        return [self.row(int(i)) for i in index]

    def threshold_fields(self, index: int) -> dict[str, Any]:
        """What a threshold claim's trajectory is drawn from (trajectory.build), dates as dates."""
        c = self.columns

        def day(value: np.datetime64) -> date | None:
            return None if np.isnat(value) else value.astype("datetime64[D]").item()

        def number(value: float) -> float | None:
            return None if np.isnan(value) else float(value)

        return {
            "id": int(self.ids[index]),
            "statement": c["statement"][index],
            "kind": c["kind"][index],
            **{name: c[name][index] if name in c else None for name in ("metric", "unit", "comparator")},
            "target": number(c["target"][index]),
            "baseline": number(c["baseline"][index]) if "baseline" in c else None,
            "baseline_on": day(c["baseline_on"][index]) if "baseline_on" in c else None,
            "made_on": day(c["made_on"][index]),
            "deadline": day(self.deadline[index]),
            "status": self.status[index],
        }

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


def _source_labels(columns: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """`source_label` of every claim as (codes, distinct labels), worked out once per distinct source."""
    titles, days = columns["source_title"], columns["source_date"]
    keys = columns.get("source_id")
    if keys is None:  # tables made from rows: few enough to label one by one
        return _encode(_object_array([_label(t, d) for t, d in zip(titles, days, strict=True)]))
    keys = np.nan_to_num(np.asarray(keys, dtype=float), nan=-1).astype(np.int64)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    labels = _object_array([_label(titles[i], days[i]) for i in first])
    distinct, codes = np.unique(labels.astype(str), return_inverse=True)  # two sources may share a label
    return codes.astype(np.int32)[inverse], _object_array(list(distinct))


def _label(title: object, day: np.datetime64) -> str:
    if title is None:
        return NO_SOURCE
    return f"{title} ({_iso(day)})" if not np.isnat(day) else str(title)


def _encode(values: np.ndarray, known: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of an object array and its distinct values (`known` values first, in order)."""
    lookup: dict[Any, int] = {} if known is None else {value: i for i, value in enumerate(known)}
    codes = np.fromiter((lookup.setdefault(v, len(lookup)) for v in values), dtype=np.int32, count=len(values))
    return codes, _object_array(list(lookup))


def _flatten(tags: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-claim tag lists as (offsets, flat codes, distinct tags)."""
    lengths = np.fromiter((len(t) for t in tags), dtype=np.int64, count=len(tags))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = _object_array([tag for claim_tags in tags for tag in claim_tags])
    codes, names = _encode(flat)
    return offsets, codes, names


def _state_codes(status_names: np.ndarray) -> np.ndarray:
    """The state code (0 open, 1 overdue, 2 resolved) of each distinct status value."""
    return np.array(
        [2 if str(s).startswith("resolved") else 1 if s == Status.AWAITING_VERDICT.value else 0 for s in status_names],
        dtype=np.int8,
    )


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
            keep &= table.has_topic(self.topics)
        if self.claimants:
            keep &= _among(*table.category("claimant"), self.claimants)
        if self.attributions:
            keep &= _among(*table.category("attribution"), self.attributions)
        if self.statuses:
            keep &= _among(table.status_code, table.status_names, self.statuses) | _among(
                table.state_code, table.state_names, self.statuses
            )
        if self.sources:
            keep &= _among(table.source_code, table.source_names, self.sources)
        if self.deadline_from is not None or self.deadline_to is not None:
            keep &= ~np.isnat(table.deadline)
            if self.deadline_from is not None:
                keep &= table.deadline >= np.datetime64(self.deadline_from, "D")
            if self.deadline_to is not None:
                keep &= table.deadline <= np.datetime64(self.deadline_to, "D")
        return keep


def _among(codes: np.ndarray, names: np.ndarray, wanted: Iterable[str]) -> np.ndarray:
    """Where the value behind each code is one of `wanted` (codes into `names`, -1 never matches)."""
    chosen = set(wanted)
    hits = np.flatnonzero(np.fromiter((name in chosen for name in names), dtype=bool, count=len(names)))
    return np.isin(codes, hits)


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
    topics = {str(name) for name in table.topic_names[np.unique(table.topic_codes)]}
    codes, names = table.category("claimant")
    counts = np.bincount(codes[codes >= 0], minlength=len(names))
    present = [(str(names[i]), int(counts[i])) for i in range(len(names)) if counts[i]]
    if (codes < 0).any():  # a claim without a claimant (not in a ledger, but in rows handed in)
        present.append(("None", int((codes < 0).sum())))
    codes, names = table.category("attribution")
    present_attributions = {names[i] for i in np.unique(codes[codes >= 0])}
    return FilterOptions(
        topics=sorted(topics),
        claimants=[name for name, _ in sorted(present, key=lambda item: (-item[1], item[0]))],
        attributions=[a.value for a in Attribution if a.value in present_attributions],
        # the coarse states first ("open" is also a binary claim's status: as a filter it means every open claim)
        statuses=["open", "overdue", "resolved"] + [s.value for s in Status if s.value != "open"],
        sources=sorted({str(table.source_names[i]) for i in np.unique(table.source_code)}),
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
    status, state, deadline = table.status_code[keep], table.state_code[keep], table.deadline[keep]
    counts = np.bincount(status, minlength=len(table.status_names))
    known = {s.value for s in Status}
    extra = sorted((str(name), int(counts[i])) for i, name in enumerate(table.status_names) if name not in known)
    by_status = {s.value: 0 for s in Status}
    for i, name in enumerate(table.status_names):
        if name in known and counts[i]:
            by_status[str(name)] = int(counts[i])
    by_status |= {name: count for name, count in extra if count}
    states = np.bincount(state, minlength=3)
    start, horizon = np.datetime64(today, "D"), np.datetime64(today + timedelta(days=due_within_days), "D")
    return Headline(
        claims=int(keep.sum()),
        open=int(states[0]),
        due_soon=int(((state == 0) & (deadline >= start) & (deadline <= horizon)).sum()),
        overdue=int(states[1]),
        resolved=int(states[2]),
        not_checkable=by_status.get(Status.NOT_CHECKABLE.value, 0),
        undated=int(np.isnat(deadline).sum()),
        by_status=by_status,
    )


@dataclass(frozen=True)
class BrierSummary:
    n: int  # scored forecasts
    brier: float | None  # None when nothing is scored yet


def brier_of(table: ClaimTable, attribution: str) -> BrierSummary:
    """The Brier score over every scored forecast on the claims of `attribution`, from each claim's
    stored sums (db.rollups): the figure scoring.score_table computes from the forecasts themselves
    (a test holds the two equal), without reading a million forecasts for one number."""
    codes, names = table.category("attribution")
    wanted = np.flatnonzero(names == attribution)
    mine = np.isin(codes, wanted) & (np.asarray(table.columns["n_scored"]) > 0)
    n = int(np.asarray(table.columns["n_scored"])[mine].sum())
    return BrierSummary(n, float(np.asarray(table.columns["brier_sum"], dtype=float)[mine].sum() / n) if n else None)


# --- deadlines -----------------------------------------------------------------------------------


def due_within_index(table: ClaimTable, today: date, days: int) -> np.ndarray:
    start, horizon = np.datetime64(today, "D"), np.datetime64(today + timedelta(days=days), "D")
    return _sorted(table, (table.state_code == 0) & (table.deadline >= start) & (table.deadline <= horizon))


def overdue_index(table: ClaimTable) -> np.ndarray:
    return _sorted(table, table.state_code == 1)


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


PROGRESS_CLAIMS = 30  # lines on the Overview's progress chart: the threshold claims due nearest today


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


def forecast_entry_text(forecast: Mapping[str, Any]) -> str:
    """How a forecast entered the record and whether it is scored, in a few words (claim pages, site)."""
    recorded = forecast.get("recorded_at")
    when = f"{recorded:%Y-%m-%d}" if recorded is not None else "later"
    if forecast.get("entry") == "backfilled":
        return f"backfilled (recorded {when}): never scored"
    if not forecast.get("counted", True):
        return f"recorded {when}, after the deadline or verdict: not scored"
    if forecast.get("entry") == "imported":
        return "yes (imported with its own date)"
    return "yes"
