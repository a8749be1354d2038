"""tests/README.md's index of modules and their test files is current (tests/support/test_index.py)."""

from __future__ import annotations

from test_index import INDEX, index_text, modules


def test_the_index_lists_every_module_with_the_tests_that_import_it_as_they_are() -> None:
    text = INDEX.read_text(encoding="utf-8")
    assert text == index_text(), "run `python tests/support/test_index.py` to rewrite tests/README.md"
    assert all(f"| `{name}` |" in text for name in modules())
    assert "| `predictions.scoring` | " in text and "`predictions/test_scoring.py`" in text
