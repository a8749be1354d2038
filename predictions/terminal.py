"""Text from people reaches a terminal escaped: a statement or note holding ESC, CSI, a carriage return
or a bidi override is shown as `\\x1b`, `\\x9b`, `\\r`, `\\u202e`, never sent raw (where it could
recolour, rewrite or reorder what the terminal shows)."""

from __future__ import annotations

import io
import re
from typing import TextIO

# C0 and C1 control characters, DEL, and the bidi embedding / override / isolate marks.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str, keep: str = "") -> str:
    """`text` with every control character not in `keep` written out as an escape."""
    if keep:
        return _CONTROLS.sub(lambda m: m.group() if m.group() in keep else _escaped(m), text)
    return _CONTROLS.sub(_escaped, text)


def escape_json_controls(text: str) -> str:
    """JSON text with the controls json.dumps leaves raw (DEL, C1, bidi marks) as `\\uXXXX` escapes."""
    return _CONTROLS.sub(lambda m: m.group() if m.group() in "\n" else f"\\u{ord(m.group()):04x}", text)


class EscapingWriter(io.TextIOBase):
    """A text stream that escapes control characters (line breaks and tabs pass) before `stream` sees them."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape_controls(text, keep="\n\t"))
        return len(text)

    def write_escaped(self, text: str) -> int:
        """Write text whose controls are escaped already (escape_json_controls leaves only line breaks),
        as it is: a second pass would change nothing and cost ~20 ms a megabyte."""
        self._stream.write(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
