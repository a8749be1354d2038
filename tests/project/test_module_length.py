"""Issue 29, point 7: a module over 500 lines says at its top why it is long (a paragraph of its docstring
that starts "Over 500 lines:" and gives the reason), or is split. Application code and bench/; the test
modules are long by their nature (one scenario after another) and are left out."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("db", "predictions", "dashboard", "bench")
LIMIT = 500
REASON = re.compile(r"(?m)^Over 500 lines: (?P<why>.+(?:\n.+)*)")


def explains_its_length(source: str) -> bool:
    """The module's docstring holds an "Over 500 lines: …" paragraph with a reason of at least ten words."""
    doc = ast.get_docstring(ast.parse(source)) or ""
    match = REASON.search(doc)
    return match is not None and len(match.group("why").split()) >= 10


def long_modules() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if len(source.splitlines()) > LIMIT and "/work/" not in path.as_posix().removeprefix(ROOT.as_posix()):
                found[path.relative_to(ROOT).as_posix()] = source
    return found


def test_every_module_over_500_lines_says_why_at_its_top() -> None:
    long = long_modules()
    assert "predictions/cli.py" in long  # the walk reaches the long ones
    assert [name for name, source in long.items() if not explains_its_length(source)] == []


def test_the_check_tells_a_reason_from_none() -> None:
    body = "\n".join(f"x{n} = {n}" for n in range(LIMIT + 1))
    assert not explains_its_length(f'"""Many constants."""\n{body}\n')
    assert not explains_its_length(f'"""Many constants.\n\nOver 500 lines: yes.\n"""\n{body}\n')  # no reason
    assert not explains_its_length(f'"""Many constants, long because I said so and more words here."""\n{body}\n')
    why = "Over 500 lines: one constant per sensor of the plant, read by name everywhere else in the code."
    assert explains_its_length(f'"""Many constants.\n\n{why}\n"""\n{body}\n')
