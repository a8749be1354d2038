"""`predictions score --json` and `--jsonl` written straight from a ScoreSheet's lists: the same text as
`json.dumps` of `Score.as_dict()` (compact, ensure_ascii=False) after `escape_json_controls`, without a
Score, a CalibrationBin and a dict per bin first, and without running the escape over megabytes of
numbers (the group names are the only text from people, so only they are escaped).

Floats are written as json.dumps writes them (`float.__repr__`); a sheet holding a NaN or an infinity
(json.dumps writes NaN, Infinity) is written by json.dumps itself.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring  # what json.dumps quotes text with (ensure_ascii=False)
from typing import Any

from predictions.scoring import Bins, GroupScores, Score, ScoreSheet
from predictions.terminal import escape_json_controls

_SEPARATORS = (",", ":")
_EMPTY = ('{"low":%r,"high":%r,"n":0,"hits":0.0,"mean_probability":null,"hit_rate":null,"wilson_low":null,'
          '"wilson_high":null}')  # fmt: skip


def _dumps(data: Any) -> str:
    return escape_json_controls(json.dumps(data, separators=_SEPARATORS, ensure_ascii=False))


def _writable(groups: GroupScores) -> bool:
    """Every number is finite (else json.dumps's NaN and Infinity are wanted)."""
    return groups.bins.finite and all(map(math.isfinite, groups.brier)) and all(map(math.isfinite, groups.log_score))


def _calibrations(bins: Bins) -> list[str]:
    """Each group's calibration list as JSON text (`[{...},...]`): the empty bins are constants, the
    others one f-string each (quicker than %-formatting; their floats' repr is most of the time)."""
    edges, width = bins.edges, bins.width
    empty = [_EMPTY % (edges[i], edges[i + 1]) for i in range(width)]
    start = [f'{{"low":{edges[i]!r},"high":{edges[i + 1]!r},"n":' for i in range(width)]
    groups = len(bins.n) // width if width else 0
    parts = empty * groups
    ns, hits, means, rates, lows, highs = (
        bins.n, bins.hits, bins.mean_probability, bins.hit_rate, bins.wilson_low, bins.wilson_high
    )  # fmt: skip
    for k in [k for k, n in enumerate(ns) if n]:
        parts[k] = (f'{start[k % width]}{ns[k]},"hits":{hits[k]!r},"mean_probability":{means[k]!r},'
                    f'"hit_rate":{rates[k]!r},"wilson_low":{lows[k]!r},"wilson_high":{highs[k]!r}}}')  # fmt: skip
    return ["[" + ",".join(parts[g * width : (g + 1) * width]) + "]" for g in range(groups)]


def _group_bodies(groups: GroupScores) -> list[str]:
    """Each group's Score.as_dict() as JSON text, from `{` to `}`."""
    calibrations = _calibrations(groups.bins)
    lists = zip(groups.n, groups.brier, groups.log_score, calibrations, strict=True)
    return [f'{{"n":{n},"brier":{brier!r},"log_score":{log!r},"calibration":{bins},"by":{{}}}}'
            for n, brier, log, bins in lists]  # fmt: skip


def _overall(score: Score) -> str:
    """The overall Score.as_dict() without its "by", as JSON text."""
    overall = {"n": score.n, "brier": score.brier, "log_score": score.log_score,
               "calibration": [b.as_dict() for b in score.calibration]}  # fmt: skip
    return _dumps(overall)


def _names(groups: GroupScores) -> list[str]:
    return [escape_json_controls(encode_basestring(name)) for name in groups.names]


def document(sheet: ScoreSheet, numeric: Any = None) -> str:
    """`score --json`: the sheet's Score.as_dict() as compact JSON, with the ranges' record (a
    predictions.numeric.NumericRecord) as "numeric" when given."""
    text = _document(sheet)
    return text if numeric is None else with_numeric(text, numeric)


def with_numeric(text: str, numeric: Any) -> str:
    """A `score --json` document (one line, no line break) with the ranges' record added as "numeric"
    (its last key: what other keys add to the document's "by" goes in before it)."""
    return text[:-1] + ',"numeric":' + _dumps(numeric.as_dict()) + "}"


def _document(sheet: ScoreSheet) -> str:
    groups = sheet.groups
    if groups is not None and not _writable(groups):
        return _dumps(sheet.score().as_dict())
    if groups is None:
        return _overall(sheet.overall)[:-1] + ',"by":{}}'
    by = ",".join(f"{name}:{body}" for name, body in zip(_names(groups), _group_bodies(groups), strict=True))
    return _overall(sheet.overall)[:-1] + ',"by":{' + by + "}}"


def lines(sheet: ScoreSheet) -> str:
    """`score --jsonl`: one line per group ({"group": name, ...its Score}), the whole record last
    ({"group": null, ...} without "by"), each line ending in a line break."""
    groups = sheet.groups
    assert groups is not None, "--jsonl goes with a grouping"
    if not _writable(groups):
        data = sheet.score().as_dict()
        by = data.pop("by")
        items = [{"group": name, **values} for name, values in by.items()] + [{"group": None, **data}]
        return "".join(_dumps(item) + "\n" for item in items)
    bodies = zip(_names(groups), _group_bodies(groups), strict=True)
    out = [f'{{"group":{name},{body[1:]}\n' for name, body in bodies]
    out.append('{"group":null,' + _overall(sheet.overall)[1:] + "\n")
    return "".join(out)
