"""Shared test setup: hypothesis profiles and a temporary database for every test.

`HYPOTHESIS_PROFILE=long` runs the property tests with tens of thousands of examples each;
the default profile keeps the suite fast.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True)
def _isolated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Path]:
    """Point PREDICTIONS_DB at a temporary file for every test, so no test touches data/.

    Settings from the developer's shell or a predictions.toml in the working directory do not leak in.
    Afterwards, every legitimate write the test made must have kept the record's hash chain intact
    (issue 24): a write path that skips `db.chain.append`, or changes a row behind it, fails here.
    """
    for name in [name for name in os.environ if name.startswith("PREDICTIONS_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "ledger.duckdb"
    monkeypatch.setenv("PREDICTIONS_DB", str(path))
    monkeypatch.setenv("PREDICTIONS_SETTINGS_FILE", str(tmp_path / "no-settings.toml"))
    yield path
    if path.exists() and request.node.get_closest_marker("tampers") is None:
        _assert_chain_intact(path)


def _assert_chain_intact(path: Path) -> None:
    import duckdb

    from db import chain, connection, migrations
    from db.errors import DatabaseError

    try:
        with connection.read_only(path, attempts=3) as con:
            if migrations.schema_version(con) < 7:
                return  # a file the test left blank, old or broken on purpose: nothing chained to check
            result = chain.verify(con)
    except (duckdb.Error, DatabaseError):
        return  # not a ledger this test meant to keep (junk written on purpose, a file still in use)
    assert result.broken is None, f"the test's writes broke the record's chain: {result.broken.line()}"


@pytest.fixture
def db_path(_isolated_database: Path) -> Path:
    """The temporary database file of this test (not created yet)."""
    return _isolated_database
