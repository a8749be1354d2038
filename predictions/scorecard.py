"""The scorecard: a ready-to-paste section for the next issue, in Markdown or HTML.

It holds the claims resolved since a date (with the outcome and the confidence that was given), the
running Brier score before that date and now, a folded calibration table (deadline passed only, as in
`predictions score --folded`), and the claims due in the coming days. With a charts directory it also
writes PNG and SVG images of the calibration chart, the progress chart (threshold claims toward
their targets, as on the dashboard) and the running Brier score by resolution date.

Charts are drawn by a plugin found through the entry point group `predictions.chart_renderers`
(name `scorecard`; the project registers `dashboard.render.static_charts:render_scorecard_charts`), so this
package never imports plotly or the dashboard. The renderer is called as
`renderer(data: dict, directory: Path) -> list[Path]` with plain JSON-able data (see `chart_data`).

The confidence shown for a resolved claim is the last forecast made by the end of its deadline day
(the forecast `--latest` scores), else the last one at all, marked as made after the deadline.

Over 500 lines: the section's data, its Markdown and HTML texts and the chart plugin's JSON are one document
built from one read; the two texts must say the same things, which is easiest to keep true in one place.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import numpy as np

from db import amendments as amendments_sql
from db import chain, queries
from db.chain import Head
from predictions import words
from predictions.ledger import LedgerError, reading, scored_table_from
from predictions.scoring import (
    CalibrationBin,
    ScorePoint,
    brier_score,
    cumulative_brier,
    log_score,
    score_rows,
    scored_outcome,
)

FORMATS = ("markdown", "html")
DUE_DAYS = 90
MAX_ROWS = 100
RENDERER_GROUP = "predictions.chart_renderers"
RENDERER_NAME = "scorecard"
CHART_NAMES = ("calibration", "progress", "brier")


MAX_DUE_DAYS = 3650


class ScorecardError(LedgerError):
    """A scorecard that cannot be made as asked (bad dates, no chart renderer, a failed render)."""


@dataclass(frozen=True)
class Period:
    """Scored forecasts up to a date: how many, Brier and log score."""

    n: int
    brier: float | None
    log_score: float | None


@dataclass
class Scorecard:
    since: date
    today: date
    due_until: date
    resolved: list[dict[str, Any]]
    before: Period
    now: Period
    calibration: list[CalibrationBin]
    history: list[ScorePoint]
    due: list[dict[str, Any]]
    forecaster: str | None = None
    attribution: str | None = None
    latest: bool = False
    charts: list[Path] = field(default_factory=list)
    # The hash chain's head when the card was made (count, hash, day): a reader can hold the author to it.
    record: Head | None = None
    # How the forecasts in the card's scope entered the record: {entry: count} (imported, backfilled, ...).
    entries: dict[str, int] = field(default_factory=dict)
    # Ranges (predictions.numeric): coverage over every resolved range, and each one resolved since `since`.
    numeric: Any = None

    @property
    def change(self) -> float | None:
        """Brier now minus Brier before `since` (negative is better)."""
        if self.before.brier is None or self.now.brier is None:
            return None
        return self.now.brier - self.before.brier


def _period(p: np.ndarray, o: np.ndarray) -> Period:
    return Period(len(p), brier_score(p, o), log_score(p, o))


def compute_scorecard(
    db_path: Path,
    since: date,
    today: date | None = None,
    *,
    forecaster: str | None = None,
    attribution: str | None = None,
    latest: bool = False,
    due_days: int = DUE_DAYS,
) -> Scorecard:
    """The figures of the scorecard; forecasts are those `predictions score` counts (same filters)."""
    today = today or date.today()
    if since > today:
        raise ScorecardError(f"--since {since.isoformat()} is after today ({today.isoformat()})")
    if due_days < 0:
        raise ScorecardError("the number of days ahead cannot be negative")
    if due_days > MAX_DUE_DAYS:
        raise ScorecardError(f"the number of days ahead ({due_days}) may be at most {MAX_DUE_DAYS} (ten years)")
    try:
        due_until = today + timedelta(days=due_days)
    except OverflowError:
        raise ScorecardError(f"{due_days} days after {today.isoformat()} is past the end of the calendar") from None
    with reading(db_path) as con:
        table = scored_table_from(con, latest=latest, attribution=attribution, forecaster=forecaster)
        resolved = queries.resolved_between(con, since, today, attribution=attribution, forecaster=forecaster)
        amended = amendments_sql.amended_claim_ids(con)
        due = queries.open_claims_due(con, today, due_until, attribution=attribution, forecaster=forecaster)
        record = chain.head(con)
        entries = queries.forecast_entries(con, attribution=attribution, forecaster=forecaster)
    rows = table.rows(np.arange(len(table)))  # what `predictions score` scores, in the same order
    resolved_on = rows["resolved_on"]
    up_to_today = resolved_on <= np.datetime64(today, "D")
    before = resolved_on < np.datetime64(since, "D")
    p, o = rows["probability"], rows["outcome"]
    current = {key: value[up_to_today] for key, value in rows.items()}
    for row in resolved:
        row["amended"] = int(row["claim_id"]) in amended
        value = scored_outcome(row["outcome"], row["fraction"], bool(row["partial_credit"]))
        row["scored_outcome"] = value
        row["brier"] = None if value is None or row["probability"] is None else (row["probability"] - value) ** 2
    return Scorecard(
        since=since,
        today=today,
        due_until=due_until,
        resolved=resolved,
        before=_period(p[before], o[before]),
        now=_period(p[up_to_today], o[up_to_today]),
        calibration=score_rows(current, today, folded=True).calibration,
        history=cumulative_brier(current),
        due=due,
        forecaster=forecaster,
        attribution=attribution,
        latest=latest,
        record=record,
        entries=entries,
    )


# --- charts through the plugin --------------------------------------------------------------------


def chart_data(card: Scorecard, db_path: Path | None = None) -> dict[str, Any]:
    """What the chart renderer gets: plain values only (dates as ISO text, the database as a path text
    for the progress chart's threshold claims)."""
    return {
        "db_path": str(db_path) if db_path is not None else None,
        "since": card.since.isoformat(),
        "today": card.today.isoformat(),
        "folded": True,
        "calibration": [asdict(b) for b in card.calibration],
        "history": [{"resolved_on": p.resolved_on.isoformat(), "n": p.n, "brier": p.brier} for p in card.history],
        "names": list(CHART_NAMES),
    }


Renderer = Callable[[dict[str, Any], Path], Sequence[Path]]


def chart_renderer() -> Renderer:
    found = entry_points(group=RENDERER_GROUP, name=RENDERER_NAME)
    if not found:
        raise ScorecardError(
            f"no chart renderer installed (entry point {RENDERER_GROUP}:{RENDERER_NAME}); "
            "reinstall the project with `pip install -e .`"
        )
    try:
        renderer: Renderer = next(iter(found)).load()
    except ImportError as error:
        raise ScorecardError(f"the chart renderer cannot be loaded: {error}") from error
    return renderer


def render_charts(
    card: Scorecard, directory: Path, db_path: Path | None = None, renderer: Renderer | None = None
) -> list[Path]:
    """PNG and SVG files of the calibration, progress and running-Brier charts in `directory`."""
    renderer = renderer or chart_renderer()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        written = [Path(p) for p in renderer(chart_data(card, db_path), directory)]
    except Exception as error:  # a plugin: whatever it raises becomes one line, never a traceback
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise ScorecardError(f"could not draw the charts: {error.__class__.__name__}: {reason}") from error
    card.charts = written
    return written


# --- text -----------------------------------------------------------------------------------------


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _change_text(card: Scorecard) -> str:
    change = card.change
    if change is None:
        if card.before.n == 0:
            return f"no forecasts were scored before {card.since.isoformat()}"
        return "no change to report"
    if abs(change) < 0.0005:
        return f"{change:+.3f} (unchanged)"
    return f"{change:+.3f} ({'better' if change < 0 else 'worse'})"


def _outcome_text(row: dict[str, Any]) -> str:
    outcome = row["outcome"]
    if outcome == "partial":
        fraction = row["fraction"]
        return f"partial ({fraction:.0%})" if fraction is not None else "partial"
    if outcome == "ambiguous":
        return "ambiguous (not scored)"
    return {"true": "came true", "false": "did not happen"}.get(outcome, str(outcome))


def _several_forecasters(rows: Sequence[dict[str, Any]]) -> bool:
    return len({row["forecaster"] for row in rows if row.get("forecaster") is not None}) > 1


def _confidence(row: dict[str, Any], named: bool) -> str:
    if row.get("probability") is None:
        return "–"
    text = _percent(row["probability"])
    if named:
        text += f" ({row['forecaster']})"
    if row.get("after_deadline"):
        text += " †"
    return text


def _period_text(period: Period) -> str:
    return f"{_number(period.brier)} over {words.count(period.n, 'forecast')}" if period.n else "no forecast scored yet"


def _headline(card: Scorecard) -> list[tuple[str, str]]:
    """(label, value) lines of the track-record summary."""
    who = []
    if card.forecaster:
        who.append(f"forecaster {card.forecaster}")
    if card.attribution:
        who.append(f"attribution {card.attribution}")
    if card.latest:
        who.append("each forecaster's last forecast per claim")
    return [
        ("Covers", ", ".join(who) if who else "every scored forecast"),
        (f"Brier score before {card.since.isoformat()}", _period_text(card.before)),
        (f"Brier score on {card.today.isoformat()}", _period_text(card.now)),
        ("Change", _change_text(card)),
        ("Log score now", _number(card.now.log_score)),
        ("How the forecasts were recorded", _entries_text(card.entries)),
        ("The record", _record_text(card.record)),
    ]


def _entries_text(entries: dict[str, int]) -> str:
    total = sum(entries.values())
    if not total:
        return "no forecast yet"
    parts = [f"{entries.get('live', 0) + entries.get('migrated', 0):,} typed as they were made"]
    parts.append(f"{entries.get('imported', 0):,} imported with their own dates (the issues' own, archives)")
    parts.append(f"{entries.get('backfilled', 0):,} backfilled (dated back when typed: never scored)")
    return f"of {total:,} forecasts, " + "; ".join(parts)


def _record_text(record: Head | None) -> str:
    if record is None or not record.count:
        return "nothing recorded yet"
    return f"{record.line()}; full head {record.hash} (check it: predictions verify --head {record.hash})"


def _table_rows(card: Scorecard, max_rows: int) -> dict[str, Any]:
    named_resolved = card.forecaster is None and _several_forecasters(card.resolved)
    named_due = card.forecaster is None and _several_forecasters(card.due)
    resolved = [
        [
            row["statement"],
            row["deadline"].isoformat() if row["deadline"] else "none",
            _confidence(row, named_resolved),
            _outcome_text(row),
            row["resolved_on"].isoformat(),
            _number(row["brier"]),
            _short(row.get("resolution_note")) + (" ‡" if row.get("amended") else ""),
            Link(row["evidence_url"]) if row.get("evidence_url") else "–",
        ]
        for row in card.resolved[:max_rows]
    ]
    calibration = [
        [
            f"{b.low:.0%}–{b.high:.0%}",
            str(b.n),
            f"{b.hits:g}",
            _percent(b.hit_rate),
            _percent(b.mean_probability),
            f"{_percent(b.wilson_low)}–{_percent(b.wilson_high)}" if b.wilson_low is not None else "–",
        ]
        for b in card.calibration
    ]
    due = [
        [
            row["statement"],
            row["deadline"].isoformat(),
            _confidence(row, named_due),
        ]
        for row in card.due[:max_rows]
    ]
    return {
        "resolved": resolved,
        "resolved_more": max(0, len(card.resolved) - max_rows),
        "calibration": calibration,
        "due": due,
        "due_more": max(0, len(card.due) - max_rows),
        "after_deadline": any(row.get("after_deadline") for row in card.resolved[:max_rows]),
        "amended": any(row.get("amended") for row in card.resolved[:max_rows]),
    }


RESOLVED_HEADER = ["Claim", "Deadline", "Confidence given", "Outcome", "Resolved", "Brier", "Rests on", "Evidence"]
AMENDED_NOTE = "‡ the claim was amended after its first forecast (see its page for what changed and why)."
NOTE_CHARACTERS = 240


class Link(str):
    """A table cell that is a link to the evidence, written as a link rather than escaped text."""


def _short(text: object) -> str:
    words = " ".join(str(text or "").split())
    if not words:
        return "–"
    return words if len(words) <= NOTE_CHARACTERS else words[: NOTE_CHARACTERS - 1].rstrip() + "…"


CALIBRATION_HEADER = ["Forecast", "n", "Hits", "Hit rate", "Mean forecast", "95% interval (Wilson)"]
DUE_HEADER = ["Claim", "Deadline", "Confidence now"]
BRIER_NOTE = "Brier score: 0 is perfect, 0.25 is what always saying 50% earns; lower is better."
CALIBRATION_NOTE = (
    "Only claims whose deadline has passed; a forecast below 50% counts as its complement on the "
    "opposite outcome (folded), so every bin runs from 50% to 100%."
)
AFTER_DEADLINE_NOTE = "† no forecast before the deadline: the last forecast made is shown."

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")


def _md(text: object) -> str:
    """One Markdown table cell or line: whitespace folded, every markup character backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _md_cell(cell: str) -> str:
    if isinstance(cell, Link):
        return f"[source](<{cell.replace('>', '%3E').replace('|', '%7C')}>)"
    return _md(cell)


def _md_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def render_markdown(card: Scorecard, chart_links: Sequence[tuple[str, str]] = (), max_rows: int = MAX_ROWS) -> str:
    tables = _table_rows(card, max_rows)
    since = card.since.isoformat()
    out = [f"## Scorecard: claims resolved since {since}", "", f"*As of {card.today.isoformat()}. {BRIER_NOTE}*", ""]
    out += [f"- **{_md(label)}:** {_md(value)}" for label, value in _headline(card)]
    out += ["", f"### Resolved since {since} ({len(card.resolved)})", ""]
    if tables["resolved"]:
        out += _md_table(RESOLVED_HEADER, tables["resolved"], {2, 5})
        if tables["resolved_more"]:
            out += ["", f"… and {tables['resolved_more']} more."]
        if tables["after_deadline"]:
            out += ["", _md(AFTER_DEADLINE_NOTE)]
        if tables["amended"]:
            out += ["", _md(AMENDED_NOTE)]
    else:
        out.append("No claim was resolved in this period.")
    out += ["", "### Calibration", "", _md(CALIBRATION_NOTE), ""]
    out += _md_table(CALIBRATION_HEADER, tables["calibration"], {1, 2, 3, 4})
    ranges_title, ranges_lines = _ranges_section(card)
    if ranges_lines:
        out += ["", f"### {ranges_title}", ""] + [f"- {_md(line)}" for line in ranges_lines]
    out += ["", f"### Due in the next {(card.due_until - card.today).days} days ({len(card.due)})", ""]
    if tables["due"]:
        out += _md_table(DUE_HEADER, tables["due"], {2})
        if tables["due_more"]:
            out += ["", f"… and {tables['due_more']} more."]
    else:
        out.append("No open claim falls due in this period.")
    for alt, link in chart_links:
        out += ["", f"![{_md(alt)}](<{link.replace('>', '%3E')}>)"]
    return "\n".join(out) + "\n"


def _html_table(header: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    def cell(tag: str, i: int, text: str) -> str:
        style = ' style="text-align:right"' if i in right else ""
        if isinstance(text, Link):
            return f'<{tag}{style}><a href="{html.escape(text)}">source</a></{tag}>'
        return f"<{tag}{style}>{html.escape(text)}</{tag}>"

    lines = ["<table>", "<thead><tr>" + "".join(cell("th", i, h) for i, h in enumerate(header)) + "</tr></thead>"]
    lines.append("<tbody>")
    lines += ["<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return lines


def render_html(card: Scorecard, chart_links: Sequence[tuple[str, str]] = (), max_rows: int = MAX_ROWS) -> str:
    """An HTML fragment (a <section>), every value escaped."""
    tables = _table_rows(card, max_rows)
    since = html.escape(card.since.isoformat())
    esc = html.escape
    out = ['<section class="scorecard">', f"<h2>Scorecard: claims resolved since {since}</h2>"]
    out.append(f"<p><em>As of {esc(card.today.isoformat())}. {esc(BRIER_NOTE)}</em></p>")
    out.append("<ul>")
    out += [f"<li><strong>{esc(label)}:</strong> {esc(value)}</li>" for label, value in _headline(card)]
    out.append("</ul>")
    out.append(f"<h3>Resolved since {since} ({len(card.resolved)})</h3>")
    if tables["resolved"]:
        out += _html_table(RESOLVED_HEADER, tables["resolved"], {2, 5})
        if tables["resolved_more"]:
            out.append(f"<p>… and {tables['resolved_more']} more.</p>")
        if tables["after_deadline"]:
            out.append(f"<p>{esc(AFTER_DEADLINE_NOTE)}</p>")
        if tables["amended"]:
            out.append(f"<p>{esc(AMENDED_NOTE)}</p>")
    else:
        out.append("<p>No claim was resolved in this period.</p>")
    out += ["<h3>Calibration</h3>", f"<p>{esc(CALIBRATION_NOTE)}</p>"]
    out += _html_table(CALIBRATION_HEADER, tables["calibration"], {1, 2, 3, 4})
    ranges_title, ranges_lines = _ranges_section(card)
    if ranges_lines:
        out += [f"<h3>{esc(ranges_title)}</h3>", "<ul>", *(f"<li>{esc(line)}</li>" for line in ranges_lines), "</ul>"]
    out.append(f"<h3>Due in the next {(card.due_until - card.today).days} days ({len(card.due)})</h3>")
    if tables["due"]:
        out += _html_table(DUE_HEADER, tables["due"], {2})
        if tables["due_more"]:
            out.append(f"<p>… and {tables['due_more']} more.</p>")
    else:
        out.append("<p>No open claim falls due in this period.</p>")
    for alt, link in chart_links:
        out.append(f'<figure><img src="{esc(link)}" alt="{esc(alt)}"></figure>')
    out.append("</section>")
    return "\n".join(out) + "\n"


def _ranges_section(card: Scorecard) -> tuple[str, list[str]]:
    """The ranges' lines: coverage of the 50/80/90% intervals (with Wilson intervals) over every resolved
    range, then each range resolved since `since` with where its outcome fell (none: no section)."""
    from predictions.range_text import scored_range_line

    record = card.numeric
    if record is None or not record.n:
        return "", []
    lines = [record.coverage_line().removeprefix("ranges: ").capitalize()]
    lines += [scored_range_line(item) for item in record.scored if item.resolved_on >= card.since]
    return "Ranges: where the outcomes fell", lines


CHART_TITLES = {
    "calibration": "Calibration (folded)",
    "progress": "Progress of threshold claims toward their targets",
    "brier": "Running Brier score",
}


def _links(charts: Sequence[Path], link_base: Path | None) -> list[tuple[str, str]]:
    """(alt text, link) of the PNG images, relative to `link_base` when given."""
    links = []
    for chart in charts:
        if chart.suffix.lower() != ".png":
            continue
        link = Path(os.path.relpath(chart.resolve(), link_base.resolve())) if link_base else chart
        links.append((CHART_TITLES.get(chart.stem, chart.stem), link.as_posix()))
    return links


def build_scorecard(
    db_path: Path,
    since: date,
    fmt: str = "markdown",
    today: date | None = None,
    *,
    charts_dir: Path | None = None,
    link_base: Path | None = None,
    forecaster: str | None = None,
    attribution: str | None = None,
    latest: bool = False,
    due_days: int = DUE_DAYS,
    max_rows: int = MAX_ROWS,
) -> str:
    """The scorecard as Markdown or an HTML fragment.

    With `charts_dir`, the charts are written there (PNG and SVG) and the PNGs are linked, relative
    to `link_base` (the directory the text will be saved in) when given.
    """
    if fmt not in FORMATS:
        raise ScorecardError(f"unknown scorecard format {fmt!r}: use {', '.join(FORMATS)}")
    card = compute_scorecard(
        db_path, since, today, forecaster=forecaster, attribution=attribution, latest=latest, due_days=due_days
    )
    from predictions import numeric

    card.numeric = numeric.numeric_record(db_path, attribution=attribution, forecaster=forecaster)
    links: list[tuple[str, str]] = []
    if charts_dir is not None:
        links = _links(render_charts(card, charts_dir, db_path), link_base)
    render = render_markdown if fmt == "markdown" else render_html
    return render(card, links, max_rows)
