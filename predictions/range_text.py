"""Ranges in words: the lines the CLI and the scorecard print about a range, its implied probability and
its scores."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from predictions import numeric, ranges
from predictions.quantities import format_number


def _unit(unit: str | None) -> str:
    """A unit after a number: `%` joined, a word spaced (`28 cities`, `53.9%`)."""
    if not unit:
        return ""
    return unit if unit.strip() in ("%", "‰") else f" {unit}"


def quantiles_words(quantiles: Mapping[int, float], unit: str | None = None) -> str:
    """`p10 800 · p50 2,500 · p90 6,000 flying taxis`."""
    text = " · ".join(f"p{level} {format_number(value)}" for level, value in sorted(quantiles.items()))
    return f"{text} {unit}".rstrip() if unit else text


def range_line(claim: Mapping[str, Any], forecast: Mapping[str, Any]) -> str:
    """`range: p10 800 · p50 2,500 · p90 6,000 flying taxis; implies 0% (stated 25%)`."""
    view = numeric.range_view(claim, forecast.get("range"))
    if view is None:
        return ""
    line = f"range: {quantiles_words(view.quantiles, claim.get('unit'))}; implies {view.implied:.0%}"
    probability = forecast.get("probability")
    if probability is not None:
        line += f" (stated {probability:.0%})"
        if view.disagreement(probability):
            line += ": more than 10 points apart"
    return line


def recorded_lines(path: Path, claim_id: int, probability: float) -> list[str]:
    """After `forecast --quantiles`: the range as recorded, the probability it implies, and a warning
    when that differs from the stated one by more than 10 points (recorded all the same)."""
    from predictions.ledger import get_claim

    detail = get_claim(path, claim_id)
    latest = next((f for f in reversed(detail.forecasts) if f.get("range")), None)
    if latest is None:
        return []
    view = numeric.range_view(detail.view.row, latest["range"])
    assert view is not None
    low, high = view.interval(90)
    unit = detail.view["unit"] or ""
    whole = ", whole numbers" if view.count else ""
    lines = [
        f"range: {quantiles_words(view.quantiles, unit)} (90% between {format_number(low)} and "
        f"{format_number(high)}{whole})",
        f"implied probability that it comes true: {view.implied:.0%} (stated {probability:.0%})",
    ]
    warning = view.disagreement(probability)
    if warning:
        lines.append(f"note: {warning}")
    return lines


def outcome_lines(path: Path, claim_id: int) -> list[str]:
    """After `resolve --value`: where the outcome fell in each range on the claim."""
    from predictions.ledger import get_claim

    detail = get_claim(path, claim_id)
    current = next((r for r in reversed(detail.resolutions) if r["undone_at"] is None), None)
    if current is None or current.get("value") is None:
        return []
    value = float(current["value"])
    latest = next((f for f in reversed(detail.forecasts) if f.get("range")), None)
    view = numeric.range_view(detail.view.row, latest["range"]) if latest else None
    if view is None:
        return []
    import numpy as np

    scores = ranges.score(view.distribution, np.array([value]))
    unit = detail.view["unit"] or ""
    inside = [p for p in ranges.INTERVALS if scores.covered[p][0]]
    held = f"inside the {'/'.join(map(str, inside))}% intervals" if inside else "outside every interval"
    return [
        f"the outcome {format_number(value)} {unit}".rstrip()
        + f" is at {ranges.percentile_words(view.pit(value))} "
        f"of {latest['forecaster'] if latest else 'the'}'s latest range ({held}); "
        f"CRPS {format_number(float(scores.crps[0]))} {unit}".rstrip()
    ]


def scored_range_line(item: numeric.ScoredRange) -> str:
    """One resolved range with its outcome: `#14 … : 10 cities at the 0th percentile (p10 40 · …), CRPS 35.2`."""
    where = ranges.percentile_words(item.pit)
    unit = _unit(item.unit)
    return (
        f"#{item.claim_id} {item.statement.rstrip('.')}: outcome {format_number(item.value)}{unit} at {where} of "
        f"{item.forecaster}'s range ({quantiles_words(item.quantiles)}); CRPS {format_number(item.crps)}{unit}, "
        f"IS80 {format_number(item.interval_scores[80])}"
    )


def score_lines(record: numeric.NumericRecord) -> list[str]:
    """`score`'s numeric lines: coverage with its Wilson intervals, the PIT histogram, each range's scores."""
    lines = [record.coverage_line()]
    lines.append("  PIT histogram (10 bins, 0–1): " + " ".join(str(n) for n in record.pit_histogram))
    lines += [f"  {scored_range_line(item)}" for item in record.scored]
    return lines


def bands_caption(bands: numeric.RangeBands) -> str:
    """Under the claim's metric chart: whose range, its intervals, the implied probability, the outcome."""
    unit = _unit(bands.unit)
    low50, high50 = bands.intervals[50]
    low90, high90 = bands.intervals[90]
    stated = f" (stated {bands.probability:.0%})" if bands.probability is not None else ""
    text = (
        f"{bands.forecaster}'s range of {bands.made_on.isoformat()} for the deadline: median "
        f"{format_number(bands.median)}{unit}, 50% within {format_number(low50)}–{format_number(high50)}, 90% within "
        f"{format_number(low90)}–{format_number(high90)}; it implies {bands.implied:.0%} that the claim comes true"
        f"{stated}."
    )
    if bands.outcome is not None and bands.outcome_words:
        where = bands.outcome_words.removeprefix("outcome at ")
        text += f" The outcome, {format_number(bands.outcome)}{unit}, fell at {where}."
    return text
