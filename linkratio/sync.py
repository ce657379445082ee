"""Keep the library in step with the X API: fetch only what is new, commit page by page.

A run first finishes an interrupted backfill (the cursor saved with each page), then asks
for posts newer than the newest stored one. Each page is saved together with the cursor
that says where to go on, in one transaction, so a run killed at any moment loses nothing
already fetched and never reads a page twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from linkratio.model import Account
from linkratio.net.x import Page, XClient
from linkratio.store import Library

PLATFORM = "x"
TIMELINE_CAP = 3200
"""The X user timeline returns at most the 3,200 newest posts."""


@dataclass(frozen=True)
class SyncResult:
    """What one run did."""

    account: Account
    pages: int
    posts_read: int
    new_posts: int
    complete: bool
    """False when --max-posts stopped the run before the backfill was done."""


@dataclass(frozen=True)
class PageDone:
    """A progress event: one page saved."""

    pages: int
    posts_read: int
    new_posts: int


def first_run(library: Library, account: Account) -> bool:
    """True when the library holds no post of `account` and no backfill is under way."""
    assert account.id is not None
    return (
        library.newest_post_id(PLATFORM, account.id) is None
        and library.cursor(PLATFORM, account.id) is None
    )


def _plan(library: Library, account_id: str, since: date | None) -> dict[str, Any]:
    """Where this run starts: a saved cursor, else newer than the newest stored post."""
    cursor = library.cursor(PLATFORM, account_id)
    if cursor:
        return dict(cursor)
    plan: dict[str, Any] = {"since_id": library.newest_post_id(PLATFORM, account_id)}
    if since is not None and plan["since_id"] is None:
        plan["start_time"] = datetime.combine(since, time.min, tzinfo=UTC).isoformat()
    return plan


def _pass(
    library: Library,
    client: XClient,
    account: Account,
    plan: dict[str, Any],
    budget: int | None,
    user_auth: bool,
    tally: list[int],
    progress: Callable[[PageDone], None] | None,
) -> bool:
    """Run one sweep of pages from `plan`; return True when it reached the end."""
    assert account.id is not None
    start_time = datetime.fromisoformat(plan["start_time"]) if plan.get("start_time") else None
    page: Page | None = None
    for page in client.timeline_pages(
        account.id,
        since_id=plan.get("since_id"),
        until_id=plan.get("until_id"),
        start_time=start_time,
        max_posts=budget,
        user_auth=user_auth,
    ):
        more = page.next_token is not None and page.oldest_id is not None
        # Resume by id, not by token: an id never expires, a pagination token may.
        cursor = {**plan, "until_id": page.oldest_id} if more else None
        saved = library.save_posts(
            account,
            page.posts,
            origin="api",
            fetched_at=datetime.now(UTC),
            cursor=cursor,
            cursor_done=page.next_token
            is None,  # the last page and the cursor's end commit together
        )
        tally[0] += 1
        tally[1] += len(page.posts)
        tally[2] += saved.inserted
        if progress is not None:
            progress(PageDone(*tally))
    done = page is None or page.next_token is None
    if done:
        library.clear_cursor(PLATFORM, account.id)
    return done


def sync_account(
    library: Library,
    client: XClient,
    account: Account,
    *,
    since: date | None = None,
    max_posts: int | None = None,
    user_auth: bool = False,
    progress: Callable[[PageDone], None] | None = None,
) -> SyncResult:
    """Fetch `account`'s new posts into `library`, page by page, resuming any backfill."""
    assert account.id is not None
    tally = [0, 0, 0]  # pages, posts read, new posts
    resumed = library.cursor(PLATFORM, account.id) is not None
    plan = _plan(library, account.id, since)
    complete = _pass(library, client, account, plan, max_posts, user_auth, tally, progress)
    budget = None if max_posts is None else max_posts - tally[1]
    if complete and resumed and (budget is None or budget > 0):
        # The interrupted backfill is done: now catch up with what was posted since.
        plan = _plan(library, account.id, None)
        complete = _pass(library, client, account, plan, budget, user_auth, tally, progress)
    library.record_sync(
        PLATFORM, account.id, when=datetime.now(UTC), posts_read=tally[1], complete=complete
    )
    return SyncResult(account, tally[0], tally[1], tally[2], complete)
