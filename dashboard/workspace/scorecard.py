"""The workspace's "Scorecard" tab: the section for the next issue, ready to paste."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboard import data, ui
from predictions.ledger import LedgerError

SCOPES = {"author": "the author's own claims", "all": "every forecaster"}


def scorecard_form() -> None:
    st.caption(
        "The section to paste into the next issue: claims resolved since a date with the confidence given, the "
        "Brier score before and now, calibration, and what comes due next (as `predictions scorecard` writes it)."
    )
    left, mid, right = st.columns(3)
    since = left.date_input(
        "Resolved since",
        value=date.today() - timedelta(days=31),
        max_value=date.today(),
        format="YYYY-MM-DD",
        key="author_card_since",
    )
    fmt = mid.selectbox("Format", ["markdown", "html"], key="author_card_format")
    whose = right.selectbox(
        "Whose forecasts", ["author", "all"], key="author_card_scope", format_func=lambda v: SCOPES[v]
    )
    if not isinstance(since, date):
        return
    try:
        text = data.scorecard_text(since, fmt, "author" if whose == "author" else None)
    except LedgerError as error:
        st.error(ui.escape_markdown(error))
        return
    st.download_button(
        "Download", text, file_name=f"scorecard-{since.isoformat()}.{'md' if fmt == 'markdown' else 'html'}",
        key="author_card_download",
    )  # fmt: skip
    st.code(text, language=fmt, wrap_lines=True)
