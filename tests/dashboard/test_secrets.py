"""Secrets stay secret: the author password and the SMTP password never appear in the page source, in what
the server sends to the browser, in the server's output, in any command's output, in a file a command
writes (exports, backups, calendar, scorecard), in the ledger (reminder errors) or in an error message.

The dashboard runs for real with both secrets in its environment and is browsed signed out, with a wrong
password, then signed in (the author workspace included). The commands run as real processes with the same
environment and an SMTP server that refuses the login (a polite one, and one that echoes the password back).
"""

from __future__ import annotations

import base64
import http.server
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from browser_server import Server, chromium, dashboard, free_port, load, no_exception_shown, settle
from dashboard_fixtures import build_rich_database
from ledger_snapshot import dump, run_cli
from playwright.sync_api import Page, expect

from predictions import ledger, reminders
from predictions.models import ClaimIn

AUTHOR_SECRET = "author-Pa55-word-7781"
SMTP_SECRET = "smtp-S3cr3t-QRS-4410"
WEBHOOK_TOKEN = "hook-T0ken-5523"
SECRETS = (AUTHOR_SECRET, SMTP_SECRET, WEBHOOK_TOKEN)
NOW = datetime(2026, 3, 1, 9, 0)


def leaked(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    forms = {s: (s.encode(), base64.b64encode(s.encode()).rstrip(b"=")) for s in SECRETS}
    return [s for s, encodings in forms.items() if any(form in data for form in encodings)]


# --- the dashboard ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("secrets")
    database = folder / "ledger.duckdb"
    ids = build_rich_database(database)
    env = {
        "PREDICTIONS_AUTHOR_PASSWORD": AUTHOR_SECRET,
        "PREDICTIONS_SMTP_HOST": "127.0.0.1",
        "PREDICTIONS_SMTP_USER": "tracker",
        "PREDICTIONS_SMTP_PASSWORD": SMTP_SECRET,
        "PREDICTIONS_SMTP_TO": "author@example.org",
        "PREDICTIONS_WEBHOOK_URL": f"http://127.0.0.1:9/hook/{WEBHOOK_TOKEN}",
    }
    with dashboard(database, folder, env) as running:
        running.ids = ids
        yield running


def test_no_page_shows_or_sends_a_secret_signed_out_or_in(server: Server) -> None:
    received: list[str | bytes] = []
    checked: list[str] = []

    def check(page: Page, where: str) -> None:
        no_exception_shown(page)
        assert leaked(page.content()) == [], where
        checked.append(where)

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(payload)))
        # Signed out: every reader page.
        for path, charts in (("/", 2), (f"/?claim={server.ids['robotaxi-cities-2025']}", 2), ("/deadlines", 0),
                             ("/track-record", 2)):  # fmt: skip
            load(page, server.url + path, charts)
            check(page, f"signed out {path}")
        # A wrong password, then the right one, through the sidebar form.
        page.get_by_text("Author sign-in").click()
        password = page.get_by_label("Password", exact=True)
        password.fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        expect(page.get_by_text("Wrong password.")).to_be_visible()
        check(page, "after a wrong password")
        password.fill(AUTHOR_SECRET)
        page.get_by_role("button", name="Sign in").click()
        settle(page)
        expect(page.get_by_text("Signed in as the author.")).to_be_visible()
        assert password.count() == 0 or password.input_value() == ""  # the form was cleared
        check(page, "signed in")
        # Signed in: the author workspace and the reader pages, through the navigation (same session).
        for name, heading in (("Author", "Author workspace"), ("Overview", "Trend Prediction Tracker"),
                              ("Deadlines", "Deadlines"), ("Track record", "Track record")):  # fmt: skip
            page.get_by_role("link", name=name).first.click()
            settle(page)
            expect(page.get_by_role("heading", name=heading).first).to_be_visible()
            check(page, f"signed in {name}")
        page.get_by_role("button", name="Sign out").click()
        settle(page)
        check(page, "signed out again")
    assert len(checked) == 11
    assert received, "the page talked to the server over its websocket"
    assert [leaked(frame) for frame in received if leaked(frame)] == []  # what the server sent back
    assert leaked(server.output()) == [], server.output()[-3000:]


# --- the commands --------------------------------------------------------------------------------------------


def _refuse_login(server: object, session: object, envelope: object, mechanism: str, auth_data: object) -> AuthResult:
    return AuthResult(success=False, handled=False)


class _Mailbox:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 accepted"


@pytest.fixture
def refusing_smtp() -> Iterator[int]:
    """A real SMTP server (aiosmtpd) that offers AUTH over plain text and refuses every login."""
    port = free_port()
    controller = Controller(
        _Mailbox(), hostname="127.0.0.1", port=port, authenticator=_refuse_login, auth_require_tls=False
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@dataclass
class EchoServer:
    port: int
    logins: list[str]


def environment(db: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREDICTIONS_")}
    env.update(
        {
            "PREDICTIONS_DB": str(db),
            "PREDICTIONS_SETTINGS_FILE": str(db.parent / "no-settings.toml"),
            "PREDICTIONS_AUTHOR_PASSWORD": AUTHOR_SECRET,
            "PREDICTIONS_SMTP_HOST": "127.0.0.1",
            "PREDICTIONS_SMTP_PORT": str(smtp_port),
            "PREDICTIONS_SMTP_USER": "tracker",
            "PREDICTIONS_SMTP_PASSWORD": SMTP_SECRET,
            "PREDICTIONS_SMTP_TO": "author@example.org",
            "PREDICTIONS_WEBHOOK_URL": f"http://127.0.0.1:{free_port()}/hook/{WEBHOOK_TOKEN}?token={WEBHOOK_TOKEN}",
            **extra,
        }
    )
    return env


def predictions(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "predictions.cli", *map(str, args)], capture_output=True, text=True, env=env,
        timeout=180,
    )  # fmt: skip


def files_under(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file()]


def test_no_command_output_file_or_error_holds_a_secret(
    tmp_path: Path, refusing_smtp: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "ledger.duckdb"
    out = tmp_path / "out"
    env = environment(db, refusing_smtp)
    for name, value in env.items():
        if name.startswith("PREDICTIONS_"):
            monkeypatch.setenv(name, value)
    soon = (NOW + timedelta(days=1)).date().isoformat()
    commands = {  # in-process through cli.main (same environment); the reminder sweeps as processes below
        "init": ["init"],
        "due soon": ["add", "--statement", "A claim due tomorrow", "--made-on", "2026-01-01", "--deadline", soon],
        "settings": ["settings"],
        "list": ["list", "--json"],
        "show": ["show", "1", "--json"],
        "score": ["score", "--json", "--by", "forecaster"],
        "export json": ["export", "--format", "json", "-o", str(out / "ledger.json")],
        "export csv": ["export", "--format", "csv", "-o", str(out / "ledger.csv")],
        "export parquet": ["export", "--format", "parquet", "-o", str(out / "ledger.parquet")],
        "backup": ["backup", "-o", str(out / "backup")],
        "calendar": ["calendar", "-o", str(out / "deadlines.ics")],
        "scorecard": ["scorecard", "--since", "2025-01-01", "-o", str(out / "scorecard.md")],
        "a bad input": ["resolve", "1", "maybe"],
    }
    results = {name: run_cli(args) for name, args in commands.items()}
    assert results.pop("a bad input").code == 1
    runs = {name: subprocess.CompletedProcess(commands[name], r.code, r.out, r.err) for name, r in results.items()}
    runs["remind"] = predictions(env, "remind", "once", "--now", NOW.isoformat())
    runs["remind again"] = predictions(env, "remind", "once", "--now", (NOW + timedelta(hours=2)).isoformat())
    for name, result in runs.items():
        assert result.returncode == 0, (name, result.stderr)
        assert leaked(result.stdout + result.stderr) == [], name
    # The e-mail really was attempted with the password, and refused; the reason is recorded without it.
    failures = [r for r in reminders.inbox(db) if r["state"] == "failed"]
    assert {r["channel"] for r in failures} == {"email", "webhook"}
    email = next(r["last_error"] for r in failures if r["channel"] == "email")
    assert "535" in email and "Authentication credentials invalid" in email
    assert "e-mail to 127.0.0.1" in runs["remind"].stderr  # the failure is logged, the secret is not
    written = files_under(out)
    assert {p.name for p in written} >= {"ledger.json", "ledger.csv", "ledger.parquet", "manifest.json",
                                         "deadlines.ics", "scorecard.md"}  # fmt: skip
    assert [p.name for p in written if leaked(p.read_bytes())] == []
    assert leaked(repr(dump(db))) == []  # nor in any table of the ledger


def test_a_server_that_echoes_the_password_does_not_get_it_into_the_ledger_or_the_logs(
    tmp_path: Path, quoting_smtp: tuple[EchoServer, list[str]]
) -> None:
    echoing_smtp, styles = quoting_smtp
    assert styles == ["repr"]  # "no user 'USER' with password 'SECRET'"
    db = tmp_path / "ledger.duckdb"
    ledger.add_claim(
        db,
        ClaimIn(statement="A claim due tomorrow", made_on=date(2026, 1, 1), deadline=(NOW + timedelta(days=1)).date()),
    )
    result = predictions(environment(db, echoing_smtp.port), "remind", "once", "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr
    assert echoing_smtp.logins == [SMTP_SECRET]  # it was sent the password, and quoted it back
    email = next(r["last_error"] for r in reminders.inbox(db) if r["channel"] == "email")
    assert "with password '***'" in email, email
    assert leaked(result.stdout + result.stderr + email) == []


def test_a_password_smtp_cannot_send_is_refused_without_quoting_it(tmp_path: Path, refusing_smtp: int) -> None:
    """smtplib sends AUTH as ASCII: its UnicodeEncodeError would quote a character of the password."""
    db = tmp_path / "ledger.duckdb"
    ledger.add_claim(
        db,
        ClaimIn(statement="A claim due tomorrow", made_on=date(2026, 1, 1), deadline=(NOW + timedelta(days=1)).date()),
    )
    secret = "pässwörd-geheim-ß"
    result = predictions(environment(db, refusing_smtp, PREDICTIONS_SMTP_PASSWORD=secret), "remind", "once",
                         "--now", NOW.isoformat())  # fmt: skip
    assert result.returncode == 0, result.stderr
    email = next(r["last_error"] for r in reminders.inbox(db) if r["channel"] == "email")
    assert email == f"e-mail to 127.0.0.1:{refusing_smtp} failed: SMTP AUTH needs an ASCII user name and password"
    for character in ("ä", "ö", "ß", "\\xe4", "\\xf6", "\\xdf"):
        assert character not in email + result.stdout + result.stderr


def test_bad_settings_are_one_line_without_the_secret(tmp_path: Path) -> None:
    db = tmp_path / "ledger.duckdb"
    broken = tmp_path / "predictions.toml"
    broken.write_text(f'smtp_password = "{SMTP_SECRET}\nsmtp_host = "mail"\n', encoding="utf-8")  # unclosed string
    env = environment(db, 25, PREDICTIONS_SETTINGS_FILE=str(broken))
    del env["PREDICTIONS_SMTP_PASSWORD"]  # the secret is only in the broken file
    unreadable = predictions(env, "list")
    bad_value = predictions(environment(db, 25, PREDICTIONS_SMTP_PORT=SMTP_SECRET), "list")
    for result, start in (
        (unreadable, f"error: settings file {broken}: not valid TOML (Illegal character"),
        (bad_value, "error: smtp_port: Input should be a valid integer"),
    ):
        assert result.returncode == 1 and result.stdout == "", result
        assert result.stderr.startswith(start) and len(result.stderr.splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and leaked(result.stderr) == []


# --- a password quoted back in any form (issue 14, point 5) --------------------------------------------------

# The inner run "Qx7S3cr3tQRS" survives any escaping and URL-encoding; the quote, backslash, slash, plus and
# space around it each change under one of them.
TRICKY_SECRET = "p'w\\d\"/Qx7S3cr3tQRS+ 9%"
TRICKY_CORE = "Qx7S3cr3tQRS"
WEBHOOK_PASSWORD = "hook-P4ss:w0rd/Zz9"


def echo_styles(user: str, secret: str, blob: str) -> dict[str, str]:
    """How a careless server may quote the credentials it was sent in its 535 reply."""
    return {
        "repr": f"no user {user!r} with password {secret!r}",
        "bytes repr": f"password {secret.encode()!r} refused",
        "auth plain blob": f"AUTH PLAIN {blob} refused",
        "url-encoded": f"refused: user={urllib.parse.quote(user)}&password={urllib.parse.quote(secret, safe='')}",
        "raw": f"password {secret} refused",
    }


@pytest.fixture
def quoting_smtp() -> Iterator[tuple[EchoServer, list[str]]]:
    """An SMTP server whose 535 reply quotes the credentials, in the style the test picks (`styles[0]`)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = EchoServer(listener.getsockname()[1], [])
    styles: list[str] = ["repr"]

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rwb") as stream:
                stream.write(b"220 careless ESMTP\r\n")
                stream.flush()
                for raw in stream:
                    line = raw.decode("ascii", "replace").strip()
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        stream.write(b"250-careless\r\n250 AUTH PLAIN\r\n")
                    elif verb == "AUTH":
                        blob = line.split()[-1]
                        _, user, secret = base64.b64decode(blob).decode().split("\0")
                        server.logins.append(secret)
                        stream.write(f"535 5.7.8 {echo_styles(user, secret, blob)[styles[0]]}\r\n".encode())
                    elif verb == "QUIT":
                        stream.write(b"221 bye\r\n")
                        stream.flush()
                        break
                    else:
                        stream.write(b"250 ok\r\n")
                    stream.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server, styles
    finally:
        listener.close()


class _Refusing(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Refusing.seen.append((self.path, self.headers.get("Authorization")))
        self.send_response(401)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def refusing_webhook() -> Iterator[tuple[int, list[tuple[str, str | None]]]]:
    _Refusing.seen = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], _Refusing.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def quoted_forms(secret: str, blob: str) -> list[str]:
    """What must not show anywhere: the password's distinctive run, and the base64 forms it went out in."""
    return [TRICKY_CORE, blob, base64.b64encode(secret.encode()).decode().rstrip("="), secret]


@pytest.mark.parametrize("style", ["repr", "bytes repr", "auth plain blob", "url-encoded", "raw"])
def test_a_password_quoted_back_in_any_form_stays_out_of_stderr_the_ledger_and_backups(
    tmp_path: Path, quoting_smtp: tuple[EchoServer, list[str]], style: str
) -> None:
    server, styles = quoting_smtp
    styles[0] = style
    db = tmp_path / "ledger.duckdb"
    ledger.add_claim(
        db,
        ClaimIn(statement="A claim due tomorrow", made_on=date(2026, 1, 1), deadline=(NOW + timedelta(days=1)).date()),
    )
    env = environment(db, server.port, PREDICTIONS_SMTP_PASSWORD=TRICKY_SECRET)
    del env["PREDICTIONS_WEBHOOK_URL"]
    result = predictions(env, "remind", "once", "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr
    assert server.logins == [TRICKY_SECRET]  # it was sent the password, and quoted it back
    blob = base64.b64encode(f"\0tracker\0{TRICKY_SECRET}".encode()).decode()
    email = next(r["last_error"] for r in reminders.inbox(db) if r["channel"] == "email")
    assert email.startswith(f"e-mail to 127.0.0.1:{server.port} failed: (535, ") and "***" in email, email
    made = predictions(env, "backup", "-o", tmp_path / "backup")
    assert made.returncode == 0, made.stderr
    places = {"stderr": result.stdout + result.stderr, "reminders": email, "ledger": repr(dump(db))}
    places |= {p.name: p.read_bytes().decode("latin-1") for p in files_under(tmp_path / "backup")}
    for where, text in places.items():
        assert [form for form in quoted_forms(TRICKY_SECRET, blob) if form in text] == [], (where, text[:2000])


def test_a_webhook_url_with_credentials_sends_them_as_basic_auth_and_never_shows_them(
    tmp_path: Path, refusing_webhook: tuple[int, list[tuple[str, str | None]]]
) -> None:
    port, seen = refusing_webhook
    db = tmp_path / "ledger.duckdb"
    ledger.add_claim(
        db,
        ClaimIn(statement="A claim due tomorrow", made_on=date(2026, 1, 1), deadline=(NOW + timedelta(days=1)).date()),
    )
    quoted = urllib.parse.quote(WEBHOOK_PASSWORD, safe="")
    env = environment(db, free_port(), PREDICTIONS_WEBHOOK_URL=f"http://hookuser:{quoted}@127.0.0.1:{port}/hook/x")
    for name in ("PREDICTIONS_SMTP_HOST", "PREDICTIONS_SMTP_USER", "PREDICTIONS_SMTP_PASSWORD"):
        del env[name]
    result = predictions(env, "remind", "once", "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr
    # The credentials went as HTTP Basic auth, to the URL without them; the server refused.
    basic = "Basic " + base64.b64encode(f"hookuser:{WEBHOOK_PASSWORD}".encode()).decode()
    assert seen == [("/hook/x", basic)]
    webhook = next(r["last_error"] for r in reminders.inbox(db) if r["channel"] == "webhook")
    assert webhook == "webhook answered HTTP 401" or webhook.startswith("webhook POST to http://127.0.0.1 failed")
    made = predictions(env, "backup", "-o", tmp_path / "backup")
    assert made.returncode == 0, made.stderr
    places = {"stderr": result.stdout + result.stderr, "reminders": webhook, "ledger": repr(dump(db))}
    places |= {p.name: p.read_bytes().decode("latin-1") for p in files_under(tmp_path / "backup")}
    forms = [WEBHOOK_PASSWORD, quoted, "P4ss", basic.split()[1]]
    for where, text in places.items():
        assert [form for form in forms if form in text] == [], (where, text[:2000])
