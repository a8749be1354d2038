"""Issue 24: a record no one can bend. Recording times, no hindsight in any score, withdrawn means
withdrawn, the hash chain over the history and `predictions verify`.

Scores are checked against a computation straight from the rows; the chain against `hashlib` and the
`rfc8785` package, never against the code under test.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_snapshot import assert_clean_refusal, dump, run_cli

from db import chain
from db.clock import replaying, utc_now
from predictions import ledger
from predictions.models import ForecastIn, ObservationIn, Outcome, ResolutionIn

ROBOTAXI = 14  # the seed's "robotaxis in at least 65 Chinese cities in 2025" (deadline 2025-12-31)
EHANG = 16  # "10,000 eHang flying taxis in Shenzhen by 2030" (open until 2030-12-31)


def cli_ok(*args: object) -> str:
    result = run_cli([str(arg) for arg in args])
    assert result.code == 0, (args, result.err)
    return result.out


def chain_rows(path: Path) -> list[tuple[int, str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [
            (int(s), str(r), str(h))
            for s, r, h in con.execute("SELECT seq, record, hash FROM record_chain ORDER BY seq").fetchall()
        ]


def independent_head(path: Path) -> tuple[int, str]:
    """The head recomputed with hashlib over the stored canonical records, each re-canonicalised by rfc8785."""
    previous = "0" * 64
    rows = chain_rows(path)
    for _seq, record, stored in rows:
        canonical = rfc8785.dumps(json.loads(record)).decode()
        assert canonical == record
        previous = hashlib.sha256((previous + canonical).encode()).hexdigest()
        assert previous == stored
    return len(rows), previous


def brier_from_rows(path: Path, claim_id: int) -> tuple[int, float | None]:
    """Brier over the forecasts that count, read straight from the rows with Python's own rule: not
    backfilled; a live one recorded by the deadline's end and before the first resolution."""
    with duckdb.connect(str(path), read_only=True) as con:
        deadline, outcome = con.execute(
            "SELECT c.deadline, r.outcome FROM claims c LEFT JOIN current_resolutions r ON r.claim_id = c.id "
            "WHERE c.id = ?",
            [claim_id],
        ).fetchone()
        first = con.execute("SELECT min(recorded_at) FROM resolutions WHERE claim_id = ?", [claim_id]).fetchone()[0]
        rows = con.execute(
            "SELECT probability, entry, recorded_at FROM forecasts WHERE claim_id = ?", [claim_id]
        ).fetchall()
    truth = {"true": 1.0, "false": 0.0}[outcome]
    counted = []
    for probability, entry, recorded_at in rows:
        if entry == "backfilled":
            continue
        if entry == "live" and (
            (
                deadline is not None
                and recorded_at >= datetime.combine(deadline + timedelta(days=1), datetime.min.time())
            )
            or (first is not None and recorded_at >= first)
        ):
            continue
        counted.append((probability - truth) ** 2)
    return len(counted), (sum(counted) / len(counted) if counted else None)


# --- canonical JSON -------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
flat_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), finite, st.text(), st.lists(st.text(), max_size=4)
)


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,12}", fullmatch=True), flat_values, max_size=12))
def test_canonical_json_is_rfc8785_byte_for_byte(record: dict[str, object]) -> None:
    assert chain.canonical(record) == rfc8785.dumps(record).decode()


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 1.0, -2.5, 0.1, 1e21, 1e20, 123456789012345680000.0, 1e-7, 1.5e-6, 1e-6, 0.000001234, 5e-324,
     1.7976931348623157e308, 2**53 + 0.0, 1e16, 0.30000000000000004],
)  # fmt: skip
def test_numbers_are_written_as_ecmascript_writes_them(value: float) -> None:
    assert chain.es_number(value) == rfc8785.dumps(value).decode()


def test_a_value_no_record_can_hold_is_refused() -> None:
    with pytest.raises(chain.ChainError):
        chain.es_number(math.nan)


# --- recording times and hindsight ----------------------------------------------------------------


def test_the_issue_example_is_refused_and_the_score_stays(db_path: Path) -> None:
    cli_ok("init")
    cli_ok("resolve", ROBOTAXI, "false", "--on", "2026-01-05")
    before = cli_ok("score", "--latest")
    n, brier = brier_from_rows(db_path, ROBOTAXI)
    assert (n, brier) == (1, pytest.approx((0.75 - 0.0) ** 2))
    snapshot = dump(db_path)
    result = run_cli(["forecast", str(ROBOTAXI), "--probability", "0.02", "--at", "2025-01-02"])
    assert_clean_refusal(result)
    assert "resolved false on 2026-01-05" in result.err and len(result.error_lines) == 1
    assert dump(db_path) == snapshot
    assert cli_ok("score", "--latest") == before
    assert "n=1 " in before and f"Brier={0.75**2:.3f} " in before  # 75% on what did not happen, to 3 digits


def test_a_forecast_after_the_deadline_is_refused_until_an_amendment_moves_it(db_path: Path) -> None:
    cli_ok("init")
    result = run_cli(["forecast", str(ROBOTAXI), "--probability", "0.4"])
    assert_clean_refusal(result)
    assert "deadline 2025-12-31 has passed" in result.err
    later = (utc_now().date() + timedelta(days=60)).isoformat()
    cli_ok("amend", ROBOTAXI, "--deadline", later, "--reason", "the plan slipped a year")
    cli_ok("forecast", ROBOTAXI, "--probability", "0.4")
    forecasts = ledger.get_claim(db_path, ROBOTAXI).forecasts
    assert [(f["probability"], f["entry"]) for f in forecasts] == [(0.75, "imported"), (0.4, "live")]


def test_a_backdated_forecast_is_kept_as_backfilled_shown_and_never_scored(db_path: Path, tmp_path: Path) -> None:
    cli_ok("init")
    out = cli_ok("forecast", EHANG, "--probability", "0.99", "--at", "2025-01-02")
    assert "backfilled" in out
    cli_ok("forecast", EHANG, "--probability", "0.6")  # live: today
    with duckdb.connect(str(db_path), read_only=True) as con:
        entries = con.execute(
            "SELECT probability, entry, recorded_at - made_at > INTERVAL 1 DAY FROM forecasts WHERE claim_id = ? "
            "ORDER BY id",
            [EHANG],
        ).fetchall()
    assert entries[-2:] == [(0.99, "backfilled", True), (0.6, "live", False)]
    shown = cli_ok("show", EHANG)
    assert "99% (updated, backfilled: recorded" in shown and "never scored" in shown
    as_json = json.loads(cli_ok("show", EHANG, "--json"))
    assert [f["entry"] for f in as_json["forecasts"]][-2:] == ["backfilled", "live"]
    exported = tmp_path / "ledger.json"
    cli_ok("export", "--format", "json", "-o", exported)
    claim = next(c for c in json.loads(exported.read_text())["claims"] if c["statement"].startswith("At least 10,000"))
    assert [f["entry"] for f in claim["forecasts"]][-2:] == ["backfilled", "live"]
    cli_ok("resolve", EHANG, "true", "--on", utc_now().date().isoformat())
    n, brier = brier_from_rows(db_path, EHANG)
    assert n == 2  # eHang's own 50% and the live 60%; never the backfilled 99%
    score = json.loads(cli_ok("score", "--json"))  # the only resolved claim
    assert score["n"] == n and score["brier"] == pytest.approx(brier)


def test_the_claim_header_and_the_track_record_use_the_same_rule(db_path: Path) -> None:
    ledger.seed_from_file(db_path)
    with replaying(datetime(2025, 3, 1, 12)):
        ledger.add_forecast(db_path, ROBOTAXI, ForecastIn(probability=0.5, forecaster="Pascal Coppens",
                                                            made_at=datetime(2025, 3, 1, 12)))  # fmt: skip
        ledger.add_forecast(db_path, ROBOTAXI, ForecastIn(probability=0.9, forecaster="Pascal Coppens",
                                                            made_at=datetime(2024, 12, 1)))  # fmt: skip
    with replaying(datetime(2026, 1, 5, 8)):
        ledger.resolve(db_path, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 5)))
    n, brier = brier_from_rows(db_path, ROBOTAXI)
    assert n == 2 and brier == pytest.approx((0.75**2 + 0.5**2) / 2)
    summary = ledger.get_claim(db_path, ROBOTAXI).view
    assert summary["probability"] == 0.5  # the latest that counts, not the backfilled 0.9
    record = ledger.track_record(db_path, attribution="author")
    assert record.n == n and record.brier == pytest.approx(brier)


# --- withdrawn means withdrawn -------------------------------------------------------------------


def test_a_withdrawn_claim_takes_nothing_until_the_withdrawal_is_undone(db_path: Path) -> None:
    cli_ok("init")
    cli_ok("withdraw", EHANG, "--reason", "says the same as claim 15", "--duplicate-of", "15")
    snapshot = dump(db_path)
    for args in (
        ["forecast", EHANG, "--probability", "0.3"],
        ["observe", EHANG, "--on", "2026-01-01", "--value", "100"],
        ["resolve", EHANG, "true", "--on", "2026-06-01"],
        ["amend", EHANG, "--statement", "Something else", "--reason", "r"],
        ["withdraw", EHANG, "--reason", "again"],
    ):
        result = run_cli([str(a) for a in args])
        assert_clean_refusal(result)
        assert f"claim {EHANG} was withdrawn on" in result.err and "says the same as claim 15" in result.err
        assert dump(db_path) == snapshot
    shown = cli_ok("show", EHANG)
    assert "WITHDRAWN on" in shown and "it repeats claim 15" in shown
    as_json = json.loads(cli_ok("show", EHANG, "--json"))
    assert (
        as_json["withdrawal"]["reason"] == "says the same as claim 15" and as_json["withdrawal"]["duplicate_of"] == 15
    )
    cli_ok("withdraw", EHANG, "--undo", "--reason", "it is a different city")
    cli_ok("forecast", EHANG, "--probability", "0.3")
    history = json.loads(cli_ok("show", EHANG, "--json"))["amendments"]
    assert [(a["action"], a["reason"]) for a in history] == [
        ("withdraw", "says the same as claim 15"),
        ("unwithdraw", "it is a different city"),
    ]
    assert json.loads(cli_ok("show", EHANG, "--json"))["withdrawal"] is None


def test_show_lists_every_amendment_with_its_date_and_reason(db_path: Path) -> None:
    cli_ok("init")
    cli_ok("amend", EHANG, "--target", "12000", "--reason", "eHang raised its goal")
    shown = cli_ok("show", EHANG)
    assert f"amend {utc_now():%Y-%m-%d}: target 10,000 → 12,000 (eHang raised its goal)" in shown


# --- the chain and verify --------------------------------------------------------------------------


def test_every_write_path_keeps_the_chain_and_verify_agrees_with_hashlib(db_path: Path) -> None:
    cli_ok("init")
    steps = [
        ("forecast", EHANG, "--probability", "0.35"),
        ("observe", EHANG, "--on", "2026-06-30", "--value", "300", "--note", "fleet"),
        ("resolve", EHANG, "false", "--on", "2026-07-01"),
        ("resolve", EHANG, "--undo", "--note", "too early"),
        ("amend", EHANG, "--deadline", "2031-12-31", "--reason", "moved"),
        ("withdraw", 15, "--reason", "duplicate", "--duplicate-of", "16"),
        ("withdraw", 15, "--undo", "--reason", "not a duplicate"),
    ]
    counts = []
    for step in steps:
        cli_ok(*step)
        out = cli_ok("verify")
        count, head = independent_head(db_path)
        assert out.strip() == f"{count} records, head {head[:4]}…{head[-4:]} ({utc_now():%Y-%m-%d}), intact"
        counts.append(count)
    assert counts == sorted(set(counts)) and counts[-1] - counts[0] == len(steps) - 1


@pytest.mark.tampers
def test_verify_head_proves_an_unchanged_prefix(db_path: Path) -> None:
    cli_ok("init")
    head = json.loads(cli_ok("verify", "--json"))["head"]
    cli_ok("forecast", EHANG, "--probability", "0.35")
    assert f"head {head[:4]}…{head[-4:]} is record" in cli_ok("verify", "--head", head)
    with duckdb.connect(str(db_path)) as con:  # an edit before the head
        con.execute("UPDATE observations SET note = 'edited' WHERE id = (SELECT min(id) FROM observations)")
    assert run_cli(["verify", "--head", head]).code == 1
    assert run_cli(["verify", "--head", "ab" * 32]).code == 1
    assert_clean_refusal(run_cli(["verify", "--head", "not-a-hash"]))


def test_the_head_is_printed_by_score(db_path: Path) -> None:
    cli_ok("init")
    count, head = independent_head(db_path)
    assert f"record: {count} records, head {head[:4]}…{head[-4:]}" in cli_ok("score")


def test_migration_chains_an_existing_ledger_and_marks_what_it_cannot_know(tmp_path: Path) -> None:
    """A ledger written before the chain (schema 6) gets recording times from its created_at, its forecasts
    an entry, and one record per row in a fixed order; verify then finds it intact."""
    from db import migrations

    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        migrations.migrate(con, up_to=6)
        con.execute("INSERT INTO claims (statement, claimant, attribution, kind, made_on, deadline, tags, flags, "
                    "created_at) VALUES ('Old claim', 'me', 'author', 'binary', DATE '2024-01-01', DATE '2024-12-31', "
                    "['x'], [], TIMESTAMP '2024-01-01 10:00')")  # fmt: skip
        con.execute("INSERT INTO forecasts (claim_id, forecaster, probability, made_at, basis) VALUES "
                    "(1, 'me', 0.7, TIMESTAMP '2024-01-01 10:00', 'stated')")  # fmt: skip
        con.execute("INSERT INTO resolutions (claim_id, outcome, resolved_on, created_at) VALUES "
                    "(1, 'true', DATE '2025-01-02', TIMESTAMP '2025-01-02 09:00')")  # fmt: skip
    ledger.ensure_database(path)
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.execute("SELECT table_name FROM record_chain ORDER BY seq").fetchall()]
        entry, claim_at = con.execute(
            "SELECT f.entry, c.recorded_at FROM forecasts f JOIN claims c ON c.id = f.claim_id"
        ).fetchone()
    assert tables == ["claims", "forecasts", "resolutions"]
    assert entry == "migrated" and claim_at == datetime(2024, 1, 1, 10)
    assert independent_head(path)[0] == 3
    assert ledger.verify_record(path)[0].intact
    assert ledger.track_record(path).n == 1  # scored as it was: its recording time is unknown


# --- tamper tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chained_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The seed with evidence, a live and a backfilled forecast, resolutions, an undo, an amendment and a
    withdrawal: every kind of history row."""
    path = tmp_path_factory.mktemp("chain") / "ledger.duckdb"
    ledger.seed_from_file(path)
    with replaying(datetime(2025, 6, 1, 9)):
        ledger.add_observation(path, ROBOTAXI, ObservationIn(observed_on=date(2025, 5, 31), value=27))
        ledger.add_forecast(path, ROBOTAXI, ForecastIn(probability=0.6, forecaster="Pascal Coppens",
                                                         made_at=datetime(2025, 6, 1, 9),
                                                         quantiles={10: 30, 50: 60, 90: 90}))  # fmt: skip
        ledger.add_forecast(path, EHANG, ForecastIn(probability=0.2, forecaster="Pascal Coppens",
                                                      made_at=datetime(2025, 1, 1)))  # fmt: skip
    with replaying(datetime(2026, 1, 5, 9)):
        ledger.resolve(path, ROBOTAXI, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2026, 1, 5)))
        ledger.undo_resolution(path, ROBOTAXI, "wrong count")
        ledger.resolve(path, ROBOTAXI, ResolutionIn(outcome=Outcome.FALSE, resolved_on=date(2026, 1, 5), value=41))
    from predictions import verdicts

    verdicts.amend(path, EHANG, verdicts.Amendment(statement="eHang flies 10,000 taxis in Shenzhen", reason="wording"))
    verdicts.withdraw(path, 15, "duplicate", 16)
    assert ledger.verify_record(path)[0].intact
    yield path


@pytest.fixture(scope="module")
def tamper_connection(chained_ledger: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """One connection to the file for all the examples (each opens a transaction and rolls it back)."""
    with duckdb.connect(str(chained_ledger)) as con:
        yield con


TAMPERS = {
    # name: (table, SQL with ? = the row id)
    "probability": ("forecasts", "UPDATE forecasts SET probability = 1 - probability + 0.001 WHERE id = ?"),
    "made_at": ("forecasts", "UPDATE forecasts SET made_at = made_at - INTERVAL 3 DAY WHERE id = ?"),
    "forecast recorded_at": ("forecasts",
                             "UPDATE forecasts SET recorded_at = recorded_at - INTERVAL 400 DAY WHERE id = ?"),
    "entry": ("forecasts", "UPDATE forecasts SET entry = CASE entry WHEN 'imported' THEN 'live' ELSE 'imported' END "
                           "WHERE id = ?"),
    "observed_on": ("observations", "UPDATE observations SET observed_on = observed_on + 1 WHERE id = ?"),
    "value": ("observations", "UPDATE observations SET value = coalesce(value, 0) + 0.5 WHERE id = ?"),
    "outcome": ("resolutions", "UPDATE resolutions SET outcome = CASE outcome WHEN 'true' THEN 'false' "
                               "ELSE 'true' END WHERE id = ?"),
    "resolved_on": ("resolutions", "UPDATE resolutions SET resolved_on = resolved_on - 30 WHERE id = ?"),
    "statement": ("claims", "UPDATE claims SET statement = statement || '!' WHERE id = ?"),
    "deadline": ("claims", "UPDATE claims SET deadline = coalesce(deadline, DATE '2030-01-01') + 365 WHERE id = ?"),
    "claim recorded_at": ("claims", "UPDATE claims SET recorded_at = recorded_at + INTERVAL 1 SECOND WHERE id = ?"),
    "withdrawn": ("claims", "UPDATE claims SET withdrawn = NOT withdrawn WHERE id = ?"),
    "amendment reason": ("claim_amendments", "UPDATE claim_amendments SET reason = 'other' WHERE id = ?"),
    "undo note": ("resolution_undos", "UPDATE resolution_undos SET note = 'x' WHERE resolution_id = ?"),
    "quantile": ("forecast_quantiles", "UPDATE forecast_quantiles SET value = value + 1 WHERE id = ?"),
    "quantile level": ("forecast_quantiles", "UPDATE forecast_quantiles SET level = level + 1 WHERE id = ?"),
    "resolution value": ("resolution_values", "UPDATE resolution_values SET value = value - 1 WHERE id = ?"),
    "deleted": ("*", "DELETE FROM {table} WHERE {key} = ?"),
}  # fmt: skip


def _ids(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    key = chain.ID_COLUMN[table]
    return [int(row[0]) for row in con.execute(f"SELECT {key} FROM {table} ORDER BY {key}").fetchall()]


def _first_record_of(con: duckdb.DuckDBPyConnection, table: str, row_ids: list[int]) -> tuple[int, int]:
    row = con.execute(
        "SELECT seq, row_id FROM record_chain WHERE table_name = ? AND row_id IN (SELECT unnest(?::BIGINT[])) "
        "ORDER BY seq LIMIT 1",
        [table, row_ids],
    ).fetchone()
    return int(row[0]), int(row[1])


@pytest.mark.tampers
@settings(max_examples=1000, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data())
def test_verify_catches_every_single_edit_and_names_the_record(
    tamper_connection: duckdb.DuckDBPyConnection, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from([*TAMPERS, "swap", "inserted", "chain record"]), label="tamper")
    con = tamper_connection
    # Every edit is rolled back: the next example starts from the same ledger.
    con.execute("BEGIN TRANSACTION")
    try:
        if kind in TAMPERS:
            table, sql = TAMPERS[kind]
            if table == "*":
                table = data.draw(st.sampled_from(chain.TABLE_ORDER), label="table")
                sql = sql.format(table=table, key=chain.ID_COLUMN[table])
            row_id = data.draw(st.sampled_from(_ids(con, table)), label="row")
            con.execute(sql, [row_id])
            expected = _first_record_of(con, table, [row_id]), table
        elif kind == "swap":  # two forecasts trade their probabilities and dates
            a, b = data.draw(st.lists(st.sampled_from(_ids(con, "forecasts")), min_size=2, max_size=2, unique=True))
            pa, ma = con.execute("SELECT probability, made_at FROM forecasts WHERE id = ?", [a]).fetchone()
            pb, mb = con.execute("SELECT probability, made_at FROM forecasts WHERE id = ?", [b]).fetchone()
            if (pa, ma) == (pb, mb):
                return
            con.execute("UPDATE forecasts SET probability = ?, made_at = ? WHERE id = ?", [pb, mb, a])
            con.execute("UPDATE forecasts SET probability = ?, made_at = ? WHERE id = ?", [pa, ma, b])
            expected = _first_record_of(con, "forecasts", [a, b]), "forecasts"
        elif kind == "inserted":  # a forecast slipped in among the others, dated in the middle
            claim = data.draw(st.sampled_from(_ids(con, "claims")), label="claim")
            new_id = con.execute(
                "INSERT INTO forecasts (claim_id, forecaster, probability, made_at, basis, entry, recorded_at) "
                "VALUES (?, 'Pascal Coppens', 0.99, TIMESTAMP '2025-03-01', 'stated', 'live', "
                "TIMESTAMP '2025-03-01') RETURNING id",
                [claim],
            ).fetchone()[0]
            verdict = chain.verify(con)
            assert verdict.broken is not None
            assert (verdict.broken.seq, verdict.broken.table, verdict.broken.row_id) == (None, "forecasts", new_id)
            return
        else:  # the chain's own record rewritten with a hash that matches it alone
            seq = data.draw(st.integers(1, chain.head(con).count - 1), label="seq")
            previous = con.execute("SELECT hash FROM record_chain WHERE seq = ?", [seq - 1]).fetchone()
            record = con.execute("SELECT record FROM record_chain WHERE seq = ?", [seq]).fetchone()[0]
            forged = record.replace('"id":', '"id":1', 1)
            forged_hash = hashlib.sha256(((previous[0] if previous else "0" * 64) + forged).encode()).hexdigest()
            con.execute("UPDATE record_chain SET record = ?, hash = ? WHERE seq = ?", [forged, forged_hash, seq])
            table, row_id = con.execute("SELECT table_name, row_id FROM record_chain WHERE seq = ?", [seq]).fetchone()
            expected = (seq, int(row_id)), table
        verdict = chain.verify(con)
        assert verdict.broken is not None, kind
        (seq, row_id), table = expected
        assert (verdict.broken.seq, verdict.broken.table, verdict.broken.row_id) == (seq, table, row_id), (
            kind,
            verdict.broken.line(),
        )
    finally:
        con.execute("ROLLBACK")


def test_the_untouched_copy_of_the_tamper_ledger_stays_intact(chained_ledger: Path, tmp_path: Path) -> None:
    """The tamper test rolls every edit back: a copy of its ledger verifies intact, with the head hashlib gives."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(chained_ledger, copy)
    result, _ = ledger.verify_record(copy)
    assert result.intact and (result.head.count, result.head.hash) == independent_head(copy)


# --- recounting without the project ----------------------------------------------------------------

VERIFIER = Path(__file__).resolve().parents[2] / "predictions" / "standalone_verifier.py"


def run_verifier(*args: object) -> subprocess.CompletedProcess[str]:
    """The standalone verifier in a bare interpreter: isolated mode (-I), no site packages (-S)."""
    return subprocess.run(
        [sys.executable, "-I", "-S", str(VERIFIER), *map(str, args)], capture_output=True, text=True, timeout=120
    )


def test_the_standalone_verifier_is_short_and_uses_the_standard_library_only() -> None:
    source = VERIFIER.read_text()
    assert len(source.splitlines()) < 100
    imported = {line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))}
    assert imported <= set(sys.stdlib_module_names), imported


def test_the_standalone_verifier_agrees_with_verify_and_catches_an_edit(db_path: Path, tmp_path: Path) -> None:
    cli_ok("init")
    cli_ok("forecast", EHANG, "--probability", "0.35", "--note", 'quotes " and \\ and \u202e and \x01')
    cli_ok("observe", EHANG, "--on", "2026-06-30", "--value", "0.000001", "--note", "tiny")
    cli_ok("observe", EHANG, "--on", "2026-07-30", "--value", "123456789012345", "--note", "large")
    cli_ok("observe", EHANG, "--on", "2026-08-30", "--value", "-0.5", "--note", "negative")
    exported = tmp_path / "ledger.json"
    cli_ok("export", "--format", "json", "-o", exported)
    ours = json.loads(cli_ok("verify", "--json"))
    theirs = run_verifier(exported)
    assert theirs.returncode == 0, theirs.stderr
    assert theirs.stdout.splitlines()[-1] == f"head {ours['head']}"
    assert theirs.stdout.startswith(f"{ours['records']} records, head {ours['head'][:4]}")
    assert run_verifier(exported, "--head", ours["head"]).returncode == 0
    document = json.loads(exported.read_text())
    document["chain"][5]["record"]["probability"] = 0.01  # one number changed after publishing
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    result = run_verifier(forged)
    assert result.returncode == 1 and "broken at record 6" in result.stderr


def test_the_site_prints_the_head_and_its_verifier_recounts_it(db_path: Path, tmp_path: Path) -> None:
    """The head in every page's footer and in the feed; verify_record.py beside the site, run in a bare
    interpreter on the site's data/record.json, gives the head `predictions verify` gives."""
    import xml.etree.ElementTree as ET

    cli_ok("init")
    cli_ok("forecast", EHANG, "--probability", "0.35", "--note", "control \x01 and bidi \u202e text")
    site = tmp_path / "site"
    cli_ok("publish", "-o", site, "--no-cards")
    ours = json.loads(cli_ok("verify", "--json"))
    for page in ("index.html", "deadlines.html", "track-record.html", f"claim-{EHANG}.html"):
        footer = (site / page).read_text(encoding="utf-8").split('<footer class="site">')[1]
        assert f"The record: {ours['records']:,} entries" in footer and ours["head"] in footer
    subtitle = ET.parse(site / "feed.xml").getroot().findtext("{http://www.w3.org/2005/Atom}subtitle")
    assert subtitle is not None and ours["head"] in subtitle and f"{ours['records']} records" in subtitle
    recount = subprocess.run(
        [sys.executable, "-I", "-S", str(site / "verify_record.py"), str(site / "data" / "record.json")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert recount.returncode == 0, recount.stderr
    assert recount.stdout.splitlines()[-1] == f"head {ours['head']}"
    assert (site / "verify_record.py").read_bytes() == VERIFIER.read_bytes()
