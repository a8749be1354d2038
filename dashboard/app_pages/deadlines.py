"""Deadlines: what comes due within 30 / 90 / 365 days, and what is overdue and still unresolved.

Readers see what is due (statement, deadline, days left, confidence); the reminder bookkeeping (each
claim's reminder state, the inbox) is the author's and lives in the author workspace.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import streamlit as st

from dashboard import data, ui
from predictions import overview

HORIZONS = [str(days) for days in overview.HORIZONS]

today = data.today()
rows = data.claims(today)
counts = overview.deadline_counts(rows, today)

st.title("Deadlines")
st.caption(f"As of {today.isoformat()}. Soonest deadline first.")

columns = st.columns(4)
for column, (label, count) in zip(columns, counts.items(), strict=True):
    column.metric(f"Due {label}" if label != "overdue" else "Overdue, unresolved", f"{count:,}")

choice = ui.url_choice(
    "Coming up within",
    HORIZONS,
    param="within",
    key="deadlines_within",
    default="90",
    format_func=lambda days: f"{days} days",
)
days = int(choice)


def extra_columns(items: Sequence[Mapping[str, Any]], late: bool = False) -> dict[str, list[object]]:
    left = [overview.days_to_deadline(r, today) or 0 for r in items]
    return {"days overdue" if late else "days left": [-d if late else d for d in left]}


def order(late: bool) -> list[str]:
    days = "days overdue" if late else "days left"
    return ["statement", "probability", "deadline", days, "status", "claim"]


st.subheader(f"Due within {days} days")
due = data.due_claims(days, ui.MAX_TABLE_ROWS, today)  # shared by the readers of this horizon
upcoming = due.rows
if upcoming:
    ui.claims_table(
        upcoming,
        key="deadlines_upcoming",
        total=due.total,
        shared_key=due.key,
        extra=extra_columns(upcoming),
        column_order=order(False),
        phone_statement_width=ui.PHONE_STATEMENT_PX,
    )
else:
    st.info(f"No open claim has its deadline between {today.isoformat()} and {days} days from now.")

st.subheader("Overdue and unresolved")
overdue = data.overdue_claims(ui.MAX_TABLE_ROWS, today)
late = overdue.rows
if late:
    st.caption("Past the deadline with no resolution recorded: these need a verdict from the author.")
    ui.claims_table(
        late,
        key="deadlines_overdue",
        total=overdue.total,
        shared_key=overdue.key,
        extra=extra_columns(late, late=True),
        column_order=order(True),
        phone_statement_width=ui.PHONE_STATEMENT_PX,
    )
else:
    st.success("Nothing is overdue: every claim past its deadline has been resolved.")
