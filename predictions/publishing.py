"""`predictions publish` and `predictions card`: the static site and claim cards, through plugins.

The site and the cards are drawn with the dashboard's Plotly figures, so they live on the dashboard's
side (dashboard/site/publish.py, dashboard/render/cards.py). This module finds them as the scorecard finds its
chart renderer: through the entry point group `predictions.chart_renderers` (names `site` and `card`),
so the `predictions` package never imports plotly or the dashboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from itertools import groupby
from pathlib import Path
from typing import Any

from db import publishing as site_sql
from predictions import ledger, site_folder
from predictions.ledger import LedgerError

GROUP = "predictions.chart_renderers"


class PublishError(LedgerError):
    """The site or a card could not be written: one line for the user."""


@dataclass
class SiteClaim:
    """One claim as its page shows it: its detail and its corrections (amendments, its withdrawal)."""

    detail: ledger.ClaimDetail
    amendments: list[dict[str, Any]]

    @property
    def id(self) -> int:
        return self.detail.view.id

    def __post_init__(self) -> None:
        self.detail.amendments = self.amendments  # its withdrawal and status read them (ClaimDetail)

    @property
    def withdrawal(self) -> dict[str, Any] | None:
        return self.detail.withdrawal


def site_claims(db_path: Path, today: date) -> list[SiteClaim]:
    """Every claim with what its page shows, withdrawn ones included (their link keeps working), by id:
    one unit of work and five statements, however many claims there are."""
    with ledger.reading(db_path) as con:
        rows = site_sql.every_claim_summary(con)
        observations = _by_claim(site_sql.every_observation(con))
        forecasts = _by_claim(site_sql.every_forecast(con))
        resolutions = _by_claim(site_sql.every_resolution(con))
        amendments = _by_claim(site_sql.every_amendment(con))
    return [
        SiteClaim(
            ledger.claim_detail(
                row,
                observations.get(row["id"], []),
                forecasts.get(row["id"], []),
                resolutions.get(row["id"], []),
                today,
            ),
            amendments.get(row["id"], []),
        )
        for row in rows
    ]


def _by_claim(rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Rows ordered by claim_id, grouped by it."""
    return {int(claim_id): list(group) for claim_id, group in groupby(rows, key=lambda r: r["claim_id"])}


def plugin(name: str) -> Callable[..., Any]:
    found = entry_points(group=GROUP, name=name)
    if not found:
        raise PublishError(
            f"no {name} plugin installed (entry point {GROUP}:{name}); reinstall with `pip install -e .`"
        )
    try:
        loaded: Callable[..., Any] = next(iter(found)).load()
    except ImportError as error:
        raise PublishError(f"the {name} plugin cannot be loaded: {error}") from error
    return loaded


def _run(name: str, data: dict[str, Any], out: Path) -> Any:
    if not Path(data["db_path"]).exists():
        raise PublishError(f"database {data['db_path']} does not exist (run `predictions init` first)")
    return _plugin(name, data, out)


def _plugin(name: str, data: dict[str, Any], out: Path) -> Any:
    try:
        return plugin(name)(data, out)
    except LedgerError:
        raise
    except ValueError as error:  # the site's own one-line refusals (an unknown source)
        raise PublishError(str(error)) from error
    except Exception as error:  # a plugin: whatever else it raises becomes one line, never a traceback
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise PublishError(f"could not write the {name}: {error.__class__.__name__}: {reason}") from error


def publish(
    db_path: Path,
    out: Path,
    *,
    today: date,
    base_url: str | None = None,
    source: int | None = None,
    everything: bool = False,
    cards: bool = True,
    author: str = "",
) -> Any:
    """Write the static site into `out`, replacing the site there whole (site_folder: only a site this
    program wrote, swapped in at the end); returns the plugin's summary (claims, pages, cards, files,
    bytes, cards that could not be drawn)."""
    if base_url is not None and not base_url.lower().startswith(("http://", "https://")):
        raise PublishError(f"--base-url must be an http(s) address, not {base_url!r}")
    if not Path(db_path).exists():
        raise PublishError(f"database {db_path} does not exist (run `predictions init` first)")
    data = {
        "db_path": str(db_path),
        "today": today.isoformat(),
        "base_url": base_url,
        "source": source,
        "all": everything,
        "cards": cards,
        "author": author,
    }
    with site_folder.staged(Path(out), Path(db_path)) as (staging, current):
        data["previous"] = str(current) if current is not None else None  # its unchanged cards are kept
        return _plugin("site", data, staging)


def card(db_path: Path, claim_id: int, out: Path, *, today: date) -> Any:
    """Write one claim's 1200×630 PNG card to `out`."""
    if out.suffix.lower() != ".png":
        raise PublishError(f"a card is a PNG image: name the file .png, not {out.name!r}")
    return _run("card", {"db_path": str(db_path), "claim_id": claim_id, "today": today.isoformat()}, out)
