"""The static site's downloads: the whole ledger as `predictions export` writes it (data/ledger.*) and
each claim's own files (data/claim-ID.csv, .json, .evidence.csv), cut from that same export so a claim's
download is exactly its part of the ledger's.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from predictions import ledger
from predictions.exports import JSON_FORMAT, export_json_text, export_ledger
from predictions.imports import evidence
from predictions.publishing import SiteClaim
from predictions.safe_text import clean_tree, csv_rows, csv_value

EXPORT_FORMATS = ("csv", "json", "parquet")


def write_exports(db_path: Path, folder: Path, as_of: date) -> dict[str, Any]:
    """data/ledger.* as `predictions export` writes them, the JSON's text cleaned (safe_text.clean: no
    character XML forbids, which a reader's tools may choke on); returns the JSON document as exported,
    whose texts export_items matches against the ledger's."""
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in EXPORT_FORMATS:  # the JSON's exported_at is the as-of day, not the clock
        export_ledger(db_path, fmt, folder / f"ledger.{fmt}", exported_at=_stamp(as_of))
    path = folder / "ledger.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    # The hash chain is published exact, beside it (data/record.json): cleaning would change its records.
    document.pop("chain", None)
    path.write_text(export_json_text(clean_tree(document)), encoding="utf-8")
    return document


def _claim_json(item: dict[str, Any] | None, as_of: date) -> dict[str, Any]:
    """One claim in the export's layout (what `predictions import --format json` reads back)."""
    return {"format": JSON_FORMAT, "exported_at": _stamp(as_of), "claims": [item] if item else []}


def claim_document(db_path: Path, claim_id: int, today: date) -> str:
    """One claim's data/claim-ID.json, for the live dashboard's download button."""
    view = ledger.get_claim(db_path, claim_id, today).view
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        out = Path(folder) / "ledger.json"
        export_ledger(db_path, "json", out)
        document = json.loads(out.read_text(encoding="utf-8"))
    return json_text(_claim_json(export_items(document, [view]).get(claim_id), today))


def _stamp(as_of: date) -> str:
    return f"{as_of.isoformat()}T00:00:00"


def json_text(document: Mapping[str, Any]) -> str:
    """A claim's JSON download: its text cleaned as the site's (safe_text.clean), compact (json's C
    encoder; an indented dump is pure Python, ~10× slower over an archive's 18,670 claims)."""
    return json.dumps(clean_tree(document), default=str, ensure_ascii=False, separators=(",", ":"))


def _claim_key(statement: object, made_on: object, claimant: object, deadline: object) -> tuple[str, ...]:
    return (str(statement), str(made_on or "")[:10], str(claimant), str(deadline or "")[:10])


def export_items(document: Mapping[str, Any], views: Sequence[ledger.ClaimView]) -> dict[int, dict[str, Any]]:
    """Claim id → its item in the JSON export (which carries no ids): by external id, else by statement,
    day made, claimant and deadline, claims with the same key matched in id order (the export's order)."""
    by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in document["claims"]:
        key = (
            ("x", item["external_id"])
            if item.get("external_id")
            else _claim_key(item["statement"], item["made_on"], item["claimant"], item["deadline"])
        )
        by_key.setdefault(key, []).append(item)
    found: dict[int, dict[str, Any]] = {}
    for view in sorted(views, key=lambda v: v.id):
        row = view.row
        key = (
            ("x", row["external_id"])
            if row["external_id"]
            else _claim_key(row["statement"], row["made_on"], row["claimant"], row["deadline"])
        )
        if by_key.get(key):
            found[view.id] = by_key[key].pop(0)
    return found


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
    files = {
        folder / f"claim-{claim.id}.csv": _csv_text(flat.header, flat.rows_of(row)),
        folder / f"claim-{claim.id}.evidence.csv": _csv_text(
            ["claim_key", "claim_id", *evidence.COLUMNS], observations
        ),
        folder / f"claim-{claim.id}.json": json_text(_claim_json(item, as_of)),
    }
    for path, text in files.items():
        path.write_text(text, encoding="utf-8", newline="" if path.suffix == ".csv" else None)
    return list(files)
