"""The real PredictionBook archive (../shared/data/predictionbook) imported once per test session.

Importing the archive's 18,670 questions and 63,592 forecasts takes a while; test_imports_archives.py and
test_scorecard.py both need the result. Under pytest-xdist the first worker that asks imports it into a folder
the workers of the run share, under a file lock (filelock), and every later caller, on any worker, gets its
own copy of that file: a test that writes to its copy cannot disturb another worker's, and no two processes
hold one DuckDB file open read-write.
"""

from __future__ import annotations

import os
import pickle
import shutil
import time
from pathlib import Path

import pytest
from filelock import FileLock

from predictions import imports

SHARED_ARCHIVE = Path(__file__).resolve().parents[3] / "shared" / "data" / "predictionbook"


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary folder of this test run: shared by its xdist workers, its own in a serial run."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def copy_of_the_archive_ledger(
    tmp_path_factory: pytest.TempPathFactory, target: Path
) -> tuple[imports.ArchiveImportResult, float]:
    """Copy the imported archive's ledger to `target`; return what the one import did and its seconds."""
    if not SHARED_ARCHIVE.is_dir():
        pytest.skip(f"the real PredictionBook archive is not at {SHARED_ARCHIVE} (CI always has it)")
    folder = run_folder(tmp_path_factory) / "predictionbook-archive-ledger"
    ledger, done = folder / "archive.duckdb", folder / "import.pickle"
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that died mid-import left it half done
            folder.mkdir(parents=True)
            started = time.perf_counter()
            result = imports.import_archive(ledger, SHARED_ARCHIVE, "predictionbook")
            seconds = time.perf_counter() - started
            done.write_bytes(pickle.dumps((result, seconds)))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ledger, target)
    found: tuple[imports.ArchiveImportResult, float] = pickle.loads(done.read_bytes())
    return found
