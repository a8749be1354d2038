"""predictions.claim_page (issue 29, point 2): one model of a claim's page, rendered by the live claim page
and the static site's; the withdrawal notice and the status line read the same on both."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

from dashboard_fixtures import Rich, app, no_exception, rich_db

from dashboard.render import charts
from dashboard.site import claim_page as site_page
from predictions import claim_page, ledger, publishing
from predictions.cli import main

__all__ = ["rich_db"]


def unmarked(text: str) -> str:
    """Markdown shown as text: the escaping backslashes dropped."""
    return re.sub(r"\\(.)", r"\1", text)


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def site_body(path: Path, claim_id: int, today: date) -> str:
    claim = next(c for c in publishing.site_claims(path, today) if c.id == claim_id)
    with charts.unvalidated():
        figures = site_page.claim_charts(claim, today)
    body, _meta = site_page.claim_page(claim, figures, today, None, False)
    return body


def test_a_withdrawn_claim_says_the_same_on_the_live_and_the_static_page(rich_db: Rich) -> None:
    path, ids = rich_db
    gone, kept = ids["nqpf-kpis-2025"], ids["robotaxi-cities-2025"]
    reason = "it repeats <b>another</b> claim"
    assert main(["withdraw", "--db", str(path), str(gone), "--reason", reason, "--duplicate-of", str(kept)]) == 0
    today = date.today()
    page = claim_page.claim_page(ledger.get_claim(path, gone, today), today)
    assert page.status == "withdrawn" and page.brier is None and page.withdrawal is not None
    notice = f"Withdrawn on {today:%Y-%m-%d}: {reason}. It repeats claim #{kept}. {claim_page.LEFT_OUT}"
    assert page.withdrawal.text() == notice
    assert "reminder" in claim_page.LEFT_OUT and "feed" in claim_page.LEFT_OUT  # one text for both pages

    at = app(claim=str(gone))
    no_exception(at)
    assert [unmarked(w.value) for w in at.warning] == [notice]
    assert unmarked(claim_page.WITHDRAWN_STATUS_LINE) in [unmarked(c.value) for c in at.caption]

    body = site_body(path, gone, today)
    shown = re.search(r'<p class="notice"[^>]*>(.*?)</p>', body, re.S)
    assert shown is not None and plain(shown.group(1)) == notice
    assert f'<a href="claim-{kept}.html">#{kept}</a>' in shown.group(1)
    assert claim_page.WITHDRAWN_STATUS_LINE in plain(body)


def test_the_facts_badge_and_status_line_are_the_pages(rich_db: Rich) -> None:
    path, ids = rich_db
    today = date.today()
    for claim_id in (ids["robotaxi-cities-2025"], ids["ehang-shenzhen-flying-taxis-2030"], ids["hostile"]):
        detail = ledger.get_claim(path, claim_id, today)
        page = claim_page.claim_page(detail, today)
        at = app(claim=str(claim_id))
        no_exception(at)
        live = [unmarked(m.value) for m in at.markdown]
        for label, value in page.facts:  # the live page's fields, in order
            assert f"**{label}:** {value}" in live, (label, value)
        assert page.badge in live and unmarked(page.status_line) in [unmarked(c.value) for c in at.caption]
        text = plain(site_body(path, claim_id, today))
        assert all(f"{label}{value}" in text for label, value in page.facts)
        assert page.status_line in text


def test_the_brier_of_the_last_counted_forecast_against_the_verdict(rich_db: Rich) -> None:
    path, _ = rich_db
    today = date.today()
    scored = 0
    for view in ledger.list_claims(path, today):
        detail = ledger.get_claim(path, view.id, today)
        page = claim_page.claim_page(detail, today)
        current, latest = ledger.resolution_in_force(detail), detail.last_counted_forecast
        if current is None or current["outcome"] not in ("true", "false") or latest is None:
            assert page.brier is None
            continue
        outcome = 1.0 if current["outcome"] == "true" else 0.0
        expected = (float(latest["probability"]) - outcome) ** 2  # by hand: one forecast
        assert abs(page.brier - expected) < 1e-12  # type: ignore[operator]
        assert page.badge.endswith(f"Brier {expected:.3f}")
        scored += 1
    assert scored >= 2
