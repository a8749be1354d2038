"""Per-claim rollups kept up to date by every write: what the reader pages would otherwise aggregate
over every forecast, observation and resolution on each cold read.

`claim_rollups` holds one row per claim that has any forecast, observation or resolution: its latest
forecast, the resolution in force, its observation statistics (with the least-squares line the
projection uses) and the sums of its scored forecasts. A claim without a row has none of these.

The write functions in db.queries mark the claims they touch (`touch`, into a temporary table of the
connection); `refresh_touched` recomputes those claims' rows from the ledger tables just before the
unit of work commits (db.connection.unit_of_work calls it), so a rollup is always the aggregate of the
rows committed with it. Recomputing a claim's whole row, rather than adjusting it, keeps the rules in
one place (the SQL below) and makes undoing a resolution no special case.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from db import rules

TABLE_SQL = """CREATE TABLE claim_rollups (
    claim_id BIGINT NOT NULL,
    probability DOUBLE, probability_by VARCHAR, probability_at TIMESTAMP,
    resolution_id BIGINT, outcome VARCHAR, fraction DOUBLE, resolved_on DATE, resolution_note VARCHAR,
    n_observations BIGINT NOT NULL, n_values BIGINT NOT NULL, last_value DOUBLE, last_value_on DATE,
    last_observed_on DATE, fit_n BIGINT NOT NULL, fit_slope DOUBLE, fit_intercept DOUBLE, fit_mean_x DOUBLE,
    fit_sxx DOUBLE, fit_syy DOUBLE, fit_sxy DOUBLE,
    n_scored BIGINT NOT NULL, brier_sum DOUBLE
)"""
# Every forecaster with their number of forecasts: the Track record's picker lists the largest and
# searches names without grouping a million forecasts on each cold read.
FORECASTERS_TABLE_SQL = "CREATE TABLE forecaster_rollups (forecaster VARCHAR NOT NULL, n_forecasts BIGINT NOT NULL)"
_FORECASTER_COUNTS = "SELECT forecaster, count(*) AS n_forecasts FROM forecasts"
FORECASTERS_REBUILD_SQL = f"INSERT INTO forecaster_rollups {_FORECASTER_COUNTS} GROUP BY forecaster"
_FORECASTERS_REFRESH_SQL = (
    f"INSERT INTO forecaster_rollups {_FORECASTER_COUNTS}"
    " WHERE forecaster IN (SELECT forecaster FROM touched_forecasters) GROUP BY forecaster"
)

# The rules, once: the latest counted forecast (db.rules.COUNTED) by (made_at, id); the latest resolution
# not undone; the least-squares line of value ~ day over the observations in force (none revised later);
# a scored forecast is a counted one on a claim resolved true, false or partial, its outcome by
# db.rules.SCORED_OUTCOME.
_ROLLUP_SELECT = (
    """
    WITH latest_forecast AS (
        SELECT claim_id, probability, forecaster, made_at FROM {counted} cf {only}
        QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY made_at DESC, id DESC) = 1
    ), in_force AS (
        SELECT r.claim_id, r.id, r.outcome, r.fraction, r.resolved_on, r.note FROM (SELECT * FROM resolutions {only}) r
        WHERE NOT EXISTS (SELECT 1 FROM resolution_undos u WHERE u.resolution_id = r.id)
        QUALIFY row_number() OVER (PARTITION BY r.claim_id ORDER BY r.id DESC) = 1
    ), observation_stats AS (
        SELECT claim_id, count(*) AS n_observations, count(value) AS n_values,
               arg_max(value, observed_on) FILTER (WHERE value IS NOT NULL) AS last_value,
               max(observed_on) FILTER (WHERE value IS NOT NULL) AS last_value_on,
               max(observed_on) AS last_observed_on,
               -- the line's statistics; NaN (one distinct day: no slope) stored as NULL, which equals itself
               regr_count(value, x) AS fit_n, nullif(regr_slope(value, x), 'NaN'::DOUBLE) AS fit_slope,
               nullif(regr_intercept(value, x), 'NaN'::DOUBLE) AS fit_intercept, regr_avgx(value, x) AS fit_mean_x,
               regr_sxx(value, x) AS fit_sxx, regr_syy(value, x) AS fit_syy, regr_sxy(value, x) AS fit_sxy
        FROM (SELECT *, CAST(date_diff('day', DATE '1970-01-01', observed_on) AS DOUBLE) AS x FROM {in_force} io {only})
        GROUP BY claim_id
    ), scored_outcome AS (
        SELECT r.claim_id, {scored_outcome} AS outcome
        FROM in_force r JOIN claims c ON c.id = r.claim_id
        WHERE r.outcome IN {scored_outcomes}
    ), scores AS (
        SELECT f.claim_id, count(*) AS n_scored, sum(power(f.probability - s.outcome, 2)) AS brier_sum
        FROM (SELECT claim_id, probability FROM {counted} cf {only}) f JOIN scored_outcome s ON s.claim_id = f.claim_id
        GROUP BY f.claim_id
    ), touched AS (
        -- every claim with a row of its own (one whose resolutions are all undone included)
        SELECT claim_id FROM latest_forecast UNION SELECT claim_id FROM observation_stats
        UNION SELECT claim_id FROM resolutions {only}
    )
    SELECT t.claim_id, lf.probability, lf.forecaster AS probability_by, lf.made_at AS probability_at,
           r.id AS resolution_id, r.outcome, r.fraction, r.resolved_on, r.note AS resolution_note,
           coalesce(o.n_observations, 0) AS n_observations, coalesce(o.n_values, 0) AS n_values,
           o.last_value, o.last_value_on, o.last_observed_on, coalesce(o.fit_n, 0) AS fit_n, o.fit_slope,
           o.fit_intercept, o.fit_mean_x, o.fit_sxx, o.fit_syy, o.fit_sxy,
           coalesce(s.n_scored, 0) AS n_scored, s.brier_sum
    FROM touched t
    LEFT JOIN latest_forecast lf ON lf.claim_id = t.claim_id
    LEFT JOIN in_force r ON r.claim_id = t.claim_id
    LEFT JOIN observation_stats o ON o.claim_id = t.claim_id
    LEFT JOIN scores s ON s.claim_id = t.claim_id
""".replace("{scored_outcome}", rules.SCORED_OUTCOME)
    .replace("{scored_outcomes}", rules.SCORED_OUTCOMES)
    .replace("{counted}", rules.COUNTED_FORECASTS)
    .replace("{in_force}", rules.OBSERVATIONS_IN_FORCE)
)

_ONLY_TOUCHED = "WHERE claim_id IN (SELECT claim_id FROM touched_claims)"
# What the table should hold: every claim's rollup computed afresh.
EXPECTED_SQL = _ROLLUP_SELECT.replace("{only}", "")
REBUILD_SQL = "INSERT INTO claim_rollups " + EXPECTED_SQL
_REFRESH_SQL = "INSERT INTO claim_rollups " + _ROLLUP_SELECT.replace("{only}", _ONLY_TOUCHED)


def _ensure_touched(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE IF NOT EXISTS touched_claims (claim_id BIGINT)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS touched_forecasters (forecaster VARCHAR)")


def touch(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int], forecasters: Sequence[str] = ()) -> None:
    """Mark claims (and forecasters, for a new forecast) whose rollups the current unit of work must
    recompute before it commits."""
    if not claim_ids and not forecasters:
        return
    _ensure_touched(con)
    if claim_ids:
        con.execute("INSERT INTO touched_claims SELECT unnest(?::BIGINT[])", [list(claim_ids)])
    if forecasters:
        con.execute("INSERT INTO touched_forecasters SELECT unnest(?::VARCHAR[])", [list(forecasters)])


def touch_from(con: duckdb.DuckDBPyConnection, rows: str, *, forecasters: bool = False) -> None:
    """`touch` the claims (and with `forecasters`, the forecasters) of the rows of a registered view:
    a bulk insert's."""
    if rows not in _TOUCHING_VIEWS:
        raise ValueError(f"unknown view {rows!r}")
    _ensure_touched(con)
    con.execute(f"INSERT INTO touched_claims SELECT DISTINCT claim_id FROM {rows}")
    if forecasters:
        con.execute(f"INSERT INTO touched_forecasters SELECT DISTINCT forecaster FROM {rows}")


def touch_resolution(con: duckdb.DuckDBPyConnection, resolution_id: int) -> None:
    """`touch` the claim of a resolution (an undo names the resolution, not the claim)."""
    _ensure_touched(con)
    con.execute("INSERT INTO touched_claims SELECT claim_id FROM resolutions WHERE id = ?", [resolution_id])


_TOUCHING_VIEWS = frozenset({"bulk_rows"})


def refresh_touched(con: duckdb.DuckDBPyConnection) -> int:
    """Recompute the rollups of the claims and forecasters marked in this unit of work; return how
    many claims were marked."""
    tables = {
        (str(name), bool(temporary))
        for name, temporary in con.execute(
            "SELECT table_name, temporary FROM duckdb_tables() "
            "WHERE table_name IN ('touched_claims', 'touched_forecasters', 'claim_rollups', 'forecaster_rollups')"
        ).fetchall()
    }
    if ("touched_claims", True) not in tables:
        return 0
    marked = 0
    if ("claim_rollups", False) in tables:  # else a schema before migration 3: its rebuild will cover these
        marked = _refresh_claims(con)
        _refresh_forecasters(con)
    con.execute("DROP TABLE touched_claims")
    con.execute("DROP TABLE touched_forecasters")
    return marked


def _refresh_claims(con: duckdb.DuckDBPyConnection) -> int:
    # Distinct first: a bulk import marks a claim once per row, and the aggregates filter on this set.
    con.execute("CREATE OR REPLACE TEMP TABLE touched_claims AS SELECT DISTINCT claim_id FROM touched_claims")
    row = con.execute("SELECT count(*) FROM touched_claims").fetchone()
    marked = int(row[0]) if row else 0
    if marked:
        total = con.execute("SELECT count(*) FROM claims").fetchone()
        if total and marked * 4 >= int(total[0]):  # a bulk import: recomputing all is cheaper than filtering
            _rebuild_claims(con)
        else:
            con.execute("DELETE FROM claim_rollups WHERE claim_id IN (SELECT claim_id FROM touched_claims)")
            con.execute(_REFRESH_SQL)
    return marked


def _refresh_forecasters(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute("SELECT count(DISTINCT forecaster) FROM touched_forecasters").fetchone()
    if not row or not row[0]:
        return
    con.execute("DELETE FROM forecaster_rollups WHERE forecaster IN (SELECT forecaster FROM touched_forecasters)")
    con.execute(_FORECASTERS_REFRESH_SQL)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every rollup (after writing the ledger tables directly, as the benchmark's generator does)."""
    _rebuild_claims(con)
    con.execute("DELETE FROM forecaster_rollups")
    con.execute(FORECASTERS_REBUILD_SQL)


def _rebuild_claims(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DELETE FROM claim_rollups")
    con.execute(REBUILD_SQL)


_EXACT = ("probability", "probability_by", "probability_at", "resolution_id", "outcome", "fraction", "resolved_on",
          "resolution_note", "n_observations", "n_values", "last_value", "last_value_on", "last_observed_on",
          "fit_n", "n_scored")  # fmt: skip
# Sums and regressions: DuckDB may add a group's rows in any order, so equal to rounding only.
_SUMS = ("fit_slope", "fit_intercept", "fit_mean_x", "fit_sxx", "fit_syy", "fit_sxy", "brier_sum")


def stale_claims(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[int]:
    """Claims whose stored rollup differs from a recomputation (or is missing or extra): [] when all hold."""
    differs = [f"a.{name} IS DISTINCT FROM b.{name}" for name in _EXACT] + [
        f"NOT ((a.{name} IS NULL AND b.{name} IS NULL)"
        f" OR coalesce(abs(a.{name} - b.{name}) <= 1e-9 * greatest(1.0, abs(b.{name})), false))"
        for name in _SUMS
    ]
    rows = con.execute(
        f"""SELECT coalesce(a.claim_id, b.claim_id) AS claim_id
            FROM claim_rollups a FULL JOIN ({EXPECTED_SQL}) b ON a.claim_id = b.claim_id
            WHERE a.claim_id IS NULL OR b.claim_id IS NULL OR {" OR ".join(differs)}
            ORDER BY 1 LIMIT ?""",
        [limit],
    ).fetchall()
    return [int(row[0]) for row in rows]


def stale_forecasters(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[str]:
    """Forecasters whose stored count differs from a recount (or is missing or extra): [] when all hold."""
    rows = con.execute(
        f"""SELECT coalesce(a.forecaster, b.forecaster) FROM forecaster_rollups a
            FULL JOIN ({_FORECASTER_COUNTS} GROUP BY forecaster) b ON a.forecaster = b.forecaster
            WHERE a.n_forecasts IS DISTINCT FROM b.n_forecasts ORDER BY 1 LIMIT ?""",
        [limit],
    ).fetchall()
    return [str(row[0]) for row in rows]
