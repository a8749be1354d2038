"""Reviewing a new issue in the author workspace: paste or upload it, extract the candidate claims into
an editable table, accept, edit or reject each one, and save the accepted ones as claims of a new source
in one step. Nothing is written before the save; a duplicate of a stored claim is pointed out; one bad
accepted row blocks the whole save with a row-numbered message.

AppTest cannot type into a data editor's cells, so edits are made the way the browser reports them: the
editor's edit state (`edited_rows`, keyed by the row's position from 0) is assigned to its session key
before the rerun. The table shows rows numbered from 1, and problems use those numbers.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dashboard_fixtures import Rich, author, no_exception, rich_db
from streamlit.testing.v1 import AppTest

from dashboard import issue_review, ui
from predictions import ledger
from predictions.extract import RuleBasedExtractor
from predictions.models import Source

__all__ = ["author", "rich_db"]  # fixtures used by name below

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE_MD = (DATA / "extract_sample.md").read_text(encoding="utf-8")
SAMPLE_HTML = (DATA / "extract_sample.html").read_bytes()
TITLE = "Energy Transition Monthly — March 2025"
ISSUE_DATE = "2025-03-31"
URL = "https://example.org/energy/2025-03"
ROBOTAXI = (
    "With 32,000 kilometers of test roads already established in China, 2025 is set to see robotaxis "
    "operating in at least 65 Chinese cities."
)


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [row[0] for row in con.sql("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {table: con.sql(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall() for table in tables}


def extract(at: AppTest, text: str = SAMPLE_MD, title: str = TITLE, day: str = ISSUE_DATE, url: str = "") -> AppTest:
    at.text_input(key="review_title").input(title)
    at.date_input(key="review_date").set_value(day)
    at.text_input(key="review_url").input(url)
    at.text_area(key="review_text").input(text)
    at.button(key="review_extract").click().run()
    no_exception(at)
    return at


def edit(at: AppTest, edited_rows: dict[int, dict[str, Any]]) -> AppTest:
    """Edit cells as the browser would (positions from 0), then rerun."""
    at.session_state["review_editor"] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    at.run()
    no_exception(at)
    return at


def table(at: AppTest) -> Any:
    return at.data_editor(key="review_editor").value


def expected_candidates() -> list[Any]:
    return RuleBasedExtractor("author").extract(SAMPLE_MD, date.fromisoformat(ISSUE_DATE), TITLE)


def test_extracting_and_editing_show_the_candidates_and_write_nothing(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = dump(path)
    at = extract(author)
    candidates = expected_candidates()
    shown = table(at)
    assert len(shown) == len(candidates) == 11
    assert list(shown.index) == list(range(1, 12))  # rows are numbered as the problems will name them
    assert list(shown["statement"]) == [c.statement for c in candidates]
    assert list(shown["quote"]) == [c.quote for c in candidates]
    assert list(shown["accept"]) == [c.checkable for c in candidates]  # none of them is already stored
    assert shown["duplicate of"].isna().all()
    assert at.data_editor(key="review_editor").editing_mode == "fixed"
    assert at.button(key="review_save").label == "Save 10 accepted claims"
    assert dump(path) == before

    at = edit(at, {0: {"statement": "Battery pack prices fall in 2026."}, 1: {"accept": False}, 3: {"probability": 2}})
    assert at.button(key="review_save").label == "Save 9 accepted claims"
    assert dump(path) == before  # extracting and editing never write


def test_the_accepted_rows_are_saved_with_the_edits_under_a_new_source(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    stored_before = {view.id for view in ledger.list_claims(path)}
    candidates = expected_candidates()
    at = extract(author, url=URL)
    at = edit(
        at,
        {
            0: {
                "statement": "Battery pack prices fall further in 2026.",
                "probability": 0.4,
                "topics": "energy, batteries",
            },
            2: {"accept": False},  # reject the heat pumps
            4: {"accept": True, "deadline": "2026-12-31", "precision": "year"},  # Ørsted: give it a deadline
            5: {"kind": "binary"},  # the Commission's target as a yes/no claim: its threshold fields go
        },
    )
    at.button(key="review_save").click().run()
    no_exception(at)
    assert at.success[0].value == f"Saved 10 claims from {TITLE} ({ISSUE_DATE})."

    new = [view for view in ledger.list_claims(path) if view.id not in stored_before]
    assert len(new) == 10
    assert {str(view["quote"]) for view in new} == {c.quote for i, c in enumerate(candidates) if i != 2}
    for view in new:
        assert view.row["source_title"] == TITLE and view.row["source_url"] == URL
        assert str(view["made_on"]) == ISSUE_DATE
    by_quote = {view["quote"]: view for view in new}
    batteries = by_quote[candidates[0].quote]
    assert batteries["statement"] == "Battery pack prices fall further in 2026."
    assert (batteries["probability"], batteries["tags"]) == (0.4, ["energy", "batteries"])
    orsted = by_quote[candidates[4].quote]
    assert (str(orsted["deadline"]), orsted["deadline_precision"]) == ("2026-12-31", "year")
    commission = by_quote[candidates[5].quote]
    assert (commission["kind"], commission["target"], commission["metric"]) == ("binary", None, None)

    # the review is cleared; the same issue again shows repeats of the new claims, which add nothing
    assert not at.data_editor and not at.text_input(key="review_title").value
    at = extract(at, url=URL)
    again = table(at)
    assert list(again["duplicate of"].fillna("")) == [
        f"#{by_quote[c.quote].id}" if c.quote in by_quote else "" for c in candidates
    ]
    assert list(again["accept"]) == [False, False, True, *[False] * 8]  # the heat pumps were not saved
    at = edit(at, {0: {"accept": True}})
    at.button(key="review_save").click().run()
    assert at.success[0].value == f"Saved 1 claim (1 already there) from {TITLE} ({ISSUE_DATE})."  # + heat pumps

    # the new claims are on the reader pages at once
    at.query_params["claim"] = str(batteries.id)
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    assert at.subheader[0].value == "Battery pack prices fall further in 2026\\."


def test_a_candidate_repeating_a_stored_claim_is_pointed_out(author: AppTest, rich_db: Rich) -> None:
    path, ids = rich_db
    before = dump(path)
    at = extract(author, text=f"Looking ahead.\n\n{ROBOTAXI}\n", title="Robotaxi digest", day="2025-01-31")
    shown = table(at)
    assert len(shown) == 1
    assert shown["duplicate of"].iloc[0] == f"#{ids['robotaxi-cities-2025']}"
    assert not shown["accept"].iloc[0]  # a repeat is not accepted by default
    assert any("1 repeat a stored claim" in m.value for m in at.markdown)
    assert at.button(key="review_save").disabled
    assert dump(path) == before


def test_an_invalid_accepted_row_blocks_the_save_and_writes_nothing(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = dump(path)
    at = extract(author)
    at = edit(
        at,
        {
            0: {"probability": 1.5},
            1: {"target": None},  # a threshold claim without its target
            2: {"statement": ""},
            4: {"statement": "", "accept": False},  # a rejected row is not checked
        },
    )
    at.button(key="review_save").click().run()
    no_exception(at)
    assert at.error[0].value == "Nothing saved: 3 problem(s) in the accepted rows."
    assert list(next(d.value for d in at.dataframe if "problem" in d.value.columns)["problem"]) == [
        "row 1: probability: Input should be less than or equal to 1",
        "row 2: a threshold candidate needs a metric and a target",
        "row 3: statement: String should have at least 3 characters",
    ]
    assert dump(path) == before
    assert len(table(at)) == 11  # the review is kept for fixing

    at = edit(at, {0: {"probability": 0.5}, 1: {"accept": False}, 2: {"statement": "Heat pump sales recover"}})
    at.date_input(key="review_date").set_value("2025-04-30").run()  # the date changed after the extraction
    at.button(key="review_save").click().run()
    assert "extract again" in at.error[0].value
    assert dump(path) == before


def test_bad_issue_inputs_are_reported_and_nothing_is_extracted(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    before = dump(path)
    at = author
    at.button(key="review_extract").click().run()
    assert at.error[0].value == ui.escape_markdown("Cannot extract: give the issue's title.")
    at = extract(at, url="javascript:alert(1)")
    assert "must be an http" in at.error[0].value and not at.data_editor
    at = extract(at, day="2025-03-31", text="   ")
    assert "paste the issue" in at.error[0].value and not at.data_editor
    at.file_uploader(key="review_upload").set_value(("issue.txt", b"\xff\xfe\x00bad", "text/plain")).run()
    at.button(key="review_extract").click().run()
    assert at.error[0].value == ui.escape_markdown("Cannot extract: issue.txt is not UTF-8 text.")
    assert dump(path) == before


def test_an_uploaded_html_issue_gives_the_same_candidates(author: AppTest) -> None:
    at = author
    at.text_input(key="review_title").input(TITLE)
    at.date_input(key="review_date").set_value(ISSUE_DATE)
    at.file_uploader(key="review_upload").set_value(("issue.html", SAMPLE_HTML, "text/html")).run()
    at.button(key="review_extract").click().run()
    no_exception(at)
    assert list(table(at)["quote"]) == [c.quote for c in expected_candidates()]


def test_hostile_text_stays_literal(author: AppTest, rich_db: Rich) -> None:
    path, _ = rich_db
    hostile = "Acme :red[Corp] $x$ will open 3 plants in Europe by 2026."
    at = extract(author, text=hostile, title="<b>Issue</b> **one** [x](javascript:alert(1))")
    [candidate] = RuleBasedExtractor("author").extract(hostile, date.fromisoformat(ISSUE_DATE))
    assert table(at)["quote"].iloc[0] == candidate.quote == "Acme :red[Corp] $x$ will open 3 plants in Europe by 2026."
    script = '<script>alert("owned")</script> Acme opens 3 plants in Europe by 2026.'
    at = edit(at, {0: {"statement": script}})
    for element in [*at.markdown, *at.success, *at.error, *at.info]:
        assert "<b>" not in element.value and "](javascript" not in element.value
    at.button(key="review_save").click().run()
    no_exception(at)
    assert "\\<b\\>Issue\\</b\\>" in at.success[0].value
    [saved] = [view for view in ledger.list_claims(path) if view["quote"] == candidate.quote]
    assert saved["statement"] == script  # stored as typed
    at.query_params["claim"] = str(saved.id)
    at.switch_page("app_pages/claim.py").run()
    no_exception(at)
    assert at.subheader[0].value == ui.escape_markdown(script)


# --- the review's pure part ----------------------------------------------------------------------


def test_review_rows_turns_table_cells_into_claims_or_row_numbered_problems() -> None:
    candidates = expected_candidates()
    rows = issue_review.editor_rows(candidates, {candidates[3].id: 7})
    assert rows[3]["duplicate of"] == "#7" and rows[3]["accept"] is False
    assert [row["accept"] for row in rows].count(True) == 9
    rows[0] |= {"target": math.nan, "metric": "", "unit": None, "deadline": "2027-06-30", "topics": " a, ,B "}
    rows[1] |= {"kind": "binary", "target": 12.0}
    rows[6] |= {"accept": False}
    checked = issue_review.review_rows(candidates, rows)
    assert checked.ok and checked.rows == [1, 2, 3, 6, 8, 9, 10, 11]
    first, second = checked.claims[:2]
    assert (str(first.deadline), first.tags, first.metric) == ("2027-06-30", ["a", "b"], None)
    assert (second.kind.value, second.target, second.unit) == ("binary", None, None)
    assert all(c.made_on == date.fromisoformat(ISSUE_DATE) for c in checked.accepted)

    rows[7] |= {"deadline": "2020-01-01", "claimant": "  "}
    rows[8] |= {"attribution": None, "comparator": "≥"}
    problems = issue_review.review_rows(candidates, rows).problems
    assert problems == [
        "row 8: claimant: String should have at least 1 character",
        "row 9: attribution: Input should be 'author', 'reported_projection', 'official_target' or "
        "'third_party_forecast'",
    ]
    rows[7] |= {"claimant": "Analysts"}
    assert issue_review.review_rows(candidates, rows).problems[0].startswith("row 8: deadline 2020-01-01 is before")
    none = issue_review.review_rows(candidates, [row | {"accept": False} for row in rows])
    assert not none.ok and none.problems == ["no row is accepted: tick “accept” on the candidates to save"]


@pytest.mark.parametrize(
    ("title", "day", "url", "message"),
    [
        ("", date(2025, 3, 31), None, "give the issue's title"),
        ("An issue", None, None, "give the issue's date (YYYY-MM-DD)"),
        ("An issue", date(2025, 3, 31), "ftp://x.org", "url: must be an http:// or https:// URL"),
    ],
)
def test_the_issue_is_described_by_a_valid_source(title: str, day: date | None, url: str | None, message: str) -> None:
    with pytest.raises(issue_review.IssueError) as raised:
        issue_review.issue_source(title, day, url, "Pascal")
    assert str(raised.value) == message
    assert issue_review.issue_source(" T ", date(2025, 3, 31), " ", "Pascal") == Source(
        title="T", published_on=date(2025, 3, 31), author="Pascal"
    )


DEADLINES_MD = (DATA / "extract_deadlines.md").read_text(encoding="utf-8")


def test_the_review_table_shows_each_deadline_beside_the_phrase_it_came_from(author: AppTest) -> None:
    """Issue 19: the author sees why a deadline is what it is ("within nine months" → 2026-06-30)."""
    at = extract(author, text=DEADLINES_MD, day="2025-09-30")
    editor = at.data_editor(key="review_editor")
    shown = editor.value
    columns = list(shown.columns)
    assert columns.index(issue_review.PHRASE) == columns.index("deadline") + 1  # the phrase right beside the deadline
    order = list(editor.proto.column_order)  # the order the page shows the columns in
    assert order[order.index("deadline") + 1] == issue_review.PHRASE
    assert json.loads(editor.proto.columns)[issue_review.PHRASE]["disabled"] is True  # shown, not editable
    pairs = [
        (None if deadline is None or (isinstance(deadline, float) and math.isnan(deadline)) else str(deadline)[:10],
         phrase)
        for deadline, phrase in zip(shown["deadline"], shown[issue_review.PHRASE], strict=True)
    ]  # fmt: skip
    assert ("2026-06-30", "within nine months") in pairs
    assert ("2027-06-30", "by mid-2027") in pairs
    assert ("2027-12-31", "before 2028") in pairs
    assert ("2028-12-31", "until 2029") in pairs
    assert ("2027-08-31", "by summer 2027") in pairs
    assert (None, "in the coming years") in pairs  # no deadline: the phrase says why
    candidates = RuleBasedExtractor("author").extract(DEADLINES_MD, date(2025, 9, 30), TITLE)
    assert [p for _d, p in pairs] == [issue_review.phrase_shown(c) for c in candidates]
    # a phrase "within six months" is a deadline, never a threshold on "months"
    startups = next(i for i, (_d, p) in enumerate(pairs) if p == "within six months")
    assert shown["kind"].iloc[startups] == "binary" and shown["unit"].isna().iloc[startups]


def test_a_deadline_taken_from_the_context_says_where_its_phrase_was_found() -> None:
    candidates = RuleBasedExtractor("Maria Lind").extract(SAMPLE_MD, date.fromisoformat(ISSUE_DATE), TITLE)
    shown = [row[issue_review.PHRASE] for row in issue_review.editor_rows(candidates, {})]
    assert shown[0] == "in 2026"  # in the sentence itself
    assert shown[1] == "for 2026 (section heading)"  # "I predict ..." under "Three calls for 2026"
    assert shown[4] is None  # Ørsted's plan names no time
