"""Track record: Brier and log score with n, calibration, the score over time, breakdowns, any forecaster."""

import streamlit as st

from dashboard import data, downloads, reader_panel, ui
from dashboard.render import charts, range_charts
from predictions import scoring, words
from predictions.numeric import NumericRecord
from predictions.quantities import format_number
from predictions.scoring import Score

SCOPES = {"author": "The author's own claims", "all": "Every scored forecast"}
VIEWS = ["unfolded", "folded"]
BREAKDOWNS = {"claimant": "claimant", "attribution": "attribution", "topic": "topic"}


def headline(score: Score) -> None:
    in_calibration = sum(b.n for b in score.calibration)
    columns = st.columns(4)
    columns[0].metric("Scored forecasts", f"{score.n:,}", help="forecasts on claims resolved true, false or partial")
    columns[1].metric("Brier score", words.score(score.brier), help="0 is perfect; always 50% scores 0.25")
    columns[2].metric(
        "Log score",
        words.score(score.log_score),
        help="mean of ln(probability given to what happened); 0 is perfect, higher is better",
    )
    columns[3].metric(
        "Past their deadline",
        f"{in_calibration:,} of {score.n:,}",
        help=(
            "the scored forecasts whose deadline has passed: only these are in the calibration chart, so a claim "
            "that came true early does not make the record look better calibrated than it is"
        ),
    )


def numeric_section(record: NumericRecord) -> None:
    """Ranges: coverage of the 50/80/90% intervals with their Wilson intervals, and the PIT histogram."""
    st.subheader("Ranges: how often the outcome fell inside")
    if not record.n:
        st.caption(
            "No range resolved with a value yet: a threshold claim's forecast can carry quantiles of the metric "
            "(`predictions forecast ID --quantiles 10=…,50=…,90=…`), and a resolution the value it rests on."
        )
        return
    st.dataframe(
        [
            {
                "interval": f"{c.percent}%",
                "outcomes": c.n,
                "inside": c.hits,
                "observed": f"{c.rate:.0%}" if c.rate is not None else "–",
                "95% interval": f"{c.low:.0%}–{c.high:.0%}" if c.low is not None and c.high is not None else "–",
            }
            for c in record.coverage
        ],
        hide_index=True,
        key="track_coverage_table",
    )
    left, right = st.columns(2, gap="large")
    with left:
        ui.plotly_chart(range_charts.coverage_figure(record.coverage), key="track_coverage_chart")
    with right:
        ui.plotly_chart(range_charts.pit_figure(record.pit_histogram), key="track_pit_chart")
    with st.expander(f"The {words.count(record.n, 'resolved range')} and their scores"):
        st.dataframe(
            [
                {
                    "claim": f"#{item.claim_id} {item.statement}",
                    "outcome": format_number(item.value),
                    "percentile": f"{item.pit:.0%}",
                    "CRPS": format_number(item.crps),
                    "IS 50%": format_number(item.interval_scores[50]),
                    "IS 90%": format_number(item.interval_scores[90]),
                }
                for item in record.scored
            ],
            hide_index=True,
            key="track_ranges_table",
        )
        st.caption(
            "CRPS and interval scores are in the metric's own units (lower is better), so they are not added up "
            "across claims; coverage and the PIT histogram are."
        )


def breakdown_table(by: dict[str, Score], label: str, key: str) -> None:
    st.dataframe(
        [
            {
                label: name,
                "n": score.n,
                "Brier": None if score.brier is None else round(score.brier, 3),
                "log score": None if score.log_score is None else round(score.log_score, 3),
            }
            for name, score in by.items()
        ],
        key=key,
        hide_index=True,
        height=min(400, 38 + 35 * len(by)),
    )


st.title("Track record")
st.download_button(
    "Download the forecasts and outcomes (CSV)",
    data=downloads.ledger_csv(data.database_path()),
    file_name="ledger.csv",
    mime="text/csv",
    key="track_download",
    on_click="ignore",
    icon=":material/download:",
    help="Every forecast with its claim's outcome, as `predictions export --format csv` writes it",
)
controls = st.columns([2, 1, 2])
with controls[0]:
    scope = ui.url_choice(
        "Whose record", list(SCOPES), param="scope", key="track_scope", default="author", format_func=SCOPES.__getitem__
    )
with controls[1]:
    view = ui.url_choice("Calibration view", VIEWS, param="calibration", key="track_calibration", default="unfolded")
attribution = "author" if scope == "author" else None
folded = view == "folded"

score = data.track_record(attribution=attribution, folded=folded)
headline(score)
if score.n == 0:
    st.info(
        "Nothing resolved yet, so nothing is scored: scores appear as claims are resolved true, false or partial "
        "(ambiguous resolutions and open claims are never scored)."
    )

history = data.score_history(attribution=attribution)
left, right = st.columns(2, gap="large")
with left:
    if any(b.n for b in score.calibration):
        ui.plotly_chart(
            charts.calibration_figure(score.calibration, folded, f"Calibration ({SCOPES[scope].lower()}, {view})"),
            key="track_calibration_chart",
        )
    else:
        st.caption("No calibration chart: no scored claim has reached its deadline yet.")
with right:
    if history:
        ui.plotly_chart(charts.score_history_figure(history, "Brier score over time"), key="track_history_chart")
    else:
        st.caption("No Brier score over time: nothing is resolved and scored yet.")

reader_panel.track_record_section(folded)  # the readers' median beside the author (issue 25)
numeric_section(data.numeric_record(attribution=attribution))

st.subheader("Breakdowns")
tabs = st.tabs([f"by {label}" for label in BREAKDOWNS])
for tab, (label, grouping) in zip(tabs, BREAKDOWNS.items(), strict=True):
    with tab:
        by = data.track_record(by=grouping, attribution=attribution).by
        if not by:
            st.info(f"Nothing scored yet, so no breakdown by {label}.")
            continue
        ui.plotly_chart(charts.breakdown_figure(by, label), key=f"track_by_{label}")
        breakdown_table(by, label, key=f"track_table_{label}")

with st.expander("How the scores are counted"):
    st.markdown((scoring.__doc__ or "").split("\n\n", 1)[-1])

st.subheader("Any forecaster's record")


def pick_best_match() -> None:
    """A new search picks its best match (the one with the most forecasts); an empty search, nobody."""
    text = st.session_state.get("track_forecaster_search") or ""
    found = data.forecasters(text, limit=1) if text.strip() else []
    st.session_state["track_forecaster"] = found[0][0] if found else None


search = st.text_input(
    "Search forecasters",
    key="track_forecaster_search",
    placeholder="part of a name",
    help="matches any part of a name",
    on_change=pick_best_match,
)
matches = data.forecasters(search, limit=50)
if not matches:
    st.info("No forecaster matches that search.")
else:
    counts = dict(matches)
    # Nobody is picked until the reader asks (a search picks its best match): the page does not read
    # a forecaster's scored forecasts that nobody requested.
    forecaster = st.selectbox(
        "Forecaster (most forecasts first)",
        list(counts),
        index=None,
        format_func=lambda name: f"{name} ({words.count(counts[name], 'forecast')})",
        placeholder="Choose a forecaster to see their record",
        key="track_forecaster",
    )
    if forecaster is None:
        st.caption("Pick a forecaster, or search for one, to see their calibration and Brier score over time.")
    else:
        theirs = data.track_record(forecaster=forecaster, folded=folded)
        headline(theirs)
        if theirs.n == 0:
            st.info("None of this forecaster's forecasts is on a resolved claim yet.")
        else:
            left, right = st.columns(2, gap="large")
            with left:
                ui.plotly_chart(
                    charts.calibration_figure(
                        theirs.calibration, folded, f"Calibration of {charts.plot_text(forecaster, 40)}"
                    ),
                    key="track_forecaster_calibration",
                )
            with right:
                ui.plotly_chart(
                    charts.score_history_figure(
                        data.score_history(forecaster=forecaster),
                        f"Brier score of {charts.plot_text(forecaster, 40)} over time",
                    ),
                    key="track_forecaster_history",
                )
