"""The record's hash chain: every history row, as first recorded, is one record of a SHA-256 chain.

    record_n = the row as canonical JSON (RFC 8785): {"table": ..., "id": ..., its CHAINED columns}
    hash_n   = SHA-256(hash_(n-1) as 64 lowercase hex characters ‖ record_n in UTF-8); hash_0 = 64 zeros

`append` is the one function that adds records: every insert of a history row calls it, in the same
transaction as the row. `verify` recomputes every hash from the rows as they are now (a claim with its
amendments taken back, so as first recorded) and names the first record that differs, is missing, or
a row that no record covers.

The records are flat objects of ASCII keys whose values are text, integers, finite numbers, booleans,
null or lists of text, so `canonical` writes them directly (tests hold it byte for byte to the
`rfc8785` package, which is ~20x slower: the archive's ~100,000 records would add seconds to its import).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb

GENESIS = "0" * 64

# The history tables and the columns each record holds beside "table" and "id". A claim is chained as
# first recorded (amendments and withdrawals are records of their own); `withdrawn` is derived from them.
CHAINED: dict[str, tuple[str, ...]] = {
    "claims": (
        "external_id", "source_id", "statement", "quote", "claimant", "attribution", "kind", "made_on",
        "deadline", "deadline_precision", "deadline_text", "resolution_criteria", "tags", "metric", "unit",
        "comparator", "target", "baseline", "baseline_on", "partial_credit", "flags", "recorded_at",
    ),
    "claim_amendments": ("claim_id", "action", "changes", "reason", "duplicate_of", "recorded_at"),
    "forecasts": (
        "external_id", "claim_id", "forecaster", "probability", "made_at", "basis", "note", "entry", "recorded_at",
    ),
    "observations": (
        "claim_id", "observed_on", "value", "note", "source_url", "source_published", "confidence", "origin",
        "watch_id", "fetched_at", "payload_sha256", "revises", "recorded_at",
    ),
    "resolutions": ("claim_id", "outcome", "fraction", "resolved_on", "note", "evidence_url", "recorded_at"),
    "resolution_undos": ("resolution_id", "note", "recorded_at"),
}  # fmt: skip
# The row id of each table (an undo is keyed by the resolution it undoes).
ID_COLUMN = {table: ("resolution_id" if table == "resolution_undos" else "id") for table in CHAINED}
# The order the migration chains an existing ledger in: what a row refers to comes first.
TABLE_ORDER = ("claims", "claim_amendments", "forecasts", "observations", "resolutions", "resolution_undos")

_encode_text: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


class ChainError(ValueError):
    """A value the chain cannot hold (not finite, or of a type no column has)."""


def es_number(value: float) -> str:
    """A finite number as ECMAScript's Number.prototype.toString writes it (RFC 8785 §3.2.2.3), from the
    shortest digits that round-trip (Python's repr)."""
    if not math.isfinite(value):
        raise ChainError(f"{value!r} is not a finite number")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    text = repr(abs(value))
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    stripped = digits.lstrip("0")
    point = len(whole) + int(exponent or 0) - (len(digits) - len(stripped))  # value = 0.DIGITS × 10^point
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return sign + digits + "0" * (point - k)
    if 0 < point <= 21:
        return sign + digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return sign + "0." + "0" * -point + digits
    power = point - 1
    power_text = ("+" if power > 0 else "-") + str(abs(power))
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + "e" + power_text


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return es_number(value)
    if isinstance(value, datetime):  # before date: a datetime is a date
        return '"' + value.strftime("%Y-%m-%dT%H:%M:%S.%f") + '"'
    if isinstance(value, date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, list | tuple):
        return "[" + ",".join(_value(item) for item in value) + "]"
    raise ChainError(f"a record cannot hold {type(value).__name__}")


def canonical(record: Mapping[str, Any]) -> str:
    """The record as RFC 8785 canonical JSON (keys are ASCII, so code-unit order is plain sort order);
    dates and times as ISO 8601 text (times always with microseconds)."""
    return "{" + ",".join(_encode_text(key) + ":" + _value(record[key]) for key in sorted(record)) + "}"


def record_of(table: str, row_id: int, row: Mapping[str, Any]) -> dict[str, Any]:
    return {"table": table, "id": row_id, **{name: row.get(name) for name in CHAINED[table]}}


def next_hash(previous: str, record: str) -> str:
    return hashlib.sha256((previous + record).encode()).hexdigest()


# --- appending ------------------------------------------------------------------------------------

CHAIN_TABLE_SQL = """CREATE TABLE record_chain (
    seq BIGINT PRIMARY KEY,
    table_name VARCHAR NOT NULL,
    row_id BIGINT NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    record VARCHAR NOT NULL,
    hash VARCHAR NOT NULL
)"""


@dataclass(frozen=True)
class Head:
    count: int
    hash: str
    recorded_at: datetime | None

    @property
    def short(self) -> str:
        return f"{self.hash[:4]}…{self.hash[-4:]}"

    def line(self) -> str:
        day = f" ({self.recorded_at.date().isoformat()})" if self.recorded_at else ""
        return f"{self.count} records, head {self.short}{day}"


def head(con: duckdb.DuckDBPyConnection) -> Head:
    row = con.execute("SELECT seq, hash, recorded_at FROM record_chain ORDER BY seq DESC LIMIT 1").fetchone()
    if row is None:
        return Head(0, GENESIS, None)
    return Head(int(row[0]), str(row[1]), row[2])


def _rows(
    con: duckdb.DuckDBPyConnection, table: str, ids: Sequence[int] | None, extra: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """The rows to chain, by id (every row without `ids`), with the columns their records hold (and
    `extra` ones, a claim's withdrawn flag for `verify`)."""
    key = ID_COLUMN[table]
    if set(extra) - {"withdrawn"}:
        raise ValueError(f"unknown columns {extra}")
    columns = ", ".join(dict.fromkeys((key, *CHAINED[table], *extra)))  # names from CHAINED only
    if ids is None:
        cursor = con.execute(f"SELECT {columns} FROM {table} ORDER BY recorded_at, {key}")
    elif len(ids) == max(ids) - min(ids) + 1:  # a bulk insert's ids are one run of its sequence
        cursor = con.execute(
            f"SELECT {columns} FROM {table} WHERE {key} BETWEEN ? AND ? ORDER BY {key}", [min(ids), max(ids)]
        )
    else:
        cursor = con.execute(
            f"SELECT {columns} FROM {table} WHERE {key} IN (SELECT unnest(?::BIGINT[])) ORDER BY {key}",
            [[int(i) for i in ids]],
        )
    names = [column[0] for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def append(con: duckdb.DuckDBPyConnection, table: str, ids: Iterable[int] | None) -> Head:
    """Chain the rows of `table` with these ids (already inserted in this transaction), in id order:
    the one way a history row joins the record. Returns the new head."""
    if table not in CHAINED:
        raise ValueError(f"{table!r} is not a history table")
    wanted = None if ids is None else list(ids)
    if wanted is not None and not wanted:
        return head(con)
    rows = _rows(con, table, wanted)
    last = head(con)
    previous, seq = last.hash, last.count
    out_seq, out_ids, out_at, out_records, out_hashes = [], [], [], [], []
    key = ID_COLUMN[table]
    for row in rows:
        row_id = int(row[key])
        text = canonical(record_of(table, row_id, row))
        previous = next_hash(previous, text)
        seq += 1
        out_seq.append(seq)
        out_ids.append(row_id)
        out_at.append(row["recorded_at"])
        out_records.append(text)
        out_hashes.append(previous)
    if out_seq:
        import pyarrow as pa

        arrow = pa.table({
            "seq": pa.array(out_seq, pa.int64()), "table_name": pa.array([table] * len(out_seq), pa.string()),
            "row_id": pa.array(out_ids, pa.int64()), "recorded_at": pa.array(out_at, pa.timestamp("us")),
            "record": pa.array(out_records, pa.string()), "hash": pa.array(out_hashes, pa.string()),
        })  # fmt: skip
        con.complete()
        con.register("chain_rows", arrow)
        try:
            con.execute("INSERT INTO record_chain SELECT * FROM chain_rows")
        finally:
            con.unregister("chain_rows")
    return Head(seq, previous, out_at[-1] if out_at else last.recorded_at)


def chain_all(con: duckdb.DuckDBPyConnection) -> Head:
    """Chain every row of an existing ledger (the migration): table by table in TABLE_ORDER, each in
    the order it was recorded."""
    result = head(con)
    for table in TABLE_ORDER:
        result = append(con, table, None)
    return result


# --- verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place the record differs from its chain."""

    seq: int | None
    table: str
    row_id: int
    problem: str

    def line(self) -> str:
        where = f"record {self.seq}" if self.seq is not None else "no record"
        return f"broken at {where}: {self.table} row {self.row_id}: {self.problem}"


@dataclass(frozen=True)
class Verification:
    head: Head
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _as_first_recorded(
    claim: dict[str, Any], corrections: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, Any], str | None]:
    """A claim's row with its amendments taken back, newest first: the claim as first recorded. Also
    the first way the row disagrees with its corrections (an amended field that does not read as its
    last amendment left it; a withdrawn flag its withdrawals do not give), else None."""
    original = dict(claim)
    problem = None
    withdrawn = False
    last_to: dict[str, Any] = {}
    for correction in corrections:
        if correction["action"] in ("withdraw", "unwithdraw"):
            withdrawn = correction["action"] == "withdraw"
            continue
        try:
            changes = json.loads(correction["changes"])
        except (TypeError, ValueError):
            continue  # a mangled amendment breaks its own record
        for name, change in changes.items():
            if name in original and isinstance(change, dict) and "to" in change:
                last_to[name] = change["to"]
    for name, value in last_to.items():
        if _value(original[name]) != _value(value) and problem is None:
            problem = f"{name} reads {_value(original[name])}, its last amendment made it {_value(value)}"
    if "withdrawn" in original and bool(original["withdrawn"]) != withdrawn and problem is None:
        problem = f"withdrawn is {bool(original['withdrawn'])}, its withdrawals make it {withdrawn}"
    for correction in reversed(corrections):
        if correction["action"] != "amend":
            continue
        try:
            changes = json.loads(correction["changes"])
        except (TypeError, ValueError):
            continue
        for name, change in changes.items():
            if name in original and isinstance(change, dict) and "from" in change:
                original[name] = change["from"]
    return original, problem


def _normalised(record: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(canonical(record))


def _differences(stored: str, now: Mapping[str, Any]) -> str:
    try:
        before = json.loads(stored)
    except ValueError:
        return "its record is not JSON"
    after = _normalised(now)
    fields = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    if not fields:
        return "the record itself or its hash was changed"
    name = fields[0]
    more = f" (and {len(fields) - 1} more)" if len(fields) > 1 else ""
    return f"{name} differs: recorded {json.dumps(before.get(name))}, now {json.dumps(after.get(name))}{more}"


def verify(con: duckdb.DuckDBPyConnection, *, up_to: int | None = None) -> Verification:
    """Recompute the chain from the tables as they are now; the first break, else intact."""
    chain = con.execute(
        "SELECT seq, table_name, row_id, record, hash FROM record_chain "
        + ("WHERE seq <= ? " if up_to is not None else "")
        + "ORDER BY seq",
        [up_to] if up_to is not None else [],
    ).fetchall()
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for table in CHAINED:
        key = ID_COLUMN[table]
        rows[table] = {
            int(row[key]): row for row in _rows(con, table, None, extra=("withdrawn",) if table == "claims" else ())
        }
    # A claim is taken back to its first record through its corrections as the chain recorded them (a
    # deleted or edited amendment row then breaks at its own record, not at its claim's).
    amendments: dict[int, list[dict[str, Any]]] = {}
    for (text,) in con.execute(
        "SELECT record FROM record_chain WHERE table_name = 'claim_amendments' ORDER BY seq"
    ).fetchall():
        try:
            amendment = json.loads(text)
            amendments.setdefault(int(amendment["claim_id"]), []).append(amendment)
        except (ValueError, KeyError, TypeError):
            continue  # a mangled record breaks at its own place in the chain
    previous = GENESIS
    seen: set[tuple[str, int]] = set()
    last_at = None
    count = 0

    def broken(seq: int | None, table: str, row_id: int, problem: str) -> Verification:
        return Verification(Head(count, previous, last_at), Break(seq, table, row_id, problem))

    for seq, table, row_id, stored, stored_hash in chain:
        row_id = int(row_id)
        if seq != count + 1:
            return broken(count + 1, str(table), row_id, f"record {count + 1} is missing (the next is {seq})")
        if table not in rows:
            return broken(seq, str(table), row_id, "unknown table")
        row = rows[table].get(row_id)
        if row is None:
            return broken(seq, table, row_id, "the row is missing")
        if (table, row_id) in seen:
            return broken(seq, table, row_id, "chained twice")
        seen.add((table, row_id))
        if table == "claims":
            row, problem = _as_first_recorded(row, amendments.get(row_id, []))
            if problem is not None:
                return broken(seq, table, row_id, problem)
        try:
            text = canonical(record_of(table, row_id, row))
        except ChainError as error:
            return broken(seq, table, row_id, str(error))
        computed = next_hash(previous, text)
        if computed != stored_hash:
            if text == stored:
                return broken(seq, table, row_id, "the record's hash was changed")
            return broken(seq, table, row_id, _differences(stored, record_of(table, row_id, row)))
        previous, last_at, count = computed, row.get("recorded_at"), seq
    if up_to is None:
        for table in TABLE_ORDER:
            for row_id in rows[table]:
                if (table, row_id) not in seen:
                    return broken(None, table, row_id, "the row is in no record of the chain")
    return Verification(Head(count, previous, last_at), None)


def verify_prefix(con: duckdb.DuckDBPyConnection, head_hash: str) -> tuple[Verification, int | None]:
    """Whether the record that had `head_hash` is an unchanged prefix of today's: the chain is intact
    up to the record whose hash that is. Returns the verification and that record's number (None:
    no record of today's chain has that hash, or only a shorter prefix is intact)."""
    wanted = head_hash.strip().lower()
    row = con.execute("SELECT seq FROM record_chain WHERE hash = ? ORDER BY seq LIMIT 1", [wanted]).fetchone()
    if row is None:
        if wanted == GENESIS:
            return verify(con, up_to=0), 0
        return verify(con), None
    seq = int(row[0])
    result = verify(con, up_to=seq)
    if result.intact and result.head.hash == wanted:
        return result, seq
    return result, None


def records(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every record with its sequence number, the previous hash and its own (the export's chain)."""
    out = []
    previous = GENESIS
    for seq, table, row_id, stored, stored_hash in con.execute(
        "SELECT seq, table_name, row_id, record, hash FROM record_chain ORDER BY seq"
    ).fetchall():
        out.append({
            "seq": int(seq), "table": str(table), "id": int(row_id), "previous_hash": previous,
            "hash": str(stored_hash), "record": json.loads(stored),
        })  # fmt: skip
        previous = str(stored_hash)
    return out
