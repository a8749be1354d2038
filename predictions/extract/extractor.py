"""The rule-based extractor: sentences and clauses of an issue to candidate claims."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

from predictions.confidence import DEFAULT_PROBABILITY, find_hedge
from predictions.extract.candidate import Candidate, DeadlineSource
from predictions.extract.cues import _PREDICTION_WORD, _find_cues, _Hit
from predictions.extract.parties import (
    _ATTRIBUTING_VERB,
    _OPINION_VERB,
    _UNNAMED,
    _VAGUE_SUBJECTS,
    _classify,
    _proper_nouns,
    _strong_parties,
    _subject,
)
from predictions.extract.targets import Target, find_target
from predictions.extract.times import TimeExpression, find_times
from predictions.issue_text import Block, article_blocks, is_question, split_sentences
from predictions.models import (
    Attribution,
    ClaimKind,
)

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
