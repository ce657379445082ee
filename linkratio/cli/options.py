"""Options and argument types the commands share, and opening the library they name."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from linkratio.days import FIRST_DAY, LAST_DAY, iso_day

if TYPE_CHECKING:
    from linkratio.expansion import Expanded
    from linkratio.links.expand import ExpandOptions
    from linkratio.store import Library

T = TypeVar("T")

EXIT_OK = 0
EXIT_USAGE = 2
FORMATTER = argparse.RawDescriptionHelpFormatter
"""Every command's help keeps the line breaks of its examples."""

ALLOW_PRIVATE = False
"""For the test suite only (set in-process): let link expansion reach 127.0.0.1 servers.

No option and no environment variable turns the guard off.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "classify": ("files", "list every post in time order with its category, kind and reason"),
    "audit": ("files", "summarize talking vs linking, talk-only days, sites, people and a nudge"),
    "report": ("files", "write an HTML/Markdown report with charts, a summary.json and PNGs"),
    "import": ("library", "put an archive or saved API data into the local library"),
    "accounts": ("library", "list the accounts in the library"),
    "library": ("library_admin", "check the library for damage, back it up, or re-read its posts"),
    "fetch": ("fetch", "fetch an account's new posts from X, Bluesky or Mastodon into the library"),
    "config": ("fetch", "show or set API tokens in the private config file"),
    "expand": ("expand", "find where an account's short links (bit.ly, t.co, ...) really go"),
    "weekly": ("weekly", "write and deliver the weekly summary (for cron)"),
    "challenge": ("challenge", "set a talk-only-day challenge, or see how it went"),
    "schedule": (
        "schedule",
        "print (or install) a crontab line and a systemd timer for the weekly summary",
    ),
    "cohort": (
        "cohort",
        "many accounts at once: build a Parquet dataset, summarize it with DuckDB",
    ),
    "completion": ("completion", "print a shell completion script for bash, zsh or fish"),
}
"""Every command, in the order they are listed: the `cli` module that registers it, and its
one-line help (shown in `linkratio --help` without loading the module)."""

SubParsers = argparse._SubParsersAction  # argparse names no public type for it
Handler = Callable[[argparse.Namespace, TextIO], int]
"""A command's function: the parsed arguments and standard output in, the exit code out."""


def command(
    sub: SubParsers,
    name: str,
    func: Handler | None,
    *,
    doc: str | None = None,
    help: str | None = None,
) -> argparse.ArgumentParser:
    """Add the command `name`, run by `func`, described by `doc` (default: `func`'s docstring).

    The text before its "example(s):" paragraph is the description (each paragraph's lines
    joined); that paragraph, line breaks kept, is the epilog. A top-level command's one-line
    help is the one in `COMMANDS`; a subcommand gives its own. A command group (whose
    subcommands each have their own `func`) passes None and its `doc`.
    """
    description, epilog = _help_texts(doc if doc is not None else (func.__doc__ if func else ""))
    line = help if help is not None else COMMANDS[name][1]
    parser = sub.add_parser(
        name, help=line, description=description, epilog=epilog, formatter_class=FORMATTER
    )
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def _help_texts(doc: str | None) -> tuple[str, str | None]:
    """A command's docstring as argparse's description and epilog (see `command`)."""
    first, _, rest = (doc or "").partition("\n")
    text = first.strip() + "\n" + textwrap.dedent(rest)
    head, found, examples = text.strip().partition("\n\nexample")
    paragraphs = (" ".join(p.split()) for p in head.split("\n\n"))
    return "\n\n".join(paragraphs), ("example" + examples) if found else None


class Once(argparse.Action):
    """Store an option's value, refusing a second one: a repeat would silently win."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        """Store `values`, or stop with a usage error when the option came before."""
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice: name it once")
        setattr(namespace, self.dest, values)


# -- argument types ----------------------------------------------------------------------


def parse_date(value: str) -> date:
    """An argparse type: a day as YYYY-MM-DD, from 1000-01-01 to 9998-12-31."""
    try:
        day = iso_day(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise argparse.ArgumentTypeError(
            f"invalid date {value!r}: expected a day from {FIRST_DAY} to {LAST_DAY}"
        )
    return day


def positive(value: str, most: int | None = None) -> int:
    """An argparse type: a whole number, 1 or more (and at most `most`: `functools.partial`)."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if 1 <= number <= (most or number):
        return number
    expected = f"from 1 to {most}" if most else ">= 1"
    raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected a whole number {expected}")


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


ACCOUNT_FORMS = "@handle (X), bsky:HANDLE or mastodon:@user@instance"
"""How an account is named on the command line, for help texts."""


def add_account(
    parser: argparse.ArgumentParser, dest: str = "account", what: str = "an account in the library"
) -> None:
    """The positional ACCOUNT (`dest`); a `dest` other than "account" may be left out."""
    nargs = None if dest == "account" else "?"
    parser.add_argument(dest, nargs=nargs, metavar="ACCOUNT", help=f"{what}: {ACCOUNT_FORMS}")


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
    from linkratio.sources import FORMATS  # loaded with a command that reads files

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
    add_skip_invalid(parser)
    add_quiet(parser)


def add_skip_invalid(parser: argparse.ArgumentParser) -> None:
    """`--skip-invalid`: read on past a damaged line, record or archive part, warning of it."""
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip unparseable lines, malformed records and damaged archive parts with a "
        "warning instead of stopping",
    )


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


def add_wait(parser: argparse.ArgumentParser, default: float = 30.0) -> None:
    """`--wait SECONDS`: how long to wait for a library another run holds."""
    parser.add_argument(
        "--wait",
        type=seconds,
        default=default,
        metavar="SECONDS",
        help=f"if another run holds the library, wait this long (default {default:g}), then "
        "give up (exit 75)",
    )


def add_run(parser: argparse.ArgumentParser, *, quiet: str, wait: float = 30.0) -> None:
    """`--db`, `-q/--quiet` and `--wait`: a command that writes the library under its lock."""
    add_db(parser)
    add_quiet(parser, help=quiet)
    add_wait(parser, wait)


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
    """The library `--db` names (unless `create`, InputError when none); `--wait` bounds it."""
    from linkratio.loading import open_library

    return open_library(args.db, create=create, wait=getattr(args, "wait", None))


def read_input(args: argparse.Namespace, read: Callable[..., T], **more: Any) -> T:
    """`read` the posts `add_input`'s options name, with a progress line while it reads."""
    from linkratio.cli.progress import Progress

    progress = Progress(not args.quiet)
    try:
        return read(
            args.path,
            db=args.db,
            input_format=args.input_format,
            skip_invalid=args.skip_invalid,
            progress=progress,
            **more,
        )
    finally:
        progress.done()


def expand(
    args: argparse.Namespace, name: str | None, settings: ExpandOptions | None = None
) -> Expanded | None:
    """Expand account `name` (None: the X account synced last) with a progress line."""
    from linkratio.cli.progress import ExpandProgress
    from linkratio.expansion import expand_named
    from linkratio.net.netguard import Guard

    progress = ExpandProgress(not args.quiet)
    try:
        with library(args) as lib:
            return expand_named(
                lib,
                name,
                wait=getattr(args, "wait", 30.0),
                options=settings,
                guard=Guard(allow_private=ALLOW_PRIVATE),
                progress=progress,
            )
    finally:
        progress.done()


def expand_after(args: argparse.Namespace, name: str | None) -> None:
    """`--expand-links`: expand account `name` (None: the X account synced last), say how."""
    from linkratio.render.listing import expansion_line

    done = expand(args, name)
    if done is not None and not args.quiet:
        sys.stderr.write("linkratio: " + expansion_line(done.name, done.counts))
