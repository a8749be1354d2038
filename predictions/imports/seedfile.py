"""A newsletter issue with its claims, in the seed-file layout (YAML)."""

from __future__ import annotations

from pathlib import Path

from predictions.imports.base import ImportProblems, ImportResult
from predictions.ledger import store_prepared, writing
from predictions.seed import SeedError, prepare, read_seed_text, source_external_id


def import_yaml_text(db_path: Path, text: str, name: str) -> ImportResult:
    try:
        seed = read_seed_text(text)
        prepared = prepare(seed, name)
    except SeedError as error:
        raise ImportProblems([str(error)]) from error
    if not prepared:  # a file without claims adds nothing, not even its source (a new ledger is still made)
        with writing(db_path):
            return ImportResult()
    with writing(db_path) as con:
        added, skipped = store_prepared(con, seed.source, source_external_id(seed, name), prepared)
    observations = sum(len(p.observations) for p in prepared)
    return ImportResult(
        claims_added=added,
        claims_existing=skipped,
        forecasts_added=added,
        observations_added=observations if added else 0,
    )
