"""Small Streamlit helpers shared by the pages: safe text, links to claims, URL-synced widgets, tables.

Text written by people is never given to st.markdown with unsafe_allow_html; where it goes into
markdown at all, it is escaped first so that `<script>`, `**bold**` or `[x](javascript:...)` show as
typed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dashboard.render.charts import STATUS_COLOURS, status_colour, status_text_colour, title_apart
from predictions import words
from predictions.models import describe_validation_error
from predictions.overview import parse_iso_date, source_label

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$~:&=^\"'])")
MAX_TABLE_ROWS = 500
LINK_SAFE = ":/?#@!$&*+,;=%~-._'"  # what a URL keeps as it is inside a markdown link


def escape_markdown(text: object) -> str:
    """User text made literal inside st.markdown: every markdown/HTML character backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def shorten(text: object, limit: int) -> str:
    """Text on one line, cut at `limit` characters with "…" (not escaped: escape where it is shown)."""
    value = " ".join(str(text or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def safe_url(url: object) -> str | None:
    """Only http(s) links are ever rendered (the models enforce it on the way in; this is the way out)."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in url):
        return url
    return None


def markdown_link(text: str, url: object) -> str | None:
    """A markdown link to an http(s) URL (brackets and parentheses percent-encoded, so the URL cannot end
    the link early), or None for anything else."""
    safe = safe_url(url)
    if safe is None:
        return None
    return f"[{escape_markdown(text)}]({quote(safe, safe=LINK_SAFE)})"


def app_root() -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/" if base else "/"


def public_address(configured: str | None) -> str:
    """Where readers reach this dashboard: PREDICTIONS_DASHBOARD_URL when set, else the address the
    browser used (scheme, host and the port the server listens on, plus any base path)."""
    if configured:
        return configured.rstrip("/")
    try:
        seen = st.context.url
    except Exception:  # no browser session
        seen = None
    if seen:
        parts = urlsplit(seen)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{app_root().rstrip('/')}"
    port = st.get_option("server.port") or 8501
    return f"http://localhost:{port}{app_root().rstrip('/')}"


def claim_url(claim_id: object, public_address: str | None = None) -> str:
    """The deep link of a claim, `/?claim=ID`; with the dashboard's public address, a full URL to share."""
    root = public_address.rstrip("/") + "/" if public_address else app_root()
    return f"{root}?claim={int(str(claim_id))}"


def plain_value(value: object) -> str:
    """A stored value as a person reads it: lists joined, numbers without `65.0`, nothing as a dash."""
    return words.value_text(value)


def status_pill(status: str) -> None:
    """The status in its palette colour. Only the fixed Status values reach this HTML, escaped anyway.

    st.html, not st.markdown(unsafe_allow_html=True): markdown with raw HTML makes the browser load and run
    a 190 kB HTML parser (rehype-raw) that nothing else on the claim page needs; st.html's sanitizer is small.
    """
    colour, text = status_colour(status), status_text_colour(status)
    st.html(
        f'<span style="background:{colour};color:{text};padding:0.2rem 0.6rem;border-radius:0.8rem;'
        f'font-weight:600;font-size:0.9rem">{html.escape(status)}</span>',
        width="content",
    )


def show_validation_error(error: ValidationError, heading: str = "Not saved:") -> None:
    st.error("\n".join([heading, *(f"- {escape_markdown(line)}" for line in describe_validation_error(error))]))


def plotly_chart(figure: Any, *, key: str) -> None:
    """A chart with its title as a bold line above it, which wraps to the screen's width (plotly never wraps
    a title: it is cut on a phone or broken into half the width of a desktop)."""
    title, figure = title_apart(figure)
    if title:
        st.markdown(f"**{escape_markdown(title)}**")
    st.plotly_chart(figure, key=key, config={"displaylogo": False})


# --- layouts for phone and desktop --------------------------------------------------------------

NARROW_PX = 640  # below this width Streamlit stacks columns: a phone
PHONE_STATEMENT_PX = 240  # a table's statement and probability side by side on a 390 px phone


def _css(rule: str) -> None:
    st.html(f"<style>{rule}</style>")


def only_on_wide_screens(key: str) -> None:
    """Hide the container with this key on a phone (a fixed CSS rule on its `st-key-` class)."""
    _css(f"@media (max-width: {NARROW_PX - 0.02}px) {{ .st-key-{key} {{ display: none; }} }}")


def only_on_narrow_screens(key: str) -> None:
    """Show the container with this key on a phone only."""
    _css(f"@media (min-width: {NARROW_PX}px) {{ .st-key-{key} {{ display: none; }} }}")


# --- widgets whose value lives in the URL --------------------------------------------------------


def _sync(key: str, param: str, dump: Callable[[Any], list[str]]) -> Callable[[], None]:
    def sync() -> None:
        texts = dump(st.session_state.get(key))
        if texts:
            st.query_params[param] = texts if len(texts) > 1 else texts[0]
        elif param in st.query_params:
            del st.query_params[param]

    return sync


def url_multiselect(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    key: str,
    format_func: Callable[[Any], str] = str,
    help: str | None = None,
) -> list[str]:
    """A multiselect kept in the URL as repeated `param` values; unknown values in the URL are ignored."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    else:
        wanted = set(st.query_params.get_all(param))
        st.session_state[key] = [v for v in options if v in wanted]
    return st.multiselect(
        label,
        list(options),
        key=key,
        format_func=format_func,
        help=help,
        on_change=_sync(key, param, lambda values: [str(v) for v in values or []]),
    )


def url_date(label: str, *, param: str, key: str, help: str | None = None) -> date | None:
    """An optional date kept in the URL as YYYY-MM-DD; anything unparsable there is ignored."""
    if key not in st.session_state:
        st.session_state[key] = parse_iso_date(st.query_params.get(param))
    value = st.date_input(
        label,
        value=None,
        key=key,
        format="YYYY-MM-DD",
        help=help,
        on_change=_sync(key, param, lambda day: [day.isoformat()] if isinstance(day, date) else []),
    )
    return value if isinstance(value, date) else None


def url_choice(
    label: str,
    options: Sequence[str],
    *,
    param: str,
    key: str,
    default: str,
    format_func: Callable[[Any], str] = str,
) -> str:
    """A single choice (segmented control) kept in the URL (`?param=option`) unless it is the default."""
    if key not in st.session_state or st.session_state[key] not in options:
        wanted = st.query_params.get(param)
        st.session_state[key] = wanted if wanted in options else default
    value = st.segmented_control(
        label,
        list(options),
        key=key,
        required=True,
        format_func=format_func,
        on_change=_sync(key, param, lambda v: [str(v)] if v and v != default else []),
    )
    return str(value) if value in options else default


# --- tables --------------------------------------------------------------------------------------


GRID_DARK_TEXT_ABOVE = 0.5  # the table grid writes black on a pill of relative luminance above this, else white
PILL_CONTRAST = 4.5  # WCAG AA for text of normal size: a pill's word against the pill


def relative_luminance(colour: str) -> float:
    """WCAG relative luminance of a `#rrggbb` colour (the formula the table grid uses to pick its text colour)."""

    def linear(channel: int) -> float:
        value = channel / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    a, b = (tuple(int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)) for c in (colour, towards))
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def pill_text_colour(colour: str) -> str:
    """The text the table grid draws on a pill of this colour (Streamlit's multiselect cell: black above
    luminance 0.5, white otherwise)."""
    return "#000000" if relative_luminance(colour) > GRID_DARK_TEXT_ABOVE else "#ffffff"


def _legible(colour: str, dark_text: bool) -> bool:
    text = pill_text_colour(colour)
    return (text == "#000000") == dark_text and contrast_ratio(colour, text) >= PILL_CONTRAST


def _rgb_distance(first: str, second: str) -> float:
    a, b = (tuple(int(c.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)) for c in (first, second))
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


PILL_APART = 40.0  # RGB distance kept between any two status pills (the palette's closest pair is 44.6 apart)


@cache
def pill_colours() -> dict[str, str]:
    """Each status's palette colour as a pill in the claims tables, legible with the text the grid puts on it.

    The grid chooses the text itself (black only above luminance 0.5), which would put white on the light
    statuses (amber, light blue, grey) at about 2:1. So a status the palette gives dark text is tinted toward
    white until the grid writes black on it at 4.5:1 or more, and one with white text is shaded toward black
    until the white has 4.5:1: the same hue, a step lighter or darker only where needed, whatever the theme.
    A tint that brings two pills close together (open and has evidence are both light blue) goes on until
    they are PILL_APART again, the darker status staying the darker pill.
    """
    white_text = [s for s in STATUS_COLOURS if status_text_colour(s) == "#ffffff"]
    dark_text = sorted(set(STATUS_COLOURS) - set(white_text), key=lambda s: relative_luminance(status_colour(s)))
    chosen: dict[str, str] = {}
    for status in [*white_text, *dark_text]:
        wants_dark = status in dark_text
        for step in range(101):
            colour = _mix(status_colour(status), "#ffffff" if wants_dark else "#000000", step / 100)
            if _legible(colour, wants_dark) and all(_rgb_distance(colour, c) >= PILL_APART for c in chosen.values()):
                break
        chosen[status] = colour
    return {status: chosen[status] for status in STATUS_COLOURS}


def pill_colour(status: str) -> str:
    return pill_colours().get(status, status_colour(status))


def status_column(label: str = "status") -> Any:
    """The status as a coloured pill (a one-value, read-only multiselect cell: drawn by the grid itself,
    with none of a pandas Styler's cost of rendering every cell to HTML on the server)."""
    return st.column_config.MultiselectColumn(
        label,
        options=list(STATUS_COLOURS),
        color=list(pill_colours().values()),
        disabled=True,
        width=130,
        help="Where the claim stands: open, has evidence, awaiting a verdict or resolved; a threshold claim on track, "
        "at risk or behind",
    )


def claims_frame(rows: Sequence[Mapping[str, Any]], extra: Mapping[str, Sequence[Any]] | None = None) -> pd.DataFrame:
    root = app_root()  # claim_url's root, read once for the whole table
    data: dict[str, list[Any]] = {
        "claim": [f"{root}?claim={int(str(r['id']))}" for r in rows],
        "status": [[r["status"]] for r in rows],  # one value: drawn as the status's coloured pill
        "deadline": [r["deadline"] or "none" for r in rows],
        "statement": [r["statement"] for r in rows],
        "claimant": [r["claimant"] for r in rows],
        "attribution": [str(r["attribution"]).replace("_", " ") for r in rows],
        "probability": [None if r["probability"] is None else round(100 * float(r["probability"])) for r in rows],
        "topics": [", ".join(r.get("tags") or []) for r in rows],
        "source": [source_label(r) for r in rows],
    }
    for name, values in (extra or {}).items():
        data[name] = list(values)
    return pd.DataFrame(data)


# A DataFrame kept once per view (the key) and shared by its readers: st.dataframe only reads it.
@st.cache_resource(show_spinner=False, max_entries=32)
def _shared_frame(
    key: tuple[Any, ...], _rows: Sequence[Mapping[str, Any]], _extra: Mapping[str, Sequence[Any]]
) -> pd.DataFrame:
    return claims_frame(_rows, _extra)


def claims_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    total: int | None = None,
    extra: Mapping[str, Sequence[Any]] | None = None,
    column_order: Sequence[str] | None = None,
    height: int | None = None,
    statement_width: str | int = "large",
    phone_statement_width: int | None = None,
    shared_key: tuple[Any, ...] | None = None,
) -> None:
    """Claims with their status in its colour; the first column links to each claim's page.

    At most MAX_TABLE_ROWS rows are shown; `total` is how many there are in all when the caller
    passed only the first ones. With `phone_statement_width`, a phone gets its own copy of the table
    whose statement is that narrow, so the probability beside it stays on screen, while a wide screen
    keeps the statement wide (a grid's column widths are fixed pixels: CSS cannot change them).
    With `shared_key` (data.Listing.key: the ledger version, day and view the rows are), the table is
    built once for every reader of that view and shared (`extra` must follow from the rows and the day).
    """
    shown = list(rows[:MAX_TABLE_ROWS])
    available = len(rows) if total is None else total
    columns = {k: list(v)[: len(shown)] for k, v in (extra or {}).items()}
    if shared_key is None:
        frame = claims_frame(shown, columns)
    else:
        frame = _shared_frame((*shared_key, tuple(columns)), shown, columns)
    note = f"Showing the first {len(shown):,} of {available:,} claims: narrow the filters to see the rest."

    def draw(name: str, width: str | int) -> None:
        if available > len(shown):
            st.caption(note)
        st.dataframe(
            frame,  # one frame for both copies: built once, never changed by st.dataframe
            key=name,
            hide_index=True,
            placeholder="–",
            height=height or min(35 * (len(shown) + 1) + 20, 640),
            column_order=list(column_order) if column_order else None,
            column_config={
                "claim": st.column_config.LinkColumn(
                    "claim", display_text=r"\?claim=(\d+)$", help="Open the claim's page", width="small"
                ),
                "status": status_column(),
                "statement": st.column_config.TextColumn("statement", width=width),  # type: ignore[arg-type]
                "probability": st.column_config.NumberColumn("probability", format="%d%%", help="latest forecast"),
            },
        )

    if phone_statement_width is None:
        draw(key, statement_width)
        return
    only_on_wide_screens(f"{key}_wide")
    only_on_narrow_screens(f"{key}_narrow")
    for where, name, width in (("wide", key, statement_width), ("narrow", f"{key}_phone", phone_statement_width)):
        with st.container(key=f"{key}_{where}"):
            draw(name, width)
