"""The `linkratio fetch` and `linkratio config` commands: parse, call the library, print."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options
from linkratio import config
from linkratio.accounts import account_name
from linkratio.cli.options import EXIT_OK
from linkratio.cli.progress import Progress
from linkratio.cli.progress import SafeWaiter as Waiter
from linkratio.errors import InputError
from linkratio.render.escape import terminal_safe
from linkratio.wording import counted

if TYPE_CHECKING:
    from linkratio.fetching import FetchResult


def register(sub: options.SubParsers) -> None:
    """Add the fetch and config commands."""
    _register_fetch(sub)
    _register_config(sub)


def _register_fetch(sub: options.SubParsers) -> None:
    p = options.command(sub, "fetch", _cmd_fetch)
    options.add_account(p, "handle", what="the account")
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
    options.add_run(p, quiet="print nothing on success")
    options.add_expand_links(p)


def _register_config(sub: options.SubParsers) -> None:
    p = options.command(sub, "config", configure)
    p.add_argument("action", choices=("show", "set", "unset", "path"))
    p.add_argument("key", nargs="?", metavar="KEY")
    # A value typed after the key anyway is taken here, so that no error prints it back.
    p.add_argument("typed", nargs="*", help=argparse.SUPPRESS)
    options.add_quiet(p, help="set/unset print nothing on success")


def _cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    """Fetch posts into the library: only what is new, resuming an interrupted backfill. X (@handle)
    needs X_BEARER_TOKEN, or the owner's user tokens for --me (cheaper owned reads); Bluesky
    (bsky:HANDLE) and Mastodon (mastodon:@user@instance) use their free public APIs (a Mastodon
    instance may require a token: LINKRATIO_MASTODON_TOKEN, sent only to
    LINKRATIO_MASTODON_INSTANCE).

    examples:
      X_BEARER_TOKEN=... linkratio fetch @marenbuilds
      linkratio fetch --me --max-posts 500 --quiet
      linkratio fetch bsky:alice.bsky.social
      linkratio fetch mastodon:@alice@example.social --quiet
    """
    code = fetch(args, out)
    if code == EXIT_OK and args.expand_links:
        options.expand_after(args, args.handle)
    return code


def fetch(args: argparse.Namespace, out: TextIO) -> int:
    """`linkratio fetch`: bring an account's new posts from its API into the library."""
    from linkratio.fetching import fetch_account

    progress = Progress(not args.quiet, sys.stderr)
    try:
        with options.library(args, create=True) as lib:
            done = fetch_account(
                lib,
                args.handle,
                me=args.me,
                since=args.since,
                max_posts=args.max_posts,
                wait=args.wait,
                wait_on_rate_limit=not args.no_wait,
                waiter=Waiter(args.quiet, sys.stderr),  # the stderr of now, not of import time
                progress=lambda d: progress.page(d.pages, d.posts_read, d.new_posts),
                notify=None if args.quiet else _notice,
            )
    finally:
        progress.done()
    if done.renamed is not None:  # quiet too: the name typed may soon be someone else's
        old, new, uid = done.account.handle, done.renamed, done.account.id
        _notice(
            f"warning: @{old} is now @{new} on X (the same account, id {uid}), read by its id "
            f"as before: run 'linkratio fetch @{new}' once to keep it under its new name "
            f"(then @{old} names whoever holds it now)"
        )
    if not args.quiet:
        out.write(_fetched_line(done, args.max_posts))
    elif done.stopped is not None:  # a bound on the run, not the user's: say so in cron too
        who = account_name(done.account)  # _notice makes the line terminal-safe
        _notice(f"warning: the fetch of {who} stopped {done.stopped}; the next run continues")
    return EXIT_OK


def _notice(text: str) -> None:
    sys.stderr.write(f"linkratio: {terminal_safe(text)}\n")


def _fetched_line(done: FetchResult, max_posts: int | None) -> str:
    """What a fetch did, in one line."""
    more = ""
    if not done.complete:
        cap = "at --max-posts" if max_posts else "at the most posts one run reads"
        # The run went on with an interrupted backfill first: what was posted since is unread.
        older = "" if done.newest_read else " in an earlier backfill, before the newest posts"
        more = f" (stopped {done.stopped or cap}{older}; the next run continues)"
    who = terminal_safe(account_name(done.account))
    if done.requests is None:  # a client that does not count them: its pages
        head = f"{who} in {counted(done.pages, 'request')}"
    else:
        plural = "" if done.requests == 1 else "s"
        head = f"{who} ({done.account.platform}) in {done.requests} request{plural}"
    return (
        f"fetched {counted(done.posts_read, 'post')} of {head}: {done.new_posts:,} new, "
        f"into {terminal_safe(str(done.library))}{more}\n"
    )


def configure(args: argparse.Namespace, out: TextIO) -> int:
    """Show which settings are set (never their values), or set one: the value is read from a hidden
    prompt or standard input. Environment variables win.

    examples:
      linkratio config show
      linkratio config set x.bearer_token
      echo "$TOKEN" | linkratio config set x.bearer_token
    """
    if args.typed:  # never shown: a token typed on the command line stays off the screen
        key = args.key if args.key in config.KEYS else "KEY"  # a token may be in its place
        raise InputError(
            f"config {args.action} takes no value on the command line (what followed the key "
            "is not shown, nor stored): set reads it from a hidden prompt or standard input, "
            f"e.g. printf '%s\\n' \"$TOKEN\" | linkratio config set {key}"
        )
    if args.action == "path":
        path = str(config.config_path())  # as it is for a script's $(...), safe on a terminal
        out.write(f"{terminal_safe(path) if out.isatty() else path}\n")
        return EXIT_OK
    if args.action == "show":
        settings = config.describe()  # a stray key fails here, before a line is printed
        out.write(f"config file: {terminal_safe(str(config.config_path()))}\n")
        for setting in settings:
            state = f"set ({setting.source})" if setting.source else "not set"
            out.write(f"  {setting.key:<24} {state:<20} env {setting.env}\n")
        return EXIT_OK
    key = config.require_key(args.key, args.action)
    if args.action == "unset":
        if not config.holds(key):  # nothing to remove: no file is written either
            if not args.quiet:
                path = terminal_safe(str(config.config_path()))
                out.write(f"{key} was not set in {path}: nothing to remove\n")
            return EXIT_OK
        where = config.set_value(key, None)
        if not args.quiet:
            out.write(f"{key} removed from {terminal_safe(str(where))} (mode 0600)\n")
        return EXIT_OK
    # Read the secret without echoing it; never from the command line (shell history).
    text = getpass.getpass(f"{key}: ") if sys.stdin.isatty() else sys.stdin.readline()
    where = config.store_secret(key, text)
    if not args.quiet:
        out.write(f"{key} stored in {terminal_safe(str(where))} (mode 0600)\n")
    return EXIT_OK
