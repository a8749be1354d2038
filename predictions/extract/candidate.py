"""What an extractor proposes: a `Candidate` claim with where it came from, and the `Extractor` protocol."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import Field, model_validator

from predictions.confidence import DEFAULT_PROBABILITY
from predictions.errors import PredictionsError
from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    Model,
    Precision,
    Probability,
    claim_fields_of,
)

DeadlineSource = Literal["sentence", "previous sentence", "list introduction", "section heading"]


class ExtractError(PredictionsError, ValueError):
    """A problem with the issue file or the accepted candidates, worth one line to the user."""


class Candidate(Model):
    """A proposed claim for the author to review: accept (possibly edited with `revise`), or drop."""

    id: str = Field(description="stable key: the same sentence, cue and deadline give the same id")
    quote: str = Field(min_length=1, description="the sentence, verbatim (whitespace normalised)")
    statement: str = Field(min_length=3, description="suggested checkable statement (the predictive clause)")
    cue: str = Field(description="the predictive cue found, e.g. 'is set to'")
    claimant: str = Field(min_length=1)
    attribution: Attribution
    made_on: date = Field(description="the issue's date")
    source_title: str | None = None
    section: str | None = Field(default=None, description="the heading the sentence sits under")
    time_text: str | None = Field(default=None, description="the time expression the deadline was read from")
    deadline: date | None = None
    deadline_precision: Precision | None = None
    deadline_source: DeadlineSource | None = None
    kind: ClaimKind = ClaimKind.BINARY
    metric: str | None = None
    unit: str | None = None
    comparator: Comparator | None = None
    target: float | None = None
    hedge: str | None = Field(default=None, description="the verbal-scale phrase the probability comes from")
    probability: Probability = DEFAULT_PROBABILITY
    resolution_criteria: str | None = None
    tags: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="how the rules read the sentence")
    missing: list[str] = Field(default_factory=list, description="recomputed: what it lacks to be checkable")
    checkable: bool = Field(default=False, description="recomputed: has a deadline")

    @model_validator(mode="after")
    def _derived(self) -> Candidate:
        if self.kind is ClaimKind.THRESHOLD and (self.metric is None or self.target is None):
            raise ValueError("a threshold candidate needs a metric and a target")
        missing = []
        if self.deadline is None:
            missing.append("deadline")
        if self.kind is ClaimKind.BINARY:
            missing.append("metric")
        if not self.resolution_criteria:
            missing.append("resolution_criteria")
        self.missing = missing
        self.checkable = self.deadline is not None
        return self

    def revise(self, **changes: Any) -> Candidate:
        """A validated copy with the reviewer's edits (statement, deadline, criteria, probability, ...)."""
        return Candidate.model_validate({**self.model_dump(), **changes})

    def to_claim(self, **overrides: Any) -> ClaimIn:
        """The claim to store; `probability` is the suggested first forecast that goes with it."""
        data: dict[str, Any] = {
            **claim_fields_of(self, exclude=frozenset({"flags", "partial_credit"})),
            "deadline_text": self.time_text,
        }
        data.update(overrides)
        return ClaimIn.model_validate(data)


@runtime_checkable
class Extractor(Protocol):
    def extract(self, text: str, issue_date: date, source_title: str | None = None) -> list[Candidate]: ...
