"""`predictions publish -o DIR`: the reader pages as a static site, for any static host or CDN.

The plugin behind the command (entry point `predictions.chart_renderers: site`), so the `predictions`
package never imports plotly. It writes

    index.html  deadlines.html  track-record.html     the Overview, the Deadlines list, the Track record
    claim-ID.html                                      one page per claim
    embed/claim-ID.html                                a compact card for an <iframe> in a blog post
    cards/claim-ID.png                                 1200×630 link-preview card (og:image), see cards.py
    data/ledger.csv|json|parquet                       the ledger as `predictions export` writes it
    data/claim-ID.csv|json, data/claim-ID.evidence.csv one claim's forecasts, whole record, evidence
    feed.xml                                           Atom: new claims, evidence, verdicts (feed.py)
    assets/plotly.min.js, site.css, site.js            one shared copy of plotly.js, from the plotly package

Every link is relative, so the folder works from `file://` and from any static server; with `--base-url`
the og:image, the canonical link, the feed and the embed snippet carry absolute addresses. Nothing in it
depends on the clock: the same ledger and as-of day give the same bytes (the JSON export's `exported_at`
becomes the as-of day), so publishing into a git repository changes only what changed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import plotly.offline

from dashboard import cards, charts, feed
from dashboard import site_html as h
from predictions import ledger, overview, reminders, verdicts
from predictions.errors import PredictionsError
from predictions.exports import JSON_FORMAT, export_ledger
from predictions.imports import evidence
from predictions.numbers import format_number
from predictions.scoring import Score

ASSETS = Path(__file__).with_name("site_assets")
SITE_TITLE = "Trend Prediction Tracker"
ORIGINS = {"issue": "the issue itself", "evidence": "gathered after the issue", "recorded": "recorded by the author"}
TIMELINE_CLAIMS = 60
BREAKDOWNS = ("claimant", "attribution", "topic")
EXPORT_FORMATS = ("csv", "json", "parquet")


class PublishError(PredictionsError, ValueError):
    """A problem with what was asked (an unknown source), worth one line."""


@dataclass
class PublishResult:
    directory: Path
    claims: int
    pages: list[Path] = field(default_factory=list)
    cards: list[Path] = field(default_factory=list)
    files: int = 0
    bytes: int = 0


@dataclass
class SiteClaim:
    detail: ledger.ClaimDetail
    item: dict[str, Any] | None  # the claim in the JSON export
    amendments: list[dict[str, Any]]

    @property
    def id(self) -> int:
        return self.detail.view.id


# --- the exports ---------------------------------------------------------------------------------


def _write_exports(db_path: Path, folder: Path, as_of: date) -> dict[str, Any]:
    """data/ledger.* exactly as `predictions export` writes them; returns the JSON document."""
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in EXPORT_FORMATS:
        export_ledger(db_path, fmt, folder / f"ledger.{fmt}")
    path = folder / "ledger.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    document["exported_at"] = _stamp(as_of)  # the as-of day, not the clock
    path.write_text(_json_text(document), encoding="utf-8")
    return document


def _claim_json(item: dict[str, Any] | None, as_of: date) -> dict[str, Any]:
    """One claim in the export's layout (what `predictions import --format json` reads back)."""
    return {"format": JSON_FORMAT, "exported_at": _stamp(as_of), "claims": [item] if item else []}


def claim_document(db_path: Path, claim_id: int, today: date) -> str:
    """One claim's data/claim-ID.json, for the live dashboard's download button."""
    view = ledger.get_claim(db_path, claim_id, today).view
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        out = Path(folder) / "ledger.json"
        export_ledger(db_path, "json", out)
        document = json.loads(out.read_text(encoding="utf-8"))
    return _json_text(_claim_json(_export_items(document, [view]).get(claim_id), today))


def _stamp(as_of: date) -> str:
    return f"{as_of.isoformat()}T00:00:00"


def _json_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=1, default=str, ensure_ascii=False)


def _claim_key(statement: object, made_on: object, claimant: object, deadline: object) -> tuple[str, ...]:
    return (str(statement), str(made_on or "")[:10], str(claimant), str(deadline or "")[:10])


def _export_items(document: Mapping[str, Any], views: Sequence[ledger.ClaimView]) -> dict[int, dict[str, Any]]:
    """Claim id → its item in the JSON export (which carries no ids): by external id, else by statement,
    day made, claimant and deadline, claims with the same key matched in id order (the export's order)."""
    by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in document["claims"]:
        key = (
            ("x", item["external_id"])
            if item.get("external_id")
            else _claim_key(item["statement"], item["made_on"], item["claimant"], item["deadline"])
        )
        by_key.setdefault(key, []).append(item)
    found: dict[int, dict[str, Any]] = {}
    for view in sorted(views, key=lambda v: v.id):
        row = view.row
        key = (
            ("x", row["external_id"])
            if row["external_id"]
            else _claim_key(row["statement"], row["made_on"], row["claimant"], row["deadline"])
        )
        if by_key.get(key):
            found[view.id] = by_key[key].pop(0)
    return found


def _flat_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _csv_text(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _claim_downloads(
    claim: SiteClaim, flat: Sequence[Mapping[str, str]], header: Sequence[str], folder: Path, as_of: date
) -> None:
    """data/claim-ID.json (the export's layout, one claim), .csv (its rows of the csv export) and
    .evidence.csv (its observations in the layout `predictions import --format evidence` reads)."""
    row = claim.detail.view.row
    document = _claim_json(claim.item, as_of)
    mine = [
        r
        for r in flat
        if r["statement"] == row["statement"]
        and r["made_on"] == row["made_on"].isoformat()
        and r["deadline"] == (row["deadline"].isoformat() if row["deadline"] else "")
    ]
    key = str(row["external_id"] or "").rsplit(":", 1)[-1] if row["external_id"] else ""
    observations = [
        {
            "claim_key": key,
            "claim_id": claim.id,
            **{
                c: "" if o.get(c) is None else (o[c].isoformat() if isinstance(o[c], date) else o[c])
                for c in evidence.COLUMNS
            },
        }
        for o in claim.detail.observations
    ]
    (folder / f"claim-{claim.id}.csv").write_text(_csv_text(header, mine), encoding="utf-8", newline="")
    (folder / f"claim-{claim.id}.evidence.csv").write_text(
        _csv_text(["claim_key", "claim_id", *evidence.COLUMNS], observations), encoding="utf-8", newline=""
    )
    (folder / f"claim-{claim.id}.json").write_text(_json_text(document), encoding="utf-8")


# --- pieces of pages -----------------------------------------------------------------------------


def _percent(value: object) -> str:
    return "–" if value is None else f"{float(str(value)):.0%}"


def _day(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else ("–" if value is None else str(value)[:10])


def _claim_link(claim_id: int) -> str:
    return f'<span data-v="{claim_id}">{h.link(f"claim-{claim_id}.html", f"#{claim_id}")}</span>'


def _claims_table(
    rows: Sequence[Mapping[str, Any]], table_id: str, extra: Mapping[str, Sequence[str]] | None = None
) -> str:
    header = ["claim", "status", "deadline", *(extra or {}), "statement", "claimant", "probability", "topics"]
    cells, attrs = [], []
    for n, r in enumerate(rows):
        tags = list(r.get("tags") or [])
        probability = r.get("probability")
        extra_cells = [h.esc(values[n]) for values in (extra or {}).values()]
        cells.append(
            [
                _claim_link(int(r["id"])),
                h.pill(str(r["status"])),
                f'<span class="nowrap">{h.esc(r["deadline"] or "none")}</span>',
                *extra_cells,
                f'<span class="statement">{h.esc(r["statement"])}</span>',
                h.esc(r["claimant"]),
                "–" if probability is None else h.esc(f"{float(probability):.0%}"),
                h.esc(", ".join(tags)),
            ]
        )
        statuses = f"{r['status']}|{r['state']}" if r.get("state") else str(r["status"])
        attrs.append(f'data-status="{h.attr(statuses)}" data-topic="{h.attr("|".join(tags))}"')
    numeric = [header.index("probability")]
    return h.table(header, cells, numeric=numeric, table_id=table_id, sortable=True, row_attrs=attrs)


def _filters(table_id: str, statuses: Sequence[str], topics: Sequence[str]) -> str:
    def select(name: str, label: str, values: Sequence[str]) -> str:
        options = "".join(f'<option value="{h.attr(v)}">{h.esc(v)}</option>' for v in values)
        return f'<label>{h.esc(label)}<select name="{name}"><option value="">any</option>{options}</select></label>'

    return (
        f'<div class="filters" data-controls="{table_id}" hidden>'
        '<label>Search<input type="search" placeholder="words of a statement"></label>'
        f"{select('status', 'Status', statuses)}{select('topic', 'Topic', topics)}"
        f'<span class="caption" data-count="{table_id}" aria-live="polite"></span></div>'
    )


def _figures(items: Sequence[tuple[str, str]]) -> str:
    cells = "".join(
        f'<li><span class="label">{h.esc(k)}</span><span class="value">{h.esc(v)}</span></li>' for k, v in items
    )
    return f'<ul class="figures">{cells}</ul>'


def _downloads(links: Sequence[tuple[str, str]]) -> str:
    return '<p class="share">' + " ".join(h.link(href, text) for href, text in links) + "</p>"


# --- the pages -----------------------------------------------------------------------------------


def _overview(table: Any, mask: np.ndarray, trajectories: Sequence[Any], today: date, author: Any) -> str:
    head = overview.headline(table, today, mask=mask)
    parts = [
        f"<h1>{h.esc(SITE_TITLE)}</h1>",
        '<p class="caption">Forward-looking statements from the newsletter, kept as checkable claims with deadlines. '
        f"Status as of {h.esc(today.isoformat())}.</p>",
        _figures(
            [
                ("Claims", f"{head.claims:,}"),
                ("Open", f"{head.open:,}"),
                ("Due within 90 days", f"{head.due_soon:,}"),
                ("Overdue, unresolved", f"{head.overdue:,}"),
                ("Resolved", f"{head.resolved:,}"),
                ("Author's Brier score", "–" if author.brier is None else f"{author.brier:.3f}"),
            ]
        ),
        "<h2>Download the ledger</h2>",
        _downloads([("data/ledger.csv", "CSV"), ("data/ledger.json", "JSON"), ("data/ledger.parquet", "Parquet")]),
        '<p class="caption">The whole ledger as <code>predictions export</code> writes it; '
        "the CSV and Parquet files import back with <code>predictions import</code>.</p>",
    ]
    on_timeline = overview.timeline_index(table, mask, today, TIMELINE_CLAIMS)
    timeline_rows = table.rows(on_timeline)
    figure = charts.timeline_figure(timeline_rows, today, limit=TIMELINE_CLAIMS, total=head.claims - head.undated)
    data = [
        [
            h.link(f"claim-{int(r['id'])}.html", f"#{int(r['id'])}"),
            h.pill(str(r["status"])),
            h.esc(r["deadline"]),
            h.esc(r["made_on"]),
        ]
        for r in timeline_rows
        if r.get("deadline")
    ]
    parts.append("<h2>Resolution timeline</h2>")
    parts.append(
        h.chart(
            "timeline",
            "Resolution timeline: issue date → deadline, by status",
            figure,
            ["claim", "status", "deadline", "issued"],
            data,
            narrow_table=True,
        )
    )
    if trajectories:
        rows = [
            [
                h.link(f"claim-{t.claim_id}.html", f"#{t.claim_id}"),
                h.esc(p.day.isoformat()),
                h.esc(format_number(p.value)),
                h.esc(f"{p.percent:.0f}%"),
            ]
            for t in trajectories
            for p in t.points
        ]
        parts.append("<h2>Progress of threshold claims</h2>")
        parts.append(
            h.chart(
                "progress",
                "Progress of threshold claims toward their targets",
                charts.progress_figure(trajectories, today),
                ["claim", "observed on", "value", "of target"],
                rows,
            )
        )
    listed = np.flatnonzero(mask)
    rows = table.rows(listed)
    options = overview.filter_options(table)
    parts.append("<h2>Claims</h2>")
    parts.append(_filters("claims", [str(s) for s in options.statuses], [str(t) for t in options.topics]))
    parts.append(_claims_table(rows, "claims"))
    return "\n".join(parts)


def _deadlines(table: Any, mask: np.ndarray, today: date, states: Mapping[int, Any]) -> str:
    counts = overview.deadline_counts(table, today)
    parts = [
        "<h1>Deadlines</h1>",
        f'<p class="caption">As of {h.esc(today.isoformat())}. Soonest deadline first.</p>',
        _figures([(f"Due {k}" if k != "overdue" else "Overdue, unresolved", f"{v:,}") for k, v in counts.items()]),
    ]
    keep = set(int(i) for i in table.ids[mask])
    for days in overview.HORIZONS:
        index = [i for i in overview.due_within_index(table, today, days) if int(table.ids[i]) in keep]
        shown = table.rows(np.asarray(index, dtype=np.int64))
        previous = overview.HORIZONS[overview.HORIZONS.index(days) - 1] if days != overview.HORIZONS[0] else -1
        shown = [r for r in shown if (overview.days_to_deadline(r, today) or 0) > previous]
        span = f"within {days} days" if previous < 0 else f"in {previous + 1} to {days} days"
        parts.append(f"<h2>Due {span}</h2>")
        if not shown:
            parts.append(f"<p>No open claim is due {span} of {h.esc(today.isoformat())}.</p>")
            continue
        left = [str(overview.days_to_deadline(r, today)) for r in shown]
        reminder = [overview.reminder_label(states.get(int(r["id"]))) for r in shown]
        parts.append(_claims_table(shown, f"due-{days}", {"days left": left, "reminders": reminder}))
    late = [r for r in overview.overdue(table) if int(r["id"]) in keep]
    parts.append("<h2>Overdue and unresolved</h2>")
    if late:
        parts.append('<p class="caption">Past the deadline with no resolution recorded.</p>')
        overdue_days = [str(-(overview.days_to_deadline(r, today) or 0)) for r in late]
        reminder = [overview.reminder_label(states.get(int(r["id"]))) for r in late]
        parts.append(_claims_table(late, "overdue", {"days overdue": overdue_days, "reminders": reminder}))
    else:
        parts.append("<p>Nothing is overdue: every claim past its deadline has been resolved.</p>")
    return "\n".join(parts)


def _score_figures(score: Score) -> list[tuple[str, str]]:
    in_calibration = sum(b.n for b in score.calibration)
    return [
        ("Scored forecasts", f"{score.n:,}"),
        ("Brier score", "–" if score.brier is None else f"{score.brier:.4f}"),
        ("Log score", "–" if score.log_score is None else f"{score.log_score:.4f}"),
        ("In calibration", f"{in_calibration:,}"),
    ]


def _short_x_title(figure: Any, title: str) -> Any:
    """A shorter axis title where the page says the rest beside the chart (it fits a phone)."""
    figure.update_xaxes(title_text=title)
    return figure


def _calibration_rows(score: Score) -> list[list[str]]:
    return [
        [
            h.esc(f"{100 * b.low:.0f}–{100 * b.high:.0f}%"),
            h.esc(f"{b.n:,}"),
            h.esc(format_number(b.hits)),
            h.esc("–" if b.hit_rate is None else f"{100 * b.hit_rate:.0f}%"),
            h.esc("–" if b.wilson_low is None else f"{100 * b.wilson_low:.0f}–{100 * (b.wilson_high or 0):.0f}%"),
        ]
        for b in score.calibration
        if b.n
    ]


def _track_record(db_path: Path, today: date) -> str:
    parts = ["<h1>Track record</h1>"]
    for scope, attribution in (("The author's own claims", "author"), ("Every scored forecast", None)):
        unfolded = ledger.track_record(db_path, today, attribution=attribution)
        folded = ledger.track_record(db_path, today, attribution=attribution, folded=True)
        history = ledger.score_history(db_path, attribution=attribution)
        slug = attribution or "all"
        parts.append(f"<h2>{h.esc(scope)}</h2>")
        parts.append(_figures(_score_figures(unfolded)))
        header = ["forecasts", "n", "hits", "hit rate", "95% interval"]
        parts.append('<div class="charts2">')
        parts.append(
            h.chart(
                f"calibration-{slug}",
                f"Calibration ({scope.lower()}, unfolded)",
                charts.calibration_figure(unfolded.calibration, False, "Calibration (unfolded)"),
                header,
                _calibration_rows(unfolded),
            )
        )
        parts.append(
            h.chart(
                f"calibration-folded-{slug}",
                f"Calibration ({scope.lower()}, folded)",
                _short_x_title(
                    charts.calibration_figure(folded.calibration, True, "Calibration (folded)"),
                    "stated probability (%), folded",
                ),
                header,
                _calibration_rows(folded),
            )
        )
        parts.append('<p class="caption">Folded: a forecast below 50% counts as 1 − p on the opposite outcome.</p>')
        parts.append("</div>")
        shown = charts.thin(history)
        parts.append(
            h.chart(
                f"history-{slug}",
                f"Brier score over time ({scope.lower()})",
                charts.score_history_figure(history, "Brier score over time"),
                ["resolved by", "forecasts", "Brier"],
                [[h.esc(p.resolved_on.isoformat()), h.esc(f"{p.n:,}"), h.esc(f"{p.brier:.4f}")] for p in shown],
            )
        )
    parts.append("<h2>Breakdowns of every scored forecast</h2>")
    for grouping in BREAKDOWNS:
        by = ledger.track_record(db_path, today, by=grouping).by
        parts.append(f"<h3>By {h.esc(grouping)}</h3>")
        if not by:
            parts.append(f"<p>Nothing scored yet, so no breakdown by {h.esc(grouping)}.</p>")
            continue
        rows = [
            [
                h.esc(name),
                h.esc(f"{s.n:,}"),
                h.esc("–" if s.brier is None else f"{s.brier:.4f}"),
                h.esc("–" if s.log_score is None else f"{s.log_score:.4f}"),
            ]
            for name, s in by.items()
        ]
        parts.append(
            h.chart(
                f"by-{grouping}",
                f"Brier score by {grouping}",
                charts.breakdown_figure(by, grouping),
                [grouping, "n", "Brier", "log score"],
                rows,
            )
        )
    return "\n".join(parts)


def _metric_rows(trajectory: Any) -> list[list[str]]:
    rows = [[h.esc(p.day.isoformat()), h.esc(format_number(p.value)), "observed"] for p in trajectory.points]
    rows += [[h.esc(p.day.isoformat()), h.esc(format_number(p.value)), "projection"] for p in trajectory.projection]
    return rows


def _confidence_rows(forecasts: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [h.esc(f"{f['made_at']:%Y-%m-%d}"), h.esc(_percent(f["probability"])), h.esc(f["forecaster"])]
        for f in forecasts
    ]


def _claim_charts(claim: SiteClaim, today: date, prefix: str) -> str:
    detail = claim.detail
    status = detail.view.status.value
    current = ledger.resolution_in_force(detail)
    parts = []
    trajectory = ledger.claim_trajectory(detail)
    if trajectory is not None:
        unit = trajectory.unit or "value"
        parts.append(
            h.chart(
                f"{prefix}metric",
                f"{trajectory.metric or 'The metric'}: observed against the target",
                charts.claim_metric_figure(trajectory, today, current, status),
                ["date", unit, "kind"],
                _metric_rows(trajectory),
            )
        )
    parts.append(
        h.chart(
            f"{prefix}confidence",
            "Confidence history",
            charts.confidence_figure(detail.forecasts, today, detail.view["deadline"], current, status),
            ["made on", "probability", "forecaster"],
            _confidence_rows(detail.forecasts),
        )
    )
    return "\n".join(parts)


def _absolute(base_url: str | None, path: str) -> str:
    return f"{base_url.rstrip('/')}/{path}" if base_url else path


def _claim_page(claim: SiteClaim, today: date, base_url: str | None, has_card: bool) -> tuple[str, dict[str, str]]:
    detail = claim.detail
    row = detail.view.as_json()
    cid = claim.id
    status = str(row["status"])
    current = ledger.resolution_in_force(detail)
    proposal = verdicts.propose(detail.view.row, detail.observations) if detail.view.status.state == "overdue" else None
    reason = verdicts.status_reason(detail.view.row, detail.view.status, detail.view.projection, today, proposal)
    latest = detail.forecasts[-1] if detail.forecasts else None
    facts: list[tuple[str, str]] = [("Claimant", f"{row['claimant']} ({str(row['attribution']).replace('_', ' ')})")]
    phrase = f' "{row["deadline_text"]}"' if row["deadline_text"] else ""
    if row["deadline"]:
        facts.append(("Deadline", f"{row['deadline']} ({row['deadline_precision'] or 'day'} precision){phrase}"))
    else:
        facts.append(("Deadline", f"none usable, not checkable yet{phrase}"))
    if row["kind"] == "threshold":
        facts.append(
            ("Target", f"{row['metric']} {row['comparator']} {format_number(row['target'])} {row['unit'] or ''}")
        )
    if latest is None:
        facts.append(("Current confidence", "no forecast recorded"))
    else:
        facts.append(
            (
                "Current confidence",
                f"{float(latest['probability']):.0%} by {latest['forecaster']} "
                f"({latest['basis']}, {latest['made_at']:%Y-%m-%d})",
            )
        )
    if current is not None:
        achieved = f", {float(current['fraction']):.0%} achieved" if current["fraction"] is not None else ""
        facts.append(("Resolution", f"{current['outcome']} on {current['resolved_on'].isoformat()}{achieved}"))
        if current["note"]:
            facts.append(("Rationale", str(current["note"])))
    if row["tags"]:
        facts.append(("Topics", ", ".join(row["tags"])))
    left = []
    if row["quote"]:
        left.append(f"<blockquote>{h.esc(row['quote'])}</blockquote>")
    source_bits = []
    if row["source"]:
        url = row["source"]["url"]
        opener = h.source_link(url, "open the source ↗") if h.safe_url(url) else ""
        source_bits.append(f"<dt>Source</dt><dd>{h.esc(overview.source_label(row))} {opener}</dd>")
    source_bits.append(
        f"<dt>Resolution criteria</dt><dd>{h.esc(row['resolution_criteria'] or 'none written yet')}</dd>"
    )
    left.append('<dl class="facts">' + "".join(source_bits) + "</dl>")
    right = '<dl class="facts">' + "".join(f"<dt>{h.esc(k)}</dt><dd>{h.esc(v)}</dd>" for k, v in facts)
    if current is not None and h.safe_url(current["evidence_url"]):
        right += f"<dt>Resolution evidence</dt><dd>{h.source_link(current['evidence_url'])}</dd>"
    right += "</dl>"

    page_url = _absolute(base_url, f"claim-{cid}.html")
    embed_url = _absolute(base_url, f"embed/claim-{cid}.html")
    snippet = (
        f'<iframe src="{embed_url}" title="Claim #{cid}: {row["statement"]}" width="100%" height="460" '
        'style="border:0" loading="lazy"></iframe>'
    )
    share = [(f"claim-{cid}.html", f"Link to this claim (#{cid})")]
    if has_card:
        share.append((f"cards/claim-{cid}.png", "Card (PNG, 1200×630)"))
    share += [
        (f"data/claim-{cid}.csv", "Forecasts (CSV)"),
        (f"data/claim-{cid}.evidence.csv", "Evidence (CSV)"),
        (f"data/claim-{cid}.json", "Everything (JSON)"),
        (f"embed/claim-{cid}.html", "Embed"),
    ]
    parts = [
        f"<p>{h.link('index.html', '← All claims')} · claim #{cid} · shareable link: {h.esc(page_url)}</p>",
        f"<h1>{h.esc(row['statement'])}</h1>",
        f"<p>{h.pill(status)} {h.esc(reason)}</p>",
        '<nav aria-label="Share and download">' + _downloads(share) + "</nav>",
    ]
    withdrawal = next((a for a in claim.amendments if a["action"] == "withdraw"), None)
    if withdrawal is not None:
        parts.append(
            f'<p class="notice">Withdrawn on {withdrawal["created_at"]:%Y-%m-%d}: {h.esc(withdrawal["reason"])}.</p>'
        )
    parts.append(f'<div class="grid2"><div>{"".join(left)}</div><div>{right}</div></div>')
    parts.append(_claim_charts(claim, today, ""))
    parts.append("<h2>Evidence</h2>")
    if not detail.observations:
        parts.append("<p>No evidence recorded yet.</p>")
    else:
        ordered = sorted(detail.observations, key=lambda o: (o["observed_on"], o["id"]), reverse=True)
        rows = [
            [
                h.esc(o["observed_on"].isoformat()),
                "–" if o["value"] is None else h.esc(format_number(o["value"])),
                h.esc(o["note"] or ""),
                h.source_link(o["source_url"]),
                h.esc(_day(o["source_published"])),
                h.esc(o["confidence"] or "–"),
                h.esc(ORIGINS.get(o["origin"] or "recorded", o["origin"])),
            ]
            for o in ordered
        ]
        parts.append(
            h.table(
                ["observed on", "value", "note", "source", "published", "confidence", "from"],
                rows,
                numeric=[1],
                caption=f"{len(rows)} dated facts, newest first, each with its source",
            )
        )
    parts.append(f"<h2>Confidence history ({len(detail.forecasts)} forecasts)</h2>")
    parts.append(
        h.table(
            ["made at", "forecaster", "probability", "basis", "note"],
            [
                [
                    h.esc(f"{f['made_at']:%Y-%m-%d %H:%M}"),
                    h.esc(f["forecaster"]),
                    h.esc(_percent(f["probability"])),
                    h.esc(f["basis"]),
                    h.esc(f["note"] or ""),
                ]
                for f in detail.forecasts
            ],
            numeric=[2],
        )
    )
    if detail.resolutions:
        parts.append(f"<h2>Resolution history ({len(detail.resolutions)})</h2>")
        parts.append(
            h.table(
                ["resolved on", "outcome", "fraction", "note", "evidence", "undone"],
                [
                    [
                        h.esc(r["resolved_on"].isoformat()),
                        h.esc(r["outcome"]),
                        "–" if r["fraction"] is None else h.esc(f"{float(r['fraction']):.0%}"),
                        h.esc(r["note"] or ""),
                        h.source_link(r["evidence_url"]),
                        h.esc(f"{r['undone_at']:%Y-%m-%d}" if r["undone_at"] else ""),
                    ]
                    for r in detail.resolutions
                ],
            )
        )
    amended = [a for a in claim.amendments if a["action"] == "amend"]
    if amended:
        parts.append(f"<h2>Amendment history ({len(amended)})</h2>")
        parts.append(
            h.table(
                ["amended on", "field", "before", "after", "reason"],
                [
                    [
                        h.esc(f"{a['created_at']:%Y-%m-%d}"),
                        h.esc(name.replace("_", " ")),
                        h.esc(_plain(change["from"])),
                        h.esc(_plain(change["to"])),
                        h.esc(a["reason"]),
                    ]
                    for a in amended
                    for name, change in a["changes"].items()
                ],
            )
        )
    parts.append("<h2>Embed this claim</h2>")
    parts.append(
        "<p>Paste this into a blog post or a newsletter's web version to show the claim's card with its chart:</p>"
    )
    parts.append(f'<pre class="snippet"><code>{h.esc(snippet)}</code></pre>')
    if has_card:
        parts.append(
            f'<p><img class="card" src="cards/claim-{cid}.png" width="600" height="315" loading="lazy" '
            f'alt="{h.attr(_card_alt(row, latest))}"></p>'
        )
    description = f"{status}: {reason}"
    meta = {
        "description": description[:300],
        "og:type": "article",
        "og:title": str(row["statement"])[:200],
        "og:description": description[:300],
        "og:url": page_url,
        "og:site_name": SITE_TITLE,
    }
    if has_card:
        meta |= {
            "og:image": _absolute(base_url, f"cards/claim-{cid}.png"),
            "og:image:width": str(cards.WIDTH),
            "og:image:height": str(cards.HEIGHT),
            "og:image:alt": _card_alt(row, latest),
        }
        meta |= {
            "twitter:card": "summary_large_image",
            "twitter:title": str(row["statement"])[:200],
            "twitter:description": description[:200],
            "twitter:image": meta["og:image"],
        }
    return "\n".join(parts), meta


def _plain(value: object) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "–"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def _card_alt(row: Mapping[str, Any], latest: Mapping[str, Any] | None) -> str:
    confidence = f", confidence {float(latest['probability']):.0%}" if latest else ""
    return f"Claim #{row['id']}: {row['statement']} ({row['status']}, deadline {row['deadline'] or 'none'}{confidence})"


def _embed(claim: SiteClaim, today: date) -> str:
    row = claim.detail.view.as_json()
    cid = claim.id
    latest = claim.detail.forecasts[-1] if claim.detail.forecasts else None
    trajectory = ledger.claim_trajectory(claim.detail)
    current = ledger.resolution_in_force(claim.detail)
    status = str(row["status"])
    if trajectory is not None:
        figure = charts.claim_metric_figure(trajectory, today, current, status)
        chart = h.chart(
            "embed",
            "The metric against its target",
            figure,
            ["date", trajectory.unit or "value", "kind"],
            _metric_rows(trajectory),
        )
    else:
        figure = charts.confidence_figure(claim.detail.forecasts, today, claim.detail.view["deadline"], current, status)
        chart = h.chart(
            "embed",
            "Confidence history",
            figure,
            ["made on", "probability", "forecaster"],
            _confidence_rows(claim.detail.forecasts),
        )
    css = (ASSETS / "site.css").read_text(encoding="utf-8")
    confidence = _percent(latest["probability"]) if latest else "–"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claim #{cid}: {h.esc(row["statement"])}</title>
<style>{css} body {{ margin: 0; }} main {{ padding: 0.6rem; }} h1 {{ font-size: 1.2rem; }}</style>
<link rel="icon" href="../assets/favicon.svg" type="image/svg+xml">
<script src="../assets/plotly.min.js"></script>
<script src="../assets/site.js"></script>
</head>
<body>
<main>
<h1><a href="../claim-{cid}.html" target="_blank" rel="noopener">{h.esc(row["statement"])}</a></h1>
<p>{h.pill(status)} Deadline {h.esc(row["deadline"] or "none usable")} · confidence {h.esc(confidence)} · \
{h.esc(row["claimant"])}</p>
{chart}
<p class="caption">Claim #{cid} as of {h.esc(today.isoformat())} · {h.link(f"../data/claim-{cid}.json", "data")}</p>
</main>
</body>
</html>
"""


# --- the feed ------------------------------------------------------------------------------------


def _feed_entries(claims: Sequence[SiteClaim]) -> list[feed.Entry]:
    entries = []
    for claim in claims:
        detail = claim.detail
        row = detail.view.row
        cid = claim.id
        page = f"claim-{cid}.html"
        statement = " ".join(str(row["statement"]).split())
        entries.append(
            feed.Entry(
                "claim",
                f"claim:{cid}",
                row["made_on"],
                f"New claim #{cid}: {statement}",
                f"{row['claimant']} · deadline {_day(row['deadline'])} · {detail.view.status.value}",
                page,
            )
        )
        for o in detail.observations:
            value = "" if o["value"] is None else f"{format_number(o['value'])} {row['unit'] or ''}".strip() + ": "
            entries.append(
                feed.Entry(
                    "evidence",
                    f"claim:{cid}:observation:{o['id']}",
                    o["observed_on"],
                    f"Evidence on #{cid}: {value}{' '.join(str(o['note'] or '').split())}"[:300],
                    f"{statement} — source {o['source_url'] or 'none'}",
                    page,
                )
            )
        for r in detail.resolutions:
            if r["undone_at"] is not None:
                continue
            entries.append(
                feed.Entry(
                    "resolution",
                    f"claim:{cid}:resolution:{r['id']}",
                    r["resolved_on"],
                    f"Verdict on #{cid}: {r['outcome']}",
                    f"{statement} — {r['note'] or ''}".strip(" —"),
                    page,
                )
            )
    return entries


# --- the whole site ------------------------------------------------------------------------------


def _scope(
    views: Sequence[ledger.ClaimView], items: Mapping[int, Mapping[str, Any]], source: int | None, everything: bool
) -> list[ledger.ClaimView]:
    if source is not None:
        chosen = [v for v in views if v.row["source_id"] == source]
        if not chosen:
            raise PublishError(f"no claim of source {source} to publish")
        return chosen
    if everything:
        return list(views)

    def archived(view: ledger.ClaimView) -> bool:
        item = items.get(view.id)
        return bool(item and item.get("source") and item["source"].get("kind") == "archive")

    return [v for v in views if not archived(v)]


CARD_DIGESTS = "digests.json"  # in cards/: each card's file name → the sha256 of the figure it was drawn from


def _previous_cards(out: Path) -> dict[str, tuple[str, bytes]]:
    """The cards of the last publish into `out`, by file name: (digest of their figure, PNG bytes)."""
    folder = out / "cards"
    try:
        digests = json.loads((folder / CARD_DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for name, digest in digests.items() if isinstance(digests, dict) else ():
        path = folder / str(name)
        if path.name == name and path.suffix == ".png" and path.is_file():
            found[name] = (str(digest), path.read_bytes())
    return found


def _draw_cards(figures: Mapping[Path, Any], previous: Mapping[str, tuple[str, bytes]], folder: Path) -> list[Path]:
    """Each card drawn by kaleido, except those whose figure is unchanged since the last publish into the
    same folder: a card is a pure function of its figure (the same figure draws the same bytes), so the
    earlier PNG is kept and only the claims that changed are drawn again."""
    folder.mkdir(parents=True, exist_ok=True)
    digests, todo = {}, {}
    for path, figure in figures.items():
        digest = hashlib.sha256(h.figure_json(figure).encode("utf-8")).hexdigest()
        digests[path.name] = digest
        kept = previous.get(path.name)
        if kept is not None and kept[0] == digest:
            path.write_bytes(kept[1])
        else:
            todo[path] = figure
    if todo:
        cards.render_cards(todo)
    (folder / CARD_DIGESTS).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return list(figures)


def _write(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    written.append(path)


def publish_site(data: Mapping[str, Any], directory: Path) -> PublishResult:
    """The plugin: write the site for `data` (db_path, today, base_url, source, all, cards, author) into
    `directory`. Files this publish does not write are removed from the folders it owns."""
    db_path = Path(data["db_path"])
    today = date.fromisoformat(str(data["today"]))
    base_url = str(data["base_url"]) if data.get("base_url") else None
    author_name = str(data.get("author") or "the author")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_cards(out)
    for owned in ("data", "embed", "cards", "assets"):
        shutil.rmtree(out / owned, ignore_errors=True)
    for old in out.glob("claim-*.html"):
        old.unlink()
    written: list[Path] = []

    (out / "assets").mkdir()
    _write(out / "assets" / "plotly.min.js", plotly.offline.get_plotlyjs(), written)
    for name in ("site.css", "site.js", "favicon.svg"):
        _write(out / "assets" / name, (ASSETS / name).read_text(encoding="utf-8"), written)

    document = _write_exports(db_path, out / "data", today)
    views = ledger.list_claims(db_path, today)
    items = _export_items(document, views)
    chosen = _scope(views, items, data.get("source"), bool(data.get("all")))
    chosen_ids = {v.id for v in chosen}
    table = ledger.claim_table(db_path, today, progress_claims=overview.PROGRESS_CLAIMS)
    mask = np.isin(table.ids, np.asarray(sorted(chosen_ids), dtype=np.int64))
    progress_ids = [int(table.ids[i]) for i in overview.progress_index(table, mask, today, overview.PROGRESS_CLAIMS)]
    trajectories = ledger.table_trajectories(db_path, table, progress_ids)
    author = overview.brier_of(table, "author")
    as_of = today.isoformat()

    claims = [
        SiteClaim(ledger.get_claim(db_path, v.id, today), items.get(v.id), verdicts.amendments(db_path, v.id))
        for v in sorted(chosen, key=lambda v: v.id)
    ]
    with_cards = bool(data.get("cards", True))
    flat = _flat_rows(out / "data" / "ledger.csv")
    with (out / "data" / "ledger.csv").open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    card_figures = {}
    for claim in claims:
        body, meta = _claim_page(claim, today, base_url, with_cards)
        title = f"#{claim.id}: {' '.join(str(claim.detail.view['statement']).split())[:90]} — {SITE_TITLE}"
        _write(
            out / f"claim-{claim.id}.html",
            h.page(
                title=title,
                body=body,
                meta=meta,
                as_of=as_of,
                canonical=_absolute(base_url, f"claim-{claim.id}.html") if base_url else None,
            ),
            written,
        )
        _write(out / "embed" / f"claim-{claim.id}.html", _embed(claim, today), written)
        _claim_downloads(claim, flat, header, out / "data", today)
        if with_cards:
            card_figures[out / "cards" / f"claim-{claim.id}.png"] = cards.card_figure(
                cards.card_data(claim.detail, today)
            )
    rendered = _draw_cards(card_figures, previous, out / "cards") if card_figures else []

    reminder_states = reminders.reminder_states(db_path)
    _write(
        out / "index.html",
        h.page(
            title=SITE_TITLE,
            body=_overview(table, mask, trajectories, today, author),
            current="index.html",
            as_of=as_of,
        ),
        written,
    )
    _write(
        out / "deadlines.html",
        h.page(
            title=f"Deadlines — {SITE_TITLE}",
            body=_deadlines(table, mask, today, reminder_states),
            current="deadlines.html",
            as_of=as_of,
            plotly=False,
        ),
        written,
    )
    _write(
        out / "track-record.html",
        h.page(
            title=f"Track record — {SITE_TITLE}",
            body=_track_record(db_path, today),
            current="track-record.html",
            as_of=as_of,
        ),
        written,
    )
    feed_bytes = feed.atom_feed(
        _feed_entries(claims),
        title=f"{SITE_TITLE}: claims, evidence and verdicts",
        author=author_name,
        as_of=today,
        base_url=base_url,
        feed_key=SITE_TITLE,
    )
    (out / "feed.xml").write_bytes(feed_bytes)
    written.append(out / "feed.xml")

    files = [p for p in out.rglob("*") if p.is_file()]
    pages = [p for p in written if p.suffix == ".html"]
    return PublishResult(out, len(claims), pages, rendered, len(files), sum(p.stat().st_size for p in files))
