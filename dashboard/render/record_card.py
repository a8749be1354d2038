"""The home page's card: the record at a glance, 1200×630, for index.html's og:image.

Drawn like a claim card (dashboard.render.cards: the same size, fonts, colours and painter) from plain
values: how many claims, how many resolved and open, the author's Brier score, and the claims by status
as bars in their status colours. It depends on nothing but those values, so the same ledger and as-of
day give the same figure, and the same PNG.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import plotly.graph_objects as go

from dashboard.render import cards, charts
from predictions import words
from predictions.safe_text import clean_tree

FILE_NAME = "index.png"  # in the site's cards/ folder


@dataclass(frozen=True)
class RecordCardData:
    """What the home card shows, as plain values (from overview.headline and the author's Brier)."""

    site: str
    today: date
    claims: int
    open: int
    resolved: int
    overdue: int
    brier: float | None
    scored: int
    by_status: Mapping[str, int]


def summary(data: RecordCardData) -> str:
    """The record in one sentence: the home page's og:description and its card's alt text."""
    parts = [
        f"{words.count(data.claims, 'claim')} from the newsletter",
        f"{data.resolved:,} resolved",
        f"{data.open:,} open",
    ]
    if data.overdue:
        parts.append(f"{data.overdue:,} past the deadline awaiting a verdict")
    brier = (
        f"the author's Brier score is {words.score(data.brier)} over {words.count(data.scored, 'scored forecast')}"
        if data.brier is not None
        else "no forecast of the author's is scored yet"
    )
    return f"{words.listing(parts)}; {brier} (status as of {data.today.isoformat()})."


def _figure_cell(x: float, y: float, value: str, label: str) -> list[dict[str, Any]]:
    return [
        cards._text(x, y, f"<b>{charts.plot_text(value)}</b>", 50, cards.INK),
        cards._text(x, y - 0.12, charts.plot_text(label), 19, cards.MUTED),
    ]


def record_figure(data: RecordCardData) -> go.Figure:
    """The card as a figure of cards.WIDTH × cards.HEIGHT pixels: the figures on the left, the claims by
    status on the right."""
    annotations = [
        cards._text(0.0, 1.0, f"{charts.plot_text(data.site, 60)} · the record at a glance", 20, cards.MUTED),
        cards._text(0.0, 0.9, "<b>Forecasts from the newsletter,<br>checked against their deadlines</b>", 30),
        *_figure_cell(0.0, 0.62, f"{data.claims:,}", "claims"),
        *_figure_cell(0.25, 0.62, f"{data.resolved:,}", "resolved"),
        *_figure_cell(0.0, 0.33, f"{data.open:,}", "open"),
        *_figure_cell(0.25, 0.33, words.score(data.brier), "author's Brier score"),
        cards._text(0.0, 0.03, f"Status as of {data.today.isoformat()} · lower Brier is better", 17, cards.MUTED),
    ]
    shown = [(status, n) for status, n in data.by_status.items() if n]
    traces: list[dict[str, Any]] = []
    if shown:
        shown.reverse()  # plotly draws the first bar at the bottom: the ledger's order reads top down
        traces.append({
            "type": "bar", "orientation": "h", "y": [charts.plot_text(s) for s, _n in shown],
            "x": [n for _s, n in shown], "marker": {"color": [charts.status_colour(s) for s, _n in shown]},
            "text": [f"{n:,}" for _s, n in shown], "textposition": "outside", "cliponaxis": False,
            "textfont": {"size": 16, "color": cards.INK, "family": cards.FONT},
        })  # fmt: skip
        annotations.append(cards._text(0.6, 1.0, "claims by status", 18, cards.MUTED))
    layout = {
        "width": cards.WIDTH, "height": cards.HEIGHT, "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "margin": {"l": 70, "r": 50, "t": 50, "b": 50}, "showlegend": False, "annotations": annotations,
        "font": {"family": cards.FONT}, "template": cards.TEMPLATE, "bargap": 0.25,
        "xaxis": {"domain": [0.78, 0.97], "visible": False, "range": [0, 1.2 * max([n for _s, n in shown] or [1])]},
        "yaxis": {"domain": [0.0, 0.92], "anchor": "x", "automargin": False, "ticklabelposition": "outside left",
                  "tickfont": {"size": 16, "color": cards.MUTED, "family": cards.FONT}},
    }  # fmt: skip
    if not traces:
        layout["yaxis"] = {"visible": False}
    return cards.plotly_figure(clean_tree(traces), clean_tree(layout))
