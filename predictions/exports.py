"""Exports of the ledger: the flat layout (csv, parquet) and the full-fidelity JSON, of the whole ledger or
of one claim keyed by its id (claim_export: the live page's "Download data" button, the published site's
data/claim-ID.json and `predictions export --claim ID` hand out the same bytes).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db import queries
from db import ranges as ranges_sql
from predictions.imports.base import CSV_COLUMNS, CSV_EXPORT_ONLY, CSV_OPTIONAL, JSON_FORMAT
from predictions.ledger import LedgerError, UnknownClaimError, utc_now
from predictions.safe_text import clean_tree, csv_rows

if TYPE_CHECKING:
    import duckdb

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


def export_ledger(
    db_path: Path, fmt: str, out: Path, *, exported_at: str | None = None, claim_id: int | None = None
) -> int:
    """Write the ledger to `out`; returns the number of records (forecast rows or claims) written.
    `exported_at` replaces the clock's time in the JSON (the static site writes its as-of day). With
    `claim_id`, only that claim: its forecast rows (csv, parquet) or claim_export's document (json)."""
    from predictions.ledger import reading

    if claim_id is not None:
        return _export_claim(db_path, fmt, out, claim_id, exported_at)
    out.parent.mkdir(parents=True, exist_ok=True)
    with reading(db_path) as con:
        if fmt in {"csv", "parquet"}:
            records = _flat_records(queries.flat_forecast_rows(con))
            _add_ranges(records, ranges_sql.flat_ranges(con))
        elif fmt == "json":
            from db import chain

            tables, ranged, valued = _export_tables(con)
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
    document = _json_document(tables, ranged, valued)
    document["chain"] = records  # anyone can recompute the head (docs/evidence-and-verdicts.md)
    if exported_at is not None:
        document["exported_at"] = exported_at
    out.write_text(export_json_text(document), encoding="utf-8")
    return len(document["claims"])


def export_json_text(document: dict[str, Any]) -> str:
    """The JSON export's text: its exact values (no formula quoting: JSON is data, not a spreadsheet)."""
    return json.dumps(document, indent=1, default=str, ensure_ascii=False)


def _export_claim(db_path: Path, fmt: str, out: Path, claim_id: int, exported_at: str | None) -> int:
    from predictions.ledger import reading

    if fmt not in {"csv", "json", "parquet"}:
        raise LedgerError(f"unknown export format {fmt!r}: use csv, json or parquet")
    document = claim_export(db_path, claim_id, exported_at=exported_at)  # an unknown id fails before a write
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "json":
        out.write_text(claim_json_text(document), encoding="utf-8")
        return 1
    with reading(db_path, few_rows=True) as con:
        records = _flat_records(queries.flat_forecast_rows(con, claim_id))
        _add_ranges(records, ranges_sql.flat_ranges(con, claim_id))
    if fmt == "csv":
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS + CSV_OPTIONAL + CSV_EXPORT_ONLY))
            writer.writeheader()
            writer.writerows(csv_rows(records))
        return len(records)
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(records), out)
    return len(records)


def claim_export(db_path: Path, claim_id: int, *, exported_at: str | None = None) -> dict[str, Any]:
    """One claim in the JSON export's layout (what `predictions import --format json` reads back), read by
    its id: its item is exactly the one the whole ledger's export holds for it. `exported_at` defaults to
    the clock's time (the site writes its as-of day). An unknown id is a LedgerError."""
    from predictions.ledger import reading

    with reading(db_path, few_rows=True) as con:
        tables, ranged, valued = _export_tables(con, claim_id)
    if not tables["claims"]:
        raise UnknownClaimError(claim_id)
    return claim_document(_claim_items(tables, ranged, valued)[claim_id], exported_at or utc_now().isoformat())


def claim_items(db_path: Path) -> dict[int, dict[str, Any]]:
    """Claim id → its item in the JSON export, every claim from one read (the published site's
    data/claim-ID.json for every claim: claim_document(items[id], ...) is claim_export's document)."""
    from predictions.ledger import reading

    with reading(db_path) as con:
        tables, ranged, valued = _export_tables(con)
    return _claim_items(tables, ranged, valued)


def _export_tables(
    con: duckdb.DuckDBPyConnection, claim_id: int | None = None
) -> tuple[dict[str, list[dict[str, Any]]], dict[int, dict[int, float]], dict[int, float]]:
    """What the JSON layout is built from, in one unit of work: the export tables (one claim's rows with
    `claim_id`), the counted forecasts' ids, the ranges by forecast and the values by resolution."""
    if claim_id is None:
        tables = {table: queries.table_rows(con, table) for table in queries.EXPORT_TABLES}
        counted = queries.counted_forecast_ids(con)
    else:
        tables = {table: queries.claim_table_rows(con, table, claim_id) for table in queries.EXPORT_TABLES}
        counted = queries.claim_counted_forecast_ids(con, claim_id)
    tables["counted_forecasts"] = [{"id": i} for i in counted]
    return tables, ranges_sql.all_quantiles(con, claim_id), ranges_sql.all_resolution_values(con, claim_id)


def day_stamp(as_of: date) -> str:
    """exported_at for an export of the ledger as of a day (the site's as-of day, the page's day)."""
    return f"{as_of.isoformat()}T00:00:00"


def claim_document(item: dict[str, Any] | None, exported_at: str) -> dict[str, Any]:
    """One claim's item in the export's layout: a document with that claim (none for None)."""
    return {"format": JSON_FORMAT, "exported_at": exported_at, "claims": [item] if item else []}


def claim_json_text(document: dict[str, Any]) -> str:
    """A claim's JSON download: its text cleaned as the site's (safe_text.clean: no character XML forbids),
    compact (json's C encoder; an indented dump is pure Python, ~10× slower over an archive's 18,670 claims)."""
    return json.dumps(clean_tree(document), default=str, ensure_ascii=False, separators=(",", ":"))


def _json_document(
    tables: dict[str, list[dict[str, Any]]], ranged: dict[int, dict[int, float]], valued: dict[int, float]
) -> dict[str, Any]:
    claims = list(_claim_items(tables, ranged, valued).values())
    return {"format": JSON_FORMAT, "exported_at": utc_now().isoformat(), "claims": claims}


def _claim_items(
    tables: dict[str, list[dict[str, Any]]], ranged: dict[int, dict[int, float]], valued: dict[int, float]
) -> dict[int, dict[str, Any]]:
    """Claim id → its export item, in the order of tables["claims"] (id order), with its ranges."""
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
    claims: dict[int, dict[str, Any]] = {}
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
        claims[int(claim["id"])] = item
    _add_json_ranges(list(claims.values()), tables, ranged, valued)
    return claims


# --- ranges -----------------------------------------------------------------------------------------


def _add_ranges(records: list[dict[str, Any]], ranges: list[tuple[str, float | None]]) -> None:
    """Each flat row's range (`10=800,50=2500,90=6000`, blank without one) and the value its claim's
    resolution in force rests on (blank without one): the rows are in flat_forecast_rows' order."""
    for record, (quantiles, value) in zip(records, ranges, strict=True):
        record["quantiles"] = quantiles
        record["outcome_value"] = value


def _add_json_ranges(
    items: list[dict[str, Any]],
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
    for claim, item in zip(tables["claims"], items, strict=True):
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
