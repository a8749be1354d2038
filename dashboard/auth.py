"""The author's sign-in: one password, compared in constant time, with failures slowed down per session.

The password comes from PREDICTIONS_AUTHOR_PASSWORD (settings.author_password) or `author_password`
in .streamlit/secrets.toml. Without one the dashboard is read-only. After the first wrong password,
each further attempt in the session has to wait twice as long as the one before (1 s, 2 s, 4 s … up to
a minute); an attempt made too early is refused without even being checked.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

import streamlit as st

from dashboard import data

SIGNED_IN = "auth_signed_in"
FAILURES = "auth_failures"
NEXT_ATTEMPT = "auth_next_attempt_at"
MAX_DELAY = 60.0
HOW_TO_ENABLE = (
    "The dashboard is read-only. To enable the author workspace, set the environment variable "
    '`PREDICTIONS_AUTHOR_PASSWORD` or put `author_password = "…"` in `.streamlit/secrets.toml`, then reload.'
)

Clock = Callable[[], float]


def configured_password() -> str | None:
    secret = data.settings().author_password
    if secret is not None and secret.get_secret_value():
        return secret.get_secret_value()
    try:
        value = st.secrets.get("author_password")
    except Exception:  # no secrets.toml at all: Streamlit raises on first access
        return None
    return str(value) if value else None


def password_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def delay_after(failures: int) -> float:
    """Seconds to wait before the next attempt after `failures` wrong passwords in a row."""
    if failures <= 1:
        return 0.0
    return min(MAX_DELAY, 2.0 ** (failures - 2))


def signed_in() -> bool:
    return bool(st.session_state.get(SIGNED_IN)) and configured_password() is not None


def attempt(given: str, clock: Clock = time.monotonic) -> tuple[bool, str]:
    """Check one sign-in attempt; returns (signed in, message for the user)."""
    expected = configured_password()
    if expected is None:
        return False, "No author password is configured."
    now = clock()
    wait = float(st.session_state.get(NEXT_ATTEMPT, 0.0)) - now
    if wait > 0:
        return False, f"Too many wrong passwords: wait {wait:.0f} s before trying again."
    if password_matches(given, expected):
        st.session_state[SIGNED_IN] = True
        st.session_state[FAILURES] = 0
        st.session_state[NEXT_ATTEMPT] = 0.0
        return True, "Signed in."
    failures = int(st.session_state.get(FAILURES, 0)) + 1
    st.session_state[FAILURES] = failures
    st.session_state[NEXT_ATTEMPT] = now + delay_after(failures)
    return False, "Wrong password."


def sign_out() -> None:
    st.session_state[SIGNED_IN] = False


def sidebar() -> None:
    """The sign-in (or sign-out) box in the sidebar, shown on every page by the router."""
    with st.sidebar:
        if configured_password() is None:
            with st.expander("Read-only: how to enable authoring"):
                st.caption(HOW_TO_ENABLE)
            return
        if signed_in():
            st.caption("Signed in as the author.")
            st.button("Sign out", key="auth_sign_out", on_click=sign_out)
            return
        with st.expander("Author sign-in"), st.form("auth_form", clear_on_submit=True, border=False):
            given = st.text_input("Password", type="password", key="auth_password")
            if st.form_submit_button("Sign in", key="auth_submit"):
                ok, message = attempt(given)
                if ok:
                    st.rerun()
                st.error(message)
