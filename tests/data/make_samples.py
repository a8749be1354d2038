"""Regenerate the archive samples in tests/data deterministically (random.Random(42)).

    .venv/bin/python tests/data/make_samples.py

- predictionbook_sample/questions.csv.zip and forecasts.csv.zip: the layout of the real PredictionBook
  archive (../shared/data/predictionbook, see its README), small, with the odd rows real data has:
  titles with quotes, commas, newlines and markup, blank and one-letter titles, deadlines before the
  opening, probabilities of exactly 0 and 1, a repeated forecast row, forecasts made after the
  deadline, ambiguous and open questions, a question nobody forecast, extreme dates.
- fatebook_sample.csv: a Fatebook export as its CSV writer produces it (strings double-quoted with ""
  escapes, numbers, dates and booleans bare, a missing value empty).
- fatebook_broken.csv: the same layout with bad rows, for the row-numbered rejection.
- fatebook_export.csv: an export exactly as Fatebook's exporter writes it, seconds unpadded (issue 19).

tests/predictions/test_imports_archives.py checks that running this script reproduces the committed files byte for byte.
"""

from __future__ import annotations

import csv
import io
import random
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
PB_DIR = HERE / "predictionbook_sample"
ARCHIVE_DAY = datetime(2022, 8, 11, 16, 0, 0)  # the real archive's last forecast is from that day
OPTIONS = "(0) No, (1) Yes, (-1) Ambiguous, (None) Still open"
USERS = [
    "gwern", "JoshuaZ", "Cato", "PlacidPlatypus", "phreeza", "Jayson Virissimo", "kallman", "Tapetum-Lucidum",
    "ygert", "Houshalter", "two2thehead", "dk", "timujin", "Ben Doherty", "Qiaochu", "lavalamp", "RandomThinker",
    "themusicgod1", "HonoreDB", "simplicio", "Osuniev", "Anubhav", "chemotaxis101", "sty.silver", "Matt",
]  # fmt: skip
ODD_TITLES = [
    'He said "it will ship by Friday", and it will',
    "Apple, Google, or Microsoft will be the largest company by market cap, on 2020-01-01",
    "Generic assemblers won't exist within 20 years.\nBy “generic” I mean macroscopic objects, any function.",
    "This site has <b>obvious</b> <script type=“text/javascript”>alert(“XSS”);</script> ;).",
    "[Link](http://example.com) & more: rates will be < 2% | > 1%",
    "",
    "A",
    "  leading and trailing spaces, and an ellipsis…  ",
]
TOPICS = [
    "Bitcoin will trade above ${} on {}",
    "The next Ubuntu LTS will ship before {1} (version {0})",
    "I will finish chapter {} of my thesis by {}",
    "SpaceX will launch at least {} Starlink missions before {}",
    "My team will win at least {} games this season (ends {})",
    "Global mean temperature anomaly will exceed {}0 mK on {}",
]


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


def _time_open(delta: timedelta) -> str:
    """pandas' Timedelta text, as in the archive: '3 days 05:22:47' or '-1 days +05:19:54'."""
    days, seconds = divmod(int(delta.total_seconds()), 86400)
    clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return f"{days} days {'+' if days < 0 else ''}{clock}"


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _zip_bytes(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(name, date_time=(2023, 4, 13, 22, 47, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def predictionbook_sample() -> tuple[str, str]:
    """(questions.csv text, public.csv text)."""
    rng = random.Random(42)
    questions: list[list[object]] = []
    forecasts: list[list[object]] = []
    weights = [1 / (rank + 1) for rank in range(len(USERS))]  # a few prolific users, a long tail
    for index in range(80):
        question_id = 1000 + index * 7
        opened = datetime(2015, 1, 1) + timedelta(seconds=rng.randrange(0, 7 * 365 * 86400))
        if index < len(ODD_TITLES):
            title = ODD_TITLES[index]
        else:
            template = rng.choice(TOPICS)
            title = template.format(rng.randrange(2, 90) * 10, (opened + timedelta(days=200)).date())
        closes = opened + timedelta(days=rng.randrange(1, 500), seconds=rng.randrange(0, 86400))
        if index in (8, 9, 10):  # the deadline before the opening, as typed by hand
            closes = opened - timedelta(days=rng.randrange(1, 40))
        if index == 11:  # the same day, a few hours earlier
            closes = opened.replace(hour=0, minute=0, second=1)
        if index == 12:
            closes = datetime(9999, 12, 31, 11, 0, 0)
        truth = rng.random() < 0.45
        if closes < opened or closes.year == 9999:
            resolved = opened + timedelta(days=rng.randrange(1, 30))
        else:
            resolved = closes + timedelta(days=rng.randrange(0, 40), seconds=rng.randrange(0, 86400))
        status, outcome, resolve_text = "resolved", "1.0" if truth else "0.0", _ts(resolved)
        if resolved > ARCHIVE_DAY or index == 12 or index % 13 == 5:
            status, outcome, resolve_text = "open", "", ""
        elif index % 17 == 3:
            status, outcome = "ambiguous", "-1.0"
        questions.append(
            [
                question_id,
                title,
                status,
                _ts(opened),
                _ts(closes),
                resolve_text,
                outcome,
                _time_open(closes - opened),
                2,
                OPTIONS,
            ]
        )
        if index == 20:  # a question that nobody forecast
            continue
        first = rng.choices(USERS, weights)[0]
        people = [first, *rng.choices(USERS, weights, k=rng.randrange(0, 7))]
        span = max(120, int((resolved - opened).total_seconds()))
        later = sorted(opened + timedelta(seconds=rng.randrange(60, span)) for _ in people[1:])
        moments = [opened, *later]
        for user, moment in zip(people, moments, strict=True):
            lean = 0.68 if truth else 0.32
            probability = min(0.99, max(0.01, round(rng.gauss(lean, 0.22), 2)))
            if rng.random() < 0.08:
                probability = 1.0 if truth or rng.random() < 0.3 else 0.0
            forecasts.append(
                [
                    question_id,
                    user,
                    0.0,
                    probability,
                    1,
                    _ts(moment),
                    outcome or "",
                    _ts(opened),
                    _ts(closes),
                    resolve_text,
                    _time_open(closes - opened),
                    2.0,
                    OPTIONS,
                    status,
                    0.0,
                ]
            )
        if index == 30:  # a double submission: the same row twice
            forecasts.append(list(forecasts[-1]))
    header_q = ["question_id", "q_title", "q_status", "open_time", "close_time", "resolve_time", "outcome",
                "time_open", "n_opts", "options"]  # fmt: skip
    header_f = ["question_id", "user_id", "team_id", "probability", "answer_option", "timestamp", "outcome",
                "open_time", "close_time", "resolve_time", "time_open", "n_opts", "options", "q_status",
                "q_type"]  # fmt: skip
    return _csv_text(header_q, questions), _csv_text(header_f, forecasts)


# --- Fatebook -------------------------------------------------------------------------------------

FATEBOOK_HEADER = [
    "Question title", "Multiple choice option", "Forecast created by", "Forecast (scale = 0-1)",
    "Forecast created at", "Question created by", "Question created at", "Question resolve by", "Resolution",
    "Resolved at", "Your Brier score for this question", "Your relative Brier score for this question",
    "Question notes", "Question shared with", "Question shared publicly", "Question comments",
]  # fmt: skip


def _fatebook_cell(value: object) -> str:
    """Fatebook's writer: strings quoted with "" escapes; numbers, dates and booleans bare; None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    return str(value)


class Date(str):
    """A date-time cell, written bare like Fatebook's getDateTimeYYYYMMDDHHMMSS."""


def _fatebook_text(rows: list[list[object]]) -> str:
    lines = [",".join(FATEBOOK_HEADER)]
    for row in rows:
        lines.append(",".join(str(c) if isinstance(c, Date) else _fatebook_cell(c) for c in row))
    return "\n".join(lines)


def _question(
    title: str,
    creator: str,
    created: str,
    resolve_by: str,
    forecasts: list[tuple[str | None, str, float, str]],
    resolution: dict[str | None, tuple[str | None, str | None]],
    notes: str | None = None,
    shared_with: str = "",
    public: bool = False,
    comments: str = "",
    scores: tuple[float | None, float | None] = (None, None),
) -> list[list[object]]:
    rows = []
    for option, forecaster, probability, at in forecasts:
        outcome, resolved_at = resolution.get(option, (None, None))
        rows.append(
            [
                title,
                option,
                forecaster,
                probability,
                Date(at),
                creator,
                Date(created),
                Date(resolve_by),
                outcome,
                Date(resolved_at) if resolved_at else None,
                scores[0],
                scores[1],
                notes,
                shared_with,
                public,
                comments,
            ]
        )
    return rows


def fatebook_sample() -> str:
    rows: list[list[object]] = []
    rows += _question(
        "Will the EU AI Act enter into force by 1 August 2024?", "Ada Byrne", "2024-03-01 09:12:44",
        "2024-08-01 00:00:00",
        [(None, "Ada Byrne", 0.7, "2024-03-01 09:12:44"), (None, "Ben Okafor", 0.55, "2024-03-02 18:40:01"),
         (None, "Chen Jing", 0.6, "2024-04-11 07:05:30"), (None, "Ada Byrne", 0.85, "2024-05-21 12:00:00")],
        {None: ("YES", "2024-08-01 10:00:00")}, notes="Official Journal publication date + 20 days.",
        shared_with="Ben Okafor; Chen Jing", scores=(0.0225, -0.031),
    )  # fmt: skip
    rows += _question(
        'Will "Dune: Part Two" gross more than $700m, worldwide, by 30 June 2024?', "Ben Okafor",
        "2024-02-20 21:03:10", "2024-06-30 00:00:00",
        [(None, "Ben Okafor", 0.4, "2024-02-20 21:03:10"), (None, "Dora Silva", 0.25, "2024-02-21 08:15:00"),
         (None, "Emil Novak", 0.3, "2024-03-15 16:45:59"), (None, "Ada Byrne", 0.35, "2024-03-16 10:10:10")],
        {None: ("NO", "2024-07-02 09:30:00")}, public=True,
        comments='Dora Silva: "Box Office Mojo, not the studio\'s figure"; Ben Okafor: agreed, BOM it is',
        scores=(0.1225, 0.012),
    )  # fmt: skip
    rows += _question(
        "Will BYD sell more battery-electric cars than Tesla in Q4 2024?", "Chen Jing", "2024-09-30 23:59:59",
        "2025-01-05 00:00:00",
        [(None, "Chen Jing", 0.62, "2024-09-30 23:59:59"), (None, "Farah Haddad", 0.5, "2024-10-02 11:00:00"),
         (None, "Gus O'Neil", 0.45, "2024-11-20 14:30:00"), (None, "Chen Jing", 0.4, "2024-12-28 08:00:00")],
        {None: ("NO", "2025-01-03 12:00:00")},
        notes="Resolves on both companies' Q4 delivery reports.\nBEV only, not PHEV.\n\nTesla: 495,570 expected.",
    )  # fmt: skip
    tour = [
        ("Pogačar", "Chen Jing", 0.5), ("Vingegaard", "Chen Jing", 0.4), ("Someone else", "Chen Jing", 0.1),
        ("Pogačar", "Farah Haddad", 0.6), ("Vingegaard", "Farah Haddad", 0.3), ("Someone else", "Farah Haddad", 0.1),
        ("Pogačar", "Emil Novak", 0.45), ("Vingegaard", "Emil Novak", 0.45), ("Someone else", "Emil Novak", 0.1),
    ]  # fmt: skip
    rows += _question(
        "Who will win the 2024 Tour de France?", "Chen Jing", "2024-06-01 10:00:00", "2024-07-21 00:00:00",
        [(o, who, p, f"2024-06-0{1 + i // 3} 1{i % 3}:00:00") for i, (o, who, p) in enumerate(tour)],
        {"Pogačar": ("YES", "2024-07-21 18:00:00"), "Vingegaard": ("NO", "2024-07-21 18:00:00"),
         "Someone else": ("NO", "2024-07-21 18:00:00")},
        notes="General classification, yellow jersey in Nice.",
    )  # fmt: skip
    rows += _question(
        "Will a robotaxi service operate in at least 65 Chinese cities by the end of 2025?", "Ada Byrne",
        "2024-12-15 08:00:00", "2025-12-31 00:00:00",
        [(None, "Ada Byrne", 0.2, "2024-12-15 08:00:00"), (None, "Gus O'Neil", 0.15, "2024-12-16 09:00:00")],
        {},
    )  # fmt: skip
    rows += _question(
        "Will the Shenzhen eVTOL sightseeing route open to the public by March 2025?", "Dora Silva",
        "2024-11-01 12:00:00", "2025-03-31 00:00:00",
        [(None, "Dora Silva", 0.3, "2024-11-01 12:00:00"), (None, "Emil Novak", 0.5, "2024-11-03 13:00:00")],
        {None: ("AMBIGUOUS", "2025-04-02 09:00:00")},
        notes='"Open to the public" turned out to mean invited passengers only.',
    )  # fmt: skip
    rows += _question(
        "Will the sun rise in London on 2 May 2024?", "Gus O'Neil", "2024-05-01 20:00:00", "2024-05-02 00:00:00",
        [(None, "Gus O'Neil", 1, "2024-05-01 20:00:00"), (None, "Ben Okafor", 0.99, "2024-05-01 20:30:00")],
        {None: ("YES", "2024-05-02 06:00:00")}, scores=(0.0, 0.0),
    )  # fmt: skip
    rows += _question(
        "Will I run a sub-4h marathon in Berlin?", "Farah Haddad", "2024-06-10 07:00:00", "2024-09-29 00:00:00",
        [(None, "Farah Haddad", 0.35, "2024-06-10 07:00:00"), (None, "Dora Silva", 0, "2024-06-11 07:00:00"),
         (None, "Farah Haddad", 0.5, "2024-09-01 07:00:00")],
        {None: ("YES", "2024-09-29 15:00:00")},
    )  # fmt: skip
    rows += _question(
        "Which city will host the 2026 robotics expo?", "Emil Novak", "2025-01-10 10:00:00",
        "2026-05-01 00:00:00",
        [("Beijing", "Emil Novak", 0.55, "2025-01-10 10:00:00"), ("Shanghai", "Emil Novak", 0.45,
          "2025-01-10 10:00:00"), ("Beijing", "Ada Byrne", 0.7, "2025-01-12 10:00:00"),
         ("Shanghai", "Ada Byrne", 0.3, "2025-01-12 10:00:00")],
        {},
    )  # fmt: skip
    return _fatebook_text(rows)


def fatebook_broken() -> str:
    """Line numbers of the bad rows are asserted in tests/predictions/test_imports_archives.py (a note spans
    two lines)."""
    good = _question(
        "Will it rain in Leuven tomorrow?", "Ada Byrne", "2024-03-01 09:00:00", "2024-03-02 00:00:00",
        [(None, "Ada Byrne", 0.8, "2024-03-01 09:00:00")], {None: ("YES", "2024-03-02 18:00:00")},
        notes="Any rain at all\nat the KU Leuven station.",
    )[0]  # fmt: skip
    rows = [good]
    rows.append([*good[:3], "70 percent", *good[4:]])  # line 4: not a probability
    rows.append([*good[:8], "MAYBE", *good[9:]])  # line 6: unknown resolution
    rows.append([*good[:4], Date("yesterday"), *good[5:]])  # line 8: not a date-time
    rows.append(good[:6])  # line 10: too few fields
    return _fatebook_text(rows)


# A Fatebook export exactly as Fatebook's own exporter writes it (its questionsToCsv / jsonToCsv /
# printForCsv): the 16 columns in their order, a bare header, one row per forecast joined with "\n" and no
# final newline; strings double-quoted with "" escapes; numbers and booleans bare; a missing value
# (undefined or null) empty; date-times through getDateTimeYYYYMMDDHHMMSS, which zero-pads the month, day,
# hours and minutes but writes the seconds with getSeconds(), unpadded ("2025-01-05 09:07:5"), in the
# exporting server's local time. A multiple-choice question has one row per forecast on an option,
# resolved by the option's own resolution.


def _js_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d} {value:%H}:{value:%M}:{value.second}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def fatebook_export() -> str:
    t = datetime
    questions: list[dict[str, object]] = [
        {
            "title": 'Will "Project Stargate" break ground in Abilene, Texas, by 1 March 2025?',
            "user": "Iris Tan", "createdAt": t(2025, 1, 5, 9, 7, 5), "resolveBy": t(2025, 3, 1, 0, 0, 0),
            "resolution": "YES", "resolvedAt": t(2025, 1, 21, 15, 2, 3), "notes": "Photos of the site count.",
            "sharedWith": ["Jonas Weber"], "sharedPublicly": False,
            "comments": [("Jonas Weber", 'Is "break ground" a ceremony?')],
            "scores": (0.16, -0.042),
            "forecasts": [("Iris Tan", 0.6, t(2025, 1, 5, 9, 7, 5)), ("Jonas Weber", 0.45, t(2025, 1, 6, 17, 30, 9)),
                          ("Iris Tan", 0.8, t(2025, 1, 20, 8, 0, 0))],
        },
        {
            "title": "Will Germany's 2025 federal election be held before 1 March 2025?",
            "user": "Jonas Weber", "createdAt": t(2024, 11, 7, 23, 59, 1), "resolveBy": t(2025, 3, 1, 0, 0, 0),
            "resolution": "YES", "resolvedAt": t(2025, 2, 23, 18, 0, 7),
            "notes": 'Resolves YES on the day of the vote.\nA "snap" election counts.', "sharedWith": [],
            "sharedPublicly": True, "comments": [], "scores": (0.0081, 0.001),
            "forecasts": [("Jonas Weber", 0.91, t(2024, 11, 7, 23, 59, 1)),
                          ("Kemal Aydin", 0.99, t(2024, 11, 8, 7, 3, 44))],
        },
        {
            "title": "Will the EU fine X under the Digital Services Act in 2024?",
            "user": "Kemal Aydin", "createdAt": t(2024, 7, 12, 10, 10, 10), "resolveBy": t(2024, 12, 31, 23, 59, 0),
            "resolution": "NO", "resolvedAt": t(2025, 1, 2, 9, 0, 0), "notes": None, "sharedWith": None,
            "sharedPublicly": False, "comments": [], "scores": (0.2025, 0.05),
            "forecasts": [("Kemal Aydin", 0.45, t(2024, 7, 12, 10, 10, 10)),
                          ("Iris Tan", 0.05, t(2024, 9, 1, 12, 0, 2))],
        },
        {
            "title": "Which lab will release a model with a 10M-token context window first?",
            "user": "Iris Tan", "createdAt": t(2025, 2, 3, 4, 5, 6), "resolveBy": t(2025, 12, 31, 0, 0, 0),
            "resolution": None, "resolvedAt": None, "notes": "Publicly usable, not a paper.",
            "sharedWith": ["Kemal Aydin", "Jonas Weber"],
            "sharedPublicly": False, "comments": [], "scores": (None, None),
            "options": {"Google DeepMind": ("YES", t(2025, 4, 5, 17, 0, 1)), "Meta": ("NO", t(2025, 4, 5, 17, 0, 1)),
                        "Someone else": (None, None)},
            "forecasts": [("Iris Tan", 0.5, t(2025, 2, 3, 4, 5, 6), "Google DeepMind"),
                          ("Iris Tan", 0.2, t(2025, 2, 3, 4, 5, 6), "Meta"),
                          ("Iris Tan", 0.3, t(2025, 2, 3, 4, 5, 6), "Someone else"),
                          ("Kemal Aydin", 0.4, t(2025, 2, 4, 19, 45, 0), "Google DeepMind"),
                          ("Kemal Aydin", 0.4, t(2025, 2, 4, 19, 45, 0), "Meta"),
                          ("Kemal Aydin", 0.2, t(2025, 2, 4, 19, 45, 0), "Someone else")],
        },
        {
            "title": "Will a humanoid robot run a half marathon in under 2h30?",
            "user": "Kemal Aydin", "createdAt": t(2025, 3, 30, 0, 0, 9), "resolveBy": t(2025, 4, 20, 0, 0, 0),
            "resolution": "AMBIGUOUS", "resolvedAt": t(2025, 4, 21, 6, 6, 6), "notes": None, "sharedWith": [],
            "sharedPublicly": True, "comments": [("Iris Tan", "Battery swaps: does that count?")],
            "scores": (None, None),
            "forecasts": [("Kemal Aydin", 0.3, t(2025, 3, 30, 0, 0, 9)), ("Jonas Weber", 1, t(2025, 3, 31, 1, 2, 3))],
        },
        {
            "title": "Will Kenya's M-Pesa process more than 30 billion transactions in 2026?",
            "user": "Jonas Weber", "createdAt": t(2025, 6, 1, 8, 9, 0), "resolveBy": t(2027, 1, 31, 0, 0, 0),
            "resolution": None, "resolvedAt": None, "notes": None, "sharedWith": [], "sharedPublicly": False,
            "comments": [], "scores": (None, None),
            "forecasts": [("Jonas Weber", 0.55, t(2025, 6, 1, 8, 9, 0))],
        },
    ]  # fmt: skip
    header = FATEBOOK_HEADER
    lines = [",".join(header)]
    for q in questions:
        options = q.get("options")
        assert isinstance(q["forecasts"], list)
        for forecast in q["forecasts"]:
            who, probability, at = forecast[:3]
            option = forecast[3] if len(forecast) > 3 else None
            resolution, resolved_at = options[option] if isinstance(options, dict) else (None, None)
            scores = q["scores"]
            assert isinstance(scores, tuple)
            shared = q["sharedWith"]
            comments = q["comments"]
            assert isinstance(comments, list)
            row = [
                q["title"], option, who, probability, at, q["user"], q["createdAt"], q["resolveBy"],
                resolution or q["resolution"], resolved_at or q["resolvedAt"], scores[0], scores[1], q["notes"],
                "; ".join(shared) if isinstance(shared, list) else None, q["sharedPublicly"],
                "; ".join(f"{name}: {text}" for name, text in comments),
            ]  # fmt: skip
            lines.append(",".join(_js_cell(cell) for cell in row))
    return "\n".join(lines)


def write_all(directory: Path = HERE) -> list[Path]:
    questions, forecasts = predictionbook_sample()
    pb_dir = directory / "predictionbook_sample"
    pb_dir.mkdir(parents=True, exist_ok=True)
    written = {
        pb_dir / "questions.csv.zip": _zip_bytes("questions.csv", questions),
        pb_dir / "forecasts.csv.zip": _zip_bytes("public.csv", forecasts),
        directory / "fatebook_sample.csv": fatebook_sample().encode("utf-8"),
        directory / "fatebook_broken.csv": fatebook_broken().encode("utf-8"),
        directory / "fatebook_export.csv": fatebook_export().encode("utf-8"),
    }
    for path, data in written.items():
        path.write_bytes(data)
    return list(written)


if __name__ == "__main__":
    for path in write_all(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
