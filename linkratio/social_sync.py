"""Keep the library in step with a Bluesky or Mastodon account: new posts only, page by page.

Both APIs serve an account's posts newest first with a cursor to the next (older) page.
A pass reads pages from the top (or from a saved cursor) and ends at the feed's end or at
the first page that holds a post the library already has: everything older is stored.
Each page is saved together with the cursor of the page after it, in one transaction, so
a run killed at any moment loses nothing and the next run goes on from that cursor (and
then reads what was posted since from the top). Unlike X, the stop does not compare ids
(Bluesky ids are AT URIs, Mastodon ids status URIs: neither orders by time), so
`Library.newest_post_id` plays no part here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any, Protocol

from linkratio.model import Account
from linkratio.net.service import Page
from linkratio.store import Library
from linkratio.sync import PageDone, SyncResult

if TYPE_CHECKING:
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi

PLATFORMS: tuple[str, ...] = ("bluesky", "mastodon")


class FeedApi(Protocol):
    """What the sync needs of a platform client (`BlueskyApi`, `MastodonApi`)."""

    platform: str

    def pages(self, account: Account, cursor: str | None = None) -> Iterator[Page]:
        """The account's posts newest first, one page at a time, from `cursor`."""
        ...


@dataclass
class _Run:
    library: Library
    api: FeedApi
    account: Account
    since: datetime | None
    budget: int | None
    progress: Callable[[PageDone], None] | None
    pages: int = 0
    read: int = 0
    new: int = 0

    def left(self) -> int | None:
        return None if self.budget is None else self.budget - self.read


def known_ids(library: Library, account: Account, ids: list[str]) -> set[str]:
    """The ids among `ids` that the library already stores as posts of `account`.

    Only this account's posts count: one stored under another account (a saved file whose
    owner was guessed otherwise) says nothing about how far this account's feed is stored.
    """
    assert account.id is not None
    return library.stored_post_ids(account.platform, account.id, ids)


def first_run(library: Library, account: Account) -> bool:
    """True when the library holds no post of `account` and no pass is under way."""
    assert account.id is not None
    return not library.has_posts(account.platform, account.id) and (
        library.cursor(account.platform, account.id) is None
    )


def _state(cursor: str | None, since: datetime | None) -> dict[str, str | None]:
    """The saved pagination state: the next page's cursor and the pass's --since limit."""
    return {"cursor": cursor, "since": since.isoformat() if since else None}


def _pass(run: _Run, cursor: str | None) -> bool:
    """Read pages from `cursor` (None: the newest); True when the pass reached its end."""
    platform, account_id = run.account.platform, run.account.id or ""
    for page in run.api.pages(run.account, cursor):
        posts = page.posts
        reached_since = False
        if run.since is not None:
            kept = [p for p in posts if p.created_at >= run.since]
            reached_since = len(kept) < len(posts)
            posts = kept
        known = known_ids(run.library, run.account, [p.id for p in posts])
        run.pages += 1
        run.read += len(page.posts)
        left = run.left()
        end = page.cursor is None or bool(known) or reached_since
        saved = run.library.save_posts(
            run.account,
            posts,
            origin="api",
            fetched_at=datetime.now(UTC),
            cursor=None if end else _state(page.cursor, run.since),
            cursor_done=end,  # the last page and the end of the pass commit together
        )
        run.new += saved.inserted
        if run.progress is not None:
            run.progress(PageDone(run.pages, run.read, run.new))
        if end:
            return True
        if left is not None and left <= 0:
            return False
    run.library.clear_cursor(platform, account_id)
    return True


def sync_social(
    library: Library,
    api: FeedApi,
    account: Account,
    *,
    since: date | None = None,
    max_posts: int | None = None,
    progress: Callable[[PageDone], None] | None = None,
) -> SyncResult:
    """Fetch `account`'s new posts into `library`, finishing any interrupted pass first."""
    assert account.id is not None
    saved = library.cursor(account.platform, account.id)
    first = first_run(library, account)
    start = datetime.combine(since, time.min, tzinfo=UTC) if since and first else None
    if saved and saved.get("since"):
        start = datetime.fromisoformat(saved["since"])
    run = _Run(library, api, account, start, max_posts, progress)
    resume = (saved or {}).get("cursor")
    complete = _pass(run, resume)
    if complete and resume and (run.left() is None or (run.left() or 0) > 0):
        # The interrupted pass is done: now read what was posted since, from the top.
        run.since = None
        complete = _pass(run, None)
    library.record_sync(
        account.platform, account.id, when=datetime.now(UTC), posts_read=run.read,
        complete=complete,
    )  # fmt: skip
    return SyncResult(account, run.pages, run.read, run.new, complete)


def open_api(platform: str, handle: str, options: dict[str, Any]) -> BlueskyApi | MastodonApi:
    """The API client for `handle` on `platform`.

    Mastodon's configured token goes only to the instance `mastodon.instance` names
    (`MastodonApi` checks that itself, see `mastodon_api.configured_token`).
    """
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi, split_handle

    if platform == "bluesky":
        return BlueskyApi(**options)
    _, instance = split_handle(handle)
    return MastodonApi(instance, **options)
