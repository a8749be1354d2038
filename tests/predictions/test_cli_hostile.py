"""Every subcommand with hostile arguments and files (issue 14, points 8 and 9).

The property test reads the subcommands and their options from the CLI's own parser (so a new
command is covered the day it is added), runs one with values drawn from a pool of hostile text,
numbers, dates and files, and asserts: exit 0 or 1, never an exception out of `main` (a traceback for
the user), on refusal only `error: ` lines on stderr (one per problem) and the ledger exactly as it was,
and never a raw terminal control character on stdout or stderr.

The examples beside it pin each case the issue names: deeply nested JSON, a 5,000-digit number,
`export -o` into a missing folder or onto a directory, an unreadable import file; statements with
terminal control characters in `list`, `show` and `review`; a SQLite file passed as the ledger; an
empty import; a JSON import with a resolution dated before its claim was made.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ledger_snapshot import CliResult, assert_clean_refusal, dump, folder_snapshot, run_cli

from predictions import backup, cli, ledger, site_folder
from predictions.imports import JSON_FORMAT
from predictions.models import ClaimIn

RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HOSTILE_STATEMENT = "Robotaxis \x1b[31mRED\x1b[0m \x9b2J\x07 \rrewritten\u202egnirts by 2026"

# Left out: `remind run` never returns, `scorecard --charts`, `card` and the cards of `publish` start
# Chromium (publish runs with --no-cards), `--progress` reports on stderr.
LEFT_OUT = {"--charts", "--progress", "--no-cards", "-h", "--help"}
LEFT_OUT_COMMANDS = {"card"}


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "hostile"
    folder.mkdir()
    files = {
        "nested.json": "[" * 100_000 + "]" * 100_000,
        "bignumber.json": '{"format": ' + "9" * 5000 + "}",
        "empty.csv": "statement,probability,outcome,made_on,deadline,forecaster,tags\n",
        "controls.csv": f"statement,probability\n{HOSTILE_STATEMENT.replace(chr(13), '')},0.5\n",
        "empty.json": json.dumps({"format": JSON_FORMAT, "claims": []}),
        "list.json": "[1, 2, 3]",
        "bad.yaml": "claims: [\n  - {statement: 'x'",
        "nested.yaml": "a: " + "[" * 5000 + "]" * 5000,
        "text.md": "In 2026 robotaxis will \x1b[2J run in 100 cities.\n",
        "empty": "",
    }
    paths = {name: folder / name for name in files}
    for name, text in files.items():
        paths[name].write_text(text, encoding="utf-8")
    paths["binary.bin"] = folder / "binary.bin"
    paths["binary.bin"].write_bytes(bytes(range(256)) * 8)
    paths["not-utf8.csv"] = folder / "not-utf8.csv"
    paths["not-utf8.csv"].write_bytes(b"statement,probability\n\xff\xfe,0.5\n")
    paths["a folder"] = folder / "a-folder"
    paths["a folder"].mkdir()
    paths["under a file"] = folder / "empty" / "out.json"
    paths["missing folder"] = folder / "missing" / "deeper" / "out"
    paths["sqlite"] = folder / "ledger.sqlite"
    with sqlite3.connect(paths["sqlite"]) as con:
        con.execute("CREATE TABLE claims (id INTEGER)")
    return paths


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A seeded ledger with a hostile statement, and a backup of it, made once; each test copies them."""
    folder = tmp_path_factory.mktemp("pristine")
    path = folder / "ledger.duckdb"
    ledger.seed_from_file(path)
    ledger.add_claim(path, ClaimIn(statement=HOSTILE_STATEMENT, made_on=date(2025, 1, 1), deadline=date(2025, 6, 30)))
    backup.backup(path, folder / "backup")
    return path, folder / "backup"


@pytest.fixture
def hostile_ledger(pristine: tuple[Path, Path], tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "ledger.duckdb"
    shutil.copy2(pristine[0], path)
    yield path


def subcommands() -> dict[str, list[argparse.Action]]:
    """Each command (and each action of a command that has actions, as "watch add") with its arguments."""

    def kept(parser: argparse.ArgumentParser) -> list[argparse.Action]:
        return [a for a in parser._actions if not (set(a.option_strings) & LEFT_OUT) and a.dest not in ("help", "db")]

    def commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, list[argparse.Action]]:
        found: dict[str, list[argparse.Action]] = {}
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, child in sub.choices.items():
            if name in LEFT_OUT_COMMANDS:
                continue
            if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                found.update(commands(child, f"{prefix}{name} "))
            else:
                found[prefix + name] = kept(child)
        return found

    return commands(cli.build_parser())


TEXT = st.one_of(
    st.sampled_from([HOSTILE_STATEMENT, "", " ", "--", "-1", "0", "1", "999999999999999999999999", "9" * 5000,
                     "1e309", "nan", "-inf", "70%", "150%", "0.5", "true", "partial", "2025-02-30", "0001-01-01",
                     "9999-12-31", "2025-06-30", "2025-06-30T25:61", "javascript:alert(1)", "https://example.org/x",
                     "'; DROP TABLE claims; --", "x" * 6000, "a\x00b", "\u202e\u2066", "../../etc/passwd"]),
    st.text(max_size=40),
)  # fmt: skip
# Watched URLs (issue 31): invalid ports, the tracker's own secrets and other variables as placeholders,
# literal credentials, a user and password, an unclosed bracket. Accepted ones point at a closed local port,
# so a `watch run --once` drawn later fails at once without leaving the machine.
WATCH_URLS = st.sampled_from([
    "http://127.0.0.1:99999/x.csv", "http://127.0.0.1:0/x.csv", "http://127.0.0.1:-1/x", "http://127.0.0.1:http/x",
    "http://127.0.0.1:9/x.csv?q=${PREDICTIONS_SMTP_PASSWORD}", "http://127.0.0.1:9/x.csv?q=${HOME}",
    "http://127.0.0.1:9/x.csv?k=${PREDICTIONS_WATCH_SECRET_UNSET}", "http://127.0.0.1:9/x.csv?accessToken=abcd1234",
    "http://127.0.0.1:9/x#access_token=abcd1234", "http://u:p@127.0.0.1:9/x.csv", "http://[::1/x.csv",
    "http://127.0.0.1:9/" + "x" * 2500, "http://127.0.0.1:9/a b.csv", "http://127.0.0.1:9/\x1b[31m.csv",
])  # fmt: skip
FILES = [
    "nested.json", "bignumber.json", "empty.csv", "controls.csv", "empty.json", "list.json", "bad.yaml",
    "nested.yaml", "text.md", "empty", "binary.bin", "not-utf8.csv", "a folder", "under a file", "missing folder",
    "sqlite",
]  # fmt: skip
OUTPUTS = ["a folder", "under a file", "missing folder"]


@dataclass
class PublishTargets:
    """Folders `publish -o` must refuse (each with what must stay as it was), and two it may write."""

    refused: list[Path]
    watched: list[Path]  # snapshotted whole before and after every run
    listed: list[Path]  # "/" and the like: their listing only
    allowed: list[Path]


@pytest.fixture
def publish_targets(tmp_path: Path, hostile_ledger: Path, monkeypatch: pytest.MonkeyPatch) -> PublishTargets:
    """Issue 31 point 1: the ledger's own folder, "/", a top-level folder, the home folder (a fake one,
    through $HOME) and the one above it, a stranger's folder, one with a DuckDB file deep inside, a link
    to a folder outside, a site of this program's with a link inside (its manifest made by hand), a file."""
    root = tmp_path / "targets"
    home = root / "home" / "me"
    (home / "documents").mkdir(parents=True)
    (home / "documents" / "letter.txt").write_text("mine")
    monkeypatch.setenv("HOME", str(home))
    stranger = root / "stranger"
    (stranger / "notes").mkdir(parents=True)
    (stranger / "notes" / "a.txt").write_text("a stranger's")
    deep = root / "deep"
    (deep / "x" / "y").mkdir(parents=True)
    shutil.copy2(hostile_ledger, deep / "x" / "y" / "other.duckdb")
    outside = root / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("the link's target")
    (root / "link").symlink_to(outside, target_is_directory=True)
    site = root / "site-with-link"
    site.mkdir()
    (site / "index.html").write_text("<p>old</p>")
    (site / "data").symlink_to(outside, target_is_directory=True)
    site_folder.write_manifest(site)  # lists index.html and the link
    (root / "a-file").write_text("a file")
    (root / "empty").mkdir()
    refused = [hostile_ledger.parent, Path("/"), Path("/usr"), home, home.parent, stranger, deep, root / "link", site]
    return PublishTargets(
        refused=[*refused, root / "a-file"],
        watched=[home, stranger, deep, outside, site, root / "a-file"],
        listed=[Path("/"), Path("/usr")],
        allowed=[root / "empty", root / "new" / "site"],
    )


def _watched(targets: PublishTargets | None) -> dict[str, object]:
    if targets is None:
        return {}
    seen: dict[str, object] = {str(p): sorted(os.listdir(p)) for p in targets.listed}
    for path in targets.watched:
        seen[str(path)] = folder_snapshot(path) if path.is_dir() else path.read_bytes()
    return seen


@st.composite
def invocations(
    draw: st.DrawFn,
    files: dict[str, Path],
    backup_folder: Path,
    out: Path,
    targets: PublishTargets | None = None,
    only: str | None = None,
) -> list[str]:
    commands = subcommands()
    name = only or draw(st.sampled_from(sorted(commands)))
    values = st.one_of(
        TEXT,
        st.sampled_from([str(files[f]) for f in FILES] + [str(backup_folder), str(out / "new" / "file.out")]),
    )
    # Outputs go onto folders, under files, into missing folders: never over the input files.
    outputs = st.one_of(TEXT, st.sampled_from([str(files[f]) for f in OUTPUTS] + [str(out / "new" / "file.out")]))
    # `watch run` without --once would keep running: the test runs it once.
    args = (
        [name, "--no-cards"]
        if name == "publish"
        else ["watch", "run", "--once"]
        if name == "watch run"
        else name.split()
    )
    for action in commands[name]:
        if (action.option_strings and not draw(st.booleans())) or (name == "watch run" and action.dest == "once"):
            continue
        if action.choices is not None and draw(st.integers(0, 4)):  # mostly a valid choice, sometimes not
            value = draw(st.sampled_from(sorted(map(str, action.choices))))
            if name == "remind" and value == "run":
                value = "once"
        elif name == "watch add" and action.dest == "url" and draw(st.booleans()):
            value = draw(WATCH_URLS)
        elif name == "publish" and action.dest == "output" and targets is not None and draw(st.integers(0, 3)):
            value = str(draw(st.sampled_from(targets.refused + targets.allowed)))  # mostly a folder it must refuse
        else:
            value = draw(outputs if action.dest in ("output", "charts") else values)
            if name == "remind" and not action.option_strings and value == "run":
                value = "once"
        if action.type is cli._path and not Path(value).is_absolute():
            # Hostile, but inside this test's folder: a relative path would land in the working directory.
            value = str(out / "relative" / value.replace("..", "__"))
        if action.option_strings:
            if action.nargs == 0:
                args.append(action.option_strings[0])
            else:
                args.append(f"{action.option_strings[-1]}={value}")
        elif action.nargs == "?" and not draw(st.booleans()):
            continue
        else:
            args.append(value)
    return args


def assert_no_raw_controls(text: str) -> None:
    assert not RAW_CONTROLS.search(text), repr(RAW_CONTROLS.findall(text)[:5])


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_subcommand_with_hostile_input_exits_0_or_1_in_clean_lines(
    data: st.DataObject,
    hostile_ledger: Path,
    hostile_files: dict[str, Path],
    pristine: tuple[Path, Path],
    publish_targets: PublishTargets,
    tmp_path: Path,
) -> None:
    args = data.draw(invocations(hostile_files, pristine[1], tmp_path, publish_targets))
    _run_hostile(args, hostile_ledger, hostile_files, publish_targets)


def _run_hostile(
    args: list[str], hostile_ledger: Path, hostile_files: dict[str, Path], targets: PublishTargets
) -> CliResult:
    before = dump(hostile_ledger)
    sqlite_before = hostile_files["sqlite"].read_bytes()
    folders_before = _watched(targets)
    result = run_cli([*args, "--db", str(hostile_ledger)])  # an exception escaping main fails the test here
    assert result.code in (0, 1), (args, result)
    assert "Traceback" not in result.err
    assert_no_raw_controls(result.out)
    assert_no_raw_controls(result.err)
    if result.code == 1:
        lines = result.err.splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), (args, result.err)
        assert dump(hostile_ledger) == before, args
    assert hostile_files["sqlite"].read_bytes() == sqlite_before
    assert _watched(targets) == folders_before, args  # no publish touched a folder it must refuse
    if args[0] == "publish":
        event(f"publish exit {result.code}")  # --hypothesis-show-statistics: both outcomes are drawn
        output = next((a.split("=", 1)[1] for a in args if a.startswith("--output=")), None)
        if output is not None and Path(output) in targets.refused:
            assert result.code == 1 and len(result.error_lines) == 1, (args, result.err)
        beside = [p for a in targets.allowed if a.parent.is_dir() for p in a.parent.iterdir()]
        assert not [p for p in beside if ".publish-" in p.name], beside  # no staging folder left behind
    return result


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], max_examples=30)
@given(data=st.data())
def test_publish_into_any_drawn_folder_refuses_every_one_not_its_own(
    data: st.DataObject,
    hostile_ledger: Path,
    hostile_files: dict[str, Path],
    pristine: tuple[Path, Path],
    publish_targets: PublishTargets,
    tmp_path: Path,
) -> None:
    """The fuzz above, on `publish` alone: its -o drawn mostly from the folders it must refuse."""
    args = data.draw(invocations(hostile_files, pristine[1], tmp_path, publish_targets, only="publish"))
    _run_hostile(args, hostile_ledger, hostile_files, publish_targets)


# --- the cases the issue names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "{nested.json}", "--format", "json"], "error: not readable JSON: nested too deeply"),
        (["import", "{bignumber.json}", "--format", "json"],
         "error: not readable JSON: Exceeds the limit (4300 digits) for integer string conversion"),
        (["export", "--format", "json", "-o", "{under a file}"], "error: {empty}: File exists"),
        (["export", "--format", "json", "-o", "{a folder}"], "error: {a folder}: Is a directory"),
        (["export", "--format", "csv", "-o", "{a folder}"], "error: {a folder}: Is a directory"),
        (["export", "--format", "parquet", "-o", "{a folder}"], "error: "),
        (["import", "{not-utf8.csv}", "--format", "csv"], "error: not-utf8.csv: not UTF-8 text"),
        (["import", "{binary.bin}", "--format", "parquet"], "error: "),
        (["list", "--db", "{sqlite}"],
         "error: cannot open database {sqlite}: it is a SQLite database, not a ledger of this tracker"),
        (["add", "--statement", "Into SQLite", "--db", "{sqlite}"],
         "error: cannot open database {sqlite}: it is a SQLite database, not a ledger of this tracker"),
        (["list", "--db", "{binary.bin}"],
         "error: cannot open database {binary.bin}: it is not a DuckDB database, not a ledger of this tracker"),
        (["show", "1", "--db", "{a folder}"],
         "error: cannot open database {a folder}: it is a folder, not a database file"),
    ],
    ids=["nested JSON", "5000-digit number", "export under a file", "export json onto a folder",
         "export csv onto a folder", "export parquet onto a folder", "import not UTF-8", "import a non-Parquet file",
         "SQLite ledger read", "SQLite ledger write", "binary ledger", "folder as ledger"],
)  # fmt: skip
def test_each_named_refusal_is_one_line(
    args: list[str], message: str, hostile_ledger: Path, hostile_files: dict[str, Path]
) -> None:
    def named(text: str) -> str:
        for name, path in hostile_files.items():
            text = text.replace("{" + name + "}", str(path))
        return text

    args = [named(arg) for arg in args]
    before = dump(hostile_ledger)
    sqlite_before = hostile_files["sqlite"].read_bytes()
    result = run_cli(args if "--db" in args else [*args, "--db", str(hostile_ledger)])
    assert_clean_refusal(result)
    assert len(result.error_lines) == 1, result.err
    assert result.error_lines[0].startswith(named(message)), result.err
    assert "download" not in result.err.lower()
    assert dump(hostile_ledger) == before
    assert hostile_files["sqlite"].read_bytes() == sqlite_before
    assert not (hostile_files["a folder"] / "x").exists() and list(hostile_files["a folder"].iterdir()) == []


@pytest.mark.parametrize(
    "command",
    [["list"], ["show", "{id}"], ["review"], ["list", "--json"], ["show", "{id}", "--json"], ["review", "--json"]],
)
def test_control_characters_in_statements_are_shown_escaped(command: list[str], hostile_ledger: Path) -> None:
    hostile = next(v for v in ledger.list_claims(hostile_ledger) if v["statement"] == HOSTILE_STATEMENT)
    result = run_cli([*(arg.format(id=hostile.id) for arg in command), "--db", str(hostile_ledger)])
    assert result.code == 0, result.err
    assert_no_raw_controls(result.out)
    if "--json" in command:
        shown = [c for c in _claims_in(json.loads(result.out)) if c.get("id") == hostile.id]
        assert shown and shown[0]["statement"] == HOSTILE_STATEMENT  # the JSON still holds the exact text
    else:
        assert "Robotaxis \\x1b[31mRED\\x1b[0m \\x9b2J\\x07 \\x0drewritten\\u202egnirts" in result.out, result.out


def _claims_in(data: object) -> list[dict[str, object]]:
    items = data if isinstance(data, list) else [data]
    return [item.get("claim", item) if isinstance(item.get("claim"), dict) else item for item in items]


@pytest.mark.parametrize("name", ["empty.csv", "empty.json"])
def test_an_empty_import_adds_nothing(name: str, hostile_ledger: Path, hostile_files: dict[str, Path]) -> None:
    before = dump(hostile_ledger)
    fmt = name.rsplit(".", 1)[1]
    result = run_cli(["import", str(hostile_files[name]), "--format", fmt, "--db", str(hostile_ledger)])
    assert result.code == 0, result.err
    assert result.out.startswith(f"imported {hostile_files[name]}: 0 claims added")
    assert dump(hostile_ledger) == before  # not even an empty source


def test_the_json_import_refuses_a_resolution_dated_before_its_claim(hostile_ledger: Path, tmp_path: Path) -> None:
    def claim(external_id: str) -> dict[str, object]:
        return {"statement": "Resolved before it was made", "made_on": "2025-03-10", "external_id": external_id,
                "resolutions": [{"outcome": "true", "resolved_on": "2025-03-09"}]}  # fmt: skip

    file = tmp_path / "early.json"
    file.write_text(json.dumps({"format": JSON_FORMAT, "claims": [claim("mine:1")]}))
    before = dump(hostile_ledger)
    result = run_cli(["import", str(file), "--format", "json", "--db", str(hostile_ledger)])
    assert_clean_refusal(result)
    assert result.error_lines == [
        "error: claims.0.resolutions.0: resolution date 2025-03-09 is before the claim was made (2025-03-10)"
    ]
    assert dump(hostile_ledger) == before
    # A claim from an archive keeps its rows as the archive had them (flagged where it was imported).
    file.write_text(json.dumps({"format": JSON_FORMAT, "claims": [claim("predictionbook:77")]}))
    kept = run_cli(["import", str(file), "--format", "json", "--db", str(hostile_ledger)])
    assert kept.code == 0 and "1 claim added" in kept.out, kept.err


def test_the_reminder_sweep_logs_and_prints_statements_escaped(db_path: Path) -> None:
    """A real process (its log lines go to the real stderr, not to pytest's capture)."""
    ledger.add_claim(db_path, ClaimIn(statement=HOSTILE_STATEMENT, made_on=date(2026, 1, 1), deadline=date(2026, 3, 2)))
    result = subprocess.run([sys.executable, "-m", "predictions.cli", "remind", "once", "--now", "2026-03-01T09:00",
                             "--db", str(db_path)], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "reminder sweep: 2 sent" in result.stdout
    assert "Robotaxis \\x1b[31mRED" in result.stderr and "Robotaxis \\x1b[31mRED" in result.stdout  # log and console
    assert_no_raw_controls(result.stdout)
    assert_no_raw_controls(result.stderr)
