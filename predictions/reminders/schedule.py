"""Which reminder step of a claim is due (docs/architecture.md §6): `before-N` on D − N for each configured offset,
`due` on D, `overdue-K` on D + K·every days until resolved, and a monthly `checkable-YYYY-MM` nudge for a
claim without a usable deadline."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from predictions.ledger import LedgerError

if TYPE_CHECKING:
    pass

log = logging.getLogger("predictions.reminders")

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


@dataclass(frozen=True)
class Step:
    name: str
    due_on: date


def month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def due_steps(
    deadline: date | None, made_on: date, today: date, offsets: Sequence[int], overdue_every: int
) -> list[Step]:
    """Every step of a claim due on or before `today`, oldest first."""
    if deadline is None:
        steps, month = [], month_start(made_on, 1)
        while month <= today:
            steps.append(Step(f"checkable-{month:%Y-%m}", month))
            month = month_start(month, 1)
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
        latest_month = month_start(today)
        first_month = month_start(made_on, 1)
        if latest_month < first_month:
            return []
        latest = Step(f"checkable-{latest_month:%Y-%m}", latest_month)
        if not fresh(latest):
            return []
        start = first_month if handled_through is None else max(first_month, month_start(handled_through, 1))
        end = month_start(latest_month, -1)
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
