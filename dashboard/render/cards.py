"""Claim cards: one 1200×630 PNG per claim for link previews (og:image) and for pasting into an e-mail.

A card shows the statement, the claimant, the deadline, the status or outcome, the current confidence
and a small chart of the metric against its target (threshold claims) or of the confidence history.
It is a Plotly figure (text as annotations, escaped by charts.plot_text) drawn by plotly.js's own
`Plotly.toImage` in the system Chromium (dashboard.render.static_charts.browser_path), the call kaleido makes.

Why not kaleido, as the scorecard's few charts are: kaleido 1.x reloads its page, and so parses the
4.8 MB plotly.js again, after every image (~0.5 s a card here). A publish draws every card in one
headless page, driven by Playwright, that loads plotly.js once and calls `Plotly.toImage` per card
(34 cards in about 2.5 s). The PNG bytes are the same as kaleido's for the same figure, and the same on
every run. The browser starts in a thread of its own (CardPainter), so it loads while the publish is
still writing pages, and Playwright's sync API never meets a caller's asyncio loop (Streamlit's).
"""

from __future__ import annotations

import base64
import json
import re
import tempfile
import textwrap
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import plotly.offline

from dashboard.render import charts, static_charts
from predictions import ledger
from predictions.errors import PredictionsError
from predictions.quantities import format_number
from predictions.safe_text import clean_tree
from predictions.trajectory import Trajectory

WIDTH, HEIGHT = 1200, 630
INK = "#212529"
MUTED = "#495057"
FONT = "DejaVu Sans, Arial, sans-serif"
# Named, not the process's default: importing streamlit makes its own template the default, which gave
# the dashboard's "Card (PNG)" (and any publish in a process that imported streamlit) another card than
# `predictions publish` draws for the same claim.
TEMPLATE = "plotly"


@cache
def _template_json() -> str:
    return json.dumps(pio.templates[TEMPLATE].to_plotly_json())


def plotly_figure(data: Sequence[Mapping[str, Any]], layout: Mapping[str, Any]) -> go.Figure:
    """A card's figure from plain data, with TEMPLATE copied in as plotly's validation would copy it but
    without the validation (~13 ms a card, more than its drawing costs Python): the card builders give
    plotly only properties it knows, which a test holds equal to the validated figure."""
    return go.Figure(data=list(data), layout={**layout, "template": json.loads(_template_json())}, _validate=False)


@dataclass(frozen=True)
class CardData:
    """What a card shows, as plain values (from a ClaimDetail)."""

    claim_id: int
    statement: str
    claimant: str
    attribution: str
    deadline: str
    status: str
    confidence: str
    site: str
    today: date
    trajectory: Trajectory | None
    forecasts: Sequence[Mapping[str, Any]]


# A card is an image nobody can inspect: an override (U+202E) there would show a statement reversed, so
# the bidi controls leave its text (the claim's page keeps them, as typed).
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _shipped_plotly_js() -> Path | None:
    """plotly.js as the plotly package ships it (what plotly.offline.get_plotlyjs reads), when it is a file."""
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def _wrap(text: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(" ".join(text.split()), width=width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return wrapped


def card_data(detail: ledger.ClaimDetail, today: date, site: str = "Trend Prediction Tracker") -> CardData:
    row = detail.view.row
    status = detail.view.status.value
    current = ledger.resolution_in_force(detail)
    if current is not None and current["outcome"] == "partial" and current["fraction"] is not None:
        status = f"{status} ({float(current['fraction']):.0%} achieved)"
    if row.get("withdrawn"):
        status = "withdrawn"  # as its page says: left out of every list and score
    latest = detail.forecasts[-1] if detail.forecasts else None
    confidence = f"{float(latest['probability']):.0%}" if latest else "–"
    if row["deadline"] is not None:
        deadline = f"{row['deadline'].isoformat()} ({row['deadline_precision'] or 'day'})"
    else:
        deadline = "none usable yet"
    return CardData(
        claim_id=int(row["id"]),
        statement=str(row["statement"]).translate(_BIDI_CONTROLS),
        claimant=str(row["claimant"]).translate(_BIDI_CONTROLS),
        attribution=str(row["attribution"]).replace("_", " ").translate(_BIDI_CONTROLS),
        deadline=deadline,
        status=status,
        confidence=confidence,
        site=site,
        today=today,
        trajectory=ledger.claim_trajectory(detail),
        forecasts=detail.forecasts,
    )


def _text(x: float, y: float, text: str, size: int, colour: str = INK, **more: Any) -> dict[str, Any]:
    return {
        "x": x, "y": y, "xref": "paper", "yref": "paper", "text": text, "showarrow": False, "xanchor": "left",
        "yanchor": "top", "align": "left", "font": {"size": size, "color": colour, "family": FONT}, **more,
    }  # fmt: skip


def card_figure(card: CardData) -> go.Figure:
    """The card as a figure of WIDTH × HEIGHT pixels: text on the left, the small chart on the right."""
    statement = "<br>".join(charts.plot_text(line) for line in _wrap(card.statement, 52, 4))
    colour = charts.status_colour(card.status.split(" (")[0])
    # The left column ends where "current confidence" begins (x 0.4, ~34 characters at 21 px): the
    # claimant and its attribution each get a line of their own rather than running into it.
    who = charts.plot_text(card.claimant, 34)
    if card.attribution.lower() != card.claimant.lower():
        who += f"<br>{charts.plot_text(card.attribution, 34)}"
    annotations = [
        _text(0.0, 1.0, f"{charts.plot_text(card.site, 60)} · claim #{card.claim_id}", 20, MUTED),
        _text(0.0, 0.91, f"<b>{statement}</b>", 34),
        _text(0.0, 0.4, who, 21, MUTED),
        _text(0.0, 0.28, f"Deadline {charts.plot_text(card.deadline, 34)}", 21, MUTED),
        _text(0.0, 0.17, f" {charts.plot_text(card.status)} ", 24, INK,
              bgcolor="#ffffff", bordercolor=colour, borderwidth=4, borderpad=6),
        _text(0.4, 0.4, "current confidence", 18, MUTED),
        _text(0.4, 0.33, f"<b>{charts.plot_text(card.confidence)}</b>", 48, INK),
    ]  # fmt: skip
    traces: list[dict[str, Any]] = []
    axis = {"domain": [0.66, 1.0], "anchor": "y", "showgrid": False, "tickfont": {"size": 14, "color": MUTED}}
    yaxis: dict[str, Any] = {"domain": [0.04, 0.36], "anchor": "x", "tickfont": {"size": 14, "color": MUTED}}
    t = card.trajectory
    start: str | None = None
    end = card.today.isoformat()
    if t is not None and t.points:
        start = min(t.points[0].day, t.baseline_on or t.points[0].day).isoformat()
        end = max(end, t.deadline.isoformat() if t.deadline else end)
        traces.append({"type": "scatter", "x": [p.day.isoformat() for p in t.points], "y": [p.value for p in t.points],
                       "mode": "lines+markers", "line": {"color": INK, "width": 3}, "marker": {"size": 8}})  # fmt: skip
        target = {"color": charts.TARGET_COLOUR, "width": 2, "dash": "dash"}
        traces.append(
            {"type": "scatter", "x": [start, end], "y": [t.target, t.target], "mode": "lines", "line": target}
        )
        if t.projection:
            traces.append({"type": "scatter", "x": [p.day.isoformat() for p in t.projection],
                           "y": [p.value for p in t.projection], "mode": "lines",
                           "line": {"color": charts.ACCENT, "width": 2, "dash": "dot"}})  # fmt: skip
        # Two lines: the metric's name keeps ~40 characters (on one line with the target it kept 22).
        label = f"{charts.plot_text(t.metric or 'metric', 40)}<br>target {format_number(t.target)}, dashed"
        annotations.append(_text(0.66, 0.49, label, 15, MUTED))
        yaxis.update(rangemode="tozero", tickformat=",~f")  # 5,000,000, never 5e+06 or 5M
    elif card.forecasts:
        rows = sorted(card.forecasts, key=lambda f: f["made_at"])
        x = [f["made_at"].date().isoformat() for f in rows]
        y = [100 * float(f["probability"]) for f in rows]
        start = x[0]
        if x[-1] < end:
            x, y = [*x, end], [*y, y[-1]]
        traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines+markers",
                       "line": {"color": charts.ACCENT, "width": 3, "shape": "hv"}, "marker": {"size": 8}})  # fmt: skip
        annotations.append(_text(0.66, 0.45, "confidence over time", 15, MUTED))
        yaxis.update(range=[0, 100], ticksuffix="%", dtick=25)
    if start is not None:
        short = (date.fromisoformat(end[:10]) - date.fromisoformat(start[:10])).days < 120
        axis.update(range=[start, end], tickformat="%d %b %Y" if short else "%b %Y")
    for trace in traces:
        trace["cliponaxis"] = False
    axis.update(type="date", nticks=3, ticklabelstandoff=8)  # the first date clear of the lowest y label
    shapes = [{"type": "rect", "xref": "paper", "yref": "paper", "x0": -0.04, "x1": -0.025, "y0": -0.05,
               "y1": 1.05, "fillcolor": colour, "line": {"width": 0}}]  # fmt: skip
    layout = {
        "width": WIDTH, "height": HEIGHT, "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "margin": {"l": 70, "r": 50, "t": 50, "b": 50}, "showlegend": False, "annotations": annotations,
        "shapes": shapes, "xaxis": axis, "yaxis": yaxis, "font": {"family": FONT}, "template": TEMPLATE,
    }  # fmt: skip
    if not traces:
        layout["xaxis"] = {"visible": False}
        layout["yaxis"] = {"visible": False}
    # plotly.js draws the card as an SVG image, which a character XML forbids makes unreadable.
    return plotly_figure(clean_tree(traces), clean_tree(layout))


def plain_figure(claim_id: int, site: str = "Trend Prediction Tracker") -> go.Figure:
    """The card that stands in for one that could not be drawn: no text from the ledger but its id."""
    annotations = [
        _text(0.0, 1.0, f"{charts.plot_text(site, 60)} · claim #{claim_id}", 20, MUTED),
        _text(0.0, 0.6, f"<b>Claim #{claim_id}</b>", 48),
        _text(0.0, 0.45, "Open the claim's page for its statement and record.", 24, MUTED),
    ]
    axis = {"visible": False}
    layout = {"width": WIDTH, "height": HEIGHT, "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
              "margin": {"l": 70, "r": 50, "t": 50, "b": 50}, "annotations": annotations, "xaxis": axis,
              "yaxis": axis, "font": {"family": FONT}, "template": TEMPLATE}  # fmt: skip
    return plotly_figure([], layout)


@dataclass(frozen=True)
class CardFailure:
    """A card the browser could not draw, and why (one line)."""

    path: Path
    reason: str


class CardError(PredictionsError, RuntimeError):
    """One card could not be drawn (the browser is still fine)."""


# The page the cards are drawn in: a file in a temporary folder that loads plotly.js from the plotly
# package (where the package holds no such file, both are served by Playwright from memory, which costs
# Chromium and Playwright's driver ~0.5 s CPU more); nothing is fetched from the network.
_ORIGIN = "http://cards.invalid/"
_PAGE = '<!doctype html><meta charset="utf-8"><title>cards</title><script src="plotly.min.js"></script>'
_DRAW = "([spec, w, h]) => Plotly.toImage(JSON.parse(spec), {format: 'png', width: w, height: h})"
_FETCHED = re.compile(r"^(?:https?|wss?|ftp):")  # nothing from the network: refused
_CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


class CardPainter:
    """One headless Chromium page with plotly.js loaded once, drawing cards until closed.

    Every Playwright call runs in the painter's one worker thread (Playwright's sync objects belong to
    the thread that made them); the browser starts as soon as the painter is made, so a caller can do
    other work while plotly.js loads. Use it as a context manager."""

    def __init__(self) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cards")
        self._state: dict[str, Any] = {}
        self._ready: Future[None] = self._worker.submit(self._open, static_charts.browser_path())

    def _open(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        self._state["playwright"] = playwright
        browser = playwright.chromium.launch(executable_path=executable, args=_CHROMIUM_ARGS)
        self._state["browser"] = browser
        page = browser.new_page()
        shipped = _shipped_plotly_js()
        if shipped is not None:  # Chromium reads plotly.js from the package: nothing crosses Playwright's pipe
            folder = tempfile.TemporaryDirectory(prefix="cards-")
            self._state["folder"] = folder
            card_page = Path(folder.name) / "cards.html"
            card_page.write_text(_PAGE.replace('"plotly.min.js"', f'"{shipped.as_uri()}"'), encoding="utf-8")
            page.route(_FETCHED, lambda route: route.abort())
            page.goto(card_page.as_uri())
        else:
            plotly_js = plotly.offline.get_plotlyjs()

            def serve(route: Any) -> None:
                if route.request.url.endswith("/plotly.min.js"):
                    route.fulfill(body=plotly_js, content_type="text/javascript; charset=utf-8")
                elif route.request.url == _ORIGIN:
                    route.fulfill(body=_PAGE, content_type="text/html; charset=utf-8")
                else:
                    route.abort()

            page.route("**/*", serve)
            page.goto(_ORIGIN)
        if page.evaluate("typeof Plotly") != "object":
            raise RuntimeError("plotly.js did not load in the card browser")
        self._state["page"] = page

    def _draw(self, spec: str) -> bytes:
        url = str(self._state["page"].evaluate(_DRAW, [spec, WIDTH, HEIGHT]))
        return base64.b64decode(url.split(",", 1)[1])

    def draw(self, figure: go.Figure) -> bytes:
        """The card's PNG bytes."""
        self._ready.result()
        return self._worker.submit(self._draw, pio.to_json(figure, validate=False)).result()

    def _png(self, figure: go.Figure, path: Path) -> bytes:
        from playwright.sync_api import Error as BrowserError

        try:
            png = self.draw(figure)
        except BrowserError as error:  # plotly.js rejected this figure (the page is still there)
            raise CardError(f"the browser could not draw it ({' '.join(str(error).split())[:200]})") from error
        if not png.startswith(b"\x89PNG"):
            raise CardError(f"the browser drew no PNG for {path.name}")
        return png

    def paint(
        self, figures: Mapping[Path, go.Figure], fallbacks: Mapping[Path, go.Figure] | None = None
    ) -> list[CardFailure]:
        """Write each figure as a PNG of WIDTH × HEIGHT at its path. A figure that cannot be drawn raises
        CardError, or, when `fallbacks` has a figure for its path, is drawn as that one and reported in
        the list returned (a fallback that cannot be drawn either raises)."""
        failures = []
        for path, figure in figures.items():
            try:
                png = self._png(figure, path)
            except CardError as error:
                if fallbacks is None or path not in fallbacks:
                    raise
                failures.append(CardFailure(path, str(error)))
                png = self._png(fallbacks[path], path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
        return failures

    def close(self) -> None:
        def stop() -> None:
            for name, method in (("browser", "close"), ("playwright", "stop"), ("folder", "cleanup")):
                if name in self._state:
                    getattr(self._state.pop(name), method)()

        try:
            self._worker.submit(stop).result()
        finally:
            self._worker.shutdown()

    def __enter__(self) -> CardPainter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def render_cards(figures: Mapping[Path, go.Figure]) -> list[Path]:
    """Write each figure as a PNG of WIDTH × HEIGHT at its path, all in one browser page."""
    if not figures:
        return []
    with CardPainter() as painter:
        painter.paint(figures)
    return list(figures)


def write_card(data: Mapping[str, Any], out: Path) -> list[Path]:
    """The plugin behind `predictions card ID -o card.png` (entry point predictions.chart_renderers: card)."""
    today = date.fromisoformat(str(data["today"])) if data.get("today") else None
    detail = ledger.get_claim(Path(data["db_path"]), int(data["claim_id"]), today)
    return render_cards({Path(out): card_figure(card_data(detail, today or date.today()))})
