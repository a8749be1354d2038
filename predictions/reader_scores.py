"""The readers scored when a claim resolves (issue 25): "Readers (median)" as a forecaster beside the
author, each reader's own record, and Metaculus's baseline and peer scores for binary questions
(baseline = 100·(log2 p + 1) for the probability given to the outcome; peer = 100·(ln p − mean over the
other forecasters of ln p_j)). What counts is predictions.reader_forecasts's rule: a reader's last
forecast made before the end of the deadline day and before the claim's first resolution was recorded.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from db import reader_forecasts as sql
from predictions.reader_forecasts import MIN_READERS, ClaimFacts, active_forecasts, claim_facts, median
from predictions.scoring import Score, score_rows

READERS_MEDIAN = "Readers (median)"


def baseline_score(p_outcome: float) -> float:
    """Metaculus's baseline score of a binary forecast: 100·(log2 p + 1), p given to what happened."""
    return 100.0 * (math.log2(p_outcome) + 1.0)


def peer_score(p_outcome: float, others: Sequence[float]) -> float:
    """Metaculus's peer score of a binary forecast: 100·(ln p − mean of ln p_j over the other forecasters),
    each p the probability given to what happened."""
    if not others:
        raise ValueError("a peer score needs at least one other forecaster")
    return 100.0 * (math.log(p_outcome) - sum(math.log(p) for p in others) / len(others))


def _given_to_outcome(probability: float, outcome: float) -> float:
    """The probability given to what happened (a partial credit outcome in between: its expectation)."""
    return math.exp(outcome * math.log(probability) + (1 - outcome) * math.log(1 - probability))


@dataclass(frozen=True)
class ClaimComparison:
    claim_id: int
    statement: str
    outcome: str
    resolved_on: date | None
    readers: int
    readers_median: float
    author_probability: float | None
    readers_brier: float
    author_brier: float | None


@dataclass(frozen=True)
class ReadersRecord:
    score: Score
    claims: list[ClaimComparison]


def _resolved_sets(
    ledger: Path,
) -> tuple[dict[int, ClaimFacts], dict[int, dict[str, float]]]:
    """The resolved, scored claims readers forecast, and each one's counted active forecasts."""
    with sql.reading(sql.readers_file(ledger)) as con:
        rows = [] if con is None else sql.forecasts_of_claims(con, None)
    ids = sorted({int(r["claim_id"]) for r in rows})
    facts = {i: f for i, f in claim_facts(ledger, ids).items() if f.scored_outcome is not None}
    return facts, _counted_by_claim(rows, facts)


def _counted_by_claim(rows: Iterable[dict[str, Any]], facts: Mapping[int, ClaimFacts]) -> dict[int, dict[str, float]]:
    """Each claim of `facts` with its counted active forecasts among `rows`."""
    by_claim: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if int(row["claim_id"]) in facts:
            by_claim.setdefault(int(row["claim_id"]), []).append(row)
    return {i: active_forecasts(by_claim.get(i, []), facts[i]) for i in facts}


def readers_record(ledger: Path, today: date, *, folded: bool = False) -> ReadersRecord:
    """ "Readers (median)" as a forecaster: one forecast per resolved claim with at least MIN_READERS
    counted readers, the median of their forecasts, scored like the author's; with the per-claim
    comparison against the author's last counted forecast."""
    facts, active = _resolved_sets(ledger)
    comparisons = []
    for claim_id, forecasts in active.items():
        if len(forecasts) < MIN_READERS:
            continue
        fact = facts[claim_id]
        outcome = fact.scored_outcome
        assert outcome is not None
        middle = median(list(forecasts.values()))
        assert middle is not None and fact.outcome is not None
        author = fact.author_probability
        comparisons.append(
            ClaimComparison(
                claim_id=claim_id,
                statement=fact.statement,
                outcome=fact.outcome,
                resolved_on=fact.resolved_on,
                readers=len(forecasts),
                readers_median=middle,
                author_probability=author,
                readers_brier=(middle - outcome) ** 2,
                author_brier=None if author is None else (author - outcome) ** 2,
            )
        )
    comparisons.sort(key=lambda c: (c.resolved_on or date.min, c.claim_id))
    probability = np.array([c.readers_median for c in comparisons], dtype=float)
    outcomes = np.array([facts[c.claim_id].scored_outcome for c in comparisons], dtype=float)
    deadline = np.array(
        [facts[c.claim_id].deadline or np.datetime64("NaT") for c in comparisons], dtype="datetime64[D]"
    )
    score = score_rows({"probability": probability, "outcome": outcomes, "deadline": deadline}, today, folded=folded)
    return ReadersRecord(score, comparisons)


@dataclass(frozen=True)
class PersonalRecord:
    n: int
    brier: float | None
    peer: float | None
    baseline: float | None
    peer_n: int


def _reader_sets(
    ledger: Path, reader: str, claims: Iterable[int] | None, known: Mapping[int, ClaimFacts]
) -> tuple[dict[int, ClaimFacts], dict[int, dict[str, float]]]:
    """_resolved_sets narrowed to the claims `reader` forecast: nothing more is read when none of them
    is resolved (a reader of open claims), and only those claims' forecasts when some are."""
    path = sql.readers_file(ledger)
    if claims is None:
        with sql.reading(path) as con:
            claims = [] if con is None else [int(row["claim_id"]) for row in sql.own_history(con, reader)]
    ids = sorted(set(claims))
    missing = [i for i in ids if i not in known]
    found = {**{i: known[i] for i in ids if i in known}, **(claim_facts(ledger, missing) if missing else {})}
    facts = {i: f for i, f in found.items() if f.scored_outcome is not None}
    if not facts:
        return {}, {}
    with sql.reading(path) as con:
        rows = [] if con is None else sql.forecasts_of_claims(con, sorted(facts))
    return facts, _counted_by_claim(rows, facts)


def personal_record(
    ledger: Path, reader: str, *, claims: Iterable[int] | None = None, facts: Mapping[int, ClaimFacts] | None = None
) -> PersonalRecord:
    """One reader's record over the resolved claims they forecast (their last counted forecast on each):
    n, Brier, mean baseline score and mean peer score against the other readers of each claim.

    `claims` (the claims the reader forecast, e.g. ReaderView.claims) and `facts` (claim_facts the caller
    already holds) save their reads: a reader with no resolved claim costs no read at all then."""
    facts, active = _reader_sets(ledger, reader, claims, facts or {})
    errors, baselines, peers = [], [], []
    for claim_id, forecasts in active.items():
        if reader not in forecasts:
            continue
        outcome = facts[claim_id].scored_outcome
        assert outcome is not None
        mine = forecasts[reader]
        errors.append((mine - outcome) ** 2)
        baselines.append(baseline_score(_given_to_outcome(mine, outcome)))
        others = [_given_to_outcome(p, outcome) for name, p in forecasts.items() if name != reader]
        if others:
            peers.append(peer_score(_given_to_outcome(mine, outcome), others))
    return PersonalRecord(
        n=len(errors),
        brier=float(np.mean(errors)) if errors else None,
        peer=float(np.mean(peers)) if peers else None,
        baseline=float(np.mean(baselines)) if baselines else None,
        peer_n=len(peers),
    )


def readers_score_only(ledger: Path, today: date, *, folded: bool = False) -> Score | None:
    """The readers' median's Score when the readers' file exists (for `score --by forecaster`), else None."""
    if not sql.readers_file(ledger).exists():
        return None
    return readers_record(ledger, today, folded=folded).score


def with_readers_json(text: str, groups: dict[str, Score], *, lines: bool) -> str:
    """`score --json` / `--jsonl` text (predictions.score_json) with the readers' groups added to its
    breakdown: before the whole record's last line, or at the end of the document's "by"."""
    import json

    def dumps(data: object) -> str:
        return json.dumps(data, separators=(",", ":"), ensure_ascii=False)

    if lines:
        body, last = text.rstrip("\n").rsplit("\n", 1) if "\n" in text.rstrip("\n") else ("", text.rstrip("\n"))
        added = "".join(dumps({"group": name, **score.as_dict()}) + "\n" for name, score in groups.items())
        return (body + "\n" if body else "") + added + last + "\n"
    document = text.rstrip("\n")
    assert document.endswith("}}"), "a score document ends with its breakdown"
    head = document[:-2]
    entries = ",".join(f"{dumps(name)}:{dumps(score.as_dict())}" for name, score in groups.items())
    return head + ("" if head.endswith("{") else ",") + entries + "}}\n"
