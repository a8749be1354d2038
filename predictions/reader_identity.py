"""Who a reader is, and how often they may submit (issue 25; the rest is predictions.reader_forecasts).

A reader is a random id (128 bits) in a cookie signed with HMAC-SHA256 under a server secret
(`<ledger stem>.reader-secret` beside the ledger, made on first use, mode 0600). What is stored is a
pseudonym, HMAC-SHA256 of the id under the same secret: never the cookie, never an address. Clearing the
cookie starts a new reader. The rate limiter counts forecasts per reader and per address in memory only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from predictions.errors import PredictionsError

WINDOW_SECONDS = 60.0
SECRET_BYTES = 32


class ReaderForecastError(PredictionsError, ValueError):
    """A reader's forecast that is not taken: one polite line for the page."""


class RateLimitedError(ReaderForecastError):
    pass


# --- who a reader is ------------------------------------------------------------------------------------


def secret_file(ledger: Path) -> Path:
    return ledger.with_name(f"{ledger.stem}.reader-secret")


def server_secret(ledger: Path) -> bytes:
    """The secret that signs readers' cookies and makes their pseudonyms: created on first use beside
    the ledger (readable by its owner only), read afterwards. Two processes creating it at once agree:
    the file is made exclusively, the loser reads the winner's."""
    path = secret_file(ledger)
    for _ in range(50):
        try:
            text = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES) + "\n")
            continue
        if len(text) == 2 * SECRET_BYTES:
            return bytes.fromhex(text)
        time.sleep(0.01)  # being written by another process
    raise ReaderForecastError(f"the readers' secret {path} cannot be read")


def _mac(secret: bytes, purpose: str, value: str) -> str:
    return hmac.new(secret, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def new_token(secret: bytes) -> str:
    """A cookie value for a new reader: a random id and its signature."""
    reader_id = secrets.token_hex(16)
    return f"{reader_id}.{_mac(secret, 'reader-cookie', reader_id)}"


def token_reader(token: str | None, secret: bytes) -> str | None:
    """The reader id in a cookie this server signed, None for anything else."""
    if not token or token.count(".") != 1:
        return None
    reader_id, signature = token.split(".")
    if len(reader_id) != 32 or any(c not in "0123456789abcdef" for c in reader_id):
        return None
    if not hmac.compare_digest(signature, _mac(secret, "reader-cookie", reader_id)):
        return None
    return reader_id


def pseudonym(reader_id: str, secret: bytes) -> str:
    """What is stored for a reader: an HMAC of their id (not the id, which the cookie holds)."""
    return _mac(secret, "reader-pseudonym", reader_id)[:32]


def short(name: str) -> str:
    """A pseudonym as the author workspace shows it."""
    return f"reader-{name[:10]}"


# --- rate limits ----------------------------------------------------------------------------------------


@dataclass
class RateLimiter:
    """At most `per_minute` accepted forecasts per key (a pseudonym, an address) in any WINDOW_SECONDS:
    in memory only (an address is never written anywhere), one per server process."""

    per_minute: int
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, keys: Sequence[str]) -> bool:
        """Count one forecast against every key, if each has room; False (nothing counted) otherwise."""
        with self._lock:
            now = self.clock()
            windows = []
            for key in keys:
                window = self._seen.setdefault(key, deque())
                while window and window[0] <= now - WINDOW_SECONDS:
                    window.popleft()
                windows.append(window)
            if any(len(window) >= self.per_minute for window in windows):
                return False
            for window in windows:
                window.append(now)
            if len(self._seen) > 10_000:  # forget idle keys
                self._seen = {k: w for k, w in self._seen.items() if w and w[-1] > now - WINDOW_SECONDS}
            return True


def limit_keys(reader: str, address: str | None) -> list[str]:
    """The keys a forecast counts against: its reader and its address (localhost is one address)."""
    return [f"reader:{reader}", f"address:{address or 'local'}"]


POLITE_WAIT = (
    "Thank you, that is a lot of forecasts in one minute: please wait a minute before submitting again "
    "(at most {limit} a minute, from one reader or one address)."
)
