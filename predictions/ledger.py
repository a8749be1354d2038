"""The application layer: every read and write of the ledger goes through these functions.

Each write is one unit of work (one connection, one transaction, closed afterwards); each read
opens the file read-only. Callers get domain errors, never driver errors.

Over 500 lines: it is the application layer's one door to the ledger, so every caller (CLI, dashboard, site,
imports) finds each read and write here under one unit-of-work and error discipline; the heavier parts already
live beside it (overview, scoring, verdicts, exports, imports/).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

import db
from db import amendments as amendments_sql
from db import blank_ledger, migrations, queries

# What reads claims one by one (`predictions list`, `show`, a reminder sweep) loads neither numpy nor
# pydantic: the models, the columnar reads and the scores are imported by the functions that use them.
from db.chain import Head, Verification  # the chain's results, for the CLI, the scorecard and the site
from db.clock import utc_now  # the one clock, for the CLI and the workspace too
from db.errors import PredictionsError
from predictions.progress import Projection, Status, claim_status, fit_line, project, summary_projection
from predictions.vocabulary import CLAIM_FIELDS, Attribution, ForecastBasis, Outcome

if TYPE_CHECKING:
    from predictions.models import ClaimIn, ForecastIn, ObservationIn, ResolutionIn, Source
    from predictions.overview import ClaimTable
    from predictions.scoring import Score, ScoredForecasts, ScorePoint, ScoreSheet
    from predictions.seed import PreparedClaim  # the seed reader (YAML, ~140 deadline patterns)
    from predictions.trajectory import Trajectory


class LedgerError(PredictionsError, ValueError):
    """A problem with what was asked, worth one line to the user."""


class UnknownClaimError(LedgerError):
    def __init__(self, claim_id: object) -> None:
        super().__init__(f"no claim with id {claim_id}")


@contextmanager
def writing(path: Path, *, create: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """A unit of work that first brings the schema up to date (cheap when it already is).

    Writes about existing claims pass create=False, so a mistyped --db path is an error rather
    than a new empty database.
    """
    if not create and not path.exists():
        raise LedgerError(f"database {path} does not exist (run `predictions init` first)")
    copied = create and blank_ledger.place(path)  # a new ledger: a copy of the process's blank one
    with db.unit_of_work(path) as con:
        if copied:
            migrations.restamp(con)
        db.migrate(con)
        yield con


@contextmanager
def reading(path: Path, *, few_rows: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only unit of work; a file without the ledger's tables (or an older one) is a clear error
    (db.errors.SchemaTooOldError), not a driver one.

    `few_rows` (one claim's page): DuckDB with one thread, which starts and stops a few ms sooner."""
    with db.read_only(path, threads=1 if few_rows else None) as con:
        yield con


def database_version(path: Path) -> tuple[float, int]:
    """A cheap fingerprint that changes with every committed write: (mtime, size) of the file and WAL."""
    stamps = []
    for candidate in (path, path.with_name(path.name + ".wal")):
        try:
            stat = candidate.stat()
            stamps.append((stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamps.append((0, 0))
    return float(stamps[0][0] + stamps[1][0]), stamps[0][1] + stamps[1][1]


# --- creating and seeding -------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: bool
    claims_added: int
    claims_skipped: int


def store_prepared(
    con: duckdb.DuckDBPyConnection, source: Source, source_key: str, prepared: Sequence[PreparedClaim]
) -> tuple[int, int]:
    """Store claims with their first forecast and observations; skip those already stored (by external id).

    Table by table, each in one bulk insert chained in one `chain.append` (a new ledger's 34 seed claims
    are ~100 history rows: row by row they took 0.7 s of every `init`), in the order each claim's rows
    were always stored: the claims, their first forecasts, the forecasts' ranges, the observations."""
    source_id = queries.ensure_source(con, {**source.model_dump(), "external_id": source_key})
    existing = queries.claim_ids_by_external_id(con, [p.claim.external_id for p in prepared if p.claim.external_id])
    new: dict[str, PreparedClaim] = {}
    for item in prepared:  # prepared claims all carry an external id (source key and item key), unique per file
        key = item.claim.external_id
        if key is not None and key not in existing and key not in new:
            new[key] = item
    if not new:
        return 0, len(prepared)
    claim_rows = [{**item.claim.model_dump(), "source_id": source_id} for item in new.values()]
    claim_ids = queries.bulk_insert(con, "claims", claim_rows, returning_key="external_id")
    forecast_ids = queries.bulk_insert(
        con,
        "forecasts",
        [
            {
                "external_id": None,
                "claim_id": claim_ids[key],
                "forecaster": item.forecaster,
                "probability": item.probability,
                "made_at": datetime.combine(item.claim.made_on, datetime.min.time()),
                "basis": item.basis,
                "note": "first forecast, read from the quote's wording" if item.basis == "verbal" else None,
                "entry": "imported",  # the issue's own forecast, dated by the issue
            }
            for key, item in new.items()
        ],
        returning_key="claim_id",
    )
    if any(item.quantiles for item in new.values()):
        from predictions import range_store  # the range the issue states with a forecast

        for key, item in new.items():
            if item.quantiles:
                claim_id = claim_ids[key]
                range_store.record_range(con, claim_id, forecast_ids[str(claim_id)], item.quantiles)
    queries.bulk_insert(
        con,
        "observations",
        [
            {**observation.model_dump(), "claim_id": claim_ids[key], "origin": "issue"}  # the issue's own facts
            for key, item in new.items()
            for observation in item.observations
        ],
    )
    return len(new), len(prepared) - len(new)


def seed_from_file(path: Path, seed_path: Path | None = None) -> SeedResult:
    """Create the database if needed and add the seed file's claims (idempotent)."""
    from predictions.seed import default_seed_path, load_seed_file, prepare, source_external_id

    seed_path = seed_path or default_seed_path()
    seed = load_seed_file(seed_path)
    prepared = prepare(seed, seed_path.stem)
    created = not path.exists()
    with writing(path) as con:
        added, skipped = store_prepared(con, seed.source, source_external_id(seed, seed_path.stem), prepared)
    return SeedResult(created, added, skipped)


def ensure_database(path: Path) -> SeedResult | None:
    """Create and seed the database when the file does not exist yet; otherwise bring its schema up to date."""
    if not path.exists():
        return seed_from_file(path)
    with writing(path):
        pass
    return None


# --- writes --------------------------------------------------------------------------------------


def _require_claim(con: duckdb.DuckDBPyConnection, claim_id: int) -> None:
    if not queries.claim_exists(con, claim_id):
        raise UnknownClaimError(claim_id)


class WithdrawnClaimError(LedgerError):
    def __init__(self, claim_id: int, withdrawal: Mapping[str, Any]) -> None:
        when = withdrawal["recorded_at"].date().isoformat() if withdrawal.get("recorded_at") else "earlier"
        repeats = f", a repeat of claim {withdrawal['duplicate_of']}" if withdrawal.get("duplicate_of") else ""
        super().__init__(
            f"claim {claim_id} was withdrawn on {when} ({withdrawal['reason']}{repeats}): it takes nothing new "
            f"until `predictions withdraw {claim_id} --undo --reason TEXT`"
        )


def require_changeable(con: duckdb.DuckDBPyConnection, claim_id: int) -> None:
    """The claim exists and is not withdrawn: a withdrawn claim takes no forecast, observation,
    resolution, amendment or second withdrawal."""
    _require_claim(con, claim_id)
    withdrawal = amendments_sql.withdrawal_of(con, claim_id)
    if withdrawal is not None:
        raise WithdrawnClaimError(claim_id, withdrawal)


def require_forecastable(con: duckdb.DuckDBPyConnection, claim_id: int, now: datetime) -> None:
    """A forecast is taken only while the claim is open: not withdrawn, no resolution in force, its
    deadline (as amended) not passed. Anything later would be hindsight."""
    require_changeable(con, claim_id)
    current = queries.current_resolution(con, claim_id)
    if current is not None:
        raise LedgerError(
            f"claim {claim_id} was resolved {current['outcome']} on {current['resolved_on']}: "
            "a forecast now would be hindsight (undo the resolution first if it was wrong)"
        )
    deadline = queries.claim_deadline(con, claim_id)
    if deadline is not None and now.date() > deadline:
        raise LedgerError(
            f"claim {claim_id}'s deadline {deadline} has passed: a forecast now would be hindsight "
            "(amend the deadline if it was wrong)"
        )


def default_forecaster(claim: ClaimIn, author_name: str) -> str:
    return author_name if claim.attribution is Attribution.AUTHOR else claim.claimant


def source_key(source: Source, origin: str) -> str:
    """A source's external id: its own, else `origin:title:published_on`, where origin says how it
    came in (manual: typed by the author; extract: a new issue's review; json: an export's)."""
    return source.external_id or f"{origin}:{source.title}:{source.published_on}"


def add_claim(
    path: Path,
    claim: ClaimIn,
    *,
    probability: float | None = None,
    forecaster: str | None = None,
    source: Source | None = None,
    author_name: str = "author",
) -> int:
    """Store one claim and its first forecast: the stated probability, else the one its wording implies."""
    from predictions.confidence import find_hedge
    from predictions.models import ForecastIn

    basis = ForecastBasis.STATED
    note = None
    if probability is None:
        hedge = find_hedge(claim.quote or claim.statement)
        if hedge is not None:
            probability, basis = hedge.probability, ForecastBasis.VERBAL
            note = f"read from the hedge {hedge.phrase!r}"
    first = None
    if probability is not None:
        first = ForecastIn(
            probability=probability,
            forecaster=forecaster or default_forecaster(claim, author_name),
            made_at=datetime.combine(claim.made_on, datetime.min.time()),
            basis=basis,
            note=note,
        )
    with writing(path) as con:
        source_id = None
        if source is not None:
            source_id = queries.ensure_source(con, {**source.model_dump(), "external_id": source_key(source, "manual")})
        claim_id = queries.insert_claim(con, {**claim.model_dump(), "source_id": source_id})
        if first is not None:
            # A claim's first forecast is its source's own (the stated or hedged probability of the issue
            # that made it), dated by the claim as the seed's are; recorded after the claim's deadline it
            # would be hindsight, and is kept as backfilled.
            late = claim.deadline is not None and utc_now().date() > claim.deadline
            queries.insert_forecast(
                con, claim_id, {**first.model_dump(), "entry": "backfilled" if late else "imported"}
            )
    return claim_id


def add_observation(path: Path, claim_id: int, observation: ObservationIn) -> int:
    with writing(path, create=False) as con:
        require_changeable(con, claim_id)
        return queries.insert_observation(con, claim_id, observation.model_dump())


def add_forecast(path: Path, claim_id: int, forecast: ForecastIn) -> int:
    """A new row in the confidence history; earlier forecasts are never overwritten. Refused once the
    claim is withdrawn, resolved or past its deadline; one dated more than a day before now is kept as
    backfilled and never scored."""
    with writing(path, create=False) as con:
        require_forecastable(con, claim_id, utc_now())
        forecast_id = queries.insert_forecast(con, claim_id, {**forecast.model_dump(), "entry": None})
        if forecast.quantiles:  # its range, in the same transaction (predictions.range_store)
            from predictions import range_store

            range_store.record_range(con, claim_id, forecast_id, forecast.quantiles)
        return forecast_id


def resolve(path: Path, claim_id: int, resolution: ResolutionIn) -> int:
    with writing(path, create=False) as con:
        require_changeable(con, claim_id)
        made_on = queries.claim_made_on(con, claim_id)
        if made_on is not None and resolution.resolved_on < made_on:
            raise LedgerError(f"resolution date {resolution.resolved_on} is before the claim was made ({made_on})")
        resolution_id = queries.insert_resolution(con, claim_id, resolution.model_dump())
        if resolution.value is not None:  # the number it rests on, in the same transaction
            from predictions import range_store

            range_store.record_value(con, claim_id, resolution_id, resolution.value)
        return resolution_id


def undo_resolution(path: Path, claim_id: int, note: str | None = None) -> dict[str, Any]:
    """Undo the resolution in force; the one before it (if any) is in force again. Returns the undone row."""
    with writing(path, create=False) as con:
        require_changeable(con, claim_id)
        current = queries.current_resolution(con, claim_id)
        if current is None:
            raise LedgerError(f"claim {claim_id} has no resolution to undo")
        queries.insert_undo(con, int(current["id"]), note)
        return current


# --- reads ---------------------------------------------------------------------------------------


@dataclass
class ClaimView:
    """A claim summary row with its derived status and projection."""

    row: dict[str, Any]
    status: Status
    projection: Projection | None

    @property
    def id(self) -> int:
        return int(self.row["id"])

    def __getitem__(self, key: str) -> Any:
        return self.row[key]

    def as_json(self) -> dict[str, Any]:
        row = self.row

        def iso(value: Any) -> Any:
            return value.isoformat() if isinstance(value, date | datetime) else value

        claim = {name: iso(row[name]) for name in CLAIM_FIELDS}  # the claim's own fields, named once
        claim["tags"], claim["flags"] = list(row["tags"] or []), list(row["flags"] or [])
        return {
            "id": row["id"],
            **claim,
            "checkable": row["deadline"] is not None,
            "probability": row["probability"],
            "status": self.status.value,
            "state": self.status.state,
            "outcome": row["outcome"],
            "fraction": row["fraction"],
            "resolved_on": iso(row["resolved_on"]),
            "source": {
                "id": row["source_id"],
                "title": row["source_title"],
                "url": row["source_url"],
                "published_on": iso(row["source_date"]),
            }
            if row["source_id"] is not None
            else None,
            "last_value": row["last_value"],
            "projected_value": self.projection.value if self.projection else None,
            "withdrawn": bool(row.get("withdrawn")),
        }


def _view(row: dict[str, Any], today: date) -> ClaimView:
    projection = summary_projection(row)
    return ClaimView(row, claim_status(row, today, projection), projection)


def list_claims(path: Path, today: date | None = None) -> list[ClaimView]:
    today = today or date.today()
    with reading(path) as con:
        rows = queries.claim_summaries(con)
    return [_view(row, today) for row in rows]


@dataclass
class ClaimDetail:
    view: ClaimView
    observations: list[dict[str, Any]]
    forecasts: list[dict[str, Any]]
    resolutions: list[dict[str, Any]]
    projection: Projection | None = field(default=None)
    # Its corrections (amendments and a withdrawal), oldest first: read in the same unit of work.
    amendments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def shown_status(self) -> str:
        """The status a page shows: 'withdrawn' for a withdrawn claim (never an outcome), else its status."""
        return "withdrawn" if self.withdrawal is not None else self.view.status.value

    @property
    def last_counted_forecast(self) -> dict[str, Any] | None:
        """The latest forecast that counts toward the scores (db.rules.COUNTED): what the claim's header
        shows (and, unless the claim is withdrawn, scores)."""
        counted = [f for f in self.forecasts if f.get("counted", True)]
        return counted[-1] if counted else None

    @property
    def withdrawal(self) -> dict[str, Any] | None:
        """The withdrawal in force (reason, the claim it repeats, when), None when not withdrawn."""
        last = [row for row in self.amendments if row["action"] in ("withdraw", "unwithdraw")]
        return last[-1] if last and last[-1]["action"] == "withdraw" else None


def get_claim(path: Path, claim_id: int, today: date | None = None) -> ClaimDetail:
    today = today or date.today()
    with reading(path, few_rows=True) as con:
        row = queries.claim_summary(con, claim_id)
        if row is None:
            raise UnknownClaimError(claim_id)
        observations = queries.observations_for(con, claim_id)
        forecasts = queries.forecasts_for(con, claim_id)
        resolutions = queries.resolutions_for(con, claim_id)
        amendments = amendments_sql.amendments_for(con, claim_id)
        if row["kind"] == "threshold":  # ranges and the values resolutions rest on (predictions.range_store)
            from predictions import range_store

            range_store.attach(con, claim_id, forecasts, resolutions)
    detail = claim_detail(row, observations, forecasts, resolutions, today)
    detail.amendments = amendments
    return detail


def claim_detail(
    row: dict[str, Any],
    observations: list[dict[str, Any]],
    forecasts: list[dict[str, Any]],
    resolutions: list[dict[str, Any]],
    today: date,
) -> ClaimDetail:
    """A claim's detail from its summary row and its rows (as get_claim reads them, or a bulk read)."""
    view = _view(row, today)
    valued = [o for o in observations if o["value"] is not None]
    projection = None
    if row["kind"] == "threshold" and valued:
        fit = fit_line([o["observed_on"] for o in valued], [float(o["value"]) for o in valued])
        projection = project(row, fit, valued[-1]["value"], valued[-1]["observed_on"])
    return ClaimDetail(view, observations, forecasts, resolutions, projection)


def parse_outcome(text: str) -> Outcome:
    try:
        return Outcome(text.strip().lower())
    except ValueError as error:
        raise LedgerError(f"unknown outcome {text!r}: use true, false, partial or ambiguous") from error


# --- the hash chain ------------------------------------------------------------------------------


def record_head(path: Path) -> Head:
    """The chain's head: how many records, the last hash and when it was recorded."""
    from db import chain

    with reading(path, few_rows=True) as con:
        return chain.head(con)


def verify_record(path: Path, head_hash: str | None = None) -> tuple[Verification, int | None]:
    """Recompute the chain from the ledger's rows. With `head_hash`, whether the record that had that
    head is an unchanged prefix of today's (the prefix's length, None when it is not)."""
    from db import chain

    with reading(path) as con:
        if head_hash is None:
            result = chain.verify(con)
            return result, result.head.count if result.intact else None
        return chain.verify_prefix(con, head_hash)


def chain_records(path: Path) -> list[dict[str, Any]]:
    from db import chain

    with reading(path) as con:
        return chain.records(con)


# --- track record --------------------------------------------------------------------------------


def scored_table(
    path: Path,
    *,
    latest: bool = False,
    attribution: str | None = None,
    forecaster: str | None = None,
    claims: bool = True,
) -> ScoredForecasts:
    """Every scored forecast (of `attribution`'s claims, by `forecaster`) as columns: what track_record
    and score_history compute from, read in one query. Without `claims`, their claims' claimants,
    attributions and topics are not read (ScoredForecasts.from_columns)."""
    with reading(path) as con:
        return scored_table_from(con, latest=latest, attribution=attribution, forecaster=forecaster, claims=claims)


def scored_table_from(
    con: duckdb.DuckDBPyConnection,
    *,
    latest: bool = False,
    attribution: str | None = None,
    forecaster: str | None = None,
    claims: bool = True,
) -> ScoredForecasts:
    """`scored_table` within a unit of work already open."""
    from db import columns
    from predictions.scoring import ScoredForecasts

    rows = columns.scored_columns(con, latest=latest, attribution=attribution, forecaster=forecaster, claims=claims)
    scored_claims = columns.scored_claims(con, attribution=attribution) if claims else None
    return ScoredForecasts.from_columns(rows, scored_claims, columns.forecaster_names(con))


def track_record(
    path: Path,
    today: date | None = None,
    *,
    latest: bool = False,
    folded: bool = False,
    by: str | None = None,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> Score:
    """Brier, log score and calibration over scored forecasts, optionally broken down `by` a grouping."""
    return track_record_sheet(
        path, today, latest=latest, folded=folded, by=by, attribution=attribution, forecaster=forecaster
    ).score()


def track_record_sheet(
    path: Path,
    today: date | None = None,
    *,
    latest: bool = False,
    folded: bool = False,
    by: str | None = None,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> ScoreSheet:
    """`track_record` as a ScoreSheet: a breakdown's scores as lists (the command line writes them)."""
    from predictions.scoring import GROUPS, score_sheet

    if by is not None and by not in GROUPS:
        raise LedgerError(f"unknown grouping {by!r}: use {', '.join(GROUPS)}")
    today = today or date.today()
    # The overall scores and the breakdown by forecaster need no claim's claimant, attribution or topics.
    claims = by not in (None, "forecaster")
    table = scored_table(path, latest=latest, attribution=attribution, forecaster=forecaster, claims=claims)
    return score_sheet(table, today, folded=folded, by=by)


def score_history(
    path: Path, *, latest: bool = False, attribution: str | None = None, forecaster: str | None = None
) -> list[ScorePoint]:
    from predictions.scoring import table_history

    return table_history(scored_table(path, latest=latest, attribution=attribution, forecaster=forecaster))


def forecasters(path: Path, search: str | None = None, limit: int = 50) -> list[tuple[str, int]]:
    with reading(path) as con:
        return queries.forecaster_counts(con, search or None, limit)


# --- dashboard reads -----------------------------------------------------------------------------


def claim_trajectory(detail: ClaimDetail) -> Trajectory | None:
    """The metric's path and projection for a threshold claim's page; None for other claims."""
    from predictions import trajectory

    if detail.view["kind"] != "threshold" or detail.view["target"] is None:
        return None
    return trajectory.build(detail.view.row, detail.observations, detail.view.status.value)


def resolution_in_force(detail: ClaimDetail) -> dict[str, Any] | None:
    """The latest resolution of the claim that has not been undone (the one its status comes from)."""
    return next((r for r in reversed(detail.resolutions) if r["undone_at"] is None), None)


def threshold_trajectories(
    path: Path, today: date | None = None, claim_ids: Sequence[int] | None = None
) -> list[Trajectory]:
    """One trajectory per threshold claim (with or without observations), in claim id order; with
    `claim_ids`, only those claims (the overview draws a few dozen lines, not every claim)."""
    today = today or date.today()
    with reading(path) as con:
        if claim_ids is None:
            summaries = queries.claim_summaries(con)
        else:
            summaries = queries.claim_summaries_for_ids(con, claim_ids)
        rows = [row for row in summaries if row["kind"] == "threshold" and row["target"] is not None]
        observations = queries.threshold_observations_for(con, [int(row["id"]) for row in rows]) if rows else []
    return _trajectories(rows, _by_claim(observations), lambda row: _view(row, today).status.value)


def table_trajectories(path: Path, table: ClaimTable, claim_ids: Sequence[int]) -> list[Trajectory]:
    """`threshold_trajectories` of claims of a claim table: their fields and statuses from the table,
    their observations from what the table prefetched, else read (only the observations)."""
    positions = [table.index_of(int(claim_id)) for claim_id in sorted(set(claim_ids))]
    fields = [table.threshold_fields(i) for i in positions if i is not None]
    rows = [f for f in fields if f["kind"] == "threshold" and f["target"] is not None]
    wanted = [int(row["id"]) for row in rows]
    if all(claim_id in table.prefetched for claim_id in wanted):
        by_claim = table.prefetched
    else:
        with reading(path, few_rows=True) as con:
            by_claim = _by_claim(queries.threshold_observations_for(con, wanted) if wanted else [])
    return _trajectories(rows, by_claim, lambda row: str(row["status"]))


def _by_claim(observations: Sequence[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """Observations grouped by their claim id, each claim's in the order given."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for observation in observations:
        grouped.setdefault(int(observation["claim_id"]), []).append(observation)
    return grouped


def _trajectories(
    rows: Sequence[Mapping[str, Any]], by_claim: Mapping[int, list[dict[str, Any]]], status: Any
) -> list[Trajectory]:
    from predictions import trajectory

    return [trajectory.build(row, by_claim.get(int(row["id"]), []), status(row)) for row in rows]


def claim_table(path: Path, today: date | None = None, *, progress_claims: int = 0) -> ClaimTable:
    """Every claim as columns with its status on `today`: what the reader pages filter and count.

    With `progress_claims`, the same unit of work also reads the observations of the claims that the
    unfiltered progress chart shows (that many), for table_trajectories."""
    import numpy as np

    from db import columns
    from predictions.overview import ClaimTable, progress_index
    from predictions.status_columns import STATUS_VALUES, status_codes

    today = today or date.today()
    with reading(path) as con:
        read = columns.claim_columns(con)
        codes = status_codes(read, today)
        table = ClaimTable(read, STATUS_VALUES[codes], codes)
        if progress_claims:
            shown = progress_index(table, np.ones(len(table), dtype=bool), today, progress_claims)
            ids = [int(table.ids[i]) for i in shown]
            observations = queries.threshold_observations_for(con, ids) if ids else []
            table.prefetched = {claim_id: [] for claim_id in ids} | _by_claim(observations)
    return table


# Storage errors (database missing or busy) reach callers as they are: re-exported so that the
# dashboard can report them without importing the storage layer.
DatabaseError = db.DatabaseError
