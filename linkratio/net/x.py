"""The X API v2 through tweepy: look up accounts and read user timelines page by page.

This module only reads. `XClient.timeline_pages` yields X's own `TimelinePage`s;
`XClient.pages` turns them into the common `net.page.Page` the sync engine stores. Every
request goes through `net.x_transport.Route` (the base URL, the read timeout, the body cap
and the deadline) and `net.policy.Policy.run` (retries, rate-limit waits). Failures are
one-line `ApiError`s with `platform="x"` (see `linkratio.errors`, `net.x_errors`), and no
message, log record or repr holds a credential.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson
import requests
import tweepy

from linkratio.errors import AccountError, ApiError, ApiUnavailable, AuthError
from linkratio.model import Account
from linkratio.net import x_errors
from linkratio.net.closing import Closing
from linkratio.net.deadline import refuse_socks
from linkratio.net.page import Page, Start, follow
from linkratio.net.policy import (
    Policy,
    Retry,
    TooLarge,
    TooSlow,
    Wait,
    limit_reached,
    name_unknown,
    reset_delay,
    reset_text,
)
from linkratio.net.redact import REDACTOR, one_line
from linkratio.net.x_page import TimelinePage, timeline_page
from linkratio.net.x_settings import (
    EXPANSIONS,
    OFFICIAL_URL,
    PAGE_SIZE,
    TIMELINE_CAP,
    TWEET_FIELDS,
    URL_SETTING,
    USER_FIELDS,
    Credentials,
    api_base_url,
    checked_url,
    load_credentials,
    max_backfill_cost,
)
from linkratio.net.x_transport import Route, reset_headers
from linkratio.sources.common import kind_of

__all__ = [
    "EXPANSIONS",
    "TIMELINE_CAP",
    "TWEET_FIELDS",
    "Credentials",
    "TimelinePage",
    "XClient",
    "api_base_url",
    "load_credentials",
    "max_backfill_cost",
]

log = logging.getLogger(__name__)

PLATFORM = "x"
_HANDLE = re.compile(r"@?(\w{1,15})", re.ASCII)
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
MIN_PAGE = 5
"""The fewest posts X serves a request (`max_results`)."""
_TRANSIENT = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
EARLIEST = datetime(2010, 11, 6, tzinfo=UTC)
"""The earliest start_time X takes (HTTP 400 before); an earlier bound is the engine's alone."""


class XClient(Closing):
    """A thin wrapper over `tweepy.Client` under the network policy, with clear errors."""

    platform = PLATFORM
    timeline_cap: int | None = TIMELINE_CAP
    min_page = MIN_PAGE
    ordered_cursor = True

    def __init__(
        self,
        creds: Credentials,
        *,
        base_url: str | None = None,
        user_auth: bool | None = None,
        **policy: Any,
    ) -> None:
        """`policy` holds `net.policy.Policy` fields (timeout, deadline, retries, on_wait...).

        `user_auth` reads timelines with the owner's user tokens; by default only when
        there is no app bearer token.
        """
        self.creds = creds
        self.base_url = checked_url(base_url or api_base_url())
        self.policy = replace(Policy(), **policy)
        self.user_auth = (
            (not creds.has_bearer and creds.has_user_context) if user_auth is None else user_auth
        )
        self._handles: dict[str, str | None] = {}
        self.handles_now: dict[str, str] = {}
        """Each account's handle as the pages read show it (X sends its current one)."""
        self.requests = 0
        """HTTP requests sent so far (retries included)."""
        REDACTOR.add(creds.values())
        refuse_socks()  # requests would use the environment's proxies
        # tweepy's own waiting sleeps silently; the policy announces each wait.
        self._client = tweepy.Client(
            **creds.by_name(), return_type=requests.Response, wait_on_rate_limit=False
        )
        self._route = Route(self.base_url, self.policy)
        self._client.session.mount(OFFICIAL_URL + "/", self._route)
        # The X API never redirects; a hop elsewhere would leave the Route (no cap, no
        # deadline, no timeout), so a redirect is an error naming where it pointed.
        self._client.session.max_redirects = 0

    def __repr__(self) -> str:
        return one_line(f"XClient(base_url={self.base_url!r}, creds={self.creds!r})")

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.session.close()

    def lookup_user(self, handle: str) -> Account:
        """The account of `@handle` (GET /2/users/by/username/:username).

        It asks with the app bearer token when there is one, else with the user tokens.
        """
        match = _HANDLE.fullmatch(handle.strip())
        if match is None:
            raise AccountError(
                f"no X account {one_line(handle, 40)!r}: not an X handle", platform=PLATFORM
            )
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

    def pages(self, account: Account, start: Start) -> Iterator[Page]:
        """The common pages of `account`'s timeline; a page's cursor is its oldest post id.

        Resuming by id, not by pagination token: an id never expires, a token may.
        """
        assert account.id is not None
        self._handles.setdefault(account.id, account.handle)
        oldest = start.cursor
        for page in self.timeline_pages(
            account.id,
            since_id=start.newer_than,
            until_id=start.cursor,
            start_time=start.since if start.since and start.since >= EARLIEST else None,
            max_posts=start.limit,
            user_auth=self.user_auth,
        ):
            mine = [p.author_handle for p in page.posts if p.author_id == account.id]
            if mine and mine[0]:
                self.handles_now[account.id] = mine[0]
            ids = [int(p.id) for p in page.posts if p.id.isascii() and p.id.isdigit()]
            found = page.oldest_id or (str(min(ids)) if ids else None)
            # Ids order by time: a page never moves the cursor up (a token that led back,
            # with a post made since on it, would send a resumed run over stored posts).
            if found is not None and (oldest is None or not _below(oldest, found)):
                oldest = found
            last = page.next_token is None
            yield Page(page.posts, oldest, last, page.request_url, page.fetched_at, page.served)

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
    ) -> Iterator[TimelinePage]:
        """Yield the user's timeline newest first, a page per request (GET /2/users/:id/tweets).

        Replies are never excluded. With `max_posts` it stops once that many posts were
        read; a request asks for no more than are still wanted, but X serves at least 5.
        A naive `start_time` is taken as UTC. Resume with the last page's `next_token` as
        `pagination_token` and the same `since_id`, `until_id` and `start_time`.
        """
        if not str(user_id).isdigit():
            raise AccountError(
                f"no X account with id {one_line(str(user_id), 40)!r}", platform=PLATFORM
            )
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
    ) -> Iterator[TimelinePage]:
        read = 0
        subject = self._subject(user_id)
        followed = {token} if token else set()
        while max_posts is None or read < max_posts:
            size = PAGE_SIZE if max_posts is None else _page_size(max_posts - read)
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
            page = timeline_page(*self._call(send, subject, user_auth), subject)
            read += page.served  # the malformed posts skipped were served (and billed) too
            log.debug("page of %d posts from %s", len(page.posts), page.request_url)
            yield page
            token = page.next_token
            if token is None:
                return
            follow(token, followed, PLATFORM, subject, "token")  # a loop: never bought twice

    def _call(
        self, send: Callable[[], requests.Response], subject: str, user_auth: bool
    ) -> tuple[dict[str, Any], requests.Response]:
        """Send one request under the policy; return (JSON body, response)."""

        def give_up(problem: str, tries: int) -> ApiUnavailable:
            return ApiUnavailable(
                one_line(
                    f"the X API at {self.base_url} is unavailable: {problem}; gave up after "
                    f"{tries} {'try' if tries == 1 else 'tries'}: try again later"
                ),
                platform=PLATFORM,
            )

        response = self.policy.run(lambda: self._attempt(send, subject, user_auth), give_up)
        return _json(response), response

    def _attempt(
        self, send: Callable[[], requests.Response], subject: str, user_auth: bool
    ) -> requests.Response:
        """One request: its answer, or Retry / Wait for the policy's loop, or the error."""
        self.requests += 1
        try:
            return send()
        except tweepy.TooManyRequests as err:
            raise self._rate_limited(err.response) from None
        except tweepy.TwitterServerError as err:
            after = reset_delay({"retry-after": err.response.headers.get("retry-after", "")})
            raise Retry(x_errors.status_line(err.response), after) from None
        except (requests.Timeout, TooSlow) as err:
            timed_out = isinstance(err, requests.Timeout) and not self._route.late()
            limit = self.policy.timeout if timed_out else None
            said = f"no answer within {limit:g} s" if limit else "no whole answer in time"
            raise Retry(said) from None
        except TooLarge as err:
            raise ApiUnavailable(one_line(err), platform=PLATFORM) from None
        except requests.exceptions.ContentDecodingError:
            raise Retry("an answer that cannot be decoded") from None
        except requests.TooManyRedirects as err:
            raise _redirected(self.base_url, err.response) from None
        except _TRANSIENT as err:
            found = _ERRNO.search(str(err))
            problem = f"cannot connect ({found.group(0) if found else type(err).__name__})"
            if name_unknown(err):  # retrying will not make the name resolve
                raise ApiUnavailable(
                    one_line(
                        f"the X API at {self.base_url}: {problem}: the name does not resolve; "
                        "check the network"
                    ),
                    platform=PLATFORM,
                ) from None
            raise Retry(problem) from None
        except tweepy.HTTPException as err:
            raise x_errors.refusal(err.response, subject, user_auth) from None

    def _rate_limited(self, response: requests.Response) -> Exception:
        """UsageCapped, RateLimited (no waiting), or the Wait for the policy's loop."""
        body = x_errors.body_of(response)
        if x_errors.capped(body):
            return x_errors.cap_error(response.status_code, body)
        headers = reset_headers(response)
        delay = reset_delay(headers)
        error = limit_reached("X", PLATFORM, delay)
        seconds = self.policy.limit_wait(headers)
        if seconds is None:
            return error
        until = f", resets {reset_text(error.reset_at)}" if error.reset_at else ""
        return Wait(seconds, f"X rate limit reached (HTTP 429{until})", error)

    def _need(self, user_auth: bool) -> None:
        if user_auth and not self.creds.has_user_context:
            raise AuthError(
                f"reading with the owner's user tokens needs {x_errors.USER_HINT}",
                platform=PLATFORM,
            )
        if not user_auth and not self.creds.has_bearer:
            raise AuthError(
                f"reading with the app token needs {x_errors.BEARER_HINT} "
                "(or the owner's user tokens, for the owner's own posts)",
                platform=PLATFORM,
            )

    def _account(self, body: dict[str, Any], subject: str) -> Account:
        data = body.get("data")
        if not isinstance(data, dict) or "id" not in data:
            raise x_errors.account_error(body, subject)
        user_id, username = data["id"], data.get("username")
        if not (isinstance(user_id, str) and user_id.isascii() and user_id.isdigit()):
            wrong = f"data.id is {one_line(repr(user_id), 40)}, expected a string of digits"
        elif username is not None and not isinstance(username, str):
            wrong = f"data.username is {kind_of(username)}, expected a string"
        else:
            self._handles[user_id] = username
            return Account(platform="x", id=user_id, handle=username)
        raise ApiError(f"X answered a malformed account {subject}: {wrong}", platform=PLATFORM)

    def _subject(self, user_id: str) -> str:
        handle = self._handles.get(user_id)
        return f"@{handle}" if handle else f"with id {user_id}"


def _below(a: str, b: str) -> bool:
    """True when post id `a` is older (smaller) than `b`; ids that are no numbers compare
    as never below (the newer cursor is kept)."""
    return a.isascii() and a.isdigit() and b.isascii() and b.isdigit() and int(a) < int(b)


def _page_size(wanted: int) -> int:
    """How many posts to ask for when `wanted` more are: X serves 5 to 100 a request, so a
    page leaves at least 5 for the last one (103: 98 then 5, not 100 then 5 of 3 wanted)."""
    size = min(PAGE_SIZE, wanted)
    if 0 < wanted - size < MIN_PAGE:
        size = wanted - MIN_PAGE
    return max(MIN_PAGE, size)


def _redirected(base_url: str, response: requests.Response | None) -> ApiError:
    """The error for a redirect: the X API does not send one, so the base URL is wrong."""
    status = x_errors.status_line(response) if response is not None else "a redirect"
    where = response.headers.get("location", "") if response is not None else ""
    return ApiError(
        one_line(
            f"the X API at {base_url} answered {status}, a redirect to {where[:200]!r}: "
            f"the X API does not redirect; check {URL_SETTING}"
        ),
        platform=PLATFORM,
    )


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "no content type")
        raise ApiError(
            one_line(
                f"the X API answered {x_errors.status_line(response)} with no JSON object "
                f"({kind}); check {URL_SETTING}"
            ),
            platform=PLATFORM,
        )
    return body
