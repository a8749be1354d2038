"""predictions.exports.claim_export: one claim's export read by its id (issue 29, point 1), and
`predictions export --claim ID` in json, csv and parquet. What the site and the live button do with it is in
tests/site/test_publish.py."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from test_exports import build, dump

from predictions import cli, exports, imports, ledger


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def whole(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"whole.{fmt}"
    assert run(capsys, "export", "--db", str(db), "--format", fmt, "-o", str(out))[0] == 0
    return out


def test_each_claims_export_is_its_item_of_the_whole_export(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = build(tmp_path / "ledger.duckdb", seed=5, partial_credit=True)
    ids = sorted(view.id for view in ledger.list_claims(db))
    everything = json.loads(whole(capsys, db, tmp_path, "json").read_text(encoding="utf-8"))["claims"]
    assert len(ids) == len(everything) == 60
    undone = sum(r["undone"] for c in everything for r in c["resolutions"])
    assert undone > 0  # the cut keeps the undos of the claim's own resolutions
    for claim_id, item in zip(ids, everything, strict=True):
        document = json.loads(
            exports.export_json_text(exports.claim_export(db, claim_id, exported_at="2026-01-02T00:00:00"))
        )
        assert document == {"format": imports.JSON_FORMAT, "exported_at": "2026-01-02T00:00:00", "claims": [item]}


def test_a_withdrawn_claims_export_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = build(tmp_path / "ledger.duckdb", seed=3)
    assert run(capsys, "withdraw", "--db", str(db), "4", "--reason", "asked twice")[0] == 0
    (item,) = exports.claim_export(db, 4)["claims"]
    assert item["withdrawal"]["reason"] == "asked twice"
    assert exports.claim_export(db, 5)["claims"][0]["withdrawal"] is None


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_claim_writes_that_claims_forecast_rows(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build(tmp_path / "ledger.duckdb", seed=9)
    statement = ledger.get_claim(db, 7).view["statement"]
    out = tmp_path / f"seven.{fmt}"
    code, said, _ = run(capsys, "export", "--db", str(db), "--format", fmt, "--claim", "7", "-o", str(out))
    rows: list[dict[str, Any]]
    if fmt == "csv":
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        with whole(capsys, db, tmp_path, fmt).open(newline="", encoding="utf-8") as handle:
            expected = [r for r in csv.DictReader(handle) if r["statement"] == statement]
    else:
        rows = pq.read_table(out).to_pylist()
        expected = [
            r for r in pq.read_table(whole(capsys, db, tmp_path, fmt)).to_pylist() if r["statement"] == statement
        ]
    assert code == 0 and rows == expected and len(rows) == len(ledger.get_claim(db, 7).forecasts) > 0
    assert said == f"wrote {len(rows)} forecast row{'' if len(rows) == 1 else 's'} of claim 7 to {out}\n"


def test_export_claim_json_imports_back_as_that_claim(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = build(tmp_path / "ledger.duckdb", seed=13)
    out, copy = tmp_path / "twelve.json", tmp_path / "copy.duckdb"
    assert run(capsys, "export", "--db", str(db), "--format", "json", "--claim", "12", "-o", str(out)) == (
        0, f"wrote 1 claim to {out}\n", "",
    )  # fmt: skip
    assert run(capsys, "import", str(out), "--format", "json", "--db", str(copy))[0] == 0
    (view,) = ledger.list_claims(copy)
    original, again = (exports.claim_export(path, i)["claims"][0] for path, i in ((db, 12), (copy, view.id)))
    for item in (original, again):
        item.pop("external_id")
        for forecast in item["forecasts"]:
            forecast.pop("recorded_at")
    assert again == original


@pytest.mark.parametrize("fmt", ["json", "csv", "parquet"])
def test_an_unknown_claim_is_one_line_and_writes_nothing(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build(tmp_path / "ledger.duckdb", seed=2)
    before, out = dump(db), tmp_path / "none" / f"x.{fmt}"
    code, said, err = run(capsys, "export", "--db", str(db), "--format", fmt, "--claim", "999", "-o", str(out))
    assert (code, said, err) == (1, "", "error: no claim with id 999\n")
    assert not out.parent.exists() and dump(db) == before
