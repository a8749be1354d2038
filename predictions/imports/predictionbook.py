"""PredictionBook (`PATH` = the directory holding `questions.csv.zip` and `forecasts.csv.zip` as shipped,
or the extracted `questions.csv` and `public.csv`; or either file, the other being found beside it):
each question is a claim (`predictionbook:<question_id>`), its title the statement (whitespace folded
onto one line) and the verbatim quote, `open_time` the day it was made, `close_time` the deadline (day
precision; the exact time is kept in deadline_text), the outcome 1 / 0 / −1 / blank a resolution true /
false / ambiguous / none dated by `resolve_time`. The claimant is the question's first forecaster.
Each row of `public.csv` is a forecast by its `user_id`, basis `imported`."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from predictions.imports.archive import (
    PreparedArchive,
    Problems,
    Question,
    _check_header,
    _csv_records,
    _optional_timestamp,
    _probability,
    _problem,
    _question_id,
    _statement,
    _timestamp,
    _title_flags,
    add_question,
    finish,
)
from predictions.imports.base import ImportProblems
from predictions.ledger import LedgerError
from predictions.models import (
    Attribution,
    Outcome,
    Precision,
    Source,
)

PREDICTIONBOOK_SOURCE = Source(
    title="PredictionBook", kind="archive", url="https://predictionbook.com", external_id="predictionbook"
)
PB_QUESTION_FILES = ("questions.csv", "questions.csv.zip")
PB_FORECAST_FILES = ("public.csv", "forecasts.csv.zip", "forecasts.csv")
PB_QUESTION_COLUMNS = ("question_id", "q_title", "open_time", "close_time", "resolve_time", "outcome")
PB_FORECAST_COLUMNS = ("question_id", "user_id", "probability", "timestamp")


# --- PredictionBook -------------------------------------------------------------------------------


def _find(directory: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def _sniff_kind(path: Path) -> str:
    """'questions' or 'forecasts', from the file's header."""
    for _line, header in _csv_records(path, path.name):
        if isinstance(header, list) and "user_id" in header:
            return "forecasts"
        if isinstance(header, list) and "q_title" in header:
            return "questions"
        break
    raise ImportProblems([f"{path.name} line 1: neither a PredictionBook questions nor a forecasts file"])


def predictionbook_files(path: Path) -> tuple[Path, Path]:
    """(questions file, forecasts file) from a directory or from either file; see the module docstring."""
    if path.is_dir():
        questions, forecasts = _find(path, PB_QUESTION_FILES), _find(path, PB_FORECAST_FILES)
        missing = [
            " or ".join(names)
            for names, found in ((PB_QUESTION_FILES, questions), (PB_FORECAST_FILES, forecasts))
            if found is None
        ]
        if missing:
            raise LedgerError(f"{path}: no {' and no '.join(missing)} in this directory")
        assert questions is not None and forecasts is not None
        return questions, forecasts
    if not path.is_file():
        raise LedgerError(f"{path}: no such file or directory")
    if _sniff_kind(path) == "questions":
        forecasts = _find(path.parent, PB_FORECAST_FILES)
        if forecasts is None:
            raise LedgerError(f"{path}: no {' or '.join(PB_FORECAST_FILES)} beside it")
        return path, forecasts
    questions = _find(path.parent, PB_QUESTION_FILES)
    if questions is None:
        raise LedgerError(f"{path}: no {' or '.join(PB_QUESTION_FILES)} beside it")
    return questions, path


def _inner_name(path: Path) -> str:
    """The name used in messages: the CSV inside a zip, else the file's own name."""
    if path.suffix.lower() == ".zip":
        return path.name[: -len(".zip")] if path.name.lower().endswith(".csv.zip") else path.stem + ".csv"
    return path.name


def load_predictionbook(path: Path) -> PreparedArchive:
    """Read and validate the archive; raises ImportProblems (row-numbered) if any row is unparseable."""
    questions_path, forecasts_path = predictionbook_files(path)
    q_label, f_label = _inner_name(questions_path), _inner_name(forecasts_path)
    problems = Problems()
    prepared = PreparedArchive(PREDICTIONBOOK_SOURCE)

    questions: dict[int, dict[str, Any]] = {}
    first_line: dict[int, int] = {}
    rejected: set[int] = set()  # ids of question rows with a problem, already reported
    for line, record in _csv_records(questions_path, q_label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, PB_QUESTION_COLUMNS, q_label)
            else:
                problems.add(f"{q_label} line {line}: {record[0]}")
                with suppress(ValueError, IndexError):  # its forecasts need no messages of their own
                    rejected.add(_question_id(record[1]))
            continue
        where = f"{q_label} line {line}"
        try:
            question_id = _question_id(record["question_id"])
            rejected.add(question_id)  # until the row has passed: its forecasts then need no messages
            opened = _timestamp(record["open_time"], "open_time")
            closes = _optional_timestamp(record["close_time"], "close_time")
            resolved = _optional_timestamp(record["resolve_time"], "resolve_time")
            outcome_text = record["outcome"].strip()
            outcome: Outcome | None = None
            if outcome_text:
                try:
                    code = float(outcome_text)
                except ValueError:
                    code = float("nan")
                outcome = {1.0: Outcome.TRUE, 0.0: Outcome.FALSE, -1.0: Outcome.AMBIGUOUS}.get(code)
                if outcome is None:
                    raise ValueError(f"outcome {outcome_text!r} is not 1, 0, -1 or blank")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        if question_id in questions:
            problems.add(f"{where}: question_id {question_id} repeats line {first_line[question_id]}")
            continue
        rejected.discard(question_id)
        first_line[question_id] = line
        questions[question_id] = {
            "where": where,
            "title": record["q_title"],
            "opened": opened,
            "closes": closes,
            "resolved": resolved,
            "outcome": outcome,
            "close_text": record["close_time"].strip() or None,
            "forecasts": [],
        }

    seen: dict[tuple[int, str, str], int] = {}
    for line, record in _csv_records(forecasts_path, f_label):
        if isinstance(record, list):
            if line == 1:
                _check_header(record, PB_FORECAST_COLUMNS, f_label)
            else:
                problems.add(f"{f_label} line {line}: {record[0]}")
            continue
        where = f"{f_label} line {line}"
        try:
            question_id = _question_id(record["question_id"])
            probability = _probability(record["probability"], "probability")
            made_at = _timestamp(record["timestamp"], "timestamp")
            user = record["user_id"].strip()
            if not user:
                raise ValueError("user_id is empty")
        except ValueError as error:
            problems.add(_problem(where, error))
            continue
        question = questions.get(question_id)
        if question is None:
            if question_id not in rejected:
                problems.add(f"{where}: question_id {question_id} is not in {q_label}")
            continue
        # The same user, question and time can occur twice (a double submission): both rows are kept.
        # Counted by the instant, as the external id names it: "…00:00Z" and "…00:00+00:00" are one time.
        base = (question_id, user, made_at.isoformat())
        seen[base] = seen.get(base, 0) + 1
        question["forecasts"].append((where, user, probability, made_at, seen[base]))

    for question_id, question in questions.items():
        where = question["where"]
        flags = _title_flags(question["title"])
        opened, closes = question["opened"], question["closes"]
        if closes is not None and closes < opened:
            flags.append("deadline_before_made_on")
        if question["outcome"] is not None and question["resolved"] is None:
            flags.append("resolve_time_missing")
        forecasts = sorted(question["forecasts"], key=lambda f: (f[3], f[0]))
        key = f"predictionbook:{question_id}"
        add_question(
            prepared,
            problems,
            Question(
                key=key,
                where=where,
                fields={
                    "statement": _statement(question["title"], f"PredictionBook question {question_id}"),
                    "quote": question["title"].strip() or None,
                    "claimant": forecasts[0][1] if forecasts else "PredictionBook",
                    "attribution": Attribution.THIRD_PARTY_FORECAST,
                    "made_on": opened.date(),
                    "deadline": closes.date() if closes else None,
                    "deadline_precision": Precision.DAY if closes else None,
                    "deadline_text": question["close_text"],
                },
                flags=flags,
                forecasts=[
                    (f_where, user, probability, made_at, f"{key}:{user}:{made_at.isoformat(sep=' ')}:{occurrence}")
                    for f_where, user, probability, made_at, occurrence in forecasts
                ],
                outcome=question["outcome"],
                resolved_on=(question["resolved"] or closes or opened).date(),
                resolution_note="imported from PredictionBook",
            ),
        )
    return finish(prepared, problems)
