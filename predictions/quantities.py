"""Numbers as people write them: `5,000,000`, `65`, `12.5`, never `5e+06` or `65.0`; probabilities as
people give them (`0.7`, `70%`)."""

from __future__ import annotations

import math

# The largest magnitude a metric's value, target or baseline may have. Every whole number up to it is exact
# in a double, and the projection's sums of squares over a million of them stay far below the overflow
# at 1.8e308 (a value of 1e308 made the least-squares fit overflow to a NULL slope: issue 31, point 5).
MAX_ABS_VALUE = 1e15


def check_value(value: float, name: str = "value") -> float:
    """`value` if it is finite and within ±MAX_ABS_VALUE; otherwise a ValueError in one line."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number")
    if abs(number) > MAX_ABS_VALUE:
        raise ValueError(f"{name} {number!r} is outside ±1e15, the largest magnitude a value may have")
    return number


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


def parse_probability(value: object) -> float:
    """0–1, or a percentage such as `70%`; anything else is an error."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = str(value).strip()
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError as error:
            raise ValueError(f"probability {text!r} is not a number or a percentage") from error
        if percent:
            number /= 100
    if not 0.0 <= number <= 1.0 or number != number:
        raise ValueError(f"probability {value!r} is outside 0–1 (or 0%–100%)")
    return number
