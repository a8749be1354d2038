"""Figures of ranges (pure functions: data in, plotly figure out): the bands on a claim's metric chart,
a range's distribution (the workspace's preview), coverage against nominal and the PIT histogram."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
import plotly.graph_objects as go

from dashboard.render.charts import (
    ACCENT,
    DATE_FORMAT,
    MUTED,
    TARGET_COLOUR,
    _Chart,
    _empty_note,
    _layout,
    _trace,
    plot_text,
)
from predictions import ranges
from predictions.numeric import RangeBands, RangeView
from predictions.quantities import format_number

RANGE_COLOUR = "#f76707"  # the author's range: apart from the observed line, the projection and the target
# Wider intervals lighter: 90% under 80% under 50%, each drawn on top of the wider one.
BAND_ALPHA = {90: 0.22, 80: 0.3, 50: 0.42}  # legible on the light and the dark background
OUTCOME_COLOUR = "#d6336c"


def _rgba(alpha: float) -> str:
    return f"rgba(247, 103, 7, {alpha})"


def with_range(figure: go.Figure, bands: RangeBands | None) -> go.Figure:
    """The claim's metric chart (dashboard.render.charts.claim_metric_figure) with the latest range drawn on it:
    the 50/80/90% intervals and the median at the deadline (a fan from the forecast's date where the
    claim has a baseline), and the outcome where it fell."""
    if bands is None:
        return figure
    unit = plot_text(bands.unit or "")
    deadline = bands.deadline
    start = bands.made_on if bands.fan_from is not None and bands.made_on < deadline else None
    # Without a fan, the bands are a bar ending at the deadline, a few per cent of the axis wide.
    shown = [d for d in (figure.layout.xaxis.range or []) if d]
    span_days = 365
    if len(shown) == 2:
        span_days = max((np.datetime64(str(shown[1])[:10]) - np.datetime64(str(shown[0])[:10])).astype(int), 30)
    bar_start = deadline - timedelta(days=max(7, round(span_days * 0.03)))
    for percent in sorted(bands.intervals, reverse=True):
        low, high = bands.intervals[percent]
        if start is not None:
            assert bands.fan_from is not None
            xs = [start, deadline, deadline, start]
            ys = [bands.fan_from, high, low, bands.fan_from]
        else:
            xs = [bar_start, deadline, deadline, bar_start, bar_start]
            ys = [high, high, low, low, high]
        figure.add_trace(
            go.Scatter(
                # one legend entry for the three (a phone's legend stays short); the hover names each
                name="50/80/90% range" if percent == max(bands.intervals) else f"{percent}% range",
                showlegend=percent == max(bands.intervals),
                x=[d.isoformat() for d in xs],
                y=ys,
                mode="lines",
                fill="toself",
                fillcolor=_rgba(BAND_ALPHA[percent]),
                line={"width": 0.5, "color": _rgba(min(BAND_ALPHA[percent] * 3, 1.0))},
                hoverinfo="text",
                text=f"{bands.forecaster}'s {percent}% range at the deadline: {format_number(low)} – "
                f"{format_number(high)} {unit}".strip(),
                legendgroup="range",
            )
        )
    figure.add_trace(
        go.Scatter(
            name=f"median {format_number(bands.median)}",
            x=[deadline.isoformat()],
            y=[bands.median],
            mode="markers",
            marker={"symbol": "diamond", "size": 11, "color": RANGE_COLOUR, "line": {"width": 1, "color": "white"}},
            hovertemplate=f"median at the deadline %{{x|{DATE_FORMAT}}}: %{{y:,.6~r}} {unit}<extra></extra>",
            legendgroup="range",
        )
    )
    values = [v for pair in bands.intervals.values() for v in pair] + [bands.median]
    if bands.outcome is not None:
        words = bands.outcome_words or "outcome"
        figure.add_trace(
            go.Scatter(
                name=words,
                x=[deadline.isoformat()],
                y=[bands.outcome],
                mode="markers",
                marker={"symbol": "star", "size": 15, "color": OUTCOME_COLOUR, "line": {"width": 1, "color": "white"}},
                hovertemplate=f"outcome %{{y:,.6~r}} {unit}: {words.removeprefix('outcome ')}<extra></extra>",
            )
        )
        values.append(bands.outcome)
    current = list(figure.layout.yaxis.range or [])
    if len(current) == 2:
        low, high = min(current[0], *values), max(current[1], *values)
        figure.update_yaxes(range=[low - 0.02 * (high - low), high + 0.08 * (high - low or 1)])
    if len(shown) == 2 and str(shown[1])[:10] < deadline.isoformat():
        figure.update_xaxes(range=[shown[0], (deadline + timedelta(days=max(7, span_days // 20))).isoformat()])
    return figure


def distribution_figure(view: RangeView, title: str, probability: float | None = None) -> go.Figure:
    """A range's distribution: the probability of each whole value for a count (bars), the density of the
    piecewise-linear distribution otherwise (steps), with the target and the implied probability."""
    chart = _Chart()
    knots = view.distribution
    target = view.target
    if view.count:
        ks, mass = ranges.pmf(knots)
        meets = ranges.probability_of(knots, view.comparator, target)[0]
        hits = _meets(ks, view.comparator, target)
        for inside, name, colour in ((~hits, "misses the target", RANGE_COLOUR), (hits, "meets it", TARGET_COLOUR)):
            if inside.any():
                chart.add(_trace("bar", name=name, x=ks[inside].tolist(), y=mass[inside].tolist(),
                                 marker={"color": colour, "line": {"width": 0}},
                                 hovertemplate="%{x:,} : %{y:.2%}<extra></extra>"))  # fmt: skip
        chart.layout["bargap"] = 0
        y_title = "probability of each value"
    else:
        xs, ps = knots.xs[0], knots.ps[0]
        widths = np.diff(xs)
        density = np.divide(np.diff(ps), widths, out=np.zeros_like(widths), where=widths > 0)
        step_x = np.repeat(xs, 2)[1:-1].tolist()
        step_y = np.repeat(density, 2).tolist()
        chart.add(_trace("scatter", name="density", x=step_x, y=step_y, mode="lines", fill="tozeroy",
                         line={"color": RANGE_COLOUR, "width": 2}, fillcolor=_rgba(0.25),
                         hovertemplate="%{x:,.6~r}: density %{y:.3~g}<extra></extra>"))  # fmt: skip
        meets = ranges.probability_of(knots, view.comparator, target)[0]
        y_title = "probability density"
    chart.extra("shapes", {
        "type": "line", "name": "target", "x0": target, "x1": target, "xref": "x", "y0": 0, "y1": 1,
        "yref": "paper", "line": {"color": TARGET_COLOUR, "width": 2, "dash": "dash"},
    })  # fmt: skip
    stated = f", stated {probability:.0%}" if probability is not None else ""
    chart.extra("annotations", {
        "name": "implied", "x": target, "y": 1, "xref": "x", "yref": "paper", "showarrow": False,
        "text": f"target {view.comparator} {format_number(target)}: implied {meets:.0%}{stated}",
        "xanchor": "left" if target <= float(knots.xs[0, -1] + knots.xs[0, 0]) / 2 else "right",
        "yanchor": "top", "font": {"size": 11, "color": TARGET_COLOUR},
    })  # fmt: skip
    _layout(chart, title, "value at the deadline", y_title, height=300)
    chart.axis("xaxis", tickformat=",~r")
    chart.axis("yaxis", tickformat=".3~%" if view.count else ".2~g", rangemode="tozero")
    return chart.figure()


def _meets(values: np.ndarray, comparator: str, target: float) -> np.ndarray:
    if comparator == ">=":
        return values >= target
    if comparator == ">":
        return values > target
    if comparator == "<=":
        return values <= target
    return values < target


def coverage_figure(coverage: Sequence[ranges.Coverage], title: str = "Coverage of the ranges") -> go.Figure:
    """Each central interval's nominal coverage against the share of outcomes inside it, with the Wilson
    95% interval; the diagonal is perfect calibration."""
    chart = _Chart()
    shown = [c for c in coverage if c.n]
    chart.add(_trace("scatter", name="nominal = observed", x=[0, 1], y=[0, 1], mode="lines",
                     line={"color": MUTED, "dash": "dot", "width": 1}, hoverinfo="skip"))  # fmt: skip
    if shown:
        chart.add(_trace(
            "scatter", name="observed (95% Wilson interval)", x=[c.percent / 100 for c in shown],
            y=[c.rate for c in shown], mode="markers+text", text=[f"{c.hits}/{c.n}" for c in shown],
            textposition="middle right", marker={"size": 11, "color": ACCENT},
            error_y={"type": "data", "symmetric": False, "array": [(c.high or 0) - (c.rate or 0) for c in shown],
                     "arrayminus": [(c.rate or 0) - (c.low or 0) for c in shown], "color": ACCENT},
            hovertemplate="%{x:.0%} interval: %{y:.0%} of outcomes inside (%{text})<extra></extra>",
        ))  # fmt: skip
    else:
        _empty_note(chart, "No range resolved with a value yet.")
    _layout(chart, title, "nominal coverage", "outcomes inside the interval", height=360)
    chart.axis("xaxis", range=[0, 1.02], tickformat=".0%", dtick=0.1)
    chart.axis("yaxis", range=[0, 1.05], tickformat=".0%")
    return chart.figure()


def pit_figure(counts: Sequence[int], title: str = "Where the outcomes fell in their ranges (PIT)") -> go.Figure:
    """The PIT histogram: calibrated ranges give a flat one; a U shape, ranges too narrow; a hump, too wide."""
    chart = _Chart()
    n = sum(counts)
    bins = len(counts)
    centres = [(i + 0.5) / bins for i in range(bins)]
    chart.add(_trace("bar", name="outcomes", x=centres, y=list(counts), width=[1 / bins] * bins,
                     marker={"color": ACCENT, "line": {"width": 1, "color": "rgba(255,255,255,0.6)"}},
                     hovertemplate="PIT %{x:.2f} ± 0.05: %{y} outcomes<extra></extra>"))  # fmt: skip
    if n:
        chart.add(_trace("scatter", name="flat (calibrated)", x=[0, 1], y=[n / bins, n / bins], mode="lines",
                         line={"color": MUTED, "dash": "dot"}, hoverinfo="skip"))  # fmt: skip
    else:
        _empty_note(chart, "No range resolved with a value yet.")
    _layout(chart, title, "percentile of the outcome in its range", "outcomes", height=360)
    chart.axis("xaxis", range=[0, 1], tickformat=".0%", dtick=0.1)
    chart.axis("yaxis", rangemode="tozero", dtick=max(1, round(max(counts or [1]) / 5)))
    return chart.figure()
