"""Every dashboard page under streamlit.testing.v1.AppTest with a seeded temporary database.

Checks that each page runs without an exception, shows its key elements, and sends Plotly specs
carrying the expected traces; deep links and URL filters; hostile text shown literally; an
archive-sized ledger. The author workspace is in test_author_page.py.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
from dashboard_fixtures import (
    APP,
    HOSTILE_QUOTE,
    HOSTILE_STATEMENT,
    Rich,
    app,
    archive_db,
    figures,
    metrics,
    names,
    no_exception,
    rich_db,
    seeded_db,
    shapes,
    title_of,
)
from streamlit.testing.v1 import AppTest

from dashboard.render import charts
from predictions import ledger

__all__ = ["archive_db", "rich_db", "seeded_db"]  # fixtures used by name below

# --- overview ------------------------------------------------------------------------------------


def test_overview_shows_headline_figures_charts_and_the_claims_table(rich_db: Rich) -> None:
    path, ids = rich_db
    at = app()
    no_exception(at)
    assert at.title[0].value == "Trend Prediction Tracker"
    views = ledger.list_claims(path)
    states = [v.status.state for v in views]
    author = ledger.track_record(path, attribution="author")
    assert metrics(at) == {
        "Claims": str(len(views)),
        "Open": str(states.count("open")),
        "Due within 90 days": "1",  # the hostile claim, due in 20 days
        "Overdue, unresolved": str(states.count("overdue")),
        "Resolved": str(states.count("resolved")),
        "Author's Brier score": f"{author.brier:.3f}",
    }
    timeline, progress = figures(at)
    assert title_of(timeline).startswith("Resolution timeline")
    for trace in timeline["data"]:
        assert trace["type"] == "bar"
        assert trace["marker"]["color"] == charts.STATUS_COLOURS[trace["name"]]
    assert "today" in shapes(timeline)
    assert title_of(progress) == "Progress of threshold claims toward their targets"
    assert any(name.startswith(f"#{ids['robotaxi-cities-2025']} ") for name in names(progress))
    assert {"target", "today"} <= set(shapes(progress))
    table = at.dataframe[0].value
    assert len(table) == len(views)
    assert table["claim"].iloc[0] == "/?claim=1"


def test_overview_filters_are_read_from_the_url(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app(topic="ai", status="overdue")
    no_exception(at)
    expected = [v for v in ledger.list_claims(path) if "ai" in v["tags"] and v.status.state == "overdue"]
    assert expected
    assert metrics(at)["Claims"] == str(len(expected))
    assert at.multiselect(key="overview_topic").value == ["ai"]
    assert len(at.dataframe[0].value) == len(expected)
    author = ledger.track_record(path, attribution="author")  # the headline Brier says it is not filtered
    assert metrics(at)["Author's Brier score"] == f"{author.brier:.3f}"
    assert any(f"not filtered: it covers all {author.n:,} scored forecasts" in c.value for c in at.caption)
    assert list(at.dataframe[0].proto.column_order)[:2] == ["statement", "probability"]  # first on a phone


def test_overview_filter_widgets_write_the_url_so_a_view_can_be_shared(rich_db: Rich) -> None:
    at = app()
    assert not at.multiselect and not at.date_input  # drawn once asked for: their code is ~0.4 MB to a browser
    at.button(key="overview_filters_show").click().run()
    assert [m.label for m in at.multiselect] == ["Topic", "Claimant", "Attribution", "Status", "Source issue"]
    assert [d.label for d in at.date_input] == ["Deadline from", "Deadline to"]
    at.multiselect(key="overview_topic").select("ai").run()
    at.multiselect(key="overview_status").select("overdue").run()
    assert at.query_params["topic"] == "ai"
    assert at.query_params["status"] == "overdue"
    shared = app(**{key: str(value) for key, value in at.query_params.items()})
    assert metrics(shared)["Claims"] == metrics(at)["Claims"]
    assert [m.value for m in shared.multiselect if m.value] == [["ai"], ["overdue"]]  # on show: the URL filters
    at.button(key="overview_clear").click().run()
    assert "topic" not in at.query_params and "status" not in at.query_params
    assert at.multiselect(key="overview_topic").value == []  # cleared, still on show for this reader


def test_overview_treats_odd_url_values_as_data(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app(status="overdue' OR '1'='1", topic="<script>", **{"from": "2025-99-99", "to": "2026-01-01; DROP"})
    no_exception(at)
    assert metrics(at)["Claims"] == str(len(ledger.list_claims(path)))
    assert at.multiselect(key="overview_status").value == []


def test_overview_with_a_narrow_filter_explains_an_empty_result(rich_db: Rich) -> None:
    at = app(**{"from": "2099-01-01"})
    no_exception(at)
    assert metrics(at)["Claims"] == "0"
    assert any("No claim matches" in info.value for info in at.info)


def test_a_write_elsewhere_shows_at_the_next_rerun(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app()
    before = int(metrics(at)["Claims"])
    ledger.seed_from_file(path, None)  # idempotent: no change
    at.run()
    assert int(metrics(at)["Claims"]) == before
    from predictions.models import ClaimIn

    ledger.add_claim(path, ClaimIn(statement="Written by the CLI meanwhile", made_on="2026-01-01"))
    at.run()
    assert int(metrics(at)["Claims"]) == before + 1


def test_missing_database_is_a_clear_message(db_path: Path) -> None:
    at = app()
    no_exception(at)
    assert "No database at" in at.error[0].value


# --- claim page ----------------------------------------------------------------------------------


def test_claim_deep_link_shows_the_claim_with_its_charts_and_evidence(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["robotaxi-cities-2025"]))
    no_exception(at)
    assert at.subheader[0].value == "Robotaxis operate in at least 65 Chinese cities in 2025\\."
    text = " ".join(m.value for m in at.markdown)
    assert "32,000 kilometers of test roads" in text
    assert "Pascal Coppens \\(author\\)" in text
    assert "2025\\-12\\-31 \\(year precision\\)" in text
    metric, confidence = figures(at)
    assert "observed against the target" in title_of(metric)
    assert names(metric)[0].startswith("target >= 65")
    assert {"observed", "projection", "95% band", "95% band (upper)"} <= set(names(metric))
    observed = metric["data"][names(metric).index("observed")]
    assert observed["y"] == [16, 22, 27]
    assert {"deadline", "today"} <= set(shapes(metric))
    assert title_of(confidence) == "Confidence history"
    assert confidence["data"][0]["y"][:2] == [75, 45]
    evidence = at.dataframe[0].value
    assert list(evidence["value"].dropna()) == ["27", "22", "16"]  # newest first
    assert evidence["source"].iloc[1].startswith("https://example.org/")


def test_claim_page_shows_the_public_link_to_share(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    _, ids = rich_db
    monkeypatch.setenv("PREDICTIONS_DASHBOARD_URL", "https://tracker.example.org/")
    at = app(claim=str(ids["robotaxi-cities-2025"]))
    link = f"https://tracker.example.org/?claim={ids['robotaxi-cities-2025']}"
    assert shared_links(at) == [link]  # a read-only field, its copy button beside it (test_dashboard_layout_browser)
    assert not at.code  # no st.code: its syntax highlighter is a 1.56 MB download for one line


def test_without_a_public_address_the_link_uses_the_port_the_dashboard_serves_on(
    rich_db: Rich, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, ids = rich_db
    monkeypatch.delenv("PREDICTIONS_DASHBOARD_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["url"] = f"http://127.0.0.1:8765/claim?claim={ids['robotaxi-cities-2025']}"
    at.query_params["claim"] = str(ids["robotaxi-cities-2025"])
    at.run()
    no_exception(at)
    assert shared_links(at) == [f"http://127.0.0.1:8765/?claim={ids['robotaxi-cities-2025']}"]


def shared_links(at: AppTest) -> list[str]:
    """The claim page's link to share: the value of the read-only field in its st.html element."""
    bodies = [element.proto.body for element in at.get("html") if 'data-testid="claim-share"' in element.proto.body]
    return [html.unescape(value) for body in bodies for value in re.findall(r'<input[^>]* value="([^"]*)"', body)]


def test_the_link_to_share_is_escaped_in_its_field(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    _, ids = rich_db
    monkeypatch.setenv("PREDICTIONS_DASHBOARD_URL", 'https://tracker.example.org/a"b<c>&d')
    at = app(claim=str(ids["robotaxi-cities-2025"]))
    no_exception(at)
    body = next(e.proto.body for e in at.get("html") if 'data-testid="claim-share"' in e.proto.body)
    assert '"b<c>' not in body and "&quot;b&lt;c&gt;&amp;d" in body  # an attribute value, never markup
    assert shared_links(at) == [f'https://tracker.example.org/a"b<c>&d/?claim={ids["robotaxi-cities-2025"]}']


def test_the_claim_page_opens_with_the_probability_the_outcome_and_why(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["china-economy-peak-2025"]))  # resolved false
    no_exception(at)
    assert at.metric[0].label == "Last confidence"
    last = at.metric[0].value
    assert last.endswith("%")
    p = int(last.rstrip("%")) / 100
    badge = next(m.value for m in at.markdown if m.value.startswith("Resolved false"))
    assert badge.startswith(f"Resolved false · last confidence {last}") and "Brier 0" in badge
    brier = float(badge.rsplit("Brier ", 1)[1].replace("\\", ""))
    assert abs(brier - p**2) < 0.006  # (p - 0)², rounded to three decimals
    assert at.caption[0].value  # the one-line reason comes right after the badge
    open_claim = app(claim=str(ids["robotaxi-cities-2025"]))
    assert open_claim.metric[0].label == "Current probability" and open_claim.metric[0].value == "45%"


def test_resolved_claim_shows_its_resolution(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["neo-bci-30-implantations-2025"]))
    no_exception(at)
    metric, confidence = figures(at)
    assert "resolution" in shapes(metric) and "resolution" in shapes(confidence)
    assert any("Resolution:" in m.value and "true on 2026\\-01\\-10" in m.value for m in at.markdown)


def test_claim_without_a_metric_or_evidence_explains_the_empty_parts(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["china-stimulus-recovery-2025"]))
    no_exception(at)
    assert len(figures(at)) == 1  # confidence only
    assert any("no metric to chart" in c.value for c in at.caption)
    assert any("No evidence recorded yet" in i.value for i in at.info)


@pytest.mark.parametrize("raw", ["9999", "abc", "0", "-1", "1 OR 1=1", "14; DROP TABLE claims; --", "<b>x</b>"])
def test_unknown_or_malformed_claim_ids_get_a_message_not_an_exception(rich_db: Rich, raw: str) -> None:
    path, _ = rich_db
    before = len(ledger.list_claims(path))
    at = app(claim=raw)
    no_exception(at)
    assert at.error[0].value.startswith("No claim with id ")
    assert "<b>" not in at.error[0].value
    assert at.get("page_link")
    assert len(ledger.list_claims(path)) == before


def test_hostile_text_is_shown_literally(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["hostile"]))
    no_exception(at)
    assert not any(element.proto.allow_html for element in at.markdown)  # raw HTML only in st.html:
    pills = [element.proto.body for element in at.get("html")]  # the status pill, made of fixed text
    assert pills and all("owned" not in body and "onerror" not in body for body in pills)
    heading = at.subheader[0].value
    assert "\\<script\\>" in heading and "\\[click me\\]\\(javascript" in heading
    quote = next(m.value for m in at.markdown if m.value.startswith("> "))
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>" in quote and "\\:red\\[red\\]" in quote
    for figure in figures(at):
        dumped = json.dumps(figure)
        assert "<script" not in dumped and "<img" not in dumped
    assert HOSTILE_STATEMENT and HOSTILE_QUOTE  # the fixture's texts, for the reader


def test_claim_page_without_an_id_offers_a_search(rich_db: Rich) -> None:
    at = app()
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    assert at.title[0].value == "Find a claim"
    at.text_input(key="claim_search").input("robotaxis 65").run()
    assert len(at.selectbox(key="claim_pick").options) == 1


# --- deadlines -----------------------------------------------------------------------------------


def test_deadlines_page_lists_what_is_due_without_the_reminder_bookkeeping(rich_db: Rich) -> None:
    path, ids = rich_db
    at = app()
    at.switch_page("app_pages/deadlines.py").run()
    no_exception(at)
    assert at.title[0].value == "Deadlines"
    overdue = [v for v in ledger.list_claims(path) if v.status.state == "overdue"]
    assert metrics(at) == {
        "Due within 30 days": "1",
        "Due within 90 days": "1",
        "Due within 365 days": "1",
        "Overdue, unresolved": str(len(overdue)),
    }
    upcoming, _, late, _ = (frame.value for frame in at.dataframe)  # each table, then its phone copy
    assert list(upcoming["claim"]) == [f"/?claim={ids['hostile']}"]
    assert list(upcoming["days left"]) == [20]
    assert list(upcoming["statement"]) == [HOSTILE_STATEMENT] and list(upcoming["probability"]) == [30]
    assert len(late) == len(overdue)
    assert list(late["deadline"]) == sorted(late["deadline"])
    assert (late["days overdue"] > 0).all()
    order = at.dataframe[0].proto.column_order
    assert list(order)[:2] == ["statement", "probability"] and "reminders" not in order
    assert not any("inbox" in s.value.lower() for s in at.subheader)
    assert not any("reminder" in c.value.lower() for c in at.caption)


def test_deadlines_horizon_is_kept_in_the_url(rich_db: Rich) -> None:
    at = app(within="365")
    at.switch_page("app_pages/deadlines.py").run()
    assert at.subheader[0].value == "Due within 365 days"
    at.button_group(key="deadlines_within").set_value("30").run()
    no_exception(at)
    assert at.subheader[0].value == "Due within 30 days"
    assert at.query_params["within"] == "30"
    at.button_group(key="deadlines_within").set_value("90").run()
    assert "within" not in at.query_params  # the default is not written


# --- track record --------------------------------------------------------------------------------


def test_track_record_page_scores_calibration_history_and_breakdowns(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    score = ledger.track_record(path, attribution="author")
    shown = metrics(at)
    assert shown["Scored forecasts"] == str(score.n) and shown["Brier score"] == f"{score.brier:.3f}"
    assert shown["Log score"] == f"{score.log_score:.3f}"
    titles = [title_of(f) for f in figures(at)]
    assert titles[:2] == ["Calibration (the author's own claims, unfolded)", "Brier score over time"]
    assert any(t.startswith("Brier score by claimant") for t in titles)
    assert any(t.startswith("Brier score by attribution") for t in titles)
    assert any(t.startswith("Brier score by topic") for t in titles)
    calibration = figures(at)[0]
    assert names(calibration) == ["perfect calibration", "observed frequency (95% interval)"]
    assert sum(int(t.removeprefix("n=")) for t in calibration["data"][1]["text"]) == sum(b.n for b in score.calibration)
    assert any("Ambiguous and open claims are never scored" in e.value for e in at.markdown)


def test_track_record_folded_view_and_scope_come_from_the_url(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app(calibration="folded", scope="all")
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    calibration = figures(at)[0]
    assert calibration["layout"]["xaxis"]["range"][0] == 50 - charts.CALIBRATION_PAD  # the folded view starts at 50%
    assert metrics(at)["Scored forecasts"] == str(ledger.track_record(path).n)


def test_forecaster_picker_lists_the_largest_first_and_searches(rich_db: Rich) -> None:
    path, _ = rich_db
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    picker = at.selectbox(key="track_forecaster")
    assert picker.options[0].startswith("Pascal Coppens (")
    assert picker.value is None  # nobody's record is read until asked for
    assert not any(title_of(f).startswith("Calibration of") for f in figures(at))
    picker.select_index(0).run()
    assert at.selectbox(key="track_forecaster").value == "Pascal Coppens"
    assert any(title_of(f).startswith("Calibration of Pascal Coppens") for f in figures(at))
    at.text_input(key="track_forecaster_search").input("neuracle").run()
    picker = at.selectbox(key="track_forecaster")
    assert [name for name, _ in ledger.forecasters(path, "neuracle")] == [picker.value]
    theirs = ledger.track_record(path, forecaster=picker.value)
    assert [m.value for m in at.metric if m.label == "Scored forecasts"][1] == str(theirs.n)
    assert any(title_of(f).startswith("Calibration of Neuracle") for f in figures(at))
    at.text_input(key="track_forecaster_search").input("Chinese government").run()
    assert at.selectbox(key="track_forecaster").value == "Chinese government"
    assert any("None of this forecaster's forecasts" in i.value for i in at.info)
    at.text_input(key="track_forecaster_search").input("nobody by that name").run()
    assert any("No forecaster matches" in i.value for i in at.info)


def test_track_record_with_nothing_resolved_says_so(seeded_db: Path) -> None:
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    assert any("Nothing resolved yet" in i.value for i in at.info)
    assert figures(at) == []  # no empty chart with a 2000-01-01 axis: a caption says why
    captions = [c.value for c in at.caption]
    assert "No calibration chart: no scored claim has reached its deadline yet." in captions
    assert "No Brier score over time: nothing is resolved and scored yet." in captions


def longest_trace(figure: dict[str, Any]) -> int:
    return max((len(trace.get("x") or trace.get("y") or []) for trace in figure["data"]), default=0)


def test_an_archive_with_thousands_of_forecasters_stays_light(archive_db: Path) -> None:
    at = app(scope="all")
    no_exception(at)
    timeline = figures(at)[0]
    assert sum(len(trace["y"]) for trace in timeline["data"]) == 60
    assert "60 of 3,000 claims" in title_of(timeline)
    assert len(at.dataframe[0].value) == 500
    assert any("first 500 of 3,000" in c.value for c in at.caption)
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    picker = at.selectbox(key="track_forecaster")
    assert len(picker.options) == 50
    counts = [int(option.rsplit("(", 1)[1].split()[0].replace(",", "")) for option in picker.options]
    assert counts == sorted(counts, reverse=True)
    for chart in at.get("plotly_chart"):
        assert len(chart.proto.spec) < 100_000
        assert longest_trace(json.loads(chart.proto.spec)) <= charts.MAX_LINE_POINTS
    history = next(f for f in figures(at) if title_of(f) == "Brier score over time")
    assert longest_trace(history) == charts.MAX_LINE_POINTS  # 2,000+ resolution dates, thinned
    by_claimant = next(f for f in figures(at) if title_of(f).startswith("Brier score by claimant"))
    assert "(15 largest of 1," in title_of(by_claimant)  # over a thousand claimants, 15 bars
    at.text_input(key="track_forecaster_search").input("user00").run()
    assert len(at.selectbox(key="track_forecaster").options) == 50
    at.text_input(key="track_forecaster_search").input("user2099").run()
    assert at.selectbox(key="track_forecaster").value == "user2099"
    no_exception(at)


@pytest.mark.parametrize(
    ("toml", "variable", "expected"),
    [
        ("author_name = [unclosed\n", None, "not valid TOML"),
        ("", ("PREDICTIONS_SMTP_SECURITY", "tls"), "smtp_security"),
    ],
)
def test_a_broken_setting_is_one_line_in_the_dashboard_not_a_traceback(
    toml: str,
    variable: tuple[str, str] | None,
    expected: str,
    seeded_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings_file = tmp_path / "predictions.toml"
    settings_file.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("PREDICTIONS_SETTINGS_FILE", str(settings_file))
    if variable is not None:
        monkeypatch.setenv(*variable)
    at = app()
    no_exception(at)
    assert [e.value for e in at.error] and expected in at.error[0].value
    assert "Traceback" not in at.error[0].value and len(at.error[0].value.splitlines()) == 1
    assert not at.title  # nothing else ran
