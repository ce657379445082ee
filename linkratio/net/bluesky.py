"""Bluesky's public AppView: resolve a handle to its DID, read an author feed page by page."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from linkratio.errors import ServiceAccountError, ServiceError, ServiceUnavailable
from linkratio.model import Account
from linkratio.net.service import Page, ServiceClient, checked_base_url
from linkratio.sources.bluesky import is_feed_page, page_posts

BSKY_URL_SETTING = "LINKRATIO_BSKY_API_URL"
"""The environment variable that sends the Bluesky requests elsewhere (a test server)."""
BSKY_DEFAULT_URL = "https://public.api.bsky.app"
_BSKY_GONE = {
    "BlockedActor": "blocks the public AppView from showing its posts",
    "BlockedByActor": "has blocked the viewer",
    "AccountTakedown": "was taken down",
    "AccountDeactivated": "is deactivated",
    "ActorNotFound": "does not exist",
}


def _bsky_refusal(status: int, body: dict[str, Any], subject: str) -> ServiceError | None:
    error = str(body.get("error") or "")
    message = str(body.get("message") or "")
    if error in _BSKY_GONE:
        return ServiceAccountError(f"Bluesky account {subject} {_BSKY_GONE[error]}: cannot read it")
    if status == 400 and "not found" in message.lower():
        return ServiceAccountError(
            f"no Bluesky account {subject}: check the handle (e.g. bsky:alice.bsky.social)"
        )
    return None


class BlueskyApi:
    """The public AppView: resolve a handle, read an author feed page by page."""

    platform = "bluesky"

    def __init__(self, **options: Any) -> None:
        base = os.environ.get(BSKY_URL_SETTING) or BSKY_DEFAULT_URL
        self.http = ServiceClient(
            "Bluesky", checked_base_url(base, BSKY_URL_SETTING), refusal=_bsky_refusal, **options
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
        body = self.http.get_json("/xrpc/app.bsky.actor.getProfile", {"actor": actor}, "@" + actor)
        if not isinstance(body, dict) or not body.get("did"):
            raise ServiceUnavailable(f"Bluesky answered the profile of @{actor} without a DID")
        return Account(platform="bluesky", id=str(body["did"]), handle=body.get("handle"))

    def pages(self, account: Account, cursor: str | None = None) -> Iterator[Page]:
        """The account's author feed (replies included), 100 items a page, from `cursor`."""
        subject = f"@{account.handle or account.id}"
        while True:
            params: dict[str, str | int] = {
                "actor": account.id or "",
                "filter": "posts_with_replies",
                "limit": 100,
            }
            if cursor:
                params["cursor"] = cursor
            body = self.http.get_json("/xrpc/app.bsky.feed.getAuthorFeed", params, subject)
            if not is_feed_page(body):
                raise ServiceUnavailable(f"Bluesky answered the feed of {subject} without a feed")
            cursor = body.get("cursor") if body["feed"] else None
            yield Page(page_posts(body, source="api", keep_raw=True, skip_malformed=True), cursor)
            if not cursor:
                return
