"""One reminder sweep, exactly once per (claim, step, channel) — docs/architecture.md §6.

A sweep reads the claims table (the source of truth), works out which step of each unresolved claim is
due, claims that step in the database, closes the connection, sends, and records the outcome. After
downtime only the most recent due step is sent; the older unrecorded ones are recorded as `skipped`.

A step claimed but never marked (the sender crashed) is taken back after LEASE and sent again with the
same idempotency key (the e-mail Message-ID, the webhook's Idempotency-Key header), so a receiver can
always tell a retry from a new reminder. A failing channel is retried with exponential backoff up to
MAX_ATTEMPTS and never blocks the others; its error shows in the inbox.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from db import reminders as sql
from db.queries import claim_count
from predictions.ledger import LedgerError, utc_now, writing
from predictions.reminders.channels import Channel, ChannelError, configured_channels
from predictions.reminders.messages import Reminder, compose, crossing_reminders
from predictions.reminders.schedule import Step, month_start, parse_offsets, pending_steps

if TYPE_CHECKING:
    import numpy as np

    from predictions.settings import Settings

log = logging.getLogger("predictions.reminders")


LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)


@dataclass
class SweepResult:
    sent: list[tuple[int, str, str]] = field(default_factory=list)
    failed: list[tuple[int, str, str, str]] = field(default_factory=list)
    skipped: int = 0
    unschedulable: list[int] = field(default_factory=list)  # claims whose steps could not be worked out

    def summary(self) -> str:
        text = f"{len(self.sent)} sent, {len(self.failed)} failed, {self.skipped} older steps skipped"
        if self.unschedulable:
            count = len(self.unschedulable)
            text += f", {count} claim{'s' if count != 1 else ''} could not be scheduled"
        return text


def _stable_key(claim_id: int, step: str, channel: str) -> str:
    return f"claim-{claim_id}.{step}.{channel}@prediction-tracker"


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))


def latest_due(
    deadline: np.ndarray, made_on: np.ndarray, today: date, offsets: Sequence[int], overdue_every: int
) -> np.ndarray:
    """For many claims at once (datetime64[D] arrays, NaT for no deadline): the due date of the latest
    step due by `today` (NaT when none is). `pending_steps` returns steps exactly when this date is
    after the latest step recorded, so a sweep need not ask it about the others."""
    import numpy as np

    deadline = np.asarray(deadline, dtype="datetime64[D]")
    made_on = np.asarray(made_on, dtype="datetime64[D]")
    now = np.datetime64(today, "D")
    out = np.full(len(deadline), np.datetime64("NaT"), dtype="datetime64[D]")
    dated = ~np.isnat(deadline)
    days_past = np.where(dated, (now - np.where(dated, deadline, now)).astype(np.int64), 0)
    count = np.where(days_past > 0, days_past // overdue_every, 0)
    overdue = dated & (count >= 1)  # overdue-K, K = count
    out[overdue] = deadline[overdue] + (count[overdue] * overdue_every).astype("timedelta64[D]")
    reached = dated & ~overdue & (days_past >= 0)  # the deadline itself
    out[reached] = deadline[reached]
    ahead = dated & (days_past < 0)
    for n in sorted(offsets):  # the latest before-N step is the one with the smallest N already due
        hit = ahead & np.isnat(out) & (n >= -days_past)
        out[hit] = deadline[hit] - np.timedelta64(n, "D")
    month = np.datetime64(month_start(today), "D")
    first_month = (made_on.astype("datetime64[M]") + 1).astype("datetime64[D]")
    monthly = ~dated & (first_month <= month)  # checkable-YYYY-MM of this month
    out[monthly] = month
    return out


def plan(
    candidates: Mapping[str, np.ndarray],
    recorded: Mapping[str, np.ndarray],
    now: datetime,
    settings: Settings,
    channel_names: Sequence[str],
    unschedulable: list[int] | None = None,
) -> dict[int, list[tuple[str, list[Step]]]]:
    """Per claim id, per channel: the steps to record now (older ones to skip, the latest to send).

    `candidates` are the columns of db.reminders.open_claim_deadlines, `recorded` those of
    handled_through. Only claims with a step due after the latest one recorded are worked out step by
    step; finding them is array arithmetic, so a sweep with nothing new has no loop over open claims.
    """
    import numpy as np

    today = now.date()
    offsets = parse_offsets(settings.remind_offsets)
    every = settings.remind_overdue_every_days
    plans: dict[int, list[tuple[str, list[Step]]]] = {}
    ids = np.asarray(candidates["id"], dtype=np.int64)
    if not len(ids) or not channel_names:
        return plans
    deadline = np.asarray(candidates["deadline"], dtype="datetime64[D]")
    made_on = np.asarray(candidates["made_on"], dtype="datetime64[D]")
    latest = latest_due(deadline, made_on, today, offsets, every)
    handled = {name: _handled(recorded, name, ids) for name in channel_names}
    fresh = {name: ~np.isnat(latest) & (np.isnat(day) | (latest > day)) for name, day in handled.items()}
    chosen = np.flatnonzero(np.logical_or.reduce(list(fresh.values())))
    # As Python values for pending_steps, converted all at once (NaT becomes None).
    claim_ids = ids[chosen].tolist()
    deadlines = deadline[chosen].astype(object).tolist()
    made = made_on[chosen].astype(object).tolist()
    through = {name: handled[name][chosen].astype(object).tolist() for name in channel_names}
    due = {name: fresh[name][chosen].tolist() for name in channel_names}
    for n, claim_id in enumerate(claim_ids):
        try:  # each claim on its own: one whose steps fall outside the calendar stops no other
            for name in channel_names:
                if not due[name][n]:
                    continue
                steps = pending_steps(deadlines[n], made[n], today, offsets, every, through[name][n])
                if steps:
                    plans.setdefault(claim_id, []).append((name, steps))
        except (OverflowError, ValueError) as error:
            plans.pop(claim_id, None)
            _unschedulable(claim_id, deadlines[n], error, unschedulable)
    return plans


def _unschedulable(claim_id: int, deadline: object, error: Exception, into: list[int] | None) -> None:
    log.warning("claim %s cannot be scheduled (deadline %s): %s; skipped", claim_id, deadline, error)
    if into is not None:
        into.append(claim_id)


def _handled(recorded: Mapping[str, np.ndarray], channel: str, ids: np.ndarray) -> np.ndarray:
    """The due date of the latest step recorded for each claim id on `channel` (NaT when none)."""
    import numpy as np

    out = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[D]")
    on_channel = np.asarray(recorded["channel"], dtype=object) == channel
    known = np.asarray(recorded["claim_id"], dtype=np.int64)[on_channel]
    if not len(known):
        return out
    days = np.asarray(recorded["due_on"], dtype="datetime64[D]")[on_channel]
    order = np.argsort(known)
    known, days = known[order], days[order]
    at = np.minimum(np.searchsorted(known, ids), len(known) - 1)
    found = known[at] == ids
    out[found] = days[at[found]]
    return out


# Up to this many claims a sweep plans claim by claim (`plan_rows`, ~20 µs a claim with two channels)
# rather than loading numpy for `plan` (~0.1 s in a fresh process: `remind once` from cron).
ROWS_UP_TO = 2_000


def plan_rows(
    candidates: Sequence[tuple[int, date | None, date]],
    recorded: Mapping[tuple[int, str], date],
    now: datetime,
    settings: Settings,
    channel_names: Sequence[str],
    unschedulable: list[int] | None = None,
) -> dict[int, list[tuple[str, list[Step]]]]:
    """`plan` over rows (db.reminders.open_claim_deadline_rows and handled_through_rows): `pending_steps`
    asked about every open claim, without `latest_due`'s arrays; the same plans (a test holds them equal)."""
    today = now.date()
    offsets = parse_offsets(settings.remind_offsets)
    every = settings.remind_overdue_every_days
    plans: dict[int, list[tuple[str, list[Step]]]] = {}
    for claim_id, deadline, made_on in candidates:
        try:  # each claim on its own, as in `plan`
            for name in channel_names:
                steps = pending_steps(deadline, made_on, today, offsets, every, recorded.get((claim_id, name)))
                if steps:
                    plans.setdefault(claim_id, []).append((name, steps))
        except (OverflowError, ValueError) as error:
            plans.pop(claim_id, None)
            _unschedulable(claim_id, deadline, error, unschedulable)
    return plans


def sweep(
    settings: Settings,
    now: datetime | None = None,
    channels: Sequence[Channel] | None = None,
    worker: str | None = None,
    *,
    deadlines: bool = True,
) -> SweepResult:
    """One pass: claim due steps, send them with the connection closed, record what happened.

    Besides the deadline steps, a watched claim whose data crossed its target gets its `data-…` step;
    `deadlines=False` (right after a watch run) sends only those."""
    now = now or utc_now()
    today = now.date()
    channels = list(channels) if channels is not None else configured_channels(settings)
    offsets = parse_offsets(settings.remind_offsets)
    try:  # the furthest dates a sweep works with, ahead and behind
        _ = (today + timedelta(days=max(offsets)), now - LEASE, now + BACKOFF_CAP)
    except OverflowError:
        raise LedgerError(f"cannot sweep as of {now.isoformat()}: too close to the ends of the calendar") from None
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    by_name = {channel.name: channel for channel in channels}
    result = SweepResult()
    with writing(settings.db) as con:
        plans: dict[int, list[tuple[str, list[Step]]]] = {}
        if deadlines:
            horizon = today + timedelta(days=max(offsets))
            if claim_count(con) <= ROWS_UP_TO:
                rows, handled = sql.open_claim_deadline_rows(con, horizon), sql.handled_through_rows(con)
                plans = plan_rows(rows, handled, now, settings, list(by_name), result.unschedulable)
            else:
                candidates, recorded = sql.open_claim_deadlines(con, horizon), sql.handled_through(con)
                plans = plan(candidates, recorded, now, settings, list(by_name), result.unschedulable)
        # Only the claims with something new get their full summary and a composed message.
        summaries = {row["id"]: row for row in sql.claim_summaries_for(con, list(plans))}
        to_claim, to_skip = [], []
        for claim_id, per_channel in plans.items():
            row = summaries[claim_id]
            try:
                reminder = compose(row, per_channel[0][1][-1], today, settings.dashboard_url)
            except (OverflowError, ValueError) as error:
                _unschedulable(claim_id, row["deadline"], error, result.unschedulable)
                continue
            for name, steps in per_channel:
                to_claim.append(_row(reminder, steps[-1], name, "claimed", now, worker))
                to_skip += [_skipped(claim_id, step, name, now, worker) for step in steps[:-1]]
        for reminder, step in crossing_reminders(con, today, settings.dashboard_url):
            to_claim += [_row(reminder, step, name, "claimed", now, worker) for name in by_name]
        claimed = sql.claim_steps(con, to_claim)
        result.skipped = len(sql.claim_steps(con, to_skip))
        claimed += sql.reclaim_due(con, now, now - LEASE, MAX_ATTEMPTS, worker)
    local_sent: list[tuple[int, str, str]] = []
    for row in claimed:
        key = (int(row["claim_id"]), str(row["step"]), str(row["channel"]))
        channel = by_name.get(key[2])
        if channel is None:  # a channel configured earlier but not now: leave it for when it is back
            continue
        error_text = _deliver(channel, _reminder_from_row(row), row["idempotency_key"])
        if error_text is None and not channel.external:
            local_sent.append(key)
            continue
        # Recorded right after each external delivery, so a crash resends at most the one in flight.
        with writing(settings.db) as con:
            if error_text is None:
                sql.mark_sent(con, key, now)
                result.sent.append(key)
            else:
                attempts = int(row.get("attempts") or 0) + 1
                sql.mark_failed(con, key, error_text, now + backoff(attempts))
                result.failed.append((*key, error_text))
    if local_sent:
        with writing(settings.db) as con:
            sql.mark_many_sent(con, local_sent, now)
        result.sent += local_sent
    return result


def _deliver(channel: Channel, reminder: Reminder, key: str) -> str | None:
    """Send; return None on success or the (secret-free) reason it failed."""
    try:
        channel.send(reminder, key)
        return None
    except ChannelError as error:
        text = channel.redact(str(error))
    except Exception as error:  # a channel must never stop the others
        text = channel.redact(f"{error.__class__.__name__}: {error}")
    log.warning("reminder %s via %s failed: %s", reminder.step, channel.name, text)
    return text


def _row(reminder: Reminder, step: Step, channel: str, state: str, now: datetime, worker: str) -> dict[str, Any]:
    return {
        "claim_id": reminder.claim_id,
        "step": step.name,
        "channel": channel,
        "due_on": step.due_on,
        "state": state,
        "idempotency_key": _stable_key(reminder.claim_id, step.name, channel),
        "claimed_at": now,
        "claimed_by": worker,
        "subject": reminder.subject,
        "body": reminder.body,
        "payload": json.dumps(
            {
                **reminder.__dict__,
                "step": step.name,
                "due_on": step.due_on.isoformat(),
                "deadline": reminder.deadline.isoformat() if reminder.deadline else None,
            }
        ),
    }


def _skipped(claim_id: int, step: Step, channel: str, now: datetime, worker: str) -> dict[str, Any]:
    return {
        "claim_id": claim_id,
        "step": step.name,
        "channel": channel,
        "due_on": step.due_on,
        "state": "skipped",
        "idempotency_key": _stable_key(claim_id, step.name, channel),
        "claimed_at": now,
        "claimed_by": worker,
        "subject": None,
        "body": None,
        "payload": None,
    }


def _reminder_from_row(row: dict[str, Any]) -> Reminder:
    """Rebuild the message exactly as it was composed when the step was claimed (retries resend the same)."""
    stored = json.loads(row["payload"])
    return Reminder(
        **{
            **stored,
            "due_on": date.fromisoformat(stored["due_on"]),
            "deadline": date.fromisoformat(stored["deadline"]) if stored["deadline"] else None,
        }
    )
