"""A seeded ledger of every kind of claim, for the columnar status and rollup tests."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from db import queries
from predictions import ledger
from predictions.models import ClaimIn, ForecastIn, ObservationIn, ResolutionIn


def build_mixed_ledger(db: Path, rng: random.Random, n: int = 160) -> None:
    """Binary and threshold claims, with and without deadlines, baselines, observations and resolutions.

    Written in one unit of work through the storage functions the ledger uses (one connection per
    claim would make this test slow without making it more real).
    """
    with ledger.writing(db) as con:
        for i in range(n):
            _add_mixed_claim(con, rng, i)


def _add_mixed_claim(con: duckdb.DuckDBPyConnection, rng: random.Random, i: int) -> None:
    made_on = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 500))
    deadline = None if rng.random() < 0.1 else made_on + timedelta(days=rng.randrange(10, 900))
    threshold = rng.random() < 0.6
    baseline = rng.choice([None, float(rng.randrange(0, 40))])
    claim = ClaimIn(
        statement=f"Mixed claim {i}",
        made_on=made_on,
        deadline=deadline,
        kind="threshold" if threshold else "binary",
        metric="units" if threshold else None,
        target=float(rng.choice([50, 100, 100, 20])) if threshold else None,
        comparator=rng.choice([">=", ">", "<=", "<"]) if threshold else None,
        baseline=baseline if threshold else None,
        baseline_on=made_on if threshold and baseline is not None and rng.random() < 0.7 else None,
    )
    claim_id = queries.insert_claim(con, claim.model_dump())
    probability = rng.choice([None, 0.2, 0.45, 0.5, 0.65, 0.9])
    if probability is not None:
        forecast = ForecastIn(probability=probability, forecaster="a", made_at=datetime(2024, 1, 1))
        # historical forecasts with their own dates, as an import brings them (they count by those dates)
        queries.insert_forecast(con, claim_id, {**forecast.model_dump(), "entry": "imported"})
    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 5])):
        observed = made_on + timedelta(days=rng.randrange(0, 400))
        value = float(rng.randrange(0, 150)) if threshold or rng.random() < 0.3 else None
        observation = ObservationIn(observed_on=observed, value=value, note="n")
        queries.insert_observation(con, claim_id, observation.model_dump())
    if rng.random() < 0.25:
        outcome = rng.choice(["true", "false", "partial", "ambiguous"])
        resolution = ResolutionIn(outcome=outcome, resolved_on=made_on + timedelta(days=5),
                                  fraction=0.5 if outcome == "partial" else None)  # fmt: skip
        queries.insert_resolution(con, claim_id, resolution.model_dump())
