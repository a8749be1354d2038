"""Shared test setup: hypothesis profiles and a temporary database for every test.

`HYPOTHESIS_PROFILE=long` runs the property tests with tens of thousands of examples each;
the default profile keeps the suite fast.

`make test` runs the suite on several pytest-xdist workers with `--dist loadgroup`: see
`pytest_collection_modifyitems` below for what is kept together on one worker. A plain `pytest` runs serially,
as before.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether the test uses a module- or session-scoped fixture of this suite (a served dashboard, a browser,
    an imported archive, a module's ledger): pytest's and the plugins' own fixtures do not count."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definition.scope != "function" and definition.baseid != ""
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under xdist, the tests of a module that share a module- or session-scoped fixture go to one worker, so
    that fixture is built once (one Streamlit server per module, one import of a ledger); a test that says
    `@pytest.mark.xdist_group("name")` itself keeps its own group. Every other test goes to whichever worker
    is free. Nothing changes for a serial run: the marks are read by `--dist loadgroup` only."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None and _shares_a_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture(autouse=True)
def _isolated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point PREDICTIONS_DB at a temporary file for every test, so no test touches data/.

    Settings from the developer's shell or a predictions.toml in the working directory do not leak in.
    """
    for name in [name for name in os.environ if name.startswith("PREDICTIONS_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "ledger.duckdb"
    monkeypatch.setenv("PREDICTIONS_DB", str(path))
    monkeypatch.setenv("PREDICTIONS_SETTINGS_FILE", str(tmp_path / "no-settings.toml"))
    return path


@pytest.fixture
def db_path(_isolated_database: Path) -> Path:
    """The temporary database file of this test (not created yet)."""
    return _isolated_database
