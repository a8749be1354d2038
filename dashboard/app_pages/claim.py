"""Claim: one claim with its quote, evidence, projection, confidence history and resolutions.

Opened by the shareable deep link `/?claim=ID`; an unknown or malformed id gets a message, not a traceback.
"""

import streamlit as st

from dashboard import data, downloads, reader_panel, ui
from dashboard.render import charts, range_charts
from dashboard.share_link import share_link
from predictions import overview, range_text, words
from predictions.claim_page import claim_page
from predictions.ledger import UnknownClaimError
from predictions.quantities import format_number
from predictions.vocabulary import ORIGIN_LABELS as ORIGINS

OVERVIEW = "app_pages/overview.py"


def pick_claim() -> None:
    """No id in the URL: let the reader find one."""
    st.title("Find a claim")
    search = st.text_input("Search by id or words of the statement", key="claim_search")
    found = overview.search_claims(data.claims(), search, limit=100)
    if not found:
        st.info("No claim matches.")
        return
    chosen = st.selectbox(
        "Claim",
        [int(row["id"]) for row in found],
        format_func=lambda claim_id: next(
            f"#{row['id']} {row['statement'][:100]}" for row in found if int(row["id"]) == claim_id
        ),
        index=None,
        placeholder="Choose a claim",
        key="claim_pick",
    )
    if chosen is not None:
        st.query_params["claim"] = str(chosen)
        st.rerun()


def field(label: str, value: object) -> None:
    """A label and a value written by people (escaped: shown exactly as typed)."""
    st.markdown(f"**{label}:** {ui.escape_markdown(value)}")


def not_found(raw: str) -> None:
    st.error(f"No claim with id {ui.escape_markdown(raw[:40])}.")
    st.page_link(OVERVIEW, label="Back to all claims", icon=":material/arrow_back:")
    st.stop()


raw = st.query_params.get("claim")
if raw is None:
    pick_claim()
    st.stop()
claim_id = overview.parse_claim_id(raw)
if claim_id is None:
    not_found(raw)
    st.stop()
try:
    detail = data.claim(claim_id)
except UnknownClaimError:
    not_found(raw)
    st.stop()

today = data.today()
row = detail.view.as_json()
page = claim_page(detail, today)  # the facts, badge, status line and withdrawal, as the static page has them
status, current, latest = page.status, page.resolution, page.latest

st.set_page_config(page_title=f"{row['statement'][:70]} · Trend Prediction Tracker")
st.page_link(OVERVIEW, label="All claims", icon=":material/arrow_back:")
st.subheader(ui.escape_markdown(row["statement"]))
# What forecasting sites put first: the probability in large type, the status or outcome, why; then charts.
big, badge = st.columns([1, 4], vertical_alignment="center")
big.metric(
    "Last confidence" if current is not None else "Current probability",
    "–" if latest is None else f"{float(latest['probability']):.0%}",
    help=None if latest is None else f"by {latest['forecaster']} on {latest['made_at']:%Y-%m-%d}",
)
with badge:
    ui.status_pill(status)
    st.markdown(ui.escape_markdown(page.badge))
    st.caption(ui.escape_markdown(page.status_line))
share = ui.claim_url(row["id"], ui.public_address(data.configured_dashboard_url()))
st.caption(f"Claim #{row['id']} · the link to share it:")
share_link(share)
card_button, data_button = st.columns(2, width=360)
card_button.download_button(
    "Card (PNG)",
    data=downloads.claim_card(data.database_path(), claim_id, today),
    file_name=f"claim-{claim_id}.png",
    mime="image/png",
    key="claim_card",
    on_click="ignore",
    icon=":material/image:",
    help="A 1200×630 image of the claim for a newsletter or a post (what `predictions card` writes)",
)
data_button.download_button(
    "Download data",
    data=downloads.claim_json(data.database_path(), claim_id, today),
    file_name=f"claim-{claim_id}.json",
    mime="application/json",
    key="claim_data",
    on_click="ignore",
    icon=":material/download:",
    help="Its forecasts, evidence and resolutions, in the layout `predictions export --format json` writes",
)
corrections = detail.amendments  # read with the claim, in its unit of work
withdrawal = detail.withdrawal
if page.withdrawal is not None:
    st.warning(ui.escape_markdown(page.withdrawal.text()))

left, right = st.columns([3, 2], gap="large")
with left:
    if row["quote"]:
        st.markdown("> " + ui.escape_markdown(row["quote"]))
    if row["source"]:
        field("Source", overview.source_label(row))
        if ui.safe_url(row["source"]["url"]):
            st.link_button("Open the source", str(row["source"]["url"]))
    field("Resolution criteria", row["resolution_criteria"] or "none written yet")
with right:
    for label, value in page.facts:
        field(label, value)
    if current is not None and ui.safe_url(current["evidence_url"]):
        st.link_button("Resolution evidence", str(current["evidence_url"]))

reader_panel.claim_panel(claim_id, today)  # readers forecast too (issue 25): blind until they have

trajectory = data.claim_trajectory(detail)
if trajectory is not None:
    bands = data.range_bands(detail)  # the latest range, drawn on the metric chart (dashboard.render.range_charts)
    figure = range_charts.with_range(charts.claim_metric_figure(trajectory, today, current, status), bands)
    ui.plotly_chart(figure, key="claim_metric")
    if bands is not None:
        st.caption(range_text.bands_caption(bands))
    if trajectory.points and not trajectory.has_band:
        st.caption("The 95% band around the projection needs at least three observed values.")
else:
    st.caption("A yes/no claim: there is no metric to chart; the evidence is listed below.")

deadline = detail.view["deadline"]
if detail.forecasts:
    ui.plotly_chart(
        charts.confidence_figure(detail.forecasts, today, deadline, current, status), key="claim_confidence"
    )
else:
    st.caption("No forecast recorded for this claim yet, so there is no confidence history to chart.")

st.subheader("Evidence")
if not detail.observations:
    st.info("No evidence recorded yet.")
else:
    st.caption(
        f"{len(detail.observations)} dated facts, newest first, each with its source: the issue's own baseline facts, "
        "evidence gathered after the issue, and what the author recorded."
    )
    newest_first = sorted(detail.observations, key=lambda o: (o["observed_on"], o["id"]), reverse=True)
    # A phone gets each piece of evidence as a short block (the table's source links would be off-screen).
    ui.only_on_wide_screens("claim_evidence_wide")
    ui.only_on_narrow_screens("claim_evidence_narrow")
    with st.container(key="claim_evidence_narrow"):
        for o in newest_first:
            with st.container(border=True):
                value = (
                    f" · **{format_number(o['value'])}** {ui.escape_markdown(row['unit'] or '')}"
                    if o["value"] is not None
                    else ""
                )
                st.markdown(f"**{o['observed_on'].isoformat()}**{value}")
                if o["note"]:
                    st.markdown(ui.escape_markdown(o["note"]))
                link = ui.markdown_link("source ↗", o["source_url"])
                origin = ORIGINS.get(o["origin"] or "recorded", o["origin"])
                st.caption(ui.escape_markdown(origin) + (f" · {link}" if link else " · no source link"))
    evidence_table = st.container(key="claim_evidence_wide")
    evidence_table.dataframe(
        [
            {
                "observed on": o["observed_on"].isoformat(),
                "value": format_number(o["value"]) if o["value"] is not None else None,
                "note": o["note"] or "",
                "source": ui.safe_url(o["source_url"]),
                "published": o["source_published"].isoformat() if o["source_published"] else None,
                "confidence": o["confidence"],
                "from": ORIGINS.get(o["origin"] or "recorded", o["origin"]),
            }
            for o in newest_first
        ],
        key="claim_evidence",
        hide_index=True,
        placeholder="–",
        column_config={
            "source": st.column_config.LinkColumn("source", display_text="open ↗"),
            "note": st.column_config.TextColumn("note", width="large"),
        },
    )

with st.expander(f"Confidence history ({words.count(len(detail.forecasts), 'forecast')})"):
    st.dataframe(
        [
            {
                "made at": f"{f['made_at']:%Y-%m-%d %H:%M}",
                "forecaster": f["forecaster"],
                "probability": round(100 * float(f["probability"])),
                "basis": f["basis"],
                "scored": overview.forecast_entry_text(f),
                "note": f["note"] or "",
            }
            for f in detail.forecasts
        ],
        key="claim_forecasts",
        hide_index=True,
        column_config={"probability": st.column_config.NumberColumn("probability", format="%d%%")},
    )

if detail.resolutions:
    with st.expander(f"Resolution history ({len(detail.resolutions)})"):
        st.dataframe(
            [
                {
                    "resolved on": r["resolved_on"].isoformat(),
                    "outcome": r["outcome"],
                    "fraction": r["fraction"],
                    "note": r["note"] or "",
                    "evidence": ui.safe_url(r["evidence_url"]),
                    "undone": f"{r['undone_at']:%Y-%m-%d}" if r["undone_at"] else "",
                }
                for r in detail.resolutions
            ],
            key="claim_resolutions",
            hide_index=True,
            placeholder="–",
            column_config={"evidence": st.column_config.LinkColumn("evidence", display_text="open ↗")},
        )

amended = [a for a in corrections if a["action"] == "amend"]
if amended:
    with st.expander(f"Amendment history ({len(amended)})", expanded=True):
        st.caption(
            "The claim as shown is the latest amendment; nothing was rewritten: each change is kept with its reason."
        )
        st.dataframe(
            [
                {
                    "amended on": f"{a['created_at']:%Y-%m-%d}",
                    "field": name.replace("_", " "),
                    "before": ui.plain_value(change["from"]),
                    "after": ui.plain_value(change["to"]),
                    "reason": a["reason"],
                }
                for a in amended
                for name, change in a["changes"].items()
            ],
            key="claim_amendments",
            hide_index=True,
            column_config={"reason": st.column_config.TextColumn("reason", width="large")},
        )
