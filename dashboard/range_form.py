"""The workspace's range entry: p10, p50 and p90 of a threshold claim's metric at the deadline, with a
live preview of the distribution they stand for and the probability it implies (predictions.ranges).

The three inputs sit outside the forecast form, so each change redraws the preview at once; the form's
submit reads them."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data, ui
from dashboard.render import range_charts
from predictions.quantities import format_number
from predictions.ranges import RangeError

LEVELS = (10, 50, 90)
KEYS = {level: f"author_fc_p{level}" for level in LEVELS}


def defaults() -> dict[str, Any]:
    """What a saved forecast form puts the inputs back to (dashboard.forms.empty_if_saved)."""
    return dict.fromkeys(KEYS.values())


def range_inputs(claim_id: int) -> dict[int, float] | None:
    """The range typed for a threshold claim (None when none is given, or the claim takes none)."""
    detail = data.claim(claim_id)
    row = detail.view.row
    if row["kind"] != "threshold" or row["target"] is None:
        return None
    unit = row["unit"] or ""
    with st.container(border=True):
        st.markdown(
            f"**Range (optional): where will {ui.escape_markdown(row['metric'] or 'the metric')} be at the deadline?** "
            f"10% chance below p10, half below p50, 90% below p90 ({ui.escape_markdown(unit) or 'its units'})."
        )
        columns = st.columns(len(LEVELS))
        given: dict[int, float] = {}
        for column, level in zip(columns, LEVELS, strict=True):
            value = column.number_input(f"p{level}", value=None, step=1.0, format="%g", key=KEYS[level])
            if value is not None:
                given[level] = float(value)
        if not given:
            st.caption("Leave them empty to record the probability alone.")
            return None
        if len(given) < len(LEVELS):
            st.caption("Give all three quantiles to see the distribution.")
            return given  # the model says what is missing when the form is sent
        observed = [float(o["value"]) for o in detail.observations if o["value"] is not None]
        try:
            view = data.range_preview(row, given, observed)
        except RangeError as error:
            st.warning(str(error))
            return given
        stated = detail.last_counted_forecast["probability"] if detail.last_counted_forecast else None
        ui.plotly_chart(
            range_charts.distribution_figure(view, "The distribution of this range", stated), key="author_fc_preview"
        )
        low, high = view.interval(90)
        st.markdown(
            f"Implied probability that the claim comes true: **{view.implied:.0%}** "
            f"(90% between {format_number(low)} and {format_number(high)}"
            f"{', whole numbers' if view.count else ''})."
        )
        if stated is not None and view.disagreement(stated):
            st.warning(
                f"The range implies {view.implied:.0%}, the current stated probability is {stated:.0%}: more than "
                "10 points apart. Check the new probability below against it (it is recorded either way)."
            )
    return given


def disagreement_note(claim_id: int, quantiles: dict[int, float] | None, probability: float) -> str:
    """After saving: a sentence when the recorded range and probability are more than 10 points apart."""
    if not quantiles:
        return ""
    detail = data.claim(claim_id)
    observed = [float(o["value"]) for o in detail.observations if o["value"] is not None]
    try:
        view = data.range_preview(detail.view.row, quantiles, observed)
    except RangeError:
        return ""
    if view.disagreement(probability):
        return f" Note: the range implies {view.implied:.0%}, more than 10 points from the {probability:.0%} recorded."
    return f" The range implies {view.implied:.0%}."
