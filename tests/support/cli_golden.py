"""The ledger and the commands whose output tests/predictions/test_cli_pandas_free.py holds byte for byte: the seed,
the PredictionBook sample and a deterministic CSV of forecasts (random.Random(42)), then `score` in
its JSON forms and two `remind once` sweeps at a fixed time. `python tests/support/cli_golden.py` wrote the
files in tests/data/cli_golden/ from the code before issue 18's pandas-free reads (commit message)."""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
GOLDEN = HERE / "data" / "cli_golden"
NOW = "2026-06-01T09:00:00"

COMMANDS: dict[str, list[str]] = {
    "score-json": ["score", "--json"],
    "score-json-by-forecaster": ["score", "--json", "--by", "forecaster"],
    "score-json-by-topic-latest": ["score", "--json", "--by", "topic", "--latest"],
    "score-jsonl-by-claimant": ["score", "--jsonl", "--by", "claimant"],
    "score-json-folded-by-attribution": ["score", "--json", "--folded", "--by", "attribution"],
    "remind-once-first": ["remind", "once", "--now", NOW],
    "remind-once-steady": ["remind", "once", "--now", NOW],
}


def forecasts_csv() -> str:
    rng = random.Random(42)
    rows = ["statement,probability,outcome,made_on,deadline,forecaster,tags"]
    for i in range(300):
        made = date(2020, 1, 1).toordinal() + rng.randrange(1500)
        deadline = made + rng.randrange(1, 700)
        outcome = (
            rng.choice(["true", "false", "false", "ambiguous", ""]) if deadline < date(2026, 1, 1).toordinal() else ""
        )
        tags = rng.choice(["ai", "economy;policy", "", "science"])
        for _ in range(rng.randrange(1, 5)):
            rows.append(
                f"Generated claim {i},{rng.randrange(1, 100) / 100},{outcome},{date.fromordinal(made)},"
                f"{date.fromordinal(deadline)},F{rng.randrange(25)},{tags}"
            )
    return "\n".join(rows) + "\n"


def build(path: Path) -> None:
    from predictions import imports, ledger

    ledger.seed_from_file(path)
    imports.import_archive(path, HERE / "data" / "predictionbook_sample", "predictionbook")
    imports.import_text(path, forecasts_csv(), "csv", "generated")


def outputs(path: Path) -> dict[str, str]:
    """Each command's stdout, in order (the sweeps change the ledger: the first records every due step)."""
    import contextlib
    import io

    from predictions import cli

    found = {}
    for name, args in COMMANDS.items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main([*args, "--db", str(path)])
        assert code == 0, name
        found[name] = out.getvalue()
    return found


def reminder_rows(path: Path) -> str:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT claim_id, step, channel, due_on, state, idempotency_key, subject, body, payload FROM reminders"
            " ORDER BY claim_id, step, channel"
        ).fetchall()
    finally:
        con.close()
    return "\n".join(repr(row) for row in rows) + "\n"


if __name__ == "__main__":
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PREDICTIONS_SETTINGS_FILE"] = str(Path(tmp) / "none.toml")
        db = Path(tmp) / "golden.duckdb"
        build(db)
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for name, text in outputs(db).items():
            (GOLDEN / f"{name}.txt").write_text(text)
        (GOLDEN / "reminders.txt").write_text(reminder_rows(db))
    print(f"wrote {GOLDEN}", file=sys.stderr)
