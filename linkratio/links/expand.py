"""Short-link expansion: where a link really goes, hop by hop, every hop checked first.

One httpx `AsyncClient` (redirects followed here, not by httpx, so the guard of
`linkratio.net.netguard` sees every hop), HEAD first and a body-less GET when HEAD is
refused, at most 10 redirects with loop detection, a per-request timeout (host lookups
included), and bounded concurrency (in total and per host, whatever the port; a host's slot is taken
before a global one, and a host that keeps failing is skipped for the rest of the run).
Response bodies are never read or stored. Running it over many URLs: `expand_run`.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import ssl
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from linkratio import __version__, links
from linkratio.links import domain, looks_short
from linkratio.links.names import NOT_IN_HOST, normal_host
from linkratio.model import REFUSED, Resolution
from linkratio.net.netguard import Guard, ResolveFailed, UnsafeTarget, pinned_transport
from linkratio.wording import counted

PROJECT_URL = "https://pypi.org/project/linkratio/"
"""Where the user agent points a site operator who wonders what is asking."""
USER_AGENT = f"linkratio/{__version__} (+{PROJECT_URL}) link-expander"
"""The User-Agent of every expansion request."""
REDIRECTS = frozenset({301, 302, 303, 307, 308})
"""Statuses whose Location is the next hop."""
_TRANSIENT = frozenset({408, 425, 429})
BREAKER = 3
"""Connection failures or timeouts in a row after which a host's other links are skipped."""
_BAD_LOCATION = "Invalid URL in location header"  # httpx's RemoteProtocolError text


class HostDown(Exception):  # noqa: N818
    """A host failed `BREAKER` times in a row this run: its other links are not asked."""


@dataclass(frozen=True, slots=True)
class ExpandOptions:
    """Limits of one expansion run."""

    concurrency: int = 16
    """URLs being resolved at once, in total."""
    per_host: int = 4
    """Requests in flight to one host at once (http and https, any port, together)."""
    timeout: float = 10.0
    """Seconds per request (connect, each read)."""
    max_redirects: int = 10
    retry_failed: bool = False
    """Ask again URLs that failed before without waiting for their retry time."""


@dataclass
class Counts:
    """How a run went: resolved now, answered by the cache, failed, refused as unsafe."""

    resolved: int = 0
    cached: int = 0
    failed: int = 0
    refused: int = 0
    failed_before: int = 0
    """Cached failures not yet due again (counted in `cached` too)."""
    next_try: datetime | None = None
    """When the first of those may be asked again."""
    causes: dict[str, int] = field(default_factory=dict)
    """The failures of this run by cause (`failure_cause`), most common first when shown."""

    def add(self, result: Resolution) -> None:
        """Count one result of this run."""
        if result.error is None:
            self.resolved += 1
        elif result.refused:
            self.refused += 1
        else:
            self.failed += 1
            cause = failure_cause(result)
            self.causes[cause] = self.causes.get(cause, 0) + 1


NO_NETWORK = "no network"
"""The cause of failures that say nothing about the link: offline, DNS trouble."""


def failure_cause(result: Resolution) -> str:
    """Why a failed (not refused) link failed, in a few words a summary can count."""
    error = result.error or ""
    if error.endswith("skipped this run"):  # HostDown
        return "host kept failing"
    if result.temporary:
        return NO_NETWORK
    for prefix, cause in _CAUSES:
        if error.startswith(prefix):
            return cause
    return "connection failed"


_CAUSES = (
    ("timed out", "timed out"),
    ("server answered", "server error"),
    ("cannot resolve", "host not found"),
    ("redirect loop", "bad redirects"),
    ("more than", "bad redirects"),
    ("not a usable URL", "bad URL"),
)


def _host_key(url: httpx.URL) -> str:
    """The host a hop counts against: its name, whatever the scheme or port."""
    return url.raw_host.decode("ascii").lower()


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing: a shortener's cookies never follow the next hop."""

    def extract_cookies(self, response: object, request: object) -> None:  # noqa: D102
        return

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:  # noqa: D102
        return


@dataclass
class _Host:
    """One host: its request limit and its own small connection pool."""

    limit: asyncio.Semaphore
    client: httpx.AsyncClient
    busy: int = 0


MAX_IDLE_HOSTS = 32
"""Hosts whose connection pools stay open between requests; older idle ones are closed."""


class Expander:
    """Resolves URLs, a small connection pool per host; use as `async with Expander(...)`.

    A pool per host keeps httpcore's pool bookkeeping (which scans every connection on
    every request) small, and makes the per-host limit the size of that host's pool.
    """

    def __init__(
        self,
        options: ExpandOptions | None = None,
        guard: Guard | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.options = options or ExpandOptions()
        self.guard = guard or Guard()
        self._all = asyncio.Semaphore(self.options.concurrency)
        self._hosts: OrderedDict[str, _Host] = OrderedDict()
        self._given_ssl = ssl_context
        """The certificates to trust (default: the system's); tests pass their own CA."""
        self._failures: dict[str, int] = {}
        """host -> connection failures or timeouts in a row (the breaker)."""
        self._ssl: ssl.SSLContext | None = None

    async def __aenter__(self) -> Expander:
        self._ssl = self._given_ssl or httpx.create_ssl_context()
        return self

    async def __aexit__(self, *exc: object) -> None:
        hosts, self._hosts = list(self._hosts.values()), OrderedDict()
        for host in hosts:
            await host.client.aclose()

    def _use(self, key: str) -> _Host:
        """The host's limit and client, created on first use; marked busy."""
        assert self._ssl is not None, "use Expander inside 'async with'"
        host = self._hosts.get(key)
        if host is None:
            client = httpx.AsyncClient(
                transport=pinned_transport(self.guard, self.options.per_host, self._ssl),
                follow_redirects=False,
                timeout=httpx.Timeout(self.options.timeout),
                headers={"User-Agent": USER_AGENT},
                trust_env=False,  # a proxy from the environment would bypass the pinning
                cookies=_NoCookies(),
            )
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.options.per_host), client)
        self._hosts.move_to_end(key)
        host.busy += 1
        return host

    async def _close_idle(self) -> None:
        """Close the least recently used idle hosts' pools beyond `MAX_IDLE_HOSTS`."""
        extra = len(self._hosts) - MAX_IDLE_HOSTS
        idle = [k for k, h in self._hosts.items() if h.busy == 0][: max(0, extra)]
        closing = [self._hosts.pop(k) for k in idle]  # out of reach before any await
        for host in closing:
            await host.client.aclose()

    async def resolve(self, url: str) -> Resolution:
        """Follow `url` to its destination, never raising for a network problem."""
        return await self._follow(url)

    async def _check(self, url: httpx.URL) -> None:
        """The guard's check of one hop, its host lookup bounded by the timeout."""
        try:
            async with asyncio.timeout(self.options.timeout):
                await self.guard.check(url)
        except TimeoutError:
            why = f"looking up {url.host} took more than {self.options.timeout:g} s"
            raise ResolveFailed(why, temporary=True) from None

    async def _request(self, url: httpx.URL) -> tuple[int, str | None]:
        """One hop: check it, then HEAD (or a GET without the body); (status, Location)."""
        await self._check(url)
        key = _host_key(url)
        host = self._use(key)
        try:
            # The host's slot first: a hop waiting for a busy host holds no global slot.
            async with host.limit:
                if self._failures.get(key, 0) >= BREAKER:
                    raise HostDown(f"{key} failed {BREAKER} times in a row: skipped this run")
                async with self._all:
                    return await self._ask_counted(key, host.client, url)
        finally:
            host.busy -= 1
            if len(self._hosts) > MAX_IDLE_HOSTS:
                await self._close_idle()

    async def _ask_counted(
        self, key: str, client: httpx.AsyncClient, url: httpx.URL
    ) -> tuple[int, str | None]:
        """`_ask` within the timeout, counting the host's failures in a row."""
        try:
            # httpx's timeouts are per read: a server trickling bytes would never end.
            async with asyncio.timeout(self.options.timeout):
                answer = await _ask(client, url)
        except (httpx.ConnectError, httpx.TimeoutException, TimeoutError):
            self._failures[key] = self._failures.get(key, 0) + 1
            raise
        self._failures[key] = 0
        return answer

    async def _follow(self, url: str) -> Resolution:
        hops = [url]
        try:
            current = httpx.URL(browser_url(url))
            while True:
                status, location = await self._request(current)
                if status not in REDIRECTS or not location:
                    break
                target = current.join(browser_url(location))
                if str(target) in hops:
                    return _failed(url, hops, "redirect loop", known=False)
                if len(hops) > self.options.max_redirects:
                    why = f"more than {counted(self.options.max_redirects, 'redirect')}"
                    return _failed(url, hops, why, known=False)
                hops.append(str(target))
                current = target
                if target.scheme not in ("http", "https"):
                    # An app link (itms-apps:, intent:) is where the link goes; never asked.
                    return _done(url, hops, status)
        except UnsafeTarget as exc:
            return _failed(url, hops, f"{REFUSED}{exc}")
        except (httpx.InvalidURL, ValueError) as exc:
            return _failed(url, hops, f"not a usable URL ({exc})")
        except ResolveFailed as exc:
            # Before any lookup worked this run, a failed one may just mean "offline".
            soon = exc.temporary or not self.guard.resolved_any
            return _failed(url, hops, str(exc), temporary=soon)
        except HostDown as exc:
            return _failed(url, hops, str(exc), temporary=True)
        except (httpx.TimeoutException, TimeoutError):
            return _failed(url, hops, f"timed out after {self.options.timeout:g} s")
        except httpx.HTTPError as exc:
            return _failed(url, hops, f"{type(exc).__name__}: {exc}")
        if status >= 500 or status in _TRANSIENT or (len(hops) == 1 and status >= 400):
            # A 4xx from the link's own host (401, 403, 404 for the short code) is not
            # where the link goes: kept as a failure, asked again after its retry date.
            return _failed(url, hops, f"server answered {status}")
        return _done(url, hops, status)


_SCHEME_SLASHES = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")


def browser_url(url: str) -> str:
    """`url` with its host as a browser reads it (`normal_host`), for httpx and the guard.

    `https://ｂｉｔ.ｌｙ/x` asks bit.ly, `http://１２７.０.０.１/` is 127.0.0.1 (and refused as
    such); a URL whose host needs no change, or maps to no valid host name, is unchanged.
    """
    scheme = _SCHEME_SLASHES.match(url)
    if scheme is None:
        return url  # a relative path: its host is the one of the hop it came from
    begin = scheme.end()
    end = len(url)
    for mark in "/?#\\":
        found = url.find(mark, begin)
        if 0 <= found < end:
            end = found
    userinfo, at, hostport = url[begin:end].rpartition("@")
    if hostport.startswith("["):
        return url  # an IPv6 literal
    name, colon, port = hostport.partition(":")
    normal = normal_host(name)
    if normal == name.lower() or not normal or NOT_IN_HOST & set(normal):
        return url
    return f"{url[:begin]}{userinfo}{at}{normal}{colon}{port}{url[end:]}"


async def _ask(client: httpx.AsyncClient, url: httpx.URL) -> tuple[int, str | None]:
    """HEAD `url`; when HEAD is refused (an error status), GET it without reading the body."""
    try:
        head = await client.head(url)
        if head.status_code < 400:
            return head.status_code, head.headers.get("location")
    except httpx.RemoteProtocolError as exc:
        _raise_bad_location(exc)  # else some servers drop HEAD requests: ask with GET
    try:
        async with client.stream("GET", url) as got:
            return got.status_code, got.headers.get("location")
    except httpx.RemoteProtocolError as exc:
        _raise_bad_location(exc)
        raise


def _raise_bad_location(exc: httpx.RemoteProtocolError) -> None:
    """A redirect to an unusable Location (`http://[v1.x]/`) is the link's answer: no GET."""
    if str(exc).startswith(_BAD_LOCATION):
        raise httpx.InvalidURL(str(exc)) from None


def _learnt(hops: Sequence[str]) -> tuple[str, ...]:
    """The host of the link as written, when it looks like a short link and led elsewhere.

    Only that first host is learnt, never a host met along the way, and only for a short
    code (`/3xYz9`): a site redirecting an article to its sister site (wired.com/story/x ->
    wired.co.uk) is not taken for a shortener.
    """
    first, last = hops[0], hops[-1]
    if len(hops) < 2 or not looks_short(first) or domain(first) == domain(last):
        return ()
    return (normal_host(links.host(first)),)


def _done(url: str, hops: list[str], status: int) -> Resolution:
    return Resolution(
        url=url,
        final_url=hops[-1],
        status=status,
        hops=tuple(hops),
        resolved_at=datetime.now(UTC),
        redirect_hosts=_learnt(hops),
    )


def _failed(
    url: str, hops: list[str], error: str, known: bool = True, temporary: bool = False
) -> Resolution:
    known = known and len(hops) > 1
    return Resolution(
        url=url,
        final_url=hops[-1] if known else None,
        status=None,
        hops=tuple(hops),
        resolved_at=datetime.now(UTC),
        error=error,
        redirect_hosts=_learnt(hops) if known else (),
        temporary=temporary,
    )
