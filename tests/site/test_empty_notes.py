"""A piece of evidence without a note (a watched source's reading recorded before readings got one, or a
value typed with no note) leaves no dangling separator anywhere: the site's feed, its evidence table, the
CLI's `show` and `review`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard_fixtures import claim_ids, seeded_db  # noqa: F401  (seeded_db is a fixture)
from ledger_snapshot import run_cli

from dashboard.site import claim_page
from predictions import ledger, words
from predictions.models import ObservationIn
from predictions.publishing import site_claims

TODAY = date(2026, 6, 1)
SEPARATORS = (":", "—", "·", ",", ";")


def test_joined_drops_what_is_empty_and_keeps_the_rest_in_order() -> None:
    assert words.joined(["Evidence on #14", "66 cities", None]) == "Evidence on #14: 66 cities"
    assert words.joined(["Evidence on #14", None, "  a\nnote "]) == "Evidence on #14: a note"
    assert words.joined([None, "", "   "], " — ") == ""


def test_a_value_without_a_note_reads_as_a_sentence_in_the_feed_and_on_the_page(seeded_db: Path) -> None:  # noqa: F811
    robotaxi = claim_ids(seeded_db)["robotaxi-cities-2025"]
    bare = ledger.add_observation(seeded_db, robotaxi, ObservationIn(observed_on=date(2026, 5, 1), value=66))
    claims = {c.id: c for c in site_claims(seeded_db, TODAY)}
    unit = claims[robotaxi].detail.view.row["unit"]
    entries = claim_page.feed_entries(list(claims.values()))
    [entry] = [e for e in entries if e.key == f"claim:{robotaxi}:observation:{bare}"]
    assert entry.title == f"Evidence on #{robotaxi}: 66 {unit}"
    for e in entries:
        assert not e.title.rstrip().endswith(SEPARATORS), e.title
        assert not e.summary.rstrip().endswith(SEPARATORS), e.summary
    claim = claims[robotaxi]
    body, _meta = claim_page.claim_page(claim, claim_page.claim_charts(claim, TODAY), TODAY, None, False)
    evidence = body.split("<h2>Evidence</h2>", 1)[1]
    row = next(r for r in evidence.split("<tr>") if r.startswith("<td>2026-05-01</td>"))
    assert row.startswith('<td>2026-05-01</td><td class="num">66</td><td>–</td>')  # a dash, never a blank note


def test_the_cli_shows_a_bare_value_without_a_trailing_dash(seeded_db: Path) -> None:  # noqa: F811
    robotaxi = claim_ids(seeded_db)["robotaxi-cities-2025"]
    ledger.add_observation(seeded_db, robotaxi, ObservationIn(observed_on=date(2026, 5, 1), value=66))
    shown = run_cli(["show", str(robotaxi), "--db", str(seeded_db)])
    assert shown.code == 0, shown.err
    [line] = [line for line in shown.out.splitlines() if line.strip().startswith("observed 2026-05-01")]
    assert line.strip() == "observed 2026-05-01: 66"
