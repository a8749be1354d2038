"""Time expressions in a clause, found and read by predictions.deadlines against the issue's date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from predictions.deadlines import find_time_phrases
from predictions.models import (
    Precision,
)

# --- time expressions ------------------------------------------------------------------------------

_Y = r"(?:19|20|21)\d\d"

Tense = Literal["future", "vague", "past"]


@dataclass(frozen=True)
class TimeExpression:
    text: str
    start: int
    tense: Tense
    on: date | None = None
    precision: Precision | None = None


def find_times(text: str, issue_date: date) -> list[TimeExpression]:
    """Time expressions in `text` (found and read by predictions.deadlines), each against the issue date:
    future, vague (no period: "in the coming years") or past ("in 2024" in an issue of 2025)."""
    found: list[TimeExpression] = []
    for phrase in find_time_phrases(text, issue_date):
        if phrase.vague or phrase.on is None:
            found.append(TimeExpression(phrase.text, phrase.start, "vague"))
        elif re.fullmatch(rf"(?:the\s+)?{_Y}", phrase.text, re.IGNORECASE) and re.search(
            r"[A-Z][\w-]*\s$", text[: phrase.start]
        ):
            continue  # a year inside a name: "Made-in-China 2025", "Vision 2030"
        elif phrase.on > issue_date:
            found.append(TimeExpression(phrase.text, phrase.start, "future", phrase.on, phrase.precision))
        else:
            found.append(TimeExpression(phrase.text, phrase.start, "past"))  # "in 2024" on 2024-12-31
    return found
