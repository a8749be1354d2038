"""Figure builders: pure functions, data in, `plotly.graph_objects.Figure` out (no Streamlit, no database).

One colour per claim status, defined here and used by every chart and table. Text written by people
(statements, notes, names) is escaped before it reaches a figure, because Plotly reads a few HTML tags
in labels and hover text; dates are shown as YYYY-MM-DD.

Over 500 lines: every figure of the live pages and the static site (overview, claim page, track record) is
built here from the one palette, axis and escaping rules; the sections follow the pages, and a chart's shared
helpers would otherwise be imported across modules.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, cast

import plotly.graph_objects as go
import plotly.io as pio

from predictions.progress import Status
from predictions.quantities import format_number
from predictions.scoring import CalibrationBin, Score, ScorePoint
from predictions.trajectory import Trajectory

STATUS_COLOURS: dict[str, str] = {
    Status.ON_TRACK.value: "#2b8a3e",
    Status.AT_RISK.value: "#e8a200",
    Status.BEHIND.value: "#e8590c",
    Status.NO_DATA.value: "#adb5bd",
    Status.OPEN.value: "#74c0fc",
    Status.HAS_EVIDENCE.value: "#4dabf7",
    Status.NOT_CHECKABLE.value: "#ced4da",
    Status.AWAITING_VERDICT.value: "#c92a2a",
    Status.RESOLVED_TRUE.value: "#1971c2",
    Status.RESOLVED_FALSE.value: "#6741d9",
    Status.RESOLVED_PARTIAL.value: "#0c8599",
    Status.RESOLVED_AMBIGUOUS.value: "#8d6e63",
}
# Statuses whose colour is light enough to need dark text on top of it.
LIGHT_STATUSES = frozenset(
    {
        Status.NO_DATA.value,
        Status.NOT_CHECKABLE.value,
        Status.AT_RISK.value,
        Status.OPEN.value,
        Status.HAS_EVIDENCE.value,
    }
)
# Line colours of mid lightness, legible on the light and on the dark theme's background alike.
ACCENT = "#1c7ed6"
MUTED = "#868e96"
TODAY_COLOUR = "#868e96"
TARGET_COLOUR = "#2f9e44"
OBSERVED_COLOUR = "#7048e8"
DEADLINE_COLOUR = "#e03131"
TOP_MARGIN_UNTITLED = 40  # room for a legend of one row above the plot (more rows widen the margin)
CALIBRATION_PAD = 6.0  # percentage points of empty axis around a calibration chart's 0-100%
LABEL_ROW_PX = 16  # reference-line labels are stacked this far apart, so none covers another
TITLE_LINE_CHARS = 40  # a chart title's line fits a phone's 390 px
MIN_DATE_SPAN_DAYS = 30  # a date axis spans at least this, so one point never gets hourly, repeated ticks
DATE_FORMAT = "%Y-%m-%d"
MAX_LINE_POINTS = 400
# One colour per claim on the progress chart (its status is in the legend label and the hover): mid
# lightness, legible on the light and the dark background, none of them a status colour or the target's green.
CLAIM_COLOURS = ("#1c7ed6", "#f76707", "#ae3ec9", "#099268", "#d6336c", "#3b5bdb", "#f59f00", "#495057")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "triangle-down", "pentagon")


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(status, MUTED)


def status_text_colour(status: str) -> str:
    return "#212529" if status in LIGHT_STATUSES else "#ffffff"


def plot_text(text: object, limit: int | None = None) -> str:
    """Text safe to show in a figure: shortened, then escaped so that `<b>` or `<a href>` stays literal."""
    value = " ".join(str(text or "").split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return html.escape(value, quote=False)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


# How figures are made: with the current default template copied in but without plotly's validation
# (the dashboard: the same figure as a validated one, ~4 ms a chart less), validated (the tests, which
# hold the two equal, see `validated`), or bare (`unvalidated`: no template either, for the static site).
_MODE: ContextVar[str] = ContextVar("figure_mode", default="templated")


@contextmanager
def _mode(mode: str) -> Iterator[None]:
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)


def validated() -> AbstractContextManager[None]:
    """Figures made inside go through plotly's validation (which raises on any property plotly does not
    know), as the tests make them to check that the dashboard's figures equal validated ones."""
    return _mode("validated")


def unvalidated() -> AbstractContextManager[None]:
    """Figures made inside are not checked by plotly and get no copy of its default template (which
    their JSON would carry, 7 KB a chart): for the static site, which applies its own template once and
    draws the same builders for thousands of claims."""
    return _mode("bare")


@cache
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json())


def _default_template() -> dict[str, Any]:
    """A fresh copy of the default template (Streamlit's once it is imported), as a validated figure
    gets one: parsed from its JSON, cheaper than a deep copy, and never shared between figures."""
    return cast(dict[str, Any], json.loads(_template_json(str(pio.templates.default))))


class _Chart:
    """A figure's traces and layout collected as plain data and made into one Figure at the end.

    Plotly validates a layout given to the Figure constructor once, but every later update_layout,
    add_shape or add_annotation re-validates and copies (~5 ms each): built that way, a chart cost
    several times what its data does.
    """

    def __init__(self, traces: Sequence[Any] = ()) -> None:
        self.traces: list[Any] = list(traces)
        self.layout: dict[str, Any] = {}

    def add(self, trace: Any) -> None:
        self.traces.append(trace)

    def axis(self, name: str, **properties: Any) -> None:
        self.layout.setdefault(name, {}).update(properties)

    def extra(self, kind: str, item: dict[str, Any]) -> None:
        self.layout.setdefault(kind, []).append(item)

    def figure(self) -> go.Figure:
        mode = _MODE.get()
        if mode == "validated":
            return go.Figure(data=self.traces, layout=self.layout)
        template = _default_template() if mode == "templated" else {}
        return go.Figure(data=self.traces, layout={"template": template, **self.layout}, _validate=False)


def _trace(kind: str, **properties: Any) -> dict[str, Any]:
    """A trace as plain data (validated once, with the figure): a third cheaper than a go.Scatter object."""
    return {"type": kind, **properties}


def wrap_title(title: str, width: int = TITLE_LINE_CHARS) -> str:
    """A long title broken into lines (`<br>`) at spaces: plotly never wraps, and clips it on a phone."""
    lines: list[str] = []
    for word in title.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def _layout(chart: _Chart, title: str, x_title: str, y_title: str, *, height: int = 420) -> None:
    wrapped = wrap_title(title)
    extra = 20 * wrapped.count("<br>")
    chart.layout.update(
        # pad: plotly places a title of several lines half a line too high at yanchor "top"
        title={
            "text": wrapped,
            "x": 0,
            "xanchor": "left",
            "y": 0.99,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": extra // 2},
        },
        height=height + extra,
        margin={"l": 10, "r": 10, "t": 70 + extra, "b": 10},
        hoverlabel={"align": "left"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0, "xanchor": "left"},
    )
    chart.axis("xaxis", title={"text": x_title})
    chart.axis("yaxis", title={"text": y_title})


def title_apart(figure: go.Figure) -> tuple[str, go.Figure]:
    """The figure's title as plain text, and the figure without it, for a page that shows the title as a
    heading above the chart: a heading wraps to the screen's width, where plotly's title is broken into
    lines for a phone (half the width of a desktop) and its lines can run into a legend of several rows."""
    title = str(figure.layout.title.text or "")
    extra = 20 * title.count("<br>")
    text = html.unescape(title.replace("<br>", " "))
    figure.update_layout(
        title=None,
        height=(figure.layout.height or 420) - extra,
        margin={"t": TOP_MARGIN_UNTITLED},
        meta={"title": text},  # what the heading above it says, kept with the figure (not drawn)
    )
    return text, figure


def _date_axis(chart: _Chart, axis: str = "x") -> None:
    chart.axis(f"{axis}axis", type="date", tickformat=DATE_FORMAT, hoverformat=DATE_FORMAT)


def _vline(
    chart: _Chart,
    day: Any,
    name: str,
    label: str,
    colour: str,
    dash: str = "dot",
    anchor: str = "left",
    extent: Sequence[Any] = (),
) -> None:
    """A vertical reference line across the plot (a named shape) with its label on top.

    Each further line's label sits one row lower (deadline, today, resolution), so labels of lines
    that are close together, or on the same day, never overlap. Today's label is written to the left
    of its line (`anchor="right"`): today is usually the latest date shown, at the plot's right edge.
    Given the dates the x axis spans (`extent`), a line in the right half of it has its label on its left,
    so the label is never cut at the plot's right edge, on a phone least of all.
    """
    x = _iso(day)
    shown = sorted(date.fromisoformat(str(_iso(d))) for d in extent if d is not None)
    if x is not None and len(shown) > 1 and shown[-1] > shown[0]:
        where = (date.fromisoformat(x) - shown[0]) / (shown[-1] - shown[0])
        anchor = "right" if where > 0.5 else "left"
    row = sum(1 for a in chart.layout.get("annotations", []) if str(a.get("name", "")).startswith("vline:"))
    chart.extra("shapes", {
        "type": "line", "name": name, "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "paper",
        "line": {"color": colour, "width": 1.5, "dash": dash},
    })  # fmt: skip
    chart.extra("annotations", {
        "name": f"vline:{name}", "x": x, "y": 1, "xref": "x", "yref": "paper", "text": label,
        "showarrow": False, "yanchor": "top", "xanchor": anchor, "yshift": -LABEL_ROW_PX * row,
        "font": {"size": 11, "color": colour},
    })  # fmt: skip


def _date_span(chart: _Chart, days: Sequence[Any], min_days: int = MIN_DATE_SPAN_DAYS) -> None:
    """Widen a date axis whose data spans less than `min_days` around its middle (one point, two close ones):
    plotly would otherwise tick every few hours and print the same date several times."""
    found = sorted(date.fromisoformat(str(_iso(d))) for d in days if d is not None)
    if not found or (found[-1] - found[0]).days >= min_days:
        return
    middle = found[0] + (found[-1] - found[0]) / 2
    half = timedelta(days=min_days / 2)
    chart.axis("xaxis", range=[(middle - half).isoformat(), (middle + half).isoformat()])


def _hline(chart: _Chart, y: float, name: str, label: str, colour: str, dash: str = "dash") -> None:
    chart.extra("shapes", {
        "type": "line", "name": name, "x0": 0, "x1": 1, "xref": "paper", "y0": y, "y1": y, "yref": "y",
        "line": {"color": colour, "width": 1.5, "dash": dash},
    })  # fmt: skip
    chart.extra("annotations", {
        "x": 1, "y": y, "xref": "paper", "yref": "y", "text": label, "showarrow": False, "xanchor": "right",
        "yanchor": "bottom", "font": {"size": 11, "color": colour},
    })  # fmt: skip


def _empty_note(chart: _Chart, text: str) -> None:
    chart.extra("annotations", {
        "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper", "text": text, "showarrow": False,
        "font": {"size": 14, "color": MUTED},
    })  # fmt: skip


def claim_label(claim_id: object, statement: object, limit: int = 60) -> str:
    return f"#{claim_id} {plot_text(statement, limit)}"


def thin(points: Sequence[Any], max_points: int = MAX_LINE_POINTS) -> list[Any]:
    """At most `max_points` evenly spaced items, always keeping the first and the last."""
    n = len(points)
    if n <= max_points:
        return list(points)
    step = (n - 1) / (max_points - 1)
    return [points[round(i * step)] for i in range(max_points)]


# --- overview ------------------------------------------------------------------------------------


# The timeline's claim labels are measured here, not by plotly: with `automargin` plotly draws the chart, measures
# every tick label (`getBBox`, one by one) and draws it all again with the margin that fits them, which is
# most of the time the browser spends on that chart (~190 → ~80 ms for 60 labels in Chromium). The widths are
# of the dashboard's font (Source Sans, 12 px on the axis) rounded up, so a label never runs off the left; the
# published site, whose charts use plotly's own fonts, keeps `automargin`.
_NARROW, _WIDE = set("ijlt.,:;!|'()[]{} "), set("mwMW@%")
TICK_LABEL_PAD_PX = 56  # the axis title (14 px) and the gaps between it, the labels and the plot


def label_px(text: str) -> float:
    """An upper bound of `text`'s width in pixels as a tick label (12 px Source Sans; wider glyphs beyond ASCII)."""
    width = 0.0
    for char in html.unescape(text):
        if not char.isascii():
            width += 12.0
        elif char in _NARROW:
            width += 3.6
        elif char in _WIDE:
            width += 10.0
        elif char.isupper():
            width += 7.6
        elif char.islower():
            width += 5.8
        else:
            width += 6.4
    return width


def timeline_figure(
    rows: Sequence[Mapping[str, Any]],
    today: date,
    limit: int = 60,
    total: int | None = None,
    *,
    measured_margins: bool = False,
) -> go.Figure:
    """Each claim as a bar from its issue date to its deadline, coloured by status, with a "today" line.

    Claims without a deadline cannot be placed and are left out; beyond `limit` claims the ones
    with the deadlines nearest to today are shown. `total` is how many dated claims the rows were
    picked from, when the caller picked them already. `measured_margins`: the margins that fit the labels
    in the dashboard's font, instead of plotly's `automargin` (see `label_px`).
    """
    dated = [row for row in rows if row.get("deadline")]
    if len(dated) > limit:
        dated = sorted(dated, key=lambda r: abs((date.fromisoformat(str(r["deadline"])) - today).days))[:limit]
    dated = sorted(dated, key=lambda r: (str(r["deadline"]), int(r["id"])))
    chart = _Chart()
    labels = [claim_label(r["id"], r["statement"], 48) for r in dated]
    for status in STATUS_COLOURS:
        chosen = [(label, r) for label, r in zip(labels, dated, strict=True) if r["status"] == status]
        if not chosen:
            continue
        starts = [date.fromisoformat(str(r["made_on"])) for _, r in chosen]
        ends = [date.fromisoformat(str(r["deadline"])) for _, r in chosen]
        chart.add(
            _trace(
                "bar",
                name=status,
                orientation="h",
                y=[label for label, _ in chosen],
                base=[s.isoformat() for s in starts],
                x=[max((e - s).days, 1) * 86_400_000 for s, e in zip(starts, ends, strict=True)],
                marker={"color": status_colour(status)},
                customdata=[
                    [plot_text(r["statement"], 140), status, r["made_on"], r["deadline"], r.get("deadline_precision")]
                    for _, r in chosen
                ],
                hovertemplate=(
                    "%{customdata[0]}<br>status: %{customdata[1]}<br>issued %{customdata[2]}, "
                    "deadline %{customdata[3]} (%{customdata[4]})<extra></extra>"
                ),
            )
        )
    available = len(rows) if total is None else total
    shown = f"{len(dated):,} of {available:,} claims" if len(dated) < available else f"{len(dated):,} claims"
    _layout(
        chart,
        f"Resolution timeline ({shown})",
        "date (issue → deadline)",
        "claim",
        height=max(320, 22 * len(dated) + 150),
    )
    _date_axis(chart)
    # One empty row above the first bar: today's label is written there, never on a bar.
    chart.axis("yaxis", categoryorder="array", categoryarray=labels[::-1], automargin=not measured_margins)
    if measured_margins:  # set once, for the labels in the dashboard's font (see label_px)
        chart.axis("xaxis", automargin=False)
        widest = max((label_px(label) for label in labels), default=0.0)
        chart.layout["margin"].update(l=round(widest + TICK_LABEL_PAD_PX), b=65)
    if dated:
        chart.axis("yaxis", range=[-0.5, len(dated) + 0.5])
        chart.layout["height"] += 22
    chart.layout.update(barmode="overlay", bargap=0.35)
    _vline(chart, today, "today", f"today {today.isoformat()}", TODAY_COLOUR, anchor="right")
    if not dated:
        _empty_note(chart, "No claim with a deadline matches these filters.")
    return chart.figure()


def progress_figure(trajectories: Sequence[Trajectory], today: date) -> go.Figure:
    """Percent of the target reached over time, one line per threshold claim, projected to its deadline."""
    # Up to two traces a claim (the line observed; the projection ending in a deadline marker).
    traces: list[dict[str, Any]] = []
    drawn = [t for t in trajectories if t.points]
    for i, t in enumerate(drawn):
        colour = CLAIM_COLOURS[i % len(CLAIM_COLOURS)]
        name = claim_label(t.claim_id, t.statement, 40)
        # The status on a line of its own: a legend row of claim and status is wider than a phone.
        legend = f"{claim_label(t.claim_id, t.statement, 36)}<br>{plot_text(t.status)}"
        unit = plot_text(t.unit or "")
        traces.append(
            {
                "type": "scatter",
                "name": legend,
                "legendgroup": str(t.claim_id),
                "x": [p.day.isoformat() for p in t.points],
                "y": [p.percent for p in t.points],
                "mode": "lines+markers",
                "line": {"color": colour, "width": 2},
                "marker": {"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 8, "color": colour},
                "customdata": [[p.value, t.status] for p in t.points],
                "hovertemplate": (
                    f"{name}<br>%{{x|{DATE_FORMAT}}}: %{{customdata[0]:,.6~r}} {unit} "
                    "(%{y:.0f}% of target)<br>status: %{customdata[1]}<extra></extra>"
                ),
            }
        )
        if t.projection:
            # The projection ends in a marker at the deadline: one trace, not a line and a marker.
            last = len(t.projection) - 1
            traces.append(
                {
                    "type": "scatter",
                    "name": f"{name} (projection)",
                    "legendgroup": str(t.claim_id),
                    "showlegend": False,
                    "x": [p.day.isoformat() for p in t.projection],
                    "y": [p.percent for p in t.projection],
                    "mode": "lines+markers",
                    "line": {"color": colour, "width": 1.5, "dash": "dash"},
                    "marker": {
                        "symbol": "diamond-tall",
                        "size": [0] * last + [12],
                        "color": colour,
                        "line": {"color": "#fff", "width": [0] * last + [1]},
                    },
                    "customdata": ["projection"] * last + ["deadline, projected"],
                    "hovertemplate": (
                        f"{name}<br>%{{customdata}} %{{x|{DATE_FORMAT}}}: %{{y:.0f}}% of target<extra></extra>"
                    ),
                }
            )
    chart = _Chart(traces)
    _layout(chart, "Progress of threshold claims toward their targets", "date", "% of target reached", height=460)
    _date_axis(chart)
    _hline(chart, 100.0, "target", "target (100%)", TARGET_COLOUR)
    _vline(chart, today, "today", f"today {today.isoformat()}", TODAY_COLOUR, anchor="right")
    if not drawn:
        _empty_note(chart, "No threshold claim has an observed value yet.")
        chart.axis("yaxis", range=[0, 110])
    return chart.figure()


# --- claim page ----------------------------------------------------------------------------------


def claim_metric_figure(
    t: Trajectory, today: date, resolution: Mapping[str, Any] | None = None, status: str | None = None
) -> go.Figure:
    """The metric's observations against the target, with the deadline, the projection and its band."""
    unit = plot_text(t.unit or "")
    metric = plot_text(t.metric or "value", 70)
    chart = _Chart()
    start = t.baseline_on or t.made_on
    end = t.deadline or (t.points[-1].day if t.points else today)
    chart.add(
        _trace(
            "scatter",
            name=f"target {t.comparator or '>='} {format_number(t.target)} {unit}".strip(),
            x=[start.isoformat(), end.isoformat()],
            y=[t.target, t.target],
            mode="lines",
            line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
            hovertemplate=f"target {t.comparator or '>='} %{{y:,.6~r}} {unit}<extra></extra>",
        )
    )
    if t.baseline is not None and t.baseline_on is not None:
        chart.add(
            _trace(
                "scatter",
                name="baseline",
                x=[t.baseline_on.isoformat()],
                y=[t.baseline],
                mode="markers",
                marker={"symbol": "square", "size": 9, "color": MUTED},
                hovertemplate=f"baseline %{{x|{DATE_FORMAT}}}: %{{y:,.6~r}} {unit}<extra></extra>",
            )
        )
    if t.projection:
        band = [p for p in t.projection if p.low is not None and p.high is not None]
        if band:
            chart.add(
                _trace(
                    "scatter",
                    name="95% band (upper)",
                    showlegend=False,
                    x=[p.day.isoformat() for p in band],
                    y=[p.high for p in band],
                    mode="lines",
                    line={"width": 0, "color": ACCENT},
                    hoverinfo="skip",
                )
            )
            chart.add(
                _trace(
                    "scatter",
                    name="95% band",
                    x=[p.day.isoformat() for p in band],
                    y=[p.low for p in band],
                    mode="lines",
                    line={"width": 0, "color": ACCENT},
                    fill="tonexty",
                    fillcolor="rgba(24, 100, 171, 0.15)",
                    customdata=[[p.high] for p in band],
                    hovertemplate=(
                        f"%{{x|{DATE_FORMAT}}}: 95% band %{{y:,.6~r}} – %{{customdata[0]:,.6~r}} {unit}<extra></extra>"
                    ),
                )
            )
        chart.add(
            _trace(
                "scatter",
                name="projection",
                x=[p.day.isoformat() for p in t.projection],
                y=[p.value for p in t.projection],
                mode="lines",
                line={"color": ACCENT, "dash": "dash", "width": 2},
                hovertemplate=f"projection %{{x|{DATE_FORMAT}}}: %{{y:,.6~r}} {unit}<extra></extra>",
            )
        )
    if t.points:
        chart.add(
            _trace(
                "scatter",
                name="observed",
                x=[p.day.isoformat() for p in t.points],
                y=[p.value for p in t.points],
                mode="lines+markers",
                line={"color": OBSERVED_COLOUR, "width": 2},
                marker={"size": 8},
                customdata=[[plot_text(p.note or "", 120)] for p in t.points],
                hovertemplate=f"%{{x|{DATE_FORMAT}}}: %{{y:,.6~r}} {unit}<br>%{{customdata[0]}}<extra></extra>",
            )
        )
    title = f"{metric}: observed against the target"
    _layout(chart, title, "date", unit or "value", height=440)
    _date_axis(chart)
    extent = [start, end, today, *(p.day for p in t.points)]
    if t.deadline is not None:
        _vline(
            chart, t.deadline, "deadline", f"deadline {t.deadline.isoformat()}", DEADLINE_COLOUR, "dash", extent=extent
        )
    _vline(chart, today, "today", f"today {today.isoformat()}", TODAY_COLOUR, anchor="right")
    _resolution_line(chart, resolution, status, extent)
    _date_span(chart, [start, end, *(p.day for p in t.points)])
    # The target's own label at the start of its line (the deadline's label is at its end): the axis's tick
    # labels need not include its value (180 between ticks at 150 and 200), and an amended target may lie
    # far above everything observed.
    chart.extra("annotations", {
        "name": "target", "x": start.isoformat(), "y": t.target, "xref": "x", "yref": "y", "showarrow": False,
        "text": f"target {format_number(t.target)} {unit}".strip(), "xanchor": "left", "yanchor": "bottom",
        "font": {"size": 11, "color": TARGET_COLOUR},
    })  # fmt: skip
    values = [t.target, *(p.value for p in t.points), *(p.high for p in t.projection if p.high is not None)]
    values += [p.low for p in t.projection if p.low is not None] + ([t.baseline] if t.baseline is not None else [])
    low, high = min(0.0, *values), max(values)
    chart.axis("yaxis", range=[low - 0.02 * (high - low), high + 0.1 * (high - low or 1)], tickformat=",~r")
    if not t.points:
        _empty_note(chart, "No observations yet: the projection appears once a value is recorded.")
    return chart.figure()


def _resolution_line(
    chart: _Chart, resolution: Mapping[str, Any] | None, status: str | None, extent: Sequence[Any] = ()
) -> None:
    if not resolution:
        return
    outcome = str(resolution.get("outcome"))
    colour = status_colour(status or f"resolved {outcome}")
    when = _iso(resolution.get("resolved_on"))
    label = f"resolved {outcome} {when}"
    if resolution.get("fraction") is not None:
        label += f" ({float(resolution['fraction']):.0%} achieved)"
    _vline(chart, when, "resolution", label, colour, dash="solid", extent=extent)


def confidence_figure(
    forecasts: Sequence[Mapping[str, Any]],
    today: date,
    deadline: date | None = None,
    resolution: Mapping[str, Any] | None = None,
    status: str | None = None,
) -> go.Figure:
    """Each forecaster's probability over time as a step line (every change is a new point)."""
    chart = _Chart()
    by_forecaster: dict[str, list[Mapping[str, Any]]] = {}
    for forecast in forecasts:
        by_forecaster.setdefault(str(forecast["forecaster"]), []).append(forecast)
    palette = [ACCENT, "#f76707", "#37b24d", "#845ef7", "#e64980", "#15aabf"]
    # The last forecast stays in force until the resolution (or today): the line runs on to there.
    until = _iso((resolution or {}).get("resolved_on")) or today.isoformat()
    for i, (name, rows) in enumerate(by_forecaster.items()):
        rows = sorted(rows, key=lambda r: r["made_at"])
        x = [_iso(r["made_at"]) for r in rows]
        y = [100 * float(r["probability"]) for r in rows]
        customdata = [[str(r.get("basis") or ""), plot_text(r.get("note") or "", 100)] for r in rows]
        sizes = [8] * len(rows)
        if str(x[-1]) < until:
            x, y, sizes = [*x, until], [*y, y[-1]], [*sizes, 0]
            customdata.append(["still in force", ""])
        chart.add(
            _trace(
                "scatter",
                name=plot_text(name, 40),
                x=x,
                y=y,
                mode="lines+markers",
                line={"shape": "hv", "color": palette[i % len(palette)], "width": 2},
                marker={"size": sizes},
                customdata=customdata,
                hovertemplate=(
                    f"{plot_text(name, 40)}<br>%{{x|{DATE_FORMAT}}}: %{{y:.0f}}%"
                    "<br>basis: %{customdata[0]}<br>%{customdata[1]}<extra></extra>"
                ),
            )
        )
    _layout(chart, "Confidence history", "date", "probability it comes true (%)", height=360)
    _date_axis(chart)
    chart.axis("yaxis", range=[-2, 102])
    extent = [*(_iso(f["made_at"]) for f in forecasts), until, deadline]
    if deadline is not None:
        _vline(chart, deadline, "deadline", f"deadline {deadline.isoformat()}", DEADLINE_COLOUR, "dash", extent=extent)
    _resolution_line(chart, resolution, status, extent)
    _date_span(chart, [*(_iso(f["made_at"]) for f in forecasts), until, deadline])
    if not forecasts:
        _empty_note(chart, "No forecast recorded for this claim.")
    return chart.figure()


# --- track record --------------------------------------------------------------------------------


def calibration_figure(bins: Sequence[CalibrationBin], folded: bool, title: str = "Calibration") -> go.Figure:
    """Hit rate against stated probability per bin, with 95% Wilson intervals and the diagonal."""
    filled = [b for b in bins if b.n > 0 and b.hit_rate is not None]
    low_edge = 50.0 if folded else 0.0
    chart = _Chart()
    chart.add(
        _trace(
            "scatter",
            name="perfect calibration",
            x=[low_edge, 100.0],
            y=[low_edge, 100.0],
            mode="lines",
            line={"color": MUTED, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    if filled:
        largest = max(b.n for b in filled)
        x = [100 * (b.mean_probability if b.mean_probability is not None else (b.low + b.high) / 2) for b in filled]
        y = [100 * (b.hit_rate or 0.0) for b in filled]
        chart.add(
            _trace(
                "scatter",
                name="observed frequency (95% interval)",
                x=x,
                y=y,
                mode="markers+text",
                text=[f"n={b.n:,}" for b in filled],
                textposition=["middle left" if value > 85 else "middle right" for value in x],
                marker={"color": ACCENT, "size": [8 + 14 * (b.n / largest) ** 0.5 for b in filled]},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [100 * ((b.wilson_high or 0) - (b.hit_rate or 0)) for b in filled],
                    "arrayminus": [100 * ((b.hit_rate or 0) - (b.wilson_low or 0)) for b in filled],
                    "color": ACCENT,
                },
                customdata=[
                    [100 * b.low, 100 * b.high, b.n, b.hits, 100 * (b.wilson_low or 0), 100 * (b.wilson_high or 0)]
                    for b in filled
                ],
                hovertemplate=(
                    "forecasts %{customdata[0]:.0f}–%{customdata[1]:.0f}%: n=%{customdata[2]:,}, "
                    "hits %{customdata[3]:,.6~r}<br>mean forecast %{x:.1f}%<br>hit rate %{y:.1f}% "
                    "(95% interval %{customdata[4]:.0f}–%{customdata[5]:.0f}%)<extra></extra>"
                ),
            )
        )
    x_title = "stated probability (%), folded: p below 50% counted as 1 − p" if folded else "stated probability (%)"
    _layout(chart, title, x_title, "how often it came true (%)", height=440)
    # Room around 0-100% for the largest marker and an interval's end cap: at 2% they reached into the tick
    # labels of a phone-sized chart (an error bar over the "80%" below it read ".80%").
    pad = CALIBRATION_PAD
    chart.axis("xaxis", range=[low_edge - pad, 100 + pad], ticksuffix="%")
    chart.axis("yaxis", range=[-pad, 100 + pad], ticksuffix="%")
    if not filled:
        _empty_note(chart, "Nothing resolved after its deadline yet.")
    return chart.figure()


def score_history_figure(points: Sequence[ScorePoint], title: str = "Brier score over time") -> go.Figure:
    """The running Brier score by resolution date (thinned to a few hundred points for the browser)."""
    shown = thin(points)
    chart = _Chart()
    if shown:
        chart.add(
            _trace(
                "scatter",
                name="cumulative Brier score",
                x=[p.resolved_on.isoformat() for p in shown],
                y=[p.brier for p in shown],
                mode="lines+markers" if len(shown) < 60 else "lines",
                line={"color": ACCENT, "width": 2, "shape": "hv"},
                customdata=[[p.n] for p in shown],
                hovertemplate=(
                    f"resolved by %{{x|{DATE_FORMAT}}}<br>Brier %{{y:.3f}} over %{{customdata[0]:,}} forecasts"
                    "<extra></extra>"
                ),
            )
        )
    _layout(chart, title, "resolution date", "cumulative Brier score (lower is better)", height=380)
    _date_axis(chart)
    chart.axis("yaxis", range=[0, 1])  # a Brier score lies in 0–1: the axis always shows all of it
    _date_span(chart, [p.resolved_on for p in shown])
    _hline(chart, 0.25, "always 50%", "0.25 = always saying 50%", MUTED, dash="dot")
    if not shown:
        _empty_note(chart, "Nothing resolved yet.")
    return chart.figure()


def breakdown_figure(by: Mapping[str, Score], label: str, limit: int = 15) -> go.Figure:
    """Brier score per group (the `limit` largest by n), with n on each bar."""
    items = [(name, score) for name, score in by.items() if score.brier is not None][:limit]
    items = items[::-1]  # largest at the top
    chart = _Chart()
    chart.add(
        _trace(
            "bar",
            name="Brier score",
            orientation="h",
            y=[plot_text(name, 40) for name, _ in items],
            x=[score.brier for _, score in items],
            text=[f"n={score.n:,}" for _, score in items],
            textposition="auto",
            marker={"color": ACCENT},
            customdata=[[score.n, score.log_score] for _, score in items],
            hovertemplate=(
                "%{y}<br>Brier %{x:.3f} over %{customdata[0]:,} forecasts<br>log score %{customdata[1]:.3f}"
                "<extra></extra>"
            ),
        )
    )
    shown = f"{len(items)} largest of {len(by):,}" if len(by) > len(items) else f"{len(items)}"
    _layout(
        chart, f"Brier score by {label} ({shown})", "Brier score (lower is better)", label, height=140 + 28 * len(items)
    )
    chart.axis("yaxis", automargin=True, type="category")
    chart.axis("xaxis", range=[0, 1])
    if not items:
        _empty_note(chart, "Nothing resolved yet.")
    return chart.figure()
