"""The install is quiet and complete: pyproject's license is a current SPDX string, and the package
configuration finds every Python package and declares the data folders (issue 13, point 15)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_namespace_packages

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_license_is_an_spdx_string_as_current_setuptools_wants() -> None:
    assert PYPROJECT["project"]["license"] == "MIT"
    assert any(r.startswith("setuptools>=77") for r in PYPROJECT["build-system"]["requires"])


def test_every_package_and_data_folder_is_in_the_install() -> None:
    found = set(find_namespace_packages(str(ROOT), **PYPROJECT["tool"]["setuptools"]["packages"]["find"]))
    wanted = {
        ".".join(folder.relative_to(ROOT).parts)
        for root in ("predictions", "db", "dashboard")
        for folder in [ROOT / root, *(ROOT / root).rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.*"))
    }
    assert wanted <= found, wanted - found  # e.g. predictions.imports and predictions.extract were missing
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    for package, patterns in data.items():
        folder = ROOT.joinpath(*package.split("."))
        assert package in found
        assert all(list(folder.glob(p)) for p in patterns), (package, patterns)
    shipped = {p.name for p in (ROOT / "predictions" / "seed_data").iterdir() if p.is_file()}
    assert {name for name in shipped if any(Path(name).match(p) for p in data["predictions.seed_data"])} == shipped
