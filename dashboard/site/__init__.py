"""The published static site: `predictions publish` writes it (publish.py) from the domain's claim models,
with the shared renderers of dashboard.render. The live dashboard imports nothing from here."""
