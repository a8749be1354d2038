"""Reader pages as carefully made as the data (issue 28, points 4-12): words and numbers as people write
them, chart titles as headings, the phone's tables and evidence blocks, the Deadlines statement column.
The figures themselves are checked in test_charts.py; what a browser shows in test_layout_browser.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from dashboard_fixtures import (
    Rich,
    app,
    author,
    chart_headings,
    figures,
    metrics,
    no_exception,
    rich_db,
    seeded_db,
    title_of,
)
from ledger_snapshot import run_cli
from streamlit.testing.v1 import AppTest

from dashboard import ui
from predictions import ledger, words
from predictions.models import ClaimIn
from predictions.vocabulary import ClaimKind, Comparator

__all__ = ["author", "rich_db", "seeded_db"]  # fixtures used by name below


def statement_width(frame: Any) -> object:
    return json.loads(frame.proto.columns)["statement"]["width"]


def page_text(at: AppTest) -> list[str]:
    """Every line of text on the page a reader can read, in the order drawn."""
    kinds = ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title")
    return [str(element.value) for kind in kinds for element in at.get(kind)]


# --- one helper for counts, changes and scores (point 9) -------------------------------------------------


@pytest.mark.parametrize(
    ("n", "noun", "expected"),
    [(0, "forecast", "0 forecasts"), (1, "forecast", "1 forecast"), (2, "claim", "2 claims"),
     (1_000, "claim", "1,000 claims"), (1, "scored forecast", "1 scored forecast"), (3, "person", "3 persons")],
)  # fmt: skip
def test_counts_read_as_people_write_them(n: int, noun: str, expected: str) -> None:
    assert words.count(n, noun) == expected
    assert words.count(2, "person", "people") == "2 people"


def test_changes_and_scores_read_as_people_write_them() -> None:
    assert words.changes_text({"target": (200.0, 150.0)}) == "target 200 → 150"
    assert words.changes_text({"target": {"from": 65.0, "to": 12.5}, "deadline_precision": ("year", "month")}) == (
        "target 65 → 12.5, deadline precision year → month"
    )
    assert words.changes_text({"tags": (["ai"], ["ai", "policy"])}) == "tags ai → ai, policy"
    assert words.score(0.5625) == f"{0.5625:.{words.SCORE_DIGITS}f}" and words.score(None) == "–"
    assert ui.plain_value(150.0) == "150" and ui.plain_value(None) == "–"


def test_the_cli_prints_one_claim_and_amended_targets_as_people_write_them(seeded_db: Any) -> None:
    path = seeded_db
    claim = next(v for v in ledger.list_claims(path) if v["kind"] == "threshold")
    before = claim["target"]
    amended = run_cli(
        ["amend", str(claim["id"]), "--target", "150", "--reason", "the plan says 150", "--db", str(path)]
    )
    assert amended.code == 0, amended.err
    assert amended.out.strip() == f"amended claim {claim['id']}: target {words.value_text(before)} → 150"
    assert ".0 →" not in amended.out and "150.0" not in amended.out
    shown = run_cli(["show", str(claim["id"]), "--db", str(path)])
    assert f"target {words.value_text(before)} → 150 (the plan says 150)" in shown.out


def test_the_dashboard_and_the_cli_give_the_brier_score_to_the_same_digits(rich_db: Rich) -> None:
    path, _ = rich_db
    score = ledger.track_record(path)
    printed = run_cli(["score", "--db", str(path)])
    assert printed.code == 0, printed.err
    assert f"Brier={words.score(score.brier)} " in printed.out.splitlines()[0]
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    at.button_group(key="track_scope").set_value("all").run()
    no_exception(at)
    assert metrics(at)["Brier score"] == words.score(score.brier)


# --- plain words on reader pages (points 9, 10) ----------------------------------------------------------


def test_the_claim_page_counts_one_forecast_as_one_and_points_at_no_hidden_button(rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["nqpf-kpis-2025"]
    assert len(ledger.get_claim(path, claim_id).forecasts) == 1
    at = app(claim=str(claim_id))
    no_exception(at)
    assert [e.label for e in at.expander][:1] == ["Confidence history (1 forecast)"]
    text = " ".join(page_text(at))
    assert "copy button" not in text and "(1 forecasts)" not in text
    resolved = app(claim=str(ids["neo-bci-30-implantations-2025"]))
    assert "not undone" not in " ".join(page_text(resolved))
    reasons = [c.value.replace("\\", "") for c in resolved.caption]  # markdown escapes removed
    assert "The author resolved it true on 2026-01-10." in reasons


def test_the_track_record_says_plainly_which_forecasts_calibration_counts(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    score = ledger.track_record(path, attribution="author")
    counted = sum(b.n for b in score.calibration)
    assert "In calibration" not in metrics(at)
    assert metrics(at)["Past their deadline"] == f"{counted:,} of {score.n:,}"
    metric = next(m for m in at.metric if m.label == "Past their deadline")
    assert "calibration chart" in str(metric.proto.help)


def test_the_workspaces_corrections_name_its_own_field_and_print_the_change(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["nqpf-kpis-2025"]
    at = author
    at.session_state["author_tab"] = "Claims"
    at.session_state["author_claims_tab"] = "Correct or withdraw"
    at.selectbox(key="author_claim").select(claim_id).run()
    assert at.number_input(key=f"author_amend_target_{claim_id}").proto.format == "%g"  # 200, not 200.00
    at.button(key=f"author_withdraw_submit_{claim_id}").click().run()  # no reason
    no_exception(at)
    refused = " ".join(e.value for e in at.error)
    assert '"Reason (required)"' in refused and "--reason" not in refused
    assert ledger.get_claim(path, claim_id).withdrawal is None
    at.number_input(key=f"author_amend_target_{claim_id}").set_value(150)
    at.text_input(key=f"author_amend_reason_{claim_id}").input("the plan says 150")
    at.button(key=f"author_amend_submit_{claim_id}").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == [f"Amended claim #{claim_id}: target 200 → 150."]


# --- chart titles are headings (point 7) ----------------------------------------------------------------


def test_chart_titles_are_headings_above_the_charts_not_inside_them(rich_db: Rich) -> None:
    at = app()
    no_exception(at)
    headings = chart_headings(at)
    for figure in figures(at):
        assert title_of(figure) in headings  # title_of also checks that the figure draws no title
    assert "Progress of threshold claims toward their targets" in headings


# --- the phone (point 11) and the Deadlines page on a desktop (point 12) -----------------------------------


def test_the_overview_gives_a_phone_its_own_table_and_words_for_the_list_it_shows(rich_db: Rich) -> None:
    at = app()
    no_exception(at)
    wide, phone = ([f for f in at.dataframe if statement_width(f) == w] for w in ("large", ui.PHONE_STATEMENT_PX))
    assert len(wide) == len(phone) == 1
    assert list(phone[0].proto.column_order)[:2] == ["statement", "probability"]
    assert phone[0].value.equals(wide[0].value)
    captions = [c.value for c in at.caption]
    assert any(c.endswith("are not on the timeline.") for c in captions)  # beside the chart (wide screens)
    assert any(c.endswith("not in this list; the table below has every claim.") for c in captions)  # the phone's


def test_the_deadlines_statement_is_wide_on_a_desktop_and_narrow_beside_its_probability_on_a_phone(
    rich_db: Rich,
) -> None:
    at = app()
    at.switch_page("app_pages/deadlines.py").run()
    no_exception(at)
    widths = [statement_width(f) for f in at.dataframe]
    assert widths == ["large", ui.PHONE_STATEMENT_PX] * 2  # due soon, then overdue: each as wide and phone
    for frame in at.dataframe:
        assert list(frame.proto.column_order)[:2] == ["statement", "probability"]
    assert at.dataframe[0].value.equals(at.dataframe[1].value)


def test_the_phone_claim_page_shows_each_piece_of_evidence_as_a_short_block(rich_db: Rich) -> None:
    path, ids = rich_db
    claim_id = ids["robotaxi-cities-2025"]
    detail = ledger.get_claim(path, claim_id)
    at = app(claim=str(claim_id))
    no_exception(at)
    blocks = [c.value for c in at.caption if "source ↗" in c.value or c.value.endswith("no source link")]
    assert len(blocks) == len(detail.observations)
    linked = [o for o in detail.observations if o["source_url"]]
    assert sum("](https://" in b for b in blocks) == len(linked)
    newest = max(detail.observations, key=lambda o: (o["observed_on"], o["id"]))
    dates = [m.value for m in at.markdown if m.value.startswith(f"**{newest['observed_on'].isoformat()}**")]
    assert dates and "**27**" in dates[0]  # the date and the value, in bold


def test_an_empty_metric_chart_says_no_observations_once(rich_db: Rich) -> None:
    path, _ = rich_db
    today = date.today()
    empty = ledger.add_claim(
        path,
        ClaimIn(
            statement="Shenzhen opens 50 vertiports by 2030.",
            kind=ClaimKind.THRESHOLD,
            made_on=today - timedelta(days=30),
            deadline=date(today.year + 3, 12, 31),
            metric="vertiports",
            unit="vertiports",
            comparator=Comparator.AT_LEAST,
            target=50.0,
        ),
        probability=0.4,
    )
    at = app(claim=str(empty))
    no_exception(at)
    notes = [a["text"] for f in figures(at) for a in f["layout"].get("annotations", [])]
    said = [t for t in [*page_text(at), *notes] if "no observation" in t.lower()]
    assert said == ["No observations yet: the projection appears once a value is recorded."]
