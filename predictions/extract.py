"""From a newsletter issue to candidate claims: find the forward-looking statements, make them checkable.

`RuleBasedExtractor` reads an issue (plain text, Markdown or HTML, see predictions/issue_text.py) and
proposes one `Candidate` per forward-looking statement. It runs offline on the standard library; the
rules are general cues, not sentence-specific ones:

- a predictive cue: modal future ("will", "is set to", "is going to"), an announced plan or schedule
  ("plans to", "is scheduled to"), an expectation ("is expected to", "expecting", "I predict",
  "X projects", "X's forecast"), an evaluation ("poised to", "well-positioned to"). Weak cues
  ("could", "may", "aims to", "is seen as", "the goal is to") only count with a time expression, a
  number or the word prediction/forecast in the same sentence;
- questions are not claims, nor are clauses whose only time expressions are in the past ("in 2024")
  or whose cue is in the past tense ("was expected to", "announcing plans to");
- the deadline comes from the clause's own time expression (normalised by predictions.deadlines),
  else from the previous sentence when the clause picks it up ("Others ...", "This ..."), else, for
  the author's own claims, from the list introduction ("2025 marks a pivotal year:") or the section
  heading ("Trends To Watch in 2025") the claim sits under. A clause naming two future periods gives
  one candidate per period;
- who is predicting: the author when he speaks ("I predict") or makes the statement in his own
  commentary; the subject of a reporting verb ("analysts believe", "the company projects"); or, for
  passive expectations and statements in a news section, the party the sentence, its paragraph or the
  news item's first paragraph names. Governments and ministries make official targets; analysts and
  commentators third-party forecasts; companies, researchers and projects reported projections;
- a number after the cue with its unit is a threshold target ("at least 65 Chinese cities" → 65 cities,
  >=; "hundreds of KPIs" → 200);
- the suggested probability is the verbal scale's (predictions.confidence.find_hedge).

Another extractor (a language model, say) can replace this one: anything with the `Extractor`
protocol's `extract` method works with `extract_file`, `find_duplicates` and `save_candidates`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, Field, ValidationError, model_validator

from predictions import ledger
from predictions.confidence import DEFAULT_PROBABILITY, find_hedge
from predictions.deadlines import MONTHS, find_time_phrases, is_period_unit
from predictions.issue_text import Block, article_blocks, is_question, split_sentences
from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    Model,
    Precision,
    Probability,
    Source,
    first_problem,
)
from predictions.seed import PreparedClaim

__all__ = [
    "Candidate",
    "Duplicate",
    "ExtractError",
    "Extractor",
    "RuleBasedExtractor",
    "SaveResult",
    "extract_file",
    "find_duplicates",
    "find_target",
    "find_times",
    "quotes_match",
    "read_issue",
    "save_candidates",
    "source_key",
]

DeadlineSource = Literal["sentence", "previous sentence", "list introduction", "section heading"]


class ExtractError(ValueError):
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
            "statement": self.statement,
            "quote": self.quote,
            "claimant": self.claimant,
            "attribution": self.attribution,
            "kind": self.kind,
            "made_on": self.made_on,
            "deadline": self.deadline,
            "deadline_precision": self.deadline_precision,
            "deadline_text": self.time_text,
            "resolution_criteria": self.resolution_criteria,
            "tags": self.tags,
            "metric": self.metric,
            "unit": self.unit,
            "comparator": self.comparator,
            "target": self.target,
        }
        data.update(overrides)
        data.setdefault("flags", [] if data["deadline"] else ["not_checkable"])
        return ClaimIn.model_validate(data)


@runtime_checkable
class Extractor(Protocol):
    def extract(self, text: str, issue_date: date, source_title: str | None = None) -> list[Candidate]: ...


# --- time expressions ------------------------------------------------------------------------------

_Y = r"(?:19|20|21)\d\d"

Tense = Literal["future", "vague", "past"]


@dataclass(frozen=True)
class TimeExpression:
    text: str
    start: int
    tense: Tense
    on: date | None = None
    precision: Precision | None = None


def find_times(text: str, issue_date: date) -> list[TimeExpression]:
    """Time expressions in `text` (found and read by predictions.deadlines), each against the issue date:
    future, vague (no period: "in the coming years") or past ("in 2024" in an issue of 2025)."""
    found: list[TimeExpression] = []
    for phrase in find_time_phrases(text, issue_date):
        if phrase.vague or phrase.on is None:
            found.append(TimeExpression(phrase.text, phrase.start, "vague"))
        elif re.fullmatch(rf"(?:the\s+)?{_Y}", phrase.text, re.IGNORECASE) and re.search(
            r"[A-Z][\w-]*\s$", text[: phrase.start]
        ):
            continue  # a year inside a name: "Made-in-China 2025", "Vision 2030"
        elif phrase.on > issue_date:
            found.append(TimeExpression(phrase.text, phrase.start, "future", phrase.on, phrase.precision))
        else:
            found.append(TimeExpression(phrase.text, phrase.start, "past"))  # "in 2024" on 2024-12-31
    return found


# --- cues ------------------------------------------------------------------------------------------

Voice = Literal["author", "reporting", "passive", "neutral"]


@dataclass(frozen=True)
class _Cue:
    voice: Voice  # author: the writer's own judgement; reporting/passive: someone else's; neutral: by section
    weak: bool
    pattern: re.Pattern[str]


def _cue(voice: Voice, pattern: str, *, weak: bool = False, case: bool = False) -> _Cue:
    return _Cue(voice, weak, re.compile(pattern, 0 if case else re.IGNORECASE))


_AUX = r"\b(?:is|are|am|remains?|seems?|appears?|['’]s|['’]re)\s+(?:(?:now|also|still|already|\w+ly)\s+)?"
_PAST_AUX = re.compile(r"\b(?:was|were|had|been|would|did)\s+(?:(?:\w+ly|not|also)\s+)?$", re.IGNORECASE)
_NOUN_PLAN = re.compile(
    r"\b(?:announc\w*|unveil\w*|approv\w*|with|its|their|his|her|our|the|no|of|has|have|had|made|making|new)\s+$",
    re.IGNORECASE,
)
_CUES = [
    _cue("author", r"\bI\s+(?:\w+ly\s+)?(?:predict|expect|forecast|anticipate|foresee|bet)\b", case=True),
    _cue(
        "author", r"\bI\s+am\s+(?:\w+\s+)?(?:confident|convinced|certain|sure)\b|\bI['’]m\s+(?:confident|convinced)\b"
    ),
    _cue("author", r"\bwe\s+(?:can\s+|should\s+|will\s+)?(?:expect|anticipate|predict|foresee)\b"),
    _cue("author", r"\b(?:poised|(?:well|uniquely|best)[- ]positioned|positioned)\s+to\b"),
    _cue("author", _AUX + r"(?:likely|unlikely|bound|destined)\s+to\b"),
    _cue("author", _AUX + r"shaping\s+up\s+to\b", weak=True),
    _cue(
        "author", r"\b(?:could|might)\b(?!\s+(?:not\s+)?have\b)|\bmay\b(?!\s+(?:not\s+)?have\b)", weak=True, case=True
    ),
    _cue(
        "passive",
        _AUX + r"(?:expected|projected|forecast|predicted|anticipated|scheduled|slated|planned|tipped)\s+to\b",
    ),
    _cue("passive", r"(?<=[\w,]\s)(?:expected|scheduled|slated|projected)\s+to\b"),
    _cue("passive", _AUX + r"(?:seen|viewed|regarded|considered)\s+as\b", weak=True),
    _cue("passive", r"\bthe\s+(?:\w+\s+)?(?:goal|target|objective|aim|ambition)\s+is\s+to\b", weak=True),
    _cue("reporting", r"\b(?:predicts?|predicting|anticipates?|anticipating|expects?|expecting|foresees?)\b"),
    _cue(
        "reporting", r"\b(?:projects?|projecting|forecasts?|forecasting|estimates?)\s+(?=that\b|having\b|\d|\w+ing\b)"
    ),
    _cue("reporting", r"\b[\w’'-]+['’]s\s+(?:\w+\s+)?(?:forecast|prediction|projection|outlook)\b"),
    _cue("reporting", r"\b(?:plans|plan|planning|intends?|intending)\s+to\b"),
    _cue("reporting", r"\b(?:aims?|aiming|seeks?|seeking|hopes?|hoping)\s+to\b", weak=True),
    _cue("neutral", r"(?<!^)\b(?:will|shall|won['’]t)\b(?!\s+(?:of|power)\b)"),
    _cue("neutral", _AUX + r"(?:set|going|about|on\s+track|on\s+course)\s+to\b(?!\s*\d)"),
    _cue("neutral", _AUX + r"due\s+to\b(?!\s+(?:the|a|an|its|their|his|her|this|that|these|those|[A-Z]))"),
    _cue("neutral", r"\b(?:upcoming|forthcoming)\b", weak=True),
]
_WILL_NOUN = re.compile(r"\b(?:the|political|free|good|own|his|her|their|its|a|your|our|my|ill)\s+$", re.IGNORECASE)
_PREDICTION_WORD = re.compile(r"\b(?:predict\w*|forecast\w*)\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Hit:
    cue: _Cue
    start: int
    end: int
    text: str


def _find_cues(clause: str) -> list[_Hit]:
    hits = []
    for cue in _CUES:
        for match in cue.pattern.finditer(clause):
            before = clause[: match.start()]
            if _PAST_AUX.search(before) and cue.voice in {"passive", "neutral"}:
                continue  # "was expected to", "had been set to"
            if cue.voice == "reporting" and re.search(r"\bto\s+$", before):
                continue  # "what to expect in 2026", "hard to predict": nobody's forecast
            if "plan" in match.group(0).lower() and _NOUN_PLAN.search(before):
                continue  # "announcing plans to merge": a noun, reporting a past event
            if match.group(0).lower() == "will" and _WILL_NOUN.search(before):
                continue  # "the will of the people"
            possessive = "'" in match.group(0) or "’" in match.group(0)
            if (
                cue.voice == "reporting"
                and not possessive
                and re.search(r"\b(?:in|of|for|at|on|with|about)\s+$", before)
            ):
                continue  # "a breakthrough in forecasting weather": a gerund, not a forecast
            hits.append(_Hit(cue, match.start(), match.end(), " ".join(match.group(0).split())))
    return sorted(hits, key=lambda h: h.start)


# --- who is predicting -----------------------------------------------------------------------------

_ORG_WORDS = (
    r"University|Technology|Technologies|Ministry|Group|Inc|Ltd|Corp|Corporation|Institute|Academy|Council|"
    r"Commission|Bureau|Administration|Department|Agency|Committee|Lab|Laboratory|Bank|Authority|Association|"
    r"Foundation|Government|Office|Fund|Motors|Holdings|Railway|Company|Organization|Organisation"
)
_CAP = r"[A-ZÀ-ÖØ-Þ][\w’'&.-]*"
_ORG = rf"(?:{_CAP}\s+)*(?:{_ORG_WORDS})\b(?:\s+of(?:\s+the)?\s+{_CAP}(?:\s+{_CAP})*)?"
_PARTY_NOUNS = (
    r"(?:researcher|scientist|engineer|analyst|economist|expert|watcher|forecaster|strategist|official|regulator|"
    r"developer|investor|start-?up|startup|firm|maker|manufacturer|operator|commentator|observer|policymaker|"
    r"planner|executive|founder|ministry|agency|government|utility|authority|authorities|company|companies)s?"
)
_GENERIC = rf"(?:(?:the|a|an|some|many|most|other|several|leading)\s+)?(?:[\w’'-]+\s+){{0,2}}?(?:{_PARTY_NOUNS})\b"
_STRONG_PARTY = re.compile(rf"{_ORG}|{_GENERIC}")
_SUBJECT_STOP = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|may|might|shall|should|seems?|appears?|"
    r"plans?|projects?|predicts?|expects?|anticipates?|believes?|says?|said|aims?)\b"
)
_PAST_VERB = re.compile(
    r"(?:\w+ed|held|said|made|built|began|saw|took|became|grew|rose|fell|led|sold|won|set|put|spent|told|got)\b"
)
_NOT_PARTIES = {
    "I", "We", "It", "This", "That", "These", "Those", "They", "The", "A", "An", "AI", "GenAI", "EV", "EVs", "NEV",
    "NEVs", "LLM", "LLMs", "GDP", "BCI", "KPI", "KPIs", "CEO", "R&D", "Its", "Their", "Our", "In", "On", "By", "With",
    "For", "As", "At", "From", "If", "When", "While", "However", "Meanwhile", "Furthermore", "Moreover", "Also",
    "Some", "Others", "Many", "Most", "Looking", "Given", "Starting", "Beginning", "One", "Such",
}  # fmt: skip
_GOVERNMENT = re.compile(
    r"\b(?:ministry|government|state\s+council|council|commission|bureau|administration|department|authorities|"
    r"authority|regulators?|agency|committee|parliament|congress|the\s+state|ndrc|miit|mofcom|"
    r"province|municipal\w*|european\s+union|the\s+eu|white\s+house|officials|policymakers)\b",
    re.IGNORECASE,
)
# A state, or its capital standing for its government, as the actor: "China plans to", "Brussels aims to".
_STATES = re.compile(
    r"(?:the\s+)?(?:china|beijing|u\.?s\.?|united\s+states|washington|eu|european\s+union|brussels|india|new\s+delhi|"
    r"japan|tokyo|russia|moscow|uk|united\s+kingdom|britain|london|germany|berlin|france|paris|south\s+korea|seoul|"
    r"taiwan|taipei|brazil|brasília|brasilia|canada|ottawa|australia|canberra|indonesia|jakarta|saudi\s+arabia|"
    r"riyadh|uae|singapore|vietnam|hanoi|mexico|turkey|ankara|south\s+africa|nigeria|egypt|iran|israel)",
    re.IGNORECASE,
)
_COMMENTATORS = re.compile(
    r"\b(?:analysts?|economists?|experts?|watchers|forecasters?|strategists?|commentators?|observers|pundits|"
    r"futurists?|consultants?)\b",
    re.IGNORECASE,
)
_ATTRIBUTING_VERB = re.compile(
    r"\b(?:believes?|thinks?|says?|said|argues?|claims?|warns?|predicts?|predicting|anticipates?|anticipating|"
    r"expects?|expecting|foresees?)\b|\b(?:projects?|projecting|forecasts?|estimates?)\s+(?=that\b|having\b|\d|\w+ing\b)|"
    r"\b(?:plans?|planning|intends?|aims?|aiming|seeks?|hopes?)\s+(?=to\b)"
)
_OPINION_VERB = re.compile(r"predict|anticipat|forecast|foresee|believ|think|argu|warn|prediction|outlook", re.I)
_VAGUE_SUBJECTS = {"some": "some commentators", "others": "other commentators", "many": "many commentators"}
_UNNAMED = "unnamed source"


def _proper_nouns(text: str) -> list[str]:
    """Capitalised names not at the sentence start, plus a sentence-initial one followed by a verb."""
    names = []
    for match in re.finditer(rf"{_CAP}(?:\s+(?:of\s+)?{_CAP})*", text):
        name = match.group(0).rstrip(".’'")
        name = re.sub(r"[’']s$", "", name)
        first = name.split()[0]
        at_start = not text[: match.start()].strip()
        if first in _NOT_PARTIES or first.lower() in MONTHS:
            continue
        following = text[match.end() :].strip()
        if at_start and not (_SUBJECT_STOP.match(following) or _PAST_VERB.match(following)):
            continue  # a sentence-initial capital names a party only when a verb follows: "China has"
        names.append(name)
    return names


def _strong_parties(text: str) -> list[str]:
    parties = []
    for match in _STRONG_PARTY.finditer(text):
        words = match.group(0).split()
        while words and (words[0] in _NOT_PARTIES and words[0] not in {"Some", "Many", "The", "A", "An"}):
            words.pop(0)
        while words and words[0].lower() in {"of", "and", "from", "with", "by", "for", "in", "to"}:
            words.pop(0)
        if words:
            parties.append(re.sub(r"[’']s$", "", " ".join(words)))
    return parties


def _subject(clause: str, position: int) -> str:
    """The noun phrase just before `position` (a verb), back to the previous comma, colon or clause word."""
    before = clause[:position]
    segment = re.split(r"[,:;(]|\b(?:that|which|who|and|but|while|whereas|though)\b", before)[-1].strip()
    if not segment:  # "Others are more optimistic, expecting ...": the clause's own subject
        head = _SUBJECT_STOP.split(clause, maxsplit=1)[0]
        segment = re.split(r"[,:;]", head)[-1].strip()
    words = segment.split()[-8:]
    return " ".join(words).strip(" \"“”'’")


def _classify(claimant: str, news: bool, *, opinion: bool = False) -> Attribution:
    """Governments set official targets; commentators, and anyone who merely predicts, make third-party
    forecasts; companies, researchers and projects report their own projections and plans."""
    if _GOVERNMENT.search(claimant) or _STATES.fullmatch(claimant.strip()):
        return Attribution.OFFICIAL_TARGET
    if _COMMENTATORS.search(claimant) or (opinion and not _STRONG_PARTY.search(claimant)):
        return Attribution.THIRD_PARTY_FORECAST
    if claimant == _UNNAMED and not news:
        return Attribution.THIRD_PARTY_FORECAST
    return Attribution.REPORTED_PROJECTION


# --- numbers ---------------------------------------------------------------------------------------

_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "fifty": 50, "a hundred": 100, "a thousand": 1000,
    "a million": 1e6, "dozens": 24, "hundreds": 200, "thousands": 2000, "tens of thousands": 20000,
    "millions": 2e6, "billions": 2e9,
}  # fmt: skip
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
_COMPARATORS = [
    (r"at\s+least|no\s+(?:fewer|less)\s+than|a\s+minimum\s+of|or\s+more", Comparator.AT_LEAST),
    (r"more\s+than|over|above|exceeding|in\s+excess\s+of|upwards\s+of", Comparator.MORE_THAN),
    (r"at\s+most|no\s+more\s+than|up\s+to|a\s+maximum\s+of", Comparator.AT_MOST),
    (r"fewer\s+than|less\s+than|under|below", Comparator.LESS_THAN),
]
_COMPARATOR_WORDS = (
    "|".join(pattern for pattern, _ in _COMPARATORS) + r"|nearly|almost|about|around|approximately|roughly"
)
_NUMBER_WORDS = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
_NUMBER = re.compile(
    rf"(?:(?P<comp>{_COMPARATOR_WORDS})\s+)?(?P<cur>US\$|\$|€|£|¥|RMB\s*|USD\s*)?"
    rf"(?:(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)|(?P<word>{_NUMBER_WORDS}))"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|bn|mn|k)\b)?\s*(?P<pct>%|percent\b|per\s+cent\b)?",
    re.IGNORECASE,
)
_UNIT_STOP = {
    "in", "on", "at", "by", "for", "with", "across", "from", "to", "and", "or", "that", "which", "who", "than",
    "per", "of", "the", "a", "an", "this", "next", "within", "over", "before", "is", "are", "will", "be",
}  # fmt: skip


@dataclass(frozen=True)
class Target:
    value: float
    unit: str
    comparator: Comparator
    metric: str


_ANY_DAY = date(2000, 1, 1)  # where time phrases lie does not depend on the issue's date


def find_target(text: str) -> Target | None:
    """The first number with a unit in `text`: "at least 65 Chinese cities" → 65 cities (>=).

    A number inside a time phrase ("within six months", "the 2026-27 school year") is no target.
    """
    times = [(t.start, t.end) for t in find_time_phrases(text, _ANY_DAY)]
    for match in _NUMBER.finditer(text):
        before = text[: match.start()]
        if any(start <= match.start("num" if match.group("num") else "word") < end for start, end in times):
            continue
        if match.group("num") and re.fullmatch(_Y, match.group("num")):
            continue  # a year, read as a time expression
        if re.search(r"(?:[A-Za-z]-?|\d\.)$", before) or (re.search(rf"{_CAP}\s$", before) and not match.group("comp")):
            continue  # part of a name or version: "GPT-4", "Qwen 2.5", "CR450"
        if match.group("word") and not re.search(r"(?:^|\s)$", before):
            continue
        number = match.group("num")
        value = float(number.replace(",", "")) if number else float(_WORD_NUMBERS[match.group("word").lower()])
        scale = (match.group("scale") or "").lower()
        value *= _SCALES.get(scale, 1)
        comparator = Comparator.AT_LEAST
        for pattern, named in _COMPARATORS:
            if match.group("comp") and re.fullmatch(pattern, match.group("comp"), re.IGNORECASE):
                comparator = named
        rest = text[match.end() :]
        if match.group("pct"):
            unit, phrase = "%", re.split(r"[,;.]", rest.strip())[0].removeprefix("of ").strip()
            return Target(value, unit, comparator, " ".join(phrase.split()[:8]) or "share")
        if match.group("cur"):
            currency = "USD" if "$" in match.group("cur") else match.group("cur").strip().upper()
            phrase = re.split(r"[,;.]", rest.strip())[0].strip()
            return Target(value, currency, comparator, " ".join(phrase.split()[:8]) or "amount")
        words = re.sub(r"^\s*of\s+", "", rest).split()
        noun: list[str] = []
        for word in words[:5]:
            bare = word.strip('.,;:!?"”’)(')
            if not bare or bare.lower() in _UNIT_STOP or bare.endswith("ed") or (noun and bare.endswith("ing")):
                break
            noun.append(bare)
            if word != bare or (len(bare) > 3 and bare.endswith("s") and not bare.endswith("ss")):
                break  # a plural noun or punctuation ends the unit: "flying taxis", "cities."
            if len(noun) == 1 and (len(bare) <= 3 or "/" in bare):
                break  # a unit symbol is complete: "450 m high", "5 GW of", "400 km/h"
        if not noun or noun[-1][0].isdigit() or is_period_unit(noun[0]):
            continue  # no unit, or a span of time ("six months", "three-year"): the deadline, not a target
        unit_words = list(noun)
        while len(unit_words) > 1 and unit_words[0][0].isupper() and not unit_words[0].isupper():
            unit_words.pop(0)  # "Chinese cities" → cities; "flying taxis" stays
        qualifier = re.split(r"[,;.]", rest.strip())[0].split()[len(words[: len(noun)]) :]
        metric = " ".join([*noun, *qualifier][:10])
        return Target(value, " ".join(unit_words), comparator, metric)
    return None


# --- the extractor ---------------------------------------------------------------------------------

_ANAPHORA = re.compile(r"^(?:others|some\s+others|they|it|this|these|such|that|those|he|she|the\s+same)\b", re.I)
_CLAUSE_BREAK = re.compile(r",\s+(?:while|whereas)\s+|;\s+")
_GOAL_WORDS = re.compile(
    r"\b(?:its|their|the|his|her)?\s*(?:\w+\s+)?(?:goals?|targets?|objectives?|ambitions?)\s*$", re.I
)
_NEWS_HEADING = re.compile(r"\b(?:news|updates|headlines|in\s+brief|round-?up|digest|briefing)\b", re.IGNORECASE)


@dataclass
class _Reading:
    """How the rules read one clause: the parts of a candidate before it is built."""

    cue: str
    claimant: str
    attribution: Attribution
    time: TimeExpression | None
    deadline_source: DeadlineSource | None
    target: Target | None
    notes: list[str]


@dataclass
class _Frame:
    level: int
    time: TimeExpression | None
    news: bool
    title: str


@dataclass
class _Context:
    """What a sentence inherits from the document around it."""

    section: str | None
    frame: TimeExpression | None  # the section heading's future period
    list_frame: TimeExpression | None  # the list introduction's future period (items only)
    news: bool
    block: Block
    lede: Block | None  # the news item's first paragraph
    previous_times: list[TimeExpression]  # future periods of the previous sentence in the block
    appended: str  # list items a sentence ending in ":" introduces


def _stable_id(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:12]


class RuleBasedExtractor:
    """The offline, rule-based extractor (see the module docstring for its rules)."""

    def __init__(self, author: str = "author") -> None:
        self.author = author

    def extract(self, text: str, issue_date: date, source_title: str | None = None) -> list[Candidate]:
        blocks = article_blocks(text)
        frames: list[_Frame] = []
        list_frame: TimeExpression | None = None
        lede: Block | None = None
        awaiting_lede = False
        title: str | None = None  # the last heading or list line: it opens a story if a paragraph follows
        story: str | None = None
        candidates: list[Candidate] = []
        seen: set[str] = set()
        for index, block in enumerate(blocks):
            if block.kind == "heading":
                while frames and frames[-1].level >= block.level:
                    frames.pop()
                future = [t for t in find_times(block.text, issue_date) if t.tense == "future"]
                news = bool(_NEWS_HEADING.search(block.text))
                frames.append(_Frame(block.level, future[0] if future else None, news, block.text))
            if block.kind != "item":
                list_frame = None
            if block.kind == "paragraph" and awaiting_lede:
                lede, awaiting_lede = block, False
                story = title
            if block.kind == "heading":
                story = None
            if block.kind == "heading" or (block.kind == "item" and len(block.text) <= 90):
                awaiting_lede, title = True, block.text
            heading = next((f.title for f in reversed(frames) if f.title != block.text), None)
            frame = next((f.time for f in reversed(frames) if f.time is not None), None)
            sentences = split_sentences(block.text)
            previous: list[TimeExpression] = []
            for position, sentence in enumerate(sentences):
                appended = ""
                if sentence.endswith(":") and position == len(sentences) - 1:
                    items = []
                    for following in blocks[index + 1 :]:
                        if following.kind != "item":
                            break
                        items.append(following.raw)
                    appended = " ".join(items)
                context = _Context(
                    section=story if story and block.kind == "paragraph" else heading,
                    frame=frame,
                    list_frame=list_frame if block.kind == "item" else None,
                    news=any(f.news for f in frames),
                    block=block,
                    lede=lede if any(f.news for f in frames) else None,
                    previous_times=previous,
                    appended=appended,
                )
                if not is_question(sentence):
                    for candidate in self._sentence(sentence, issue_date, source_title, context):
                        if candidate.id not in seen:
                            seen.add(candidate.id)
                            candidates.append(candidate)
                previous = [t for t in find_times(sentence, issue_date) if t.tense == "future"]
            if block.kind == "paragraph" and block.text.endswith(":"):
                future = [t for t in find_times(block.text, issue_date) if t.tense == "future"]
                list_frame = future[0] if future else None
        return candidates

    def _sentence(self, sentence: str, issue_date: date, title: str | None, context: _Context) -> list[Candidate]:
        candidates = []
        offset = 0
        for clause in _CLAUSE_BREAK.split(sentence):
            first_clause = offset == 0
            offset += len(clause)
            hits = _find_cues(clause)
            strong = [h for h in hits if not h.cue.weak]
            times = find_times(clause, issue_date)
            own_future = [t for t in times if t.tense == "future"]
            if not hits:
                continue
            if not strong and not (
                any(t.tense != "past" for t in times) or _PREDICTION_WORD.search(sentence) or find_target(clause)
            ):
                continue  # "could", "aims to" without a future time, a number or a stated prediction
            hit = (strong or hits)[0]
            claimant, attribution, voice_note = self._who(clause, hit, context)
            # one candidate per distinct future period named in the clause
            periods: list[tuple[TimeExpression | None, DeadlineSource | None]] = []
            for future in own_future:
                if all(future.on != other.on for other, _ in periods if other is not None):
                    periods.append((future, "sentence"))
            if not periods:
                vague = next((t for t in times if t.tense == "vague"), None)
                if vague is not None:
                    periods.append((vague, "sentence"))
                elif first_clause and context.previous_times and _ANAPHORA.match(clause.strip()):
                    periods.append((context.previous_times[0], "previous sentence"))
                elif attribution is Attribution.AUTHOR and context.list_frame is not None:
                    periods.append((context.list_frame, "list introduction"))
                elif attribution is Attribution.AUTHOR and context.frame is not None:
                    periods.append((context.frame, "section heading"))
                else:
                    periods.append((None, None))
            for number, (time, deadline_source) in enumerate(periods):
                reading = _Reading(hit.text, claimant, attribution, time, deadline_source, None, [voice_note])
                if number > 0 and time is not None:
                    goal = _GOAL_WORDS.search(clause[: time.start])
                    parties = [p for p in _proper_nouns(clause[: time.start]) if p != "I"]
                    if goal and parties:  # "... designed to achieve its strategic goals by 2035": their target
                        reading.claimant = parties[-1]
                        reading.attribution = _classify(parties[-1], context.news)
                        reading.cue = " ".join(goal.group(0).split())
                        reading.notes = [f"a goal of {parties[-1]!r} with its own deadline"]
                target = find_target(clause[hit.end :]) if number == 0 else None
                if target is not None and time is not None and time.text in target.metric:
                    target = Target(target.value, target.unit, target.comparator, target.metric.split(time.text)[0])
                reading.target = target
                candidates.append(self._candidate(sentence, clause, reading, issue_date, title, context))
        return candidates

    def _who(self, clause: str, hit: _Hit, context: _Context) -> tuple[str, Attribution, str]:
        """(claimant, attribution, a note saying why)."""
        if any(
            h.cue.voice == "author" and h.text.lower().startswith(("i ", "i'", "i’", "we ")) for h in _find_cues(clause)
        ):
            return self.author, Attribution.AUTHOR, "the author speaks in the first person"
        verb = next(
            (v for v in _ATTRIBUTING_VERB.finditer(clause) if not re.search(r"\bto\s+$", clause[: v.start()])), None
        )
        if hit.cue.voice == "reporting" and ("'" in hit.text or "’" in hit.text):
            owner = re.sub(r"[’']s\b.*", "", hit.text)
            attribution = _classify(owner, context.news, opinion=True)
            return owner, attribution, f"{hit.text!r} names whose forecast it is"
        if verb is not None and verb.start() <= hit.start:
            subject = _subject(clause, verb.start())
            if subject.lower() in {"i", "we"}:  # "We plan to ...": the author's own plan
                return self.author, Attribution.AUTHOR, "the author speaks in the first person"
            if subject and subject.split()[0].lower() not in {"it", "this", "they"}:
                claimant = _VAGUE_SUBJECTS.get(subject.lower(), subject)
                attribution = _classify(claimant, context.news, opinion=bool(_OPINION_VERB.match(verb.group(0))))
                return claimant, attribution, f"{claimant!r} {verb.group(0)}"
        if hit.cue.voice == "author" or (hit.cue.voice == "neutral" and not context.news):
            return self.author, Attribution.AUTHOR, "the author's own statement (cue in his commentary)"
        claimant = self._party(clause, hit, context)
        return claimant, _classify(claimant, context.news), f"{hit.text!r} reported from {claimant!r}"

    def _party(self, clause: str, hit: _Hit, context: _Context) -> str:
        """Who stands behind a passive or news-section cue: the sentence, its paragraph, the news item."""
        before = clause[: hit.start]
        subject = re.split(r"[,:;]|\b(?:which|that|who)\b", before)[-1]
        elsewhere = clause.replace(subject, " ", 1) if hit.cue.voice == "passive" else clause
        searches = [
            _strong_parties(elsewhere),
            [] if hit.cue.voice == "passive" else _proper_nouns(subject),
            _proper_nouns(elsewhere[: len(before)]) if hit.cue.voice == "passive" else [],
            _strong_parties(context.block.text),
            _strong_parties(context.lede.text) if context.lede else [],
            _proper_nouns(split_sentences(context.lede.text)[0]) if context.lede else [],
        ]
        for found in searches:
            if found:
                return _VAGUE_SUBJECTS.get(found[0].lower(), found[0])
        return _UNNAMED

    def _candidate(
        self, sentence: str, clause: str, reading: _Reading, issue_date: date, title: str | None, context: _Context
    ) -> Candidate:
        quote = f"{sentence} {context.appended}".strip()
        cue, claimant, time, target = reading.cue, reading.claimant, reading.time, reading.target
        reported = cue.lower().startswith(("i ", "we ")) or claimant != self.author
        hedge = (find_hedge(cue) if reported else None) or find_hedge(clause) or find_hedge(sentence)
        notes = list(reading.notes)
        if time is not None and reading.deadline_source != "sentence":
            notes.append(f"deadline from the {reading.deadline_source}: {time.text!r}")
        if time is not None and time.on is None:
            notes.append(f"{time.text!r} names no period: not checkable until the author sets a deadline")
        deadline, precision = (time.on, time.precision) if time is not None else (None, None)
        criteria = None
        if target is not None and deadline is not None:
            criteria = (
                f"Resolves true if by {deadline.isoformat()} {target.metric} is {target.comparator.value} "
                f"{target.value:g} {target.unit}; false otherwise. (Suggested; check the source of the figure.)"
            )
        statement = " ".join((clause if clause != sentence else quote).split()).rstrip(":").strip()
        return Candidate(
            id=_stable_id(quote, cue, claimant, deadline),
            quote=quote,
            statement=statement,
            cue=cue,
            claimant=claimant,
            attribution=reading.attribution,
            made_on=issue_date,
            source_title=title,
            section=context.section,
            time_text=time.text if time is not None else None,
            deadline=deadline,
            deadline_precision=precision,
            deadline_source=reading.deadline_source if time is not None else None,
            kind=ClaimKind.THRESHOLD if target is not None else ClaimKind.BINARY,
            metric=target.metric if target else None,
            unit=target.unit if target else None,
            comparator=target.comparator if target else None,
            target=target.value if target else None,
            hedge=hedge.phrase if hedge else None,
            probability=hedge.probability if hedge else DEFAULT_PROBABILITY,
            resolution_criteria=criteria,
            notes=notes,
        )


# --- files, duplicates, saving ---------------------------------------------------------------------


def read_issue(path: Path) -> str:
    """An issue file's text (UTF-8: plain text, Markdown or HTML)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExtractError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise ExtractError(f"cannot read {path}: it is a directory") from None
    except UnicodeDecodeError:
        raise ExtractError(f"cannot read {path}: not UTF-8 text") from None
    except OSError as error:
        raise ExtractError(f"cannot read {path}: {error.strerror or error}") from None


def extract_file(
    path: Path, issue_date: date, source_title: str | None = None, extractor: Extractor | None = None
) -> list[Candidate]:
    return (extractor or RuleBasedExtractor()).extract(read_issue(path), issue_date, source_title)


def _normalised(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split()).strip(" .,:;!?\"'")


@dataclass(frozen=True)
class _Passage:
    """A quote or statement normalised once, so comparing it with many others costs no re-reading."""

    text: str
    tokens: tuple[str, ...]
    words: frozenset[str]

    @classmethod
    def of(cls, text: str | None) -> _Passage | None:
        if not text:
            return None
        normalised = _normalised(text)
        tokens = tuple(re.findall(r"\w+", normalised))
        return cls(normalised, tokens, frozenset(tokens))

    def matches(self, other: _Passage | None) -> bool:
        if other is None:
            return False
        x, y = self.text, other.text
        if min(len(x), len(y)) >= _CONTAINED and (x in y or y in x):
            return True
        wx, wy = self.words, other.words
        if not wx or not wy or 5 * min(len(wx), len(wy)) < 4 * max(len(wx), len(wy)):
            return False  # the Jaccard index is at most min/max: it cannot reach 0.8
        return len(wx & wy) / len(wx | wy) >= _SHARED


_CONTAINED = 12  # characters: a shorter passage is not matched by containment
_SHARED = 0.8  # Jaccard index of the word sets


class _PassageIndex:
    """Stored passages indexed by the words of the passages to look up, so that each one is compared only
    with the stored passages it could match, not with every claim of an imported archive. Exact:

    - ≥ 80% shared words: the stored passage holds all but at most n − ⌈0.8 n⌉ of the n words looked for,
      so it holds one of the n − ⌈0.8 n⌉ + 1 rarest of them;
    - x inside y (both ≥ 12 characters): every inner token of x (neither its first nor its last) is a
      token of y; an x of at most two tokens is looked for in every stored passage (rare and cheap);
    - y inside x: every inner token of y is one of x's words, so y is filed under one inner token (the
      rarest) if all of them are words looked for; a y of at most two tokens is always compared.
    """

    def __init__(self, stored: Sequence[_Passage | None], looked_for: Iterable[_Passage]) -> None:
        self.stored = stored
        vocabulary = frozenset().union(*(p.words for p in looked_for))
        self.postings: dict[str, list[int]] = {word: [] for word in vocabulary}
        for number, passage in enumerate(stored):
            if passage is not None:
                for word in passage.words & vocabulary:
                    self.postings[word].append(number)
        self.inside: dict[str, list[int]] = {}  # an inner token → stored passages that may lie inside one
        self.short: list[int] = []  # stored passages of ≥ 12 characters with no inner token
        for number, passage in enumerate(stored):
            if passage is None or len(passage.text) < _CONTAINED:
                continue
            inner = passage.tokens[1:-1]
            if not inner:
                self.short.append(number)
            elif vocabulary.issuperset(inner):
                self.inside.setdefault(min(inner, key=self._frequency), []).append(number)

    def _frequency(self, word: str) -> tuple[int, str]:
        return len(self.postings.get(word, ())), word

    def matching(self, passage: _Passage | None) -> set[int]:
        """Numbers of the stored passages that `passage` matches (as `_Passage.matches` decides)."""
        if passage is None:
            return set()
        possible: set[int] = set()
        words = sorted(passage.words, key=self._frequency)
        least_shared = math.ceil(_SHARED * len(words) - 1e-9)
        for word in words[: len(words) - least_shared + 1]:
            possible.update(self.postings.get(word, ()))
        if len(passage.text) >= _CONTAINED:
            inner = passage.tokens[1:-1]
            if inner:
                possible.update(self.postings.get(min(inner, key=self._frequency), ()))
            else:
                possible.update(n for n, p in enumerate(self.stored) if p is not None and passage.text in p.text)
            for word in passage.words:
                possible.update(self.inside.get(word, ()))
            possible.update(self.short)
        return {number for number in possible if passage.matches(self.stored[number])}


def quotes_match(a: str | None, b: str | None) -> bool:
    """Same passage: one contains the other after normalising case and whitespace, or ≥ 80% shared words."""
    x = _Passage.of(a)
    return x is not None and x.matches(_Passage.of(b))


class Duplicate(BaseModel):
    """A candidate that repeats a stored claim: which one, and whether its quote or statement matched."""

    candidate_id: str
    claim_id: int | None
    field: Literal["quote", "statement"]
    statement: str | None  # the existing claim's statement


def _fields(claim: Any) -> tuple[int | None, str | None, str | None]:
    row = claim.row if isinstance(getattr(claim, "row", None), Mapping) else claim
    if isinstance(row, Mapping):
        return row.get("id"), row.get("quote"), row.get("statement")
    return getattr(row, "id", None), getattr(row, "quote", None), getattr(row, "statement", None)


def find_duplicates(candidates: Sequence[Candidate], existing_claims: Iterable[Any]) -> list[Duplicate]:
    """Candidates whose quote or statement matches an existing claim's quote or statement: for each, the
    first such claim, matched by the candidate's quote if it can be, else by its statement.

    `existing_claims` may be `ledger.list_claims(...)` views, row dicts or `ClaimIn`s. Each text is
    normalised once and indexed by the candidates' words, so checking an issue against an imported
    archive of a hundred thousand claims takes about a second.
    """
    claims = [_fields(claim) for claim in existing_claims]
    stored = [passage for _, quote, statement in claims for passage in (_Passage.of(quote), _Passage.of(statement))]
    own = [(_Passage.of(candidate.quote), _Passage.of(candidate.statement)) for candidate in candidates]
    index = _PassageIndex(stored, [p for pair in own for p in pair if p is not None])
    found = []
    for candidate, (own_quote, own_statement) in zip(candidates, own, strict=True):
        by_quote = {number // 2 for number in index.matching(own_quote)}  # claim k: passages 2k and 2k + 1
        by_statement = {number // 2 for number in index.matching(own_statement)}
        if by_quote or by_statement:
            first = min(by_quote | by_statement)
            claim_id, _, statement = claims[first]
            field: Literal["quote", "statement"] = "quote" if first in by_quote else "statement"
            found.append(Duplicate(candidate_id=candidate.id, claim_id=claim_id, field=field, statement=statement))
    return found


class SaveResult(BaseModel):
    source_key: str
    added: int
    skipped: int


def source_key(source: Source) -> str:
    return source.external_id or f"extract:{source.title}:{source.published_on}"


def save_candidates(
    path: Path, source: Source, accepted: Sequence[Candidate], *, author_name: str = "author"
) -> SaveResult:
    """Store the accepted candidates as claims of `source`, with their first forecasts, in one transaction.

    Every candidate is validated before the database is opened, so a bad one writes nothing. Saving
    the same candidates again adds nothing (each claim's external id is the source key and candidate id).
    """
    if not accepted:
        raise ExtractError("no candidates accepted: nothing to save")
    if source.published_on is None:
        source = source.model_copy(update={"published_on": accepted[0].made_on})
    key = source_key(source)
    prepared = []
    for number, candidate in enumerate(accepted, start=1):
        if candidate.made_on != source.published_on:
            raise ExtractError(f"candidate {number} was made on {candidate.made_on}, not on the issue's date")
        try:
            claim = candidate.to_claim(external_id=f"{key}:{candidate.id}")
        except ValidationError as error:
            raise ExtractError(f"candidate {number} ({candidate.statement[:60]!r}): {first_problem(error)}") from None
        hedge = find_hedge(candidate.hedge or "") if candidate.hedge else None
        verbal = hedge is not None and hedge.probability == candidate.probability
        prepared.append(
            PreparedClaim(
                claim=claim,
                probability=candidate.probability,
                basis="verbal" if verbal else "stated",
                forecaster=ledger.default_forecaster(claim, author_name),
                observations=[],
            )
        )
    with ledger.writing(path) as con:
        added, skipped = ledger.store_prepared(con, source, key, prepared)
    return SaveResult(source_key=key, added=added, skipped=skipped)
