"""Columnar reads for the reader pages at scale: results as numpy arrays, never a Python object per row.

`Columns` holds the plain columns by name (NULLs made explicit: NaT for dates, NaN for numbers, None
for text) and, for text with few distinct values, their dictionary encoding as `Coded` (codes and
the distinct values), and for lists of text (the tags) `CodedLists` (offsets into one flat array of
codes). The claim table is three plain scans (claims, their rollups, sources) joined by position in
numpy: DuckDB's join and ORDER BY over 100,000 claims cost more than the scans themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np

from db import rules

# Text columns with few distinct values: read once per value (a million claims share forty claimants).
CATEGORICAL = frozenset({"claimant", "attribution", "kind", "deadline_precision", "comparator", "outcome",
                         "source_title", "source_url", "forecaster", "metric", "unit"})  # fmt: skip


@dataclass(frozen=True)
class Coded:
    """A dictionary-encoded text column: `codes` (int32, -1 for NULL) index `names`."""

    codes: np.ndarray
    names: np.ndarray

    def values(self) -> np.ndarray:
        return np.concatenate([self.names, object_array([None])])[self.codes]  # code -1 picks the None at the end


@dataclass(frozen=True)
class CodedLists:
    """A list-of-text column: row i's values are names[codes[offsets[i]:offsets[i + 1]]]."""

    offsets: np.ndarray
    codes: np.ndarray
    names: np.ndarray


@dataclass
class Columns(Mapping[str, np.ndarray]):
    """A columnar result: plain columns by name (a read-only mapping), with the encoded ones in
    `coded` and `lists`."""

    plain: dict[str, np.ndarray] = field(default_factory=dict)
    coded: dict[str, Coded] = field(default_factory=dict)
    lists: dict[str, CodedLists] = field(default_factory=dict)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.plain[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.plain)

    def __len__(self) -> int:
        return len(self.plain)

    def pop(self, name: str) -> np.ndarray:
        return self.plain.pop(name)

    def update(self, other: Columns) -> None:
        self.plain.update(other.plain)
        self.coded.update(other.coded)
        self.lists.update(other.lists)


def object_array(items: Sequence[Any]) -> np.ndarray:
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def arrow_columns(table: Any, categorical: Iterable[str] = CATEGORICAL) -> Columns:
    """An Arrow result as `Columns`: the `categorical` text columns also dictionary-encoded; a
    list-of-text column only as `CodedLists` (no Python tuple per row)."""
    import pyarrow as pa

    wanted = set(categorical)
    out = Columns()
    for name in table.column_names:
        column = table.column(name)
        kind = column.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            array = column.combine_chunks()
            offsets = np.asarray(array.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
            codes, names = encode(array.flatten())  # the values of every list, one after the other
            out.lists[name] = CodedLists(offsets - offsets[0], codes, names)
        elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
            if name in wanted:
                coded = Coded(*encode(column.combine_chunks()))
                out.coded[name] = coded
                out.plain[name] = coded.values()
            else:
                out.plain[name] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
        elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
            out.plain[name] = np.asarray(column.to_numpy(zero_copy_only=False)).astype("datetime64[D]")
        else:
            data = column.to_numpy(zero_copy_only=False)  # integers with NULLs come as float NaN
            out.plain[name] = np.asarray(data)
    return out


def numpy_columns(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | None = None,
    categorical: Iterable[str] = CATEGORICAL,
) -> Columns:
    """The result of `sql` as `Columns`, equal to `arrow_columns(arrow(con, sql, params), categorical)`
    but read with DuckDB's `fetchnumpy`: neither pyarrow nor pandas is imported (pyarrow loads pandas
    on its first conversion to numpy), which is what a command line's start-up pays for them (~0.5 s).
    The same conventions: integers with NULLs as float NaN, dates as datetime64[D] with NaT, text as
    objects with None, the `categorical` ones also coded (in order of first appearance), lists as
    `CodedLists`."""
    cursor = con.execute(sql, list(params) if params else None)
    kinds = {name: str(kind) for name, kind, *_ in cursor.description or ()}
    fetched = cursor.fetchnumpy()
    wanted = set(categorical)
    out = Columns()
    for name, data in fetched.items():
        if type(data) is np.ndarray:  # no NULLs: numpy.ma is loaded only for a masked column (~15 ms)
            missing, values = np.zeros(len(data), dtype=bool), data
        else:
            missing, values = np.ma.getmaskarray(data), np.ma.getdata(data)
        kind = kinds.get(name, "")
        if kind.endswith("[]"):  # a list column
            out.lists[name] = _coded_lists(values, missing)
        elif values.dtype.kind == "O" and kind in ("VARCHAR", "STRING", "TEXT"):
            if missing.any():
                values = values.copy()
                values[missing] = None
            if name in wanted:
                coded = Coded(*encode_values(values))
                out.coded[name] = coded
                out.plain[name] = coded.values()
            else:
                out.plain[name] = values
        elif values.dtype.kind == "M":
            days = values.astype("datetime64[D]")
            out.plain[name] = np.where(missing, np.datetime64("NaT"), days) if missing.any() else days
        elif missing.any():
            if values.dtype.kind == "b":  # Arrow's booleans with NULLs come as objects with None
                out.plain[name] = object_array([None if m else bool(v) for v, m in zip(values, missing, strict=True)])
            else:
                out.plain[name] = np.where(missing, np.nan, values.astype(float))
        else:
            out.plain[name] = values
    return out


def read_columns(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[Any] | None = None,
    categorical: Iterable[str] = CATEGORICAL,
) -> Columns:
    """The same `Columns` either way: through Arrow when this process has loaded pyarrow already (the
    dashboard, whose tables need it: the Track record's reads at M are ~45 ms quicker so), else through
    `fetchnumpy` (a command line, which then never loads pyarrow or pandas)."""
    if "pyarrow" in sys.modules:
        return arrow_columns(arrow(con, sql, params), categorical)
    return numpy_columns(con, sql, params, categorical)


def _coded_lists(values: np.ndarray, missing: np.ndarray) -> CodedLists:
    """A fetched list column (an object array of arrays, masked where NULL) as offsets and codes."""
    lengths = np.fromiter((0 if m else len(v) for v, m in zip(values, missing, strict=True)), dtype=np.int64,
                          count=len(values))  # fmt: skip
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    parts = [_nulls_as_none(v) for v, m in zip(values, missing, strict=True) if not m and len(v)]
    flat = np.concatenate(parts).astype(object) if parts else object_array([])
    codes, names = encode_values(flat)
    return CodedLists(offsets, codes, names)


def _nulls_as_none(values: np.ndarray) -> np.ndarray:
    if not np.ma.isMaskedArray(values):
        return values
    plain = np.ma.getdata(values).astype(object)
    plain[np.ma.getmaskarray(values)] = None
    return plain


def encode_values(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary codes (int32, -1 for None) and the distinct values of an object array, in order of first
    appearance (as Arrow's dictionary_encode numbers them)."""
    index: dict[Any, int] = {}
    setdefault = index.setdefault
    codes = np.fromiter((-1 if v is None else setdefault(v, len(index)) for v in values), dtype=np.int32,
                        count=len(values))  # fmt: skip
    return codes, object_array(list(index))


def encode(array: Any) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary codes (int32, -1 for NULL) and the distinct values of an Arrow text array."""
    import pyarrow.compute as pc

    encoded = array.dictionary_encode()
    names = object_array(encoded.dictionary.to_pylist())
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, names


def arrow(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> Any:
    """The result as an Arrow table, without the extra copy a DB-API (execute) result makes."""
    con.complete()  # a relation cannot start while an execute() result is unread: finish that one first
    return con.sql(sql, params=list(params) if params else None).to_arrow_table()


# --- the claim table ------------------------------------------------------------------------------

_CLAIM_TABLE_CLAIMS = """SELECT id, statement, quote, claimant, attribution, kind, made_on, deadline,
    deadline_precision, tags, metric, unit, comparator, target, baseline, baseline_on, source_id FROM claims
    WHERE NOT withdrawn"""
_CLAIM_TABLE_ROLLUPS = """SELECT claim_id, probability, outcome, n_observations, last_value, last_value_on,
    fit_n, fit_slope, fit_intercept, fit_sxx, n_scored, brier_sum FROM claim_rollups"""
_CLAIM_TABLE_SOURCES = "SELECT id, title AS source_title, published_on AS source_date, url AS source_url FROM sources"
# What a claim without a rollup row (nothing recorded yet) has in these columns; NULL otherwise.
_NONE_RECORDED = {"n_observations": 0, "fit_n": 0, "n_scored": 0}


def claim_columns(con: duckdb.DuckDBPyConnection) -> Columns:
    """Every claim as columns (one array per field), in id order, with what its status is derived from
    (its rollup) and its source's title, date and address."""
    claims = arrow(con, _CLAIM_TABLE_CLAIMS)
    ids = np.asarray(claims.column("id").to_numpy(), dtype=np.int64)
    if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):  # scans keep insertion order, ids mostly follow it
        order = np.argsort(ids, kind="stable")
        claims, ids = claims.take(order), ids[order]
    out = arrow_columns(claims)
    rollup = arrow_columns(arrow(con, _CLAIM_TABLE_ROLLUPS))
    out.update(gather(rollup, index_in(rollup.pop("claim_id"), ids), _NONE_RECORDED))
    sources = arrow_columns(arrow(con, _CLAIM_TABLE_SOURCES))
    out.update(gather(sources, index_in(sources.pop("id"), out["source_id"]), {}))
    return out


def index_in(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each of `values` (NaN: none), the index of the same value in `keys` (unique ids), or -1."""
    values = np.asarray(values, dtype=float)  # integers with NULLs come as float NaN
    at = np.full(len(values), -1, dtype=np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    known = np.flatnonzero(~np.isnan(values))
    if len(keys) and len(known):
        order = np.argsort(keys)
        wanted = values[known].astype(np.int64)
        found = np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)
        hit = keys[order][found] == wanted
        at[known[hit]] = order[found[hit]]
    return at


def gather(columns: Columns, at: np.ndarray, defaults: Mapping[str, Any]) -> Columns:
    """Rows `at` of each column (-1: that column's NULL, or `defaults`); dictionaries unchanged."""
    empty = all(len(values) == 0 for values in columns.plain.values()) and all(
        len(c.codes) == 0 for c in columns.coded.values()
    )
    missing = at < 0 if not empty else np.ones(len(at), dtype=bool)
    picked = np.where(missing, 0, at)
    out = Columns()
    for name, coded in columns.coded.items():
        codes = coded.codes if not empty else np.zeros(1, dtype=np.int32)
        out.coded[name] = Coded(np.where(missing, -1, codes[picked]).astype(np.int32), coded.names)
    for name, values in columns.plain.items():
        if name in out.coded:
            out.plain[name] = out.coded[name].values()
            continue
        if empty:  # nothing to pick from: one placeholder row, replaced by the defaults below
            values = np.zeros(1, dtype=values.dtype)
        taken = values[picked]
        if name in defaults:
            taken = np.where(missing, defaults[name], taken)
        elif taken.dtype.kind == "M":
            taken = np.where(missing, np.datetime64("NaT"), taken)
        elif taken.dtype.kind == "O":
            taken[missing] = None
        else:
            taken = np.where(missing, np.nan, taken.astype(float))
        out.plain[name] = taken
    return out


# --- scored forecasts -----------------------------------------------------------------------------

_SCORED = f"""
    SELECT f.probability, {rules.SCORED_OUTCOME} AS outcome,
           f.forecaster, c.claimant, c.attribution, c.tags, c.deadline, r.resolved_on, f.made_at, c.id AS claim_id,
           f.id AS forecast_id
    FROM forecasts f
    JOIN claims c ON c.id = f.claim_id
    JOIN claim_rollups r ON r.claim_id = c.id  -- the resolution in force, kept per claim (db.rollups)
    WHERE r.outcome IN {rules.SCORED_OUTCOMES} AND NOT c.withdrawn AND {rules.COUNTED}
"""

# Each forecaster's last forecast per claim made by the end of the deadline day: a forecast made
# afterwards, when the outcome may be known, is not that forecaster's latest.
_LATEST = f"""
    AND {rules.MADE_BY_DEADLINE}
    QUALIFY row_number() OVER (PARTITION BY f.claim_id, f.forecaster ORDER BY f.made_at DESC, f.id DESC) = 1
"""


# The claims a scope's scored forecasts can be on: the positions scored_columns hands over count
# only these, and scored_claims reads only these (a quarter of the claims for the author's record).
def _scope_claims(attribution: str | None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) that picks the claims of `attribution`, all without."""
    if attribution is None:
        return " WHERE NOT withdrawn", []
    return " WHERE NOT withdrawn AND attribution = ?", [attribution]


def scored_columns(
    con: duckdb.DuckDBPyConnection,
    *,
    latest: bool = False,
    attribution: str | None = None,
    forecaster: str | None = None,
    claims: bool = True,
) -> Columns:
    """Every scored forecast as columns, by resolution date then forecast id (the running score's
    order, so its sort finds them sorted): probability, outcome, deadline, resolved_on, claim (the
    claim's position in `scored_claims` of the same `attribution`; not without `claims`) and forecaster
    (its position in `forecaster_names`). Numbers only: the text of a million rows is never read."""
    inner = _SCORED
    params: list[Any] = []
    if attribution is not None:
        inner += " AND c.attribution = ?"
        params.append(attribution)
    if forecaster is not None:
        inner += " AND f.forecaster = ?"
        params.append(forecaster)
    if latest:
        inner += _LATEST
    names = """names AS (  -- every forecaster once: their rollups, not a DISTINCT over every forecast
            SELECT forecaster, (row_number() OVER (ORDER BY forecaster) - 1)::INTEGER AS code FROM forecaster_rollups
        )"""
    if not claims:
        sql = f"""WITH {names}
            SELECT s.probability, s.outcome, s.deadline, s.resolved_on, n.code AS forecaster
            FROM ({inner}) s JOIN names n ON n.forecaster = s.forecaster ORDER BY s.resolved_on, s.forecast_id"""
        return read_columns(con, sql, params)
    scope, scope_params = _scope_claims(attribution)
    sql = f"""
        WITH {names}, positions AS (
            SELECT id, (row_number() OVER (ORDER BY id) - 1)::INTEGER AS position FROM claims{scope}
        )
        SELECT s.probability, s.outcome, s.deadline, s.resolved_on, p.position AS claim, n.code AS forecaster
        FROM ({inner}) s JOIN names n ON n.forecaster = s.forecaster JOIN positions p ON p.id = s.claim_id
        ORDER BY s.resolved_on, s.forecast_id"""
    return read_columns(con, sql, scope_params + params)


def forecaster_names(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """Every forecaster once, in the order `scored_columns` numbers them."""
    return read_columns(con, "SELECT forecaster FROM forecaster_rollups ORDER BY forecaster", categorical=())[
        "forecaster"
    ]


def scored_claims(con: duckdb.DuckDBPyConnection, *, attribution: str | None = None) -> Columns:
    """The claims of `attribution` (all without) in id order, the positions `scored_columns` refers to:
    id, claimant and attribution (coded), and the tags (coded lists)."""
    scope, params = _scope_claims(attribution)
    return read_columns(con, f"SELECT id, claimant, attribution, tags FROM claims{scope} ORDER BY id", params)
