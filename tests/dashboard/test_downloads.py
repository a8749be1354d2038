"""The live dashboard links what the static site publishes (issue 15, point 6): a claim's card and data
beside its share link, and a page-level download on the Overview and the Track record. The buttons'
contents are made on click; here they are made directly and compared with what the site and
`predictions export` write.
"""

from __future__ import annotations

import json
from pathlib import Path

from dashboard_fixtures import Rich, app, no_exception, rich_db

from dashboard import downloads
from predictions.cli import main

__all__ = ["rich_db"]


def download_labels(at: object) -> list[str]:
    return [element.proto.label for element in at.get("download_button")]  # type: ignore[attr-defined]


def test_the_claim_page_offers_its_card_and_data(rich_db: Rich, tmp_path: Path) -> None:
    path, ids = rich_db
    robotaxi = ids["robotaxi-cities-2025"]
    at = app(claim=str(robotaxi))
    no_exception(at)
    assert download_labels(at) == ["Card (PNG)", "Download data"]
    from dashboard import data

    today = data.today()
    png = downloads.claim_card(path, robotaxi, today)()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    document = json.loads(downloads.claim_json(path, robotaxi, today)())
    assert main(["export", "--db", str(path), "--format", "json", "-o", str(tmp_path / "all.json")]) == 0
    exported = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert document["format"] == exported["format"]
    (item,) = document["claims"]
    assert item in exported["claims"] and item["statement"].startswith("Robotaxis operate")
    assert [o["value"] for o in item["observations"] if o["value"] is not None] == [16, 22, 27]


def test_overview_and_track_record_offer_the_ledger(rich_db: Rich, tmp_path: Path) -> None:
    path, _ = rich_db
    at = app()
    no_exception(at)
    assert "Download the ledger (CSV)" in download_labels(at)
    at.switch_page("app_pages/track_record.py").run()
    no_exception(at)
    assert download_labels(at) == ["Download the forecasts and outcomes (CSV)"]
    assert main(["export", "--db", str(path), "--format", "csv", "-o", str(tmp_path / "x.csv")]) == 0
    assert downloads.ledger_csv(path)() == (tmp_path / "x.csv").read_bytes()
