"""One claim's page as both the live dashboard (dashboard/app_pages/claim.py) and the published site
(dashboard/site/claim_page.py) show it, computed once: its facts, the status badge and status line, and
what a withdrawal says. The two pages only render this model (markdown there, HTML here), so they cannot
drift apart.

The domain rules of the page live here too: `last_forecast_brier` (the Brier score of the claim's last
counted forecast against its true/false verdict) and `status_line` (why the claim has its status today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from predictions import scoring, verdicts, words
from predictions.ledger import ClaimDetail, resolution_in_force
from predictions.quantities import format_number

# What withdrawing a claim does, said the same way on every page (and by `predictions withdraw`).
LEFT_OUT = "It is left out of every list, score, reminder and feed; its link keeps it readable."
WITHDRAWN_STATUS_LINE = "left out of every list, score, reminder and feed (see below)"


def last_forecast_brier(detail: ClaimDetail, resolution: dict[str, Any] | None) -> float | None:
    """The Brier score of the claim's last counted forecast against its true/false resolution, else None
    (a withdrawn claim is never scored; a backfilled forecast, or one recorded after the deadline or
    the verdict, never counts)."""
    latest = detail.last_counted_forecast
    if (
        detail.withdrawal is not None
        or resolution is None
        or resolution["outcome"] not in ("true", "false")
        or latest is None
    ):
        return None
    outcome = 1.0 if resolution["outcome"] == "true" else 0.0
    return scoring.brier_score(np.array([float(latest["probability"])]), np.array([outcome]))


def status_line(detail: ClaimDetail, today: date) -> str:
    """One line: why the claim has its status today (for a withdrawn claim, what withdrawing did)."""
    if detail.withdrawal is not None:
        return WITHDRAWN_STATUS_LINE
    row = detail.view.row
    proposal = verdicts.propose(row, detail.observations) if detail.view.status.state == "overdue" else None
    return verdicts.status_reason(row, detail.view.status, detail.view.projection, today, proposal)


def status_badge(status: str, latest: dict[str, Any] | None, brier: float | None) -> str:
    """One line: "Resolved false · last confidence 75% · Brier 0.563", or "On track · confidence 60%"."""
    parts = [status[:1].upper() + status[1:]]
    if latest is not None:
        word = "last confidence" if status.startswith("resolved") else "confidence"
        parts.append(f"{word} {float(latest['probability']):.0%}")
    if brier is not None:
        parts.append(f"Brier {words.score(brier)}")
    return " · ".join(parts)


@dataclass(frozen=True)
class Withdrawal:
    """A withdrawn claim's notice: "Withdrawn on DAY: REASON. It repeats claim #N. <LEFT_OUT>"."""

    on: date
    reason: str
    duplicate_of: int | None

    def text(self) -> str:
        """The notice as plain text (each page escapes it, and may link the claim it repeats)."""
        repeat = f" It repeats claim #{self.duplicate_of}." if self.duplicate_of else ""
        return f"Withdrawn on {self.on:%Y-%m-%d}: {self.reason}.{repeat} {LEFT_OUT}"


@dataclass(frozen=True)
class ClaimPage:
    """What a claim's page says, in plain text (each renderer escapes it for its medium)."""

    id: int
    statement: str
    status: str  # 'withdrawn' for a withdrawn claim: never an outcome badge or a score
    badge: str
    status_line: str
    facts: list[tuple[str, str]]  # the right-hand column, in order
    latest: dict[str, Any] | None  # the last counted forecast
    resolution: dict[str, Any] | None  # the resolution in force
    brier: float | None
    withdrawal: Withdrawal | None


def _facts(detail: ClaimDetail, latest: dict[str, Any] | None, current: dict[str, Any] | None) -> list[tuple[str, str]]:
    row = detail.view.as_json()
    facts = [("Claimant", f"{row['claimant']} ({str(row['attribution']).replace('_', ' ')})")]
    phrase = f' "{row["deadline_text"]}"' if row["deadline_text"] else ""
    if row["deadline"]:
        facts.append(("Deadline", f"{row['deadline']} ({row['deadline_precision'] or 'day'} precision){phrase}"))
    else:
        facts.append(("Deadline", f"none usable, not checkable yet{phrase}"))
    if row["kind"] == "threshold":
        target = f"{row['metric']} {row['comparator']} {format_number(row['target'])} {row['unit'] or ''}"
        facts.append(("Target", target))
    if latest is None:
        facts.append(("Current confidence", "no forecast recorded"))
    else:
        facts.append((
            "Current confidence",
            f"{float(latest['probability']):.0%} by {latest['forecaster']} "
            f"({latest['basis']}, {latest['made_at']:%Y-%m-%d})",
        ))  # fmt: skip
    if current is not None:
        achieved = f", {float(current['fraction']):.0%} achieved" if current["fraction"] is not None else ""
        unscored = " (recorded before the claim was withdrawn: not scored)" if detail.withdrawal is not None else ""
        facts.append(
            ("Resolution", f"{current['outcome']} on {current['resolved_on'].isoformat()}{achieved}{unscored}")
        )
        if current["note"]:
            facts.append(("Rationale", str(current["note"])))
    if row["tags"]:
        facts.append(("Topics", ", ".join(row["tags"])))
    return facts


def claim_page(detail: ClaimDetail, today: date) -> ClaimPage:
    """The page of `detail` as of `today`."""
    status = detail.shown_status
    latest = detail.last_counted_forecast
    current = resolution_in_force(detail)
    brier = last_forecast_brier(detail, current)
    withdrawal = None
    if detail.withdrawal is not None:
        w = detail.withdrawal
        duplicate = int(w["duplicate_of"]) if w.get("duplicate_of") else None
        withdrawal = Withdrawal(w["recorded_at"].date(), str(w["reason"]), duplicate)
    return ClaimPage(
        id=detail.view.id,
        statement=str(detail.view["statement"]),
        status=status,
        badge=status_badge(status, latest, brier),
        status_line=status_line(detail, today),
        facts=_facts(detail, latest, current),
        latest=latest,
        resolution=current,
        brier=brier,
        withdrawal=withdrawal,
    )
