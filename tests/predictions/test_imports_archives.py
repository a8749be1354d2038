"""PredictionBook and Fatebook imports, checked against independent computations over the files themselves.

Every expected figure comes from the archive's own CSV (DuckDB SQL or pandas run directly over the
extracted public.csv / questions.csv, or Python's csv module over the Fatebook export), never from
our tables. Tests marked by the `archive` fixture run on the generated sample (tests/data, always
there) and on the real archive in ../shared/data/predictionbook (skipped only when that folder is
absent; CI always has it). The real archive is imported once per session.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import re
import shutil
import time
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from archive_ledger import SHARED_ARCHIVE, copy_of_the_archive_ledger

from db import queries, rollups
from predictions import cli, imports
from predictions.imports import archive as archive_io
from predictions.imports import fatebook, predictionbook
from predictions.scoring import LOG_CLIP, WILSON_Z
from predictions.words import count

HERE = Path(__file__).resolve().parents[1]
DATA = HERE / "data"
SAMPLE = DATA / "predictionbook_sample"
FATEBOOK = DATA / "fatebook_sample.csv"
FATEBOOK_BROKEN = DATA / "fatebook_broken.csv"


# --- helpers --------------------------------------------------------------------------------------


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def score_json(capsys: pytest.CaptureFixture[str], db: Path, *flags: str) -> dict[str, Any]:
    code, out, err = run_cli(capsys, "score", "--json", "--db", db, *flags)
    assert code == 0, err
    return json.loads(out)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for before/after comparisons."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}


def table_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return queries.table_counts(con)


def extract(archive_dir: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("questions.csv.zip", "forecasts.csv.zip"):
        with zipfile.ZipFile(archive_dir / name) as z:
            z.extractall(target)
    return target


@dataclass
class Archive:
    name: str
    source: Path  # the directory as shipped (two zips)
    csv_dir: Path  # questions.csv and public.csv extracted
    db: Path  # the archive imported into an empty database
    seconds: float
    result: imports.ArchiveImportResult

    def sql(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with `f` = public.csv and `q` = questions.csv, typed by hand, UTC."""
        con = duckdb.connect()
        public = str(self.csv_dir / "public.csv")
        questions = str(self.csv_dir / "questions.csv")
        con.execute(
            f"""CREATE VIEW f AS SELECT
                   CAST(question_id AS BIGINT) AS question_id, user_id,
                   CAST(probability AS DOUBLE) AS p, TRY_CAST(outcome AS DOUBLE) AS o,
                   strptime(left(timestamp, 19), '%Y-%m-%d %H:%M:%S') AS ts,
                   CAST(left(close_time, 10) AS DATE) AS close_day,
                   CAST(left(resolve_time, 10) AS DATE) AS resolve_day, timestamp AS raw_ts
               FROM read_csv('{public}', header = true, all_varchar = true)"""
        )
        con.execute(
            f"""CREATE VIEW q AS SELECT CAST(question_id AS BIGINT) AS question_id, q_title, open_time,
                   close_time, resolve_time, TRY_CAST(outcome AS DOUBLE) AS o
               FROM read_csv('{questions}', header = true, all_varchar = true)"""
        )
        return con


_archives: dict[str, Archive] = {}


@pytest.fixture(scope="session", params=["sample", pytest.param("full", marks=pytest.mark.slow)])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """The sample or the real archive, imported once per session into its own database."""
    name = request.param
    if name not in _archives:
        base = tmp_path_factory.mktemp(f"archive-{name}")
        db = base / "archive.duckdb"
        if name == "full":  # imported once per test session, shared with test_scorecard.py (archive_ledger.py)
            result, seconds = copy_of_the_archive_ledger(tmp_path_factory, db)
            source = SHARED_ARCHIVE
        else:
            started = time.perf_counter()
            result = imports.import_archive(db, SAMPLE, "predictionbook")
            seconds = time.perf_counter() - started
            source = SAMPLE
        _archives[name] = Archive(name, source, extract(source, base / "csv"), db, seconds, result)
    return _archives[name]


def read_questions(csv_dir: Path) -> list[dict[str, str]]:
    with (csv_dir / "questions.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC).replace(tzinfo=None)


# --- the import itself ----------------------------------------------------------------------------


def test_every_row_of_the_archive_is_imported(archive: Archive) -> None:
    with archive.sql() as con:
        n_questions, n_true, n_false, n_ambiguous = con.execute(
            "SELECT count(*), count(*) FILTER (o = 1), count(*) FILTER (o = 0), count(*) FILTER (o = -1) FROM q"
        ).fetchone()
        (n_forecasts,) = con.execute("SELECT count(*) FROM f").fetchone()
    counts = table_counts(archive.db)
    assert counts["claims"] == n_questions
    assert counts["forecasts"] == n_forecasts
    assert counts["resolutions"] == n_true + n_false + n_ambiguous
    assert archive.result.claims_added == n_questions
    assert archive.result.forecasts_added == n_forecasts
    with duckdb.connect(str(archive.db), read_only=True) as con:
        by_outcome = dict(con.execute("SELECT outcome, count(*) FROM resolutions GROUP BY 1").fetchall())
        (sources,) = con.execute("SELECT list(title) FROM sources").fetchone()
        assert rollups.stale_claims(con) == []  # the import's claims have their rollups
        (with_rollup,) = con.execute("SELECT count(*) FROM claim_rollups").fetchone()
        (with_rows,) = con.execute(
            "SELECT count(DISTINCT claim_id) FROM "
            "(SELECT claim_id FROM forecasts UNION ALL SELECT claim_id FROM resolutions)"
        ).fetchone()
    assert with_rollup == with_rows > 0.9 * n_questions  # every question with a forecast or an outcome has one
    assert by_outcome == {k: v for k, v in {"true": n_true, "false": n_false, "ambiguous": n_ambiguous}.items() if v}
    assert sources == ["PredictionBook"]
    if archive.name == "full":
        assert (n_questions, n_forecasts) == (18_670, 63_592)  # as the archive's README says
        # How fast is `make bench`'s business (BENCHMARKS.md), not a test's.


def test_importing_the_same_archive_again_adds_nothing(archive: Archive, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    shutil.copy(archive.db, copy)
    before = dump(copy)
    result = imports.import_archive(copy, archive.source, "predictionbook")
    assert (result.claims_added, result.forecasts_added, result.resolutions_added) == (0, 0, 0)
    assert result.claims_existing == len(before["claims"])
    assert dump(copy) == before


def test_claims_follow_their_questions(archive: Archive) -> None:
    """Every question, field by field, read back against questions.csv parsed with the csv module."""
    with duckdb.connect(str(archive.db), read_only=True) as con:
        rows = con.execute(
            """SELECT c.external_id, c.statement, c.quote, c.made_on, c.deadline, c.deadline_precision,
                      c.deadline_text, c.flags, c.attribution, r.outcome, r.resolved_on
               FROM claims c LEFT JOIN current_resolutions r ON r.claim_id = c.id"""
        ).fetchall()
    stored = {row[0]: row[1:] for row in rows}
    outcomes = {"1.0": "true", "0.0": "false", "-1.0": "ambiguous", "": None}
    questions = read_questions(archive.csv_dir)
    assert len(stored) == len(questions)
    for question in questions:
        statement, quote, made_on, deadline, precision, deadline_text, flags, attribution, outcome, resolved_on = (
            stored[f"predictionbook:{question['question_id']}"]
        )
        title = question["q_title"]
        opened, closes = utc(question["open_time"]), utc(question["close_time"])
        folded = " ".join(title.split())
        if len(folded) >= 3:
            assert statement == folded
        else:
            assert question["question_id"] in statement and ("title_missing" in flags or "title_short" in flags)
        assert quote == (title.strip() or None)
        assert (made_on, deadline, precision) == (opened.date(), closes.date(), "day")
        assert deadline_text == question["close_time"]
        assert attribution == "third_party_forecast"
        assert ("deadline_before_made_on" in flags) == (closes < opened)
        assert ("title_multiline" in flags) == ("\n" in title.strip())
        assert outcome == outcomes[question["outcome"]]
        assert resolved_on == (utc(question["resolve_time"]).date() if question["resolve_time"] else None)


def test_forecasts_follow_their_rows(archive: Archive) -> None:
    """The multiset of (question, user, probability, time) is the file's, duplicates included."""
    with (archive.csv_dir / "public.csv").open(encoding="utf-8", newline="") as handle:
        expected = Counter(
            (f"predictionbook:{int(r['question_id'])}", r["user_id"], float(r["probability"]), utc(r["timestamp"]))
            for r in csv.DictReader(handle)
        )
    with duckdb.connect(str(archive.db), read_only=True) as con:
        rows = con.execute(
            """SELECT c.external_id, f.forecaster, f.probability, f.made_at, f.basis, f.note, f.external_id
               FROM forecasts f JOIN claims c ON c.id = f.claim_id"""
        ).fetchall()
    assert Counter(row[:4] for row in rows) == expected
    assert {row[4] for row in rows} == {"imported"}
    assert len({row[6] for row in rows}) == len(rows)  # one external id per row, even for duplicates
    for _claim, _user, probability, _at, _basis, note, _id in rows:
        assert (note is not None and note.startswith("extreme_probability")) == (probability in (0.0, 1.0))


def test_odd_rows_of_the_sample_are_kept_and_flagged(capsys: pytest.CaptureFixture[str], db_path: Path) -> None:
    code, out, err = run_cli(capsys, "import", SAMPLE, "--format", "predictionbook", "--db", db_path)
    assert code == 0, err
    assert "odd rows kept and flagged:" in out and "deadline_before_made_on" in out
    with duckdb.connect(str(db_path), read_only=True) as con:
        claims = {
            row[0]: row[1:]
            for row in con.execute("SELECT quote, statement, flags, claimant FROM claims").fetchall()
            if row[0] is not None
        }
        untitled = con.execute("SELECT statement, flags FROM claims WHERE quote IS NULL").fetchall()
        (duplicates,) = con.execute(
            """SELECT count(*) FROM (SELECT claim_id, forecaster, made_at, count(*) AS n FROM forecasts
               GROUP BY ALL HAVING n > 1)"""
        ).fetchone()
        (no_forecast,) = con.execute(
            "SELECT list(claimant) FROM claims c WHERE NOT EXISTS (SELECT 1 FROM forecasts f WHERE f.claim_id = c.id)"
        ).fetchone()
    markup = claims["This site has <b>obvious</b> <script type=“text/javascript”>alert(“XSS”);</script> ;)."]
    assert "title_markup" in markup[1] and markup[0].startswith("This site has <b>")
    assert "title_markup" in claims["[Link](http://example.com) & more: rates will be < 2% | > 1%"][1]
    multiline = next(v for k, v in claims.items() if "\n" in k)
    assert "title_multiline" in multiline[1] and "\n" not in multiline[0]
    assert "title_short" in claims["A"][1] and claims["A"][0] == "PredictionBook question 1042: 'A'"
    assert claims['He said "it will ship by Friday", and it will'][1] == []  # quotes and commas are not odd
    assert untitled == [("PredictionBook question 1035 (untitled)", ["title_missing"])]
    assert duplicates == 1
    assert no_forecast == ["PredictionBook"]


@pytest.mark.parametrize(
    "given",
    ["dir", "questions.csv.zip", "forecasts.csv.zip", "extracted dir", "questions.csv", "public.csv"],
)
def test_the_archive_can_be_named_by_its_directory_or_either_file(given: str, tmp_path: Path) -> None:
    extracted = extract(SAMPLE, tmp_path / "extracted")
    path = {
        "dir": SAMPLE,
        "questions.csv.zip": SAMPLE / "questions.csv.zip",
        "forecasts.csv.zip": SAMPLE / "forecasts.csv.zip",
        "extracted dir": extracted,
        "questions.csv": extracted / "questions.csv",
        "public.csv": extracted / "public.csv",
    }[given]
    result = imports.import_archive(tmp_path / "db.duckdb", path, "predictionbook")
    with archive_sql(extracted) as con:
        expected = con.execute("SELECT (SELECT count(*) FROM q), (SELECT count(*) FROM f)").fetchone()
    assert (result.claims_added, result.forecasts_added) == expected


def archive_sql(csv_dir: Path) -> duckdb.DuckDBPyConnection:
    return Archive("x", csv_dir, csv_dir, csv_dir / "unused", 0.0, imports.ArchiveImportResult()).sql()


# --- scores against plain SQL over public.csv -----------------------------------------------------


def test_brier_and_log_score_equal_plain_sql_over_the_csv(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    with archive.sql() as con:
        assert con.execute("SELECT bool_and(raw_ts LIKE '%+00:00') FROM f").fetchone() == (True,)
        n, brier, log = con.execute(
            f"""SELECT count(*), avg(power(p - o, 2)),
                   avg(o * ln(greatest(least(p, 1 - {LOG_CLIP}), {LOG_CLIP}))
                       + (1 - o) * ln(1 - greatest(least(p, 1 - {LOG_CLIP}), {LOG_CLIP})))
               FROM f WHERE o IN (0, 1)"""
        ).fetchone()
    score = score_json(capsys, archive.db)
    assert score["n"] == n
    assert score["brier"] == pytest.approx(brier, rel=1e-12)
    assert score["log_score"] == pytest.approx(log, rel=1e-12)
    if archive.name == "full":
        assert n == 51_135


def _latest_frame(archive: Archive) -> pd.DataFrame:
    """Scored rows of public.csv in pandas, with the deadline-day cut-off our --latest uses."""
    frame = pd.read_csv(archive.csv_dir / "public.csv", dtype={"user_id": str}, keep_default_na=False)
    frame = frame[frame["outcome"].isin(["1.0", "0.0", 1.0, 0.0])].copy()
    frame["o"] = frame["outcome"].astype(float)
    frame["p"] = frame["probability"].astype(float)
    frame["ts"] = pd.to_datetime(frame["timestamp"].str.slice(0, 19))
    # close_time's date, as text: pandas timestamps cannot hold the archive's years 0139 or 9999.
    frame["close_day"] = frame["close_time"].str.slice(0, 10)
    frame["made_day"] = frame["timestamp"].str.slice(0, 10)
    return frame


def test_latest_keeps_each_forecasters_last_forecast_before_the_deadline(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    """--latest = per (question, user), the last forecast made by the end of the deadline day (pandas)."""
    frame = _latest_frame(archive)
    before = frame[frame["made_day"] <= frame["close_day"]]
    last = before.sort_values("ts").groupby(["question_id", "user_id"]).tail(1)
    score = score_json(capsys, archive.db, "--latest")
    assert score["n"] == len(last)
    assert score["brier"] == pytest.approx(((last["p"] - last["o"]) ** 2).mean(), rel=1e-12)


def test_latest_differs_from_the_plain_last_forecast_by_the_pairs_with_none_before_the_deadline(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    """PredictionBook lets people predict after a question's close date, when the outcome may be known.

    Our --latest ignores those forecasts, so a (question, user) pair whose forecasts all came after
    the deadline day drops out, and a pair with forecasts on both sides keeps its last one before.
    The plain "last forecast per question" of the archive therefore differs, by exactly these pairs.
    """
    frame = _latest_frame(archive)
    naive = frame.sort_values("ts").groupby(["question_id", "user_id"]).tail(1)
    before_counts = frame.assign(before=frame["made_day"] <= frame["close_day"]).groupby(["question_id", "user_id"])[
        "before"
    ]
    pairs_without = int((before_counts.sum() == 0).sum())
    pairs_switched = int(((before_counts.sum() > 0) & (before_counts.sum() < before_counts.count())).sum())
    score = score_json(capsys, archive.db, "--latest")
    assert score["n"] == len(naive) - pairs_without
    assert pairs_without > 0 and pairs_switched > 0  # the difference is real in both archives
    if archive.name == "full":
        assert score["brier"] != pytest.approx(((naive["p"] - naive["o"]) ** 2).mean(), rel=1e-6)


def test_by_forecaster_matches_sql_grouped_over_the_csv(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    with archive.sql() as con:
        expected = con.execute(
            f"""SELECT user_id, count(*) AS n, avg(power(p - o, 2)),
                   avg(o * ln(greatest(least(p, 1 - {LOG_CLIP}), {LOG_CLIP}))
                       + (1 - o) * ln(1 - greatest(least(p, 1 - {LOG_CLIP}), {LOG_CLIP})))
               FROM f WHERE o IN (0, 1) GROUP BY user_id ORDER BY n DESC, user_id"""
        ).fetchall()
    by = score_json(capsys, archive.db, "--by", "forecaster")["by"]
    assert [(name, s["n"]) for name, s in by.items()] == [(user, n) for user, n, _b, _l in expected]
    for user, n, brier, log in expected[:25]:
        assert by[user]["brier"] == pytest.approx(brier, rel=1e-12), user
        assert by[user]["log_score"] == pytest.approx(log, rel=1e-12), user
        assert sum(b["n"] for b in by[user]["calibration"]) <= n


def _bins_sql(folded: bool, today: date, user: str | None = None) -> str:
    """Calibration bins written out in SQL (edges as in docs/architecture.md §4), deadline passed only."""
    p = "CASE WHEN p < 0.5 THEN 1 - p ELSE p END" if folded else "p"
    o = "CASE WHEN p < 0.5 THEN 1 - o ELSE o END" if folded else "o"
    low, bins = (0.5, 5) if folded else (0.0, 10)
    where = f"o IN (0, 1) AND close_day < DATE '{today.isoformat()}'"
    if user is not None:
        where += " AND user_id = $user"
    return f"""
        SELECT least({bins - 1}, CAST(floor(({p} - {low}) * 10 + 1e-9) AS INTEGER)) AS bin,
               count(*) AS n, sum({o}) AS hits, avg({p}) AS mean_p
        FROM f WHERE {where} GROUP BY bin ORDER BY bin"""


def wilson(hits: float, n: int) -> tuple[float, float]:
    rate, z = hits / n, WILSON_Z
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@pytest.mark.parametrize("folded", [False, True], ids=["tenths", "folded"])
def test_calibration_matches_bins_computed_over_the_csv(
    archive: Archive, folded: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    today = date.today()
    with archive.sql() as con:
        expected = {row[0]: row[1:] for row in con.execute(_bins_sql(folded, today)).fetchall()}
        (future,) = con.execute(
            f"SELECT count(*) FROM f WHERE o IN (0, 1) AND close_day >= DATE '{today.isoformat()}'"
        ).fetchone()
    score = score_json(capsys, archive.db, *(["--folded"] if folded else []))
    bins = score["calibration"]
    assert len(bins) == (5 if folded else 10)
    assert bins[0]["low"] == (0.5 if folded else 0.0) and bins[-1]["high"] == 1.0
    assert sum(b["n"] for b in bins) == score["n"] - future  # resolved early, deadline still ahead: left out
    for index, b in enumerate(bins):
        n, hits, mean_p = expected.get(index, (0, 0.0, None))
        assert (b["n"], b["hits"]) == (n, pytest.approx(hits)), index
        if n:
            assert b["mean_probability"] == pytest.approx(mean_p, rel=1e-12)
            assert b["hit_rate"] == pytest.approx(hits / n, rel=1e-12)
            assert (b["wilson_low"], b["wilson_high"]) == pytest.approx(wilson(hits, n), rel=1e-9)
        else:
            assert b["hit_rate"] is None and b["wilson_low"] is None


def test_top_forecasters_calibration_matches_the_csv(archive: Archive, capsys: pytest.CaptureFixture[str]) -> None:
    today = date.today()
    by = score_json(capsys, archive.db, "--by", "forecaster", "--folded")["by"]
    with archive.sql() as con:
        for user in list(by)[:3]:
            expected = {row[0]: row[1:] for row in con.execute(_bins_sql(True, today, user), {"user": user}).fetchall()}
            got = {i: (b["n"], b["hits"]) for i, b in enumerate(by[user]["calibration"]) if b["n"]}
            assert got == {i: (n, pytest.approx(hits)) for i, (n, hits, _m) in expected.items()}, user


def test_forecaster_list_and_scores_by_forecaster_cover_every_forecaster(archive: Archive) -> None:
    from predictions import ledger

    top = ledger.forecasters(archive.db, limit=50)
    score = ledger.track_record(archive.db, by="forecaster")
    with archive.sql() as con:
        expected = con.execute("SELECT user_id, count(*) AS n FROM f GROUP BY 1 ORDER BY n DESC, user_id LIMIT 50")
        assert top == expected.fetchall()
        (users,) = con.execute("SELECT count(DISTINCT user_id) FROM f WHERE o IN (0, 1)").fetchone()
    assert len(score.by) == users


# --- damaged archives -------------------------------------------------------------------------------


def _rewrite(path: Path, change: Callable[[list[list[str]]], None]) -> dict[int, int]:
    """Apply `change` to the rows (header first) and write them back; returns {row index: first line}."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    change(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    lines, line = {}, 1
    for index, row in enumerate(rows):
        lines[index] = line
        before = buffer.tell()
        writer.writerow(row)
        line += buffer.getvalue()[before:].count("\n")
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return lines


def _set(index: int, column: int, value: str) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        rows[index][column] = value

    return change


DAMAGES = [
    # (file, change, row index it hits, expected text after "line N: ")
    ("public.csv", _set(40, 3, "abc"), 40, "probability 'abc' is not a number"),
    ("public.csv", _set(41, 3, "1.5"), 41, "probability '1.5' is outside 0–1"),
    ("public.csv", _set(42, 5, "yesterday"), 42, "timestamp 'yesterday' is not a date-time (YYYY-MM-DD HH:MM:SS)"),
    ("public.csv", _set(43, 0, "99999"), 43, "question_id 99999 is not in questions.csv"),
    ("public.csv", _set(44, 1, " "), 44, "user_id is empty"),
    ("questions.csv", _set(30, 6, "2.0"), 30, "outcome '2.0' is not 1, 0, -1 or blank"),
    ("questions.csv", _set(31, 3, "soon"), 31, "open_time 'soon' is not a date-time (YYYY-MM-DD HH:MM:SS)"),
    ("questions.csv", _set(21, 0, "1000"), 21, "question_id 1000 repeats line 2"),  # nobody forecast 1140
    ("questions.csv", lambda rows: rows[33].pop(), 33, "9 fields where the header has 10"),
]


@pytest.mark.parametrize("damage", DAMAGES, ids=[f"{d[0]}-{d[3][:24]}" for d in DAMAGES])
def test_a_damaged_archive_is_rejected_whole_with_row_numbers(
    damage: tuple[str, Callable[[list[list[str]]], None], int, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    name, change, index, reason = damage
    broken = extract(SAMPLE, tmp_path / "broken")
    lines = _rewrite(broken / name, change)
    db = tmp_path / "ledger.duckdb"
    assert run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db)[0] == 0
    before = dump(db)
    code, out, err = run_cli(capsys, "import", broken, "--format", "predictionbook", "--db", db)
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"error: {name} line {lines[index]}: {reason}"]
    assert dump(db) == before


def test_line_numbers_count_the_lines_of_multiline_titles(tmp_path: Path) -> None:
    broken = extract(SAMPLE, tmp_path / "broken")
    lines = _rewrite(broken / "questions.csv", _set(40, 4, "never"))
    assert lines[40] == 42  # the header, 39 one-line rows and one title of two lines come before it
    with pytest.raises(imports.ImportProblems) as caught:
        predictionbook.load_predictionbook(broken)
    assert caught.value.problems == [
        "questions.csv line 42: close_time 'never' is not a date-time (YYYY-MM-DD HH:MM:SS)"
    ]


def test_every_problem_is_reported_and_nothing_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = extract(SAMPLE, tmp_path / "broken")

    def spoil(rows: list[list[str]]) -> None:
        for row in rows[1:]:
            row[3] = "n/a"

    _rewrite(broken / "public.csv", spoil)
    db = tmp_path / "ledger.duckdb"
    code, _out, err = run_cli(capsys, "import", broken, "--format", "predictionbook", "--db", db)
    lines = err.splitlines()
    assert code == 1
    assert len(lines) == archive_io.MAX_PROBLEMS + 1
    assert lines[0] == "error: public.csv line 2: probability 'n/a' is not a number"
    with archive_sql(extract(SAMPLE, tmp_path / "good")) as con:
        (rows,) = con.execute("SELECT count(*) FROM f").fetchone()
    assert lines[-1] == f"error: … and {rows - archive_io.MAX_PROBLEMS} more problems"
    assert not db.exists()  # rejected before the database was even opened


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("truncated zip", "forecasts.csv.zip: not a readable zip file"),
        ("no forecasts file", "no public.csv or forecasts.csv.zip or forecasts.csv in this directory"),
        ("missing column", "public.csv line 1: missing column(s) probability"),
        ("empty file", "public.csv line 1: the file is empty"),
        ("latin-1", "public.csv line"),
    ],
)
def test_unreadable_archive_files(setup: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(SAMPLE / "questions.csv.zip", folder)
    if setup == "truncated zip":
        data = (SAMPLE / "forecasts.csv.zip").read_bytes()
        (folder / "forecasts.csv.zip").write_bytes(data[: len(data) // 2])
    elif setup == "missing column":
        extract(SAMPLE, tmp_path / "x")
        text = (tmp_path / "x" / "public.csv").read_text(encoding="utf-8")
        (folder / "public.csv").write_text(text.replace(",probability,", ",prob,", 1), encoding="utf-8")
    elif setup == "empty file":
        (folder / "public.csv").write_text("", encoding="utf-8")
    elif setup == "latin-1":
        extract(SAMPLE, tmp_path / "x")
        text = (tmp_path / "x" / "public.csv").read_text(encoding="utf-8").replace("gwern", "gwérn")
        (folder / "public.csv").write_bytes(text.encode("latin-1"))
    code, out, err = run_cli(capsys, "import", folder, "--format", "predictionbook", "--db", tmp_path / "db.duckdb")
    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
    if setup == "latin-1":
        assert "not UTF-8 text" in err
    assert not (tmp_path / "db.duckdb").exists()


# --- Fatebook -------------------------------------------------------------------------------------


def fatebook_rows() -> list[dict[str, str]]:
    with FATEBOOK.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def fatebook_statement(row: dict[str, str]) -> str:
    title = " ".join(row["Question title"].split())
    return f"{title} — {row['Multiple choice option']}" if row["Multiple choice option"] else title


def test_fatebook_export_imports_one_claim_per_question_and_option(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = fatebook_rows()
    code, out, err = run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db_path)
    assert code == 0, err
    questions = {fatebook_statement(r): r for r in rows}
    with duckdb.connect(str(db_path), read_only=True) as con:
        claims = {
            row[0]: row[1:]
            for row in con.execute(
                """SELECT c.statement, c.quote, c.claimant, c.made_on, c.deadline, c.resolution_criteria, c.flags,
                          r.outcome, r.resolved_on
                   FROM claims c LEFT JOIN current_resolutions r ON r.claim_id = c.id"""
            ).fetchall()
        }
        forecasts = Counter(
            con.execute(
                """SELECT c.statement, f.forecaster, f.probability, f.made_at
                   FROM forecasts f JOIN claims c ON c.id = f.claim_id"""
            ).fetchall()
        )
    assert set(claims) == set(questions)
    assert len(claims) == 12 and sum(1 for r in questions.values() if r["Multiple choice option"]) == 5
    outcomes = {"YES": "true", "NO": "false", "AMBIGUOUS": "ambiguous", "": None}
    for statement, row in questions.items():
        quote, claimant, made_on, deadline, criteria, flags, outcome, resolved_on = claims[statement]
        assert quote == row["Question title"]
        assert claimant == row["Question created by"]
        assert made_on == datetime.fromisoformat(row["Question created at"]).date()
        assert deadline == datetime.fromisoformat(row["Question resolve by"]).date()
        assert criteria == (row["Question notes"] or None)  # newlines in notes kept as written
        assert outcome == outcomes[row["Resolution"]]
        assert resolved_on == (datetime.fromisoformat(row["Resolved at"]).date() if row["Resolved at"] else None)
        extreme = any(
            float(r["Forecast (scale = 0-1)"]) in (0.0, 1.0) for r in rows if fatebook_statement(r) == statement
        )
        assert ("extreme_probability" in flags) == extreme
    assert forecasts == Counter(
        (
            fatebook_statement(r),
            r["Forecast created by"],
            float(r["Forecast (scale = 0-1)"]),
            datetime.fromisoformat(r["Forecast created at"]),
        )
        for r in rows
    )
    assert any("\n" in (c[4] or "") for c in claims.values())
    assert f"{count(len(questions), 'claim')} added" in out and count(len(rows), "forecast") in out


def test_fatebook_scores_match_a_computation_over_the_export(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db_path)[0] == 0
    scored = [
        (float(r["Forecast (scale = 0-1)"]), 1.0 if r["Resolution"] == "YES" else 0.0, r["Forecast created by"])
        for r in fatebook_rows()
        if r["Resolution"] in ("YES", "NO")
    ]
    score = score_json(capsys, db_path, "--by", "forecaster")
    assert score["n"] == len(scored)
    assert score["brier"] == pytest.approx(sum((p - o) ** 2 for p, o, _ in scored) / len(scored), rel=1e-12)
    per_person = Counter(who for _p, _o, who in scored)
    assert {name: s["n"] for name, s in score["by"].items()} == dict(per_person)
    assert list(score["by"]) == sorted(per_person, key=lambda who: (-per_person[who], who))


def test_fatebook_reimport_adds_nothing(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db_path)[0] == 0
    before = dump(db_path)
    code, out, _err = run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db_path)
    assert code == 0 and "0 claims added (12 already there), 0 forecasts, 0 resolutions" in out
    assert dump(db_path) == before


def test_a_later_export_adds_new_forecasts_and_resolutions_only(tmp_path: Path) -> None:
    """An open question resolved since the last export gets its resolution; nothing else changes."""
    db = tmp_path / "db.duckdb"
    imports.import_archive(db, FATEBOOK, "fatebook")
    text = FATEBOOK.read_text(encoding="utf-8")
    open_question = '"Will a robotaxi service operate in at least 65 Chinese cities by the end of 2025?"'
    lines = text.split("\n")
    later = [
        line.replace(",2025-12-31 00:00:00,,,", ',2025-12-31 00:00:00,"NO",2026-01-02 08:00:00,')
        if line.startswith(open_question)
        else line
        for line in lines
    ]
    newer = lines[1].replace("2024-03-01 09:12:44,", "2024-06-01 09:00:00,", 1).replace(",0.7,", ",0.9,", 1)
    (tmp_path / "later.csv").write_text("\n".join([*later, newer]), encoding="utf-8")
    result = imports.import_archive(db, tmp_path / "later.csv", "fatebook")
    assert (result.claims_added, result.forecasts_added, result.resolutions_added) == (0, 1, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        (outcome,) = con.execute(
            """SELECT r.outcome FROM claims c JOIN current_resolutions r ON r.claim_id = c.id
               WHERE c.statement LIKE 'Will a robotaxi service%'"""
        ).fetchone()
    assert outcome == "false"


def test_a_broken_fatebook_export_is_rejected_with_line_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "ledger.duckdb"
    assert run_cli(capsys, "import", FATEBOOK, "--format", "fatebook", "--db", db)[0] == 0
    before = dump(db)
    code, out, err = run_cli(capsys, "import", FATEBOOK_BROKEN, "--format", "fatebook", "--db", db)
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: fatebook_broken.csv line 4: forecast '70 percent' is not a number",
        "error: fatebook_broken.csv line 6: Resolution 'MAYBE' is not YES, NO, AMBIGUOUS or blank",
        "error: fatebook_broken.csv line 8: Forecast created at 'yesterday' is not a date-time (YYYY-MM-DD HH:MM:SS)",
        "error: fatebook_broken.csv line 10: 6 fields where the header has 16",
    ]
    assert dump(db) == before


def test_a_fatebook_question_whose_rows_disagree_is_rejected(tmp_path: Path) -> None:
    rows = FATEBOOK.read_text(encoding="utf-8").split("\n")
    rows[2] = rows[2].replace('"YES",2024-08-01 10:00:00', '"NO",2024-08-01 10:00:00')
    (tmp_path / "export.csv").write_text("\n".join(rows), encoding="utf-8")
    with pytest.raises(imports.ImportProblems) as caught:
        fatebook.load_fatebook(tmp_path / "export.csv")
    assert caught.value.problems == [
        "export.csv line 3: resolve-by date, resolution or resolved-at differ from export.csv line 2 "
        "for the same question"
    ]


def test_a_fatebook_file_without_its_columns_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "other.csv").write_text("statement,probability\nx,0.5\n", encoding="utf-8")
    with pytest.raises(imports.ImportProblems) as caught:
        fatebook.load_fatebook(tmp_path / "other.csv")
    assert caught.value.problems[0].startswith(
        "other.csv line 1: missing column(s) Question title, Forecast created by"
    )


# --- a Fatebook export exactly as Fatebook writes it (issue 19) ------------------------------------------

FATEBOOK_EXPORT = DATA / "fatebook_export.csv"
FATEBOOK_COLUMNS = [  # the order of Fatebook's questionsToCsv
    "Question title", "Multiple choice option", "Forecast created by", "Forecast (scale = 0-1)",
    "Forecast created at", "Question created by", "Question created at", "Question resolve by", "Resolution",
    "Resolved at", "Your Brier score for this question", "Your relative Brier score for this question",
    "Question notes", "Question shared with", "Question shared publicly", "Question comments",
]  # fmt: skip


def fatebook_time(text: str) -> datetime:
    """The reference reading: strptime takes the unpadded seconds Fatebook's getSeconds() writes."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def test_the_export_fixture_is_shaped_as_fatebook_writes_it() -> None:
    raw = FATEBOOK_EXPORT.read_text(encoding="utf-8")
    assert raw.split("\n", 1)[0] == ",".join(FATEBOOK_COLUMNS) and not raw.endswith("\n")
    rows = list(csv.DictReader(io.StringIO(raw, newline="")))
    assert all(len(row) == 16 and None not in row for row in rows)
    times = [r[c] for r in rows for c in ("Forecast created at", "Question created at", "Question resolve by")]
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d", t) for t in times)  # a second under 10, unpadded
    assert {r["Resolution"] for r in rows} == {"YES", "NO", "AMBIGUOUS", ""}
    assert sum(1 for r in rows if r["Multiple choice option"]) == 6 and '""' in raw
    assert any(r["Your Brier score for this question"] == "" and r["Question notes"] == "" for r in rows)


def test_a_fatebook_export_as_fatebook_writes_it_imports(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FATEBOOK_EXPORT.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    code, out, err = run_cli(capsys, "import", FATEBOOK_EXPORT, "--format", "fatebook", "--db", db_path)
    assert code == 0, err
    questions = {fatebook_statement(r): r for r in rows}
    with duckdb.connect(str(db_path), read_only=True) as con:
        claims = {
            row[0]: row[1:]
            for row in con.execute(
                """SELECT c.statement, c.made_on, c.deadline, c.resolution_criteria, r.outcome, r.resolved_on
                   FROM claims c LEFT JOIN current_resolutions r ON r.claim_id = c.id"""
            ).fetchall()
        }
        forecasts = Counter(
            con.execute(
                """SELECT c.statement, f.forecaster, f.probability, f.made_at
                   FROM forecasts f JOIN claims c ON c.id = f.claim_id"""
            ).fetchall()
        )
    assert set(claims) == set(questions) and len(claims) == 8
    outcomes = {"YES": "true", "NO": "false", "AMBIGUOUS": "ambiguous", "": None}
    for statement, row in questions.items():
        made_on, deadline, criteria, outcome, resolved_on = claims[statement]
        assert made_on == fatebook_time(row["Question created at"]).date()
        assert deadline == fatebook_time(row["Question resolve by"]).date()
        assert criteria == (row["Question notes"] or None)
        assert outcome == outcomes[row["Resolution"]]
        assert resolved_on == (fatebook_time(row["Resolved at"]).date() if row["Resolved at"] else None)
    assert forecasts == Counter(
        (fatebook_statement(r), r["Forecast created by"], float(r["Forecast (scale = 0-1)"]),
         fatebook_time(r["Forecast created at"]))
        for r in rows
    )  # fmt: skip
    assert f"8 claims added (0 already there), {count(len(rows), 'forecast')}, 6 resolutions" in out
    again = run_cli(capsys, "import", FATEBOOK_EXPORT, "--format", "fatebook", "--db", db_path)
    assert again[0] == 0 and "0 claims added (8 already there), 0 forecasts, 0 resolutions" in again[1]


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S"),
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ"),
        lambda t: (t + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+02:00"),
        lambda t: (t - timedelta(hours=5, minutes=30)).strftime("%Y-%m-%d %H:%M:%S-05:30"),
    ],
    ids=["T", "Z", "offset", "negative-offset"],
)
def test_a_fatebook_export_with_iso_times_imports_the_same_instants(
    tmp_path: Path, write: Callable[[datetime], str]
) -> None:
    raw = FATEBOOK_EXPORT.read_text(encoding="utf-8")
    iso = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d{1,2}", lambda m: write(fatebook_time(m.group(0))), raw)
    assert iso != raw
    (tmp_path / "iso.csv").write_text(iso, encoding="utf-8")
    stored = {}
    for name, path in (("written", FATEBOOK_EXPORT), ("iso", tmp_path / "iso.csv")):
        db = tmp_path / f"{name}.duckdb"
        imports.import_archive(db, path, "fatebook")
        with duckdb.connect(str(db), read_only=True) as con:
            stored[name] = sorted(con.execute("SELECT forecaster, probability, made_at FROM forecasts").fetchall())
    assert stored["iso"] == stored["written"] and len(stored["iso"]) == 16


def test_a_fatebook_export_with_a_time_that_is_not_one_is_still_refused(tmp_path: Path) -> None:
    lines = FATEBOOK_EXPORT.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace("2025-01-06 17:30:9", "2025-01-06 17:30:61", 1)
    (tmp_path / "export.csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(imports.ImportProblems) as caught:
        fatebook.load_fatebook(tmp_path / "export.csv")
    assert caught.value.problems == [
        "export.csv line 3: Forecast created at '2025-01-06 17:30:61' is not a date-time (YYYY-MM-DD HH:MM:SS)"
    ]


# --- export → import round trips keep the scores ----------------------------------------------------


def _all_scores(capsys: pytest.CaptureFixture[str], db: Path) -> list[dict[str, Any]]:
    return [
        score_json(capsys, db, *flags)
        for flags in ([], ["--latest"], ["--folded"], ["--by", "forecaster"], ["--latest", "--by", "forecaster"])
    ]


@pytest.mark.parametrize(
    ("source", "fmt"),
    [("fatebook", "csv"), ("fatebook", "json"), ("fatebook", "parquet"), ("predictionbook sample", "json")],
)
def test_export_then_import_into_an_empty_database_gives_identical_scores(
    source: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The flat csv/parquet layout carries no flags, so the PredictionBook sample (whose claims include
    deadlines before their opening, which need the flag) goes through the full-fidelity JSON export."""
    original, copy = tmp_path / "original.duckdb", tmp_path / "copy.duckdb"
    if source == "fatebook":
        imports.import_archive(original, FATEBOOK, "fatebook")
    else:
        imports.import_archive(original, SAMPLE, "predictionbook")
    exported = tmp_path / f"export.{fmt}"
    code, _out, err = run_cli(capsys, "export", "--format", fmt, "-o", exported, "--db", original)
    assert code == 0, err
    code, _out, err = run_cli(capsys, "import", exported, "--format", fmt, "--db", copy)
    assert code == 0, err
    scores = _all_scores(capsys, original)
    assert scores[0]["n"] > 0 and len(scores[3]["by"]) >= 7  # many forecasters
    assert _all_scores(capsys, copy) == scores


def test_the_whole_archive_survives_a_json_round_trip(
    archive: Archive, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Export → import of every claim keeps every figure; claims, forecasts and resolutions go in by
    Arrow bulk inserts (row by row, the real archive took over five minutes)."""
    exported, copy = tmp_path / "ledger.json", tmp_path / "copy.duckdb"
    assert run_cli(capsys, "export", "--format", "json", "-o", exported, "--db", archive.db)[0] == 0
    code, out, err = run_cli(capsys, "import", exported, "--format", "json", "--db", copy)
    assert code == 0, err
    counts = table_counts(archive.db)
    assert (
        f"{count(counts['claims'], 'claim')} added (0 already there), {count(counts['forecasts'], 'forecast')}" in out
    )
    assert table_counts(copy) == counts
    assert score_json(capsys, copy, "--by", "forecaster") == score_json(capsys, archive.db, "--by", "forecaster")


# --- the committed samples are what the script makes --------------------------------------------------


def test_the_samples_are_reproduced_by_their_script(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path in module.write_all(tmp_path):
        committed = DATA / path.relative_to(tmp_path)
        assert path.read_bytes() == committed.read_bytes(), committed


def test_the_sample_resolves_before_the_archive_ends_like_the_real_one() -> None:
    """The sample keeps the real archive's shape: nothing resolved after 2022-08-11, some still open."""
    with zipfile.ZipFile(SAMPLE / "questions.csv.zip") as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("questions.csv"), encoding="utf-8", newline="")))
    resolved = [utc(r["resolve_time"]) for r in rows if r["resolve_time"]]
    assert max(resolved) <= datetime(2022, 8, 11, 16) and any(not r["outcome"] for r in rows)
    assert any(utc(r["close_time"]) - utc(r["open_time"]) < timedelta(0) for r in rows)
