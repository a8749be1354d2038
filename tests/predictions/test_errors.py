"""One error family: every error worth one line to a person derives from PredictionsError, DuckDB's
errors are translated once in db/, and the CLI's last resort still answers in one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import duckdb
import pytest
from ledger_snapshot import run_cli

import db
from predictions import ledger
from predictions.errors import PredictionsError

# Errors that never reach a person: raised and caught inside one module.
INTERNAL = {"predictions.reminders.channels.ChannelError", "predictions.deadlines.DeadlinePhraseError"}


def project_error_classes() -> list[type[BaseException]]:
    found = []
    for package in ("db", "predictions", "dashboard"):
        module = importlib.import_module(package)
        names = [package] + [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
        for name in names:
            if name.startswith("dashboard.app_pages") or name in {"dashboard.app", "dashboard.serve"}:
                continue  # page scripts run widgets on import
            for _attr, value in vars(importlib.import_module(name)).items():
                if (
                    inspect.isclass(value)
                    and issubclass(value, Exception)
                    and value.__module__ == name
                    and value.__name__.endswith(("Error", "Problems"))
                ):
                    found.append(value)
    return found


def test_every_error_of_the_project_is_a_predictions_error() -> None:
    classes = project_error_classes()
    assert len(classes) >= 12
    outside = [f"{c.__module__}.{c.__name__}" for c in classes if not issubclass(c, PredictionsError)]
    assert sorted(outside) == sorted(INTERNAL)


def test_a_duckdb_error_leaves_a_unit_of_work_as_a_database_error(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    with pytest.raises(db.DatabaseError, match="database error: ") as raised, ledger.reading(db_path) as con:
        con.execute("SELECT nonsense FROM claims")
    assert isinstance(raised.value.__cause__, duckdb.BinderException)
    assert isinstance(raised.value, PredictionsError)


def test_the_cli_s_last_resort_is_one_line(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledger.seed_from_file(db_path)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(ledger, "list_claims", broken)
    result = run_cli(["list", "--db", str(db_path)])
    assert result.code == 1
    assert result.error_lines == ["error: unexpected RuntimeError: a bug (please report it)"]
