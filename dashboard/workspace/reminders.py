"""The workspace's "Reminders" tab: each due claim's reminder state and the reminder inbox."""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from predictions import overview


def reminders_panel(claims: overview.ClaimTable) -> None:
    """The reminder bookkeeping readers do not need: each due claim's reminder state, and the inbox."""
    today = data.today()
    states = data.reminder_states()
    due = [*overview.overdue(claims, limit=ui.MAX_TABLE_ROWS), *overview.due_within(claims, today, 90, limit=200)]
    st.caption(
        "Reminders go out before each deadline, on the day and while a claim stays overdue "
        "(`predictions remind run`, started by `make run`). The claims due within 90 days or overdue:"
    )
    if due:
        st.dataframe(
            [
                {
                    "claim": ui.claim_url(r["id"]),
                    "deadline": r["deadline"],
                    "statement": r["statement"],
                    "reminders": overview.reminder_label(states.get(int(str(r["id"])))),
                }
                for r in due
            ],
            key="author_reminder_states",
            hide_index=True,
            column_config={
                "claim": st.column_config.LinkColumn("claim", display_text=r"\?claim=(\d+)$", width="small"),
                "statement": st.column_config.TextColumn("statement", width="large"),
            },
        )
    st.markdown("**Reminder inbox**")
    messages = data.inbox()
    if not messages:
        st.info("No reminders sent yet: the reminder process records each one here once it runs.")
        return
    st.dataframe(
        [
            {
                "due on": m["due_on"].isoformat(),
                "claim": ui.claim_url(m["claim_id"]),
                "step": m["step"],
                "channel": m["channel"],
                "state": m["state"],
                "sent at": f"{m['sent_at']:%Y-%m-%d %H:%M}" if m["sent_at"] else None,
                "subject": m["subject"],
            }
            for m in messages
        ],
        key="author_inbox",
        hide_index=True,
        placeholder="–",
        column_config={"claim": st.column_config.LinkColumn("claim", display_text=r"\?claim=(\d+)$")},
    )
