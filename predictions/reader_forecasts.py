"""Readers forecast too: blind, without accounts, scored against the author (issue 25).

Who a reader is (the signed cookie, pseudonyms) and the rate limits are predictions.reader_identity; the
scores when a claim resolves ("Readers (median)", each reader's record, Metaculus's baseline and peer
scores) are predictions.reader_scores. This module holds the rest:

- **One active forecast per reader per claim.** Each change is a new row; the latest row is the active
  forecast. Submitting the same probability again stores nothing (it is no change).
- **Blind until you forecast.** `view` computes nothing of the other readers' forecasts for a reader
  who has not forecast the claim (the SQL asks for that reader's own row alone), unless the claim is
  resolved. Aggregates are shown only once MIN_READERS readers have forecast.
- **The aggregate is the median** of the active forecasts of readers who are not excluded. With a share
  `a` of ballots all at one extreme, the median can move no further than the honest forecasts'
  quantile 0.5 / (1 − a): for a = 20 %, the honest readers' 62.5th percentile (`median_bound`).
- **What counts when the claim resolves**: a reader's last forecast made before the end of the
  deadline day and before the claim's first resolution was recorded (the ledger's rule for the author).
- **The author's controls**: each claim's readers, excluding a pseudonym, closing forecasts on a claim or
  everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from db import clock
from db import reader_forecasts as sql
from predictions.reader_identity import (
    POLITE_WAIT,
    RateLimitedError,
    RateLimiter,
    ReaderForecastError,
    limit_keys,
    short,
)
from predictions.scoring import scored_outcome

MIN_READERS = 3
LOWEST, HIGHEST = 0.01, 0.99
HISTOGRAM_EDGES = tuple(i / 10 for i in range(11))  # tenths: 1–10 %, …, 91–99 %


def readers_path(ledger: Path) -> Path:
    """The readers' file of the ledger at `ledger` (db.reader_forecasts.readers_file)."""
    return sql.readers_file(ledger)


# --- the claim's state --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimFacts:
    """What the ledger says about a claim that matters to its readers."""

    claim_id: int
    statement: str
    deadline: date | None
    withdrawn: bool
    partial_credit: bool
    outcome: str | None
    fraction: float | None
    resolved_on: date | None
    first_resolved_at: datetime | None
    author_probability: float | None
    author_forecaster: str | None

    @property
    def resolved(self) -> bool:
        return self.outcome is not None

    @property
    def scored_outcome(self) -> float | None:
        if self.withdrawn:
            return None
        return scored_outcome(self.outcome, self.fraction, self.partial_credit)

    def counts(self, made_at: datetime) -> bool:
        """A reader's forecast made then counts: before the end of the deadline day and the first resolution."""
        if self.deadline is not None and made_at >= datetime.combine(
            self.deadline + timedelta(days=1), datetime.min.time()
        ):
            return False
        return self.first_resolved_at is None or made_at < self.first_resolved_at


def claim_facts(ledger: Path, claim_ids: Iterable[int]) -> dict[int, ClaimFacts]:
    from predictions.ledger import reading

    wanted = sorted({int(i) for i in claim_ids})
    if not wanted:
        return {}
    with reading(ledger, few_rows=len(wanted) < 20) as con:
        rows = sql.ledger_claims(con, wanted)
    return {
        int(r["claim_id"]): ClaimFacts(
            claim_id=int(r["claim_id"]),
            statement=str(r["statement"]),
            deadline=r["deadline"],
            withdrawn=bool(r["withdrawn"]),
            partial_credit=bool(r["partial_credit"]),
            outcome=r["outcome"],
            fraction=None if r["fraction"] is None else float(r["fraction"]),
            resolved_on=r["resolved_on"],
            first_resolved_at=r["first_resolved_at"],
            author_probability=None if r["author_probability"] is None else float(r["author_probability"]),
            author_forecaster=r["author_forecaster"],
        )
        for r in rows
    }


def _closed_now(closings: Sequence[dict[str, Any]], claim_id: int) -> dict[str, Any] | None:
    """The closing in force for the claim (its own, else the one everywhere), None when open."""
    own = [c for c in closings if c["claim_id"] == claim_id]
    everywhere = [c for c in closings if c["claim_id"] is None]
    for rows in (own, everywhere):
        if rows and rows[-1]["action"] == "close":
            return rows[-1]
    return None


def why_closed(facts: ClaimFacts, today: date, enabled: bool, closing: dict[str, Any] | None) -> str | None:
    """Why the claim takes no reader forecast now, None when it takes one."""
    if facts.withdrawn:
        return "This claim was withdrawn, so it takes no forecasts."
    if facts.resolved:
        return f"This claim was resolved ({facts.outcome}), so it takes no more forecasts."
    if facts.deadline is not None and today > facts.deadline:
        return f"This claim's deadline ({facts.deadline}) has passed, so it takes no more forecasts."
    if not enabled:
        return "Reader forecasts are switched off on this dashboard."
    if closing is not None:
        return (
            f"The author closed reader forecasts {'here' if closing['claim_id'] else 'everywhere'}: {closing['reason']}"
        )
    return None


# --- aggregates ---------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float | None:
    return float(np.median(np.asarray(values, dtype=float))) if len(values) else None


def median_bound(honest: Sequence[float], adversarial_share: float) -> float:
    """How high a share `adversarial_share` (< 0.5) of extra ballots, all at 99 %, can push the median of
    the `honest` forecasts: the honest order statistic the median of all ballots can reach at most,
    about the honest quantile 0.5 / (1 − share) (62.5 % for a 20 % share)."""
    ordered = sorted(honest)
    n = len(ordered)
    total = math.ceil(n / (1 - adversarial_share))  # honest plus adversarial ballots
    upper = min(n - 1, total // 2)  # the higher middle position of all ballots, counted in honest ones
    return ordered[upper]


def histogram(values: Sequence[float]) -> list[int]:
    """Counts per tenth (1–10 %, 11–20 %, … 91–99 %): a forecast of 10 % is in the first bin."""
    counts = [0] * 10
    for value in values:
        counts[min(9, max(0, math.ceil(round(value * 100) / 10) - 1))] += 1
    return counts


@dataclass(frozen=True)
class HistoryPoint:
    at: datetime
    n: int
    median: float


@dataclass(frozen=True)
class Aggregate:
    """The readers of one claim: the count of readers, and (from MIN_READERS on) their median and spread."""

    n: int
    median: float | None
    histogram: list[int]
    history: list[HistoryPoint]
    excluded: int = 0

    @property
    def shown(self) -> bool:
        return self.n >= MIN_READERS


def aggregate(rows: Sequence[dict[str, Any]], facts: ClaimFacts | None) -> Aggregate:
    """The aggregate of one claim's rows (db.reader_forecasts.forecasts_of_claims, oldest first): the
    readers not excluded, each with their last forecast that counts; the median after each change."""
    active: dict[str, float] = {}
    history: list[HistoryPoint] = []
    excluded = set()
    for row in rows:
        if row["excluded"]:
            excluded.add(row["reader"])
            continue
        if facts is not None and not facts.counts(row["made_at"]):
            continue
        active[row["reader"]] = float(row["probability"])
        if len(active) >= MIN_READERS:
            value = median(list(active.values()))
            assert value is not None
            history.append(HistoryPoint(row["made_at"], len(active), value))
    values = list(active.values())
    shown = len(values) >= MIN_READERS
    return Aggregate(
        n=len(values),
        median=median(values) if shown else None,
        histogram=histogram(values) if shown else [0] * 10,
        history=history,
        excluded=len(excluded),
    )


def active_forecasts(rows: Sequence[dict[str, Any]], facts: ClaimFacts | None) -> dict[str, float]:
    """Each reader's last counted forecast on one claim (excluded readers left out)."""
    active: dict[str, float] = {}
    for row in rows:
        if not row["excluded"] and (facts is None or facts.counts(row["made_at"])):
            active[row["reader"]] = float(row["probability"])
    return active


# --- what one reader sees ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderView:
    claim_id: int
    closed_because: str | None
    own: float | None
    own_history: list[tuple[datetime, float]]
    author_probability: float | None
    aggregate: Aggregate | None  # None: blind (not computed)
    claims: tuple[int, ...] = ()  # every claim this reader has forecast (their record's, read with `own`)
    closings: tuple[dict[str, Any], ...] = ()  # the author's closings as read for this view (for `submit`)
    facts: ClaimFacts | None = None  # the ledger's facts this view was made from (for `submit`)

    @property
    def blind(self) -> bool:
        return self.aggregate is None


def view(
    ledger: Path, claim_id: int, reader: str, *, today: date, enabled: bool, facts: ClaimFacts | None = None
) -> ReaderView:
    """What the reader `reader` (a pseudonym) may see of claim `claim_id`. The other readers' forecasts
    are read only when the reader has forecast the claim or the claim is resolved (the blindness rule)."""
    facts = facts or claim_facts(ledger, [claim_id]).get(claim_id)
    if facts is None:
        raise ReaderForecastError(f"no claim with id {claim_id}")
    path = sql.readers_file(ledger)
    with sql.reading(path) as con:
        if con is None:
            history: list[dict[str, Any]] = []
            closings: list[dict[str, Any]] = []
        else:
            history = sql.own_history(con, reader)
            closings = sql.closings(con)
        mine = [row for row in history if row["claim_id"] == claim_id]
        own = float(mine[-1]["probability"]) if mine else None
        rows = None
        if con is not None and (own is not None or facts.resolved):
            rows = sql.forecasts_of_claims(con, [claim_id])
    closed = why_closed(facts, today, enabled, _closed_now(closings, claim_id))
    return ReaderView(
        claim_id=claim_id,
        closed_because=closed,
        own=own,
        own_history=[(row["made_at"], float(row["probability"])) for row in mine],
        author_probability=facts.author_probability,
        aggregate=None if rows is None and not facts.resolved else aggregate(rows or [], facts),
        claims=tuple(sorted({int(row["claim_id"]) for row in history})),
        closings=tuple(closings),
        facts=facts,
    )


@dataclass(frozen=True)
class Submitted:
    probability: float
    changed: bool
    message: str


@cache
def _probability() -> Any:
    """The pydantic check of a reader's probability (built once: a TypeAdapter costs ~1 ms to make)."""
    from pydantic import TypeAdapter
    from pydantic import confloat as _confloat

    return TypeAdapter(_confloat(ge=LOWEST, le=HIGHEST, allow_inf_nan=False))


def submit(
    ledger: Path,
    claim_id: int,
    reader: str,
    probability: float,
    *,
    address: str | None,
    limiter: RateLimiter,
    today: date | None = None,
    enabled: bool = True,
    seen: ReaderView | None = None,
) -> Submitted:
    """Record the reader's forecast (0.01–0.99) on an open claim: refused, with one polite line, when the
    claim takes none or the reader or their address is over the rate limit. Writes only the readers' file.
    `seen`: this request's `view` of the claim, whose facts and closings are not read again (a refused
    submission reads no file); a submission that changes nothing is answered from a read, without a lock."""
    from pydantic import ValidationError

    try:
        value = _probability().validate_python(probability)
    except ValidationError:
        raise ReaderForecastError("A forecast is a probability from 1% to 99%.") from None
    value = round(float(value), 2)
    today = today or clock.utc_now().date()
    known = seen if seen is not None and seen.claim_id == claim_id and seen.facts is not None else None
    facts = known.facts if known is not None else claim_facts(ledger, [claim_id]).get(claim_id)
    if facts is None:
        raise ReaderForecastError(f"no claim with id {claim_id}")
    closed = why_closed(facts, today, enabled, None)  # what the ledger says first: no read of the readers' file
    path = sql.readers_file(ledger)
    before: float | None = None
    if closed is None:
        if known is not None:
            closings: Sequence[dict[str, Any]] = known.closings
        else:
            with sql.reading(path) as con:
                closings = [] if con is None else sql.closings(con)
                before = None if con is None else sql.active_probability(con, claim_id, reader)
        closed = why_closed(facts, today, enabled, _closed_now(closings, claim_id))
    if closed is not None:
        raise ReaderForecastError(closed)
    if not limiter.take(limit_keys(reader, address)):
        raise RateLimitedError(POLITE_WAIT.format(limit=limiter.per_minute))
    if known is not None and _same(known.own, value):  # most likely no change: confirmed by a fresh read
        with sql.reading(path) as con:
            before = None if con is None else sql.active_probability(con, claim_id, reader)
    if _same(before, value):
        return Submitted(value, False, f"Your forecast stays at {value:.0%}.")
    with sql.writing(path) as con:
        before = sql.active_probability(con, claim_id, reader)  # again, under the writers' lock
        if _same(before, value):
            return Submitted(value, False, f"Your forecast stays at {value:.0%}.")
        sql.insert_forecast(con, claim_id, reader, value, clock.utc_now())
    if before is None:
        return Submitted(value, True, f"Your forecast of {value:.0%} is recorded.")
    return Submitted(value, True, f"Your forecast changed from {before:.0%} to {value:.0%}.")


def _same(before: float | None, value: float) -> bool:
    return before is not None and abs(before - value) < 1e-9


# --- the author's view: aggregates per claim, exclusions, closings --------------------------------------------


@dataclass(frozen=True)
class ClaimReaders:
    claim_id: int
    statement: str
    aggregate: Aggregate
    facts: ClaimFacts | None
    closed_because: str | None

    def as_json(self) -> dict[str, Any]:
        """Aggregates only: never a pseudonym."""
        shown = self.aggregate.shown
        return {
            "claim_id": self.claim_id,
            "statement": self.statement,
            "readers": self.aggregate.n,
            "median": self.aggregate.median if shown else None,
            "histogram": self.aggregate.histogram if shown else None,
            "excluded_readers": self.aggregate.excluded,
            "status": "resolved"
            if self.facts and self.facts.resolved
            else "open"
            if self.closed_because is None
            else "closed",
            "author_probability": self.facts.author_probability if self.facts else None,
        }


def claims_readers(
    ledger: Path, claim_ids: Sequence[int] | None = None, *, today: date | None = None, enabled: bool = True
) -> list[ClaimReaders]:
    """Per claim any reader forecast (or each of `claim_ids`): the readers' count and median."""
    today = today or clock.utc_now().date()
    with sql.reading(sql.readers_file(ledger)) as con:
        if con is None:
            rows, closings, ids = [], [], list(claim_ids or [])
        else:
            ids = list(claim_ids) if claim_ids is not None else sql.forecast_claims(con)
            rows = sql.forecasts_of_claims(con, ids)
            closings = sql.closings(con)
    facts = claim_facts(ledger, ids)
    by_claim: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for row in rows:
        by_claim.setdefault(int(row["claim_id"]), []).append(row)
    out = []
    for claim_id in ids:
        fact = facts.get(claim_id)
        if fact is None and claim_ids is not None:
            raise ReaderForecastError(f"no claim with id {claim_id}")
        closed = None if fact is None else why_closed(fact, today, enabled, _closed_now(closings, claim_id))
        out.append(
            ClaimReaders(
                claim_id,
                fact.statement if fact else "(not in the ledger)",
                aggregate(by_claim[claim_id], fact),
                fact,
                closed,
            )
        )
    return out


@dataclass(frozen=True)
class ReaderRow:
    """One reader's active forecast on a claim, as the author sees it: a pseudonym, never an id."""

    reader: str
    probability: float
    made_at: datetime
    changes: int
    excluded: bool


def claim_ballots(ledger: Path, claim_id: int) -> list[ReaderRow]:
    """The author's view of one claim's readers: each pseudonym's active forecast and how often it changed."""
    with sql.reading(sql.readers_file(ledger)) as con:
        rows = [] if con is None else sql.forecasts_of_claims(con, [claim_id])
    latest: dict[str, dict[str, Any]] = {}
    changes: dict[str, int] = {}
    for row in rows:
        latest[row["reader"]] = row
        changes[row["reader"]] = changes.get(row["reader"], 0) + 1
    return sorted(
        (
            ReaderRow(short(name), float(row["probability"]), row["made_at"], changes[name] - 1, bool(row["excluded"]))
            for name, row in latest.items()
        ),
        key=lambda r: r.made_at,
        reverse=True,
    )


def _full_pseudonym(con: Any, shown: str) -> str:
    prefix = shown.removeprefix("reader-").strip().lower()
    if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
        raise ReaderForecastError(f"{shown!r} is not a reader pseudonym (reader-<10 hex digits>)")
    names = {row["reader"] for row in sql.forecasts_of_claims(con, None) if row["reader"].startswith(prefix)}
    if len(names) != 1:
        raise ReaderForecastError(f"no reader {shown!r}" if not names else f"{shown!r} names more than one reader")
    return names.pop()


def _reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise ReaderForecastError("a reason is required")
    if len(text) > 500:
        raise ReaderForecastError("the reason is longer than 500 characters")
    return text


def set_excluded(ledger: Path, shown: str, reason: str, *, excluded: bool = True) -> str:
    """Exclude a pseudonym (spam) from every aggregate and score, with a reason; or include it again."""
    reason = _reason(reason)
    with sql.writing(sql.readers_file(ledger)) as con:
        name = _full_pseudonym(con, shown)
        sql.insert_exclusion(con, name, "exclude" if excluded else "include", reason, clock.utc_now())
    return short(name)


def set_closed(ledger: Path, claim_id: int | None, reason: str, *, closed: bool = True) -> None:
    """Close (or reopen) reader forecasts on one claim, or everywhere with claim_id None."""
    reason = _reason(reason)
    with sql.writing(sql.readers_file(ledger)) as con:
        sql.insert_closing(con, claim_id, "close" if closed else "open", reason, clock.utc_now())


def closing_in_force(ledger: Path, claim_id: int | None) -> dict[str, Any] | None:
    with sql.reading(sql.readers_file(ledger)) as con:
        closings = [] if con is None else sql.closings(con)
    if claim_id is None:
        everywhere = [c for c in closings if c["claim_id"] is None]
        return everywhere[-1] if everywhere and everywhere[-1]["action"] == "close" else None
    own = [c for c in closings if c["claim_id"] == claim_id]
    return own[-1] if own and own[-1]["action"] == "close" else None
