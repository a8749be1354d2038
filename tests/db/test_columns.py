"""db.columns.numpy_columns (DuckDB's fetchnumpy, no pyarrow, no pandas) reads exactly what
arrow_columns over an Arrow result reads: the same dtypes, values, NULLs, codes and lists, on a ledger
with every kind of column (the seed, the PredictionBook sample, generated forecasts, reminders)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import numpy as np
import pytest
from cli_golden import build

from db import columns

QUERIES = [
    "SELECT * FROM claims ORDER BY id",
    "SELECT * FROM claims WHERE id < 0",  # no rows
    "SELECT * FROM claim_rollups ORDER BY claim_id",
    "SELECT * FROM forecasts ORDER BY id",
    "SELECT * FROM resolutions ORDER BY id",
    "SELECT * FROM sources ORDER BY id",
    "SELECT * FROM observations ORDER BY id",
    "SELECT * FROM forecaster_rollups ORDER BY forecaster",
    "SELECT claim_id, channel, max(due_on) AS due_on FROM reminders GROUP BY ALL ORDER BY ALL",
    "SELECT id, claimant, attribution, tags FROM claims ORDER BY id",
    "SELECT id, CASE WHEN id % 3 = 0 THEN NULL ELSE tags END AS tags, [NULL, claimant] AS odd FROM claims ORDER BY id",
    "SELECT id % 2 = 0 AS even, CASE WHEN id % 5 = 0 THEN NULL ELSE id % 2 = 0 END AS maybe FROM claims ORDER BY id",
]


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("columns") / "ledger.duckdb"
    build(path)
    from predictions import cli

    assert cli.main(["remind", "once", "--now", "2026-06-01T09:00:00", "--db", str(path)]) == 0
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fM":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(all(x == y and type(x) is type(y) for x, y in zip(a.tolist(), b.tolist(), strict=True)))


@pytest.mark.parametrize("sql", QUERIES)
def test_numpy_columns_equal_arrow_columns(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    expected = columns.arrow_columns(columns.arrow(con, sql))
    found = columns.numpy_columns(con, sql)
    assert list(found.plain) == list(expected.plain)
    for name in expected.plain:
        assert same(found.plain[name], expected.plain[name]), name
    assert sorted(found.coded) == sorted(expected.coded)
    for name, coded in expected.coded.items():
        assert same(found.coded[name].codes, coded.codes) and same(found.coded[name].names, coded.names), name
    assert sorted(found.lists) == sorted(expected.lists)
    for name, lists in expected.lists.items():
        mine = found.lists[name]
        assert same(mine.offsets, lists.offsets) and same(mine.codes, lists.codes), name
        assert same(mine.names, lists.names), name
    if "id < 0" not in sql:  # every other query reads rows
        assert max((len(v) for v in found.plain.values()), default=0) > 0 or found.lists


def test_the_ledger_has_what_the_comparison_needs(con: duckdb.DuckDBPyConnection) -> None:
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("claims", "forecasts", "reminders")}  # type: ignore[index]
    assert all(n > 0 for n in counts.values()), counts
