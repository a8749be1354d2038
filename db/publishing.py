"""Named SQL for the static site (`predictions publish`): everything its claim pages show, read in a few
statements of one unit of work instead of several per claim (18,670 claims of an archive are 18,670
pages). Rows come out ordered by claim, each claim's rows in the order the one-claim reads give them
(db.queries.observations_for, forecasts_for, resolutions_for; db.amendments.amendments_for).
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from db import rules
from db.queries import CLAIM_SUMMARY_SQL, dicts


def every_claim_summary(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every claim's summary row by id, withdrawn ones included: a withdrawn claim keeps its page."""
    return dicts(con.execute(CLAIM_SUMMARY_SQL + " ORDER BY c.id"))


def every_observation(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return dicts(con.execute(f"SELECT * FROM {rules.OBSERVATIONS_IN_FORCE} o ORDER BY claim_id, observed_on, id"))


def every_forecast(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every forecast, each with whether it counts toward the scores (db.rules.COUNTED)."""
    return dicts(con.execute(
        f"""SELECT f.*, {rules.COUNTED} AS counted FROM forecasts f JOIN claims c ON c.id = f.claim_id
            ORDER BY f.claim_id, f.made_at, f.id"""
    ))  # fmt: skip


def every_resolution(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every resolution, undone ones included and marked."""
    return dicts(
        con.execute(
            """SELECT r.*, u.undone_at, u.note AS undo_note FROM resolutions r
               LEFT JOIN resolution_undos u ON u.resolution_id = r.id
               ORDER BY r.claim_id, r.id"""
        )
    )


def every_amendment(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every correction (amendments and withdrawals), with `changes` parsed into {field: {from, to}}."""
    rows = dicts(con.execute("SELECT * FROM claim_amendments ORDER BY claim_id, id"))
    for row in rows:
        row["changes"] = json.loads(row["changes"])
    return rows
