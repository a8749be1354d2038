"""Hostile text in what the site and the exports hand out (issue 31, points 3, 4 and 9).

- A claim whose statement holds bidi and control characters gets its card, and the site is published; a
  card the browser cannot draw is replaced by a plain one and reported with its claim (real Chromium).
- The Atom feed parses with an XML parser, and no page or JSON download holds a character XML 1.0 forbids
  (safe_text.clean, one function used by all of them).
- A CSV cell a spreadsheet would run as a formula is neutralised with a leading quote (safe_text.csv_cell)
  in `export --format csv`, the site's CSV downloads and the dashboard's CSV download; numbers stay
  numbers, the JSON stays exact, and an exported CSV imports back to the same statements.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import struct
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st
from ledger_snapshot import run_cli

from dashboard import downloads
from dashboard.render import cards
from predictions import ledger, safe_text
from predictions.models import ClaimIn, ObservationIn

AS_OF = date(2026, 6, 1)
# The statement: a right-to-left override, C0 controls, an ANSI colour, DEL, U+FFFE, an emoji.
HOSTILE = "Robotaxis \u202e in 65 cities \x01\x02\x0b\x0c\x1b[31m by 2026 \x7f and \ufffe 😀"
# What XML 1.0 forbids, and the C1 controls and DEL the cleaner takes out as well
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3+cmd", "@SUM(1+1)*cmd"]


def _hostile_ledger(db: Path) -> dict[str, int]:
    ledger.seed_from_file(db)
    ids = {"hostile": ledger.add_claim(db, ClaimIn(statement=HOSTILE, made_on=date(2025, 1, 1),
                                                     deadline=date(2026, 12, 31)))}  # fmt: skip
    for n, text in enumerate(FORMULAS):
        ids[f"formula{n}"] = ledger.add_claim(
            db,
            ClaimIn(statement=text, made_on=date(2025, 2, 1), deadline=date(2026, 12, 31)),
            probability=0.25,
            forecaster="=cmd()",
        )
    threshold = ClaimIn(statement="Negative growth of -3.5 points", made_on=date(2025, 1, 1),
                        deadline=date(2026, 12, 31), kind="threshold", metric="growth", unit="points",
                        comparator=">=", target=-1.0)  # fmt: skip
    ids["threshold"] = ledger.add_claim(db, threshold)
    note = "-1 point \x1b[2J a control and =cmd()"
    ledger.add_observation(db, ids["threshold"], ObservationIn(observed_on=date(2025, 6, 1), value=-3.5, note=note))
    return ids


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


# --- point 3: the card ------------------------------------------------------------------------------------


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_a_statement_with_control_characters_gets_its_card_and_the_site_is_published(
    db_path: Path, tmp_path: Path
) -> None:
    """Before: `card` failed every time ("Page.evaluate: Event") and so did `publish`."""
    ids = _hostile_ledger(db_path)
    site = tmp_path / "site"
    result = run_cli(["publish", "--db", str(db_path), "-o", str(site), "--today", AS_OF.isoformat()])
    assert result.code == 0, result.err
    assert result.err == ""  # no card needed a stand-in
    assert _png_size((site / "cards" / f"claim-{ids['hostile']}.png").read_bytes()) == (cards.WIDTH, cards.HEIGHT)
    assert len(list((site / "cards").glob("claim-*.png"))) == len(list(site.glob("claim-*.html")))
    one = tmp_path / "one.png"
    result = run_cli(["card", str(ids["hostile"]), "-o", str(one), "--db", str(db_path), "--today", AS_OF.isoformat()])
    assert result.code == 0, result.err
    assert one.read_bytes() == (site / "cards" / f"claim-{ids['hostile']}.png").read_bytes()
    # the card's figure keeps the text a browser can draw (the emoji), not the controls, and no override
    # that would show it reversed in an image
    figure = cards.card_figure(cards.card_data(ledger.get_claim(db_path, ids["hostile"], AS_OF), AS_OF))
    texts = _strings(figure.to_plotly_json())
    assert not [t for t in texts if FORBIDDEN.search(t) or "\u202e" in t]
    statement = figure.layout.annotations[1].text
    assert statement.startswith("<b>Robotaxis in 65 cities \ufffd\ufffd \ufffd[31m by 2026") and "😀" in statement


def test_a_card_the_browser_cannot_draw_is_replaced_by_a_plain_card_and_reported(tmp_path: Path) -> None:
    """A figure that bypasses the card's cleaning (its title holds \\x01) really fails in Chromium; with a
    stand-in for it, paint draws the plain card there, reports it, and draws the rest."""
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    broken = go.Figure(layout={"title": {"text": "a\x01b"}, "width": cards.WIDTH, "height": cards.HEIGHT})
    fine = cards.plain_figure(1)
    with cards.CardPainter() as painter:
        failures = painter.paint({bad: broken, good: fine}, {bad: cards.plain_figure(7), good: cards.plain_figure(1)})
        with pytest.raises(cards.CardError, match="the browser could not draw it"):
            painter.paint({tmp_path / "no-stand-in.png": broken})
        plain = painter.draw(cards.plain_figure(7))
    assert [(f.path, f.reason.split(" (")[0]) for f in failures] == [(bad, "the browser could not draw it")]
    assert bad.read_bytes() == plain and _png_size(good.read_bytes()) == (cards.WIDTH, cards.HEIGHT)
    assert not (tmp_path / "no-stand-in.png").exists()


def test_publish_reports_a_card_that_needed_a_stand_in_and_publishes_the_rest(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The publish's side of the stand-in: one line naming the claim on stderr, exit 0, the plain card in
    place and no digest for it (the next publish tries the real card again). The one card is made to
    fail by building its figure without the cleaning (the browser and the rest are real)."""
    ids = _hostile_ledger(db_path)
    real = cards.card_figure

    def uncleaned(card: cards.CardData) -> go.Figure:
        figure = real(card)
        if card.claim_id == ids["hostile"]:
            figure.layout.annotations[1].text = "<b>\x01 drawn raw</b>"
        return figure

    monkeypatch.setattr(cards, "card_figure", uncleaned)
    # What the browser draws for the plain card, drawn by the publish's own painter once it has painted
    # (one Chromium, not a second one started for this).
    plain: list[bytes] = []
    paint = cards.CardPainter.paint

    def paint_then_draw_plain(
        painter: cards.CardPainter, figures: dict[Path, Any], fallbacks: dict[Path, Any] | None = None
    ) -> list[cards.CardFailure]:
        failures = paint(painter, figures, fallbacks)
        plain.append(painter.draw(cards.plain_figure(ids["hostile"])))
        return failures

    monkeypatch.setattr(cards.CardPainter, "paint", paint_then_draw_plain)
    site = tmp_path / "site"
    result = run_cli(["publish", "--db", str(db_path), "-o", str(site), "--today", AS_OF.isoformat()])
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"warning: the card of claim {ids['hostile']} could not be drawn: the browser could not draw it"
    ), result.err
    assert lines[0].endswith("; a plain card stands in")
    assert len(plain) == 1 and (site / "cards" / f"claim-{ids['hostile']}.png").read_bytes() == plain[0]
    digests = json.loads((site / "cards" / "digests.json").read_text())
    assert f"claim-{ids['hostile']}.png" not in digests and f"claim-{ids['threshold']}.png" in digests
    assert (site / f"claim-{ids['hostile']}.html").is_file() and (site / "index.html").is_file()


# --- point 4: the feed, the pages and the JSON downloads ------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The hostile ledger published once for the tests that only read its site."""
    root = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as env:
        for name in [name for name in os.environ if name.startswith("PREDICTIONS_")]:
            env.delenv(name)
        env.setenv("PREDICTIONS_SETTINGS_FILE", str(root / "no-settings.toml"))
        db = root / "ledger.duckdb"
        ids = _hostile_ledger(db)
        site = root / "site"
        result = run_cli(["publish", "--db", str(db), "-o", str(site), "--today", AS_OF.isoformat(), "--no-cards"])
        assert result.code == 0, result.err
    yield site, ids


def test_the_feed_parses_as_xml_and_keeps_what_xml_allows(hostile_site: tuple[Path, dict[str, int]]) -> None:
    site, ids = hostile_site
    raw = (site / "feed.xml").read_bytes()
    root = ET.fromstring(raw)  # before: "not well-formed (invalid token)"
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    hostile = [t for t in titles if "Robotaxis \u202e in 65 cities" in t]
    assert hostile and "\ufffd" in hostile[0] and "😀" in hostile[0] and "[31m by 2026" in hostile[0]
    assert not FORBIDDEN.search(raw.decode("utf-8"))
    parsed = feedparser.parse(raw)
    assert not parsed.bozo, parsed.bozo_exception
    assert any(f"claim-{ids['hostile']}.html" in e.link for e in parsed.entries)


def test_no_page_or_json_download_holds_a_character_xml_forbids(hostile_site: tuple[Path, dict[str, int]]) -> None:
    site, ids = hostile_site
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 40
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not FORBIDDEN.search(text), (page, FORBIDDEN.findall(text)[:5])
    page = (site / f"claim-{ids['hostile']}.html").read_text(encoding="utf-8")
    assert "Robotaxis \u202e in 65 cities \ufffd\ufffd\ufffd\ufffd\ufffd[31m by 2026 \ufffd and \ufffd 😀" in page
    # data/record.json is the hash chain, published exact so that anyone can recount its head (issue 24):
    # its file is ASCII JSON (every such character escaped), and its texts are the ledger's as recorded.
    record = site / "data" / "record.json"
    assert record.read_bytes().isascii() and not FORBIDDEN.search(record.read_text(encoding="ascii"))
    documents = sorted(path for path in (site / "data").glob("*.json") if path != record)
    assert site / "data" / "ledger.json" in documents and len(documents) > 30
    for path in documents:
        strings = _strings(json.loads(path.read_text(encoding="utf-8")))
        assert not [s for s in strings if FORBIDDEN.search(s)], path
    claim = json.loads((site / "data" / f"claim-{ids['hostile']}.json").read_text(encoding="utf-8"))
    assert claim["claims"][0]["statement"] == safe_text.clean(HOSTILE)


@given(st.text())
def test_clean_text_is_always_well_formed_xml_and_changes_only_what_xml_forbids(text: str) -> None:
    cleaned = safe_text.clean(text)
    element = ET.fromstring(f"<a>{cleaned.replace('&', '&amp;').replace('<', '&lt;')}</a>".encode("utf-8", "strict"))
    assert (element.text or "") == cleaned  # the parser reads back exactly the cleaned text
    assert safe_text.clean(cleaned) == cleaned
    kept = [c for c in text.replace("\r\n", "\n").replace("\r", "\n") if not FORBIDDEN.match(c)]
    assert [c for c in cleaned if c != "\ufffd"] == [c for c in kept if c != "\ufffd"]


# --- point 9: CSV formula injection ---------------------------------------------------------------------


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_every_csv_writer_neutralises_formulas_and_keeps_numbers(db_path: Path, tmp_path: Path) -> None:
    ids = _hostile_ledger(db_path)
    exported = tmp_path / "ledger.csv"
    assert run_cli(["export", "--db", str(db_path), "--format", "csv", "-o", str(exported)]).code == 0
    rows = _csv(exported.read_text(encoding="utf-8"))
    by_statement = {r["statement"]: r for r in rows}
    for text in FORMULAS:
        assert "'" + text in by_statement, text  # before: written as is, and run by a spreadsheet
        assert by_statement["'" + text]["forecaster"] == "'=cmd()"
        assert by_statement["'" + text]["probability"] == str(float(by_statement["'" + text]["probability"]))
    for row in rows:
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r", row
    # the site's downloads: the ledger's CSV is the export's bytes; a claim's CSV is its rows of it
    site = tmp_path / "site"
    assert run_cli(["publish", "--db", str(db_path), "-o", str(site), "--today", AS_OF.isoformat(),
                    "--no-cards"]).code == 0  # fmt: skip
    assert (site / "data" / "ledger.csv").read_bytes() == exported.read_bytes()
    one = _csv((site / "data" / f"claim-{ids['formula0']}.csv").read_text(encoding="utf-8"))
    assert [r["statement"] for r in one] == ["'" + FORMULAS[0]] and one == [by_statement["'" + FORMULAS[0]]]
    evidence = _csv((site / "data" / f"claim-{ids['threshold']}.evidence.csv").read_text(encoding="utf-8"))
    assert [(r["value"], r["note"]) for r in evidence] == [("-3.5", "'-1 point \x1b[2J a control and =cmd()")]
    # the dashboard's download button hands out the export's bytes
    assert downloads.ledger_csv(db_path)() == exported.read_bytes()
    # the JSON keeps the exact text
    document = tmp_path / "ledger.json"
    assert run_cli(["export", "--db", str(db_path), "--format", "json", "-o", str(document)]).code == 0
    statements = {c["statement"] for c in json.loads(document.read_text(encoding="utf-8"))["claims"]}
    assert set(FORMULAS) | {HOSTILE} <= statements


def test_an_exported_csv_and_a_sites_evidence_csv_import_back_exactly(db_path: Path, tmp_path: Path) -> None:
    ids = _hostile_ledger(db_path)
    exported = tmp_path / "ledger.csv"
    assert run_cli(["export", "--db", str(db_path), "--format", "csv", "-o", str(exported)]).code == 0
    copy = tmp_path / "copy.duckdb"
    result = run_cli(["import", str(exported), "--format", "csv", "--db", str(copy)])
    assert result.code == 0, result.err
    statements = {v["statement"] for v in ledger.list_claims(copy)}
    assert set(FORMULAS) <= statements and "'" + FORMULAS[0] not in statements
    forecasters = {f["forecaster"] for v in ledger.list_claims(copy) for f in ledger.get_claim(copy, v.id).forecasts}
    assert "=cmd()" in forecasters
    # a second import of the same file adds nothing: the keys it makes are the first import's
    again = run_cli(["import", str(exported), "--format", "csv", "--db", str(copy)])
    assert again.code == 0 and " 0 claims added" in again.out, again.out
    # the site's evidence download reads back into the ledger it came from as the same observation
    site = tmp_path / "site"
    assert run_cli(["publish", "--db", str(db_path), "-o", str(site), "--today", AS_OF.isoformat(),
                    "--no-cards"]).code == 0  # fmt: skip
    from predictions.imports import evidence

    rows = evidence.read_rows((site / "data" / f"claim-{ids['threshold']}.evidence.csv").read_text(), "csv")
    assert [(r.value, r.note) for _, r in rows] == [(-3.5, "-1 point \x1b[2J a control and =cmd()")]


@given(st.text())
def test_csv_cell_neutralises_every_formula_and_csv_value_undoes_it(text: str) -> None:
    cell = safe_text.csv_cell(text)
    assert safe_text.csv_value(cell) == text  # an exported CSV imports back exactly
    if cell and cell[0] in "=+-@\t\r":  # only a plain number may begin so: no spreadsheet runs it
        float(cell)
    assert safe_text.csv_cell(-3.5) == -3.5 and safe_text.csv_cell("-3.5") == "-3.5"
