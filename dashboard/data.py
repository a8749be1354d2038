"""The dashboard's only door to the library: cached wrappers keyed on the database's version.

The cache key includes the database file's fingerprint (ledger.database_version: mtime and size of the
file and its WAL), so a write (from the author page, the CLI, an import or the reminder process) is
visible at the next rerun. Nothing here caches a connection or a lazy relation: every cached function
returns plain rows or dataclasses. Writes are thin pass-throughs, never cached.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import streamlit as st

from predictions import imports, ledger, numeric, overview, reminders, scorecard, scoring, verdicts, watches
from predictions.imports import evidence
from predictions.ledger import ClaimDetail
from predictions.models import ClaimIn, ForecastIn, ObservationIn, ResolutionIn, Source
from predictions.overview import ClaimTable
from predictions.scoring import Score, ScoredForecasts, ScorePoint
from predictions.settings import Settings, load_settings
from predictions.trajectory import Trajectory


def settings() -> Settings:
    return load_settings()


def configured_dashboard_url() -> str | None:
    """PREDICTIONS_DASHBOARD_URL (or dashboard_url in predictions.toml) when set, else None."""
    current = settings()
    return current.dashboard_url if "dashboard_url" in current.given else None


def database_path() -> Path:
    return settings().db


def version() -> tuple[float, int]:
    return ledger.database_version(database_path())


def today() -> date:
    return date.today()


def database_problem() -> str | None:
    """Why the reader pages cannot show anything, or None when the database is there."""
    path = database_path()
    if not path.exists():
        return f"No database at {path}: create it with `make db` (or `predictions init --db {path}`)."
    return None


# --- cached reads --------------------------------------------------------------------------------


# The claim table is the one large result (a million claims in the benchmark). st.cache_data would
# unpickle a fresh copy on every rerun, so it is kept once per database version as a read-only
# columnar table instead (its arrays are frozen); pages filter and count it with array operations.
@st.cache_resource(show_spinner=False, max_entries=4)
def _claims(path: str, db_version: tuple[float, int], today: date) -> ClaimTable:
    return ledger.claim_table(Path(path), today, progress_claims=overview.PROGRESS_CLAIMS)


def claims(on: date | None = None) -> ClaimTable:
    """Every claim with its derived status, as a read-only ClaimTable (iterating it gives JSON-shaped rows)."""
    return _claims(str(database_path()), version(), on or today())


# A claims list (the overview's, filtered or not; the deadlines page's due and overdue lists) is the same
# for every reader of a database version and day who asks for the same view: a reader's filter is their own,
# the rows it selects are not. So the rows are built once per view and shared, read-only (the pages only
# read them); `key` names the view, for whatever is built from the rows and shared in turn (ui.claims_table).
@dataclass(frozen=True)
class Listing:
    rows: list[dict[str, Any]]  # the first `limit` claims of the view, shared: never changed
    total: int  # how many claims the view has in all
    key: tuple[Any, ...]


@st.cache_resource(show_spinner=False, max_entries=32)
def _listing(
    path: str, db_version: tuple[float, int], today: date, view: str, claim_filter: overview.ClaimFilter,
    days: int, limit: int,
) -> Listing:  # fmt: skip
    table = _claims(path, db_version, today)
    if view == "filtered":
        index = np.flatnonzero(claim_filter.mask(table))
    elif view == "due":
        index = overview.due_within_index(table, today, days)
    elif view == "overdue":
        index = overview.overdue_index(table)
    else:
        raise ValueError(f"no such claims list: {view}")
    key = (path, db_version, today, view, claim_filter, days, limit)
    return Listing(table.rows(index[:limit]), len(index), key)


def filtered_claims(claim_filter: overview.ClaimFilter, limit: int, on: date | None = None) -> Listing:
    """The claims passing a reader's filter (the first `limit`, in the claim table's order)."""
    return _listing(str(database_path()), version(), on or today(), "filtered", claim_filter, 0, limit)


def due_claims(days: int, limit: int, on: date | None = None) -> Listing:
    """Unresolved claims due from today to `days` from now, soonest first (overview.due_within)."""
    return _listing(str(database_path()), version(), on or today(), "due", overview.ClaimFilter(), days, limit)


def overdue_claims(limit: int, on: date | None = None) -> Listing:
    """Claims past their deadline and unresolved, the longest overdue first (overview.overdue)."""
    return _listing(str(database_path()), version(), on or today(), "overdue", overview.ClaimFilter(), 0, limit)


@st.cache_data(show_spinner=False, max_entries=64)
def _claim(path: str, db_version: tuple[float, int], claim_id: int, today: date) -> ClaimDetail:
    return ledger.get_claim(Path(path), claim_id, today)


def claim(claim_id: int, on: date | None = None) -> ClaimDetail:
    """One claim with its history; raises ledger.UnknownClaimError (not cached) for an unknown id."""
    return _claim(str(database_path()), version(), claim_id, on or today())


def claim_trajectory(detail: ClaimDetail) -> Trajectory | None:
    return ledger.claim_trajectory(detail)


def resolution_in_force(detail: ClaimDetail) -> dict[str, Any] | None:
    return ledger.resolution_in_force(detail)


def range_bands(detail: ClaimDetail) -> numeric.RangeBands | None:
    """The claim's latest range as its metric chart draws it (predictions.numeric)."""
    return numeric.range_bands(detail)


def range_preview(
    claim_row: dict[str, Any], quantiles: dict[int, float], observed: Sequence[float]
) -> numeric.RangeView:
    """The range a form is about to record; ranges.RangeError when it cannot stand."""
    return numeric.preview(claim_row, quantiles, observed)


@st.cache_data(show_spinner=False, max_entries=16)
def _numeric_record(path: str, db_version: tuple[float, int], attribution: str | None) -> numeric.NumericRecord:
    return numeric.numeric_record(Path(path), attribution=attribution)


def numeric_record(*, attribution: str | None = None) -> numeric.NumericRecord:
    """The ranges' record: coverage with its Wilson intervals, the PIT histogram, each resolved range."""
    return _numeric_record(str(database_path()), version(), attribution)


# `_table` (the cached claim table of the same path, version and day) is not part of the key: Streamlit
# skips arguments whose names start with an underscore.
@st.cache_data(show_spinner=False, max_entries=32)
def _trajectories(
    path: str, db_version: tuple[float, int], today: date, claim_ids: tuple[int, ...], _table: ClaimTable
) -> list[Trajectory]:
    return ledger.table_trajectories(Path(path), _table, claim_ids)


def trajectories(claim_ids: Sequence[int], on: date | None = None) -> list[Trajectory]:
    """Observed paths and projections of the given threshold claims (their fields from the claim table)."""
    day = on or today()
    path, db_version = str(database_path()), version()
    return _trajectories(path, db_version, day, tuple(int(i) for i in claim_ids), _claims(path, db_version, day))


# Every figure of the track record (and the overview's Brier score) comes from the scored forecasts of
# one scope (an attribution, a forecaster, or all): read once per database version and scope and kept
# like the claim table, so a page with nine figures makes one query per scope, not nine. Each figure
# is then cached on its own.
@st.cache_resource(show_spinner=False, max_entries=8)
def _scored(
    path: str, db_version: tuple[float, int], attribution: str | None, forecaster: str | None
) -> ScoredForecasts:
    return ledger.scored_table(Path(path), attribution=attribution, forecaster=forecaster)


@st.cache_data(show_spinner=False, max_entries=64)
def _track_record(
    path: str,
    db_version: tuple[float, int],
    today: date,
    folded: bool,
    by: str | None,
    attribution: str | None,
    forecaster: str | None,
) -> Score:
    return scoring.score_table(_scored(path, db_version, attribution, forecaster), today, folded=folded, by=by)


def track_record(
    *, folded: bool = False, by: str | None = None, attribution: str | None = None, forecaster: str | None = None
) -> Score:
    return _track_record(str(database_path()), version(), today(), folded, by, attribution, forecaster)


@st.cache_data(show_spinner=False, max_entries=32)
def _score_history(
    path: str, db_version: tuple[float, int], attribution: str | None, forecaster: str | None
) -> list[ScorePoint]:
    return scoring.table_history(_scored(path, db_version, attribution, forecaster))


def score_history(*, attribution: str | None = None, forecaster: str | None = None) -> list[ScorePoint]:
    return _score_history(str(database_path()), version(), attribution, forecaster)


@st.cache_data(show_spinner=False, max_entries=128)
def _forecasters(path: str, db_version: tuple[float, int], search: str | None, limit: int) -> list[tuple[str, int]]:
    return ledger.forecasters(Path(path), search, limit)


def forecasters(search: str | None = None, limit: int = 50) -> list[tuple[str, int]]:
    """Forecasters matching `search` with their number of forecasts, largest first."""
    return _forecasters(str(database_path()), version(), (search or "").strip() or None, limit)


@st.cache_data(show_spinner=False, max_entries=8)
def _reminder_states(path: str, db_version: tuple[float, int]) -> dict[int, dict[str, Any]]:
    return reminders.reminder_states(Path(path))


def reminder_states() -> dict[int, dict[str, Any]]:
    return _reminder_states(str(database_path()), version())


@st.cache_data(show_spinner=False, max_entries=8)
def _inbox(path: str, db_version: tuple[float, int], limit: int) -> list[dict[str, Any]]:
    return reminders.inbox(Path(path), limit=limit)


def inbox(limit: int = 200) -> list[dict[str, Any]]:
    """The reminders recorded by the reminder process (its dashboard inbox), newest first."""
    return _inbox(str(database_path()), version(), limit)


@st.cache_data(show_spinner=False, max_entries=16)
def _scorecard(
    path: str, db_version: tuple[float, int], since: date, fmt: str, today: date, attribution: str | None
) -> str:
    return scorecard.build_scorecard(Path(path), since, fmt, today, attribution=attribution)


def scorecard_text(since: date, fmt: str, attribution: str | None) -> str:
    """The ready-to-paste scorecard (as `predictions scorecard` writes it); raises ScorecardError."""
    return _scorecard(str(database_path()), version(), since, fmt, today(), attribution)


@st.cache_data(show_spinner=False, max_entries=8)
def _review_queue(path: str, db_version: tuple[float, int], today: date) -> list[verdicts.ReviewItem]:
    return verdicts.review_queue(Path(path), today)


def review_queue() -> list[verdicts.ReviewItem]:
    """The claims that need the author's verdict, oldest deadline first, with evidence and proposals."""
    return _review_queue(str(database_path()), version(), today())


@st.cache_data(show_spinner=False, max_entries=32)
def _amendments(path: str, db_version: tuple[float, int], claim_id: int) -> list[dict[str, Any]]:
    return verdicts.amendments(Path(path), claim_id)


def amendments(claim_id: int) -> list[dict[str, Any]]:
    """A claim's corrections (amendments and its withdrawal), oldest first."""
    return _amendments(str(database_path()), version(), claim_id)


@st.cache_data(show_spinner=False, max_entries=16)
def _watches(path: str, db_version: tuple[float, int], claim_id: int | None) -> list[dict[str, Any]]:
    return watches.list_watches(Path(path), claim_id)


def watched_sources(claim_id: int | None = None) -> list[dict[str, Any]]:
    """The watched sources (of one claim, or all), with their readings, pending candidates and last error."""
    return _watches(str(database_path()), version(), claim_id)


@st.cache_data(show_spinner=False, max_entries=8)
def _candidate_notes(path: str, db_version: tuple[float, int]) -> list[dict[str, Any]]:
    return watches.candidate_notes(Path(path))


def candidate_notes() -> list[dict[str, Any]]:
    """Feed entries from watched sources waiting for the author to accept or dismiss them."""
    return _candidate_notes(str(database_path()), version())


def find_repeat(statement: str, source: Source | None) -> int | None:
    """A stored claim of the same source whose statement equals this one (case and spacing folded)."""
    key = ledger.source_key(source, "manual") if source is not None else None
    return verdicts.find_repeat(database_path(), statement, key)


# --- writes (author workspace) -------------------------------------------------------------------


def amend(claim_id: int, amendment: verdicts.Amendment) -> dict[str, tuple[Any, Any]]:
    return verdicts.amend(database_path(), claim_id, amendment)


def withdraw(claim_id: int, reason: str, duplicate_of: int | None) -> None:
    verdicts.withdraw(database_path(), claim_id, reason, duplicate_of)


def add_claim(claim: ClaimIn, probability: float | None, source: Source | None = None) -> int:
    current = settings()
    return ledger.add_claim(current.db, claim, probability=probability, source=source, author_name=current.author_name)


def add_observation(claim_id: int, observation: ObservationIn) -> int:
    return ledger.add_observation(database_path(), claim_id, observation)


def add_forecast(claim_id: int, forecast: ForecastIn) -> int:
    return ledger.add_forecast(database_path(), claim_id, forecast)


def resolve(claim_id: int, resolution: ResolutionIn) -> int:
    return ledger.resolve(database_path(), claim_id, resolution)


def undo_resolution(claim_id: int, note: str | None) -> dict[str, Any]:
    return ledger.undo_resolution(database_path(), claim_id, note)


def add_watch(watch: watches.WatchIn) -> int:
    return watches.add_watch(database_path(), watch)


def remove_watch(watch_id: int) -> None:
    watches.remove_watch(database_path(), watch_id)


def run_watch(watch_id: int) -> tuple[list[watches.WatchRun], reminders.SweepResult | None]:
    """Run one watch now; when it added readings, send the crossing notices (as `watch run --once` does)."""
    return watches.run_and_notify(settings(), watch_ids=[watch_id])


def accept_candidate(candidate_id: int) -> int:
    return watches.accept_candidate(database_path(), candidate_id)


def dismiss_candidate(candidate_id: int) -> None:
    watches.dismiss_candidate(database_path(), candidate_id)


IMPORT_FORMATS = {"csv": "csv", "yaml": "yaml", "yml": "yaml", "json": "json", "parquet": "parquet"}
EVIDENCE = "evidence (csv or json)"


def import_evidence(name: str, content: bytes) -> evidence.EvidenceResult:
    """An uploaded evidence file (the layout of `predictions import --format evidence`)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise imports.ImportProblems([f"{name}: not UTF-8 text"]) from error
    return evidence.import_evidence_text(database_path(), text, "json" if name.lower().endswith(".json") else "csv")


def import_upload(
    name: str, content: bytes, fmt: str, progress: imports.Progress | None = None
) -> imports.ImportResult:
    """Import an uploaded file; raises imports.ImportProblems (one line per bad row) or LedgerError."""
    current = settings()
    stem = Path(name).stem or "upload"
    if fmt == "parquet":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{stem}.parquet"
            path.write_bytes(content)
            return imports.import_file(
                current.db, path, "parquet", default_forecaster=current.author_name, progress=progress
            )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise imports.ImportProblems([f"{name}: not UTF-8 text"]) from error
    return imports.import_text(current.db, text, fmt, stem, default_forecaster=current.author_name, progress=progress)
