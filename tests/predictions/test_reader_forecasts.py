"""Readers forecast too (issue 25): the library, the CLI, backups and the static site.

Real DuckDB files throughout (the ledger and the readers' file beside it); scores checked against
independent computations (numpy over the rows, Metaculus's published values, a hand computation).
"""

from __future__ import annotations

import json
import math
import random
import re
import stat
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from db import reader_forecasts as sql
from predictions import cli, ledger, verdicts
from predictions import reader_forecasts as readers
from predictions import reader_identity as identity
from predictions import reader_scores as scores
from predictions.models import ClaimIn, Outcome, ResolutionIn

TODAY = date.today()


def open_claim(path: Path, statement: str = "Robotaxis in 100 cities", days: int = 200) -> int:
    return ledger.add_claim(
        path,
        ClaimIn(statement=statement, made_on=TODAY - timedelta(days=5), deadline=TODAY + timedelta(days=days)),
        probability=0.6,
        author_name="Pascal Coppens",
    )


@pytest.fixture
def ledger_path(db_path: Path) -> Path:
    ledger.ensure_database(db_path)
    return db_path


@pytest.fixture
def secret(ledger_path: Path) -> bytes:
    return identity.server_secret(ledger_path)


def new_reader(secret: bytes) -> str:
    reader_id = identity.token_reader(identity.new_token(secret), secret)
    assert reader_id is not None
    return identity.pseudonym(reader_id, secret)


def roomy() -> identity.RateLimiter:
    return identity.RateLimiter(per_minute=100_000)


def submit(path: Path, claim_id: int, reader: str, p: float, limiter: identity.RateLimiter | None = None) -> None:
    readers.submit(path, claim_id, reader, p, address=None, limiter=limiter or roomy(), today=TODAY)


# --- who a reader is -----------------------------------------------------------------------------------


def test_the_secret_is_made_once_beside_the_ledger_and_only_its_owner_reads_it(ledger_path: Path) -> None:
    first = identity.server_secret(ledger_path)
    path = identity.secret_file(ledger_path)
    assert path.parent == ledger_path.parent and len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert identity.server_secret(ledger_path) == first


def test_a_cookie_is_signed_and_a_forged_or_foreign_one_is_refused(secret: bytes) -> None:
    token = identity.new_token(secret)
    reader_id = identity.token_reader(token, secret)
    assert reader_id is not None and token.startswith(reader_id)
    forged = reader_id[:-1] + ("0" if reader_id[-1] != "0" else "1") + token[32:]
    assert identity.token_reader(forged, secret) is None
    assert identity.token_reader(token, b"x" * 32) is None  # another server's secret
    for junk in (None, "", "abc", token + ".x", "g" * 32 + token[32:]):
        assert identity.token_reader(junk, secret) is None


def test_the_store_holds_pseudonyms_never_the_cookie_or_the_id(ledger_path: Path, secret: bytes) -> None:
    claim = open_claim(ledger_path)
    token = identity.new_token(secret)
    reader_id = identity.token_reader(token, secret)
    assert reader_id is not None
    name = identity.pseudonym(reader_id, secret)
    assert reader_id not in name and name != identity.pseudonym(reader_id, b"y" * 32)
    readers.submit(ledger_path, claim, name, 0.3, address="203.0.113.9", limiter=roomy(), today=TODAY)
    stored = sql.readers_file(ledger_path)
    with sql.reading(stored) as con:
        assert con is not None
        rows = con.execute("SELECT * FROM reader_forecasts").fetchall()
    text = repr(rows)
    assert name in text and reader_id not in text and "203.0.113.9" not in text
    raw = stored.read_bytes() + (
        stored.with_name(stored.name + ".wal").read_bytes() if stored.with_name(stored.name + ".wal").exists() else b""
    )
    assert reader_id.encode() not in raw and b"203.0.113.9" not in raw


# --- one active forecast, closings ------------------------------------------------------------------------


def test_one_active_forecast_per_reader_and_every_change_kept(ledger_path: Path, secret: bytes) -> None:
    claim = open_claim(ledger_path)
    me = new_reader(secret)
    first = readers.submit(ledger_path, claim, me, 0.3, address=None, limiter=roomy(), today=TODAY)
    again = readers.submit(ledger_path, claim, me, 0.3, address=None, limiter=roomy(), today=TODAY)
    changed = readers.submit(ledger_path, claim, me, 0.45, address=None, limiter=roomy(), today=TODAY)
    assert (first.changed, again.changed, changed.changed) == (True, False, True)
    assert "30%" in changed.message and "45%" in changed.message
    view = readers.view(ledger_path, claim, me, today=TODAY, enabled=True)
    assert view.own == 0.45 and [p for _, p in view.own_history] == [0.3, 0.45]
    ballots = readers.claim_ballots(ledger_path, claim)
    assert [(b.probability, b.changes) for b in ballots] == [(0.45, 1)]


@pytest.mark.parametrize("bad", [0.0, 0.005, 0.995, 1.0, float("nan"), float("inf")])
def test_a_probability_outside_1_to_99_percent_is_refused_and_nothing_stored(
    ledger_path: Path, secret: bytes, bad: float
) -> None:
    claim = open_claim(ledger_path)
    with pytest.raises(identity.ReaderForecastError, match="1% to 99%"):
        submit(ledger_path, claim, new_reader(secret), bad)
    assert not sql.readers_file(ledger_path).exists()


def test_past_deadline_resolved_and_withdrawn_claims_take_none_and_say_why(ledger_path: Path, secret: bytes) -> None:
    soon = open_claim(ledger_path, "due soon", days=3)
    resolved = open_claim(ledger_path, "resolved")
    withdrawn = open_claim(ledger_path, "withdrawn")
    ledger.resolve(ledger_path, resolved, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    verdicts.withdraw(ledger_path, withdrawn, "a duplicate")
    me = new_reader(secret)
    submit(ledger_path, soon, me, 0.4)  # open today
    cases = [
        (soon, TODAY + timedelta(days=4), "deadline .* has passed"),
        (resolved, TODAY, "was resolved \\(true\\)"),
        (withdrawn, TODAY, "was withdrawn"),
    ]
    before = sql.readers_file(ledger_path).read_bytes()
    for claim, day, reason in cases:
        with pytest.raises(identity.ReaderForecastError, match=reason):
            readers.submit(ledger_path, claim, me, 0.7, address=None, limiter=roomy(), today=day)
        view = readers.view(ledger_path, claim, me, today=day, enabled=True)
        assert view.closed_because is not None and re.search(reason, view.closed_because)
    assert readers.view(ledger_path, soon, me, today=TODAY + timedelta(days=4), enabled=True).own == 0.4
    assert sql.readers_file(ledger_path).read_bytes() == before


def test_the_author_closes_reader_forecasts_per_claim_and_everywhere(ledger_path: Path, secret: bytes) -> None:
    claim, other = open_claim(ledger_path), open_claim(ledger_path, "another")
    me = new_reader(secret)
    submit(ledger_path, claim, me, 0.4)
    readers.set_closed(ledger_path, claim, "spam wave")
    with pytest.raises(identity.ReaderForecastError, match="closed reader forecasts here: spam wave"):
        submit(ledger_path, claim, me, 0.5)
    submit(ledger_path, other, me, 0.5)  # only that claim
    readers.set_closed(ledger_path, None, "holiday")
    with pytest.raises(identity.ReaderForecastError, match="everywhere: holiday"):
        submit(ledger_path, other, me, 0.6)
    readers.set_closed(ledger_path, None, "back", closed=False)
    readers.set_closed(ledger_path, claim, "calm again", closed=False)
    submit(ledger_path, claim, me, 0.55)
    with pytest.raises(identity.ReaderForecastError, match="switched off"):
        readers.submit(ledger_path, claim, me, 0.6, address=None, limiter=roomy(), today=TODAY, enabled=False)
    with pytest.raises(identity.ReaderForecastError, match="reason is required"):
        readers.set_closed(ledger_path, claim, "   ")
    assert readers.view(ledger_path, claim, me, today=TODAY, enabled=True).own == 0.55


# --- blind until you forecast ------------------------------------------------------------------------------


def test_a_reader_who_has_not_forecast_gets_nothing_of_the_others_not_even_computed(
    ledger_path: Path, secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = open_claim(ledger_path)
    for p in (0.2, 0.5, 0.9):
        submit(ledger_path, claim, new_reader(secret), p)
    asked: list[object] = []
    real = sql.forecasts_of_claims
    monkeypatch.setattr(sql, "forecasts_of_claims", lambda con, ids: asked.append(ids) or real(con, ids))
    newcomer = new_reader(secret)
    blind = readers.view(ledger_path, claim, newcomer, today=TODAY, enabled=True)
    assert blind.blind and blind.aggregate is None and blind.own is None and asked == []
    submit(ledger_path, claim, newcomer, 0.6)
    seen = readers.view(ledger_path, claim, newcomer, today=TODAY, enabled=True)
    assert asked == [[claim]] and seen.aggregate is not None
    assert seen.aggregate.n == 4 and seen.aggregate.median == pytest.approx(float(np.median([0.2, 0.5, 0.9, 0.6])))
    assert seen.author_probability == 0.6 and seen.own == 0.6


def test_aggregates_appear_from_the_third_reader_and_for_everyone_once_resolved(
    ledger_path: Path, secret: bytes
) -> None:
    claim = open_claim(ledger_path)
    first, second, third = (new_reader(secret) for _ in range(3))
    submit(ledger_path, claim, first, 0.1)
    submit(ledger_path, claim, second, 0.3)
    two = readers.view(ledger_path, claim, first, today=TODAY, enabled=True).aggregate
    assert two is not None and not two.shown and two.median is None and two.histogram == [0] * 10
    submit(ledger_path, claim, third, 0.8)
    three = readers.view(ledger_path, claim, first, today=TODAY, enabled=True).aggregate
    assert three is not None and three.shown and three.median == 0.3
    assert three.histogram == [1, 0, 1, 0, 0, 0, 0, 1, 0, 0]
    assert [(p.n, p.median) for p in three.history] == [(3, 0.3)]
    outsider = new_reader(secret)
    assert readers.view(ledger_path, claim, outsider, today=TODAY, enabled=True).blind
    ledger.resolve(ledger_path, claim, ResolutionIn(outcome=Outcome.FALSE, resolved_on=TODAY))
    after = readers.view(ledger_path, claim, outsider, today=TODAY, enabled=True)
    assert not after.blind and after.aggregate is not None and after.aggregate.median == 0.3


def test_the_histogram_puts_each_forecast_in_its_tenth() -> None:
    values = [0.01, 0.1, 0.11, 0.2, 0.5, 0.51, 0.9, 0.91, 0.99]
    expected = [0] * 10
    for v in values:  # independently: the tenth whose upper edge is the first at or above the percentage
        expected[next(i for i in range(10) if round(v * 100) <= 10 * (i + 1))] += 1
    assert readers.histogram(values) == expected


# --- ballot stuffing ---------------------------------------------------------------------------------------


def test_100_repeat_submissions_from_one_reader_leave_the_median_where_one_puts_it(
    ledger_path: Path, secret: bytes
) -> None:
    claim, twin = open_claim(ledger_path), open_claim(ledger_path, "the same crowd, one ballot each")
    crowd = [(new_reader(secret), p) for p in (0.2, 0.35, 0.5, 0.6)]
    stuffer = new_reader(secret)
    for c in (claim, twin):
        for name, p in crowd:
            submit(ledger_path, c, name, p)
    submit(ledger_path, twin, stuffer, 0.99)
    limiter = roomy()
    for _ in range(100):
        submit(ledger_path, claim, stuffer, 0.99, limiter)
    stuffed = readers.claims_readers(ledger_path, [claim])[0].aggregate
    once = readers.claims_readers(ledger_path, [twin])[0].aggregate
    assert (stuffed.n, stuffed.median) == (once.n, once.median) == (5, 0.5)


def test_20_percent_of_ballots_at_99_move_the_median_no_further_than_the_stated_bound() -> None:
    rng = random.Random(42)
    for _ in range(200):
        n = rng.randint(4, 400)
        honest = [round(rng.uniform(0.01, 0.99), 2) for _ in range(n)]
        k = math.floor(0.25 * n)  # k / (n + k) <= 20 %
        stuffed = honest + [0.99] * k
        moved = float(np.median(stuffed))
        ordered = sorted(honest)
        # independently: with N ballots the median is at most the upper middle one, the honest order
        # statistic at position N // 2 (the 99 % ballots are all above it)
        assert moved <= ordered[min(n - 1, (n + k) // 2)] + 1e-12
        assert moved <= readers.median_bound(honest, 0.2) + 1e-12
        assert moved <= float(np.quantile(honest, 0.625, method="higher")) + 0.02  # docs/readers.md's 62.5th percentile
        assert moved >= float(np.median(honest)) - 1e-12
    mean_shift = np.mean(honest + [0.99] * k) - np.mean(honest)
    assert mean_shift > 0.5 * (float(np.median(stuffed)) - float(np.median(honest)))  # a mean would move more


def test_the_rate_limit_counts_per_reader_and_per_address_in_a_sliding_minute() -> None:
    now = [1000.0]
    limiter = identity.RateLimiter(per_minute=30, clock=lambda: now[0])
    assert all(limiter.take(identity.limit_keys("a", "198.51.100.1")) for _ in range(30))
    assert not limiter.take(identity.limit_keys("a", "198.51.100.2"))  # the reader is over
    assert not limiter.take(identity.limit_keys("b", "198.51.100.1"))  # the address is over
    assert limiter.take(identity.limit_keys("b", "198.51.100.2"))
    now[0] += 59.9
    assert not limiter.take(identity.limit_keys("a", "198.51.100.3"))
    now[0] += 0.2
    assert limiter.take(identity.limit_keys("a", "198.51.100.1"))
    local = identity.RateLimiter(per_minute=3, clock=lambda: now[0])
    assert [local.take(identity.limit_keys(f"r{i}", None)) for i in range(4)] == [True, True, True, False]


def test_a_refused_forecast_says_so_politely_and_stores_nothing(ledger_path: Path, secret: bytes) -> None:
    claim = open_claim(ledger_path)
    limiter = identity.RateLimiter(per_minute=2)
    me = new_reader(secret)
    submit(ledger_path, claim, me, 0.2, limiter)
    submit(ledger_path, claim, me, 0.3, limiter)
    with pytest.raises(identity.RateLimitedError, match="please wait a minute"):
        submit(ledger_path, claim, me, 0.4, limiter)
    assert [b.probability for b in readers.claim_ballots(ledger_path, claim)] == [0.3]


def test_a_submission_from_a_view_reads_no_file_when_refused_and_confirms_a_repeat_before_saying_so(
    ledger_path: Path, secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim = open_claim(ledger_path)
    me = new_reader(secret)
    submit(ledger_path, claim, me, 0.3)
    seen = readers.view(ledger_path, claim, me, today=TODAY, enabled=True)
    units: list[str] = []
    for name in ("reading", "writing"):
        real = getattr(sql, name)
        monkeypatch.setattr(sql, name, lambda path, real=real, name=name: units.append(name) or real(path))
    real_facts = readers.claim_facts
    monkeypatch.setattr(readers, "claim_facts", lambda *a: units.append("ledger") or real_facts(*a))
    full = identity.RateLimiter(per_minute=1)
    assert full.take(identity.limit_keys(me, "198.51.100.7"))
    with pytest.raises(identity.RateLimitedError, match="please wait a minute"):
        readers.submit(ledger_path, claim, me, 0.4, address="198.51.100.7", limiter=full, today=TODAY, seen=seen)
    assert units == []  # refused in memory: neither file read
    # the view says 30 %; another tab of the same reader changed it to 50 % since: 30 % is a change again
    readers.submit(ledger_path, claim, me, 0.5, address=None, limiter=roomy(), today=TODAY)
    units.clear()
    again = readers.submit(ledger_path, claim, me, 0.3, address=None, limiter=roomy(), today=TODAY, seen=seen)
    assert again.changed and "from 50% to 30%" in again.message and units == ["reading", "writing"]
    assert [b.probability for b in readers.claim_ballots(ledger_path, claim)] == [0.3]
    units.clear()
    seen = readers.view(ledger_path, claim, me, today=TODAY, enabled=True)
    units.clear()
    stays = readers.submit(ledger_path, claim, me, 0.3, address=None, limiter=roomy(), today=TODAY, seen=seen)
    assert not stays.changed and units == ["reading"]  # a repeat takes no writer's lock
    units.clear()
    without = readers.submit(ledger_path, claim, me, 0.3, address=None, limiter=roomy(), today=TODAY)
    assert not without.changed and units == ["ledger", "reading"]
    readers.set_closed(ledger_path, claim, "spam wave")
    closed = readers.view(ledger_path, claim, me, today=TODAY, enabled=True)
    units.clear()
    with pytest.raises(identity.ReaderForecastError, match="closed reader forecasts here: spam wave"):
        readers.submit(ledger_path, claim, me, 0.6, address=None, limiter=roomy(), today=TODAY, seen=closed)
    assert units == []
    with sql.reading(sql.readers_file(ledger_path)) as con:
        assert con is not None and [r["probability"] for r in sql.own_history(con, me)] == [0.3, 0.5, 0.3]


def test_an_excluded_pseudonym_leaves_every_median_and_can_be_included_again(ledger_path: Path, secret: bytes) -> None:
    claim = open_claim(ledger_path)
    names = [new_reader(secret) for _ in range(4)]
    for name, p in zip(names, (0.2, 0.4, 0.6, 0.99), strict=True):
        submit(ledger_path, claim, name, p)
    assert readers.claims_readers(ledger_path, [claim])[0].aggregate.median == pytest.approx(0.5)
    shown = identity.short(names[3])
    assert readers.set_excluded(ledger_path, shown, "spam") == shown
    after = readers.claims_readers(ledger_path, [claim])[0].aggregate
    assert (after.n, after.median, after.excluded) == (3, 0.4, 1)
    assert [b.excluded for b in readers.claim_ballots(ledger_path, claim) if b.reader == shown] == [True]
    readers.set_excluded(ledger_path, shown, "was fine", excluded=False)
    assert readers.claims_readers(ledger_path, [claim])[0].aggregate.n == 4
    with pytest.raises(identity.ReaderForecastError, match="no reader"):
        readers.set_excluded(ledger_path, "reader-0000000000", "spam")


# --- scores ------------------------------------------------------------------------------------------------


def test_baseline_scores_reproduce_metaculus_test_values() -> None:
    assert scores.baseline_score(0.9) == pytest.approx(84.79969066, abs=1e-8)
    assert scores.baseline_score(0.1) == pytest.approx(-232.19280949, abs=1e-8)
    assert scores.baseline_score(0.5) == pytest.approx(0.0, abs=1e-12)


def test_the_peer_score_matches_a_hand_computation() -> None:
    # p = 0.8 on what happened; the two others gave it 0.6 and 0.3:
    # 100·(ln 0.8 − (ln 0.6 + ln 0.3)/2) = 100·(−0.2231435513 + 0.8573992140) = 63.42556627
    assert scores.peer_score(0.8, [0.6, 0.3]) == pytest.approx(63.42556627, abs=1e-6)
    # the peer scores of a group sum to zero (Metaculus's property)
    group = [0.8, 0.6, 0.3, 0.45]
    total = sum(scores.peer_score(p, group[:i] + group[i + 1 :]) for i, p in enumerate(group))
    assert total == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError):
        scores.peer_score(0.5, [])


def resolved_crowd(path: Path, secret: bytes) -> tuple[dict[int, list[tuple[str, float]]], dict[int, float]]:
    """Three claims with readers, resolved true, false and partial (with partial credit) after they forecast."""
    rng = random.Random(7)
    names = [new_reader(secret) for _ in range(6)]
    crowds: dict[int, list[tuple[str, float]]] = {}
    outcomes: dict[int, float] = {}
    for i, (outcome, fraction) in enumerate([(Outcome.TRUE, None), (Outcome.FALSE, None), (Outcome.PARTIAL, 0.4)]):
        claim = ledger.add_claim(
            path,
            ClaimIn(
                statement=f"claim {i} the readers forecast",
                made_on=TODAY - timedelta(days=5),
                deadline=TODAY + timedelta(days=90),
                partial_credit=outcome is Outcome.PARTIAL,
            ),
            probability=0.3 + 0.2 * i,
            author_name="Pascal Coppens",
        )
        crowd = [(name, round(rng.uniform(0.05, 0.95), 2)) for name in names[: 3 + i]]
        for name, p in crowd:
            submit(path, claim, name, p)
        ledger.resolve(path, claim, ResolutionIn(outcome=outcome, resolved_on=TODAY, fraction=fraction))
        crowds[claim] = crowd
        outcomes[claim] = {Outcome.TRUE: 1.0, Outcome.FALSE: 0.0}.get(outcome, 0.4)
    return crowds, outcomes


def test_readers_median_is_scored_like_a_forecaster_against_an_independent_computation(
    ledger_path: Path, secret: bytes
) -> None:
    before = ledger.track_record(ledger_path)
    crowds, outcomes = resolved_crowd(ledger_path, secret)
    late = new_reader(secret)
    first = next(iter(crowds))
    with pytest.raises(identity.ReaderForecastError):  # resolved: refused
        submit(ledger_path, first, late, 0.99)
    record = scores.readers_record(ledger_path, TODAY)
    medians = {c: float(np.median([p for _, p in crowd])) for c, crowd in crowds.items()}
    p = np.array([medians[c] for c in crowds])
    o = np.array([outcomes[c] for c in crowds])
    assert record.score.n == 3
    assert record.score.brier == pytest.approx(float(np.mean((p - o) ** 2)))
    clipped = np.clip(p, 0.01, 0.99)
    assert record.score.log_score == pytest.approx(float(np.mean(o * np.log(clipped) + (1 - o) * np.log(1 - clipped))))
    by_claim = {c.claim_id: c for c in record.claims}
    for claim, crowd in crowds.items():
        row = by_claim[claim]
        assert row.readers == len(crowd) and row.readers_median == pytest.approx(medians[claim])
        assert row.author_probability is not None
        assert row.author_brier == pytest.approx((row.author_probability - outcomes[claim]) ** 2)
    # the readers never enter the author's own score: only the claims the author added did
    after = ledger.track_record(ledger_path)
    assert after.n == before.n + 3
    assert "Readers (median)" not in ledger.track_record(ledger_path, by="forecaster").by


def test_a_forecast_typed_after_the_first_resolution_never_counts(ledger_path: Path, secret: bytes) -> None:
    claim = open_claim(ledger_path)
    crowd = [new_reader(secret) for _ in range(3)]
    for name, p in zip(crowd, (0.2, 0.3, 0.4), strict=True):
        submit(ledger_path, claim, name, p)
    ledger.resolve(ledger_path, claim, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    ledger.undo_resolution(ledger_path, claim, "too early")
    submit(ledger_path, claim, crowd[0], 0.99)  # open again: taken, but after the first resolution
    ledger.resolve(ledger_path, claim, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    record = scores.readers_record(ledger_path, TODAY)
    assert [c.readers_median for c in record.claims] == [0.3]


def test_each_reader_sees_their_own_record(ledger_path: Path, secret: bytes) -> None:
    crowds, outcomes = resolved_crowd(ledger_path, secret)
    me = next(iter(crowds.values()))[0][0]
    errors, peers, baselines = [], [], []
    for claim, crowd in crowds.items():
        mine = dict(crowd).get(me)
        if mine is None:
            continue
        o = outcomes[claim]
        given = {name: math.exp(o * math.log(p) + (1 - o) * math.log(1 - p)) for name, p in crowd}
        errors.append((mine - o) ** 2)
        others = [v for name, v in given.items() if name != me]
        peers.append(100 * (math.log(given[me]) - sum(map(math.log, others)) / len(others)))
        baselines.append(100 * (math.log2(given[me]) + 1))
    record = scores.personal_record(ledger_path, me)
    assert record.n == len(errors) == 3
    # from the claims the reader's view lists and facts already at hand: the same record
    seen = readers.view(ledger_path, next(iter(crowds)), me, today=TODAY, enabled=True)
    assert seen.claims == tuple(sorted(crowds))
    facts = readers.claim_facts(ledger_path, list(crowds)[:1])
    assert scores.personal_record(ledger_path, me, claims=seen.claims, facts=facts) == record
    assert record.brier == pytest.approx(sum(errors) / len(errors))
    assert record.peer == pytest.approx(sum(peers) / len(peers))
    assert record.baseline == pytest.approx(sum(baselines) / len(baselines))
    assert scores.personal_record(ledger_path, new_reader(secret)).n == 0


def test_a_reader_of_open_claims_only_gets_an_empty_record_without_a_read(
    ledger_path: Path, secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim, settled = open_claim(ledger_path), open_claim(ledger_path, "settled")
    me = new_reader(secret)
    submit(ledger_path, claim, me, 0.4)
    for p in (0.2, 0.7):
        submit(ledger_path, settled, new_reader(secret), p)
    ledger.resolve(ledger_path, settled, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    seen = readers.view(ledger_path, claim, me, today=TODAY, enabled=True)
    assert seen.claims == (claim,)
    facts = readers.claim_facts(ledger_path, [claim])
    opened: list[Path] = []
    real = sql.reading
    monkeypatch.setattr(sql, "reading", lambda path: opened.append(path) or real(path))
    empty = scores.personal_record(ledger_path, me, claims=seen.claims, facts=facts)
    assert (empty.n, empty.brier, empty.peer, opened) == (0, None, None, [])
    assert scores.personal_record(ledger_path, me) == empty  # read in full: the same


# --- the CLI -----------------------------------------------------------------------------------------------


def test_cli_readers_shows_aggregates_only(
    ledger_path: Path, secret: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    claim, thin = open_claim(ledger_path), open_claim(ledger_path, "only two readers")
    names = [new_reader(secret) for _ in range(3)]
    for name, p in zip(names, (0.2, 0.7, 0.4), strict=True):
        submit(ledger_path, claim, name, p)
    for name in names[:2]:
        submit(ledger_path, thin, name, 0.5)
    assert cli.main(["readers", "--json"]) == 0
    rows = {row["claim_id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[claim]["readers"] == 3 and rows[claim]["median"] == 0.4 and rows[claim]["status"] == "open"
    assert rows[thin]["readers"] == 2 and rows[thin]["median"] is None
    assert cli.main(["readers", str(claim)]) == 0
    out = capsys.readouterr().out
    assert f"#{claim}" in out and "readers=3" in out and "median=40%" in out
    assert not any(name[:10] in json.dumps(rows) + out for name in names)  # never a pseudonym
    assert cli.main(["readers", "999"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: no claim with id 999"


def test_score_by_forecaster_includes_the_readers_median(
    ledger_path: Path, secret: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["score", "--by", "forecaster", "--json"]) == 0
    assert "Readers (median)" not in json.loads(capsys.readouterr().out)["by"]  # no reader yet
    resolved_crowd(ledger_path, secret)
    expected = scores.readers_record(ledger_path, TODAY).score
    assert cli.main(["score", "--by", "forecaster", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["by"]["Readers (median)"]["n"] == 3
    assert document["by"]["Readers (median)"]["brier"] == pytest.approx(expected.brier)
    assert document["n"] == ledger.track_record(ledger_path).n  # the overall line is the ledger's
    assert cli.main(["score", "--by", "forecaster", "--jsonl"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["group"] is None and "Readers (median)" in [line["group"] for line in lines[:-1]]
    assert cli.main(["score", "--by", "forecaster"]) == 0
    text = capsys.readouterr().out
    assert re.search(r"Readers \(median\)\s+n=3\s+Brier=" + re.escape(f"{expected.brier:.3f}"), text)


# --- backups and the static site ----------------------------------------------------------------------------


def test_backup_and_restore_carry_the_readers_forecasts(
    ledger_path: Path, secret: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = open_claim(ledger_path)
    for p in (0.2, 0.3, 0.4):
        submit(ledger_path, claim, new_reader(secret), p)
    assert cli.main(["backup", "-o", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.rstrip().endswith("tables, and 3 reader forecasts")
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["readers"]["row_counts"]["reader_forecasts"] == 3
    submit(ledger_path, claim, new_reader(secret), 0.9)  # after the backup
    assert cli.main(["restore", str(tmp_path / "b")]) == 0
    assert readers.claims_readers(ledger_path, [claim])[0].aggregate.n == 3
    kept = list(ledger_path.parent.glob(f"{sql.readers_file(ledger_path).name}.before-restore-*"))
    assert len(kept) == 1
    # a damaged readers' file is refused, the ledger and the readers' file as they were
    (tmp_path / "b" / "readers" / "reader_forecasts.parquet").write_bytes(b"not parquet")
    before = sql.readers_file(ledger_path).read_bytes()
    assert cli.main(["restore", str(tmp_path / "b")]) == 1
    assert "readers/reader_forecasts.parquet does not match its checksum" in capsys.readouterr().err
    assert sql.readers_file(ledger_path).read_bytes() == before


def test_the_static_site_shows_readers_only_on_resolved_claims(
    ledger_path: Path, secret: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_one, resolved = open_claim(ledger_path), open_claim(ledger_path, "settled already")
    for p in (0.2, 0.3, 0.8):
        submit(ledger_path, open_one, new_reader(secret), p)
        submit(ledger_path, resolved, new_reader(secret), p)
    ledger.resolve(ledger_path, resolved, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    monkeypatch.setenv("PREDICTIONS_DASHBOARD_URL", "https://live.example.org/")
    assert cli.main(["publish", "-o", str(tmp_path / "site"), "--no-cards"]) == 0
    open_page = (tmp_path / "site" / f"claim-{open_one}.html").read_text()
    resolved_page = (tmp_path / "site" / f"claim-{resolved}.html").read_text()
    assert "readers' median was <strong>30%</strong> (3 readers)" in resolved_page
    assert "median" not in open_page.split("<h2>Readers</h2>")[1].split("<h2>")[0]
    assert f'href="https://live.example.org/claim?claim={open_one}"' in open_page and "forecast it there" in open_page
    monkeypatch.delenv("PREDICTIONS_DASHBOARD_URL")
    assert cli.main(["publish", "-o", str(tmp_path / "site2"), "--no-cards"]) == 0
    assert "forecast it there" not in (tmp_path / "site2" / f"claim-{open_one}.html").read_text()
