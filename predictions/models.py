"""Domain models: every outside input (CLI, seed file, import row, author form) passes through these.

pydantic v2 with `extra="forbid"`, so a misspelt field is an error rather than silently dropped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from predictions.quantities import check_value
from predictions.vocabulary import (
    CLAIM_FIELDS,
    Attribution,
    ClaimKind,
    Comparator,
    EvidenceConfidence,
    ForecastBasis,
    ObservationOrigin,
    Outcome,
    Precision,
)

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, use_enum_values=False)


def http_url(value: str | None) -> str | None:
    """Evidence and source links: http(s) only, so a `javascript:` URL never reaches a page."""
    if value is None or value == "":
        return None
    if not value.lower().startswith(("http://", "https://")) or any(c.isspace() for c in value):
        raise ValueError("must be an http:// or https:// URL")
    return value


def metric_value(value: float | None) -> float | None:
    """A metric's value, target or baseline: finite and within ±1e15 (numbers.MAX_ABS_VALUE), so no
    arithmetic on it overflows."""
    if value is None:
        return None
    try:
        return check_value(value, "the number")
    except ValueError as error:
        raise ValueError(str(error).removeprefix("the number ")) from None


class Source(Model):
    """Where claims came from: a newsletter issue, an archive, a manual entry."""

    title: str = Field(min_length=1, max_length=500)
    published_on: date | None = None
    url: str | None = None
    kind: str = "newsletter"
    author: str | None = None
    external_id: str | None = None

    _check_url = field_validator("url")(classmethod(lambda cls, v: http_url(v)))


class ObservationIn(Model):
    """A dated observation: a metric value for threshold claims, a note for binary ones."""

    observed_on: date
    value: float | None = None
    note: str | None = Field(default=None, max_length=5000)
    source_url: str | None = None
    source_published: date | None = None
    confidence: EvidenceConfidence | None = None
    origin: ObservationOrigin = ObservationOrigin.RECORDED

    _check_url = field_validator("source_url")(classmethod(lambda cls, v: http_url(v)))

    @field_validator("value")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        return metric_value(value)

    @model_validator(mode="after")
    def _value_or_note(self) -> ObservationIn:
        if self.value is None and not self.note:
            raise ValueError("an observation needs a value or a note")
        return self


class ForecastIn(Model):
    """A forecaster's probability that the claim comes true, at a time, with where it came from."""

    probability: Probability
    forecaster: str = Field(min_length=1, max_length=200)
    made_at: datetime
    basis: ForecastBasis = ForecastBasis.STATED
    note: str | None = None
    external_id: str | None = None
    # A threshold claim's range: quantiles of the metric at the deadline, {level in percent: value}
    # (predictions.ranges: at least three of p5…p95, strictly increasing).
    quantiles: dict[int, float] | None = None

    @field_validator("quantiles")
    @classmethod
    def _range(cls, value: dict[int, float] | None) -> dict[int, float] | None:
        from predictions.ranges import check_quantiles

        return None if not value else check_quantiles(value)


class ResolutionIn(Model):
    """How a claim turned out; `partial` carries the fraction of the target achieved."""

    outcome: Outcome
    resolved_on: date
    fraction: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str | None = Field(default=None, max_length=5000)
    evidence_url: str | None = None
    value: float | None = None  # a threshold claim's metric value the resolution rests on

    _check_url = field_validator("evidence_url")(classmethod(lambda cls, v: http_url(v)))

    @field_validator("value")
    @classmethod
    def _sane_value(cls, value: float | None) -> float | None:
        return metric_value(value)

    @model_validator(mode="after")
    def _fraction_only_for_partial(self) -> ResolutionIn:
        if self.outcome is Outcome.PARTIAL and self.fraction is None:
            raise ValueError("a partial resolution needs --fraction between 0 and 1")
        if self.outcome is not Outcome.PARTIAL and self.fraction is not None:
            raise ValueError("a fraction is only given with a partial resolution")
        return self


# The flag of a claim without a usable deadline: ClaimIn adds it itself (every writer goes through ClaimIn).
NOT_CHECKABLE = "not_checkable"


class ClaimIn(Model):
    """A checkable statement with a deadline, as written by the author or read from a file. Without a
    deadline it is not checkable: the model flags it so (NOT_CHECKABLE) whoever built it."""

    statement: str = Field(min_length=3, max_length=5000)
    quote: str | None = Field(default=None, max_length=10000)
    claimant: str = Field(default="author", min_length=1, max_length=200)
    attribution: Attribution = Attribution.AUTHOR
    kind: ClaimKind = ClaimKind.BINARY
    made_on: date
    deadline: date | None = None
    deadline_precision: Precision | None = None
    deadline_text: str | None = None
    resolution_criteria: str | None = None
    tags: list[str] = Field(default_factory=list)
    metric: str | None = None
    unit: str | None = None
    comparator: Comparator | None = None
    target: float | None = None
    baseline: float | None = None
    baseline_on: date | None = None
    partial_credit: bool = False
    flags: list[str] = Field(default_factory=list)
    external_id: str | None = None

    @field_validator("target", "baseline")
    @classmethod
    def _sane_number(cls, value: float | None) -> float | None:
        return metric_value(value)

    @field_validator("tags")
    @classmethod
    def _clean_tags(cls, tags: list[str]) -> list[str]:
        cleaned = []
        for tag in tags:
            tag = tag.strip().lower()
            if tag and tag not in cleaned:
                cleaned.append(tag)
        return cleaned

    @model_validator(mode="after")
    def _consistent(self) -> ClaimIn:
        if self.kind is ClaimKind.THRESHOLD:
            missing = [name for name in ("metric", "target") if getattr(self, name) in (None, "")]
            if missing:
                raise ValueError(f"a threshold claim needs {' and '.join(missing)}")
            if self.comparator is None:
                self.comparator = Comparator.AT_LEAST
        if self.deadline is None and NOT_CHECKABLE not in self.flags:  # the one place this rule is written
            self.flags = [*self.flags, NOT_CHECKABLE]
        if self.deadline is not None:
            if self.deadline < self.made_on and "deadline_before_made_on" not in self.flags:
                raise ValueError(
                    f"deadline {self.deadline.isoformat()} is before the claim was made ({self.made_on.isoformat()})"
                )
            if self.deadline_precision is None:
                self.deadline_precision = Precision.DAY
        return self

    @property
    def checkable(self) -> bool:
        return self.deadline is not None


# CLAIM_FIELDS (from predictions.vocabulary) names ClaimIn's fields in order (held equal by
# tests/predictions/test_models.py).


def claim_fields_of(model: BaseModel, *, exclude: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The values of `model`'s fields that a claim has too (by name), to build a ClaimIn from."""
    return {
        name: getattr(model, name) for name in CLAIM_FIELDS if name in type(model).model_fields and name not in exclude
    }


def describe_validation_error(error: ValidationError) -> list[str]:
    """One short line per problem, e.g. `probability: must be at most 1`, never a traceback."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"] if part != "__root__")
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{location}: {message}" if location else message)
    return lines


def first_problem(error: ValidationError) -> str:
    return "; ".join(describe_validation_error(error))


def model_dump_jsonable(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
