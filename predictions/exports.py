"""Exports of the ledger: the flat layout (csv, parquet) and the full-fidelity JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from db import queries
from db import ranges as ranges_sql
from predictions.imports.base import CSV_COLUMNS, CSV_EXPORT_ONLY, CSV_OPTIONAL, JSON_FORMAT
from predictions.ledger import LedgerError, utc_now
from predictions.safe_text import csv_rows

# --- exports --------------------------------------------------------------------------------------


def _flat_records(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    records = []
    for row in rows:
        outcome, fraction = row["outcome"], None
        if outcome == "partial":  # scored as the rule says (docs/architecture.md §4): the fraction with partial credit
            if row["partial_credit"] and row["fraction"] is not None:
                fraction = row["fraction"]
            else:
                outcome = "false"  # no partial credit: it scores as false, and this layout says so
        records.append(
            {
                "statement": row["statement"],
                "probability": row["probability"],
                "outcome": outcome or "",
                "made_on": row["made_on"].isoformat(),
                "deadline": row["deadline"].isoformat() if row["deadline"] else "",
                "forecaster": row["forecaster"],
                "tags": ";".join(row["tags"] or []),
                "forecast_at": row["forecast_at"].isoformat(),
                "fraction": fraction,  # empty in the CSV
            }
        )
    return records


def export_ledger(db_path: Path, fmt: str, out: Path, *, exported_at: str | None = None) -> int:
    """Write the ledger to `out`; returns the number of records (forecast rows or claims) written.
    `exported_at` replaces the clock's time in the JSON (the static site writes its as-of day)."""
    from predictions.ledger import reading

    out.parent.mkdir(parents=True, exist_ok=True)
    with reading(db_path) as con:
        if fmt in {"csv", "parquet"}:
            records = _flat_records(queries.flat_forecast_rows(con))
            _add_ranges(records, ranges_sql.flat_ranges(con))
        elif fmt == "json":
            from db import chain

            tables = {table: queries.table_rows(con, table) for table in queries.EXPORT_TABLES}
            tables["counted_forecasts"] = [{"id": i} for i in queries.counted_forecast_ids(con)]
            ranged, valued = ranges_sql.all_quantiles(con), ranges_sql.all_resolution_values(con)
            records = chain.records(con)
        else:
            raise LedgerError(f"unknown export format {fmt!r}: use csv, json or parquet")
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS + CSV_OPTIONAL + CSV_EXPORT_ONLY))
            writer.writeheader()
            writer.writerows(csv_rows(records))  # a statement never runs as a spreadsheet formula
        return len(records)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(records), out)
        return len(records)
    document = _json_document(tables)
    _add_json_ranges(document, tables, ranged, valued)
    document["chain"] = records  # anyone can recompute the head (docs/evidence-and-verdicts.md)
    if exported_at is not None:
        document["exported_at"] = exported_at
    out.write_text(export_json_text(document), encoding="utf-8")
    return len(document["claims"])


def export_json_text(document: dict[str, Any]) -> str:
    """The JSON export's text: its exact values (no formula quoting: JSON is data, not a spreadsheet)."""
    return json.dumps(document, indent=1, default=str, ensure_ascii=False)


def _json_document(tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    sources = {s["id"]: s for s in tables["sources"]}
    undone = {u["resolution_id"] for u in tables["resolution_undos"]}
    children: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for table in ("forecasts", "observations", "resolutions"):
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in tables[table]:
            grouped.setdefault(row["claim_id"], []).append(row)
        children[table] = grouped
    counted = {row["id"] for row in tables["counted_forecasts"]}
    withdrawals: dict[int, dict[str, Any] | None] = {}  # the last withdrawal or reinstatement of each claim
    for row in tables["claim_amendments"]:
        if row["action"] in ("withdraw", "unwithdraw"):
            withdrawals[row["claim_id"]] = row if row["action"] == "withdraw" else None
    claims = []
    for claim in tables["claims"]:
        source = sources.get(claim["source_id"])
        item = {key: claim[key] for key in queries.CLAIM_COLUMNS if key != "source_id"}
        item["source"] = (
            {k: source[k] for k in ("title", "published_on", "url", "kind", "author", "external_id")}
            if source
            else None
        )
        item["forecasts"] = [
            {k: f[k] for k in ("probability", "forecaster", "made_at", "basis", "note", "external_id", "entry")}
            | {"recorded_at": f["recorded_at"], "counted": f["id"] in counted}
            for f in children["forecasts"].get(claim["id"], [])
        ]
        withdrawal = withdrawals.get(claim["id"])
        item["withdrawal"] = (
            {"reason": withdrawal["reason"], "withdrawn_at": withdrawal["recorded_at"]} if withdrawal else None
        )
        item["observations"] = [
            {k: o[k] for k in ("observed_on", "value", "note", "source_url", "source_published", "confidence")}
            | {"origin": o["origin"] or "recorded"}
            for o in children["observations"].get(claim["id"], [])
        ]
        item["resolutions"] = [
            {
                **{k: r[k] for k in ("outcome", "fraction", "resolved_on", "note", "evidence_url")},
                "undone": r["id"] in undone,
            }
            for r in children["resolutions"].get(claim["id"], [])
        ]
        claims.append(item)
    return {"format": JSON_FORMAT, "exported_at": utc_now().isoformat(), "claims": claims}


# --- ranges -----------------------------------------------------------------------------------------


def _add_ranges(records: list[dict[str, Any]], ranges: list[tuple[str, float | None]]) -> None:
    """Each flat row's range (`10=800,50=2500,90=6000`, blank without one) and the value its claim's
    resolution in force rests on (blank without one): the rows are in flat_forecast_rows' order."""
    for record, (quantiles, value) in zip(records, ranges, strict=True):
        record["quantiles"] = quantiles
        record["outcome_value"] = value


def _add_json_ranges(
    document: dict[str, Any],
    tables: dict[str, list[dict[str, Any]]],
    ranged: dict[int, dict[int, float]],
    valued: dict[int, float],
) -> None:
    """The JSON export's forecasts carry their range (`quantiles` and the recorded `tails`), its
    resolutions the value they rest on: in the order _json_document wrote them."""
    from predictions.numeric import scores_at, stated

    forecasts: dict[int, list[dict[str, Any]]] = {}
    for row in tables["forecasts"]:
        forecasts.setdefault(row["claim_id"], []).append(row)
    resolutions: dict[int, list[dict[str, Any]]] = {}
    for row in tables["resolutions"]:
        resolutions.setdefault(row["claim_id"], []).append(row)
    for claim, item in zip(tables["claims"], document["claims"], strict=True):
        in_force = None  # the value the resolution in force rests on: what the ranges are scored against
        for row, exported in zip(resolutions.get(claim["id"], []), item["resolutions"], strict=True):
            if row["id"] in valued:
                exported["value"] = valued[row["id"]]
            if not exported["undone"]:
                in_force = valued.get(row["id"]) if exported["outcome"] != "ambiguous" else None
        scored = in_force is not None and item["withdrawal"] is None
        for row, exported in zip(forecasts.get(claim["id"], []), item["forecasts"], strict=True):
            knots = ranged.get(row["id"])
            if knots:
                exported["quantiles"] = {str(level): value for level, value in stated(knots).items()}
                exported["tails"] = [knots[0], knots[100]]
                if scored and exported["counted"]:  # CRPS, interval scores, PIT: for reading, not imported
                    assert in_force is not None
                    exported["scores"] = scores_at(claim, knots, in_force)
