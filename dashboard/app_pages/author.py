"""Author workspace: add claims, review a new issue's candidate claims, record evidence, update
confidence, resolve (or undo), import files.

Always registered by the router, so `/author` can be bookmarked: signed out it shows the sign-in form.
The tabs keep their selection across saves; each confirmation appears below the button that caused it,
and a form is emptied after its save, so a second click cannot store the same thing twice. Every form
goes through the same pydantic models as the CLI; a rejected input is shown as one line per problem,
and nothing is written.

Long because each tab's form is wired here; the form plumbing lives in dashboard/forms.py and the
watched sources (their tab and the candidate notes under "Needs a verdict") in dashboard/watch_panel.py.
"""

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dashboard import auth, data, reader_panel, review, ui, watch_panel
from dashboard.forms import empty_if_saved, flash, save, show_flash, text
from predictions import imports, overview, verdicts, words
from predictions.extract import Candidate, ExtractError
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
from predictions.numbers import format_number

TAB = "author_tab"  # the selected tab, kept across saves and reruns
TABS = (  # fixed labels: a label that changed (a count in it) would reset the selection
    "Needs a verdict",
    "Add a claim",
    "New issue",
    "Record an observation",
    "Update confidence",
    "Resolve or undo",
    "Correct or withdraw",
    "Import a file",
    "Scorecard",
    "Reminders",
    "Watched sources",
    "Readers",
)
PENDING = "author_add_pending"
REVIEW_STATE = (  # session keys of the "New issue" tab: the review in progress
    "review_candidates",
    "review_rows",
    "review_source",
    "review_editor",
)
REVIEW_INPUTS = (  # ... and its inputs, cleared after a save
    "review_title",
    "review_date",
    "review_url",
    "review_text",
    "review_upload",
)
DEADLINE_PASSED = "deadline passed"  # a review item's usual reason; any other one is shown with it
SCOPES = {"author": "the author's own claims", "all": "every forecaster"}


def made_at(day: date) -> datetime:
    now = utc_now()
    return now if day >= now.date() else datetime.combine(day, now.time())


def add_claim_form(author_name: str) -> None:
    empty_if_saved(
        "add",
        {
            **{f"author_add_{name}": "" for name in ("statement", "quote", "deadline_text", "criteria", "tags")},
            **{f"author_add_{name}": "" for name in ("metric", "unit", "source_title", "source_url")},
            **{f"author_add_{name}": None for name in ("deadline", "precision", "probability", "target", "baseline")},
            **{f"author_add_{name}": None for name in ("baseline_on", "source_date")},
            "author_add_claimant": author_name,
            "author_add_made": date.today(),
            "author_add_attribution": next(iter(Attribution)).value,
            "author_add_kind": next(iter(ClaimKind)).value,
            "author_add_comparator": next(iter(Comparator)).value,
        },
    )
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
        precision = left.selectbox(
            "Deadline precision",
            [p.value for p in Precision],
            index=None,
            placeholder="day (or choose)",
            key="author_add_precision",
        )
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
        target = left.number_input("Target", value=None, format="%g", key="author_add_target")
        baseline = mid.number_input("Baseline (optional)", value=None, key="author_add_baseline")
        baseline_on = right.date_input("Baseline date", value=None, format="YYYY-MM-DD", key="author_add_baseline_on")
        st.caption("Source (optional):")
        left, mid, right = st.columns(3)
        source_title = left.text_input("Source title", key="author_add_source_title")
        source_url = mid.text_input("Source URL", key="author_add_source_url")
        source_date = right.date_input("Published on", value=None, format="YYYY-MM-DD", key="author_add_source_date")
        submitted = st.form_submit_button("Add the claim", key="author_add_submit", type="primary")
    show_flash("add")
    if not submitted:
        return
    if isinstance(deadline, date) and isinstance(made_on, date) and deadline < made_on:
        st.error(
            f"Not saved: the deadline {deadline.isoformat()} is before “Made on (issue date)” "
            f"{made_on.isoformat()}. Set “Made on” to the day the prediction was made (on or before the "
            "deadline), or correct the deadline."
        )
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
                "deadline_precision": (precision or Precision.DAY.value) if deadline else None,
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
    repeat = data.find_repeat(claim.statement, source)
    if repeat is not None:  # ask first: the same statement of the same source is most likely a slip
        st.session_state[PENDING] = (claim, share, source, repeat)
        return
    save(
        lambda: data.add_claim(claim, share, source),
        lambda new_id: f"Added claim #{new_id}.",
        where="add",
        clear=("add",),
    )


def confirm_repeat() -> None:
    """A claim held back because it repeats a stored one: add it anyway, or drop it."""
    pending = st.session_state.get(PENDING)
    if pending is None:
        return
    claim, share, source, repeat = pending
    st.warning(
        f"Claim #{repeat} already says “{ui.escape_markdown(claim.statement)}” (same source; case and spacing "
        "ignored). Add it again anyway?"
    )
    left, right = st.columns(2)
    if left.button("Add it anyway", key="author_add_repeat_yes"):
        st.session_state.pop(PENDING, None)
        save(
            lambda: data.add_claim(claim, share, source),
            lambda new_id: f"Added claim #{new_id} (a repeat of #{repeat}).",
            where="add",
            clear=("add",),
        )
    if right.button("Don't add it", key="author_add_repeat_no"):
        st.session_state.pop(PENDING, None)
        st.rerun()


def read_new_issue(author_name: str) -> None:
    """Extract the issue's candidates into the session (nothing is written), replacing any earlier review."""
    upload = st.session_state.get("review_upload")
    try:
        source = review.issue_source(
            st.session_state.get("review_title"),
            st.session_state.get("review_date"),
            st.session_state.get("review_url"),
            author_name,
        )
        text = review.issue_text(
            st.session_state.get("review_text"),
            upload.name if upload is not None else None,
            upload.getvalue() if upload is not None else None,
        )
    except review.IssueError as error:
        st.error(ui.escape_markdown(f"Cannot extract: {error}."))
        return
    with st.spinner("Reading the issue and comparing it with the stored claims…"):
        candidates = review.extract(text, source, author_name)
        duplicates = review.duplicate_of(candidates, review.stored_claims(data.claims()))
    for key in REVIEW_STATE:
        st.session_state.pop(key, None)
    st.session_state["review_candidates"] = candidates
    st.session_state["review_rows"] = review.editor_rows(candidates, duplicates)
    st.session_state["review_source"] = source


def candidates_editor(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates as an editable table (text shown as typed: the editor never renders HTML)."""
    frame = pd.DataFrame(rows, columns=list(review.COLUMNS), index=pd.RangeIndex(1, len(rows) + 1, name="row"))
    frame["target"] = frame["target"].astype("float64")
    frame["probability"] = frame["probability"].astype("float64")
    column = st.column_config
    edited = st.data_editor(
        frame,
        key="review_editor",
        num_rows="fixed",
        height=min(35 * (len(rows) + 1) + 3, 700),
        disabled=list(review.READ_ONLY),
        column_order=list(review.COLUMNS),
        column_config={
            "accept": column.CheckboxColumn("accept", help="Save this candidate as a claim", width="small"),
            "statement": column.TextColumn("statement", help="The checkable form of the claim", width="large"),
            "claimant": column.TextColumn("claimant", help="Who makes the prediction"),
            "attribution": column.SelectboxColumn("attribution", options=[a.value for a in Attribution]),
            "kind": column.SelectboxColumn("kind", options=[k.value for k in ClaimKind], width="small"),
            "deadline": column.DateColumn("deadline", format="YYYY-MM-DD", help="Empty: not checkable yet"),
            review.PHRASE: column.TextColumn(
                review.PHRASE, help="The words the deadline was read from (and where, if not in the sentence)"
            ),
            "precision": column.SelectboxColumn("precision", options=[p.value for p in Precision], width="small"),
            "metric": column.TextColumn("metric", help="Threshold claims: what is measured"),
            "unit": column.TextColumn("unit", width="small"),
            "comparator": column.SelectboxColumn("comparator", options=[c.value for c in Comparator], width="small"),
            "target": column.NumberColumn("target", help="Threshold claims: the value to reach"),
            "probability": column.NumberColumn(
                "probability", min_value=0.0, max_value=1.0, step=0.01, format="%.2f",
                help="The first forecast (0–1), suggested from the quote's wording",
            ),
            "criteria": column.TextColumn("resolution criteria", width="large"),
            "topics": column.TextColumn("topics", help="Comma-separated"),
            "quote": column.TextColumn("quote", width="large"),
            "duplicate of": column.TextColumn("duplicate of", help="The stored claim this candidate repeats"),
        },
    )  # fmt: skip
    return list(edited.to_dict("records"))


def save_review(candidates: list[Candidate], rows: list[dict[str, Any]], author_name: str) -> None:
    """Validate every accepted row; save them all in one transaction, or nothing with one line per problem."""
    extracted: Source = st.session_state["review_source"]
    try:
        source = review.issue_source(
            st.session_state.get("review_title"),
            st.session_state.get("review_date"),
            st.session_state.get("review_url"),
            author_name,
        )
    except review.IssueError as error:
        st.error(ui.escape_markdown(f"Nothing saved: {error}."))
        return
    if source.published_on != extracted.published_on:
        st.error(
            ui.escape_markdown(
                f"Nothing saved: the candidates were read against the issue date {extracted.published_on}; "
                "extract again to read them against the new date."
            )
        )
        return
    checked = review.review_rows(candidates, rows)
    if checked.problems:
        st.error(f"Nothing saved: {len(checked.problems)} problem(s) in the accepted rows.")
        st.dataframe([{"problem": line} for line in checked.problems], key="review_problems", hide_index=True)
        return
    try:
        result = review.save(source, checked.accepted)
    except (ExtractError, LedgerError) as error:
        st.error(ui.escape_markdown(f"Nothing saved: {error}"))
        return
    for key in (*REVIEW_STATE, *REVIEW_INPUTS):
        st.session_state.pop(key, None)
    already = f" ({result.skipped} already there)" if result.skipped else ""
    flash(
        "review",
        f"Saved {result.added} claim{'s' if result.added != 1 else ''}{already} from "
        f"{ui.escape_markdown(source.title)} ({source.published_on}).",
    )
    st.rerun()


def new_issue_form(author_name: str) -> None:
    st.caption(
        "Paste a newsletter issue or upload it (text, Markdown or HTML), extract its forward-looking statements "
        "(as `predictions extract` does), then accept, edit or reject each candidate and save the accepted ones "
        "as claims of this issue in one step. Nothing is written before you save."
    )
    left, mid, right = st.columns(3)
    left.text_input("Issue title", key="review_title")
    mid.date_input("Issue date", value=None, format="YYYY-MM-DD", key="review_date")
    right.text_input("Issue URL (optional)", key="review_url", placeholder="https://…")
    st.text_area("Paste the issue", key="review_text", height=200, max_chars=review.MAX_ISSUE_CHARS)
    st.file_uploader("…or upload it (an upload is read instead of the pasted text)", type=list(review.ISSUE_TYPES),
                     key="review_upload")  # fmt: skip
    if st.button("Extract claims", key="review_extract"):
        read_new_issue(author_name)
    show_flash("review")
    candidates: list[Candidate] | None = st.session_state.get("review_candidates")
    if candidates is None:
        return
    source: Source = st.session_state["review_source"]
    about = f"{ui.escape_markdown(source.title)} ({source.published_on})"
    if not candidates:
        st.info(f"No forward-looking statements found in {about}.")
        return
    rows: list[dict[str, Any]] = st.session_state["review_rows"]
    repeats = sum(1 for row in rows if row["duplicate of"])
    st.markdown(
        f"**{len(candidates)} candidate claims** from {about}. Untick “accept” to reject one; edit any white cell."
        + (f" {repeats} repeat a stored claim (see “duplicate of”) and are not accepted by default." if repeats else "")
    )
    edited = candidates_editor(rows)
    accepted = review.accepted_count(edited)
    label = f"Save {accepted} accepted claim{'s' if accepted != 1 else ''}"
    if st.button(label, key="review_save", type="primary", disabled=accepted == 0):
        save_review(candidates, edited, author_name)


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
        },
    )
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
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    save(
        lambda: data.add_forecast(claim_id, forecast),
        lambda _: f"Recorded {forecast.probability:.0%} on claim #{claim_id}.",
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
        },
    )
    empty_if_saved("undo", {"author_undo_note": ""})
    with st.form("author_resolve_form"):
        outcome = st.selectbox("Outcome", [o.value for o in Outcome], key="author_res_outcome")
        resolved_on = st.date_input("Resolved on", value=date.today(), format="YYYY-MM-DD", key="author_res_on")
        fraction = st.number_input(
            "Fraction achieved (partial only, 0–1)", min_value=0.0, max_value=1.0, value=None, key="author_res_fraction"
        )
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


def import_form() -> None:
    st.caption(
        "csv or parquet: one row per forecast (statement, probability, outcome, made_on, deadline, forecaster, tags). "
        "yaml: a newsletter issue in the seed layout. json: this tracker's own export. "
        "evidence: dated, sourced facts (claim_key or claim_id, observed_on, value, note, source_url, "
        "source_published, confidence), as csv or a json array; a row already recorded is not added again. "
        "A file with any bad row is rejected whole and nothing is written."
    )
    upload = st.file_uploader("File", type=sorted(data.IMPORT_FORMATS), key="author_upload")
    show_flash("import")
    if upload is None:
        return
    name = ui.escape_markdown(upload.name)
    guessed = data.IMPORT_FORMATS.get(Path(upload.name).suffix.lower().lstrip("."), "csv")
    if "evidence" in upload.name.lower():
        guessed = data.EVIDENCE
    formats = [*sorted(set(data.IMPORT_FORMATS.values())), data.EVIDENCE]
    fmt = st.selectbox("Format", formats, index=formats.index(guessed), key="author_import_format")
    if not st.button("Import", key="author_import_submit", type="primary"):
        return
    if fmt == data.EVIDENCE:
        try:
            found = data.import_evidence(upload.name, upload.getvalue())
        except imports.ImportProblems as problems:
            st.error(f"Nothing imported: {len(problems.problems)} problem(s) in {name}.")
            st.dataframe(
                [{"problem": line} for line in problems.problems], key="author_import_problems", hide_index=True
            )
            return
        except LedgerError as error:
            st.error(ui.escape_markdown(error))
            return
        flash("import", f"Imported {name}: {found.added} observations added, {found.existing} already there.")
        st.rerun()
    bar = st.progress(0.0, text="reading the file")

    def report(share: float, what: str) -> None:
        bar.progress(share, text=what)

    try:
        result = data.import_upload(upload.name, upload.getvalue(), fmt, report)
    except imports.ImportProblems as problems:
        bar.empty()
        st.error(f"Nothing imported: {len(problems.problems)} problem(s) in {name}.")
        st.dataframe([{"problem": line} for line in problems.problems], key="author_import_problems", hide_index=True)
        return
    except LedgerError as error:
        bar.empty()
        st.error(ui.escape_markdown(error))
        return
    bar.progress(1.0, text="done")
    flash(
        "import",
        f"Imported {name}: {words.count(result.claims_added, 'claim')} added ({result.claims_existing:,} already "
        f"there), {words.count(result.forecasts_added, 'forecast')}, "
        f"{words.count(result.observations_added, 'observation')}, "
        f"{words.count(result.resolutions_added, 'resolution')}.",
    )
    st.rerun()


def proposal_words(proposed: int, total: int) -> str:
    """How many of the claims waiting for a verdict the data proposes an outcome for, as a sentence."""
    if proposed == 0:
        return "the data proposes no outcome for any of them."
    if proposed == total:
        return "the data proposes an outcome for " + ("it." if total == 1 else f"all {total:,} of them.")
    return f"the data proposes an outcome for {proposed:,} of them."


def verdict_queue() -> None:
    """The claims past their deadline with no verdict: evidence, the data's proposal, and a verdict form."""
    watch_panel.candidate_section()
    queue = data.review_queue()
    show_flash("verdict")
    if not queue:
        st.success("Nothing needs a verdict: every claim past its deadline is resolved.")
        return
    proposed = sum(1 for item in queue if item.proposal.outcome is not None)
    st.markdown(
        f"**{words.count(len(queue), 'claim')} {'needs' if len(queue) == 1 else 'need'} a verdict**, oldest "
        f"deadline first; {proposal_words(proposed, len(queue))} Each saved verdict is an ordinary resolution "
        "(append-only, undoable) and leaves this list."
    )
    labels = {
        item.id: f"#{item.id} · due {item.claim['deadline']:%Y-%m-%d} · "
        + (f"{item.reason} · " if item.reason != DEADLINE_PASSED else "")
        + (f"data proposes {item.proposal.outcome} · " if item.proposal.outcome else "")
        + item.claim["statement"][:90]
        for item in queue
    }
    chosen = st.selectbox(
        "Claim", list(labels), format_func=lambda i: labels.get(i, f"#{i}"), key="verdict_claim", index=0
    )
    item = next((q for q in queue if q.id == chosen), queue[0])
    claim = item.claim
    with st.container(border=True):
        st.markdown(f"**#{item.id} {ui.escape_markdown(claim['statement'])}**")
        if claim["quote"]:
            st.markdown("> " + ui.escape_markdown(claim["quote"]))
        confidence = f"{claim['probability']:.0%}" if claim["probability"] is not None else "none recorded"
        st.markdown(
            f"**Deadline:** {claim['deadline']:%Y-%m-%d} · **last confidence:** {confidence} · "
            f"**kind:** {claim['kind']}"
            + (f" · **in the queue:** {item.reason}" if item.reason != DEADLINE_PASSED else "")
            + (
                f" · **target:** {ui.escape_markdown(claim['metric'])} {claim['comparator']} "
                f"{format_number(claim['target'])} {ui.escape_markdown(claim['unit'] or '')}"
                if claim["kind"] == "threshold"
                else ""
            )
        )
        st.markdown("**Resolution criteria:** " + ui.escape_markdown(claim["resolution_criteria"] or "none written"))
        if item.proposal.outcome is not None:
            st.info(f"The data proposes **{item.proposal.outcome}**: {ui.escape_markdown(item.proposal.basis)}.")
        else:
            st.caption(f"No proposal: {ui.escape_markdown(item.proposal.basis)}.")
    if item.evidence:
        st.dataframe(
            [
                {
                    "observed on": o["observed_on"].isoformat(),
                    "value": format_number(o["value"]) if o["value"] is not None else None,
                    "note": o["note"] or "",
                    "source": ui.safe_url(o["source_url"]),
                    "confidence": o["confidence"],
                }
                for o in item.evidence
            ],
            key=f"verdict_evidence_{item.id}",
            hide_index=True,
            placeholder="–",
            column_config={
                "source": st.column_config.LinkColumn("source", display_text="open ↗"),
                "note": st.column_config.TextColumn("note", width="large"),
            },
        )
    else:
        st.caption("No evidence recorded for this claim.")
    outcomes = [o.value for o in Outcome]
    with st.form(f"verdict_form_{item.id}"):
        outcome = st.radio(
            "Verdict",
            outcomes,
            index=outcomes.index(item.proposal.outcome) if item.proposal.outcome else None,
            horizontal=True,
            key=f"verdict_outcome_{item.id}",
            help="Pre-selected where the data proposes one; any outcome can be chosen.",
        )
        left, right = st.columns(2)
        resolved_on = left.date_input(
            "Resolved on", value=date.today(), format="YYYY-MM-DD", key=f"verdict_on_{item.id}"
        )
        fraction = right.number_input(
            "Fraction achieved (partial only, 0–1)", min_value=0.0, max_value=1.0, value=None,
            key=f"verdict_fraction_{item.id}",
        )  # fmt: skip
        note = st.text_area("Note (what the verdict rests on)", value=item.note_draft(), key=f"verdict_note_{item.id}")
        evidence_url = st.text_input("Evidence URL", value=item.evidence_url() or "", key=f"verdict_url_{item.id}")
        submitted = st.form_submit_button("Save the verdict", key=f"verdict_submit_{item.id}", type="primary")
    if not submitted:
        return
    if outcome is None:
        st.error("Choose a verdict first.")
        return
    try:
        resolution = ResolutionIn.model_validate(
            {
                "outcome": outcome,
                "resolved_on": resolved_on,
                "fraction": fraction if outcome == Outcome.PARTIAL.value else None,
                "note": text(note),
                "evidence_url": text(evidence_url),
            }
        )
    except ValidationError as error:
        ui.show_validation_error(error)
        return
    left_after = len(queue) - 1
    st.session_state.pop("verdict_claim", None)
    save(
        lambda: data.resolve(item.id, resolution),
        lambda _: (
            f"Resolved claim #{item.id}: {resolution.outcome.value}. "
            + (f"{left_after} left to review." if left_after else "The queue is empty.")
        ),
        where="verdict",
    )


def correction_forms(claim_id: int) -> None:
    """Amend a claim's fields or withdraw it; each is a new row with its reason, never an edit."""
    detail = data.claim(claim_id)
    row = detail.view.row
    empty_if_saved("amend", {f"author_amend_reason_{claim_id}": ""})  # the reason is required: no repeat
    empty_if_saved("withdraw", {f"author_withdraw_reason_{claim_id}": "", f"author_withdraw_dup_{claim_id}": None})
    st.caption(
        "A correction is recorded with its reason and shown on the claim's page; the claim as first made stays "
        "readable. Leave a field empty to keep it."
    )
    with st.form(f"author_amend_form_{claim_id}"):
        statement = st.text_area("Statement", value=row["statement"], key=f"author_amend_statement_{claim_id}")
        left, right = st.columns(2)
        deadline = left.date_input(
            "Deadline", value=row["deadline"], format="YYYY-MM-DD", key=f"author_amend_deadline_{claim_id}"
        )
        precisions = [p.value for p in Precision]
        precision = right.selectbox(
            "Deadline precision",
            precisions,
            index=precisions.index(row["deadline_precision"]) if row["deadline_precision"] in precisions else 0,
            key=f"author_amend_precision_{claim_id}",
        )
        criteria = st.text_area(
            "Resolution criteria", value=row["resolution_criteria"] or "", key=f"author_amend_criteria_{claim_id}"
        )
        target = None
        if row["kind"] == "threshold":
            target = left.number_input(
                "Target", value=row["target"], format="%g", key=f"author_amend_target_{claim_id}"
            )
        tags = right.text_input(
            "Topics (comma-separated)", value=", ".join(row["tags"] or []), key=f"author_amend_tags_{claim_id}"
        )
        reason = st.text_input("Reason (required)", key=f"author_amend_reason_{claim_id}")
        amend = st.form_submit_button("Amend the claim", key=f"author_amend_submit_{claim_id}", type="primary")
    with st.form(f"author_withdraw_form_{claim_id}"):
        st.markdown("**Withdraw the claim** from every list, score and reminder (its link keeps working)")
        withdraw_reason = st.text_input("Reason (required)", key=f"author_withdraw_reason_{claim_id}")
        duplicate_of = st.number_input(
            "Duplicate of claim # (optional)", min_value=1, value=None, step=1, key=f"author_withdraw_dup_{claim_id}"
        )
        withdraw = st.form_submit_button("Withdraw", key=f"author_withdraw_submit_{claim_id}")
    show_flash("correct")
    if withdraw and not (withdraw_reason or "").strip():
        st.error('Not withdrawn: write why in "Reason (required)" above the Withdraw button.')
    elif withdraw:
        save(
            lambda: data.withdraw(claim_id, withdraw_reason, int(duplicate_of) if duplicate_of else None),
            lambda _: f"Withdrew claim #{claim_id}.",
            where="correct",
            clear=("withdraw",),
        )
    if not amend:
        return
    if not (reason or "").strip():
        st.error('Not amended: write why in "Reason (required)" above the button.')
        return
    wanted_tags = [t.strip().lower() for t in (tags or "").split(",") if t.strip()]
    amendment = verdicts.Amendment(
        reason=reason,
        statement=statement if statement.strip() != row["statement"] else None,
        deadline=deadline if isinstance(deadline, date) and deadline != row["deadline"] else None,
        deadline_precision=Precision(precision)
        if isinstance(deadline, date) and (deadline != row["deadline"] or precision != row["deadline_precision"])
        else None,
        resolution_criteria=criteria if (criteria or "") != (row["resolution_criteria"] or "") else None,
        target=target if target is not None and target != row["target"] else None,
        tags=wanted_tags if wanted_tags != list(row["tags"] or []) else None,
    )
    if amendment.deadline_precision is not None and amendment.deadline is None:
        amendment.deadline = deadline if isinstance(deadline, date) else None
    save(
        lambda: data.amend(claim_id, amendment),
        lambda changes: f"Amended claim #{claim_id}: {ui.escape_markdown(words.changes_text(changes))}.",
        where="correct",
        clear=("amend",),
    )


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


def reminders_panel(claims: overview.ClaimTable) -> None:
    """The reminder bookkeeping readers do not need: each due claim's reminder state, and the inbox."""
    today = data.today()
    states = data.reminder_states()
    due = [*overview.overdue(claims, limit=ui.MAX_TABLE_ROWS), *overview.due_within(claims, today, 90, limit=200)]
    st.caption(
        "Reminders go out before each deadline, on the day and while a claim stays overdue "
        "(`predictions remind run`, started by `make run`). The claims due within 90 days or overdue:"
    )
    if due:
        st.dataframe(
            [
                {
                    "claim": ui.claim_url(r["id"]),
                    "deadline": r["deadline"],
                    "statement": r["statement"],
                    "reminders": overview.reminder_label(states.get(int(str(r["id"])))),
                }
                for r in due
            ],
            key="author_reminder_states",
            hide_index=True,
            column_config={
                "claim": st.column_config.LinkColumn("claim", display_text=r"\?claim=(\d+)$", width="small"),
                "statement": st.column_config.TextColumn("statement", width="large"),
            },
        )
    st.markdown("**Reminder inbox**")
    messages = data.inbox()
    if not messages:
        st.info("No reminders sent yet: the reminder process records each one here once it runs.")
        return
    st.dataframe(
        [
            {
                "due on": m["due_on"].isoformat(),
                "claim": ui.claim_url(m["claim_id"]),
                "step": m["step"],
                "channel": m["channel"],
                "state": m["state"],
                "sent at": f"{m['sent_at']:%Y-%m-%d %H:%M}" if m["sent_at"] else None,
                "subject": m["subject"],
            }
            for m in messages
        ],
        key="author_inbox",
        hide_index=True,
        placeholder="–",
        column_config={"claim": st.column_config.LinkColumn("claim", display_text=r"\?claim=(\d+)$")},
    )


def claim_picker(claims: overview.ClaimTable) -> int | None:
    with st.container(border=True):
        st.markdown("**Claim to work on** (observations, confidence, resolutions, watched sources)")
        search = st.text_input("Find by id or words", key="author_claim_search")
        found = overview.search_claims(claims, search, limit=100)
        labels = {int(row["id"]): f"#{row['id']} [{row['status']}] {row['statement'][:110]}" for row in found}
        claim_id = st.selectbox(
            "Claim", list(labels), format_func=lambda i: labels.get(i, f"#{i}"), key="author_claim", index=None
        )
        if claim_id is not None:
            st.page_link("app_pages/claim.py", label=f"Open claim #{claim_id}", query_params={"claim": str(claim_id)})
    return claim_id


st.title("Author workspace")
if auth.configured_password() is None:  # a bookmark of /author on a read-only dashboard
    st.info(auth.HOW_TO_ENABLE)
    st.stop()
if not auth.signed_in():  # a bookmark of /author, or a reload after the cookie expired: sign in here
    st.markdown("Sign in as the author to add claims, record evidence and resolve them.")
    auth.sign_in_form(key="author_signin")
    st.stop()

author_name = data.settings().author_name
table = data.claims()
chosen = claim_picker(table)
tabs = st.tabs(list(TABS), key=TAB, on_change="rerun")
with tabs[0]:
    verdict_queue()
with tabs[1]:
    confirm_repeat()
    add_claim_form(author_name)
with tabs[2]:
    new_issue_form(author_name)
for tab, form in zip(
    tabs[3:7],
    (observation_form, lambda claim_id: confidence_form(claim_id, author_name), resolve_forms, correction_forms),
    strict=True,
):
    with tab:
        if chosen is None:
            st.info("Choose a claim above first.")
        else:
            form(chosen)
with tabs[7]:
    import_form()
with tabs[8]:
    scorecard_form()
with tabs[9]:
    reminders_panel(table)
with tabs[10]:
    watch_panel.watched_sources_tab(chosen)
with tabs[11]:
    reader_panel.author_tab(chosen)
