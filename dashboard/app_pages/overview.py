"""Overview: every claim with its status."""

import streamlit as st

from dashboard import data

st.title("Trend Prediction Tracker")
rows = data.claims()
st.caption(f"{len(rows)} claims")
st.dataframe(
    [{"id": r["id"], "status": r["status"], "deadline": r["deadline"], "statement": r["statement"]} for r in rows],
    hide_index=True,
)
