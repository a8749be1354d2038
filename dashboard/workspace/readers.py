"""The workspace's "Readers" tab (issue 25): each claim's reader count, median and its history, excluding a
pseudonym (spam) with a reason, closing reader forecasts on one claim or everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from dashboard import data, ui
from dashboard.reader_panel import percent
from dashboard.render import reader_charts as figures
from predictions import reader_forecasts as readers
from predictions import words
from predictions.errors import PredictionsError


def author_tab(claim_id: int | None) -> None:
    """Readers per claim (count, median, history), excluding a pseudonym, closing forecasts."""
    path = data.database_path()
    settings = data.settings()
    if not settings.reader_forecasts:
        st.info("Reader forecasts are off everywhere (PREDICTIONS_READER_FORECASTS=off).")
    rows = readers.claims_readers(path, enabled=settings.reader_forecasts)
    st.markdown(f"**{words.count(len(rows), 'claim')} with reader forecasts**")
    if rows:
        st.dataframe(
            [
                {
                    "claim": f"#{r.claim_id}",
                    "statement": r.statement,
                    "readers": r.aggregate.n,
                    "median": r.aggregate.median if r.aggregate.shown else None,
                    "author": r.facts.author_probability if r.facts else None,
                    "excluded": r.aggregate.excluded,
                    "open": r.closed_because is None,
                }
                for r in rows
            ],
            key="readers_claims",
            hide_index=True,
            placeholder="–",
            column_config={
                "median": st.column_config.NumberColumn("median", format="percent"),
                "author": st.column_config.NumberColumn("author", format="percent"),
                "statement": st.column_config.TextColumn("statement", width="large"),
            },
        )
    everywhere = readers.closing_in_force(path, None)
    with st.form("readers_everywhere", border=True):
        st.markdown(
            "**Reader forecasts everywhere:** "
            + ("closed: " + ui.escape_markdown(everywhere["reason"]) if everywhere else "open")
        )
        reason = st.text_input("Reason", key="readers_everywhere_reason")
        if st.form_submit_button("Reopen everywhere" if everywhere else "Close everywhere"):
            _write(lambda: readers.set_closed(path, None, reason, closed=everywhere is None), "Saved.")
    if claim_id is None:
        st.info("Choose a claim above to see its readers, exclude a pseudonym or close its forecasts.")
        return
    _claim_readers(path, claim_id)


def _write(action: Any, message: str) -> None:
    try:
        action()
    except PredictionsError as error:
        st.error(ui.escape_markdown(error))
        return
    st.session_state["readers_flash"] = message
    st.rerun()


def _claim_readers(path: Path, claim_id: int) -> None:
    flash = st.session_state.pop("readers_flash", None)
    if flash:
        st.success(flash)
    summary = readers.claims_readers(path, [claim_id], enabled=data.settings().reader_forecasts)[0]
    agg = summary.aggregate
    st.markdown(f"**Claim #{claim_id}:** {ui.escape_markdown(summary.statement)}")
    columns = st.columns(3)
    columns[0].metric("Readers", f"{agg.n:,}")
    columns[1].metric("Readers' median", percent(agg.median) if agg.shown else "–")
    columns[2].metric("Excluded", f"{agg.excluded:,}")
    author = summary.facts.author_probability if summary.facts else None
    ui.plotly_chart(figures.readers_median_history_figure(agg.history, author), key="readers_history")
    ballots = readers.claim_ballots(path, claim_id)
    if ballots:
        st.dataframe(
            [
                {
                    "pseudonym": b.reader,
                    "forecast": b.probability,
                    "at": f"{b.made_at:%Y-%m-%d %H:%M}",
                    "changes": b.changes,
                    "excluded": b.excluded,
                }
                for b in ballots
            ],
            key="readers_ballots",
            hide_index=True,
            column_config={"forecast": st.column_config.NumberColumn("forecast", format="percent")},
        )
        with st.form("readers_exclude", border=True):
            st.markdown("**Exclude a pseudonym** (spam): left out of every median and score, everywhere")
            shown = st.selectbox("Pseudonym", [b.reader for b in ballots], key="readers_exclude_who")
            reason = st.text_input("Reason", key="readers_exclude_reason")
            left, right = st.columns(2)
            if left.form_submit_button("Exclude", type="primary"):
                _write(lambda: readers.set_excluded(path, str(shown), reason), f"Excluded {shown}.")
            if right.form_submit_button("Include again"):
                _write(lambda: readers.set_excluded(path, str(shown), reason, excluded=False), f"Included {shown}.")
    closing = readers.closing_in_force(path, claim_id)
    with st.form("readers_close_claim", border=True):
        st.markdown(
            f"**Reader forecasts on claim #{claim_id}:** "
            + ("closed: " + ui.escape_markdown(closing["reason"]) if closing else "open (while the claim is)")
        )
        reason = st.text_input("Reason", key="readers_close_reason")
        if st.form_submit_button("Reopen here" if closing else "Close here"):
            _write(lambda: readers.set_closed(path, claim_id, reason, closed=closing is None), "Saved.")
