"""Readers forecast too (issue 25) against the real dashboard server: ballot stuffing, the rate limit,
and readers submitting while the author resolves claims and the reminder process sweeps.

The readers here are websocket sessions (bench/streamlit_client.py): what a browser sends and receives,
without a browser per reader. Addresses: every test's sessions come from their own loopback address
(127.0.0.x), so one test's rate-limit window is not another's.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_server import Server, dashboard

from bench.streamlit_client import Session
from db import reader_forecasts as sql
from predictions import ledger
from predictions import reader_forecasts as readers
from predictions import reader_identity as identity
from predictions.models import ClaimIn, ObservationIn, Outcome, ResolutionIn

TODAY = date.today()
POLITE = "please wait a minute"
# How long a session waits for one page or submission to finish: 50 sessions share one server process on
# a loaded 2-core machine, so a run may queue behind all the others (120 s once was not enough at load 40).
ANSWER_SECONDS = 300


def new_claim(path: Path, statement: str, days: int = 120) -> int:
    return ledger.add_claim(
        path,
        ClaimIn(statement=statement, made_on=TODAY - timedelta(days=2), deadline=TODAY + timedelta(days=days)),
        probability=0.6,
        author_name="Pascal Coppens",
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    folder = tmp_path_factory.mktemp("readers-server")
    path = folder / "ledger.duckdb"
    ledger.ensure_database(path)
    with dashboard(path, folder) as server:
        yield server, path


def crowd(path: Path, claim_id: int, probabilities: list[float]) -> None:
    secret = identity.server_secret(path)
    for p in probabilities:
        reader_id = identity.token_reader(identity.new_token(secret), secret)
        assert reader_id is not None
        readers.submit(
            path, claim_id, identity.pseudonym(reader_id, secret), p, address=None, limiter=identity.RateLimiter(10**6)
        )


def stored(path: Path, claim_id: int) -> list[dict[str, Any]]:
    with sql.reading(sql.readers_file(path)) as con:
        return [] if con is None else sql.forecasts_of_claims(con, [claim_id])


def test_100_repeat_submissions_from_one_browser_leave_the_median_where_one_puts_it(
    served: tuple[Server, Path],
) -> None:
    server, path = served
    stuffed, once = new_claim(path, "stuffed by one browser"), new_claim(path, "one ballot from that browser")
    for claim in (stuffed, once):
        crowd(path, claim, [0.2, 0.4, 0.55, 0.6])
    with Session(server.url, source_address="127.0.0.11", timeout=ANSWER_SECONDS) as tab:
        page = tab.open("claim", f"claim={once}")
        assert tab.submit(page, {"reader_probability": 99}, "reader_submit").has("Your forecast of 99% is recorded.")
        cookie = f"tracker_reader={tab.token}"
    answers = []
    # the same browser, reloaded
    with Session(server.url, cookie=cookie, source_address="127.0.0.11", timeout=ANSWER_SECONDS) as tab:
        page = tab.open("claim", f"claim={stuffed}")
        for _ in range(100):
            page = tab.submit(page, {"reader_probability": 99}, "reader_submit")
            answers.append(page)
    recorded = [run for run in answers if run.has("Your forecast of 99% is recorded.")]
    kept = [run for run in answers if run.has("Your forecast stays at 99%.")]
    refused = [run for run in answers if run.has(POLITE)]
    assert len(recorded) == 1 and len(recorded) + len(kept) + len(refused) == 100 and refused
    a, b = (readers.claims_readers(path, [c])[0].aggregate for c in (stuffed, once))
    assert (a.n, a.median) == (b.n, b.median) == (5, 0.55)
    assert len({row["reader"] for row in stored(path, stuffed)}) == 5 and len(stored(path, stuffed)) == 5


def test_1000_submissions_from_50_cookieless_clients_are_refused_past_the_limit_and_the_author_writes_on(
    served: tuple[Server, Path],
) -> None:
    server, path = served
    target, author_claim = new_claim(path, "a bot's favourite claim"), new_claim(path, "the author's own work")
    per_minute = identity.RateLimiter(1).per_minute * 30  # the default setting
    author_errors: list[BaseException] = []
    author_writes = []
    others: list[str] = []  # answers that were neither taken nor refused: the failure's message shows them
    done = threading.Event()

    def author() -> None:  # the author keeps recording evidence the whole time
        day = TODAY - timedelta(days=1)
        while not done.is_set():
            try:
                author_writes.append(
                    ledger.add_observation(path, author_claim, ObservationIn(observed_on=day, note="still going"))
                )
            except BaseException as error:  # any failure is the test's finding
                author_errors.append(error)
            done.wait(0.2)

    def client(number: int) -> list[tuple[bool, bool]]:
        outcomes = []
        with Session(server.url, source_address="127.0.0.12", timeout=ANSWER_SECONDS) as tab:  # no cookie at all
            page = tab.open("claim", f"claim={target}")
            for i in range(20):
                value = 5 + (number * 20 + i) % 90  # each submission a change: an accepted one is stored
                page = tab.submit(page, {"reader_probability": value}, "reader_submit")
                accepted = page.has("Your forecast of") or page.has("Your forecast changed")
                outcomes.append((accepted, page.has(POLITE)))
                if not accepted and not page.has(POLITE):
                    others.append(" | ".join(page.texts)[:400])
        return outcomes

    writer = threading.Thread(target=author)
    writer.start()
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = [outcome for batch in pool.map(client, range(50)) for outcome in batch]
    finally:
        done.set()
        writer.join()
    minutes = (time.monotonic() - started) / 60
    accepted = sum(1 for ok, _ in results if ok)
    refused = sum(1 for _, polite in results if polite)
    assert len(results) == 1000 and accepted + refused == 1000, others
    # one address: at most the limit in any minute (the windows the run spanned, rounded up)
    assert 0 < accepted <= per_minute * (int(minutes) + 1)
    assert len(stored(path, target)) == accepted
    assert author_errors == [] and len(author_writes) >= 1
    assert len(ledger.get_claim(path, author_claim).observations) == len(author_writes)
    verification, _ = ledger.verify_record(path)
    assert verification.broken is None


def test_readers_submit_while_the_author_resolves_and_the_reminder_process_sweeps(
    served: tuple[Server, Path], tmp_path: Path
) -> None:
    server, path = served
    claims = [new_claim(path, f"busy claim {i}", days=3 + i) for i in range(6)]
    sweeps: list[subprocess.CompletedProcess[str]] = []
    author_errors: list[BaseException] = []

    def reader(number: int) -> list[tuple[int, int, bool]]:
        seen = []
        with Session(server.url, source_address=f"127.0.1.{number + 1}", timeout=ANSWER_SECONDS) as tab:
            for round_ in range(3):
                for claim in claims:
                    page = tab.open("claim", f"claim={claim}")
                    if "reader_submit" not in page.widgets:
                        seen.append((claim, -1, False))
                        continue
                    value = 10 + (number * 7 + round_ * 13 + claim) % 80
                    answer = tab.submit(page, {"reader_probability": value}, "reader_submit")
                    seen.append((claim, value, answer.has("Your forecast")))
        return seen

    def author() -> None:
        for claim in claims[::2]:
            try:
                ledger.resolve(path, claim, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
            except BaseException as error:  # any failure is the test's finding
                author_errors.append(error)

    def reminders() -> None:
        env = {"PREDICTIONS_DB": str(path), "PATH": "/usr/bin:/bin"}
        for _ in range(3):
            sweeps.append(
                subprocess.run(
                    [sys.executable, "-m", "predictions.cli", "remind", "once"],
                    capture_output=True,
                    text=True,
                    env=env,
                    timeout=300,
                )
            )

    side = [threading.Thread(target=author), threading.Thread(target=reminders)]
    for thread in side:
        thread.start()
    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = [item for batch in pool.map(reader, range(8)) for item in batch]
    for thread in side:
        thread.join()
    assert author_errors == []
    assert [s.returncode for s in sweeps] == [0, 0, 0], [s.stderr for s in sweeps]
    acknowledged = [(claim, value) for claim, value, ok in seen if ok]
    assert acknowledged
    rows = {(int(r["claim_id"]), round(100 * float(r["probability"]))) for c in claims for r in stored(path, c)}
    assert set(acknowledged) <= rows  # every acknowledged forecast is stored
    facts = readers.claim_facts(path, claims)
    for claim in claims[::2]:  # resolved mid-way: what was typed after the first resolution never counts
        fact = facts[claim]
        assert fact.first_resolved_at is not None
        counted = readers.active_forecasts(stored(path, claim), fact)
        late = [r for r in stored(path, claim) if r["made_at"] >= fact.first_resolved_at]
        assert all(readers.active_forecasts([r], fact) == {} for r in late)
        assert len(counted) <= 8
    verification, _ = ledger.verify_record(path)
    assert verification.broken is None
