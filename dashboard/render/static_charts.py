"""Static images of the dashboard's figures for the scorecard: PNG and SVG through kaleido (≥ 1).

`render_scorecard_charts` is the plugin behind `predictions scorecard --charts DIR`: the project
registers it under the entry point group `predictions.chart_renderers` (name `scorecard`), so the
`predictions` package can ask for charts without importing plotly or the dashboard. The figures
themselves are the dashboard's own (dashboard/render/charts.py); this module only builds and exports them.

Kaleido 1.x drives a Chromium-based browser through choreographer. It never downloads one here: the
browser is the one named by BROWSER_PATH, else the first of chromium / chromium-browser /
google-chrome on PATH, else Debian's /usr/bin/chromium. MathJax (fetched from a CDN by default) is
switched off, and plotly.js comes from the plotly package, so an export works offline.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from dashboard.render import charts
from predictions import ledger
from predictions.errors import PredictionsError
from predictions.scoring import CalibrationBin, ScorePoint

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
FALLBACK_BROWSER = "/usr/bin/chromium"
WIDTH, HEIGHT, SCALE = 900, 500, 2
FORMATS = ("png", "svg")


class BrowserNotFoundError(PredictionsError, RuntimeError):
    pass


def browser_path() -> str:
    """The Chromium-based browser kaleido will drive (see the module docstring)."""
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise BrowserNotFoundError(f"BROWSER_PATH={configured} is not an executable browser")
        return configured
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    if os.access(FALLBACK_BROWSER, os.X_OK):
        return FALLBACK_BROWSER
    raise BrowserNotFoundError("no Chromium found for the chart images: install Debian's chromium or set BROWSER_PATH")


def export_figures(figures: Mapping[str, go.Figure], directory: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write every figure as `<name>.<format>` in one browser session; returns the files written."""
    import kaleido

    directory.mkdir(parents=True, exist_ok=True)
    jobs = []
    written = []
    for name, figure in figures.items():
        for fmt in formats:
            path = directory / f"{name}.{fmt}"
            opts = {"format": fmt, "width": WIDTH, "height": HEIGHT, "scale": SCALE if fmt == "png" else 1}
            jobs.append({"fig": figure, "path": path, "opts": opts})
            written.append(path)
    kaleido.write_fig_from_object_sync(jobs, kopts={"path": browser_path(), "mathjax": False})
    missing = [str(p) for p in written if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise RuntimeError(f"kaleido wrote no image to {', '.join(missing)}")
    return written


def _mark_since(figure: go.Figure, since: str) -> go.Figure:
    figure.add_shape(
        type="line", name="since", x0=since, x1=since, xref="x", y0=0, y1=1, yref="paper",
        line={"color": charts.TODAY_COLOUR, "width": 1.5, "dash": "dot"},
    )  # fmt: skip
    figure.add_annotation(
        x=since, y=0, xref="x", yref="paper", text=f"since {since} ", showarrow=False, xanchor="right",
        yanchor="bottom", font={"size": 11, "color": charts.TODAY_COLOUR}, bgcolor="rgba(255, 255, 255, 0.85)",
    )  # fmt: skip
    return figure


def scorecard_figures(data: Mapping[str, Any]) -> dict[str, go.Figure]:
    """The scorecard's figures from predictions.scorecard.chart_data (plain values)."""
    bins = [CalibrationBin(**b) for b in data["calibration"]]
    history = [
        ScorePoint(date.fromisoformat(p["resolved_on"]), int(p["n"]), float(p["brier"])) for p in data["history"]
    ]
    today = date.fromisoformat(data["today"])
    folded = bool(data.get("folded", True))
    view = "folded" if folded else "unfolded"
    trajectories = ledger.threshold_trajectories(Path(data["db_path"]), today) if data.get("db_path") else []
    return {
        "calibration": charts.calibration_figure(bins, folded, f"Calibration ({view}, deadline passed)"),
        "progress": charts.progress_figure(trajectories, today),
        "brier": _mark_since(charts.score_history_figure(history, "Running Brier score"), data["since"]),
    }


def render_scorecard_charts(data: Mapping[str, Any], directory: Path) -> list[Path]:
    """The plugin: PNG and SVG of the calibration, progress and running-Brier charts in `directory`."""
    return export_figures(scorecard_figures(data), Path(directory))
