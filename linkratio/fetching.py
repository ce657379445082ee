"""Fetch an account's new posts into a library: the one call behind `linkratio fetch`.

`fetch_account` takes an account as the command line names it (`@handle`, `bsky:HANDLE`,
`mastodon:@user@instance`, or `me=True` for the owner of the X user tokens), opens the
platform's client with the credentials it needs, holds the library's run lock, finds the
account (from the library when it knows it: a lookup is a request) and runs the sync
engine (`sync.sync_account`). Every failure is a `LinkratioError`; waits and progress go
through callbacks, and lines a person may want to read before the run (what a first
backfill may cost, an ignored `since`) go to `notify`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkratio.accounts import EXAMPLES, parse_name
from linkratio.errors import InputError
from linkratio.first_pass import first_run
from linkratio.model import Account
from linkratio.net.page import check_max_posts
from linkratio.net.waiting import Waiter
from linkratio.store import Library
from linkratio.sync import PageDone, open_api, sync_account
from linkratio.wording import counted

if TYPE_CHECKING:
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi
    from linkratio.net.x import Credentials, XClient


Notice = Callable[[str], None]
"""Called with a line a person may want to read before the run (not an error)."""


@dataclass(frozen=True)
class FetchResult:
    """What one fetch did, and into which library file."""

    account: Account
    pages: int
    posts_read: int
    new_posts: int
    complete: bool
    """False when `max_posts` (or `sync.RUN_CAP`, the timeline cap, or a bound on the whole
    run) stopped the run: the next run continues."""
    requests: int | None
    """HTTP requests sent, the account lookup and retries included; None where the client
    does not count them."""
    library: Path
    stopped: str | None = None
    """Why a bound on the whole run (`sync.RUN_PAGES`, `sync.RUN_SECONDS`) ended it early."""
    newest_read: bool = True
    """False when the run was spent finishing an interrupted (older) backfill: what was posted
    since is read by the next run."""
    renamed: str | None = None
    """The account's handle as the posts this run read show it, when the library knows it by
    another: an X account renamed since, still read by its id."""


@dataclass(frozen=True)
class _Target:
    """An opened client and what to say about it; `resolve` finds the account to fetch."""

    client: XClient | BlueskyApi | MastodonApi
    lock: str
    resolve: Callable[[Library], Account]
    backfill: Callable[[Library, Account], str]
    """What a first backfill of the account reads (and may cost), for the notice before it."""
    since_note: str
    """Why `since` does nothing on a later run."""
    requests: Callable[[], int] | None = None
    """The client's count of requests sent, where it keeps one."""
    handle_now: Callable[[Account], str | None] | None = None
    """The account's handle as the pages read show it, where the client knows it."""


def fetch_account(
    library: Library,
    name: str | None,
    *,
    me: bool = False,
    since: date | None = None,
    max_posts: int | None = None,
    wait: float = 30.0,
    wait_on_rate_limit: bool = True,
    waiter: Waiter | None = None,
    progress: Callable[[PageDone], None] | None = None,
    notify: Notice | None = None,
) -> FetchResult:
    """Fetch the new posts of account `name` (or, with `me`, the X user tokens' owner).

    `since` limits a first backfill; `max_posts` caps this run; `wait` is how long to wait
    for a library another run holds. Rate-limit waits go through `waiter` (silent without
    one); with `wait_on_rate_limit` off a rate limit stops the run (RateLimited, resumable).
    """
    waiter = waiter or Waiter(quiet=True)
    policy = {
        "wait_on_rate_limit": wait_on_rate_limit,
        "on_wait": waiter.on_wait,
        "sleep": waiter.sleep,
    }
    target = _target(name, me, policy, max_posts)
    with closing(target.client), library.run_lock(target.lock, wait=wait):
        account = target.resolve(library)
        if notify is not None:
            _tell(library, account, target, since, notify)
        done = sync_account(
            library, target.client, account, since=since, max_posts=max_posts, progress=progress
        )
    requests = target.requests() if target.requests is not None else None
    now = target.handle_now(account) if target.handle_now is not None else None
    renamed = now if now and account.handle and now.lower() != account.handle.lower() else None
    return FetchResult(**vars(done), requests=requests, library=library.path, renamed=renamed)


def _target(name: str | None, me: bool, policy: dict[str, Any], max_posts: int | None) -> _Target:
    """The client for account `name`: Bluesky or Mastodon by its prefix, else X."""
    parsed = parse_name(name)
    if parsed is not None:
        return _social_target(f"fetch {name}", parsed, me, policy, max_posts)
    return _x_target(name, me, policy, max_posts)


def _tell(
    library: Library, account: Account, target: _Target, since: date | None, notify: Notice
) -> None:
    """Say what a backfill reads (and may cost), the first or one going on after a cut-short
    run, or that `since` does nothing now."""
    if first_run(library, account):
        notify(f"first fetch of @{account.handle}: {target.backfill(library, account)}")
    elif library.cursor(account.platform, account.id or "") is not None:
        what = target.backfill(library, account)
        notify(f"going on with the unfinished backfill of @{account.handle}: {what}")
    elif since:
        notify(target.since_note)


def _social_target(
    lock: str, parsed: tuple[str, str], me: bool, policy: dict[str, Any], max_posts: int | None
) -> _Target:
    """A Bluesky or Mastodon client for the account `parsed` names (platform, name)."""
    if me:
        raise InputError(f"name one account: linkratio fetch {EXAMPLES} (--me is for X only)")
    platform, rest = parsed
    api = open_api(platform, rest, policy)
    backfill = (
        f"reading up to {counted(max_posts, 'post')}" if max_posts else "reading the whole timeline"
    )
    return _Target(
        api,
        lock,
        lambda _library: api.resolve(rest),
        lambda _library, _account: backfill,
        "--since applies to the first fetch only; reading what is new",
        lambda: api.requests,
    )


def _x_target(name: str | None, me: bool, policy: dict[str, Any], max_posts: int | None) -> _Target:
    """An X client with the credentials the account needs: the user tokens for `me`."""
    from linkratio.net.x import TIMELINE_CAP, XClient, load_credentials, max_backfill_cost

    if bool(name) == me:
        raise InputError("name one account: linkratio fetch @handle, or linkratio fetch --me")
    creds = load_credentials()
    user_auth = me or (not creds.bearer_token and creds.has_user_context)
    _check_credentials(creds, user_auth)
    client = XClient(creds, user_auth=user_auth, **policy)
    check_max_posts(max_posts, client)  # before the lookup: a request
    cap = min(TIMELINE_CAP, max_posts or TIMELINE_CAP)

    def backfill(library: Library, account: Account) -> str:
        # The owned price is for the owner's own posts read with the owner's tokens: anyone
        # else's cost the app's, whichever tokens read them.
        owned = me or (client.user_auth and _owners(library, creds, account))
        looked_up = client.requests > 0  # said after resolving: its only request, a lookup
        cost = max_backfill_cost(cap, owned=owned, lookups=int(looked_up))
        said = f"up to {counted(cap, 'post')}, at most ${cost:,.2f} in API reads"
        return said + (" (the account's lookup included)" if looked_up else "")

    return _Target(
        client,
        "fetch",
        lambda library: _x_account(library, client, name, creds),
        backfill,
        "--since applies to the first backfill only; this run fetches what is new since "
        "the last one",
        lambda: client.requests,
        lambda account: client.handles_now.get(account.id or ""),
    )


def _check_credentials(creds: Credentials, user_auth: bool) -> None:
    """InputError unless `creds` hold what the fetch needs: the user tokens, or a bearer."""
    if user_auth and not creds.has_user_context:
        raise InputError(
            "fetch --me needs the owner's user tokens: set X_CONSUMER_KEY, X_CONSUMER_SECRET, "
            "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET (or 'linkratio config set x.consumer_key')"
        )
    if not user_auth and not creds.bearer_token:
        raise InputError(
            "fetch needs an X API token: set X_BEARER_TOKEN (or 'linkratio config set "
            "x.bearer_token'), or the user tokens for --me"
        )


def _owners(library: Library, creds: Credentials, account: Account) -> bool:
    """True when `account` is the one the library remembers as the user tokens' owner."""
    return creds.has_user_context and library.setting(creds.owner_key()) == account.id


def _x_account(library: Library, client: XClient, name: str | None, creds: Credentials) -> Account:
    """The X account to fetch, from the library when it knows it (a lookup is a request)."""
    if name:
        known = library.find_account(name)
        account = known if known is not None else client.lookup_user(name)
        # The owner's account by its handle is read as `--me` reads it, with the owner's
        # tokens: X lets only them read a protected account, and bills them a fifth.
        if _owners(library, creds, account):
            client.user_auth = True
        return account
    remembered = library.setting(creds.owner_key())
    known = library.find_account(remembered) if remembered else None
    if known is not None:
        return known
    account = client.me()
    library.set_setting(creds.owner_key(), account.id or "")
    return account
