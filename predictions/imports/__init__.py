"""Imports into the ledger, one module per format. Every import validates the whole file first and
writes in one transaction: a file with any bad row is rejected whole, with one line per problem (and
its line or row number), and the ledger is unchanged.

Formats: csv / parquet (the flat track-record layout, predictions.imports.flat and .flat_csv), yaml
(a newsletter issue in the seed layout, .seedfile), json (this tracker's own export, .ledger_json),
predictionbook and fatebook (other sites' archives, .predictionbook and .fatebook over .archive),
evidence (dated, sourced facts as observations, .evidence).
"""

from __future__ import annotations

import time
from pathlib import Path

from predictions.imports.archive import ArchiveImportResult, store_archive
from predictions.imports.base import (
    CSV_COLUMNS,
    CSV_OPTIONAL,
    JSON_FORMAT,
    ImportProblems,
    ImportResult,
    Progress,
    parse_probability,
)
from predictions.imports.fatebook import load_fatebook
from predictions.imports.flat import _read_parquet_rows, import_flat
from predictions.imports.flat_csv import import_csv_text
from predictions.imports.ledger_json import import_json_text
from predictions.imports.predictionbook import load_predictionbook
from predictions.imports.seedfile import import_yaml_text
from predictions.ledger import LedgerError

ARCHIVE_FORMATS = ("predictionbook", "fatebook")
FORMATS = ("csv", "yaml", "json", "parquet", *ARCHIVE_FORMATS, "evidence")

__all__ = [
    "ARCHIVE_FORMATS",
    "CSV_COLUMNS",
    "CSV_OPTIONAL",
    "FORMATS",
    "JSON_FORMAT",
    "ArchiveImportResult",
    "ImportProblems",
    "ImportResult",
    "Progress",
    "import_archive",
    "import_file",
    "import_flat",
    "import_text",
    "parse_probability",
]


def import_file(
    db_path: Path,
    path: Path,
    fmt: str,
    *,
    default_forecaster: str = "author",
    progress: Progress | None = None,
) -> ImportResult:
    if fmt in ARCHIVE_FORMATS:
        return import_archive(db_path, path, fmt, progress)
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    if fmt == "parquet":
        rows = _read_parquet_rows(path, default_forecaster)
        return import_flat(db_path, rows, path.name, progress, default_forecaster)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblems([f"{path.name}: not UTF-8 text"]) from error
    return import_text(db_path, text, fmt, path.stem, default_forecaster=default_forecaster, progress=progress)


def import_text(
    db_path: Path,
    text: str,
    fmt: str,
    name: str,
    *,
    default_forecaster: str = "author",
    progress: Progress | None = None,
) -> ImportResult:
    if fmt == "csv":
        return import_csv_text(db_path, text, name, default_forecaster, progress)
    if fmt == "yaml":
        return import_yaml_text(db_path, text, name)
    if fmt == "json":
        return import_json_text(db_path, text)
    raise LedgerError(f"unknown import format {fmt!r}")


def import_archive(db_path: Path, path: Path, fmt: str, progress: Progress | None = None) -> ArchiveImportResult:
    """Import a PredictionBook archive or a Fatebook export, all or nothing."""
    started = time.perf_counter()
    if fmt == "predictionbook":
        prepared = load_predictionbook(path)
    elif fmt == "fatebook":
        prepared = load_fatebook(path)
    else:
        raise LedgerError(f"unknown archive format {fmt!r}: use {', '.join(ARCHIVE_FORMATS)}")
    if progress:
        progress(0.2, f"{len(prepared.claims)} claims and {len(prepared.forecasts)} forecasts valid")
    result = store_archive(db_path, prepared, progress)
    result.seconds = time.perf_counter() - started
    return result
