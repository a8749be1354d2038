"""The static site's list pages: the Overview (index.html), the Deadlines (deadlines.html) and the Track
record (track-record.html), as HTML bodies for html.page. Like the live pages, they list no
withdrawn claim: the claim table they are given leaves those out (db.queries._LISTED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from dashboard.render import cards, charts, record_card
from dashboard.site import html as h
from predictions import ledger, overview, words
from predictions.quantities import format_number
from predictions.scoring import Score

TIMELINE_CLAIMS = 60
BREAKDOWNS = ("claimant", "attribution", "topic")


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
    hooks = ["c-" + name.replace(" ", "-") for name in header]  # the phone layout's hooks (site.css)
    labelled = [
        i for i, name in enumerate(header) if name not in ("claim", "status", "deadline", "statement", "probability")
    ]
    return h.table(
        header, cells, numeric=numeric, table_id=table_id, sortable=True, row_attrs=attrs, table_class="claims",
        column_classes=hooks, labelled=labelled,
    )  # fmt: skip


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


def home_card_data(table: Any, mask: np.ndarray, today: date, author: Any) -> record_card.RecordCardData:
    """What the home page's card says: the Overview's figures over the listed claims."""
    head = overview.headline(table, today, mask=mask)
    return record_card.RecordCardData(
        site=h.SITE_TITLE,
        today=today,
        claims=head.claims,
        open=head.open,
        resolved=head.resolved,
        overdue=head.overdue,
        brier=author.brier,
        scored=author.n,
        by_status=head.by_status,
    )


def home_meta(data: record_card.RecordCardData, base_url: str | None, has_card: bool) -> dict[str, str]:
    """index.html's link-preview tags: the record in a sentence, and its card (cards/index.png)."""
    description = record_card.summary(data)
    meta = {
        "description": description[:300],
        "og:type": "website",
        "og:title": h.SITE_TITLE,
        "og:description": description[:300],
        "og:url": h.absolute(base_url, "index.html"),
        "og:site_name": h.SITE_TITLE,
        "twitter:card": "summary_large_image" if has_card else "summary",
        "twitter:title": h.SITE_TITLE,
        "twitter:description": description[:200],
    }
    if has_card:
        image = h.absolute(base_url, f"cards/{record_card.FILE_NAME}")
        meta |= {
            "og:image": image,
            "og:image:width": str(cards.WIDTH),
            "og:image:height": str(cards.HEIGHT),
            "og:image:alt": f"{h.SITE_TITLE}: {description}",
            "twitter:image": image,
        }
    return meta


# --- the pages -----------------------------------------------------------------------------------


def overview_page(table: Any, mask: np.ndarray, trajectories: Sequence[Any], today: date, author: Any) -> str:
    head = overview.headline(table, today, mask=mask)
    parts = [
        f"<h1>{h.esc(h.SITE_TITLE)}</h1>",
        '<p class="caption">Forward-looking statements from the newsletter, kept as checkable claims with deadlines. '
        f"Status as of {h.esc(today.isoformat())}.</p>",
        _figures(
            [
                ("Claims", f"{head.claims:,}"),
                ("Open", f"{head.open:,}"),
                ("Due within 90 days", f"{head.due_soon:,}"),
                ("Overdue, unresolved", f"{head.overdue:,}"),
                ("Resolved", f"{head.resolved:,}"),
                ("Author's Brier score", words.score(author.brier)),
            ]
        ),
        "<h2>Download the ledger</h2>",
        h.links([("data/ledger.csv", "CSV"), ("data/ledger.json", "JSON"), ("data/ledger.parquet", "Parquet")]),
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


def deadlines_page(table: Any, mask: np.ndarray, today: date, states: Mapping[int, Any]) -> str:
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
        ("Brier score", words.score(score.brier)),
        ("Log score", words.score(score.log_score)),
        ("Past their deadline (in the calibration)", f"{in_calibration:,} of {score.n:,}"),
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


def track_record_page(db_path: Path, today: date) -> str:
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
        if not history:  # an empty date axis would count years from 2000
            parts.append("<p>Brier score over time: nothing resolved yet.</p>")
            continue
        parts.append(
            h.chart(
                f"history-{slug}",
                f"Brier score over time ({scope.lower()})",
                charts.score_history_figure(history, "Brier score over time"),
                ["resolved by", "forecasts", "Brier"],
                [[h.esc(p.resolved_on.isoformat()), h.esc(f"{p.n:,}"), h.esc(words.score(p.brier))] for p in shown],
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
                h.esc(words.score(s.brier)),
                h.esc(words.score(s.log_score)),
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
