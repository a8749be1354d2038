"""Figures of the readers' forecasts (issue 25): pure functions, data in, a plotly Figure out.

Built like dashboard.render.charts (the same collected-then-made figures, colours and layout), kept in a
module of their own: the readers' histogram on a claim, the readers' median over time (the author
workspace), and readers versus the author on resolved claims (the Track record).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from dashboard.render.charts import (
    ACCENT,
    DATE_FORMAT,
    MUTED,
    STATUS_COLOURS,
    _Chart,
    _date_axis,
    _empty_note,
    _layout,
    _trace,
    plot_text,
)
from predictions.reader_forecasts import HistoryPoint
from predictions.reader_scores import ClaimComparison

YOU_COLOUR = "#f76707"
AUTHOR_COLOUR = "#2f9e44"
OUTCOME_COLOURS = {
    "true": STATUS_COLOURS["resolved true"],
    "false": STATUS_COLOURS["resolved false"],
    "partial": STATUS_COLOURS["resolved partial"],
}
BIN_LABELS = [f"{max(1, 10 * i + 1)}–{min(99, 10 * (i + 1))}%" for i in range(10)]
# The x axis is labelled at the bins' edges, every 20 %, level: ten bin labels ("91–99%") crowd a phone's
# 390 px, where plotly tilts them and drops the last one. A bin's own label is in its hover.
EDGE_TICKS = [10 * p - 0.5 for p in (0, 0.2, 0.4, 0.6, 0.8, 1.0)]
EDGE_LABELS = ["0%", "20%", "40%", "60%", "80%", "100%"]
DAY_MS = 86_400_000


def _marker(chart: _Chart, value: float, name: str, colour: str, dash: str, row: int) -> None:
    """A labelled vertical line at a probability, on the histogram's category axis (bins of tenths)."""
    x = min(9.49, max(-0.49, value * 10 - 0.5))  # 1 % sits at the first bin's left edge, 99 % at the last's right
    chart.extra("shapes", {
        "type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
        "line": {"color": colour, "width": 2, "dash": dash},
    })  # fmt: skip
    chart.extra("annotations", {
        "x": x, "xref": "x", "y": 1 - 0.09 * row, "yref": "paper", "text": f"{name} {value:.0%}",
        "showarrow": False, "xanchor": "left" if value < 0.7 else "right", "font": {"color": colour, "size": 12},
        "bgcolor": "rgba(255,255,255,0.7)",
    })  # fmt: skip


def readers_histogram_figure(
    counts: Sequence[int], median: float | None, own: float | None, author: float | None
) -> go.Figure:
    """How many readers gave each tenth of probability, with the median, your forecast and the author's."""
    chart = _Chart()
    chart.add(
        _trace(
            "bar",
            name="readers",
            x=list(range(10)),
            y=list(counts),
            marker={"color": ACCENT},
            customdata=BIN_LABELS,
            hovertemplate="%{customdata}: %{y} readers<extra></extra>",
        )
    )
    n = sum(counts)
    _layout(chart, f"What {n} readers think", "probability", "readers", height=300)
    chart.axis("xaxis", tickmode="array", tickvals=EDGE_TICKS, ticktext=EDGE_LABELS, tickangle=0, range=[-0.5, 9.5])
    chart.layout["margin"]["r"] = 24  # room for half of "100%" at the right edge (plotly drops a label it would clip)
    chart.axis("yaxis", rangemode="tozero", dtick=max(1, round(max(counts or [1]) / 4)))
    chart.layout["showlegend"] = False
    row = 0
    for value, name, colour, dash in (
        (median, "median", MUTED, "solid"),
        (own, "you", YOU_COLOUR, "dash"),
        (author, "author", AUTHOR_COLOUR, "dot"),
    ):
        if value is not None:
            _marker(chart, value, name, colour, dash, row)
            row += 1
    return chart.figure()


def readers_median_history_figure(history: Sequence[HistoryPoint], author: float | None) -> go.Figure:
    """The readers' median after each forecast that changed it (from the third reader on)."""
    chart = _Chart()
    if history:
        chart.add(
            _trace(
                "scatter",
                name="readers' median",
                x=[p.at.isoformat() for p in history],
                y=[p.median for p in history],
                mode="lines+markers" if len(history) < 60 else "lines",
                line={"color": ACCENT, "width": 2, "shape": "hv"},
                customdata=[[p.n] for p in history],
                hovertemplate=(
                    f"%{{x|{DATE_FORMAT} %H:%M}}<br>median %{{y:.0%}} of %{{customdata[0]}} readers<extra></extra>"
                ),
            )
        )
    _layout(chart, "Readers' median over time", "when", "readers' median", height=300)
    _date_axis(chart)
    # Forecasts of one day: ticks at hours show the time (a day's format alone repeats one date on each).
    chart.axis("xaxis", tickformatstops=[
        {"dtickrange": [None, DAY_MS], "value": "%H:%M<br>%b %-d"},  # short: four fit a phone, level
        {"dtickrange": [DAY_MS, None], "value": DATE_FORMAT},
    ])  # fmt: skip
    chart.axis("yaxis", range=[0, 1], tickformat=".0%")
    if author is not None:
        chart.extra("shapes", {
            "type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": author, "y1": author,
            "line": {"color": AUTHOR_COLOUR, "width": 1.5, "dash": "dot"},
        })  # fmt: skip
        chart.extra("annotations", {
            "xref": "paper", "x": 0, "y": author, "text": f"author {author:.0%}", "showarrow": False,
            "xanchor": "left", "yanchor": "bottom", "font": {"color": AUTHOR_COLOUR, "size": 12},
        })  # fmt: skip
    if not history:
        _empty_note(chart, "No median yet: it starts with the third reader.")
    return chart.figure()


def readers_vs_author_figure(claims: Sequence[ClaimComparison]) -> go.Figure:
    """Each resolved claim as a point: the author's probability across, the readers' median up, coloured
    by the outcome. Above the diagonal the readers said yes more firmly than the author."""
    chart = _Chart()
    compared = [c for c in claims if c.author_probability is not None]
    for outcome, colour in OUTCOME_COLOURS.items():
        shown = [c for c in compared if c.outcome == outcome]
        if not shown:
            continue
        chart.add(
            _trace(
                "scatter",
                name=f"resolved {outcome}",
                x=[c.author_probability for c in shown],
                y=[c.readers_median for c in shown],
                mode="markers",
                marker={"color": colour, "size": 11, "line": {"width": 1, "color": "white"}},
                customdata=[[c.claim_id, plot_text(c.statement, 70), c.readers] for c in shown],
                hovertemplate=(
                    "#%{customdata[0]} %{customdata[1]}<br>author %{x:.0%} · readers %{y:.0%} "
                    "(%{customdata[2]} readers)<extra></extra>"
                ),
            )
        )
    chart.add(
        _trace(
            "scatter", name="same probability", x=[0, 1], y=[0, 1], mode="lines",
            line={"color": MUTED, "dash": "dot", "width": 1}, hoverinfo="skip",
        )
    )  # fmt: skip
    _layout(chart, "Readers versus the author, claim by claim", "the author's probability", "readers' median")
    chart.axis("xaxis", range=[0, 1], tickformat=".0%")
    chart.axis("yaxis", range=[0, 1], tickformat=".0%", scaleanchor="x", scaleratio=1)
    chart.layout["margin"]["r"] = 24  # "100%" at the right edge is drawn, not dropped as clipped
    if not compared:
        _empty_note(chart, "No resolved claim with both a readers' median and an author's forecast yet.")
    return chart.figure()
