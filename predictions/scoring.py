"""Track-record scoring (DESIGN §4).

- Counted: every forecast on a claim whose resolution in force is true, false or partial. A partial
  resolution scores as false unless the claim carries the partial-credit rule, in which case the
  outcome is the fraction achieved. Ambiguous and open claims are never scored.
- Brier score: mean of (p − o)² on a 0–1 scale (0 is perfect, 0.25 is always saying 50%).
- Log score: mean of o·ln(p) + (1 − o)·ln(1 − p), with p clipped to [LOG_CLIP, 1 − LOG_CLIP] so that
  a forecast of exactly 0 or 1 costs ln(0.01) ≈ −4.6 rather than −∞ (0 is perfect; higher is better).
- Calibration: only claims whose deadline has passed, so that early YES resolutions cannot bias the
  bins. Unfolded: tenths of the stated probability. Folded: a forecast p < 0.5 counts as 1 − p on the
  opposite outcome, bins from 50% to 100%, as published yearly prediction reviews show. Each bin has
  n, hits, hit rate, mean forecast and a 95% Wilson interval for the hit rate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import numpy as np

LOG_CLIP = 0.01
WILSON_Z = 1.959963984540054


@dataclass(frozen=True)
class CalibrationBin:
    low: float
    high: float
    n: int
    hits: float
    mean_probability: float | None
    hit_rate: float | None
    wilson_low: float | None
    wilson_high: float | None


@dataclass
class Score:
    n: int
    brier: float | None
    log_score: float | None
    calibration: list[CalibrationBin]
    by: dict[str, Score] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "n": self.n,
            "brier": self.brier,
            "log_score": self.log_score,
            "calibration": [asdict(b) for b in self.calibration],
        }
        data["by"] = {name: sub.as_dict() for name, sub in self.by.items()}
        return data


def brier_score(probability: np.ndarray, outcome: np.ndarray) -> float | None:
    if len(probability) == 0:
        return None
    return float(np.mean((probability - outcome) ** 2))


def log_score(probability: np.ndarray, outcome: np.ndarray, clip: float = LOG_CLIP) -> float | None:
    if len(probability) == 0:
        return None
    p = np.clip(probability, clip, 1 - clip)
    return float(np.mean(outcome * np.log(p) + (1 - outcome) * np.log(1 - p)))


def wilson_interval(hits: float, n: int, z: float = WILSON_Z) -> tuple[float, float] | None:
    if n == 0:
        return None
    rate = hits / n
    denominator = 1 + z * z / n
    centre = (rate + z * z / (2 * n)) / denominator
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def calibration(probability: np.ndarray, outcome: np.ndarray, *, folded: bool = False) -> list[CalibrationBin]:
    """Calibration bins; the caller passes only forecasts on claims whose deadline has passed."""
    p = np.asarray(probability, dtype=float)
    o = np.asarray(outcome, dtype=float)
    if folded:
        flip = p < 0.5
        p = np.where(flip, 1 - p, p)
        o = np.where(flip, 1 - o, o)
        edges = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    else:
        edges = [i / 10 for i in range(11)]
    # Bin index: [low, high) except that the last bin includes 1.0.
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
    bins = []
    for i in range(len(edges) - 1):
        mask = index == i
        n = int(mask.sum())
        hits = float(o[mask].sum()) if n else 0.0
        interval = wilson_interval(hits, n)
        bins.append(
            CalibrationBin(
                low=edges[i],
                high=edges[i + 1],
                n=n,
                hits=hits,
                mean_probability=float(p[mask].mean()) if n else None,
                hit_rate=hits / n if n else None,
                wilson_low=interval[0] if interval else None,
                wilson_high=interval[1] if interval else None,
            )
        )
    return bins


def _deadline_passed(deadlines: np.ndarray, today: date) -> np.ndarray:
    """True where the claim's deadline is before today (claims without a deadline never are).

    DuckDB's fetchnumpy hands NULL dates over as a masked array whose hidden values are 1970-01-01.
    """
    missing = np.ma.getmaskarray(deadlines)
    values = np.asarray(np.ma.getdata(deadlines), dtype="datetime64[D]")
    return ~missing & ~np.isnat(values) & (values < np.datetime64(today, "D"))


def score_rows(rows: dict[str, np.ndarray], today: date, *, folded: bool = False) -> Score:
    """Score the arrays from db.queries.scored_forecasts (probability, outcome, deadline, grp)."""
    p = np.asarray(rows["probability"], dtype=float)
    o = np.asarray(rows["outcome"], dtype=float)
    passed = _deadline_passed(rows["deadline"], today)
    return Score(
        n=len(p),
        brier=brier_score(p, o),
        log_score=log_score(p, o),
        calibration=calibration(p[passed], o[passed], folded=folded),
    )


def score_by_group(rows: dict[str, np.ndarray], today: date, *, folded: bool = False) -> dict[str, Score]:
    """One Score per group value, largest n first (ties by name)."""
    arrays = {key: np.ma.asarray(value) for key, value in rows.items()}
    names = np.asarray([str(g) for g in np.asarray(rows["grp"], dtype=object)], dtype=object)
    if len(names) == 0:
        return {}
    # One sort, then a slice per group: masking every array once per group took seconds with the
    # thousands of forecasters of the PredictionBook archive.
    order = np.argsort(names, kind="stable")
    ordered = names[order]
    starts = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))
    ends = np.append(starts[1:], len(ordered))
    scored = {}
    for start, end in zip(starts, ends, strict=True):
        index = order[start:end]
        scored[str(ordered[start])] = score_rows(
            {key: value[index] for key, value in arrays.items()}, today, folded=folded
        )
    return dict(sorted(scored.items(), key=lambda item: (-item[1].n, item[0])))


@dataclass(frozen=True)
class ScorePoint:
    resolved_on: date
    n: int
    brier: float


def cumulative_brier(rows: dict[str, np.ndarray]) -> list[ScorePoint]:
    """Running Brier score by resolution date (one point per date, rows already in resolution order)."""
    p = np.asarray(rows["probability"], dtype=float)
    o = np.asarray(rows["outcome"], dtype=float)
    if len(p) == 0:
        return []
    resolved = np.asarray(rows["resolved_on"], dtype="datetime64[D]")
    order = np.argsort(resolved, kind="stable")
    resolved, errors = resolved[order], ((p - o) ** 2)[order]
    running = np.cumsum(errors)
    last_of_day = np.append(resolved[1:] != resolved[:-1], True)
    points = []
    for i in np.flatnonzero(last_of_day):
        day = resolved[i].astype(object)
        points.append(ScorePoint(day, int(i + 1), float(running[i] / (i + 1))))
    return points
