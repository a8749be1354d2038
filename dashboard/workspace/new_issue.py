"""The workspace's "New issue" tab: read an issue's text, review its candidate claims in an editable
table and save the accepted ones (the review's rules are dashboard/issue_review.py)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, issue_review, ui
from dashboard.forms import flash, show_flash
from predictions.extract import Candidate, ExtractError
from predictions.ledger import LedgerError
from predictions.models import (
    Attribution,
    ClaimKind,
    Comparator,
    Precision,
    Source,
)

REVIEW_STATE = (  # session keys of the "New issue" tab: the review in progress
    "review_candidates",
    "review_rows",
    "review_source",
    "review_editor",
    "review_refused",
)
REVIEW_INPUTS = (  # ... and its inputs, cleared after a save
    "review_title",
    "review_date",
    "review_url",
    "review_text",
    "review_upload",
)


def read_new_issue(author_name: str) -> None:
    """Extract the issue's candidates into the session (nothing is written), replacing any earlier review."""
    upload = st.session_state.get("review_upload")
    try:
        source = issue_review.issue_source(
            st.session_state.get("review_title"),
            st.session_state.get("review_date"),
            st.session_state.get("review_url"),
            author_name,
        )
        text = issue_review.issue_text(
            st.session_state.get("review_text"),
            upload.name if upload is not None else None,
            upload.getvalue() if upload is not None else None,
        )
    except issue_review.IssueError as error:
        st.error(ui.escape_markdown(f"Cannot extract: {error}."))
        return
    with st.spinner("Reading the issue and comparing it with the stored claims…"):
        try:
            candidates, refused = issue_review.extract_with(
                text, source, author_name, st.session_state.get("review_model")
            )
        except ExtractError as error:
            st.error(ui.escape_markdown(f"Cannot extract: {error}."))
            return
        duplicates = issue_review.duplicate_of(candidates, issue_review.stored_claims(data.claims()))
    for key in REVIEW_STATE:
        st.session_state.pop(key, None)
    st.session_state["review_refused"] = refused
    st.session_state["review_candidates"] = candidates
    st.session_state["review_rows"] = issue_review.editor_rows(candidates, duplicates)
    st.session_state["review_source"] = source


def candidates_editor(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates as an editable table (text shown as typed: the editor never renders HTML)."""
    frame = pd.DataFrame(rows, columns=list(issue_review.COLUMNS), index=pd.RangeIndex(1, len(rows) + 1, name="row"))
    frame["target"] = frame["target"].astype("float64")
    frame["probability"] = frame["probability"].astype("float64")
    column = st.column_config
    edited = st.data_editor(
        frame,
        key="review_editor",
        num_rows="fixed",
        height=min(35 * (len(rows) + 1) + 3, 700),
        disabled=list(issue_review.READ_ONLY),
        column_order=list(issue_review.COLUMNS),
        column_config={
            "accept": column.CheckboxColumn("accept", help="Save this candidate as a claim", width="small"),
            "statement": column.TextColumn("statement", help="The checkable form of the claim", width="large"),
            "claimant": column.TextColumn("claimant", help="Who makes the prediction"),
            "attribution": column.SelectboxColumn("attribution", options=[a.value for a in Attribution]),
            "kind": column.SelectboxColumn("kind", options=[k.value for k in ClaimKind], width="small"),
            "deadline": column.DateColumn("deadline", format="YYYY-MM-DD", help="Empty: not checkable yet"),
            issue_review.PHRASE: column.TextColumn(
                issue_review.PHRASE, help="The words the deadline was read from (and where, if not in the sentence)"
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
        source = issue_review.issue_source(
            st.session_state.get("review_title"),
            st.session_state.get("review_date"),
            st.session_state.get("review_url"),
            author_name,
        )
    except issue_review.IssueError as error:
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
    checked = issue_review.review_rows(candidates, rows)
    if checked.problems:
        st.error(f"Nothing saved: {len(checked.problems)} problem(s) in the accepted rows.")
        st.dataframe([{"problem": line} for line in checked.problems], key="review_problems", hide_index=True)
        return
    try:
        result = issue_review.save(source, checked.accepted)
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
    st.text_area("Paste the issue", key="review_text", height=200, max_chars=issue_review.MAX_ISSUE_CHARS)
    st.file_uploader(
        "…or upload it (an upload is read instead of the pasted text)",
        type=list(issue_review.ISSUE_TYPES),
        key="review_upload",
    )
    st.text_input(
        "Language model (optional)",
        key="review_model",
        placeholder="empty: the built-in rules",
        help="An llm model name (needs the [llm] extra): it proposes the candidates, the rules check each one",
    )
    if st.button("Extract claims", key="review_extract"):
        read_new_issue(author_name)
    show_flash("review")
    for line in st.session_state.get("review_refused") or []:
        st.warning(ui.escape_markdown(f"The rules refused the model's {line}."))
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
    accepted = issue_review.accepted_count(edited)
    label = f"Save {accepted} accepted claim{'s' if accepted != 1 else ''}"
    if st.button(label, key="review_save", type="primary", disabled=accepted == 0):
        save_review(candidates, edited, author_name)
