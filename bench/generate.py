"""Deterministic synthetic ledgers (numpy's seeded generator) written straight through Arrow.

Sizes (issue 6): S 1,000 claims / 10,000 observations / 10,000 forecasts; M 100,000 / 1,000,000 /
1,000,000; L 1,000,000 / 5,000,000 / 5,000,000. Same seed, same ledger, every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

import db
import db.chain

SEED = 42
TODAY = date(2026, 11, 28)
EPOCH = np.datetime64("1970-01-01")


@dataclass(frozen=True)
class Size:
    name: str
    claims: int
    observations: int
    forecasts: int


SIZES = {
    "S": Size("S", 1_000, 10_000, 10_000),
    "M": Size("M", 100_000, 1_000_000, 1_000_000),
    "L": Size("L", 1_000_000, 5_000_000, 5_000_000),
}

CLAIMANTS = [f"Claimant {i:02d}" for i in range(40)]
ATTRIBUTIONS = ["author", "reported_projection", "official_target", "third_party_forecast"]
TOPICS = ["ai", "mobility", "evtol", "robotics", "policy", "economy", "health", "energy", "trade", "education"]


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]"))


def build(path: Path, size: Size) -> None:
    """Create a fresh ledger file of `size` at `path`."""
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    rng = np.random.default_rng(SEED)
    n = size.claims
    start = np.datetime64("2015-01-01")
    today = np.datetime64(TODAY)
    made_on = start + rng.integers(0, 3650, n)
    deadline = made_on + rng.integers(30, 1500, n)
    has_deadline = rng.random(n) > 0.05
    threshold = rng.random(n) < 0.3
    truth = rng.beta(2, 2, n)  # each claim's real chance, so forecasts can be calibrated-ish
    target = np.where(threshold, rng.integers(10, 10_000, n).astype(float), np.nan)
    tags_first = rng.integers(0, len(TOPICS), n)
    tags_second = rng.integers(0, len(TOPICS), n)
    ids = np.arange(1, n + 1)
    created = datetime(2026, 1, 1)
    claims = pa.table({
        "id": ids,
        "external_id": pa.array([f"bench:{i}" for i in ids]),
        "source_id": np.ones(n, dtype=np.int64),
        "statement": pa.array([f"Synthetic claim {i}: a metric reaches its target" for i in ids]),
        "quote": pa.array([None] * n, pa.string()),
        "claimant": pa.array(np.array(CLAIMANTS, dtype=object)[rng.integers(0, len(CLAIMANTS), n)]),
        "attribution": pa.array(np.array(ATTRIBUTIONS, dtype=object)[rng.integers(0, 4, n)]),
        "kind": pa.array(np.where(threshold, "threshold", "binary").astype(object)),
        "made_on": _dates(made_on),
        "deadline": pa.array(deadline.astype("datetime64[D]"), mask=~has_deadline),
        "deadline_precision": pa.array(np.where(has_deadline, "day", None).astype(object)),
        "tags": pa.array([[TOPICS[a]] if a == b else [TOPICS[a], TOPICS[b]] for a, b in zip(tags_first, tags_second,
                                                                                              strict=True)]),
        "metric": pa.array(np.where(threshold, "units", None).astype(object)),
        "unit": pa.array(np.where(threshold, "units", None).astype(object)),
        "comparator": pa.array(np.where(threshold, ">=", None).astype(object)),
        "target": pa.array(target, mask=~threshold),
        "flags": pa.array([[] if d else ["not_checkable"] for d in has_deadline], pa.list_(pa.string())),
        "created_at": pa.array([created] * n, pa.timestamp("us")),
        "recorded_at": pa.array([created] * n, pa.timestamp("us")),
    })  # fmt: skip

    # Observations on threshold claims, dated between the claim and min(deadline, today).
    threshold_ids = ids[threshold]
    obs_claim = threshold_ids[rng.integers(0, len(threshold_ids), size.observations)]
    idx = obs_claim - 1
    end = np.minimum(deadline[idx], today)
    span = np.maximum((end - made_on[idx]).astype(int), 1)
    observed_on = made_on[idx] + (rng.random(size.observations) * span).astype(int)
    progress = (observed_on - made_on[idx]).astype(float) / np.maximum(
        (deadline[idx] - made_on[idx]).astype(float), 1.0
    )
    value = np.round(target[idx] * progress * (0.4 + 1.2 * truth[idx]) * rng.normal(1, 0.1, size.observations), 1)
    observations = pa.table({
        "id": np.arange(1, size.observations + 1),
        "claim_id": obs_claim,
        "observed_on": _dates(observed_on),
        "value": value,
        "note": pa.array([None] * size.observations, pa.string()),
        "source_url": pa.array([None] * size.observations, pa.string()),
        "created_at": pa.array([created] * size.observations, pa.timestamp("us")),
        "recorded_at": pa.array([created] * size.observations, pa.timestamp("us")),
    })  # fmt: skip

    # Forecasts: 2,000 forecasters with a skewed activity, probabilities near each claim's real chance.
    f_claim = rng.integers(1, n + 1, size.forecasts)
    f_idx = f_claim - 1
    weights = 1 / np.arange(1, 2001) ** 1.1
    forecaster = rng.choice(2000, size.forecasts, p=weights / weights.sum())
    probability = np.clip(np.round(truth[f_idx] + rng.normal(0, 0.15, size.forecasts), 2), 0.01, 0.99)
    f_span = np.maximum((deadline[f_idx] - made_on[f_idx]).astype(int), 1)
    made_at = (made_on[f_idx] + (rng.random(size.forecasts) * f_span).astype(int)).astype("datetime64[s]")
    forecasts = pa.table({
        "id": np.arange(1, size.forecasts + 1),
        "external_id": pa.array([None] * size.forecasts, pa.string()),
        "claim_id": f_claim,
        "forecaster": pa.array(np.char.add("user", forecaster.astype(str)).astype(object)),
        "probability": probability,
        "made_at": pa.array(made_at.astype("datetime64[us]")),
        "basis": pa.array(["imported"] * size.forecasts),
        "note": pa.array([None] * size.forecasts, pa.string()),
        # an archive's forecasts, with their own dates (scored by them, as an import's are)
        "entry": pa.array(["imported"] * size.forecasts),
        "recorded_at": pa.array([created] * size.forecasts, pa.timestamp("us")),
    })  # fmt: skip

    # Resolutions: 85% of claims whose deadline has passed, outcome drawn from the claim's real chance.
    resolvable = has_deadline & (deadline < today) & (rng.random(n) < 0.85)
    r_ids = ids[resolvable]
    draw = rng.random(len(r_ids))
    outcome = np.where(draw < truth[r_ids - 1], "true", "false").astype(object)
    outcome[rng.random(len(r_ids)) < 0.03] = "ambiguous"
    resolutions = pa.table({
        "id": np.arange(1, len(r_ids) + 1),
        "claim_id": r_ids,
        "outcome": pa.array(outcome),
        "fraction": pa.array([None] * len(r_ids), pa.float64()),
        "resolved_on": _dates(deadline[r_ids - 1] + rng.integers(0, 30, len(r_ids))),
        "note": pa.array([None] * len(r_ids), pa.string()),
        "evidence_url": pa.array([None] * len(r_ids), pa.string()),
        "created_at": pa.array([created] * len(r_ids), pa.timestamp("us")),
        "recorded_at": pa.array([created] * len(r_ids), pa.timestamp("us")),
    })  # fmt: skip

    with db.unit_of_work(path) as con:
        db.migrate(con)
        con.execute(
            "INSERT INTO sources (id, external_id, title, kind, published_on, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [1, "bench", f"Synthetic ledger {size.name}", "benchmark", date(2015, 1, 1), created],
        )
        for name, table in (("claims", claims), ("observations", observations), ("forecasts", forecasts),
                            ("resolutions", resolutions)):  # fmt: skip
            con.register("incoming", table)
            columns = ", ".join(table.column_names)
            con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM incoming")
            con.unregister("incoming")
        # Move the sequences past the generated ids so later inserts do not collide.
        sequences = (("claim_id_seq", "claims"), ("observation_id_seq", "observations"),
                     ("forecast_id_seq", "forecasts"), ("resolution_id_seq", "resolutions"))  # fmt: skip
        for sequence, table_name in sequences:
            top = con.execute(f"SELECT coalesce(max(id), 0) FROM {table_name}").fetchone()
            con.execute(f"SELECT max(nextval('{sequence}')) FROM range(?)", [int(top[0]) if top else 0])
        db.rollups.rebuild(con)  # written past db.queries, so the rollups are computed once here
        db.chain.chain_all(con)  # and the rows are chained once, as migration 7 chains an existing ledger
