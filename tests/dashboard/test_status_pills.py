"""The status in the claims tables (issue 30): a coloured pill the grid draws itself, no pandas Styler.

The grid (Streamlit's multiselect cell) chooses the pill's text colour on its own: black on a colour whose
relative luminance is above 0.5, white otherwise. The checks below compute luminance and contrast here, by
the WCAG formulas, not through the dashboard's helpers.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
from dashboard_fixtures import Rich, app, no_exception, rich_db
from streamlit.testing.v1 import AppTest

from dashboard import ui
from dashboard.render import charts
from predictions import ledger
from predictions.progress import Status

__all__ = ["rich_db"]

WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    assert len(value) == 6, colour
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def luminance(colour: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def grid_text(pill: tuple[int, int, int]) -> tuple[int, int, int]:
    """The text colour Streamlit's grid draws on a pill of this colour."""
    return BLACK if luminance(pill) > 0.5 else WHITE


def on_the_way(start: tuple[int, int, int], end: tuple[int, int, int], point: tuple[int, int, int]) -> bool:
    """`point` is `start` mixed with `end` (each channel rounded): the same hue, lighter or darker."""
    shares = [(p - s) / (e - s) for s, e, p in zip(start, end, point, strict=True) if e != s]
    if not shares:
        return point == start
    share = float(np.median(shares))
    return 0 <= share <= 1 and all(
        abs(round(s + (e - s) * share) - p) <= 1 for s, e, p in zip(start, end, point, strict=True)
    )


def test_every_status_pill_reads_with_the_text_the_grid_draws_on_it() -> None:
    pills = {status.value: rgb(ui.pill_colour(status.value)) for status in Status}
    for status, pill in pills.items():
        palette = rgb(charts.status_colour(status))
        wanted_text = BLACK if charts.status_text_colour(status) != "#ffffff" else WHITE
        assert grid_text(pill) == wanted_text, status  # the palette's own choice of dark or white text
        assert contrast(pill, wanted_text) >= 4.5, (status, ui.pill_colour(status))
        assert on_the_way(palette, WHITE if wanted_text == BLACK else BLACK, pill), (status, ui.pill_colour(status))
    for (a, first), (b, second) in itertools.combinations(pills.items(), 2):
        assert np.linalg.norm(np.subtract(first, second)) >= 40, (a, b)  # no two statuses look alike
    # Open stays the paler blue and has evidence the deeper one, as in the palette.
    assert luminance(pills["open"]) > luminance(pills["has evidence"])


def test_a_pill_keeps_the_palette_colour_where_the_grid_already_writes_legibly_on_it() -> None:
    for status in ("awaiting verdict", "resolved true", "resolved false", "resolved ambiguous"):
        palette = rgb(charts.status_colour(status))
        assert grid_text(palette) == WHITE and contrast(palette, WHITE) >= 4.5
        assert ui.pill_colour(status) == charts.status_colour(status)
    assert charts.status_colour("at risk") != ui.pill_colour("at risk")  # white on amber would be 2.2:1
    assert contrast(rgb(charts.status_colour("at risk")), grid_text(rgb(charts.status_colour("at risk")))) < 3


def status_config(frame: Any) -> dict[str, Any]:
    return dict(json.loads(frame.proto.columns)["status"])


def assert_pills(at: AppTest, statuses_by_id: dict[int, str]) -> int:
    """Every claims table on the page sends each row's status as one pill value of its colour."""
    assert at.dataframe
    for frame in at.dataframe:
        config = status_config(frame)
        assert config["disabled"] is True
        assert config["type_config"]["type"] == "multiselect"
        options = {o["value"]: o["color"] for o in config["type_config"]["options"]}
        assert options == {s.value: ui.pill_colour(s.value) for s in Status}
        table = frame.value
        claim_ids = [int(link.rsplit("=", 1)[1]) for link in table["claim"]]
        cells = [list(cell) for cell in table["status"]]
        assert cells == [[statuses_by_id[claim_id]] for claim_id in claim_ids]
    return len(at.dataframe)


def test_the_overview_and_deadlines_tables_show_each_claims_status_as_its_pill(rich_db: Rich) -> None:
    path, _ = rich_db
    statuses = {view.id: str(view.status) for view in ledger.list_claims(path)}
    assert len(set(statuses.values())) >= 4  # a table of several statuses, so a wrong pairing shows
    at = app()
    no_exception(at)
    assert assert_pills(at, statuses) == 2  # the wide copy and the phone's
    assert {cell[0] for cell in at.dataframe[0].value["status"]} == set(statuses.values())
    at.switch_page("app_pages/deadlines.py").run()
    no_exception(at)
    assert assert_pills(at, statuses) == 4  # due soon and overdue, each wide and for a phone
