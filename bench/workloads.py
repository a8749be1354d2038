"""What the benchmark times: each page's library work, its bare-SQL floor and a plain pandas reference.

Page work replicates the page scripts in dashboard/app_pages/ call for call, with the library
functions the cached wrappers of dashboard/data.py call (so nothing is cached), including building
each figure with dashboard/render/charts.py. Every function returns the figures it computed, so the runner
can check that the page, the SQL floor and pandas agree before it compares their times.

The floor is what this engine needs for the same numbers: the SQL a person would write for each
aggregate, over the same file, returning only the aggregates. The pandas reference is what a
notebook user would write: load the tables with DuckDB's `.df()`, then merge and group.

Over 500 lines: each page's work, its bare-SQL floor and its pandas reference are written out side by side, so
a reader can compare the three computations of one figure in one file.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

TIMELINE_CLAIMS = 60  # as dashboard/app_pages/overview.py
PROGRESS_CLAIMS = 30  # as predictions.overview.PROGRESS_CLAIMS
MAX_TABLE_ROWS = 500  # dashboard/ui.py
BREAKDOWNS = ("claimant", "attribution", "topic")  # dashboard/app_pages/track_record.py
DUE_SOON_DAYS = 90
LOG_CLIP = 0.01


# --- points a figure sends to the browser ---------------------------------------------------------

_ITEM_SIZES = {"f8": 8, "f4": 4, "i4": 4, "u4": 4, "i2": 2, "u2": 2, "i1": 1, "u1": 1, "u1c": 1, "i8": 8, "u8": 8}


def _length(value: Any) -> int:
    if isinstance(value, list | tuple):
        return len(value)
    if isinstance(value, np.ndarray):
        return int(value.shape[0]) if value.ndim else 1
    if isinstance(value, Mapping) and "bdata" in value:  # plotly's typed-array encoding
        shape = value.get("shape")
        if shape:
            return int(str(shape).split(",")[0])
        return len(base64.b64decode(value["bdata"])) // _ITEM_SIZES.get(str(value.get("dtype")), 8)
    return 0


def figure_points(figure: Mapping[str, Any]) -> int:
    """Data points in a figure's JSON: per trace the longest of its data arrays, summed over traces."""
    total = 0
    for trace in figure.get("data", []):
        total += max((_length(trace.get(key)) for key in ("x", "y", "base", "customdata", "text")), default=0)
    return total


def _points(figure: Any) -> int:
    return figure_points(figure.to_plotly_json())


_DRAWING = [0.0]  # seconds spent in dashboard/render/charts.py by the page function running


def _drawn(build: Any, *args: Any, **kwargs: Any) -> Any:
    """A figure built by a charts.py function, its time counted apart (the page work includes it)."""
    start = time.perf_counter()
    figure = build(*args, **kwargs)
    _DRAWING[0] += time.perf_counter() - start
    return figure


# --- page work ------------------------------------------------------------------------------------


class LibraryCalls:
    """The library functions dashboard/data.py's wrappers call, called directly: nothing is cached
    between page runs (make one per run). Within one run it holds what a cold render's first call of a
    scope puts in the wrappers' shared cache of scored forecasts (data._scored), as the page would."""

    def __init__(self, path: Path, today: date) -> None:
        self.path, self.today = path, today
        self._tables: dict[tuple[str | None, str | None], Any] = {}

    def _scored(self, attribution: str | None, forecaster: str | None) -> Any:
        """data._scored: the scored forecasts of one scope, read once per run."""
        from predictions import ledger

        scope = (attribution, forecaster)
        if scope not in self._tables:
            self._tables[scope] = ledger.scored_table(self.path, attribution=attribution, forecaster=forecaster)
        return self._tables[scope]

    @staticmethod
    def _per_call() -> bool:
        """True before the scored forecasts were shared (data.py then called ledger.track_record and
        ledger.score_history once per figure): lets this harness measure the code before the change."""
        from predictions import ledger

        return not hasattr(ledger, "scored_table")

    def claims(self) -> Any:
        from predictions import ledger, overview

        if hasattr(overview, "PROGRESS_CLAIMS"):  # data._claims: the progress chart's observations with it
            return ledger.claim_table(self.path, self.today, progress_claims=overview.PROGRESS_CLAIMS)
        return ledger.claim_table(self.path, self.today)

    def track_record(self, *, folded: bool = False, by: str | None = None, attribution: str | None = None,
                     forecaster: str | None = None) -> Any:  # fmt: skip
        from predictions import ledger, scoring

        if self._per_call():
            return ledger.track_record(
                self.path, self.today, folded=folded, by=by, attribution=attribution, forecaster=forecaster
            )
        return scoring.score_table(self._scored(attribution, forecaster), self.today, folded=folded, by=by)

    def score_history(self, *, attribution: str | None = None, forecaster: str | None = None) -> Any:
        from predictions import ledger, scoring

        if self._per_call():
            return ledger.score_history(self.path, attribution=attribution, forecaster=forecaster)
        return scoring.table_history(self._scored(attribution, forecaster))

    def forecasters(self, search: str | None = None, limit: int = 50) -> Any:
        from predictions import ledger

        return ledger.forecasters(self.path, (search or "").strip() or None, limit)

    def trajectories(self, claim_ids: list[int], table: Any) -> Any:
        """data.trajectories: the claims' fields from the claim table, their observations read."""
        from predictions import ledger

        if not hasattr(ledger, "table_trajectories"):  # before: the claims' rows were read again
            return ledger.threshold_trajectories(self.path, self.today, tuple(claim_ids))
        return ledger.table_trajectories(self.path, table, claim_ids)

    def claim(self, claim_id: int) -> Any:
        from predictions import ledger

        return ledger.get_claim(self.path, claim_id, self.today)

    def amendments(self, claim_id: int) -> Any:
        from predictions import verdicts

        return verdicts.amendments(self.path, claim_id)


class DashboardCalls(LibraryCalls):
    """The cached wrappers themselves (dashboard/data.py, PREDICTIONS_DB pointing at the file): warm
    once they have been called."""

    def claims(self) -> Any:
        from dashboard import data

        return data.claims(self.today)

    def track_record(self, *, folded: bool = False, by: str | None = None, attribution: str | None = None,
                     forecaster: str | None = None) -> Any:  # fmt: skip
        from dashboard import data

        return data.track_record(folded=folded, by=by, attribution=attribution, forecaster=forecaster)

    def score_history(self, *, attribution: str | None = None, forecaster: str | None = None) -> Any:
        from dashboard import data

        return data.score_history(attribution=attribution, forecaster=forecaster)

    def forecasters(self, search: str | None = None, limit: int = 50) -> Any:
        from dashboard import data

        return data.forecasters(search, limit)

    def trajectories(self, claim_ids: list[int], table: Any) -> Any:
        from dashboard import data

        return data.trajectories(claim_ids, self.today)

    def claim(self, claim_id: int) -> Any:
        from dashboard import data

        return data.claim(claim_id, self.today)

    def amendments(self, claim_id: int) -> Any:
        from dashboard import data

        return data.amendments(claim_id)


def overview_page(calls: LibraryCalls) -> dict[str, Any]:
    """dashboard/app_pages/overview.py without filters."""
    from dashboard import ui
    from dashboard.render import charts
    from predictions import overview

    _DRAWING[0] = 0.0
    today = calls.today
    rows = calls.claims()
    options = overview.filter_options(rows)
    claim_filter = overview.ClaimFilter()
    mask = claim_filter.mask(rows)
    head = overview.headline(rows, today, mask=mask)
    if hasattr(overview, "brier_of"):  # the page reads the author's Brier score from the claims' rollups
        author = overview.brier_of(rows, "author")
    else:  # before: from the author's scored forecasts (lets this harness measure the code before the change)
        author = calls.track_record(attribution="author")
    on_timeline = overview.timeline_index(rows, mask, today, TIMELINE_CLAIMS)
    timeline = _drawn(
        charts.timeline_figure, rows.rows(on_timeline), today, limit=TIMELINE_CLAIMS, total=head.claims - head.undated
    )
    progress_ids = [
        int(rows.ids[i]) for i in overview.progress_index(rows, mask, today, getattr(overview, "PROGRESS_CLAIMS", 30))
    ]
    trajectories = calls.trajectories(progress_ids, rows)
    progress = _drawn(charts.progress_figure, trajectories, today) if trajectories else None
    listed = np.flatnonzero(mask)
    table = ui.claims_frame(rows.rows(listed[:MAX_TABLE_ROWS]))
    return {
        "claims": head.claims,
        "open": head.open,
        "due_soon": head.due_soon,
        "overdue": head.overdue,
        "resolved": head.resolved,
        "not_checkable": head.not_checkable,
        "by_status": dict(head.by_status),
        "author_n": author.n,
        "author_brier": author.brier,
        "topics": len(options.topics),
        "claimants": len(options.claimants),
        "table_rows": len(table),
        "points": {"timeline": _points(timeline), "progress": _points(progress) if progress else 0},
        "figures_s": _DRAWING[0],
    }


def claim_page(calls: LibraryCalls, claim_id: int) -> dict[str, Any]:
    """dashboard/app_pages/claim.py for one claim id."""
    from dashboard import ui
    from dashboard.render import charts
    from predictions import ledger, overview
    from predictions.claim_page import claim_page as page_model

    _DRAWING[0] = 0.0
    today = calls.today
    detail = calls.claim(claim_id)
    row = detail.view.as_json()
    status = row["status"]
    page = page_model(detail, today)  # the facts, badge, status line and withdrawal
    current, brier, reason = page.resolution, page.brier, page.status_line
    labels = (overview.source_label(row) if row["source"] else None, ui.claim_url(row["id"]))
    # The corrections: read with the claim since issue 18, before in a unit of work of their own.
    corrections = detail.amendments if hasattr(detail, "amendments") else calls.amendments(claim_id)
    points: dict[str, int] = {}
    trajectory = ledger.claim_trajectory(detail)
    if trajectory is not None:
        points["metric"] = _points(_drawn(charts.claim_metric_figure, trajectory, today, current, status))
    points["confidence"] = _points(
        _drawn(charts.confidence_figure, detail.forecasts, today, detail.view["deadline"], current, status)
    )
    evidence = [
        {"observed on": o["observed_on"].isoformat(), "value": o["value"], "note": o["note"] or "",
         "source": ui.safe_url(o["source_url"])}
        for o in detail.observations
    ]  # fmt: skip
    forecasts = [
        {"made at": f"{f['made_at']:%Y-%m-%d %H:%M}", "forecaster": f["forecaster"],
         "probability": round(100 * float(f["probability"])), "basis": f["basis"], "note": f["note"] or ""}
        for f in detail.forecasts
    ]  # fmt: skip
    resolutions = [
        {"resolved on": r["resolved_on"].isoformat(), "outcome": r["outcome"], "undone": bool(r["undone_at"])}
        for r in detail.resolutions
    ]
    return {
        "status": status,
        "observations": len(evidence),
        "forecasts": len(forecasts),
        "resolutions": len(resolutions),
        "probability": row["probability"],
        "labels": len(labels),
        "corrections": len(corrections),
        "reason": bool(reason) and (brier is None or brier >= 0),
        "points": points,
        "figures_s": _DRAWING[0],
    }


def track_record_page(calls: LibraryCalls, *, pick_largest: bool = False) -> dict[str, Any]:
    """dashboard/app_pages/track_record.py with its defaults: the author's record, unfolded, the
    three breakdown tabs (all of them run) and the forecaster list; with `pick_largest`, the reader
    then picks the forecaster with the most forecasts (the page reads nobody's record unasked)."""
    from dashboard.render import charts

    _DRAWING[0] = 0.0
    attribution, folded = "author", False
    points: dict[str, int] = {}
    score = calls.track_record(folded=folded, attribution=attribution)
    points["calibration"] = _points(_drawn(charts.calibration_figure, score.calibration, folded, "Calibration"))
    history = calls.score_history(attribution=attribution)
    points["history"] = _points(_drawn(charts.score_history_figure, history, "Brier score over time"))
    by_n: dict[str, dict[str, int]] = {}
    by_brier: dict[str, dict[str, float | None]] = {}
    tables: dict[str, int] = {}
    for grouping in BREAKDOWNS:
        by = calls.track_record(by=grouping, attribution=attribution).by
        if by:
            points[f"by_{grouping}"] = _points(_drawn(charts.breakdown_figure, by, grouping))
            table = [{"name": name, "n": s.n, "Brier": s.brier, "log score": s.log_score} for name, s in by.items()]
            tables[grouping] = len(table)
        by_n[grouping] = {name: s.n for name, s in by.items()}
        by_brier[grouping] = {name: s.brier for name, s in by.items()}
    matches = calls.forecasters("", limit=50)
    top = matches[0][0] if matches else None
    theirs = None
    if top is not None and pick_largest:
        theirs = calls.track_record(forecaster=top, folded=folded)
        if theirs.n:
            points["forecaster_calibration"] = _points(
                _drawn(charts.calibration_figure, theirs.calibration, folded, top)
            )
            their_history = calls.score_history(forecaster=top)
            points["forecaster_history"] = _points(_drawn(charts.score_history_figure, their_history, top))
    return {
        "n": score.n,
        "brier": score.brier,
        "log_score": score.log_score,
        "calibration_n": [b.n for b in score.calibration],
        "history_points": len(history),
        "history_last": history[-1].brier if history else None,
        "by_n": by_n,
        "by_brier": by_brier,
        "top_forecaster": top,
        "top_forecasts": matches[0][1] if matches else 0,
        "top_n": theirs.n if theirs else 0,
        "top_brier": theirs.brier if theirs else None,
        "tables": tables,
        "points": points,
        "figures_s": _DRAWING[0],
    }


# --- bare SQL floors ------------------------------------------------------------------------------

_OUTCOME = "CASE r.outcome WHEN 'true' THEN 1.0 WHEN 'false' THEN 0.0 ELSE CASE WHEN c.partial_credit THEN r.fraction ELSE 0.0 END END"  # noqa: E501
_CURRENT = """(SELECT * FROM resolutions r0 WHERE NOT EXISTS (SELECT 1 FROM resolution_undos u WHERE u.resolution_id = r0.id)
               QUALIFY row_number() OVER (PARTITION BY r0.claim_id ORDER BY r0.id DESC) = 1)"""  # noqa: E501


def _scored(where: str) -> str:
    return f"""SELECT f.probability AS p, {_OUTCOME} AS o, f.forecaster, c.claimant, c.attribution, c.tags,
                      c.deadline, r.resolved_on
               FROM forecasts f JOIN claims c ON c.id = f.claim_id JOIN {_CURRENT} r ON r.claim_id = c.id
               WHERE r.outcome IN ('true', 'false', 'partial') {where}"""


_CLIPPED = "greatest(least(p, 1 - 0.01), 0.01)"
_SCORE = f"count(*) AS n, avg((p - o) * (p - o)) AS brier, avg(o * ln({_CLIPPED}) + (1 - o) * ln(1 - {_CLIPPED})) AS log_score"  # noqa: E501
_BIN = "least(greatest(floor(p * 10), 0), 9)"


def _floor_score(con: duckdb.DuckDBPyConnection, where: str, params: list[Any], today: date) -> dict[str, Any]:
    scored = _scored(where)
    n, brier, log = con.execute(f"SELECT {_SCORE} FROM ({scored})", params).fetchone() or (0, None, None)
    bins = con.execute(
        f"SELECT {_BIN} AS b, count(*), sum(o), avg(p) FROM ({scored}) WHERE deadline < ? GROUP BY b ORDER BY b",
        [*params, today],
    ).fetchall()
    counts = [0] * 10
    for b, count, _hits, _mean in bins:
        counts[int(b)] = int(count)
    return {"n": int(n), "brier": brier, "log_score": log, "calibration_n": counts}


def _floor_history(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[tuple[Any, ...]]:
    return con.execute(
        f"""SELECT resolved_on, sum(count(*)) OVER w AS n, sum(sum((p - o) * (p - o))) OVER w / sum(count(*)) OVER w
            FROM ({_scored(where)}) GROUP BY resolved_on WINDOW w AS (ORDER BY resolved_on) ORDER BY resolved_on""",
        params,
    ).fetchall()


def track_record_floor(path: Path, today: date, *, pick_largest: bool = False) -> dict[str, Any]:
    """The page's aggregates as SQL, one statement per figure, in one read-only connection (with
    `pick_largest`, the largest forecaster's score and history too, as track_record_page)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        author = "AND c.attribution = ?"
        score = _floor_score(con, author, ["author"], today)
        history = _floor_history(con, author, ["author"])
        by_n: dict[str, dict[str, int]] = {}
        by_brier: dict[str, dict[str, float]] = {}
        for grouping in BREAKDOWNS:
            column = (
                "unnest(CASE WHEN len(tags) = 0 THEN ['(none)'] ELSE tags END)" if grouping == "topic" else grouping
            )
            rows = con.execute(
                f"""SELECT grp, count(*), avg((p - o) * (p - o)) FROM (SELECT {column} AS grp, p, o
                    FROM ({_scored(author)})) GROUP BY grp ORDER BY count(*) DESC, grp""",
                ["author"],
            ).fetchall()
            by_n[grouping] = {str(g): int(n) for g, n, _b in rows}
            by_brier[grouping] = {str(g): b for g, _n, b in rows}
        top = con.execute(
            "SELECT forecaster, count(*) AS n FROM forecasts GROUP BY forecaster ORDER BY n DESC, forecaster LIMIT 50"
        ).fetchall()
        theirs: dict[str, Any] = {"n": 0, "brier": None}
        if top and pick_largest:
            theirs = _floor_score(con, "AND f.forecaster = ?", [top[0][0]], today)
            _floor_history(con, "AND f.forecaster = ?", [top[0][0]])
    finally:
        con.close()
    return {
        **score,
        "history_points": len(history),
        "history_last": history[-1][2] if history else None,
        "by_n": by_n,
        "by_brier": by_brier,
        "top_forecaster": top[0][0] if top else None,
        "top_forecasts": int(top[0][1]) if top else 0,
        "top_n": theirs["n"],
        "top_brier": theirs["brier"],
    }


def overview_floor(path: Path, today: date) -> dict[str, Any]:
    """The columns the overview's figures come from, read and counted in SQL: the latest forecast and
    the observation statistics of every claim (what the status is projected from), counts by state,
    the author's Brier score, the timeline's claims, the progress chart's observations and the table."""
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    con = duckdb.connect(str(path), read_only=True)
    try:
        counts = con.execute(
            f"""WITH latest AS (
                    SELECT claim_id, arg_max(probability, made_at) AS probability FROM forecasts GROUP BY claim_id
                ), stats AS (
                    SELECT claim_id, count(*) AS n, arg_max(value, observed_on) AS last_value,
                           regr_slope(value, date_diff('day', DATE '1970-01-01', observed_on)) AS slope,
                           regr_intercept(value, date_diff('day', DATE '1970-01-01', observed_on)) AS intercept
                    FROM observations GROUP BY claim_id
                ), state AS (
                    SELECT c.deadline, l.probability, s.last_value, s.slope, s.intercept,
                           CASE WHEN r.outcome IS NOT NULL THEN 'resolved'
                                WHEN c.deadline IS NULL THEN 'not checkable'
                                WHEN c.deadline < ? THEN 'overdue' ELSE 'open' END AS state
                    FROM claims c LEFT JOIN latest l ON l.claim_id = c.id LEFT JOIN stats s ON s.claim_id = c.id
                    LEFT JOIN {_CURRENT} r ON r.claim_id = c.id
                )
                SELECT count(*), count(*) FILTER (WHERE state IN ('open', 'not checkable')),
                       count(*) FILTER (WHERE state = 'open' AND deadline BETWEEN ? AND ?),
                       count(*) FILTER (WHERE state = 'overdue'), count(*) FILTER (WHERE state = 'resolved'),
                       count(*) FILTER (WHERE state = 'not checkable'),
                       sum(probability), sum(last_value), sum(slope), sum(intercept)
                FROM state""",
            [today, today, horizon],
        ).fetchone()
        assert counts is not None
        author = con.execute(f"SELECT {_SCORE} FROM ({_scored('AND c.attribution = ?')})", ["author"]).fetchone()
        assert author is not None
        options = con.execute(
            "SELECT count(DISTINCT claimant), (SELECT count(DISTINCT t) FROM (SELECT unnest(tags) AS t FROM claims)) "
            "FROM claims"
        ).fetchone()
        assert options is not None
        nearest = con.execute(
            """SELECT id, statement, made_on, deadline FROM claims WHERE deadline IS NOT NULL
               ORDER BY abs(date_diff('day', ?, deadline)), id LIMIT ?""",
            [today, TIMELINE_CLAIMS],
        ).fetchall()
        progress = con.execute(
            """SELECT o.claim_id, o.observed_on, o.value FROM observations o WHERE o.claim_id IN (
                   SELECT id FROM claims WHERE deadline IS NOT NULL AND kind = 'threshold' AND target IS NOT NULL
                   ORDER BY abs(date_diff('day', ?, deadline)), id LIMIT ?)
               ORDER BY o.claim_id, o.observed_on""",
            [today, PROGRESS_CLAIMS],
        ).fetchall()
        table = con.execute(
            "SELECT id, statement, claimant, attribution, deadline, tags FROM claims ORDER BY id LIMIT ?",
            [MAX_TABLE_ROWS],
        ).fetchall()
    finally:
        con.close()
    return {
        "claims": int(counts[0]),
        "open": int(counts[1]),
        "due_soon": int(counts[2]),
        "overdue": int(counts[3]),
        "resolved": int(counts[4]),
        "not_checkable": int(counts[5]),
        "author_n": int(author[0]),
        "author_brier": author[1],
        "claimants": int(options[0]),
        "topics": int(options[1]),
        "timeline_rows": len(nearest),
        "progress_rows": len(progress),
        "table_rows": len(table),
    }


def claim_floor(path: Path, claim_id: int) -> dict[str, Any]:
    """The claim page's rows by `claim_id = ?`: the claim with its source, latest forecast and
    resolution in force, then its observations, forecasts, resolution history and corrections."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        claim = con.execute(
            """SELECT c.*, s.title, (SELECT probability FROM forecasts WHERE claim_id = ? ORDER BY made_at DESC, id DESC
                                     LIMIT 1) AS probability
               FROM claims c LEFT JOIN sources s ON s.id = c.source_id WHERE c.id = ?""",
            [claim_id, claim_id],
        ).fetchone()
        observations = con.execute(
            "SELECT * FROM observations WHERE claim_id = ? ORDER BY observed_on, id", [claim_id]
        ).fetchall()
        forecasts = con.execute(
            "SELECT * FROM forecasts WHERE claim_id = ? ORDER BY made_at, id", [claim_id]
        ).fetchall()
        resolutions = con.execute(
            """SELECT r.*, u.undone_at FROM resolutions r LEFT JOIN resolution_undos u ON u.resolution_id = r.id
               WHERE r.claim_id = ? ORDER BY r.id""",
            [claim_id],
        ).fetchall()
        corrections = con.execute(
            "SELECT * FROM claim_amendments WHERE claim_id = ? ORDER BY id", [claim_id]
        ).fetchall()
    finally:
        con.close()
    assert claim is not None
    return {
        "observations": len(observations),
        "forecasts": len(forecasts),
        "resolutions": len(resolutions),
        "corrections": len(corrections),
        "probability": claim[-1],
    }


# --- pandas references ----------------------------------------------------------------------------


def _frames(path: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "claims": con.sql(
                "SELECT id, claimant, attribution, kind, made_on, deadline, tags, target, baseline, baseline_on, "
                "comparator, partial_credit FROM claims"
            ).df(),
            "forecasts": con.sql("SELECT id, claim_id, forecaster, probability, made_at FROM forecasts").df(),
            "observations": con.sql("SELECT id, claim_id, observed_on, value FROM observations").df(),
            "resolutions": con.sql("SELECT id, claim_id, outcome, fraction, resolved_on FROM resolutions").df(),
            "undos": con.sql("SELECT resolution_id FROM resolution_undos").df(),
        }
    finally:
        con.close()


def _current_resolutions(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    resolutions = frames["resolutions"]
    kept = resolutions[~resolutions["id"].isin(frames["undos"]["resolution_id"])]
    return kept.sort_values("id").groupby("claim_id", as_index=False).last()


def _scored_frame(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    current = _current_resolutions(frames)
    current = current[current["outcome"].isin(["true", "false", "partial"])]
    scored = frames["forecasts"].merge(frames["claims"], left_on="claim_id", right_on="id", suffixes=("", "_claim"))
    scored = scored.merge(current[["claim_id", "outcome", "fraction", "resolved_on"]], on="claim_id")
    partial = np.where(scored["partial_credit"], scored["fraction"].fillna(0.0), 0.0)
    scored["o"] = np.select([scored["outcome"] == "true", scored["outcome"] == "false"], [1.0, 0.0], default=partial)
    scored["error"] = (scored["probability"] - scored["o"]) ** 2
    p = scored["probability"].clip(LOG_CLIP, 1 - LOG_CLIP)
    scored["log"] = scored["o"] * np.log(p) + (1 - scored["o"]) * np.log(1 - p)
    return scored


def _pandas_score(scored: pd.DataFrame, today: date) -> dict[str, Any]:
    passed = scored[scored["deadline"].notna() & (pd.to_datetime(scored["deadline"]) < pd.Timestamp(today))]
    bins = np.clip(np.floor(passed["probability"] * 10), 0, 9).astype(int)
    counts = passed.groupby(bins)["o"].agg(["count", "sum"])
    return {
        "n": len(scored),
        "brier": float(scored["error"].mean()) if len(scored) else None,
        "log_score": float(scored["log"].mean()) if len(scored) else None,
        "calibration_n": [int(counts["count"].get(i, 0)) for i in range(10)],
    }


def track_record_pandas(
    path: Path, today: date, frames: Mapping[str, pd.DataFrame] | None = None, *, pick_largest: bool = False
) -> dict[str, Any]:
    """The track record page's figures in pandas (tables loaded here unless given), as track_record_page."""
    frames = frames if frames is not None else _frames(path)
    scored = _scored_frame(frames)
    author = scored[scored["attribution"] == "author"]
    score = _pandas_score(author, today)
    daily = author.groupby("resolved_on")["error"].agg(["sum", "count"]).sort_index().cumsum()
    history_last = float(daily["sum"].iloc[-1] / daily["count"].iloc[-1]) if len(daily) else None
    by_n: dict[str, dict[str, int]] = {}
    by_brier: dict[str, dict[str, float]] = {}
    for grouping in BREAKDOWNS:
        frame = author
        if grouping == "topic":
            frame = author.assign(topic=author["tags"].map(lambda t: list(t) if len(t) else ["(none)"])).explode(
                "topic"
            )
        grouped = frame.groupby(grouping)["error"].agg(["count", "mean"])
        by_n[grouping] = {str(k): int(v) for k, v in grouped["count"].items()}
        by_brier[grouping] = {str(k): float(v) for k, v in grouped["mean"].items()}
    counts = frames["forecasts"]["forecaster"].value_counts()
    top_count = int(counts.iloc[0]) if len(counts) else 0
    top = min(counts.index[counts == top_count]) if len(counts) else None
    theirs: dict[str, Any] = {"n": 0, "brier": None}
    if top is not None and pick_largest:
        theirs = _pandas_score(scored[scored["forecaster"] == top], today)
    return {
        **score,
        "history_points": len(daily),
        "history_last": history_last,
        "by_n": by_n,
        "by_brier": by_brier,
        "top_forecaster": top,
        "top_forecasts": top_count,
        "top_n": theirs["n"],
        "top_brier": theirs["brier"],
    }


def overview_pandas(path: Path, today: date, frames: Mapping[str, pd.DataFrame] | None = None) -> dict[str, Any]:
    """The overview's headline in pandas, statuses included: latest forecast, least-squares line through
    each threshold claim's observations projected to its deadline, the resolution in force."""
    frames = frames if frames is not None else _frames(path)
    claims = frames["claims"].rename(columns={"id": "claim_id"})
    forecasts = frames["forecasts"].sort_values(["made_at", "id"])
    latest = forecasts.groupby("claim_id", as_index=False)["probability"].last()
    observations = frames["observations"].dropna(subset=["value"]).copy()
    observations["x"] = (pd.to_datetime(observations["observed_on"]) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    observations["xy"] = observations["x"] * observations["value"]
    observations["xx"] = observations["x"] * observations["x"]
    stats = observations.groupby("claim_id").agg(
        n=("x", "size"), sx=("x", "sum"), sy=("value", "sum"), sxy=("xy", "sum"), sxx=("xx", "sum")
    )
    last = (
        observations.sort_values(["observed_on", "id"])
        .groupby("claim_id")
        .agg(last_value=("value", "last"), last_on=("observed_on", "last"))
    )
    counted = frames["observations"].groupby("claim_id").size().rename("n_observations")
    table = claims.merge(latest, on="claim_id", how="left").merge(
        _current_resolutions(frames)[["claim_id", "outcome"]], on="claim_id", how="left"
    )
    table = table.join(stats, on="claim_id").join(last, on="claim_id").join(counted, on="claim_id")
    deadline = pd.to_datetime(table["deadline"])
    now = pd.Timestamp(today)
    x_deadline = (deadline - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    n = table["n"].fillna(0)
    variance = table["sxx"] - table["sx"] ** 2 / n.where(n > 0)
    slope = (table["sxy"] - table["sx"] * table["sy"] / n.where(n > 0)) / variance
    intercept = (table["sy"] - slope * table["sx"]) / n.where(n > 0)
    fitted = (n >= 2) & (variance > 1e-9 * table["sxx"].abs())
    x_last = (pd.to_datetime(table["last_on"]) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    x_base = (pd.to_datetime(table["baseline_on"]) - pd.Timestamp("1970-01-01")).dt.days.astype(float)
    through_base = ~fitted & table["last_value"].notna() & table["baseline"].notna() & (x_base != x_last)
    projected = np.where(
        fitted,
        intercept + slope * x_deadline,
        np.where(
            through_base,
            table["last_value"] + (table["last_value"] - table["baseline"]) / (x_last - x_base) * (x_deadline - x_last),
            table["last_value"],
        ),
    )
    comparator = table["comparator"].fillna(">=")
    target = table["target"]
    meets = np.select(
        [comparator == ">", comparator == "<=", comparator == "<"],
        [projected > target, projected <= target, projected < target],
        default=projected >= target,
    )
    start = table["baseline"].fillna(0.0)
    share = np.where(target - start == 0, np.where(meets, 1.0, 0.0), (projected - start) / (target - start))
    has_projection = ~np.isnan(projected)
    is_threshold = table["kind"] == "threshold"
    seen = table["n_observations"].fillna(0) > 0
    status = np.select(
        [
            table["outcome"].notna(),
            deadline.isna(),
            deadline < now,
            is_threshold & ~has_projection,
            is_threshold & meets,
            is_threshold & (share >= 0.8),
            is_threshold,
            seen,  # a binary claim: evidence or not, never judged by its probability
        ],
        [
            "resolved " + table["outcome"].fillna(""),
            "not checkable",
            "awaiting verdict",
            "no data",
            "on track",
            "at risk",
            "behind",
            "has evidence",
        ],
        default="open",
    )
    states = np.where(
        np.char.startswith(status.astype(str), "resolved"),
        "resolved",
        np.where(status == "awaiting verdict", "overdue", "open"),
    )
    horizon = pd.Timestamp(today + timedelta(days=DUE_SOON_DAYS))
    scored = _scored_frame(frames)
    author = scored[scored["attribution"] == "author"]
    by_status = pd.Series(status).value_counts()
    return {
        "claims": len(table),
        "open": int((states == "open").sum()),
        "due_soon": int(((states == "open") & (deadline >= now) & (deadline <= horizon)).sum()),
        "overdue": int((states == "overdue").sum()),
        "resolved": int((states == "resolved").sum()),
        "not_checkable": int((status == "not checkable").sum()),
        "by_status": {str(k): int(v) for k, v in by_status.items()},
        "author_n": len(author),
        "author_brier": float(author["error"].mean()) if len(author) else None,
        "claimants": int(claims["claimant"].nunique()),
        "topics": int(claims["tags"].explode().dropna().nunique()),
    }


def close(a: float | None, b: float | None, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def busiest_claim(path: Path) -> int:
    """The claim page's subject: the claim with the most observations (else forecasts), lowest id first."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        for table in ("observations", "forecasts"):
            row = con.execute(
                f"SELECT claim_id FROM {table} GROUP BY claim_id ORDER BY count(*) DESC, claim_id LIMIT 1"
            ).fetchone()
            if row:
                return int(row[0])
        row = con.execute("SELECT min(id) FROM claims").fetchone()
        return int(row[0]) if row and row[0] is not None else 1
    finally:
        con.close()
