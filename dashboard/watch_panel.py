"""The author workspace's watched sources (issue 16): the "Watched sources" tab (each watch with what it
reads, its readings and its last error; add one, run one now, remove one) and the candidate notes of
watched feeds under "Verdicts" (accept one as evidence, or dismiss it).

Widgets only: every read and write goes through dashboard.data to predictions.watches, and a new watch
is validated by the same `WatchIn` model as `predictions watch add`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st
from pydantic import ValidationError

from dashboard import data, ui
from dashboard.forms import empty_if_saved, flash, save, show_flash, text
from predictions.ledger import LedgerError
from predictions.models import describe_validation_error
from predictions.watch_sources import public_url
from predictions.watches import WatchIn, describe, found

ACTIONS = "watch_actions"  # where a run's summary or a removal's confirmation shows
ADD = "watch_add"  # the add form (its flash and its clearing)
CANDIDATES = "watch_candidates"  # where an accepted or dismissed candidate's confirmation shows
REMOVING = "watch_removing"  # the watch waiting for the confirmation of its removal
MAX_CANDIDATES = 25  # shown at once; the heading counts them all
FORMATS = {"csv": "CSV (columns)", "json": "JSON (pointers)", "atom": "Atom or RSS feed (entries as notes)"}
FIELDS = {  # the CLI's words in WatchIn's messages, as the form labels them
    "value_at:": "Value:",
    "date_at:": "Date:",
    "points:": "Points:",
    "match_text:": "Match text:",
    "every_hours:": "Every (hours):",
    "url:": "URL:",
    "--value": "“Value”",
    "--date": "“Date”",
    "--points": "“Points”",
    "--match TEXT": "“Match text”",
    "--match": "“Match text”",
    "--format atom": "the Atom/RSS format",
    "--format json": "the JSON format",
}


def _when(moment: datetime | None) -> str | None:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else None


def _state(row: dict[str, Any]) -> str:
    """One word; a failing watch's reason is its own line under the table."""
    if row["last_error"]:
        return "failing"
    return "ok" if row["last_ok_at"] else "not run yet"


def watched_sources_tab(chosen: int | None) -> None:
    st.caption(
        "Sources read on a schedule by the reminder process (`predictions remind run`, started by `make run`): "
        "each new reading of a CSV or JSON source becomes an observation of its claim, each matching entry of a "
        "feed a candidate note under “Verdicts”. A bad payload records nothing and shows its reason here. "
        "Times are UTC."
    )
    everything = chosen is None or st.toggle("Show every claim's watches", key="watch_all")
    rows = data.watched_sources(None if everything else chosen)
    if not rows:
        show_flash(ACTIONS)  # the removal of the last one
        st.info("No watched sources" + ("." if everything else f" for claim #{chosen}."))
    else:
        watch_table(rows)
        watch_actions(rows)
    add_watch_form(chosen)


def watch_table(rows: list[dict[str, Any]]) -> None:
    """One row per watch, what the author scans for first on the left (its state and last run) and every
    column sized so that all seven fit the workspace at 1440 px (on a phone the table scrolls sideways)."""
    st.dataframe(
        [
            {
                "watch": row["id"],
                "claim": ui.claim_url(row["claim_id"]),
                "state": _state(row),
                "last run": _when(row["last_run_at"]),  # a failing one's last success is in its line below
                "found": found(row),
                "source": ui.safe_url(public_url(row["url"])),
                "reads": f"{describe(row)}, every {row['every_hours']:g} h",
            }
            for row in rows
        ],
        key="watch_table",
        hide_index=True,
        placeholder="–",
        column_config={
            "watch": st.column_config.NumberColumn("watch", width=60),
            "claim": st.column_config.LinkColumn("claim", display_text=r"\?claim=(\d+)$", width=70),
            "state": st.column_config.TextColumn("state", width=85, help="The reason of a failure is below"),
            "last run": st.column_config.TextColumn("last run", width=125),
            "found": st.column_config.TextColumn("found", width=200),
            "source": st.column_config.LinkColumn("source", display_text=r"^https?://([^/?#]+)", width=130),
            "reads": st.column_config.TextColumn("reads", width=265),
        },
    )
    for row in rows:
        if row["last_error"]:
            st.error(
                ui.escape_markdown(
                    f"Watch {row['id']} (claim #{row['claim_id']}) is failing: {row['last_error']} "
                    f"(last success: {_when(row['last_ok_at']) or 'never'})"
                )
            )


def watch_actions(rows: list[dict[str, Any]]) -> None:
    """Run one watch now, or remove it (after a confirmation)."""
    by_id = {int(row["id"]): row for row in rows}
    labels = {i: f"Watch {i} · claim #{row['claim_id']} · {describe(row)}" for i, row in by_id.items()}
    picked = st.selectbox("Watch", list(labels), format_func=lambda i: labels.get(i, f"Watch {i}"), key="watch_pick")
    left, right = st.columns(2)
    run = left.button("Run now", key="watch_run_now", type="primary", width="stretch")
    remove = right.button("Remove…", key="watch_remove", width="stretch")
    if picked is None or picked not in by_id:
        return
    if remove:
        st.session_state[REMOVING] = picked
    if run:
        st.session_state.pop(REMOVING, None)
        run_now(by_id[picked])
    show_flash(ACTIONS)
    confirm_removal(by_id)


def run_now(row: dict[str, Any]) -> None:
    """Fetch the source at once, record what it holds, send any crossing notice, and say what happened."""
    watch_id = int(row["id"])
    with st.spinner(f"Reading {public_url(row['url'])[:120]}…"):
        try:
            runs, notices = data.run_watch(watch_id)
        except LedgerError as error:
            st.error(ui.escape_markdown(error))
            return
    lines = [run.summary() for run in runs] or [f"watch {watch_id} was not run: it was removed meanwhile"]
    if notices is not None and (notices.sent or notices.failed):
        lines.append(f"crossing notices: {notices.summary()}")
    failed = any(run.error for run in runs) or not runs
    flash(ACTIONS, "  \n".join(ui.escape_markdown(line[:1].upper() + line[1:]) for line in lines),
          "error" if failed else "success")  # fmt: skip
    st.rerun()


def confirm_removal(by_id: dict[int, dict[str, Any]]) -> None:
    removing = st.session_state.get(REMOVING)
    row = by_id.get(removing) if isinstance(removing, int) else None
    if row is None:
        return
    watch_id = int(row["id"])
    st.warning(
        ui.escape_markdown(
            f"Remove watch {watch_id} of claim #{row['claim_id']} ({describe(row)} from {public_url(row['url'])})? "
            "It stops being read; the readings it recorded stay as evidence, its pending candidate notes go."
        )
    )
    left, right = st.columns(2)
    if left.button("Remove it", key="watch_remove_yes", width="stretch"):
        st.session_state.pop(REMOVING, None)
        save(
            lambda: data.remove_watch(watch_id),
            lambda _: f"Removed watch {watch_id}; the readings it recorded stay as evidence.",
            where=ACTIONS,
        )
    if right.button("Keep it", key="watch_remove_no", width="stretch"):
        st.session_state.pop(REMOVING, None)
        st.rerun()


def _problems(error: ValidationError) -> list[str]:
    lines = []
    for line in describe_validation_error(error):
        for cli, label in FIELDS.items():
            line = line.replace(cli, label)
        lines.append(line)
    return lines


def add_watch_form(chosen: int | None) -> None:
    st.markdown("**Watch a new source**" + (f" for claim #{chosen}" if chosen is not None else ""))
    if chosen is None:
        st.info("Choose a claim above to watch a source for it.")
        return
    empty_if_saved(
        ADD,
        {"watch_url": "", "watch_format": "csv", "watch_every": 24.0, "watch_points": "", "watch_value": "",
         "watch_date": "", "watch_match": ""},
    )  # fmt: skip
    with st.form("watch_add_form"):
        url = st.text_input("URL (http or https)", key="watch_url", placeholder="https://…")
        left, right = st.columns(2)
        fmt = left.selectbox("Format", list(FORMATS), format_func=FORMATS.__getitem__, key="watch_format")
        every = right.number_input("Every (hours)", value=24.0, step=1.0, format="%g", key="watch_every")
        st.caption(
            "CSV: the value's and the date's column names. JSON: RFC 6901 pointers to one value and its date "
            "(`/latest/count`), or, with “Points” (`/data`), pointers inside each point (`/count`). "
            "Atom/RSS: only “Match text”; matching entries become candidate notes, never values."
        )
        left, right = st.columns(2)  # a row each, so a phone stacks them in this order
        value_at = left.text_input("Value (column or /json/pointer)", key="watch_value")
        date_at = right.text_input("Date (column or /json/pointer)", key="watch_date")
        left, right = st.columns(2)
        points = left.text_input("Points (JSON: pointer to the array)", key="watch_points")
        match = right.text_input("Match text (Atom/RSS)", key="watch_match")
        submitted = st.form_submit_button("Watch this source", key="watch_add_submit", type="primary")
    show_flash(ADD)
    if not submitted:
        return
    try:
        watch = WatchIn.model_validate(
            {"claim_id": chosen, "url": url or "", "format": fmt, "points": text(points), "value_at": text(value_at),
             "date_at": text(date_at), "match_text": text(match), "every_hours": every}
        )  # fmt: skip
    except ValidationError as error:
        st.error("\n".join(["Not saved:", *(f"- {ui.escape_markdown(line)}" for line in _problems(error))]))
        return
    save(
        lambda: data.add_watch(watch),
        lambda watch_id: ui.escape_markdown(
            f"Watch {watch_id} added to claim #{chosen}: {describe(watch.model_dump())}, every {watch.every_hours:g} h "
            "(due now: “Run now” reads it at once)."
        ),
        where=ADD,
        clear=(ADD,),
    )


# --- candidate notes, under "Verdicts" ---------------------------------------------------------------


def _link(title: str, url: object) -> str:
    safe = ui.safe_url(url)
    label = ui.escape_markdown(title)
    if safe is None:
        return f"**{label}**"
    return f"**[{label}]({safe.replace('(', '%28').replace(')', '%29')})**"


def candidate_section() -> None:
    """Pending feed entries of watched sources, each to accept as evidence or dismiss."""
    notes = data.candidate_notes()
    show_flash(CANDIDATES)
    if not notes:
        return
    st.markdown(f"**Candidate evidence from watched feeds ({len(notes)})**")
    st.caption(
        "Entries of watched feeds matching their watch's text. Accepting one records it as a note observation of "
        "its claim, dated by the entry and linking it; dismissing drops it. Neither resolves anything."
    )
    for note in notes[:MAX_CANDIDATES]:
        candidate(note)
    if len(notes) > MAX_CANDIDATES:
        st.caption(f"{len(notes) - MAX_CANDIDATES} more after these (`predictions watch candidates` lists them all).")
    st.divider()  # the verdict queue follows


def candidate(note: dict[str, Any]) -> None:
    candidate_id, claim_id = int(note["id"]), int(note["claim_id"])
    with st.container(border=True, key=f"watch_candidate_{candidate_id}"):
        st.markdown(_link(note["title"], note["link"]))
        day = note["published_on"].isoformat() if note["published_on"] else "undated"
        about = f"{day} · claim #{claim_id}: {ui.escape_markdown(ui.shorten(note['statement'], 110))}"
        summary = f"  \n{ui.escape_markdown(ui.shorten(note['summary'], 300))}" if note["summary"] else ""
        st.caption(about + summary)
        left, right = st.columns(2)
        accept = left.button("Accept as evidence", key=f"watch_accept_{candidate_id}", width="stretch")
        dismiss = right.button("Dismiss", key=f"watch_dismiss_{candidate_id}", width="stretch")
    title = ui.escape_markdown(ui.shorten(note["title"], 80))
    if accept:
        save(
            lambda: data.accept_candidate(candidate_id),
            lambda observation_id: f"Recorded “{title}” as observation #{observation_id} of claim #{claim_id}.",
            where=CANDIDATES,
        )
    if dismiss:
        save(
            lambda: data.dismiss_candidate(candidate_id),
            lambda _: f"Dismissed “{title}”.",
            where=CANDIDATES,
        )
