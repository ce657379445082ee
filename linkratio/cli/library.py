"""`linkratio import` and `linkratio accounts`: put posts into the library, list its accounts."""

from __future__ import annotations

import argparse
from typing import TextIO

import linkratio.cli.options as options
from linkratio.wording import counted


def register(sub: options.SubParsers) -> None:
    """Add the import and accounts commands."""
    p = options.command(sub, "import", import_posts)
    options.add_input(p, account=False)
    options.add_wait(p)

    p = options.command(sub, "accounts", accounts)
    options.add_db(p)
    options.add_quiet(p, help="no warnings")


def import_posts(args: argparse.Namespace, out: TextIO) -> int:
    """Put posts into the local library, each post under its author's account: an X archive or saved
    X API v2 data (account.js, author_id), saved Bluesky getAuthorFeed pages, or saved Mastodon
    statuses. A search or hashtag file gives one account per author. Importing again updates in
    place.

    examples:
      linkratio import twitter-2024.zip
      linkratio import bluesky-feed.jsonl
      linkratio import mastodon-statuses.json --input-format mastodon
      linkratio import data/sample --db ~/linkratio.sqlite
    """
    from linkratio.accounts import account_name
    from linkratio.loading import import_source
    from linkratio.render.escape import terminal_safe

    done = options.read_input(args, import_source, wait=args.wait, freeze=True)
    if not args.quiet:
        many = len(done.accounts) > 1
        who = f"{len(done.accounts):,} accounts" if many else account_name(done.account)
        who = terminal_safe(who)
        saved = done.saved
        changed = f", {saved.updated:,} updated" if saved.updated else ""
        same = f", {saved.unchanged:,} unchanged" if saved.unchanged else ""
        out.write(
            f"imported {counted(done.posts, 'post')} of {who}: "
            f"{saved.inserted:,} new{changed}{same}, into {terminal_safe(str(done.library))}\n"
        )
    return options.EXIT_OK


def accounts(args: argparse.Namespace, out: TextIO) -> int:
    """List the accounts in the library with post counts, dates and last sync.

    example:
      linkratio accounts
    """
    from linkratio.render.escape import terminal_safe
    from linkratio.render.listing import accounts_table

    with options.library(args) as lib:
        rows = lib.accounts()
        where = lib.path
    if not rows:
        out.write(f"the library {terminal_safe(str(where))} holds no accounts yet\n")
        return options.EXIT_OK
    out.write(accounts_table(rows))
    return options.EXIT_OK
