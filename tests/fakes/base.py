"""The one fake HTTP server every fake builds on: threaded, on 127.0.0.1, on a free port.

A fake subclasses `FakeServer` and answers in `answer(exchange)`; the base records every
request (`requests`, `hits`, `counts`), runs the server thread (`with Fake() as fake:`)
and gives the ways to answer: JSON, a status with headers, a delay that ends when the
server stops, a body trickled byte by byte, or a stream that never ends. `RawServer` is
its bare-TCP sibling, for answers no HTTP server would send.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

import orjson

HOST = "127.0.0.1"


@dataclass
class Request:
    """One request as a fake server received it, and what it answered."""

    number: int
    """1-based, in order of arrival over all paths."""
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes = b""
    at: float = 0.0
    """time.time() when it arrived."""
    target: str = ""
    """The request target as sent: path and query string."""
    status: int | None = None
    """What the server answered (None before it answered, or if the client left first)."""
    response_headers: dict[str, str] = field(default_factory=dict)
    """The extra headers the server answered with."""

    @property
    def params(self) -> dict[str, str]:
        """The query parameters (another name for `query`)."""
        return self.query

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)


class Exchange:
    """One request being answered: the request, and the ways to answer it."""

    def __init__(self, handler: _Handler, request: Request) -> None:
        self.request = request
        self._handler = handler
        self._stopping = handler.server.fake.stopping

    def wait(self, seconds: float) -> bool:
        """Hold the answer `seconds`; True when the server stopped meanwhile."""
        return self._stopping.wait(seconds)

    def hang_up(self) -> None:
        """Close the connection after this exchange (and send nothing more)."""
        self._handler.close_connection = True

    def send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
        drip: float = 0.0,
    ) -> None:
        """Answer `status` with `body`; with `drip`, one byte every `drip` seconds."""
        headers = dict(headers or {})
        self.request.status, self.request.response_headers = status, headers
        handler = self._handler
        try:
            handler.send_response(status)
            if content_type is not None:
                handler.send_header("content-type", content_type)
            handler.send_header("content-length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if not drip:
                handler.wfile.write(body)
            for n in range(len(body) if drip else 0):
                handler.wfile.write(body[n : n + 1])
                handler.wfile.flush()
                if self.wait(drip):
                    return
        except (BrokenPipeError, ConnectionResetError):
            self.request.status = None  # the client gave up (timed out) before the answer

    def send_json(self, status: int, value: Any, headers: dict[str, str] | None = None) -> None:
        """Answer `status` with `value` as JSON (no body for None)."""
        body = orjson.dumps(value) if value is not None else b""
        self.send(status, body, headers, "application/json; charset=utf-8")

    def stream(self, head: bytes, chunk: bytes, pause: float = 0.0) -> int:
        """Write `head`, then `chunk` over and over until the client or the server stops.

        Returns the bytes of `chunk` sent. It never ends an answer: headers trickled
        forever, or a body without end.
        """
        self.hang_up()
        sent = 0
        try:
            self._handler.wfile.write(head)
            while not self.wait(pause):
                self._handler.wfile.write(chunk)
                self._handler.wfile.flush()
                sent += len(chunk)
        except OSError:
            pass  # the client hung up: what the test wants
        return sent


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 (a free port); subclasses answer in `answer`.

    Use as a context manager: it starts on entry, and on exit stops, ends every `wait`
    and closes its socket.
    """

    methods: frozenset[str] = frozenset({"GET"})
    """The methods it answers (others get 501)."""
    protocol_version = "HTTP/1.0"
    """HTTP/1.1 keeps connections open between requests."""
    request_class: type[Request] = Request
    """What a request is recorded as (a subclass may add properties)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.log: list[Request] = []
        """Every request, in order of arrival."""
        self.stopping = threading.Event()
        self.lock = threading.RLock()
        self.scheme = "https" if tls else "http"
        handler = type("Handler", (_Handler,), {"protocol_version": self.protocol_version})
        self._server = _Server((HOST, 0), handler)
        self._server.fake = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def host(self) -> str:
        """`127.0.0.1:PORT`."""
        return f"{HOST}:{self.port}"

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` (https with TLS)."""
        return f"{self.scheme}://{self.host}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def answer(self, exchange: Exchange) -> None:
        """Answer one request (the subclass's behaviour); it is recorded already."""
        raise NotImplementedError

    @property
    def requests(self) -> list[Request]:
        """Every request, in order of arrival (the log itself)."""
        return self.log

    def record(self, request: Request) -> None:
        """Add a request to the log (called for each one before `answer`)."""
        with self.lock:
            request.number = len(self.log) + 1
            self.log.append(request)

    def seen(self, part: str = "") -> list[Request]:
        """The requests whose path contains `part`."""
        with self.lock:
            return [r for r in self.log if part in r.path]

    def hits(self, path: str) -> int:
        """How many requests (any method) asked for exactly `path`."""
        return self.counts()[path]

    def counts(self) -> Counter[str]:
        """The number of requests per path."""
        with self.lock:
            return Counter(r.path for r in self.log)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer, or refused the fake's certificate, is what
        a test wants: no traceback on stderr then (a test may assert stderr is empty)."""
        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        fake = self.server.fake
        if self.command not in fake.methods:
            self.send_error(501)
            return
        target = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        request = fake.request_class(
            number=0,
            method=self.command,
            path=target.path,
            query=dict(parse_qsl(target.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            at=time.time(),
            target=self.path,
        )
        fake.record(request)
        fake.answer(Exchange(self, request))

    do_GET = do_HEAD = do_POST = _serve  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Stay quiet: the tests read the fake's `requests` instead."""


class RawServer:
    """A bare TCP server on 127.0.0.1, for what an HTTP fake cannot send (headers a byte at
    a time, a SOCKS greeting, an SMTP banner that never ends).

    A fake subclasses it and talks in `answer(conn)`, one thread a connection; `asked`
    counts the connections, `stopping` is set when the `with` block ends (an answer that
    waits should wait on it), and an OSError in `answer` (the client gave up) is what the
    tests want, so it ends the answer quietly.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server((HOST, 0))
        self.sock.settimeout(0.1)  # accept() looks at `stopping` ten times a second
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://{HOST}:{self.port}"
        self.asked = 0
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def answer(self, conn: socket.socket) -> None:
        """Talk to one client on `conn` (closed afterwards)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._thread.join(5)
        self.sock.close()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.asked += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):  # OSError: the client cut the connection
            conn.settimeout(None)
            self.answer(conn)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def self_signed(folder: Path, host: str = HOST) -> tuple[Path, Path] | None:
    """A certificate and key for `host` made with the openssl tool; None without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    try:
        ip_address(host)
        name = f"IP:{host}"
    except ValueError:
        name = f"DNS:{host}"
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName={name}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def tls_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    """A server-side TLS context with a (certificate, key) pair."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)
    return context
