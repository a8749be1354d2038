"""SQL-looking input is data, everywhere: Overview URL filters, the claim deep link, the forecaster search,
every CLI argument (including a --db path with quotes) and the fields of every import format.

Each test shows the ledger unchanged where the input is no legitimate value, or holding exactly that
string as data where it is one (a claimant called `1; DROP TABLE claims; --` is a claimant).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from dashboard_fixtures import Rich, app, metrics, no_exception, rich_db
from ledger_snapshot import assert_clean_refusal, dump, run_cli

from predictions import ledger
from predictions.models import ClaimIn, ForecastIn, Source

__all__ = ["rich_db"]  # fixture used by name below

DROP = "1; DROP TABLE claims; --"
ALWAYS = "' OR '1'='1"
DELETE = '"); DELETE FROM forecasts; --'
UPDATE = "x'); UPDATE claims SET statement = 'pwned' WHERE ('1'='1"
OTHERS = ["%' OR 1=1 --", "$1 ? %s {0} :name", "Robert'); DROP TABLE students;--", "\\'; SELECT 1; --"]
SQL = [DROP, ALWAYS, DELETE, UPDATE, *OTHERS]
TABLES = ("sources", "claims", "observations", "forecasts", "resolutions", "resolution_undos", "schema_migrations")


def counts(path: Path) -> dict[str, int]:
    return {table: len(rows) for table, rows in dump(path).items()}


def claims_where(path: Path, column: str, value: str) -> list[dict[str, Any]]:
    return [view.row for view in ledger.list_claims(path) if view[column] == value]


# --- the dashboard: URL filters, the deep link, the forecaster search ---------------------------------

FILTERS = ("topic", "claimant", "attribution", "status", "source", "from", "to")


@pytest.fixture
def with_sql_data(rich_db: Rich) -> tuple[Path, dict[str, int]]:
    """The rich ledger plus one claim whose claimant, topic, source and forecaster are SQL-looking strings."""
    path, ids = rich_db
    ids["sql"] = ledger.add_claim(
        path,
        ClaimIn(statement="A claim by " + DROP, claimant=DROP, tags=[DELETE], made_on=date(2025, 1, 1)),
        probability=0.5,
        forecaster=ALWAYS,
        source=Source(title=UPDATE),
    )
    return path, ids


def test_sql_in_every_overview_filter_is_ignored_and_changes_nothing(rich_db: Rich) -> None:
    path, _ = rich_db
    before, everything = dump(path), f"{len(ledger.list_claims(path)):,}"
    for text in SQL:
        at = app(**dict.fromkeys(FILTERS, text))
        no_exception(at)
        assert metrics(at)["Claims"] == everything, text  # not a known value: no filter at all
        for key in ("topic", "claimant", "attribution", "status", "source"):
            assert at.multiselect(key=f"overview_{key}").value == []
        assert at.date_input(key="overview_from").value is None and at.date_input(key="overview_to").value is None
    assert dump(path) == before


def test_sql_that_is_a_real_claimant_topic_or_source_filters_to_exactly_its_claim(
    with_sql_data: tuple[Path, dict[str, int]],
) -> None:
    path, ids = with_sql_data
    before = dump(path)
    for param, value in (("claimant", DROP), ("topic", DELETE.lower()), ("source", UPDATE)):
        at = app(**{param: value})
        no_exception(at)
        assert metrics(at)["Claims"] == "1", (param, metrics(at))
        assert at.multiselect(key=f"overview_{param}").value == [value]
        table = at.dataframe[0].value
        assert list(table["claim"]) == [f"/?claim={ids['sql']}"]
    assert dump(path) == before


def test_sql_in_the_claim_deep_link_is_an_unknown_claim(rich_db: Rich) -> None:
    path, _ = rich_db
    before = dump(path)
    for text in (DROP, ALWAYS, "1 OR 1=1", "1 UNION SELECT * FROM forecasts"):
        at = app(claim=text)
        no_exception(at)
        assert len(at.error) == 1 and at.error[0].value.startswith("No claim with id "), text
    assert dump(path) == before


def test_sql_in_the_forecaster_search_matches_only_a_forecaster_of_that_name(
    with_sql_data: tuple[Path, dict[str, int]],
) -> None:
    path, _ = with_sql_data
    before = dump(path)
    at = app()
    at.switch_page("app_pages/track_record.py").run()
    at.text_input(key="track_forecaster_search").input(ALWAYS).run()
    no_exception(at)
    assert at.selectbox(key="track_forecaster").options == [f"{ALWAYS} (1 forecast)"]
    for text in (DROP, "%", "_", "' OR 1=1 --"):
        at.text_input(key="track_forecaster_search").input(text).run()
        no_exception(at)
        assert any("No forecaster matches" in info.value for info in at.info), text
    assert dump(path) == before


# --- CLI arguments ------------------------------------------------------------------------------------


def test_sql_in_every_cli_argument_is_stored_as_typed(db_path: Path) -> None:
    def ok(*args: str) -> str:
        result = run_cli([*args, "--db", str(db_path)])
        assert (result.code, result.err) == (0, ""), result
        return result.out

    ok("init")
    seeded = counts(db_path)
    out = ok(
        "add", f"--statement={DROP}", f"--quote={ALWAYS}", f"--claimant={DELETE}", f"--forecaster={UPDATE}",
        "--tags", f"{OTHERS[0]},{OTHERS[2]}", f"--criteria={OTHERS[1]}", "--kind", "threshold",
        f"--metric={OTHERS[3]}", f"--unit={ALWAYS}", "--target", "10", "--made-on", "2025-01-01",
        "--deadline", "2026-12-31", "--probability", "40%",
    )  # fmt: skip
    claim_id = int(out.split()[-1])
    ok("observe", str(claim_id), "--on", "2025-06-30", "--value", "3", f"--note={DELETE}")
    ok("forecast", str(claim_id), "--probability", "0.55", f"--forecaster={ALWAYS}", f"--note={DROP}")
    ok("resolve", str(claim_id), "false", "--on", "2027-01-02", f"--note={UPDATE}")
    ok("resolve", str(claim_id), "--undo", f"--note={OTHERS[2]}")

    detail = ledger.get_claim(db_path, claim_id)
    row = detail.view.row
    assert (row["statement"], row["quote"], row["claimant"]) == (DROP, ALWAYS, DELETE)
    assert (row["resolution_criteria"], row["metric"], row["unit"]) == (OTHERS[1], OTHERS[3], ALWAYS)
    assert list(row["tags"]) == [OTHERS[0].lower(), OTHERS[2].lower()]
    assert [(f["forecaster"], f["note"]) for f in detail.forecasts] == [(UPDATE, None), (ALWAYS, DROP)]
    assert [o["note"] for o in detail.observations] == [DELETE]
    assert [(r["note"], r["undo_note"]) for r in detail.resolutions] == [(UPDATE, OTHERS[2])]
    after = counts(db_path)
    expected = {**seeded, "claims": seeded["claims"] + 1, "forecasts": seeded["forecasts"] + 2}
    expected.update(observations=seeded["observations"] + 1, resolutions=1, resolution_undos=1)
    expected["claim_rollups"] = seeded["claim_rollups"] + 1  # the new claim has forecasts now
    expected["forecaster_rollups"] = seeded["forecaster_rollups"] + 2  # by two new (SQL-looking) forecasters
    expected["record_chain"] = seeded["record_chain"] + 6  # one record per history row written above
    assert after == expected

    # Reads take SQL-looking arguments as values too: nothing matches, nothing changes.
    before = dump(db_path)
    assert json.loads(ok("score", "--json", "--forecaster", DROP))["n"] == 0
    assert json.loads(ok("score", "--json", "--forecaster", UPDATE))["n"] == 0  # its claim is unresolved again
    for args in (
        ["list", "--status", ALWAYS],
        ["show", DROP],
        ["resolve", f"{claim_id}; DROP TABLE claims", "true"],
        ["score", "--by", DROP],
    ):
        assert_clean_refusal(run_cli([*args, "--db", str(db_path)]))
    assert dump(db_path) == before


def test_a_db_path_with_quotes_and_sql_is_just_a_file_name(tmp_path: Path) -> None:
    folder = tmp_path / 'it\'s "quoted"; DROP TABLE claims; --'
    db = folder / "ledger'); DELETE FROM forecasts; --.duckdb"
    for args in (["init"], ["list", "--json"], ["score"], ["export", "--format", "json", "-o", str(folder / "x.json")]):
        result = run_cli([*args, "--db", str(db)])
        assert (result.code, result.err) == (0, ""), result
    assert db.is_file() and (folder / "x.json").is_file()
    seeded = counts(db)
    # A backup folder is the one path spliced into SQL (EXPORT DATABASE takes no parameter): refused, not run.
    refused = run_cli(["backup", "--db", str(db), "-o", str(folder / "backup")])
    assert_clean_refusal(refused)
    assert "may not contain quotes, backslashes or control characters" in refused.err
    assert not (folder / "backup").exists()  # refused before the folder was made
    plain = tmp_path / "backup"
    assert run_cli(["backup", "--db", str(db), "-o", str(plain)]).code == 0
    restored = run_cli(["restore", str(plain), "--db", str(db)])
    assert restored.code == 0, restored.err
    assert counts(db) == seeded


# --- import fields ----------------------------------------------------------------------------------------


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _import(db: Path, file: Path, fmt: str) -> None:
    result = run_cli(["import", str(file), "--format", fmt, "--db", str(db)])
    assert (result.code, result.err) == (0, ""), result
    again = run_cli(["import", str(file), "--format", fmt, "--db", str(db)])
    assert again.code == 0 and "0 claims added" in again.out and ", 0 forecasts, 0 resolutions" in again.out


def test_sql_in_every_import_format_is_stored_as_data(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    seeded = counts(db_path)

    flat = tmp_path / "flat.csv"
    flat.write_text(
        _csv(
            [
                ["statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags"],
                [DROP, "0.7", "true", "2024-01-01", "2024-06-30", ALWAYS, f"{ALWAYS};{OTHERS[1]}"],  # ; separates
                [DROP, "0.2", "true", "2024-01-01", "2024-06-30", OTHERS[0], ""],
            ]
        ),
        encoding="utf-8",
    )
    _import(db_path, flat, "csv")

    seed = tmp_path / "issue.yaml"
    seed.write_text(
        "source: {title: " + json.dumps(UPDATE) + ", published_on: 2024-12-01}\n"
        "claims:\n  - key: sql-claim\n"
        f"    statement: {json.dumps(DELETE)}\n    quote: {json.dumps(DROP)}\n    claimant: {json.dumps(ALWAYS)}\n"
        "    attribution: author\n    probability: 0.5\n"
        f"    resolution_criteria: {json.dumps(OTHERS[1])}\n    tags: [{json.dumps(OTHERS[3])}]\n",
        encoding="utf-8",
    )
    _import(db_path, seed, "yaml")

    export = tmp_path / "export.json"
    export.write_text(
        json.dumps(
            {
                "format": "trend-prediction-tracker/1",
                "claims": [
                    {
                        "statement": UPDATE,
                        "made_on": "2024-01-01",
                        "claimant": DROP,
                        "external_id": DELETE,
                        "tags": [ALWAYS],
                        "source": {"title": DROP, "external_id": ALWAYS},
                        "forecasts": [
                            {
                                "probability": 0.3,
                                "forecaster": DELETE,
                                "made_at": "2024-01-02T00:00:00",
                                "note": DROP,
                                "external_id": UPDATE,
                            },
                        ],
                        "observations": [{"observed_on": "2024-02-01", "note": ALWAYS}],
                        "resolutions": [{"outcome": "false", "resolved_on": "2024-03-01", "note": DELETE}],
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    _import(db_path, export, "json")

    fatebook = tmp_path / "fatebook.csv"
    fatebook.write_text(
        _csv(
            [
                [
                    "Question title",
                    "Multiple choice option",
                    "Forecast created by",
                    "Forecast (scale = 0-1)",
                    "Forecast created at",
                    "Question created by",
                    "Question created at",
                    "Question resolve by",
                    "Resolution",
                    "Resolved at",
                    "Question notes",
                ],
                [
                    ALWAYS,
                    DROP,
                    DELETE,
                    "0.6",
                    "2024-01-02 00:00:00",
                    UPDATE,
                    "2024-01-01 00:00:00",
                    "2024-06-30",
                    "NO",
                    "2024-07-01 00:00:00",
                    OTHERS[1],
                ],
            ]
        ),
        encoding="utf-8",
    )
    _import(db_path, fatebook, "fatebook")

    archive = tmp_path / "predictionbook"
    archive.mkdir()
    with zipfile.ZipFile(archive / "questions.csv.zip", "w") as packed:
        packed.writestr("questions.csv", _csv([
            ["question_id", "q_title", "open_time", "close_time", "resolve_time", "outcome"],
            ["77", OTHERS[2], "2020-01-01 00:00:00+00:00", "2020-12-31 00:00:00+00:00", "2021-01-02 00:00:00", "1.0"],
        ]))  # fmt: skip
    with zipfile.ZipFile(archive / "forecasts.csv.zip", "w") as packed:
        packed.writestr("forecasts.csv", _csv([
            ["question_id", "user_id", "probability", "timestamp"], ["77", DROP, "0.9", "2020-01-02 00:00:00+00:00"],
        ]))  # fmt: skip
    _import(db_path, archive, "predictionbook")

    # Every table is there, with exactly the rows the five files hold on top of the seed.
    after = counts(db_path)
    assert set(after) >= set(TABLES)
    assert after["claims"] == seeded["claims"] + 5
    assert after["forecasts"] == seeded["forecasts"] + 2 + 1 + 1 + 1 + 1
    assert after["resolutions"] == seeded["resolutions"] + 1 + 1 + 1 + 1
    assert sorted(r["statement"] for r in claims_where(db_path, "claimant", ALWAYS)) == sorted([DROP, DELETE])
    by_statement = {view["statement"]: view.row for view in ledger.list_claims(db_path)}
    assert by_statement[DROP]["claimant"] == ALWAYS
    assert list(by_statement[DROP]["tags"]) == [ALWAYS.lower(), OTHERS[1].lower()]
    assert by_statement[DELETE]["quote"] == DROP and by_statement[DELETE]["source_title"] == UPDATE
    assert by_statement[UPDATE]["claimant"] == DROP and by_statement[UPDATE]["source_title"] == DROP
    assert by_statement[UPDATE]["external_id"] == DELETE
    assert by_statement[f"{ALWAYS} — {DROP}"]["claimant"] == UPDATE
    assert by_statement[f"{ALWAYS} — {DROP}"]["resolution_criteria"] == OTHERS[1]
    assert by_statement[OTHERS[2]]["claimant"] == DROP
    forecasters = dict(ledger.forecasters(db_path, limit=500))
    assert {ALWAYS, OTHERS[0], DELETE, DROP} <= set(forecasters)


def test_an_import_with_sql_in_a_bad_row_is_refused_whole(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    before = dump(db_path)
    file = tmp_path / "bad.csv"
    file.write_text(
        _csv(
            [
                ["statement", "probability", "outcome", "made_on", "deadline", "forecaster", "tags"],
                [DROP, "0.7", "", "2024-01-01", "", ALWAYS, ""],
                [DELETE, ALWAYS, "", "2024-01-01", "", "me", ""],  # the probability is SQL: not a number
            ]
        ),
        encoding="utf-8",
    )
    result = run_cli(["import", str(file), "--format", "csv", "--db", str(db_path)])
    assert_clean_refusal(result)
    assert result.err == f"error: line 3: probability: probability {ALWAYS!r} is not a number or a percentage\n"
    assert dump(db_path) == before


def test_forecasts_added_through_the_library_with_sql_names_are_counted_by_name(db_path: Path) -> None:
    claim_id = ledger.add_claim(db_path, ClaimIn(statement="Counted by name", made_on=date(2025, 1, 1)))
    for name in (DROP, DROP, ALWAYS):
        ledger.add_forecast(
            db_path, claim_id, ForecastIn(probability=0.5, forecaster=name, made_at=datetime(2025, 1, 2))
        )
    assert ledger.forecasters(db_path) == [(DROP, 2), (ALWAYS, 1)]
    assert ledger.forecasters(db_path, search="drop table") == [(DROP, 2)]
    assert ledger.forecasters(db_path, search="' or '1'='1") == [(ALWAYS, 1)]
