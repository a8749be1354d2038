"""`make run` is quiet (issue 13, point 15): one line per reminder sweep, and the reminders' links use
PREDICTIONS_DASHBOARD_URL when set, else the port the dashboard serves on (point 11)."""

from __future__ import annotations

import pytest

from dashboard import serve


def test_a_sweep_is_one_line() -> None:
    line = "2026-12-04 17:59:50,1 INFO reminder sweep: 60 sent, 0 failed, 3 older steps skipped\n"
    assert serve.sweep_line(line) == "60 reminders sent"
    assert serve.sweep_line("reminder sweep: 1 sent, 2 failed, 0 older steps skipped") == (
        "1 reminder sent (2 failed, 0 older steps skipped)"
    )
    assert serve.sweep_line("--- reminder claim-2.overdue-48.console@prediction-tracker") is None


def test_a_watch_run_is_shown_only_when_it_found_something_or_failed() -> None:
    found = "2026-12-04 19:35:43,434 INFO watch 1 (claim #14): 1 new reading, 1 revised, 1 already recorded\n"
    assert serve.watch_line(found) == "watch 1 (claim #14): 1 new reading, 1 revised, 1 already recorded"
    assert serve.watch_line("x INFO watch 1 (claim #14): 0 new readings, 1 revised, 2 already recorded") is not None
    assert serve.watch_line("x WARNING watch 2 (claim #3): failed: HTTP 404") == "watch 2 (claim #3): failed: HTTP 404"
    assert serve.watch_line("x INFO watch 3 (claim #3): 2 new candidate notes") is not None
    assert serve.watch_line("x INFO watch 1 (claim #14): 0 new readings, 0 revised, 2 already recorded") is None
    assert serve.watch_line("x INFO watch 3 (claim #3): 0 new candidate notes") is None


def test_links_use_the_public_address_or_else_the_served_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREDICTIONS_DASHBOARD_URL", raising=False)
    assert serve.public_url("localhost", 8600) == "http://localhost:8600"
    monkeypatch.setenv("PREDICTIONS_DASHBOARD_URL", "https://tracker.example.org/")
    assert serve.public_url("localhost", 8600) == "https://tracker.example.org"
    assert "--logger.level" in serve.streamlit_command(8600)  # Streamlit's banner and info logs stay out
