"""A published site for the publish tests: the rich seed ledger (dashboard_fixtures) published once per
module with `predictions publish`, and a real static server for it (http.server in a thread).

Import the fixtures into a test module (`from site_fixtures import published, served`).
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from browser_server import free_port
from dashboard_fixtures import build_rich_database

from predictions.cli import main

AS_OF = date(2026, 6, 1)


@dataclass
class Site:
    folder: Path
    database: Path
    ids: dict[str, int]
    url: str  # the --base-url it was published for (a server must serve it there)
    port: int


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(folder: Path, port: int | None = None) -> Iterator[str]:
    """`python -m http.server` for `folder`, in a thread, on 127.0.0.1."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port or free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def publish(database: Path, folder: Path, *extra: str) -> None:
    assert main(["publish", "--db", str(database), "-o", str(folder), "--today", AS_OF.isoformat(), *extra]) == 0


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The rich ledger (seed, evidence, resolutions, a hostile claim) published with cards, for a server
    on a port chosen now."""
    root = tmp_path_factory.mktemp("site")
    database = root / "ledger.duckdb"
    saved = {name: os.environ.pop(name) for name in [n for n in os.environ if n.startswith("PREDICTIONS_")]}
    os.environ["PREDICTIONS_SETTINGS_FILE"] = str(root / "no-settings.toml")
    try:
        ids = build_rich_database(database, AS_OF)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        publish(database, root / "site", "--base-url", url)
    finally:
        os.environ.pop("PREDICTIONS_SETTINGS_FILE", None)
        os.environ.update(saved)
    return Site(root / "site", database, ids, url, port)
