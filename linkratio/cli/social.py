"""`linkratio fetch bsky:HANDLE` and `fetch mastodon:@user@instance`; library names of both.

Account names on the command line:

- `bsky:alice.bsky.social` (or `bluesky:`, or a DID `bsky:did:plc:...`): a Bluesky account;
- `mastodon:@alice@example.social` (the `@` before the user is optional): a Mastodon account
  on the instance named after the second `@`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options
from linkratio.accounts import EXAMPLES, account_name, parse_name
from linkratio.cli.options import EXIT_OK
from linkratio.cli.options import library as _library
from linkratio.cli.progress import Progress as _Progress
from linkratio.errors import InputError
from linkratio.sync import open_api

if TYPE_CHECKING:
    from linkratio.net.bluesky import BlueskyApi
    from linkratio.net.mastodon import MastodonApi
    from linkratio.store import Library
    from linkratio.sync import SyncResult


def register(sub: options.SubParsers) -> None:
    """Let `linkratio fetch` hand Bluesky and Mastodon accounts to `fetch_social`."""
    sub.choices["fetch"].set_defaults(fetch_social=fetch_social)


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        sys.stderr.write(f"linkratio: {text}\n")


def _sync(
    args: argparse.Namespace, lib: Library, api: BlueskyApi | MastodonApi, rest: str
) -> SyncResult:
    """Resolve the account, say what the run will do, and sync it with a progress line."""
    from linkratio.render.text import terminal_safe  # imported late: it pulls in pandas
    from linkratio.sync import first_run, sync_account

    account = api.resolve(rest)
    who = terminal_safe(f"@{account.handle}")  # the server's word: keep it inert
    if first_run(lib, account):
        _say(args, f"first fetch of {who}: reading the whole timeline")
    elif args.since:
        _say(args, "--since applies to the first fetch only; reading what is new")
    progress = _Progress(not args.quiet, sys.stderr)
    try:
        return sync_account(
            lib,
            api,
            account,
            since=args.since,
            max_posts=args.max_posts,
            progress=lambda d: progress.page(d.pages, d.posts_read, d.new_posts),
        )
    finally:
        progress.done()


def fetch_social(args: argparse.Namespace, out: TextIO) -> int:
    """`linkratio fetch bsky:...|mastodon:...`: bring the account's new posts into the library."""
    from linkratio.cli.progress import SafeWaiter as Waiter
    from linkratio.render.text import terminal_safe

    parsed = parse_name(args.handle)
    if parsed is None or args.me:
        raise InputError(f"name one account: linkratio fetch {EXAMPLES} (--me is for X only)")
    platform, rest = parsed
    waiter = Waiter(args.quiet, sys.stderr)  # the stderr of now, not of import time
    options = {"wait_on_rate_limit": not args.no_wait, "on_wait": waiter.on_wait}
    api = open_api(platform, rest, {**options, "sleep": waiter.sleep})
    try:
        with (
            _library(args, create=True) as lib,
            lib.run_lock(f"fetch {args.handle}", wait=args.wait),
        ):
            result = _sync(args, lib, api, rest)
            where = lib.path
    finally:
        api.close()
    if not args.quiet:
        more = "" if result.complete else " (stopped at --max-posts; the next run continues)"
        who = terminal_safe(account_name(result.account))
        sent = f"{api.requests} request{'' if api.requests == 1 else 's'}"  # lookup included
        out.write(
            f"fetched {result.posts_read:,} posts of {who} ({platform}) in "
            f"{sent}: {result.new_posts:,} new, into {where}{more}\n"
        )
    return EXIT_OK
