"""The generic CSV without a Python object per row: validated column by column (each distinct value
once) when every row is fine, a million rows in seconds; else row by row through predictions.imports.flat."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import ConfigDict, TypeAdapter

from predictions.imports.base import CSV_COLUMNS, CSV_OPTIONAL, ImportResult, Progress, _key
from predictions.imports.flat import (
    _FLAT_FIELDS,
    FlatRow,
    _FlatClaims,
    _FlatColumns,
    _group_flat,
    _read_csv_rows,
    _store_flat,
    import_flat,
)
from predictions.models import Outcome
from predictions.safe_text import csv_value

# --- the generic CSV without a Python object per row -------------------------------------------------


def _field_validators(name: str) -> list[Callable[[Any], Any]]:
    """FlatRow's "before" validators of field `name` (they take the raw value only)."""
    return [
        decorator.func
        for decorator in FlatRow.__pydantic_decorators__.field_validators.values()
        if name in decorator.info.fields and decorator.info.mode == "before"
    ]


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _validate_distinct(name: str, values: list[Any]) -> list[Any] | None:
    """Distinct raw values of field `name` as FlatRow validates them (the field's own before-validators,
    then its type and constraints with the model's config); None if any value is invalid."""
    if name not in _ADAPTERS:
        field = FlatRow.model_fields[name]
        item = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
        _ADAPTERS[name] = TypeAdapter(list[item], config=ConfigDict(**FlatRow.model_config))  # type: ignore[valid-type]
    before = values
    try:
        for validator in _field_validators(name):
            before = [validator(value) for value in before]
        return list(_ADAPTERS[name].validate_python(before))
    except (ValueError, TypeError):  # ValidationError is a ValueError
        return None


@dataclass
class _RawColumn:
    """A text column as codes (one per row) into its distinct values (also as Arrow, when read so)."""

    codes: np.ndarray
    distinct: list[Any]
    arrow: Any = None


def _encode_values(values: Iterable[Any]) -> _RawColumn:
    lookup: dict[Any, int] = {}
    codes = np.fromiter((lookup.setdefault(value, len(lookup)) for value in values), dtype=np.int64)
    return _RawColumn(codes, list(lookup))


def _read_csv_columns(text: str) -> tuple[list[str], dict[str, _RawColumn], int] | None:
    """Header, columns and record count, read exactly as csv.reader reads them (blank lines skipped);
    None when a record has another number of fields than the header or the file is not readable.

    Text without quote characters, lone carriage returns or NULs is one record per line split at
    commas, which Arrow's reader does in C++; anything else goes through csv.reader."""
    lone_cr = "\r" in text and "\r" in text.replace("\r\n", "")
    if '"' not in text and "\x00" not in text and not lone_cr:
        first, _, _rest = text.partition("\n")
        header = [name.strip() for name in first.removesuffix("\r").split(",")] if first else []
        names = [f"c{i}" for i in range(len(header))]
        try:
            import pyarrow as pa
            from pyarrow import csv as pa_csv

            table = pa_csv.read_csv(
                pa.BufferReader(text.encode("utf-8")),
                read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pa_csv.ParseOptions(quote_char=False, escape_char=False, newlines_in_values=False),
                convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
            )
        except Exception:  # a record with another number of fields (Arrow raises several types)
            return None
        columns = {}
        for name, key in zip(header, names, strict=True):
            encoded = table.column(key).combine_chunks().dictionary_encode()
            columns[name] = _RawColumn(
                encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary.to_pylist(), encoded.dictionary
            )
        return header, columns, table.num_rows
    reader = csv.reader(io.StringIO(text))
    try:
        header = [name.strip() for name in next(reader, [])]
        records = [values for values in reader if values]  # blank lines are skipped
    except csv.Error:
        return None
    if any(len(values) != len(header) for values in records):
        return None
    if not records:
        return header, {name: _RawColumn(np.zeros(0, dtype=np.int64), []) for name in header}, 0
    return (
        header,
        {name: _encode_values(values) for name, values in zip(header, zip(*records, strict=True), strict=True)},
        len(records),
    )


_Read = tuple[list[str], dict[str, _RawColumn], int]


def _unquoted(read: _Read | None) -> _Read | None:
    """Each column's distinct values with the export's formula quoting undone (csv_value), so an exported
    CSV imports back exactly; a value is validated after this, and two texts that now agree are grouped
    after validation, as on the row-by-row path."""
    if read is not None:
        for column in read[1].values():
            column.distinct = [csv_value(value) for value in column.distinct]
    return read


def _fast_csv_columns(text: str, default_forecaster: str) -> tuple[_FlatColumns, _FlatClaims] | None:
    """The generic CSV validated column by column and grouped into claims, or None when the row-by-row
    path must read it (anything odd: a CSV error, a short or long record, an invalid value, a
    contradiction). That path words the problems, so a bad file is reported exactly as before; a good
    one gives the same rows. Each distinct value of a column is validated once, by FlatRow's own
    validators."""
    read = _unquoted(_read_csv_columns(text))
    if read is None:
        return None
    header, raw, n = read
    allowed = CSV_COLUMNS + CSV_OPTIONAL
    if "fraction" in header:  # partial outcomes: a rule across two columns, checked row by row
        return None
    if (
        any(c not in header for c in ("statement", "probability", "made_on"))
        or any(c not in allowed for c in header)
        or len(set(header)) != len(header)
    ):
        return None
    if "forecaster" in raw:
        raw["forecaster"].distinct = [value or default_forecaster for value in raw["forecaster"].distinct]
    else:
        raw["forecaster"] = _RawColumn(np.zeros(n, dtype=np.int64), [default_forecaster])
    out: dict[str, list[Any]] = {}
    canonical: dict[str, np.ndarray] = {}  # per row, a code of the validated value (for grouping)
    forecast_at_valid: list[Any] | None = None
    for name in _FLAT_FIELDS:
        if name not in raw:  # the field's default, as FlatRow leaves it (defaults are not validated)
            field = FlatRow.model_fields[name]
            out[name] = [field.get_default(call_default_factory=True) for _ in range(n)]
            canonical[name] = np.zeros(n, dtype=np.int64)
            continue
        column = raw[name]
        valid = _validate_distinct(name, column.distinct)
        if valid is None:
            return None
        if name == "forecast_at":
            forecast_at_valid = valid
        values = np.empty(len(valid), dtype=object)
        values[:] = valid
        out[name] = values[column.codes].tolist()
        if name in ("statement", "made_on", "deadline", "outcome"):  # hashable; two raw texts may agree
            lookup: dict[Any, int] = {}
            remap = np.fromiter((lookup.setdefault(v, len(lookup)) for v in valid), dtype=np.int64, count=len(valid))
            canonical[name] = remap[column.codes]
    if any(outcome is Outcome.PARTIAL for outcome in out["outcome"]):
        return None  # a partial outcome needs its fraction: a rule across two columns, checked row by row
    columns = _FlatColumns(**out)
    if any(d is not None and d < m for d, m in zip(columns.deadline, columns.made_on, strict=True)):
        return None  # FlatRow's model validator: deadline before made_on
    columns.made_at_text = _made_at_text(raw.get("forecast_at"), forecast_at_valid, columns.made_on)
    claims = _group_codes(columns, canonical)
    return None if claims is None else (columns, claims)


# A time written "YYYY-MM-DD HH:MM:SS" (or with a T) is the datetime whose str() is that text with a space.
_PLAIN_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"


def _made_at_text(forecast_at: _RawColumn | None, valid: list[Any] | None, made_on: list[date]) -> list[str]:
    """str() of each forecast's time (forecast_at, else made_on at midnight), the text its external id
    is made from, without formatting a datetime per row when the file writes plain times; `valid` is
    forecast_at's distinct values as validated."""
    n = len(made_on)
    texts = np.full(n, None, dtype=object)
    if forecast_at is not None and valid is not None:
        given = np.empty(len(valid), dtype=object)
        given[:] = valid
        shown = np.full(len(valid), None, dtype=object)
        present = np.flatnonzero(np.asarray(given != None, dtype=bool))  # noqa: E711 - elementwise None test
        if forecast_at.arrow is not None:
            import pyarrow.compute as pc

            plain = np.asarray(pc.match_substring_regex(forecast_at.arrow, _PLAIN_TIME), dtype=bool)
            spaced = pc.replace_substring(forecast_at.arrow, "T", " ", max_replacements=1)
            shown[plain] = np.asarray(spaced.to_numpy(zero_copy_only=False), dtype=object)[plain]
            present = present[~plain[present]]
        for i in present.tolist():  # anything else: as str() writes it
            shown[i] = str(valid[i])
        texts = shown[forecast_at.codes]
    missing = np.flatnonzero(np.asarray(texts == None, dtype=bool)).tolist()  # noqa: E711
    if missing:
        day_text = {day: f"{day} 00:00:00" for day in {made_on[i] for i in missing}}  # str(combine(day, 0:00))
        for i in missing:
            texts[i] = day_text[made_on[i]]
    return list(texts.tolist())


def _group_codes(columns: _FlatColumns, codes: dict[str, np.ndarray]) -> _FlatClaims | None:
    """`_group_flat` on value codes, for rows without contradictions (None when a claim has two outcomes)."""
    n = len(columns)
    if n == 0:
        return _FlatClaims([], [], np.zeros(0, dtype=np.int64))
    s, m, d = codes["statement"], codes["made_on"], codes["deadline"]
    if (int(s.max()) + 1) * (int(m.max()) + 1) * (int(d.max()) + 1) >= 2**62:
        claims, problems = _group_flat(columns, None)
        return None if problems else claims
    key = (s * (int(m.max()) + 1) + m) * (int(d.max()) + 1) + d
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # claims in order of first appearance
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    claim_of = rank[inverse.reshape(-1)]
    first_row = first[order]
    outcome = codes["outcome"]
    if (outcome != outcome[first_row][claim_of]).any():
        return None
    keys = ["csv:" + _key(columns.statement[i], columns.made_on[i], columns.deadline[i]) for i in first_row.tolist()]
    return _FlatClaims(keys, first_row.tolist(), claim_of)


def import_csv_text(
    db_path: Path, text: str, name: str, default_forecaster: str = "author", progress: Progress | None = None
) -> ImportResult:
    """The generic CSV: validated column by column when every row is fine (a million rows in seconds),
    else row by row with one line per problem."""
    fast = _fast_csv_columns(text, default_forecaster)
    if fast is not None:
        return _store_flat(db_path, *fast, name, progress, default_forecaster)
    return import_flat(db_path, _read_csv_rows(text, default_forecaster), name, progress, default_forecaster)
