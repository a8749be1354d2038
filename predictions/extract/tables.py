"""Tables of targets by year (Markdown pipe tables): one candidate claim per cell with a number and a year.

A table whose header row names years ("| Target | 2026 | 2027 |"), or whose first column does, is a table
of targets: each cell holding a number is a threshold claim that the row's (or column's) metric reaches the
cell's value by the end of that year. The unit comes from the cell ("6 GW"), else from the metric's label
("Installed storage (GW)"), else the label's last word. Other tables are left alone.

`split_tables` takes the tables out of an issue's text, leaving a marker paragraph where each stood, so the
extractor meets them in reading order, with the paragraph that introduces them (whose party makes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from predictions.extract.targets import _CURRENCIES, _NUMBER, _SCALES
from predictions.extract.times import _Y

MARKER = "⟦table {}⟧"
_MARKER = re.compile(r"⟦table (\d+)⟧")
_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class Cell:
    """One number of a table of targets, with the labels that give it meaning."""

    metric: str  # the row's (or column's) label without its unit: "Installed storage"
    unit: str
    value: float
    year: str  # the header naming the year: "2026"
    text: str  # the row as the table shows it, for the quote


def split_tables(text: str) -> tuple[str, list[list[list[str]]]]:
    """The text with each pipe table replaced by a marker paragraph, and the tables (rows of cells)."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    tables: list[list[list[str]]] = []
    index = 0
    while index < len(lines):
        if _ROW.match(lines[index]) and index + 1 < len(lines) and _RULE.match(lines[index + 1]):
            rows = [_cells(lines[index])]
            index += 2
            while index < len(lines) and _ROW.match(lines[index]):
                rows.append(_cells(lines[index]))
                index += 1
            out += ["", MARKER.format(len(tables)), ""]
            tables.append(rows)
            continue
        out.append(lines[index])
        index += 1
    return "\n".join(out), tables


def table_number(paragraph: str) -> int | None:
    match = _MARKER.fullmatch(paragraph.strip())
    return int(match.group(1)) if match else None


def _cells(line: str) -> list[str]:
    match = _ROW.match(line)
    assert match is not None
    return [" ".join(cell.replace("**", "").split()) for cell in match.group(1).split("|")]


def _is_year(cell: str) -> bool:
    return bool(re.fullmatch(rf"(?:FY\s*)?{_Y}e?", cell.strip(), re.IGNORECASE))


def _value(cell: str) -> tuple[float, str] | None:
    match = _NUMBER.match(cell.strip())
    if not match or not match.group("num"):
        return None
    value = float(match.group("num").replace(",", "")) * _SCALES.get((match.group("scale") or "").lower(), 1)
    rest = cell.strip()[match.end() :].strip()
    if match.group("pct"):
        unit = "%"
    elif match.group("cur"):
        unit = _CURRENCIES.get(match.group("cur").strip().upper(), match.group("cur").strip().upper())
    else:
        unit = rest.split(" ")[0] if rest else ""
    return value, unit


def _label(label: str) -> tuple[str, str]:
    """ "Installed storage (GW)" → ("Installed storage", "GW"); "Charging hubs" → ("Charging hubs", "hubs")."""
    match = re.match(r"^(.*?)\s*[(\[]([^)\]]+)[)\]]\s*$", label)
    if match:
        unit = match.group(2).strip()
        unit = {"per cent": "%", "percent": "%", "pct": "%"}.get(unit.lower(), unit)
        return match.group(1).strip(), unit
    words = label.split()
    return label.strip(), words[-1].lower() if words else ""


def cells(rows: list[list[str]]) -> list[Cell]:
    """The cells of a table of targets (years across the header or down the first column); [] for others."""
    if len(rows) < 2:
        return []
    header = rows[0]
    found = []
    if sum(_is_year(cell) for cell in header[1:]) >= 1:
        for row in rows[1:]:
            metric, unit = _label(row[0])
            for year, cell in zip(header[1:], row[1:], strict=False):
                value = _value(cell)
                if _is_year(year) and value is not None:
                    shown = f"{row[0]}, {year}: {cell}"
                    found.append(Cell(metric, value[1] or unit, value[0], year, shown))
    elif sum(_is_year(row[0]) for row in rows[1:]) >= 1:
        for row in rows[1:]:
            if not _is_year(row[0]):
                continue
            for label, cell in zip(header[1:], row[1:], strict=False):
                metric, unit = _label(label)
                value = _value(cell)
                if value is not None:
                    found.append(Cell(metric, value[1] or unit, value[0], row[0], f"{label}, {row[0]}: {cell}"))
    return found
