"""Issue files, repeats of stored claims, and saving accepted candidates as claims of a new source."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from predictions import ledger
from predictions.confidence import find_hedge
from predictions.extract.candidate import Candidate, ExtractError, Extractor
from predictions.extract.extractor import RuleBasedExtractor
from predictions.models import (
    Source,
    first_problem,
)
from predictions.seed import PreparedClaim

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
    return ledger.source_key(source, "extract")


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
