"""The dashboard's only door to the library: cached wrappers keyed on the database's version.

The cache key includes the database file's fingerprint, so a write (from the author page, the CLI
or an import) is visible at the next rerun; nothing here caches a connection.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from predictions import ledger
from predictions.settings import load_settings


def database_path() -> Path:
    return load_settings().db


def version() -> tuple[float, int]:
    return ledger.database_version(database_path())


@st.cache_data(show_spinner=False, max_entries=8)
def _claims(path: str, db_version: tuple[float, int], today: date) -> list[dict[str, object]]:
    return [view.as_json() for view in ledger.list_claims(Path(path), today)]


def claims(today: date | None = None) -> list[dict[str, object]]:
    return _claims(str(database_path()), version(), today or date.today())
