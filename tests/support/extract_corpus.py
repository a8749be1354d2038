"""The labelled extraction corpus (tests/data/extract_corpus/): its labels schema and how it is scored.

Each text NAME.md / NAME.txt has a labels file NAME.yaml: the text's kind, title, author and date, every
forecast a careful reader underlines (a fragment of its sentence, the claimant, kind, deadline, and for a
threshold its target and unit) and sentences that are no forecast (distractors). The labels were written
by hand beside the texts, never from the extractor's output.

A candidate matches a label when the label's fragment is in the candidate's quote (case and whitespace
normalised); labels sharing a fragment (two forecasts in one sentence, a table row) are matched one to one,
each to the candidate that agrees with it most (deadline, then target). Scores:

- recall: labels matched / labels; precision: candidates matched / candidates;
- deadlines: matched labels whose candidate has the labelled deadline (None for "no usable period");
- targets: matched threshold labels whose candidate has the labelled target value;
- claimants: matched labels whose candidate names the labelled claimant (or one of its `also` names;
  "author" is the text's author), compared without case, a leading "the" or a possessive;
- distractors proposed: labelled non-forecasts quoted by a candidate that matches no forecast.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from predictions.extract import Candidate, RuleBasedExtractor, read_issue

CORPUS = Path(__file__).resolve().parents[1] / "data" / "extract_corpus"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabelledForecast(_Strict):
    quote: str = Field(min_length=3, description="a fragment of the sentence (or table row) the forecast is in")
    claimant: str = Field(min_length=1, description="who makes the forecast; 'author' is the text's author")
    also: list[str] = Field(default_factory=list, description="other names that count as the same claimant")
    kind: Literal["binary", "threshold"]
    deadline: date | None
    target: float | None = None
    unit: str | None = None

    @model_validator(mode="after")
    def _threshold_fields(self) -> LabelledForecast:
        if (self.kind == "threshold") != (self.target is not None and self.unit is not None):
            raise ValueError("a threshold forecast has a target and a unit, a binary one neither")
        return self


class Labels(_Strict):
    kind: str = Field(description="the kind of text: news roundup, listicle, analyst note ...")
    title: str
    author: str
    date: date
    held_out: bool = Field(default=False, description="written after the rules, never used to build them")
    forecasts: list[LabelledForecast] = Field(min_length=1)
    distractors: list[str] = Field(default_factory=list, description="fragments of sentences that are no forecast")


@dataclass(frozen=True)
class CorpusText:
    name: str
    path: Path
    labels: Labels


def corpus_texts() -> list[CorpusText]:
    texts = []
    for labels_path in sorted(CORPUS.glob("*.yaml")):
        [text_path] = [p for p in CORPUS.glob(f"{labels_path.stem}.*") if p.suffix != ".yaml"]
        labels = Labels.model_validate(yaml.safe_load(labels_path.read_text(encoding="utf-8")))
        texts.append(CorpusText(labels_path.stem, text_path, labels))
    return texts


def normalised(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.split())


def _name(text: str) -> str:
    text = re.sub(r"['’]s$", "", normalised(text).strip(" .,"))
    return re.sub(r"^the\s+", "", text)


@dataclass
class Score:
    labels: int = 0
    candidates: int = 0
    found: int = 0
    matched_candidates: int = 0
    deadlines_right: int = 0
    thresholds_found: int = 0
    targets_right: int = 0
    claimants_right: int = 0
    distractors_proposed: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in (
            "labels", "candidates", "found", "matched_candidates", "deadlines_right", "thresholds_found",
            "targets_right", "claimants_right", "distractors_proposed",
        ):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems += other.problems

    @property
    def recall(self) -> float:
        return self.found / self.labels if self.labels else 0.0

    @property
    def precision(self) -> float:
        return self.matched_candidates / self.candidates if self.candidates else 0.0

    @property
    def deadlines(self) -> float:
        return self.deadlines_right / self.found if self.found else 0.0

    @property
    def targets(self) -> float:
        return self.targets_right / self.thresholds_found if self.thresholds_found else 1.0

    @property
    def claimants(self) -> float:
        return self.claimants_right / self.found if self.found else 0.0


def _same_target(candidate: Candidate, label: LabelledForecast) -> bool:
    return (
        label.target is not None
        and candidate.target is not None
        and math.isclose(candidate.target, label.target, rel_tol=1e-9)
    )


def _same_claimant(candidate: Candidate, label: LabelledForecast, author: str) -> bool:
    names = {_name(author if name == "author" else name) for name in (label.claimant, *label.also)}
    return _name(candidate.claimant) in names


def extract(text: CorpusText) -> list[Candidate]:
    labels = text.labels
    extractor = RuleBasedExtractor(author=labels.author)
    return extractor.extract(read_issue(text.path), labels.date, labels.title)


def score(text: CorpusText, candidates: list[Candidate]) -> Score:
    labels = text.labels
    result = Score(labels=len(labels.forecasts), candidates=len(candidates))
    quotes = [normalised(c.quote) for c in candidates]
    pairs = []
    for l_index, label in enumerate(labels.forecasts):
        fragment = normalised(label.quote)
        for c_index, candidate in enumerate(candidates):
            if fragment in quotes[c_index]:
                agreement = (candidate.deadline == label.deadline, _same_target(candidate, label))
                pairs.append((agreement, -l_index, -c_index, l_index, c_index))
    assigned: dict[int, int] = {}
    used: set[int] = set()
    for *_, l_index, c_index in sorted(pairs, reverse=True):
        if l_index not in assigned and c_index not in used:
            assigned[l_index] = c_index
            used.add(c_index)
    result.found = len(assigned)
    result.matched_candidates = len(used)
    for l_index, label in enumerate(labels.forecasts):
        if l_index not in assigned:
            result.problems.append(f"{text.name}: missed {label.quote!r}")
            continue
        candidate = candidates[assigned[l_index]]
        if candidate.deadline == label.deadline:
            result.deadlines_right += 1
        else:
            result.problems.append(
                f"{text.name}: deadline {candidate.deadline} for {label.quote!r}, not {label.deadline}"
            )
        if label.kind == "threshold":
            result.thresholds_found += 1
            if _same_target(candidate, label):
                result.targets_right += 1
            else:
                result.problems.append(
                    f"{text.name}: target {candidate.target} for {label.quote!r}, not {label.target:g}"
                )
        if _same_claimant(candidate, label, labels.author):
            result.claimants_right += 1
        else:
            result.problems.append(
                f"{text.name}: claimant {candidate.claimant!r} for {label.quote!r}, not {label.claimant!r}"
            )
    for c_index, candidate in enumerate(candidates):
        if c_index not in used:
            result.problems.append(f"{text.name}: unlabelled candidate {candidate.quote[:90]!r}")
    unmatched = [quote for index, quote in enumerate(quotes) if index not in used]
    result.distractors_proposed = sum(
        any(normalised(fragment) in quote for quote in unmatched) for fragment in labels.distractors
    )
    return result


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "-"


def table(rows: list[tuple[str, Score]]) -> str:
    """The figures as a Markdown table, one row per text and the totals."""
    lines = [
        "| text | recall | precision | deadlines right | targets right | claimants right | distractors proposed |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, s in rows:
        lines.append(
            f"| {name} | {_percent(s.found, s.labels)} | {_percent(s.matched_candidates, s.candidates)} | "
            f"{_percent(s.deadlines_right, s.found)} | {_percent(s.targets_right, s.thresholds_found)} | "
            f"{_percent(s.claimants_right, s.found)} | {s.distractors_proposed} |"
        )
    return "\n".join(lines)
