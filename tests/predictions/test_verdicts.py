"""The living record (issue 12): real evidence in, verdicts out, claims corrected without rewriting history.

Expectations are computed independently from the shipped files (the evidence CSV read with the csv
module, the seed read with yaml), never copied from what the program prints.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from dashboard_fixtures import APP, PASSWORD, no_exception, sign_in
from ledger_snapshot import CliResult, dump, run_cli
from streamlit.testing.v1 import AppTest

import db as storage
from db import reminders as reminder_sql
from predictions import ledger, scorecard, verdicts
from predictions.imports import evidence
from predictions.models import Outcome, ResolutionIn
from predictions.progress import Status
from predictions.seed import default_seed_path

TODAY = date(2026, 12, 4)
SEED = default_seed_path()
EVIDENCE = evidence.shipped_evidence_path(SEED)
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "evidence" / EVIDENCE.name


def cli(*args: object) -> CliResult:
    return run_cli([str(a) for a in args])


def evidence_rows() -> list[dict[str, str]]:
    with EVIDENCE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_claims() -> dict[str, dict[str, Any]]:
    document = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    return {claim["key"]: claim for claim in document["claims"]}


def ids_by_key(path: Path) -> dict[str, int]:
    return {str(v["external_id"]).rsplit(":", 1)[1]: v.id for v in ledger.list_claims(path, TODAY)}


def meets(value: float, comparator: str, target: float) -> bool:
    return {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target}[comparator]


# --- 1. evidence import ---------------------------------------------------------------------------


def test_the_shipped_evidence_is_the_shared_file_unchanged() -> None:
    if not SHARED.exists():
        pytest.skip(f"the shared data set is not beside the checkout ({SHARED})")
    assert EVIDENCE.read_bytes() == SHARED.read_bytes()
    assert (EVIDENCE.parent / "EVIDENCE.md").read_text(encoding="utf-8").count("shared/data/evidence") >= 1


def test_importing_the_evidence_adds_every_row_once(db_path: Path) -> None:
    assert cli("init", "--no-evidence", "--db", db_path).code == 0
    issue_only = dump(db_path)["observations"]
    first = cli("import", EVIDENCE, "--format", "evidence", "--db", db_path)
    assert first.code == 0, first.err
    rows = evidence_rows()
    assert f"{len(rows)} observations added, 0 already there" in first.out
    before = dump(db_path)
    again = cli("import", EVIDENCE, "--format", "evidence", "--db", db_path)
    assert again.code == 0 and f"0 observations added, {len(rows)} already there" in again.out
    assert dump(db_path) == before
    assert len(before["observations"]) == len(issue_only) + len(rows)
    # every row is stored with its provenance, on the claim its key names
    keys = ids_by_key(db_path)
    stored = {
        (o["claim_id"], o["observed_on"].isoformat(), o["note"], o["source_url"], o["confidence"], o["origin"])
        for claim_id in keys.values()
        for o in ledger.get_claim(db_path, claim_id, TODAY).observations
    }
    for row in rows:
        assert (
            keys[row["claim_key"]],
            row["observed_on"],
            row["note"] or None,
            row["source_url"],
            row["confidence"],
            "evidence",
        ) in stored


def test_the_same_rows_as_json_import_too(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in evidence_rows()[:10]]
    for row in rows:
        row["value"] = float(row["value"]) if row["value"] else None
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    result = evidence.import_evidence_file(db_path, path)
    assert (result.added, result.existing) == (10, 0)
    assert evidence.import_evidence_file(db_path, path).existing == 10


def test_a_bad_evidence_file_is_refused_whole_with_line_numbers(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    before = dump(db_path)
    path = tmp_path / "bad.csv"
    path.write_text(
        "claim_key,observed_on,value,note,source_url,source_published,confidence\n"
        "robotaxi-cities-2025,2025-06-30,16,fine,https://example.org/a,2025-07-01,high\n"  # line 2: good
        "no-such-claim,2025-06-30,,a note,https://example.org/b,,medium\n"  # 3: unknown claim
        'robotaxi-cities-2025,2025-13-01,,"a note, with a comma",https://example.org/c,,low\n'  # 4: bad date
        "china-economy-peak-2025,2025-06-30,5,a value on a binary claim,https://example.org/d,,high\n"  # 5
        "robotaxi-cities-2025,2025-06-30,,a note,javascript:alert(1),,high\n"  # 6: not http(s)
        "robotaxi-cities-2025,2020-01-01,3,a baseline before the claim was made,https://example.org/e,,low\n",  # 7
        encoding="utf-8",
    )
    result = cli("import", path, "--format", "evidence", "--db", db_path)
    assert result.code == 1 and "Traceback" not in result.err
    lines = result.error_lines
    assert [line.split(":")[0] for line in lines] == ["error"] * len(lines)
    joined = "\n".join(lines)
    assert "line 4: observed_on" in joined and "line 6: source_url" in joined
    assert len(lines) == 2  # the per-row checks fail first; the ledger checks come after them
    fixed = path.read_text(encoding="utf-8").splitlines()
    del fixed[5], fixed[3]  # the bad date and the bad link
    path.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    result = cli("import", path, "--format", "evidence", "--db", db_path)
    assert result.code == 1
    assert [line.removeprefix("error: ").split(":")[0] for line in result.error_lines] == ["line 3", "line 4"]
    assert "unknown claim 'no-such-claim'" in result.error_lines[0]
    assert "binary claim" in result.error_lines[1]
    assert dump(db_path) == before  # nothing written, not even the good rows
    del fixed[2:4]
    path.write_text("\n".join(fixed) + "\n", encoding="utf-8")
    result = cli("import", path, "--format", "evidence", "--db", db_path)
    assert result.code == 0 and "2 observations added" in result.out  # a baseline before the claim is allowed


def test_a_row_with_more_cells_than_columns_is_named_in_file_order(db_path: Path, tmp_path: Path) -> None:
    ledger.seed_from_file(db_path)
    before = dump(db_path)
    path = tmp_path / "wide.csv"
    path.write_text(
        "claim_key,observed_on,value,note\n"
        "robotaxi-cities-2025,2025-13-01,16,bad date\n"  # line 2
        "robotaxi-cities-2025,2025-06-30,16,fine,an extra cell\n"  # line 3
        "robotaxi-cities-2025,2025-06-31,16,bad date\n",  # line 4
        encoding="utf-8",
    )
    result = cli("import", path, "--format", "evidence", "--db", db_path)
    assert result.code == 1
    assert [line.removeprefix("error: ").split(":")[0] for line in result.error_lines] == ["line 2", "line 3", "line 4"]
    assert result.error_lines[1] == "error: line 3: more cells than columns"
    assert dump(db_path) == before


# --- 2. the default ledger carries the evidence -----------------------------------------------------


def test_init_records_the_evidence_apart_from_the_issue_baselines(db_path: Path, tmp_path: Path) -> None:
    result = evidence.seed_ledger(db_path)
    rows = evidence_rows()
    assert (result.claims_added, result.evidence_added) == (len(seed_claims()), len(rows))
    bare = tmp_path / "bare.duckdb"
    assert cli("init", "--no-evidence", "--db", bare).code == 0
    issue_baselines = sum(len(c.get("observations", [])) for c in seed_claims().values())
    with duckdb.connect(str(db_path), read_only=True) as con:
        origins = dict(con.execute("SELECT origin, count(*) FROM observations GROUP BY origin").fetchall())
    assert origins == {"issue": issue_baselines, "evidence": len(rows)}
    assert len(dump(bare)["observations"]) == issue_baselines


def test_the_robotaxi_claim_charts_its_valued_evidence(db_path: Path) -> None:
    evidence.seed_ledger(db_path)
    claim_id = ids_by_key(db_path)["robotaxi-cities-2025"]
    detail = ledger.get_claim(db_path, claim_id, TODAY)
    trajectory = ledger.claim_trajectory(detail)
    assert trajectory is not None
    valued = {
        (r["observed_on"], float(r["value"]))
        for r in evidence_rows()
        if r["claim_key"] == "robotaxi-cities-2025" and r["value"]
    }
    baseline = {
        (o["observed_on"], float(o["value"]))
        for o in seed_claims()["robotaxi-cities-2025"]["observations"]
        if o.get("value") is not None
    }
    assert {(date.fromisoformat(d), v) for d, v in valued} | baseline == {(p.day, p.value) for p in trajectory.points}
    lines = ledger.threshold_trajectories(db_path, TODAY)
    assert sum(1 for t in lines if t.points) >= 2  # the Overview's progress chart has lines


# --- 3. what the status says is true --------------------------------------------------------------


def test_a_binary_claim_is_never_on_track_from_its_probability(db_path: Path) -> None:
    evidence.seed_ledger(db_path)
    claims = seed_claims()
    for view in ledger.list_claims(db_path, TODAY):
        key = str(view["external_id"]).rsplit(":", 1)[1]
        if claims[key].get("kind", "binary") == "binary":
            assert view.status in {Status.OPEN, Status.HAS_EVIDENCE, Status.AWAITING_VERDICT, Status.NOT_CHECKABLE}
        if view["deadline"] is not None and view["deadline"] < TODAY:
            assert view.status is Status.AWAITING_VERDICT
        reason = verdicts.status_reason(view.row, view.status, view.projection, TODAY)
        assert reason and "\n" not in reason


# --- 4. needs a verdict ---------------------------------------------------------------------------


def expected_proposals() -> dict[str, str | None]:
    """Per threshold claim key: the outcome its last valued fact on or before the deadline gives."""
    out: dict[str, str | None] = {}
    for key, claim in seed_claims().items():
        if claim.get("kind") != "threshold":
            continue
        deadline = {
            "in 2025": date(2025, 12, 31),
            "next year": date(2025, 12, 31),
            "starting in 2025": date(2025, 12, 31),
        }.get(claim.get("deadline_text") or "")
        if deadline is None:
            continue
        facts = [
            (date.fromisoformat(r["observed_on"]), float(r["value"]))
            for r in evidence_rows()
            if r["claim_key"] == key and r["value"]
        ]
        facts += [
            (o["observed_on"], float(o["value"])) for o in claim.get("observations", []) if o.get("value") is not None
        ]
        before = sorted(f for f in facts if f[0] <= deadline)
        out[key] = (
            None
            if not before
            else ("true" if meets(before[-1][1], claim["comparator"], float(claim["target"])) else "false")
        )
    return out


def test_review_json_lists_every_overdue_claim_with_the_data_s_proposals(db_path: Path) -> None:
    evidence.seed_ledger(db_path)
    result = cli("review", "--json", "--today", TODAY.isoformat(), "--db", db_path)
    assert result.code == 0, result.err
    items = json.loads(result.out)
    overdue = [v for v in ledger.list_claims(db_path, TODAY) if v["deadline"] is not None and v["deadline"] < TODAY]
    assert sorted(i["id"] for i in items) == sorted(v.id for v in overdue)
    assert [i["deadline"] for i in items] == sorted(i["deadline"] for i in items)  # oldest deadline first
    keys = {v: k for k, v in ids_by_key(db_path).items()}
    expected = expected_proposals()
    assert expected["robotaxi-cities-2025"] == "false" and expected["neo-bci-30-implantations-2025"] == "true"
    for item in items:
        assert set(item) >= {"id", "statement", "deadline", "proposal", "basis", "evidence"}
        assert item["proposal"] == expected.get(keys[item["id"]])  # binary claims: None
        days = [e["observed_on"] for e in item["evidence"]]
        assert days == sorted(days, reverse=True)  # newest first
    robotaxi = next(i for i in items if keys[i["id"]] == "robotaxi-cities-2025")
    assert "10 cities on 2025-11-26" in robotaxi["basis"] and "65" in robotaxi["basis"]


def test_the_author_works_through_the_queue_in_the_workspace(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    evidence.seed_ledger(db_path)
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    at = sign_in(AppTest.from_file(APP, default_timeout=60).run(), PASSWORD)
    at.switch_page("app_pages/author.py").run()
    no_exception(at)
    queue = verdicts.review_queue(db_path)
    robotaxi = ids_by_key(db_path)["robotaxi-cities-2025"]
    at.selectbox(key="verdict_claim").select(robotaxi).run()
    no_exception(at)
    assert at.radio(key=f"verdict_outcome_{robotaxi}").value == "false"  # the data's proposal, pre-selected
    note = at.text_area(key=f"verdict_note_{robotaxi}").value
    assert "10 cities" in note and "https://" in note
    at.button(key=f"verdict_submit_{robotaxi}").click().run()
    no_exception(at)
    assert any(f"Resolved claim #{robotaxi}: false" in s.value for s in at.success)
    detail = ledger.get_claim(db_path, robotaxi)
    assert detail.view.status is Status.RESOLVED_FALSE
    assert detail.resolutions[-1]["evidence_url"].startswith("https://")
    assert len(verdicts.review_queue(db_path)) == len(queue) - 1
    # a binary claim: no proposal, the author picks
    binary = next(item.id for item in verdicts.review_queue(db_path) if item.proposal.outcome is None)
    at.selectbox(key="verdict_claim").select(binary).run()
    assert at.radio(key=f"verdict_outcome_{binary}").value is None
    at.radio(key=f"verdict_outcome_{binary}").set_value("true")
    at.button(key=f"verdict_submit_{binary}").click().run()
    no_exception(at)
    assert len(verdicts.review_queue(db_path)) == len(queue) - 2
    # the Track record and the scorecard follow at once
    score = ledger.track_record(db_path)
    assert score.n > 0
    card = scorecard.build_scorecard(db_path, date(2025, 1, 1), today=date.today())
    assert "Rests on" in card and "10 cities" in card and "[source](<https://" in card


# --- 5. corrections -------------------------------------------------------------------------------


def test_amend_and_withdraw_are_rows_with_reasons(db_path: Path) -> None:
    evidence.seed_ledger(db_path)
    keys = ids_by_key(db_path)
    claim_id, other = keys["robotaxi-cities-2025"], keys["robotaxi-dominance-2025"]
    result = cli("amend", str(claim_id), "--deadline", "2026-12-31", "--precision", "year", "--target", "50",
                     "--reason", "the issue meant the end of 2026", "--db", db_path)  # fmt: skip
    assert result.code == 0, result.err
    view = next(v for v in ledger.list_claims(db_path, TODAY) if v.id == claim_id)
    assert view["deadline"] == date(2026, 12, 31) and view["target"] == 50 and view["deadline_precision"] == "year"
    history = verdicts.amendments(db_path, claim_id)
    assert history[0]["reason"] == "the issue meant the end of 2026"
    assert history[0]["changes"]["deadline"] == {"from": "2025-12-31", "to": "2026-12-31"}
    assert history[0]["changes"]["target"] == {"from": 65.0, "to": 50.0}
    # refusals are one line and change nothing
    before = dump(db_path)
    for args in (
        ["amend", str(claim_id), "--reason", "nothing given"],
        ["amend", str(claim_id), "--deadline", "2020-01-01", "--reason", "before it was made"],
        ["amend", str(keys["china-economy-peak-2025"]), "--target", "3", "--reason", "binary"],
        ["amend", "9999", "--statement", "x y z", "--reason", "unknown"],
        ["withdraw", str(claim_id), "--reason", "   "],
        ["withdraw", str(claim_id), "--reason", "dup of itself", "--duplicate-of", str(claim_id)],
        ["amend", str(claim_id), "--statement", "Robotaxis everywhere"],  # no --reason
    ):
        refused = cli(*args, "--db", db_path)
        assert refused.code == 1 and len(refused.error_lines) == 1 and "Traceback" not in refused.err, args
    assert dump(db_path) == before
    # withdraw: gone from lists, scores and reminders, reachable by its link
    ledger.resolve(db_path, other, ResolutionIn(outcome=Outcome.TRUE, resolved_on=date(2026, 1, 5)))
    n_scored = ledger.track_record(db_path).n
    result = cli("withdraw", str(other), "--reason", "repeats #14", "--duplicate-of", str(claim_id), "--db", db_path)
    assert result.code == 0, result.err
    assert other not in {v.id for v in ledger.list_claims(db_path, TODAY)}
    assert ledger.track_record(db_path).n < n_scored
    assert other not in {item.id for item in verdicts.review_queue(db_path, TODAY)}
    with storage.read_only(db_path) as con:
        assert other not in set(reminder_sql.open_claim_deadlines(con, date(2100, 1, 1))["id"].tolist())
    detail = ledger.get_claim(db_path, other, TODAY)
    assert detail.view.row["withdrawn"] and detail.view.as_json()["withdrawn"]
    assert cli("withdraw", str(other), "--reason", "again", "--db", db_path).code == 1


def test_the_claim_page_shows_evidence_reason_and_amendments(db_path: Path) -> None:
    evidence.seed_ledger(db_path)
    claim_id = ids_by_key(db_path)["robotaxi-cities-2025"]
    verdicts.amend(
        db_path,
        claim_id,
        verdicts.Amendment(reason="a clearer statement", statement="Robotaxis run in 65+ Chinese cities in 2025."),
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["claim"] = str(claim_id)
    at.run()
    no_exception(at)
    text = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "passed" in text and "the data proposes false" in text  # the one-line reason
    frames = [df.value for df in at.dataframe]
    evidence_frame = next(v for v in frames if "confidence" in v.columns and "from" in v.columns)
    n_facts = sum(1 for r in evidence_rows() if r["claim_key"] == "robotaxi-cities-2025")
    assert (evidence_frame["from"] == "gathered after the issue").sum() == n_facts
    assert evidence_frame["source"].notna().sum() == n_facts  # every gathered fact links its source
    amendments = next(v for v in frames if "reason" in v.columns and "before" in v.columns)
    assert list(amendments["reason"]) == ["a clearer statement"]


# --- 6. the same claim twice ----------------------------------------------------------------------


def test_adding_the_same_statement_twice_is_refused(db_path: Path) -> None:
    first = cli("add", "--statement", "Flying cars in Shenzhen by 2030", "--deadline", "2030-12-31", "--db", db_path)
    assert first.code == 0
    before = dump(db_path)
    again = cli(
        "add", "--statement", "  flying CARS in   shenzhen by 2030 ", "--deadline", "2030-12-31", "--db", db_path
    )
    assert again.code == 1 and len(again.error_lines) == 1
    assert "claim #1 already says that" in again.err
    assert dump(db_path) == before
