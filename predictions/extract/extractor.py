"""The rule-based extractor: sentences and clauses of an issue to candidate claims.

Over 500 lines: one pass over the issue's blocks that keeps the context every family needs (the heading a
list sits under, the organisation last named, a table's header, the speaker of an interview turn), and the
splitting of a sentence into one candidate per forecast; the cues, targets, times and parties it reads with
are modules of their own.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import date

from predictions.confidence import DEFAULT_PROBABILITY, find_hedge
from predictions.extract.candidate import Candidate, DeadlineSource
from predictions.extract.cues import _PREDICTION_WORD, _find_cues, _Hit
from predictions.extract.parties import (
    _ATTRIBUTING_VERB,
    _CAP,
    _NOT_PARTIES,
    _OPINION_VERB,
    _UNNAMED,
    _VAGUE_SUBJECTS,
    _classify,
    _proper_nouns,
    _strong_parties,
    _subject,
)
from predictions.extract.sources import Actors, clean_name, is_back_reference, named_source, speaker
from predictions.extract.tables import cells, split_tables, table_number
from predictions.extract.targets import Target, find_target
from predictions.extract.times import TimeExpression, find_times
from predictions.issue_text import Block, article_blocks, is_question, split_sentences
from predictions.models import (
    Attribution,
    ClaimKind,
    Comparator,
)

# --- the extractor ---------------------------------------------------------------------------------

_ANAPHORA = re.compile(r"^(?:others|some\s+others|they|it|this|these|such|that|those|he|she|the\s+same)\b", re.I)
_CLAUSE_BREAK = re.compile(r",\s+(?:while|whereas)\s+|;\s+")
_GOAL_WORDS = re.compile(
    r"\b(?:its|their|the|his|her)?\s*(?:\w+\s+)?(?:goals?|targets?|objectives?|ambitions?)\s*$", re.I
)
_LIST_HEADING = re.compile(
    r"\b(?:predictions?|forecasts?|calls|bets|prophecies|what\s+to\s+expect|targets?|goals?|objectives?|"
    r"milestones)\b",
    re.IGNORECASE,
)
_PLAN_HEADING = re.compile(r"\b(?:targets?|goals?|objectives?|milestones)\b", re.IGNORECASE)
_SCHEDULE = re.compile(r"\b(?:scheduled|slated|due|planned|set)\b|\bto\s+be\b", re.IGNORECASE)
_CLAUSE_AND = re.compile(r",\s+(?:and|but)\s+")
_RANGE = re.compile(r"^\s*(?:and|to|[-–])\s*$")
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
    actors: Actors | None = None  # who the text has named so far (back-references, short names)
    speaker: str | None = None  # an interview turn's speaker ("AMARA NWOSU: ...")
    heading: bool = False  # the sentence is a heading or title


def _stable_id(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:12]


class RuleBasedExtractor:
    """The offline, rule-based extractor (see the module docstring for its rules)."""

    def __init__(self, author: str = "author") -> None:
        self.author = author

    def extract(self, text: str, issue_date: date, source_title: str | None = None) -> list[Candidate]:
        text, tables = split_tables(text)
        blocks = article_blocks(text)
        actors = Actors(self.author)
        frames: list[_Frame] = []
        list_frame: TimeExpression | None = None
        list_intro: str | None = None  # the paragraph ending in ":" that introduces the current list
        lede: Block | None = None
        awaiting_lede = False
        title: str | None = None  # the last heading or list line: it opens a story if a paragraph follows
        story: str | None = None
        candidates: list[Candidate] = []
        seen: set[str] = set()

        def add(found: list[Candidate]) -> int:
            added = 0
            for candidate in found:
                if candidate.id not in seen:
                    seen.add(candidate.id)
                    candidates.append(candidate)
                    added += 1
            return added

        for index, block in enumerate(blocks):
            if block.kind == "heading":
                while frames and frames[-1].level >= block.level:
                    frames.pop()
                future = [t for t in find_times(block.text, issue_date) if t.tense == "future"]
                news = bool(_NEWS_HEADING.search(block.text))
                frames.append(_Frame(block.level, future[0] if future else None, news, block.text))
            if block.kind != "item":
                list_frame = None
                list_intro = None
            if block.kind == "paragraph" and awaiting_lede:
                lede, awaiting_lede = block, False
                story = title
            if block.kind == "heading":
                story = None
            if block.kind == "heading" or (block.kind == "item" and len(block.text) <= 90):
                awaiting_lede, title = True, block.text
            heading = next((f.title for f in reversed(frames) if f.title != block.text), None)
            frame = next((f.time for f in reversed(frames) if f.time is not None), None)
            number = table_number(block.text) if block.kind == "paragraph" else None
            if number is not None:
                intro = blocks[index - 1].text if index and blocks[index - 1].kind != "item" else ""
                add(self._table(tables[number], intro, issue_date, source_title, heading, actors))
                continue
            who = speaker(block.text) if block.kind == "paragraph" else None
            sentences = split_sentences(block.text)
            previous: list[TimeExpression] = []
            produced = 0
            context = None
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
                    actors=actors,
                    speaker=who,
                    heading=block.kind == "heading",
                )
                if not is_question(sentence):
                    produced += add(self._sentence(sentence, issue_date, source_title, context))
                previous = [t for t in find_times(sentence, issue_date) if t.tense == "future"]
                actors.note(sentence)
            if block.kind == "item" and not produced and context is not None:
                # an item of a list of predictions or targets is a forecast even without a future verb
                under = frames[-1].title if frames and _LIST_HEADING.search(frames[-1].title) else None
                if under is None and list_intro and _LIST_HEADING.search(list_intro):
                    under = list_intro
                if under is not None:
                    add(self._item(block, under, issue_date, source_title, context))
            if block.kind == "paragraph" and block.text.endswith(":"):
                future = [t for t in find_times(block.text, issue_date) if t.tense == "future"]
                list_frame = future[0] if future else None
                # a list the introduction's own candidate already quotes ("X's forecast outlines ... as follows:")
                list_intro = sentences[-1] if not produced else None
        return _without_repeated_headlines(candidates)

    def _table(
        self,
        rows: list[list[str]],
        intro: str,
        issue_date: date,
        title: str | None,
        section: str | None,
        actors: Actors,
    ) -> list[Candidate]:
        """One threshold candidate per cell of a table of targets by year, made by the party its intro names."""
        named = [
            re.sub(r"['’]s$", "", m.group(0))
            for m in re.finditer(rf"{_CAP}(?:\s+{_CAP})*", intro)
            if m.group(0).split()[0] not in _NOT_PARTIES
        ]
        claimant = actors.full(named[0]) if named else self.author  # never the source of an earlier sentence
        attribution = Attribution.AUTHOR if claimant == self.author else _classify(claimant, False)
        found = []
        for cell in cells(rows):
            times = [t for t in find_times(cell.year, issue_date) if t.tense == "future"]
            time = times[0] if times else None
            quote = f"{intro} {cell.text}".strip()
            statement = f"{cell.metric}: {cell.value:g} {cell.unit} in {cell.year}"
            deadline = time.on if time else None
            criteria = (
                f"Resolves true if by {deadline.isoformat()} {cell.metric} is >= {cell.value:g} {cell.unit}; "
                "false otherwise. (Suggested; check the source of the figure.)"
                if deadline
                else None
            )
            found.append(
                Candidate(
                    id=_stable_id(quote, "table", claimant, deadline),
                    quote=quote,
                    statement=statement,
                    cue="table of targets by year",
                    claimant=claimant,
                    attribution=attribution,
                    made_on=issue_date,
                    source_title=title,
                    section=section,
                    time_text=time.text if time else None,
                    deadline=deadline,
                    deadline_precision=time.precision if time else None,
                    deadline_source="sentence" if time else None,
                    kind=ClaimKind.THRESHOLD,
                    metric=cell.metric,
                    unit=cell.unit or "units",
                    comparator=Comparator.AT_LEAST,
                    target=cell.value,
                    resolution_criteria=criteria,
                    notes=[f"a cell of a table of targets ({cell.year} column), made by {claimant!r}"],
                )
            )
        return found

    def _item(
        self, block: Block, under: str, issue_date: date, title: str | None, context: _Context
    ) -> list[Candidate]:
        """A list item under "Ten predictions for 2027" or "Main targets": the item itself is the forecast."""
        text = block.text
        actors = context.actors
        claimant, attribution = self.author, Attribution.AUTHOR
        named = [n for n in _proper_nouns(" " + under) if not re.fullmatch(r"\d+", n)]
        if _PLAN_HEADING.search(under) and actors is not None:
            claimant = actors.full(named[0]) if named else (actors.last_claimant() or self.author)
            attribution = Attribution.AUTHOR if claimant == self.author else _classify(claimant, context.news)
        label = re.match(r"^(?P<label>[^:]{3,80}):\s+\S", text)
        times = [t for t in find_times(text, issue_date) if t.tense == "future"]
        periods: list[tuple[TimeExpression | None, DeadlineSource | None]] = [(t, "sentence") for t in times]
        if not periods:
            inherited = context.list_frame or context.frame
            source: DeadlineSource = "list introduction" if context.list_frame else "section heading"
            periods = [(inherited, source if inherited else None)]
        start = label.end("label") + 1 if label else 0
        targets = [_with_metric(text, target) for target in _targets_for(text, start, periods)]
        found = []
        for (time, deadline_source), target in zip(periods, targets, strict=True):
            if target is None and label and time is not None and deadline_source == "sentence":
                target = _labelled_target(text, label.group("label"), time)
            reading = _Reading(
                f"listed under {under!r}",
                claimant,
                attribution,
                time,
                deadline_source,
                target,
                [f"an item of the list {under!r}: a forecast without a future verb"],
            )
            item_context = _Context(**{**context.__dict__, "appended": ""})
            found.append(self._candidate(text, text, reading, issue_date, title, item_context))
        return found

    def _sentence(self, sentence: str, issue_date: date, title: str | None, context: _Context) -> list[Candidate]:
        candidates = []
        offset = 0
        for clause in _clauses(sentence):
            first_clause = offset == 0
            offset += len(clause)
            hits = _find_cues(clause)
            if context.heading:
                hits = [h for h in hits if not h.cue.noun]  # "Three calls for 2026": a title, not a plan
            strong = [h for h in hits if not h.cue.weak]
            times = find_times(clause, issue_date)
            own_future = _without_range_starts(clause, [t for t in times if t.tense == "future"])
            if not hits:
                continue
            if not strong and not (
                any(t.tense != "past" for t in times) or _PREDICTION_WORD.search(sentence) or find_target(clause)
            ):
                continue  # "could", "aims to" without a future time, a number or a stated prediction
            no_future = not any(t.tense != "past" for t in times)
            past_or_no_number = any(t.tense == "past" for t in times) or not find_target(clause)
            if not strong and all(h.cue.noun for h in hits) and no_future and past_or_no_number:
                continue  # "missing its own goal of 450,000 in 2025": a past target, no forecast
            hit = (strong or hits)[0]
            claimant, attribution, voice_note = self._who(clause, hit, context, sentence)
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
            targets = _targets_for(clause, hit.end, periods)
            if targets[0] is None and len(periods) == 1:
                targets[0] = _subject_target(clause, hit)
            if len(periods) == 1 and targets[0] is not None:
                for extra in _coordinated_targets(clause[hit.end :]):  # "revenue of EUR 4.3 billion and a margin of 9%"
                    periods.append(periods[0])
                    targets.append(extra)
            targets = [_with_metric(clause, target) for target in targets]
            for number, ((time, deadline_source), target) in enumerate(zip(periods, targets, strict=True)):
                reading = _Reading(hit.text, claimant, attribution, time, deadline_source, None, [voice_note])
                if number > 0 and time is periods[0][0]:
                    reading.notes.append(f"a second figure of the same forecast: {target.metric if target else ''}")
                if number > 0 and time is not None:
                    goal = _GOAL_WORDS.search(clause[: time.start])
                    parties = [p for p in _proper_nouns(clause[: time.start]) if p != "I"]
                    if goal and parties:  # "... designed to achieve its strategic goals by 2035": their target
                        reading.claimant = parties[-1]
                        reading.attribution = _classify(parties[-1], context.news)
                        reading.cue = " ".join(goal.group(0).split())
                        reading.notes = [f"a goal of {parties[-1]!r} with its own deadline"]
                if target is not None and time is not None and time.text in target.metric:
                    metric = target.metric.split(time.text)[0].strip() or _metric_before(clause, target)
                    target = Target(target.value, target.unit, target.comparator, metric)
                reading.target = target
                candidates.append(self._candidate(sentence, clause, reading, issue_date, title, context))
            if context.actors is not None and claimant not in (self.author, _UNNAMED):
                context.actors.claimed(claimant)
        return candidates

    def _who(self, clause: str, hit: _Hit, context: _Context, sentence: str = "") -> tuple[str, Attribution, str]:
        """(claimant, attribution, a note saying why)."""
        claimant, attribution, note = self._who_named(clause, hit, context, sentence)
        actors = context.actors
        if actors is not None and claimant not in (self.author, _UNNAMED):
            full = actors.full(claimant)
            if full == self.author:
                return self.author, Attribution.AUTHOR, note + f" ({claimant!r} is the author)"
            if full != claimant:
                return full, _classify(full, context.news), note + f" ({claimant!r} is {full!r})"
        return claimant, attribution, note

    def _who_named(self, clause: str, hit: _Hit, context: _Context, sentence: str) -> tuple[str, Attribution, str]:
        hits = _find_cues(clause)
        first_person = any(
            h.cue.voice == "author" and h.text.lower().startswith(("i ", "i'", "i’", "we ", "my ", "our "))
            for h in hits
        )
        turn = context.speaker
        if turn and _same_name(turn, self.author):
            turn = None  # the interviewer's own words
        if turn and (first_person or re.search(r"\b(?:I|we|We|our|Our|my|My|us)\b", clause)):
            return turn, _classify(turn, False), f"{turn!r} speaks in the first person (interview turn)"
        if first_person:
            return self.author, Attribution.AUTHOR, "the author speaks in the first person"
        verbs = [v for v in _ATTRIBUTING_VERB.finditer(clause) if not re.search(r"\bto\s+$", clause[: v.start()])]
        verb = next((v for v in reversed(verbs) if v.start() <= hit.start), None)
        if hit.cue.voice == "reporting" and ("'" in hit.text or "’" in hit.text) and re.search(r"['’]s\s", hit.text):
            owner = re.sub(r"[’']s\b.*", "", hit.text)
            attribution = _classify(owner, context.news, opinion=True)
            return owner, attribution, f"{hit.text!r} names whose forecast it is"
        before = sentence[: sentence.find(clause)] if sentence and clause in sentence else ""

        def resolve(name: str) -> str:
            earlier = before + clause[: clause.find(name)] if name in clause else before
            return context.actors.resolve(name, earlier) if context.actors is not None else clean_name(name)

        if hit.cue.noun:  # "The central bank lowered its forecast", "guidance at Pacifica Telecom was revised"
            noun_owner = _noun_owner(clause, hit)
            if noun_owner:
                owning = resolve(noun_owner)
                return owning, _classify(owning, context.news), f"{hit.text!r} of {owning!r}"
        verb_at, verb_text = (verb.start(), verb.group(0)) if verb is not None else (-1, "")
        if verb is None and hit.cue.voice == "reporting" and not hit.cue.noun:
            verb_at, verb_text = hit.start, hit.text  # "Management guided to", "NorthGrid said it would"
        if verb_at >= 0:
            appositive = re.match(
                rf"^\s*(?:\d{{1,3}}/\s*)?({_CAP}(?:\s+{_CAP})*),\s+an?\s+[^,]{{2,60}},\s*$", clause[:verb_at]
            )
            subject = appositive.group(1) if appositive else _after_speech_verb(_subject(clause, verb_at))
            if subject.lower() in {"i", "we"}:  # "We plan to ...": the author's own plan
                return self.author, Attribution.AUTHOR, "the author speaks in the first person"
            resolved = resolve(subject) if subject else ""
            if resolved and (
                resolved != clean_name(subject) or subject.split()[0].lower() not in {"it", "this", "they"}
            ):
                claimant = _VAGUE_SUBJECTS.get(resolved.lower(), resolved)
                attribution = _classify(claimant, context.news, opinion=bool(_OPINION_VERB.match(verb_text)))
                return claimant, attribution, f"{claimant!r} {verb_text}"
        source = named_source(clause) or named_source(sentence or clause)
        if source is not None and is_back_reference(re.sub(r"^an?\s+", "the ", source)):
            named = _proper_nouns(clause[: hit.start])  # "CATL is on track to ..., a spokesperson said": CATL
            source = named[0] if named else source
        if source is not None:
            claimant = resolve(source)
            return claimant, _classify(claimant, context.news), f"the sentence credits {source!r}"
        if turn:
            return turn, _classify(turn, False), f"said by {turn!r} (interview turn)"
        if hit.cue.voice in {"neutral", "passive"}:
            subject = _after_speech_verb(_subject(clause, hit.start))
            explicit = subject.lower() not in {"it", "its", "they"}  # "It will conduct ...": too loose a reference
            if explicit and (is_back_reference(subject) or re.fullmatch(r"(?i)the\s+(?:ministry|government)", subject)):
                claimant = resolve(subject)
                if claimant != clean_name(subject):
                    return claimant, _classify(claimant, context.news), f"{subject!r} is {claimant!r}"
        scheduled = hit.cue.voice == "passive" and bool(_SCHEDULE.search(hit.text))
        if hit.cue.voice == "author" or ((hit.cue.voice == "neutral" or scheduled) and not context.news):
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
        second = any(note.startswith("a second figure") for note in reading.notes) and target is not None
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
            id=_stable_id(
                quote, cue, claimant, deadline, *([target.value, target.metric] if second and target else [])
            ),
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


def _clauses(sentence: str) -> list[str]:
    """The sentence's clauses: split at "; ", ", while", and at ", and" / ", but" before a clause with its own
    cue ("Analysts expect ..., and the authority plans to ..."); a part without a cue stays with the one before
    ("... in the third quarter, and the second one next year")."""
    clauses: list[str] = []
    for part in _CLAUSE_BREAK.split(sentence):
        pieces = _CLAUSE_AND.split(part)
        merged = [pieces[0]]
        joints = _CLAUSE_AND.findall(part)
        for joint, piece in zip(joints, pieces[1:], strict=True):
            if _find_cues(piece) and _find_cues(merged[-1]):
                merged.append(piece)
            else:
                merged[-1] += joint + piece
        clauses += merged
    return clauses


def _without_range_starts(clause: str, future: list[TimeExpression]) -> list[TimeExpression]:
    """ "between 2027 and 2029", "from 2027 to 2029": the range ends with its last period, one deadline."""
    kept = []
    for index, time in enumerate(future):
        following = future[index + 1] if index + 1 < len(future) else None
        if following is not None:
            gap = clause[time.start + len(time.text) : following.start]
            opens = re.search(r"\b(?:between|from)\s+$", clause[: time.start]) or time.text.lower().startswith("from")
            if _RANGE.match(gap) and opens:
                continue
        kept.append(time)
    return kept


def _targets_for(
    clause: str, start: int, periods: list[tuple[TimeExpression | None, DeadlineSource | None]]
) -> list[Target | None]:
    """The target of each period: with one period, the first number after the cue; with several, the number
    between the previous period and this one ("10 GW by 2030 and 40 GW by 2035")."""
    if len(periods) <= 1:
        return [find_target(clause[start:])]
    targets: list[Target | None] = []
    begin = start
    for index, (time, source) in enumerate(periods):
        if time is None or source != "sentence":
            targets.append(None)
            continue
        end = time.start + len(time.text)
        if end <= begin:
            following = periods[index + 1][0] if index + 1 < len(periods) else None
            end = following.start if following is not None else len(clause)
        targets.append(find_target(clause[begin:end]) if end > begin else None)
        begin = max(begin, end)
    return targets


def _subject_target(clause: str, hit: _Hit) -> Target | None:
    """A number in the clause's subject, before the cue: "Twelve vessels will join", "The DOE says 3 new lines
    will"; not one qualifying a noun ("Permits for electrolysers above 100 MW are to be granted")."""
    before = clause[: hit.start]
    verbs = list(_ATTRIBUTING_VERB.finditer(before))
    span = before[verbs[-1].end() :] if verbs else before
    target = find_target(span)
    if target is None:
        return None
    position = span.find(str(int(target.value)) if target.value == int(target.value) else str(target.value))
    head = span[: max(position, 0)] if position >= 0 else span
    if re.search(r"\b(?:for|of|with|in|at|on|from|by)\b", head, re.IGNORECASE):
        return None
    return target


def _labelled_target(text: str, label: str, time: TimeExpression) -> Target | None:
    """ "Hydrogen refuelling stations: 600 by 2028": the number before the period, the label's noun its unit."""
    before = text[: time.start]
    numbers = list(re.finditer(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.])", before[len(label) :]))
    if not numbers:
        return None
    value = float(numbers[-1].group(1).replace(",", ""))
    words = re.findall(r"[A-Za-z][\w-]*", label)
    return Target(value, words[-1].lower() if words else "units", Comparator.AT_LEAST, label.strip())


def _after_speech_verb(subject: str) -> str:
    """ "... and said the group" → "the group": the subject of the cue, not of the verb of saying before it."""
    return re.split(r"\b(?:said|says|told|believes|thinks|argues|added|noted)\s+", subject)[-1].strip()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def _normalised(text: str) -> str:
    return " ".join(re.sub(r"[\"“”'’*:]", "", text).casefold().split()).strip(" .")


def _without_repeated_headlines(candidates: list[Candidate]) -> list[Candidate]:
    """A headline that repeats a sentence of the text ("“We will have data from 400 patients by next summer”:
    ...") proposes that sentence's claim once, from the sentence."""
    kept = []
    for candidate in candidates:
        quoted = re.match(r'^\s*["“](?P<q>[^"”]{12,})["”]', candidate.quote)  # a headline quoting a sentence
        own = _normalised(quoted.group("q") if quoted else candidate.statement)
        repeated = any(
            other is not candidate and other.quote != candidate.quote and own and own in _normalised(other.quote)
            for other in candidates
        )
        if not repeated:
            kept.append(candidate)
    return kept


def _noun_owner(clause: str, hit: _Hit) -> str | None:
    """Whose target or forecast a noun cue names: the owner in "Acme's forecast" / "guidance at Pacifica
    Telecom", else the clause's subject ("The central bank lowered its forecast for ...")."""
    before = clause[: hit.start]
    owned = re.search(rf"((?:{_CAP}\s+){{0,3}}{_CAP})['’]s\s+(?:[\w-]+\s+){{0,3}}$", before)
    if owned and owned.group(1).split()[0] not in _NOT_PARTIES:
        return owned.group(1)
    after = re.match(rf"\s*(?:at|of|from|for)\s+((?:the\s+)?{_CAP}(?:\s+{_CAP})*)", clause[hit.end - 3 :])
    if re.search(r"\b(?:at|of|from)\s*$", hit.text) or after:
        named = re.match(rf"\s*((?:the\s+)?{_CAP}(?:\s+{_CAP})*)", clause[hit.end :])
        if named and re.search(r"\b(?:at|of|from)$", hit.text) and named.group(1).split()[-1] not in _NOT_PARTIES:
            return named.group(1)
    subject = re.match(
        r"^\s*(?:\d{1,3}/\s*)?(?P<s>(?:[\w’'&.-]+\s+){0,5}?[\w’'&.-]+)\s+(?:(?:now|also|has|have|had|just|again)\s+)*"
        r"(?:set|sets|cut|cuts|raised?|raises|lowered|lowers|revised|revises|kept|keeps|issued|issues|published|"
        r"unveiled|gave|gives|announced|announces|confirmed|confirms|reiterated|reiterates|lifted|trimmed|"
        r"upgraded|downgraded|is|are|has|have|calls?|put|puts|sees)\b",
        before,
    )
    if subject:
        words = subject.group("s")
        if re.match(r"(?i)(?:the\s+)?[\w-]+\s+(?:guidance|forecasts?|targets?|goals?|outlook)\b", words):
            return None
        if words[0].isupper() or words.lower().startswith(("the ", "it", "its ")):
            return words
    return None


def _coordinated_targets(text: str) -> list[Target]:
    """Further figures joined to the first by "and": "revenue of EUR 4.3-4.6 billion and an EBIT margin of around
    9%" is two forecasts of one period."""
    parts = re.split(
        r"\s+and\s+(?=(?:an?\s+|the\s+|its\s+)?(?:[\w-]+\s+){0,3}(?:of|at)\s+(?:about\s+|around\s+)?\S*\d)", text
    )
    found = []
    for part in parts[1:]:
        target = find_target(part)
        if target is not None:
            found.append(target)
    return found


_NOT_METRIC = {
    "we",
    "i",
    "our",
    "its",
    "their",
    "the",
    "a",
    "an",
    "forecast",
    "forecasts",
    "expect",
    "expects",
    "see",
    "sees",
}


def _metric_before(clause: str, target: Target) -> str:
    """What a figure measures when only a period follows it: "revenue of €3.4 billion in 2026" → "revenue",
    "sees inflation at 2.4%" → "inflation" (the words before the figure's own "of", "at", "to")."""
    pattern = re.compile(
        r"([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,2})\s+(?:of|at|to)\s+"
        r"(?:about\s+|around\s+|nearly\s+)?(?=(?:US\$|\$|€|£|¥|[A-Z]{3}\s*)?\d)"
    )
    named: list[str | None] = []
    for match in pattern.finditer(clause):
        figure = find_target(clause[match.end() :])
        words = match.group(1).split()
        while words and (words[-1].lower().endswith("ing") or words[-1].lower() in _NOT_METRIC):
            words.pop()  # "revenue rising to": the revenue
        while len(words) > 1 and words[0].lower() in _NOT_METRIC:
            words.pop(0)
        if figure is None or not math.isclose(figure.value, target.value, rel_tol=1e-9):
            continue
        if not words:
            named.append(None)
        elif figure is not None and math.isclose(figure.value, target.value, rel_tol=1e-9):
            return " ".join(words)
    earlier = [n for n in named if n]
    if earlier:
        return str(earlier[0])
    return "share" if target.unit == "%" else "amount" if target.unit.isupper() else target.unit


_WEAK_METRIC = re.compile(r"^(?:share|amount|per\b|for\b|in\b|by\b|and\b|from\b|to\b|on\b|at\b|this\b|next\b)", re.I)


def _with_metric(clause: str, target: Target | None) -> Target | None:
    """A percentage or an amount measures what the words before it name when the words after it do not:
    "its forecast for 2026 export growth to 1.8%" → "export growth", not "share"."""
    if target is None or not (target.unit == "%" or target.unit.isupper()) or not _WEAK_METRIC.match(target.metric):
        return target
    before = _metric_before(clause, target)
    if before in {"share", "amount"} or before == target.unit:
        return target
    kept = (
        ""
        if re.match(r"(?i)share|amount|for\b|in\b|by\b|and\b|from\b|to\b|on\b|at\b", target.metric)
        else target.metric
    )
    return Target(target.value, target.unit, target.comparator, f"{before} {kept}".strip())
