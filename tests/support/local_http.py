"""Real HTTP servers on localhost for the tests: a site whose documents a test changes between runs
(watched sources), and a receiver that records the webhook POSTs it gets (reminders, data notices)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler], **attributes: Any) -> Iterator[ThreadingHTTPServer]:
    """`handler` (a subclass carrying `attributes`) served on a free port until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), type(handler.__name__, (handler,), attributes))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # no request lines in the test output
        return


# --- a site ----------------------------------------------------------------------------------------


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    location: str | None = None  # a redirect's target
    hold: threading.Event | None = None  # answer only once this is set
    delay: float = 0.0
    trickle: float = 0.0  # send the body one byte per this many seconds, endlessly (a stalling source)
    reason: str | None = None  # the status line's reason phrase (default: the standard one)
    hits: int = 0


@dataclass
class Site:
    """The documents served, by path with its query (`/x.csv?key=1`); any other path answers 404."""

    base: str
    routes: dict[str, Route] = field(default_factory=dict)
    closed: threading.Event = field(default_factory=threading.Event)  # ends every trickle

    def serve(self, path: str, body: str | bytes = b"", **options: Any) -> str:
        """Serve (or replace) the document at `path`; its full URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(data, **options)
        return self.base + path


class _SiteHandler(_Quiet):
    site: Site

    def do_GET(self) -> None:
        route = self.site.routes.get(self.path)
        if route is None:
            self.send_error(404, "Not Found")
            return
        route.hits += 1
        if route.hold is not None:
            route.hold.wait(30)
        if route.delay:
            time.sleep(route.delay)
        if route.trickle:
            self._trickle(route)
            return
        self.send_response(route.status, route.reason)
        if route.location:
            self.send_header("Location", route.location)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            self.wfile.write(route.body)

    def _trickle(self, route: Route) -> None:
        """Headers at once, then a byte of a CSV at a time until the client goes or the site closes."""
        self.send_response(200)
        self.send_header("Content-Type", route.content_type)
        self.send_header("Content-Length", "1000000")
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, OSError):
            self.wfile.write(b"month,cities\n")
            self.wfile.flush()
            while not self.site.closed.wait(route.trickle):
                self.wfile.write(b"1")
                self.wfile.flush()


@contextlib.contextmanager
def local_site() -> Iterator[Site]:
    site = Site("")
    with serving(_SiteHandler, site=site) as server:
        site.base = f"http://127.0.0.1:{server.server_port}"
        try:
            yield site
        finally:
            site.closed.set()
            for route in site.routes.values():  # a held answer lets its handler thread finish
                if route.hold is not None:
                    route.hold.set()


# --- a webhook receiver ----------------------------------------------------------------------------


class Hook(NamedTuple):
    headers: dict[str, str]
    body: dict[str, Any]


class _HookHandler(_Quiet):
    received: list[Hook]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(Hook(dict(self.headers), json.loads(self.rfile.read(length))))
        self.send_response(204)
        self.end_headers()


@contextlib.contextmanager
def webhook_receiver(path: str = "/hook") -> Iterator[tuple[list[Hook], str]]:
    """The POSTs received, in order (the list fills as they arrive), and the URL to send them to."""
    received: list[Hook] = []
    with serving(_HookHandler, received=received) as server:
        yield received, f"http://127.0.0.1:{server.server_port}{path}"
