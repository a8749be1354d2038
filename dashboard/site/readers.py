"""The static site's word on the readers' forecasts (issue 25): it stays blind.

A published page is read by anyone, forecaster or not, so it shows the readers' median and count only
for a resolved claim (with the author's probability beside it); an open claim shows nothing of the
readers and links to the live dashboard ("forecast it there") when PREDICTIONS_DASHBOARD_URL is set.
"""

from __future__ import annotations

from pathlib import Path

from dashboard.site import html as h
from predictions import reader_forecasts as readers
from predictions.settings import load_settings


def summaries(db_path: Path) -> dict[int, readers.ClaimReaders]:
    """The readers' aggregate of every claim readers forecast (computed once per publish)."""
    return {row.claim_id: row for row in readers.claims_readers(db_path)}


def dashboard_url() -> str | None:
    """PREDICTIONS_DASHBOARD_URL (or dashboard_url in predictions.toml) when set and reader forecasts are
    on, else None."""
    settings = load_settings()
    if "dashboard_url" not in settings.given or not settings.reader_forecasts:
        return None
    return settings.dashboard_url.rstrip("/")


def section(
    claim_id: int, summary: readers.ClaimReaders | None, *, resolved: bool, takes_forecasts: bool, live: str | None
) -> str:
    """The claim page's "Readers" section: aggregates of a resolved claim only; else a link to forecast live."""
    parts = ["<h2>Readers</h2>"]
    if resolved:
        agg = summary.aggregate if summary is not None else None
        if agg is None or not agg.shown or agg.median is None:
            parts.append(f"<p>Fewer than {readers.MIN_READERS} readers forecast this claim before it was resolved.</p>")
        else:
            author = summary.facts.author_probability if summary and summary.facts else None
            said = f"; the author said {author:.0%}" if author is not None else ""
            parts.append(
                f"<p>The readers' median was <strong>{agg.median:.0%}</strong> ({agg.n} readers){h.esc(said)}.</p>"
            )
        return "".join(parts)
    if takes_forecasts and live:
        url = f"{live}/claim?claim={claim_id}"
        parts.append(
            f"<p>What do you think? Readers forecast this claim on the live dashboard, without an account: "
            f"{h.link(url, 'forecast it there ↗')}. Their forecasts stay hidden here until the claim is resolved.</p>"
        )
    else:
        parts.append("<p>The readers' forecasts are shown here once the claim is resolved.</p>")
    return "".join(parts)
