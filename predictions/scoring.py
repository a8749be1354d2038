"""Track-record scoring (docs/architecture.md §4).

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

Over 500 lines: the rules for one list of forecasts and the columnar form that scores every forecast at once
(and groups it by claimant, attribution, forecaster or topic) must give the same numbers, so they sit side by
side and share their helpers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from db.columns import Columns

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

    def as_dict(self) -> dict[str, Any]:
        """The bin as plain values, written out (dataclasses.asdict deep-copies every field: 20,000 bins
        of a forecaster breakdown took most of `score --json --by forecaster`)."""
        return {
            "low": self.low,
            "high": self.high,
            "n": self.n,
            "hits": self.hits,
            "mean_probability": self.mean_probability,
            "hit_rate": self.hit_rate,
            "wilson_low": self.wilson_low,
            "wilson_high": self.wilson_high,
        }


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
            "calibration": [b.as_dict() for b in self.calibration],
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


EDGES = np.array([i / 10 for i in range(11)])  # tenths
FOLDED_EDGES = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 1.0])


def calibration(probability: np.ndarray, outcome: np.ndarray, *, folded: bool = False) -> list[CalibrationBin]:
    """Calibration bins; the caller passes only forecasts on claims whose deadline has passed."""
    return _bins(probability, outcome, np.zeros(len(probability), dtype=np.int64), 1, folded=folded).of(0)


@dataclass(frozen=True)
class Bins:
    """The calibration bins of groups 0..groups-1 as flat lists: group g's bin i at g * width + i (a bin
    with n 0 is empty: its other figures are NaN here, None in its CalibrationBin)."""

    edges: list[float]
    n: list[int]
    hits: list[float]
    mean_probability: list[float]
    hit_rate: list[float]
    wilson_low: list[float]
    wilson_high: list[float]
    finite: bool  # every figure of every bin with forecasts is a finite number

    @property
    def width(self) -> int:
        return len(self.edges) - 1

    def of(self, g: int) -> list[CalibrationBin]:
        """Group g's bins."""
        edge, width = self.edges, self.width
        ns, hits, means, rates, lows, highs = (
            self.n, self.hits, self.mean_probability, self.hit_rate, self.wilson_low, self.wilson_high
        )  # fmt: skip
        bins = []
        for i in range(width):
            k = g * width + i
            if ns[k]:
                bins.append(CalibrationBin(edge[i], edge[i + 1], ns[k], hits[k], means[k], rates[k], lows[k], highs[k]))
            else:
                bins.append(CalibrationBin(edge[i], edge[i + 1], 0, 0.0, None, None, None, None))
        return bins


def _bins(
    probability: np.ndarray, outcome: np.ndarray, group: np.ndarray, groups: int, *, folded: bool = False
) -> Bins:
    """`calibration` of each group 0..groups-1 at once (`group` gives each forecast's)."""
    p = np.asarray(probability, dtype=float)
    o = np.asarray(outcome, dtype=float)
    if folded:
        flip = p < 0.5
        p = np.where(flip, 1 - p, p)
        o = np.where(flip, 1 - o, o)
        edges = FOLDED_EDGES
    else:
        edges = EDGES
    width = len(edges) - 1
    # Bin index: [low, high) except that the last bin includes 1.0.
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, width - 1)
    # Every (group, bin)'s count and sums in one pass each: no sort, no mask per bin.
    key = np.asarray(group, dtype=np.int64) * width + index
    counts = np.bincount(key, minlength=groups * width)
    hit_sums = np.bincount(key, weights=o, minlength=groups * width)
    probability_sums = np.bincount(key, weights=p, minlength=groups * width)
    # wilson_interval of every (group, bin) at once: the same operations in the same order, so the same
    # floats, handed over as plain lists (no numpy scalar per figure).
    n = counts.astype(float)
    z = WILSON_Z
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = hit_sums / n
        denominator = 1 + z * z / n
        centre = (rate + z * z / (2 * n)) / denominator
        half = z * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / denominator
        lows = np.maximum(0.0, centre - half)
        highs = np.minimum(1.0, centre + half)
        means = probability_sums / n
    filled = counts > 0
    finite = all(bool(np.isfinite(figure[filled]).all()) for figure in (hit_sums, means, rate, lows, highs))
    return Bins(edges.tolist(), counts.tolist(), hit_sums.tolist(), means.tolist(), rate.tolist(), lows.tolist(),
                highs.tolist(), finite)  # fmt: skip


def _deadline_passed(deadlines: np.ndarray, today: date) -> np.ndarray:
    """True where the claim's deadline is before today (claims without a deadline never are).

    DuckDB's fetchnumpy hands NULL dates over as a masked array whose hidden values are 1970-01-01.
    """
    if type(deadlines) is np.ndarray:  # numpy.ma loads only for a masked array (~15 ms)
        values = np.asarray(deadlines, dtype="datetime64[D]")
        return ~np.isnat(values) & (values < np.datetime64(today, "D"))
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


@dataclass(frozen=True)
class ScorePoint:
    resolved_on: date
    n: int
    brier: float


def cumulative_brier(rows: dict[str, np.ndarray]) -> list[ScorePoint]:
    """Running Brier score by resolution date, one point per date (rows in any order: sorted by date here,
    rows of one date kept in their order)."""
    p = np.asarray(rows["probability"], dtype=float)
    o = np.asarray(rows["outcome"], dtype=float)
    if len(p) == 0:
        return []
    resolved = np.asarray(rows["resolved_on"], dtype="datetime64[D]")
    order = np.argsort(resolved, kind="stable")
    resolved, errors = resolved[order], ((p - o) ** 2)[order]
    running = np.cumsum(errors)
    last = np.flatnonzero(np.append(resolved[1:] != resolved[:-1], True))  # the last row of each day
    days = resolved[last].astype(object).tolist()
    counts = (last + 1).tolist()
    values = (running[last] / (last + 1)).tolist()
    return [ScorePoint(day, n, value) for day, n, value in zip(days, counts, values, strict=True)]


# --- every scored forecast at once (the dashboard reads them once per database version) ------------

GROUPS = ("claimant", "attribution", "forecaster", "topic")
NO_TOPIC = "(none)"


def _frozen(array: Any, dtype: Any = None) -> np.ndarray:
    out = np.asarray(array, dtype=dtype)
    out.flags.writeable = False  # shared between reruns: nobody may change it in place
    return out


def scored_outcome(outcome: str | None, fraction: float | None, partial_credit: bool) -> float | None:
    """The outcome a forecast is scored against: 1 for true, 0 for false; partial scores as false unless
    the claim gives partial credit, then as the fraction achieved; None when not scored (ambiguous,
    open). The same rule as db.rules.SCORED_OUTCOME, for one row."""
    if outcome == "true":
        return 1.0
    if outcome == "false":
        return 0.0
    if outcome == "partial":
        return float(fraction) if partial_credit and fraction is not None else 0.0
    return None


@dataclass(frozen=True)
class ScoredForecasts:
    """The scored forecasts as columns, by resolution date then forecast id (db.columns.scored_columns):
    each row's claim as a position in the claim columns, its forecaster as a position in `forecaster_names`.

    `score_table` and `table_history` answer every question of the track record page from it with
    array operations, so the rows are read from the database once, not once per figure.
    """

    probability: np.ndarray
    outcome: np.ndarray
    deadline: np.ndarray  # datetime64[D], NaT without a deadline
    resolved_on: np.ndarray
    claim: np.ndarray  # int32 positions into the claim columns below
    forecaster: np.ndarray  # int32 positions into forecaster_names
    forecaster_names: np.ndarray
    claimant: tuple[np.ndarray, np.ndarray]  # per claim: (codes, distinct names)
    attribution: tuple[np.ndarray, np.ndarray]
    topic_offsets: np.ndarray  # the topics of claim i are topic_codes[topic_offsets[i]:topic_offsets[i + 1]]
    topic_codes: np.ndarray
    topic_names: np.ndarray
    # Overall scores already worked out, by (attribution, forecaster, today, folded): a page asks for the
    # same one with each breakdown.
    _overall: dict[tuple[Any, ...], Score] = field(default_factory=dict, compare=False, repr=False)
    # Each forecast's squared error and log score, worked out once for every figure that sums them.
    _per_forecast: dict[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_columns(cls, rows: Columns, claims: Columns | None, forecaster_names: np.ndarray) -> ScoredForecasts:
        """From db.columns.scored_columns, scored_claims and forecaster_names; without `claims` (read
        with claims=False), a table that knows each forecast's forecaster but not its claim: enough for
        the overall scores, a forecaster's and the breakdown by forecaster, refused for the others."""
        if claims is None:
            none = _frozen(np.zeros(0, dtype=np.int64))
            nobody = (none, _frozen(np.zeros(0, dtype=object)))
            return cls(
                probability=_frozen(rows["probability"], float),
                outcome=_frozen(rows["outcome"], float),
                deadline=_frozen(rows["deadline"], "datetime64[D]"),
                resolved_on=_frozen(rows["resolved_on"], "datetime64[D]"),
                claim=none,
                forecaster=_frozen(rows["forecaster"], np.int64),
                forecaster_names=_frozen(forecaster_names, object),
                claimant=nobody,
                attribution=nobody,
                topic_offsets=none,
                topic_codes=none,
                topic_names=nobody[1],
            )
        return cls(
            probability=_frozen(rows["probability"], float),
            outcome=_frozen(rows["outcome"], float),
            deadline=_frozen(rows["deadline"], "datetime64[D]"),
            resolved_on=_frozen(rows["resolved_on"], "datetime64[D]"),
            claim=_frozen(rows["claim"], np.int64),
            forecaster=_frozen(rows["forecaster"], np.int64),
            forecaster_names=_frozen(forecaster_names, object),
            claimant=(_frozen(claims.coded["claimant"].codes), _frozen(claims.coded["claimant"].names, object)),
            attribution=(
                _frozen(claims.coded["attribution"].codes),
                _frozen(claims.coded["attribution"].names, object),
            ),
            topic_offsets=_frozen(claims.lists["tags"].offsets, np.int64),
            topic_codes=_frozen(claims.lists["tags"].codes, np.int64),
            topic_names=_frozen(claims.lists["tags"].names, object),
        )

    def __len__(self) -> int:
        return len(self.probability)

    def _claims_read(self) -> None:
        if len(self.claim) != len(self.probability):
            raise ValueError("these scored forecasts were read without their claims (claims=False)")

    def errors_and_logs(self) -> tuple[np.ndarray, np.ndarray]:
        """(p - o)² and o·ln p + (1 - o)·ln(1 - p) of every forecast (p clipped as log_score clips it)."""
        if not self._per_forecast:
            p, o = self.probability, self.outcome
            clipped = np.clip(p, LOG_CLIP, 1 - LOG_CLIP)
            self._per_forecast["errors"] = _frozen((p - o) ** 2)
            self._per_forecast["logs"] = _frozen(o * np.log(clipped) + (1 - o) * np.log(1 - clipped))
        return self._per_forecast["errors"], self._per_forecast["logs"]

    def select(self, *, attribution: str | None = None, forecaster: str | None = None) -> np.ndarray:
        """Positions of the forecasts on claims of `attribution` and by `forecaster`, in table order."""
        keep = np.ones(len(self), dtype=bool)
        if attribution is not None:
            self._claims_read()
            codes, names = self.attribution
            keep &= codes[self.claim] == _code_of(names, attribution)
        if forecaster is not None:
            keep &= self.forecaster == _code_of(self.forecaster_names, forecaster)
        return np.flatnonzero(keep)

    def rows(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """The arrays `score_rows` and `cumulative_brier` take, for the forecasts at `index`."""
        return {
            "probability": self.probability[index],
            "outcome": self.outcome[index],
            "deadline": self.deadline[index],
            "resolved_on": self.resolved_on[index],
        }

    def groups(self, by: str, index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, group codes, group names) of the forecasts at `index`, one entry per forecast
        and group it belongs to: a claim with two topics puts its forecasts in both."""
        if by == "forecaster":
            return index, self.forecaster[index], self.forecaster_names
        self._claims_read()
        if by in ("claimant", "attribution"):
            codes, names = self.claimant if by == "claimant" else self.attribution
            group = codes[self.claim[index]]
            if (group < 0).any():  # NULL: "None", as str() of SQL's CAST(NULL AS VARCHAR) gives
                names = np.append(names, "None")
                group = np.where(group < 0, len(names) - 1, group)
            return index, group, names
        at = self.claim[index]
        starts = self.topic_offsets[at]
        counts = self.topic_offsets[at + 1] - starts
        repeat = np.maximum(counts, 1)  # a claim without a topic counts once, under "(none)"
        positions = np.repeat(index, repeat)
        within = np.arange(len(positions)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
        names = np.append(self.topic_names, NO_TOPIC)
        padded = np.append(self.topic_codes, len(names) - 1)
        group = np.where(np.repeat(counts == 0, repeat), len(names) - 1, padded[np.repeat(starts, repeat) + within])
        return positions, group, names


def _code_of(names: np.ndarray, value: str) -> int:
    found = np.flatnonzero(names == value)
    return int(found[0]) if len(found) else -2  # -2 matches nothing (NULL is -1)


@dataclass(frozen=True)
class GroupScores:
    """The scores of many groups (a breakdown) as plain lists, largest group first, then by name: what
    `Score.by` holds, without a Score and ten CalibrationBins per group (2,000 forecasters' breakdown
    written as JSON by the command line needs none of them)."""

    names: list[str]
    n: list[int]
    brier: list[float]
    log_score: list[float]
    bins: Bins  # group r's bins: bins.of(r)

    def scores(self) -> dict[str, Score]:
        lists = zip(self.names, self.n, self.brier, self.log_score, strict=True)
        return {name: Score(n, brier, log, self.bins.of(r)) for r, (name, n, brier, log) in enumerate(lists)}


@dataclass(frozen=True)
class ScoreSheet:
    """A track record as `score_table` works it out: the overall Score (its `by` empty) and, with a
    grouping, the groups' scores."""

    overall: Score
    groups: GroupScores | None = None

    def score(self) -> Score:
        """The Score, with `by` filled in from the groups."""
        overall = self.overall
        score = Score(overall.n, overall.brier, overall.log_score, list(overall.calibration))
        if self.groups is not None:
            score.by = self.groups.scores()
        return score


def score_table(
    table: ScoredForecasts,
    today: date,
    *,
    folded: bool = False,
    by: str | None = None,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> Score:
    """`score_rows` (and with `by`, one Score per group, largest first) over the forecasts that
    `attribution` and `forecaster` select."""
    return score_sheet(table, today, folded=folded, by=by, attribution=attribution, forecaster=forecaster).score()


def score_sheet(
    table: ScoredForecasts,
    today: date,
    *,
    folded: bool = False,
    by: str | None = None,
    attribution: str | None = None,
    forecaster: str | None = None,
) -> ScoreSheet:
    """`score_table` as a ScoreSheet."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"unknown grouping {by!r}")
    index = table.select(attribution=attribution, forecaster=forecaster)
    key = (attribution, forecaster, today, folded)
    if key not in table._overall:
        table._overall[key] = _overall(table, index, today, folded)
    if by is None:
        return ScoreSheet(table._overall[key])
    positions, group, names = table.groups(by, index)
    return ScoreSheet(table._overall[key], _score_groups(table, positions, group, names, today, folded))


def _overall(table: ScoredForecasts, index: np.ndarray, today: date, folded: bool) -> Score:
    """`score_rows` of the forecasts at `index`, from the table's per-forecast errors and log scores."""
    if len(index) == 0:
        return score_rows(table.rows(index), today, folded=folded)
    errors, logs = table.errors_and_logs()
    passed = index[_deadline_passed(table.deadline[index], today)]
    bins = calibration(table.probability[passed], table.outcome[passed], folded=folded)
    return Score(len(index), float(np.mean(errors[index])), float(np.mean(logs[index])), bins)


def _score_groups(
    table: ScoredForecasts,
    positions: np.ndarray,
    group: np.ndarray,
    names: np.ndarray,
    today: date,
    folded: bool,
) -> GroupScores:
    if len(positions) == 0:
        return GroupScores([], [], [], [], _bins(np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64), 0))
    # One group per distinct text, as SQL groups them (a tag "(none)" and claims without tags are one).
    names, merged = np.unique(np.asarray([str(name) for name in names], dtype=object), return_inverse=True)
    group = np.asarray(merged, dtype=np.int64)[group]
    # What score_rows computes per group, for all groups at once: each group's count and sums by bincount.
    errors, logs = table.errors_and_logs()
    counts = np.bincount(group, minlength=len(names))
    brier_sums = np.bincount(group, weights=errors[positions], minlength=len(names))
    log_sums = np.bincount(group, weights=logs[positions], minlength=len(names))
    # The groups with forecasts, largest first, then by name (the names are sorted: a stable sort by
    # size keeps that order among equals).
    present = np.flatnonzero(counts)
    order = present[np.argsort(-counts[present], kind="stable")]
    rank = np.full(len(names), -1, dtype=np.int64)
    rank[order] = np.arange(len(order))  # each group's place in that order; its calibration's number
    passed = _deadline_passed(table.deadline[positions], today)
    p, o = table.probability[positions[passed]], table.outcome[positions[passed]]
    n = counts[order]
    return GroupScores(
        names=names[order].tolist(),
        n=n.tolist(),
        brier=(brier_sums[order] / n).tolist(),
        log_score=(log_sums[order] / n).tolist(),
        bins=_bins(p, o, rank[group[passed]], len(order), folded=folded),
    )


def table_history(
    table: ScoredForecasts, *, attribution: str | None = None, forecaster: str | None = None
) -> list[ScorePoint]:
    """`cumulative_brier` over the forecasts that `attribution` and `forecaster` select."""
    return cumulative_brier(table.rows(table.select(attribution=attribution, forecaster=forecaster)))
