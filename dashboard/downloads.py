"""What the live dashboard's download buttons hand out, made only when a reader clicks (issue 15, point 6).

Each function returns a callable for `st.download_button(data=...)`, which Streamlit runs on click, off
the script's thread: a claim's card (the PNG the static site publishes), a claim's record (the JSON the
site publishes as data/claim-ID.json: predictions.exports.claim_export, read by the claim's id) and the
whole ledger as `predictions export --format csv` writes it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from dashboard.render import cards
from predictions import ledger
from predictions.exports import claim_export, claim_json_text, day_stamp, export_ledger


def claim_card(db_path: Path, claim_id: int, today: date) -> Callable[[], bytes]:
    def make() -> bytes:
        detail = ledger.get_claim(db_path, claim_id, today)
        with tempfile.TemporaryDirectory(prefix="card-") as folder:
            out = Path(folder) / "card.png"
            cards.render_cards({out: cards.card_figure(cards.card_data(detail, today))})
            return out.read_bytes()

    return make


def claim_json(db_path: Path, claim_id: int, today: date) -> Callable[[], str]:
    """The claim's JSON, stamped with the day the page shows (as the site stamps its as-of day)."""
    return lambda: claim_json_text(claim_export(db_path, claim_id, exported_at=day_stamp(today)))


def ledger_csv(db_path: Path) -> Callable[[], bytes]:
    def make() -> bytes:
        with tempfile.TemporaryDirectory(prefix="export-") as folder:
            out = Path(folder) / "ledger.csv"
            export_ledger(db_path, "csv", out)
            return out.read_bytes()

    return make
