"""Flat CSV imports run both ways (the column-by-column fast path and the row-by-row path)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import duckdb

from predictions import imports
from predictions.imports import flat


def both_ways(tmp_path: Path, text: str, tag: str) -> tuple[Any, Any]:
    """(fast path's outcome, row-by-row path's outcome): an ImportResult dict and the ledger, or the problems."""
    outcomes = []
    for way in ("fast", "rows"):
        db = tmp_path / f"{tag}-{way}.duckdb"
        try:
            if way == "fast":
                result = imports.import_text(db, text, "csv", "upload", default_forecaster="Ann")
            else:
                rows = flat._read_csv_rows(text, "Ann")
                result = imports.import_flat(db, rows, "upload", author_name="Ann")
            outcomes.append((result.as_dict(), ledger_rows(db)))
        except imports.ImportProblems as error:
            outcomes.append(("problems", error.problems, db.exists() and ledger_rows(db)))
    return outcomes[0], outcomes[1]


def write_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ledger_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {table: con.execute(f"SELECT {columns} FROM {table} ORDER BY ALL").fetchall()
                for table, columns in TABLES.items()}  # fmt: skip
    finally:
        con.close()


TABLES = {
    "claims": "external_id, statement, quote, claimant, attribution, kind, made_on, deadline, deadline_precision, "
    "tags, flags",
    "forecasts": "id, external_id, claim_id, forecaster, probability, made_at, basis",
    "resolutions": "claim_id, outcome, resolved_on, note",
    "sources": "external_id, title, kind",
}
