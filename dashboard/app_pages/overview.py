"""Overview: headline figures, the resolution timeline, threshold progress and the filtered claim list.

The filters live in the URL (?topic=ai&status=overdue&from=2025-01-01), so a filtered view can be shared.
"""

from datetime import date

import streamlit as st

from dashboard import data, downloads, ui
from dashboard.render import charts
from predictions import overview, words

TIMELINE_CLAIMS = 60  # the dated claims with deadlines nearest today
PHONE_TIMELINE_CLAIMS = 12  # on a phone: the nearest deadlines as a list

FILTER_KEYS = {  # session key → URL parameter
    "overview_topic": "topic",
    "overview_claimant": "claimant",
    "overview_attribution": "attribution",
    "overview_status": "status",
    "overview_source": "source",
    "overview_from": "from",
    "overview_to": "to",
}


def clear_filters() -> None:
    for key, param in FILTER_KEYS.items():
        st.session_state[key] = None if param in ("from", "to") else []
        if param in st.query_params:
            del st.query_params[param]


def open_filters() -> None:
    st.session_state["overview_filters_open"] = True


today = data.today()
rows = data.claims(today)

# The filters' widgets (five multiselects with every topic, claimant and source as options, two date inputs)
# make the browser fetch ~0.4 MB of code before the page is drawn: they are drawn once the reader asks for
# them, or at once when the URL carries a filter (a shared filtered view shows what narrows it).
filters_shown = (
    st.session_state.get("overview_filters_open", False)
    or any(param in st.query_params for param in FILTER_KEYS.values())
    or any(st.session_state.get(key) for key in FILTER_KEYS)
)
topics: list[str] = []
claimants: list[str] = []
attributions: list[str] = []
statuses: list[str] = []
sources: list[str] = []
deadline_from: date | None = None
deadline_to: date | None = None
with st.sidebar:
    st.subheader("Filters")
    if not filters_shown:
        st.caption(
            "Narrow the claims by topic, claimant, attribution, status, source issue or deadline; "
            "the address keeps the filters, so a filtered view can be shared."
        )
        st.button("Filter the claims", key="overview_filters_show", on_click=open_filters, icon=":material/tune:")
    else:
        st.session_state["overview_filters_open"] = True  # they stay on show for this reader once shown
        options = overview.filter_options(rows)
        topics = ui.url_multiselect("Topic", options.topics, param="topic", key="overview_topic")
        claimants = ui.url_multiselect("Claimant", options.claimants, param="claimant", key="overview_claimant")
        attributions = ui.url_multiselect(
            "Attribution",
            options.attributions,
            param="attribution",
            key="overview_attribution",
            format_func=lambda value: str(value).replace("_", " "),
            help="Who is predicting: the author, a company's projection, an official target or a cited forecast.",
        )
        statuses = ui.url_multiselect("Status", options.statuses, param="status", key="overview_status")
        sources = ui.url_multiselect("Source issue", options.sources, param="source", key="overview_source")
        deadline_from = ui.url_date("Deadline from", param="from", key="overview_from")
        deadline_to = ui.url_date("Deadline to", param="to", key="overview_to")
        st.button("Clear filters", key="overview_clear", on_click=clear_filters)

claim_filter = overview.ClaimFilter(
    topics=tuple(topics),
    claimants=tuple(claimants),
    attributions=tuple(attributions),
    statuses=tuple(statuses),
    sources=tuple(sources),
    deadline_from=deadline_from,
    deadline_to=deadline_to,
)
mask = claim_filter.mask(rows)
head = overview.headline(rows, today, mask=mask)
author = overview.brier_of(rows, "author")

st.title("Trend Prediction Tracker")
st.caption(
    "Forward-looking statements from the newsletter, kept as checkable claims with deadlines. "
    f"Status as of {today.isoformat()}."
    + (
        f" Filtered: {head.claims:,} of {len(rows):,} claims (the URL keeps the filters)."
        if claim_filter.active
        else ""
    )
)

columns = st.columns(6)
columns[0].metric(
    "Claims",
    f"{head.claims:,}",
    help=f"{head.not_checkable:,} of them {'has' if head.not_checkable == 1 else 'have'} no usable deadline yet",
)
columns[1].metric("Open", f"{head.open:,}", help="not resolved and not past the deadline")
columns[2].metric("Due within 90 days", f"{head.due_soon:,}", help=f"open, deadline from {today.isoformat()} on")
columns[3].metric("Overdue, unresolved", f"{head.overdue:,}", help="deadline passed, no resolution recorded")
columns[4].metric("Resolved", f"{head.resolved:,}")
columns[5].metric(
    "Author's Brier score",
    words.score(author.brier),
    help=(
        f"over {words.count(author.n, 'scored forecast')} on all the author's own claims, whatever the filters "
        "(0 is perfect, 0.25 is always saying 50%)"
        if author.n
        else "none of the author's own claims is resolved yet"
    ),
)

if author.n:  # the one figure the filters do not narrow: said plainly, not only in a tooltip
    st.caption(
        "The author's Brier score is not filtered: it covers "
        + ("the one scored forecast" if author.n == 1 else f"all {author.n:,} scored forecasts")
        + " on the author's own claims."
    )

if not len(rows):
    st.info("The ledger holds no claims yet: sign in as the author to add some, or import a file.")
    st.stop()
if not head.claims:
    st.info("No claim matches these filters.")
    st.stop()

on_timeline = overview.timeline_index(rows, mask, today, TIMELINE_CLAIMS)
timeline_rows = rows.rows(on_timeline)
if timeline_rows:
    # Wide screens get the chart; a phone (below 640 px, where Streamlit stacks columns) gets the nearest
    # deadlines as a list, which stays readable where 60 bars with their labels would not.
    ui.only_on_wide_screens("overview_timeline_wide")
    ui.only_on_narrow_screens("overview_timeline_narrow")
    undated = words.count(head.undated, "claim") + " without a usable deadline (not checkable yet)"
    undated_verb = "is" if head.undated == 1 else "are"
    with st.container(key="overview_timeline_wide"):
        ui.plotly_chart(
            charts.timeline_figure(
                timeline_rows, today, limit=TIMELINE_CLAIMS, total=head.claims - head.undated, measured_margins=True
            ),
            key="overview_timeline",
        )
        if head.undated:
            st.caption(f"{undated} {undated_verb} not on the timeline.")
    with st.container(key="overview_timeline_narrow"):
        st.markdown("**Deadlines nearest today**")
        nearest = sorted(timeline_rows, key=lambda r: abs((date.fromisoformat(str(r["deadline"])) - today).days))
        st.markdown(
            "\n".join(
                f"- {r['deadline']} · {r['status']} · {ui.escape_markdown(ui.shorten(r['statement'], 70))}"
                for r in sorted(nearest[:PHONE_TIMELINE_CLAIMS], key=lambda r: str(r["deadline"]))
            )
        )
        if head.undated:
            st.caption(f"{undated} {undated_verb} not in this list; the table below has every claim.")
else:
    st.caption("No claim among these has a usable deadline, so there is no resolution timeline.")

progress_ids = [int(rows.ids[i]) for i in overview.progress_index(rows, mask, today, overview.PROGRESS_CLAIMS)]
trajectories = data.trajectories(progress_ids, today)
if not trajectories:
    st.info("No threshold claim (a metric with a target) among these claims, so there is no progress chart.")
elif not any(t.points for t in trajectories):
    st.caption(
        "No progress chart: "
        + (
            "the one threshold claim here has"
            if len(trajectories) == 1
            else f"none of the {len(trajectories)} threshold claims here has"
        )
        + " an observed value yet."
    )
else:
    ui.plotly_chart(charts.progress_figure(trajectories, today), key="overview_progress")
    waiting = [t for t in trajectories if not t.points]
    if waiting:
        st.caption(
            f"{len(waiting)} of {words.count(len(trajectories), 'threshold claim')} "
            f"{'has' if len(waiting) == 1 else 'have'} no observed value yet, so no line: "
            + ", ".join(f"#{t.claim_id}" for t in waiting)
            + "."
        )

st.subheader("Claims")
listing = data.filtered_claims(claim_filter, ui.MAX_TABLE_ROWS, today)  # shared by the readers of this view
ui.claims_table(
    listing.rows,
    key="overview_table",
    total=listing.total,
    shared_key=listing.key,
    column_order=[
        "statement",
        "probability",
        "status",
        "deadline",
        "claimant",
        "attribution",
        "topics",
        "source",
        "claim",
    ],
    phone_statement_width=ui.PHONE_STATEMENT_PX,
)
st.download_button(
    "Download the ledger (CSV)",
    data=downloads.ledger_csv(data.database_path()),
    file_name="ledger.csv",
    mime="text/csv",
    key="overview_download",
    on_click="ignore",
    icon=":material/download:",
    help="Every claim's forecasts and outcomes, whatever the filters, as `predictions export --format csv` writes it",
)
