"""One engine keeps the library in step with X, Bluesky and Mastodon: new posts, page by page.

Every platform serves an account's posts newest first with a cursor to the next (older)
page; its client (`net.x.XClient`, `net.bluesky.BlueskyApi`, `net.mastodon.MastodonApi`)
only turns API pages into `net.page.Page`s. The engine owns the rest:

- a run first finishes an interrupted pass (the cursor saved with each page), then reads
  what was posted since from the top;
- a pass ends at the last page, at the first page holding a post the library stored before
  this run (everything older is stored), or at the first post older than `--since`; a
  first backfill's `--since` is remembered, so while it found nothing later runs keep to it;
- each page is saved with the cursor of the page after it, in one transaction, so a run
  killed at any moment loses nothing and never reads a page twice;
- `max_posts` (else `RUN_CAP`) and the platform's timeline cap (X: 3,200) bound a run; a
  page counts at least one against them, so empty pages are bounded too, and a feed that
  never ends is read `RUN_CAP` posts a run, each run going on from the cursor;
- a server that keeps handing out pages with nothing new in them (no posts, or posts this
  run already read) is stopped after `NO_PROGRESS_PAGES` such pages with `NoProgressError`
  (exit 69) instead of being followed forever; a page holding posts this run read shows
  the cursor that asked for it led back, and the next run goes on from before it
  (`_resume_at`);
- a whole run reads at most `RUN_PAGES` pages (or twice the full pages `max_posts` fills,
  when that is more) and starts no request after `RUN_SECONDS`:
  a server that keeps sending fresh posts one a page would otherwise hold a run for
  `RUN_CAP` requests (days, at each request's time limits). It ends as the budget does:
  what it read stays stored, `SyncResult.stopped` says why, the next run goes on.

X also skips what is stored server-side (`since_id`, `start_time`); Bluesky and Mastodon
ids do not order by time, so for them the stored-post stop alone ends a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from time import monotonic
from typing import TYPE_CHECKING, Any

from linkratio.errors import AuthError, InputError, NoProgressError
from linkratio.first_pass import first_since, remember_since
from linkratio.model import Account
from linkratio.net.page import Feed, Page, Start, check_max_posts
from linkratio.net.waiting import Waiter
from linkratio.store import Library

if TYPE_CHECKING:
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi

PLATFORMS: tuple[str, ...] = ("x", "bluesky", "mastodon")
RUN_CAP = 50_000
"""Posts one run reads at most when `max_posts` does not say: a whole heavy account in a
run or two, and a bound on a feed that keeps making fresh posts (Bluesky and Mastodon have
no timeline cap); the next run goes on from where this one stopped."""
RUN_PAGES = 2_000
"""Pages (requests for posts) one run reads at most: `RUN_CAP` posts of full pages (40 a
page on Mastodon) fit, a server sending a post a page does not hold the run for 50,000."""
FULL_PAGE = 40
"""The fewest posts a full page holds on any platform (Mastodon's 40): `--max-posts N` lets
a run read up to twice the pages N posts fill, when that is more than `RUN_PAGES`."""
RUN_SECONDS = 3_600.0
"""Seconds after the start of a run past which it starts no new request for a page."""
NO_PROGRESS_PAGES = 3
"""Pages in a row with nothing new in them after which a pass stops with NoProgressError."""
BACKOFF = 2.0
"""Seconds before the first retry of a failed request in `refresh` (doubled after each)."""
RETRIES = 4
"""Retries of a failed request in `refresh`."""


@dataclass(frozen=True)
class SyncResult:
    """What one run did."""

    account: Account
    pages: int
    posts_read: int
    new_posts: int
    complete: bool
    """False when --max-posts (or `RUN_CAP`, the timeline cap, or a bound on the whole run)
    stopped the run early."""
    stopped: str | None = None
    """Why a bound on the whole run (`RUN_PAGES`, `RUN_SECONDS`) ended it early, if one did."""
    newest_read: bool = True
    """False when the run spent its budget finishing an interrupted (older) pass, so what was
    posted since it began is not read yet: the next run reads it."""


@dataclass(frozen=True)
class PageDone:
    """A progress event: one page saved."""

    pages: int
    posts_read: int
    new_posts: int


@dataclass
class _Run:
    library: Library
    feed: Feed
    account: Account
    budget: int | None
    progress: Callable[[PageDone], None] | None
    pages: int = 0
    read: int = 0
    new: int = 0
    spent: int = 0
    stalled: int = 0
    seen: set[str] = field(default_factory=set)
    ends: float = field(default_factory=lambda: monotonic() + RUN_SECONDS)
    stopped: str | None = None
    most_pages: int = field(default_factory=lambda: RUN_PAGES)
    asked: str | None = None
    """The cursor that asked for the page being read; `good`: for the last one going on."""
    good: str | None = None
    again: bool = False
    """The pass's first page was read by the run that saved its cursor: it ends no pass."""
    floor: int = 1
    """Fewer posts left than this, the run asks for no page (X's 5 under --max-posts)."""

    def left(self) -> int | None:
        return None if self.budget is None else self.budget - self.spent


def _top(library: Library, account: Account, since: date | None) -> Start:
    """A pass from the newest post down to the newest stored one (or a first backfill's
    bound, while none is stored)."""
    assert account.id is not None
    newest = library.newest_post_id(account.platform, account.id)
    return Start(None, newest, None if newest else first_since(library, account, since))


def _saved_start(state: dict[str, Any]) -> Start:
    """The Start of an interrupted pass, from its saved state (X's older form included)."""
    if "until_id" in state or "since_id" in state:  # saved by linkratio before one engine
        since = state.get("start_time")
        return Start(state.get("until_id"), state.get("since_id"), _when(since))
    return Start(state.get("cursor"), state.get("newer_than"), _when(state.get("since")))


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _state(cursor: str | None, start: Start) -> dict[str, str | None]:
    """What is saved with a page: where the next page starts and the pass's limits."""
    since = start.since.isoformat() if start.since else None
    return {"cursor": cursor, "newer_than": start.newer_than, "since": since}


def _stored_before(run: _Run, ids: list[str]) -> bool:
    """True when the page holds a post the library stored before this run read it."""
    earlier = [i for i in ids if i not in run.seen]
    assert run.account.id is not None
    return bool(run.library.stored_post_ids(run.account.platform, run.account.id, earlier))


def _save(run: _Run, page: Page, start: Start) -> bool:
    """Save one page with its cursor; return True when the pass ends with it."""
    posts = page.posts
    reached_since = False
    if start.since is not None:
        posts = [p for p in posts if p.created_at >= start.since]
        reached_since = len(posts) < len(page.posts)
    ids = [p.id for p in page.posts]
    again, run.again = run.again, False
    end = page.last or reached_since or (not again and _stored_before(run, [p.id for p in posts]))
    fresh = any(i not in run.seen for i in ids)
    cursor = None if end else _resume_at(run, page, start, back=any(i in run.seen for i in ids))
    run.seen.update(ids)
    run.stalled = 0 if fresh else run.stalled + 1
    run.pages += 1
    run.read += len(page.posts)
    run.spent += max(1, page.served, len(page.posts))  # a malformed post skipped was read
    saved = run.library.save_posts(
        run.account,
        posts,
        origin="api",
        fetched_at=datetime.now(UTC),
        cursor=cursor,
        cursor_done=end,  # the last page and the end of the pass commit together
    )
    run.new += saved.inserted
    if run.progress is not None:
        run.progress(PageDone(run.pages, run.read, run.new))
    return end


def _resume_at(run: _Run, page: Page, start: Start, back: bool) -> dict[str, Any] | None:
    """Where the next run goes on after `page` (None: where it was), and the next page asked.

    A page holding posts this run read (a server leading back) shows the cursor that asked
    for it led back; a resumed pass there would stop at the posts this run stored, taking
    all older ones for stored. An ordered cursor (X's oldest id) never led back: it stays.
    Another goes back to the cursor that asked for the last good page, read again on resume
    without ending the pass there (`again`): what it named next is asked anew.
    """
    asked, run.asked = run.asked, page.cursor
    if not back:
        run.good = asked
        return _state(page.cursor, start)
    return None if run.feed.ordered_cursor else {**_state(run.good, start), "again": True}


def _pass(run: _Run, start: Start) -> bool:
    """Read pages from `start`; True when the pass reached its end, False at the budget.

    With fewer posts left than a request reads (X serves at least 5) it asks for no page:
    `max_posts` is a promise (what a run reads, and on X buys), the next run goes on."""
    if _spent(run):
        return False
    run.asked = run.good = start.cursor
    for page in run.feed.pages(run.account, replace(start, limit=run.left())):
        if _save(run, page, start):
            return True
        if run.stalled >= NO_PROGRESS_PAGES:
            raise _no_progress(run)
        run.stopped = _run_bound(run)
        if run.stopped is not None or _spent(run):
            return False
    assert run.account.id is not None
    run.library.clear_cursor(run.account.platform, run.account.id)
    return True


def _spent(run: _Run) -> bool:
    left = run.left()
    return left is not None and left < run.floor


def _run_bound(run: _Run) -> str | None:
    """Why the run must start no new request (`RUN_PAGES`, `RUN_SECONDS`), or None."""
    if run.pages >= run.most_pages:
        return f"after {run.pages:,} pages, the most pages one run reads"
    if monotonic() >= run.ends:
        return f"after {RUN_SECONDS / 60:,.0f} minutes, the longest one run takes"
    return None


def _no_progress(run: _Run) -> NoProgressError:
    who = f"@{run.account.handle or run.account.id}"
    return NoProgressError(
        f"the {run.account.platform} API sent {run.stalled} pages in a row with nothing new "
        f"for {who} ({run.pages} requests in all); stopped instead of following it forever: "
        "try again later",
        platform=run.account.platform,
    )


def sync_account(
    library: Library,
    feed: Feed,
    account: Account,
    *,
    since: date | None = None,
    max_posts: int | None = None,
    progress: Callable[[PageDone], None] | None = None,
) -> SyncResult:
    """Fetch `account`'s new posts from `feed` into `library`, finishing any interrupted pass.

    `since` limits the first backfill to posts made from that day on (UTC); `max_posts`
    (default `RUN_CAP`) bounds the posts this run reads.
    """
    assert account.id is not None
    check_max_posts(max_posts, feed)
    platform = account.platform
    saved = library.cursor(platform, account.id)
    caps = [n for n in (max_posts or RUN_CAP, feed.timeline_cap) if n is not None]
    run = _Run(
        library, feed, account, min(caps), progress, again=bool(saved and saved.get("again"))
    )
    if max_posts == run.budget:  # a promise, not X's cap (past which X serves nothing)
        run.floor = max(1, feed.min_page)
    if max_posts is not None:  # asked for: 100,000 Mastodon posts are 2,500 full pages
        run.most_pages = max(RUN_PAGES, 2 * -(-max_posts // FULL_PAGE))
    start = _saved_start(saved) if saved else _top(library, account, since)
    complete = _pass(run, start)
    if complete:
        remember_since(library, account, start)
    newest_read = start.cursor is None  # a pass from the top reads the newest posts first
    if complete and not newest_read:
        # The interrupted pass is done: now read what was posted since, from the top (none
        # of it when the budget is spent: the run is then not complete).
        pages = run.pages
        complete = _pass(run, _top(library, account, None))
        newest_read = run.pages > pages
    library.record_sync(
        platform, account.id, when=datetime.now(UTC), posts_read=run.read, complete=complete
    )
    return SyncResult(account, run.pages, run.read, run.new, complete, run.stopped, newest_read)


def open_api(platform: str, handle: str, options: dict[str, Any]) -> BlueskyApi | MastodonApi:
    """The Bluesky or Mastodon client for `handle`; `options` are policy fields.

    Mastodon's configured token goes only to the instance `mastodon.instance` names
    (`MastodonApi` checks that itself, see `net.mastodon.configured_token`).
    """
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi, split_handle

    if platform == "bluesky":
        return BlueskyApi(**options)
    _, instance = split_handle(handle)
    return MastodonApi(instance, **options)


@dataclass(frozen=True)
class Refreshed:
    """What a refresh brought in."""

    posts_read: int
    new_posts: int
    stopped: str | None = None
    """Why the run ended before it was done: a bound on the whole run (see `SyncResult`), or
    the posts one run reads spent on an earlier, interrupted backfill before the newest."""


def refresh(library: Library, account: Account, *, waiter: Waiter | None = None) -> Refreshed:
    """Fetch what is new for `account` into `library` (for `weekly --sync`); never waits for
    a rate limit. The caller holds the library's run lock (it is not re-entrant).

    Waits (retries) go through `waiter`; the caller decides whether they show. Without one
    they are silent. Failures raise a `LinkratioError` whose message says what to do.
    """
    waiter = waiter or Waiter(quiet=True)
    options: dict[str, Any] = {
        "retries": RETRIES,
        "backoff": BACKOFF,
        "wait_on_rate_limit": False,
        "on_wait": waiter.on_wait,
        "sleep": waiter.sleep,
    }
    if account.platform == "x":
        result = _refresh_x(library, account, options)
    elif account.platform in ("bluesky", "mastodon"):
        result = _refresh_social(library, account, options)
    else:
        raise InputError(f"cannot refresh {account.platform} accounts yet: fetch them by hand")
    stopped = result.stopped
    if stopped is None and not result.newest_read:
        stopped = (
            f"after {result.posts_read:,} posts of an earlier backfill, the most one run reads,"
            " before the newest posts"
        )
    return Refreshed(result.posts_read, result.new_posts, stopped)


def _refresh_x(library: Library, account: Account, options: dict[str, Any]) -> SyncResult:
    # Imported here: the X client pulls in tweepy and requests, needed only to sync.
    from linkratio.net.x import XClient, load_credentials

    creds = load_credentials()
    if not creds.has_bearer and not creds.has_user_context:
        raise AuthError(
            "no X API token to sync with: set X_BEARER_TOKEN (or 'linkratio config set "
            "x.bearer_token'), or the four user tokens",
            platform="x",
        )
    # The account `fetch --me` read is read with the owner's tokens again: X lets only
    # them read a protected account, and bills the owner's reads a fifth of the app's.
    owned = creds.has_user_context and library.setting(creds.owner_key()) == account.id
    with XClient(creds, user_auth=True if owned else None, **options) as client:
        return sync_account(library, client, account)


def _refresh_social(library: Library, account: Account, options: dict[str, Any]) -> SyncResult:
    # A Bluesky account is looked up by its DID (a handle may have moved), a Mastodon one by
    # user@instance on its instance (which gives the instance's account id to read with).
    name = account.id if account.platform == "bluesky" else account.handle
    if not name:
        raise InputError(
            f"the library does not know the handle of {account.platform} account {account.id}"
        )
    with open_api(account.platform, name, options) as api:
        return sync_account(library, api, api.resolve(name))
