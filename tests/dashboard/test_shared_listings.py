"""Claims lists shared by readers (issue 30): the rows and the table of a view are built once per database
version, day and view, and every reader of that view gets them; a reader's filter stays their own, and a
write shows at the next run."""

from __future__ import annotations

from datetime import date

from dashboard_fixtures import Rich, app, metrics, no_exception, rich_db

from dashboard import data
from predictions import ledger, overview
from predictions.models import ClaimIn

__all__ = ["rich_db"]


def table_ids(frame: object) -> list[int]:
    return [int(link.rsplit("=", 1)[1]) for link in frame.value["claim"]]  # type: ignore[attr-defined]


def test_a_view_is_built_once_and_each_reader_keeps_their_own_filter(rich_db: Rich) -> None:
    path, _ = rich_db
    views = ledger.list_claims(path)
    everything = data.filtered_claims(overview.ClaimFilter(), 500)
    assert data.filtered_claims(overview.ClaimFilter(), 500) is everything  # shared, not rebuilt
    assert everything.total == len(views) and {r["id"] for r in everything.rows} == {v.id for v in views}
    overdue = sorted(v.id for v in views if v.status.state == "overdue")
    assert 0 < len(overdue) < len(views)
    first = app()  # one reader sees everything ...
    filtered = app(status="overdue")  # ... the next one filters ...
    again = app()  # ... and a third sees everything again, not the second one's filter
    for at in (first, filtered, again):
        no_exception(at)
    assert sorted(table_ids(filtered.dataframe[0])) == overdue
    assert sorted(table_ids(first.dataframe[0])) == sorted(table_ids(again.dataframe[0])) == sorted(v.id for v in views)
    assert filtered.dataframe[0].value["status"].map(list).tolist() == [
        [str(next(v.status for v in views if v.id == i))] for i in table_ids(filtered.dataframe[0])
    ]


def test_a_write_gives_the_next_reader_a_fresh_list(rich_db: Rich) -> None:
    path, _ = rich_db
    before = app()
    no_exception(before)
    shown = len(before.dataframe[0].value)
    added = ledger.add_claim(path, ClaimIn(statement="Written meanwhile, due soon", made_on="2026-01-01"))
    after = app()
    assert len(after.dataframe[0].value) == shown + 1
    assert int(metrics(after)["Claims"]) == shown + 1
    assert added in table_ids(after.dataframe[0])


def test_the_deadline_lists_are_shared_per_day_and_horizon(rich_db: Rich) -> None:
    path, _ = rich_db
    today = date.today()
    table = ledger.claim_table(path, today, progress_claims=overview.PROGRESS_CLAIMS)
    for days in overview.HORIZONS:
        due = data.due_claims(days, 500, today)
        assert due is data.due_claims(days, 500, today)
        assert due.rows == overview.due_within(table, today, days, limit=500)
        assert due.total == len(overview.due_within_index(table, today, days))
    late = data.overdue_claims(500, today)
    assert late.rows == overview.overdue(table, limit=500) and late.total == len(overview.overdue_index(table))
    assert data.due_claims(30, 500, today).key != data.due_claims(90, 500, today).key
