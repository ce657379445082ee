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

from fakes.base import Exchange, FakeServer


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
        self.lock = threading.Lock()

    def change(self, by: int) -> None:
        """One request more (+1) or fewer (-1) in progress."""
        with self.lock:
            self.active += by
            self.max_active = max(self.max_active, self.active)


class FakeSite(FakeServer):
    """A local HTTP server; use as a context manager (it closes its socket and threads)."""

    methods = frozenset({"GET", "HEAD"})
    protocol_version = "HTTP/1.1"

    def __init__(self, tls: ssl.SSLContext | None = None, tally: Tally | None = None) -> None:
        self.names: list[str | None] = []
        """The server name (SNI) of every TLS handshake."""
        if tls is not None:
            tls.sni_callback = lambda _sock, name, _ctx: self.names.append(name)
        super().__init__(tls)
        self.routes: dict[str, Route] = {}
        self.active = 0
        self.max_active = 0
        """The most requests this server handled at once."""
        self.tally = tally or Tally()
        """Shared with other sites to count their requests in progress together."""
        self.sent = 0
        """Bytes of never-ending answers sent."""

    @property
    def requests(self) -> list[tuple[str, str]]:  # type: ignore[override]
        """(method, path and query) of every request."""
        with self.lock:
            return [(r.method, r.target) for r in self.log]

    @property
    def agents(self) -> list[str]:
        """The User-Agent of every request."""
        with self.lock:
            return [r.headers.get("user-agent", "") for r in self.log]

    @property
    def cookies(self) -> list[str]:
        """Every Cookie header a request carried."""
        with self.lock:
            return [r.headers["cookie"] for r in self.log if r.headers.get("cookie")]

    def hits(self, path: str) -> int:
        """How many requests (any method) asked for `path` (with its query)."""
        return sum(1 for _, target in self.requests if target == path)

    def answer(self, exchange: Exchange) -> None:
        """Answer the route at the request's path (404 when there is none)."""
        method = exchange.request.method
        route = self.routes.get(exchange.request.target, Route(status=404))
        with self.busy():
            if route.delay and exchange.wait(route.delay):
                exchange.hang_up()
                return
        status = route.head_status if method == "HEAD" and route.head_status else route.status
        if route.trickle or (route.endless and method == "GET"):
            self._forever(exchange, status, route)
            return
        body = b"" if method == "HEAD" else b"<html>a page body that is never read</html>" * 50
        headers = {}
        if route.location and status in (301, 302, 303, 307, 308):
            headers["Location"] = route.location
        if route.cookie:
            headers["Set-Cookie"] = route.cookie
        exchange.send(status, body, headers, "text/html")

    def _forever(self, exchange: Exchange, status: int, route: Route) -> None:
        """Headers that never end, or a body that never ends, until the client hangs up."""
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: text/html\r\n".encode()
        if route.trickle:
            self.sent += exchange.stream(head, b"X-Slow: 1\r\n", route.trickle)
        else:
            self.sent += exchange.stream(head + b"\r\n", b"x" * 65536)

    def add(self, path: str, route: Route) -> str:
        """Serve `route` at `path`; return its full URL."""
        self.routes[path] = route
        return self.origin + path

    def redirect(self, path: str, location: str, status: int = 301) -> str:
        """A short link at `path` redirecting to `location`; return its URL."""
        return self.add(path, Route(status=status, location=location))

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Count one request in progress (for `max_active`)."""
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.tally.change(+1)
        try:
            yield
        finally:
            self.tally.change(-1)
            with self.lock:
                self.active -= 1
