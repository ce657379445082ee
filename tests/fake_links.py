"""Local web sites for the expander tests: shorteners, destinations, loops, slow and broken.

Each `FakeSite` is a real HTTP server on 127.0.0.1 (its own port, so its own host:port
for the per-host limit) serving `Route`s by path. Every request is recorded, so a test
can assert that the cache kept a URL from being asked twice.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Route:
    """What one path answers: a status, a Location, a HEAD-only status, a delay."""

    status: int = 200
    location: str | None = None
    head_status: int | None = None
    """The status HEAD gets instead (405 for a server that refuses HEAD)."""
    delay: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    cookie: str | None = None
    """A Set-Cookie value to send."""
    endless: bool = False
    """A GET gets a body that never ends (until the client hangs up)."""
    trickle: float = 0.0
    """Seconds between header lines sent one at a time, never ending the headers."""


class Tally:
    """Requests in progress across several sites (thread-safe), and the most at once."""

    def __init__(self) -> None:
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def change(self, by: int) -> None:
        """One request more (+1) or fewer (-1) in progress."""
        with self._lock:
            self.active += by
            self.max_active = max(self.max_active, self.active)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, method: str) -> None:
        site = self.server.site
        site.record(method, self.path, self.headers.get("User-Agent", ""))
        if self.headers.get("Cookie"):
            site.cookies.append(self.headers["Cookie"])
        route = site.routes.get(self.path, Route(status=404))
        with site.busy():
            if route.delay and site.stopping.wait(route.delay):
                self.close_connection = True
                return
        status = route.head_status if method == "HEAD" and route.head_status else route.status
        if route.trickle or (route.endless and method == "GET"):
            self._forever(status, route)
            return
        body = b"" if method == "HEAD" else b"<html>a page body that is never read</html>" * 50
        self.send_response(status)
        if route.location and status in (301, 302, 303, 307, 308):
            self.send_header("Location", route.location)
        if route.cookie:
            self.send_header("Set-Cookie", route.cookie)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _forever(self, status: int, route: Route) -> None:
        """Headers that never end, or a body that never ends, until the client hangs up."""
        self.close_connection = True
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: text/html\r\n"
        line, pause = (b"X-Slow: 1\r\n", route.trickle) if route.trickle else (b"x" * 65536, 0)
        try:
            self.wfile.write(head.encode() + (b"" if route.trickle else b"\r\n"))
            while not self.server.site.stopping.wait(pause):
                self.wfile.write(line)
                self.wfile.flush()
                self.server.site.sent += len(line)
        except OSError:
            return  # the client hung up: what the test wants

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer("HEAD")

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")

    def log_message(self, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: FakeSite


class FakeSite:
    """A local HTTP server; use as a context manager (it closes its socket and threads)."""

    def __init__(self, tls: ssl.SSLContext | None = None, tally: Tally | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str]] = []
        self.agents: list[str] = []
        self.cookies: list[str] = []
        """Every Cookie header a request carried."""
        self.stopping = threading.Event()
        self.active = 0
        self.max_active = 0
        """The most requests this server handled at once."""
        self.tally = tally or Tally()
        """Shared with other sites to count their requests in progress together."""
        self.sent = 0
        """Bytes of never-ending answers sent."""
        self.names: list[str | None] = []
        """The server name (SNI) of every TLS handshake."""
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        self.port: int = self._server.server_address[1]
        self.scheme = "https" if tls else "http"
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> FakeSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` (https for a TLS site)."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def add(self, path: str, route: Route) -> str:
        """Serve `route` at `path`; return its full URL."""
        self.routes[path] = route
        return self.origin + path

    def redirect(self, path: str, location: str, status: int = 301) -> str:
        """A short link at `path` redirecting to `location`; return its URL."""
        return self.add(path, Route(status=status, location=location))

    def record(self, method: str, path: str, agent: str) -> None:
        """Remember one request."""
        with self._lock:
            self.requests.append((method, path))
            self.agents.append(agent)

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count one request in progress (for `max_active`)."""
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.tally.change(+1)
        try:
            yield
        finally:
            self.tally.change(-1)
            with self._lock:
                self.active -= 1

    def hits(self, path: str) -> int:
        """How many requests (any method) asked for `path`."""
        with self._lock:
            return sum(1 for _, p in self.requests if p == path)
