"""A flat-file import no longer counts everyone as the author (issue 13, point 5): a row's forecaster equal
to the author name is the author's claim, anyone else's is a third-party forecast; the author's Brier score
is computed over the author's rows alone, and migration 5 repairs ledgers imported before."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import numpy as np
import pytest

import db
from db.migrations import MIGRATIONS
from predictions import imports, ledger
from predictions.scorecard import build_scorecard

AUTHOR = "Pascal Coppens"
ROWS = [  # statement, probability, outcome, made_on, deadline, forecaster
    ("Author: robotaxis in 30 cities", "0.8", "true", "2024-01-05", "2024-12-31", AUTHOR),
    ("Author: flying taxis certified", "0.7", "false", "2024-02-01", "2024-12-31", AUTHOR),
    ("Author: an open one", "0.6", "", "2024-02-01", "2030-12-31", ""),  # blank: the author, as documented
    ("Alice: LLM prices halve", "0.1", "true", "2024-01-10", "2024-12-31", "alice"),
    ("Alice: no chip export deal", "0.95", "false", "2024-03-01", "2024-12-31", "alice"),
]


def flat_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.CSV_COLUMNS)
    writer.writerows([[*row, ""] for row in ROWS])
    return out.getvalue()


def test_two_forecasters_give_the_author_a_score_over_the_authors_rows_alone(db_path: Path) -> None:
    imports.import_text(db_path, flat_csv(), "csv", "mine", default_forecaster=AUTHOR)
    views = {v["statement"]: v for v in ledger.list_claims(db_path)}
    assert {s: (v["claimant"], v["attribution"]) for s, v in views.items()} == {
        "Author: robotaxis in 30 cities": (AUTHOR, "author"),
        "Author: flying taxis certified": (AUTHOR, "author"),
        "Author: an open one": (AUTHOR, "author"),
        "Alice: LLM prices halve": ("alice", "third_party_forecast"),
        "Alice: no chip export deal": ("alice", "third_party_forecast"),
    }
    scored = [(float(p), 1.0 if o == "true" else 0.0) for _s, p, o, *_r, who in ROWS if who == AUTHOR and o]
    expected = float(np.mean([(p - o) ** 2 for p, o in scored]))  # (0.8-1)² and (0.7-0)²: 0.265
    author = ledger.track_record(db_path, attribution="author")
    assert (author.n, round(author.brier or 0, 12)) == (2, round(expected, 12))
    everyone = ledger.track_record(db_path)
    assert everyone.n == 4
    card = build_scorecard(db_path, since=ledger.utc_now().date().replace(year=2020), fmt="markdown",
                           attribution="author")  # fmt: skip
    assert "Alice" not in card and "Author: robotaxis in 30 cities" in card


def test_migration_5_repairs_a_ledger_imported_before(db_path: Path) -> None:
    ledger.seed_from_file(db_path)  # the seed's author claims say who the author is
    imports.import_text(db_path, flat_csv(), "csv", "mine", default_forecaster=AUTHOR)
    with duckdb.connect(str(db_path)) as con:  # as the old import left it: every csv claim the author's
        con.execute("UPDATE claims SET attribution = 'author' WHERE external_id LIKE 'csv:%'")
        con.execute("DELETE FROM schema_migrations WHERE version = 5")
        assert con.execute(
            "SELECT count(*) FROM claims WHERE attribution = 'author' AND claimant = 'alice'"
        ).fetchone() == (2,)
        assert db.migrate(con) == [5]
        repaired = dict(
            con.execute("SELECT claimant, attribution FROM claims WHERE external_id LIKE 'csv:%'").fetchall()
        )
    assert repaired == {AUTHOR: "author", "alice": "third_party_forecast"}
    assert 5 in {m.version for m in MIGRATIONS}  # the repair stays in the ordered list (later ones follow it)


@pytest.mark.tampers  # rewrites the claims and the migrations table behind the ledger's back
def test_migration_5_leaves_a_ledger_without_a_known_author_alone(db_path: Path) -> None:
    imports.import_text(db_path, flat_csv(), "csv", "mine", default_forecaster=AUTHOR)
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE claims SET attribution = 'author'")
        con.execute("DELETE FROM schema_migrations WHERE version = 5")
        assert db.migrate(con) == [5]
        assert con.execute("SELECT count(*) FROM claims WHERE attribution <> 'author'").fetchone() == (0,)
