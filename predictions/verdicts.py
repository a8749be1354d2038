"""From evidence to verdicts: the one line that says why a claim has its status, the outcome the data
proposes, the author's review queue, and corrections to a claim (amend, withdraw) as rows of their own.

A proposal comes only from data (docs/architecture.md §3): for a threshold claim, the last valued observation dated
on or before the deadline, compared with the target by the claim's comparator. Binary claims get no
proposal, only their evidence. Nothing here resolves a claim: the author does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from db import amendments as amendments_sql
from db import evidence as evidence_sql
from db import queries
from db import watches as watches_sql
from predictions.ledger import LedgerError, UnknownClaimError, reading, require_changeable, writing
from predictions.progress import Projection, Status, meets
from predictions.quantities import format_number
from predictions.vocabulary import Precision

_COMPARATOR_WORDS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}


@dataclass(frozen=True)
class Proposal:
    """The outcome the data gives (None: no proposal) and the sentence it rests on."""

    outcome: str | None
    basis: str
    observation: Mapping[str, Any] | None = None

    @property
    def value(self) -> float | None:
        """The value the proposal rests on (what a resolution of a threshold claim records with it)."""
        if self.observation is None or self.observation.get("value") is None:
            return None
        return float(self.observation["value"])


def _target_text(claim: Mapping[str, Any]) -> str:
    comparator = _COMPARATOR_WORDS.get(claim.get("comparator") or ">=", "at least")
    unit = f" {claim['unit']}" if claim.get("unit") else ""
    return f"{comparator} {format_number(float(claim['target']))}{unit}"


def propose(claim: Mapping[str, Any], observations: Sequence[Mapping[str, Any]]) -> Proposal:
    """The proposed outcome of a claim from its observations (in any order)."""
    if claim.get("kind") != "threshold" or claim.get("target") is None:
        return Proposal(None, "a binary claim: the evidence is for the author to weigh; no outcome is proposed")
    deadline = claim.get("deadline")
    if deadline is None:
        return Proposal(None, "no deadline, so no value can decide it")
    valued = [o for o in observations if o.get("value") is not None and o["observed_on"] <= deadline]
    if not valued:
        return Proposal(None, f"no value of the metric dated on or before the deadline {deadline.isoformat()}")
    last = max(valued, key=lambda o: (o["observed_on"], o.get("id") or 0))
    value = float(last["value"])
    outcome = "true" if meets(value, claim.get("comparator"), float(claim["target"])) else "false"
    unit = f" {claim['unit']}" if claim.get("unit") else ""
    verb = "meets" if outcome == "true" else "falls short of"
    basis = (
        f"the last value on or before the deadline, {format_number(value)}{unit} on "
        f"{last['observed_on'].isoformat()}, {verb} the target of {_target_text(claim)}"
    )
    return Proposal(outcome, basis, last)


@dataclass(frozen=True)
class Crossing:
    """A moment the data decided a claim: its proposal became true (`data-crossed-<day>`, the first day
    of the latest run of values meeting the target), or the deadline passed short of it
    (`data-short-<deadline>`). The step name identifies the crossing, so it is notified once."""

    step: str
    proposal: Proposal

    def headline(self, claim: Mapping[str, Any]) -> str:
        observation = self.proposal.observation or {}
        unit = f" {claim['unit']}" if claim.get("unit") else ""
        reading = f"{format_number(float(observation['value']))}{unit} on {observation['observed_on'].isoformat()}"
        if self.proposal.outcome == "true":
            return f"claim #{claim['id']} crossed its target: {reading}"
        return f"claim #{claim['id']} reached its deadline short of its target: {reading}"


def crossing(claim: Mapping[str, Any], observations: Sequence[Mapping[str, Any]], today: date) -> Crossing | None:
    """The crossing the data shows as of `today`, if any (the review queue's rule, `propose`)."""
    proposal = propose(claim, observations)
    deadline = claim.get("deadline")
    if proposal.outcome is None or deadline is None:
        return None
    if proposal.outcome == "false":
        return Crossing(f"data-short-{deadline.isoformat()}", proposal) if today > deadline else None
    by_day: dict[date, Mapping[str, Any]] = {}  # the value in force per day: the latest recorded
    for o in sorted(observations, key=lambda o: (o["observed_on"], o.get("id") or 0)):
        if o.get("value") is not None and o["observed_on"] <= deadline:
            by_day[o["observed_on"]] = o
    target, comparator = float(claim["target"]), claim.get("comparator")
    start = max(by_day)
    for day in sorted(by_day, reverse=True):
        if not meets(float(by_day[day]["value"]), comparator, target):
            break
        start = day
    return Crossing(f"data-crossed-{start.isoformat()}", proposal)


def status_reason(
    claim: Mapping[str, Any],
    status: Status,
    projection: Projection | None,
    today: date,
    proposal: Proposal | None = None,
) -> str:
    """One line: why the claim has its status on `today`."""
    deadline = claim.get("deadline")
    observed = int(claim.get("n_observations") or 0)
    if status.value.startswith("resolved"):
        on = claim.get("resolved_on")
        when = f" on {on.isoformat()}" if isinstance(on, date) else ""
        return f"The author resolved it {claim.get('outcome')}{when}."
    if status is Status.NOT_CHECKABLE:
        return "It names no usable deadline, so it cannot be checked until it is amended with one."
    if status is Status.AWAITING_VERDICT:
        assert deadline is not None
        days = (today - deadline).days
        line = f"The deadline {deadline.isoformat()} passed {days:,} day{'s' if days != 1 else ''} ago with no verdict"
        if proposal is not None and proposal.outcome is not None:
            return f"{line}; the data proposes {proposal.outcome}: {proposal.basis}."
        return f"{line}; {observed:,} piece{'s' if observed != 1 else ''} of evidence recorded."
    if status is Status.OPEN:
        return "Open: nothing has been observed yet (a probability is a belief, not evidence)."
    if status is Status.HAS_EVIDENCE:
        return (
            f"Open with {observed:,} piece{'s' if observed != 1 else ''} of evidence; "
            "a binary claim is decided by the author at its deadline."
        )
    if status is Status.NO_DATA:
        return "No value of its metric has been observed yet, so nothing can be projected to the deadline."
    if projection is not None and claim.get("target") is not None:
        unit = f" {claim['unit']}" if claim.get("unit") else ""
        projected = f"projected to reach {format_number(projection.value)}{unit} by {projection.deadline.isoformat()}"
        target = _target_text(claim)
        if status is Status.ON_TRACK:
            return f"On track: {projected}, which meets the target of {target}."
        if status is Status.AT_RISK:
            return f"At risk: {projected}, at least 80% of the way to the target of {target} but short of it."
        return f"Behind: {projected}, less than 80% of the way to the target of {target}."
    return f"Status {status.value}."


# --- the review queue -----------------------------------------------------------------------------


@dataclass
class ReviewItem:
    """One claim waiting for the author's verdict, with everything needed to give it."""

    claim: dict[str, Any]
    evidence: list[dict[str, Any]]  # newest first
    proposal: Proposal
    # Why it is in the queue: its deadline passed, or its data met the target before the deadline.
    reason: str = "deadline passed"

    @property
    def id(self) -> int:
        return int(self.claim["id"])

    def note_draft(self) -> str:
        """A resolution note to start from: the proposal's basis and the evidence it rests on."""
        if self.proposal.observation is not None:
            source = self.proposal.observation.get("source_url")
            return f"Proposed from the data: {self.proposal.basis}." + (f" Source: {source}" if source else "")
        if self.evidence:
            newest = self.evidence[0]
            what = newest.get("note") or format_number(float(newest["value"]))
            source = f" ({newest['source_url']})" if newest.get("source_url") else ""
            return f"Latest evidence, {newest['observed_on'].isoformat()}: {what}{source}"
        return ""

    def evidence_url(self) -> str | None:
        """The source the proposal rests on, else the newest evidence with one."""
        if self.proposal.observation is not None and self.proposal.observation.get("source_url"):
            return str(self.proposal.observation["source_url"])
        return next((str(o["source_url"]) for o in self.evidence if o.get("source_url")), None)

    def as_json(self) -> dict[str, Any]:
        claim = self.claim
        return {
            "id": self.id,
            "statement": claim["statement"],
            "quote": claim["quote"],
            "resolution_criteria": claim["resolution_criteria"],
            "kind": claim["kind"],
            "deadline": claim["deadline"].isoformat(),
            "last_confidence": claim["probability"],
            "proposal": self.proposal.outcome,
            "proposed_value": self.proposal.value,
            "basis": self.proposal.basis,
            "reason": self.reason,
            "evidence": [
                {
                    "observed_on": o["observed_on"].isoformat(),
                    "value": o["value"],
                    "note": o["note"],
                    "source_url": o["source_url"],
                    "source_published": o["source_published"].isoformat() if o["source_published"] else None,
                    "confidence": o["confidence"],
                    "origin": o["origin"],
                }
                for o in self.evidence
            ],
        }


def review_queue(path: Path, today: date | None = None) -> list[ReviewItem]:
    """Every claim past its deadline with no verdict, then every open threshold claim whose data
    already meets its target (the data proposes true before the deadline), each by deadline, with its
    evidence and the outcome its data proposes."""
    today = today or date.today()
    with reading(path) as con:
        claims = evidence_sql.awaiting_verdict(con, today)
        early = watches_sql.open_threshold_claims_before_deadline(con, today)
        observations = evidence_sql.observations_of(con, [int(c["id"]) for c in (*claims, *early)])
    items = []
    for claim in claims:
        found = observations.get(int(claim["id"]), [])
        items.append(ReviewItem(claim, found, propose(claim, found)))
    for claim in early:
        found = observations.get(int(claim["id"]), [])
        proposal = propose(claim, found)
        if proposal.outcome == "true":
            items.append(ReviewItem(claim, found, proposal, reason="target met before the deadline"))
    return items


# --- corrections ----------------------------------------------------------------------------------


def normalised_statement(text: str) -> str:
    """A statement as compared for repeats: case folded, runs of white space made one space."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def find_repeat(path: Path, statement: str, source_key: str | None) -> int | None:
    """The id of a claim of the same source (by its external id; None: claims of no source) whose
    statement equals this one, if any."""
    if not path.exists():
        return None
    wanted = normalised_statement(statement)
    with reading(path, few_rows=True) as con:
        source_id = None if source_key is None else queries.source_id_by_external_id(con, source_key)
        if source_key is not None and source_id is None:
            return None  # a new source has no claims yet
        candidates = evidence_sql.statements_of_source(con, source_id)
    return next((claim_id for claim_id, text in candidates if normalised_statement(text) == wanted), None)


@dataclass
class Amendment:
    """What an amendment asks to change; None leaves a field as it is."""

    reason: str
    statement: str | None = None
    deadline: date | None = None
    deadline_precision: Precision | None = None
    resolution_criteria: str | None = None
    target: float | None = None
    tags: list[str] | None = field(default=None)

    def requested(self) -> dict[str, Any]:
        wanted: dict[str, Any] = {}
        for name in amendments_sql.AMENDABLE:
            value = getattr(self, name)
            if value is not None:
                wanted[name] = value.value if isinstance(value, Precision) else value
        return wanted


def _reason(text: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise LedgerError("a correction needs a reason: why the claim changes")
    if len(reason) > 2000:
        raise LedgerError("the reason is longer than 2,000 characters")
    return reason


def amend(path: Path, claim_id: int, amendment: Amendment) -> dict[str, tuple[Any, Any]]:
    """Change a claim's fields with a reason; returns {field: (before, after)} of what changed."""
    from predictions.models import ClaimIn  # the amended claim is validated as a new one would be

    reason = _reason(amendment.reason)
    wanted = amendment.requested()
    if not wanted:
        raise LedgerError(
            "nothing to amend: give at least one of --statement, --deadline, --criteria, --target, --tags"
        )
    with writing(path, create=False) as con:
        require_changeable(con, claim_id)
        current = amendments_sql.claim_fields(con, claim_id)
        if current is None:
            raise UnknownClaimError(claim_id)
        if "target" in wanted and current["kind"] != "threshold":
            raise LedgerError(f"claim {claim_id} is binary: it has no target to amend")
        if "deadline" in wanted and "deadline_precision" not in wanted:
            wanted["deadline_precision"] = current["deadline_precision"] or Precision.DAY.value
        # The amended claim must still be a valid claim (a deadline before it was made is refused).
        merged = {k: current[k] for k in ("statement", "deadline", "deadline_precision", "resolution_criteria")}
        merged.update({k: v for k, v in wanted.items() if k in merged})
        amended = ClaimIn(
            statement=merged["statement"],
            made_on=current["made_on"],
            deadline=merged["deadline"],
            deadline_precision=merged["deadline_precision"],
            resolution_criteria=merged["resolution_criteria"],
            tags=wanted.get("tags", list(current["tags"] or [])),
        )
        if "tags" in wanted:
            wanted["tags"] = amended.tags  # cleaned as every claim's tags are (lower case, no repeats)
        changes = {
            name: (current[name], value)
            for name, value in wanted.items()
            if (list(current[name] or []) if name == "tags" else current[name]) != value
        }
        if not changes:
            raise LedgerError(f"claim {claim_id} already reads that way: nothing to amend")
        amendments_sql.record_amendment(con, claim_id, changes, reason)
    return changes


def withdraw(path: Path, claim_id: int, reason: str, duplicate_of: int | None = None) -> None:
    """Take a claim out of every list, score and reminder; it stays reachable by its link."""
    reason = _reason(reason)
    with writing(path, create=False) as con:
        require_changeable(con, claim_id)  # a second withdrawal is refused, naming the first
        if duplicate_of is not None:
            if duplicate_of == claim_id:
                raise LedgerError("a claim cannot be a duplicate of itself")
            other = amendments_sql.claim_fields(con, duplicate_of)
            if other is None:
                raise LedgerError(f"--duplicate-of: no claim with id {duplicate_of}")
            if other["withdrawn"]:
                raise LedgerError(f"--duplicate-of: claim {duplicate_of} is withdrawn itself")
        amendments_sql.record_withdrawal(con, claim_id, reason, duplicate_of)


def reinstate(path: Path, claim_id: int, reason: str) -> None:
    """Undo a withdrawal (`withdraw ID --undo --reason`): a row of its own; the claim is back in every
    list, score and reminder."""
    reason = _reason(reason)
    with writing(path, create=False) as con:
        if amendments_sql.claim_fields(con, claim_id) is None:
            raise UnknownClaimError(claim_id)
        if amendments_sql.withdrawal_of(con, claim_id) is None:
            raise LedgerError(f"claim {claim_id} is not withdrawn: nothing to undo")
        amendments_sql.record_reinstatement(con, claim_id, reason)


def amendments(path: Path, claim_id: int) -> list[dict[str, Any]]:
    with reading(path, few_rows=True) as con:
        return amendments_sql.amendments_for(con, claim_id)
