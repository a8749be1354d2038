"""The workspace's "Evidence" tab, for the chosen claim: record an observation, update the confidence,
resolve it or undo its resolution."""

from __future__ import annotations

from datetime import date, datetime

import streamlit as st
from pydantic import ValidationError

from dashboard import data, range_form, ui
from dashboard.forms import empty_if_saved, save, show_flash, text
from predictions.ledger import utc_now
from predictions.models import (
    ForecastBasis,
    ForecastIn,
    ObservationIn,
    Outcome,
    ResolutionIn,
)


def made_at(day: date) -> datetime:
    now = utc_now()
    return now if day >= now.date() else datetime.combine(day, now.time())


def observation_form(claim_id: int) -> None:
    empty_if_saved(
        "observe",
        {"author_obs_on": date.today(), "author_obs_value": None, "author_obs_note": "", "author_obs_url": ""},
    )
    with st.form("author_observe_form"):
        observed_on = st.date_input("Observed on", value=date.today(), format="YYYY-MM-DD", key="author_obs_on")
        value = st.number_input("Value of the metric (threshold claims)", value=None, key="author_obs_value")
        note = st.text_area("Note (what happened; enough on its own for yes/no claims)", key="author_obs_note")
        url = st.text_input("Source URL", key="author_obs_url")
        submitted = st.form_submit_button("Record the observation", key="author_obs_submit", type="primary")
    show_flash("observe")
    if not submitted:
        return
    try:
        observation = ObservationIn.model_validate(
            {"observed_on": observed_on, "value": value, "note": text(note), "source_url": text(url)}
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.add_observation(claim_id, observation),
        lambda _: f"Recorded an observation on claim #{claim_id}.",
        where="observe",
        clear=("observe",),
    )


def confidence_form(claim_id: int, author_name: str) -> None:
    empty_if_saved(
        "forecast",
        {
            "author_fc_percent": None,
            "author_fc_forecaster": author_name,
            "author_fc_on": date.today(),
            "author_fc_note": "",
            **range_form.defaults(),
        },
    )
    quantiles = range_form.range_inputs(claim_id)  # a threshold claim's range, previewed live
    with st.form("author_forecast_form"):
        percent = st.number_input(
            "New probability (%)", min_value=0.0, max_value=100.0, value=None, step=5.0, key="author_fc_percent"
        )
        forecaster = st.text_input("Forecaster", value=author_name, key="author_fc_forecaster")
        on = st.date_input("As of", value=date.today(), format="YYYY-MM-DD", key="author_fc_on")
        note = st.text_area("Why it changed", key="author_fc_note")
        submitted = st.form_submit_button("Record the new confidence", key="author_fc_submit", type="primary")
    show_flash("forecast")
    if not submitted:
        return
    try:
        forecast = ForecastIn.model_validate(
            {
                "probability": None if percent is None else percent / 100,
                "forecaster": forecaster,
                "made_at": made_at(on),
                "basis": ForecastBasis.UPDATED,
                "note": text(note),
                "quantiles": quantiles,
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.add_forecast(claim_id, forecast),
        lambda _: (
            f"Recorded {forecast.probability:.0%} on claim #{claim_id}."
            + range_form.disagreement_note(claim_id, quantiles, forecast.probability)
        ),
        where="forecast",
        clear=("forecast",),
    )


def resolve_forms(claim_id: int) -> None:
    empty_if_saved(
        "resolve",
        {
            "author_res_outcome": next(iter(Outcome)).value,
            "author_res_on": date.today(),
            "author_res_fraction": None,
            "author_res_note": "",
            "author_res_evidence": "",
            "author_res_value": None,
        },
    )
    empty_if_saved("undo", {"author_undo_note": ""})
    with st.form("author_resolve_form"):
        outcome = st.selectbox("Outcome", [o.value for o in Outcome], key="author_res_outcome")
        resolved_on = st.date_input("Resolved on", value=date.today(), format="YYYY-MM-DD", key="author_res_on")
        fraction = st.number_input(
            "Fraction achieved (partial only, 0–1)", min_value=0.0, max_value=1.0, value=None, key="author_res_fraction"
        )
        value = st.number_input(
            "Value it rests on (threshold claims: the metric at the deadline)", value=None, format="%g",
            key="author_res_value",
        )  # fmt: skip
        note = st.text_area("Rationale", key="author_res_note")
        evidence = st.text_input("Evidence URL", key="author_res_evidence")
        resolve = st.form_submit_button("Resolve", key="author_res_submit", type="primary")
    show_flash("resolve")
    with st.form("author_undo_form"):
        st.markdown("**Undo the resolution in force** (the one before it, if any, is in force again)")
        undo_note = st.text_input("Why", key="author_undo_note")
        undo = st.form_submit_button("Undo", key="author_undo_submit")
    show_flash("undo")
    if undo:
        save(
            lambda: data.undo_resolution(claim_id, text(undo_note)),
            lambda undone: f"Undid the resolution {undone['outcome']} of claim #{claim_id}.",
            where="undo",
            clear=("undo",),
        )
    if not resolve:
        return
    try:
        resolution = ResolutionIn.model_validate(
            {
                "outcome": outcome,
                "resolved_on": resolved_on,
                "fraction": fraction,
                "note": text(note),
                "evidence_url": text(evidence),
                "value": value,
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.resolve(claim_id, resolution),
        lambda _: f"Resolved claim #{claim_id}: {resolution.outcome.value}.",
        where="resolve",
        clear=("resolve",),
    )
