"""One answer of the X user timeline endpoint, checked and turned into a `TimelinePage`.

What X sends is checked here, at the edge: a malformed post is skipped with a one-line
warning naming it and the account (one bad post must not make an account unreadable,
run after run); a malformed page (`meta`, `includes`, `data` or a pagination field of the
wrong type) is an `ApiError` (exit 69) naming the account and what was expected: nothing
of that page is stored, and what earlier pages stored stays.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from linkratio.errors import ApiError
from linkratio.model import Post
from linkratio.net import x_errors
from linkratio.net.redact import one_line
from linkratio.sources.common import kind_of, obj, objects
from linkratio.sources.jsonpages import MALFORMED
from linkratio.sources.x_json import tweet_to_post
from linkratio.sources.x_tweet import ById

log = logging.getLogger(__name__)

PLATFORM = "x"


@dataclass(frozen=True)
class TimelinePage:
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
    served: int = 0
    """The posts the answer held, malformed ones skipped included (what X bills)."""


def timeline_page(body: dict[str, Any], response: requests.Response, subject: str) -> TimelinePage:
    """The timeline page of one answer: its good posts, and where the next page starts.

    A malformed post is skipped with a one-line warning naming it (one bad post must not
    make the account unreadable); a malformed page (`meta`, `includes`, `data` or a
    pagination field of the wrong type) is an ApiError naming the account: nothing of it
    is stored, and what earlier pages stored stays.
    """
    if "data" not in body and "meta" not in body:
        raise x_errors.account_error(body, subject)
    try:
        meta = obj(body.get("meta"), "meta")
        includes = obj(body.get("includes"), "includes")
        tweets = _by_id(includes.get("tweets"), "includes.tweets")
        users = _by_id(includes.get("users"), "includes.users")
        data = objects(body.get("data"), "data")
        page = TimelinePage(
            posts=_posts(data, tweets, users, subject),
            next_token=_token(meta.get("next_token"), "meta.next_token"),
            newest_id=_post_id(meta.get("newest_id"), "meta.newest_id"),
            oldest_id=_post_id(meta.get("oldest_id"), "meta.oldest_id"),
            result_count=_count(meta.get("result_count"), len(data)),
            request_url=response.url,
            served=len(data),
        )
    except ValueError as err:
        raise ApiError(
            one_line(f"X answered a malformed page of the posts of {subject}: {err}"),
            platform=PLATFORM,
        ) from None
    return page


def _posts(data: list[dict[str, Any]], tweets: ById, users: ById, subject: str) -> list[Post]:
    """The posts of a page's tweets; a malformed one is skipped with a warning naming it."""
    posts = []
    for tweet in data:
        try:
            posts.append(tweet_to_post(tweet, tweets, users, source="api", keep_raw=True))
        except MALFORMED as err:
            name = one_line(str(tweet.get("id")), 40)
            log.warning("skipped X post %r of %s: a malformed field (%s)", name, subject, err)
    return posts


def _by_id(value: Any, name: str) -> ById:
    """Included objects by their string ids; ValueError for anything else."""
    found: ById = {}
    for n, item in enumerate(objects(value, name)):
        key = item.get("id")
        if not isinstance(key, str):
            raise ValueError(f"{name}[{n}].id is {kind_of(key)}, expected a string")
        found[key] = item
    return found


def _token(value: Any, name: str) -> str | None:
    """A pagination token: a short string, or None."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 1000:
        raise ValueError(f"{name} is {kind_of(value)}, expected a pagination token string")
    return value


def _post_id(value: Any, name: str) -> str | None:
    """A post id in the page's meta: a string of digits, or None."""
    if value is None:
        return None
    if not (isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 25):
        raise ValueError(f"{name} is {one_line(repr(value), 40)}, expected a post id")
    return value


def _count(value: Any, default: int) -> int:
    """`meta.result_count`: a whole number, or `default` when missing."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"meta.result_count is {one_line(repr(value), 40)}, expected a whole number"
        )
    return value
