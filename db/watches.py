"""Named SQL of watched data sources: the watches, their runs, the readings they recorded and the
candidate notes their feeds found.

A run is claimed by moving the watch's `next_run_at` forward in the same statement that selects it,
so two processes sweeping at once never both fetch a scheduled watch; recording is idempotent anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import duckdb

from db.queries import CLAIM_SUMMARY_SQL, dicts

WATCH_FIELDS = ("claim_id", "url", "format", "points", "value_at", "date_at", "match_text", "every_hours")

_WATCH_ROWS = """
    SELECT w.*, c.statement,
           (SELECT count(*) FROM observations o WHERE o.watch_id = w.id) AS readings,
           (SELECT max(o.observed_on) FROM observations o WHERE o.watch_id = w.id) AS last_reading_on,
           (SELECT count(*) FROM watch_candidates k WHERE k.watch_id = w.id AND k.state = 'pending') AS pending
    FROM watches w JOIN claims c ON c.id = w.claim_id
"""


def add_watch(con: duckdb.DuckDBPyConnection, watch: Mapping[str, Any], now: datetime) -> int:
    names = ", ".join(WATCH_FIELDS)
    marks = ", ".join("?" for _ in WATCH_FIELDS)
    row = con.execute(
        f"INSERT INTO watches ({names}, created_at, next_run_at) VALUES ({marks}, ?, ?) RETURNING id",
        [*(watch.get(name) for name in WATCH_FIELDS), now, now],
    ).fetchone()
    assert row is not None
    return int(row[0])


def watch_rows(con: duckdb.DuckDBPyConnection, claim_id: int | None = None) -> list[dict[str, Any]]:
    """Every watch (or a claim's), with its claim's statement, readings and pending candidates, by id."""
    return dicts(con.execute(_WATCH_ROWS + " WHERE ? IS NULL OR w.claim_id = ? ORDER BY w.id", [claim_id, claim_id]))


def watch_row(con: duckdb.DuckDBPyConnection, watch_id: int) -> dict[str, Any] | None:
    rows = dicts(con.execute(_WATCH_ROWS + " WHERE w.id = ?", [watch_id]))
    return rows[0] if rows else None


def remove_watch(con: duckdb.DuckDBPyConnection, watch_id: int) -> bool:
    """Delete the watch and its undecided candidates; the readings it recorded stay evidence."""
    con.execute("DELETE FROM watch_candidates WHERE watch_id = ? AND state = 'pending'", [watch_id])
    return con.execute("DELETE FROM watches WHERE id = ? RETURNING id", [watch_id]).fetchone() is not None


def take_due(
    con: duckdb.DuckDBPyConnection,
    now: datetime,
    lease_until: datetime,
    *,
    everything: bool = False,
    watch_ids: Sequence[int] = (),
) -> list[dict[str, Any]]:
    """Claim the watches due by `now` (all of them with `everything`, or just `watch_ids`): their next run
    moves to `lease_until` before anything is fetched, and to its real time when the run is recorded, so
    a run killed on the way leaves its watch due again once the lease ends. A withdrawn claim's watches rest."""
    return dicts(con.execute(
        """UPDATE watches SET next_run_at = ?
           WHERE (? OR next_run_at <= ?) AND (len(?::BIGINT[]) = 0 OR id IN (SELECT unnest(?::BIGINT[])))
             AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.id = watches.claim_id AND c.withdrawn)
           RETURNING *""",
        [lease_until, everything, now, list(watch_ids), list(watch_ids)],
    ))  # fmt: skip


def record_success(con: duckdb.DuckDBPyConnection, watch_id: int, now: datetime, next_run_at: datetime) -> None:
    con.execute(
        """UPDATE watches SET last_run_at = ?, last_ok_at = ?, last_error = NULL, runs = runs + 1, failures = 0,
                              next_run_at = ?
           WHERE id = ?""",
        [now, now, next_run_at, watch_id],
    )


def record_failure(
    con: duckdb.DuckDBPyConnection, watch_id: int, now: datetime, error: str, next_run_at: datetime
) -> None:
    """Note the failure and when to try again (sooner than the interval at first: the caller says)."""
    con.execute(
        """UPDATE watches SET last_run_at = ?, last_error = ?, runs = runs + 1, failures = failures + 1,
                              next_run_at = ?
           WHERE id = ?""",
        [now, error, next_run_at, watch_id],
    )


def latest_readings(con: duckdb.DuckDBPyConnection, watch_id: int) -> dict[date, dict[str, Any]]:
    """Per day, the watch's reading in force (the latest recorded for that day): id and value."""
    rows = con.execute(
        """SELECT observed_on, arg_max(id, id), arg_max(value, id) FROM observations
           WHERE watch_id = ? GROUP BY observed_on""",
        [watch_id],
    ).fetchall()
    return {row[0]: {"id": int(row[1]), "value": float(row[2])} for row in rows}


# --- candidate notes from feeds -------------------------------------------------------------------


def add_candidates(con: duckdb.DuckDBPyConnection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert the entries not seen before for their claim (accepted or dismissed ones stay decided)."""
    added = 0
    for row in rows:
        inserted = con.execute(
            """INSERT INTO watch_candidates (watch_id, claim_id, entry_key, title, link, published_on, summary,
                                             found_at, fetched_at, payload_sha256)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id""",
            [row["watch_id"], row["claim_id"], row["entry_key"], row["title"], row.get("link"),
             row.get("published_on"), row.get("summary"), row["found_at"], row["fetched_at"],
             row["payload_sha256"]],
        ).fetchone()  # fmt: skip
        added += inserted is not None
    return added


def candidate_rows(
    con: duckdb.DuckDBPyConnection, state: str | None = "pending", claim_id: int | None = None
) -> list[dict[str, Any]]:
    """Candidate notes (pending ones by default), newest entry first, with their claim's statement."""
    return dicts(con.execute(
        """SELECT k.*, c.statement, w.url AS watch_url FROM watch_candidates k
           JOIN claims c ON c.id = k.claim_id LEFT JOIN watches w ON w.id = k.watch_id
           WHERE (? IS NULL OR k.state = ?) AND (? IS NULL OR k.claim_id = ?) AND NOT c.withdrawn
           ORDER BY k.published_on DESC NULLS LAST, k.id DESC""",
        [state, state, claim_id, claim_id],
    ))  # fmt: skip


def candidate_row(con: duckdb.DuckDBPyConnection, candidate_id: int) -> dict[str, Any] | None:
    rows = dicts(con.execute("SELECT * FROM watch_candidates WHERE id = ?", [candidate_id]))
    return rows[0] if rows else None


def decide_candidate(
    con: duckdb.DuckDBPyConnection, candidate_id: int, state: str, now: datetime, observation_id: int | None
) -> None:
    con.execute(
        "UPDATE watch_candidates SET state = ?, decided_at = ?, observation_id = ? WHERE id = ?",
        [state, now, observation_id, candidate_id],
    )


# --- claims whose data may cross their target ----------------------------------------------------------


def watched_open_threshold_claims(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The author's unresolved, unwithdrawn threshold claims with a target, a deadline and a watch."""
    return dicts(con.execute(
        CLAIM_SUMMARY_SQL
        + """ WHERE c.kind = 'threshold' AND c.target IS NOT NULL AND c.deadline IS NOT NULL
              AND r.outcome IS NULL AND NOT coalesce(c.withdrawn, FALSE) AND coalesce(s.kind, '') <> 'archive'
              AND EXISTS (SELECT 1 FROM watches w WHERE w.claim_id = c.id)
              ORDER BY c.id"""
    ))  # fmt: skip


def open_threshold_claims_before_deadline(con: duckdb.DuckDBPyConnection, today: date) -> list[dict[str, Any]]:
    """The author's unresolved threshold claims whose deadline has not passed, with at least one value."""
    return dicts(con.execute(
        CLAIM_SUMMARY_SQL
        + """ WHERE c.kind = 'threshold' AND c.target IS NOT NULL AND c.deadline >= ? AND r.outcome IS NULL
              AND NOT coalesce(c.withdrawn, FALSE) AND coalesce(s.kind, '') <> 'archive'
              AND coalesce(r.n_values, 0) > 0
              ORDER BY c.deadline, c.id""",
        [today],
    ))  # fmt: skip


def claim_kind(con: duckdb.DuckDBPyConnection, claim_id: int) -> tuple[str, bool] | None:
    """The claim's kind and whether it is withdrawn (None: no such claim)."""
    row = con.execute("SELECT kind, coalesce(withdrawn, FALSE) FROM claims WHERE id = ?", [claim_id]).fetchone()
    return (str(row[0]), bool(row[1])) if row else None


def watch_exists(con: duckdb.DuckDBPyConnection, watch_id: int) -> bool:
    return con.execute("SELECT 1 FROM watches WHERE id = ?", [watch_id]).fetchone() is not None


def insert_note(con: duckdb.DuckDBPyConnection, candidate: Mapping[str, Any], observed_on: date, now: datetime) -> int:
    """An accepted candidate as a note observation linking its entry; the claim's rollups follow."""
    from db import chain, rollups
    from db.clock import utc_now

    note = candidate["title"] + (f" — {candidate['summary']}" if candidate.get("summary") else "")
    row = con.execute(
        """INSERT INTO observations (claim_id, observed_on, value, note, source_url, origin, watch_id, fetched_at,
                                     payload_sha256, created_at, recorded_at)
           VALUES (?, ?, NULL, ?, ?, 'watch', ?, ?, ?, ?, ?) RETURNING id""",
        [candidate["claim_id"], observed_on, note[:5000], candidate.get("link"), candidate["watch_id"],
         candidate["fetched_at"], candidate["payload_sha256"], now, utc_now()],
    ).fetchone()  # fmt: skip
    assert row is not None
    chain.append(con, "observations", [int(row[0])])
    rollups.touch(con, [int(candidate["claim_id"])])
    return int(row[0])
