"""The deep link `/?claim=ID` is answered by the claim page in the run that serves it (dashboard/deep_link.py),
not by the overview handing over to it with `st.switch_page` (a second script run). A small app with the
router's shape and no fallback shows which page `st.navigation` resolved on the first run."""

from __future__ import annotations

from dashboard_fixtures import Rich, app, rich_db
from streamlit.testing.v1 import AppTest

__all__ = ["rich_db"]  # a fixture, used by name below


def router() -> None:
    import streamlit as st

    from dashboard import deep_link

    st.session_state.setdefault("runs", 0)
    st.session_state["runs"] += 1
    home = st.Page(lambda: st.markdown("the overview"), title="Overview", url_path="overview", default=True)
    claim = st.Page(lambda: st.markdown(f"claim {st.query_params['claim']}"), title="Claim", url_path="claim")
    other = st.Page(lambda: st.markdown("deadlines"), title="Deadlines", url_path="deadlines")
    served = deep_link.open_claim_in_this_run(claim)
    page = st.navigation([home, claim, other])
    st.caption(f"served in this run: {served}")
    page.run()


def shown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def test_the_deep_link_is_the_claim_page_in_one_run() -> None:
    at = AppTest.from_function(router, default_timeout=30)
    at.query_params["claim"] = "17"
    at.run()
    assert not at.exception
    assert shown(at) == ["claim 17"]
    assert at.caption[0].value == "served in this run: True"
    assert at.session_state["runs"] == 1


def test_without_a_claim_the_root_is_the_overview() -> None:
    at = AppTest.from_function(router, default_timeout=30).run()
    assert shown(at) == ["the overview"]
    assert at.caption[0].value == "served in this run: False"


def test_in_the_dashboard_a_page_named_in_the_request_keeps_it_whatever_the_query(rich_db: Rich) -> None:
    _, ids = rich_db
    at = app(claim=str(ids["robotaxi-cities-2025"]))
    assert at.subheader[0].value.startswith("Robotaxis operate in at least 65 Chinese cities")  # the claim page
    at.switch_page("app_pages/deadlines.py").run()  # a link to /deadlines?claim=…: the deadlines
    assert not at.exception
    assert at.title[0].value == "Deadlines"
