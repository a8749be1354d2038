"""Streamlit dashboard (router in app.py, pages in app_pages/, figures in charts.py)."""
