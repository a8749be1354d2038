"""The static site's pages of one claim: claim-ID.html (everything the live claim page shows, with its
downloads, its card and the embed snippet), embed/claim-ID.html (a compact card with its chart for an
<iframe>) and the claim's entries in the Atom feed. A withdrawn claim keeps its page and embed, which say
it is withdrawn and why, as the live claim page does; it has no feed entries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dashboard.render import cards, charts
from dashboard.site import feed
from dashboard.site import html as h
from predictions import ledger, overview, words
from predictions.claim_page import LEFT_OUT, Withdrawal
from predictions.claim_page import claim_page as claim_page_model
from predictions.publishing import SiteClaim
from predictions.quantities import format_number
from predictions.trajectory import Trajectory

ORIGINS = {"issue": "the issue itself", "evidence": "gathered after the issue", "recorded": "recorded by the author"}


def withdrawn_notice(withdrawal: Withdrawal, root: str = "") -> str:
    """The model's withdrawal notice (predictions.claim_page), the claim it repeats linked (`root`: the way
    back to the site's top folder, '' or '../')."""
    repeat = ""
    if withdrawal.duplicate_of:
        other = withdrawal.duplicate_of
        repeat = f" It repeats claim {h.link(f'{root}claim-{other}.html', f'#{other}')}."
    return (
        f'<p class="notice" role="note"><strong>Withdrawn</strong> on {withdrawal.on:%Y-%m-%d}: '
        f"{h.esc(withdrawal.reason)}.{repeat} {h.esc(LEFT_OUT)}</p>"
    )


def _metric_rows(trajectory: Any) -> list[list[str]]:
    rows = [[h.esc(p.day.isoformat()), h.esc(format_number(p.value)), "observed"] for p in trajectory.points]
    rows += [[h.esc(p.day.isoformat()), h.esc(format_number(p.value)), "projection"] for p in trajectory.projection]
    return rows


def _confidence_rows(forecasts: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [h.esc(f"{f['made_at']:%Y-%m-%d}"), h.esc(h.percent(f["probability"])), h.esc(f["forecaster"])]
        for f in forecasts
    ]


@dataclass(frozen=True)
class ClaimCharts:
    """A claim's charts as JSON for the site (html.site_figure), made once for its page and its
    embed: the metric against its target (threshold claims with a trajectory) and the confidence history."""

    trajectory: Trajectory | None
    metric: str | None
    confidence: str


def claim_charts(claim: SiteClaim, today: date) -> ClaimCharts:
    detail = claim.detail
    status = detail.view.status.value
    current = ledger.resolution_in_force(detail)
    trajectory = ledger.claim_trajectory(detail)
    metric = None
    if trajectory is not None:
        metric = h.site_figure(charts.claim_metric_figure(trajectory, today, current, status))
    confidence = charts.confidence_figure(detail.forecasts, today, detail.view["deadline"], current, status)
    return ClaimCharts(trajectory, metric, h.site_figure(confidence))


def _metric_chart(ident: str, title: str, figures: ClaimCharts) -> str:
    assert figures.trajectory is not None and figures.metric is not None
    unit = figures.trajectory.unit or "value"
    return h.chart(ident, title, figures.metric, ["date", unit, "kind"], _metric_rows(figures.trajectory))


def _confidence_chart(ident: str, claim: SiteClaim, figures: ClaimCharts) -> str:
    header = ["made on", "probability", "forecaster"]
    return h.chart(ident, "Confidence history", figures.confidence, header, _confidence_rows(claim.detail.forecasts))


def claim_page(
    claim: SiteClaim,
    figures: ClaimCharts,
    today: date,
    base_url: str | None,
    has_card: bool,
    readers_html: str = "",
) -> tuple[str, dict[str, str]]:
    """The claim page's body and its meta tags (og:, twitter:)."""
    detail = claim.detail
    row = detail.view.as_json()
    cid = claim.id
    page = claim_page_model(detail, today)
    status, reason, current, facts, latest = page.status, page.status_line, page.resolution, page.facts, page.latest
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

    page_url = h.absolute(base_url, f"claim-{cid}.html")
    embed_url = h.absolute(base_url, f"embed/claim-{cid}.html")
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
        '<nav aria-label="Share and download">' + h.links(share) + "</nav>",
    ]
    if page.withdrawal is not None:
        parts.append(withdrawn_notice(page.withdrawal))
    parts.append(f'<div class="grid2"><div>{"".join(left)}</div><div>{right}</div></div>')
    parts.append(readers_html)  # the readers' median of a resolved claim, else a link to forecast live
    if figures.trajectory is not None:
        title = f"{figures.trajectory.metric or 'The metric'}: observed against the target"
        parts.append(_metric_chart("metric", title, figures))
    parts.append(_confidence_chart("confidence", claim, figures))
    parts.append("<h2>Evidence</h2>")
    if not detail.observations:
        parts.append("<p>No evidence recorded yet.</p>")
    else:
        ordered = sorted(detail.observations, key=lambda o: (o["observed_on"], o["id"]), reverse=True)
        rows = [
            [
                h.esc(o["observed_on"].isoformat()),
                "–" if o["value"] is None else h.esc(format_number(o["value"])),
                h.esc(o["note"] or "–"),
                h.source_link(o["source_url"]),
                h.esc(h.day(o["source_published"])),
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
    parts.append(f"<h2>Confidence history ({words.count(len(detail.forecasts), 'forecast')})</h2>")
    parts.append(
        h.table(
            ["made at", "forecaster", "probability", "basis", "scored", "note"],
            [
                [
                    h.esc(f"{f['made_at']:%Y-%m-%d %H:%M}"),
                    h.esc(f["forecaster"]),
                    h.esc(h.percent(f["probability"])),
                    h.esc(f["basis"]),
                    h.esc(overview.forecast_entry_text(f)),
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
                        h.esc(words.value_text(change["from"])),
                        h.esc(words.value_text(change["to"])),
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
    if claim.withdrawal is not None:
        description = f"withdrawn: {claim.withdrawal['reason']}"
    meta = {
        "description": description[:300],
        "og:type": "article",
        "og:title": str(row["statement"])[:200],
        "og:description": description[:300],
        "og:url": page_url,
        "og:site_name": h.SITE_TITLE,
    }
    if has_card:
        meta |= {
            "og:image": h.absolute(base_url, f"cards/claim-{cid}.png"),
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


def _card_alt(row: Mapping[str, Any], latest: Mapping[str, Any] | None) -> str:
    confidence = f", confidence {float(latest['probability']):.0%}" if latest else ""
    status = "withdrawn" if row.get("withdrawn") else row["status"]
    return f"Claim #{row['id']}: {row['statement']} ({status}, deadline {row['deadline'] or 'none'}{confidence})"


def embed_page(claim: SiteClaim, figures: ClaimCharts, today: date) -> str:
    """embed/claim-ID.html: the claim with its main chart, for an <iframe>; it loads the site's shared
    assets (style, plotly.js, site.js), not the host page's."""
    row = claim.detail.view.as_json()
    cid = claim.id
    latest = claim.detail.last_counted_forecast
    status = claim.detail.shown_status
    if figures.trajectory is not None:
        chart = _metric_chart("embed", "The metric against its target", figures)
    else:
        chart = _confidence_chart("embed", claim, figures)
    page = claim_page_model(claim.detail, today)
    notice = withdrawn_notice(page.withdrawal, "../") if page.withdrawal is not None else ""
    confidence = h.percent(latest["probability"]) if latest else "–"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Claim #{cid}: {h.esc(row["statement"])}</title>
<link rel="stylesheet" href="../assets/site.css">
<style>body {{ margin: 0; }} main {{ padding: 0.6rem; }} h1 {{ font-size: 1.2rem; }}</style>
<link rel="icon" href="../assets/favicon.svg" type="image/svg+xml">
<script src="../assets/plotly.min.js"></script>
<script src="../assets/site.js"></script>
</head>
<body>
<main>
<h1><a href="../claim-{cid}.html" target="_blank" rel="noopener">{h.esc(row["statement"])}</a></h1>
<p>{h.pill(status)} Deadline {h.esc(row["deadline"] or "none usable")} · confidence {h.esc(confidence)} · \
{h.esc(row["claimant"])}</p>
{notice}{chart}
<p class="caption">Claim #{cid} as of {h.esc(today.isoformat())} · {h.link(f"../data/claim-{cid}.json", "data")}</p>
</main>
</body>
</html>
"""


def feed_entries(claims: Sequence[SiteClaim]) -> list[feed.Entry]:
    """The feed's entries of these claims (a withdrawn claim's are left out, as from every list)."""
    entries = []
    for claim in claims:
        if claim.withdrawal is not None:
            continue
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
                f"{row['claimant']} · deadline {h.day(row['deadline'])} · {detail.view.status.value}",
                page,
            )
        )
        for o in detail.observations:
            value = None if o["value"] is None else f"{format_number(o['value'])} {row['unit'] or ''}"
            entries.append(
                feed.Entry(
                    "evidence",
                    f"claim:{cid}:observation:{o['id']}",
                    o["observed_on"],
                    words.joined([f"Evidence on #{cid}", value, o["note"]])[:300],
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
                    words.joined([statement, r["note"]], " — "),
                    page,
                )
            )
    return entries
