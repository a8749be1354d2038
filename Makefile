# One command each: `make run` (set up, create + seed the database, serve the dashboard) and
# `make test` (set up, lint, type-check, run the whole suite). Everything installs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8501
export PREDICTIONS_DB ?= data/predictions.duckdb

.PHONY: setup browser db run test lint types unit bench format clean

# `make run` is quiet: one line per setup step, one per reminder sweep, the dashboard's URL last.
$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (the first time only: a minute or two)"
	@$(PYTHON) -m venv $(VENV)
	@# pip's warnings (build backends, index locations) go to a log, shown only when the install fails.
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip > $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' >> $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

setup: $(STAMP)

# The browser tests drive Debian's Chromium through Playwright (a browser download is impossible here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

db: setup
	@$(BIN)/predictions ensure-db

run: db
	@$(BIN)/python -m dashboard.serve --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/python -m pytest -q -m "not browser"

test: setup browser lint types
	$(BIN)/python -m pytest -q

# `make bench SIZES=S,M` skips the large ledger (see BENCHMARKS.md).
bench: setup
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES))
	$(BIN)/python -m bench.publish

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
