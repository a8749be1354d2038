"""Secrets out of messages: every form in which a server or library may quote a password.

A mail server that refuses a login may quote what it was sent, and smtplib then wraps its reply in a
bytes repr: the password can come back escaped (once or twice), URL-encoded, or inside the base64
blob of `AUTH PLAIN` (`\\0user\\0password`) or `AUTH LOGIN`. `redact` replaces each of those forms
with `***`; a base64 form is matched by the characters that depend on the password alone, at each of
the three alignments it can have inside a longer blob.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterable

MASK = "***"
# Shorter base64 cores would match unrelated text too often; the forms above cover short secrets.
MIN_BASE64_CORE = 4


def _escaped(text: str) -> set[str]:
    """The ways one layer of quoting writes `text` out: str repr, bytes repr, JSON."""
    forms = {repr(text)[1:-1], json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    forms.add(repr(text.encode("utf-8", "surrogatepass"))[2:-1])
    forms |= {text.replace("'", "\\'"), text.replace('"', '\\"')}
    return forms


def _base64_cores(data: bytes) -> set[str]:
    """The base64 characters determined by `data` alone, at the three alignments it can start on."""
    cores = set()
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * pad + data).decode("ascii")
            start, end = -(-8 * pad // 6), 8 * (pad + len(data)) // 6
            core = encoded[start:end]
            if len(core) >= MIN_BASE64_CORE:
                cores.add(core)
    return cores


def secret_forms(secret: str, *, user: str | None = None) -> list[str]:
    """Every form of `secret` worth masking, longest first."""
    if not secret:
        return []
    forms = {secret}
    for _ in range(3):  # escaped once, twice (a repr inside a repr), three times
        forms |= {form for text in list(forms) for form in _escaped(text)}
    quoted = {urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}
    forms |= quoted | {form.lower() for form in quoted}
    raw = secret.encode("utf-8", "surrogatepass")
    blobs = [raw]
    if user is not None:  # AUTH PLAIN: authzid \0 authcid \0 password
        blobs += [b"\0" + user.encode("utf-8", "surrogatepass") + b"\0" + raw,
                  (user + "\0" + user + "\0").encode("utf-8", "surrogatepass") + raw]  # fmt: skip
    for blob in blobs:
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            whole = encode(blob).decode("ascii")
            forms |= {whole, whole.rstrip("=")}
    forms |= _base64_cores(raw)
    return sorted((form for form in forms if form), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str | None], *, user: str | None = None) -> str:
    """`text` with every form of every secret replaced by `***`."""
    for secret in secrets:
        if secret:
            for form in secret_forms(secret, user=user):
                text = text.replace(form, MASK)
    return text
