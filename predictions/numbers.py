"""Numbers as people write them: `5,000,000`, `65`, `12.5`, never `5e+06` or `65.0`."""

from __future__ import annotations

import math


def format_number(value: float | int | None, *, digits: int = 2) -> str:
    """A whole number with thousands separators; otherwise at most `digits` decimals, trailing zeros cut."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    number = float(value)
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    if number == round(number) and abs(number) < 1e15:
        return f"{round(number):,}"
    text = f"{number:,.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
