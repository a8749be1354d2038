"""The floor of a reader page in Chromium (issue 18): a bare Streamlit page with one Plotly chart and one
table, and nothing else: what any Streamlit page costs a browser. `streamlit run bench/bare_page.py`."""

from __future__ import annotations

import random

import plotly.graph_objects as go
import streamlit as st

rng = random.Random(42)
xs = list(range(100))
st.title("A bare page")
st.plotly_chart(go.Figure(go.Scatter(x=xs, y=[rng.random() for _ in xs], mode="lines+markers")))
st.dataframe([{"id": i, "statement": f"Claim number {i}", "probability": round(rng.random(), 2)} for i in range(50)])
