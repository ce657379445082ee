"""The transport under tweepy's `requests` session: routing plus the network policy's limits.

tweepy hard-codes https://api.twitter.com and reads each answer whole. This adapter sends
its requests to the configured base URL instead, with the policy's read timeout, and reads
the body itself: streamed, capped at `max_body` and within `deadline` (requests has no
deadline of its own, so a server trickling bytes would hold a fetch forever). Its
connections read the status line and headers within the same deadline (`_DeadlineReader`):
http.client reads them with the per-read timeout only.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from collections.abc import Iterator, Mapping
from typing import Any

import requests
import tweepy
import urllib3.connection
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from linkratio.net.deadline import Clock
from linkratio.net.policy import Policy, check_length, read_capped
from linkratio.net.x_settings import OFFICIAL_URL

_CHUNK = 64 * 1024
_RESET = "x-rate-limit-reset"
ORIGINAL_RESET = "x-linkratio-unparsed-reset"


class Route(HTTPAdapter):
    """Sends tweepy's requests for the official host to `base_url`, under `policy`."""

    def __init__(self, base_url: str, policy: Policy) -> None:
        self._clock = Clock()  # before super().__init__(), which makes the pool manager
        super().__init__()
        self._base_url = base_url
        self._policy = policy

    def late(self) -> bool:
        """True when the deadline of the last answer asked for has passed."""
        return time.monotonic() >= self._clock.ends

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self._clock)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:  # noqa: D102
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools are SOCKS' own
            manager.pool_classes_by_scheme = _pools(self._clock)
        return manager

    def send(  # noqa: D102
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        ends = self._clock.ends = time.monotonic() + self._policy.deadline
        url = request.url or ""
        if self._base_url != OFFICIAL_URL and url.startswith(OFFICIAL_URL + "/"):
            # Signed OAuth 1.0a headers stay valid: they were computed for the official
            # URL, which is what a proxy at base_url forwards to.
            request = request.copy()
            request.url = self._base_url + url[len(OFFICIAL_URL) :]
            if proxies and requests.utils.should_bypass_proxies(request.url, no_proxy=None):
                proxies = {}
        response = super().send(
            request,
            stream=True,
            timeout=self._policy.timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=dict(proxies) if proxies is not None else None,
        )
        try:
            _read(response, self._policy, ends)
        except BaseException:
            response.close()
            raise
        _tame_reset(response)
        _tame_error(response)
        return response


class _DeadlineReader(io.RawIOBase):
    """A connection's socket read for one answer, each read cut to what is left of its deadline.

    It holds the file http.client made of the socket (`made`), so the socket stays open
    while the answer is read, as http.client expects, and closes it when it is closed.
    """

    def __init__(self, sock: socket.socket, clock: Clock, made: io.BufferedIOBase) -> None:
        super().__init__()
        self._sock, self._clock, self._made = sock, clock, made

    def readable(self) -> bool:  # noqa: D102
        return True

    def readinto(self, buffer: Any) -> int:  # noqa: D102
        timeout = self._sock.gettimeout()
        self._sock.settimeout(self._clock.limit(timeout, TimeoutError))
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(timeout)

    def close(self) -> None:  # noqa: D102
        self._made.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading its socket through a `_DeadlineReader`."""

    clock: Clock

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(sock, self.clock, self.fp))


def _pools(clock: Clock) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3's connection pools, their connections' answers read within `clock`."""
    answer = type("_Response", (_DeadlineResponse,), {"clock": clock})
    plain = type("_Connection", (urllib3.connection.HTTPConnection,), {"response_class": answer})
    tls = type("_TLSConnection", (urllib3.connection.HTTPSConnection,), {"response_class": answer})
    return {
        "http": type("_Pool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("_TLSPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


def _read(response: requests.Response, policy: Policy, ends: float) -> None:
    """Read the whole body into the response, as `requests` would, but capped and timed."""
    host = response.url.split("/")[2] if "://" in response.url else response.url
    what = f"the X API at {host}"
    check_length(response.headers, policy.max_body, what)
    response._content = read_capped(_chunks(response.raw), policy.max_body, ends, what)
    response._content_consumed = True
    response.raw.release_conn()


def _chunks(raw: Any) -> Iterator[bytes]:
    # read1 returns what one read from the socket brings: each chunk of a trickle, at once.
    # urllib3's errors become requests' own, as `requests` does when it reads a body.
    try:
        while chunk := raw.read1(_CHUNK, decode_content=True):
            yield chunk
    except urllib3.exceptions.ReadTimeoutError as err:
        raise requests.exceptions.ReadTimeout(err) from None
    except urllib3.exceptions.DecodeError as err:
        raise requests.exceptions.ContentDecodingError(err) from None
    except urllib3.exceptions.SSLError as err:
        raise requests.exceptions.SSLError(err) from None
    except (urllib3.exceptions.ProtocolError, OSError) as err:
        raise requests.exceptions.ChunkedEncodingError(err) from None


def _tame_reset(response: requests.Response) -> None:
    """Leave tweepy an `x-rate-limit-reset` it can parse: it calls int() on it and would raise.

    Any other value moves to `ORIGINAL_RESET`, where `reset_headers` finds it again.
    """
    value = response.headers.get(_RESET)
    # ASCII digits only: "²".isdigit() is true, and int("²") raises inside tweepy.
    if value is not None and not (value.isascii() and value.isdigit() and len(value) <= 12):
        response.headers[ORIGINAL_RESET] = value
        del response.headers[_RESET]


def _tame_error(response: requests.Response) -> None:
    """Leave tweepy an error body it can read: it walks `errors` and joins `detail` unchecked.

    `{"errors": 5}`, a JSON array or one nested 100,000 deep would raise inside tweepy (a
    traceback, not the error for the status); such a body is dropped, and the status alone
    says what happened, as for a body that is not JSON.
    """
    if response.status_code < 400:
        return
    try:
        tweepy.HTTPException(response)
    except Exception:
        response._content = b""


def reset_headers(response: requests.Response) -> dict[str, str]:
    """The answer's headers (lower-case names) as the server sent its reset."""
    headers = {name.lower(): value for name, value in response.headers.items()}
    original = headers.pop(ORIGINAL_RESET, None)
    if original is not None:
        headers[_RESET] = original
    return headers
