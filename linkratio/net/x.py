"""The X API v2 through tweepy: look up accounts and read user timelines page by page.

This module only reads: `XClient.timeline_pages` yields `Page`s and the caller stores
each page together with its `next_token`. tweepy hard-codes https://api.twitter.com, so
its `requests` session gets a transport adapter that sends every request to
`api_base_url()` (the `LINKRATIO_X_API_URL` setting) with a timeout.

Errors, all `LinkratioError`s with one-line messages that never hold a credential:

    XApiError            exit 69  the X API failed in a way not listed below
     +-- XUnavailable    exit 69  5xx, timeouts or no connection, after the retries
     +-- RateLimited     exit 75  429 with waiting off (the next run resumes)
     +-- UsageCapped     exit 75  the monthly usage cap or the pay-per-use credits are used up
     +-- XAuthError      exit 77  401, 403 for the app or the kind of credentials, none given
     +-- XAccountError   exit 2   no such account, protected, suspended, not a handle
     +-- XSettingError   exit 2   LINKRATIO_X_API_URL is not an http(s) URL
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import orjson
import requests
import tweepy
from requests.adapters import HTTPAdapter

from linkratio.errors import (  # noqa: F401 - re-exported for callers of this module
    RateLimited,
    UsageCapped,
    XAccountError,
    XApiError,
    XAuthError,
    XSettingError,
    XUnavailable,
)
from linkratio.model import Account, Post
from linkratio.sources.x_json import tweet_to_post

log = logging.getLogger(__name__)

OFFICIAL_URL = "https://api.twitter.com"
URL_SETTING = "LINKRATIO_X_API_URL"
"""The environment variable that sends the API requests elsewhere (a proxy, a test server)."""
PRICE_PER_POST = 0.005
"""US dollars per post read with the app bearer token (pay-per-use)."""
PRICE_PER_OWNED_POST = 0.001
"""US dollars per post of the owner read with the owner's own user tokens."""
TIMELINE_CAP = 3200
"""The user timeline endpoint serves at most this many of the newest posts."""
PAGE_SIZE = 100
TWEET_FIELDS = (
    "attachments",
    "author_id",
    "conversation_id",
    "created_at",
    "edit_history_tweet_ids",
    "entities",
    "in_reply_to_user_id",
    "note_tweet",
    "referenced_tweets",
)
EXPANSIONS = (
    "author_id",
    "attachments.media_keys",
    "in_reply_to_user_id",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
)
USER_FIELDS = ("username",)

_BEARER_HINT = "X_BEARER_TOKEN"
_USER_HINT = "X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
_HANDLE = re.compile(r"@?(\w{1,15})", re.ASCII)
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_TRANSIENT = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_RESET_MARGIN = 1.0
"""Seconds waited past `x-rate-limit-reset`, for clock skew and its whole-second rounding."""
_NO_RESET_WAIT = 60.0
"""Seconds waited after a 429 that names no reset time."""
_MAX_RATE_WAITS = 3
"""Rate-limit waits for one request before giving up: a server that keeps answering 429."""


# --- Data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """X API credentials: an app bearer token and/or the owner's OAuth 1.0a user tokens."""

    bearer_token: str | None = None
    consumer_key: str | None = None
    consumer_secret: str | None = None
    access_token: str | None = None
    access_token_secret: str | None = None

    def __repr__(self) -> str:
        shown = (f"{f.name}={'***' if getattr(self, f.name) else None}" for f in fields(self))
        return f"Credentials({', '.join(shown)})"

    @property
    def has_bearer(self) -> bool:
        """True when an app bearer token is set."""
        return bool(self.bearer_token)

    @property
    def has_user_context(self) -> bool:
        """True when all four OAuth 1.0a user credentials are set."""
        return all(
            (self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret)
        )

    def values(self) -> tuple[str, ...]:
        """The credential strings that are set, for masking."""
        return tuple(str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name))


def load_credentials() -> Credentials:
    """The X credentials from the environment or the config file (`x.*` settings)."""
    from linkratio import config

    return Credentials(*(config.get(f"x.{f.name}") for f in fields(Credentials)))


@dataclass(frozen=True)
class Page:
    """One timeline response: its posts (newest first) and the state to continue from."""

    posts: list[Post]
    next_token: str | None
    """The `pagination_token` of the next, older page; None on the last page."""
    newest_id: str | None
    oldest_id: str | None
    result_count: int
    request_url: str
    """The URL requested (credentials travel in headers, never in the URL)."""
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def api_base_url() -> str:
    """The X API base URL: `LINKRATIO_X_API_URL`, default https://api.twitter.com."""
    return (os.environ.get(URL_SETTING) or OFFICIAL_URL).rstrip("/")


def max_backfill_cost(posts: int = TIMELINE_CAP, *, owned: bool) -> float:
    """What a first backfill of up to `posts` posts may cost at most, in US dollars."""
    price = PRICE_PER_OWNED_POST if owned else PRICE_PER_POST
    return round(max(0, min(posts, TIMELINE_CAP)) * price, 4)


# --- Transport ----------------------------------------------------------------------


class _Route(HTTPAdapter):
    """Sends tweepy's requests for the official host to `base_url`, each with a timeout."""

    def __init__(self, base_url: str, timeout: float) -> None:
        super().__init__()
        self._base_url = base_url
        self._timeout = timeout

    def send(  # noqa: D102
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        url = request.url or ""
        if self._base_url != OFFICIAL_URL and url.startswith(OFFICIAL_URL + "/"):
            # Signed OAuth 1.0a headers stay valid: they were computed for the official
            # URL, which is what a proxy at base_url forwards to.
            request = request.copy()
            request.url = self._base_url + url[len(OFFICIAL_URL) :]
            if proxies and requests.utils.should_bypass_proxies(request.url, no_proxy=None):
                proxies = {}
        return super().send(
            request,
            stream=stream,
            timeout=self._timeout if timeout is None else timeout,
            verify=verify,
            cert=cert,
            proxies=proxies,
        )


class _Redactor(logging.Filter):
    """Masks the credentials in use in the records of the libraries that log them.

    tweepy logs its request headers (the bearer token) at DEBUG; requests-oauthlib and
    oauthlib log the OAuth 1.0a header and signature base string.
    """

    LOGGERS = (
        "tweepy.client",
        "requests_oauthlib.oauth1_auth",
        "oauthlib.oauth1.rfc5849",
        "oauthlib.oauth1.rfc5849.signature",
        "urllib3.connectionpool",
    )

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self._installed = False

    def add(self, values: Iterable[str]) -> None:
        for value in values:
            if len(value) >= 4:
                self.secrets.update({value, quote(value, safe=""), unquote(value)})
        if not self._installed:
            for name in self.LOGGERS:
                logging.getLogger(name).addFilter(self)
            self._installed = True

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:  # noqa: D102
        if self.secrets:
            message = record.getMessage()
            masked = self.mask(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


_REDACTOR = _Redactor()


def _line(text: str, limit: int = 300) -> str:
    """One line, no credential, at most `limit` characters."""
    text = _REDACTOR.mask(" ".join(str(text).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Client -------------------------------------------------------------------------


class XClient:
    """A thin wrapper over `tweepy.Client`: timeouts, retries, visible waits, clear errors."""

    def __init__(
        self,
        creds: Credentials,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 2.0,
        wait_on_rate_limit: bool = True,
        on_wait: Callable[[float, str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 16 * 60.0,
    ) -> None:
        self.creds = creds
        self.base_url = _checked_url(base_url or api_base_url())
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.wait_on_rate_limit = wait_on_rate_limit
        self.on_wait = on_wait
        self.max_wait = max_wait
        """A rate-limit reset further away than this many seconds raises RateLimited."""
        self._sleep = sleep
        self._handles: dict[str, str | None] = {}
        _REDACTOR.add(creds.values())
        # tweepy's own waiting sleeps silently; ours reports each wait through on_wait.
        self._client = tweepy.Client(
            bearer_token=creds.bearer_token,
            consumer_key=creds.consumer_key,
            consumer_secret=creds.consumer_secret,
            access_token=creds.access_token,
            access_token_secret=creds.access_token_secret,
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self._client.session.mount(OFFICIAL_URL + "/", _Route(self.base_url, timeout))

    def __repr__(self) -> str:
        return f"XClient(base_url={self.base_url!r}, creds={self.creds!r})"

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.session.close()

    def lookup_user(self, handle: str) -> Account:
        """The account of `@handle` (GET /2/users/by/username/:username).

        It asks with the app bearer token when there is one, else with the user tokens.
        """
        match = _HANDLE.fullmatch(handle.strip())
        if match is None:
            raise XAccountError(f"no X account {_line(handle, 40)!r}: not an X handle")
        name = match.group(1)
        user_auth = not self.creds.has_bearer and self.creds.has_user_context
        self._need(user_auth)
        send = functools.partial(
            self._client.get_user, username=name, user_fields=list(USER_FIELDS), user_auth=user_auth
        )
        return self._account(self._call(send, f"@{name}", user_auth)[0], f"@{name}")

    def me(self) -> Account:
        """The account the user tokens belong to (GET /2/users/me)."""
        self._need(user_auth=True)
        send = functools.partial(self._client.get_me, user_fields=list(USER_FIELDS), user_auth=True)
        return self._account(self._call(send, "of the user tokens", True)[0], "of the user tokens")

    def timeline_pages(
        self,
        user_id: str,
        *,
        since_id: str | None = None,
        until_id: str | None = None,
        start_time: datetime | None = None,
        pagination_token: str | None = None,
        max_posts: int | None = None,
        user_auth: bool = False,
    ) -> Iterator[Page]:
        """Yield the user's timeline newest first, a page per request (GET /2/users/:id/tweets).

        Replies are never excluded. With `max_posts` it stops once that many posts were
        read; a request asks for no more than are still wanted, but X serves at least 5.
        A naive `start_time` is taken as UTC. Resume with the last page's `next_token` as
        `pagination_token` and the same `since_id`, `until_id` and `start_time`.
        """
        if not str(user_id).isdigit():
            raise XAccountError(f"no X account with id {_line(str(user_id), 40)!r}")
        self._need(user_auth)
        if start_time is not None and start_time.tzinfo is None:
            start_time = start_time.replace(tzinfo=UTC)
        query = {"since_id": since_id, "until_id": until_id, "start_time": start_time}
        return self._pages(str(user_id), query, pagination_token, max_posts, user_auth)

    # --- Requests -------------------------------------------------------------------

    def _pages(
        self,
        user_id: str,
        query: dict[str, Any],
        token: str | None,
        max_posts: int | None,
        user_auth: bool,
    ) -> Iterator[Page]:
        read = 0
        seen: set[str] = set()
        subject = self._subject(user_id)
        while max_posts is None or read < max_posts:
            size = PAGE_SIZE if max_posts is None else min(PAGE_SIZE, max(5, max_posts - read))
            send = functools.partial(
                self._client.get_users_tweets,
                user_id,
                max_results=size,
                pagination_token=token,
                tweet_fields=list(TWEET_FIELDS),
                expansions=list(EXPANSIONS),
                user_fields=list(USER_FIELDS),
                user_auth=user_auth,
                **query,
            )
            page = _page(*self._call(send, subject, user_auth), subject)
            read += len(page.posts)
            log.debug("page of %d posts from %s", len(page.posts), page.request_url)
            yield page
            token = page.next_token
            if token is None:
                return
            if token in seen:
                raise XApiError("X returned the same pagination token twice; stopped")
            seen.add(token)

    def _call(
        self, send: Callable[[], requests.Response], subject: str, user_auth: bool
    ) -> tuple[dict[str, Any], requests.Response]:
        """Send one request with retries and rate-limit waits; return (JSON body, response)."""
        failures = rate_waits = 0
        while True:
            retry_after = None
            try:
                response = send()
            except tweepy.TooManyRequests as err:
                rate_waits += 1
                self._rate_limited(err, rate_waits)
                continue
            except tweepy.TwitterServerError as err:
                problem, retry_after = _status(err.response), _retry_after(err.response)
            except requests.Timeout:
                problem = f"no answer within {self.timeout:g} s"
            except _TRANSIENT as err:
                found = _ERRNO.search(str(err))
                problem = f"cannot connect ({found.group(0) if found else type(err).__name__})"
            except tweepy.HTTPException as err:
                raise _refusal(err.response, subject, user_auth) from None
            else:
                return _json(response), response
            failures += 1
            if failures > self.retries:
                raise XUnavailable(
                    _line(
                        f"the X API at {self.base_url} is unavailable: {problem}, "
                        f"{failures} attempts; try again later"
                    )
                )
            delay = max(self.backoff * 2 ** (failures - 1), min(retry_after or 0, self.max_wait))
            self._wait(delay, f"{problem}; retry {failures} of {self.retries}")

    def _rate_limited(self, err: tweepy.TooManyRequests, waits: int) -> None:
        """Wait for the rate-limit reset, or raise UsageCapped / RateLimited."""
        body = _body(err.response)
        if _capped(body):
            raise _cap_error(err.response.status_code, body) from None
        reset = err.reset_time
        reset_at = datetime.fromtimestamp(reset, UTC) if reset else None
        delay = max(reset - time.time(), 0.0) + _RESET_MARGIN if reset else _NO_RESET_WAIT
        if not self.wait_on_rate_limit or waits > _MAX_RATE_WAITS or delay > self.max_wait:
            raise RateLimited(reset_at) from None
        until = f" (resets {reset_at:%H:%M:%S} UTC)" if reset_at else ""
        self._wait(delay, f"X rate limit reached{until}")

    def _wait(self, seconds: float, reason: str) -> None:
        log.info("waiting %.1f s: %s", seconds, reason)
        if self.on_wait is not None:
            self.on_wait(seconds, reason)
        self._sleep(seconds)

    def _need(self, user_auth: bool) -> None:
        if user_auth and not self.creds.has_user_context:
            raise XAuthError(f"reading with the owner's user tokens needs {_USER_HINT}")
        if not user_auth and not self.creds.has_bearer:
            raise XAuthError(
                f"reading with the app token needs {_BEARER_HINT} "
                "(or the owner's user tokens, for the owner's own posts)"
            )

    def _account(self, body: dict[str, Any], subject: str) -> Account:
        data = body.get("data")
        if not isinstance(data, dict) or "id" not in data:
            raise _account_error(body, subject)
        self._handles[data["id"]] = data.get("username")
        return Account(platform="x", id=data["id"], handle=data.get("username"))

    def _subject(self, user_id: str) -> str:
        handle = self._handles.get(user_id)
        return f"@{handle}" if handle else f"with id {user_id}"


# --- Responses ----------------------------------------------------------------------


def _checked_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise XSettingError(f"{URL_SETTING} must be an http(s) base URL, not {_line(url, 80)!r}")
    return url.rstrip("/")


def _page(body: dict[str, Any], response: requests.Response, subject: str) -> Page:
    if "data" not in body and "meta" not in body:
        raise _account_error(body, subject)
    meta = body.get("meta") or {}
    includes = body.get("includes") or {}
    tweets, users = _by_id(includes.get("tweets")), _by_id(includes.get("users"))
    try:
        posts = [
            tweet_to_post(tweet, tweets, users, source="api", keep_raw=True)
            for tweet in body.get("data") or ()
        ]
    except (KeyError, TypeError, ValueError) as err:
        raise XApiError(_line(f"X returned a malformed tweet ({err!r})")) from None
    return Page(
        posts=posts,
        next_token=meta.get("next_token"),
        newest_id=meta.get("newest_id"),
        oldest_id=meta.get("oldest_id"),
        result_count=int(meta.get("result_count", len(posts))),
        request_url=response.url,
    )


def _by_id(objects: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    return {obj["id"]: obj for obj in objects or () if isinstance(obj, dict) and "id" in obj}


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "no content type")
        raise XApiError(
            _line(
                f"the X API answered {_status(response)} with no JSON object ({kind}); "
                f"check {URL_SETTING}"
            )
        )
    return body


def _body(response: requests.Response | None) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content) if response is not None else None
    except orjson.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def _status(response: requests.Response) -> str:
    return f"{response.status_code} {response.reason or ''}".strip()


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _detail(body: dict[str, Any]) -> str:
    """The API's own explanation in a response body (problem or v1.1-style errors)."""
    for source in (body, _first(body.get("errors"))):
        for key in ("detail", "message", "title"):
            if source.get(key):
                return _line(str(source[key]), 200)
    return ""


def _capped(body: dict[str, Any]) -> bool:
    words = f"{body.get('title', '')} {body.get('type', '')} {body.get('reason', '')}".lower()
    return any(word in words for word in ("usagecap", "usage-cap", "creditsdepleted", "credits"))


def _cap_error(status: int, body: dict[str, Any]) -> UsageCapped:
    if status == 402 or "credit" in str(body.get("title", "")).lower():
        what = "the X API credits of the developer account are used up"
        todo = "add credits in the X developer portal"
    else:
        period = str(body.get("period") or "monthly").lower()
        what = f"the X API {period} usage cap of the developer account is reached"
        todo = "wait for it to reset or raise it in the X developer portal"
    title = _line(str(body.get("title") or "usage cap"), 40)
    return UsageCapped(f"{what} ({status} {title}); {todo}; the next run resumes from here")


def _refusal(response: requests.Response, subject: str, user_auth: bool) -> XApiError:
    """The error for a 4xx answer other than 429."""
    status, body = response.status_code, _body(response)
    if status == 401:
        hint = _USER_HINT if user_auth else _BEARER_HINT
        return XAuthError(f"X rejected the credentials (401 Unauthorized): check {hint}")
    if status == 402 or _capped(body):
        return _cap_error(status, body)
    if status == 403:
        return _forbidden(body, subject, user_auth)
    return XApiError(_line(f"X refused the request ({_status(response)}): {_detail(body)}"))


def _forbidden(body: dict[str, Any], subject: str, user_auth: bool) -> XApiError:
    """Tell apart a 403 for the account read from one for the app or the credentials."""
    first = _first(body.get("errors"))
    kind = f"{body.get('type', '')} {body.get('reason', '')} {first.get('type', '')}"
    detail = _detail(body)
    codes = {e.get("code") for e in body.get("errors") or () if isinstance(e, dict)}
    if "client-not-enrolled" in kind or "client-forbidden" in kind:
        return XAuthError(
            "X refused the app (403 client-not-enrolled): use keys and tokens of an App "
            "attached to a Project with X API v2 access in the X developer portal"
        )
    if "unsupported-authentication" in kind:
        need = (
            f"the app bearer token ({_BEARER_HINT})"
            if user_auth
            else (f"the account owner's user tokens ({_USER_HINT})")
        )
        return XAuthError(f"X refused this kind of credentials here (403): it needs {need}")
    if "user-suspended" in kind:
        return XAuthError("X refused access (403): the account of the user tokens is suspended")
    if 453 in codes:
        return XAuthError(
            "X refused access (403): the app's access level does not include "
            "this endpoint; change the plan in the X developer portal"
        )
    if "not-authorized-for-resource" in kind or "suspended" in detail.lower():
        return _account_error(body, subject)
    return XAuthError(_line(f"X refused access (403 {body.get('title') or 'Forbidden'}): {detail}"))


def _account_error(body: dict[str, Any], subject: str) -> XApiError:
    """The error for an answer that says why an account cannot be read (or nothing useful)."""
    errors = body.get("errors")
    first = _first(errors) or body
    kind, detail = str(first.get("type", "")), str(first.get("detail", ""))
    if "suspended" in detail.lower():
        return XAccountError(f"X account {subject} is suspended: its posts cannot be read")
    if "not-authorized-for-resource" in kind:
        return XAccountError(
            f"X account {subject} is protected: only the owner's user tokens ({_USER_HINT}) "
            "can read its posts"
        )
    if first.get("title") == "Not Found Error" or "resource-not-found" in kind:
        return XAccountError(f"no X account {subject}")
    reason = _detail(body) or "no reason given"
    return XApiError(_line(f"X answered without data for the account {subject}: {reason}"))


def _first(errors: Any) -> dict[str, Any]:
    """The first error object of an `errors` list, or {}."""
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return errors[0]
    return {}
