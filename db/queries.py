"""Named SQL functions. Parameters are always `?`; the only identifiers chosen at run time come from
fixed lists checked here. Rows go out as dicts, tuples or numpy arrays; no domain types.

Over 500 lines: one small function per statement the ledger runs (the columnar reads are in
db.columns, evidence and corrections in db.evidence, reminders in db.reminders).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from db import chain, rollups, rules
from db.clock import utc_now

if TYPE_CHECKING:  # the arrays are the caller's: reading rows one by one loads no numpy
    import numpy as np

CLAIM_COLUMNS = (
    "external_id", "source_id", "statement", "quote", "claimant", "attribution", "kind", "made_on",
    "deadline", "deadline_precision", "deadline_text", "resolution_criteria", "tags", "metric", "unit",
    "comparator", "target", "baseline", "baseline_on", "partial_credit", "flags",
)  # fmt: skip


def dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- sources -------------------------------------------------------------------------------------


def source_id_by_external_id(con: duckdb.DuckDBPyConnection, external_id: str) -> int | None:
    row = con.execute("SELECT id FROM sources WHERE external_id = ?", [external_id]).fetchone()
    return int(row[0]) if row else None


def insert_source(con: duckdb.DuckDBPyConnection, source: dict[str, Any]) -> int:
    row = con.execute(
        """INSERT INTO sources (external_id, title, kind, published_on, url, author, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            source.get("external_id"),
            source["title"],
            source["kind"],
            source.get("published_on"),
            source.get("url"),
            source.get("author"),
            utc_now(),
        ],
    ).fetchone()
    assert row is not None
    return int(row[0])


def ensure_source(con: duckdb.DuckDBPyConnection, source: dict[str, Any]) -> int:
    """The id of the source with `source["external_id"]`, inserted first when there is none: the one
    find-or-insert of a source."""
    found = source_id_by_external_id(con, source["external_id"])
    return found if found is not None else insert_source(con, source)


def list_sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return dicts(con.execute("SELECT * FROM sources ORDER BY published_on NULLS LAST, id"))


# --- claims --------------------------------------------------------------------------------------


def insert_claim(con: duckdb.DuckDBPyConnection, claim: dict[str, Any]) -> int:
    placeholders = ", ".join("?" for _ in CLAIM_COLUMNS)
    now = utc_now()
    row = con.execute(
        f"INSERT INTO claims ({', '.join(CLAIM_COLUMNS)}, created_at, recorded_at) VALUES ({placeholders}, ?, ?)"
        " RETURNING id",
        [claim.get(name) for name in CLAIM_COLUMNS] + [now, now],
    ).fetchone()
    assert row is not None
    chain.append(con, "claims", [int(row[0])])
    return int(row[0])


def claim_exists(con: duckdb.DuckDBPyConnection, claim_id: int) -> bool:
    return con.execute("SELECT 1 FROM claims WHERE id = ?", [claim_id]).fetchone() is not None


def claim_ids_by_external_id(con: duckdb.DuckDBPyConnection, external_ids: Sequence[str]) -> dict[str, int]:
    if not external_ids:
        return {}
    with _registered_text(con, "wanted_external_ids", external_ids) as wanted:
        rows = con.execute(
            f"SELECT external_id, id FROM claims WHERE external_id IN (SELECT value FROM {wanted})"
        ).fetchall()
    return {str(external_id): int(claim_id) for external_id, claim_id in rows}


@contextlib.contextmanager
def _registered_text(con: duckdb.DuckDBPyConnection, name: str, values: Sequence[str]) -> Iterator[str]:
    """The values as a one-column view `name` (column `value`) for the duration: a million values go
    in as one Arrow array instead of a list parameter converted value by value."""
    import pyarrow as pa

    if name not in _REGISTERED_NAMES:
        raise ValueError(f"unknown view name {name!r}")
    con.complete()  # registering waits for no unread execute() result: finish it
    con.register(name, pa.table({"value": pa.array(list(values), pa.string())}))
    try:
        yield name
    finally:
        con.unregister(name)


_REGISTERED_NAMES = frozenset({"wanted_external_ids", "wanted_forecast_ids"})


def claim_deadline(con: duckdb.DuckDBPyConnection, claim_id: int) -> date | None:
    row = con.execute("SELECT deadline FROM claims WHERE id = ?", [claim_id]).fetchone()
    return row[0] if row else None


def claim_made_on(con: duckdb.DuckDBPyConnection, claim_id: int) -> date | None:
    row = con.execute("SELECT made_on FROM claims WHERE id = ?", [claim_id]).fetchone()
    return row[0] if row else None


# A claim with what its status and page are derived from, read from its rollup (db.rollups) rather
# than aggregated over every forecast, observation and resolution on each read.
CLAIM_SUMMARY_SQL = """
    SELECT c.id, c.external_id, c.statement, c.quote, c.claimant, c.attribution, c.kind, c.made_on,
           c.deadline, c.deadline_precision, c.deadline_text, c.resolution_criteria, c.tags, c.metric,
           c.unit, c.comparator, c.target, c.baseline, c.baseline_on, c.partial_credit, c.flags, c.withdrawn,
           s.id AS source_id, s.title AS source_title, s.url AS source_url, s.published_on AS source_date,
           r.probability, r.probability_by, r.probability_at,
           r.outcome, r.fraction, r.resolved_on, r.resolution_note,
           coalesce(r.n_observations, 0) AS n_observations, coalesce(r.n_values, 0) AS n_values,
           r.last_value, r.last_value_on, r.last_observed_on,
           coalesce(r.fit_n, 0) AS fit_n, r.fit_slope, r.fit_intercept, r.fit_mean_x, r.fit_sxx, r.fit_syy, r.fit_sxy
    FROM claims c
    LEFT JOIN sources s ON s.id = c.source_id
    LEFT JOIN claim_rollups r ON r.claim_id = c.id
"""


_ONE_CLAIM_SUMMARY = CLAIM_SUMMARY_SQL + " WHERE c.id = ?"  # a withdrawn claim stays reachable by its link
# A withdrawn claim leaves every list, score and reminder.
_LISTED = "NOT c.withdrawn"


def claim_summaries(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, Any]]:
    """One row per claim with its latest probability, resolution in force and observation counts."""
    if limit is None:
        return dicts(con.execute(CLAIM_SUMMARY_SQL + f" WHERE {_LISTED} ORDER BY c.id"))
    return dicts(con.execute(CLAIM_SUMMARY_SQL + f" WHERE {_LISTED} ORDER BY c.id LIMIT ?", [limit]))


def claim_summary(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[str, Any] | None:
    rows = dicts(con.execute(_ONE_CLAIM_SUMMARY, [claim_id]))
    return rows[0] if rows else None


def claim_count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM claims").fetchone()
    return int(row[0]) if row else 0


# --- observations, forecasts, resolutions --------------------------------------------------------


def insert_observation(con: duckdb.DuckDBPyConnection, claim_id: int, observation: dict[str, Any]) -> int:
    row = con.execute(
        """INSERT INTO observations (claim_id, observed_on, value, note, source_url, source_published,
                                        confidence, origin, created_at, recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            claim_id,
            observation["observed_on"],
            observation.get("value"),
            observation.get("note"),
            observation.get("source_url"),
            observation.get("source_published"),
            observation.get("confidence"),
            observation.get("origin") or "recorded",
            *[utc_now()] * 2,
        ],
    ).fetchone()
    assert row is not None
    chain.append(con, "observations", [int(row[0])])
    rollups.touch(con, [claim_id])
    return int(row[0])


def observations_for(con: duckdb.DuckDBPyConnection, claim_id: int) -> list[dict[str, Any]]:
    """A claim's observations in force (a revised or corrected one gives way to the row that replaced it)."""
    return dicts(con.execute(
        f"SELECT * FROM {rules.OBSERVATIONS_IN_FORCE} o WHERE claim_id = ? ORDER BY observed_on, id", [claim_id]
    ))  # fmt: skip


def forecast_entry(made_at: Any, recorded_at: Any) -> str:
    """'backfilled' when a forecast is dated more than a day before it is recorded, else 'live'."""
    return "backfilled" if made_at < recorded_at - BACKFILL_GRACE else "live"


BACKFILL_GRACE = timedelta(days=1)


def insert_forecast(con: duckdb.DuckDBPyConnection, claim_id: int, forecast: dict[str, Any]) -> int:
    """A forecast recorded now; its entry is given by an import ('imported'), else read off its date."""
    now = utc_now()
    entry = forecast.get("entry") or forecast_entry(forecast["made_at"], now)
    row = con.execute(
        """INSERT INTO forecasts (external_id, claim_id, forecaster, probability, made_at, basis, note, entry,
                                 recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            forecast.get("external_id"),
            claim_id,
            forecast["forecaster"],
            forecast["probability"],
            forecast["made_at"],
            forecast["basis"],
            forecast.get("note"),
            entry,
            now,
        ],
    ).fetchone()
    assert row is not None
    chain.append(con, "forecasts", [int(row[0])])
    rollups.touch(con, [claim_id], [forecast["forecaster"]])
    return int(row[0])


def forecast_entries(
    con: duckdb.DuckDBPyConnection, *, attribution: str | None = None, forecaster: str | None = None
) -> dict[str, int]:
    """{entry: count} of the forecasts on claims not withdrawn (of `attribution`, by `forecaster`)."""
    rows = con.execute(
        """SELECT f.entry, count(*) FROM forecasts f JOIN claims c ON c.id = f.claim_id
           WHERE NOT c.withdrawn AND (CAST(? AS VARCHAR) IS NULL OR c.attribution = ?)
             AND (CAST(? AS VARCHAR) IS NULL OR f.forecaster = ?)
           GROUP BY f.entry""",
        [attribution, attribution, forecaster, forecaster],
    ).fetchall()
    return {str(entry): int(n) for entry, n in rows}


def counted_forecast_ids(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The ids of the forecasts that count toward the scores (db.rules.COUNTED)."""
    sql = f"SELECT f.id FROM forecasts f JOIN claims c ON c.id = f.claim_id WHERE {rules.COUNTED} ORDER BY f.id"
    return [int(row[0]) for row in con.execute(sql).fetchall()]


def forecasts_for(con: duckdb.DuckDBPyConnection, claim_id: int) -> list[dict[str, Any]]:
    """A claim's forecasts, each with whether it counts toward the scores (db.rules.COUNTED)."""
    return dicts(con.execute(
        f"""SELECT f.*, {rules.COUNTED} AS counted FROM forecasts f JOIN claims c ON c.id = f.claim_id
            WHERE f.claim_id = ? ORDER BY f.made_at, f.id""",
        [claim_id],
    ))  # fmt: skip


def insert_resolution(con: duckdb.DuckDBPyConnection, claim_id: int, resolution: dict[str, Any]) -> int:
    row = con.execute(
        """INSERT INTO resolutions (claim_id, outcome, fraction, resolved_on, note, evidence_url, created_at,
                                   recorded_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            claim_id,
            resolution["outcome"],
            resolution.get("fraction"),
            resolution["resolved_on"],
            resolution.get("note"),
            resolution.get("evidence_url"),
            *[utc_now()] * 2,
        ],
    ).fetchone()
    assert row is not None
    chain.append(con, "resolutions", [int(row[0])])
    rollups.touch(con, [claim_id])
    return int(row[0])


def current_resolution(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict[str, Any] | None:
    rows = dicts(con.execute("SELECT * FROM current_resolutions WHERE claim_id = ?", [claim_id]))
    return rows[0] if rows else None


def insert_undo(con: duckdb.DuckDBPyConnection, resolution_id: int, note: str | None) -> None:
    now = utc_now()
    con.execute(
        "INSERT INTO resolution_undos (resolution_id, undone_at, note, recorded_at) VALUES (?, ?, ?, ?)",
        [resolution_id, now, note, now],
    )
    chain.append(con, "resolution_undos", [resolution_id])
    rollups.touch_resolution(con, resolution_id)


def resolutions_for(con: duckdb.DuckDBPyConnection, claim_id: int) -> list[dict[str, Any]]:
    """The whole history, undone ones included and marked."""
    return dicts(
        con.execute(
            """SELECT r.*, u.undone_at, u.note AS undo_note FROM resolutions r
           LEFT JOIN resolution_undos u ON u.resolution_id = r.id
           WHERE r.claim_id = ? ORDER BY r.id""",
            [claim_id],
        )
    )


# --- forecasters ---------------------------------------------------------------------------------


def forecaster_counts(
    con: duckdb.DuckDBPyConnection, search: str | None = None, limit: int = 50
) -> list[tuple[str, int]]:
    """Forecasters with their number of forecasts, largest first; `search` matches a substring."""
    rows = con.execute(
        """SELECT forecaster, n_forecasts AS n FROM forecaster_rollups
           WHERE ? IS NULL OR contains(lower(forecaster), lower(?))
           ORDER BY n DESC, forecaster LIMIT ?""",
        [search, search, limit],
    ).fetchall()
    return [(str(name), int(n)) for name, n in rows]


# --- bulk reads for export ------------------------------------------------------------------------

EXPORT_TABLES = (
    "sources", "claims", "observations", "forecasts", "resolutions", "resolution_undos", "claim_amendments",
)  # fmt: skip


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    if table not in EXPORT_TABLES:
        raise ValueError(f"unknown table {table!r}")
    return dicts(con.execute(f"SELECT * FROM {table} ORDER BY 1"))


# One claim's rows of each exported table (predictions.exports.claim_export): the same columns and order
# as table_rows, cut to the claim (its source, its children, the undos of its resolutions).
_ONE_CLAIM_SQL = {
    "sources": "SELECT s.* FROM sources s WHERE s.id = (SELECT source_id FROM claims WHERE id = ?) ORDER BY 1",
    "claims": "SELECT * FROM claims WHERE id = ? ORDER BY 1",
    "observations": "SELECT * FROM observations WHERE claim_id = ? ORDER BY 1",
    "forecasts": "SELECT * FROM forecasts WHERE claim_id = ? ORDER BY 1",
    "resolutions": "SELECT * FROM resolutions WHERE claim_id = ? ORDER BY 1",
    "resolution_undos": """SELECT u.* FROM resolution_undos u
                           WHERE u.resolution_id IN (SELECT id FROM resolutions WHERE claim_id = ?) ORDER BY 1""",
    "claim_amendments": "SELECT * FROM claim_amendments WHERE claim_id = ? ORDER BY 1",
}


def claim_table_rows(con: duckdb.DuckDBPyConnection, table: str, claim_id: int) -> list[dict[str, Any]]:
    """One claim's rows of an exported table, as table_rows has them."""
    if table not in _ONE_CLAIM_SQL:
        raise ValueError(f"unknown table {table!r}")
    return dicts(con.execute(_ONE_CLAIM_SQL[table], [claim_id]))


def claim_counted_forecast_ids(con: duckdb.DuckDBPyConnection, claim_id: int) -> list[int]:
    """The ids of one claim's forecasts that count toward the scores (db.rules.COUNTED)."""
    sql = f"""SELECT f.id FROM forecasts f JOIN claims c ON c.id = f.claim_id
              WHERE f.claim_id = ? AND {rules.COUNTED} ORDER BY f.id"""
    return [int(row[0]) for row in con.execute(sql, [claim_id]).fetchall()]


def table_counts(con: duckdb.DuckDBPyConnection, tables: Iterable[str] = EXPORT_TABLES) -> dict[str, int]:
    counts = {}
    for table in tables:
        if table not in EXPORT_TABLES:
            raise ValueError(f"unknown table {table!r}")
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        counts[table] = int(row[0]) if row else 0
    return counts


# --- bulk writes (imports) -----------------------------------------------------------------------


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered Arrow view; after a failed statement DuckDB refuses everything until the
    rollback, and the error that matters is the one already on its way up."""
    with contextlib.suppress(duckdb.Error):
        con.unregister(name)


BULK_COLUMNS = {
    "claims": (*CLAIM_COLUMNS, "created_at", "recorded_at"),
    # Bulk forecasts are imports: they keep their own dates (entry 'imported' unless given).
    "forecasts": (
        "external_id",
        "claim_id",
        "forecaster",
        "probability",
        "made_at",
        "basis",
        "note",
        "entry",
        "recorded_at",
    ),
    "observations": (
        "claim_id",
        "observed_on",
        "value",
        "note",
        "source_url",
        "source_published",
        "confidence",
        "origin",
        "created_at",
        "recorded_at",
    ),
    "resolutions": (
        "claim_id",
        "outcome",
        "fraction",
        "resolved_on",
        "note",
        "evidence_url",
        "created_at",
        "recorded_at",
    ),
}
# Filled in by the ledger, never by the caller.
_RECORDED = ("created_at", "recorded_at")


def _default(table: str, name: str, now: Any) -> Any:
    if name in _RECORDED:
        return now
    return "imported" if (table, name) == ("forecasts", "entry") else None


# Tables whose rows belong to a claim: inserting them changes that claim's rollup (db.rollups).
_CLAIM_ROWS = frozenset({"forecasts", "observations", "resolutions"})


def bulk_insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[dict[str, Any]],
    *,
    returning_key: str | None = None,
) -> dict[str, int]:
    """Insert many rows through one Arrow scan (row-by-row inserts are ~100× slower in DuckDB).

    With `returning_key`, returns {that column's value: new id} for the inserted rows.
    """
    import pyarrow as pa

    if table not in BULK_COLUMNS:
        raise ValueError(f"no bulk insert into {table!r}")
    if not rows:
        return {}
    columns = BULK_COLUMNS[table]
    now = utc_now()
    arrow = pa.table({
        name: [now] * len(rows) if name == "recorded_at"
        else [row.get(name, _default(table, name, now)) for row in rows]
        for name in columns
    })  # fmt: skip
    return _insert_arrow(con, table, arrow, returning_key)


def existing_forecast_ids(con: duckdb.DuckDBPyConnection, external_ids: Sequence[str]) -> set[str]:
    if not external_ids:
        return set()
    with _registered_text(con, "wanted_forecast_ids", external_ids) as wanted:
        rows = con.execute(
            f"SELECT external_id FROM forecasts WHERE external_id IN (SELECT value FROM {wanted})"
        ).fetchall()
    return {str(row[0]) for row in rows}


def bulk_insert_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    returning_key: str | None = None,
) -> dict[str, int]:
    """`bulk_insert` for rows already held as columns (one list or array per column; absent columns
    are NULL, created_at is now): no dict per row."""
    import pyarrow as pa

    if table not in BULK_COLUMNS:
        raise ValueError(f"no bulk insert into {table!r}")
    unknown = set(columns) - set(BULK_COLUMNS[table]) | (set(columns) & {"recorded_at"})
    if unknown:
        raise ValueError(f"unknown column(s) {sorted(unknown)} for {table!r}")
    sizes = {len(values) for values in columns.values()}
    if len(sizes) > 1:
        raise ValueError("columns of different lengths")
    count = sizes.pop() if sizes else 0
    if not count:
        return {}
    now = utc_now()
    arrow = pa.table({
        name: columns[name] if name in columns
        else ([_default(table, name, now)] * count if _default(table, name, now) is not None else pa.nulls(count))
        for name in BULK_COLUMNS[table]
    })  # fmt: skip
    return _insert_arrow(con, table, arrow, returning_key)


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, arrow: Any, returning_key: str | None) -> dict[str, int]:
    """Insert an Arrow table holding BULK_COLUMNS[table], marking the claims (and forecasters) it
    touches for their rollups; with `returning_key`, {that column's value: new id}."""
    columns = BULK_COLUMNS[table]
    if returning_key is not None and returning_key not in columns:
        raise ValueError(f"unknown key column {returning_key!r}")
    con.complete()  # registering waits for no unread execute() result: finish it
    con.register("bulk_rows", arrow)
    try:
        select = ", ".join(columns)
        sql = f"INSERT INTO {table} ({select}) SELECT {select} FROM bulk_rows"
        if table in _CLAIM_ROWS:
            rollups.touch_from(con, "bulk_rows", forecasters=table == "forecasts")
        returned = con.execute(f"{sql} RETURNING id" + (f", {returning_key}" if returning_key else "")).fetchall()
        chain.append(con, table, sorted(int(row[0]) for row in returned))
        if returning_key is None:
            return {}
        return {str(key): int(new_id) for new_id, key in returned}
    finally:
        _unregister(con, "bulk_rows")


def flat_forecast_rows(con: duckdb.DuckDBPyConnection, claim_id: int | None = None) -> list[dict[str, Any]]:
    """One row per forecast with its claim and the resolution in force: the generic CSV layout (one
    claim's rows with `claim_id`)."""
    return dicts(
        con.execute(
            """SELECT c.statement, f.probability, r.outcome, r.fraction, c.made_on, c.deadline, f.forecaster,
                  c.tags, f.made_at AS forecast_at, c.claimant, c.attribution, c.kind, c.partial_credit
           FROM forecasts f JOIN claims c ON c.id = f.claim_id
           LEFT JOIN current_resolutions r ON r.claim_id = c.id
           WHERE ?::BIGINT IS NULL OR c.id = ?::BIGINT
           ORDER BY c.id, f.made_at, f.id""",
            [claim_id, claim_id],
        )
    )


# --- dashboard reads ------------------------------------------------------------------------------


def threshold_observations(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every observation with a value on a threshold claim, oldest first per claim (the progress charts)."""
    return dicts(
        con.execute(
            f"""SELECT o.* FROM {rules.OBSERVATIONS_IN_FORCE} o JOIN claims c ON c.id = o.claim_id
               WHERE c.kind = 'threshold' AND o.value IS NOT NULL
               ORDER BY o.claim_id, o.observed_on, o.id"""
        )
    )


# --- archive imports and the scorecard ------------------------------------------------------------


def current_outcomes(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> dict[int, tuple[str, date]]:
    """{claim id: (outcome, resolved_on)} of the resolution in force, for the given claims that have one."""
    if not claim_ids:
        return {}
    rows = con.execute(
        """SELECT claim_id, outcome, resolved_on FROM current_resolutions
           WHERE claim_id IN (SELECT unnest(?::BIGINT[]))""",
        [list(claim_ids)],
    ).fetchall()
    return {int(claim_id): (str(outcome), resolved_on) for claim_id, outcome, resolved_on in rows}


# The forecast a scorecard shows for a claim: the last one made by the end of the deadline day, else
# (a question opened after its own deadline) the last one at all. `?` is an optional forecaster.
_SHOWN_FORECAST = f"""
    SELECT f.claim_id, f.probability, f.forecaster, f.made_at, NOT {rules.MADE_BY_DEADLINE} AS after_deadline
    FROM forecasts f JOIN claims c ON c.id = f.claim_id
    WHERE (CAST(? AS VARCHAR) IS NULL OR f.forecaster = ?) AND {rules.COUNTED}
    QUALIFY row_number() OVER (
        PARTITION BY f.claim_id ORDER BY {rules.MADE_BY_DEADLINE} DESC, f.made_at DESC, f.id DESC
    ) = 1
"""


def resolved_between(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> list[dict[str, Any]]:
    """Claims whose resolution in force is dated start..end (inclusive), with the forecast to show.

    With `forecaster`, only claims that forecaster forecast, and their forecast.
    """
    return dicts(
        con.execute(
            f"""WITH shown AS ({_SHOWN_FORECAST})
               SELECT c.id AS claim_id, c.statement, c.deadline, c.partial_credit, r.outcome, r.fraction,
                      r.resolved_on, r.note AS resolution_note, r.evidence_url,
                      s.probability, s.forecaster, s.made_at, s.after_deadline
               FROM claims c
               JOIN current_resolutions r ON r.claim_id = c.id
               LEFT JOIN shown s ON s.claim_id = c.id
               WHERE r.resolved_on BETWEEN ? AND ? AND NOT c.withdrawn
                 AND (CAST(? AS VARCHAR) IS NULL OR c.attribution = ?)
                 AND (CAST(? AS VARCHAR) IS NULL OR s.claim_id IS NOT NULL)
               ORDER BY r.resolved_on, c.id""",
            [forecaster, forecaster, start, end, attribution, attribution, forecaster],
        )
    )


def open_claims_due(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> list[dict[str, Any]]:
    """Unresolved claims with a deadline in start..end (inclusive), soonest first, with the latest forecast."""
    return dicts(
        con.execute(
            """WITH latest AS (
                   SELECT claim_id, probability, forecaster FROM forecasts
                   WHERE CAST(? AS VARCHAR) IS NULL OR forecaster = ?
                   QUALIFY row_number() OVER (PARTITION BY claim_id ORDER BY made_at DESC, id DESC) = 1
               )
               SELECT c.id AS claim_id, c.statement, c.deadline, c.deadline_precision, l.probability, l.forecaster
               FROM claims c
               LEFT JOIN latest l ON l.claim_id = c.id
               WHERE c.deadline BETWEEN ? AND ? AND NOT c.withdrawn
                 AND NOT EXISTS (SELECT 1 FROM current_resolutions r WHERE r.claim_id = c.id)
                 AND (CAST(? AS VARCHAR) IS NULL OR c.attribution = ?)
                 AND (CAST(? AS VARCHAR) IS NULL OR l.claim_id IS NOT NULL)
               ORDER BY c.deadline, c.id""",
            [forecaster, forecaster, start, end, attribution, attribution, forecaster],
        )
    )


def threshold_observations_for(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Observations with a value of the given claims, oldest first per claim."""
    if not claim_ids:
        return []
    return dicts(con.execute(
        f"""SELECT * FROM {rules.OBSERVATIONS_IN_FORCE} o
           WHERE claim_id IN (SELECT unnest(?::BIGINT[])) AND value IS NOT NULL
           ORDER BY claim_id, observed_on, id""",
        [list(claim_ids)],
    ))  # fmt: skip


def claim_summaries_for_ids(con: duckdb.DuckDBPyConnection, claim_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Summaries of the given claims only."""
    if not claim_ids:
        return []
    sql = CLAIM_SUMMARY_SQL + f" WHERE c.id IN (SELECT unnest(?::BIGINT[])) AND {_LISTED} ORDER BY c.id"
    return dicts(con.execute(sql, [list(claim_ids)]))
