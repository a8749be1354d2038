"""Scoring (docs/architecture.md §4), checked against hand-computed examples and an independent computation: plain
SQL over the database file and a Python loop over the generated ground truth, to 1e-9.

The fixture ledger is generated with random.Random(42): 200 claims, about 1000 forecasts by five
forecasters, outcomes true/false/partial (with and without partial credit)/ambiguous/open, superseded
and undone resolutions, forecasts after the deadline and on the deadline day.
"""

from __future__ import annotations

import itertools
import json
import math
import random
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from statistics import NormalDist
from typing import Any

import duckdb
import numpy as np
import pytest

from predictions import imports, ledger
from predictions.scoring import brier_score, calibration, log_score, wilson_interval

FORECASTERS = ("pascal", "ehang", "ministry", "analyst-a", "analyst-b")
TAGS = ("ai", "mobility", "energy", "policy", "health")
ATTRIBUTIONS = ("author", "reported_projection", "official_target", "third_party_forecast")
EDGE_PROBABILITIES = (0.0, 1.0, 0.5, 0.1, 0.3, 0.7, 0.9, 0.05, 0.95, 0.45, 0.55)
TOL = 1e-9


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "predictions.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def score_json(db: Path, *flags: str) -> dict[str, Any]:
    result = run("score", "--json", "--db", str(db), *flags)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- the independent reference -----------------------------------------------------------------------


@dataclass
class Row:
    """One scored forecast as the ground truth says it should be scored."""

    probability: float
    outcome: float
    forecaster: str
    claimant: str
    attribution: str
    tags: tuple[str, ...]
    deadline: date | None
    made_at: datetime
    order: int  # position in the claim's forecast list: the later one wins a tie in made_at


def reference_rows(document: dict[str, Any], *, latest: bool = False) -> list[Row]:
    """Plain Python over the generated document: no SQL, no numpy, no library code."""
    rows: list[Row] = []
    for claim in document["claims"]:
        in_force = [r for r in claim["resolutions"] if not r["undone"]]
        if not in_force:
            continue
        resolution = in_force[-1]  # latest wins
        if resolution["outcome"] == "ambiguous":
            continue
        if resolution["outcome"] == "partial":
            outcome = resolution["fraction"] if claim["partial_credit"] else 0.0
        else:
            outcome = 1.0 if resolution["outcome"] == "true" else 0.0
        deadline = date.fromisoformat(claim["deadline"]) if claim["deadline"] else None
        claim_rows = [
            Row(
                f["probability"],
                outcome,
                f["forecaster"],
                claim["claimant"],
                claim["attribution"],
                tuple(claim["tags"]),
                deadline,
                datetime.fromisoformat(f["made_at"]),
                i,
            )
            for i, f in enumerate(claim["forecasts"])
        ]
        if latest:
            last: dict[str, Row] = {}
            for row in claim_rows:
                if deadline is not None and row.made_at.date() > deadline:
                    continue  # only forecasts made before the deadline (the deadline day included)
                best = last.get(row.forecaster)
                if best is None or (row.made_at, row.order) > (best.made_at, best.order):
                    last[row.forecaster] = row
            claim_rows = list(last.values())
        rows.extend(claim_rows)
    return rows


def reference_brier(rows: list[Row]) -> float | None:
    if not rows:
        return None
    return sum((r.probability - r.outcome) ** 2 for r in rows) / len(rows)


def reference_log(rows: list[Row]) -> float | None:
    if not rows:
        return None
    total = 0.0
    for r in rows:
        p = min(max(r.probability, 0.01), 0.99)
        total += r.outcome * math.log(p) + (1 - r.outcome) * math.log(1 - p)
    return total / len(rows)


Z = NormalDist().inv_cdf(0.975)


def reference_wilson(hits: float, n: int) -> tuple[float, float]:
    """Wilson score interval, written out from the textbook formula."""
    p = hits / n
    centre = p + Z**2 / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return max(0.0, (centre - spread) / (1 + Z**2 / n)), min(1.0, (centre + spread) / (1 + Z**2 / n))


def reference_calibration(rows: list[Row], today: date, *, folded: bool) -> list[dict[str, Any]]:
    lows = [0.5, 0.6, 0.7, 0.8, 0.9] if folded else [k / 10 for k in range(10)]
    members: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(lows))}
    for r in rows:
        if r.deadline is None or r.deadline >= today:
            continue  # only claims whose deadline has passed
        p, o = r.probability, r.outcome
        if folded and p < 0.5:
            p, o = 1 - p, 1 - o
        index = max(i for i, low in enumerate(lows) if p >= low)
        members[index].append((p, o))
    bins = []
    for i, low in enumerate(lows):
        pairs = members[i]
        n = len(pairs)
        hits = sum(o for _, o in pairs)
        interval = reference_wilson(hits, n) if n else (None, None)
        bins.append(
            {
                "low": low,
                "high": round(low + 0.1, 1),
                "n": n,
                "hits": hits,
                "mean_probability": sum(p for p, _ in pairs) / n if n else None,
                "hit_rate": hits / n if n else None,
                "wilson_low": interval[0],
                "wilson_high": interval[1],
            }
        )
    return bins


def assert_close(actual: float | None, expected: float | None) -> None:
    if expected is None:
        assert actual is None
    else:
        assert actual is not None
        assert actual == pytest.approx(expected, abs=TOL, rel=TOL)


def assert_calibration(actual: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert (got["low"], got["high"], got["n"]) == pytest.approx((want["low"], want["high"], want["n"]))
        for key in ("hits", "mean_probability", "hit_rate", "wilson_low", "wilson_high"):
            assert_close(got[key], want[key])


def assert_score(actual: dict[str, Any], rows: list[Row], today: date, *, folded: bool) -> None:
    assert actual["n"] == len(rows)
    assert_close(actual["brier"], reference_brier(rows))
    assert_close(actual["log_score"], reference_log(rows))
    assert_calibration(actual["calibration"], reference_calibration(rows, today, folded=folded))


# --- the fixture ledger ------------------------------------------------------------------------------


def generate_ledger(seed: int = 42, n_claims: int = 200) -> dict[str, Any]:
    """An export document (the JSON import format) with every case the scoring rules distinguish."""
    rng = random.Random(seed)
    today = date.today()
    claims = []
    for i in range(n_claims):
        made_on = today - timedelta(days=rng.randint(60, 1500))
        deadline = None if rng.random() < 0.1 else made_on + timedelta(days=rng.randint(0, 1200))
        attribution = rng.choice(ATTRIBUTIONS)
        claimant = "pascal" if attribution == "author" else rng.choice(FORECASTERS[1:])
        partial_credit = rng.random() < 0.3
        resolved_on = (deadline or made_on + timedelta(days=30)).isoformat()

        def resolution(outcome: str, undone: bool = False, resolved_on: str = resolved_on) -> dict[str, Any]:
            fraction = round(rng.random(), 3) if outcome == "partial" else None
            return {"outcome": outcome, "resolved_on": resolved_on, "fraction": fraction, "undone": undone}

        outcome = rng.choices(["true", "false", "partial", "ambiguous", None], weights=[35, 35, 10, 7, 13])[0]
        resolutions = []
        if outcome is not None:
            history = rng.random()
            if history < 0.15:  # superseded by a later resolution
                resolutions.append(resolution(rng.choice(["true", "false", "ambiguous"])))
                resolutions.append(resolution(outcome))
            elif history < 0.25:  # the latest one was undone: the one before is in force again
                resolutions.append(resolution(outcome))
                resolutions.append(resolution(rng.choice(["true", "false", "partial", "ambiguous"]), undone=True))
            else:
                resolutions.append(resolution(outcome))
        elif rng.random() < 0.3:  # resolved and then undone: open again
            resolutions.append(resolution(rng.choice(["true", "false"]), undone=True))

        forecasts = []
        span = (deadline - made_on).days + 60 if deadline else 400
        for _ in range(rng.choices([0, 1, 3, 5, 8, 10], weights=[5, 15, 25, 25, 20, 10])[0]):
            forecaster = rng.choice(FORECASTERS)
            if rng.random() < 0.3:
                probability = rng.choice(EDGE_PROBABILITIES)
            else:
                probability = round(rng.random(), rng.choice([1, 2, 3]))
            if deadline is not None and rng.random() < 0.1:  # on the deadline day, or just after it
                made_at = datetime.combine(deadline, rng.choice([time(23, 59), time(0, 0)]))
                made_at += timedelta(days=rng.choice([0, 1]))
            else:
                made_at = datetime.combine(made_on, time(0, 0)) + timedelta(hours=rng.randint(0, span * 24))
            if forecasts and rng.random() < 0.05:  # the same forecaster twice at the same time
                forecaster, made_at = forecasts[-1]["forecaster"], datetime.fromisoformat(forecasts[-1]["made_at"])
            forecasts.append(
                {
                    "probability": probability,
                    "forecaster": forecaster,
                    "made_at": made_at.isoformat(),
                    "basis": "stated",
                }
            )
        claims.append(
            {
                "external_id": f"fixture:{i}",
                "statement": f"Fixture claim number {i}",
                "claimant": claimant,
                "attribution": attribution,
                "kind": "binary",
                "made_on": made_on.isoformat(),
                "deadline": deadline.isoformat() if deadline else None,
                "deadline_precision": "day" if deadline else None,
                "tags": rng.sample(TAGS, rng.choice([0, 1, 1, 2, 3])),
                "partial_credit": partial_credit,
                "flags": [] if deadline else ["not_checkable"],
                "forecasts": forecasts,
                "resolutions": resolutions,
            }
        )
    return {"format": imports.JSON_FORMAT, "claims": claims}


@pytest.fixture(scope="module")
def fixture_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    document = generate_ledger()
    path = tmp_path_factory.mktemp("scoring") / "fixture.duckdb"
    imports.import_text(path, json.dumps(document), "json", "fixture")
    return path, document


def test_the_fixture_covers_every_case(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    _, document = fixture_ledger
    claims = document["claims"]
    forecasts = [f for c in claims for f in c["forecasts"]]
    assert len(claims) == 200 and 800 <= len(forecasts) <= 1300
    in_force = [[r for r in c["resolutions"] if not r["undone"]] for c in claims]
    outcomes = {r[-1]["outcome"] for r in in_force if r}
    assert outcomes == {"true", "false", "partial", "ambiguous"}
    assert any(not r and c["resolutions"] for r, c in zip(in_force, claims, strict=True))  # undone → open
    assert any(c["resolutions"] and c["resolutions"][-1]["undone"] and r for r, c in zip(in_force, claims, strict=True))
    assert any(
        r and r[-1]["outcome"] == "partial" and c["partial_credit"] for r, c in zip(in_force, claims, strict=True)
    )
    after = [c for c in claims if c["deadline"] and any(f["made_at"][:10] > c["deadline"] for f in c["forecasts"])]
    assert after, "some forecasts come after the deadline"
    assert set(EDGE_PROBABILITIES) <= {f["probability"] for f in forecasts}


# --- hand-computed examples --------------------------------------------------------------------------


def test_two_forecasts_by_hand() -> None:
    p, o = np.array([0.8, 0.3]), np.array([1.0, 0.0])
    assert brier_score(p, o) == pytest.approx((0.04 + 0.09) / 2)
    assert brier_score(p, o) == pytest.approx(0.065)
    assert log_score(p, o) == pytest.approx((math.log(0.8) + math.log(0.7)) / 2)
    assert brier_score(np.array([]), np.array([])) is None and log_score(np.array([]), np.array([])) is None


def test_certain_and_wrong_costs_the_clipped_log() -> None:
    assert log_score(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == pytest.approx(math.log(0.01))
    assert log_score(np.array([1.0]), np.array([1.0])) == pytest.approx(math.log(0.99))
    assert brier_score(np.array([0.0, 1.0]), np.array([1.0, 0.0])) == 1.0


def test_wilson_interval_by_hand() -> None:
    low, high = wilson_interval(8, 10) or (0.0, 0.0)
    assert (low, high) == pytest.approx((0.4902, 0.9433), abs=1e-4)  # textbook values for 8 of 10
    assert wilson_interval(0, 5) == pytest.approx((0.0, reference_wilson(0, 5)[1]))
    assert wilson_interval(5, 5) == pytest.approx((reference_wilson(5, 5)[0], 1.0))
    assert wilson_interval(0, 0) is None
    for hits, n in [(1, 3), (7, 20), (2.5, 4), (50, 51)]:
        assert wilson_interval(hits, n) == pytest.approx(reference_wilson(hits, n), abs=TOL)


def test_calibration_bins_by_hand() -> None:
    p = np.array([0.0, 0.1, 0.15, 0.3, 0.7, 0.7, 0.95, 1.0])
    o = np.array([0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0])
    bins = calibration(p, o)
    assert [b.n for b in bins] == [1, 2, 0, 1, 0, 0, 0, 2, 0, 2]  # a bin is [low, high); 1.0 goes in the last
    assert bins[1].hits == 1 and bins[1].mean_probability == pytest.approx(0.125) and bins[1].hit_rate == 0.5
    assert bins[9].hit_rate == 1.0 and bins[2].mean_probability is None and bins[2].wilson_low is None
    folded = calibration(p, o, folded=True)
    assert [b.low for b in folded] == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9])
    assert [b.high for b in folded] == pytest.approx([0.6, 0.7, 0.8, 0.9, 1.0])
    # 0.0→1.0 (hit, o=0), 0.1→0.9 (miss), 0.15→0.85 (hit), 0.3→0.7 (hit); 0.7, 0.7, 0.95, 1.0 stay
    assert [b.n for b in folded] == [0, 0, 3, 1, 4]
    assert [b.hits for b in folded] == [0, 0, 2, 1, 3]
    assert folded[2].mean_probability == pytest.approx((0.7 + 0.7 + 0.7) / 3)


CSV_BY_HAND = """statement,probability,outcome,made_on,deadline,forecaster,tags
Robotaxis in 65 cities,0.8,true,2024-01-01,2024-12-31,me,mobility
A crash of the U.S. market,30%,false,2024-01-01,2024-06-30,me,economy
Peak China,0.6,ambiguous,2024-01-01,2024-12-31,me,economy
Flying taxis in Shenzhen,0.9,,2024-01-01,2031-12-31,me,mobility
"""


def test_a_track_record_in_two_commands(tmp_path: Path) -> None:
    """Import a list of past predictions into a new database, then score it."""
    csv_path, db = tmp_path / "mine.csv", tmp_path / "mine.duckdb"
    csv_path.write_text(CSV_BY_HAND)
    imported = run("import", str(csv_path), "--format", "csv", "--db", str(db))
    assert imported.returncode == 0, imported.stderr
    assert "4 claims added" in imported.stdout
    score = score_json(db)
    assert score["n"] == 2  # ambiguous and open claims are not scored
    assert score["brier"] == pytest.approx(0.065, abs=TOL)
    assert score["log_score"] == pytest.approx((math.log(0.8) + math.log(0.7)) / 2, abs=TOL)
    by_bin = {round(b["low"], 1): b for b in score["calibration"]}
    assert (by_bin[0.8]["n"], by_bin[0.8]["hits"], by_bin[0.3]["n"], by_bin[0.3]["hits"]) == (1, 1, 1, 0)
    assert sum(b["n"] for b in score["calibration"]) == 2
    assert score["by"] == {}
    by_topic = score_json(db, "--by", "topic")["by"]
    assert set(by_topic) == {"mobility", "economy"}
    assert (by_topic["mobility"]["n"], by_topic["mobility"]["brier"]) == (1, pytest.approx(0.04))
    assert (by_topic["economy"]["n"], by_topic["economy"]["brier"]) == (1, pytest.approx(0.09))


def test_partial_scores_as_false_unless_partial_credit(db_path: Path) -> None:
    document = {
        "format": imports.JSON_FORMAT,
        "claims": [
            {
                "statement": f"Partial claim {credit}",
                "made_on": "2024-01-01",
                "deadline": "2024-06-30",
                "partial_credit": credit,
                "forecasts": [{"probability": 0.6, "forecaster": "me", "made_at": "2024-01-01T00:00"}],
                "resolutions": [{"outcome": "partial", "fraction": 0.25, "resolved_on": "2024-07-01"}],
            }
            for credit in (False, True)
        ],
    }
    imports.import_text(db_path, json.dumps(document), "json", "partial")
    score = ledger.track_record(db_path, today=date(2025, 1, 1), by="claimant")
    assert score.n == 2
    assert score.brier == pytest.approx((0.6**2 + (0.6 - 0.25) ** 2) / 2)
    hits = sum(b.hits for b in score.calibration)
    assert hits == pytest.approx(0.25)  # the fraction achieved counts, not hidden
    # calibration waits for the deadline
    assert sum(b.n for b in ledger.track_record(db_path, today=date(2024, 6, 30)).calibration) == 0
    assert sum(b.n for b in ledger.track_record(db_path, today=date(2024, 7, 1)).calibration) == 2


# --- the fixture ledger against the references -------------------------------------------------------


INDEPENDENT_SQL = """
    WITH in_force AS (   -- the latest resolution per claim that has not been undone
        SELECT r.claim_id, r.outcome, r.fraction FROM resolutions r
        WHERE r.id = (SELECT max(r2.id) FROM resolutions r2
                      WHERE r2.claim_id = r.claim_id
                        AND r2.id NOT IN (SELECT resolution_id FROM resolution_undos))
    ), scored AS (
        SELECT f.probability AS p,
               CASE WHEN i.outcome = 'true' THEN 1.0
                    WHEN i.outcome = 'partial' AND c.partial_credit THEN i.fraction
                    ELSE 0.0 END AS o
        FROM forecasts f JOIN claims c ON c.id = f.claim_id JOIN in_force i ON i.claim_id = f.claim_id
        WHERE i.outcome IN ('true', 'false', 'partial')
    )
    SELECT count(*),
           avg(power(p - o, 2)),
           avg(o * ln(least(greatest(p, 0.01), 0.99)) + (1 - o) * ln(1 - least(greatest(p, 0.01), 0.99)))
    FROM scored
"""


def test_all_forecasts_match_plain_sql_and_the_reference(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    today = date.today()
    score = score_json(path)
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(INDEPENDENT_SQL).fetchone()
    assert row is not None
    n, brier, log = row
    assert score["n"] == n
    assert_close(score["brier"], brier)
    assert_close(score["log_score"], log)
    assert_score(score, reference_rows(document), today, folded=False)
    assert score["by"] == {}


def test_latest_by_forecaster(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    today = date.today()
    score = score_json(path, "--latest", "--by", "forecaster")
    rows = reference_rows(document, latest=True)
    assert len(rows) < len(reference_rows(document))
    assert_score(score, rows, today, folded=False)
    expected_groups = {r.forecaster for r in rows}
    assert set(score["by"]) == expected_groups
    for name, sub in score["by"].items():
        assert_score(sub, [r for r in rows if r.forecaster == name], today, folded=False)
    sizes = [(-sub["n"], name) for name, sub in score["by"].items()]
    assert sizes == sorted(sizes)  # largest first


def test_folded_by_forecaster(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    today = date.today()
    score = score_json(path, "--folded", "--by", "forecaster")
    rows = reference_rows(document)
    assert_score(score, rows, today, folded=True)
    assert [round(b["low"], 1) for b in score["calibration"]] == [0.5, 0.6, 0.7, 0.8, 0.9]
    for name, sub in score["by"].items():
        assert_score(sub, [r for r in rows if r.forecaster == name], today, folded=True)
    # folding only moves forecasts between bins: the counts add up to the unfolded ones
    unfolded = reference_calibration(rows, today, folded=False)
    assert sum(b["n"] for b in score["calibration"]) == sum(b["n"] for b in unfolded) > 0


def test_latest_folded_by_topic(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    today = date.today()
    score = score_json(path, "--latest", "--folded", "--by", "topic")
    rows = reference_rows(document, latest=True)
    assert_score(score, rows, today, folded=True)
    topics: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        for tag in r.tags or ("(none)",):
            topics[tag].append(r)
    assert set(score["by"]) == set(topics)
    for name, sub in score["by"].items():
        assert_score(sub, topics[name], today, folded=True)


@pytest.mark.parametrize("by", ["claimant", "attribution"])
def test_by_claimant_and_attribution(fixture_ledger: tuple[Path, dict[str, Any]], by: str) -> None:
    path, document = fixture_ledger
    today = date.today()
    score = ledger.track_record(path, today, by=by).as_dict()
    rows = reference_rows(document)
    assert set(score["by"]) == {getattr(r, by) for r in rows}
    for name, sub in score["by"].items():
        assert_score(sub, [r for r in rows if getattr(r, by) == name], today, folded=False)


def test_filters_by_attribution_and_forecaster(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    today = date.today()
    rows = reference_rows(document, latest=True)
    author = ledger.track_record(path, today, latest=True, attribution="author").as_dict()
    assert_score(author, [r for r in rows if r.attribution == "author"], today, folded=False)
    ehang = ledger.track_record(path, today, latest=True, forecaster="ehang").as_dict()
    assert_score(ehang, [r for r in rows if r.forecaster == "ehang"], today, folded=False)


def test_score_history_ends_at_the_overall_brier(fixture_ledger: tuple[Path, dict[str, Any]]) -> None:
    path, document = fixture_ledger
    rows = reference_rows(document)
    history = ledger.score_history(path)
    assert history[-1].n == len(rows)
    assert_close(history[-1].brier, reference_brier(rows))
    assert [p.resolved_on for p in history] == sorted({p.resolved_on for p in history})
    assert all(a.n < b.n for a, b in itertools.pairwise(history))


def test_nothing_scored_yet(db_path: Path) -> None:
    imports.import_text(db_path, "statement,probability,made_on\nOpen claim,0.5,2025-01-01\n", "csv", "open")
    score = score_json(db_path, "--by", "forecaster")
    assert (score["n"], score["brier"], score["log_score"], score["by"]) == (0, None, None, {})
    assert [b["n"] for b in score["calibration"]] == [0] * 10
