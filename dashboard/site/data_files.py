"""The static site's downloads: the whole ledger as `predictions export` writes it (data/ledger.*) and
each claim's own files: data/claim-ID.json (predictions.exports' single-claim export, keyed by id: the same
bytes as the live page's button and `predictions export --claim ID --format json`), .csv (its rows cut from
data/ledger.csv) and .evidence.csv.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from predictions import exports
from predictions.exports import export_json_text, export_ledger
from predictions.imports import evidence
from predictions.publishing import SiteClaim
from predictions.safe_text import clean_tree, csv_rows, csv_value

EXPORT_FORMATS = ("csv", "json", "parquet")


def write_exports(db_path: Path, folder: Path, as_of: date) -> None:
    """data/ledger.* as `predictions export` writes them, the JSON's text cleaned (safe_text.clean: no
    character XML forbids, which a reader's tools may choke on)."""
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in EXPORT_FORMATS:  # the JSON's exported_at is the as-of day, not the clock
        export_ledger(db_path, fmt, folder / f"ledger.{fmt}", exported_at=exports.day_stamp(as_of))
    path = folder / "ledger.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # The hash chain is published exact, beside it (data/record.json): cleaning would change its records.
    document.pop("chain", None)
    path.write_text(export_json_text(clean_tree(document)), encoding="utf-8")


class FlatExport:
    """data/ledger.csv (one row per forecast) read once, its rows grouped by statement, day made and
    deadline: what a claim's data/claim-ID.csv is cut from."""

    def __init__(self, path: Path) -> None:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            self.header: list[str] = list(reader.fieldnames or [])
            self._rows: dict[tuple[str, str, str], list[dict[str, str]]] = {}
            for r in map(_unquoted, reader):
                self._rows.setdefault((r["statement"], r["made_on"], r["deadline"]), []).append(r)

    def rows_of(self, row: Mapping[str, Any]) -> list[dict[str, str]]:
        deadline = row["deadline"].isoformat() if row["deadline"] else ""
        return self._rows.get((str(row["statement"]), row["made_on"].isoformat(), deadline), [])


def _unquoted(row: dict[str, str]) -> dict[str, str]:
    """A row of ledger.csv as the ledger has it (its formula quoting undone: _csv_text quotes it again)."""
    return {key: csv_value(value) for key, value in row.items()}


def _csv_text(header: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(csv_rows(rows))  # as `predictions export` writes them: no cell runs as a formula
    return out.getvalue()


def claim_downloads(
    claim: SiteClaim, item: dict[str, Any] | None, flat: FlatExport, folder: Path, as_of: date
) -> list[Path]:
    """data/claim-ID.json (the export's layout, one claim), .csv (its rows of the csv export) and
    .evidence.csv (its observations in the layout `predictions import --format evidence` reads)."""
    row = claim.detail.view.row
    key = str(row["external_id"] or "").rsplit(":", 1)[-1] if row["external_id"] else ""
    observations = [
        {
            "claim_key": key,
            "claim_id": claim.id,
            **{
                c: "" if o.get(c) is None else (o[c].isoformat() if isinstance(o[c], date) else o[c])
                for c in evidence.COLUMNS
            },
        }
        for o in claim.detail.observations
    ]
    stamp = exports.day_stamp(as_of)
    files = {
        folder / f"claim-{claim.id}.csv": _csv_text(flat.header, flat.rows_of(row)),
        folder / f"claim-{claim.id}.evidence.csv": _csv_text(
            ["claim_key", "claim_id", *evidence.COLUMNS], observations
        ),
        folder / f"claim-{claim.id}.json": exports.claim_json_text(exports.claim_document(item, stamp)),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8", newline="" if path.suffix == ".csv" else None)
    return list(files)
