"""HTML for the published site: small functions that return strings, every value escaped.

Text written by people (statements, quotes, notes, names, links) goes through `esc` (or `attr` inside an
attribute) and nowhere else; links are only ever http(s) URLs or paths this site wrote. A chart is a
`<figure>` holding a placeholder that site.js draws the Plotly figure into, its figure as JSON in a
`<script type="application/json">` (with `<`, `>` and `&` escaped, so no text can end the script), and
its data as a table that is open until the chart is drawn: the page reads without JavaScript.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
import plotly.io as pio

from dashboard.render import charts

SITE_TITLE = "Trend Prediction Tracker"
NAV = (("index.html", "Overview"), ("deadlines.html", "Deadlines"), ("track-record.html", "Track record"))
TEMPLATE = "plotly_white"  # every chart's template, applied by site.js
DARK_TEMPLATE = "plotly_dark"  # under prefers-color-scheme: dark, on the site's dark background:
DARK_BACKGROUND = "#1a1b1e"  # assets/site.css's --bg in dark mode
DARK_INK = "#e9ecef"  # and its --ink


def percent(value: object) -> str:
    return "–" if value is None else f"{float(str(value)):.0%}"


def day(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else ("–" if value is None else str(value)[:10])


def absolute(base_url: str | None, path: str) -> str:
    """`path` under the site's address, when it has one; else as it is (relative)."""
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def attr(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: object) -> str | None:
    text = str(url or "").strip()
    return text if text.lower().startswith(("http://", "https://")) and not any(c.isspace() for c in text) else None


def link(href: str, text: object, *, external: bool = False) -> str:
    rel = ' rel="noopener noreferrer nofollow"' if external else ""
    return f'<a href="{attr(href)}"{rel}>{esc(text)}</a>'


def source_link(url: object, text: str = "open ↗") -> str:
    safe = safe_url(url)
    return link(safe, text, external=True) if safe else "–"


def links(items: Sequence[tuple[str, str]]) -> str:
    """A row of links (href, text): a page's downloads and share links."""
    return '<p class="share">' + " ".join(link(href, text) for href, text in items) + "</p>"


def pill(status: str) -> str:
    """A status as text beside a dot of its colour: the text keeps full contrast whatever the colour."""
    colour = charts.status_colour(status)
    return (
        f'<span class="pill" data-status="{attr(status)}"><span class="dot" style="background:{attr(colour)}"'
        f' aria-hidden="true"></span>{esc(status)}</span>'
    )


def script_json(value: object) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` left to end it or open a comment."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def figure_json(figure: go.Figure) -> str:
    return script_json(pio.to_json(figure, validate=False, pretty=False, engine="json"))


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Iterable[int] = (),
    caption: str | None = None,
    table_id: str | None = None,
    sortable: bool = False,
    row_attrs: Sequence[str] | None = None,
    table_class: str | None = None,
    column_classes: Sequence[str] | None = None,
    labelled: Iterable[int] = (),
) -> str:
    """A table whose cells are HTML already (each value escaped by the caller). `column_classes` gives
    each column's cells a class (the CSS hooks of a table laid out as blocks on a phone), `labelled` the
    columns whose cells carry their header as `data-label` (shown before the value there)."""
    right, named = set(numeric), set(labelled)
    ident = f' id="{attr(table_id)}"' if table_id else ""
    sort = " data-sortable" if sortable else ""
    kind = f' class="{attr(table_class)}"' if table_class else ""
    parts = [f'<div class="table-wrap"><table{ident}{kind}{sort}>']
    if caption:
        parts.append(f'<caption class="caption">{esc(caption)}</caption>')

    def classes(i: int) -> str:
        names = (["num"] if i in right else []) + ([column_classes[i]] if column_classes else [])
        return f' class="{attr(" ".join(names))}"' if names else ""

    heads = []
    for i, name in enumerate(header):
        label = f'<button type="button">{esc(name)}</button>' if sortable else esc(name)
        heads.append(f'<th scope="col"{classes(i)}>{label}</th>')
    parts.append("<thead><tr>" + "".join(heads) + "</tr></thead><tbody>")
    for n, cells in enumerate(rows):
        extra = f" {row_attrs[n]}" if row_attrs else ""
        tds = []
        for i, cell in enumerate(cells):
            label = f' data-label="{attr(header[i])}"' if i in named else ""
            tds.append(f"<td{classes(i)}{label}>{cell}</td>")
        parts.append(f"<tr{extra}>" + "".join(tds) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def site_figure(figure: go.Figure) -> str:
    """A figure as the site draws it, as JSON for a `<script>`: no title (the page's caption names the
    chart), tick labels that make their own room (the dashboard's theme does that in Streamlit, plotly.js
    alone does not), and no template: site.js gives every chart the site's one (TEMPLATE), shipped once
    in assets/site.js rather than 7 KB of it in every chart."""
    spec = figure.to_plotly_json()
    layout = spec.setdefault("layout", {})
    layout.pop("template", None)
    layout["title"] = {**layout.get("title", {}), "text": ""}
    layout["margin"] = {**layout.get("margin", {}), "t": 48, "l": 10, "r": 10}
    layout.setdefault("xaxis", {})
    layout.setdefault("yaxis", {})
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict):
            axis["automargin"] = True
    return script_json(pio.to_json(spec, validate=False, pretty=False, engine="json"))


def dark_template() -> dict[str, object]:
    """plotly_dark on the site's own dark background and text colour, with the light template's colours
    for the traces (so a chart keeps its colours in both modes)."""
    spec = pio.templates[DARK_TEMPLATE].to_plotly_json()
    layout = spec["layout"]
    layout["paper_bgcolor"] = layout["plot_bgcolor"] = DARK_BACKGROUND
    layout["font"] = {**layout.get("font", {}), "color": DARK_INK}
    layout["colorway"] = pio.templates[TEMPLATE].layout.colorway
    return dict(spec)


def site_script(source: str) -> str:
    """assets/site.js: the site's script with the charts' templates (plotly_white, and plotly_dark on the
    site's dark background for prefers-color-scheme: dark) in front of it."""
    light = json.dumps(pio.templates[TEMPLATE].to_plotly_json(), separators=(",", ":"), sort_keys=True)
    dark = json.dumps(dark_template(), separators=(",", ":"), sort_keys=True)
    return (
        f"/* The charts' templates: plotly's {TEMPLATE}, and {DARK_TEMPLATE} on the site's dark background. */\n"
        f"var SITE_CHART_TEMPLATE = {light};\nvar SITE_CHART_TEMPLATE_DARK = {dark};\n{source}"
    )


def chart(
    ident: str,
    title: str,
    figure: go.Figure | str,
    data_header: Sequence[str],
    data_rows: Sequence[Sequence[str]],
    *,
    narrow_table: bool = False,
) -> str:
    """A figure drawn by site.js (a Figure, or the JSON `site_figure` made of one, to draw it twice
    without converting it twice), with its data as a table (open until the chart is drawn)."""
    spec = figure if isinstance(figure, str) else site_figure(figure)
    numeric = [i for i in range(len(data_header)) if i > 0]
    data = table(data_header, data_rows, numeric=numeric) if data_rows else '<p class="caption">No data yet.</p>'
    narrow = ' data-narrow="table"' if narrow_table else ""
    return (
        f'<figure class="chart"><figcaption id="{attr(ident)}-title">{esc(title)}</figcaption>'
        f'<div class="plot" data-figure="{attr(ident)}-json"{narrow} role="img" aria-labelledby="{attr(ident)}-title">'
        '<p class="nojs">The interactive chart needs JavaScript; its data is in the table below.</p></div>'
        f'<script type="application/json" id="{attr(ident)}-json">{spec}</script>'
        f'<details class="chart-data" open><summary>Data behind the chart</summary>{data}</details></figure>'
    )


def meta_tags(meta: Mapping[str, str]) -> str:
    tags = []
    for key, value in meta.items():
        name = "name" if key.startswith("twitter:") or key == "description" else "property"
        tags.append(f'<meta {name}="{attr(key)}" content="{attr(value)}">')
    return "\n".join(tags)


def page(
    *,
    title: str,
    body: str,
    root: str = "",
    current: str | None = None,
    meta: Mapping[str, str] | None = None,
    as_of: str,
    plotly: bool = True,
    canonical: str | None = None,
    record: str = "",
) -> str:
    """A whole page: `root` is the relative path back to the site's top folder ('' or '../'); `record`
    the hash chain's head line for the footer (record_footer)."""
    nav = " ".join(
        f'<a href="{root}{href}"' + (' aria-current="page"' if href == current else "") + f">{esc(label)}</a>"
        for href, label in NAV
    )
    scripts = f'<script src="{root}assets/plotly.min.js"></script>' if plotly else ""
    scripts += f'<script src="{root}assets/site.js"></script>'
    head_extra = meta_tags(meta or {})
    if canonical:
        head_extra += f'\n<link rel="canonical" href="{attr(canonical)}">'
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
{head_extra}
<link rel="alternate" type="application/atom+xml" title="New claims, evidence and verdicts" href="{root}feed.xml">
<link rel="icon" href="{root}assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{root}assets/site.css">
{scripts}
</head>
<body>
<header class="site"><nav aria-label="Site">{nav} <a href="{root}feed.xml">Feed</a></nav></header>
<main>
{body}
</main>
<footer class="site">{esc(SITE_TITLE)} · status as of {esc(as_of)} · a static copy of the reader pages.{record}</footer>
</body>
</html>
"""


def record_footer(count: int, head: str, day: str | None, root: str = "") -> str:
    """The footer's line on the record: its size and head, and how anyone can recount it."""
    if not count:
        return ""
    when = f" ({esc(day)})" if day else ""
    return (
        f'<br>The record: {count:,} entries{when}, head <code class="head">{esc(head)}</code>. '
        f"Recount it: <code>python3 {link(root + 'verify_record.py', 'verify_record.py')} "
        f"{link(root + 'data/record.json', 'data/record.json')}</code>"
    )
