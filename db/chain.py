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

from db.errors import PredictionsError

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
    # A forecast's range (migration 8): one record per quantile, in the forecast's transaction; levels 0
    # and 100 are the tails' ends as the range was recorded (predictions.ranges). Tables of their own, so
    # every record made before them keeps its hash.
    "forecast_quantiles": ("forecast_id", "level", "value", "recorded_at"),
    "resolution_values": ("resolution_id", "value", "recorded_at"),  # the number a resolution rests on
}  # fmt: skip
# The row id of each table (an undo is keyed by the resolution it undoes).
ID_COLUMN = {table: ("resolution_id" if table == "resolution_undos" else "id") for table in CHAINED}
# The order the migration chains an existing ledger in: what a row refers to comes first.
TABLE_ORDER = (
    "claims", "claim_amendments", "forecasts", "forecast_quantiles", "observations", "resolutions", "resolution_values",
    "resolution_undos",
)  # fmt: skip

_encode_text: Callable[[str], str] = json.encoder.encode_basestring


class ChainError(PredictionsError, ValueError):
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


def next_hash(previous: str, record: str) -> str:
    return hashlib.sha256((previous + record).encode()).hexdigest()


# --- appending ------------------------------------------------------------------------------------

# No key or index: DuckDB's index inserts would cost more than the hashing (the archive's ~100,000
# records), and verify checks what a key would (every number once, in order).
CHAIN_TABLE_SQL = """CREATE TABLE record_chain (
    seq BIGINT NOT NULL,
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


# How each chained column's value is written: text, whole number, number, boolean, day, time (ISO 8601
# with microseconds, always), list of text. Days and times are made text by DuckDB, a column at a time.
COLUMN_KINDS: dict[str, str] = {
    "external_id": "text", "source_id": "int", "statement": "text", "quote": "text", "claimant": "text",
    "attribution": "text", "kind": "text", "made_on": "date", "deadline": "date", "deadline_precision": "text",
    "deadline_text": "text", "resolution_criteria": "text", "tags": "texts", "metric": "text", "unit": "text",
    "comparator": "text", "target": "float", "baseline": "float", "baseline_on": "date", "partial_credit": "bool",
    "flags": "texts", "recorded_at": "time", "claim_id": "int", "action": "text", "changes": "text", "reason": "text",
    "duplicate_of": "int", "forecaster": "text", "probability": "float", "made_at": "time", "basis": "text",
    "note": "text", "entry": "text", "observed_on": "date", "value": "float", "source_url": "text",
    "source_published": "date", "confidence": "text", "origin": "text", "watch_id": "int", "fetched_at": "time",
    "payload_sha256": "text", "revises": "int", "outcome": "text", "fraction": "float", "resolved_on": "date",
    "evidence_url": "text", "resolution_id": "int", "forecast_id": "int", "level": "int",
}  # fmt: skip


def _selected(name: str) -> str:
    """The SQL that reads a chained column: days and times as ISO 8601 text (name from CHAINED only)."""
    kind = COLUMN_KINDS[name]
    if kind == "date":
        return f"CAST({name} AS VARCHAR) AS {name}"
    if kind == "time":
        return f"strftime({name}, '%Y-%m-%dT%H:%M:%S.%f') AS {name}"
    return name


def _number_fast(value: float) -> str:
    """es_number for the common case: Python's repr without an exponent has ECMAScript's digits."""
    text = repr(value)
    if "e" in text or "n" in text or value == 0:
        return es_number(value)
    return text[:-2] if text.endswith(".0") else text


def _fragments(kind: str, values: Sequence[Any]) -> list[str]:
    """A column's values as canonical JSON, all at once."""
    if kind == "text":
        return [_encode_text(v) if v is not None else "null" for v in values]
    if kind in ("date", "time"):
        return ['"' + v + '"' if v is not None else "null" for v in values]
    if kind == "int":
        return [str(v) if v is not None else "null" for v in values]
    if kind == "float":
        return [_number_fast(v) if v is not None else "null" for v in values]
    if kind == "bool":
        return [("true" if v else "false") if v is not None else "null" for v in values]
    return [_value(v) for v in values]


def _template(table: str) -> tuple[tuple[str, ...], str]:
    """The record's keys in canonical order and a %-template of the record with one %s per key."""
    keys = tuple(sorted(("table", "id", *CHAINED[table])))
    return keys, "{" + ",".join(f'"{key}":%s' for key in keys) + "}"


@dataclass
class _Rows:
    """A table's rows as the chain sees them: ids, recording times, each key's fragments (and extras)."""

    table: str
    ids: list[int]
    recorded_at: list[Any]
    fragments: dict[str, list[str]]
    extra: dict[str, list[Any]]

    def texts(self) -> list[str]:
        keys, template = _template(self.table)
        columns = [self.fragments[key] for key in keys]
        return [template % values for values in zip(*columns, strict=True)]


def _rows(con: duckdb.DuckDBPyConnection, table: str, ids: Sequence[int] | None, extra: tuple[str, ...] = ()) -> _Rows:
    """The rows to chain, by id (every row in recording order without `ids`), with the fragments of the
    columns their records hold (and `extra` raw columns: a claim's withdrawn flag for `verify`)."""
    key = ID_COLUMN[table]
    if set(extra) - {"withdrawn"}:
        raise ValueError(f"unknown columns {extra}")
    names = CHAINED[table]  # identifiers from CHAINED only
    selected = ", ".join(
        [f"{key} AS row_id", "recorded_at AS raw_recorded_at"] + [_selected(name) for name in names] + list(extra)
    )
    params: list[Any]
    if ids is None:
        sql, params = f"SELECT {selected} FROM {table} ORDER BY recorded_at, {key}", []
    elif len(ids) == max(ids) - min(ids) + 1:  # a bulk insert's ids are one run of its sequence
        sql, params = f"SELECT {selected} FROM {table} WHERE {key} BETWEEN ? AND ? ORDER BY {key}", [min(ids), max(ids)]
    else:
        sql = f"SELECT {selected} FROM {table} WHERE {key} IN (SELECT unnest(?::BIGINT[])) ORDER BY {key}"
        params = [[int(i) for i in ids]]
    # Column by column through Arrow: ~3x faster than a Python tuple per row for the archive's 63,592 forecasts.
    con.complete()  # a relation waits for no unread execute() result (a migration's UPDATE): finish it
    fetched = con.sql(sql, params=params or None).to_arrow_table()
    columns = [fetched.column(i).to_pylist() for i in range(fetched.num_columns)]
    row_ids = [int(i) for i in columns[0]]
    fragments = {name: _fragments(COLUMN_KINDS[name], columns[2 + i]) for i, name in enumerate(names)}
    fragments["table"] = [_encode_text(table)] * len(row_ids)
    fragments["id"] = [str(i) for i in row_ids]
    extras = {name: list(columns[2 + len(names) + i]) for i, name in enumerate(extra)}
    return _Rows(table, row_ids, list(columns[1]), fragments, extras)


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
    if not rows.ids:
        return last
    texts = rows.texts()
    hashes = []
    previous = last.hash
    sha256 = hashlib.sha256
    for text in texts:
        previous = sha256((previous + text).encode()).hexdigest()
        hashes.append(previous)
    import pyarrow as pa

    count = len(texts)
    arrow = pa.table({
        "seq": pa.array(range(last.count + 1, last.count + count + 1), pa.int64()),
        "table_name": pa.array([table] * count, pa.string()), "row_id": pa.array(rows.ids, pa.int64()),
        "recorded_at": pa.array(rows.recorded_at, pa.timestamp("us")), "record": pa.array(texts, pa.string()),
        "hash": pa.array(hashes, pa.string()),
    })  # fmt: skip
    con.complete()
    con.register("chain_rows", arrow)
    try:
        con.execute("INSERT INTO record_chain SELECT * FROM chain_rows")
    finally:
        con.unregister("chain_rows")
    return Head(last.count + count, previous, rows.recorded_at[-1])


def _existing(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The history tables this ledger has (one migrated only to 7 has no range tables yet)."""
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    return {str(name) for (name,) in rows} & set(CHAINED)


def chain_all(con: duckdb.DuckDBPyConnection) -> Head:
    """Chain every row of an existing ledger (the migration): table by table in TABLE_ORDER, each in
    the order it was recorded."""
    result = head(con)
    existing = _existing(con)
    for table in TABLE_ORDER:
        if table in existing:
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


def _take_back_corrections(rows: _Rows, corrections: Mapping[int, Sequence[Mapping[str, Any]]]) -> dict[int, str]:
    """Put each amended claim's fields back as first recorded (newest amendment first), in place; return
    the claims whose row disagrees with their corrections (an amended field that does not read as its
    last amendment left it, a withdrawn flag the withdrawals do not give), with how."""
    problems: dict[int, str] = {
        row_id: "withdrawn is True, but no withdrawal was recorded"
        for row_id, withdrawn in zip(rows.ids, rows.extra["withdrawn"], strict=True)
        if withdrawn and row_id not in corrections
    }
    position = {row_id: i for i, row_id in enumerate(rows.ids)}
    for claim_id, history in corrections.items():
        i = position.get(claim_id)
        if i is None:
            continue  # a missing claim breaks at its own record
        withdrawn, last_to, changes = False, {}, []
        for correction in history:
            if correction.get("action") in ("withdraw", "unwithdraw"):
                withdrawn = correction["action"] == "withdraw"
                continue
            try:
                document = json.loads(correction.get("changes") or "{}")
            except (TypeError, ValueError):
                continue  # a mangled amendment breaks at its own record
            for name, change in document.items():
                if name in rows.fragments and isinstance(change, dict) and {"from", "to"} <= set(change):
                    last_to[name] = _value(change["to"])
                    changes.append((name, _value(change["from"])))
        for name, fragment in last_to.items():
            if rows.fragments[name][i] != fragment:
                problems.setdefault(
                    claim_id, f"{name} reads {rows.fragments[name][i]}, its last amendment made it {fragment}"
                )
        if bool(rows.extra["withdrawn"][i]) != withdrawn:
            problems.setdefault(
                claim_id, f"withdrawn is {bool(rows.extra['withdrawn'][i])}, its withdrawals make it {withdrawn}"
            )
        for name, fragment in reversed(changes):
            rows.fragments[name][i] = fragment
    return problems


def _differences(stored: str, now: str) -> str:
    try:
        before, after = json.loads(stored), json.loads(now)
    except ValueError:
        return "its record is not JSON"
    if not isinstance(before, dict):
        return "its record is not an object"
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
    # A claim is taken back to its first record through its corrections as the chain recorded them (a
    # deleted or edited amendment row then breaks at its own record, not at its claim's).
    corrections: dict[int, list[dict[str, Any]]] = {}
    for (text,) in con.execute(
        "SELECT record FROM record_chain WHERE table_name = 'claim_amendments' ORDER BY seq"
    ).fetchall():
        try:
            correction = json.loads(text)
            corrections.setdefault(int(correction["claim_id"]), []).append(correction)
        except (ValueError, KeyError, TypeError):
            continue  # a mangled record breaks at its own place in the chain
    texts: dict[str, dict[int, tuple[str, Any]]] = {}
    problems: dict[int, str] = {}
    existing = _existing(con)
    for table in (name for name in CHAINED if name in existing):
        rows = _rows(con, table, None, extra=("withdrawn",) if table == "claims" else ())
        if table == "claims":
            problems = _take_back_corrections(rows, corrections)
        texts[table] = {
            row_id: (text, at) for row_id, text, at in zip(rows.ids, rows.texts(), rows.recorded_at, strict=True)
        }
    previous, last_at, count = GENESIS, None, 0
    seen: set[tuple[str, int]] = set()

    def broken(seq: int | None, table: str, row_id: int, problem: str) -> Verification:
        return Verification(Head(count, previous, last_at), Break(seq, table, row_id, problem))

    sha256 = hashlib.sha256
    for seq, table, row_id, stored, stored_hash in chain:
        if seq != count + 1:
            return broken(count + 1, str(table), int(row_id), f"record {count + 1} is missing (the next is {seq})")
        found = texts.get(table, {}).get(row_id)
        if found is None:
            return broken(seq, table, row_id, "the row is missing" if table in texts else "unknown table")
        if (table, row_id) in seen:
            return broken(seq, table, row_id, "chained twice")
        seen.add((table, row_id))
        if table == "claims" and row_id in problems:
            return broken(seq, table, row_id, problems[row_id])
        text, at = found
        computed = sha256((previous + text).encode()).hexdigest()
        if computed != stored_hash:
            problem = "the record's hash was changed" if text == stored else _differences(stored, text)
            return broken(seq, table, row_id, problem)
        previous, last_at, count = computed, at, seq
    if up_to is None:
        for table in TABLE_ORDER:
            for row_id in texts.get(table, {}):
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
