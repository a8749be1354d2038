"""Domain models: every outside input passes through them, so they must refuse what is wrong."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from pydantic import ValidationError

from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    ForecastBasis,
    ForecastIn,
    ObservationIn,
    Outcome,
    Precision,
    ResolutionIn,
    Source,
    describe_validation_error,
    first_problem,
)

MADE = date(2024, 12, 31)


def claim(**fields: object) -> ClaimIn:
    return ClaimIn.model_validate({"statement": "Robotaxis run in 65 cities", "made_on": MADE, **fields})


def problems(model: type, data: dict[str, object]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return describe_validation_error(caught.value)


# --- extra="forbid" everywhere ---------------------------------------------------------------------

VALID = {
    Source: {"title": "This Month in China"},
    ClaimIn: {"statement": "Robotaxis run in 65 cities", "made_on": "2024-12-31"},
    ObservationIn: {"observed_on": "2025-01-01", "value": 3},
    ForecastIn: {"probability": 0.7, "forecaster": "pascal", "made_at": "2025-01-01T00:00"},
    ResolutionIn: {"outcome": "true", "resolved_on": "2025-06-01"},
}


@pytest.mark.parametrize("model", list(VALID), ids=lambda m: m.__name__)
def test_every_model_accepts_its_minimal_form_and_refuses_an_unknown_field(model: type) -> None:
    model.model_validate(VALID[model])
    lines = problems(model, {**VALID[model], "deadlne": "2025-12-31"})
    assert len(lines) == 1
    assert lines[0].startswith("deadlne:")


# --- claims ------------------------------------------------------------------------------------------


def test_binary_claim_defaults() -> None:
    c = claim()
    assert c.kind is ClaimKind.BINARY
    assert c.attribution is Attribution.AUTHOR
    assert c.claimant == "author"
    assert c.deadline is None and c.deadline_precision is None
    assert c.checkable is False
    assert c.partial_credit is False


def test_claim_carries_every_field_of_a_threshold_claim() -> None:
    c = claim(
        statement="  eHang flies 10,000 taxis in Shenzhen  ",
        quote="eHang projects 10,000 flying taxis in Shenzhen by 2030",
        claimant="eHang",
        attribution="reported_projection",
        kind="threshold",
        deadline="2030-12-31",
        deadline_precision="year",
        deadline_text="by 2030",
        resolution_criteria="eHang's annual report",
        tags=["Mobility", " mobility ", "", "AI"],
        metric="flying taxis in Shenzhen",
        unit="aircraft",
        comparator=">=",
        target=10_000,
        baseline=0,
        baseline_on="2024-12-31",
    )
    assert c.statement == "eHang flies 10,000 taxis in Shenzhen"  # whitespace stripped
    assert c.attribution is Attribution.REPORTED_PROJECTION
    assert c.kind is ClaimKind.THRESHOLD
    assert c.deadline == date(2030, 12, 31) and c.deadline_precision is Precision.YEAR
    assert c.comparator is Comparator.AT_LEAST
    assert (c.metric, c.unit, c.target, c.baseline) == ("flying taxis in Shenzhen", "aircraft", 10_000.0, 0.0)
    assert c.tags == ["mobility", "ai"]  # lower-cased, de-duplicated, blanks dropped, order kept
    assert c.checkable is True


def test_threshold_claim_needs_metric_and_target() -> None:
    lines = problems(ClaimIn, {"statement": "abc def", "made_on": MADE, "kind": "threshold"})
    assert lines == ["a threshold claim needs metric and target"]
    lines = problems(ClaimIn, {"statement": "abc def", "made_on": MADE, "kind": "threshold", "metric": "cities"})
    assert lines == ["a threshold claim needs target"]


def test_threshold_comparator_defaults_to_at_least_and_keeps_a_given_one() -> None:
    assert claim(kind="threshold", metric="m", target=5).comparator is Comparator.AT_LEAST
    assert claim(kind="threshold", metric="m", target=5, comparator="<").comparator is Comparator.LESS_THAN


def test_deadline_without_precision_is_a_day() -> None:
    assert claim(deadline="2025-03-01").deadline_precision is Precision.DAY


def test_deadline_before_the_claim_was_made_is_refused_with_both_dates() -> None:
    lines = problems(ClaimIn, {"statement": "abc def", "made_on": "2025-01-02", "deadline": "2025-01-01"})
    assert len(lines) == 1
    assert "2025-01-01" in lines[0] and "2025-01-02" in lines[0]


def test_deadline_on_the_day_the_claim_was_made_is_fine() -> None:
    assert claim(deadline=MADE).deadline == MADE


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "date_of_event"),
        ("attribution", "rumour"),
        ("deadline_precision", "decade"),
        ("comparator", "=="),
        ("statement", "ab"),
        ("statement", "   "),
        ("made_on", "2024-13-01"),
        ("deadline", "next tuesday"),
        ("claimant", ""),
        ("target", "many"),
    ],
)
def test_claim_refuses_a_bad_value_naming_the_field(field: str, value: object) -> None:
    lines = problems(ClaimIn, {"statement": "Robotaxis run in 65 cities", "made_on": MADE, field: value})
    assert len(lines) == 1
    assert lines[0].startswith(f"{field}:")


def test_made_on_is_required() -> None:
    assert problems(ClaimIn, {"statement": "abc def"}) == ["made_on: Field required"]


# --- observations ------------------------------------------------------------------------------------


def test_observation_needs_a_value_or_a_note() -> None:
    assert ObservationIn(observed_on=MADE, value=0.0).value == 0.0  # zero is a value, not "missing"
    assert ObservationIn(observed_on=MADE, note="service launched").note == "service launched"
    assert problems(ObservationIn, {"observed_on": MADE}) == ["an observation needs a value or a note"]
    assert problems(ObservationIn, {"observed_on": MADE, "note": ""}) == ["an observation needs a value or a note"]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_observation_value_must_be_finite(value: float) -> None:
    assert problems(ObservationIn, {"observed_on": MADE, "value": value}) == ["value: must be a finite number"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.org/report", True),
        ("HTTP://EXAMPLE.ORG", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("ftp://example.org/x", False),
        ("https://example.org/a b", False),
        ("example.org", False),
    ],
)
def test_links_are_http_only(url: str, ok: bool) -> None:
    data = {"observed_on": MADE, "value": 1, "source_url": url}
    if ok:
        assert ObservationIn.model_validate(data).source_url == (url or None)
        assert Source(title="t", url=url).url == (url or None)
        assert ResolutionIn(outcome="true", resolved_on=MADE, evidence_url=url).evidence_url == (url or None)
    else:
        assert problems(ObservationIn, data) == ["source_url: must be an http:// or https:// URL"]
        assert problems(Source, {"title": "t", "url": url}) == ["url: must be an http:// or https:// URL"]
        lines = problems(ResolutionIn, {"outcome": "true", "resolved_on": MADE, "evidence_url": url})
        assert lines == ["evidence_url: must be an http:// or https:// URL"]


def test_source_needs_a_title() -> None:
    assert problems(Source, {"title": ""})[0].startswith("title:")
    assert Source(title="Issue", published_on="2024-12-31").published_on == date(2024, 12, 31)


# --- forecasts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["stated", "verbal", "updated"])
def test_forecast_bases(basis: str) -> None:
    forecast = ForecastIn(probability=0.7, forecaster="pascal", made_at=datetime(2025, 1, 1), basis=basis)
    assert forecast.basis is ForecastBasis(basis)


def test_forecast_basis_defaults_to_stated_and_refuses_others() -> None:
    assert ForecastIn(probability=0.5, forecaster="a", made_at=datetime(2025, 1, 1)).basis is ForecastBasis.STATED
    lines = problems(ForecastIn, {"probability": 0.5, "forecaster": "a", "made_at": "2025-01-01", "basis": "gut"})
    assert len(lines) == 1 and lines[0].startswith("basis:")


@pytest.mark.parametrize("probability", [0.0, 1.0, 0.37])
def test_forecast_probability_in_range(probability: float) -> None:
    assert ForecastIn(probability=probability, forecaster="a", made_at=datetime(2025, 1, 1)).probability == probability


@pytest.mark.parametrize("probability", [-0.01, 1.01, 70, "seventy", None])
def test_forecast_probability_out_of_range(probability: object) -> None:
    lines = problems(ForecastIn, {"probability": probability, "forecaster": "a", "made_at": "2025-01-01"})
    assert len(lines) == 1 and lines[0].startswith("probability:")


# --- resolutions -------------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["true", "false", "ambiguous"])
def test_plain_outcomes_take_no_fraction(outcome: str) -> None:
    assert ResolutionIn(outcome=outcome, resolved_on=MADE).outcome is Outcome(outcome)
    lines = problems(ResolutionIn, {"outcome": outcome, "resolved_on": MADE, "fraction": 0.5})
    assert lines == ["a fraction is only given with a partial resolution"]


def test_partial_needs_a_fraction_between_0_and_1() -> None:
    assert ResolutionIn(outcome="partial", resolved_on=MADE, fraction=0.4).fraction == 0.4
    assert problems(ResolutionIn, {"outcome": "partial", "resolved_on": MADE}) == [
        "a partial resolution needs --fraction between 0 and 1"
    ]
    lines = problems(ResolutionIn, {"outcome": "partial", "resolved_on": MADE, "fraction": 1.5})
    assert len(lines) == 1 and lines[0].startswith("fraction:")


def test_unknown_outcome() -> None:
    lines = problems(ResolutionIn, {"outcome": "withdrawn", "resolved_on": MADE})
    assert len(lines) == 1 and lines[0].startswith("outcome:")


# --- error rendering ---------------------------------------------------------------------------------


def test_validation_errors_render_as_one_short_line_each() -> None:
    with pytest.raises(ValidationError) as caught:
        ForecastIn.model_validate({"probability": 2, "forecaster": "", "made_at": "yesterday", "colour": "red"})
    lines = describe_validation_error(caught.value)
    assert [line.split(":")[0] for line in lines] == ["probability", "forecaster", "made_at", "colour"]
    assert all("\n" not in line and "Value error" not in line for line in lines)
    assert first_problem(caught.value) == "; ".join(lines)


def test_the_claim_s_fields_are_named_once() -> None:
    """models.CLAIM_FIELDS is the list: the claims table's columns, the JSON of a claim, the seed's and an
    extracted candidate's claim fields agree with it (a field added to ClaimIn and forgotten elsewhere fails here)."""
    from db.queries import CLAIM_COLUMNS
    from predictions.extract import Candidate
    from predictions.ledger import ClaimView
    from predictions.models import CLAIM_FIELDS, ClaimIn
    from predictions.progress import Status
    from predictions.seed import SeedClaim

    assert tuple(ClaimIn.model_fields) == CLAIM_FIELDS
    assert set(CLAIM_COLUMNS) == {*CLAIM_FIELDS, "source_id"}
    row = {name: None for name in CLAIM_FIELDS} | {"tags": ["ai"], "flags": [], "id": 1, "probability": 0.5,
           "outcome": None, "fraction": None, "resolved_on": None, "source_id": None, "last_value": None}  # fmt: skip
    shown = ClaimView(row, Status.OPEN, None).as_json()
    assert set(CLAIM_FIELDS) <= set(shown)
    for model in (SeedClaim, Candidate):  # a field they share with a claim has the claim's type
        shared = set(model.model_fields) & set(CLAIM_FIELDS)
        assert len(shared) >= 12
        for name in shared:  # the same type, or the claim's optional one required here
            theirs, claim = model.model_fields[name].annotation, ClaimIn.model_fields[name].annotation
            assert theirs == claim or claim == theirs | None, (model, name)


def test_no_deadline_means_not_checkable_whoever_builds_the_claim() -> None:
    """Issue 29, point 2: the rule is ClaimIn's own (the CLI, the workspace, the seed, the extractor and
    the imports no longer write it)."""
    from datetime import date

    from predictions.models import NOT_CHECKABLE, ClaimIn

    undated = ClaimIn(statement="Someday, somewhere.", made_on=date(2025, 1, 1))
    assert undated.flags == [NOT_CHECKABLE] and not undated.checkable
    kept = ClaimIn(statement="Someday, somewhere.", made_on=date(2025, 1, 1), flags=["title_short", NOT_CHECKABLE])
    assert kept.flags == ["title_short", NOT_CHECKABLE]  # never twice
    dated = ClaimIn(statement="By the end of 2026.", made_on=date(2025, 1, 1), deadline=date(2026, 12, 31))
    assert dated.flags == [] and dated.checkable
