"""Renderers shared by the live dashboard and the static site: Plotly figures (charts), claim cards
(cards) and the scorecard's static images (static_charts). Pure functions of domain models."""
