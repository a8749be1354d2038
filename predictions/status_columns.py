"""`claim_status` for many claims at once, as array arithmetic over the columns of db.columns.claim_columns:
the rules of `predictions.progress` (a test holds the two equal), apart from it so that what reads one
claim at a time (a command line) does not load numpy."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np

from predictions.progress import AT_RISK_SHARE, EPOCH, Status


def statuses(columns: Mapping[str, Any], today: date) -> np.ndarray:
    """`claim_status` for every claim at once, over the columns of db.columns.claim_columns.

    The same rules as the per-row function (a test holds the two equal), as array arithmetic, so the
    reader pages derive the status of a million claims without a Python loop.
    """
    return STATUS_VALUES[status_codes(columns, today)]


STATUS_VALUES = np.array([s.value for s in Status], dtype=object)  # a status code indexes this
_CODE = {s: np.int8(i) for i, s in enumerate(Status)}


def status_codes(columns: Mapping[str, Any], today: date) -> np.ndarray:
    """`statuses` as small integers: the position of each claim's status in `Status` (STATUS_VALUES)."""
    n = len(columns["id"])
    out = np.full(n, _CODE[Status.NO_DATA], dtype=np.int8)
    if n == 0:
        return out
    now = np.datetime64(today, "D")
    deadline = np.asarray(columns["deadline"], dtype="datetime64[D]")
    has_deadline = ~np.isnat(deadline)
    resolved = ~_is(columns, "outcome", None)
    open_ = ~resolved & has_deadline & (deadline >= now)

    threshold = _is(columns, "kind", "threshold") & open_
    x_deadline = (deadline - np.datetime64(EPOCH, "D")).astype(float)
    fit_n = np.asarray(columns["fit_n"], dtype=float)
    fit_sxx = np.asarray(columns["fit_sxx"], dtype=float)
    fitted = (fit_n >= 2) & (np.nan_to_num(fit_sxx) > 0)
    last = np.asarray(columns["last_value"], dtype=float)
    last_on = np.asarray(columns["last_value_on"], dtype="datetime64[D]")
    baseline = np.asarray(columns["baseline"], dtype=float)
    baseline_on = np.asarray(columns["baseline_on"], dtype="datetime64[D]")
    # One value and a dated baseline: the line through both; one value alone: flat.
    through_baseline = ~fitted & ~np.isnan(last) & ~np.isnan(baseline) & ~np.isnat(baseline_on) & ~np.isnat(last_on)
    through_baseline &= baseline_on != last_on
    x_last = (last_on - np.datetime64(EPOCH, "D")).astype(float)
    x_base = (baseline_on - np.datetime64(EPOCH, "D")).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope_b = (last - baseline) / (x_last - x_base)
        projected = np.where(
            fitted,
            np.asarray(columns["fit_intercept"], dtype=float)
            + np.asarray(columns["fit_slope"], dtype=float) * x_deadline,
            np.where(through_baseline, last + slope_b * (x_deadline - x_last), last),
        )
    has_projection = np.isfinite(projected)  # a failed fit (NULL or overflowed statistics): no projection
    target = np.asarray(columns["target"], dtype=float)
    with np.errstate(invalid="ignore"):
        meets_target = np.select(  # no comparator means >=
            [_is(columns, "comparator", ">"), _is(columns, "comparator", "<="), _is(columns, "comparator", "<")],
            [projected > target, projected <= target, projected < target],
            default=projected >= target,
        )
        start = np.nan_to_num(baseline, nan=0.0)
        distance = target - start
        share = np.where(distance == 0, np.where(meets_target, 1.0, 0.0), (projected - start) / distance)
    out[threshold & has_projection & ~meets_target] = _CODE[Status.BEHIND]
    out[threshold & has_projection & ~meets_target & (share >= AT_RISK_SHARE)] = _CODE[Status.AT_RISK]
    out[threshold & has_projection & meets_target] = _CODE[Status.ON_TRACK]

    binary = open_ & ~_is(columns, "kind", "threshold")
    evidenced = np.asarray(columns["n_observations"]) > 0
    out[binary] = _CODE[Status.OPEN]
    out[binary & evidenced] = _CODE[Status.HAS_EVIDENCE]

    out[~resolved & ~has_deadline] = _CODE[Status.NOT_CHECKABLE]
    out[~resolved & has_deadline & (deadline < now)] = _CODE[Status.AWAITING_VERDICT]
    for value in ("true", "false", "partial", "ambiguous"):
        out[resolved & _is(columns, "outcome", value)] = _CODE[Status(f"resolved {value}")]
    return out


def _is(columns: Mapping[str, Any], name: str, value: str | None) -> np.ndarray:
    """Where a text column equals `value` (None: is NULL), by its codes when db.columns handed them over
    (comparing integers, not a hundred thousand strings)."""
    coded = getattr(columns, "coded", {}).get(name)
    if coded is not None:
        codes = np.asarray(coded.codes)
        if value is None:
            return codes < 0
        found = np.flatnonzero(np.asarray(coded.names, dtype=object) == value)
        return codes == found[0] if len(found) else np.zeros(len(codes), dtype=bool)
    text = np.asarray(columns[name], dtype=object)
    return np.asarray(text == value if value is not None else text == None, dtype=bool)  # noqa: E711


def states(status: np.ndarray) -> np.ndarray:
    """open / overdue / resolved for an array of status values."""
    out = np.full(len(status), "open", dtype=object)
    out[status == Status.AWAITING_VERDICT.value] = "overdue"
    out[np.char.startswith(status.astype(str), "resolved")] = "resolved"
    return out
