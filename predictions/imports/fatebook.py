"""Fatebook (one CSV export, one row per forecast): a question is identified by its title, creator and
creation time; a row with a `Multiple choice option` belongs to the binary claim "title — option".
`Question resolve by` is the deadline, `Resolution` YES / NO / AMBIGUOUS / blank the outcome dated by
`Resolved at`, `Question notes` the resolution criteria.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

from predictions.imports.archive import (
    PreparedArchive,
    Problems,
    Question,
    _check_header,
    _csv_records,
    _fold,
    _optional_timestamp,
    _probability,
    _problem,
    _statement,
    _timestamp,
    _title_flags,
    add_question,
    finish,
)
from predictions.ledger import LedgerError
from predictions.models import (
    Attribution,
    Outcome,
    Precision,
    Source,
)

FATEBOOK_SOURCE = Source(title="Fatebook", kind="archive", url="https://fatebook.io", external_id="fatebook")

FATEBOOK_REQUIRED = (
    "Question title", "Forecast created by", "Forecast (scale = 0-1)", "Forecast created at",
    "Question created by", "Question created at", "Question resolve by", "Resolution", "Resolved at",
)  # fmt: skip
FATEBOOK_OUTCOMES = {"YES": Outcome.TRUE, "NO": Outcome.FALSE, "AMBIGUOUS": Outcome.AMBIGUOUS}


# --- Fatebook -------------------------------------------------------------------------------------


def _digest(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:16]


def _fatebook_date(text: str, name: str) -> date:
    value = text.strip()
    if len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} {text!r} is not a date (YYYY-MM-DD)") from None
    return _timestamp(value, name).date()


def load_fatebook(path: Path) -> PreparedArchive:
    """Read and validate a Fatebook CSV export; raises ImportProblems (row-numbered) on any bad row."""
    if not path.is_file():
        raise LedgerError(f"{path}: no such file")
    label = path.name
    problems = Problems()
    prepared = PreparedArchive(FATEBOOK_SOURCE)
    claims: dict[str, dict[str, Any]] = {}
    seen: dict[tuple[str, str, datetime], int] = {}
    for line, record in _csv_records(path, label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, FATEBOOK_REQUIRED, label)
            else:
                problems.add(f"{label} line {line}: {record[0]}")
            continue
        where = f"{label} line {line}"
        title = record["Question title"]
        option = record.get("Multiple choice option", "").strip()
        try:
            probability = _probability(record["Forecast (scale = 0-1)"], "forecast")
            made_at = _timestamp(record["Forecast created at"], "Forecast created at")
            created_at = _timestamp(record["Question created at"], "Question created at")
            deadline = _fatebook_date(record["Question resolve by"], "Question resolve by")
            resolution_text = record["Resolution"].strip().upper()
            outcome = FATEBOOK_OUTCOMES.get(resolution_text) if resolution_text else None
            if resolution_text and outcome is None:
                raise ValueError(f"Resolution {record['Resolution']!r} is not YES, NO, AMBIGUOUS or blank")
            resolved_at = _optional_timestamp(record["Resolved at"], "Resolved at")
            if outcome is not None and resolved_at is None:
                raise ValueError(f"Resolution {resolution_text} has no Resolved at")
            if outcome is None and resolved_at is not None:
                raise ValueError("Resolved at is given without a Resolution")
            forecaster = record["Forecast created by"].strip()
            if not forecaster:
                raise ValueError("Forecast created by is empty")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        creator = record["Question created by"].strip()
        question_key = _digest(_fold(title), creator, created_at.isoformat())
        key = f"fatebook:{question_key}" + (f":{_digest(option)[:8]}" if option else "")
        facts = (deadline, outcome, resolved_at)
        entry = claims.get(key)
        if entry is None:
            flags = _title_flags(title)
            if deadline < created_at.date():
                flags.append("deadline_before_made_on")
            statement = _statement(title, "Fatebook question")
            entry = claims[key] = {
                "where": where,
                "facts": facts,
                "flags": flags,
                "fields": {
                    "statement": f"{statement} — {_fold(option)}" if option else statement,
                    "quote": title.strip() or None,
                    "claimant": creator or forecaster,
                    "attribution": Attribution.THIRD_PARTY_FORECAST,
                    "made_on": created_at.date(),
                    "deadline": deadline,
                    "deadline_precision": Precision.DAY,
                    "resolution_criteria": record.get("Question notes", "").strip() or None,
                },
                "forecasts": [],
            }
        elif entry["facts"] != facts:
            problems.add(
                f"{where}: resolve-by date, resolution or resolved-at differ from {entry['where']} "
                "for the same question"
            )
            continue
        occurrence_key = (key, forecaster, made_at)
        seen[occurrence_key] = seen.get(occurrence_key, 0) + 1
        entry["forecasts"].append((where, forecaster, probability, made_at, seen[occurrence_key]))

    for key, entry in claims.items():
        _deadline, outcome, resolved_at = entry["facts"]
        add_question(
            prepared,
            problems,
            Question(
                key=key,
                where=entry["where"],
                fields=entry["fields"],
                flags=entry["flags"],
                forecasts=[
                    (where, forecaster, probability, made_at, f"{key}:{_digest(forecaster, made_at.isoformat())}:{n}")
                    for where, forecaster, probability, made_at, n in entry["forecasts"]
                ],
                outcome=outcome,
                resolved_on=resolved_at.date() if resolved_at is not None else None,
                resolution_note="imported from Fatebook",
            ),
        )
    return finish(prepared, problems)
