"""Readers forecast too (issue 25) in the dashboard, under AppTest: the claim page's form and what it
shows before and after a forecast, the author workspace's Readers tab, and the Track record's readers.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from dashboard_fixtures import PASSWORD, Rich, app, figures, no_exception, rich_db, sign_in
from streamlit.testing.v1 import AppTest

from dashboard import reader_panel
from predictions import ledger
from predictions import reader_forecasts as readers
from predictions import reader_identity as identity
from predictions import reader_scores as scores
from predictions.models import ClaimIn, Outcome, ResolutionIn

TODAY = date.today()
__all__ = ["rich_db"]  # a fixture used by name below


def claim_page(claim_id: int, at: AppTest | None = None) -> AppTest:
    at = at or app()
    at.query_params["claim"] = str(claim_id)
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    return at


def crowd(path: Path, claim_id: int, probabilities: list[float]) -> list[str]:
    secret = identity.server_secret(path)
    names = []
    for p in probabilities:
        reader_id = identity.token_reader(identity.new_token(secret), secret)
        assert reader_id is not None
        name = identity.pseudonym(reader_id, secret)
        readers.submit(path, claim_id, name, p, address=None, limiter=identity.RateLimiter(10_000), today=TODAY)
        names.append(name)
    return names


def new_claim(path: Path, statement: str) -> int:
    return ledger.add_claim(
        path,
        ClaimIn(statement=statement, made_on=TODAY - timedelta(days=3), deadline=TODAY + timedelta(days=60)),
        probability=0.7,
        author_name="Pascal Coppens",
    )


def frame(at: AppTest, column: str) -> Any:
    """The table that has `column` (a dataframe's key is not in AppTest's tree)."""
    return next(f.value for f in at.dataframe if column in f.value.columns)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.fixture(autouse=True)
def _fresh_limiter() -> None:
    reader_panel._limiter.cache_clear()


def test_a_visitor_who_only_reads_leaves_no_secret_and_the_first_forecast_makes_it(rich_db: Rich) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Flying taxis carry paying passengers in Shenzhen")
    secret = identity.secret_file(path)
    at = claim_page(claim)
    claim_page(claim)  # a second visitor, and the Track record, read as well
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    assert not secret.exists()  # reading the pages wrote nothing beside the ledger
    at = claim_page(claim)
    at.slider(key="reader_probability").set_value(30)
    at.button(key="reader_submit").click().run()
    no_exception(at)
    assert secret.exists() and any("Your forecast of 30% is recorded." in s.value for s in at.success)


def test_an_open_claim_asks_and_shows_the_crowd_only_after_the_forecast(rich_db: Rich) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Robotaxis run in 100 Chinese cities")
    crowd(path, claim, [0.2, 0.8])
    at = claim_page(claim)
    assert at.slider(key="reader_probability").value == 50
    assert [b.label for b in at.button if b.key == "reader_submit"] == ["Submit my forecast"]
    assert "Readers' median" not in metrics(at) and "Readers" not in metrics(at)
    assert not [f for f in figures(at) if "readers" in str(f.get("data", ""))]
    assert any("stay hidden until you have made yours" in c.value for c in at.caption)
    assert any(c.value == reader_panel.STORED for c in at.caption)

    at.slider(key="reader_probability").set_value(30)
    at.button(key="reader_submit").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["Your forecast of 30% is recorded."]
    shown = metrics(at)
    assert shown["Readers' median"] == f"{float(np.median([0.2, 0.8, 0.3])):.0%}"
    assert shown["Readers"] == "3" and shown["You"] == "30%" and shown["Author"] == "70%"
    histogram = [f for f in figures(at) if f["data"] and f["data"][0].get("name") == "readers"]
    assert len(histogram) == 1 and sum(histogram[0]["data"][0]["y"]) == 3
    # the session's reader is the one stored: the library sees its forecast under its pseudonym
    token = at.session_state[reader_panel.TOKEN]
    secret = identity.server_secret(path)
    reader_id = identity.token_reader(token, secret)
    assert reader_id is not None
    mine = readers.view(path, claim, identity.pseudonym(reader_id, secret), today=TODAY, enabled=True)
    assert mine.own == 0.3
    # a change: one active forecast, the history kept
    at.slider(key="reader_probability").set_value(45)
    at.button(key="reader_submit").click().run()
    assert [s.value for s in at.success] == ["Your forecast changed from 30% to 45%."]
    assert metrics(at)["Readers"] == "3"
    assert any("(changed 1 time)" in m.value for m in at.markdown)


def test_with_fewer_than_three_readers_not_even_the_count_is_shown(rich_db: Rich) -> None:
    path, _ = rich_db
    claim = new_claim(path, "A claim with one other reader")
    crowd(path, claim, [0.9])
    at = claim_page(claim)
    at.slider(key="reader_probability").set_value(10)
    at.button(key="reader_submit").click().run()
    assert "Readers" not in metrics(at)
    assert any("appear once at least 3 readers have forecast" in c.value for c in at.caption)


def test_a_resolved_claim_takes_none_says_why_and_shows_readers_against_the_author(rich_db: Rich) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Settled with a crowd")
    crowd(path, claim, [0.6, 0.9, 0.8])
    ledger.resolve(path, claim, ResolutionIn(outcome=Outcome.TRUE, resolved_on=TODAY))
    at = claim_page(claim)  # a new browser that never forecast: resolved, so everything unhides
    assert not at.slider and any("was resolved" in i.value and "true" in i.value for i in at.info)
    assert metrics(at)["Readers' median"] == "80%"
    comparison = next(m.value for m in at.markdown if m.value.startswith("Resolved **true**"))
    assert "median of 3" in comparison and f"Brier {(0.8 - 1) ** 2:.3f}" in comparison
    assert f"Brier {(0.7 - 1) ** 2:.3f}" in comparison  # the author's 70%


def test_a_reader_past_the_rate_limit_is_asked_politely_to_wait(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = rich_db
    monkeypatch.setenv("PREDICTIONS_READER_RATE_PER_MINUTE", "2")
    claim = new_claim(path, "Rate limited")
    at = claim_page(claim)
    for value in (20, 30, 40):
        at.slider(key="reader_probability").set_value(value)
        at.button(key="reader_submit").click().run()
    assert any("please wait a minute" in w.value for w in at.warning)
    assert [b.probability for b in readers.claim_ballots(path, claim)] == [0.3]


def test_switched_off_everywhere_the_form_is_gone(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Switched off")
    monkeypatch.setenv("PREDICTIONS_READER_FORECASTS", "off")
    at = claim_page(claim)
    assert not at.slider and any("switched off" in i.value for i in at.info)


def workspace(monkeypatch: pytest.MonkeyPatch, claim: int) -> AppTest:
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    at = sign_in(app(), PASSWORD)
    at.switch_page("app_pages/author.py").run()
    at.selectbox(key="author_claim").select(claim).run()
    no_exception(at)
    assert "Readers" in [tab.label for tab in at.tabs]
    return at


def test_the_author_sees_each_claims_readers_excludes_a_pseudonym_and_closes_forecasts(
    rich_db: Rich, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Watched by the author")
    names = crowd(path, claim, [0.2, 0.4, 0.6, 0.99])
    at = workspace(monkeypatch, claim)
    table = frame(at, "open")
    row = table[table["claim"] == f"#{claim}"].iloc[0]
    assert row["readers"] == 4 and row["median"] == pytest.approx(0.5)
    ballots = frame(at, "pseudonym")
    assert sorted(ballots["pseudonym"]) == sorted(identity.short(n) for n in names)
    history = [f for f in figures(at) if f["data"] and f["data"][0].get("name") == "readers' median"]
    assert len(history) == 1 and history[0]["data"][0]["y"][-1] == pytest.approx(0.5)

    spam = identity.short(names[3])
    at.selectbox(key="readers_exclude_who").select(spam)
    at.text_input(key="readers_exclude_reason").input("ballot stuffing")
    next(b for b in at.button if b.label == "Exclude").click().run()
    no_exception(at)
    assert any(s.value == f"Excluded {spam}." for s in at.success)
    assert readers.claims_readers(path, [claim])[0].aggregate.median == 0.4

    at.text_input(key="readers_close_reason").input("enough")
    next(b for b in at.button if b.label == "Close here").click().run()
    with pytest.raises(identity.ReaderForecastError, match="closed reader forecasts here: enough"):
        readers.submit(path, claim, names[0], 0.5, address=None, limiter=identity.RateLimiter(10), today=TODAY)
    page = claim_page(claim)
    assert not page.slider and any("closed reader forecasts here" in i.value for i in page.info)


def test_the_track_record_scores_readers_median_beside_the_author(rich_db: Rich) -> None:
    path, _ = rich_db
    claim = new_claim(path, "Scored crowd")
    crowd(path, claim, [0.1, 0.3, 0.35])
    ledger.resolve(path, claim, ResolutionIn(outcome=Outcome.FALSE, resolved_on=TODAY))
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    assert any(s.value == scores.READERS_MEDIAN for s in at.subheader)
    assert metrics(at)["Brier (readers)"] == f"{0.3**2:.3f}"
    assert metrics(at)["Brier (author, same claims)"] == f"{0.7**2:.3f}"
    table = frame(at, "Brier (readers)")
    assert table["readers"].tolist() == [3] and table["readers' median"].tolist() == [pytest.approx(0.3)]


# --- the figures at a phone's width (the histogram's labels, the median's history within a day) -----------------


def test_the_histogram_is_labelled_at_its_edges_where_its_markers_sit() -> None:
    """Ten bin labels crowded a 390 px phone (plotly tilted them and dropped "91–99%"): the axis is labelled
    at the bins' edges, level, and a marker at p sits on the tick labelled p."""
    from dashboard.render import reader_charts

    counts = [1, 0, 2, 0, 3, 1, 0, 0, 0, 2]
    figure = reader_charts.readers_histogram_figure(counts, median=0.4, own=0.2, author=0.8)
    axis = figure.layout.xaxis
    ticks = dict(zip(axis.ticktext, axis.tickvals, strict=True))
    assert len(ticks) <= 6 and axis.tickangle == 0
    assert list(ticks) == [f"{p}%" for p in range(0, 101, 20)]
    assert axis.range[0] == ticks["0%"] and axis.range[1] == ticks["100%"]  # the axis spans 0-100 % exactly
    assert figure.layout.margin.r >= 20  # room for "100%" at the right edge, which plotly drops when clipped
    lines = {a.text.split()[0]: a.x for a in figure.layout.annotations}
    assert lines == {"median": ticks["40%"], "you": ticks["20%"], "author": ticks["80%"]}
    bars = figure.data[0]
    assert list(bars.y) == counts and bars.customdata[-1] == "91–99%"  # each bin's own label is in its hover


def test_readers_versus_author_has_room_for_its_last_label() -> None:
    from dashboard.render import reader_charts

    figure = reader_charts.readers_vs_author_figure([])
    assert list(figure.layout.xaxis.range) == [0, 1] and figure.layout.margin.r >= 20


def test_the_medians_history_within_one_day_shows_the_time_on_its_ticks() -> None:
    from datetime import datetime

    from dashboard.render import reader_charts

    at = datetime(2026, 12, 7, 9)
    history = [readers.HistoryPoint(at + timedelta(minutes=20 * i), 3 + i, 0.4 + 0.01 * i) for i in range(6)]
    figure = reader_charts.readers_median_history_figure(history, author=0.65)
    stops = figure.layout.xaxis.tickformatstops
    within_a_day = [s.value for s in stops if s.dtickrange[0] is None]
    longer = [s.value for s in stops if s.dtickrange[0] is not None]
    assert within_a_day and "%H:%M" in within_a_day[0] and "%b" in within_a_day[0] and "%H" not in longer[0]
    assert stops[0].dtickrange[1] == stops[1].dtickrange[0] == 86_400_000  # a day, in ms
