"""The claim the workspace's claim tabs work on, found by id or words: when a search finds one claim (an
id does), that claim is chosen, so "19" and Enter is claim #19."""

from __future__ import annotations

import streamlit as st

from predictions import overview

SEARCH = "author_claim_search"
CHOSEN = "author_claim"
LIMIT = 100


def choose_a_single_match(claims: overview.ClaimTable) -> None:
    """The search box's on_change (it runs before the page does): a search that finds exactly one claim
    chooses it; one that finds several leaves the choice to the author."""
    found = overview.search_claims(claims, st.session_state.get(SEARCH), limit=2)
    if str(st.session_state.get(SEARCH) or "").strip() and len(found) == 1:
        st.session_state[CHOSEN] = int(found[0]["id"])


def claim_picker(claims: overview.ClaimTable) -> int | None:
    with st.container(border=True):
        st.markdown("**Claim to work on** (claims, evidence and watched sources)")
        search = st.text_input("Find by id or words", key=SEARCH, on_change=choose_a_single_match, args=(claims,))
        found = overview.search_claims(claims, search, limit=LIMIT)
        labels = {int(row["id"]): f"#{row['id']} [{row['status']}] {row['statement'][:110]}" for row in found}
        if st.session_state.get(CHOSEN) not in labels:  # a choice the search no longer shows is dropped
            st.session_state.pop(CHOSEN, None)
        claim_id = st.selectbox(
            "Claim", list(labels), format_func=lambda i: labels.get(i, f"#{i}"), key=CHOSEN, index=None
        )
        if claim_id is not None:
            st.page_link("app_pages/claim.py", label=f"Open claim #{claim_id}", query_params={"claim": str(claim_id)})
    return claim_id
