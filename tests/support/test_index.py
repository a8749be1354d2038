"""tests/README.md's index: each module of db/, predictions/ and dashboard/ with the test files that import it,
so a module's tests are found by its name. `python tests/support/test_index.py` writes the index;
tests/project/test_test_index.py holds it current."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "tests" / "README.md"
PACKAGES = ("db", "predictions", "dashboard")

HEADER = """# The tests, by layer

`tests/db/`, `tests/predictions/`, `tests/dashboard/`, `tests/site/` (the published site), `tests/browser/` (the
real Streamlit server in headless Chromium), `tests/properties/` (hypothesis), `tests/project/` (layers, docs,
packaging, the bench's smoke run); shared helpers in `tests/support/` (on pytest's path). A test file is named
after the module it tests where there is one. The index below lists, for every module, the test files that
import it (written by `python tests/support/test_index.py`; `tests/project/test_test_index.py` keeps it
current). A module with no test file of its own is exercised through the modules that use it.

| module | test files that import it |
|---|---|
"""


def modules() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(set(found))


def imported_by(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports (a `from package import module` names the module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name in known}


def named_by(path: Path, known: set[str]) -> set[str]:
    """The modules a file imports, and those it runs by their path (AppTest and the server take a page's
    file: "app_pages/claim.py", "dashboard/app.py")."""
    text = path.read_text(encoding="utf-8")
    paths = {name: name.replace(".", "/") + ".py" for name in known}
    return imported_by(path, known) | {
        name for name, file in paths.items() if (file.split("/", 1)[-1] in text and "app_pages" in file) or file in text
    }


def index_text() -> str:
    known = set(modules())
    helpers = {p.stem: p for p in (ROOT / "tests" / "support").glob("*.py")}
    tests: dict[str, list[str]] = {name: [] for name in known}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        if "support" in path.parts:
            continue
        found = named_by(path, known)
        text = path.read_text(encoding="utf-8")
        for stem, helper in helpers.items():  # what a shared helper it uses runs (a served dashboard, AppTest)
            if f"from {stem} import" in text or f"import {stem}" in text:
                found |= named_by(helper, known)
        for name in found:
            tests[name].append(str(path.relative_to(ROOT / "tests")))
    rows = [f"| `{name}` | {_cell(name, tests)} |" for name in sorted(known)]
    return HEADER + "\n".join(rows) + "\n"


def _cell(name: str, tests: dict[str, list[str]]) -> str:
    if tests[name]:
        return ", ".join(f"`{t}`" for t in sorted(tests[name]))
    parent = name.rpartition(".")[0]
    while "." in parent and not tests.get(parent):  # a subpackage's tests import it by the subpackage's name
        parent = parent.rpartition(".")[0]
    if "." in parent and tests.get(parent):
        return f"through `{parent}`: " + ", ".join(f"`{t}`" for t in sorted(tests[parent]))
    return "(through the modules that use it)"


if __name__ == "__main__":
    INDEX.write_text(index_text(), encoding="utf-8")
    print(f"wrote {INDEX}")
