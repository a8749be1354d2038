"""Figure builders in dashboard/render/charts.py: pure functions tested without a server."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard.render import charts
from predictions import trajectory
from predictions.progress import Status
from predictions.scoring import Score, ScorePoint, calibration, wilson_interval

TODAY = date(2026, 6, 1)
HOSTILE = '<script>alert("x")</script> <a href="javascript:alert(1)">click</a>'


def row(claim_id: int, status: str, made_on: str, deadline: str | None, statement: str = "A claim") -> dict[str, Any]:
    return {
        "id": claim_id,
        "statement": statement,
        "status": status,
        "made_on": made_on,
        "deadline": deadline,
        "deadline_precision": "year" if deadline else None,
    }


def threshold_claim(**overrides: Any) -> dict[str, Any]:
    claim = {
        "id": 7,
        "statement": "Robotaxis in 65 cities",
        "metric": "cities",
        "unit": "cities",
        "comparator": ">=",
        "target": 65.0,
        "baseline": None,
        "baseline_on": None,
        "made_on": date(2024, 12, 31),
        "deadline": date(2026, 12, 31),
    }
    claim.update(overrides)
    return claim


def observations(*points: tuple[date, float]) -> list[dict[str, Any]]:
    return [{"id": i, "observed_on": day, "value": value, "note": None} for i, (day, value) in enumerate(points)]


def spec(fig: go.Figure) -> dict[str, Any]:
    return json.loads(fig.to_json())


def trace_names(fig: go.Figure) -> list[str]:
    return [trace.name for trace in fig.data]


def shape_names(fig: go.Figure) -> list[str]:
    return [shape.name for shape in fig.layout.shapes]


def test_every_status_has_its_own_colour() -> None:
    assert set(charts.STATUS_COLOURS) == {status.value for status in Status}
    assert len(set(charts.STATUS_COLOURS.values())) == len(Status)
    assert charts.status_colour("no such status") == charts.MUTED


def test_plot_text_escapes_markup_and_shortens() -> None:
    assert charts.plot_text("<b>x</b> & y") == "&lt;b&gt;x&lt;/b&gt; &amp; y"
    assert charts.plot_text("a" * 50, 10) == "a" * 9 + "…"
    assert charts.plot_text(None) == ""


def test_timeline_has_one_bar_trace_per_status_in_its_colour_and_a_today_line() -> None:
    rows = [
        row(1, "awaiting verdict", "2024-12-31", "2025-12-31"),
        row(2, "on track", "2024-12-31", "2030-12-31"),
        row(3, "awaiting verdict", "2024-12-31", "2025-06-30"),
        row(4, "not checkable", "2024-12-31", None),
    ]
    fig = charts.timeline_figure(rows, TODAY)
    assert trace_names(fig) == ["on track", "awaiting verdict"]
    for trace in fig.data:
        assert trace.type == "bar" and trace.orientation == "h"
        assert trace.marker.color == charts.STATUS_COLOURS[trace.name]
    overdue = fig.data[1]
    assert list(overdue.base) == ["2024-12-31", "2024-12-31"]
    assert sorted(overdue.x) == [181 * 86_400_000, 365 * 86_400_000]
    assert "today" in shape_names(fig)
    assert "3 of 4 claims" in fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert fig.layout.xaxis.tickformat == "%Y-%m-%d"


def test_timeline_escapes_hostile_statements() -> None:
    fig = charts.timeline_figure([row(1, "awaiting verdict", "2024-12-31", "2025-12-31", HOSTILE)], TODAY)
    text = fig.to_json()
    assert "<script>" not in text and "<a href" not in text
    assert "&lt;script&gt;" in text


def test_timeline_keeps_the_deadlines_nearest_today_when_there_are_too_many() -> None:
    start = date(2020, 1, 1)
    rows = [
        row(i, "awaiting verdict", start.isoformat(), (TODAY + timedelta(days=10 * i - 500)).isoformat())
        for i in range(1, 101)
    ]
    fig = charts.timeline_figure(rows, TODAY, limit=20)
    shown = sum(len(trace.y) for trace in fig.data)
    assert shown == 20
    assert "20 of 100 claims" in fig.layout.title.text
    deadlines = [date.fromisoformat(str(r["deadline"])) for r in rows]
    nearest = sorted(deadlines, key=lambda d: abs((d - TODAY).days))[:20]
    assert max(abs((d - TODAY).days) for d in nearest) <= 100


def test_empty_timeline_explains_itself() -> None:
    fig = charts.timeline_figure([], TODAY)
    assert any("No claim" in a.text for a in fig.layout.annotations)


def test_progress_figure_has_a_line_projection_and_deadline_marker_per_claim() -> None:
    observed = trajectory.build(
        threshold_claim(),
        observations((date(2025, 3, 31), 16), (date(2025, 9, 30), 27), (date(2026, 3, 31), 40)),
        "behind",
    )
    waiting = trajectory.build(threshold_claim(id=8), [], "no data")
    fig = charts.progress_figure([observed, waiting], TODAY)
    names = trace_names(fig)
    assert names[0].startswith("#7 ") and names[1].endswith("(projection)")
    assert len(names) == 2  # nothing for the claim without observations
    line = fig.data[0]
    assert list(line.y) == pytest.approx([100 * 16 / 65, 100 * 27 / 65, 100 * 40 / 65])
    assert line.line.color == charts.CLAIM_COLOURS[0] and line.name.endswith("<br>behind")
    projection = fig.data[1]  # ends in the deadline marker, the only point drawn with a size
    assert projection.x[-1] == "2026-12-31"
    assert projection.y[-1] == pytest.approx(observed.projection[-1].percent)
    assert list(projection.marker.size) == [0] * (len(projection.x) - 1) + [12]
    assert projection.customdata[-1] == "deadline, projected"
    assert {"target", "today"} <= set(shape_names(fig))


def test_progress_figure_without_observations_says_so() -> None:
    fig = charts.progress_figure([trajectory.build(threshold_claim(), [], "no data")], TODAY)
    assert list(fig.data) == []
    assert any("No threshold claim" in a.text for a in fig.layout.annotations)


def test_claim_metric_figure_shows_observations_target_projection_band_and_deadline() -> None:
    t = trajectory.build(
        threshold_claim(baseline=5.0, baseline_on=date(2024, 12, 31)),
        observations((date(2025, 3, 31), 16), (date(2025, 6, 30), 22), (date(2025, 9, 30), 27)),
        "behind",
    )
    fig = charts.claim_metric_figure(t, TODAY)
    names = trace_names(fig)
    assert names[0].startswith("target >= 65")
    assert {"baseline", "95% band (upper)", "95% band", "projection", "observed"} <= set(names)
    observed = fig.data[names.index("observed")]
    assert list(observed.y) == [16, 22, 27]
    projection = fig.data[names.index("projection")]
    assert projection.x[0] == "2025-09-30" and projection.x[-1] == "2026-12-31"
    band = fig.data[names.index("95% band")]
    upper = fig.data[names.index("95% band (upper)")]
    assert all(lo < hi for lo, hi in zip(band.y, upper.y, strict=True))
    assert band.fill == "tonexty"
    assert {"deadline", "today"} <= set(shape_names(fig))
    assert "resolution" not in shape_names(fig)


def test_claim_metric_figure_marks_the_resolution() -> None:
    t = trajectory.build(threshold_claim(), observations((date(2025, 3, 31), 70)), "resolved true")
    fig = charts.claim_metric_figure(t, TODAY, {"outcome": "true", "resolved_on": date(2026, 1, 5)}, "resolved true")
    shape = next(s for s in fig.layout.shapes if s.name == "resolution")
    assert shape.x0 == "2026-01-05"
    assert shape.line.color == charts.STATUS_COLOURS["resolved true"]
    assert any("resolved true 2026-01-05" in a.text for a in fig.layout.annotations)


def test_claim_metric_figure_without_observations_still_shows_target_and_deadline() -> None:
    fig = charts.claim_metric_figure(trajectory.build(threshold_claim(), [], "no data"), TODAY)
    assert trace_names(fig)[0].startswith("target")
    assert "deadline" in shape_names(fig)
    assert any("No observations yet" in a.text for a in fig.layout.annotations)


def test_confidence_figure_steps_through_each_forecasters_history_until_today() -> None:
    forecasts = [
        {"forecaster": "Pascal", "probability": 0.7, "made_at": datetime(2025, 1, 1), "basis": "verbal", "note": None},
        {
            "forecaster": "Pascal",
            "probability": 0.4,
            "made_at": datetime(2025, 7, 1),
            "basis": "updated",
            "note": HOSTILE,
        },
        {"forecaster": "eHang", "probability": 0.9, "made_at": datetime(2025, 2, 1), "basis": "stated", "note": None},
    ]
    fig = charts.confidence_figure(forecasts, TODAY, deadline=date(2026, 12, 31))
    assert trace_names(fig) == ["Pascal", "eHang"]
    pascal = fig.data[0]
    assert pascal.line.shape == "hv"
    assert list(pascal.y) == [70, 40, 40]
    assert pascal.x[-1] == TODAY.isoformat()
    assert "<script>" not in fig.to_json()
    assert "deadline" in shape_names(fig)


def test_calibration_figure_uses_wilson_intervals_and_skips_empty_bins() -> None:
    p = np.array([0.15, 0.15, 0.15, 0.75, 0.75, 0.75, 0.75])
    o = np.array([0, 0, 1, 1, 1, 1, 0])
    bins = calibration(p, o)
    fig = charts.calibration_figure(bins, folded=False, title="Calibration")
    assert trace_names(fig) == ["perfect calibration", "observed frequency (95% interval)"]
    points = fig.data[1]
    assert list(points.x) == pytest.approx([15, 75])
    assert list(points.y) == pytest.approx([100 / 3, 75])
    low, high = wilson_interval(3, 4) or (0, 0)
    assert points.error_y.array[1] == pytest.approx(100 * (high - 0.75))
    assert points.error_y.arrayminus[1] == pytest.approx(100 * (0.75 - low))
    assert list(points.text) == ["n=3", "n=4"]
    assert fig.layout.title.text == "Calibration"


def test_folded_calibration_spans_fifty_to_a_hundred() -> None:
    bins = calibration(np.array([0.2, 0.8]), np.array([0, 1]), folded=True)
    fig = charts.calibration_figure(bins, folded=True)
    assert fig.layout.xaxis.range[0] == 50 - charts.CALIBRATION_PAD
    assert list(fig.data[1].x) == pytest.approx([80])
    assert "folded" in fig.layout.xaxis.title.text


def test_calibration_figure_with_nothing_resolved_explains_itself() -> None:
    fig = charts.calibration_figure(calibration(np.array([]), np.array([])), folded=False)
    assert len(fig.data) == 1
    assert any("Nothing resolved" in a.text for a in fig.layout.annotations)


def test_score_history_is_thinned_for_the_browser() -> None:
    start = date(2010, 1, 1)
    points = [ScorePoint(start + timedelta(days=i), i + 1, 0.2) for i in range(20_000)]
    fig = charts.score_history_figure(points)
    line = fig.data[0]
    assert len(line.x) == charts.MAX_LINE_POINTS
    assert line.x[0] == start.isoformat() and line.x[-1] == points[-1].resolved_on.isoformat()
    assert line.customdata[-1][0] == 20_000
    assert len(json.dumps(spec(fig))) < 200_000


def test_score_history_with_nothing_resolved_explains_itself() -> None:
    fig = charts.score_history_figure([])
    assert list(fig.data) == []
    assert any("Nothing resolved" in a.text for a in fig.layout.annotations)


def test_breakdown_figure_shows_the_largest_groups_only() -> None:
    by = {f"forecaster {i}": Score(n=100 - i, brier=0.01 * i, log_score=-0.1, calibration=[]) for i in range(40)}
    fig = charts.breakdown_figure(by, "claimant", limit=15)
    bars = fig.data[0]
    assert len(bars.y) == 15
    assert bars.y[-1] == "forecaster 0"  # the largest at the top
    assert "15 largest of 40" in fig.layout.title.text.replace("<br>", " ")


def test_thin_keeps_short_series_whole() -> None:
    assert charts.thin([1, 2, 3], 10) == [1, 2, 3]
    assert charts.thin(list(range(1000)), 5) == [0, 250, 500, 749, 999]


# --- charts people can read (issue 13, point 8) ---------------------------------------------------


def label_boxes(fig: go.Figure) -> list[tuple[str, str, float]]:
    """(x, text, yshift) of the labels of the vertical reference lines (deadline, today, resolution)."""
    return [(a.x, a.text, a.yshift or 0) for a in fig.layout.annotations if str(a.name or "").startswith("vline:")]


def test_reference_line_labels_never_overlap_even_on_the_same_day() -> None:
    t = trajectory.build(threshold_claim(deadline=TODAY), observations((date(2025, 3, 31), 40)), "resolved false")
    fig = charts.claim_metric_figure(t, TODAY, {"outcome": "false", "resolved_on": TODAY}, "resolved false")
    labels = label_boxes(fig)
    assert [text.split()[0] for _, text, _ in labels] == ["deadline", "today", "resolved"]
    assert {x for x, _, _ in labels} == {TODAY.isoformat()}  # three lines on one day ...
    shifts = sorted(shift for _, _, shift in labels)
    assert all(b - a >= charts.LABEL_ROW_PX for a, b in itertools.pairwise(shifts))  # ... three rows


def test_a_one_point_chart_spans_whole_days_so_no_date_tick_repeats() -> None:
    one = [{"forecaster": "Pascal", "probability": 0.6, "made_at": datetime(2026, 6, 1, 9), "basis": "x", "note": None}]
    fig = charts.confidence_figure(one, TODAY)  # made today: one point, nothing until today
    low, high = (date.fromisoformat(str(v)[:10]) for v in fig.layout.xaxis.range)
    assert (high - low).days >= charts.MIN_DATE_SPAN_DAYS
    history = charts.score_history_figure([ScorePoint(date(2026, 1, 5), 1, 0.36)])
    low, high = (date.fromisoformat(str(v)[:10]) for v in history.layout.xaxis.range)
    assert (high - low).days >= charts.MIN_DATE_SPAN_DAYS
    wide = charts.confidence_figure([{**one[0], "made_at": datetime(2024, 1, 1)}], TODAY)
    assert wide.layout.xaxis.range is None  # a long history keeps plotly's own range


def test_brier_axes_run_from_zero_to_one() -> None:
    history = charts.score_history_figure([ScorePoint(date(2026, 1, 5), 1, 0.04), ScorePoint(date(2026, 3, 5), 2, 0.1)])
    assert list(history.layout.yaxis.range) == [0, 1]
    by = {"Pascal": Score(n=3, brier=0.2, log_score=-0.6, calibration=[])}
    assert list(charts.breakdown_figure(by, "claimant").layout.xaxis.range) == [0, 1]


def test_long_titles_wrap_to_fit_a_phone_and_todays_label_stays_inside_the_plot() -> None:
    t = trajectory.build(
        threshold_claim(metric="Chinese cities with robotaxis in commercial or public operation"),
        observations((date(2025, 3, 31), 16)),
        "behind",
    )
    fig = charts.claim_metric_figure(t, TODAY)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) > 1 and all(len(line) <= charts.TITLE_LINE_CHARS for line in lines)
    assert (
        " ".join(lines)
        == "Chinese cities with robotaxis in commercial or public operation: observed against the target"
    )
    assert fig.layout.margin.t > 70  # room for the second line
    today = next(a for a in fig.layout.annotations if a.name == "vline:today")
    assert today.xanchor == "right"  # written to the left of its line, never past the right edge
    assert charts.wrap_title("Confidence history") == "Confidence history"


def test_large_targets_read_as_people_write_them() -> None:
    t = trajectory.build(
        threshold_claim(target=5_000_000.0, unit="cars"), observations((date(2025, 3, 31), 1_250_000)), "behind"
    )
    fig = charts.claim_metric_figure(t, TODAY)
    assert fig.data[0].name == "target >= 5,000,000 cars"
    text = fig.to_json()
    assert "e+0" not in fig.data[0].name and ",.6g" not in text and "~g" not in text
    assert all(",.6~r" in str(trace.hovertemplate) for trace in fig.data if trace.hovertemplate)
    assert fig.layout.yaxis.tickformat == ",~r"  # 1,000,000 on the axis, not 1M or 1e+6


# --- the dashboard's figures are made unvalidated, with the default template: equal to validated ones ------


def _forecasts() -> list[dict[str, Any]]:
    return [
        {"forecaster": name, "probability": p, "made_at": datetime(2025, month, 1), "basis": "verbal", "note": None}
        for name, p, month in (("Pascal", 0.7, 1), ("Pascal", 0.4, 7), ("Reader", 0.55, 3))
    ]


def _every_figure() -> dict[str, go.Figure]:
    t = trajectory.build(
        threshold_claim(baseline=5.0, baseline_on=date(2024, 12, 31)),
        observations((date(2025, 3, 31), 16), (date(2025, 6, 30), 22), (date(2025, 9, 30), 27)),
        "behind",
    )
    rows = [row(i, status, "2025-01-01", f"2026-0{1 + i % 9}-15", HOSTILE) for i, status in
            enumerate(["open", "on track", "behind", "resolved true", "awaiting verdict"])]  # fmt: skip
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 300)
    bins = calibration(p, (rng.uniform(0, 1, 300) < p).astype(int))
    start = date(2020, 1, 1)
    history = [ScorePoint(start + timedelta(days=i), i + 1, 0.2 + i / 1e4) for i in range(900)]
    return {
        "timeline": charts.timeline_figure(rows, TODAY),
        "progress": charts.progress_figure([t], TODAY),
        "claim metric": charts.claim_metric_figure(t, TODAY, None, "behind"),
        "confidence": charts.confidence_figure(_forecasts(), TODAY, date(2026, 12, 31), None, "open"),
        "calibration": charts.calibration_figure(bins, folded=False),
        "folded calibration": charts.calibration_figure(bins, folded=True),
        "score history": charts.score_history_figure(history),
        "breakdown": charts.breakdown_figure(
            {f"forecaster {i}": Score(n=50 - i, brier=0.01 * i, log_score=-0.1, calibration=[]) for i in range(20)},
            "forecaster",
        ),
    }


def test_the_dashboards_unvalidated_figures_equal_plotlys_validated_ones() -> None:
    with charts.validated():
        checked = {name: spec(figure) for name, figure in _every_figure().items()}  # plotly raises on a bad property
    made = {name: spec(figure) for name, figure in _every_figure().items()}
    assert made.keys() == checked.keys()
    for name in made:
        assert made[name] == checked[name], name
        assert made[name]["layout"]["template"]["layout"], f"{name}: the default template is carried"
    with charts.unvalidated():
        bare = spec(charts.breakdown_figure({"a": Score(n=1, brier=0.1, log_score=-0.1, calibration=[])}, "x"))
    assert bare["layout"]["template"] == {}  # the static site's figures: no template


# --- charts that tell claims apart and stay within what a metric can be (issue 28, points 4-8) -------------


def test_two_claims_with_one_status_get_two_colours_and_each_projection_its_claims_colour() -> None:
    points = observations((date(2025, 3, 31), 16), (date(2025, 9, 30), 27))
    first = trajectory.build(threshold_claim(id=7), points, "behind")
    second = trajectory.build(threshold_claim(id=8, statement="eVTOL in 20 cities"), points, "behind")
    fig = charts.progress_figure([first, second], TODAY)
    lines = [t for t in fig.data if not t.name.endswith("(projection)")]
    projections = [t for t in fig.data if t.name.endswith("(projection)")]
    assert [t.legendgroup for t in lines] == ["7", "8"] and [t.legendgroup for t in projections] == ["7", "8"]
    colours = [t.line.color for t in lines]
    assert len(set(colours)) == 2 and not set(colours) & set(charts.STATUS_COLOURS.values())
    for line, projection in zip(lines, projections, strict=True):
        assert projection.line.color == line.line.color == line.marker.color == projection.marker.color
        assert line.name.endswith("<br>behind")  # the status stays in the legend label ...
        assert all(row[1] == "behind" for row in line.customdata)  # ... and in the hover


def test_a_counts_band_and_projection_never_go_below_zero() -> None:
    # Falling and scattered: a straight line with its 95% band runs far below 0 cities by the deadline.
    falling = observations(
        (date(2025, 1, 31), 30), (date(2025, 3, 31), 12), (date(2025, 5, 31), 25), (date(2025, 7, 31), 4)
    )
    t = trajectory.build(threshold_claim(), falling, "behind")
    fit = [p for p in t.projection if p.low is not None]
    assert fit and min(p.low for p in fit if p.low is not None) == 0.0  # clipped, not -12
    fig = charts.claim_metric_figure(t, TODAY)
    names = trace_names(fig)
    for name in ("95% band", "95% band (upper)", "projection"):
        assert min(fig.data[names.index(name)].y) >= 0, name
    progress = charts.progress_figure([t], TODAY)
    assert min(progress.data[1].y) >= 0
    assert fig.layout.yaxis.range[0] >= -0.05 * fig.layout.yaxis.range[1]  # no room for negative counts


def test_a_percentage_stays_within_a_hundred_and_a_signed_metric_keeps_its_negative_band() -> None:
    rising = observations(
        (date(2025, 1, 31), 60), (date(2025, 3, 31), 85), (date(2025, 5, 31), 75), (date(2025, 7, 31), 98)
    )
    share = trajectory.build(threshold_claim(unit="%", target=99.0), rising, "on track")
    assert max(p.high for p in share.projection if p.high is not None) == 100.0
    assert max(p.value for p in share.projection) <= 100.0
    growth = observations((date(2025, 1, 31), -1.0), (date(2025, 3, 31), 0.5), (date(2025, 5, 31), -0.4))
    signed = trajectory.build(threshold_claim(unit="% GDP growth", target=2.0), growth, "behind")
    assert trajectory.natural_bounds({"target": 2.0, "unit": "%"}, [-1.0]) == (None, 100.0)
    assert min(p.low for p in signed.projection if p.low is not None) < -1.0  # nothing to clip against


def test_an_amended_target_above_everything_observed_is_labelled_inside_the_axis() -> None:
    t = trajectory.build(
        threshold_claim(target=180.0, unit="KPIs"),
        observations((date(2025, 3, 31), 120), (date(2025, 9, 30), 150)),
        "behind",
    )
    fig = charts.claim_metric_figure(t, TODAY)
    label = next(a for a in fig.layout.annotations if a.name == "target")
    assert label.text == "target 180 KPIs" and label.y == 180 and label.yanchor == "bottom"
    low, high = fig.layout.yaxis.range
    assert high - 180 >= 0.08 * (high - low)  # room above the line for its label


def test_an_empty_metric_chart_says_no_observations_once() -> None:
    fig = charts.claim_metric_figure(trajectory.build(threshold_claim(), [], "no data"), TODAY)
    notes = [a.text for a in fig.layout.annotations if "No observations" in (a.text or "")]
    assert notes == ["No observations yet: the projection appears once a value is recorded."]


def test_a_deadline_near_the_right_edge_is_labelled_on_its_left() -> None:
    early = trajectory.build(
        threshold_claim(deadline=date(2026, 12, 31)), observations((date(2025, 3, 31), 16)), "behind"
    )
    fig = charts.claim_metric_figure(early, date(2025, 4, 1))  # the deadline is the last date shown
    deadline = next(a for a in fig.layout.annotations if a.name == "vline:deadline")
    assert deadline.xanchor == "right"
    late = trajectory.build(
        threshold_claim(made_on=date(2024, 12, 31), deadline=date(2025, 3, 31)),
        observations((date(2025, 2, 28), 16)),
        "behind",
    )
    fig = charts.claim_metric_figure(late, TODAY)  # today, 14 months after the deadline, is the right edge
    deadline = next(a for a in fig.layout.annotations if a.name == "vline:deadline")
    assert deadline.xanchor == "left"


def test_the_timeline_keeps_an_empty_row_above_its_first_bar_for_todays_label() -> None:
    rows = [row(i, "awaiting verdict", "2024-12-31", f"2025-0{i}-28") for i in range(1, 6)]
    fig = charts.timeline_figure(rows, TODAY)
    assert list(fig.layout.yaxis.range) == [-0.5, 5.5]  # five bars at 0..4, the row at 5 is empty
    today = next(a for a in fig.layout.annotations if a.name == "vline:today")
    assert (today.y, today.yref, today.yanchor, today.yshift) == (1, "paper", "top", 0)
    assert fig.layout.height == max(320, 22 * 5 + 150) + 22


def test_a_page_shows_the_title_as_a_heading_and_the_figure_without_it() -> None:
    t = trajectory.build(
        threshold_claim(metric="Chinese cities with robotaxis in commercial & public operation"),
        observations((date(2025, 3, 31), 16)),
        "behind",
    )
    fig = charts.claim_metric_figure(t, TODAY)
    height = fig.layout.height
    title, untitled = charts.title_apart(fig)
    assert title == "Chinese cities with robotaxis in commercial & public operation: observed against the target"
    assert untitled.layout.title.text is None
    assert untitled.layout.margin.t == charts.TOP_MARGIN_UNTITLED
    assert untitled.layout.height == height - 20 * (len(title) // charts.TITLE_LINE_CHARS)


def test_calibration_markers_and_interval_caps_stay_clear_of_the_tick_labels() -> None:
    # A bin at 80% whose interval runs down to 0%, and one at 0%: their caps and markers sit at the plot's edges.
    bins = calibration(np.array([0.8, 0.02, 0.02]), np.array([0, 0, 0]))
    fig = charts.calibration_figure(bins, folded=False)
    points = fig.data[1]
    assert min(points.y) == 0 and min(points.x) == pytest.approx(2)
    radius = max(points.marker.size) / 2  # px; an interval's end cap is narrower (plotly's default: 4 px a side)
    plot_px = 300  # about the plot's side on a 390 px phone
    for axis in (fig.layout.xaxis, fig.layout.yaxis):
        low, high = axis.range
        assert (0 - low) / (high - low) * plot_px >= radius  # the 0% edge: room for a whole marker
        assert (high - 100) / (high - low) * plot_px >= radius


def test_the_dashboards_timeline_sets_margins_for_its_labels_instead_of_plotlys_second_pass() -> None:
    rows = [row(1, "awaiting verdict", "2024-12-31", "2025-12-31"), row(2, "on track", "2024-12-31", "2030-12-31")]
    rows[0]["statement"] = "W" * 80  # the widest glyphs, cut to the label's length
    measured = charts.timeline_figure(rows, TODAY, measured_margins=True)
    assert measured.layout.yaxis.automargin is False and measured.layout.xaxis.automargin is False
    labels = list(measured.layout.yaxis.categoryarray)
    assert measured.layout.margin.l == round(max(map(charts.label_px, labels)) + charts.TICK_LABEL_PAD_PX)
    assert charts.label_px("&lt;b&gt;") == charts.label_px("<b>")  # escaped text measured as shown
    assert charts.label_px("中文") == 2 * charts.label_px("中")  # wide glyphs beyond ASCII
    published = charts.timeline_figure(rows, TODAY)  # the static site's fonts differ: plotly measures there
    assert published.layout.yaxis.automargin is True
