"""A loopback HTTP server that plays a CRM, for fault injection, kill-and-resume tests and benchmarks.

Recorded cassettes replay exactly what a live CRM said once; they cannot answer a sync that
resumes at page 7, nor throw a 429 storm at it. The fakes in this package answer with the
*shapes* of the recorded responses (same keys, same string-typed attributes, same paging links,
same second/minute truncation of timestamps) over data the test controls, and the server here adds
scripted faults: 429 with ``Retry-After``, 5xx, stalls longer than the client's timeout.

Time is a :class:`FakeClock` shared by the server (it stamps modifications) and the sync engine (it
fixes window bounds), advancing a little on every request, so "records changed while the sync
ran" happen deterministically.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

__all__ = ["FakeClock", "Fault", "LoopbackServer", "Reply"]


class FakeClock:
    """A thread-safe clock that moves forward by ``tick`` every time the server handles a request."""

    def __init__(self, start: datetime, tick: timedelta = timedelta(milliseconds=700)) -> None:
        self._now = start
        self.tick = tick
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None) -> datetime:
        with self._lock:
            self._now += self.tick if delta is None else delta
            return self._now


@dataclass(frozen=True)
class Fault:
    """What the server does instead of answering one request."""

    status: int = 503  # 429, 500, 502, 503 ...
    retry_after: str | None = None  # the Retry-After header value, if any
    stall: float = 0.0  # seconds to sleep before answering (longer than the client timeout = a timeout)
    body: str = ""


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


class Handler(Protocol):
    def handle(self, method: str, path: str, query: list[tuple[str, str]], body: bytes, headers: dict[str, str]) -> Reply: ...


class LoopbackServer:
    """Serve a fake CRM on ``127.0.0.1:<free port>`` in a background thread (a context manager)."""

    def __init__(self, handler: Handler, clock: FakeClock | None = None) -> None:
        self.handler = handler
        self.clock = clock
        self.faults: deque[Fault] = deque()
        self.requests = 0
        self.fault_every: tuple[int, Fault] | None = None  # (n, fault): every n-th request fails
        self.on_request: Callable[[int], None] | None = None
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = server._next_fault()
                if fault is not None:
                    if fault.stall:
                        time.sleep(fault.stall)
                    self._reply(Reply(fault.status, fault.body.encode(), "text/html",
                                      (("Retry-After", fault.retry_after),) if fault.retry_after else ()))
                    return
                parts = urlsplit(self.path)
                reply = server.handler.handle(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                                              body, {k.lower(): v for k, v in self.headers.items()})
                self._reply(reply)

            def _reply(self, reply: Reply) -> None:
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    for name, value in reply.headers:
                        self.send_header(name, value)
                    buffered: list[bytes] = self._headers_buffer  # type: ignore[has-type]
                    self.wfile.write(b"".join([*buffered, b"\r\n"]) + reply.body)
                    self._headers_buffer: list[bytes] = []
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.requests += 1
            n = self.requests
            if self.clock is not None:
                self.clock.advance()
            fault = self.faults.popleft() if self.faults else None
            if fault is None and self.fault_every is not None and n % self.fault_every[0] == 0:
                fault = self.fault_every[1]
        if self.on_request is not None:
            self.on_request(n)
        return fault

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def json_reply(payload: Any, status: int = 200, content_type: str = "application/json") -> Reply:
    return Reply(status, json.dumps(payload, ensure_ascii=False).encode(), content_type)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)
