"""Counts, changes and scores written as people write them: "1 forecast", "2 forecasts", "target 200 → 150",
"Brier 0.563". The one place for plurals, so that no page or command says "1 claims added"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from predictions.quantities import format_number

SCORE_DIGITS = 3  # Brier and log scores, on every page and in every command


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` with its noun in the right number: "1 forecast", "0 forecasts", "2,000 claims", "1 person"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def score(value: float | None) -> str:
    """A Brier or log score to SCORE_DIGITS decimals; none as a dash."""
    return "–" if value is None else f"{value:.{SCORE_DIGITS}f}"


def value_text(value: Any) -> str:
    """A stored value as people write it: numbers without `.0`, lists joined, nothing as a dash."""
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "–"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def changes_text(changes: Mapping[str, Any]) -> str:
    """Field changes as one phrase: "target 200 → 150, deadline precision year → month".

    Each change is a (before, after) pair or a {"from": ..., "to": ...} mapping, as the ledger keeps it."""
    parts = []
    for name, change in changes.items():
        before, after = (change.get("from"), change.get("to")) if isinstance(change, Mapping) else change
        parts.append(f"{name.replace('_', ' ')} {value_text(before)} → {value_text(after)}")
    return ", ".join(parts)


def listing(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    names = list(items)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1] if names else ""


def joined(parts: Iterable[object], separator: str = ": ") -> str:
    """The parts that say something, joined: an empty or missing one leaves no dangling separator
    ("Evidence on #14: 66 cities", not "Evidence on #14: 66 cities: ")."""
    return separator.join(text for text in (" ".join(str(part or "").split()) for part in parts) if text)
