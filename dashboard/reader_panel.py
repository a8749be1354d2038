"""Readers forecast too (issue 25): the "What do you think?" panel of the claim page and the readers'
record on the Track record page (the author workspace's "Readers" tab is dashboard/workspace/readers.py).

Widgets only: every read and write goes to predictions.reader_forecasts. A reader is the random id in a
signed cookie (`tracker_reader`), issued at their first forecast; what the readers' file keeps is a
pseudonym made from it. Blindness is the library's: `reader_forecasts.view` reads no other reader's
forecast for someone who has not forecast the claim (unless it is resolved), so nothing of theirs can
reach the browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import cache
from pathlib import Path

import streamlit as st

from dashboard import data, ui
from dashboard.render import charts
from dashboard.render import reader_charts as figures
from predictions import ledger, words
from predictions import reader_forecasts as readers
from predictions import reader_identity as identity
from predictions import reader_scores as scores
from predictions.errors import DatabaseError, PredictionsError

COOKIE = "tracker_reader"
TOKEN = "reader_token"  # session key: the token this session set (or read), so a rerun keeps the reader
COOKIE_DAYS = 400  # browsers cap a cookie's life at about 400 days
STORED = (
    "Stored: a random reader id in a cookie on this browser (signed by this dashboard), and your forecasts "
    "under a pseudonym made from it. No name, no e-mail, no IP address. Clearing your cookies starts a new reader."
)


@cache
def _limiter(per_minute: int) -> identity.RateLimiter:
    """One rate limiter per server process (module state: the router imports this module once)."""
    return identity.RateLimiter(per_minute)


def limiter() -> identity.RateLimiter:
    return _limiter(data.settings().reader_rate_per_minute)


def _secret() -> bytes:
    return identity.server_secret(data.database_path())


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser session (bare script runs)
        return None
    return value if isinstance(value, str) else None  # AppTest's context is a stand-in, not a cookie


def _address() -> str | None:
    try:
        return st.context.ip_address
    except Exception:
        return None


def current_reader(*, issue: bool = False) -> str | None:
    """This browser's reader pseudonym: from this session's token, else the cookie; a new token (and
    cookie) only when `issue` (a first forecast). None for a browser that never forecast, without
    reading (or creating) the server's secret: a visitor who only reads leaves no file behind."""
    tokens = [token for token in (st.session_state.get(TOKEN), _cookie_token()) if token]
    if not tokens and not issue:
        return None
    secret = _secret()
    for token in tokens:
        reader_id = identity.token_reader(token, secret)
        if reader_id is not None:
            st.session_state[TOKEN] = token
            return identity.pseudonym(reader_id, secret)
    if not issue:
        return None
    token = identity.new_token(secret)
    st.session_state[TOKEN] = token
    reader_id = identity.token_reader(token, secret)
    assert reader_id is not None
    return identity.pseudonym(reader_id, secret)


def keep_cookie() -> None:
    """Write this session's reader token into the browser (hex digits and a dot only)."""
    token = st.session_state.get(TOKEN)
    if not token or token == _cookie_token() or not all(c in "0123456789abcdef." for c in token):
        return
    value = f"{COOKIE}={token}; path=/; max-age={COOKIE_DAYS * 86_400}; SameSite=Lax"
    st.html(f"<script>document.cookie = {value!r};</script>", unsafe_allow_javascript=True, width="content")


# --- the claim page ------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _aggregate(view: readers.ReaderView, resolved: bool) -> None:
    agg = view.aggregate
    assert agg is not None
    if not agg.shown:
        st.caption(
            f"The readers' median, count and spread appear once at least {readers.MIN_READERS} readers have forecast"
            + (" (fewer did before it was resolved)." if resolved else ".")
        )
        return
    columns = st.columns(4)
    columns[0].metric("Readers' median", percent(agg.median), help="the median of every reader's latest forecast")
    columns[1].metric("Readers", f"{agg.n:,}", help="readers who forecast this claim (one forecast each counts)")
    columns[2].metric("Author", percent(view.author_probability), help="the author's latest counted forecast")
    columns[3].metric("You", percent(view.own), help="your latest forecast on this claim")
    ui.plotly_chart(
        figures.readers_histogram_figure(agg.histogram, agg.median, view.own, view.author_probability),
        key="reader_histogram",
    )


def _resolved_comparison(view: readers.ReaderView, outcome: float | None, label: str) -> None:
    agg = view.aggregate
    if agg is None or not agg.shown or agg.median is None or outcome is None:
        return
    parts = [f"Resolved **{label}**: readers (median of {agg.n}) said {agg.median:.0%}"]
    parts.append(f"Brier {(agg.median - outcome) ** 2:.3f}")
    if view.author_probability is not None:
        author = view.author_probability
        parts.append(f"the author said {author:.0%}, Brier {(author - outcome) ** 2:.3f}")
    st.markdown("; ".join(parts) + " (lower is better).")


@st.cache_data(show_spinner=False, max_entries=64)
def _claim_facts(
    path: str, ledger_version: tuple[float, int], claim_ids: tuple[int, ...]
) -> dict[int, readers.ClaimFacts]:
    """What the ledger says about these claims, read once per ledger version (not on every rerun)."""
    return readers.claim_facts(Path(path), claim_ids)


def claim_facts(claim_ids: Sequence[int]) -> dict[int, readers.ClaimFacts]:
    path = data.database_path()
    return _claim_facts(str(path), ledger.database_version(path), tuple(sorted(set(claim_ids))))


@st.cache_data(show_spinner=False, max_entries=1024)
def _view(
    path: str,
    readers_version: tuple[float, int],
    claim_id: int,
    reader: str,
    today: date,
    enabled: bool,
    facts: readers.ClaimFacts,
) -> readers.ReaderView:
    return readers.view(Path(path), claim_id, reader, today=today, enabled=enabled, facts=facts)


def reader_view(claim_id: int, reader: str, today: date, facts: readers.ClaimFacts) -> readers.ReaderView:
    """readers.view, read once per version of the readers' file (and of the claim's facts): a rerun that
    stores nothing (a refused submission, a reload) reads nothing. Per reader, so blindness is per reader."""
    path = data.database_path()
    version = ledger.database_version(readers.readers_path(path))
    return _view(str(path), version, claim_id, reader, today, data.settings().reader_forecasts, facts)


def _own_record(reader: str, claims: Sequence[int]) -> None:
    record = scores.personal_record(data.database_path(), reader, claims=claims, facts=claim_facts(claims))
    with st.expander("Your record (private to this browser)"):
        if record.n == 0:
            st.caption("None of the claims you forecast is resolved yet: your Brier and peer scores appear then.")
            return
        columns = st.columns(3)
        columns[0].metric("Resolved claims", f"{record.n:,}")
        columns[1].metric("Your Brier score", words.score(record.brier), help="0 is perfect; always 50% scores 0.25")
        columns[2].metric(
            "Your peer score",
            "–" if record.peer is None else f"{record.peer:+.1f}",
            help="Metaculus's peer score: 100 × (ln p − the other readers' mean ln p) for the probability given to "
            "what happened, averaged over your claims; above 0 beats the other readers",
        )
        if record.baseline is not None:
            st.caption(f"Baseline score {record.baseline:+.1f} (Metaculus: 100 × (log2 p + 1); 0 is saying 50%).")


@st.fragment
def claim_panel(claim_id: int, today: date) -> None:
    """'What do you think?': the form on an open claim, the crowd once this reader has forecast it.

    A fragment: submitting reruns this panel alone, not the claim page's charts and evidence."""
    path = data.database_path()
    settings = data.settings()
    facts = claim_facts([claim_id]).get(claim_id)
    if facts is None:
        return
    st.subheader("What do you think?")
    reader = current_reader()
    view = reader_view(claim_id, reader or "", today, facts)
    if view.closed_because is not None:
        st.info(ui.escape_markdown(view.closed_because))
    else:
        with st.form("reader_form", border=True, enter_to_submit=False):
            chosen = st.slider(
                "Your probability that this comes true",
                min_value=1,
                max_value=99,
                value=round(100 * view.own) if view.own is not None else 50,
                format="%d%%",
                key="reader_probability",
            )
            # One label before and after a forecast: the form is drawn before a submit is handled, so a label
            # that changed with it would be a step behind ("Your forecast: …" below says where it stands).
            submitted = st.form_submit_button("Submit my forecast", type="primary", key="reader_submit")
        if submitted:
            reader = current_reader(issue=True)
            assert reader is not None
            try:
                result = readers.submit(
                    path,
                    claim_id,
                    reader,
                    chosen / 100,
                    address=_address(),
                    limiter=limiter(),
                    today=today,
                    enabled=settings.reader_forecasts,
                    seen=view,
                )
            except identity.RateLimitedError as error:
                st.warning(ui.escape_markdown(error))
            except DatabaseError as error:  # busy past every retry: nothing stored, nothing lost
                st.warning(
                    f"Your forecast was not recorded: the dashboard is very busy ({error}). Please submit again."
                )
            except PredictionsError as error:
                st.error(ui.escape_markdown(error))
            else:
                st.success(result.message)
                view = reader_view(claim_id, reader, today, facts)
        keep_cookie()
    if view.own is not None:
        changes = len(view.own_history) - 1
        st.markdown(
            f"**Your forecast: {view.own:.0%}**"
            + (f" (changed {words.count(changes, 'time')})" if changes else "")
            + f" · the author's: {percent(view.author_probability)}"
        )
    if view.aggregate is None:
        if view.closed_because is None:
            st.caption("The other readers' forecasts stay hidden until you have made yours.")
    else:
        _aggregate(view, facts.resolved)
        _resolved_comparison(view, facts.scored_outcome, str(facts.outcome))
    if reader is not None:
        _own_record(reader, view.claims)
    st.caption(STORED)


# --- the Track record page ----------------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=16)
def _record(
    path: str, ledger_version: tuple[float, int], readers_version: tuple[float, int], today: date, folded: bool
) -> scores.ReadersRecord:
    return scores.readers_record(Path(path), today, folded=folded)


def readers_record(folded: bool) -> scores.ReadersRecord:
    path = data.database_path()
    return _record(str(path), data.version(), ledger.database_version(readers.readers_path(path)), data.today(), folded)


def track_record_section(folded: bool) -> None:
    """'Readers (median)' as a forecaster beside the author: its scores, calibration and the claims compared."""
    st.subheader(scores.READERS_MEDIAN)
    record = readers_record(folded)
    score = record.score
    if score.n == 0:
        st.info(
            f"No resolved claim has forecasts from at least {readers.MIN_READERS} readers yet: the readers' median is "
            "scored as a forecaster of its own once one has."
        )
        return
    compared = [c for c in record.claims if c.author_brier is not None]
    columns = st.columns(4)
    columns[0].metric("Scored claims", f"{score.n:,}", help=f"resolved claims with {readers.MIN_READERS}+ readers")
    columns[1].metric("Brier (readers)", words.score(score.brier))
    columns[2].metric("Log score (readers)", words.score(score.log_score))
    author = sum(c.author_brier or 0.0 for c in compared) / len(compared) if compared else None
    columns[3].metric(
        "Brier (author, same claims)",
        words.score(author),
        help="the author's last counted forecast on the same claims",
    )
    left, right = st.columns(2, gap="large")
    with left:
        if any(b.n for b in score.calibration):
            ui.plotly_chart(
                charts.calibration_figure(score.calibration, folded, "Calibration (readers' median)"),
                key="readers_calibration_chart",
            )
        else:
            st.caption("No calibration chart for the readers yet: no scored claim has reached its deadline.")
    with right:
        ui.plotly_chart(figures.readers_vs_author_figure(record.claims), key="readers_vs_author_chart")
    st.dataframe(
        [
            {
                "claim": f"#{c.claim_id}",
                "statement": c.statement,
                "outcome": c.outcome,
                "readers": c.readers,
                "readers' median": c.readers_median,
                "author": c.author_probability,
                "Brier (readers)": round(c.readers_brier, 3),
                "Brier (author)": None if c.author_brier is None else round(c.author_brier, 3),
            }
            for c in record.claims
        ],
        key="readers_claims_table",
        hide_index=True,
        placeholder="–",
        column_config={
            "readers' median": st.column_config.NumberColumn("readers' median", format="percent"),
            "author": st.column_config.NumberColumn("author", format="percent"),
            "statement": st.column_config.TextColumn("statement", width="large"),
        },
    )
