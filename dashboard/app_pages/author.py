"""Author workspace: the claims that need a verdict, adding and correcting claims, a new issue's
candidate claims, evidence (observations, confidence, resolutions), watched sources, imports, the
scorecard, the reminders and the readers' forecasts.

Always registered by the router, so `/author` can be bookmarked: signed out it shows the sign-in form.
This page only signs in and wires the tabs; each tab group is a module of dashboard/workspace/ (the watched
sources are dashboard/watch_panel.py). Nine tabs, so all fit a 1440 px window; a group with several
forms has tabs of its own. Every tab keeps its selection across saves (its key in the session); each
confirmation appears below the button that caused it, and a form is emptied after its save, so a second
click cannot store the same thing twice.
"""

import streamlit as st

from dashboard import auth, data, watch_panel
from dashboard.workspace import claims, evidence, imports, new_issue, picker, readers, reminders, scorecard, verdicts

TAB = "author_tab"  # the selected tab, kept across saves and reruns
# Fixed labels: a label that changed (a count in it) would reset the selection.
TABS = (
    "Verdicts",
    "Claims",
    "New issue",
    "Evidence",
    "Watched sources",
    "Import",
    "Scorecard",
    "Reminders",
    "Readers",
)
CLAIM_TAB = "author_claims_tab"
CLAIM_TABS = ("Add a claim", "Correct or withdraw")
EVIDENCE_TAB = "author_evidence_tab"
EVIDENCE_TABS = ("Record an observation", "Update confidence", "Resolve or undo")
CHOOSE_FIRST = "Choose a claim above first."


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
chosen = picker.claim_picker(table)
tabs = st.tabs(list(TABS), key=TAB, on_change="rerun")
with tabs[0]:
    verdicts.verdict_queue()
with tabs[1]:
    add, correct = st.tabs(list(CLAIM_TABS), key=CLAIM_TAB, on_change="rerun")
    with add:
        claims.confirm_repeat()
        claims.add_claim_form(author_name)
    with correct:
        if chosen is None:
            st.info(CHOOSE_FIRST)
        else:
            claims.correction_forms(chosen)
with tabs[2]:
    new_issue.new_issue_form(author_name)
with tabs[3]:
    forms = (
        evidence.observation_form,
        lambda claim_id: evidence.confidence_form(claim_id, author_name),
        evidence.resolve_forms,
    )
    for tab, form in zip(st.tabs(list(EVIDENCE_TABS), key=EVIDENCE_TAB, on_change="rerun"), forms, strict=True):
        with tab:
            if chosen is None:
                st.info(CHOOSE_FIRST)
            else:
                form(chosen)
with tabs[4]:
    watch_panel.watched_sources_tab(chosen)
with tabs[5]:
    imports.import_form()
with tabs[6]:
    scorecard.scorecard_form()
with tabs[7]:
    reminders.reminders_panel(table)
with tabs[8]:
    readers.author_tab(chosen)
