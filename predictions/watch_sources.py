"""Fetching a watched source and reading its payload: CSV columns, JSON pointers (RFC 6901) or an
Atom/RSS feed. Nothing here touches the ledger; every refusal is a `SourceError` whose message is
one line, safe to show and to store as the watch's last error.

HTTP goes through urllib (the standard library does what is needed: a timeout, a size cap read in
chunks, and a redirect handler that refuses anything but http and https); feeds are parsed with
`feedparser` (RSS 0.9x–2.0, RSS 1.0 and Atom, with their date formats), JSON pointers resolved with
`jsonpointer` (the reference RFC 6901 implementation: `~0`/`~1` escapes, array indices).

A watched URL is every reading's public source. A secret the source needs (an API key) is written in
it as `${NAME}` and filled in from the environment of the process that runs the watch, never stored
or shown; a credential written out literally in the query (`?api_key=…`) is masked in the readings'
source (`public_url`).

Over 500 lines: fetching (with its total deadline and redirect rules) and the three readers (CSV, JSON
pointers, Atom/RSS) share one error type, one size cap and the value and date parsing; each reader is short,
and apart they would need the fetch's internals.
"""

from __future__ import annotations

import calendar
import contextlib
import csv
import hashlib
import html
import http.client
import io
import json
import math
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from predictions.errors import PredictionsError
from predictions.quantities import MAX_ABS_VALUE
from predictions.redaction import MASK, redact
from predictions.timestamps import parse_date_time

FORMATS = ("csv", "json", "atom")
USER_AGENT = "prediction-tracker (watched source)"
SUMMARY_CHARS = 500


class SourceError(PredictionsError):
    """A fetch or a payload that was refused: nothing of it is recorded."""


@dataclass(frozen=True)
class Payload:
    url: str
    body: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Reading:
    observed_on: date
    value: float
    where: str  # "line 4", "point 3": where in the payload it was read


@dataclass(frozen=True)
class FeedEntry:
    key: str  # the entry's id, else its link, else its title and date
    title: str
    link: str | None
    published_on: date | None
    summary: str | None


# --- fetching -------------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL with a host; otherwise a SourceError."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        hostname = None
        parts = urllib.parse.urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise SourceError(f"only http and https URLs can be watched, not {url[:200]!r}")
    try:
        port = parts.port  # a ValueError for 99999, -1 or `:abc`
    except ValueError:
        port = 0
    if port == 0:
        shown = parts.netloc.rpartition(":")[2]
        raise SourceError(f"the watched URL's port {shown[:20]!r} is not a port number (1-65535)")
    if parts.username is not None or parts.password is not None:
        # The URL is every reading's source, shown on the claim page and the static site.
        raise SourceError("a watched URL may not carry a user name or password: it is shown with every reading")
    return url.strip()


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]{0,99})\}")
# Environment variables a watched URL may fill in: those with this prefix, and those the author lists in
# the setting `watch_url_variables`; never another of the project's own (`PREDICTIONS_SMTP_PASSWORD`…).
SECRET_PREFIX = "PREDICTIONS_WATCH_SECRET_"
_PROJECT_PREFIX = "PREDICTIONS_"
# Query parameters that carry credentials by convention (compared lower-case, camelCase and `-` read as `_`).
_CREDENTIALS = frozenset(
    {"key", "apikey", "api_key", "token", "access_token", "auth", "secret", "password", "passwd", "pwd",
     "signature", "sig", "subscription_key", "apitoken", "authorization", "bearer", "credential", "credentials",
     "jwt", "session", "sessionid", "session_id", "private_key", "client_secret"}
)  # fmt: skip
_CREDENTIAL_ENDINGS = ("_key", "_token", "_secret", "_password", "apikey", "apitoken", "_auth", "_credential")
# A literal credential shorter than this is not masked inside error texts (it would mask unrelated text).
MIN_MASKED_LITERAL = 4
REASON_CHARS = 300  # a stored error is one line of at most this many characters


def listed_variables(setting: str | None) -> frozenset[str]:
    """The names of the setting `watch_url_variables` (comma-separated)."""
    return frozenset(name.strip() for name in (setting or "").split(",") if name.strip())


def variable_allowed(name: str, listed: Collection[str] = ()) -> bool:
    if name.startswith(SECRET_PREFIX):
        return True
    return name in listed and not name.upper().startswith(_PROJECT_PREFIX)


def check_placeholders(url: str, listed: Collection[str] = ()) -> str:
    """The URL if every `${NAME}` in it may be filled in; otherwise a SourceError naming the first that may not."""
    for match in _PLACEHOLDER.finditer(url):
        if not variable_allowed(match[1], listed):
            raise SourceError(
                f"the watched URL may not use the environment variable {match[1]}: only variables named "
                f"{SECRET_PREFIX}… or listed in PREDICTIONS_WATCH_URL_VARIABLES are filled in"
                + (" (never the tracker's own PREDICTIONS_ settings)" if match[1].upper().startswith(_PROJECT_PREFIX)
                   else "")
            )  # fmt: skip
    return url


def filled_url(
    url: str, environ: Mapping[str, str] | None = None, listed: Collection[str] = ()
) -> tuple[str, tuple[str, ...]]:
    """`url` with each `${NAME}` replaced by the environment's NAME (URL-encoded), and those values."""
    environ = os.environ if environ is None else environ
    check_placeholders(url, listed)
    secrets: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = environ.get(match[1])
        if value is None:
            raise SourceError(f"the watched URL needs the environment variable {match[1]}, which is not set here")
        secrets.append(value)
        return urllib.parse.quote(value, safe="")

    return _PLACEHOLDER.sub(fill, url), tuple(secrets)


def _is_credential(name: str) -> bool:
    name = urllib.parse.unquote_plus(name).strip()
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")  # accessToken: access_token
    return name in _CREDENTIALS or name.endswith(_CREDENTIAL_ENDINGS)


def _masked_pairs(text: str, literals: list[str] | None = None) -> str:
    """`name=value&…` with the value of each credential parameter masked (and collected in `literals`)."""
    pairs = []
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if equals and value and _is_credential(name) and not _PLACEHOLDER.fullmatch(value):
            if literals is not None:
                literals.append(urllib.parse.unquote_plus(value))
                literals.append(value)
            pair = f"{name}={MASK}"
        pairs.append(pair)
    return "&".join(pairs)


def public_url(url: str) -> str:
    """`url` as a reading's public source: the value of a credential parameter written out literally, in
    the query or in a `#access_token=…` fragment, is masked (`api_key=***`); `${NAME}` placeholders and
    every other byte are kept."""
    return _public(url, None)


def reading_note(url: str, fmt: str, value_at: str | None, points: str | None = None) -> str:
    """What a reading says of where it came from: "read from data.example.org, column cities" (CSV) or
    "read from api.example.org, /data/*/cities" (JSON, `*` for each element of the `points` array).
    Only the host: never a path, query or credential of the watched URL."""
    host = urllib.parse.urlsplit(url).hostname or "the watched source"
    if fmt == "csv":
        return f"read from {host}, column {value_at}"
    pointer = f"{points.rstrip('/')}/*{value_at}" if points else str(value_at)
    return f"read from {host}, {pointer}"


def _public(url: str, literals: list[str] | None) -> str:
    head, hash_mark, fragment = url.partition("#")
    head, mark, query = head.partition("?")
    if mark:
        head = f"{head}?{_masked_pairs(query, literals)}"
    if hash_mark and "=" in fragment:  # an OAuth implicit grant hands its token over in the fragment
        fragment = _masked_pairs(fragment, literals)
    return f"{head}{hash_mark}{fragment}"


def url_secrets(url: str, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """Everything of `url` a message must not quote: the values its `${NAME}` placeholders are filled
    with here, and the literal credentials written into it."""
    environ = os.environ if environ is None else environ
    filled = [environ.get(match[1]) for match in _PLACEHOLDER.finditer(url)]
    literals: list[str] = []
    _public(url, literals)
    return tuple({*(v for v in filled if v), *(v for v in literals if len(v) >= MIN_MASKED_LITERAL)})


def safe_reason(text: str, secrets: Collection[str]) -> str:
    """An error as it is stored and shown: every form of every secret masked (predictions.redaction),
    on one line, cut at REASON_CHARS."""
    line = " ".join(redact(text, secrets).split())
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only (urllib would also follow one to ftp, and refuses others with a
    message that does not say which rule it broke)."""

    def http_error_302(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        target = headers.get("Location") or headers.get("URI") or ""
        scheme = urllib.parse.urlsplit(urllib.parse.urljoin(req.full_url, target)).scheme.lower()
        if scheme not in ("http", "https"):
            raise SourceError(f"redirected to a {scheme or 'schemeless'} URL; only http and https are followed")
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


# --- a fetch's total deadline ----------------------------------------------------------------------


class Stopped(SourceError):
    """The process is stopping (SIGTERM): the fetch was cut short and nothing of it is recorded."""

    def __init__(self) -> None:
        super().__init__("stopped: the process is shutting down")


class _Deadline:
    """One attempt's total time. A socket timeout bounds each read, not the whole answer: a source that
    sends a byte a second never times out. So when the time is up (or the process stops) the attempt's
    sockets are shut from a timer thread, which ends the read blocked on them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def socket_timeout(self) -> float:
        return max(0.001, min(self.seconds, self.ends - time.monotonic()))

    def register(self, sock: socket.socket | None) -> None:
        with self._lock:
            if sock is not None:
                self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_ACTIVE: set[_Deadline] = set()
_ACTIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def stop_fetches() -> None:
    """Cut every fetch in progress short and refuse new ones (the long-running process got SIGTERM)."""
    _STOPPING.set()
    with _ACTIVE_LOCK:
        for deadline in list(_ACTIVE):
            deadline.expire()


def allow_fetches() -> None:
    _STOPPING.clear()


class _HTTPConnection(http.client.HTTPConnection):
    """A connection whose sockets the fetch's deadline can shut (each read's timeout is the time left)."""

    def __init__(self, host: str, *, deadline: _Deadline, **options: Any) -> None:
        options["timeout"] = deadline.socket_timeout()
        super().__init__(host, **options)
        self._deadline = deadline

    def connect(self) -> None:
        super().connect()
        self._deadline.register(self.sock)


class _HTTPSConnection(_HTTPConnection, http.client.HTTPSConnection):
    """The same over TLS: HTTPSConnection.connect wraps the socket, then the deadline registers it."""


class _DeadlineHTTP(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def http_open(self, req: Any) -> Any:
        return self.do_open(cast(Any, _HTTPConnection), req, deadline=self._deadline)  # typeshed: no extra kwargs


class _DeadlineHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._deadline = deadline

    def https_open(self, req: Any) -> Any:
        return self.do_open(cast(Any, _HTTPSConnection), req, deadline=self._deadline)


def _read_limited(response: Any, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise SourceError(f"the payload is {int(declared):,} bytes, over the limit of {max_bytes:,}")
    chunks, size = [], 0
    while chunk := response.read1(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(f"the payload is over the limit of {max_bytes:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _fetch_once(url: str, timeout: float, max_bytes: int) -> bytes:
    if _STOPPING.is_set():
        raise Stopped()
    deadline = _Deadline(timeout)
    opener = urllib.request.build_opener(_HttpOnlyRedirects(), _DeadlineHTTP(deadline), _DeadlineHTTPS(deadline))
    timer = threading.Timer(timeout, deadline.expire)
    timer.daemon = True
    with _ACTIVE_LOCK:
        _ACTIVE.add(deadline)
    timer.start()
    try:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with opener.open(request, timeout=timeout) as response:
            body = _read_limited(response, max_bytes)
        if deadline.expired:  # the sockets were shut: what was read may be cut short
            raise TimeoutError
        return body
    except Exception as error:
        if _STOPPING.is_set():
            raise Stopped() from None
        if deadline.expired or isinstance(error, TimeoutError) or _is_timeout(error):
            raise _Transient(f"no answer within {timeout:g} s") from None
        raise _refusal(error) from None
    finally:
        timer.cancel()
        with _ACTIVE_LOCK:
            _ACTIVE.discard(deadline)


def _is_timeout(error: Exception) -> bool:
    return isinstance(error, urllib.error.URLError) and isinstance(error.reason, TimeoutError | socket.timeout)


def _refusal(error: Exception) -> Exception:
    """What a failed attempt says, as a SourceError (a retry is worth it for a _Transient one)."""
    if isinstance(error, SourceError):
        return error
    if isinstance(error, urllib.error.HTTPError):
        if str(error.reason).startswith(urllib.request.HTTPRedirectHandler.inf_msg):
            return SourceError("redirected too many times (a redirect loop)")
        return _HttpStatus(error.code, str(error.reason))
    if isinstance(error, urllib.error.URLError):
        return _Transient(f"cannot reach it: {error.reason}")
    if isinstance(error, ConnectionError | OSError | http.client.IncompleteRead):
        return _Transient(f"the connection failed: {error}")
    return SourceError(f"unexpected {type(error).__name__}: {error}")


class _Transient(SourceError):
    """Worth one retry: a timeout, a refused or reset connection."""


class _HttpStatus(SourceError):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"the server answered HTTP {status} {reason}".strip())
        self.status = status


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    retry_after: float,
    listed: Collection[str] = (),
    sleep: Callable[[float], object] = _STOPPING.wait,
) -> Payload:
    """The body at `url`; each attempt has `timeout` seconds in all (connecting, the headers and every
    byte); a timeout, a failed connection or a 5xx answer is retried once after `retry_after` seconds;
    a 4xx answer, a refused redirect or an oversized payload is not. `listed`: the environment
    variables the author allows besides SECRET_PREFIX's. Every message has the secrets masked."""
    url = check_url(url)
    secrets = url_secrets(url)
    try:
        actual, _ = filled_url(url, listed=listed)
        for attempt in (1, 2):
            try:
                return Payload(url, _fetch_once(actual, timeout, max_bytes))
            except (_Transient, _HttpStatus) as error:
                retry = isinstance(error, _Transient) or getattr(error, "status", 0) >= 500
                if attempt == 2 or not retry:
                    raise SourceError(f"{error}{' (after one retry)' if attempt == 2 else ''}") from None
                sleep(retry_after)  # a stop (SIGTERM) ends the pause at once
    except Stopped:
        raise
    except SourceError as error:  # a message may quote the URL it was given, secret filled in
        raise SourceError(safe_reason(str(error), secrets)) from None
    except Exception as error:  # e.g. http.client.InvalidURL, which quotes the URL
        raise SourceError(safe_reason(f"unexpected {type(error).__name__}: {error}", secrets)) from None
    raise AssertionError("unreachable")  # pragma: no cover


# --- values and dates -------------------------------------------------------------------------------


def parse_value(text: object, where: str) -> float | None:
    """A number as a data file writes it (`1234`, `1,234.5`, `12.5%` gives 12.5); empty means no reading."""
    if text is None:  # JSON null: no reading (a series' future points are often null)
        return None
    if isinstance(text, bool):
        raise SourceError(f"{where}: value {text!r} is not a number")
    if isinstance(text, int | float):
        number = float(text)
    else:
        cleaned = str(text).strip().replace(",", "").replace("\u00a0", "").removesuffix("%").strip()
        if not cleaned:
            return None
        try:
            number = float(cleaned)
        except ValueError:
            raise SourceError(f"{where}: value {str(text)[:60]!r} is not a number") from None
    if not math.isfinite(number):
        raise SourceError(f"{where}: value {str(text)[:60]!r} is not a finite number")
    if abs(number) > MAX_ABS_VALUE:  # the ledger's bound on a value (predictions.quantities)
        raise SourceError(f"{where}: value {str(text)[:60]!r} is outside ±1e15, the largest magnitude a value may have")
    return number


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ])")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])", re.IGNORECASE)


def parse_day(text: object, where: str) -> date:
    """The day a reading is for: an ISO date or date-time, or a period (`2025-11`, `2025-Q3`, `2025`)
    read as its last day (a statistic for a period is its value at the period's end). Strict on purpose:
    a date that is guessed could record a reading on the wrong day."""
    value = str(text).strip() if text is not None else ""
    try:
        if re.fullmatch(r"\d{4}", value):
            return date(int(value), 12, 31)
        if match := _QUARTER.fullmatch(value):
            year, quarter = int(match[1]), int(match[2])
            return date(year, quarter * 3, calendar.monthrange(year, quarter * 3)[1])
        if match := _MONTH.fullmatch(value):
            year, month = int(match[1]), int(match[2])
            return date(year, month, calendar.monthrange(year, month)[1])
        moment = parse_date_time(value, "date")  # refuses what is not a date or a date-time
        # The day as written: an offset says where the day was counted, not that it was another day.
        return date.fromisoformat(value[:10]) if _ISO_DAY.match(value) else moment.date()
    except ValueError:
        raise SourceError(
            f"{where}: date {value[:60]!r} is not a date (YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY)"
        ) from None


def _text(body: bytes, what: str) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"not {what}: the payload is not UTF-8 text") from None


def _looks_like(text: str) -> str | None:
    start = text.lstrip()[:1]
    return {"<": "HTML or XML", "{": "JSON", "[": "JSON"}.get(start)


def _unique_days(readings: list[Reading]) -> list[Reading]:
    """One reading per day; a day given two different values in one payload is refused as ambiguous."""
    by_day: dict[date, Reading] = {}
    for reading in readings:
        seen = by_day.get(reading.observed_on)
        if seen is not None and seen.value != reading.value:
            raise SourceError(
                f"{seen.where} and {reading.where} give {reading.observed_on.isoformat()} two different values"
            )
        by_day.setdefault(reading.observed_on, reading)
    return sorted(by_day.values(), key=lambda r: r.observed_on)


# --- CSV ------------------------------------------------------------------------------------------


def read_csv(body: bytes, value_column: str, date_column: str) -> list[Reading]:
    """One reading per data row that has a value (a row whose value cell is empty has none)."""
    text = _text(body, "CSV")
    if (kind := _looks_like(text)) is not None:
        raise SourceError(f"not CSV: the payload looks like {kind}")
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if not header:
            raise SourceError("not CSV: the payload is empty")
        names = [name.strip() for name in header]
        for column in (value_column, date_column):
            if column not in names:
                shown = ", ".join(names[:12])
                raise SourceError(f"the CSV has no column {column!r} (its columns: {shown})")
        value_at, date_at = names.index(value_column), names.index(date_column)
        readings = []
        for row in rows:
            where = f"line {rows.line_num}"
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(value_at, date_at):
                raise SourceError(f"{where}: has {len(row)} cells, fewer than the header's {len(names)}")
            value = parse_value(row[value_at], where)
            if value is not None:
                readings.append(Reading(parse_day(row[date_at], where), value, where))
    except csv.Error as error:
        raise SourceError(f"not CSV: line {rows.line_num}: {error}") from None
    return _unique_days(readings)


# --- JSON -----------------------------------------------------------------------------------------


def check_pointer(pointer: str, option: str) -> str:
    import jsonpointer

    try:
        jsonpointer.JsonPointer(pointer)
    except jsonpointer.JsonPointerException as error:
        raise SourceError(
            f"{option} {pointer!r} is not a JSON pointer (RFC 6901, e.g. /data/0/value): {error}"
        ) from None
    return pointer


def _resolve(document: Any, pointer: str, where: str) -> Any:
    import jsonpointer

    try:
        return jsonpointer.resolve_pointer(document, pointer)
    except jsonpointer.JsonPointerException:
        raise SourceError(f"{where}: the JSON has nothing at {pointer}") from None


def read_json(body: bytes, value_at: str, date_at: str, points: str | None = None) -> list[Reading]:
    """With `points`, a pointer to an array: each element gives a reading through the `value_at` and
    `date_at` pointers (relative to it). Without it, the two pointers give one value and its date."""
    text = _text(body, "JSON")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SourceError(f"not JSON: {reason[:120]}") from None
    if points is None:
        value = parse_value(_scalar(_resolve(document, value_at, "the document"), value_at, "the document"), value_at)
        if value is None:
            raise SourceError(f"the value at {value_at} is empty")
        day = parse_day(_scalar(_resolve(document, date_at, "the document"), date_at, "the document"), date_at)
        return [Reading(day, value, value_at)]
    series = _resolve(document, points, "the document")
    if not isinstance(series, list):
        raise SourceError(f"{points} is not an array of points but {type(series).__name__}")
    readings = []
    for number, point in enumerate(series):
        where = f"point {number} of {points}"
        value = parse_value(_scalar(_resolve(point, value_at, where), value_at, where), where)
        if value is not None:
            day = parse_day(_scalar(_resolve(point, date_at, where), date_at, where), where)
            readings.append(Reading(day, value, where))
    return _unique_days(readings)


def _scalar(found: Any, pointer: str, where: str) -> Any:
    if isinstance(found, dict | list):
        raise SourceError(f"{where}: {pointer} holds {'an object' if isinstance(found, dict) else 'an array'}, "
                          "not a value")  # fmt: skip
    return found


# --- Atom and RSS ---------------------------------------------------------------------------------


def _plain(text: str | None) -> str:
    """Feed text without its markup, white space folded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text or ""))).strip()


def read_feed(body: bytes, match: str) -> list[FeedEntry]:
    """The entries whose title or summary contains `match` (case and spacing folded), newest first."""
    import feedparser

    parsed = feedparser.parse(body)
    if not parsed.get("version"):
        found = _looks_like(body[:200].decode("utf-8", "replace"))
        raise SourceError(f"not an Atom or RSS feed{f' (it looks like {found})' if found == 'JSON' else ''}")
    wanted = re.sub(r"\s+", " ", match).strip().casefold()
    entries = []
    for entry in parsed.entries:
        title, summary = _plain(entry.get("title")), _plain(entry.get("summary"))
        if wanted not in title.casefold() and wanted not in summary.casefold():
            continue
        link = entry.get("link")
        if link and urllib.parse.urlsplit(link).scheme.lower() not in ("http", "https"):
            link = None
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        day = date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
        key = entry.get("id") or link or f"{title}|{day}"
        entries.append(FeedEntry(str(key)[:1000], title[:500] or "(untitled entry)", link, day,
                                 summary[:SUMMARY_CHARS] or None))  # fmt: skip
    return sorted(entries, key=lambda e: (e.published_on or date.min, e.key), reverse=True)
