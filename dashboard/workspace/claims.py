"""The workspace's "Claims" tab: add a claim (with the check for a repeat of a stored one) and correct or
withdraw the chosen one."""

from __future__ import annotations

from datetime import date

import streamlit as st
from pydantic import ValidationError

from dashboard import data, ui
from dashboard.forms import empty_if_saved, save, show_flash, text
from predictions import verdicts, words
from predictions.models import (
    Attribution,
    ClaimIn,
    ClaimKind,
    Comparator,
    Precision,
    Source,
)

PENDING = "author_add_pending"


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
        st.markdown("**Withdraw the claim** from every list, score, reminder and feed (its link keeps working)")
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
