"""Helpers for the reliability and security tests: a full dump of a database file, a folder's snapshot, and
the CLI run in-process.

`dump` reads every table (ids, sequences' effects and all) in a stable order, so "the ledger is unchanged"
is one comparison; `run_cli` calls `predictions.cli.main` with stdout and stderr captured, so an exception
escaping it (a traceback for the user) fails the test instead of being swallowed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from predictions import cli

Dump = dict[str, list[tuple[Any, ...]]]


def dump(path: Path) -> Dump:
    """Every row of every table of the file (an empty dict when the file does not exist)."""
    if not path.exists():
        return {}
    with duckdb.connect(str(path), read_only=True) as con:
        names = [row[0] for row in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return self.err.splitlines()


def run_cli(args: Sequence[str]) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(args))
    return CliResult(code, out.getvalue(), err.getvalue())


def assert_clean_refusal(result: CliResult, *, validated: bool = True) -> None:
    """Exit 1, nothing on stdout, every stderr line an `error: ` line, no traceback.

    `validated`: the input was refused by validation, not by the driver (the CLI's last-resort
    `error: database error: …` line means a bad input reached the database).
    """
    assert result.code == 1, (result.code, result.out, result.err)
    assert result.out == "", result.out
    lines = result.error_lines
    assert lines, "a refusal must say why"
    assert all(line.startswith("error: ") for line in lines), lines
    assert "Traceback" not in result.err
    if validated:
        assert not any(line.startswith("error: database error:") for line in lines), lines


def folder_snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder`, without following a link: a file's sha256, a link's target, a folder."""
    found: dict[str, str] = {}
    for current, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(current) / name
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
