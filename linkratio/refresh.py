"""Bring an account of the library up to date before a weekly summary: one branch per platform.

The caller holds the library's run lock (`Library.run_lock` is not re-entrant), so this
module never takes it. A library module: it imports nothing from the `cli_*` modules.
Failures raise a `LinkratioError` whose message says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from linkratio.errors import InputError, XAuthError
from linkratio.model import Account
from linkratio.net.waiting import Waiter
from linkratio.store import Library

BACKOFF = 2.0
"""Seconds before the first retry of a failed X API request (doubled after each)."""
RETRIES = 4
"""Retries of a failed X API request."""


@dataclass(frozen=True)
class Refreshed:
    """What a refresh brought in."""

    posts_read: int
    new_posts: int


def refresh(library: Library, account: Account, *, waiter: Waiter | None = None) -> Refreshed:
    """Fetch what is new for `account` into `library`; raise LinkratioError if that fails.

    Waits (rate limits, retries) go through `waiter`; the caller decides whether they show.
    Without one they are silent.
    """
    waiter = waiter or Waiter(quiet=True)
    if account.platform == "x":
        return _refresh_x(library, account, waiter)
    if account.platform in ("bluesky", "mastodon"):
        return _refresh_social(library, account, waiter)
    raise InputError(f"cannot refresh {account.platform} accounts yet: fetch them by hand")


def _refresh_x(library: Library, account: Account, waiter: Waiter) -> Refreshed:
    # Imported here: the X client pulls in tweepy and requests, needed only for --sync.
    from linkratio.net.x import XClient, load_credentials
    from linkratio.sync import sync_account

    creds = load_credentials()
    user_auth = not creds.bearer_token and creds.has_user_context
    if not creds.bearer_token and not user_auth:
        raise XAuthError(
            "no X API token to sync with: set X_BEARER_TOKEN (or 'linkratio config set "
            "x.bearer_token'), or the four user tokens"
        )
    with XClient(
        creds,
        retries=RETRIES,
        backoff=BACKOFF,
        wait_on_rate_limit=False,
        on_wait=waiter.on_wait,
        sleep=waiter.sleep,
    ) as client:
        result = sync_account(library, client, account, user_auth=user_auth)
    return Refreshed(result.posts_read, result.new_posts)


def _refresh_social(library: Library, account: Account, waiter: Waiter) -> Refreshed:
    # A Bluesky account is looked up by its DID (a handle may have moved), a Mastodon one by
    # user@instance on its instance (which gives the instance's account id to read with).
    from linkratio.social_sync import open_api, sync_social

    name = account.id if account.platform == "bluesky" else account.handle
    if not name:
        raise InputError(
            f"the library does not know the handle of {account.platform} account {account.id}"
        )
    options = {"retries": RETRIES, "backoff": BACKOFF, "wait_on_rate_limit": False}
    api = open_api(
        account.platform, name, {**options, "on_wait": waiter.on_wait, "sleep": waiter.sleep}
    )
    try:
        result = sync_social(library, api, api.resolve(name))
    finally:
        api.close()
    return Refreshed(result.posts_read, result.new_posts)
