"""`predictions publish` and `predictions card` (issue 15) without a browser: what the site holds, that it
is the same bytes for the same ledger, that its downloads are what `predictions export` writes, the Atom
feed (parsed with feedparser), the cards, the scope options and the one-line refusals.
(The same site in a real browser: test_publish_browser.py.)
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import plotly.offline
import pyarrow.parquet as pq
import pytest
from dashboard_fixtures import HOSTILE_QUOTE, HOSTILE_STATEMENT, seeded_db
from site_fixtures import AS_OF, Site, publish, published

from dashboard.render import cards
from predictions import ledger
from predictions.cli import main
from predictions.models import ClaimIn

__all__ = ["published", "seeded_db"]

FATEBOOK = Path(__file__).resolve().parents[1] / "data" / "fatebook_export.csv"


def tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


def claim_ids(site: Site) -> list[int]:
    return sorted(int(p.stem.removeprefix("claim-")) for p in site.folder.glob("claim-*.html"))


def test_the_site_has_every_page_card_embed_and_download(published: Site) -> None:
    listed = sorted(view.id for view in ledger.list_claims(published.database, AS_OF))
    assert claim_ids(published) == listed and len(listed) == 35  # 34 seed claims and the hostile one
    for name in ("index.html", "deadlines.html", "track-record.html", "feed.xml", "data/ledger.csv",
                 "data/ledger.json", "data/ledger.parquet", "assets/site.css", "assets/site.js"):  # fmt: skip
        assert (published.folder / name).stat().st_size > 0, name
    for claim_id in listed:
        for name in (f"embed/claim-{claim_id}.html", f"cards/claim-{claim_id}.png", f"data/claim-{claim_id}.csv",
                     f"data/claim-{claim_id}.json", f"data/claim-{claim_id}.evidence.csv"):  # fmt: skip
            assert (published.folder / name).is_file(), name
        png = (published.folder / f"cards/claim-{claim_id}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (1200, 630)


def test_one_shared_local_plotly_and_nothing_from_elsewhere(published: Site) -> None:
    assert (published.folder / "assets/plotly.min.js").read_text(encoding="utf-8") == plotly.offline.get_plotlyjs()
    assert len(list(published.folder.rglob("plotly*.js"))) == 1
    for page in published.folder.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        tags = [t for t in re.findall(r"<(?:script|link|img)\b[^>]*>", text) if 'rel="canonical"' not in t]
        loads = [m.group(1) for t in tags if (m := re.search(r'\b(?:src|href)="([^"]*)"', t))]
        assert loads, page
        assert all(not re.match(r"[a-z]+:", url) or url.startswith("data:") for url in loads), (page, loads)
        depth = "../" if page.parent.name == "embed" else ""
        if "data-figure" in text:
            assert f'<script src="{depth}assets/plotly.min.js"></script>' in text
        assert "cdn" not in " ".join(loads).lower()


def test_the_same_ledger_publishes_the_same_bytes(published: Site, tmp_path: Path) -> None:
    again = tmp_path / "again"
    publish(published.database, again, "--base-url", published.url)
    assert tree(again) == tree(published.folder)
    # publishing over an old site removes what the ledger no longer has: a site published from a ledger
    # with one claim more, then from the ledger without it
    bigger = tmp_path / "bigger.duckdb"
    shutil.copy2(published.database, bigger)
    extra = ledger.add_claim(bigger, ClaimIn(statement="Only in the bigger ledger", made_on=AS_OF))
    publish(bigger, again, "--base-url", published.url, "--no-cards")
    assert (again / f"claim-{extra}.html").exists() and (again / "data" / f"claim-{extra}.json").exists()
    publish(published.database, again, "--base-url", published.url, "--no-cards")
    assert not (again / f"claim-{extra}.html").exists() and not (again / "data" / f"claim-{extra}.json").exists()
    assert not (again / "cards").exists()
    assert 'property="og:image"' not in (again / "claim-1.html").read_text()
    home = (again / "index.html").read_text()
    assert 'property="og:image"' not in home and 'property="og:title"' in home  # a preview without a card


def test_the_downloads_are_what_predictions_export_writes(published: Site, tmp_path: Path) -> None:
    for fmt in ("csv", "json", "parquet"):
        assert main(["export", "--db", str(published.database), "--format", fmt, "-o", str(tmp_path / f"x.{fmt}")]) == 0
    site = published.folder / "data"
    assert (site / "ledger.csv").read_bytes() == (tmp_path / "x.csv").read_bytes()
    assert pq.read_table(site / "ledger.parquet").equals(pq.read_table(tmp_path / "x.parquet"))
    exported = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    mine = json.loads((site / "ledger.json").read_text(encoding="utf-8"))
    assert mine["exported_at"] == "2026-06-01T00:00:00"  # the as-of day: no clock in the site
    # the hash chain is published beside it, exact (data/record.json), not in the cleaned ledger.json
    assert mine.get("chain") is None and exported["chain"]
    record = json.loads((site / "record.json").read_text(encoding="utf-8"))
    assert record["chain"] == exported["chain"] and record["head"] == exported["chain"][-1]["hash"]
    exported.pop("chain")
    assert {**mine, "exported_at": None} == {**exported, "exported_at": None}

    with (tmp_path / "x.csv").open(newline="", encoding="utf-8") as handle:
        flat = list(csv.DictReader(handle))
    robotaxi = published.ids["robotaxi-cities-2025"]
    for claim_id in claim_ids(published):
        detail = ledger.get_claim(published.database, claim_id, AS_OF)
        row = detail.view.row
        one = json.loads((site / f"claim-{claim_id}.json").read_text(encoding="utf-8"))
        assert one["format"] == exported["format"] and len(one["claims"]) == 1
        assert one["exported_at"] == mine["exported_at"]
        item = one["claims"][0]
        assert item in exported["claims"]
        assert (item["statement"], item["made_on"]) == (row["statement"], row["made_on"].isoformat())
        assert len(item["forecasts"]) == len(detail.forecasts)
        assert len(item["observations"]) == len(detail.observations)
        assert len(item["resolutions"]) == len(detail.resolutions)
        with (site / f"claim-{claim_id}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert rows == [r for r in flat if r["statement"] == row["statement"]]
        assert len(rows) == len(detail.forecasts)
        with (site / f"claim-{claim_id}.evidence.csv").open(newline="", encoding="utf-8") as handle:
            facts = list(csv.DictReader(handle))
        assert [(f["observed_on"], f["note"]) for f in facts] == [
            (o["observed_on"].isoformat(), o["note"] or "") for o in detail.observations
        ]
        if claim_id == robotaxi:
            assert [f["value"] for f in facts if f["value"]] == ["16.0", "22.0", "27.0"]


def test_a_claims_json_is_one_export_keyed_by_id_on_the_site_the_live_button_and_the_cli(
    published: Site, tmp_path: Path
) -> None:
    """data/claim-ID.json, the live page's "Download data" and `predictions export --claim ID` are one
    export read by the claim's id: each claim's item is the whole export's item at the claim's place."""
    from dashboard import downloads

    assert main(["export", "--db", str(published.database), "--format", "json", "-o", str(tmp_path / "x.json")]) == 0
    everything = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["claims"]
    every_id = [view.id for view in ledger.list_claims(published.database, AS_OF)]
    assert len(every_id) == len(everything)
    for claim_id in claim_ids(published):
        site = (published.folder / "data" / f"claim-{claim_id}.json").read_text(encoding="utf-8")
        assert downloads.claim_json(published.database, claim_id, AS_OF)() == site
        out = tmp_path / f"cli-{claim_id}.json"
        assert main(["export", "--db", str(published.database), "--format", "json", "--claim", str(claim_id),
                     "-o", str(out)]) == 0  # fmt: skip
        cli, page = json.loads(out.read_text(encoding="utf-8")), json.loads(site)
        assert cli["exported_at"] != page["exported_at"] == f"{AS_OF.isoformat()}T00:00:00"  # the clock's time
        assert cli["claims"] == page["claims"] == [everything[sorted(every_id).index(claim_id)]]


def test_a_claims_json_download_imports_back_whole(published: Site, tmp_path: Path) -> None:
    """The claim download is the export's own layout: `predictions import --format json` reads it."""
    target = tmp_path / "copy.duckdb"
    robotaxi = published.ids["robotaxi-cities-2025"]
    download = published.folder / "data" / f"claim-{robotaxi}.json"
    assert main(["import", "--db", str(target), str(download), "--format", "json"]) == 0
    (copy,) = ledger.list_claims(target, AS_OF)
    detail = ledger.get_claim(target, copy.id, AS_OF)
    assert copy["statement"] == "Robotaxis operate in at least 65 Chinese cities in 2025."
    assert [o["value"] for o in detail.observations if o["value"] is not None] == [16, 22, 27]


def test_every_value_is_escaped(published: Site) -> None:
    hostile = published.ids["hostile"]
    for path in [*published.folder.rglob("*.html"), published.folder / "feed.xml"]:
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>criteria" not in text, path
    page = (published.folder / f"claim-{hostile}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; **bold** [click me](javascript:alert(1)) $x$" in page
    assert "&lt;img src=x onerror=alert(1)&gt; :red[red] &lt;b&gt;bold&lt;/b&gt;" in page
    assert 'href="javascript' not in page.lower()
    # inside the chart JSON no text can close the <script> element
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in block and ">" not in block
        json.loads(block)
    (item,) = json.loads((published.folder / "data" / f"claim-{hostile}.json").read_text(encoding="utf-8"))["claims"]
    assert (item["statement"], item["quote"]) == (HOSTILE_STATEMENT, HOSTILE_QUOTE)  # data stays as typed


def test_the_feed_is_valid_atom_newest_first_with_stable_ids(published: Site, tmp_path: Path) -> None:
    parsed = feedparser.parse((published.folder / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title.startswith("Trend Prediction Tracker")
    details = [ledger.get_claim(published.database, claim_id, AS_OF) for claim_id in claim_ids(published)]
    observations = sum(len(d.observations) for d in details)
    resolutions = sum(1 for d in details for r in d.resolutions if r["undone_at"] is None)
    entries = parsed.entries
    assert len(entries) == len(details) + observations + resolutions
    kinds = [e.tags[0].term for e in entries]
    assert kinds.count("claim") == len(details) and kinds.count("evidence") == observations
    assert kinds.count("resolution") == resolutions == 7
    days = [e.updated[:10] for e in entries]
    assert days == sorted(days, reverse=True)
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.link.startswith(published.url + "claim-")
        assert (published.folder / entry.link.removeprefix(published.url)).is_file()
    hostile = next(e for e in entries if e.title == f"New claim #{published.ids['hostile']}: {HOSTILE_STATEMENT}")
    assert hostile.updated.startswith("2026-05-22")
    robotaxi = published.ids["robotaxi-cities-2025"]
    assert f"Evidence on #{robotaxi}: 27 cities: q" in [e.title for e in entries]
    # the ids stay the same in a later publish, with a new claim and another base address
    later = tmp_path / "later.duckdb"
    later.write_bytes(published.database.read_bytes())
    extra = tmp_path / "later.csv"
    extra.write_text("statement,probability,outcome,made_on,deadline,forecaster,tags\n"
                     "A later claim,0.6,,2026-05-30,2027-01-01,Pascal Coppens,ai\n")  # fmt: skip
    assert main(["import", "--db", str(later), str(extra), "--format", "csv"]) == 0
    publish(later, tmp_path / "later", "--no-cards", "--base-url", "https://example.org/tracker/")
    again = feedparser.parse((tmp_path / "later" / "feed.xml").read_bytes())
    assert again.bozo == 0
    before = {e.id: e.title for e in entries}
    after = {e.id: e.title for e in again.entries}
    assert set(before) < set(after)
    assert all(after[key] == title for key, title in before.items())
    assert [after[key] for key in set(after) - set(before)] == [
        f"New claim #{max(claim_ids(published)) + 1}: A later claim"
    ]
    assert again.entries[0].link.startswith("https://example.org/tracker/claim-")


def test_og_tags_name_the_card_and_the_claim(published: Site) -> None:
    robotaxi = published.ids["robotaxi-cities-2025"]
    page = (published.folder / f"claim-{robotaxi}.html").read_text(encoding="utf-8")
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page))
    assert meta["og:image"] == f"{published.url}cards/claim-{robotaxi}.png"
    assert meta["og:title"] == "Robotaxis operate in at least 65 Chinese cities in 2025."
    assert meta["og:description"].startswith("awaiting verdict: The deadline 2025-12-31 passed")
    assert meta["twitter:card"] == "summary_large_image"
    assert f'<iframe src="{published.url}embed/claim-{robotaxi}.html"' in page.replace("&lt;", "<").replace(
        "&quot;", '"'
    )


def test_predictions_card_writes_the_same_card_as_the_site(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    robotaxi = published.ids["robotaxi-cities-2025"]
    out = tmp_path / "card.png"
    code = main(["card", "--db", str(published.database), str(robotaxi), "-o", str(out), "--today", AS_OF.isoformat()])
    assert code == 0, capsys.readouterr().err
    assert out.read_bytes() == (published.folder / f"cards/claim-{robotaxi}.png").read_bytes()
    assert capsys.readouterr().out == f"wrote the card of claim {robotaxi} to {out}\n"


def test_a_cards_chart_names_its_metric_and_target_in_full(published: Site) -> None:
    robotaxi = published.ids["robotaxi-cities-2025"]
    detail = ledger.get_claim(published.database, robotaxi, AS_OF)
    figure = cards.card_figure(cards.card_data(detail, AS_OF))
    metric = detail.view.row["metric"]
    texts = [a.text for a in figure.layout.annotations]
    label = next(text for text in texts if "dashed" in text)
    first_line, second_line = label.split("<br>")
    assert metric[:39] in first_line and len(first_line) <= 40  # ~40 characters of the name, not 22
    assert second_line == f"target {detail.view.row['target']:g}, dashed"


def test_a_cards_figure_is_what_plotlys_validation_makes_of_it(published: Site) -> None:
    """Cards are built without plotly's validation (cards.plotly_figure): each is the figure a validated
    build of the same properties and template gives, so the card drawn is the same."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from predictions.publishing import site_claims

    claims = site_claims(published.database, AS_OF)  # every claim's detail in one read
    assert len(claims) == len(claim_ids(published))
    figures = [(c.id, cards.card_figure(cards.card_data(c.detail, AS_OF))) for c in claims]
    for claim_id, figure in [*figures, (claims[0].id, cards.plain_figure(claims[0].id))]:
        raw = figure.to_plotly_json()
        checked = go.Figure(data=raw["data"], layout={**raw["layout"], "template": cards.TEMPLATE})
        assert json.loads(pio.to_json(figure)) == json.loads(pio.to_json(checked)), claim_id


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["card", "9999", "-o", "{tmp}/x.png"], "error: no claim with id 9999\n"),
        (["card", "1", "-o", "{tmp}/x.jpg"], "error: a card is a PNG image: name the file .png, not 'x.jpg'\n"),
        (["publish", "-o", "{tmp}/site", "--source", "9999", "--no-cards"],
         "error: no claim of source 9999 to publish\n"),
        (["publish", "-o", "{tmp}/site", "--base-url", "javascript:alert(1)"],
         "error: --base-url must be an http(s) address, not 'javascript:alert(1)'\n"),
    ],
)  # fmt: skip
def test_refusals_are_one_line(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    args = [a.format(tmp=tmp_path) for a in argv]
    assert main([*args, "--db", str(published.database)]) == 1
    assert capsys.readouterr().err == message
    assert not (tmp_path / "x.png").exists()


def test_without_all_only_the_authors_sources(seeded_db: Path, tmp_path: Path) -> None:
    assert main(["import", "--db", str(seeded_db), str(FATEBOOK), "--format", "fatebook"]) == 0
    everything = ledger.list_claims(seeded_db, AS_OF)
    archived = [v for v in everything if v["source_title"] == "Fatebook"]
    assert archived and len(everything) == 34 + len(archived)
    publish(seeded_db, tmp_path / "mine", "--no-cards")
    publish(seeded_db, tmp_path / "all", "--no-cards", "--all")
    publish(seeded_db, tmp_path / "one", "--no-cards", "--source", str(archived[0]["source_id"]))
    mine = {int(p.stem.removeprefix("claim-")) for p in (tmp_path / "mine").glob("claim-*.html")}
    every = {int(p.stem.removeprefix("claim-")) for p in (tmp_path / "all").glob("claim-*.html")}
    one = {int(p.stem.removeprefix("claim-")) for p in (tmp_path / "one").glob("claim-*.html")}
    assert mine == {v.id for v in everything} - {v.id for v in archived} and len(mine) == 34
    assert every == {v.id for v in everything}
    assert one == {v.id for v in archived}
    # the ledger downloads are always the whole ledger, as `predictions export` writes it
    assert (tmp_path / "mine" / "data" / "ledger.csv").read_bytes() == (
        tmp_path / "all" / "data" / "ledger.csv"
    ).read_bytes()


def test_a_republish_draws_only_the_cards_that_changed(
    published: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "ledger.duckdb"
    database.write_bytes(published.database.read_bytes())
    site = tmp_path / "site"
    shutil.copytree(published.folder, site)
    drawn: list[str] = []
    real = cards.CardPainter.paint

    def recording(
        painter: cards.CardPainter, figures: dict[Path, Any], fallbacks: dict[Path, Any] | None = None
    ) -> list[cards.CardFailure]:
        drawn.extend(path.name for path in figures)
        return real(painter, figures, fallbacks)

    monkeypatch.setattr(cards.CardPainter, "paint", recording)
    publish(database, site, "--base-url", published.url)
    assert drawn == [] and tree(site) == tree(published.folder)  # nothing changed: every card kept
    robotaxi = published.ids["ehang-shenzhen-flying-taxis-2030"]  # open: it takes a forecast
    assert main(["forecast", "--db", str(database), str(robotaxi), "--probability", "0.2"]) == 0
    publish(database, site, "--base-url", published.url)
    assert drawn == [f"claim-{robotaxi}.png"]
    changed = {name for name, digest in tree(site).items() if tree(published.folder).get(name) != digest}
    assert f"cards/claim-{robotaxi}.png" in changed
    assert not {name for name in changed if name.startswith("cards/claim-")} - {f"cards/claim-{robotaxi}.png"}


def test_a_withdrawn_claim_keeps_its_page_and_leaves_every_list(seeded_db: Path, tmp_path: Path) -> None:
    """As in the live dashboard: the link of a withdrawn claim still opens it, saying it is withdrawn and
    why; no list, count or feed holds it. Claims from another platform's archive get no card."""
    assert main(["import", "--db", str(seeded_db), str(FATEBOOK), "--format", "fatebook"]) == 0
    everything = ledger.list_claims(seeded_db, AS_OF)
    archived = {v.id for v in everything if v["source_title"] == "Fatebook"}
    listed = [
        v for v in everything
        if v.id not in archived and v["outcome"] is None and v["deadline"]
        and v["deadline"] <= AS_OF + timedelta(days=365)
    ]  # fmt: skip
    gone, kept = listed[0].id, listed[1].id
    before = tmp_path / "before"
    publish(seeded_db, before, "--all", "--no-cards")
    for name in ("index.html", "deadlines.html"):
        assert f'href="claim-{gone}.html"' in (before / name).read_text(encoding="utf-8"), name
    reason = "it repeats <b>another</b> claim"
    assert main(["withdraw", "--db", str(seeded_db), str(gone), "--reason", reason, "--duplicate-of", str(kept)]) == 0
    site = tmp_path / "site"
    publish(seeded_db, site, "--all")

    page = (site / f"claim-{gone}.html").read_text(encoding="utf-8")
    notice = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    assert notice is not None
    assert "<strong>Withdrawn</strong> on " in notice.group(1)
    assert "it repeats &lt;b&gt;another&lt;/b&gt; claim." in notice.group(1)
    assert f'It repeats claim <a href="claim-{kept}.html">#{kept}</a>.' in notice.group(1)
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page))
    assert meta["og:description"] == "withdrawn: it repeats &lt;b&gt;another&lt;/b&gt; claim"
    assert (site / "embed" / f"claim-{gone}.html").read_text(encoding="utf-8").count('class="notice"') == 1
    assert (site / "data" / f"claim-{gone}.json").is_file() and (site / "cards" / f"claim-{gone}.png").is_file()
    for name in ("index.html", "deadlines.html"):
        text = (site / name).read_text(encoding="utf-8")
        assert f'href="claim-{gone}.html"' not in text, name
    figures = dict(re.findall(r'<span class="label">([^<]+)</span><span class="value">([^<]+)</span>',
                              (site / "index.html").read_text(encoding="utf-8")))  # fmt: skip
    assert figures["Claims"] == f"{len(everything) - 1:,}"
    links = [e.link for e in feedparser.parse((site / "feed.xml").read_bytes()).entries]
    assert f"claim-{kept}.html" in links and f"claim-{gone}.html" not in links

    for claim_id in archived:  # a page and its downloads, no card
        page = (site / f"claim-{claim_id}.html").read_text(encoding="utf-8")
        assert 'property="og:image"' not in page and not (site / "cards" / f"claim-{claim_id}.png").exists()
        assert (site / "data" / f"claim-{claim_id}.json").is_file()
    assert 'property="og:image"' in (site / f"claim-{kept}.html").read_text(encoding="utf-8")
    assert len(list((site / "cards").glob("claim-*.png"))) == 34  # and the home page's, cards/index.png
    assert (site / "cards" / "index.png").is_file()


# --- issue 28: the home page's card and preview, dark mode and the phone list ------------------------


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_the_home_page_has_its_own_card_and_preview(published: Site) -> None:
    page = (published.folder / "index.html").read_text(encoding="utf-8")
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', page))
    assert meta["og:title"] == meta["twitter:title"] == "Trend Prediction Tracker"
    assert meta["og:image"] == meta["twitter:image"] == f"{published.url}cards/index.png"
    assert meta["og:url"] == f"{published.url}index.html" and meta["twitter:card"] == "summary_large_image"
    png = (published.folder / "cards" / "index.png").read_bytes()
    assert png.startswith(b"\x89PNG") and png[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    assert png != (published.folder / "cards" / f"claim-{published.ids['robotaxi-cities-2025']}.png").read_bytes()
    # The description says what the page's own claims table holds, counted here from its rows' states.
    table = page.split('<table id="claims"', 1)[1].split("</table>", 1)[0]
    states = re.findall(r'<tr data-status="[^"|]*(?:\|([a-z]+))?"', table)
    assert len(states) > 30
    description = html.unescape(meta["og:description"])
    assert description.startswith(f"{len(states)} claims from the newsletter, {states.count('resolved'):,} resolved, ")
    assert f"{states.count('open'):,} open" in description
    author = ledger.track_record(published.database, AS_OF, attribution="author")
    assert f"the author's Brier score is {author.brier:.3f} over {author.n:,} scored forecast" in description
    assert f"(status as of {AS_OF.isoformat()})" in description


def test_dark_mode_and_the_phone_list_are_in_the_published_css_and_script(published: Site) -> None:
    css = (published.folder / "assets" / "site.css").read_text(encoding="utf-8")
    dark = re.search(r"@media \(prefers-color-scheme: dark\) \{\s*:root \{([^}]*)\}", css)
    assert dark is not None
    colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{6})", dark.group(1)))
    assert _luminance(colours["bg"]) < 0.05
    assert (_luminance(colours["ink"]) + 0.05) / (_luminance(colours["bg"]) + 0.05) >= 7  # WCAG AAA for text
    script = (published.folder / "assets" / "site.js").read_text(encoding="utf-8")
    found = re.search(r"var SITE_CHART_TEMPLATE_DARK = (\{.*?\});\n", script)
    assert found is not None
    layout = json.loads(found.group(1))["layout"]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == colours["bg"]
    assert layout["font"]["color"] == colours["ink"]
    # Every claims table gives each cell its column's hook; the phone layout puts the statement first.
    for name in ("index.html", "deadlines.html"):
        page = (published.folder / name).read_text(encoding="utf-8")
        for table in re.findall(r'<table id="[^"]+" class="claims" data-sortable>(.*?)</table>', page):
            header = re.findall(r'<th scope="col" class="(?:num )?c-([a-z-]+)"><button type="button">([^<]+)<', table)
            assert [hook for hook, _name in header] == [text.replace(" ", "-") for _hook, text in header]
            for row in re.findall(r"<tr data-status.*?</tr>", table):
                assert re.findall(r'<td class="(?:num )?c-([a-z-]+)"', row) == [hook for hook, _n in header]
    phone = css.split("@media (max-width: 760px)", 1)[1]
    orders = dict(re.findall(r"table\.claims td\.c-([a-z]+) \{ order: (-?\d+);", phone))
    assert int(orders["statement"]) < int(orders["probability"]) < int(orders["status"]) < int(orders["deadline"])
