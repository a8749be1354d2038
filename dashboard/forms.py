"""The author workspace's form plumbing, shared by its page and panels: one save per click, its
confirmation shown once beside the button that caused it, and the saved form emptied before it is drawn
again (so a second click cannot store the same thing twice).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import streamlit as st

from dashboard import ui
from predictions.ledger import LedgerError

CLEAR = "author_clear"  # forms saved in the last run, emptied before they are drawn again
FLASH = "author_flash"  # (where, message, kind): the confirmation shown next to the button that saved

Kind = Literal["success", "error"]


def text(value: str | None) -> str | None:
    return (value.strip() or None) if value else None


def clear_after_save(*forms: str) -> None:
    """Mark forms to be emptied at the next run (see `empty_if_saved`)."""
    st.session_state[CLEAR] = {*st.session_state.get(CLEAR, set()), *forms}


def empty_if_saved(form: str, defaults: dict[str, Any]) -> None:
    """Put a saved form's widgets back to their defaults, before they are drawn: set through the session
    state (a deleted key would leave the browser showing the old value, and sending it again)."""
    pending = st.session_state.get(CLEAR, set())
    if form not in pending:
        return
    st.session_state[CLEAR] = pending - {form}
    for key, value in defaults.items():
        st.session_state[key] = value


def flash(where: str, message: str, kind: Kind = "success") -> None:
    st.session_state[FLASH] = (where, message, kind)


def show_flash(where: str) -> None:
    """The confirmation of the last save, right below the button that caused it (shown once)."""
    pending = st.session_state.get(FLASH)
    if isinstance(pending, tuple) and pending[0] == where:
        st.session_state.pop(FLASH, None)
        (st.error if pending[2:] == ("error",) else st.success)(pending[1])


def save(write: Callable[[], Any], message: Callable[[Any], str], *, where: str, clear: tuple[str, ...] = ()) -> None:
    """Run one write; on success empty its form and show `message` beside its button after a rerun, so
    every element reads the new state and a second click cannot store the same thing again."""
    try:
        result = write()
    except LedgerError as error:
        st.error(ui.escape_markdown(error))
        return
    clear_after_save(*clear)
    flash(where, message(result))
    st.rerun()
