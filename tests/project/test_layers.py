"""Dependencies point one way, dashboard → predictions → db, and SQL lives in db/ only
(docs/architecture.md §2, §5)."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Import every module of a package in a fresh interpreter, then report what got imported and whether
# importing did any work (a database file, a thread).
PROBE = """
import importlib, json, pkgutil, sys, threading
package = importlib.import_module(sys.argv[1])
for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    importlib.import_module(module.name)
print(json.dumps({"modules": sorted(sys.modules), "threads": threading.active_count()}))
"""

FORBIDDEN = {
    "db": {"predictions", "dashboard", "streamlit", "plotly", "pydantic", "pydantic_settings"},
    "predictions": {"dashboard", "streamlit", "plotly"},
}


def roots(modules: list[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_above_it_and_does_no_work_on_import(package: str, tmp_path: Path) -> None:
    database = tmp_path / "never-created.duckdb"
    env = {"PREDICTIONS_DB": str(database), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, package], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    imported = roots(report["modules"])
    assert package in imported
    assert imported & FORBIDDEN[package] == set(), f"{package} imports {sorted(imported & FORBIDDEN[package])}"
    assert report["threads"] == 1, "importing started a thread"
    assert not database.exists() and list(tmp_path.iterdir()) == [], "importing created files"


SQL = [
    re.compile(r"\bSELECT\b[\s\S]*\bFROM\b"),
    re.compile(r"\bINSERT\s+INTO\b", re.IGNORECASE),
    re.compile(r"\bDELETE\s+FROM\b", re.IGNORECASE),
    re.compile(r"\bUPDATE\s+\w+\s+SET\b", re.IGNORECASE),
    re.compile(r"\b(CREATE|DROP|ALTER)\s+(TABLE|VIEW|INDEX|SEQUENCE)\b", re.IGNORECASE),
]
DRIVER_CALLS = {"execute", "executemany", "sql", "fetchall", "fetchone", "fetchnumpy", "fetchdf"}


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (prose may name SQL without being SQL)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def sql_outside_db() -> list[str]:
    offences = []
    for folder in ("predictions", "dashboard"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            skip = docstrings(tree)
            where = path.relative_to(ROOT)
            for node in ast.walk(tree):
                is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
                if is_text and any(pattern.search(node.value) for pattern in SQL):
                    offences.append(f"{where}:{node.lineno}: SQL in a string")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in DRIVER_CALLS
                ):
                    offences.append(f"{where}:{node.lineno}: calls .{node.func.attr}() on a connection")
    return offences


def test_sql_lives_in_db_only() -> None:
    assert sql_outside_db() == []


def test_the_sql_check_would_catch_sql() -> None:
    source = "\n".join(
        [
            "def f(con):",
            '    """SELECT words FROM a docstring are fine."""',
            '    return con.execute("SELECT * FROM claims")',
        ]
    )
    tree = ast.parse(source)
    skip = docstrings(tree)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in skip]
    assert [s for s in strings if any(p.search(s) for p in SQL)] == ["SELECT * FROM claims"]
    assert any(p.search("delete from claims where id = ?") for p in SQL)
    assert not any(p.search("Select a claim from the list") for p in SQL)


# --- no import circles ------------------------------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module → the project modules it imports anywhere in its body (inside functions too: a lazy
    import still ties the two modules together)."""
    files = [p for package in ("db", "predictions", "dashboard", "bench") for p in (ROOT / package).rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                    )
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = _import_graph()
    assert len(graph) > 40  # the walk found the project's modules
    # A package's __init__ re-exporting its own modules is the package's face, not a circle.
    inside = {
        name: {t for t in targets if not (name.count(".") < t.count(".") and t.startswith(name + "."))}
        for name, targets in graph.items()
    }
    for name in graph:  # a submodule importing its package's __init__ names it, not a circle
        parent = name.rpartition(".")[0]
        if parent in graph:
            inside[name] = {t for t in inside[name] if t != parent}
    assert _cycles(inside) == []


# --- the dashboard's three packages -----------------------------------------------------------------
# dashboard.render (figures, cards, static charts) is shared; dashboard.site (the published site) and the live
# app (every other dashboard module) both build on it, and neither reaches into the other.
def _dashboard_part(module: str) -> str:
    if module.startswith("dashboard.render"):
        return "render"
    if module.startswith("dashboard.site"):
        return "site"
    return "live"


ALLOWED_PARTS = {"render": {"render"}, "site": {"site", "render"}, "live": {"live", "render"}}


def test_the_live_app_the_site_and_the_renderers_point_one_way() -> None:
    graph = _import_graph()
    parts = {_dashboard_part(name) for name in graph if name.startswith("dashboard.")}
    assert parts == {"render", "site", "live"}  # the walk found all three
    offences = [
        f"{name} ({_dashboard_part(name)}) imports {target} ({_dashboard_part(target)})"
        for name, targets in sorted(graph.items())
        if name.startswith("dashboard.") and name != "dashboard"
        for target in sorted(targets)
        if target.startswith("dashboard.") and _dashboard_part(target) not in ALLOWED_PARTS[_dashboard_part(name)]
    ]
    assert offences == []
