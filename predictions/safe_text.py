"""Text that leaves the tracker in files other programs read: the one cleaner for XML, HTML and JSON, and
the one neutraliser for CSV cells (issue 31, points 4 and 9).

`clean` makes any text well-formed in XML 1.0 (the Atom feed, the site's HTML, an SVG card): it keeps
tab and newline, turns a carriage return into a newline, and replaces every other C0 or C1 control, a
lone surrogate, U+FFFE and U+FFFF with U+FFFD, so a reader sees that something was there.

`csv_cell` neutralises a text cell a spreadsheet would run as a formula, as OWASP's "CSV Injection" page
says: a cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. Numbers
(and text that is a plain number, such as "-3.5") stay as they are. So that an exported CSV still imports
back exactly, a cell that already begins with quotes followed by one of those characters gets one quote
more, and `csv_value` (the importers' side) takes exactly one off such a cell: the two are inverses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# XML 1.0's Char production, less C1 controls (allowed but "discouraged", and invisible) and DEL.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """`text` with every character XML 1.0 forbids (and C0/C1 controls but tab and newline) replaced."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.sub(REPLACEMENT, text)


def clean_tree(value: Any) -> Any:
    """`clean` applied to every string in a JSON-like value (dict keys included); the rest unchanged."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_tree(v) for v in value]
    return value


_TRIGGERS = "=+-@\t\r"
_RISKY = re.compile(f"'*[{re.escape(_TRIGGERS)}]")  # what a spreadsheet could take as a formula
_ESCAPED = re.compile(f"'+[{re.escape(_TRIGGERS)}]")  # the same, as csv_cell wrote it
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def csv_cell(value: Any) -> Any:
    """A CSV cell safe to open in a spreadsheet; see the module's docstring."""
    if not isinstance(value, str) or not _RISKY.match(value) or _NUMBER.fullmatch(value):
        return value
    return "'" + value


def csv_value(cell: Any) -> Any:
    """The text `csv_cell` was given, from the cell it wrote (a cell it left alone, or no text, comes
    back as it is)."""
    return cell[1:] if isinstance(cell, str) and _ESCAPED.match(cell) else cell


def csv_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: csv_cell(value) for key, value in row.items()}


def csv_rows(rows: Iterable[Mapping[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every cell of every row through `csv_cell`: what each CSV writer of the tracker writes."""
    return (csv_row(row) for row in rows)
