"""The ledger's fixed vocabularies (who predicts, kinds, precisions, comparators, outcomes, ...), as plain
string enums with no other import: the CLI's parser offers them as choices without loading pydantic.
predictions.models re-exports them with the models that use them.
"""

from __future__ import annotations

from enum import StrEnum


class Attribution(StrEnum):
    """Who is predicting: the author's own record and the parties he cites are scored apart."""

    AUTHOR = "author"
    REPORTED_PROJECTION = "reported_projection"
    OFFICIAL_TARGET = "official_target"
    THIRD_PARTY_FORECAST = "third_party_forecast"


class ClaimKind(StrEnum):
    BINARY = "binary"
    THRESHOLD = "threshold"


class Precision(StrEnum):
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


class Comparator(StrEnum):
    AT_LEAST = ">="
    MORE_THAN = ">"
    AT_MOST = "<="
    LESS_THAN = "<"


class ForecastBasis(StrEnum):
    STATED = "stated"
    VERBAL = "verbal"
    UPDATED = "updated"
    IMPORTED = "imported"


class Outcome(StrEnum):
    TRUE = "true"
    FALSE = "false"
    PARTIAL = "partial"
    AMBIGUOUS = "ambiguous"


class EvidenceConfidence(StrEnum):
    """How far a piece of evidence can be trusted: a primary or reputable explicit source is high;
    commentary, mirrors and undated screenshots are low."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ObservationOrigin(StrEnum):
    """Where an observation came from."""

    ISSUE = "issue"  # a baseline fact the newsletter issue itself states
    EVIDENCE = "evidence"  # gathered after the issue, imported with its source
    RECORDED = "recorded"  # typed in by the author (`predictions observe`, the workspace)
    WATCH = "watch"  # read from a watched source (`predictions watch`), or a feed entry the author accepted


# Where an observation came from (observations.origin), as the claim pages say it. NULL is "recorded".
ORIGIN_LABELS = {
    "issue": "the issue itself",
    "evidence": "gathered after the issue",
    "recorded": "recorded by the author",
    "watch": "a watched source",
}


# The claim's fields, once, in the order of a claim's JSON: every other list of them (ClaimIn's, the
# seed's, an extracted candidate's, the claims table's columns in db.queries) is held equal to it by a
# test (tests/predictions/test_models.py). Here, not derived from ClaimIn, so that `predictions list` needs no pydantic.
CLAIM_FIELDS: tuple[str, ...] = (
    "statement", "quote", "claimant", "attribution", "kind", "made_on", "deadline", "deadline_precision",
    "deadline_text", "resolution_criteria", "tags", "metric", "unit", "comparator", "target", "baseline",
    "baseline_on", "partial_credit", "flags", "external_id",
)  # fmt: skip
