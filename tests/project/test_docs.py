"""The README documents what the program offers: every subcommand of the parser appears in it."""

from __future__ import annotations

import re
from pathlib import Path

from predictions import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_subcommand_is_documented_in_the_readme() -> None:
    parser = cli.build_parser()
    commands = next(action for action in parser._actions if action.dest == "command").choices
    assert commands is not None and len(commands) >= 20
    text = README.read_text(encoding="utf-8")
    missing = [name for name in commands if not re.search(rf"predictions {re.escape(name)}\b", text)]
    assert missing == []
