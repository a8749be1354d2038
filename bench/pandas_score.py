"""The floor of `predictions score --json --by forecaster` on the PredictionBook archive (issue 18): what a
pandas notebook would do, as a whole process. It reads the archive's forecasts CSV out of its zip itself,
keeps the resolved true/false ones, and writes, per forecaster (largest first), the count, Brier score,
log score and ten calibration bins (count, hits, mean probability, hit rate) as one JSON document.

    python bench/pandas_score.py ../shared/data/predictionbook > scores.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

LOG_CLIP = 1e-6


def scores(archive: Path) -> dict[str, object]:
    frame = pd.read_csv(archive / "forecasts.csv.zip", usecols=["user_id", "probability", "outcome"])
    frame = frame[frame["outcome"].isin([0.0, 1.0])].copy()
    p, o = frame["probability"].clip(0, 1), frame["outcome"]
    frame["error"] = (p - o) ** 2
    clipped = p.clip(LOG_CLIP, 1 - LOG_CLIP)
    frame["log"] = o * np.log(clipped) + (1 - o) * np.log(1 - clipped)
    frame["bin"] = np.minimum((p * 10).astype(int), 9)
    frame["p"] = p
    frame["user_id"] = frame["user_id"].astype(str)
    overall = frame.groupby("user_id").agg(n=("error", "size"), brier=("error", "mean"), log_score=("log", "mean"))
    bins = frame.groupby(["user_id", "bin"]).agg(
        n=("p", "size"), hits=("outcome", "sum"), mean_probability=("p", "mean")
    )
    bins["hit_rate"] = bins["hits"] / bins["n"]
    by_user: dict[str, list[dict[str, object]]] = {}
    for (user, index), row in zip(bins.index, bins.to_dict("records"), strict=True):
        by_user.setdefault(user, []).append({"low": index / 10, "high": (index + 1) / 10, **row})
    overall = overall.sort_values("n", ascending=False, kind="stable")
    return {
        "by": {
            user: {
                "n": int(row["n"]),
                "brier": row["brier"],
                "log_score": row["log_score"],
                "calibration": by_user[user],
            }
            for user, row in zip(overall.index, overall.to_dict("records"), strict=True)
        }
    }


if __name__ == "__main__":
    print(json.dumps(scores(Path(sys.argv[1])), separators=(",", ":")))
