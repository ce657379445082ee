"""httpx transports whose every read and write ends by the answer's deadline.

httpx's timeouts are per read: a server that trickles the status line and headers a byte
at a time, each within the read timeout, holds a request for days (h11 reads up to 100 KiB
of headers). `read_capped` bounds the body; this bounds everything before it. `bind` puts
a transport's connections (a proxy's too) on a `Clock`; the client sets `Clock.ends` (a
`time.monotonic()` value) before each request, and each read and write then waits at most
until then: one past it raises httpcore's timeout, which httpx turns into
`httpx.ReadTimeout` / `httpx.WriteTimeout`.

A SOCKS proxy is refused (`refuse_socks`): neither the X client's SOCKS pools nor httpx's
SOCKS transport (an extra linkratio does not install) read through these streams.
"""

from __future__ import annotations

import math
import os
import ssl
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from linkratio.errors import InputError


class Clock:
    """When the answer being read must be whole (monotonic seconds; inf: no deadline)."""

    def __init__(self) -> None:
        self.ends = math.inf

    def limit(self, timeout: float | None, error: type[Exception]) -> float | None:
        """`timeout` cut to what is left of the deadline; `error` when nothing is left."""
        left = self.ends - time.monotonic()
        if left <= 0:
            raise error("no whole answer within the deadline")
        if left == math.inf:  # no request asked yet: the timeout alone
            return timeout
        return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    """A network stream whose reads and writes end by the clock's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, clock: Clock) -> None:
        self._stream = stream
        self._clock = clock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._clock.limit(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._clock.limit(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._clock.limit(timeout, httpcore.ConnectTimeout)
        return _Stream(self._stream.start_tls(ssl_context, server_hostname, limit), self._clock)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's own sync backend, its streams bound to the clock."""

    def __init__(self, clock: Clock) -> None:
        self._backend = httpcore.SyncBackend()
        self._clock = clock

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._clock.limit(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, limit, local_address, socket_options)
        return _Stream(stream, self._clock)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        limit = self._clock.limit(timeout, httpcore.ConnectTimeout)
        return _Stream(self._backend.connect_unix_socket(path, limit, socket_options), self._clock)

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def bind(transport: httpx.BaseTransport, clock: Clock) -> None:
    """Bind the connections of an httpx transport (a proxy's too) to `clock`."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError(
            f"httpx {httpx.__version__} changed its transport: the answer deadline cannot "
            "bound its reads (it needs httpx 0.27-0.29 with httpcore 1.x)"
        )
    # httpx has no public hook for httpcore's network backend; the pool opened nothing yet.
    pool._network_backend = _Backend(clock)


def bind_client(client: httpx.Client, clock: Clock) -> None:
    """Bind every transport of `client` (its own and the environment's proxies) to `clock`."""
    for used in (getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()):
        if used is not None:
            bind(used, clock)


_PROXY_VARIABLES = frozenset({"all_proxy", "https_proxy", "http_proxy"})


def refuse_socks() -> None:
    """InputError naming the variable when the environment sets a SOCKS proxy.

    httpx and requests would send every request through it (or stop with a traceback
    asking for a package), and no deadline would bound a proxy that trickles its bytes.
    """
    for name, value in sorted(os.environ.items()):
        if name.lower() in _PROXY_VARIABLES and value.strip().lower().startswith("socks"):
            scheme = value.strip().split(":", 1)[0]
            raise InputError(
                f"{name} names a SOCKS proxy ({scheme}://…): linkratio goes through HTTP "
                f"proxies only: set {name} to an http:// proxy or unset it"
            )
