"""Bluesky's public AppView: resolve a handle to its DID, read an author feed page by page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from linkratio.errors import AccountError, ApiError, ApiUnavailable
from linkratio.model import Account
from linkratio.net.closing import Closing
from linkratio.net.page import Page, Start, follow, page_limit
from linkratio.net.service import ServiceClient, checked_base_url
from linkratio.sources.bluesky import is_feed_page, page_posts
from linkratio.sources.common import kind_of

BSKY_URL_SETTING = "LINKRATIO_BSKY_API_URL"
"""The environment variable that sends the Bluesky requests elsewhere (a test server)."""
BSKY_DEFAULT_URL = "https://public.api.bsky.app"
PAGE_LIMIT = 100
"""The most feed items getAuthorFeed serves a request."""
_BSKY_GONE = {
    "BlockedActor": "blocks the public AppView from showing its posts",
    "BlockedByActor": "has blocked the viewer",
    "AccountTakedown": "was taken down",
    "AccountDeactivated": "is deactivated",
    "ActorNotFound": "does not exist",
}


def _bsky_refusal(status: int, body: dict[str, Any], subject: str) -> ApiError | None:
    error = str(body.get("error") or "")
    message = str(body.get("message") or "")
    if error in _BSKY_GONE:
        return AccountError(
            f"Bluesky account {subject} {_BSKY_GONE[error]}: cannot read it", platform="bluesky"
        )
    # An actor that is no handle: the AppView's parameter check says "must be a valid did
    # or a handle"; the same account error as for a handle no one holds.
    if status == 400 and ("not found" in message.lower() or "valid did or" in message.lower()):
        return AccountError(
            f"no Bluesky account {subject}: check the handle (e.g. bsky:alice.bsky.social)",
            platform="bluesky",
        )
    return None


def _cursor(body: dict[str, Any], subject: str) -> str | None:
    """The page's cursor: a string, or None on the last page; ApiError for anything else."""
    cursor = body.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise ApiError(
            f"Bluesky answered a malformed page of the feed of {subject}: cursor is "
            f"{kind_of(cursor)}, expected a string",
            platform="bluesky",
        )
    return cursor or None


class BlueskyApi(Closing):
    """The public AppView: resolve a handle, read an author feed page by page."""

    platform = "bluesky"
    timeline_cap: int | None = None
    min_page = 1
    ordered_cursor = False

    def __init__(self, **options: Any) -> None:
        """`options` are `net.policy.Policy` fields (timeout, retries, on_wait...)."""
        base = checked_base_url(
            os.environ.get(BSKY_URL_SETTING) or BSKY_DEFAULT_URL, BSKY_URL_SETTING, "bluesky"
        )
        self.http = ServiceClient(
            "Bluesky", base, platform="bluesky", refusal=_bsky_refusal, **options
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far."""
        return self.http.requests

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def resolve(self, handle: str) -> Account:
        """The account (keyed by DID) that `handle` (or a DID) names today."""
        actor = handle.strip().removeprefix("@")
        if not actor.startswith("did:"):
            actor = actor.lower()  # a handle is case-insensitive, asked for in lower case
            if "." not in actor:  # a handle is a domain name: `alice` is no one's
                raise AccountError(
                    f"no Bluesky account @{actor}: a handle is a full domain name, "
                    f"e.g. bsky:{actor}.bsky.social",
                    platform="bluesky",
                )
        body = self.http.get_json("/xrpc/app.bsky.actor.getProfile", {"actor": actor}, "@" + actor)
        if not isinstance(body, dict) or not body.get("did"):
            raise ApiUnavailable(
                f"Bluesky answered the profile of @{actor} without a DID", platform="bluesky"
            )
        did, name = body["did"], body.get("handle")
        if not isinstance(did, str) or not did.startswith("did:"):
            wrong = f"did is {kind_of(did)}, expected a DID string"
        elif name is not None and not isinstance(name, str):
            wrong = f"handle is {kind_of(name)}, expected a string"
        else:
            return Account(platform="bluesky", id=did, handle=name)
        raise ApiError(
            f"Bluesky answered a malformed profile of @{actor}: {wrong}", platform="bluesky"
        )

    def pages(self, account: Account, start: Start | None = None) -> Iterator[Page]:
        """The account's author feed (replies included), 100 items a page, from the cursor."""
        subject = f"@{account.handle or account.id}"
        cursor = start.cursor if start else None
        wanted = start.limit if start else None
        followed: set[str] = set()
        while True:
            follow(cursor, followed, self.platform, subject, "cursor")
            params: dict[str, str | int] = {
                "actor": account.id or "",
                "filter": "posts_with_replies",
                "limit": page_limit(PAGE_LIMIT, wanted),
            }
            if cursor:
                params["cursor"] = cursor
            body = self.http.get_json("/xrpc/app.bsky.feed.getAuthorFeed", params, subject)
            if not is_feed_page(body):
                raise ApiUnavailable(
                    f"Bluesky answered the feed of {subject} without a feed", platform="bluesky"
                )
            cursor = _cursor(body, subject) if body["feed"] else None
            posts = page_posts(body, source="api", keep_raw=True, skip_malformed=True)
            wanted = None if wanted is None else wanted - len(body["feed"])
            yield Page(posts, cursor, last=cursor is None, served=len(body["feed"]))
            if cursor is None:
                return
