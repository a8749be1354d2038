"""The deep link `/?claim=ID` served by the claim page in the run that answers it.

`/` names no page, so `st.navigation` answers it with the default page, the overview; the router then used
`st.switch_page` to hand over to the claim page, which ends that run and starts another: two script runs,
two collections and the browser told of a new page twice, for the link every shared claim uses (~0.2× the
time of a bare Streamlit page in Chromium, bench/whole.py). Here, before `st.navigation` resolves the page, a
request that names no page but carries `?claim=` is pointed at the claim page, as if the reader had followed
`/claim?claim=ID`: one run, and the browser's address becomes `/claim?claim=ID` (the same link), so the
navigation's "Overview" leads back to `/` without the claim.

This uses the session's page manager, which Streamlit keeps internal; where it is not there, the router falls
back to `st.switch_page` (the page is the same, in two runs).
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx


def claim_requested_at_root() -> bool:
    """True when this run answers a request that names no page and carries `?claim=`."""
    ctx = get_script_run_ctx()
    manager = getattr(ctx, "pages_manager", None)
    if manager is None or "claim" not in st.query_params:
        return False
    return not (getattr(manager, "intended_page_script_hash", None) or getattr(manager, "intended_page_name", None))


def open_claim_in_this_run(claim: st.Page) -> bool:
    """Make `claim` the page this run's `st.navigation` resolves, when the request is `/?claim=ID`.

    Returns whether it did; called before `st.navigation`."""
    if not claim_requested_at_root():
        return False
    manager = get_script_run_ctx().pages_manager  # type: ignore[union-attr]
    setter = getattr(manager, "set_script_intent", None)
    page_hash = getattr(claim, "_script_hash", None)
    if setter is None or not isinstance(page_hash, str):
        return False
    setter(page_hash, claim.url_path)
    return True
