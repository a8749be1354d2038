"""The verbal confidence scale, and the confidence history it starts."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from db.clock import replaying
from predictions import ledger
from predictions.confidence import VERBAL_SCALE, _pattern, find_hedge, hedge_probability
from predictions.models import ClaimIn, ForecastIn


@pytest.mark.parametrize(
    ("text", "phrase", "probability"),
    [
        ("I predict that robotaxis will be in 65 cities.", "I predict", 0.80),
        ("I am confident China will lead.", "I am confident", 0.85),
        ("AI agents will likely replace apps.", "will likely", 0.70),
        ("Robotaxis will run in 65 cities.", "will", 0.75),
        ("2025 is set to see robotaxis in 65 cities.", "is set to", 0.75),
        ("The launch is scheduled to happen in March.", "is scheduled to", 0.75),
        ("eHang projects 10,000 flying taxis by 2030.", "projects", 0.50),
        ("BYD could overtake Tesla.", "could", 0.35),
        ("BYD could very well overtake Tesla.", "could very well", 0.50),
        ("Prices might fall.", "might", 0.30),
        # an explicit refusal outranks every other hedge in the sentence, even "predict"
        ("I am not yet prepared to make a definitive prediction, but it will happen.", "I am not yet prepared", 0.40),
        # curly apostrophes and odd spacing do not hide a hedge
        ("China’s   economy IS   EXPECTED TO grow.", "is expected to", 0.70),
    ],
)
def test_hedge_maps_to_its_probability(text: str, phrase: str, probability: float) -> None:
    hedge = find_hedge(text)
    assert hedge is not None
    assert hedge.phrase.startswith(phrase)
    assert hedge.probability == probability


@pytest.mark.parametrize("text", ["China's GDP grew 5% in 2024.", "The mayor was willing.", "Shall we?", ""])
def test_text_without_a_hedge(text: str) -> None:
    assert find_hedge(text) is None  # whole words only: "mayor" is not "may", "willing" is not "will"


def test_hedge_probability_names_the_known_hedges_when_it_does_not_know_one() -> None:
    assert hedge_probability("will likely") == 0.70
    with pytest.raises(ValueError, match="unknown hedge 'perhaps'; known hedges: I am not yet prepared"):
        hedge_probability("perhaps")


def test_scale_is_well_formed() -> None:
    phrases = [h.phrase.lower() for h in VERBAL_SCALE]
    assert len(phrases) == len(set(phrases))
    assert all(0.0 < h.probability < 1.0 and h.reading for h in VERBAL_SCALE)
    # A phrase that contains another one must come first, or the longer one could never win.
    for i, inner in enumerate(VERBAL_SCALE):
        for j, outer in enumerate(VERBAL_SCALE):
            if i != j and _pattern(inner.phrase).search(outer.phrase.lower()):
                assert j < i, f"{outer.phrase!r} must come before {inner.phrase!r}"
    # Each phrase on its own maps to itself.
    assert all(find_hedge(h.phrase) == h for h in VERBAL_SCALE)


# --- the first forecast and the history ------------------------------------------------------------


def forecasts(db_path: Path, claim_id: int) -> list[tuple[str, float, str]]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT forecaster, probability, basis FROM forecasts WHERE claim_id = ? ORDER BY id", [claim_id]
        ).fetchall()
    return [(str(f), float(p), str(b)) for f, p, b in rows]


def test_the_hedge_becomes_the_first_forecast_with_basis_verbal(db_path: Path) -> None:
    quote = "I predict that robotaxis will operate in 65 Chinese cities."
    claim = ClaimIn(statement="Robotaxis operate in 65 cities", quote=quote, made_on=date(2024, 12, 31))
    claim_id = ledger.add_claim(db_path, claim, author_name="Pascal")
    assert forecasts(db_path, claim_id) == [("Pascal", 0.80, "verbal")]


def test_a_cited_party_is_the_forecaster_of_its_own_claim(db_path: Path) -> None:
    claim = ClaimIn(
        statement="eHang flies 10,000 taxis",
        quote="eHang projects 10,000 flying taxis in Shenzhen by 2030",
        claimant="eHang",
        attribution="reported_projection",
        made_on=date(2024, 12, 31),
    )
    claim_id = ledger.add_claim(db_path, claim, author_name="Pascal")
    assert forecasts(db_path, claim_id) == [("eHang", 0.50, "verbal")]


def test_a_stated_probability_overrides_the_hedge(db_path: Path) -> None:
    claim = ClaimIn(statement="Robotaxis in 65 cities", quote="I predict robotaxis.", made_on=date(2024, 12, 31))
    claim_id = ledger.add_claim(db_path, claim, probability=0.55, author_name="Pascal")
    assert forecasts(db_path, claim_id) == [("Pascal", 0.55, "stated")]


def test_no_hedge_and_no_probability_means_no_forecast(db_path: Path) -> None:
    claim = ClaimIn(statement="GDP grew 5% in 2024", made_on=date(2024, 12, 31))
    claim_id = ledger.add_claim(db_path, claim)
    assert forecasts(db_path, claim_id) == []
    assert ledger.list_claims(db_path)[0]["probability"] is None


def test_updates_are_new_rows_and_the_latest_one_is_shown(db_path: Path) -> None:
    claim = ClaimIn(statement="Robotaxis in 65 cities", quote="It will likely happen.", made_on=date(2024, 12, 31))
    with replaying(datetime(2024, 12, 31, 9)):  # added the day it was made
        claim_id = ledger.add_claim(db_path, claim, author_name="Pascal")
    for day, probability in [(3, 0.6), (5, 0.2), (1, 0.9)]:  # made out of order, each recorded as it was made
        update = ForecastIn(
            probability=probability, forecaster="Pascal", made_at=datetime(2025, 1, day), basis="updated"
        )
        with replaying(datetime(2025, 1, day)):
            ledger.add_forecast(db_path, claim_id, update)
    assert forecasts(db_path, claim_id) == [
        ("Pascal", 0.70, "verbal"),
        ("Pascal", 0.6, "updated"),
        ("Pascal", 0.2, "updated"),
        ("Pascal", 0.9, "updated"),
    ]
    detail = ledger.get_claim(db_path, claim_id)
    assert [f["probability"] for f in detail.forecasts] == [0.70, 0.9, 0.6, 0.2]  # in time order
    assert detail.view["probability"] == 0.2  # the latest in time, not the last recorded
