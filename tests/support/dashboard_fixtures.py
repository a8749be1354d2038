"""Databases for the dashboard tests: the seed issue plus evidence, resolutions and a hostile claim.

Import the fixtures into a test module (`from dashboard_fixtures import rich_db`); they build on the
`db_path` fixture of conftest.py, which already points PREDICTIONS_DB at a temporary file.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from db.clock import replaying
from predictions import imports, ledger
from predictions.models import ClaimIn, ForecastIn, ObservationIn, Outcome, ResolutionIn

HOSTILE_STATEMENT = '<script>alert("owned")</script> **bold** [click me](javascript:alert(1)) $x$'
HOSTILE_QUOTE = "<img src=x onerror=alert(1)> :red[red] <b>bold</b>"

OBSERVATIONS = {  # seed key → (day, value) observations of the metric
    "robotaxi-cities-2025": [(date(2025, 3, 31), 16), (date(2025, 6, 30), 22), (date(2025, 9, 30), 27)],
    "ehang-shenzhen-flying-taxis-2030": [(date(2025, 6, 30), 50), (date(2026, 6, 30), 300)],
    "nqpf-kpis-2025": [(date(2025, 5, 1), 120), (date(2025, 10, 1), 190)],
    "neo-bci-30-implantations-2025": [(date(2025, 4, 1), 5), (date(2025, 8, 1), 14), (date(2025, 11, 30), 31)],
}
RESOLUTIONS = {  # seed key → (outcome, day, fraction)
    "neo-bci-30-implantations-2025": (Outcome.TRUE, date(2026, 1, 10), None),
    "china-economy-peak-2025": (Outcome.FALSE, date(2026, 3, 1), None),
    "chinese-llms-cheaper-2025": (Outcome.TRUE, date(2026, 1, 15), None),
    "chinese-llms-rise-2025": (Outcome.TRUE, date(2026, 1, 15), None),
    "three-new-industries-take-off-2025": (Outcome.PARTIAL, date(2026, 2, 1), 2 / 3),
    "ai-virtual-hospital-public-h1-2025": (Outcome.TRUE, date(2025, 7, 1), None),
    "robotaxi-dominance-2025": (Outcome.AMBIGUOUS, date(2026, 2, 1), None),
}


def claim_ids(path: Path) -> dict[str, int]:
    """Seed key (the part after the last ':' of the external id) → claim id."""
    return {
        str(view["external_id"]).rsplit(":", 1)[-1]: view.id for view in ledger.list_claims(path) if view["external_id"]
    }


def build_rich_database(path: Path, today: date | None = None) -> dict[str, int]:
    """Seed `path` and add observations, resolutions, a confidence update and a hostile claim due soon."""
    today = today or date.today()
    ledger.seed_from_file(path)
    ids = claim_ids(path)
    for key, values in OBSERVATIONS.items():
        for day, value in values:
            ledger.add_observation(
                path,
                ids[key],
                ObservationIn(observed_on=day, value=value, source_url=f"https://example.org/{key}/{day}", note="q"),
            )
    for key, (outcome, day, fraction) in RESOLUTIONS.items():
        ledger.resolve(path, ids[key], ResolutionIn(outcome=outcome, resolved_on=day, fraction=fraction, note="test"))
    with replaying(datetime(2025, 7, 1, 9)):  # the author's update, recorded when he made it
        ledger.add_forecast(
            path,
            ids["robotaxi-cities-2025"],
            ForecastIn(probability=0.45, forecaster="Pascal Coppens", made_at=datetime(2025, 7, 1, 9), note="slower"),
        )
    ids["hostile"] = ledger.add_claim(
        path,
        ClaimIn(
            statement=HOSTILE_STATEMENT,
            quote=HOSTILE_QUOTE,
            made_on=today - timedelta(days=10),
            deadline=today + timedelta(days=20),
            tags=["ai"],
            resolution_criteria="<b>criteria</b>",
        ),
        probability=0.3,
    )
    return ids


def archive_csv(forecasters: int = 2_100, claims: int = 3_000, seed: int = 42) -> str:
    """A PredictionBook-sized flat file (deterministic): every forecaster has at least one forecast."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.CSV_COLUMNS)
    names = [f"user{i:04d}" for i in range(forecasters)]
    start = date(2010, 1, 1)
    for i in range(claims):
        made_on = start + timedelta(days=rng.randrange(4_000))
        deadline = made_on + timedelta(days=rng.randrange(1, 900))
        truth = rng.random() < 0.4
        outcome = "" if deadline > date(2021, 6, 1) else ("true" if truth else "false")
        tag = rng.choice(["ai", "economy", "politics", "science", ""])
        chosen = {names[i % forecasters]} | {rng.choice(names) for _ in range(rng.randrange(0, 7))}
        for name in sorted(chosen):
            p = min(0.99, max(0.01, rng.gauss(0.65 if truth else 0.35, 0.2)))
            writer.writerow([f"Archive question {i}", f"{p:.2f}", outcome, made_on, deadline, name, tag])
    return out.getvalue()


@pytest.fixture
def archive_db(db_path: Path) -> Path:
    imports.import_text(db_path, archive_csv(), "csv", "archive")
    return db_path


@pytest.fixture
def seeded_db(db_path: Path) -> Path:
    ledger.seed_from_file(db_path)
    return db_path


# The rich database, built once per worker and day (its hostile claim is dated from today), then copied.
_RICH: dict[date, tuple[Path, dict[str, int]]] = {}


@pytest.fixture
def rich_db(db_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """`db_path` holding the rich database: a copy of the file `build_rich_database` wrote today in this process
    (the same claims, ids and rows as building it again, in a fraction of the time; ~50 tests use it)."""
    today = date.today()
    if today not in _RICH:
        template = tmp_path_factory.mktemp("rich-template") / "ledger.duckdb"
        _RICH[today] = template, build_rich_database(template, today)
    template, ids = _RICH[today]
    shutil.copyfile(template, db_path)
    wal = template.with_name(template.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, db_path.with_name(db_path.name + ".wal"))
    return db_path, dict(ids)


# --- AppTest helpers ------------------------------------------------------------------------------

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
Rich = tuple[Path, dict[str, int]]


def app(**query: str) -> AppTest:
    """A new browser session on a fresh server: the server-wide sign-in throttle starts over."""
    auth.THROTTLE.reset()
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def figures(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def title_of(figure: dict[str, Any]) -> str:
    """The title of a dashboard figure: shown as a heading above it, and kept in the figure's meta."""
    assert not (figure["layout"].get("title") or {}).get("text"), (
        "a page draws the title as a heading, not in the figure"
    )
    return str(figure["layout"]["meta"]["title"])


def chart_headings(at: AppTest) -> list[str]:
    """The bold lines above the charts (their titles), as the reader sees them (markdown escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", m.value[2:-2]) for m in at.markdown if m.value.startswith("**")]


def names(figure: dict[str, Any]) -> list[str]:
    return [str(trace.get("name")) for trace in figure["data"]]


def shapes(figure: dict[str, Any]) -> list[str]:
    return [str(shape.get("name")) for shape in figure["layout"].get("shapes", [])]


def metrics(at: AppTest) -> dict[str, str]:
    """Label → value of the metrics, the first one of each label (the page's headline)."""
    found: dict[str, str] = {}
    for m in at.metric:
        found.setdefault(m.label, m.value)
    return found


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    # the router's last resort turns a bug into one line: a test must see it as the failure it is
    assert not [e.value for e in at.error if str(e.value).startswith("Something went wrong")]


PASSWORD = "correct horse battery staple"


def sign_in(at: AppTest, password: str) -> AppTest:
    at.sidebar.text_input(key="auth_password").input(password)
    return at.sidebar.button(key="auth_submit").click().run()


@pytest.fixture
def author(rich_db: Rich, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The author workspace, signed in, over the rich database."""
    monkeypatch.setenv("PREDICTIONS_AUTHOR_PASSWORD", PASSWORD)
    at = sign_in(app(), PASSWORD)
    at.switch_page("app_pages/author.py").run()
    no_exception(at)
    assert at.title[0].value == "Author workspace"
    return at


def tab(at: AppTest, label: str) -> Any:
    """The workspace's tab (or inner tab) with this label."""
    return next(t for t in at.tabs if t.label == label)
