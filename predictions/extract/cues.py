"""Predictive cues: the words that make a clause forward-looking ("will", "is set to", "plans to" ...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# --- cues ------------------------------------------------------------------------------------------

Voice = Literal["author", "reporting", "passive", "neutral"]


@dataclass(frozen=True)
class _Cue:
    voice: Voice  # author: the writer's own judgement; reporting/passive: someone else's; neutral: by section
    weak: bool
    pattern: re.Pattern[str]
    noun: bool = False  # a target or forecast named as a noun: counts with a future period, or a number in a
    # clause that names no past period ("missing its own goal of 450,000 in 2025" is no forecast)


def _cue(voice: Voice, pattern: str, *, weak: bool = False, case: bool = False, noun: bool = False) -> _Cue:
    return _Cue(voice, weak or noun, re.compile(pattern, 0 if case else re.IGNORECASE), noun)


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
        "reporting",
        r"\b(?:projects?|projecting|forecasts?|forecasting|estimates?)\s+(?=that\b|having\b|\d|\w+ing\b|"
        r"(?:[\w-]+\s+){1,3}(?:rising|falling|growing|reaching|of|at|to)\b)",
    ),
    _cue("reporting", r"\b[\w’'-]+['’]s\s+(?:\w+\s+)?(?:forecast|prediction|projection|outlook)\b"),
    _cue("reporting", r"\b(?:plans|plan|planning|intends?|intending)\s+to\b"),
    _cue("reporting", r"\b(?:aims?|aiming|seeks?|seeking|hopes?|hoping)\s+to\b", weak=True),
    _cue("neutral", r"(?<!^)\b(?:will|shall|won['’]t)\b(?!\s+(?:of|power)\b)"),
    _cue("neutral", _AUX + r"(?:set|going|about|on\s+track|on\s+course)\s+to\b(?!\s*\d)"),
    _cue("neutral", _AUX + r"due\s+to\b(?!\s+(?:the|a|an|its|their|his|her|this|that|these|those|[A-Z]))"),
    _cue("neutral", r"\b(?:upcoming|forthcoming)\b", weak=True),
    # news and analyst style (issue 27): the writer's own call, stated as a noun ("My guess:", "Our target is")
    _cue(
        "author",
        r"\b(?:my|our)\s+(?:[\w-]+\s+){0,3}?(?:guess|bet|call|prediction|forecast|projection|estimate|"
        r"(?:price\s+)?target|expectation|view)s?\s*(?:is\b|:|of\b|for\b)",
        noun=True,
    ),
    _cue("author", r"\bwe\s+(?:now\s+|also\s+)?(?:forecast|project|estimate|see)\b"),
    # a target or forecast as a noun phrase, with no future verb: "set a 2027 target of", "its forecast for",
    # "growth guidance was revised to", "the plan calls for", "the ministry is targeting"
    _cue(
        "reporting",
        r"\b(?:targets?|goals?|forecasts?|projections?|guidance|outlook|estimates?|ambitions?)\s+"
        r"(?:of|for|at|to|is|are|calls?\s+for)\b|\bguidance\b",
        noun=True,
    ),
    _cue("reporting", r"\b(?:calls?|calling)\s+for\b", noun=True),
    _cue("reporting", r"\b(?:guided|guides|guiding)\s+(?:to|for)\b"),
    _cue("reporting", r"\b(?:wants?|wanting)\s+to\b", weak=True),
    # the writer's judgement, weakly worded: counts with a future period or a number ("should push prices to
    # $13,000 a tonne by end-2028", "we think the market stays in deficit until 2029")
    _cue("author", r"\bshould\b(?!\s+(?:not\s+)?have\b)", weak=True, case=True),
    _cue(
        "author",
        r"(?<!\bwhat\s)(?<!\bwhere\s)(?<!\bhow\s)(?<!\bwhy\s)\b(?:I|we|We)\s+(?:still\s+)?(?:think|believe|reckon)\b",
        weak=True,
        case=True,
    ),
    _cue("reporting", r"\btargeting\b|\btargets?\s+(?=(?:at\s+least\s+|more\s+than\s+|around\s+|about\s+)?[$€£]?\d)"),
    _cue("reporting", r"\bsees\b|\bseeing\b", weak=True),
    # reported speech: "NorthGrid said it would connect", "the CFO said the company would not need"
    _cue(
        "reporting",
        r"\b(?:said|says|told\s+(?:\w+\s+){0,3}?|announced|confirmed|promised|pledged)\s+(?:that\s+)?"
        r"(?:it|they|he|she|(?:the|its|their)\s+(?:[\w-]+\s+){0,2}?[\w-]+|[A-Z][\w&-]*)\s+would\b",
        case=True,
    ),
    # schedules and official plans: "is scheduled for delivery in", "are to be granted", "it is planned that"
    _cue("passive", _AUX + r"(?:scheduled|slated|set|due|planned)\s+for\b"),
    _cue("passive", r"\b(?:is|are)\s+to\s+be\s+\w+ed\b"),
    _cue("passive", r"\bit\s+is\s+(?:planned|expected|projected|estimated|anticipated|forecast)\s+that\b"),
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
            if (
                cue.voice == "reporting"
                and not cue.noun
                and re.match(r"(?i)project|forecast|estimate", match.group(0))
                and re.search(r"\b(?:a|an|the|its|their|his|her|our|this|that|each|every)\s+$", before, re.IGNORECASE)
            ):
                continue  # "a project aimed at": a noun, nobody projecting
            if match.group(0).endswith("would") and re.search(r"\b(?:I|we|We)\s+$", before):
                continue  # "I said the Fed would cut": the writer recalling an old call, not a new one
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
