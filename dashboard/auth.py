"""The author's sign-in: one password, compared in constant time, with failures slowed down per server.

The password comes from PREDICTIONS_AUTHOR_PASSWORD (settings.author_password) or `author_password`
in .streamlit/secrets.toml. Without one the dashboard is read-only. After the first wrong password,
each further attempt has to wait twice as long as the one before (1 s, 2 s, 4 s … up to a minute); the
back-off is one per server (every browser tab and session shares it), and an attempt made too early is
refused without even being checked.

A sign-in survives a reload: the browser keeps a cookie holding a token signed with the password
(HMAC-SHA256 over its issue time and a random nonce), valid for 30 days, until the password changes or
the author signs out (the server then refuses that token). The token never contains the password.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from dashboard import data

SIGNED_IN = "auth_signed_in"
TOKEN = "auth_token"  # session key: the token this session set as its cookie
COOKIE = "tracker_author"
TOKEN_DAYS = 30
MAX_DELAY = 60.0
HOW_TO_ENABLE = (
    "The dashboard is read-only. To enable the author workspace, set the environment variable "
    '`PREDICTIONS_AUTHOR_PASSWORD` or put `author_password = "…"` in `.streamlit/secrets.toml`, then reload.'
)

Clock = Callable[[], float]


@dataclass
class Throttle:
    """Wrong passwords in a row and when the next attempt may be checked: one per server process."""

    failures: int = 0
    next_attempt_at: float = 0.0
    revoked: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.failures = 0
            self.next_attempt_at = 0.0


THROTTLE = Throttle()  # module state: the router imports this module once per server


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


def _signature(password: str, payload: str) -> str:
    return hmac.new(password.encode("utf-8"), f"author-session:{payload}".encode(), hashlib.sha256).hexdigest()


def issue_token(password: str, now: float | None = None) -> str:
    payload = f"{int(time.time() if now is None else now)}.{secrets.token_hex(16)}"
    return f"{payload}.{_signature(password, payload)}"


def token_valid(token: str | None, password: str, now: float | None = None) -> bool:
    """A token this server (or one with the same password) issued, not expired and not signed out."""
    if not token or token in THROTTLE.revoked:
        return False
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return False
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _signature(password, payload)):
        return False
    age = (time.time() if now is None else now) - int(parts[0])
    return 0 <= age <= TOKEN_DAYS * 86_400


def _cookie_token() -> str | None:
    try:
        return st.context.cookies.get(COOKIE)
    except Exception:  # no browser session (bare script runs)
        return None


def signed_in() -> bool:
    password = configured_password()
    if password is None:
        return False
    if st.session_state.get(SIGNED_IN):
        return True
    if st.session_state.get(SIGNED_IN) is None and token_valid(_cookie_token(), password):
        st.session_state[SIGNED_IN] = True  # a reload, or a bookmark opened later: the cookie signs in
        return True
    return False


def attempt(given: str, clock: Clock = time.monotonic) -> tuple[bool, str]:
    """Check one sign-in attempt; returns (signed in, message for the user)."""
    expected = configured_password()
    if expected is None:
        return False, "No author password is configured."
    with THROTTLE.lock:
        now = clock()
        wait = THROTTLE.next_attempt_at - now
        if wait > 0:
            return False, f"Too many wrong passwords: wait {max(1, round(wait))} s before trying again."
        if password_matches(given, expected):
            THROTTLE.failures = 0
            THROTTLE.next_attempt_at = 0.0
            st.session_state[SIGNED_IN] = True
            st.session_state[TOKEN] = issue_token(expected)
            return True, "Signed in."
        THROTTLE.failures += 1
        THROTTLE.next_attempt_at = now + delay_after(THROTTLE.failures)
    return False, "Wrong password."


def sign_out() -> None:
    for token in (st.session_state.get(TOKEN), _cookie_token()):
        if token:
            THROTTLE.revoked.add(token)
    st.session_state[SIGNED_IN] = False
    st.session_state[TOKEN] = ""


def keep_cookie() -> None:
    """Write (or clear) the sign-in cookie in the browser. The token is hex and digits only."""
    token = st.session_state.get(TOKEN)
    if token is None:
        return
    if token and not all(c in "0123456789abcdef." for c in token):
        return
    value = f"{COOKIE}={token}; path=/; max-age={TOKEN_DAYS * 86_400 if token else 0}; SameSite=Strict"
    st.html(f"<script>document.cookie = {value!r};</script>", unsafe_allow_javascript=True, width="content")


def sign_in_form(*, key: str) -> None:
    """The password form; on success the page reruns signed in."""
    with st.form(f"{key}_form", clear_on_submit=True, border=False):
        given = st.text_input("Password", type="password", key=f"{key}_password")
        if st.form_submit_button("Sign in", key=f"{key}_submit", type="primary"):
            ok, message = attempt(given)
            if ok:
                st.rerun()
            st.error(message)


def sidebar(*, form: bool = True) -> None:
    """The sign-in (or sign-out) box in the sidebar, shown on every page by the router.

    `form=False` on the author page, which shows the sign-in form itself when signed out.
    """
    with st.sidebar:
        keep_cookie()
        if configured_password() is None:
            with st.expander("Read-only: how to enable authoring"):
                st.caption(HOW_TO_ENABLE)
            return
        if signed_in():
            st.caption("Signed in as the author.")
            st.button("Sign out", key="auth_sign_out", on_click=sign_out)
            return
        if form:
            with st.expander("Author sign-in"):
                sign_in_form(key="auth")
