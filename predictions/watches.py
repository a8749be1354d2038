"""Watched data sources (issue 16): a claim's metric read from a CSV, a JSON document or a feed on a
schedule, each new reading recorded once as an observation with its provenance.

A run claims the due watches (db.watches.take_due, for a lease: a run killed on the way leaves its
watch due again soon), fetches them in parallel with no connection open, each fetch within its own
total deadline (one slow source never holds up the others), then records each source's result in its own unit
of work as soon as it arrives. A payload is read whole before anything is written: one bad row and
the run records nothing, keeps the earlier readings and leaves its one-line reason as the watch's
last error. A reading already recorded adds nothing; a new value for a day already read is recorded
as a revision of the earlier observation. Feed entries become candidate notes, which are evidence
only once the author accepts them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from db import watches as sql
from predictions import watch_sources as sources
from predictions.ledger import LedgerError, UnknownClaimError, reading, utc_now, writing
from predictions.quantities import format_number
from predictions.settings import Settings

if TYPE_CHECKING:
    from predictions.reminders import SweepResult

log = logging.getLogger("predictions.watches")

MAX_PARALLEL_FETCHES = 8
MIN_EVERY_HOURS = 1 / 60  # a source is not read more than once a minute
MAX_EVERY_HOURS = 24 * 366


class WatchIn(BaseModel):
    """A source to watch for one claim, as `watch add` and the workspace give it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    claim_id: int = Field(gt=0)
    url: str = Field(max_length=2000)
    format: Literal["csv", "json", "atom"]
    points: str | None = Field(None, max_length=500)
    value_at: str | None = Field(None, max_length=500)
    date_at: str | None = Field(None, max_length=500)
    match_text: str | None = Field(None, max_length=500)
    every_hours: float = Field(24, ge=MIN_EVERY_HOURS, le=MAX_EVERY_HOURS)

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        from predictions.settings import load_settings  # the variables the author allows (environment or file)

        try:
            url = sources.check_url(url)
            return sources.check_placeholders(url, sources.listed_variables(load_settings().watch_url_variables))
        except sources.SourceError as error:
            raise ValueError(str(error)) from None

    @field_validator("points", "value_at", "date_at", "match_text", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _fits_format(self) -> WatchIn:
        if self.format == "atom":
            if not self.match_text:
                raise ValueError("an atom/RSS watch needs --match TEXT: the entries to propose as notes")
            if self.value_at or self.date_at or self.points:
                raise ValueError("an atom/RSS watch reads entries, not values: leave out --value, --date and --points")
            return self
        if not self.value_at or not self.date_at:
            raise ValueError(f"a {self.format} watch needs --value and --date (the {self._where()} to read)")
        if self.match_text:
            raise ValueError("--match goes with --format atom")
        if self.format == "csv" and self.points:
            raise ValueError("--points goes with --format json")
        if self.format == "json":
            for option, pointer in (("--value", self.value_at), ("--date", self.date_at), ("--points", self.points)):
                if pointer is not None:
                    try:
                        sources.check_pointer(pointer, option)
                    except sources.SourceError as error:
                        raise ValueError(str(error)) from None
        return self

    def _where(self) -> str:
        return "columns" if self.format == "csv" else "JSON pointers"


# --- managing watches -----------------------------------------------------------------------------


def add_watch(path: Path, watch: WatchIn) -> int:
    """Store the watch; it is due at once. Values go on threshold claims only (a binary claim takes notes)."""
    with writing(path, create=False) as con:
        row = sql.claim_kind(con, watch.claim_id)
        if row is None:
            raise UnknownClaimError(watch.claim_id)
        if row[1]:
            raise LedgerError(f"claim {watch.claim_id} is withdrawn: it takes no new evidence")
        if watch.format != "atom" and row[0] != "threshold":
            raise LedgerError(
                f"claim {watch.claim_id} is {row[0]}: a value has no target to meet there; watch a feed for notes"
            )
        return sql.add_watch(con, watch.model_dump(), utc_now())


def list_watches(path: Path, claim_id: int | None = None) -> list[dict[str, Any]]:
    with reading(path) as con:
        if not _has_watches(con):
            return []
        return sql.watch_rows(con, claim_id)


def remove_watch(path: Path, watch_id: int) -> None:
    with writing(path, create=False) as con:
        if not sql.remove_watch(con, watch_id):
            raise LedgerError(f"there is no watch {watch_id} (see `predictions watch list`)")


def describe(watch: dict[str, Any]) -> str:
    """What the watch reads, in one phrase."""
    if watch["format"] == "atom":
        return f"feed entries matching {watch['match_text']!r}"
    points = f" in each point of {watch['points']}" if watch.get("points") else ""
    return f"{watch['format']} value {watch['value_at']} dated by {watch['date_at']}{points}"


def found(watch: dict[str, Any]) -> str:
    """What the watch has found so far, in one phrase (its readings, or its pending candidate notes)."""
    if watch["format"] == "atom":
        return f"{_count(watch['pending'], 'candidate note')} pending"
    latest = f", latest for {watch['last_reading_on']}" if watch["last_reading_on"] else ""
    return f"{_count(watch['readings'], 'reading')}{latest}"


def _has_watches(con: Any) -> bool:
    from db.migrations import schema_version

    return schema_version(con) >= 6


# --- running them ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchRun:
    """What one run of one watch did."""

    watch_id: int
    claim_id: int
    added: int = 0  # new readings
    revised: int = 0  # readings that changed a day already read
    unchanged: int = 0  # readings already recorded
    candidates: int = 0  # new feed entries for the author
    error: str | None = None

    def summary(self) -> str:
        head = f"watch {self.watch_id} (claim #{self.claim_id}): "
        if self.error:
            return head + f"failed: {self.error}"
        if self.candidates or not (self.added or self.revised or self.unchanged):
            return head + f"{self.candidates} new candidate note{'s' if self.candidates != 1 else ''}"
        return head + f"{self.added} new reading{'s' if self.added != 1 else ''}, {self.revised} revised, " \
            f"{self.unchanged} already recorded"  # fmt: skip


@dataclass(frozen=True)
class _Fetched:
    watch: dict[str, Any]
    fetched_at: datetime
    now: datetime  # the run's clock: the next run is counted from it
    payload: sources.Payload | None = None
    readings: tuple[sources.Reading, ...] = ()
    entries: tuple[sources.FeedEntry, ...] = ()
    error: str | None = None
    stopped: bool = False  # cut short by a stopping process: nothing is recorded, the lease makes it due again


def _fetch_and_read(
    watch: dict[str, Any], settings: Settings, fetch: Callable[..., sources.Payload], now: datetime
) -> _Fetched:
    """Fetch one source and read its payload whole; any refusal comes back as its one-line reason, with
    every secret of the URL masked (a server may echo the request, filled-in key and all, into its payload)."""
    fetched_at = utc_now()
    secrets = sources.url_secrets(watch["url"])
    try:
        payload = fetch(
            watch["url"],
            timeout=settings.watch_timeout_seconds,
            max_bytes=settings.watch_max_bytes,
            retry_after=settings.watch_retry_seconds,
            listed=sources.listed_variables(settings.watch_url_variables),
        )
        if watch["format"] == "csv":
            found = sources.read_csv(payload.body, watch["value_at"], watch["date_at"])
            return _Fetched(watch, fetched_at, now, payload, readings=tuple(found))
        if watch["format"] == "json":
            found = sources.read_json(payload.body, watch["value_at"], watch["date_at"], watch["points"])
            return _Fetched(watch, fetched_at, now, payload, readings=tuple(found))
        entries = tuple(sources.read_feed(payload.body, watch["match_text"]))
        return _Fetched(watch, fetched_at, now, payload, entries=entries)
    except sources.Stopped:
        return _Fetched(watch, fetched_at, now, stopped=True)
    except sources.SourceError as error:
        return _Fetched(watch, fetched_at, now, error=sources.safe_reason(str(error), secrets))
    except Exception as error:  # a source must never stop the others: its reason is kept instead
        reason = f"unexpected {type(error).__name__}: {error}"
        return _Fetched(watch, fetched_at, now, error=sources.safe_reason(reason, secrets))


def lease(settings: Settings) -> timedelta:
    """How long a taken watch stays claimed if its run is never recorded (its process was killed): the
    longest a fetch may take (two attempts and the pause between them) and a minute for recording it.
    Then it is due again, rather than a whole interval later."""
    return timedelta(seconds=2 * settings.watch_timeout_seconds + settings.watch_retry_seconds + 60)


def take_due(
    settings: Settings, now: datetime, *, everything: bool = False, watch_ids: Sequence[int] = ()
) -> list[dict[str, Any]]:
    with writing(settings.db, create=False) as con:
        return sql.take_due(con, now, now + lease(settings), everything=everything or bool(watch_ids),
                            watch_ids=watch_ids)  # fmt: skip


def run_due(
    settings: Settings,
    now: datetime | None = None,
    *,
    everything: bool = False,
    watch_ids: Sequence[int] = (),
    fetch: Callable[..., sources.Payload] = sources.fetch,
) -> list[WatchRun]:
    """Run the watches due by `now` (all of them with `everything`, or those of `watch_ids`), all at
    once, each recorded as soon as it arrives; each fetch has its own total deadline."""
    now = now or utc_now()
    due = take_due(settings, now, everything=everything, watch_ids=watch_ids)
    if not due:
        return []
    runs = []
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_FETCHES, len(due)), thread_name_prefix="watch") as pool:
        futures = [pool.submit(_fetch_and_read, watch, settings, fetch, now) for watch in due]
        for future in as_completed(futures):  # each recorded as soon as it arrives
            fetched = future.result()
            if not fetched.stopped:
                runs.append(_record(settings.db, fetched))
    for run in runs:
        (log.warning if run.error else log.info)("%s", run.summary())
    return sorted(runs, key=lambda run: run.watch_id)


def run_and_notify(
    settings: Settings,
    now: datetime | None = None,
    *,
    everything: bool = False,
    watch_ids: Sequence[int] = (),
    fetch: Callable[..., sources.Payload] = sources.fetch,
) -> tuple[list[WatchRun], SweepResult | None]:
    """Run the watches (as run_due), then sweep for the crossings their readings made: the one "run the
    watches, then notify" of `predictions watch run --once`, the dashboard's "Run now" and, watch by watch
    through notify_crossings, the long-running process. The sweep's result is None when no run read
    anything new (nothing can have crossed)."""
    runs = run_due(settings, now, everything=everything, watch_ids=watch_ids, fetch=fetch)
    return runs, notify_crossings(settings, runs)


def notify_crossings(settings: Settings, runs: Sequence[WatchRun]) -> SweepResult | None:
    """After runs that added or revised readings, the crossing notices (a sweep of the data steps only,
    never the deadline steps); None when none did."""
    if not any(run.added or run.revised for run in runs):
        return None
    from predictions.reminders import sweep

    result = sweep(settings, deadlines=False)
    if result.sent or result.failed:
        log.info("crossing notices: %s", result.summary())
    return result


class Runner:
    """The long-running process's watches. Each look takes the due watches and hands each to a thread of
    its own, returning at once: a slow source never keeps another watch, or the next look, from running
    (a look that waited for every fetch would be skipped by the scheduler while one source trickles).
    `stop` cuts the fetches in progress short; a watch cut short is due again once its lease ends."""

    def __init__(
        self,
        settings: Settings,
        on_run: Callable[[WatchRun], object] = lambda run: None,
        fetch: Callable[..., sources.Payload] = sources.fetch,
    ) -> None:
        self.settings, self.on_run, self.fetch = settings, on_run, fetch
        self._pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL_FETCHES, thread_name_prefix="watch")
        sources.allow_fetches()

    def start_due(self, now: datetime | None = None) -> int:
        """Start the due watches; how many were started."""
        now = now or utc_now()
        due = take_due(self.settings, now)
        for watch in due:
            self._pool.submit(self._run_one, watch, now)
        return len(due)

    def _run_one(self, watch: dict[str, Any], now: datetime) -> None:
        try:
            fetched = _fetch_and_read(watch, self.settings, self.fetch, now)
            if fetched.stopped:
                return
            run = _record(self.settings.db, fetched)
            (log.warning if run.error else log.info)("%s", run.summary())
            self.on_run(run)
        except Exception as error:  # e.g. database busy: this watch's lease brings it back
            log.error("watch %s run failed: %s", watch.get("id"), error)

    def stop(self) -> None:
        sources.stop_fetches()
        self._pool.shutdown(wait=True, cancel_futures=True)
        # Every fetch of this runner has ended: the stop must not outlive it and refuse the process's later
        # fetches (a `watch run --once` or Run now in the same process would find every watch "stopped").
        sources.allow_fetches()


def _record(path: Path, fetched: _Fetched) -> WatchRun:
    watch = fetched.watch
    watch_id, claim_id = int(watch["id"]), int(watch["claim_id"])
    every = timedelta(hours=float(watch["every_hours"]))
    with writing(path) as con:
        if fetched.error is not None or fetched.payload is None:
            error = fetched.error or "nothing was fetched"
            sql.record_failure(con, watch_id, fetched.fetched_at, error, fetched.now + min(every, _retry_delay(watch)))
            return WatchRun(watch_id, claim_id, error=error)
        if not sql.watch_exists(con, watch_id):
            return WatchRun(watch_id, claim_id, error="removed while it ran; nothing recorded")
        sha = fetched.payload.sha256
        if watch["format"] == "atom":
            added = sql.add_candidates(con, [_candidate_row(watch, entry, fetched, sha) for entry in fetched.entries])
            sql.record_success(con, watch_id, fetched.fetched_at, fetched.now + every)
            return WatchRun(watch_id, claim_id, candidates=added)
        rows, revised, unchanged = _new_readings(con, watch, fetched, sha)
        from db import evidence as evidence_sql

        evidence_sql.insert_observations(con, rows)
        sql.record_success(con, watch_id, fetched.fetched_at, fetched.now + every)
        return WatchRun(watch_id, claim_id, added=len(rows) - revised, revised=revised, unchanged=unchanged)


def _retry_delay(watch: dict[str, Any]) -> timedelta:
    """A failing watch is tried again sooner than its interval: 5 min, doubling per failure in a row."""
    return timedelta(minutes=5 * 2 ** min(int(watch.get("failures") or 0), 8))


def _new_readings(
    con: Any, watch: dict[str, Any], fetched: _Fetched, sha: str
) -> tuple[list[dict[str, Any]], int, int]:
    known = sql.latest_readings(con, int(watch["id"]))
    public_source = sources.public_url(watch["url"])  # the readings' source: no literal credential in it
    origin = sources.reading_note(watch["url"], watch["format"], watch["value_at"], watch["points"])
    rows, revised, unchanged = [], 0, 0
    for found in fetched.readings:
        earlier = known.get(found.observed_on)
        if earlier is not None and earlier["value"] == found.value:
            unchanged += 1
            continue
        note = origin
        if earlier is not None:
            revised += 1
            note = (f"revises observation #{earlier['id']}: {format_number(earlier['value'])} → "
                    f"{format_number(found.value)} for {found.observed_on.isoformat()}; {origin}")  # fmt: skip
        rows.append({
            "claim_id": int(watch["claim_id"]), "observed_on": found.observed_on, "value": found.value, "note": note,
            "source_url": public_source, "source_published": None, "confidence": None, "origin": "watch",
            "watch_id": int(watch["id"]), "fetched_at": fetched.fetched_at, "payload_sha256": sha,
            "revises": earlier["id"] if earlier is not None else None,
        })  # fmt: skip
    return rows, revised, unchanged


def _candidate_row(watch: dict[str, Any], entry: sources.FeedEntry, fetched: _Fetched, sha: str) -> dict[str, Any]:
    return {
        "watch_id": int(watch["id"]), "claim_id": int(watch["claim_id"]), "entry_key": entry.key,
        "title": entry.title, "link": entry.link, "published_on": entry.published_on, "summary": entry.summary,
        "found_at": fetched.fetched_at, "fetched_at": fetched.fetched_at, "payload_sha256": sha,
    }  # fmt: skip


# --- candidate notes --------------------------------------------------------------------------------


def candidate_notes(path: Path, claim_id: int | None = None, state: str | None = "pending") -> list[dict[str, Any]]:
    with reading(path) as con:
        if not _has_watches(con):
            return []
        return sql.candidate_rows(con, state, claim_id)


def accept_candidate(path: Path, candidate_id: int, today: date | None = None) -> int:
    """Record the entry as a note observation (its title, dated by the entry, linking it); return its id."""
    with writing(path, create=False) as con:
        candidate = _pending(con, candidate_id)
        observed_on = candidate["published_on"] or today or utc_now().date()
        observation_id = sql.insert_note(con, candidate, observed_on, utc_now())
        sql.decide_candidate(con, candidate_id, "accepted", utc_now(), observation_id)
        return observation_id


def dismiss_candidate(path: Path, candidate_id: int) -> None:
    with writing(path, create=False) as con:
        _pending(con, candidate_id)
        sql.decide_candidate(con, candidate_id, "dismissed", utc_now(), None)


def _pending(con: Any, candidate_id: int) -> dict[str, Any]:
    candidate = sql.candidate_row(con, candidate_id)
    if candidate is None:
        raise LedgerError(f"there is no candidate note {candidate_id} (see `predictions watch candidates`)")
    if candidate["state"] != "pending":
        raise LedgerError(f"candidate note {candidate_id} was already {candidate['state']}")
    return candidate


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def summarize(runs: Iterable[WatchRun]) -> str:
    runs = list(runs)
    failed = sum(1 for run in runs if run.error)
    return (f"{len(runs)} watch{'es' if len(runs) != 1 else ''} run: "
            f"{_count(sum(r.added for r in runs), 'new reading')}, {sum(r.revised for r in runs)} revised, "
            f"{_count(sum(r.candidates for r in runs), 'new candidate note')}, {failed} failed")  # fmt: skip
