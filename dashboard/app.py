"""Streamlit router: shared setup, then `st.navigation` over the pages in app_pages/.

`/` is the overview; `/?claim=ID`, the shareable deep link of a claim, is answered by the claim page
in the same script run (dashboard/deep_link.py; the address becomes `/claim?claim=ID`, also a link). The
author workspace is always registered (so `/author` can be bookmarked) but listed in the navigation only
once the author has signed in; signed out, it shows the sign-in form.
"""

from __future__ import annotations

import gc
import logging

import streamlit as st
from pydantic import ValidationError

from dashboard import auth, data, deep_link
from predictions.errors import PredictionsError, first_line
from predictions.models import describe_validation_error
from predictions.settings import SettingsError

UNEXPECTED = "Something went wrong (please report it):"

st.set_page_config(page_title="Trend Prediction Tracker", page_icon="🎯", layout="wide")

try:  # a broken predictions.toml or PREDICTIONS_* value: the CLI's one line, not a traceback
    data.settings()
except SettingsError as error:
    st.error(str(error))
    st.stop()
except ValidationError as error:
    st.error("; ".join(describe_validation_error(error)))
    st.stop()

overview = st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)
claim = st.Page(
    "app_pages/claim.py", title="Claim", icon=":material/description:", url_path="claim", visibility="hidden"
)
deadlines = st.Page("app_pages/deadlines.py", title="Deadlines", icon=":material/event:", url_path="deadlines")
track_record = st.Page(
    "app_pages/track_record.py", title="Track record", icon=":material/leaderboard:", url_path="track-record"
)
author = st.Page(  # always registered, so /author can be bookmarked; listed once signed in
    "app_pages/author.py",
    title="Author",
    icon=":material/edit_note:",
    url_path="author",
    visibility="visible" if auth.signed_in() else "hidden",
)
pages = [overview, claim, deadlines, track_record, author]

deep_link.open_claim_in_this_run(claim)  # /?claim=ID: the claim page answers in this run
page = st.navigation(pages)
st.set_page_config(page_title=f"{page.title} · Trend Prediction Tracker")  # the claim page names its claim
if page is overview and "claim" in st.query_params:  # where the above could not: a second run
    st.switch_page(claim, query_params={"claim": st.query_params["claim"]})
auth.sidebar(form=page is not author)
problem = data.database_problem()
if problem is not None:
    st.error(problem)
    st.stop()
try:
    page.run()
except PredictionsError as error:  # the project's error family (e.g. "database busy"): one line
    st.error(str(error))
except ValidationError as error:
    st.error("; ".join(describe_validation_error(error)))
except Exception as error:  # last resort: a bug, one line here and the traceback in the server's log
    logging.getLogger("dashboard").exception("page %s failed", page.title)
    st.error(f"{UNEXPECTED} {type(error).__name__}: {first_line(error)}")

# Streamlit runs a full garbage collection after every script run (runner.postScriptGC) holding the GIL,
# so the server sends nothing more (the page's last elements, "not running") until it is over: ~160,000
# objects from the imports (Streamlit, plotly, pandas, pyarrow, DuckDB, pydantic), ~85 ms a page and
# twice on the deep link /?claim=ID (two runs). What is alive once a page has first run to its end
# (modules, the caches) lives as long as the process: frozen once, the collector no longer walks it.
if gc.get_freeze_count() == 0:
    gc.collect()
    gc.freeze()
