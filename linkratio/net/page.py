"""What every platform client yields: pages of posts, and what the sync engine asks for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from linkratio.errors import InputError, NoProgressError
from linkratio.model import Account, Post


@dataclass(frozen=True)
class Page:
    """One API page of an account's posts, newest first, and where the next page starts."""

    posts: list[Post]
    cursor: str | None
    """Where the next (older) page starts, in a form worth storing; None: from the top."""
    last: bool
    """True when no page follows this one."""
    request_url: str = ""
    """The URL asked (credentials travel in headers, never in the URL)."""
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    served: int = 0
    """Posts the API served on the page, malformed ones skipped included (what X bills)."""


@dataclass(frozen=True)
class Start:
    """Where a pass over an account's pages starts, and what it may skip server-side."""

    cursor: str | None = None
    """Resume at this page (a stored `Page.cursor`); None starts at the newest post."""
    newer_than: str | None = None
    """Only posts newer than this stored post id (X's since_id); others ignore it."""
    since: datetime | None = None
    """Only posts made from this time on (X's start_time); the engine filters too."""
    limit: int | None = None
    """How many posts the pass wants at most (the clients ask for smaller pages)."""


class Feed(Protocol):
    """A platform client as the sync engine sees it (`XFeed`, `BlueskyApi`, `MastodonApi`)."""

    platform: str
    timeline_cap: int | None
    """The most posts the API serves of one account's timeline (X: 3,200), or None."""
    ordered_cursor: bool
    """True when a page's cursor never leads back (X keeps the oldest post id read)."""
    min_page: int
    """The fewest posts a request for a page reads (X: 5): fewer left, the run asks no more."""

    def pages(self, account: Account, start: Start) -> Iterator[Page]:
        """The account's posts newest first, one page at a time, from `start`."""
        ...


def page_limit(most: int, wanted: int | None) -> int:
    """How many posts to ask a page for: `most`, or fewer when only `wanted` more are wanted
    (at least one: the sync engine asks for a page only while it wants more)."""
    return most if wanted is None else max(1, min(most, wanted))


_NAMES = {"x": "X", "bluesky": "Bluesky", "mastodon": "Mastodon"}
"""Each platform as a message names it ("the X API")."""


def follow(cursor: str | None, followed: set[str], platform: str, subject: str, what: str) -> None:
    """Note that a pass follows `cursor`; NoProgressError when it followed it already.

    A server that hands out a next-page `what` (token, cursor) again leads back to a page
    this pass read: following it would read (on X, buy) the same pages again in a loop.
    """
    if cursor is None:
        return
    if cursor in followed:
        raise NoProgressError(
            f"the {_NAMES.get(platform, platform)} API sent the same next page {what} again "
            f"for {subject}; stopped instead of reading the same pages again in a loop: try "
            "again later",
            platform=platform,
        )
    followed.add(cursor)


def check_max_posts(max_posts: int | None, feed: Feed) -> None:
    """InputError when `max_posts` is below the fewest posts `feed` serves a request."""
    if max_posts is not None and max_posts < feed.min_page:
        raise InputError(
            f"--max-posts {max_posts}: the {_NAMES.get(feed.platform, feed.platform)} API "
            f"serves at least {feed.min_page} posts a request; give --max-posts "
            f"{feed.min_page} or more"
        )
