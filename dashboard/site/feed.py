"""The site's Atom feed (RFC 4287): one entry per new claim, per piece of evidence and per verdict.

Written with the standard library's ElementTree, which escapes every text and attribute value; each text
first goes through safe_text.clean, since ElementTree writes a control character (which XML 1.0 forbids)
as it is. Entries are newest first; each entry's id is a
`urn:uuid:` made from the ledger's own ids (uuid5), so it stays the same across publishes and base URLs,
and its `updated` is the ledger's own date for the event (the day the claim was made, the evidence's
date, the resolution's date), so the same ledger gives the same bytes.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from predictions.safe_text import clean

ATOM = "http://www.w3.org/2005/Atom"
NAMESPACE = uuid.UUID("6f0c2a5e-3c1b-5d47-9a51-1f2f0d1e7a15")  # the tracker's own uuid5 namespace
ORDER = {"resolution": 0, "evidence": 1, "claim": 2}  # on one day: the verdict first, the claim last


@dataclass(frozen=True)
class Entry:
    kind: str  # claim | evidence | resolution
    key: str  # stable within the ledger: "claim:14", "claim:14:observation:88", "claim:14:resolution:3"
    day: date
    title: str
    summary: str
    link: str  # the claim page, relative to the site's top folder


def _order(entry: Entry) -> tuple[date, int, str]:
    return (entry.day, -ORDER[entry.kind], entry.key)


def newest(entries: Sequence[Entry], limit: int) -> list[Entry]:
    """The `limit` newest entries, in the feed's order."""
    return sorted(entries, key=_order, reverse=True)[:limit]


def entry_id(key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, key)}"


def _stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    # ElementTree escapes markup but writes a control character as it is, which no XML parser reads.
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = clean(text)
    return element


def atom_feed(
    entries: Sequence[Entry],
    *,
    title: str,
    author: str,
    as_of: date,
    base_url: str | None,
    feed_key: str,
    record: str | None = None,
) -> bytes:
    """The feed as UTF-8 bytes; links are absolute under `base_url`, else relative to the feed itself.
    `record`: the hash chain's head line, in the subtitle (a reader of the feed can hold the author to it)."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    prefix = base_url.rstrip("/") + "/" if base_url else ""
    _sub(root, "title", title)
    subtitle = "New claims, new evidence and verdicts, newest first."
    _sub(root, "subtitle", subtitle + (f" The record: {record}." if record else ""))
    _sub(root, "id", entry_id(f"feed:{feed_key}"))
    _sub(root, "updated", _stamp(max([as_of, *(e.day for e in entries)])))
    _sub(_sub(root, "author"), "name", author)
    _sub(root, "link", rel="self", type="application/atom+xml", href=f"{prefix}feed.xml")
    _sub(root, "link", rel="alternate", type="text/html", href=f"{prefix}index.html")
    _sub(root, "generator", "Trend Prediction Tracker")
    ordered = sorted(entries, key=_order, reverse=True)
    for item in ordered:
        entry = _sub(root, "entry")
        _sub(entry, "id", entry_id(item.key))
        _sub(entry, "title", item.title)
        _sub(entry, "updated", _stamp(item.day))
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{prefix}{item.link}")
        _sub(entry, "category", term=item.kind)
        _sub(entry, "summary", item.summary, type="text")
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
