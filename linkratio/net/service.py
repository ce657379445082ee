"""One JSON-over-HTTP client (httpx) for Bluesky's AppView and Mastodon instances.

The platforms' own calls are in `net.bluesky` and `net.mastodon`; time limits, the body
cap, retries and rate-limit waits are the shared `net.policy.Policy`. Besides a 429, an
answer that says no requests remain (`ratelimit-remaining: 0`) makes the next request wait
for the reset first. Failures become one-line `ApiError`s carrying the platform; a token is
sent only in the Authorization header and never appears in a message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from linkratio import __version__
from linkratio.errors import (
    AccountError,
    ApiError,
    ApiUnavailable,
    AuthError,
    SettingError,
)
from linkratio.net.closing import Closing
from linkratio.net.deadline import Clock, bind, refuse_socks
from linkratio.net.policy import (
    Policy,
    Retry,
    TooLarge,
    TooSlow,
    Wait,
    check_length,
    limit_reached,
    name_unknown,
    read_capped,
    reset_delay,
    tls_problem,
)
from linkratio.net.redact import REDACTOR, hide_userinfo, is_loopback, one_line

log = logging.getLogger(__name__)

MAX_REDIRECTS = 10
"""Redirects followed for one request; each is a request, all within the one deadline."""

Refusal = Callable[[int, dict[str, Any], str], ApiError | None]
"""Turns an HTTP error status, its JSON body and the subject (an account) into the service's
own error, or None for the generic one."""


def checked_base_url(url: str, setting: str, platform: str) -> str:
    """`url` without a trailing slash, if it is https (or http to a loopback host).

    A `user:password` in it is masked in every message from then on (`hide_userinfo`).
    """
    hide_userinfo(url)
    try:
        parts = urlsplit(url.strip())
        usable = parts.port is None or parts.port > 0  # .port: ValueError past 65535
    except ValueError:  # e.g. "http://[::1"
        usable = False
    if not usable or parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingError(one_line(f"{setting}: {url!r} is not an http(s) URL"), platform=platform)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise SettingError(
            f"{setting}: plain http is allowed only to 127.0.0.1/localhost, not {parts.hostname}",
            platform=platform,
        )
    return url.strip().rstrip("/")


def _exhausted(headers: Mapping[str, str]) -> bool:
    for name in ("ratelimit-remaining", "x-ratelimit-remaining"):
        value = (headers.get(name) or "").strip()
        if value.isascii() and value.lstrip("-").isdigit():  # "²".isdigit(), int("²") raises
            return int(value) <= 0
    return False


class ServiceClient(Closing):
    """GET JSON from one service under the network policy, with clear errors."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        platform: str,
        token: str | None = None,
        refusal: Refusal | None = None,
        transport: httpx.BaseTransport | None = None,
        **policy: Any,
    ) -> None:
        self.name = name
        self.platform = platform
        self.base_url = base_url
        self.policy = replace(Policy(), **policy)
        self.requests = 0
        """HTTP requests sent so far (retries included)."""
        self._refusal = refusal
        self._not_before = 0.0
        self._clock = Clock()
        headers = {"user-agent": f"linkratio/{__version__}", "accept": "application/json"}
        if token:
            REDACTOR.add([token])
            headers["authorization"] = f"Bearer {token}"
        if transport is None:
            refuse_socks()  # httpx would use the environment's proxies
        self._http = httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=httpx.Timeout(self.policy.timeout),
            transport=transport,  # None: httpx's own, with the environment's proxies
            # Redirects are followed in `_get`, not by httpx: httpx reads each redirect's
            # body whole, with no cap and no deadline. Its `next_request` still drops the
            # Authorization header on a cross-origin hop.
            follow_redirects=False,
        )
        if transport is None:  # the deadline bounds the headers too, through a proxy as well
            mounted = getattr(self._http, "_mounts", {}).values()
            for used in (getattr(self._http, "_transport", None), *mounted):
                if used is not None:
                    bind(used, self._clock)

    def __repr__(self) -> str:
        return f"ServiceClient({self.name!r}, {self.base_url!r})"  # never the token

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get_json(
        self, path: str, params: Mapping[str, str | int] | None = None, subject: str = ""
    ) -> Any:
        """GET `path` and return its JSON body, retrying and waiting as the policy says.

        `subject` (e.g. `@alice.bsky.social`) names what was asked for in error messages.
        """

        def give_up(problem: str, tries: int) -> ApiUnavailable:
            return ApiUnavailable(
                f"{problem}; gave up after {tries} tries: try again later", platform=self.platform
            )

        self._respect_limit()
        response, content = self.policy.run(lambda: self._attempt(path, params), give_up)
        if _exhausted(response.headers):
            delay = reset_delay(response.headers)
            if delay:
                self._not_before = time.monotonic() + delay
        return self._body(response, content, path, subject)

    def _attempt(
        self, path: str, params: Mapping[str, str | int] | None
    ) -> tuple[httpx.Response, bytes]:
        """One GET: its answer, or Retry / Wait for the policy's loop."""
        try:
            response, content = self._get(path, params)
        except (httpx.TimeoutException, TooSlow):
            raise Retry(f"{self.name} did not answer in time") from None
        except TooLarge as err:
            raise ApiUnavailable(str(err), platform=self.platform) from None
        except httpx.DecodingError:
            raise Retry(f"{self.name} sent a body that cannot be decoded") from None
        except httpx.TransportError as err:
            if problem := tls_problem(err):  # nor make the certificate trusted
                raise ApiUnavailable(
                    f"cannot reach {self.name} ({urlsplit(self.base_url).hostname}): {problem}; "
                    "check the address",
                    platform=self.platform,
                ) from None
            if name_unknown(err):  # retrying will not make the name resolve
                raise ApiUnavailable(
                    f"cannot find {self.name} ({urlsplit(self.base_url).hostname}): the name "
                    "does not resolve; check the spelling and the network",
                    platform=self.platform,
                ) from None
            raise Retry(f"cannot reach {self.name} ({type(err).__name__})") from None
        status = response.status_code
        if status == 429:
            seconds = self.policy.limit_wait(response.headers)
            error = limit_reached(self.name, self.platform, reset_delay(response.headers))
            if seconds is None:
                raise error
            raise Wait(seconds, f"{self.name} rate limit reached (HTTP 429)", error)
        if status >= 500:
            raise Retry(f"{self.name} answered HTTP {status}")
        return response, content

    def _get(
        self, path: str, params: Mapping[str, str | int] | None
    ) -> tuple[httpx.Response, bytes]:
        """One GET, its body capped and read within the deadline (httpx's timeout is per read).

        Redirects are followed here, at most `MAX_REDIRECTS`, without reading their bodies.
        """
        ends = self._clock.ends = time.monotonic() + self.policy.deadline
        what = f"{self.name} ({path})"
        request = self._http.build_request("GET", path, params=dict(params or {}))
        for _ in range(MAX_REDIRECTS + 1):
            self.requests += 1
            response = self._http.send(request, stream=True)
            try:
                if response.next_request is None:
                    check_length(response.headers, self.policy.max_body, what)
                    content = read_capped(response.iter_bytes(), self.policy.max_body, ends, what)
                    return response, content
                request = response.next_request
            finally:
                response.close()
            if time.monotonic() > ends:
                raise TooSlow(f"no whole answer within the deadline from {what}")
        raise ApiUnavailable(
            f"{self.name} redirected {path} more than {MAX_REDIRECTS} times; is "
            f"{self.base_url} the right server?",
            platform=self.platform,
        )

    def _respect_limit(self) -> None:
        left = self._not_before - time.monotonic()
        self._not_before = 0.0
        if left <= 0:
            return
        if not self.policy.wait_on_rate_limit or left > self.policy.max_wait:
            raise limit_reached(self.name, self.platform, left, used_up=True)
        self.policy.wait(left, f"{self.name} rate limit: no requests left until the reset")

    def _body(self, response: httpx.Response, content: bytes, path: str, subject: str) -> Any:
        status = response.status_code
        try:
            body = orjson.loads(content)
        except orjson.JSONDecodeError:
            if status < 400:
                kind = response.headers.get("content-type", "no content type").split(";")[0]
                raise ApiUnavailable(
                    f"{self.name} answered {path} with something that is not JSON "
                    f"(HTTP {status}, {kind}): is {self.base_url} the right server?",
                    platform=self.platform,
                ) from None
            body = None
        if status < 400:
            return body
        raise self._refused(status, body if isinstance(body, dict) else {}, path, subject)

    def _refused(self, status: int, details: dict[str, Any], path: str, subject: str) -> ApiError:
        # A server may echo the token it was sent (`invalid token Bearer ...`): never shown.
        details = {k: REDACTOR.mask(v) if isinstance(v, str) else v for k, v in details.items()}
        if self._refusal is not None:
            err = self._refusal(status, details, subject)
            if err is not None:
                return err
        said = str(details.get("message") or details.get("error") or "")[:200]
        said = f": {' '.join(said.split())}" if said else ""
        if status in (401, 403):
            text = f"{self.name} refused the request (HTTP {status}){said}"
            return AuthError(text, platform=self.platform)
        if status == 404:
            return AccountError(
                f"{self.name} has no {path} (HTTP 404){said}", platform=self.platform
            )
        return ApiError(f"{self.name} refused {path} (HTTP {status}){said}", platform=self.platform)
