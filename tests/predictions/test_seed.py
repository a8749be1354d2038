"""The packaged seed file says what the December 2024 issue of "This Month in China" says.

Checks the claims against the issue text itself (kept outside the repo, in the shared seeds
folder): every quote is verbatim, the key forecasts carry the right numbers, deadlines and
attributions, and nothing comes from the reader comments or from past-tense facts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from predictions.confidence import find_hedge
from predictions.models import Attribution, ClaimKind, Comparator, Precision
from predictions.seed import PreparedClaim, SeedClaim, SeedFile, default_seed_path, load_seed_file, prepare

ISSUE_DATE = date(2024, 12, 31)
SOURCE_TEXT = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "this-month-in-china-2024-12.txt"
COMMENTS_MARKER = "KEEP TUNED"


def _normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def seed() -> SeedFile:
    return load_seed_file(default_seed_path())


@pytest.fixture(scope="module")
def by_key(seed: SeedFile) -> dict[str, SeedClaim]:
    return {claim.key: claim for claim in seed.claims}


@pytest.fixture(scope="module")
def prepared(seed: SeedFile) -> dict[str, PreparedClaim]:
    items = prepare(seed, default_seed_path().stem)
    return {claim.key: item for claim, item in zip(seed.claims, items, strict=True)}


@pytest.fixture(scope="module")
def issue_parts() -> tuple[str, str]:
    """(article text, reader comments), both whitespace-normalised."""
    if not SOURCE_TEXT.is_file():
        pytest.skip(f"issue text not found at {SOURCE_TEXT} (the shared seeds folder sits beside the repo in CI)")
    text = SOURCE_TEXT.read_text(encoding="utf-8")
    article, marker, comments = text.partition(COMMENTS_MARKER)
    assert marker, "the issue text should contain the 'KEEP TUNED' line that starts the comments"
    return _normalise(article), _normalise(comments)


def test_source_is_the_december_2024_issue(seed: SeedFile) -> None:
    assert default_seed_path().name == "this-month-in-china-2024-12.yaml"
    assert seed.source.title == "This Month in China — December 2024"
    assert seed.source.published_on == ISSUE_DATE
    assert seed.source.author == "Pascal Coppens"
    assert seed.source.kind == "newsletter"
    assert seed.source.url is None


def test_many_claims_with_unique_keys(seed: SeedFile) -> None:
    keys = [claim.key for claim in seed.claims]
    assert len(keys) > 15
    assert len(set(keys)) == len(keys)


def test_every_quote_is_verbatim_from_the_article(seed: SeedFile, issue_parts: tuple[str, str]) -> None:
    article, _ = issue_parts
    missing = [claim.key for claim in seed.claims if _normalise(claim.quote) not in article]
    assert missing == []


def test_no_quote_comes_from_the_reader_comments(seed: SeedFile, issue_parts: tuple[str, str]) -> None:
    _, comments = issue_parts
    assert "Humanoid robots will soon be useful" in comments  # the comments really are there
    for claim in seed.claims:
        quote = _normalise(claim.quote)
        assert quote not in comments, claim.key
        assert "will soon be useful" not in quote, claim.key
        assert "Koen Van Loo" not in quote and "Farid Gamgami" not in quote, claim.key


def test_past_tense_facts_are_not_claims(seed: SeedFile) -> None:
    past_facts = [
        "BYD surpassed Tesla",
        "DeepSeek launced a groundbreaking",
        "China announced a ban on the export of gallium",
        "surged 383%",
        "closed 113 deals",
    ]
    for claim in seed.claims:
        for fact in past_facts:
            assert fact not in claim.quote, (claim.key, fact)
            assert fact not in claim.statement, (claim.key, fact)


def test_every_hedge_is_on_the_verbal_scale(seed: SeedFile, prepared: dict[str, PreparedClaim]) -> None:
    for claim in seed.claims:
        assert claim.hedge is not None, claim.key
        hedge = find_hedge(claim.hedge)
        assert hedge is not None, claim.key
        assert prepared[claim.key].probability == hedge.probability
        assert prepared[claim.key].basis == "verbal"


def test_robotaxi_cities(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    seed_claim, item = by_key["robotaxi-cities-2025"], prepared["robotaxi-cities-2025"]
    claim = item.claim
    assert claim.kind is ClaimKind.THRESHOLD
    assert claim.comparator is Comparator.AT_LEAST
    assert claim.target == 65
    assert claim.unit == "cities"
    assert claim.deadline == date(2025, 12, 31)
    assert claim.deadline_precision is Precision.YEAR
    assert claim.attribution is Attribution.AUTHOR
    assert claim.claimant == "Pascal Coppens"
    assert seed_claim.hedge == "is set to"
    assert item.probability == 0.75
    notes = " ".join(obs.note or "" for obs in item.observations)
    assert "32,000" in notes and "20 robotaxi rides" in notes and "70%" in notes
    assert all(obs.observed_on == ISSUE_DATE for obs in item.observations)


def test_ehang_flying_taxis(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    claim = prepared["ehang-shenzhen-flying-taxis-2030"].claim
    assert claim.kind is ClaimKind.THRESHOLD
    assert claim.comparator is Comparator.AT_LEAST
    assert claim.target == 10_000
    assert claim.deadline == date(2030, 12, 31)
    assert claim.deadline_precision is Precision.YEAR
    assert claim.attribution is Attribution.REPORTED_PROJECTION
    assert claim.claimant == "eHang"
    assert by_key["ehang-shenzhen-flying-taxis-2030"].hedge == "projects"
    assert prepared["ehang-shenzhen-flying-taxis-2030"].probability == 0.5


def test_nqpf_kpis(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    seed_claim, claim = by_key["nqpf-kpis-2025"], prepared["nqpf-kpis-2025"].claim
    assert claim.kind is ClaimKind.THRESHOLD
    assert claim.comparator is Comparator.AT_LEAST
    assert claim.target == 200
    assert claim.deadline_text == "starting in 2025"
    assert claim.deadline == date(2025, 12, 31)
    assert claim.attribution is Attribution.AUTHOR
    assert seed_claim.hedge == "I predict"
    assert prepared["nqpf-kpis-2025"].probability == 0.8
    assert "hundreds" in (claim.resolution_criteria or "").lower()
    assert "hundreds of KPIs" in seed_claim.quote


def test_neo_brain_computer_interface(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    trial = prepared["neo-bci-clinical-trial-2025"].claim
    assert trial.deadline_text == "next year"
    assert trial.deadline == date(2025, 12, 31)

    implants = prepared["neo-bci-30-implantations-2025"]
    assert implants.claim.kind is ClaimKind.THRESHOLD
    assert implants.claim.comparator is Comparator.AT_LEAST
    assert implants.claim.target == 30
    assert implants.claim.deadline == date(2025, 12, 31)
    # the three earlier implantations predate the trial: a note, not a value toward the metric
    assert all(obs.value is None for obs in implants.observations)
    assert any("three patients" in (obs.note or "") for obs in implants.observations)

    clinical_use = prepared["neo-bci-clinical-use-2027"].claim
    assert clinical_use.deadline == date(2027, 12, 31)
    assert clinical_use.deadline_precision is Precision.YEAR
    assert by_key["neo-bci-clinical-use-2027"].hedge == "is expected to"
    for key in ("neo-bci-clinical-trial-2025", "neo-bci-30-implantations-2025", "neo-bci-clinical-use-2027"):
        assert prepared[key].claim.attribution is Attribution.REPORTED_PROJECTION


def test_virtual_hospital(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    item = prepared["ai-virtual-hospital-public-h1-2025"]
    assert item.claim.deadline == date(2025, 6, 30)
    assert item.claim.deadline_precision is Precision.HALF
    assert by_key["ai-virtual-hospital-public-h1-2025"].hedge == "is scheduled to"
    notes = " ".join(obs.note or "" for obs in item.observations)
    assert "42 AI doctors" in notes and "21 departments" in notes


def test_ai_education(prepared: dict[str, PreparedClaim]) -> None:
    claim = prepared["ai-education-schools-2030"].claim
    assert claim.attribution is Attribution.OFFICIAL_TARGET
    assert claim.claimant == "China's Ministry of Education"
    assert claim.deadline == date(2030, 12, 31)
    assert claim.deadline_precision is Precision.YEAR


def test_llm_claims(by_key: dict[str, SeedClaim], prepared: dict[str, PreparedClaim]) -> None:
    cheaper = prepared["chinese-llms-cheaper-2025"]
    assert cheaper.claim.deadline == date(2025, 12, 31)
    assert by_key["chinese-llms-cheaper-2025"].hedge == "I predict"
    assert "in 2025" in (cheaper.claim.resolution_criteria or "")
    assert any("$5.5 million" in (obs.note or "") for obs in cheaper.observations)

    disrupt = by_key["chinese-llms-disrupt-us-tech-stocks-2025"]
    assert disrupt.hedge == "I am not yet prepared to make a definitive prediction"
    assert prepared["chinese-llms-disrupt-us-tech-stocks-2025"].probability == 0.4


def test_every_attribution_is_used(seed: SeedFile) -> None:
    used = {claim.attribution for claim in seed.claims}
    assert used == set(Attribution)


def test_not_checkable_claims_have_no_deadline_and_are_flagged(prepared: dict[str, PreparedClaim]) -> None:
    not_checkable = {key for key, item in prepared.items() if "not_checkable" in item.claim.flags}
    for key in (
        "cr450-passenger-service-soon",
        "taklamakan-invest-connect-cities",
        "wuebbeke-mineral-ban-phases",
        "langya-2-extended-forecasts",
        "unitree-humanoids-factories-logistics",
        "chinese-watchers-us-market-crash",
    ):
        assert key in not_checkable
    for key, item in prepared.items():
        if key in not_checkable:
            assert item.claim.deadline is None, key
            assert item.claim.deadline_precision is None, key
        else:
            assert item.claim.deadline is not None, key
            assert item.claim.deadline >= ISSUE_DATE, key


def test_observations_are_baseline_facts_dated_to_the_issue(prepared: dict[str, PreparedClaim]) -> None:
    for key, item in prepared.items():
        for obs in item.observations:
            assert obs.observed_on == ISSUE_DATE, key
            if obs.value is not None:
                assert item.claim.kind is ClaimKind.THRESHOLD, key
