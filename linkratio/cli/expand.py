"""The `linkratio expand` command and `--expand-links`: where an account's short links go.

The CLI never lets expansion reach private addresses: no option, no environment variable
turns the guard off. The test suite drives the real commands against HTTP servers on
127.0.0.1 by setting `ALLOW_PRIVATE` in-process (a module attribute, never a CLI input).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from linkratio.accounts import find as find_account
from linkratio.accounts import is_account_name
from linkratio.cli import (
    EXIT_OK,
    _add_db,
    _add_wait,
    _library,
    _positive,
    _Progress,
)
from linkratio.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from linkratio.links.expand import Counts, ExpandOptions
    from linkratio.model import Account
    from linkratio.store import Library


ALLOW_PRIVATE = False
"""For the test suite only (set in-process): let expansion reach its 127.0.0.1 servers."""


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number <= 300:
        raise argparse.ArgumentTypeError(f"invalid timeout {value!r}: expected 0 < seconds <= 300")
    return number


def register(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    """Add the `expand` command to the parser's subcommands."""
    p = sub.add_parser(
        "expand",
        help="find where an account's short links (bit.ly, t.co, ...) really go",
        description="Resolve the account's links that sit on a link shortener (the known "
        "list, or a host that redirected before), following every redirect with HEAD "
        "requests. Each URL is resolved once ever; failures are asked again after 7 days. "
        "Hops to private, loopback or link-local addresses are refused.",
        epilog="examples:\n  linkratio expand @marenbuilds\n"
        "  linkratio expand bsky:alice.bsky.social --concurrency 8 --timeout 5 --quiet\n"
        "  linkratio expand @marenbuilds --retry-failed",
        formatter_class=fmt,
    )
    p.add_argument(
        "account",
        metavar="ACCOUNT",
        help="an account in the library: @handle, bsky:HANDLE or mastodon:@user@instance",
    )
    _add_db(p)
    p.add_argument(
        "--concurrency", type=_positive, default=16, metavar="N", help="requests at once (16)"
    )
    p.add_argument(
        "--per-host", type=_positive, default=4, metavar="N", help="requests at once per host (4)"
    )
    p.add_argument(
        "--timeout", type=_seconds, default=10.0, metavar="S", help="seconds per request (10)"
    )
    p.add_argument(
        "--retry-failed",
        action="store_true",
        help="ask again links that failed before, without waiting for their retry time",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress; print nothing on success"
    )
    _add_wait(p)
    p.set_defaults(func=_cmd_expand)


class _ExpandProgress(_Progress):
    """Resolved / cached / failed counts on stderr, on a terminal only and never with -q."""

    def __call__(self, counts: Counts, total: int) -> None:  # type: ignore[override]
        done = counts.resolved + counts.failed + counts.refused
        self.show(
            f"expanding... {done:,}/{total:,} links: {counts.resolved:,} resolved, "
            f"{counts.cached:,} cached, {counts.failed:,} failed, {counts.refused:,} refused "
        )


def expand_account(
    lib: Library,
    account: Account,
    *,
    options: ExpandOptions | None = None,
    quiet: bool = False,
    retry_failed: bool = False,
) -> Counts:
    """Resolve the account's short links not yet in the library's cache; return the counts."""
    from linkratio.links import short_links
    from linkratio.links.expand_run import expand_urls
    from linkratio.net.netguard import Guard
    from linkratio.store import links as store_links

    frame = lib.frame(account.platform, account.id or "")
    urls = short_links(frame["urls"], store_links.redirect_hosts(lib))
    progress = _ExpandProgress(not quiet)
    try:
        return expand_urls(
            lib,
            urls,
            options=options,
            guard=Guard(allow_private=ALLOW_PRIVATE),
            progress=progress,
            retry_failed=retry_failed,
        )
    finally:
        progress.done()


def summary_line(who: str, counts: Counts) -> str:
    """One line saying how an expansion went (failures are not an error)."""
    from linkratio.render.text import terminal_safe

    line = (
        f"short links of {terminal_safe(who)}: {counts.resolved:,} resolved, "
        f"{counts.cached - counts.failed_before:,} already known, "
    )
    if counts.failed_before:
        when = f"{counts.next_try:%Y-%m-%d %H:%M} UTC" if counts.next_try else "later"
        line += f"{counts.failed_before:,} failed or refused before (next try after {when}), "
    line += f"{counts.failed:,} failed, {counts.refused:,} refused as unsafe"
    if counts.failed:
        line += (
            "; failed links are asked again after 7 days, or 6 hours for network trouble "
            "(or now with --retry-failed)"
        )
    return line + "\n"


def _cmd_expand(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.links.expand import ExpandOptions

    options = ExpandOptions(
        concurrency=args.concurrency, per_host=args.per_host, timeout=args.timeout
    )
    with _library(args) as lib:
        account = find_account(lib, args.account)
        with lib.run_lock(f"expand {args.account}", wait=args.wait):
            counts = expand_account(
                lib,
                account,
                options=options,
                quiet=args.quiet,
                retry_failed=args.retry_failed,
            )
    if not args.quiet:
        out.write(summary_line(args.account, counts))
    return EXIT_OK


def expand_named(args: argparse.Namespace, name: str | None) -> None:
    """`--expand-links` of report and fetch: expand account `name` (None: the last X sync)."""
    with _library(args) as lib:
        if name is None:  # fetch --me: the X account this run just synced
            synced = [a for a in lib.accounts() if a.platform == "x" and a.last_sync and a.handle]
            if not synced:
                return
            name = "@" + str(max(synced, key=lambda a: str(a.last_sync)).handle)
        account = find_account(lib, name)
        with lib.run_lock(f"expand {name}", wait=getattr(args, "wait", 30.0)):
            counts = expand_account(lib, account, quiet=args.quiet)
    if not args.quiet:
        sys.stderr.write("linkratio: " + summary_line(name, counts))


def expand_for_report(args: argparse.Namespace) -> None:
    """`report --expand-links`: needs a library account, whose short links are expanded."""

    if not is_account_name(str(args.path)):
        raise InputError(
            f"--expand-links needs an account in the library (@handle), not the file "
            f"{args.path}: run 'linkratio import {args.path}' first"
        )
    expand_named(args, args.path)


def with_link_cache(lib: Library, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with sites taken from the library's resolved links and its redirect hosts."""
    from linkratio.analysis import with_expansions
    from linkratio.store import links as store_links

    return with_expansions(frame, store_links.expansions(lib), store_links.redirect_hosts(lib))
