"""The `linkratio challenge` command: set a talk-only day, or see how the days went."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options

if TYPE_CHECKING:
    from linkratio.weekly.challenge import ChallengeDay


def register(sub: options.SubParsers) -> None:
    """Add `linkratio challenge set|status`."""
    p = options.command(sub, "challenge", challenge)
    p.add_argument("action", choices=("set", "status"), metavar="set|status")
    p.add_argument(
        "date", nargs="?", type=options.parse_date, metavar="DATE", help="the day (YYYY-MM-DD)"
    )
    p.add_argument("--suggest", action="store_true", help="pick the day from your history")
    p.add_argument("--account", metavar="NAME", help="the account (default: the only one)")
    options.add_db(p)
    options.add_quiet(p, help="no warnings; set prints nothing on success")
    options.add_clock(p)


def challenge(args: argparse.Namespace, out: TextIO) -> int:
    """Record a day of only talking (a DATE, or --suggest: the next day on the weekday whose last 8
    weeks came closest to talk-only), or show each challenge day: talk-only or not, and the posts
    that broke it. A day is a local day in --tz when it is set; status judges each day in the
    zone it was set in.

    examples:
      linkratio challenge set --suggest
      linkratio challenge set 2026-12-02 --account @marenbuilds
      linkratio challenge status
    """
    from linkratio.accounts import account_name, only_account
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.period import named_zone
    from linkratio.render.escape import terminal_safe
    from linkratio.weekly.challenge import challenge_status, set_challenge

    _check_parts(args)
    # A bad zone (or, for a day to store, a system zone without a name) is bad input
    # before the library is opened.
    (named_zone if args.action == "set" else resolve_zone)(args.tz)
    with options.library(args) as lib:
        account = only_account(lib, args.account)
        if args.action == "status":
            _print_status(challenge_status(lib, account, now=options.now_of(args)), out)
            return options.EXIT_OK
        done = set_challenge(
            lib, account, day=args.date, suggest=args.suggest, tz=args.tz, now=options.now_of(args)
        )
    if args.quiet:
        return options.EXIT_OK
    state = "set" if done.added else "was already set"
    who = terminal_safe(account_name(account))  # a handle from a file: made inert
    out.write(f"challenge {state}: {done.day} ({done.day:%A}), a day of only talking for {who}")
    out.write(f" (days in {done.zone})\n")
    if done.reason:
        out.write(f"why: {terminal_safe(done.reason)}\n")
    return options.EXIT_OK


def _check_parts(args: argparse.Namespace) -> None:
    """Name the missing (or extra) part of the command plainly, before the library opens."""
    from linkratio.errors import InputError

    if args.action == "status" and (args.date or args.suggest or args.tz):
        raise InputError(
            "challenge status takes no DATE, --suggest or --tz: each day is shown in the zone "
            "it was set in"
        )
    if args.action == "set" and args.date is None and not args.suggest:
        raise InputError(
            "challenge set needs a DATE, the day to talk only (challenge set 2026-12-02), "
            "or --suggest to let linkratio pick it"
        )
    if args.action == "set" and args.date is not None and args.suggest:
        raise InputError("challenge set takes a DATE or --suggest, not both: drop one")


def _print_status(days: list[ChallengeDay], out: TextIO) -> None:
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.period import stored_zone
    from linkratio.render.escape import terminal_safe

    if not days:
        out.write("no challenge set yet: try 'linkratio challenge set --suggest'\n")
    for item in days:
        day, result = item.day, item.outcome
        out.write(f"{day} {day:%a}  {result.status}")
        if result.posts:
            plural = "s" * (result.posts != 1)
            so_far = " so far" * (result.status == "not yet")  # today, not over yet
            out.write(f" ({result.posts} post{plural}{so_far}, {result.conversation} talking)")
        out.write("\n")
        zone = stored_zone(item.zone, resolve_zone(None)[0])
        for b in result.breakers:
            text = " ".join(b.text.split())
            text = text if len(text) <= 70 else text[:69] + "…"
            when = b.created_at.astimezone(zone).strftime("%H:%M")
            kind = f"{b.category}/{b.kind}"
            out.write(f"    {when}  {kind:<16} {terminal_safe(text)}\n")
