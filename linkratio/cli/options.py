"""Options and argument types the commands share, and opening the library they name."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from linkratio.sources import FORMATS

if TYPE_CHECKING:
    from linkratio.store import Library

EXIT_OK = 0
EXIT_USAGE = 2
FORMATTER = argparse.RawDescriptionHelpFormatter
"""Every command's help keeps the line breaks of its examples."""

ALLOW_PRIVATE = False
"""For the test suite only (set in-process): let link expansion reach 127.0.0.1 servers.

No option and no environment variable turns the guard off.
"""

SubParsers = argparse._SubParsersAction  # argparse names no public type for it


def command(
    sub: SubParsers, name: str, *, help: str, description: str, epilog: str
) -> argparse.ArgumentParser:
    """Add the command `name` with its one-line help, description and examples."""
    return sub.add_parser(
        name, help=help, description=description, epilog=epilog, formatter_class=FORMATTER
    )


# -- argument types ----------------------------------------------------------------------


def parse_date(value: str) -> date:
    """An argparse type: a day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def positive(value: str) -> int:
    """An argparse type: a whole number, 1 or more."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected a whole number >= 1")
    return number


def seconds(value: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid wait {value!r}: expected seconds, 0 or more")
    return number


def instant(value: str) -> datetime:
    """An argparse type: an ISO 8601 time, UTC when it names no offset."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid time {value!r}: expected ISO 8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- options -----------------------------------------------------------------------------


def add_db(parser: argparse.ArgumentParser) -> None:
    """`--db PATH`: the library file."""
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the library file (default: $LINKRATIO_DB, else the user data folder)",
    )


def add_quiet(parser: argparse.ArgumentParser, help: str = "no progress, no warnings") -> None:
    """`-q/--quiet`."""
    parser.add_argument("-q", "--quiet", action="store_true", help=help)


def add_input(parser: argparse.ArgumentParser, account: bool = True) -> None:
    """The posts to read: a library account or files, `--db`, the format, `--quiet`."""
    parser.add_argument(
        "path",
        metavar="@HANDLE|PATH" if account else "PATH",
        help=(
            "an account in the library (@handle, bsky:HANDLE, mastodon:@user@instance), or "
            if account
            else ""
        )
        + "an X archive (.zip, folder or tweets.js), saved X API v2 JSON/JSONL, or saved "
        "Bluesky getAuthorFeed / Mastodon statuses JSON/JSONL",
    )
    add_db(parser)
    parser.add_argument(
        "--input-format",
        choices=("auto", *FORMATS),
        default="auto",
        help="override the detected input format (default: auto)",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip unparseable lines, malformed records and damaged archive parts with a "
        "warning instead of stopping",
    )
    add_quiet(parser)


def add_period(parser: argparse.ArgumentParser) -> None:
    """`--tz`, `--since` and `--until`: the days to summarize."""
    parser.add_argument(
        "--tz", metavar="ZONE", help="IANA time zone for days (default: the system's)"
    )
    parser.add_argument(
        "--since", type=parse_date, metavar="DATE", help="first day to include (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--until", type=parse_date, metavar="DATE", help="last day to include (YYYY-MM-DD)"
    )


def add_wait(parser: argparse.ArgumentParser) -> None:
    """`--wait SECONDS`: how long to wait for a library another run holds."""
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="if another run holds the library, wait this long, then give up (exit 75)",
    )


def add_expand_links(parser: argparse.ArgumentParser) -> None:
    """`--expand-links`: resolve the account's new short links first."""
    parser.add_argument(
        "--expand-links",
        action="store_true",
        help="first resolve the account's new short links (see 'linkratio expand')",
    )


def add_clock(parser: argparse.ArgumentParser, tz: bool = True) -> None:
    """`--tz` and the hidden `--now` the tests fix the clock with."""
    if tz:
        parser.add_argument(
            "--tz", metavar="ZONE", help="IANA time zone for days (default: system)"
        )
    parser.add_argument("--now", type=instant, help=argparse.SUPPRESS)


def now_of(args: argparse.Namespace) -> datetime:
    """The current time (aware UTC), or the hidden `--now` the tests fix it with."""
    return getattr(args, "now", None) or datetime.now(UTC)


# -- what the options name ---------------------------------------------------------------


def library(args: argparse.Namespace, create: bool = False) -> Library:
    """The library `--db` names; unless `create`, InputError when there is none."""
    from linkratio.loading import open_library

    return open_library(args.db, create=create)


def expand_after(args: argparse.Namespace, name: str | None) -> None:
    """`--expand-links`: expand account `name` (None: the X account synced last), say how."""
    from linkratio.cli.progress import ExpandProgress
    from linkratio.expansion import expand_named
    from linkratio.render.listing import expansion_line

    progress = ExpandProgress(not args.quiet)
    try:
        with library(args) as lib:
            done = expand_named(
                lib,
                name,
                wait=getattr(args, "wait", 30.0),
                allow_private=ALLOW_PRIVATE,
                progress=progress,
            )
    finally:
        progress.done()
    if done is not None and not args.quiet:
        sys.stderr.write("linkratio: " + expansion_line(done.name, done.counts))
