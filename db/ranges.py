"""SQL of ranges: a forecast's quantiles and the value a resolution rests on (migration 8), each row
chained in the transaction of its forecast or resolution; and the scored numeric forecasts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb

from db import chain, rules
from db.clock import utc_now
from db.queries import dicts


def insert_quantiles(con: duckdb.DuckDBPyConnection, forecast_id: int, knots: Mapping[int, float]) -> None:
    """A forecast's range (levels in percent, 0 and 100 the tails' ends), chained level by level."""
    now = utc_now()
    ids = []
    for level in sorted(knots):
        row = con.execute(
            "INSERT INTO forecast_quantiles (forecast_id, level, value, recorded_at) VALUES (?, ?, ?, ?) RETURNING id",
            [forecast_id, int(level), float(knots[level]), now],
        ).fetchone()
        assert row is not None
        ids.append(int(row[0]))
    chain.append(con, "forecast_quantiles", ids)


def insert_resolution_value(con: duckdb.DuckDBPyConnection, resolution_id: int, value: float) -> None:
    row = con.execute(
        "INSERT INTO resolution_values (resolution_id, value, recorded_at) VALUES (?, ?, ?) RETURNING id",
        [resolution_id, float(value), utc_now()],
    ).fetchone()
    assert row is not None
    chain.append(con, "resolution_values", [int(row[0])])


def quantiles_for_claim(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[int, dict[int, float]]:
    """{forecast id: {level: value}} of a claim's forecasts that carry a range (tails included)."""
    rows = con.execute(
        """SELECT q.forecast_id, q.level, q.value FROM forecast_quantiles q JOIN forecasts f ON f.id = q.forecast_id
           WHERE f.claim_id = ? ORDER BY q.forecast_id, q.level""",
        [claim_id],
    ).fetchall()
    out: dict[int, dict[int, float]] = {}
    for forecast_id, level, value in rows:
        out.setdefault(int(forecast_id), {})[int(level)] = float(value)
    return out


def resolution_values_for_claim(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[int, float]:
    """{resolution id: value} of a claim's resolutions that rest on a number."""
    rows = con.execute(
        """SELECT v.resolution_id, v.value FROM resolution_values v JOIN resolutions r ON r.id = v.resolution_id
           WHERE r.claim_id = ?""",
        [claim_id],
    ).fetchall()
    return {int(rid): float(value) for rid, value in rows}


def all_quantiles(con: duckdb.DuckDBPyConnection, claim_id: int | None = None) -> dict[int, dict[int, float]]:
    """Every range (one claim's with `claim_id`), by forecast id (the exports)."""
    out: dict[int, dict[int, float]] = {}
    for forecast_id, level, value in con.execute(
        """SELECT q.forecast_id, q.level, q.value FROM forecast_quantiles q JOIN forecasts f ON f.id = q.forecast_id
           WHERE ?::BIGINT IS NULL OR f.claim_id = ?::BIGINT ORDER BY q.forecast_id, q.level""",
        [claim_id, claim_id],
    ).fetchall():
        out.setdefault(int(forecast_id), {})[int(level)] = float(value)
    return out


def all_resolution_values(con: duckdb.DuckDBPyConnection, claim_id: int | None = None) -> dict[int, float]:
    """The value each resolution rests on (one claim's with `claim_id`), by resolution id."""
    rows = con.execute(
        """SELECT v.resolution_id, v.value FROM resolution_values v JOIN resolutions r ON r.id = v.resolution_id
           WHERE ?::BIGINT IS NULL OR r.claim_id = ?::BIGINT""",
        [claim_id, claim_id],
    ).fetchall()
    return {int(rid): float(v) for rid, v in rows}


# A scored numeric forecast: a counted forecast with a range, on a threshold claim not withdrawn whose
# resolution in force is scored (not ambiguous) and rests on a value.
_NUMERIC = f"""
    SELECT f.id AS forecast_id, f.claim_id, f.forecaster, f.made_at, f.probability, c.statement, c.unit,
           c.metric, c.comparator, c.target, c.attribution, r.outcome, r.resolved_on, v.value AS outcome_value,
           list(q.level ORDER BY q.level) AS levels, list(q.value ORDER BY q.level) AS "values"
    FROM forecasts f
    JOIN claims c ON c.id = f.claim_id
    JOIN current_resolutions r ON r.claim_id = c.id
    JOIN resolution_values v ON v.resolution_id = r.id
    JOIN forecast_quantiles q ON q.forecast_id = f.id
    WHERE c.kind = 'threshold' AND NOT c.withdrawn AND r.outcome IN {rules.SCORED_OUTCOMES} AND {rules.COUNTED}
"""


def numeric_forecasts(
    con: duckdb.DuckDBPyConnection,
    *,
    attribution: str | None = None,
    forecaster: str | None = None,
    claim_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """The scored numeric forecasts, by resolution date then forecast id."""
    sql = _NUMERIC
    params: list[Any] = []
    if attribution is not None:
        sql += " AND c.attribution = ?"
        params.append(attribution)
    if forecaster is not None:
        sql += " AND f.forecaster = ?"
        params.append(forecaster)
    if claim_ids is not None:
        sql += " AND f.claim_id IN (SELECT unnest(?::BIGINT[]))"
        params.append([int(i) for i in claim_ids])
    sql += """ GROUP BY f.id, f.claim_id, f.forecaster, f.made_at, f.probability, c.statement, c.unit, c.metric,
                c.comparator, c.target, c.attribution, r.outcome, r.resolved_on, v.value
               ORDER BY r.resolved_on, f.id"""
    return dicts(con.execute(sql, params))


def latest_range_per_claim(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Each claim's latest forecast with a range (by made_at, id): id, forecaster, made_at, knots."""
    rows = con.execute(
        """WITH ranged AS (
               SELECT f.id, f.claim_id, f.forecaster, f.made_at, f.probability FROM forecasts f
               WHERE f.claim_id IN (SELECT unnest(?::BIGINT[]))
                 AND EXISTS (SELECT 1 FROM forecast_quantiles q WHERE q.forecast_id = f.id)
               QUALIFY row_number() OVER (PARTITION BY f.claim_id ORDER BY f.made_at DESC, f.id DESC) = 1)
           SELECT r.claim_id, r.id, r.forecaster, r.made_at, r.probability, q.level, q.value
           FROM ranged r JOIN forecast_quantiles q ON q.forecast_id = r.id ORDER BY r.claim_id, q.level""",
        [[int(i) for i in claim_ids]],
    ).fetchall()
    out: dict[int, dict[str, Any]] = {}
    for claim_id, forecast_id, forecaster, made_at, probability, level, value in rows:
        item = out.setdefault(
            int(claim_id),
            {"forecast_id": int(forecast_id), "forecaster": forecaster, "made_at": made_at,
             "probability": probability, "knots": {}},
        )  # fmt: skip
        item["knots"][int(level)] = float(value)
    return out


def flat_ranges(con: duckdb.DuckDBPyConnection, claim_id: int | None = None) -> list[tuple[str, float | None]]:
    """Per forecast, in db.queries.flat_forecast_rows' order (one claim's with `claim_id`): its stated quantiles
    as LEVEL=VALUE text (blank without a range) and the value its claim's resolution in force rests on."""
    rows = con.execute(
        """SELECT coalesce(string_agg(CASE WHEN q.level BETWEEN 1 AND 99
                      THEN q.level::VARCHAR || '=' || CASE WHEN q.value = round(q.value) AND abs(q.value) < 1e15
                           THEN CAST(CAST(q.value AS BIGINT) AS VARCHAR) ELSE CAST(q.value AS VARCHAR) END END,
                      ',' ORDER BY q.level), '') AS quantiles,
                  any_value(v.value) AS value
           FROM forecasts f JOIN claims c ON c.id = f.claim_id
           LEFT JOIN current_resolutions r ON r.claim_id = c.id
           LEFT JOIN resolution_values v ON v.resolution_id = r.id
           LEFT JOIN forecast_quantiles q ON q.forecast_id = f.id
           WHERE ?::BIGINT IS NULL OR c.id = ?::BIGINT
           GROUP BY c.id, f.made_at, f.id
           ORDER BY c.id, f.made_at, f.id""",
        [claim_id, claim_id],
    ).fetchall()
    return [(str(q), None if v is None else float(v)) for q, v in rows]
