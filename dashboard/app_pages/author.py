"""Author workspace: add claims, record evidence, update confidence, resolve (or undo), import files.

Registered by the router only after the author signs in. Every form goes through the same pydantic
models as the CLI; a rejected input is shown as one line per problem, and nothing is written.
"""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import streamlit as st
from pydantic import ValidationError

from dashboard import auth, data, ui
from predictions import overview, transfer
from predictions.ledger import LedgerError, utc_now
from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    ForecastBasis,
    ForecastIn,
    ObservationIn,
    Outcome,
    Precision,
    ResolutionIn,
    Source,
)

FLASH = "author_flash"
SCOPES = {"author": "the author's own claims", "all": "every forecaster"}


def text(value: str | None) -> str | None:
    return (value.strip() or None) if value else None


def made_at(day: date) -> datetime:
    now = utc_now()
    return now if day >= now.date() else datetime.combine(day, now.time())


def save(write: Callable[[], Any], message: Callable[[Any], str]) -> None:
    """Run one write; on success show `message` after a rerun, so every element reads the new state."""
    try:
        result = write()
    except LedgerError as error:
        st.error(ui.escape_markdown(error))
        return
    st.session_state[FLASH] = message(result)
    st.rerun()


def add_claim_form(author_name: str) -> None:
    with st.form("author_add_form"):
        statement = st.text_area("Statement (the checkable form)", key="author_add_statement")
        quote = st.text_area("Verbatim quote", key="author_add_quote")
        left, right = st.columns(2)
        claimant = left.text_input("Claimant", value=author_name, key="author_add_claimant")
        attribution = right.selectbox(
            "Attribution",
            [a.value for a in Attribution],
            key="author_add_attribution",
            format_func=lambda v: v.replace("_", " "),
        )
        made_on = left.date_input(
            "Made on (issue date)", value=date.today(), format="YYYY-MM-DD", key="author_add_made"
        )
        deadline = right.date_input(
            "Deadline (empty: not checkable yet)", value=None, format="YYYY-MM-DD", key="author_add_deadline"
        )
        precision = left.selectbox("Deadline precision", [p.value for p in Precision], key="author_add_precision")
        deadline_text = right.text_input("Deadline as worded (e.g. “in 2025”)", key="author_add_deadline_text")
        criteria = st.text_area("Resolution criteria", key="author_add_criteria")
        tags = st.text_input("Topics (comma-separated)", key="author_add_tags")
        probability = st.number_input(
            "Probability (%); leave empty to read it from the quote's wording",
            min_value=0.0, max_value=100.0, value=None, step=5.0, key="author_add_probability",
        )  # fmt: skip
        kind = st.selectbox("Kind", [k.value for k in ClaimKind], key="author_add_kind")
        st.caption("For threshold claims (a metric reaching a target):")
        left, mid, right = st.columns(3)
        metric = left.text_input("Metric", key="author_add_metric")
        unit = mid.text_input("Unit", key="author_add_unit")
        comparator = right.selectbox("Comparator", [c.value for c in Comparator], key="author_add_comparator")
        target = left.number_input("Target", value=None, key="author_add_target")
        baseline = mid.number_input("Baseline (optional)", value=None, key="author_add_baseline")
        baseline_on = right.date_input("Baseline date", value=None, format="YYYY-MM-DD", key="author_add_baseline_on")
        st.caption("Source (optional):")
        left, mid, right = st.columns(3)
        source_title = left.text_input("Source title", key="author_add_source_title")
        source_url = mid.text_input("Source URL", key="author_add_source_url")
        source_date = right.date_input("Published on", value=None, format="YYYY-MM-DD", key="author_add_source_date")
        if not st.form_submit_button("Add the claim", key="author_add_submit", type="primary"):
            return
    threshold = kind == ClaimKind.THRESHOLD.value
    try:
        claim = ClaimIn.model_validate(
            {
                "statement": statement,
                "quote": text(quote),
                "claimant": claimant,
                "attribution": attribution,
                "kind": kind,
                "made_on": made_on,
                "deadline": deadline,
                "deadline_precision": precision if deadline else None,
                "deadline_text": text(deadline_text),
                "resolution_criteria": text(criteria),
                "tags": [t for t in (tags or "").split(",") if t.strip()],
                "metric": text(metric) if threshold else None,
                "unit": text(unit) if threshold else None,
                "comparator": comparator if threshold else None,
                "target": target if threshold else None,
                "baseline": baseline if threshold else None,
                "baseline_on": baseline_on if threshold else None,
                "flags": [] if deadline else ["not_checkable"],
            }
        )
        source = None
        if text(source_title):
            source = Source.model_validate(
                {"title": source_title, "url": text(source_url), "published_on": source_date}
            )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    share = None if probability is None else probability / 100
    save(lambda: data.add_claim(claim, share, source), lambda new_id: f"Added claim #{new_id}.")


def observation_form(claim_id: int) -> None:
    with st.form("author_observe_form"):
        observed_on = st.date_input("Observed on", value=date.today(), format="YYYY-MM-DD", key="author_obs_on")
        value = st.number_input("Value of the metric (threshold claims)", value=None, key="author_obs_value")
        note = st.text_area("Note (what happened; enough on its own for yes/no claims)", key="author_obs_note")
        url = st.text_input("Source URL", key="author_obs_url")
        if not st.form_submit_button("Record the observation", key="author_obs_submit", type="primary"):
            return
    try:
        observation = ObservationIn.model_validate(
            {"observed_on": observed_on, "value": value, "note": text(note), "source_url": text(url)}
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.add_observation(claim_id, observation), lambda _: f"Recorded an observation on claim #{claim_id}."
    )


def confidence_form(claim_id: int, author_name: str) -> None:
    with st.form("author_forecast_form"):
        percent = st.number_input(
            "New probability (%)", min_value=0.0, max_value=100.0, value=None, step=5.0, key="author_fc_percent"
        )
        forecaster = st.text_input("Forecaster", value=author_name, key="author_fc_forecaster")
        on = st.date_input("As of", value=date.today(), format="YYYY-MM-DD", key="author_fc_on")
        note = st.text_area("Why it changed", key="author_fc_note")
        if not st.form_submit_button("Record the new confidence", key="author_fc_submit", type="primary"):
            return
    try:
        forecast = ForecastIn.model_validate(
            {
                "probability": None if percent is None else percent / 100,
                "forecaster": forecaster,
                "made_at": made_at(on),
                "basis": ForecastBasis.UPDATED,
                "note": text(note),
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.add_forecast(claim_id, forecast),
        lambda _: f"Recorded {forecast.probability:.0%} on claim #{claim_id}.",
    )


def resolve_forms(claim_id: int) -> None:
    with st.form("author_resolve_form"):
        outcome = st.selectbox("Outcome", [o.value for o in Outcome], key="author_res_outcome")
        resolved_on = st.date_input("Resolved on", value=date.today(), format="YYYY-MM-DD", key="author_res_on")
        fraction = st.number_input(
            "Fraction achieved (partial only, 0–1)", min_value=0.0, max_value=1.0, value=None, key="author_res_fraction"
        )
        note = st.text_area("Rationale", key="author_res_note")
        evidence = st.text_input("Evidence URL", key="author_res_evidence")
        resolve = st.form_submit_button("Resolve", key="author_res_submit", type="primary")
    with st.form("author_undo_form"):
        st.markdown("**Undo the resolution in force** (the one before it, if any, is in force again)")
        undo_note = st.text_input("Why", key="author_undo_note")
        undo = st.form_submit_button("Undo", key="author_undo_submit")
    if undo:
        save(
            lambda: data.undo_resolution(claim_id, text(undo_note)),
            lambda undone: f"Undid the resolution {undone['outcome']} of claim #{claim_id}.",
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
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.resolve(claim_id, resolution),
        lambda _: f"Resolved claim #{claim_id}: {resolution.outcome.value}.",
    )


def import_form() -> None:
    st.caption(
        "csv or parquet: one row per forecast (statement, probability, outcome, made_on, deadline, forecaster, tags). "
        "yaml: a newsletter issue in the seed layout. json: this tracker's own export. "
        "A file with any bad row is rejected whole and nothing is written."
    )
    upload = st.file_uploader("File", type=sorted(data.IMPORT_FORMATS), key="author_upload")
    if upload is None:
        return
    guessed = data.IMPORT_FORMATS.get(Path(upload.name).suffix.lower().lstrip("."), "csv")
    formats = sorted(set(data.IMPORT_FORMATS.values()))
    fmt = st.selectbox("Format", formats, index=formats.index(guessed), key="author_import_format")
    if not st.button("Import", key="author_import_submit", type="primary"):
        return
    bar = st.progress(0.0, text="reading the file")

    def report(share: float, what: str) -> None:
        bar.progress(share, text=what)

    name = ui.escape_markdown(upload.name)
    try:
        result = data.import_upload(upload.name, upload.getvalue(), fmt, report)
    except transfer.ImportProblems as problems:
        bar.empty()
        st.error(f"Nothing imported: {len(problems.problems)} problem(s) in {name}.")
        st.dataframe([{"problem": line} for line in problems.problems], key="author_import_problems", hide_index=True)
        return
    except LedgerError as error:
        bar.empty()
        st.error(ui.escape_markdown(error))
        return
    bar.progress(1.0, text="done")
    st.session_state[FLASH] = (
        f"Imported {name}: {result.claims_added} claims added ({result.claims_existing} already there), "
        f"{result.forecasts_added} forecasts, {result.observations_added} observations, "
        f"{result.resolutions_added} resolutions."
    )
    st.rerun()


def scorecard_form() -> None:
    st.caption(
        "The section to paste into the next issue: claims resolved since a date with the confidence given, the "
        "Brier score before and now, calibration, and what comes due next (as `predictions scorecard` writes it)."
    )
    left, mid, right = st.columns(3)
    since = left.date_input(
        "Resolved since",
        value=date.today() - timedelta(days=31),
        max_value=date.today(),
        format="YYYY-MM-DD",
        key="author_card_since",
    )
    fmt = mid.selectbox("Format", ["markdown", "html"], key="author_card_format")
    whose = right.selectbox(
        "Whose forecasts", ["author", "all"], key="author_card_scope", format_func=lambda v: SCOPES[v]
    )
    if not isinstance(since, date):
        return
    try:
        text = data.scorecard_text(since, fmt, "author" if whose == "author" else None)
    except LedgerError as error:
        st.error(ui.escape_markdown(error))
        return
    st.download_button(
        "Download", text, file_name=f"scorecard-{since.isoformat()}.{'md' if fmt == 'markdown' else 'html'}",
        key="author_card_download",
    )  # fmt: skip
    st.code(text, language=fmt, wrap_lines=True)


def claim_picker(claims: overview.ClaimTable) -> int | None:
    with st.container(border=True):
        st.markdown("**Claim to work on** (observations, confidence, resolutions)")
        search = st.text_input("Find by id or words", key="author_claim_search")
        found = overview.search_claims(claims, search, limit=100)
        labels = {int(row["id"]): f"#{row['id']} [{row['status']}] {row['statement'][:110]}" for row in found}
        claim_id = st.selectbox(
            "Claim", list(labels), format_func=lambda i: labels.get(i, f"#{i}"), key="author_claim", index=None
        )
        if claim_id is not None:
            st.page_link("app_pages/claim.py", label=f"Open claim #{claim_id}", query_params={"claim": str(claim_id)})
    return claim_id


if not auth.signed_in():  # the router registers this page only when signed in; this guards direct use
    st.error("Sign in as the author to use this page.")
    st.stop()

author_name = data.settings().author_name
st.title("Author workspace")
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

chosen = claim_picker(data.claims())
tabs = st.tabs(
    ["Add a claim", "Record an observation", "Update confidence", "Resolve or undo", "Import a file", "Scorecard"]
)
with tabs[0]:
    add_claim_form(author_name)
for tab, form in zip(
    tabs[1:4],
    (observation_form, lambda claim_id: confidence_form(claim_id, author_name), resolve_forms),
    strict=True,
):
    with tab:
        if chosen is None:
            st.info("Choose a claim above first.")
        else:
            form(chosen)
with tabs[4]:
    import_form()
with tabs[5]:
    scorecard_form()
