"""Numbers after the cue with their unit: a threshold claim's target ("at least 65 Chinese cities")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from predictions.deadlines import find_time_phrases, is_period_unit
from predictions.extract.parties import _CAP
from predictions.extract.times import _Y
from predictions.models import (
    Comparator,
)

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
_CURRENCIES = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP"}  # a code stays as written: "DKK 6", "RMB 500"
_CODES = r"(?:RMB|USD|EUR|GBP|DKK|SEK|NOK|CHF|JPY|CNY|INR|CAD|AUD|HKD|KRW)"
_NUMBER = re.compile(
    rf"(?:(?P<comp>{_COMPARATOR_WORDS})\s+)?(?P<cur>US\$|\$|€|£|¥|{_CODES}\s*)?"
    rf"(?:(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)|(?P<word>{_NUMBER_WORDS}))"
    r"(?:\s*[-–]\s*(?P<high>\d+(?:\.\d+)?)(?=\s*(?:thousand|million|billion|trillion|bn|mn|k|%)))?"
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


_ANY_DAY = date(2000, 1, 1)  # where time phrases lie does not depend on the date


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
        if re.match(r"-[A-Za-z]", text[match.end() :]):
            continue  # a compound adjective: "2-nanometre chips", "a 12-month target"
        if _is_baseline(before, text[match.end() :]):
            continue  # "up from 780,000", "from $40 million in 2025 to $9 billion": the figure it starts from
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
            currency = _CURRENCIES.get(match.group("cur").strip().upper(), match.group("cur").strip().upper())
            phrase = re.split(r"[,;.]", rest.strip())[0].strip()
            return Target(value, currency, comparator, " ".join(phrase.split()[:8]) or "amount")
        words = re.sub(r"^\s*of\s+", "", rest).split()
        noun: list[str] = []
        for position, word in enumerate(words[:5]):
            bare = word.strip('.,;:!?"”’)(')
            following = words[position + 1].strip('.,;:!?"”’)(') if position + 1 < len(words) else ""
            # "five inherited diseases", "50,000 connected cars": a participle before a plural noun is an adjective
            adjective = not noun and word == bare and re.fullmatch(r"[a-z]{4,}s", following) is not None
            participle = bare.endswith("ed") and not (adjective and following.lower() not in _UNIT_STOP)
            if not bare or bare.lower() in _UNIT_STOP or participle or (noun and bare.endswith("ing")):
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


_BASELINE_BEFORE = re.compile(
    r"\b(?:up|down|rising|falling|growing|increasing|decreasing)\s+from\s+(?:about\s+|around\s+)?$|"
    r"\b(?:compared\s+(?:with|to)|versus|vs\.?|against|last\s+year['’]s)\s+$",
    re.IGNORECASE,
)


def _is_baseline(before: str, after: str) -> bool:
    """A number the forecast starts from, not the one it reaches: "up from 780,000", "from 6% to 5%"."""
    if _BASELINE_BEFORE.search(before):
        return True
    from_to = re.search(r"\bfrom\s+(?:about\s+|around\s+)?(?:US\$|\$|€|£|¥)?$", before, re.IGNORECASE)
    return bool(from_to and re.match(r"[^.;]{0,60}?\bto\s+(?:about\s+|around\s+|over\s+)?(?:US\$|\$|€|£|¥)?\d", after))
