"""The documentation stays true to the code: every subcommand and option of the parser is in the CLI
reference, every setting in the settings page with its default, every relative link (and its anchor)
resolves, every file the docs name exists, the code's "docs/architecture.md §N" references name a section
that exists, and the README stays short."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from predictions import cli
from predictions.settings import describe_settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
BENCHMARKS = ROOT / "BENCHMARKS.md"
PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [README, *PAGES]
CODE_FOLDERS = ("predictions", "db", "dashboard", "tests", "bench")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def prose(markdown: str) -> str:
    """The text outside fenced code blocks (a shell session's output is not a link)."""
    return FENCE.sub("", markdown)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation (§, backticks, commas, colons) dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in re.findall(r"^#{1,6} +(.+?)\s*$", prose(text(path)), re.MULTILINE)}


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """{"list": parser, "watch add": parser, ...}: every subcommand, nested ones by their full name."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[name] = sub
                found.update({f"{name} {inner}": p for inner, p in subcommands(sub).items()})
    return found


def cli_section(name: str) -> str:
    """The part of docs/cli.md under the heading "### `predictions NAME`" ("watch add" under "watch")."""
    top = name.split()[0]
    match = re.search(
        rf"^### `predictions {re.escape(top)}`\n(.*?)(?=^#{{2,3}} |\Z)", text(DOCS / "cli.md"), re.MULTILINE | re.DOTALL
    )
    assert match is not None, f"docs/cli.md has no section '### `predictions {top}`'"
    return match.group(1)


def mentions(section: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", section) is not None


def test_every_subcommand_and_option_is_in_the_cli_reference() -> None:
    commands = subcommands(cli.build_parser())
    assert len(commands) >= 30 and "watch add" in commands
    reference = text(DOCS / "cli.md")
    missing = []
    for name, parser in commands.items():
        section = cli_section(name)
        if not mentions(section, f"predictions {name}"):
            missing.append(f"predictions {name}")
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if action.option_strings == ["--db"]:
                assert mentions(reference.split("\n## ")[0], "--db"), "--db is not described at the top"
                continue
            words = [*action.option_strings, *(str(choice) for choice in action.choices or ())]
            missing += [f"predictions {name} {word}" for word in words if not mentions(section, word)]
    assert missing == []


def test_the_cli_reference_names_no_subcommand_or_option_the_parser_lacks() -> None:
    commands = subcommands(cli.build_parser())
    headed = re.findall(r"^### `predictions ([\w-]+)`", text(DOCS / "cli.md"), re.MULTILINE)
    assert sorted(headed) == sorted(name for name in commands if " " not in name)
    for name in headed:
        options = {o for n, p in commands.items() if n.split()[0] == name for a in p._actions for o in a.option_strings}
        written = set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", cli_section(name)))
        assert written <= options, f"predictions {name}: {sorted(written - options)} are not options of it"


def settings_table() -> dict[str, str]:
    """{variable: default} from the table in docs/settings.md."""
    rows = re.findall(r"^\| `(PREDICTIONS_[A-Z_]+)` \| ([^|]*) \|", text(DOCS / "settings.md"), re.MULTILINE)
    return {name: default.strip().strip("`") for name, default in rows}


def test_every_setting_is_in_the_settings_page_with_its_default() -> None:
    documented = settings_table()
    described = describe_settings()
    assert len(described) >= 20
    for variable, default, _ in described:
        assert variable in documented, f"{variable} is missing from docs/settings.md"
        assert documented[variable] == (default or "unset"), f"docs/settings.md shows another default for {variable}"
    gone = set(documented) - {variable for variable, _, _ in described}
    assert gone == set(), f"docs/settings.md lists settings that are gone: {sorted(gone)}"
    assert "PREDICTIONS_SETTINGS_FILE" in text(DOCS / "settings.md")


def links(path: Path) -> list[str]:
    """Relative link targets of a Markdown file (outside code), as written."""
    found = re.findall(r"\]\(([^)\s]+)\)", prose(text(path)))
    return [target for target in found if not re.match(r"[a-z]+:", target)]


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        file_part, _, anchor = target.partition("#")
        resolved = (page.parent / file_part).resolve() if file_part else page
        if not resolved.exists() or (anchor and (resolved.suffix != ".md" or anchor not in anchors(resolved))):
            broken.append(target)
    assert broken == []


def test_the_slug_is_githubs() -> None:
    assert slug("§3 Claims") == "3-claims"
    assert slug("Evidence, verdicts and corrections") == "evidence-verdicts-and-corrections"
    assert slug("`predictions watch`") == "predictions-watch"
    assert slug("A new issue → claims") == "a-new-issue--claims"


def test_every_page_is_in_the_index_and_the_readme_links_to_the_index() -> None:
    indexed = {Path(target.partition("#")[0]).name for target in links(DOCS / "README.md")}
    assert {page.name for page in PAGES if page.name != "README.md"} <= indexed
    assert "docs/README.md" in links(README)


PATH = re.compile(rf"(?<![\w./-])((?:{'|'.join(CODE_FOLDERS)})/[\w./-]*\w)(?:::\s*(\w+))?")


def named_files(markdown: str) -> list[tuple[str, str | None]]:
    """(path, test name or None) for every project path written in inline code or a code block."""
    spans = re.findall(r"`([^`]+)`", prose(markdown)) + FENCE.findall(markdown)
    return [(path, name or None) for span in spans for path, name in PATH.findall(span)]


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_and_test_the_docs_name_exists(page: Path) -> None:
    named = named_files(text(page))
    missing = []
    for path, test in named:
        where = ROOT / path
        if not where.exists():
            missing.append(path)
        elif test and not re.search(rf"^def {test}\(", text(where), re.MULTILINE):
            missing.append(f"{path}::{test}")
    assert missing == []


def test_the_file_check_would_catch_a_moved_file() -> None:
    named = named_files("see `dashboard/site_claim.py` and `tests/db/test_chain.py::test_gone`")
    assert named == [("dashboard/site_claim.py", None), ("tests/db/test_chain.py", "test_gone")]
    assert not (ROOT / named[0][0]).exists()
    assert "def test_gone(" not in text(ROOT / named[1][0])


SECTION = re.compile(r"architecture\.md ((?:§\d+(?:, | and |–|-)?)+)")


def cited_sections() -> dict[str, set[int]]:
    """{file: the sections of docs/architecture.md it cites}, over the code, the tests and the docs."""
    cited: dict[str, set[int]] = {}
    files = [p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py")] + MARKDOWN + [BENCHMARKS]
    for path in files:
        for group in SECTION.findall(text(path)):
            cited.setdefault(str(path.relative_to(ROOT)), set()).update(int(n) for n in re.findall(r"§(\d+)", group))
    return cited


def test_every_section_the_code_cites_is_a_heading_of_the_architecture_page() -> None:
    headings = {int(n) for n in re.findall(r"^## §(\d+) ", text(DOCS / "architecture.md"), re.MULTILINE)}
    assert headings == set(range(1, max(headings) + 1)), "the sections are numbered §1 … §N without a gap"
    cited = cited_sections()
    assert len(cited) >= 8, "the code cites the architecture page"
    wrong = {path: sorted(numbers - headings) for path, numbers in cited.items() if numbers - headings}
    assert wrong == {}


def test_no_code_cites_the_design_document_outside_the_repository() -> None:
    files = [p for folder in CODE_FOLDERS for p in (ROOT / folder).rglob("*.py")] + [BENCHMARKS]
    stale = [str(path.relative_to(ROOT)) for path in files if re.search(r"DESIGN(\.md)? ?§", text(path))]
    assert stale == []


def test_the_readme_is_short_starts_with_the_two_commands_and_links_into_docs() -> None:
    readme = text(README)
    assert len(readme.encode("utf-8")) <= 8 * 1024
    first_block = FENCE.search(readme)
    assert first_block is not None and readme.index("make run") < readme.index("##")
    assert "make run" in first_block.group(0) and "make test" in first_block.group(0)
    assert {Path(t).name for t in links(README) if t.startswith("docs/")} >= {p.name for p in PAGES}
