"""The `linkratio fetch` and `linkratio config` commands: API credentials, waiting, syncing."""

from __future__ import annotations

import argparse
import getpass
import hashlib
import sys
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options
from linkratio import config
from linkratio.cli.options import EXIT_OK
from linkratio.cli.options import library as _library
from linkratio.cli.progress import Progress as _Progress
from linkratio.cli.progress import SafeWaiter as Waiter
from linkratio.errors import InputError
from linkratio.model import Account
from linkratio.net.x import (
    TIMELINE_CAP,
    Credentials,
    XClient,
    load_credentials,
    max_backfill_cost,
)
from linkratio.sync import first_run, sync_account

if TYPE_CHECKING:
    from linkratio.store import Library


def register(sub: options.SubParsers) -> None:
    """Add the fetch and config commands."""
    _register_fetch(sub)
    _register_config(sub)


def _register_fetch(sub: options.SubParsers) -> None:
    p = options.command(
        sub,
        "fetch",
        help="fetch an account's new posts from X, Bluesky or Mastodon into the library",
        description="Fetch posts into the library: only what is new, resuming an interrupted "
        "backfill. X (@handle) needs X_BEARER_TOKEN, or the owner's user tokens for --me "
        "(cheaper owned reads); Bluesky (bsky:HANDLE) and Mastodon (mastodon:@user@instance) "
        "use their free public APIs (a Mastodon instance may require a token: "
        "LINKRATIO_MASTODON_TOKEN, sent only to LINKRATIO_MASTODON_INSTANCE).",
        epilog="examples:\n  X_BEARER_TOKEN=... linkratio fetch @marenbuilds\n"
        "  linkratio fetch --me --max-posts 500 --quiet\n"
        "  linkratio fetch bsky:alice.bsky.social\n"
        "  linkratio fetch mastodon:@alice@example.social --quiet",
    )
    p.add_argument(
        "handle",
        nargs="?",
        metavar="ACCOUNT",
        help="the account: @handle (X), bsky:HANDLE or mastodon:@user@instance",
    )
    p.add_argument("--me", action="store_true", help="the owner of the user tokens")
    p.add_argument(
        "--since", type=options.parse_date, metavar="DATE", help="first backfill: not before DATE"
    )
    p.add_argument(
        "--max-posts",
        type=options.positive,
        metavar="N",
        help="read at most N posts this run (cost guard)",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="on a rate limit stop (exit 75) instead of waiting; the next run resumes",
    )
    options.add_quiet(p, help="print nothing on success")
    options.add_db(p)
    options.add_wait(p)
    options.add_expand_links(p)
    p.set_defaults(func=_cmd_fetch)


def _register_config(sub: options.SubParsers) -> None:
    p = options.command(
        sub,
        "config",
        help="show or set API tokens in the private config file",
        description="Show which settings are set (never their values), or set one: the value "
        "is read from a hidden prompt or standard input. Environment variables win.",
        epilog="examples:\n  linkratio config show\n  linkratio config set x.bearer_token\n"
        '  echo "$TOKEN" | linkratio config set x.bearer_token',
    )
    p.add_argument("action", choices=("show", "set", "unset", "path"))
    p.add_argument("key", nargs="?", metavar="KEY")
    p.set_defaults(func=configure)


def _cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    """`linkratio fetch`, then `--expand-links`."""
    code = fetch(args, out)
    if code == EXIT_OK and args.expand_links:
        options.expand_after(args, args.handle)
    return code


def _me_key(creds: Credentials) -> str:
    # Which account the user tokens belong to, remembered under a hash: never the token.
    digest = hashlib.sha256(f"{creds.consumer_key}:{creds.access_token}".encode()).hexdigest()
    return f"x.me.{digest[:24]}"


def _account(
    lib: Library, client: XClient, args: argparse.Namespace, creds: Credentials
) -> Account:
    """The account to fetch, from the library when it knows it (a lookup is a request)."""
    if not args.me:
        known = lib.find_account(args.handle)
        return known if known is not None else client.lookup_user(args.handle)
    remembered = lib.setting(_me_key(creds))
    known = lib.find_account(remembered) if remembered else None
    if known is not None:
        return known
    account = client.me()
    lib.set_setting(_me_key(creds), account.id or "")
    return account


def fetch(args: argparse.Namespace, out: TextIO) -> int:
    """`linkratio fetch`: bring an account's new posts from the X API into the library."""
    from linkratio.accounts import parse_name

    if parse_name(args.handle) is not None:  # bsky:… / mastodon:…, not X
        return args.fetch_social(args, out)  # set by cli.social.register
    if bool(args.handle) == bool(args.me):
        raise InputError("name one account: linkratio fetch @handle, or linkratio fetch --me")
    creds = load_credentials()
    user_auth = bool(args.me) or (not creds.bearer_token and creds.has_user_context)
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
    waiter = Waiter(args.quiet, sys.stderr)
    client = XClient(
        creds,
        user_auth=user_auth,
        wait_on_rate_limit=not args.no_wait,
        on_wait=waiter.on_wait,
        sleep=waiter.sleep,
    )
    progress = _Progress(not args.quiet)
    with _library(args, create=True) as lib, lib.run_lock("fetch", wait=args.wait):
        account = _account(lib, client, args, creds)
        first = first_run(lib, account)
        if args.since and not first and not args.quiet:
            sys.stderr.write(
                "linkratio: --since applies to the first backfill only; this run fetches "
                "what is new since the last one\n"
            )
        if first and not args.quiet:
            # X serves at least 5 posts a request, so a smaller cap still reads 5.
            cap = min(TIMELINE_CAP, max(5, args.max_posts or TIMELINE_CAP))
            cost = max_backfill_cost(cap, owned=user_auth)
            sys.stderr.write(
                f"linkratio: first fetch of @{account.handle}: up to {cap:,} posts, "
                f"at most ${cost:,.2f} in API reads\n"
            )
        try:
            result = sync_account(
                lib,
                client,
                account,
                since=args.since,
                max_posts=args.max_posts,
                progress=lambda done: progress.page(done.pages, done.posts_read, done.new_posts),
            )
        finally:
            progress.done()
        where = lib.path
    if not args.quiet:
        more = "" if result.complete else " (stopped at --max-posts; the next run continues)"
        out.write(
            f"fetched {result.posts_read:,} posts of @{account.handle} in {result.pages} "
            f"requests: {result.new_posts:,} new, into {where}{more}\n"
        )
    return EXIT_OK


def configure(args: argparse.Namespace, out: TextIO) -> int:
    """`linkratio config`: show which settings are set, or set one from a hidden prompt."""
    if args.action == "path":
        out.write(f"{config.config_path()}\n")
    elif args.action == "show":
        out.write(f"config file: {config.config_path()}\n")
        for setting in config.describe():
            state = f"set ({setting.source})" if setting.source else "not set"
            out.write(f"  {setting.key:<24} {state:<20} env {setting.env}\n")
    else:
        if args.key not in config.KEYS:
            # Checked before the prompt: nobody should type a secret for a typo.
            raise InputError(
                f"config {args.action} needs a KEY, one of: {', '.join(config.KEYS)}"
                + (f" (not {args.key!r})" if args.key else "")
            )
        value = None
        if args.action == "set":
            # Read the secret without echoing it; never from the command line (shell history).
            value = getpass.getpass(f"{args.key}: ") if sys.stdin.isatty() else sys.stdin.readline()
            value = value.strip()
            if not value:
                raise InputError(f"no value given for {args.key}")
        path = config.set_value(args.key, value)
        done = "stored in" if value else "removed from"
        out.write(f"{args.key} {done} {path} (mode 0600)\n")
    return EXIT_OK
