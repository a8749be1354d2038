"""`predictions publish -o DIR`: the reader pages as a static site, for any static host or CDN.

The plugin behind the command (entry point `predictions.chart_renderers: site`), so the `predictions`
package never imports plotly. It writes

    index.html  deadlines.html  track-record.html     the Overview, the Deadlines list, the Track record
                                                       (list_pages.py)
    claim-ID.html, embed/claim-ID.html                 one page per claim and its <iframe> card (claim_page.py)
    cards/claim-ID.png                                 1200×630 link-preview card (og:image), see cards.py
    cards/index.png                                    the home page's card: the record at a glance
                                                       (record_card.py)
    data/ledger.csv|json|parquet                       the ledger as `predictions export` writes it
    data/claim-ID.csv|json, data/claim-ID.evidence.csv one claim's forecasts, whole record, evidence
                                                       (data_files.py)
    feed.xml                                           Atom: new claims, evidence, verdicts (feed.py)
    assets/plotly.min.js, site.css, site.js            one shared copy of plotly.js, from the plotly package

Every link is relative, so the folder works from `file://` and from any static server; with `--base-url`
the og:image, the canonical link, the feed and the embed snippet carry absolute addresses. Nothing in it
depends on the clock: the same ledger and as-of day give the same bytes (the JSON export's `exported_at`
becomes the as-of day), so publishing into a git repository changes only what changed.

Scale: the claims' pages are made from one bulk read (predictions.publishing.site_claims), their charts
without plotly's validation (charts.unvalidated), and cards are drawn for the author's own claims only:
a claim imported from another platform's archive (18,670 of PredictionBook's) gets its page, embed and
downloads but no card, which `predictions card ID` still draws on request. A withdrawn claim keeps its
page (its link keeps working, as in the live dashboard) and leaves every list, count and the feed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.offline

from dashboard.render import cards, charts, record_card
from dashboard.site import claim_page, data_files, feed, list_pages, readers
from dashboard.site import html as h
from predictions import exports, ledger, overview, reminders, standalone_verifier
from predictions.errors import PredictionsError
from predictions.publishing import SiteClaim, site_claims
from predictions.safe_text import clean

ASSETS = Path(__file__).with_name("assets")
FEED_ENTRIES = 500  # the newest entries: a feed reader polls the whole file, and keeps what it has seen
CARD_DIGESTS = "digests.json"  # in cards/: each card's file name → the sha256 of the figure it was drawn from


class PublishError(PredictionsError, ValueError):
    """A problem with what was asked (an unknown source), worth one line."""


@dataclass
class PublishResult:
    directory: Path
    claims: int
    pages: list[Path] = field(default_factory=list)
    cards: list[Path] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    card_failures: list[tuple[int, str]] = field(default_factory=list)  # (claim id, why): a plain card stands in


def _archived(item: Mapping[str, Any] | None) -> bool:
    """Imported from another platform's archive (its source's kind), not one of the author's sources."""
    return bool(item and item.get("source") and item["source"].get("kind") == "archive")


def _scope(
    claims: Sequence[SiteClaim], items: Mapping[int, Mapping[str, Any]], source: int | None, everything: bool
) -> list[SiteClaim]:
    if source is not None:
        chosen = [c for c in claims if c.detail.view.row["source_id"] == source]
        if not [c for c in chosen if c.withdrawal is None]:
            raise PublishError(f"no claim of source {source} to publish")
        return chosen
    if everything:
        return list(claims)
    return [c for c in claims if not _archived(items.get(c.id))]


def _previous_cards(out: Path | None) -> dict[str, tuple[str, bytes]]:
    """The cards of the site now in `out` (the last publish), by file name: (digest of their figure,
    PNG bytes). Only regular files: a symbolic link is never followed."""
    if out is None:
        return {}
    folder = out / "cards"
    try:
        digests = json.loads((folder / CARD_DIGESTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = {}
    for name, digest in digests.items() if isinstance(digests, dict) else ():
        path = folder / str(name)
        if path.name == name and path.suffix == ".png" and path.is_file() and not path.is_symlink():
            found[name] = (str(digest), path.read_bytes())
    return found


def _sort_cards(
    figures: Mapping[Path, Any], previous: Mapping[str, tuple[str, bytes]], folder: Path
) -> dict[Path, Any]:
    """Keep each card whose figure is unchanged since the last publish into the same folder (a card is a
    pure function of its figure: the same figure draws the same bytes) and return those to draw."""
    folder.mkdir(parents=True, exist_ok=True)
    digests, todo = {}, {}
    for path, figure in figures.items():
        digest = hashlib.sha256(h.figure_json(figure).encode("utf-8")).hexdigest()
        digests[path.name] = digest
        kept = previous.get(path.name)
        if kept is not None and kept[0] == digest:
            path.write_bytes(kept[1])
        else:
            todo[path] = figure
    _write_digests(folder, digests)
    return todo


def _write_digests(folder: Path, digests: Mapping[str, str]) -> None:
    (folder / CARD_DIGESTS).write_text(json.dumps(digests, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _write(path: Path, text: str, written: list[Path]) -> None:
    if path.suffix == ".html":  # a page: no character XML forbids (plotly.min.js is written as it ships)
        text = clean(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    written.append(path)


def _assets(out: Path, written: list[Path]) -> None:
    (out / "assets").mkdir()
    _write(out / "assets" / "plotly.min.js", plotly.offline.get_plotlyjs(), written)
    _write(out / "assets" / "site.js", h.site_script((ASSETS / "site.js").read_text(encoding="utf-8")), written)
    for name in ("site.css", "favicon.svg"):
        _write(out / "assets" / name, (ASSETS / name).read_text(encoding="utf-8"), written)


def _claim_files(
    claim: SiteClaim,
    item: dict[str, Any] | None,
    flat: data_files.FlatExport,
    out: Path,
    context: Mapping[str, Any],
    written: list[Path],
) -> None:
    """claim-ID.html, embed/claim-ID.html and the claim's downloads."""
    today, base_url = context["today"], context["base_url"]
    figures = claim_page.claim_charts(claim, today)
    resolved = ledger.resolution_in_force(claim.detail) is not None
    readers_html = readers.section(
        claim.id,
        context["readers"].get(claim.id),
        resolved=resolved,
        takes_forecasts=claim.withdrawal is None and claim.detail.view.status.state == "open",
        live=context["live"],
    )
    body, meta = claim_page.claim_page(claim, figures, today, base_url, context["card"], readers_html)
    title = f"#{claim.id}: {' '.join(str(claim.detail.view['statement']).split())[:90]} — {h.SITE_TITLE}"
    canonical = h.absolute(base_url, f"claim-{claim.id}.html") if base_url else None
    page = h.page(
        title=title, body=body, meta=meta, as_of=today.isoformat(), canonical=canonical, record=context["record"]
    )
    _write(out / f"claim-{claim.id}.html", page, written)
    _write(out / "embed" / f"claim-{claim.id}.html", claim_page.embed_page(claim, figures, today), written)
    data_files.claim_downloads(claim, item, flat, out / "data", today)


def _record(db_path: Path, out: Path, written: list[Path]) -> ledger.Head:
    """data/record.json (the hash chain, exact: ASCII JSON, nothing cleaned) and verify_record.py, the
    standard-library verifier that recounts its head (predictions/standalone_verifier.py); the head."""
    head = ledger.record_head(db_path)
    document = {"records": head.count, "head": head.hash, "chain": ledger.chain_records(db_path)}
    (out / "data" / "record.json").write_text(json.dumps(document, ensure_ascii=True, indent=0) + "\n")
    verifier = Path(standalone_verifier.__file__).read_text(encoding="utf-8")
    _write(out / "verify_record.py", verifier, written)
    written.append(out / "data" / "record.json")
    return head


def _list_pages(
    db_path: Path, out: Path, listed: set[int], context: Mapping[str, Any], written: list[Path]
) -> go.Figure:
    """index.html, deadlines.html and track-record.html over the listed claims (never a withdrawn one);
    the home page's card (the record at a glance), which index.html names as its og:image when
    `context["card"]`, for the caller to draw into cards/index.png."""
    today, record = context["today"], context["record"]
    table = ledger.claim_table(db_path, today, progress_claims=overview.PROGRESS_CLAIMS)
    mask = np.isin(table.ids, np.asarray(sorted(listed), dtype=np.int64))
    progress_ids = [int(table.ids[i]) for i in overview.progress_index(table, mask, today, overview.PROGRESS_CLAIMS)]
    trajectories = ledger.table_trajectories(db_path, table, progress_ids)
    author = overview.brier_of(table, "author")
    as_of = today.isoformat()
    overview_body = list_pages.overview_page(table, mask, trajectories, today, author)
    home = list_pages.home_card_data(table, mask, today, author)
    meta = list_pages.home_meta(home, context["base_url"], context["card"])
    canonical = h.absolute(context["base_url"], "index.html") if context["base_url"] else None
    page = h.page(
        title=h.SITE_TITLE, body=overview_body, current="index.html", as_of=as_of, record=record, meta=meta,
        canonical=canonical,
    )  # fmt: skip
    _write(out / "index.html", page, written)
    deadlines = list_pages.deadlines_page(table, mask, today, reminders.reminder_states(db_path))
    page = h.page(
        title=f"Deadlines — {h.SITE_TITLE}",
        body=deadlines,
        current="deadlines.html",
        as_of=as_of,
        plotly=False,
        record=record,
    )
    _write(out / "deadlines.html", page, written)
    track = list_pages.track_record_page(db_path, today)
    page = h.page(
        title=f"Track record — {h.SITE_TITLE}", body=track, current="track-record.html", as_of=as_of, record=record
    )
    _write(out / "track-record.html", page, written)
    return record_card.record_figure(home)


def publish_site(data: Mapping[str, Any], directory: Path) -> PublishResult:
    """The plugin: write the site for `data` (db_path, today, base_url, source, all, cards, author, and
    `previous`, the site it will replace) into `directory`, a new folder that predictions.site_folder
    swaps in for the old site when this returns."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    previous = _previous_cards(Path(data["previous"]) if data.get("previous") else None)
    # Into a new folder every card is drawn: Chromium starts loading plotly.js now, beside the exports.
    painter = cards.CardPainter() if data.get("cards", True) and not previous else None
    try:
        return _publish(data, out, previous, painter)
    finally:
        if painter is not None:
            painter.close()


def _publish(
    data: Mapping[str, Any], out: Path, previous: Mapping[str, tuple[str, bytes]], painter: cards.CardPainter | None
) -> PublishResult:
    db_path = Path(data["db_path"])
    today = date.fromisoformat(str(data["today"]))
    base_url = str(data["base_url"]) if data.get("base_url") else None
    written: list[Path] = []
    _assets(out, written)

    data_files.write_exports(db_path, out / "data", today)
    head = _record(db_path, out, written)
    record = h.record_footer(head.count, head.hash, head.recorded_at.date().isoformat() if head.recorded_at else None)
    every = site_claims(db_path, today)
    items = exports.claim_items(db_path)
    claims = _scope(every, items, data.get("source"), bool(data.get("all")))
    carded = [c for c in claims if not _archived(items.get(c.id))] if data.get("cards", True) else []
    card_figures = {
        out / "cards" / f"claim-{c.id}.png": cards.card_figure(cards.card_data(c.detail, today)) for c in carded
    }
    claim_of = {out / "cards" / f"claim-{c.id}.png": c.id for c in carded}
    with contextlib.ExitStack() as stack:
        flat = data_files.FlatExport(out / "data" / "ledger.csv")
        with_card = {c.id for c in carded}
        reader_summaries, live = readers.summaries(db_path), readers.dashboard_url()
        with charts.unvalidated():
            for claim in claims:
                context = {"today": today, "base_url": base_url, "card": claim.id in with_card, "record": record,
                           "readers": reader_summaries, "live": live}  # fmt: skip
                _claim_files(claim, items.get(claim.id), flat, out, context, written)
            home_context = {
                "today": today,
                "base_url": base_url,
                "card": bool(data.get("cards", True)),
                "record": record,
            }
            home = _list_pages(db_path, out, {c.id for c in claims if c.withdrawal is None}, home_context, written)
        if data.get("cards", True):
            card_figures[out / "cards" / record_card.FILE_NAME] = home
        todo = _sort_cards(card_figures, previous, out / "cards") if card_figures else {}
        if todo and painter is None:
            painter = stack.enter_context(cards.CardPainter())
        failures = []
        if todo and painter is not None:  # a card that cannot be drawn gets a plain one, not a failed publish
            plain = {path: cards.plain_figure(claim_of[path]) for path in todo if path in claim_of}
            failures = painter.paint(todo, plain)
        if failures:  # no digest for a stand-in: the next publish tries the real card again
            digests = json.loads((out / "cards" / CARD_DIGESTS).read_text(encoding="utf-8"))
            _write_digests(
                out / "cards", {k: v for k, v in digests.items() if k not in {f.path.name for f in failures}}
            )

    entries = feed.newest(claim_page.feed_entries(claims), FEED_ENTRIES)
    feed_bytes = feed.atom_feed(
        entries,
        title=f"{h.SITE_TITLE}: claims, evidence and verdicts",
        author=str(data.get("author") or "the author"),
        as_of=today,
        base_url=base_url,
        feed_key=h.SITE_TITLE,
        record=head.line() + f"; full head {head.hash}" if head.count else None,
    )
    (out / "feed.xml").write_bytes(feed_bytes)
    written.append(out / "feed.xml")

    files = [p for p in out.rglob("*") if p.is_file()]
    pages = [p for p in written if p.suffix == ".html"]
    failed = [(claim_of[f.path], f.reason) for f in failures if f.path in claim_of]
    size = sum(p.stat().st_size for p in files)
    return PublishResult(out, len(claims), pages, list(card_figures), len(files), size, failed)
