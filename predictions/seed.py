"""The seed file: one newsletter issue's claims, human-editable YAML, validated by the domain models.

Each claim names the time phrase it was read from (`deadline_text`, normalised against the issue's
date) and the hedge it used (`hedge`, mapped through the verbal scale); both can be overridden with
an explicit `deadline` / `probability`.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from predictions.confidence import find_hedge
from predictions.deadlines import normalise_deadline
from predictions.errors import PredictionsError
from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    Model,
    ObservationIn,
    Precision,
    Source,
    claim_fields_of,
)

DEFAULT_SEED = "this-month-in-china-2024-12.yaml"


class SeedError(PredictionsError, ValueError):
    """A seed or YAML claims file that does not validate; the message names the claim and field."""


class SeedClaim(Model):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    statement: str
    quote: str
    claimant: str
    attribution: Attribution
    kind: ClaimKind = ClaimKind.BINARY
    deadline_text: str | None = None
    deadline: date | None = None
    deadline_precision: Precision | None = None
    hedge: str | None = None
    probability: float | None = Field(default=None, ge=0.0, le=1.0)
    forecaster: str | None = None
    resolution_criteria: str
    tags: list[str] = Field(min_length=1)
    metric: str | None = None
    unit: str | None = None
    comparator: Comparator | None = None
    target: float | None = None
    baseline: float | None = None
    baseline_on: date | None = None
    observations: list[ObservationIn] = Field(default_factory=list)
    # A threshold claim's range, only where the source states one: {10: 800, 50: 2500, 90: 6000}
    quantiles: dict[int, float] | None = None

    @field_validator("quantiles")
    @classmethod
    def _range(cls, value: dict[int, float] | None) -> dict[int, float] | None:
        from predictions.ranges import check_quantiles

        return None if not value else check_quantiles(value)

    @model_validator(mode="after")
    def _has_confidence(self) -> SeedClaim:
        if self.hedge is None and self.probability is None:
            raise ValueError("give the hedge the quote uses, or an explicit probability")
        if self.hedge is not None and find_hedge(self.hedge) is None:
            raise ValueError(f"hedge {self.hedge!r} is not on the verbal scale")
        return self


class SeedFile(Model):
    source: Source
    claims: list[SeedClaim] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_keys(self) -> SeedFile:
        keys = [claim.key for claim in self.claims]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise ValueError(f"duplicate claim keys: {', '.join(duplicates)}")
        if self.source.published_on is None:
            raise ValueError("source.published_on is needed to read relative deadlines")
        return self


class PreparedClaim(Model):
    """A claim ready to store: the claim itself, its first forecast and its baseline observations."""

    claim: ClaimIn
    probability: float
    basis: str
    forecaster: str
    observations: list[ObservationIn]
    quantiles: dict[int, float] | None = None  # the first forecast's range, where the source states one


def source_external_id(seed: SeedFile, path_stem: str) -> str:
    return seed.source.external_id or f"seed:{path_stem}"


def prepare(seed: SeedFile, path_stem: str) -> list[PreparedClaim]:
    """Normalise deadlines and hedges; every claim keeps its verbatim quote."""
    issue_date = seed.source.published_on
    assert issue_date is not None  # checked by SeedFile
    prepared = []
    for item in seed.claims:
        deadline, precision = item.deadline, item.deadline_precision
        flags: list[str] = []
        if deadline is None and item.deadline_text:
            normalised = normalise_deadline(item.deadline_text, issue_date)
            deadline, precision = normalised.on, normalised.precision
        if item.probability is not None:
            probability, basis = item.probability, "stated"
        else:
            hedge = find_hedge(item.hedge or "")
            assert hedge is not None  # checked by SeedClaim
            probability, basis = hedge.probability, "verbal"
        try:
            claim = ClaimIn(
                **claim_fields_of(item, exclude=frozenset({"deadline", "deadline_precision"})),
                external_id=f"{source_external_id(seed, path_stem)}:{item.key}",
                made_on=issue_date,
                deadline=deadline,
                deadline_precision=precision,
                flags=flags,
            )
        except ValidationError as error:
            message = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
            raise SeedError(f"claim {item.key}: {message}") from error
        prepared.append(
            PreparedClaim(
                claim=claim,
                probability=probability,
                basis=basis,
                forecaster=item.forecaster or item.claimant,
                observations=item.observations,
                quantiles=item.quantiles,
            )
        )
    return prepared


def read_seed_text(text: str) -> SeedFile:
    try:
        # libyaml's loader where the wheel has it: ~7x faster (0.15 s of every `init` on the seed issue)
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]  # one line, even for a ReaderError
        raise SeedError(f"{where}not valid YAML ({problem})") from error
    except RecursionError as error:
        raise SeedError("not readable YAML: nested too deeply") from error
    except ValueError as error:  # e.g. a number of thousands of digits
        raise SeedError(f"not readable YAML: {str(error).split(';')[0]}") from error
    if not isinstance(data, dict):
        raise SeedError("line 1: a seed file is a mapping with `source` and `claims`")
    try:
        return SeedFile.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise SeedError(f"{location}: {str(first['msg']).removeprefix('Value error, ')}") from error


def load_seed_file(path: Path) -> SeedFile:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise SeedError(f"{path}: not UTF-8 text") from error
    return read_seed_text(text)


def default_seed_path() -> Path:
    return Path(str(resources.files("predictions") / "seed_data" / DEFAULT_SEED))
