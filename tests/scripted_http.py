"""A tiny HTTP/1.1 server on 127.0.0.1 whose every answer a test scripts: status, headers,
a body sent at once, a byte at a time (a trickle), under a false `content-length`, or as
an endless chunked stream. It records each request and how many body bytes it got out."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson


@dataclass
class Asked:
    """One request as the server saw it."""

    number: int
    method: str
    path: str
    query: dict[str, str]


@dataclass
class Answer:
    """What to send back."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0
    """Seconds between the body's bytes (a trickle)."""
    length: int | None = None
    """The content-length to claim instead of the body's own."""
    endless: bool = False
    """Send chunk after chunk until the client goes away."""


def json_answer(body: Any, status: int = 200, **headers: str) -> Answer:
    """A JSON answer."""
    return Answer(status, orjson.dumps(body), {"content-type": "application/json", **headers})


class Scripted:
    """`with Scripted(answer) as server:`, then point a client at `server.url`."""

    def __init__(self, answer: Callable[[Asked], Answer]) -> None:
        self.answer = answer
        self.asked: list[Asked] = []
        self.sent: list[int] = []
        """Body bytes written per answer (for endless ones: until the client left)."""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Scripted:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def record(self, method: str, target: str) -> Asked:
        """Note one request."""
        parts = urlsplit(target)
        with self._lock:
            asked = Asked(len(self.asked) + 1, method, parts.path, dict(parse_qsl(parts.query)))
            self.asked.append(asked)
        return asked


def _handler(server: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self._serve("POST")

        def _serve(self, method: str) -> None:
            answer = server.answer(server.record(method, self.path))
            sent = 0
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.endless:
                    self.send_header("transfer-encoding", "chunked")
                else:
                    length = len(answer.body) if answer.length is None else answer.length
                    self.send_header("content-length", str(length))
                self.end_headers()
                sent = self._body(answer)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                server.sent.append(sent)
            if answer.endless or answer.length is not None or answer.drip:
                self.close_connection = True

        def _body(self, answer: Answer) -> int:
            if answer.endless:
                chunk = b"x" * 65536
                sent = 0
                while not server._stop.is_set() and sent < 1 << 30:
                    try:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    except (BrokenPipeError, ConnectionResetError):
                        break
                    sent += len(chunk)
                return sent
            if not answer.drip:
                self.wfile.write(answer.body)
                return len(answer.body)
            for n in range(len(answer.body)):
                self.wfile.write(answer.body[n : n + 1])
                self.wfile.flush()
                if server._stop.wait(answer.drip):
                    return n + 1
            return len(answer.body)

    return Handler
