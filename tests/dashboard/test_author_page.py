"""The author workspace under AppTest: the sign-in gate (read-only without a password, a wrong password
refused, repeated failures slowed down, the password from secrets.toml) and every form, each write
visible on the reader pages afterwards, each invalid input reported line by line with nothing written.
"""

from __future__ import annotations

from datetime import date

import pytest
from dashboard_fixtures import APP, PASSWORD, Rich, app, author, figures, names, no_exception, rich_db, sign_in, tab
from streamlit.testing.v1 import AppTest

from dashboard import auth
from predictions import ledger

__all__ = ["author", "rich_db"]  # fixtures used by name below


# --- the author gate -----------------------------------------------------------------------------


def test_without_a_password_the_dashboard_is_read_only(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREDICTIONS_AUTHOR_PASSWORD", raising=False)
    at = app()
    no_exception(at)
    assert any("read-only" in c.value and "PREDICTIONS_AUTHOR_PASSWORD" in c.value for c in at.sidebar.caption)
    assert not at.sidebar.text_input
    at.switch_page("app_pages/author.py").run()  # a bookmark of /author: the page says how to enable it
    no_exception(at)
    assert at.title[0].value == "Author workspace"
    assert "PREDICTIONS_AUTHOR_PASSWORD" in at.info[0].value
    assert not at.text_input and not at.tabs


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(
    rich_db: Rich, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    # The server's clock stands still, so the third attempt comes within the 1 s delay however slow the machine
    # (in a run at load 18 the AppTest runs between took longer than that, and it was checked, not refused).
    monkeypatch.setattr(auth.attempt, "__defaults__", (lambda: 1_000.0,))
    at = sign_in(app(), "wrong")
    no_exception(at)
    assert [e.value for e in at.sidebar.error] == ["Wrong password."]
    at.switch_page("app_pages/author.py").run()  # signed out: the sign-in form, none of the workspace
    assert not at.tabs and at.text_input(key="author_signin_password")
    at.switch_page("app_pages/overview.py").run()
    at = sign_in(at, "still wrong")
    assert [e.value for e in at.sidebar.error] == ["Wrong password."]
    at = sign_in(at, PASSWORD)  # too early: refused without being checked
    assert at.sidebar.error[0].value.startswith("Too many wrong passwords: wait")
    assert auth.SIGNED_IN not in at.session_state or not at.session_state[auth.SIGNED_IN]
    auth.THROTTLE.next_attempt_at = 0.0  # as if the delay had passed
    at = sign_in(at, PASSWORD)
    assert at.session_state[auth.SIGNED_IN]


def test_the_throttle_is_one_per_server_not_per_session(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    # The server's clock stands still, so the new session comes within the 1 s delay however slow the machine
    # (on a loaded one its first run took longer than that, and it signed in): `attempt`'s injected clock.
    monkeypatch.setattr(auth.attempt, "__defaults__", (lambda: 1_000.0,))
    first = sign_in(sign_in(app(), "wrong"), "wrong again")
    assert [e.value for e in first.sidebar.error] == ["Wrong password."]
    other_tab = sign_in(AppTest.from_file(APP, default_timeout=60).run(), PASSWORD)  # a new session, same server
    assert other_tab.sidebar.error[0].value.startswith("Too many wrong passwords: wait")
    assert auth.SIGNED_IN not in other_tab.session_state


def test_a_bookmarked_author_page_signs_in_on_the_page(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    at = app()
    at.switch_page("app_pages/author.py").run()
    no_exception(at)
    assert at.title[0].value == "Author workspace"
    assert not at.sidebar.text_input  # the form is on the page, not twice
    at.text_input(key="author_signin_password").input(PASSWORD)
    at.button(key="author_signin_submit").click().run()
    no_exception(at)
    assert [t.label for t in at.tabs] == [
        "Verdicts", "Claims", "Add a claim", "Correct or withdraw", "New issue", "Evidence", "Record an observation",
        "Update confidence", "Resolve or undo", "Watched sources", "Import", "Scorecard", "Reminders",
        "Readers",
    ]  # fmt: skip
    at.sidebar.button(key="auth_sign_out").click().run()  # signing out is one click
    assert not at.tabs and at.text_input(key="author_signin_password")


def test_the_sign_in_token_survives_a_reload_until_sign_out_or_expiry() -> None:
    token = auth.issue_token("secret", now=1_000_000)
    assert "secret" not in token
    assert auth.token_valid(token, "secret", now=1_000_000 + 86_400)
    assert not auth.token_valid(token, "another password", now=1_000_001)
    assert not auth.token_valid(token, "secret", now=1_000_000 + (auth.TOKEN_DAYS + 1) * 86_400)
    assert not auth.token_valid(token[:-1] + ("0" if token[-1] != "0" else "1"), "secret", now=1_000_001)
    assert not auth.token_valid("", "secret") and not auth.token_valid("1.2", "secret")
    auth.THROTTLE.revoked.add(token)
    assert not auth.token_valid(token, "secret", now=1_000_001)


def test_delay_grows_exponentially_up_to_a_bound() -> None:
    assert [auth.delay_after(n) for n in range(0, 6)] == [0, 0, 1, 2, 4, 8]
    assert auth.delay_after(50) == auth.MAX_DELAY
    assert auth.password_matches("abc", "abc") and not auth.password_matches("abc", "abd")
    assert not auth.password_matches("", "abc")


def test_password_from_streamlit_secrets(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PREDICTIONS_AUTHOR_PASSWORD", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["author_password"] = "from secrets"
    at = sign_in(at.run(), "from secrets")
    no_exception(at)
    at.switch_page("app_pages/author.py").run()
    assert at.title[0].value == "Author workspace"


def test_an_observation_recorded_by_the_author_shows_on_the_claim_page(author: AppTest, rich_db: Rich) -> None:
    _, ids = rich_db
    robotaxi = ids["robotaxi-cities-2025"]
    at = author
    at.text_input(key="author_claim_search").input("robotaxis 65").run()
    at.selectbox(key="author_claim").select(robotaxi).run()
    at.date_input(key="author_obs_on").set_value("2025-11-30")
    at.number_input(key="author_obs_value").set_value(41)
    at.text_area(key="author_obs_note").input("Apollo Go <b>launch</b> in 14 more cities")
    at.button(key="author_obs_submit").click().run()
    no_exception(at)
    assert at.success[0].value == f"Recorded an observation on claim #{robotaxi}."
    at.query_params["claim"] = str(robotaxi)
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    metric = figures(at)[0]
    assert metric["data"][names(metric).index("observed")]["y"] == [16, 22, 27, 41]
    evidence = at.dataframe[0].value
    assert list(evidence["value"].dropna()) == ["41", "27", "22", "16"]  # newest first, as people write numbers
    assert evidence["note"].iloc[0] == "Apollo Go <b>launch</b> in 14 more cities"
    assert evidence["from"].iloc[0] == "recorded by the author"


def test_invalid_author_input_is_reported_line_by_line_and_nothing_is_written(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["robotaxi-cities-2025"]
    before = len(ledger.get_claim(path, claim_id).observations)
    at = author
    at.selectbox(key="author_claim").select(claim_id).run()
    at.button(key="author_obs_submit").click().run()  # neither a value nor a note
    no_exception(at)
    assert at.error[0].value == "Not saved:\n- an observation needs a value or a note"
    at.number_input(key="author_obs_value").set_value(3)
    at.text_input(key="author_obs_url").input("javascript:alert(1)")
    at.button(key="author_obs_submit").click().run()
    assert at.error[0].value == "Not saved:\n- source\\_url\\: must be an http\\:// or https\\:// URL"
    assert len(ledger.get_claim(path, claim_id).observations) == before


def test_the_author_adds_a_claim(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = author
    at.text_area(key="author_add_statement").input("Robotaxis operate in 100 Chinese cities by 2027.")
    at.text_area(key="author_add_quote").input("Robotaxis will likely reach 100 cities by 2027.")
    at.date_input(key="author_add_made").set_value("2026-01-31")
    at.date_input(key="author_add_deadline").set_value("2027-12-31")
    at.selectbox(key="author_add_precision").select("year")
    at.text_input(key="author_add_tags").input("mobility, AI")
    at.selectbox(key="author_add_kind").select("threshold")
    at.text_input(key="author_add_metric").input("cities with robotaxis")
    at.number_input(key="author_add_target").set_value(100)
    at.button(key="author_add_submit").click().run()
    no_exception(at)
    views = ledger.list_claims(path)
    assert len(views) == before + 1
    added = views[-1]
    assert at.success[0].value == f"Added claim #{added.id}."
    assert added["tags"] == ["mobility", "ai"] and added["target"] == 100 and added["probability"] is not None
    assert str(added["deadline"]) == "2027-12-31"


def test_the_author_rejects_a_threshold_claim_without_a_target(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = author
    at.text_area(key="author_add_statement").input("Something reaches some level.")
    at.selectbox(key="author_add_kind").select("threshold")
    at.button(key="author_add_submit").click().run()
    assert "a threshold claim needs metric and target" in at.error[0].value
    assert len(ledger.list_claims(path)) == before


def test_the_author_resolves_and_undoes(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["nqpf-kpis-2025"]
    at = author
    at.selectbox(key="author_claim").select(claim_id).run()
    at.selectbox(key="author_res_outcome").select("partial")
    at.number_input(key="author_res_fraction").set_value(0.95)
    at.date_input(key="author_res_on").set_value("2026-02-01")
    at.button(key="author_res_submit").click().run()
    no_exception(at)
    assert ledger.get_claim(path, claim_id).view.status.value == "resolved partial"
    at.button(key="author_undo_submit").click().run()
    no_exception(at)
    assert at.success[0].value == f"Undid the resolution partial of claim #{claim_id}."
    assert ledger.get_claim(path, claim_id).view.status.state == "overdue"
    at.button(key="author_undo_submit").click().run()
    assert "has no resolution to undo" in at.error[0].value


def test_the_author_updates_a_confidence(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["ehang-shenzhen-flying-taxis-2030"]
    at = author
    at.selectbox(key="author_claim").select(claim_id).run()
    at.number_input(key="author_fc_percent").set_value(20)
    at.text_area(key="author_fc_note").input("far behind")
    at.button(key="author_fc_submit").click().run()
    no_exception(at)
    latest = ledger.get_claim(path, claim_id).forecasts[-1]
    assert (latest["probability"], latest["basis"], latest["note"]) == (0.2, "updated", "far behind")


def test_the_author_gets_a_scorecard_to_paste(author: AppTest, rich_db: Rich) -> None:
    at = author
    at.date_input(key="author_card_since").set_value(date(2026, 1, 1)).run()
    no_exception(at)
    text = at.code[0].value
    assert "2026-01-01" in text and "Brier" in text
    at.selectbox(key="author_card_format").select("html").run()
    assert at.code[0].value.lstrip().startswith("<")


BAD_CSV = (
    "statement,probability,outcome,made_on,deadline,forecaster,tags\n"
    "Good row here,0.7,true,2024-01-01,2024-06-30,alice,ai\n"
    "Bad probability,1.7,,2024-01-01,2024-06-30,bob,\n"
    "Bad date,0.2,false,2024-13-01,2024-06-30,bob,\n"
)
GOOD_CSV = (
    "statement,probability,outcome,made_on,deadline,forecaster,tags\n"
    "Imported claim one,0.7,true,2024-01-01,2024-06-30,alice,ai\n"
    "Imported claim one,0.6,true,2024-01-01,2024-06-30,bob,ai\n"
    "Imported claim two,30%,false,2024-02-01,2024-12-31,alice,energy\n"
)


def test_the_author_imports_a_file_with_a_row_numbered_error_report(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = author
    at.file_uploader(key="author_upload").set_value(("forecasts.csv", BAD_CSV.encode(), "text/csv")).run()
    assert at.selectbox(key="author_import_format").value == "csv"
    at.button(key="author_import_submit").click().run()
    no_exception(at)
    assert at.error[0].value == "Nothing imported: 2 problem(s) in forecasts\\.csv."
    problems = list(next(d.value for d in at.dataframe if "problem" in d.value.columns)["problem"])
    assert problems[0].startswith("line 3: ") and problems[1].startswith("line 4: ")
    assert len(ledger.list_claims(path)) == before
    at.file_uploader(key="author_upload").set_value(("forecasts.csv", GOOD_CSV.encode(), "text/csv")).run()
    at.button(key="author_import_submit").click().run()
    no_exception(at)
    assert at.success[0].value.startswith("Imported forecasts\\.csv: 2 claims added (0 already there), 3 forecasts")
    assert len(ledger.list_claims(path)) == before + 2
    assert any(name == "alice" for name, _ in ledger.forecasters(path))


# --- the workspace does not fight back (issue 13, points 1, 2 and 4) ------------------------------


def test_a_save_keeps_its_tab_and_confirms_beside_its_button(author: AppTest, rich_db: Rich) -> None:
    _, ids = rich_db
    robotaxi = ids["ehang-shenzhen-flying-taxis-2030"]  # open until 2030: it takes forecasts
    at = author
    at.session_state["author_tab"] = "Evidence"  # as a click on the tab does
    at.session_state["author_evidence_tab"] = "Record an observation"  # and on the inner one
    at.selectbox(key="author_claim").select(robotaxi).run()
    at.number_input(key="author_obs_value").set_value(30)
    at.button(key="author_obs_submit").click().run()
    no_exception(at)
    assert (at.session_state["author_tab"], at.session_state["author_evidence_tab"]) == (
        "Evidence", "Record an observation",
    )  # fmt: skip
    observe = tab(at, "Record an observation")
    assert [s.value for s in observe.success] == [f"Recorded an observation on claim #{robotaxi}."]
    assert not tab(at, "Claims").success  # not at the top of the page, nor in another tab
    at.number_input(key="author_fc_percent").set_value(40)  # the next action: the tab is still the same
    at.button(key="author_fc_submit").click().run()
    assert (at.session_state["author_tab"], at.session_state["author_evidence_tab"]) == (
        "Evidence", "Record an observation",
    )  # fmt: skip
    assert [s.value for s in tab(at, "Update confidence").success] == [f"Recorded 40% on claim #{robotaxi}."]
    assert not tab(at, "Record an observation").success  # shown once


def test_a_saved_form_is_emptied_so_a_second_click_adds_nothing(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = author
    at.text_area(key="author_add_statement").input("Flying taxis carry paying passengers in Shenzhen by 2027.")
    at.date_input(key="author_add_made").set_value("2026-01-31")
    at.date_input(key="author_add_deadline").set_value("2027-12-31")
    at.button(key="author_add_submit").click().run()
    no_exception(at)
    assert len(ledger.list_claims(path)) == before + 1
    assert at.text_area(key="author_add_statement").value == ""
    assert at.date_input(key="author_add_deadline").value is None
    at.button(key="author_add_submit").click().run()  # the same click again
    assert len(ledger.list_claims(path)) == before + 1
    assert "statement" in tab(at, "Add a claim").error[0].value


def test_a_past_deadline_names_the_field_to_change(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = author
    at.text_area(key="author_add_statement").input("Hainan runs a duty-free robotaxi line in 2025.")
    at.date_input(key="author_add_deadline").set_value("2025-12-31")  # "made on" left at today
    at.button(key="author_add_submit").click().run()
    no_exception(at)
    message = at.error[0].value
    assert "the deadline 2025-12-31 is before “Made on (issue date)”" in message and "Set “Made on”" in message
    assert len(ledger.list_claims(path)) == before
    at.date_input(key="author_add_made").set_value("2024-12-31")  # precision left empty: day
    at.button(key="author_add_submit").click().run()
    assert not at.error, [e.value for e in at.error]
    added = ledger.list_claims(path)[-1]
    assert len(ledger.list_claims(path)) == before + 1
    assert str(added["deadline"]) == "2025-12-31" and added["deadline_precision"] == "day"


def test_the_reminder_state_and_inbox_are_in_the_author_workspace(author: AppTest, rich_db: Rich) -> None:
    from predictions import reminders
    from predictions.settings import load_settings

    path, ids = rich_db
    at = author
    panel = tab(at, "Reminders")
    assert any("No reminders sent yet" in i.value for i in panel.info)
    states = panel.dataframe[0].value
    assert f"/?claim={ids['hostile']}" in set(states["claim"])
    assert set(states["reminders"]) == {"no reminders sent yet"}
    assert reminders.sweep(load_settings(db=path), channels=[reminders.inbox_channel()]).sent
    at.run()
    no_exception(at)
    states, inbox = (frame.value for frame in tab(at, "Reminders").dataframe)
    hostile = states[states["claim"] == f"/?claim={ids['hostile']}"]
    assert hostile["reminders"].iloc[0].startswith("last sent: ")
    assert f"/?claim={ids['hostile']}" in set(inbox["claim"])
    assert set(inbox["channel"]) == {"inbox"} and set(inbox["state"]) <= {"sent", "skipped"}


def test_the_workspace_refuses_a_forecast_after_the_deadline_naming_it(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    robotaxi = ids["robotaxi-cities-2025"]  # deadline 2025-12-31, passed
    before = len(ledger.get_claim(path, robotaxi).forecasts)
    at = author
    at.session_state["author_tab"] = "Evidence"
    at.session_state["author_evidence_tab"] = "Update confidence"
    at.selectbox(key="author_claim").select(robotaxi).run()
    at.number_input(key="author_fc_percent").set_value(10)
    at.button(key="author_fc_submit").click().run()
    no_exception(at)
    assert any("deadline" in e.value and "has passed" in e.value for e in at.error), [e.value for e in at.error]
    assert len(ledger.get_claim(path, robotaxi).forecasts) == before


# --- the claim picker (issue 28, point 13) ---------------------------------------------------------


def test_a_search_that_finds_one_claim_chooses_it(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    robotaxi = ids["robotaxi-cities-2025"]
    at = author
    at.text_input(key="author_claim_search").input(str(robotaxi)).run()  # typed, then Enter
    no_exception(at)
    assert at.selectbox(key="author_claim").value == robotaxi
    assert any(f"claim #{robotaxi}" in str(link.proto.label) for link in at.get("page_link"))
    statement = ledger.get_claim(path, robotaxi).view["statement"]
    several = next(word for word in statement.split() if len(word) > 3).lower()
    at.text_input(key="author_claim_search").input("").run()
    at.selectbox(key="author_claim").set_value(None).run()
    at.text_input(key="author_claim_search").input(several).run()  # a word several claims hold: no choice made
    matches = list(at.selectbox(key="author_claim").options)
    assert len(matches) > 1 and at.selectbox(key="author_claim").value is None
    words = " ".join(statement.split()[:6])  # words only this claim holds
    at.text_input(key="author_claim_search").input(words).run()
    assert at.selectbox(key="author_claim").value == robotaxi
