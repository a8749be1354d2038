"""Reminders against real local servers: aiosmtpd for e-mail, http.server for the webhook, real
`predictions remind once` processes on a real DuckDB file. The clock is injected (`--now`), never slept on.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path

import duckdb
import numpy as np
import pytest
from aiosmtpd.controller import Controller
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from local_http import Hook, webhook_receiver

from predictions import ical_feed as ical
from predictions import ledger, reminders
from predictions.models import ClaimIn, ResolutionIn
from predictions.settings import Settings

NOW = datetime(2026, 3, 1, 9, 0)
TODAY = NOW.date()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepted (optionally slowly)."""

    delay: float = 0.0
    messages: list[dict[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.delay:
            time.sleep(self.delay)  # blocks the server loop: the client stays mid-delivery
        parsed = message_from_bytes(envelope.content)
        self.messages.append({
            "message_id": str(parsed["Message-ID"]),
            "subject": str(parsed["Subject"]),
            "claim": str(parsed["X-Claim-Id"]),
            "step": str(parsed["X-Reminder-Step"]),
            "to": ",".join(envelope.rcpt_tos),
            "body": parsed.get_payload(decode=True).decode(),
        })  # fmt: skip
        return "250 Message accepted for delivery"

    def for_claim(self, claim_id: int) -> list[dict[str, str]]:
        return [m for m in self.messages if m["claim"] == str(claim_id)]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[list[Hook], str]]:
    with webhook_receiver("/hook/secret-token") as receiver:
        yield receiver


def add_claim(db: Path, statement: str, deadline: date | None, made_on: date = date(2025, 1, 1)) -> int:
    claim = ClaimIn(
        statement=statement, made_on=made_on, deadline=deadline, deadline_precision="day" if deadline else None
    )
    return ledger.add_claim(db, claim, probability=0.7, forecaster="author")


def remind_once(db: Path, now: datetime, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PREDICTIONS_DB": str(db), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "predictions.cli", "remind", "once", "--now", now.isoformat()],
        capture_output=True, text=True, env=full_env, timeout=120,
    )  # fmt: skip


def smtp_env(port: int) -> dict[str, str]:
    return {"PREDICTIONS_SMTP_HOST": "127.0.0.1", "PREDICTIONS_SMTP_PORT": str(port), "PREDICTIONS_SMTP_TO": "a@b.c"}


def reminder_table(db: Path) -> list[tuple[object, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("SELECT claim_id, step, channel, state FROM reminders ORDER BY ALL").fetchall()


# --- steps ----------------------------------------------------------------------------------------


def test_due_steps_before_on_and_after_the_deadline() -> None:
    deadline = date(2026, 6, 30)
    names = lambda today: [s.name for s in reminders.due_steps(deadline, date(2025, 1, 1), today, [30, 7, 1], 7)]  # noqa: E731
    assert names(deadline - timedelta(days=31)) == []
    assert names(deadline - timedelta(days=30)) == ["before-30"]
    assert names(deadline - timedelta(days=7)) == ["before-30", "before-7"]
    assert names(deadline) == ["before-30", "before-7", "before-1", "due"]
    assert names(deadline + timedelta(days=6))[-1] == "due"
    assert names(deadline + timedelta(days=14))[-2:] == ["overdue-1", "overdue-2"]


def test_claim_without_deadline_gets_a_monthly_nudge() -> None:
    steps = reminders.due_steps(None, date(2025, 1, 15), date(2025, 4, 2), [30, 7, 1], 7)
    assert [(s.name, s.due_on) for s in steps] == [
        ("checkable-2025-02", date(2025, 2, 1)),
        ("checkable-2025-03", date(2025, 3, 1)),
        ("checkable-2025-04", date(2025, 4, 1)),
    ]


def test_offsets_are_validated() -> None:
    assert reminders.parse_offsets("1, 30,7") == [30, 7, 1]
    for bad in ("", "7,x", "0,7", "-3"):
        with pytest.raises(ledger.LedgerError):
            reminders.parse_offsets(bad)


# --- e-mail ---------------------------------------------------------------------------------------


def test_claim_due_in_seven_days_gets_exactly_one_mail_over_two_runs(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    db = tmp_path / "ledger.duckdb"
    claim_id = add_claim(db, "Robotaxis operate in at least 65 cities.", TODAY + timedelta(days=7))
    first = remind_once(db, NOW, smtp_env(port))
    second = remind_once(db, NOW + timedelta(hours=1), smtp_env(port))
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    mails = mailbox.for_claim(claim_id)
    assert len(mails) == 1
    mail = mails[0]
    assert mail["step"] == "before-7"
    assert mail["message_id"] == f"<claim-{claim_id}.before-7.email@prediction-tracker>"
    assert "Robotaxis operate in at least 65 cities." in mail["body"]
    assert "7 days left" in mail["body"] and TODAY.isoformat() not in mail["subject"]
    assert f"/?claim={claim_id}" in mail["body"]
    assert "resolve" in mail["body"] and "update your confidence" in mail["body"]
    assert "1 sent" not in second.stdout and "0 sent" in second.stdout


def test_after_downtime_only_the_latest_step_is_sent(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    db = tmp_path / "ledger.duckdb"
    claim_id = add_claim(db, "A claim whose reminders were missed.", TODAY - timedelta(days=8))
    assert remind_once(db, NOW, smtp_env(port)).returncode == 0
    assert [m["step"] for m in mailbox.for_claim(claim_id)] == ["overdue-1"]
    states = {(step, state) for cid, step, channel, state in reminder_table(db) if channel == "email"}
    assert states == {("before-30", "skipped"), ("before-7", "skipped"), ("before-1", "skipped"),
                      ("due", "skipped"), ("overdue-1", "sent")}  # fmt: skip


def test_resolved_claim_gets_no_reminder(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    db = tmp_path / "ledger.duckdb"
    resolved = add_claim(db, "Settled early.", TODAY + timedelta(days=7))
    open_claim = add_claim(db, "Still open.", TODAY + timedelta(days=7))
    ledger.resolve(db, resolved, ResolutionIn(outcome="true", resolved_on=TODAY - timedelta(days=1)))
    assert remind_once(db, NOW, smtp_env(port)).returncode == 0
    assert mailbox.for_claim(resolved) == []
    assert len(mailbox.for_claim(open_claim)) == 1


def test_three_sweeps_at_once_send_each_step_once(tmp_path: Path, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    db = tmp_path / "ledger.duckdb"
    ids = [add_claim(db, f"Concurrent claim {i}.", TODAY + timedelta(days=1 + i)) for i in range(6)]
    env = {**os.environ, "PREDICTIONS_DB": str(db), **smtp_env(port)}
    command = [sys.executable, "-m", "predictions.cli", "remind", "once", "--now", NOW.isoformat()]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    steps = sorted((m["claim"], m["step"]) for m in mailbox.messages)
    assert len(steps) == len(set(steps)) == len(ids)
    assert "database busy" not in "".join(err for _, err in outputs)


def test_sweep_killed_mid_delivery_resends_only_what_is_missing(tmp_path: Path) -> None:
    mailbox = Mailbox(delay=0.4)
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        db = tmp_path / "ledger.duckdb"
        ids = [add_claim(db, f"Claim {i} due soon.", TODAY + timedelta(days=1 + i)) for i in range(6)]
        env = {**os.environ, "PREDICTIONS_DB": str(db), **smtp_env(port)}
        process = subprocess.Popen(
            [sys.executable, "-m", "predictions.cli", "remind", "once", "--now", NOW.isoformat()],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(mailbox.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        delivered_before = len(mailbox.messages)
        assert 2 <= delivered_before < len(ids)
        # Within the lease nobody takes the orphaned steps; after it, the restart sends what is missing.
        mailbox.delay = 0.0
        assert remind_once(db, NOW + timedelta(minutes=1), smtp_env(port)).returncode == 0
        assert len(mailbox.messages) <= delivered_before + 1  # at most the one that was in flight
        assert remind_once(db, NOW + reminders.LEASE + timedelta(minutes=1), smtp_env(port)).returncode == 0
    finally:
        controller.stop()
    by_id: dict[str, int] = {}
    for message in mailbox.messages:
        by_id[message["message_id"]] = by_id.get(message["message_id"], 0) + 1
    assert {int(m["claim"]) for m in mailbox.messages} == set(ids)
    assert set(by_id) == {f"<claim-{i}.before-{'1' if i == ids[0] else '7'}.email@prediction-tracker>" for i in ids}
    # Only the delivery in flight when the process died may arrive twice, with the same Message-ID.
    assert sum(1 for count in by_id.values() if count > 1) <= 1
    email_states = [state for _, _, channel, state in reminder_table(db) if channel == "email"]
    assert email_states.count("sent") == len(ids) and set(email_states) <= {"sent", "skipped"}


# --- webhook and failures -------------------------------------------------------------------------


def test_webhook_receives_json_with_slack_text(tmp_path: Path, webhook) -> None:  # type: ignore[no-untyped-def]
    received, url = webhook
    db = tmp_path / "ledger.duckdb"
    claim_id = add_claim(db, "The virtual hospital opens to the public.", TODAY + timedelta(days=30))
    result = remind_once(db, NOW, {"PREDICTIONS_WEBHOOK_URL": url, "PREDICTIONS_DASHBOARD_URL": "https://x.example"})
    assert result.returncode == 0, result.stderr
    assert len(received) == 1
    headers, payload = received[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == f"claim-{claim_id}.before-30.webhook@prediction-tracker"
    assert payload["claim_id"] == claim_id
    assert payload["statement"] == "The virtual hospital opens to the public."
    assert payload["deadline"] == (TODAY + timedelta(days=30)).isoformat()
    assert payload["step"] == "before-30" and payload["days_left"] == 30
    assert payload["status"] == "open"  # a binary claim with no evidence yet
    assert payload["url"] == f"https://x.example/?claim={claim_id}"
    assert isinstance(payload["text"], str) and "The virtual hospital" in payload["text"]


def test_failing_channel_is_retried_with_backoff_and_never_blocks_the_others(
    tmp_path: Path, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    db = tmp_path / "ledger.duckdb"
    claim_id = add_claim(db, "A claim with a broken webhook.", TODAY + timedelta(days=1))
    dead_url = f"http://127.0.0.1:{free_port()}/hook?token=hunter2"
    env = {**smtp_env(port), "PREDICTIONS_WEBHOOK_URL": dead_url}
    first = remind_once(db, NOW, env)
    assert first.returncode == 0
    assert len(mailbox.for_claim(claim_id)) == 1  # e-mail went out although the webhook failed
    inbox = {row["channel"]: row for row in reminders.inbox(db) if row["step"] == "before-1"}
    assert inbox["webhook"]["state"] == "failed" and inbox["webhook"]["attempts"] == 1
    assert "webhook POST to http://127.0.0.1 failed" in inbox["webhook"]["last_error"]
    assert "hunter2" not in inbox["webhook"]["last_error"] and "hunter2" not in first.stderr
    # Before the backoff has passed nothing is retried; after it, the same key is tried again.
    remind_once(db, NOW + timedelta(seconds=30), env)
    assert {r["channel"]: r["attempts"] for r in reminders.inbox(db) if r["step"] == "before-1"}["webhook"] == 1
    remind_once(db, NOW + reminders.backoff(1) + timedelta(seconds=1), env)
    assert {r["channel"]: r["attempts"] for r in reminders.inbox(db) if r["step"] == "before-1"}["webhook"] == 2
    assert len(mailbox.for_claim(claim_id)) == 1


def test_smtp_password_never_appears_in_errors(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    add_claim(db, "A claim for a server that is down.", TODAY + timedelta(days=1))
    env = {**smtp_env(free_port()), "PREDICTIONS_SMTP_USER": "me", "PREDICTIONS_SMTP_PASSWORD": "s3cret-pw"}
    result = remind_once(db, NOW, env)
    assert result.returncode == 0
    errors = [
        row["last_error"] for row in reminders.inbox(db) if row["channel"] == "email" and row["state"] == "failed"
    ]
    assert errors and "failed" in errors[0]
    assert "s3cret-pw" not in result.stdout + result.stderr + "".join(errors)


def test_smtp_host_without_recipient_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    add_claim(db, "Any claim at all.", TODAY + timedelta(days=1))
    result = remind_once(db, NOW, {"PREDICTIONS_SMTP_HOST": "127.0.0.1"})
    assert result.returncode == 1
    assert "PREDICTIONS_SMTP_TO" in result.stderr and "Traceback" not in result.stderr


def test_message_states_progress_toward_a_threshold_target(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    claim = ClaimIn(statement="At least 65 cities.", made_on=date(2025, 1, 1), deadline=TODAY + timedelta(days=7),
                    kind="threshold", metric="cities", unit="cities", target=65)  # fmt: skip
    claim_id = ledger.add_claim(db, claim, probability=0.75)
    from predictions.models import ObservationIn

    ledger.add_observation(db, claim_id, ObservationIn(observed_on=TODAY - timedelta(days=3), value=39))
    sent: list[reminders.Reminder] = []
    channel = reminders.Channel("console", lambda reminder, key: sent.append(reminder))
    reminders.sweep(Settings(db=db), now=NOW, channels=[channel])
    assert len(sent) == 1
    assert "latest value 39" in sent[0].body and "60% of the way" in sent[0].body and ">= 65 cities" in sent[0].body


def test_remind_run_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    add_claim(db, "A claim for the long-running process.", date.today() + timedelta(days=7))
    process = subprocess.Popen(
        [sys.executable, "-m", "predictions.cli", "remind", "run"],
        env={**os.environ, "PREDICTIONS_DB": str(db)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists() and any(row[3] == "sent" for row in _try_table(db)):
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "reminder sweep: 2 sent" in err
    assert "Traceback" not in err


def _try_table(db: Path) -> list[tuple[object, ...]]:
    try:
        return reminder_table(db)
    except duckdb.Error:
        return []


# --- calendar -------------------------------------------------------------------------------------


def test_calendar_feed_parses_back_with_stable_uids_and_alarms(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    ledger.seed_from_file(db)
    out = tmp_path / "deadlines.ics"
    result = subprocess.run(
        [sys.executable, "-m", "predictions.cli", "calendar", "-o", str(out), "--db", str(db)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    parsed = Calendar.from_ical(out.read_bytes())
    events = list(parsed.walk("VEVENT"))
    views = [v for v in ledger.list_claims(db) if v["deadline"] is not None]
    assert len(events) == len(views)
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == len(events)
    robotaxi = next(v for v in views if v["external_id"].endswith(":robotaxi-cities-2025"))
    event = by_uid[ical.event_uid(robotaxi)]
    assert event.decoded("DTSTART") == date(2025, 12, 31)
    assert event.decoded("DTEND") == date(2026, 1, 1)
    assert f"/?claim={robotaxi.id}" in str(event["DESCRIPTION"])
    triggers = sorted(alarm.decoded("TRIGGER") for alarm in event.walk("VALARM"))
    assert triggers == [timedelta(days=-30), timedelta(days=-7), timedelta(days=-1)]
    # Writing again gives the same UIDs: a calendar re-importing the feed updates, not duplicates.
    second = ical.build_calendar(ledger.list_claims(db), "http://localhost:8501", [30, 7, 1])
    assert {str(e["UID"]) for e in second.walk("VEVENT")} == set(by_uid)


@given(
    deadline=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2028, 12, 31))),
    made_on=st.dates(date(2019, 1, 1), date(2027, 12, 31)),
    today=st.dates(date(2019, 6, 1), date(2029, 6, 30)),
    handled=st.one_of(st.none(), st.dates(date(2019, 1, 1), date(2029, 12, 31))),
    offsets=st.lists(st.integers(1, 60), min_size=1, max_size=4, unique=True),
    every=st.integers(1, 30),
)
def test_latest_due_says_exactly_when_pending_steps_has_something(
    deadline: date | None, made_on: date, today: date, handled: date | None, offsets: list[int], every: int
) -> None:
    """The sweep asks pending_steps only about claims whose latest due step is after the one recorded."""
    offsets = sorted(offsets, reverse=True)
    latest = reminders.latest_due(np.array([deadline], "datetime64[D]"), np.array([made_on], "datetime64[D]"),
                                  today, offsets, every)[0]  # fmt: skip
    fresh = not np.isnat(latest) and (handled is None or latest > np.datetime64(handled, "D"))
    pending = reminders.pending_steps(deadline, made_on, today, offsets, every, handled)
    assert fresh == bool(pending)
    if pending:
        assert np.datetime64(pending[-1].due_on, "D") == latest


def test_pending_steps_agree_with_due_steps_and_collapse_long_runs() -> None:
    deadline = date(2026, 1, 10)
    offsets = [30, 7, 1]
    for days in range(-40, 120, 3):
        today = deadline + timedelta(days=days)
        every = reminders.due_steps(deadline, date(2025, 1, 1), today, offsets, 7)
        pending = reminders.pending_steps(deadline, date(2025, 1, 1), today, offsets, 7)
        assert [s.name for s in pending][-1:] == [s.name for s in every][-1:]
        named = [s.name for s in every if not s.name.startswith("overdue")]
        assert [s.name for s in pending if not s.name.startswith("overdue")] == named
        overdue = [s.name for s in every if s.name.startswith("overdue")]
        if len(overdue) > 2:
            assert pending[-2].name == f"overdue-1..{len(overdue) - 1}"
    # Years overdue is still three rows: the named steps, one collapsed run, the latest.
    long_ago = reminders.pending_steps(date(2016, 1, 1), date(2015, 1, 1), date(2026, 1, 1), offsets, 7)
    assert [s.name for s in long_ago] == ["before-30", "before-7", "before-1", "due", "overdue-1..520", "overdue-521"]
    # Once a step is recorded, only what came after it is pending.
    after = reminders.pending_steps(deadline, date(2025, 1, 1), deadline + timedelta(days=30), offsets, 7,
                                    handled_through=deadline + timedelta(days=14))  # fmt: skip
    assert [s.name for s in after] == ["overdue-3", "overdue-4"]
    assert reminders.pending_steps(deadline, date(2025, 1, 1), deadline + timedelta(days=30), offsets, 7,
                                   handled_through=deadline + timedelta(days=28)) == []  # fmt: skip


def test_reminders_write_numbers_as_people_do(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    claim = ClaimIn(statement="Five million cars.", made_on=date(2025, 1, 1), deadline=TODAY + timedelta(days=7),
                    kind="threshold", metric="cars sold", unit="cars", target=5_000_000)  # fmt: skip
    claim_id = ledger.add_claim(db, claim, probability=0.6)
    from predictions.models import ObservationIn

    ledger.add_observation(db, claim_id, ObservationIn(observed_on=TODAY - timedelta(days=3), value=1_250_000))
    sent: list[reminders.Reminder] = []
    channel = reminders.Channel("console", lambda reminder, key: sent.append(reminder))
    reminders.sweep(Settings(db=db), now=NOW, channels=[channel])
    assert "latest value 1,250,000" in sent[0].body and ">= 5,000,000 cars" in sent[0].body
    assert "e+0" not in sent[0].body


def test_calendar_alarms_say_one_day_and_resolved_claims_have_none(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    ledger.seed_from_file(db)
    views = [v for v in ledger.list_claims(db) if v["deadline"] is not None]
    done = next(v for v in views if v["external_id"].endswith(":robotaxi-cities-2025"))
    ledger.resolve(db, done.id, ResolutionIn(outcome="false", resolved_on=date(2026, 1, 5), note="22 cities"))
    feed = ical.build_calendar(ledger.list_claims(db), "http://localhost:8501", [30, 7, 1])
    events = {str(e["URL"]).rsplit("=", 1)[1]: e for e in feed.walk("VEVENT")}
    assert list(events[str(done.id)].walk("VALARM")) == []
    other = next(e for key, e in events.items() if key != str(done.id))
    descriptions = sorted(str(alarm["DESCRIPTION"]).split(":")[0] for alarm in other.walk("VALARM"))
    assert descriptions == ["1 day left", "30 days left", "7 days left"]


def test_a_large_backlog_of_steps_is_written_as_the_small_batches_are() -> None:
    """Over BULK_ROWS rows the steps go in as an Arrow table, below it as one JSON parameter: same rows."""
    from db import reminders as steps_sql
    from db.migrations import migrate

    now = datetime(2026, 12, 4, 12, 30, 15, 123456)
    rows = [
        {"claim_id": n, "step": f"overdue-{n % 7}", "channel": ("console", "inbox")[n % 2], "due_on": date(2026, 1, 1)
         + timedelta(days=n % 300), "state": "claimed", "idempotency_key": f"claim-{n}@x", "claimed_at": now,
         "claimed_by": "host:1", "subject": f"Subject ‘{n}’", "body": "line\nline" if n % 3 else None,
         "payload": json.dumps({"n": n})}
        for n in range(steps_sql.BULK_ROWS + 5)
    ]  # fmt: skip
    tables = []
    for batches in ([rows], [rows[i : i + 1000] for i in range(0, len(rows), 1000)]):
        con = duckdb.connect()
        migrate(con)
        inserted = [row for batch in batches for row in steps_sql.claim_steps(con, batch)]
        assert len(inserted) == len(rows)
        assert steps_sql.claim_steps(con, rows[:3]) == []  # already there: left alone
        tables.append(
            con.execute(f"SELECT {', '.join(steps_sql.REMINDER_FIELDS)} FROM reminders ORDER BY ALL").fetchall()
        )
    assert tables[0] == tables[1]
    assert tables[0][0][6] == now


def test_planning_claim_by_claim_makes_the_plans_that_the_arrays_make(tmp_path: Path) -> None:
    """A small ledger is planned from rows (plan_rows: no numpy), a large one from columns (plan): the
    seed, swept on days around its deadlines with some steps already recorded, gets the same plans both ways."""
    from db import reminders as steps_sql

    db = tmp_path / "ledger.duckdb"
    ledger.seed_from_file(db)
    settings = Settings(db=db)
    channels = ["console", "inbox"]
    days = [date(2025, 1, 20), date(2025, 12, 30), date(2026, 1, 2), date(2026, 6, 1), date(2027, 3, 15)]
    for n, today in enumerate(days):
        now = datetime.combine(today, datetime.min.time())
        horizon = today + timedelta(days=30)
        with ledger.reading(db) as con:
            by_columns = reminders.plan(steps_sql.open_claim_deadlines(con, horizon), steps_sql.handled_through(con),
                                        now, settings, channels)  # fmt: skip
            by_rows = reminders.plan_rows(steps_sql.open_claim_deadline_rows(con, horizon),
                                          steps_sql.handled_through_rows(con), now, settings, channels)  # fmt: skip
        assert by_rows == by_columns and by_rows
        if n % 2 == 0:  # every other day is swept, so the next one starts from recorded steps
            quiet = reminders.Channel("console", lambda reminder, key: None, external=False)
            reminders.sweep(settings, now=now, channels=[quiet, reminders.inbox_channel()])
    with ledger.reading(db) as con:  # and after a sweep on the same day: nothing new, both ways
        now = datetime.combine(days[-1], datetime.min.time())
        horizon = days[-1] + timedelta(days=30)
        assert reminders.plan_rows(steps_sql.open_claim_deadline_rows(con, horizon),
                                   steps_sql.handled_through_rows(con), now, settings, channels) == {}  # fmt: skip
        assert reminders.plan(steps_sql.open_claim_deadlines(con, horizon), steps_sql.handled_through(con), now,
                              settings, channels) == {}  # fmt: skip
