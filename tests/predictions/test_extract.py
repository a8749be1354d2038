"""Extracting candidate claims from a newsletter issue, and turning accepted ones into claims.

Quality is measured against the hand-labelled seed of the December 2024 issue (recall, precision and
exact deadlines, printed with the test run) and against a second, hand-written issue in Markdown and
in HTML (tests/data/extract_sample.*) with its own expected candidates, so the rules are shown to
generalise beyond the issue they were developed on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from predictions import ledger
from predictions.cli import main
from predictions.extract import (
    Candidate,
    ExtractError,
    Extractor,
    RuleBasedExtractor,
    extract_file,
    find_duplicates,
    find_target,
    find_times,
    quotes_match,
    save_candidates,
)
from predictions.issue_text import article_blocks, html_to_text, is_question, parse_blocks, split_sentences
from predictions.models import Attribution, ClaimKind, Comparator, Precision, Source
from predictions.seed import PreparedClaim, default_seed_path, load_seed_file, prepare

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_MD = DATA / "extract_sample.md"
SAMPLE_HTML = DATA / "extract_sample.html"
SAMPLE_DATE = date(2025, 3, 31)
ISSUE_DATE = date(2024, 12, 31)
SOURCE_TEXT = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "this-month-in-china-2024-12.txt"


@pytest.fixture(scope="module")
def issue_text() -> str:
    if not SOURCE_TEXT.is_file():
        pytest.skip(f"issue text not found at {SOURCE_TEXT} (the shared seeds folder sits beside the repo in CI)")
    return SOURCE_TEXT.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def december(issue_text: str) -> list[Candidate]:
    return RuleBasedExtractor(author="Pascal Coppens").extract(issue_text, ISSUE_DATE, "This Month in China")


@pytest.fixture(scope="module")
def seed_claims() -> dict[str, PreparedClaim]:
    seed = load_seed_file(default_seed_path())
    items = prepare(seed, default_seed_path().stem)
    return {claim.key: item for claim, item in zip(seed.claims, items, strict=True)}


def _one(candidates: list[Candidate], fragment: str) -> Candidate:
    found = [c for c in candidates if fragment in c.quote]
    assert len(found) == 1, f"expected one candidate quoting {fragment!r}, found {len(found)}"
    return found[0]


# --- quality on the labelled December 2024 issue ---------------------------------------------------


@dataclass
class Quality:
    recall: float
    precision: float
    matched: dict[str, list[Candidate]]
    unmatched: list[Candidate]


def measure(candidates: list[Candidate], seed_claims: dict[str, PreparedClaim]) -> Quality:
    """A candidate matches a seed claim when their quotes are the same passage (see `quotes_match`)."""
    matched = {key: [c for c in candidates if quotes_match(c.quote, p.claim.quote)] for key, p in seed_claims.items()}
    unmatched = [c for c in candidates if not any(quotes_match(c.quote, p.claim.quote) for p in seed_claims.values())]
    recall = sum(bool(found) for found in matched.values()) / len(seed_claims)
    precision = (len(candidates) - len(unmatched)) / len(candidates) if candidates else 0.0
    return Quality(recall, precision, matched, unmatched)


def test_recall_precision_and_deadlines_against_the_labelled_issue(
    december: list[Candidate],
    seed_claims: dict[str, PreparedClaim],
    capsys: pytest.CaptureFixture[str],
    record_property: pytest.RecordProperty,
) -> None:
    quality = measure(december, seed_claims)
    # Every matched seed claim that has a deadline: some candidate for its quote has exactly that deadline.
    with_deadline = {key: found for key, found in quality.matched.items() if found and seed_claims[key].claim.deadline}
    wrong_deadline = [
        key
        for key, found in with_deadline.items()
        if not any(
            (c.deadline, c.deadline_precision)
            == (seed_claims[key].claim.deadline, seed_claims[key].claim.deadline_precision)
            for c in found
        )
    ]
    same_attribution = sum(
        any(c.attribution is seed_claims[key].claim.attribution for c in found)
        for key, found in quality.matched.items()
        if found
    )
    n_matched = sum(bool(found) for found in quality.matched.values())
    report = (
        f"extract quality, December 2024 issue: recall {quality.recall:.1%} "
        f"({n_matched}/{len(seed_claims)} seed claims), precision {quality.precision:.1%} "
        f"({len(december) - len(quality.unmatched)}/{len(december)} candidates), deadlines exact for "
        f"{len(with_deadline) - len(wrong_deadline)}/{len(with_deadline)}, attribution agrees for "
        f"{same_attribution}/{n_matched}"
    )
    record_property("extract_quality", report)
    with capsys.disabled():
        print(f"\n{report}")
    missed = [key for key, found in quality.matched.items() if not found]
    assert quality.recall >= 0.90, f"{report}; missed: {missed}"
    assert quality.precision >= 0.70, f"{report}; unmatched: {[c.quote[:60] for c in quality.unmatched]}"
    assert not wrong_deadline, f"{report}; wrong deadlines: {wrong_deadline}"
    assert same_attribution / n_matched >= 0.85, report


def test_the_headline_forecasts_are_proposed_checkable(december: list[Candidate]) -> None:
    robotaxi = _one(december, "robotaxis operating in at least 65 Chinese cities")
    assert (robotaxi.kind, robotaxi.target, robotaxi.unit, robotaxi.comparator) == (
        ClaimKind.THRESHOLD,
        65,
        "cities",
        Comparator.AT_LEAST,
    )
    assert (robotaxi.deadline, robotaxi.deadline_precision) == (date(2025, 12, 31), Precision.YEAR)
    assert (robotaxi.attribution, robotaxi.cue, robotaxi.probability) == (Attribution.AUTHOR, "is set to", 0.75)
    assert robotaxi.missing == []  # a target, a deadline and a drafted resolution rule

    ehang = _one(december, "10,000 flying taxis")
    assert (ehang.target, ehang.unit, ehang.deadline) == (10000, "flying taxis", date(2030, 12, 31))
    assert (ehang.attribution, ehang.cue, ehang.probability) == (Attribution.REPORTED_PROJECTION, "projects", 0.5)

    kpis = [c for c in december if "hundreds of KPIs" in c.quote]
    assert {(c.deadline, c.attribution) for c in kpis} == {
        (date(2025, 12, 31), Attribution.AUTHOR),  # "Starting in 2025, I predict ..."
        (date(2035, 12, 31), Attribution.OFFICIAL_TARGET),  # "... its strategic goals by 2035 or earlier"
    }
    author_kpis = next(c for c in kpis if c.attribution is Attribution.AUTHOR)
    assert (author_kpis.target, author_kpis.unit, author_kpis.hedge) == (200, "KPIs", "I predict")

    neo = _one(december, "clinical trial next year")
    assert (neo.deadline, neo.time_text, neo.attribution) == (
        date(2025, 12, 31),
        "next year",
        Attribution.REPORTED_PROJECTION,
    )
    implants = _one(december, "at least 30 implantations")
    assert (implants.target, implants.unit, implants.deadline) == (30, "implantations", date(2025, 12, 31))

    hospital = _one(december, "made available to the general public")
    assert (hospital.deadline, hospital.deadline_precision) == (date(2025, 6, 30), Precision.HALF)
    assert (hospital.claimant, hospital.cue) == ("A Chinese start-up", "is scheduled to")


def test_deadlines_from_context_are_marked_as_such(december: list[Candidate]) -> None:
    cheaper = _one(december, "I predict that Chinese large language models")
    assert (cheaper.deadline, cheaper.deadline_source) == (date(2025, 12, 31), "section heading")
    others = _one(december, "Others are more optimistic")
    assert (others.deadline, others.deadline_source) == (date(2025, 12, 31), "previous sentence")
    bullet = _one(december, "Traditional Industries will begin")
    assert bullet.deadline_source == "list introduction"
    soon = _one(december, "available to passengers very soon")
    assert (soon.deadline, soon.time_text, soon.checkable) == (None, "very soon", False)
    assert "deadline" in soon.missing


def test_no_past_facts_questions_comments_or_boilerplate(december: list[Candidate]) -> None:
    quotes = " ".join(c.quote for c in december)
    for fact in ("BYD surpassed Tesla", "Northvolt filing for bankruptcy", "Development of the CR450 began"):
        assert fact not in quotes
    assert "Will AI continue driving" not in quotes and "Can you think of any other country" not in quotes
    assert not any(is_question(c.quote) for c in december)
    assert "Humanoid robots will soon be useful" not in quotes  # a reader's comment below "KEEP TUNED!"
    assert "Subscribe" not in quotes and "More articles" not in quotes


def test_a_forecast_set_out_as_a_list_keeps_its_items(december: list[Candidate]) -> None:
    forecast = _one(december, "Wübbeke’s forecast outlines")
    assert forecast.quote.endswith(
        "3. Final focus: Address minerals of lower criticality, including magnesium, zinc, tin, and others."
    )
    assert (forecast.claimant, forecast.attribution) == ("Wübbeke", Attribution.THIRD_PARTY_FORECAST)


def test_every_candidate_becomes_a_valid_claim(december: list[Candidate]) -> None:
    for candidate in december:
        claim = candidate.to_claim()
        assert claim.quote == candidate.quote and claim.made_on == ISSUE_DATE
        assert ("not_checkable" in claim.flags) is (claim.deadline is None)


# --- a second, hand-written issue ------------------------------------------------------------------

# (quote, claimant, attribution, deadline, precision, (target, unit, comparator) or None)
SAMPLE_EXPECTED = [
    ("Battery prices may fall further in 2026.", "Maria Lind", "author", "2026-12-31", "year", None),
    (
        "I predict that grid batteries will supply at least 10% of evening peak demand in California.",
        "Maria Lind", "author", "2026-12-31", "year", (10, "%", ">="),
    ),
    ("Heat pump sales in Europe will recover, after falling sharply in 2024.",
     "Maria Lind", "author", "2026-12-31", "year", None),
    ("Most announced green hydrogen projects will likely be delayed or cancelled.",
     "Maria Lind", "author", "2026-12-31", "year", None),
    ("Ørsted plans to cut its offshore wind pipeline by a third.", "Ørsted", "reported_projection", None, None, None),
    (
        "The European Commission aims to produce 10 million tonnes of renewable hydrogen by 2030.",
        "The European Commission", "official_target", "2030-12-31", "year", (10_000_000, "tonnes", ">="),
    ),
    (
        "Tesla projects 50% growth in energy storage deployments in 2025.",
        "Tesla", "reported_projection", "2025-12-31", "year", (50, "%", ">="),
    ),
    (
        "Analysts at BloombergNEF expect offshore wind costs to rise again next year.",
        "Analysts at BloombergNEF", "third_party_forecast", "2026-12-31", "year", None,
    ),
    (
        "The new capacity is scheduled to come online in the second half of 2026.",
        "India’s energy ministry", "official_target", "2026-12-31", "half", None,
    ),
    (
        "National Grid expects to connect 5 gigawatts of new battery storage by the end of 2025.",
        "National Grid", "reported_projection", "2025-12-31", "year", (5, "gigawatts", ">="),
    ),
    ("Officials said the new interconnector with Norway will open in 2027.",
     "Officials", "official_target", "2027-12-31", "year", None),
]  # fmt: skip


def _summary(candidate: Candidate) -> tuple[object, ...]:
    target = (candidate.target, candidate.unit, str(candidate.comparator)) if candidate.target is not None else None
    deadline = candidate.deadline.isoformat() if candidate.deadline else None
    precision = str(candidate.deadline_precision) if candidate.deadline_precision else None
    return (candidate.quote, candidate.claimant, str(candidate.attribution), deadline, precision, target)


@pytest.mark.parametrize("path", [SAMPLE_MD, SAMPLE_HTML], ids=["markdown", "html"])
def test_a_second_issue_gives_exactly_its_expected_candidates(path: Path) -> None:
    candidates = extract_file(path, SAMPLE_DATE, "Energy Transition Monthly", RuleBasedExtractor(author="Maria Lind"))
    assert [_summary(c) for c in candidates] == [tuple(row) for row in SAMPLE_EXPECTED]


def test_html_and_markdown_of_the_same_issue_agree() -> None:
    extractor = RuleBasedExtractor(author="Maria Lind")
    from_md = extract_file(SAMPLE_MD, SAMPLE_DATE, None, extractor)
    from_html = extract_file(SAMPLE_HTML, SAMPLE_DATE, None, extractor)
    assert [c.model_dump() for c in from_md] == [c.model_dump() for c in from_html]


def test_html_boilerplate_is_left_out() -> None:
    text = html_to_text(SAMPLE_HTML.read_text(encoding="utf-8"))
    for left_out in (
        "Prices will rise by 2030",  # <script>
        "color: red",  # <style>
        "Our team will be at the summit",  # <nav>
        "next issue will be out",  # share buttons
        "bounce back",  # <aside class="related-articles">
        "Hydrogen will never work",  # comments section
        "never share your e-mail",  # <footer>
    ):
        assert left_out not in text
    assert "## Three calls for 2026" in text and "1. Storage goes mainstream." in text


def test_markdown_comments_and_more_articles_are_cut() -> None:
    blocks = article_blocks(SAMPLE_MD.read_text(encoding="utf-8"))
    assert blocks[-1].text == "Thanks for reading, and see you in April!"
    assert not any("Subscribe" in b.text or "Photo:" in b.text for b in blocks)


# --- a third issue: deadlines as forecasters write them (issue 19) -------------------------------------

DEADLINES_MD = DATA / "extract_deadlines.md"
DEADLINES_DATE = date(2025, 9, 30)
# (quote starts with, time phrase, deadline, precision, (target, unit) or None), in the issue's order
DEADLINES_EXPECTED = [
    ("Analysts expect the new battery plant", "within nine months", "2026-06-30", "month", None),
    ("The transport ministry plans", "within the next 24 months", "2027-09-30", "month", (500, "charging hubs")),
    ("I predict that sodium-ion cells", "in the next two years", "2027-09-30", "year", None),
    ("Heat pumps will become the default", "in the coming years", None, None, None),
    ("Regulators are set to approve the merger", "within a year", "2026-09-30", "year", None),
    ("The company says its first fusion pilot", "in four years' time", "2029-09-30", "year", None),
    ("The new airport terminal", "by mid-2027", "2027-06-30", "half", None),
    ("Tesla is expected to launch", "in early 2026", "2026-03-31", "quarter", None),
    ("Tesla is expected to launch", "in late 2026", "2026-12-31", "quarter", None),
    ("Shipments of heavy trucks", "by Q2 2026", "2026-06-30", "quarter", None),
    ("Statnett will finish", "before 2028", "2027-12-31", "year", None),
    ("Electricity prices will keep rising", "until 2029", "2028-12-31", "year", None),
    ("The city council aims to ban diesel buses", "no later than March 2027", "2027-03-31", "month", None),
    ("Startups in the region could double", "within six months", "2026-03-30", "month", None),
    ("Europe will install 100 GW", "by the end of the decade", "2029-12-31", "year", (100, "GW")),
    ("Vestas expects its order intake", "in fiscal 2027", "2027-12-31", "year", None),
    ("Next month the regulator", "Next month", "2025-10-30", "month", None),
    ("The e-bus pilot will run", "throughout the 2026-27 school year", "2027-08-31", "year", None),
    ("Beijing will host the hydrogen trial", "by summer 2027", "2027-08-31", "quarter", None),
]  # fmt: skip


def test_an_issue_using_every_deadline_family_gives_those_deadlines() -> None:
    candidates = extract_file(DEADLINES_MD, DEADLINES_DATE, None, RuleBasedExtractor(author="Anna Berg"))
    assert len(candidates) == len(DEADLINES_EXPECTED)
    for candidate, (start, phrase, deadline, precision, target) in zip(candidates, DEADLINES_EXPECTED, strict=True):
        assert candidate.quote.startswith(start)
        assert candidate.time_text == phrase  # the phrase is kept beside the deadline it gave
        assert (candidate.deadline.isoformat() if candidate.deadline else None) == deadline, phrase
        assert (str(candidate.deadline_precision) if candidate.deadline_precision else None) == precision, phrase
        assert candidate.checkable is (deadline is not None)
        shown_target = (candidate.target, candidate.unit) if candidate.kind is ClaimKind.THRESHOLD else None
        assert shown_target == target, phrase  # a span of time ("six months") is never a target
        assert candidate.to_claim().deadline_text == phrase


def test_predictions_extract_prints_those_deadlines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(DEADLINES_MD), "--date", DEADLINES_DATE.isoformat(), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [(c["time_text"], c["deadline"], c["deadline_precision"]) for c in printed] == [
        (phrase, deadline, precision) for _start, phrase, deadline, precision, _target in DEADLINES_EXPECTED
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The startup will be profitable within six months.",
        "Investors expect a listing within the next 18 months.",
        "The ministry could approve the plan in three years' time.",
        "The pilot will run for the 2026-27 school year.",
        "A six-month trial will start in 2026.",
    ],
)
def test_a_span_of_time_never_becomes_a_threshold_target(text: str) -> None:
    assert find_target(text) is None
    candidates = RuleBasedExtractor().extract(text, DEADLINES_DATE)
    assert candidates and all(c.kind is ClaimKind.BINARY and c.target is None for c in candidates)


# --- the parts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025 is set to see robotaxis operating in at least 65 Chinese cities.", (65, "cities", ">=")),
        ("the company projects having 10,000 flying taxis operating in Shenzhen", (10000, "flying taxis", ">=")),
        ("will introduce hundreds of KPIs designed to achieve its goals", (200, "KPIs", ">=")),
        ("to reach more than 2.5 million vehicles", (2_500_000, "vehicles", ">")),
        ("will supply no more than 30% of demand", (30, "%", "<=")),
        ("raise $5.5 billion from investors", (5_500_000_000, "USD", ">=")),
        ("will open fewer than twelve stores", (12, "stores", "<")),
        ("a tower 450 m high by 2030", (450, "m", ">=")),
        ("add over 5 GW of wind in 2026", (5, "GW", ">")),
    ],
)
def test_a_number_with_its_unit_is_a_target(text: str, expected: tuple[float, str, str]) -> None:
    target = find_target(text)
    assert target is not None
    assert (target.value, target.unit, target.comparator.value) == expected


@pytest.mark.parametrize(
    "text", ["the LangYa 2.0 version will expand", "outperforms GPT-4 and Qwen 2.5", "by 2030", "to one centered on"]
)
def test_versions_years_and_pronouns_are_not_targets(text: str) -> None:
    assert find_target(text) is None


def test_time_expressions_are_read_against_the_issue_date() -> None:
    found = find_times(
        "While Made-in-China 2025 targeted industry, starting in 2025 and by the end of 2027 (after 2019, "
        "in 2024, very soon) things change in the first half of next year.",
        ISSUE_DATE,
    )
    assert [(t.text, t.tense, t.on) for t in found] == [
        ("starting in 2025", "future", date(2025, 12, 31)),
        ("by the end of 2027", "future", date(2027, 12, 31)),
        ("2019", "past", None),
        ("in 2024", "past", None),  # ends on the issue's date: nothing left to predict
        ("very soon", "vague", None),
        ("in the first half of next year", "future", date(2025, 6, 30)),
    ]


def test_sentences_do_not_break_at_abbreviations() -> None:
    text = 'It could disrupt the U.S. AI-driven market, e.g. Nvidia. Dr. Li said "yes." Then it will.'
    assert split_sentences(text) == [
        "It could disrupt the U.S. AI-driven market, e.g. Nvidia.",
        'Dr. Li said "yes."',
        "Then it will.",
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Prices were expected to fall in 2023.", False),  # past-tense cue
        ("The company had planned to list in 2026.", False),
        ("Nissan and Honda announced plans to merge.", False),  # "plans" as a noun, reporting an event
        ("Will oil demand peak by 2030?", False),  # a question
        ("Prices could fall.", False),  # a weak cue without a time, number or stated prediction
        ("The will of the people prevailed in 2024.", False),
        ("Here is what to expect in 2026.", False),  # an infinitive: nobody's forecast
        ("Prices could fall by 2027.", True),
        ("BYD will open 3 plants in Europe by 2026.", True),
        ("The plant, expected to open in 2026, will employ 3,000 people.", True),
    ],
)
def test_which_sentences_are_forward_looking(sentence: str, expected: bool) -> None:
    candidates = RuleBasedExtractor().extract(sentence, ISSUE_DATE)
    assert bool(candidates) is expected


@pytest.mark.parametrize(
    ("sentence", "claimant", "attribution"),
    [
        ("Brussels aims to cut emissions by 55% by 2030.", "Brussels", "official_target"),
        ("The ministry plans to build 40 new airports by 2035.", "The ministry", "official_target"),
        ("Goldman Sachs economists predict a recession in 2026.", "Goldman Sachs economists", "third_party_forecast"),
        ("Jane Doe predicts that rates will fall in 2026.", "Jane Doe", "third_party_forecast"),
        ("Siemens Energy expects orders to double by 2027.", "Siemens Energy", "reported_projection"),
        ("Solar will overtake coal by 2027.", "author", "author"),
        ("I expect rates to fall in 2026.", "author", "author"),
        ("We plan to launch a podcast in 2026.", "author", "author"),
    ],
)
def test_who_is_predicting(sentence: str, claimant: str, attribution: str) -> None:
    [candidate] = RuleBasedExtractor().extract(sentence, ISSUE_DATE)
    assert (candidate.claimant, candidate.attribution) == (claimant, Attribution(attribution))


def test_news_items_are_named_by_their_headline(december: list[Candidate]) -> None:
    assert _one(december, "The device is expected").section == (
        "Countdown to NEO brain-computer interface clinical trial in China"
    )
    assert _one(december, "made available to the general public").section == (
        "Tsinghua University-incubated start-up to widen test of virtual hospital with ‘AI doctors’"
    )


def test_two_claimants_in_one_sentence_give_two_candidates(december: list[Candidate]) -> None:
    both = [c for c in december if c.quote.startswith("One thing seems clear")]
    assert [(c.claimant, c.cue, c.time_text) for c in both] == [
        ("Western trend watchers", "anticipate", "imminent"),
        ("Chinese trend watchers", "predict", None),
    ]


# --- the candidate model ---------------------------------------------------------------------------


def test_candidates_round_trip_through_json_and_revise_recomputes_what_is_missing(december: list[Candidate]) -> None:
    soon = _one(december, "available to passengers very soon")
    again = Candidate.model_validate(json.loads(soon.model_dump_json()))
    assert again == soon
    revised = soon.revise(
        deadline=date(2026, 12, 31), deadline_precision="year", resolution_criteria="CR450 in service"
    )
    assert (revised.checkable, revised.missing) == (True, ["metric"])
    with pytest.raises(ValidationError):
        soon.revise(colour="red")  # extra="forbid"
    with pytest.raises(ValidationError, match="a threshold candidate needs a metric and a target"):
        soon.revise(kind="threshold")


def test_to_claim_applies_the_reviewers_edits() -> None:
    candidate = RuleBasedExtractor().extract("Robotaxis will run in 70 cities by 2027.", ISSUE_DATE)[0]
    claim = candidate.to_claim(statement="Robotaxis run in at least 70 Chinese cities.", tags=["Mobility"])
    assert (claim.statement, claim.tags, claim.target, claim.deadline) == (
        "Robotaxis run in at least 70 Chinese cities.",
        ["mobility"],
        70,
        date(2027, 12, 31),
    )


def test_another_extractor_can_replace_the_rule_based_one(tmp_path: Path) -> None:
    class Fixed:
        def extract(self, text: str, issue_date: date, source_title: str | None = None) -> list[Candidate]:
            return [
                Candidate(
                    id="x",
                    quote=text.strip(),
                    statement=text.strip(),
                    cue="manual",
                    claimant="author",
                    attribution=Attribution.AUTHOR,
                    made_on=issue_date,
                    source_title=source_title,
                )
            ]

    issue = tmp_path / "issue.txt"
    issue.write_text("Anything at all.\n", encoding="utf-8")
    assert isinstance(RuleBasedExtractor(), Extractor) and isinstance(Fixed(), Extractor)
    [candidate] = extract_file(issue, ISSUE_DATE, "Issue", Fixed())
    assert (candidate.quote, candidate.source_title, candidate.missing) == (
        "Anything at all.",
        "Issue",
        ["deadline", "metric", "resolution_criteria"],
    )


# --- duplicates and saving -------------------------------------------------------------------------


def test_candidates_already_in_the_ledger_are_pointed_out(db_path: Path, december: list[Candidate]) -> None:
    ledger.seed_from_file(db_path)
    views = ledger.list_claims(db_path)
    duplicates = find_duplicates(december, views)
    robotaxi = _one(december, "at least 65 Chinese cities")
    [hit] = [d for d in duplicates if d.candidate_id == robotaxi.id]
    assert hit.field == "quote" and hit.statement == "Robotaxis operate in at least 65 Chinese cities in 2025."
    assert hit.claim_id == next(v.id for v in views if v["statement"] == hit.statement)
    flagged = {d.candidate_id for d in duplicates}
    assert len(flagged) >= 30 and not any("shaping up to be" in c.quote for c in december if c.id in flagged)
    assert find_duplicates(extract_file(SAMPLE_MD, SAMPLE_DATE), views) == []


def test_a_reworded_statement_is_matched_too() -> None:
    candidate = RuleBasedExtractor().extract("BYD will open 3 plants in Europe by 2026.", ISSUE_DATE)[0]
    existing = [{"id": 7, "quote": None, "statement": "BYD will open 3 plants in Europe by 2026"}]
    assert [(d.claim_id, d.field) for d in find_duplicates([candidate], existing)] == [(7, "quote")]
    assert find_duplicates([candidate], [{"id": 8, "quote": "Something else entirely.", "statement": "Other"}]) == []


_WORDS = ["robotaxis", "operate", "in", "65", "chinese", "cities", "2025", "the", "a", "abcdefghijklmnop", "x"]
_SEPARATORS = [" ", " ", ", ", "-", ". ", "’"]


@st.composite
def _passages(draw: st.DrawFn) -> str:
    """Texts from a few words (so that many pairs match), sometimes cut anywhere, even inside a word."""
    words = draw(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=8))
    separators = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words), max_size=len(words)))
    text = "".join(word + separator for word, separator in zip(words, separators, strict=True))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(text) - 1))
        text = text[start : draw(st.integers(start + 1, len(text)))]
    return text


def _every_pair(candidates: list[Candidate], existing: list[dict[str, object]]) -> list[tuple[str, object, str]]:
    """find_duplicates by comparing every candidate with every claim (what its index must agree with)."""
    found = []
    for candidate in candidates:
        for claim in existing:
            quote, statement = claim["quote"], claim["statement"]
            assert quote is None or isinstance(quote, str)
            assert isinstance(statement, str)
            if quotes_match(candidate.quote, quote) or quotes_match(candidate.quote, statement):
                found.append((candidate.id, claim["id"], "quote"))
                break
            if quotes_match(candidate.statement, statement) or quotes_match(candidate.statement, quote):
                found.append((candidate.id, claim["id"], "statement"))
                break
    return found


@given(
    st.lists(st.tuples(_passages(), _passages()), min_size=1, max_size=4),
    st.lists(st.tuples(st.none() | _passages(), _passages()), max_size=12),
)
def test_the_duplicate_index_finds_what_comparing_every_pair_finds(
    own: list[tuple[str, str]], stored: list[tuple[str | None, str]]
) -> None:
    candidates = [
        Candidate(
            id=str(n), quote=quote.strip() or "q", statement=(statement.strip() + "xyz")[:40], cue="will",
            claimant="someone", attribution=Attribution.AUTHOR, made_on=ISSUE_DATE,
        )
        for n, (quote, statement) in enumerate(own)
    ]  # fmt: skip
    existing: list[dict[str, object]] = [
        {"id": n, "quote": quote, "statement": statement} for n, (quote, statement) in enumerate(stored)
    ]
    found = [(d.candidate_id, d.claim_id, d.field) for d in find_duplicates(candidates, existing)]
    assert found == _every_pair(candidates, existing)


def _table_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("sources", "claims", "forecasts")}  # type: ignore[index]


def test_saving_writes_nothing_until_called_then_exactly_the_accepted_candidates(db_path: Path) -> None:
    candidates = extract_file(SAMPLE_MD, SAMPLE_DATE, "Energy Transition Monthly", RuleBasedExtractor("Maria Lind"))
    find_duplicates(candidates, [])
    assert not db_path.exists()  # extracting and checking for duplicates never touch the database

    accepted = [candidates[1], candidates[5].revise(resolution_criteria="Eurostat hydrogen output", probability=0.3)]
    source = Source(title="Energy Transition Monthly — March 2025", published_on=SAMPLE_DATE, author="Maria Lind")
    result = save_candidates(db_path, source, accepted, author_name="Maria Lind")
    assert (result.added, result.skipped) == (2, 0)
    assert _table_counts(db_path) == {"sources": 1, "claims": 2, "forecasts": 2}

    views = {v["quote"]: v for v in ledger.list_claims(db_path)}
    assert set(views) == {c.quote for c in accepted}
    batteries = views[accepted[0].quote]
    assert (batteries["target"], batteries["unit"], batteries["probability"]) == (10, "%", 0.8)
    assert batteries.row["source_title"] == source.title
    hydrogen = ledger.get_claim(db_path, views[accepted[1].quote].id)
    assert hydrogen.view["resolution_criteria"] == "Eurostat hydrogen output"
    [forecast] = hydrogen.forecasts
    assert (forecast["forecaster"], forecast["probability"], forecast["basis"]) == (
        "The European Commission",
        0.3,
        "stated",  # the reviewer changed the verbal 55%
    )

    again = save_candidates(db_path, source, accepted, author_name="Maria Lind")
    assert (again.added, again.skipped) == (0, 2)
    assert _table_counts(db_path)["claims"] == 2


def test_one_bad_candidate_saves_nothing(db_path: Path) -> None:
    candidates = extract_file(SAMPLE_MD, SAMPLE_DATE, "Energy Transition Monthly")
    source = Source(title="Energy Transition Monthly — March 2025", published_on=SAMPLE_DATE)
    bad = candidates[2].model_copy(update={"statement": "no"})  # bypasses validation: too short for a claim
    with pytest.raises(ExtractError, match=r"candidate 2 \('no'\): statement: String should have at least 3"):
        save_candidates(db_path, source, [candidates[0], bad])
    assert not db_path.exists()
    with pytest.raises(ExtractError, match="nothing to save"):
        save_candidates(db_path, source, [])
    other_day = Source(title="Another issue", published_on=date(2025, 4, 30))
    with pytest.raises(ExtractError, match="not on the issue's date"):
        save_candidates(db_path, other_day, candidates[:1])
    assert not db_path.exists()


# --- the command line ------------------------------------------------------------------------------


def test_cli_json_lists_the_candidates(capsys: pytest.CaptureFixture[str], issue_text: str) -> None:
    assert main(["extract", str(SOURCE_TEXT), "--date", "2024-12-31", "--source", "TMIC", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert all(Candidate.model_validate(item).source_title == "TMIC" for item in data)
    quotes = " ".join(item["quote"] for item in data)
    for wanted in (
        "at least 65 Chinese cities",  # robotaxis
        "10,000 flying taxis",  # eHang
        "hundreds of KPIs",  # NQPF
        "clinical trial next year",  # NEO
        "general public in the first half of 2025",  # the virtual hospital
    ):
        assert wanted in quotes


def test_cli_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(SAMPLE_MD), "--date", "2025-03-31"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"11 candidate claims in {SAMPLE_MD} (issue of 2025-03-31):")
    assert "cue 'aims to' · The European Commission (official_target) · threshold · target >= 1e+07 tonnes" in out
    assert "deadline 2026-12-31 (year, 'for 2026') from the section heading · p=80% (I predict)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "missing.txt", "--date", "2024-12-31"], "error: cannot read missing.txt: no such file"),
        (["extract", str(SAMPLE_MD), "--date", "31/12/2024"], "'31/12/2024' is not a date (use YYYY-MM-DD)"),
        (["extract", str(SAMPLE_MD)], "the following arguments are required: --date"),
        (["extract", str(DATA), "--date", "2024-12-31"], "it is a directory"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_1(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str], db_path: Path
) -> None:
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1
    assert not db_path.exists()


def test_cli_binary_file_is_one_line_without_traceback(tmp_path: Path) -> None:
    binary = tmp_path / "issue.pdf"
    binary.write_bytes(b"%PDF-1.7\xff\xfe\x00garbage")
    result = subprocess.run(
        [sys.executable, "-m", "predictions.cli", "extract", str(binary), "--date", "2024-12-31"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"error: cannot read {binary}: not UTF-8 text\n"


# --- property tests --------------------------------------------------------------------------------


@given(st.text(max_size=400), st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_any_text_extracts_without_error_into_valid_claims(text: str, issue_date: date) -> None:
    for candidate in RuleBasedExtractor().extract(text, issue_date):
        claim = candidate.to_claim()
        assert claim.deadline is None or claim.deadline > issue_date


_SUBJECTS = st.sampled_from(["BYD", "The ministry", "Solar output", "Our team", "Analysts"])
_VERBS = st.sampled_from(["will reach", "is expected to reach", "is set to reach", "plans to reach"])


@given(_SUBJECTS, _VERBS, st.integers(min_value=2, max_value=999_999), st.integers(min_value=2026, max_value=2099))
def test_a_generated_forecast_is_found_with_its_target_and_deadline(
    subject: str, verb: str, number: int, year: int
) -> None:
    sentence = f"{subject} {verb} {number:,} units by {year}."
    [candidate] = RuleBasedExtractor().extract(sentence, date(2025, 6, 1))
    assert (candidate.target, candidate.unit, candidate.deadline) == (number, "units", date(year, 12, 31))
    assert (
        RuleBasedExtractor().extract(f"Will {subject.lower()} reach {number} units by {year}?", date(2025, 6, 1)) == []
    )


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("Per [Wikipedia](https://en.wikipedia.org/wiki/EHang_(company)) it flies.", "Per Wikipedia it flies."),
        ('A [titled link](https://x.org/a "The title") here.', "A titled link here."),
        ("An [angle link](<https://x.org/a b>) too.", "An angle link too."),
        ("![a photo](https://x.org/p_(1).png) Robotaxis grow.", "Robotaxis grow."),
        ("Plain (parenthesised) text stays.", "Plain (parenthesised) text stays."),
    ],
)
def test_markdown_links_leave_their_text_only(markdown: str, text: str) -> None:
    assert [block.text for block in parse_blocks(markdown)] == [text]
