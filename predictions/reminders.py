"""Reminders as deadlines approach, exactly once per (claim, step, channel) — docs/architecture.md §6.

A sweep reads the claims table (the source of truth), works out which step of each unresolved
claim is due, claims that step in the database, closes the connection, sends, and records the
outcome. Steps of a claim with a deadline D: `before-N` on D − N for each configured offset, `due`
on D, and `overdue-K` on D + K·every days until resolved. A claim without a usable deadline gets a
monthly `checkable-YYYY-MM` nudge. After downtime only the most recent due step is sent; the older
unrecorded ones are recorded as `skipped`.

A step claimed but never marked (the sender crashed) is taken back after LEASE and sent again with
the same idempotency key (the e-mail Message-ID, the webhook's Idempotency-Key header), so a
receiver can always tell a retry from a new reminder. A failing channel is retried with exponential
backoff up to MAX_ATTEMPTS and never blocks the others; its error shows in the inbox.

Over 500 lines: the step schedule, the claim-then-send protocol and the channels are one protocol
whose parts share its ledger rows and leases; apart, each would need the others' internals.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db import reminders as sql
from db.queries import claim_count
from predictions.ledger import LedgerError, reading, utc_now, writing
from predictions.progress import Status, claim_status, share_of_target, summary_projection
from predictions.quantities import format_number
from predictions.redaction import redact

# `remind once` with nothing new to send loads no numpy (a small ledger is planned claim by claim), no
# smtplib, ssl or email (the e-mail channel imports them when it sends), no urllib.request (the webhook).
if TYPE_CHECKING:
    import numpy as np

    from predictions.settings import Settings
    from predictions.verdicts import Crossing

log = logging.getLogger("predictions.reminders")

LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
SEND_TIMEOUT = 20.0
MAX_OFFSET_DAYS = 3650


def parse_offsets(text: str) -> list[int]:
    try:
        offsets = sorted({int(part) for part in text.split(",") if part.strip()}, reverse=True)
    except ValueError as error:
        raise LedgerError(f"reminder offsets {text!r} must be whole days, e.g. 30,7,1") from error
    if not offsets or any(n <= 0 for n in offsets):
        raise LedgerError(f"reminder offsets {text!r} must be positive whole days, e.g. 30,7,1")
    if offsets[0] > MAX_OFFSET_DAYS:
        raise LedgerError(f"reminder offsets {text!r} must be at most {MAX_OFFSET_DAYS} days (ten years)")
    return offsets


# --- which step is due ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    due_on: date


def _month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def due_steps(
    deadline: date | None, made_on: date, today: date, offsets: Sequence[int], overdue_every: int
) -> list[Step]:
    """Every step of a claim due on or before `today`, oldest first."""
    if deadline is None:
        steps, month = [], _month_start(made_on, 1)
        while month <= today:
            steps.append(Step(f"checkable-{month:%Y-%m}", month))
            month = _month_start(month, 1)
        return steps
    steps = [Step(f"before-{n}", deadline - timedelta(days=n)) for n in sorted(offsets, reverse=True)]
    steps.append(Step("due", deadline))
    if today > deadline:
        count = (today - deadline).days // overdue_every
        steps += [Step(f"overdue-{k}", deadline + timedelta(days=k * overdue_every)) for k in range(1, count + 1)]
    return [s for s in steps if s.due_on <= today]


def _months_between(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


def pending_steps(
    deadline: date | None,
    made_on: date,
    today: date,
    offsets: Sequence[int],
    overdue_every: int,
    handled_through: date | None = None,
) -> list[Step]:
    """The steps due by `today` and after `handled_through` (the latest step already recorded), oldest
    first, the latest last. Same steps as `due_steps`, except that a run of missed periodic steps
    (overdue-K, checkable-YYYY-MM) before the latest comes back as one step named after its range, so
    a claim overdue for years costs one row, not hundreds. O(1) per claim.
    """

    def fresh(step: Step) -> bool:
        return step.due_on <= today and (handled_through is None or step.due_on > handled_through)

    def collapsed(name: str, first: str, last: str, due_on: date) -> Step:
        return Step(name if first == last else f"{name.rsplit('-', 1)[0]}-{first}..{last}", due_on)

    if deadline is None:
        latest_month = _month_start(today)
        first_month = _month_start(made_on, 1)
        if latest_month < first_month:
            return []
        latest = Step(f"checkable-{latest_month:%Y-%m}", latest_month)
        if not fresh(latest):
            return []
        start = first_month if handled_through is None else max(first_month, _month_start(handled_through, 1))
        end = _month_start(latest_month, -1)
        older = []
        if start <= end:
            older.append(collapsed(f"checkable-{end:%Y-%m}", f"{start:%Y-%m}", f"{end:%Y-%m}", end))
        return [*older, latest]
    named = [Step(f"before-{n}", deadline - timedelta(days=n)) for n in sorted(offsets, reverse=True)]
    named.append(Step("due", deadline))
    count = (today - deadline).days // overdue_every if today > deadline else 0
    if count == 0:
        due = [step for step in named if step.due_on <= today]
        if not due or not fresh(due[-1]):
            return []
        return [step for step in due if fresh(step)]
    latest = Step(f"overdue-{count}", deadline + timedelta(days=count * overdue_every))
    if not fresh(latest):
        return []
    older = [step for step in named if fresh(step)]
    first_k = 1
    if handled_through is not None and handled_through > deadline:
        first_k = (handled_through - deadline).days // overdue_every + 1
    if first_k <= count - 1:
        last_k = count - 1
        older.append(collapsed(f"overdue-{last_k}", str(first_k), str(last_k),
                               deadline + timedelta(days=last_k * overdue_every)))  # fmt: skip
    return [*older, latest]


# --- the message ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    claim_id: int
    step: str
    due_on: date
    statement: str
    deadline: date | None
    days_left: int | None
    status: str
    progress: str
    url: str
    subject: str
    body: str

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON: the fields, plus a Slack-compatible `text`."""
        return {
            "claim_id": self.claim_id,
            "statement": self.statement,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "step": self.step,
            "days_left": self.days_left,
            "status": self.status,
            "progress": self.progress,
            "url": self.url,
            "text": f"{self.subject}\n{self.url}",
        }


def _progress_text(row: dict[str, Any]) -> str:
    if row.get("kind") != "threshold":
        probability = row.get("probability")
        return f"current confidence {probability:.0%}" if probability is not None else "no confidence recorded"
    target = f"{row['comparator'] or '>='} {format_number(row['target'])} {row['unit'] or ''}".strip()
    if row.get("last_value") is None:
        return f"target {target}; no value recorded yet"
    share = share_of_target(float(row["last_value"]), row)
    shown = f" ({share:.0%} of the way)" if share is not None else ""
    return f"latest value {format_number(row['last_value'])} on {row['last_value_on']}{shown}; target {target}"


def compose(row: dict[str, Any], step: Step, today: date, dashboard_url: str) -> Reminder:
    deadline = row["deadline"]
    status = claim_status(row, today, summary_projection(row))
    url = f"{dashboard_url.rstrip('/')}/?claim={row['id']}"
    days_left = (deadline - today).days if deadline else None
    if deadline is None:
        when = "has no usable deadline yet"
        subject = f"Make this claim checkable: {row['statement'][:80]}"
        todo = "Give it a deadline and resolution criteria, or mark it ambiguous."
    else:
        if days_left is not None and days_left > 0:
            when = f"is due on {deadline.isoformat()} — {days_left} day{'s' if days_left != 1 else ''} left"
        elif days_left == 0:
            when = f"is due today ({deadline.isoformat()})"
        else:
            when = f"was due on {deadline.isoformat()} — overdue by {-(days_left or 0)} days"
        subject = f"[{step.name}] {row['statement'][:80]}"
        todo = (
            "Record the evidence you have, update your confidence, or resolve it (true / false / partial / ambiguous)."
            if status is not Status.AWAITING_VERDICT
            else "It is past its deadline: resolve it (true / false / partial / ambiguous) or record why it cannot be."
        )
    progress = _progress_text(row)
    body = "\n".join([
        f"Claim #{row['id']}: {row['statement']}",
        f"It {when}.",
        f"Status: {status.value}; {progress}.",
        f"Open it: {url}",
        f"Next: {todo}",
    ])  # fmt: skip
    return Reminder(row["id"], step.name, step.due_on, row["statement"], deadline, days_left, status.value,
                    progress, url, subject, body)  # fmt: skip


def compose_crossing(row: dict[str, Any], crossing: Crossing, today: date, dashboard_url: str) -> Reminder:
    """The message that a watched claim's data crossed its target (or its deadline passed short of it)."""
    deadline = row["deadline"]
    url = f"{dashboard_url.rstrip('/')}/?claim={row['id']}"
    headline = crossing.headline(row)
    source = (crossing.proposal.observation or {}).get("source_url")
    body = "\n".join([
        f"Claim #{row['id']}: {row['statement']}",
        f"The data proposes {crossing.proposal.outcome}: {crossing.proposal.basis}.",
        *([f"Source: {source}"] if source else []),
        f"Open it: {url}",
        "Next: review the evidence and give your verdict; nothing is resolved without you.",
    ])  # fmt: skip
    days_left = (deadline - today).days if deadline else None
    status = claim_status(row, today, summary_projection(row))
    return Reminder(row["id"], crossing.step, today, row["statement"], deadline, days_left, status.value,
                    _progress_text(row), url, headline[:1].upper() + headline[1:], body)  # fmt: skip


def _crossings(con: Any, today: date, dashboard_url: str) -> list[tuple[Reminder, Step]]:
    """A message for each watched claim whose data now decides it (once per crossing: the step names it).
    `con` is a sweep's writing unit, which has brought the schema up to date (watches exist)."""
    from db import evidence as evidence_sql
    from db import watches as watches_sql
    from predictions.verdicts import crossing

    claims = watches_sql.watched_open_threshold_claims(con)
    observations = evidence_sql.observations_of(con, [int(c["id"]) for c in claims])
    found = []
    for row in claims:
        decided = crossing(row, observations.get(int(row["id"]), []), today)
        if decided is not None:
            found.append((compose_crossing(row, decided, today, dashboard_url), Step(decided.step, today)))
    return found


# --- channels -------------------------------------------------------------------------------------


class ChannelError(Exception):
    """A delivery failed; the message is safe to show (secrets removed)."""


@dataclass
class Channel:
    name: str
    send: Callable[[Reminder, str], None]  # (reminder, idempotency key)
    # A local channel (console, inbox) cannot fail half-way to somebody else: its deliveries are
    # recorded together; an external one (e-mail, webhook) is recorded right after each delivery.
    external: bool = True
    # Masked in every form (escaped, URL-encoded, base64) in whatever this channel's failures say.
    secrets: tuple[str, ...] = ()
    user: str | None = None

    def redact(self, text: str) -> str:
        return redact(text, self.secrets, user=self.user)


def console_channel() -> Channel:
    def send(reminder: Reminder, key: str) -> None:
        log.info("reminder %s for claim %s: %s", reminder.step, reminder.claim_id, reminder.subject)
        print(f"--- reminder {key}\n{reminder.subject}\n{reminder.body}\n", flush=True)

    return Channel("console", send, external=False)


def inbox_channel() -> Channel:
    """The dashboard's inbox reads the reminders table itself: delivery is recording the message."""
    return Channel("inbox", lambda reminder, key: None, external=False)


def email_channel(settings: Settings) -> Channel:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    recipients = [a.strip() for a in (settings.smtp_to or "").split(",") if a.strip()]

    def send(reminder: Reminder, key: str) -> None:
        import smtplib
        import ssl
        from email.message import EmailMessage
        from email.utils import format_datetime

        message = EmailMessage()
        message["Subject"] = reminder.subject
        message["From"] = settings.smtp_from
        message["To"] = ", ".join(recipients)
        message["Message-ID"] = f"<{key}>"
        message["Date"] = format_datetime(datetime.now(UTC))
        message["X-Claim-Id"] = str(reminder.claim_id)
        message["X-Reminder-Step"] = reminder.step
        message.set_content(reminder.body)
        host, port = settings.smtp_host or "localhost", settings.smtp_port
        try:
            if settings.smtp_security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    host, port, timeout=SEND_TIMEOUT, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(host, port, timeout=SEND_TIMEOUT)
            with client:
                if settings.smtp_security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if settings.smtp_user:
                    try:
                        client.login(settings.smtp_user, password or "")
                    except UnicodeEncodeError:  # smtplib sends AUTH as ASCII; its message quotes a character
                        raise ChannelError(
                            f"e-mail to {host}:{port} failed: SMTP AUTH needs an ASCII user name and password"
                        ) from None
                client.send_message(message, to_addrs=recipients)
        except (OSError, smtplib.SMTPException) as error:
            text = f"e-mail to {host}:{port} failed: {error}"
            raise ChannelError(redact(text, [password], user=settings.smtp_user)) from None

    return Channel("email", send, secrets=(password,) if password else (), user=settings.smtp_user)


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """A URL without its `user:password@` part, and the user and password it held (percent-decoded)."""
    parts = urllib.parse.urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    bare = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    user = urllib.parse.unquote(parts.username) if parts.username is not None else None
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return bare, user, password


def webhook_channel(url: str) -> Channel:
    """POST to `url`; credentials in it (`https://user:pass@host/…`) go as HTTP Basic auth, never in text."""
    url, user, password = split_credentials(url)
    headers = {"Content-Type": "application/json", "User-Agent": "prediction-tracker"}
    if user is not None or password is not None:
        token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    secrets = tuple(s for s in (password, f"{user}:{password}" if password else None) if s)

    def send(reminder: Reminder, key: str) -> None:
        import urllib.request

        request = urllib.request.Request(
            url, data=json.dumps(reminder.payload()).encode(), headers={**headers, "Idempotency-Key": key},
            method="POST",
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:
                if not 200 <= response.status < 300:
                    raise ChannelError(f"webhook answered HTTP {response.status}")
        except ChannelError:
            raise
        except (OSError, ValueError) as error:
            # The URL may carry a token in its path or query: name only its scheme and host.
            parsed = urllib.parse.urlsplit(url)
            raise ChannelError(f"webhook POST to {parsed.scheme}://{parsed.hostname} failed: {error}") from None

    return Channel("webhook", send, secrets=secrets, user=user)


def configured_channels(settings: Settings) -> list[Channel]:
    channels = [console_channel(), inbox_channel()]
    if settings.smtp_host:
        if not settings.smtp_to:
            raise LedgerError("PREDICTIONS_SMTP_HOST is set but PREDICTIONS_SMTP_TO is not: no one to mail")
        channels.append(email_channel(settings))
    if settings.webhook_url:
        channels.append(webhook_channel(settings.webhook_url))
    return channels


# --- the sweep ------------------------------------------------------------------------------------


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
    month = np.datetime64(_month_start(today), "D")
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
        for reminder, step in _crossings(con, today, settings.dashboard_url):
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


# --- inbox ----------------------------------------------------------------------------------------


def inbox(db_path: Path, claim_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    with reading(db_path) as con:
        if not _has_reminders(con):
            return []
        return sql.reminder_rows(con, claim_id, limit)


def reminder_states(db_path: Path) -> dict[int, dict[str, Any]]:
    with reading(db_path) as con:
        if not _has_reminders(con):
            return {}
        return {int(row["claim_id"]): row for row in sql.reminder_state_by_claim(con)}


def _has_reminders(con: Any) -> bool:
    from db.migrations import schema_version

    return schema_version(con) >= 2


# --- the long-running process ---------------------------------------------------------------------


def run_forever(
    settings: Settings, *, on_sweep: Callable[[SweepResult], None] | None = None, reminders: bool = True
) -> None:
    """A BlockingScheduler sweeping every N minutes, and running the watched sources that are due every
    `watch_check_minutes`, until SIGTERM or Ctrl-C: one sweep at a time, each due watch on a thread of its
    own (watches.Runner). SIGTERM cuts the fetches in progress short and stops within moments."""
    import signal

    from apscheduler.schedulers.blocking import BlockingScheduler

    configured_channels(settings)  # a bad configuration fails now, not at the first sweep
    scheduler = BlockingScheduler(timezone=UTC)

    def job() -> None:
        try:
            result = sweep(settings)
        except Exception as error:  # one bad sweep (e.g. database busy) must not end the process
            log.error("reminder sweep failed: %s", error)
            return
        log.info("reminder sweep: %s", result.summary())
        if on_sweep is not None:
            on_sweep(result)

    from predictions import watches

    def after_watch_run(run: watches.WatchRun) -> None:
        if run.added or run.revised:  # a reading may have crossed a target: say so now
            result = sweep(settings, deadlines=False)
            if result.sent or result.failed:
                log.info("crossing notices: %s", result.summary())

    runner = watches.Runner(settings, after_watch_run)

    def watch_job() -> None:
        try:
            runner.start_due()  # hands each due watch to a thread of its own and returns at once
        except Exception as error:  # one bad look (e.g. database busy) must not end the process
            log.error("watch run failed: %s", error)

    def every(minutes: float, work: Callable[[], None], name: str) -> None:
        """Run `work` now and then every `minutes`, one at a time; a late run is run once, not caught up."""
        scheduler.add_job(work, "interval", minutes=minutes, next_run_time=datetime.now(UTC), coalesce=True,
                          max_instances=1, misfire_grace_time=int(max(60, minutes * 60)), id=name)  # fmt: skip

    if reminders:
        every(settings.remind_every_minutes, job, "reminder-sweep")
    every(settings.watch_check_minutes, watch_job, "watch-runs")

    def stop(signum: int, frame: object) -> None:
        # Ctrl-C reaches the whole process group and `make run` then sends SIGTERM too: stop once.
        if scheduler.running:
            log.info("reminder process stopping (signal %s)", signum)
            runner.stop()  # first: a fetch in progress is cut short, so the jobs below end within moments
            scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        runner.stop()
        if scheduler.running:
            scheduler.shutdown(wait=True)
    finally:
        runner.stop()
