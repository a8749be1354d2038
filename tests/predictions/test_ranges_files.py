"""Ranges in files and figures: the JSON export and import (quantiles, tails, values, scores; the same
scores after a round trip), the CSV export's columns, a claims YAML file's range, the scorecard's Ranges
section, the static site's claim JSON, and the pure figures of dashboard/render/range_charts.py."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from dashboard.render import charts, range_charts
from db.clock import replaying
from predictions import exports, imports, ledger, numeric, ranges, scorecard
from predictions.models import ForecastIn, ResolutionIn
from predictions.vocabulary import Outcome

ROBOTAXI, KPIS, EHANG = 14, 19, 16


@pytest.fixture
def ranged(tmp_path: Path) -> Path:
    """The seed with two ranges recorded in March 2025 and resolved with values in January 2026, and an
    open range on the eHang claim."""
    path = tmp_path / "ledger.duckdb"
    ledger.seed_from_file(path)
    made = datetime(2025, 3, 1, 9)
    with replaying(made):
        for claim_id, quantiles in ((ROBOTAXI, {10: 30, 50: 55, 90: 80}), (KPIS, {5: 100, 50: 260, 95: 600}),
                                    (EHANG, {10: 300, 50: 2500, 90: 7000})):  # fmt: skip
            ledger.add_forecast(path, claim_id, ForecastIn(probability=0.6, forecaster="Pascal Coppens",
                                                           made_at=made, quantiles=quantiles))  # fmt: skip
    with replaying(datetime(2026, 1, 10, 9)):
        ledger.resolve(path, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 10), value=28))
        ledger.resolve(path, KPIS, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2026, 1, 10), value=640))
    return path


def test_the_json_export_carries_ranges_and_an_import_scores_them_the_same(ranged: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.json"
    exports.export_ledger(ranged, "json", out)
    document = json.loads(out.read_text(encoding="utf-8"))
    robotaxi = next(c for c in document["claims"] if c["statement"].startswith("Robotaxis operate"))
    exported = next(f for f in robotaxi["forecasts"] if "quantiles" in f)
    assert exported["quantiles"] == {"10": 30.0, "50": 55.0, "90": 80.0}
    assert exported["tails"] == [23.75, 86.25]
    assert robotaxi["resolutions"][-1]["value"] == 28.0
    before = {s.statement: s for s in numeric.numeric_record(ranged).scored}
    assert exported["scores"]["crps"] == pytest.approx(before[robotaxi["statement"]].crps, abs=1e-12)
    ehang = next(c for c in document["claims"] if c["statement"].startswith("At least 10,000 eHang"))
    assert "scores" not in next(f for f in ehang["forecasts"] if "quantiles" in f)  # open: nothing to score
    again = tmp_path / "again.duckdb"
    imports.import_file(again, out, "json")
    after = {s.statement: s for s in numeric.numeric_record(again).scored}
    assert set(after) == set(before)
    for statement, item in before.items():
        assert after[statement].crps == pytest.approx(item.crps, abs=1e-12)
        assert after[statement].interval_scores == pytest.approx(item.interval_scores)
    assert ledger.verify_record(again)[0].intact


def test_the_csv_export_has_the_ranges_and_imports_back(ranged: Path, tmp_path: Path) -> None:
    out = tmp_path / "ledger.csv"
    exports.export_ledger(ranged, "csv", out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with_range = [r for r in rows if r["quantiles"]]
    assert sorted(r["quantiles"] for r in with_range) == sorted(["10=300,50=2500,90=7000", "10=30,50=55,90=80",
                                                                 "5=100,50=260,95=600"])  # fmt: skip
    robotaxi = next(r for r in with_range if r["quantiles"] == "10=30,50=55,90=80")
    assert float(robotaxi["outcome_value"]) == 28.0
    result = imports.import_file(tmp_path / "flat.duckdb", out, "csv")
    assert result.forecasts_added == len(rows)


def test_a_claims_file_states_a_range(tmp_path: Path) -> None:
    path = tmp_path / "ledger.duckdb"
    ledger.seed_from_file(path)
    claims = tmp_path / "claims.yaml"
    text = """source: {title: "Issue", published_on: 2026-11-01}
claims:
  - key: "taxis"
    statement: "At least 500 eHang flying taxis operate commercially by 2028."
    quote: "Between 200 and 900 taxis, most likely about 500."
    claimant: "Pascal Coppens"
    attribution: "author"
    kind: "threshold"
    deadline: 2028-12-31
    probability: 0.5
    resolution_criteria: "eHang's reports."
    tags: ["evtol"]
    metric: "eHang flying taxis in commercial operation"
    unit: "flying taxis"
    comparator: ">="
    target: 500
    quantiles: {10: 200, 50: 500, 90: 900}
"""
    claims.write_text(text, encoding="utf-8")
    imports.import_file(path, claims, "yaml")
    claim_id = max(view.id for view in ledger.list_claims(path))
    forecast = ledger.get_claim(path, claim_id).forecasts[0]
    assert numeric.stated(forecast["range"]) == {10: 200.0, 50: 500.0, 90: 900.0}
    view = numeric.range_view(ledger.get_claim(path, claim_id).view.row, forecast["range"])
    assert view is not None and view.count
    # P(X ≥ 500) = 1 − F(499.5), F linear from 0.1 at 200 to 0.5 at 500
    assert view.implied == pytest.approx(1 - (0.1 + 0.4 * 299.5 / 300))
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace('key: "taxis"', 'key: "other"').replace("90: 900", "90: 100"), encoding="utf-8")
    with pytest.raises(Exception, match="quantiles must increase: p90 = 100 is not above p50 = 500"):
        imports.import_file(path, bad, "yaml")


def test_the_scorecard_has_a_ranges_section(ranged: Path) -> None:
    text = scorecard.build_scorecard(ranged, date(2026, 1, 1), "markdown", date(2026, 2, 1))
    section = text.split("### Ranges: where the outcomes fell", 1)[1].split("###", 1)[0]
    # robotaxi 28 below its 50% and 80% intervals, inside its 90% [27, 83]; KPIs 640 above even p95 = 600
    assert "- 50% intervals held 0 of 2 (0%, 0%–66%); 80% intervals held 0 of 2 (0%, 0%–66%); 90% intervals held " \
        "1 of 2 (50%, 9%–91%)" in section  # fmt: skip
    assert (
        "#14 Robotaxis operate in at least 65 Chinese cities in 2025: outcome 28 cities at the 7th percentile"
        in section
    )
    html = scorecard.build_scorecard(ranged, date(2026, 1, 1), "html", date(2026, 2, 1))
    assert "<h3>Ranges: where the outcomes fell</h3>" in html


def test_the_site_claim_json_carries_the_range_and_its_scores(ranged: Path) -> None:
    from predictions import exports

    document = json.loads(exports.claim_json_text(exports.claim_export(ranged, ROBOTAXI)))
    forecast = next(f for f in document["claims"][0]["forecasts"] if "quantiles" in f)
    assert forecast["scores"]["intervals"]["90"] == {"low": 27.0, "high": 83.0, "score": 56.0, "covered": True}


# --- figures ------------------------------------------------------------------------------------------


def _bands(baseline: float | None, outcome: float | None) -> numeric.RangeBands:
    view = numeric.range_view({"unit": "cities", "target": 65, "comparator": ">="},
                              {0: 23.75, 10: 30, 50: 55, 90: 80, 100: 86.25})  # fmt: skip
    assert view is not None
    return numeric.RangeBands(
        forecaster="P", made_on=date(2025, 3, 1), deadline=date(2025, 12, 31), unit="cities", median=view.median(),
        intervals={p: view.interval(p) for p in ranges.INTERVALS}, implied=view.implied, probability=0.6,
        fan_from=baseline, outcome=outcome, outcome_pit=None if outcome is None else view.pit(outcome),
    )  # fmt: skip


def test_the_metric_chart_gets_bands_a_fan_and_the_outcome(ranged: Path) -> None:
    detail = ledger.get_claim(ranged, ROBOTAXI, date(2026, 2, 1))
    trajectory = ledger.claim_trajectory(detail)
    assert trajectory is not None
    bands = numeric.range_bands(detail)
    assert bands is not None and bands.outcome == 28.0 and bands.outcome_words == "outcome at the 7th percentile"
    figure = range_charts.with_range(charts.claim_metric_figure(trajectory, date(2026, 2, 1)), bands)
    traces = {t.name: t for t in figure.data}
    ninety = traces["50/80/90% range"]
    assert list(ninety.y) == [83, 83, 27, 27, 83]  # a bar at the deadline: the 90% interval of whole cities
    assert str(ninety.x[1]).startswith("2025-12-31")
    assert list(traces["outcome at the 7th percentile"].y) == [28.0]
    low, high = figure.layout.yaxis.range
    assert low <= 27 and high >= 83
    fan = range_charts.with_range(charts.claim_metric_figure(trajectory, date(2026, 2, 1)), _bands(20.0, None))
    polygon = next(t for t in fan.data if t.name == "50/80/90% range")
    assert list(polygon.y) == [20.0, 83, 27, 20.0] and str(polygon.x[0]).startswith("2025-03-01")


def test_the_distribution_preview_sums_to_one_and_splits_at_the_target() -> None:
    view = numeric.range_view({"unit": "cities", "target": 65, "comparator": ">="},
                              {0: 23.75, 10: 30, 50: 55, 90: 80, 100: 86.25})  # fmt: skip
    assert view is not None
    figure = range_charts.distribution_figure(view, "preview", 0.6)
    bars = {t.name: t for t in figure.data}
    meets = sum(bars["meets it"].y)
    assert meets + sum(bars["misses the target"].y) == pytest.approx(1.0)
    assert meets == pytest.approx(view.implied) and min(bars["meets it"].x) == 65
    continuous = numeric.range_view({"unit": "GW", "target": 60, "comparator": "<"}, {0: 40, 50: 55, 100: 70})
    assert continuous is not None
    density = range_charts.distribution_figure(continuous, "preview").data[0]
    xs, ys = np.array(density.x), np.array(density.y)
    assert float(np.sum(np.diff(xs)[::2] * ys[::2])) == pytest.approx(1.0)  # steps: the area is one


def test_coverage_and_pit_figures_show_the_counts() -> None:
    covered = {50: np.array([True, False, False]), 80: np.array([True, True, False]), 90: np.array([True] * 3)}
    table = ranges.coverage(covered)
    figure = range_charts.coverage_figure(table)
    observed = next(t for t in figure.data if t.name.startswith("observed"))
    assert list(observed.text) == ["1/3", "2/3", "3/3"]
    assert list(observed.error_y.array) == pytest.approx([c.high - c.rate for c in table])
    pit = range_charts.pit_figure([2, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    assert list(pit.data[0].y) == [2, 0, 0, 0, 0, 0, 0, 0, 1, 0] and list(pit.data[1].y) == [0.3, 0.3]
