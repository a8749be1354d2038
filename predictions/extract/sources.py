"""Who says so, as news, analyst notes and transcripts say it (issue 27).

- the source a sentence names: "according to the IEA", "per the EIA's latest outlook", "..., the CFO said";
- the speaker of an interview turn ("AMARA NWOSU: We plan to ..."): first-person statements are hers;
- back-references: "the company", "the group", "it", "management", "the CFO" mean the organisation last
  named in the text; a short name ("Crisp") is the longer one named before ("Crisp Therapeutics"); a
  name that is the author's (a press release's "Nordhavn", "the Company") is the author.

`Actors` is the document's memory of who was named, in reading order; it never reaches back past the
sentence that names a source itself, so a forecast credited to one source is never credited to the one
of the sentence before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from predictions.extract.parties import _CAP, _GOVERNMENT, _NOT_PARTIES, _ORG_WORDS, _STATES, _proper_nouns

_ACCORDING = re.compile(
    r"\b(?i:according\s+to|per|citing|in\s+the\s+view\s+of)\s+(?P<who>(?:the\s+)?"
    rf"(?:{_CAP}|analysts?|economists?|experts?)(?:[\s-]+(?:of\s+|at\s+|&\s+)?{_CAP})*)",
)
_TRAILING = re.compile(
    r"(?:,|[\"”])\s+(?P<who>[^,\"“”]{2,80}?)\s+(?:said|says|told\s+[^,.]{1,40}|added|noted|wrote|estimates|"
    r"predicts|expects)\b[^,]{0,60}[.!]?$"
)
_SAID_FIRST = re.compile(r"(?:,|[\"”])\s+(?:said|says|added|noted)\s+(?P<who>[^,.]{2,80})[.,]")
# "AMARA NWOSU:", "Tom Reyes:", "Q:", "A:" at the start of a paragraph: who is speaking
_SPEAKER = re.compile(r"^(?P<who>[A-Z][A-Z.'’ -]{2,40}|[A-Z][a-z]+(?:\s+[A-Z][\w.'’-]+){1,3}|Q|A):\s+")
_BACK_REFERENCE = re.compile(
    r"^(?:the\s+)?(?:(?:company|group|firm|carrier|maker|chipmaker|carmaker|automaker|start-?up|bank|"
    r"lender|insurer|operator|utility|consultancy|airline|miner|developer|platform|giant|conglomerate|manufacturer|"
    r"supplier|producer|retailer|exporter|broker)(?:['’]s)?|"
    r"it|its|management|(?:its|the|their)\s+(?:board|cfo|ceo|chief\s+(?:executive|financial\s+officer)|founder|"
    r"chair(?:man|woman)?|spokes(?:person|man|woman)|management|executives?)|they)$",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"^(?:(?:chief|group|deputy|senior)\s+)?(?:executive|financial|operating|technology)?\s*(?:officer|ceo|cfo|"
    r"founder|chair(?:man|woman)?|president|director|spokes(?:person|man|woman))\b",
    re.IGNORECASE,
)
_REACH = 8  # sentences a back-reference ("the company") may reach back over
_LONE_ORG = re.compile(rf"(?:the\s+)?(?:{_ORG_WORDS})", re.IGNORECASE)
_ORG_NAME = re.compile(rf"(?:{_CAP}\s+)*(?:{_ORG_WORDS}|{_CAP}\s+(?:A/S|AG|SA|plc|Co\.,?\s+Ltd\.?|LLC))\b")


def clean_name(name: str) -> str:
    """A claimant as a reader writes it: no list numbering ("6/ The DOE"), no lead-in ("For 2026 Nordhavn")."""
    name = re.sub(r"^\s*\d{1,3}/\s*", "", name)
    name = re.sub(r"^(?:(?i:for|in|by|from|on|at|after|over|during|since)\s+[\w-]+,?\s+)+(?=[A-Z])", "", name)
    name = re.sub(r"^(?P<name>[A-Z][^,]{1,60}),\s+an?\s+[^,]{2,60},?$", r"\g<name>", name)  # "SkyLift, a start-up,"
    name = re.sub(
        r"(?:\s+(?:also|now|still|already|again|itself|is|are|was|were|has|have|had|will))+$", "", name, flags=re.I
    )
    return name.strip(" ,:;\"“”'’").rstrip(".")


def _key(name: str) -> str:
    name = re.sub(r"['’]s$", "", name.casefold().strip(" .,"))
    return re.sub(r"^the\s+", "", name)


def named_source(sentence: str) -> str | None:
    """The source a sentence credits: "according to the IEA", "per the EIA's outlook", "..., X said"."""
    for pattern in (_ACCORDING, _TRAILING, _SAID_FIRST):
        match = pattern.search(sentence)
        if match:
            who = clean_name(re.sub(r"['’]s$", "", match.group("who").strip()))
            who = re.sub(r"['’]s\s+.*$", "", who)  # "the EIA's latest outlook" → "the EIA"
            if who and who.split()[0] not in _NOT_PARTIES - {"The"} and not re.fullmatch(r"(?i)it|they|we|i", who):
                return who
    return None


def speaker(paragraph: str) -> str | None:
    """The speaker of an interview turn, title-cased if written in capitals ("AMARA NWOSU" → "Amara Nwosu")."""
    match = _SPEAKER.match(paragraph)
    if not match or match.group("who") in {"Q", "A"}:
        return None
    who = match.group("who").strip()
    if who.isupper():
        who = " ".join(word.capitalize() for word in who.split())
    if re.match(r"(?i)note|update|source|photo|date|subject|re|editor['’]s note", who):
        return None
    return who


def is_back_reference(name: str) -> bool:
    return bool(_BACK_REFERENCE.match(name.strip())) or bool(_ROLE.match(name.strip()))


@dataclass
class Actors:
    """The organisations and people named so far, in reading order, and the text's author."""

    author: str
    names: list[str] = field(default_factory=list)
    claimants: list[str] = field(default_factory=list)  # the parties claims were credited to, in order
    when: list[int] = field(default_factory=list)  # the sentence number each name was noted at
    sentences: int = 0

    def claimed(self, claimant: str) -> None:
        if not is_back_reference(claimant):
            self.claimants.append(claimant)
            self._add(claimant)

    def last_claimant(self) -> str | None:
        return self.claimants[-1] if self.claimants else None

    def note(self, sentence: str) -> None:
        """Remember the organisations a sentence names (an org word, a company suffix, an owner ("Volta
        Energy's plan"), or a sentence's subject)."""
        for match in _ORG_NAME.finditer(sentence):
            self._add(match.group(0))
        self.sentences += 1
        for match in re.finditer(r"(?<![\w-])[a-z]{1,3}[A-Z][\w-]+", sentence):  # "eHang", "iFlytek"
            self._add(match.group(0))
        for match in re.finditer(rf"((?:{_CAP}\s+){{0,3}}{_CAP})(?:['’]s\s|\s+\([A-Z]{{2,6}}\))", sentence):
            self._add(re.sub(r"['’]s$", "", match.group(1)))
        subject = re.match(rf"^(?:\d{{1,3}}/\s*)?((?:{_CAP}\s+){{0,3}}{_CAP})(?:,\s+an?\s+[^,]+,)?\s+(?:[a-z]+ed|said|"
                           r"says|set|plans|expects|is|has|will|forecasts|aims|reported)\b", sentence)  # fmt: skip
        if subject:
            self._add(subject.group(1))

    def _add(self, name: str) -> None:
        name = clean_name(name)
        if not _is_proper(name) or _STATES.fullmatch(name) or is_back_reference(name) or _LONE_ORG.fullmatch(name):
            return
        self.names.append(name)
        self.when.append(self.sentences)

    def _recent(self) -> list[str]:
        """Names from the last few sentences, latest first: a back-reference reaches no further."""
        return [
            n for n, at in zip(reversed(self.names), reversed(self.when), strict=True) if at >= self.sentences - _REACH
        ]

    def full(self, name: str) -> str:
        """A name as the text first gave it in full ("Crisp" → "Crisp Therapeutics"), or the author's own."""
        if not _is_proper(clean_name(name)):
            return clean_name(name)
        key = _key(clean_name(name))
        author = _key(self.author)
        if key and (author.startswith(key) or key.startswith(author)):
            return self.author
        for known in reversed(self.names):
            known_key = _key(known)
            if known_key != key and known_key.startswith(key + " "):
                return self.author if known_key.startswith(author) else known
        return clean_name(name)

    def resolve(self, name: str, before: str = "") -> str:
        """`name`, with a back-reference ("the company", "it", "the CFO") made the organisation last named,
        in the sentence before it (`before`) or in the last few sentences."""
        cleaned = clean_name(name)
        if before and (is_back_reference(cleaned) or re.fullmatch(r"(?i)it|they", cleaned)):
            earlier = Actors(self.author, names=list(self.names), when=list(self.when), sentences=self.sentences)
            earlier.note(before)
            named = [n for n, at in zip(earlier.names, earlier.when, strict=True) if at > self.sentences]
            named += [n for n in _proper_nouns(before) if _is_proper(n) and not _STATES.fullmatch(n)][:1]
            if named:
                return self.full(named[-1])
        if re.fullmatch(r"(?:the|The)\s+(?:Company|Group|Issuer|Bank)", cleaned) and self.names:
            return self.full(self.names[0])  # a defined term: the issuer the document is from
        if re.fullmatch(r"(?i)it|they", cleaned) and self.claimants:
            return self.full(self.claimants[-1])  # "It now sees ...": whoever the text just quoted
        if is_back_reference(cleaned):
            government = bool(_GOVERNMENT.search(cleaned))
            for known in self._recent():
                if bool(_GOVERNMENT.search(known)) == government and not _STATES.fullmatch(known):
                    return self.full(known)
            return cleaned
        if re.fullmatch(r"(?i)the\s+ministry|the\s+government|the\s+agency|the\s+regulator", cleaned):
            for known in self._recent():
                if re.search(cleaned.split()[-1], known, re.IGNORECASE):
                    return known
        return self.full(cleaned)


_NOT_NAMES = {
    "Beyond", "Despite", "After", "Before", "Under", "Over", "Since", "Although", "Because", "Unlike", "Like",
    "Even", "Still", "Yet", "Then", "Now", "Today", "Last", "Next", "Here", "There", "My", "Your", "Every",
    "Each", "All", "No", "Not", "Only", "Both", "Rival", "Bonus", "Hot", "Quick", "Honestly", "What", "Who", "Why",
    "How", "When", "Where", "Which", "Whether", "Perhaps", "Maybe", "Once", "Instead", "Thanks", "Let",
}  # fmt: skip


def _is_proper(name: str) -> bool:
    """A proper name: every word capitalised but the small ones ("Ministry of Energy", "Acme Motors")."""
    words = name.split()
    if not words or words[0] in _NOT_PARTIES - {"The"} or words[0] in _NOT_NAMES:
        return False
    if words[0] == "The" and len(words) == 1:
        return False
    return all(w[0].isupper() or w[0].isdigit() or w in {"of", "the", "and", "&", "de", "for"} for w in words)
