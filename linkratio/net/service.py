"""One careful JSON-over-HTTP client (httpx) for Bluesky's AppView and Mastodon instances.

The platforms' own calls are in `bluesky_api` and `mastodon_api`.

Every request has a timeout per read and a deadline for the whole answer. 429 waits for
the rate limit's reset (`retry-after`, `ratelimit-reset` / `x-ratelimit-reset` as epoch
seconds, seconds to go or an ISO time), and a response that says no requests remain
(`ratelimit-remaining: 0`) makes the next request wait for the reset first; 5xx, timeouts
and lost connections are retried with exponential backoff (a host name that does not
resolve fails at once). Every wait is announced through `on_wait(seconds, reason)` before
it is slept. Failures become one-line `ServiceError`s (see `linkratio.errors`); a token is
sent only in the Authorization header and never appears in a message.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from linkratio import __version__
from linkratio.errors import (
    ServiceAccountError,
    ServiceAuthError,
    ServiceError,
    ServiceRateLimited,
    ServiceSettingError,
    ServiceUnavailable,
)
from linkratio.model import Post

log = logging.getLogger(__name__)

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
"""Hosts that may be reached over plain http (tests, a local instance)."""

Refusal = Callable[[int, dict[str, Any], str], ServiceError | None]
"""Turns an HTTP error status, its JSON body and the subject (an account) into the service's
own error, or None for the generic one."""


def checked_base_url(url: str, setting: str) -> str:
    """`url` without a trailing slash, if it is https (or http to a loopback host)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServiceSettingError(f"{setting}: {url!r} is not an http(s) URL")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise ServiceSettingError(
            f"{setting}: plain http is allowed only to 127.0.0.1/localhost, not {parts.hostname}"
        )
    return url.strip().rstrip("/")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def reset_delay(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until the rate limit resets, from whichever header the server sent."""
    now = time.time() if now is None else now
    retry_after = _number(headers.get("retry-after"))
    if retry_after is not None:
        return max(0.0, retry_after)
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        value = headers.get(name)
        if not value:
            continue
        number = _number(value)
        if number is None:  # Mastodon: an ISO 8601 time
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            number = when.replace(tzinfo=when.tzinfo or UTC).timestamp()
        # Bluesky sends epoch seconds; the IETF draft sends seconds to go.
        return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)
    return None


def _name_unknown(err: BaseException) -> bool:
    """True when the host name did not resolve (a DNS failure somewhere in the causes)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _exhausted(headers: Mapping[str, str]) -> bool:
    for name in ("ratelimit-remaining", "x-ratelimit-remaining"):
        remaining = _number(headers.get(name))
        if remaining is not None:
            return remaining <= 0
    return False


class ServiceClient:
    """GET JSON from one service with timeouts, retries, rate-limit waits and clear errors."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 20.0,
        deadline: float = 120.0,
        retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 900.0,
        wait_on_rate_limit: bool = True,
        on_wait: Callable[[float, str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        refusal: Refusal | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url
        self.retries = retries
        self.deadline = deadline
        self.requests = 0
        """HTTP requests sent so far (retries included)."""
        self.backoff = backoff
        self.max_wait = max_wait
        self.wait_on_rate_limit = wait_on_rate_limit
        self.on_wait = on_wait
        self._sleep = sleep
        self._refusal = refusal
        self._not_before = 0.0
        headers = {"user-agent": f"linkratio/{__version__}", "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,  # httpx drops the Authorization header on a cross-origin hop
        )

    def __repr__(self) -> str:
        return f"ServiceClient({self.name!r}, {self.base_url!r})"  # never the token

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get_json(
        self, path: str, params: Mapping[str, str | int] | None = None, subject: str = ""
    ) -> Any:
        """GET `path` and return its JSON body, retrying and waiting as the module says.

        `subject` (e.g. `@alice.bsky.social`) names what was asked for in error messages.
        """
        failures = 0
        limited = 0
        while True:
            self._respect_limit()
            try:
                response, content = self._get(path, params)
            except httpx.TimeoutException:
                failures = self._retry(failures, f"{self.name} did not answer in time")
                continue
            except httpx.TransportError as err:
                if _name_unknown(err):  # retrying will not make the name resolve
                    raise ServiceUnavailable(
                        f"cannot find {self.name} ({urlsplit(self.base_url).hostname}): the name "
                        "does not resolve; check the spelling and the network"
                    ) from None
                failures = self._retry(failures, f"cannot reach {self.name} ({type(err).__name__})")
                continue
            status = response.status_code
            if status == 429:
                limited += 1
                self._rate_limited(response, limited)
                continue
            if status >= 500:
                failures = self._retry(failures, f"{self.name} answered HTTP {status}")
                continue
            if _exhausted(response.headers):
                delay = reset_delay(response.headers)
                if delay:
                    self._not_before = time.monotonic() + min(delay, self.max_wait)
            return self._body(response, content, path, subject)

    def _get(
        self, path: str, params: Mapping[str, str | int] | None
    ) -> tuple[httpx.Response, bytes]:
        """One GET, its body read within `deadline` seconds in all (httpx's timeout is per
        read, so a server trickling a byte at a time would otherwise hold the run forever)."""
        self.requests += 1
        deadline = time.monotonic() + self.deadline
        with self._http.stream("GET", path, params=dict(params or {})) as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(f"no whole answer within {self.deadline:.0f} s")
        return response, b"".join(chunks)

    def _respect_limit(self) -> None:
        left = self._not_before - time.monotonic()
        self._not_before = 0.0
        if left <= 0:
            return
        if not self.wait_on_rate_limit:
            raise ServiceRateLimited(
                f"{self.name} rate limit used up for {left:.0f} s; stopped cleanly, the next "
                "run resumes where this one stopped"
            )
        self._wait(left, f"{self.name} rate limit: no requests left until the reset")

    def _retry(self, failures: int, reason: str) -> int:
        failures += 1
        if failures > self.retries:
            raise ServiceUnavailable(f"{reason}; gave up after {failures} tries: try again later")
        self._wait(self.backoff * 2 ** (failures - 1), reason)
        return failures

    def _rate_limited(self, response: httpx.Response, times: int) -> None:
        delay = reset_delay(response.headers)
        wait = self.backoff * 2 ** (times - 1) if delay is None else delay + 1
        if not self.wait_on_rate_limit or wait > self.max_wait or times > self.retries + 2:
            when = f" for {wait:.0f} s" if delay is not None else ""
            raise ServiceRateLimited(
                f"{self.name} rate limit reached{when}; stopped cleanly, the next run resumes "
                "where this one stopped"
            )
        self._wait(wait, f"{self.name} rate limit (HTTP 429)")

    def _wait(self, seconds: float, reason: str) -> None:
        log.info("%s: waiting %.0f s", reason, seconds)
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self._sleep(seconds)

    def _body(self, response: httpx.Response, content: bytes, path: str, subject: str) -> Any:
        status = response.status_code
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            if status < 400:
                kind = response.headers.get("content-type", "no content type").split(";")[0]
                raise ServiceUnavailable(
                    f"{self.name} answered {path} with something that is not JSON "
                    f"(HTTP {status}, {kind}): is {self.base_url} the right server?"
                ) from None
            body = None
        if status < 400:
            return body
        details = body if isinstance(body, dict) else {}
        if self._refusal is not None:
            err = self._refusal(status, details, subject)
            if err is not None:
                raise err
        said = str(details.get("message") or details.get("error") or "")[:200]
        said = f": {' '.join(said.split())}" if said else ""
        if status in (401, 403):
            raise ServiceAuthError(f"{self.name} refused the request (HTTP {status}){said}")
        if status == 404:
            raise ServiceAccountError(f"{self.name} has no {path} (HTTP 404){said}")
        raise ServiceError(f"{self.name} refused {path} (HTTP {status}){said}")


@dataclass(frozen=True)
class Page:
    """One page of an account's posts, newest first, and where the next page starts."""

    posts: list[Post]
    cursor: str | None
    """The cursor (Bluesky) or max_id (Mastodon) of the next page; None at the end."""
