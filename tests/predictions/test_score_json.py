"""`score --json` and `--jsonl` are written from a ScoreSheet's lists (predictions.score_json): the same
text, byte for byte, as json.dumps of Score.as_dict() followed by escape_json_controls, which is what the
command printed before; with names holding controls, quotes and bidi marks, every grouping, folded or
not, nothing scored, and numbers json.dumps writes its own way (NaN)."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from db.columns import Coded, CodedLists, Columns, object_array
from predictions import score_json
from predictions.scoring import GROUPS, ScoredForecasts, score_sheet
from predictions.terminal import escape_json_controls

TODAY = date(2026, 6, 1)
NAMES = ["plain", 'quote " and \\ backslash', "esc \x1b[31m red", "c1 \x9b csi", "bidi \u202e mark", "line\nbreak",
         "tab\there", "caf\u00e9 \u2019 \u200b", "del \x7f", "zero"]  # fmt: skip


def table(n: int, *, nan: bool = False) -> ScoredForecasts:
    rng = np.random.default_rng(7)
    claims = 25
    probability = rng.choice([0.0, 0.05, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0], size=n)
    if nan and n:
        probability[n // 2] = np.nan
    outcome = rng.choice([0.0, 1.0, 0.4], size=n)
    deadline = np.where(rng.random(n) < 0.2, np.datetime64("NaT"), np.datetime64("2026-01-01"))
    deadline = deadline.astype("datetime64[D]") + rng.integers(0, 300, size=n).astype("timedelta64[D]")
    plain = {"probability": probability, "outcome": outcome, "deadline": deadline,
             "resolved_on": np.full(n, np.datetime64("2026-02-01", "D")), "claim": rng.integers(0, claims, size=n),
             "forecaster": rng.integers(0, len(NAMES) - 1, size=n)}  # fmt: skip
    tags = rng.integers(0, 3, size=claims)
    offsets = np.concatenate([[0], np.cumsum(tags)])
    codes = rng.integers(-1, 3, size=claims).astype(np.int32), rng.integers(0, 2, size=claims).astype(np.int32)
    coded = {
        "claimant": Coded(codes[0], object_array(NAMES[:3])),
        "attribution": Coded(codes[1], object_array(NAMES[3:5])),
    }
    lists = {"tags": CodedLists(offsets, rng.integers(0, 4, size=int(offsets[-1])), object_array(NAMES[4:8]))}
    return ScoredForecasts.from_columns(Columns(plain=plain), Columns(coded=coded, lists=lists), object_array(NAMES))


def dumps(data: object) -> str:
    return escape_json_controls(json.dumps(data, separators=(",", ":"), ensure_ascii=False))


@pytest.mark.parametrize("n", [0, 1, 400])
@pytest.mark.parametrize("folded", [False, True])
@pytest.mark.parametrize("by", [None, *GROUPS])
def test_the_text_is_what_json_dumps_wrote(n: int, folded: bool, by: str | None) -> None:
    sheet = score_sheet(table(n), TODAY, folded=folded, by=by)
    data = sheet.score().as_dict()
    assert score_json.document(sheet) == dumps(data)
    if by is not None:
        groups = data.pop("by")
        items = [{"group": name, **values} for name, values in groups.items()] + [{"group": None, **data}]
        assert score_json.lines(sheet) == "".join(dumps(item) + "\n" for item in items)


def test_names_are_escaped_and_numbers_json_dumps_would_not_write_as_repr_fall_back() -> None:
    sheet = score_sheet(table(400), TODAY, by="forecaster")
    text = score_json.document(sheet)
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text and "\\u202e" in text
    assert list(json.loads(text)["by"]) == sheet.groups.names  # type: ignore[union-attr]
    odd = score_sheet(table(400, nan=True), TODAY, by="forecaster")
    assert "NaN" in score_json.document(odd) and score_json.document(odd) == dumps(odd.score().as_dict())


def test_a_table_read_without_claims_scores_the_same_and_refuses_the_claims_groupings() -> None:
    full = table(400)
    rows = {"probability": full.probability, "outcome": full.outcome, "deadline": full.deadline,
            "resolved_on": full.resolved_on, "forecaster": full.forecaster}  # fmt: skip
    bare = ScoredForecasts.from_columns(Columns(plain=rows), None, full.forecaster_names)
    for by in (None, "forecaster"):
        for folded in (False, True):
            mine, theirs = (
                score_sheet(bare, TODAY, by=by, folded=folded),
                score_sheet(full, TODAY, by=by, folded=folded),
            )
            assert mine.score() == theirs.score() and score_json.document(mine) == score_json.document(theirs)
    assert score_json.document(score_sheet(bare, TODAY, forecaster="zero")) == score_json.document(
        score_sheet(full, TODAY, forecaster="zero")
    )
    for by in ("claimant", "attribution", "topic"):
        with pytest.raises(ValueError, match="without their claims"):
            score_sheet(bare, TODAY, by=by)
    with pytest.raises(ValueError, match="without their claims"):
        score_sheet(bare, TODAY, attribution=NAMES[3])
