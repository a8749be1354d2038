"""Imports and exports: round trips keep the track record, re-imports add nothing, the CSV layout."""

from __future__ import annotations

import csv
import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from db import DatabaseError
from db.clock import replaying
from predictions import cli, exports, imports, ledger

TOL = 1e-12


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for before/after comparisons."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


def main(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The CLI in-process (the subprocess runs are in test_cli.py): returns stdout, fails on exit != 0."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def score(capsys: pytest.CaptureFixture[str], db: Path, *flags: str) -> dict[str, Any]:
    return json.loads(main(capsys, "score", "--json", "--db", str(db), *flags))


def generate(seed: int, *, partial_credit: bool) -> dict[str, Any]:
    """A small ledger in the JSON import format: sources, threshold claims with observations, forecasts,
    resolutions (superseded, undone, partial, ambiguous) and open claims."""
    rng = random.Random(seed)
    today = date.today()
    claims = []
    for i in range(60):
        made_on = today - timedelta(days=rng.randint(30, 900))
        deadline = None if rng.random() < 0.1 else made_on + timedelta(days=rng.randint(0, 700))
        threshold = rng.random() < 0.3
        outcome = rng.choice(["true", "false", "partial", "ambiguous", None])
        resolved_on = (deadline or made_on).isoformat()
        resolutions = []
        if rng.random() < 0.2:
            resolutions.append({"outcome": "true", "resolved_on": resolved_on, "undone": rng.random() < 0.5})
        if outcome:
            fraction = round(rng.random(), 2) if outcome == "partial" else None
            resolutions.append({"outcome": outcome, "resolved_on": resolved_on, "fraction": fraction})
        claims.append(
            {
                "statement": f'Round-trip claim {i} with a comma, a "quote" and a newline\nin it',
                "quote": f"Someone said {i}",
                "claimant": rng.choice(["pascal", "ehang", "ministry"]),
                "attribution": rng.choice(["author", "reported_projection", "official_target"]),
                "kind": "threshold" if threshold else "binary",
                "metric": "cities" if threshold else None,
                "unit": "cities" if threshold else None,
                "target": 65 if threshold else None,
                "baseline": 15 if threshold else None,
                "made_on": made_on.isoformat(),
                "deadline": deadline.isoformat() if deadline else None,
                "deadline_precision": rng.choice(["day", "year", "half"]) if deadline else None,
                "tags": rng.sample(["ai", "mobility", "energy"], rng.randint(0, 2)),
                "partial_credit": partial_credit and rng.random() < 0.5,
                "source": {
                    "title": f"Issue {i % 3}",
                    "published_on": made_on.isoformat(),
                    "url": "https://example.org",
                },
                "forecasts": [
                    {
                        "probability": rng.choice([0.0, 1.0, round(rng.random(), 3)]),
                        "forecaster": rng.choice(["pascal", "reader", "analyst"]),
                        "made_at": (
                            datetime.combine(made_on, datetime.min.time()) + timedelta(hours=h * 37)
                        ).isoformat(),
                        "basis": rng.choice(["stated", "verbal", "updated"]),
                    }
                    for h in range(rng.randint(1, 6))
                ],
                "observations": [
                    {"observed_on": (made_on + timedelta(days=d)).isoformat(), "value": 15 + d, "note": None}
                    for d in range(0, 90, 30)
                ]
                if threshold
                else [],
                "resolutions": resolutions,
            }
        )
    return {"format": imports.JSON_FORMAT, "claims": claims}


def build(path: Path, seed: int = 7, *, partial_credit: bool = False) -> Path:
    imports.import_text(path, json.dumps(generate(seed, partial_credit=partial_credit)), "json", "generated")
    return path


def totals(result: dict[str, Any]) -> tuple[int, float | None, float | None]:
    return result["n"], result["brier"], result["log_score"]


def assert_same_score(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["n"] == b["n"] > 0
    assert b["brier"] == pytest.approx(a["brier"], abs=TOL)
    assert b["log_score"] == pytest.approx(a["log_score"], abs=TOL)
    assert [bin_["n"] for bin_ in a["calibration"]] == [bin_["n"] for bin_ in b["calibration"]]


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_import_round_trip_keeps_the_track_record(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original, copy = build(tmp_path / "original.duckdb"), tmp_path / "copy.duckdb"
    exported = tmp_path / f"ledger.{fmt}"
    main(capsys, "export", "--format", fmt, "-o", str(exported), "--db", str(original))
    main(capsys, "import", str(exported), "--format", fmt, "--db", str(copy))
    for flags in [(), ("--latest",), ("--folded",)]:
        assert_same_score(score(capsys, original, *flags), score(capsys, copy, *flags))
    by = score(capsys, copy, "--by", "forecaster")["by"]
    assert {name: totals(s) for name, s in by.items()} == {
        name: (s["n"], pytest.approx(s["brier"], abs=TOL), pytest.approx(s["log_score"], abs=TOL))
        for name, s in score(capsys, original, "--by", "forecaster")["by"].items()
    }
    # importing the export again adds nothing
    before = dump(copy)
    main(capsys, "import", str(exported), "--format", fmt, "--db", str(copy))
    assert dump(copy) == before


def test_json_round_trip_keeps_everything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original, copy = build(tmp_path / "original.duckdb", seed=11, partial_credit=True), tmp_path / "copy.duckdb"
    exported = tmp_path / "ledger.json"
    main(capsys, "export", "--format", "json", "-o", str(exported), "--db", str(original))
    main(capsys, "import", str(exported), "--format", "json", "--db", str(copy))
    assert_same_score(score(capsys, original), score(capsys, copy))  # partial credit included

    def exported(path: Path) -> list[dict[str, Any]]:
        out = tmp_path / f"{path.stem}-again.json"
        main(capsys, "export", "--format", "json", "-o", str(out), "--db", str(path))
        claims = json.loads(out.read_text(encoding="utf-8"))["claims"]
        for claim in claims:
            claim.pop("external_id")  # the copy keys the claims it imported
            for forecast in claim["forecasts"]:
                forecast.pop("recorded_at")  # the copy recorded them when it imported them
        return claims

    again = exported(copy)
    assert again == exported(original)
    assert len(again) == 60
    assert any(r["undone"] for c in again for r in c["resolutions"])  # undone resolutions travel too
    assert any(c["partial_credit"] for c in again) and any(c["observations"] for c in again)


def test_importing_the_same_csv_twice_adds_nothing(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "statement,probability,outcome,made_on,deadline,forecaster,tags\n"
        "Robotaxis in 65 cities,0.8,true,2024-01-01,2024-12-31,me,mobility;ai\n"
        "Robotaxis in 65 cities,0.6,true,2024-01-01,2024-12-31,you,mobility;ai\n"
        "Robotaxis in 65 cities,0.6,true,2024-01-01,2024-12-31,you,mobility;ai\n"  # a repeated forecast is a forecast
        "A crash of the U.S. market,30%,false,2024-01-01,,me,\n"
    )
    first = imports.import_file(db_path, path, "csv")
    assert (first.claims_added, first.forecasts_added, first.resolutions_added) == (2, 4, 2)
    before = dump(db_path)
    second = imports.import_file(db_path, path, "csv")
    assert (second.claims_added, second.claims_existing, second.forecasts_added, second.resolutions_added) == (
        0,
        2,
        0,
        0,
    )
    assert dump(db_path) == before


def test_csv_rows_become_claims_with_forecasts_and_resolutions(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        "\ufeffstatement,probability,outcome,made_on,deadline,forecaster,tags\n"  # a BOM, as Excel writes it
        "Robotaxis in 65 cities,70%,TRUE,2024-01-01,2024-12-31,me,Mobility|AI\n"
        "Robotaxis in 65 cities, 0.9 ,true,2024-01-01,2024-12-31,you,mobility|ai\n"
        "No deadline,0.5,,2024-02-01,,,\n"
    )
    imports.import_file(db_path, path, "csv", default_forecaster="Pascal")
    views = {v["statement"]: v for v in ledger.list_claims(db_path)}
    robotaxis = ledger.get_claim(db_path, views["Robotaxis in 65 cities"].id)
    assert [(f["forecaster"], f["probability"], f["basis"]) for f in robotaxis.forecasts] == [
        ("me", 0.7, "imported"),
        ("you", 0.9, "imported"),
    ]
    assert robotaxis.view["outcome"] == "true" and robotaxis.view["tags"] == ["mobility", "ai"]
    assert robotaxis.view["deadline"] == date(2024, 12, 31)
    no_deadline = ledger.get_claim(db_path, views["No deadline"].id)
    assert no_deadline.view["deadline"] is None and no_deadline.view.status.value == "not checkable"
    assert no_deadline.forecasts[0]["forecaster"] == "Pascal"  # blank forecaster: the default one
    assert no_deadline.view["flags"] == ["not_checkable"]


def test_csv_export_has_the_documented_columns(tmp_path: Path, db_path: Path) -> None:
    build(db_path, seed=3)
    out = tmp_path / "out.csv"
    count = exports.export_ledger(db_path, "csv", out)
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == [*imports.CSV_COLUMNS, "forecast_at", "fraction", "quantiles", "outcome_value"]
    with duckdb.connect(str(db_path), read_only=True) as con:
        n_forecasts = con.execute("SELECT count(*) FROM forecasts").fetchone()
    assert n_forecasts is not None and count == len(rows) == n_forecasts[0]
    assert {row["outcome"] for row in rows} <= {"true", "false", "ambiguous", ""}  # partial is written as false
    assert all(0 <= float(row["probability"]) <= 1 for row in rows)


def test_parquet_import_reads_the_same_layout(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "mine.parquet"
    table = pa.table(
        {
            "statement": ["Robotaxis in 65 cities", "A crash of the U.S. market"],
            "probability": [0.8, 0.3],
            "outcome": ["true", "false"],
            "made_on": [date(2024, 1, 1), date(2024, 1, 1)],
            "deadline": [date(2024, 12, 31), None],
            "forecaster": ["me", None],
            "tags": ["mobility", ""],
        }
    )
    pq.write_table(table, path)
    result = imports.import_file(db_path, path, "parquet", default_forecaster="Pascal")
    assert (result.claims_added, result.forecasts_added, result.resolutions_added) == (2, 2, 2)
    record = ledger.track_record(db_path)
    assert record.n == 2 and record.brier == pytest.approx((0.2**2 + 0.3**2) / 2)
    assert {name for name, _ in ledger.forecasters(db_path)} == {"me", "Pascal"}


SEED_YAML = """
source:
  title: "An issue"
  published_on: 2025-01-31
  external_id: "issue-2025-01"
claims:
  - key: "robotaxis"
    statement: "Robotaxis operate in 100 Chinese cities."
    quote: "Robotaxis are set to operate in 100 Chinese cities by 2027."
    claimant: "Pascal Coppens"
    attribution: "author"
    kind: "threshold"
    metric: "cities with robotaxis"
    target: 100
    deadline_text: "by 2027"
    hedge: "is set to"
    resolution_criteria: "Count of cities."
    tags: ["mobility"]
    observations:
      - observed_on: 2025-01-31
        value: 20
"""


def test_yaml_import_twice_adds_the_claims_once(tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(SEED_YAML)
    assert "added 1 claims (0 already there)" in main(capsys, "add", "--file", str(path), "--db", str(db_path))
    before = dump(db_path)
    assert "0 claims added (1 already there)" in main(capsys, "import", str(path), "--format", "yaml")
    assert dump(db_path) == before  # PREDICTIONS_DB points at db_path
    view = ledger.list_claims(db_path)[0]
    assert (view["deadline"], view["deadline_precision"], view["probability"]) == (date(2027, 12, 31), "year", 0.75)
    assert view["n_observations"] == 1 and view["last_value"] == 20


def test_export_of_a_missing_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="does not exist"):
        exports.export_ledger(tmp_path / "none.duckdb", "csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "none.duckdb").exists()


# --- partial resolutions in the flat layout ---------------------------------------------------------


def _partial_ledger(path: Path) -> list[tuple[float, float]]:
    """Two claims resolved partial (one with partial credit), one true; returns (p, scored outcome) of
    every forecast as docs/architecture.md §4 scores it, computed here by hand."""
    from predictions.models import ClaimIn, ForecastIn, Outcome, ResolutionIn

    made = date(2024, 1, 1)
    expected = []
    for statement, credit, outcome, fraction, probabilities in (
        ("Half the chargers are built by 2025", True, Outcome.PARTIAL, 0.4, (0.7, 0.5)),
        ("The metro line opens by 2025", False, Outcome.PARTIAL, 0.9, (0.8,)),
        ("The bridge opens by 2025", False, Outcome.TRUE, None, (0.6,)),
    ):
        with replaying(datetime(2024, 1, 1, 12)):  # each forecast recorded when it was made
            claim_id = ledger.add_claim(
                path,
                ClaimIn(statement=statement, made_on=made, deadline=date(2025, 12, 31), partial_credit=credit),
                probability=probabilities[0],
                forecaster="Ann",
            )
        for later in probabilities[1:]:
            with replaying(datetime(2024, 6, 1)):
                ledger.add_forecast(
                    path, claim_id, ForecastIn(probability=later, forecaster="Ann", made_at=datetime(2024, 6, 1))
                )
        ledger.resolve(path, claim_id, ResolutionIn(outcome=outcome, resolved_on=date(2026, 1, 5), fraction=fraction))
        scored = 1.0 if outcome is Outcome.TRUE else (fraction if credit else 0.0)
        expected += [(p, scored) for p in probabilities]
    return expected


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_flat_export_keeps_how_a_partial_resolution_scores(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "source.duckdb"
    expected = _partial_ledger(source)
    brier = sum((p - o) ** 2 for p, o in expected) / len(expected)
    assert ledger.track_record(source).brier == pytest.approx(brier)
    out = tmp_path / f"ledger.{fmt}"
    exports.export_ledger(source, fmt, out)
    if fmt == "csv":
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        partial = [r for r in rows if r["outcome"] == "partial"]
        assert {r["fraction"] for r in partial} == {"0.4"}  # with partial credit: the fraction achieved
        assert sum(1 for r in rows if r["statement"].startswith("The metro") and r["outcome"] == "false") == 1
    copy = tmp_path / "copy.duckdb"
    imports.import_file(copy, out, fmt)
    assert ledger.track_record(copy).n == len(expected)
    assert ledger.track_record(copy).brier == pytest.approx(brier)  # before the fix: partial credit was lost


def test_a_partial_row_needs_its_fraction(tmp_path: Path, db_path: Path) -> None:
    path = tmp_path / "partial.csv"
    path.write_text(
        "statement,probability,outcome,made_on,deadline,forecaster,tags,fraction\n"
        "Half the chargers are built,0.7,partial,2024-01-01,2025-12-31,Ann,,\n"
        "The metro line opens,0.6,true,2024-01-01,2025-12-31,Ann,,0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(imports.ImportProblems) as refused:
        imports.import_file(db_path, path, "csv")
    assert [line.split(":")[0] for line in refused.value.problems] == ["line 2", "line 3"]
    assert not db_path.exists()
