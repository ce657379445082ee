"""The `linkratio` command: parse, call the library, format, exit code. Nothing else."""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import TextIO

import orjson

from linkratio import __version__
from linkratio.errors import EmptyDataError, LinkratioError
from linkratio.model import Timeline
from linkratio.sources import FORMATS

EXIT_OK = 0
EXIT_USAGE = 2


class _Progress:
    """A count on stderr while reading, shown only on a terminal and never with --quiet."""

    def __init__(self, enabled: bool, stream: TextIO = sys.stderr) -> None:
        self.enabled = enabled and stream.isatty()
        self.stream = stream
        self.shown = False

    def __call__(self, count: int) -> None:
        if self.enabled:
            self.stream.write(f"\rreading... {count:,} posts")
            self.stream.flush()
            self.shown = True

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


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "path",
        metavar="PATH",
        help="X archive (.zip, folder or tweets.js) or saved X API v2 JSON/JSONL",
    )
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
    p.add_argument("--tz", metavar="ZONE", help="IANA time zone for days (default: the system's)")
    p.add_argument("--since", type=_date, metavar="DATE", help="first day to include (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, metavar="DATE", help="last day to include (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="print the summary as a JSON document")
    p.set_defaults(func=_cmd_audit)
    return parser


def _read(args: argparse.Namespace) -> Timeline:
    from linkratio.sources import read

    progress = _Progress(not args.quiet)
    try:
        timeline = read(
            args.path,
            input_format=args.input_format,
            progress=progress,
            skip_invalid=args.skip_invalid,
        )
    finally:
        progress.done()
    if not timeline.posts:
        raise EmptyDataError(f"{args.path}: no posts found (the data holds no tweets)")
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
                    label.reason,
                )
            )
        return EXIT_OK
    from linkratio.render import terminal_safe

    for post, label in rows:
        when = post.created_at.strftime("%Y-%m-%d %H:%M")
        cat = f"{label.category.value}/{label.kind.value}"
        out.write(f"{when}  {post.id:>20}  {cat:<23}  {terminal_safe(label.reason)}\n")
    return EXIT_OK


def _cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.analysis import summarize
    from linkratio.frame import to_frame
    from linkratio.render import render_json, render_text

    timeline = _read(args)
    frame = to_frame(timeline.posts)
    account = timeline.account.handle or timeline.account.id
    summary = summarize(frame, tz=args.tz, since=args.since, until=args.until, account=account)
    out.write(render_json(summary) if args.json else render_text(summary))
    out.write("\n")
    return EXIT_OK


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
        print(f"linkratio: error: {exc}", file=sys.stderr)
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
