"""Who is predicting: the author, a reporting verb's subject, or the party a sentence or its news item names."""

from __future__ import annotations

import re

from predictions.deadlines import MONTHS
from predictions.models import (
    Attribution,
)

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
    r"expects?|expecting|foresees?)\b|\b(?:projects?|projecting|forecasts?|estimates?)\s+(?=that\b|having\b|\d|\w+ing\b|"
    r"(?:[\w-]+\s+){1,3}(?:rising|falling|growing|reaching|of|at|to)\b)|"
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
