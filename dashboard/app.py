"""Streamlit router: shared setup, then `st.navigation` over the pages in app_pages/."""

from __future__ import annotations

import streamlit as st

from dashboard import data

st.set_page_config(page_title="Trend Prediction Tracker", page_icon="🎯", layout="wide")

overview = st.Page("app_pages/overview.py", title="Overview", icon="📈", default=True)
navigation = st.navigation([overview])
data.database_path()  # fail early, with a clear message, when the database is missing
navigation.run()
