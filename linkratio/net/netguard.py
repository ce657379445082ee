"""The safety guard of link expansion: which hops may be requested, and where to connect.

Expansion follows links written by strangers, so a link must not become a way into the
user's own network (SSRF). Before every hop the guard resolves the host and refuses it
when ANY of its addresses is not a public one; the HTTP transport then connects only to
the address the guard checked (pinned), so a DNS answer that changes between the check
and the connect (DNS rebinding) cannot send the request elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolves (host, port) to IP address strings; the default uses `loop.getaddrinfo`."""

METADATA: frozenset[IPAddress] = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2")
)
"""Cloud metadata endpoints (AWS/GCP/Azure, AWS IPv6, Alibaba, ECS task metadata)."""
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_HOSTNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,252}[a-z0-9_.])?")
DEFAULT_PORTS: dict[str, int] = {"http": 80, "https": 443}
"""The only ports a hop may use unless private addresses are allowed (tests, benchmarks)."""


class UnsafeTarget(Exception):  # noqa: N818 (a refusal, not a failure of ours)
    """A hop the guard refuses to request; the message says why."""


class ResolveFailed(Exception):  # noqa: N818
    """The host of a hop has no address (DNS failure): a failure, not a refusal."""

    def __init__(self, message: str, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary
        """True for a failure that says nothing about the host (offline, DNS timeout)."""


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def unsafe_reason(address: str | IPAddress) -> str | None:
    """Why `address` must not be contacted (loopback, private, ...), or None when public."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if inner is not None:
            why = unsafe_reason(inner)
            if why is not None:
                return f"{why} (carried in {ip})"
    checks: tuple[tuple[bool, str], ...] = (
        (ip in METADATA, "the cloud metadata address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.version == 4 and ip in _CGNAT, "a carrier-grade NAT address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
        (not ip.is_global, "not a public address"),
    )
    return next((why for hit, why in checks if hit), None)


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for `host` (TCP).

    The lookup runs in a daemon thread of its own, not the loop's executor: a lookup that
    never returns must not keep a finished (or interrupted) run waiting for its thread.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[list[str]] = loop.create_future()

    def settle(addresses: list[str] | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(addresses or [])

    def lookup() -> None:
        addresses, error = None, None
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        except (OSError, UnicodeError) as exc:
            temporary = isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_AGAIN
            error = ResolveFailed(f"cannot resolve {host}: {exc}", temporary=temporary)
        with contextlib.suppress(RuntimeError):  # the run ended before the answer came
            loop.call_soon_threadsafe(settle, addresses, error)

    threading.Thread(target=lookup, name=f"lookup {host}", daemon=True).start()
    return await answer


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass
class Guard:
    """Checks each hop and remembers the checked address to connect to.

    `allow_private` turns the address check off (tests and benchmarks on 127.0.0.1; the
    command line never sets it). `allow` lists exact (host, port) pairs exempt from the
    address and port checks, so a test can let one local server through while everything
    it redirects to is checked as usual. A run (one event loop) looks each (host, port) up
    once; hops asking at the same time share the lookup in flight.
    """

    allow_private: bool = False
    allow: frozenset[tuple[str, int]] = frozenset()
    resolver: Resolver = system_resolver
    pins: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)
    """(host, port) -> the checked addresses the transport connects to, in order."""
    resolved_any: bool = False
    """True once a host name lookup succeeded (so the network works)."""
    _lookups: dict[tuple[str, int], asyncio.Future[list[str]]] = field(
        default_factory=dict, init=False, repr=False
    )
    _loop: asyncio.AbstractEventLoop | None = field(default=None, init=False, repr=False)

    async def lookup(self, host: str, port: int) -> list[str]:
        """The addresses of (host, port): looked up once per run, shared while in flight."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new run: answers of an old loop are not reused
            self._loop, self._lookups = loop, {}
        task = self._lookups.get((host, port))
        if task is None:
            task = self._lookups[(host, port)] = asyncio.ensure_future(self.resolver(host, port))
            task.add_done_callback(_retrieve)
        # shield: one hop giving up (its timeout) does not cancel the others' lookup.
        addresses = await asyncio.shield(task)
        self.resolved_any = self.resolved_any or bool(addresses)
        return addresses

    async def check(self, url: httpx.URL) -> str:
        """Refuse `url` (UnsafeTarget) or return the checked address to connect to."""
        if url.scheme not in DEFAULT_PORTS:
            raise UnsafeTarget(f"scheme {url.scheme or '(none)'!r} is not http or https")
        if url.userinfo:
            raise UnsafeTarget("the URL carries credentials (user:password@)")
        host = url.raw_host.decode("ascii").lower()
        if not host:
            raise UnsafeTarget("the URL has no host")
        port = url.port or DEFAULT_PORTS[url.scheme]
        exempt = (host, port) in self.allow
        if not (exempt or self.allow_private) and port != DEFAULT_PORTS[url.scheme]:
            raise UnsafeTarget(f"port {port} is not the default port of {url.scheme}")
        literal = _literal(host)
        if literal is None and not _HOSTNAME.fullmatch(host):
            raise ResolveFailed(f"{host!r} is not a valid host name")
        addresses = [str(literal)] if literal is not None else await self.lookup(host, port)
        if not addresses:
            raise ResolveFailed(f"{host} has no address")
        if not (exempt or self.allow_private):
            for address in addresses:
                why = unsafe_reason(address)
                if why is not None and literal is not None:
                    raise UnsafeTarget(f"{host} is {why}")
                if why is not None:
                    raise UnsafeTarget(f"{host} resolves to {address}, {why}")
        self.pins[(host, port)] = tuple(addresses)
        return addresses[0]


def _retrieve(task: asyncio.Future[list[str]]) -> None:
    """Mark a lookup's error as seen: every hop that waited on it has its own copy."""
    if not task.cancelled():
        task.exception()


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to the address the guard checked for that host and port."""

    def __init__(self, pins: dict[tuple[str, int], tuple[str, ...]]) -> None:
        self._pins = pins
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to a checked address of (host, port), in order; refuse a host never checked."""
        addresses = self._pins.get((host.lower(), port))
        if not addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not checked by the guard")
        # TLS still verifies the certificate against `host`: httpcore passes the URL's
        # host as server_hostname when it starts TLS on this stream.
        share = None if timeout is None else timeout / len(addresses)  # each gets its turn
        for address in addresses[:-1]:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=share, local_address=local_address,
                    socket_options=socket_options,
                )  # fmt: skip
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue  # e.g. an IPv6 address on a machine without IPv6: the next one
        return await self._inner.connect_tcp(
            addresses[-1], port, timeout=share, local_address=local_address,
            socket_options=socket_options,
        )  # fmt: skip

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are never used by the expander."""
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Sleep (httpcore's retry waits)."""
        await self._inner.sleep(seconds)


def pinned_transport(
    guard: Guard, connections: int, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes to an address `guard` checked."""
    context = ssl_context or httpx.create_ssl_context()
    transport = httpx.AsyncHTTPTransport(verify=context, retries=0)
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError(
            f"httpx {httpx.__version__} changed its transport: link expansion cannot pin "
            "connections to checked addresses (it needs httpx 0.27/0.28)"
        )
    # httpx has no public hook for httpcore's network backend, so the pool is rebuilt
    # with one (the pool made above never opened a connection). tests/test_netguard.py
    # proves the pinning: a host name only the guard's resolver knows still connects.
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=connections,
        max_keepalive_connections=connections,
        keepalive_expiry=5.0,
        network_backend=PinnedBackend(guard.pins),
    )
    return transport
