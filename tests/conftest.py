"""Shared test setup: hypothesis profiles and a temporary database for every test.

`HYPOTHESIS_PROFILE=long` runs the property tests with tens of thousands of examples each;
the default profile keeps the suite fast.

`make test` runs the suite on pytest-xdist workers with `--dist loadfile`: the tests of one module run on one
worker, in order, so a module- or session-scoped fixture (a served dashboard, a browser, a module's ledger) is
built once, as in a serial run, and modules share no state with each other but through files named by
tmp_path (the PredictionBook archive ledger: archive_ledger.py, under a file lock). A plain `pytest` runs
serially, as before.
"""

from __future__ import annotations

import functools
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


def _scan_streamlit_components_once() -> None:
    """Every new AppTest scans the metadata of every installed distribution for Streamlit components
    (streamlit.components.v2.manifest_scanner, ~285 packages here): ~0.1 s of CPU and 0.6-0.8 s of wall time
    on a loaded machine, per test that opens a page. The installed packages do not change during a run, so
    the scan's answer is kept for the process (AppTest still registers what it found, as before)."""
    from streamlit.components.v2 import manifest_scanner

    manifest_scanner.scan_component_manifests = functools.lru_cache(maxsize=None)(
        manifest_scanner.scan_component_manifests
    )


_scan_streamlit_components_once()


# The three longest modules of a clean-clone run (seconds of one worker, 2026-12-07): they start first of
# all, so that the other workers share out the rest meanwhile. A module missing here only starts later.
LONGEST_FIRST = (
    "tests/project/test_bench_smoke.py",  # 370
    "tests/browser/test_layout_browser.py",  # 269
    "tests/browser/test_reader_forecasts_server.py",  # 257
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Modules with a browser test or a served dashboard (the longest modules: every module of
    tests/browser/, whatever its fixtures are called) run first, each module's tests in their own order:
    `--dist loadfile` hands out modules in this order, so no long module starts last and keeps one worker
    busy after the others are done (the readers' server tests, 257 s, once ran last: two workers idle)."""
    first_of: dict[str, int] = {}
    heavy: set[str] = set()
    for index, item in enumerate(items):
        module = item.nodeid.split("::", 1)[0]
        first_of.setdefault(module, index)
        if (
            item.get_closest_marker("browser") is not None
            or {"browser", "server"} & set(item.fixturenames)
            or module.startswith("tests/browser/")
        ):
            heavy.add(module)
    position = {id(item): index for index, item in enumerate(items)}
    longest = {module: rank for rank, module in enumerate(LONGEST_FIRST)}
    items.sort(
        key=lambda item: (
            longest.get(item.nodeid.split("::", 1)[0], len(longest)),
            item.nodeid.split("::", 1)[0] not in heavy,
            first_of[item.nodeid.split("::", 1)[0]],
            position[id(item)],
        )
    )


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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures a test recorded as a `summary_*` property (the extraction corpus's table), also under
    xdist, whose workers send their reports' properties to the controller."""
    printed = set()
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        for name, value in getattr(report, "user_properties", []):
            if str(name).startswith("summary_") and name not in printed and report.when == "call":
                printed.add(name)
                terminalreporter.write_sep("-", str(name).removeprefix("summary_").replace("_", " "))
                terminalreporter.write_line(str(value))
