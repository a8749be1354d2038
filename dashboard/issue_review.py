"""The author's review of a new issue: extract candidate claims, lay them out for editing, check, save.

The page (app_pages/author.py, tab "New issue") only wires widgets to these functions. Everything
here except `save` is pure: extracting, checking for duplicates and validating the edited rows never
touch the database, so nothing is written before the author confirms the save. `save` stores every
accepted candidate through predictions.extract.save_candidates, in one transaction.

The editable table is a list of rows (dicts keyed by the column names in COLUMNS); `review_rows`
turns the table as edited back into validated candidates, or into one line per problem, numbered by
row as the table shows them (from 1).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dashboard import data
from predictions.errors import PredictionsError
from predictions.extract import Candidate, RuleBasedExtractor, SaveResult, find_duplicates, save_candidates
from predictions.models import ClaimIn, ClaimKind, Source, describe_validation_error
from predictions.overview import ClaimTable

ISSUE_TYPES = ("txt", "md", "markdown", "html", "htm")
MAX_ISSUE_CHARS = 1_000_000

# table column → Candidate field, for the columns the author may edit
EDITABLE = {
    "statement": "statement",
    "claimant": "claimant",
    "attribution": "attribution",
    "kind": "kind",
    "deadline": "deadline",
    "precision": "deadline_precision",
    "metric": "metric",
    "unit": "unit",
    "comparator": "comparator",
    "target": "target",
    "probability": "probability",
    "criteria": "resolution_criteria",
    "topics": "tags",
}
PHRASE = "deadline as worded"  # the words the deadline was read from, shown beside the deadline
READ_ONLY = (PHRASE, "quote", "cue", "missing", "duplicate of", "notes")
# the phrase sits right after the deadline it produced, so the author sees why the deadline is what it is
COLUMNS = ("accept", "statement", "claimant", "attribution", "kind", "deadline", PHRASE, "precision",
           "metric", "unit", "comparator", "target", "probability", "criteria", "topics",
           "quote", "cue", "missing", "duplicate of", "notes")  # fmt: skip
COLUMN_OF = {name: column for column, name in EDITABLE.items()}
REQUIRED_TEXT = {"statement", "claimant"}  # kept as "" when emptied, so the message says what is wrong
THRESHOLD_ONLY = ("metric", "unit", "comparator", "target")


class IssueError(PredictionsError, ValueError):
    """The issue cannot be read or described (no text, not UTF-8, too long, a bad title, date or URL)."""


def issue_text(pasted: str | None, upload_name: str | None = None, upload: bytes | None = None) -> str:
    """The issue's text: the uploaded file if there is one, else the pasted text."""
    if upload is not None:
        try:
            text = upload.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise IssueError(f"{upload_name or 'the file'} is not UTF-8 text") from None
    else:
        text = pasted or ""
    if not text.strip():
        raise IssueError("paste the issue's text or upload it as a .txt, .md or .html file")
    if len(text) > MAX_ISSUE_CHARS:
        raise IssueError(f"the issue is {len(text):,} characters long; at most {MAX_ISSUE_CHARS:,} are read")
    return text


def issue_source(title: str | None, published_on: date | None, url: str | None, author: str) -> Source:
    """The new source the claims will belong to, validated (http(s) URL only); raises IssueError."""
    if not (title or "").strip():
        raise IssueError("give the issue's title")
    if not isinstance(published_on, date):
        raise IssueError("give the issue's date (YYYY-MM-DD)")
    try:
        return Source(title=title or "", published_on=published_on, url=(url or "").strip() or None, author=author)
    except ValidationError as error:
        raise IssueError("; ".join(describe_validation_error(error))) from None


def extract(text: str, source: Source, author: str) -> list[Candidate]:
    assert source.published_on is not None
    return RuleBasedExtractor(author=author).extract(text, source.published_on, source.title)


def extract_with(text: str, source: Source, author: str, model: str | None) -> tuple[list[Candidate], list[str]]:
    """The issue's candidates, by the rules or (with `model`) proposed by a language model and checked by the
    rules, and one line per row of the model's answer the rules refused; raises ExtractError when the model
    cannot be asked or does not answer in JSON."""
    name = (model or "").strip()
    if not name:
        return extract(text, source, author), []
    from predictions.extract.model_assisted import ModelExtractor

    assert source.published_on is not None
    extractor = ModelExtractor(name, author=author)
    candidates = extractor.extract(text, source.published_on, source.title)
    return candidates, [str(refusal) for refusal in extractor.refusals]


def stored_claims(table: ClaimTable) -> list[dict[str, Any]]:
    """id, quote and statement of every stored claim, read from the claim table's columns (no full rows)."""
    columns = table.columns
    return [
        {"id": int(claim_id), "quote": quote, "statement": statement}
        for claim_id, quote, statement in zip(table.ids, columns["quote"], columns["statement"], strict=True)
    ]


def duplicate_of(candidates: Sequence[Candidate], existing_claims: Iterable[Any]) -> dict[str, int | None]:
    """candidate id → id of the stored claim it repeats (quote or statement), for the repeating ones."""
    return {d.candidate_id: d.claim_id for d in find_duplicates(candidates, existing_claims)}


def phrase_shown(candidate: Candidate) -> str | None:
    """The time phrase the deadline came from, and where it was found when not in the sentence itself:
    "within nine months", "for 2026 (section heading)"."""
    if candidate.time_text is None:
        return None
    where = candidate.deadline_source
    return candidate.time_text if where in (None, "sentence") else f"{candidate.time_text} ({where})"


def _text(values: Iterable[str]) -> str:
    return ", ".join(values)


def editor_rows(candidates: Sequence[Candidate], duplicates: Mapping[str, int | None]) -> list[dict[str, Any]]:
    """One row per candidate; checkable candidates that repeat no stored claim are accepted by default."""
    rows = []
    for c in candidates:
        duplicate = c.id in duplicates
        claim_id = duplicates.get(c.id)
        rows.append(
            {
                "accept": c.checkable and not duplicate,
                "statement": c.statement,
                "claimant": c.claimant,
                "attribution": c.attribution.value,
                "kind": c.kind.value,
                "deadline": c.deadline,
                "precision": c.deadline_precision.value if c.deadline_precision else None,
                "metric": c.metric,
                "unit": c.unit,
                "comparator": c.comparator.value if c.comparator else None,
                "target": c.target,
                "probability": c.probability,
                "criteria": c.resolution_criteria,
                "topics": _text(c.tags),
                "quote": c.quote,
                "cue": c.cue,
                PHRASE: phrase_shown(c),
                "missing": _text(c.missing),
                "duplicate of": (f"#{claim_id}" if claim_id is not None else "a stored claim") if duplicate else None,
                "notes": "; ".join(c.notes),
            }
        )
    return rows


def _plain(value: Any) -> Any:
    """A cell as the table gives it back (NaN, NaT, numpy scalars, Timestamps) as a plain Python value."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NaTType", "NAType"}:
        return None
    if isinstance(value, datetime):
        return value.date()
    return value


def _cell(column: str, value: Any) -> Any:
    value = _plain(value)
    if isinstance(value, str):
        value = value.strip()
        if column == "deadline" and value:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                return value  # left for the model to report
        if column == "topics":
            return [tag for tag in value.split(",") if tag.strip()]
        if not value and column not in REQUIRED_TEXT:
            return None
    if value is None and column == "topics":
        return []
    if value is None and column in REQUIRED_TEXT:
        return ""
    return value


def changes(row: Mapping[str, Any]) -> dict[str, Any]:
    """The candidate fields as the author left them in `row`."""
    edits = {name: _cell(column, row.get(column)) for column, name in EDITABLE.items()}
    if edits["kind"] != ClaimKind.THRESHOLD.value:
        for column in THRESHOLD_ONLY:  # as in the add-a-claim form: threshold fields belong to threshold claims
            edits[EDITABLE[column]] = None
    if edits["deadline"] is None:
        edits["deadline_precision"] = None
    return edits


def is_accepted(row: Mapping[str, Any]) -> bool:
    return _plain(row.get("accept")) is True


def accepted_count(rows: Iterable[Mapping[str, Any]]) -> int:
    return sum(1 for row in rows if is_accepted(row))


def _problem_lines(error: ValidationError) -> list[str]:
    lines = []
    for line in describe_validation_error(error):
        name, sep, message = line.partition(": ")
        field_name = name.split(".")[0]
        if sep and field_name in COLUMN_OF:
            lines.append(f"{COLUMN_OF[field_name]}: {message}")
        elif sep and field_name in ClaimIn.model_fields:
            lines.append(f"{field_name.replace('_', ' ')}: {message}")
        else:
            lines.append(line)
    return lines


@dataclass
class Review:
    """The accepted rows as validated candidates (in table order), or what is wrong with them."""

    accepted: list[Candidate] = field(default_factory=list)
    claims: list[ClaimIn] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # table row number (from 1) of each accepted candidate

    @property
    def ok(self) -> bool:
        return bool(self.accepted) and not self.problems


def review_rows(candidates: Sequence[Candidate], rows: Sequence[Mapping[str, Any]]) -> Review:
    """Validate every accepted row through Candidate.revise and to_claim (ClaimIn), as save_candidates will."""
    if len(rows) != len(candidates):
        raise ValueError(f"{len(rows)} table rows for {len(candidates)} candidates")
    review = Review()
    for number, (candidate, row) in enumerate(zip(candidates, rows, strict=True), start=1):
        if not is_accepted(row):
            continue
        try:
            revised = candidate.revise(**changes(row))
            claim = revised.to_claim()
        except ValidationError as error:
            review.problems += [f"row {number}: {line}" for line in _problem_lines(error)]
            continue
        review.accepted.append(revised)
        review.claims.append(claim)
        review.rows.append(number)
    if not review.accepted and not review.problems:
        review.problems.append("no row is accepted: tick “accept” on the candidates to save")
    return review


def save(source: Source, accepted: Sequence[Candidate]) -> SaveResult:
    """Store the accepted candidates as claims of `source` in one transaction (raises ExtractError, LedgerError)."""
    current = data.settings()
    return save_candidates(Path(current.db), source, accepted, author_name=current.author_name)
