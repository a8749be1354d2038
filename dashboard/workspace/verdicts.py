"""The workspace's "Verdicts" tab: the claims past their deadline that need a verdict, each with its
evidence and the outcome the data proposes, and the watched feeds' candidate notes."""

from __future__ import annotations

from datetime import date

import streamlit as st
from pydantic import ValidationError

from dashboard import data, ui, watch_panel
from dashboard.forms import save, show_flash, text
from predictions import words
from predictions.models import (
    Outcome,
    ResolutionIn,
)
from predictions.quantities import format_number

DEADLINE_PASSED = "deadline passed"  # a review item's usual reason; any other one is shown with it


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
        value = None
        if claim["kind"] == "threshold":  # the number the verdict rests on, from the proposal's observation
            value = st.number_input(
                "Value it rests on", value=item.proposal.value, format="%g", key=f"verdict_value_{item.id}",
                help="The metric at the deadline: ranges on this claim are scored against it.",
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
                "value": value,
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
