"""A minimal Streamlit client over the dashboard's websocket: what the browser sends and receives, without
a browser. Used by the readers' load and stuffing tests and by the readers' bench (issue 25), where a
browser per simulated reader would measure Chromium rather than the server.

One `Session` is one browser tab: it opens `/_stcore/stream` (with a cookie, or none), asks for a page
(`run`), reads every ForwardMsg until the script run has finished, and can then set widgets and press
buttons by their user keys, as the frontend does (a BackMsg `rerun_script` with the widget states, and
the fragment's id when the widget lives in a fragment). Every received frame is kept as raw bytes, so a
test can assert on what went over the wire.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import ClientConnection, connect

FINISHED = {"FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY", "FINISHED_WITH_COMPILE_ERROR"}
TOKEN = re.compile(rb"tracker_reader=([0-9a-f]{32}\.[0-9a-f]{64})")


@dataclass
class Widget:
    id: str
    kind: str
    label: str
    fragment_id: str


@dataclass
class Run:
    """One script run as the client saw it: the raw frames and the widgets, texts and alerts in them."""

    frames: list[bytes] = field(default_factory=list)
    widgets: dict[str, Widget] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def has(self, text: str) -> bool:
        return any(text in t for t in self.texts)

    @property
    def wire(self) -> bytes:
        return b"".join(self.frames)


def _key_of(widget_id: str) -> str:
    """A widget's user key from its id (`$$ID-<hash>-<key>`)."""
    return widget_id.rsplit("-", 1)[-1]


def _texts(element: Any) -> Iterable[str]:
    kind = element.WhichOneof("type")
    if kind is None:
        return
    inner = getattr(element, kind)
    for name in ("body", "label", "value"):
        value = getattr(inner, name, None)
        if isinstance(value, str) and value:
            yield value


class Session:
    """One browser tab on the dashboard at `url`, with an optional cookie header and source address."""

    def __init__(
        self, url: str, *, cookie: str | None = None, source_address: str | None = None, timeout: float = 60.0
    ) -> None:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        sock = socket.create_connection(
            (host, port), timeout=timeout, source_address=(source_address, 0) if source_address else None
        )
        headers = {"Cookie": cookie} if cookie else None
        self.timeout = timeout
        self._stack = ExitStack()
        self.connection: ClientConnection = self._stack.enter_context(
            connect(
                f"ws://{host}:{port}/_stcore/stream",
                sock=sock,
                subprotocols=["streamlit"],  # type: ignore[list-item]
                additional_headers=headers,
                open_timeout=timeout,
                max_size=None,
                ping_interval=None,  # as a browser: no pings of its own (a busy server answers them late)
                close_timeout=5,
            )
        )
        self.page_name = ""
        self.query_string = ""
        self.token: str | None = None

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, widgets: Iterable[WidgetState], fragment_id: str = "") -> None:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_name = self.page_name  # the page by its URL path, every rerun (as a reload would ask)
        if fragment_id:
            state.fragment_id = fragment_id
        state.widget_states.widgets.extend(widgets)
        self.connection.send(message.SerializeToString())

    def _collect(self) -> Run:
        run = Run()
        started = time.perf_counter()
        while True:
            raw = self.connection.recv(timeout=self.timeout)
            assert isinstance(raw, bytes)
            run.frames.append(raw)
            message = ForwardMsg()
            message.ParseFromString(raw)
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                inner_kind = element.WhichOneof("type")
                inner = getattr(element, inner_kind) if inner_kind else None
                widget_id = getattr(inner, "id", "") if inner is not None else ""
                if widget_id:
                    run.widgets[_key_of(widget_id)] = Widget(
                        widget_id, str(inner_kind), getattr(inner, "label", ""), message.delta.fragment_id
                    )
                run.texts.extend(_texts(element))
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                if status in FINISHED:
                    break
            found = TOKEN.search(raw)
            if found:
                self.token = found.group(1).decode()
        run.seconds = time.perf_counter() - started
        return run

    def open(self, page_name: str, query_string: str = "") -> Run:
        """Load a page (`claim`, `track-record`, '' for the overview) as a first visit does."""
        self.page_name, self.query_string = page_name, query_string
        self._send([])
        return self._collect()

    def submit(self, run: Run, values: dict[str, float], button: str) -> Run:
        """Set sliders (by key) and press a (form submit) button, as one rerun; the button's fragment only."""
        states = []
        for key, value in values.items():
            state = WidgetState(id=run.widgets[key].id)
            state.double_array_value.data.append(value)
            states.append(state)
        pressed = run.widgets[button]
        states.append(WidgetState(id=pressed.id, trigger_value=True))
        self._send(states, fragment_id=pressed.fragment_id)
        return self._collect()
