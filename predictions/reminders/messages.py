"""The reminder's message: its subject and body for a deadline step or a data crossing, and the
webhook's JSON."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from predictions.progress import Status, claim_status, share_of_target, summary_projection
from predictions.quantities import format_number
from predictions.reminders.schedule import Step

if TYPE_CHECKING:
    from predictions.verdicts import Crossing

log = logging.getLogger("predictions.reminders")


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


def crossing_reminders(con: Any, today: date, dashboard_url: str) -> list[tuple[Reminder, Step]]:
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
