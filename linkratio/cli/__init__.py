"""The `linkratio` command: parse, call the library, format, exit code. Nothing else."""

from __future__ import annotations

import argparse
import csv
import gc
import logging
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import orjson

from linkratio import __version__
from linkratio.accounts import account_name, is_account_name
from linkratio.accounts import find as find_account
from linkratio.errors import EmptyDataError, InputError, LinkratioError
from linkratio.model import Account, Timeline
from linkratio.sources import FORMATS

if TYPE_CHECKING:
    import pandas as pd

    from linkratio.store import Library

EXIT_OK = 0
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
EXIT_USAGE = 2


class _Progress:
    """A count on stderr while reading, shown only on a terminal and never with --quiet."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr  # looked up now: tests swap sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.shown = False

    def show(self, line: str) -> None:
        """Overwrite the progress line with `line`."""
        if self.enabled:
            self.stream.write(f"\r{line}")
            self.stream.flush()
            self.shown = True

    def __call__(self, count: int) -> None:
        self.show(f"reading... {count:,} posts")

    def page(self, pages: int, posts: int, new: int) -> None:
        """Show a fetch's progress: requests made, posts read, new posts."""
        self.show(f"fetching... {pages:,} pages, {posts:,} posts read, {new:,} new ")

    def done(self) -> None:
        """Clear the progress line."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {value!r}: expected YYYY-MM-DD") from None


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="the library file (default: $LINKRATIO_DB, else the user data folder)",
    )


def _add_input(parser: argparse.ArgumentParser, account: bool = True) -> None:
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
    _add_db(parser)
    parser.add_argument(
        "--input-format",
        choices=("auto", *FORMATS),
        default="auto",
        help="override the detected input format (default: auto)",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="skip unparseable JSONL lines with a warning instead of stopping",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress, no warnings")


def _build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="linkratio",
        description="How much of your social-media life is talking, and how much is linking.",
        epilog="example:\n  linkratio audit data/sample\n  linkratio classify twitter.zip",
        formatter_class=fmt,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"linkratio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser(
        "classify",
        help="list every post in time order with its category, kind and reason",
        description="List every post in time order with its category, kind and the rule "
        "that decided it.",
        epilog="examples:\n  linkratio classify data/sample\n"
        "  linkratio classify twitter-2024.zip --output jsonl > labels.jsonl",
        formatter_class=fmt,
    )
    _add_input(p)
    p.add_argument(
        "--output",
        choices=("table", "jsonl", "csv"),
        default="table",
        help="table for people; jsonl/csv (platform,id,created_at,category,kind,reason) "
        "for scripts",
    )
    p.set_defaults(func=_cmd_classify)

    p = sub.add_parser(
        "audit",
        help="summarize talking vs linking, talk-only days, sites, people and a nudge",
        description="Audit an account: talk share, talk-to-link, talk-only days and streaks, "
        "weekly talk share, top sites, people you talk with, and a nudge.",
        epilog="examples:\n  linkratio audit data/sample\n"
        "  linkratio audit twitter.zip --tz Europe/Berlin --since 2024-01-01 --json",
        formatter_class=fmt,
    )
    _add_input(p)
    _add_period(p)
    p.add_argument("--json", action="store_true", help="print the summary as a JSON document")
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser(
        "report",
        help="write an HTML/Markdown report with charts, a summary.json and PNGs",
        description="Write a self-contained report.html (charts embedded), report.md, the "
        "chart PNGs and summary.json into a folder.",
        epilog="examples:\n  linkratio report data/sample --out report\n"
        "  linkratio report @marenbuilds --since 2024-01-01 --open",
        formatter_class=fmt,
    )
    _add_input(p)
    _add_period(p)
    p.add_argument("--out", metavar="DIR", default="linkratio-report", help="output folder")
    p.add_argument("--open", action="store_true", help="open the report in the browser")
    _add_expand_links(p)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "import",
        help="put an archive or saved API data into the local library",
        description="Put an X archive or saved X API v2 data into the local library, for the "
        "account the data names (account.js, author_id). Importing again updates in place.",
        epilog="examples:\n  linkratio import twitter-2024.zip\n"
        "  linkratio import data/sample --db ~/linkratio.sqlite",
        formatter_class=fmt,
    )
    _add_input(p, account=False)
    _add_wait(p)
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser(
        "accounts",
        help="list the accounts in the library",
        description="List the accounts in the library with post counts, dates and last sync.",
        epilog="example:\n  linkratio accounts",
        formatter_class=fmt,
    )
    _add_db(p)
    p.set_defaults(func=_cmd_accounts)

    p = sub.add_parser(
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
        formatter_class=fmt,
    )
    p.add_argument(
        "handle",
        nargs="?",
        metavar="ACCOUNT",
        help="the account: @handle (X), bsky:HANDLE or mastodon:@user@instance",
    )
    p.add_argument("--me", action="store_true", help="the owner of the user tokens")
    p.add_argument("--since", type=_date, metavar="DATE", help="first backfill: not before DATE")
    p.add_argument(
        "--max-posts",
        type=_positive,
        metavar="N",
        help="read at most N posts this run (cost guard)",
    )
    p.add_argument(
        "--no-wait",
        action="store_true",
        help="on a rate limit stop (exit 75) instead of waiting; the next run resumes",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    _add_db(p)
    _add_wait(p)
    _add_expand_links(p)
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser(
        "config",
        help="show or set API tokens in the private config file",
        description="Show which settings are set (never their values), or set one: the value "
        "is read from a hidden prompt or standard input. Environment variables win.",
        epilog="examples:\n  linkratio config show\n  linkratio config set x.bearer_token\n"
        '  echo "$TOKEN" | linkratio config set x.bearer_token',
        formatter_class=fmt,
    )
    p.add_argument("action", choices=("show", "set", "unset", "path"))
    p.add_argument("key", nargs="?", metavar="KEY")
    p.set_defaults(func=_cmd_config)

    # Commands defined in their own modules register here, one line each.
    __import__("linkratio.cli.expand", fromlist=["register"]).register(sub, fmt)
    __import__("linkratio.cli.weekly", fromlist=["register"]).register(sub, fmt)
    __import__("linkratio.cli.cohort", fromlist=["register"]).register(sub, fmt)

    for command in sub.choices.values():
        command.allow_abbrev = False  # an option is named in full: no prefix matches it
        # Accepted after the command too; SUPPRESS keeps the top-level value otherwise.
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
    return parser


def _add_period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz", metavar="ZONE", help="IANA time zone for days (default: the system's)"
    )
    parser.add_argument(
        "--since", type=_date, metavar="DATE", help="first day to include (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--until", type=_date, metavar="DATE", help="last day to include (YYYY-MM-DD)"
    )


def _add_expand_links(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--expand-links",
        action="store_true",
        help="first resolve the account's new short links (see 'linkratio expand')",
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected a whole number >= 1")
    return number


def _add_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="if another run holds the library, wait this long, then give up (exit 75)",
    )


def _library(args: argparse.Namespace, create: bool = False) -> Library:
    from linkratio.frame import Library

    path = Path(args.db).expanduser() if args.db else Library.default_path()
    if not create and not path.exists():
        raise InputError(
            f"no library at {path}: run 'linkratio import PATH' or 'linkratio fetch @handle' "
            "first, or name it with --db / LINKRATIO_DB"
        )
    return Library(path)


def _read(args: argparse.Namespace, keep_raw: bool = False) -> Timeline:
    if is_account_name(str(args.path)):
        with _library(args) as lib:
            account = find_account(lib, args.path)
            posts = lib.posts(account.platform, account.id or "")
            timeline = Timeline(account, posts, str(lib.path))
    else:
        from linkratio.sources import read

        progress = _Progress(not args.quiet)
        try:
            timeline = read(
                args.path,
                input_format=args.input_format,
                progress=progress,
                skip_invalid=args.skip_invalid,
                keep_raw=keep_raw,
            )
        finally:
            progress.done()
    if not timeline.posts:
        raise EmptyDataError(f"{args.path}: no posts found (the data holds none)")
    # The posts live until the process exits: keep the cycle collector from rescanning
    # them again and again while the labels and the report are made (it made 2x the
    # posts cost 2.4x the time).
    gc.freeze()
    return timeline


def _cmd_classify(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.frame import labelled

    timeline = _read(args)
    rows = labelled(timeline.posts)
    if args.output == "jsonl":
        buf = out.buffer if hasattr(out, "buffer") else None
        for post, label in rows:
            line = orjson.dumps(
                {
                    "platform": post.platform,
                    "id": post.id,
                    "created_at": post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "category": label.category.value,
                    "kind": label.kind.value,
                    "reason": label.reason,
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
            if buf is not None:
                buf.write(line)
            else:
                out.write(line.decode())
        return EXIT_OK
    if args.output == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("platform", "id", "created_at", "category", "kind", "reason"))
        for post, label in rows:
            writer.writerow(
                (
                    post.platform,
                    post.id,
                    post.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    label.category.value,
                    label.kind.value,
                    _CONTROL.sub("\ufffd", label.reason),
                )
            )
        return EXIT_OK
    from linkratio.render.text import terminal_safe

    for post, label in rows:
        when = post.created_at.strftime("%Y-%m-%d %H:%M")
        cat = f"{label.category.value}/{label.kind.value}"
        out.write(f"{when}  {post.id:>20}  {cat:<23}  {terminal_safe(label.reason)}\n")
    return EXIT_OK


def _frame(args: argparse.Namespace) -> tuple[pd.DataFrame, str | None]:
    """The classified posts the command names (library account or files) and the owner."""
    from linkratio.frame import to_frame

    if is_account_name(str(args.path)):
        with _library(args) as lib:
            account = find_account(lib, args.path)
            frame = lib.frame(account.platform, account.id or "")
            if frame.empty:
                raise EmptyDataError(f"{args.path}: the library holds no posts of this account")
            return _link_cache(lib, frame), account.handle or account.id
    timeline = _read(args)
    frame = to_frame(timeline.posts)
    if args.db and Path(args.db).expanduser().is_file():  # a file's links, the library's cache
        with _library(args) as lib:
            frame = _link_cache(lib, frame)
    return frame, timeline.account.handle or timeline.account.id


def _link_cache(lib: Library, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with sites from the library's resolved short links (`linkratio expand`)."""
    from linkratio.cli.expand import with_link_cache

    return with_link_cache(lib, frame)


def _cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.analysis import summarize
    from linkratio.render.text import render_json, render_text

    frame, name = _frame(args)
    summary = summarize(frame, tz=args.tz, since=args.since, until=args.until, account=name)
    out.write(render_json(summary) if args.json else render_text(summary))
    out.write("\n")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.render.report import write_report

    if args.expand_links:
        from linkratio.cli.expand import expand_for_report

        expand_for_report(args)
    frame, name = _frame(args)
    files = write_report(
        frame,
        Path(args.out).expanduser(),
        tz=args.tz,
        since=args.since,
        until=args.until,
        account=name,
    )
    out.write(f"report written to {files.html}\n")
    if args.open:
        import webbrowser

        webbrowser.open(files.html.resolve().as_uri())
    return EXIT_OK


def _cmd_import(args: argparse.Namespace, out: TextIO) -> int:
    timeline = _read(args, keep_raw=True)
    account = timeline.account
    if account.id is None:
        raise InputError(
            f"{args.path}: cannot tell whose posts these are (no account.js and no author id): "
            "import the whole archive folder or zip"
        )
    origin = "archive" if timeline.posts[0].source == "archive" else "file"
    with _library(args, create=True) as lib, lib.run_lock("import", wait=args.wait):
        saved = lib.save_posts(account, timeline.posts, origin=origin)
        where = lib.path
    if not args.quiet:
        from linkratio.render.text import terminal_safe

        who = terminal_safe(account_name(account))
        out.write(
            f"imported {len(timeline.posts):,} posts of {who}: {saved.inserted:,} new, "
            f"{saved.updated:,} updated, into {where}\n"
        )
    return EXIT_OK


def _cmd_accounts(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.render.text import terminal_safe

    with _library(args) as lib:
        rows = lib.accounts()
        where = lib.path
    if not rows:
        out.write(f"the library {where} holds no accounts yet\n")
        return EXIT_OK
    names = [terminal_safe(account_name(Account(r.platform, r.id, r.handle))) for r in rows]
    width = max(24, *(len(name) for name in names))  # long Mastodon names keep columns aligned
    out.write(f"{'account':<{width}} {'posts':>8}  {'first':<10}  {'last':<10}  last sync\n")
    for name, row in zip(names, rows, strict=True):
        first = row.first_post.date().isoformat() if row.first_post else "-"
        last = row.last_post.date().isoformat() if row.last_post else "-"
        synced = row.last_sync.strftime("%Y-%m-%d %H:%M UTC") if row.last_sync else "never"
        out.write(f"{name:<{width}} {row.posts:>8,}  {first:<10}  {last:<10}  {synced}\n")
    return EXIT_OK


def _cmd_fetch(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.cli.fetch import fetch

    code = fetch(args, out)
    if code == EXIT_OK and args.expand_links:
        from linkratio.cli.expand import expand_named

        expand_named(args, args.handle)
    return code


def _cmd_config(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.cli.fetch import configure

    return configure(args, out)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input or usage)."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(
        level=logging.ERROR if getattr(args, "quiet", False) else logging.WARNING,
        format="linkratio: warning: %(message)s",
    )
    func: Callable[[argparse.Namespace, TextIO], int] = args.func
    try:
        return func(args, out)
    except LinkratioError as exc:
        if args.debug:
            raise
        from linkratio.render.text import terminal_safe

        # Messages can quote file content (JSON keys, handles): never let it drive the terminal.
        print(f"linkratio: error: {terminal_safe(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:
        # A reader such as `head` closed the pipe: not an error for us.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"linkratio: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("linkratio: interrupted", file=sys.stderr)
        return 130
