# One command each: `make run` (set up, create + seed the database, serve the dashboard) and
# `make test` (set up, lint, type-check, run the whole suite). Everything installs itself.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-stamp
PORT ?= 8501
# pytest-xdist workers for `make test` and `make unit`: each module runs on one worker (tests/conftest.py)
TEST_WORKERS ?= 3
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
export PREDICTIONS_DB ?= data/predictions.duckdb

.PHONY: setup dev browser db run test lint types unit bench format clean

# `make run` is quiet: one line per setup step, one per reminder sweep, the dashboard's URL last.
# It installs what the dashboard needs and nothing more; `make test` adds the dev extra (pytest, ruff, mypy …).
# Both install with uv (a uv on PATH, else one put into the venv by pip): a fresh clone's first page in well
# under a minute, and uv's cache (~/.cache/uv) keeps the wheels for the next clone. When uv cannot be had or
# fails, pip installs the same thing. Every installer's output goes to a log, shown only when the install fails.
LOG := $(VENV)/install.log
define install
	{ [ -x $(BIN)/uv ] || command -v uv >/dev/null 2>&1 \
	    || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv >> $(LOG) 2>&1 || true; } ; \
	UV=$$( [ -x $(BIN)/uv ] && echo $(BIN)/uv || command -v uv || true ) ; \
	{ [ -n "$$UV" ] && "$$UV" pip install --quiet --python $(BIN)/python $(1) >> $(LOG) 2>&1 ; } \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check $(1) >> $(LOG) 2>&1 \
	  || { cat $(LOG); exit 1; }
endef

$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (the first time only: well under a minute)"
	@rm -f $(DEV_STAMP)
	@$(PYTHON) -m venv $(VENV)
	@: > $(LOG)
	@$(call install,-e .)
	@touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	@echo "adding the test tools to $(VENV) (the first time only)"
	@$(call install,-e '.[dev]')
	@touch $(DEV_STAMP)

setup: $(STAMP)

dev: $(DEV_STAMP)

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

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: dev
	$(BIN)/mypy

unit: dev
	$(PYTEST) -m "not browser"

test: dev browser lint types
	$(PYTEST)

# `make bench SIZES=S,M` skips the large ledger (see BENCHMARKS.md).
bench: setup
	$(BIN)/python -m bench.run $(if $(SIZES),--sizes $(SIZES))
	$(BIN)/python -m bench.publish

format: dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
