"""`linkratio classify`, `audit` and `report`: what an account's posts are, and a summary."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options

if TYPE_CHECKING:
    from collections.abc import Collection

    import pandas as pd


def register(sub: options.SubParsers) -> None:
    """Add the classify, audit and report commands."""
    _register_classify(sub)
    _register_audit(sub)
    _register_report(sub)


def _register_classify(sub: options.SubParsers) -> None:
    p = options.command(sub, "classify", classify)
    options.add_input(p)
    p.add_argument(
        "--output",
        choices=("table", "jsonl", "csv"),
        default="table",
        help="table for people; jsonl/csv (platform,id,created_at,category,kind,reason) "
        "for scripts",
    )
    p.add_argument(
        "--with-author", action="store_true", help="jsonl/csv: add the author's account as 'author'"
    )
    _add_author(p)


def _register_audit(sub: options.SubParsers) -> None:
    p = options.command(sub, "audit", audit)
    options.add_input(p)
    _add_author(p)
    options.add_period(p)
    p.add_argument("--json", action="store_true", help="print the summary as a JSON document")
    options.add_clock(p, tz=False)  # the hidden --now: the nudge names a day after today


def _register_report(sub: options.SubParsers) -> None:
    p = options.command(sub, "report", report)
    options.add_input(p)
    _add_author(p)
    options.add_period(p)
    p.add_argument(
        "--out",
        metavar="DIR",
        default="linkratio-report",
        help="output folder (default: ./linkratio-report)",
    )
    p.add_argument("--open", action="store_true", help="open the report in the browser")
    p.add_argument(
        "--year",
        type=_year,
        metavar="YYYY",
        help="the calendar year the calendar chart shows (default: the 12 months ending "
        "with the last post's month)",
    )
    options.add_expand_links(p)


def _year(value: str) -> int:
    """An argparse type: a calendar year as YYYY (the chart checks its range)."""
    if len(value) != 4 or not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(f"invalid year {value!r}: expected YYYY, e.g. 2024")
    return int(value)


def _add_author(p: argparse.ArgumentParser) -> None:
    """--author NAME: one author's posts of a file that holds several."""
    p.add_argument(
        "--author",
        metavar="NAME",
        help="of a file with posts by several accounts (a search, a hashtag timeline), "
        "only those of NAME (@handle, bsky:HANDLE, mastodon:@user@instance)",
    )


def classify(args: argparse.Namespace, out: TextIO) -> int:
    """List every post in time order with its category, kind and the rule that decided it.

    examples:
      linkratio classify data/sample
      linkratio classify twitter-2024.zip --output jsonl > labels.jsonl
    """
    from linkratio.render.listing import write_keyed_labels, write_labels
    from linkratio.verdicts import archive_labels, owner_name

    fast = options.read_input(args, archive_labels) if args.author is None else None
    if fast is not None:  # an X archive, labelled without keeping its posts
        who = owner_name(fast.account)
        write_keyed_labels(fast.rows, out, args.output, with_author=args.with_author, author=who)
        return options.EXIT_OK
    from linkratio.authors import author_name
    from linkratio.classify import classify as label
    from linkratio.loading import read_timeline

    timeline = options.read_input(args, read_timeline, freeze=True, author=args.author, lean=True)
    rows = ((post, label(post)) for post in timeline.posts)  # not frame.labelled: no pandas
    write_labels(rows, out, args.output, with_author=args.with_author, author=author_name(timeline))
    return options.EXIT_OK


def _frame(
    args: argparse.Namespace, columns: Collection[str] | None = None
) -> tuple[pd.DataFrame, str | None]:
    """The classified posts the command names (with `columns`: at least those), and the
    owner's name."""
    from linkratio.loading import load_frame, owner_name

    frame, account = options.read_input(
        args, load_frame, freeze=True, author=args.author, columns=columns
    )
    return frame, owner_name(account)


def audit(args: argparse.Namespace, out: TextIO) -> int:
    """Audit an account: talk share, talk-to-link, talk-only days and streaks, weekly talk share,
    top sites, people you talk with, and a nudge.

    examples:
      linkratio audit data/sample
      linkratio audit twitter.zip --tz Europe/Berlin --since 2024-01-01 --json
    """
    from linkratio.analysis import SUMMARY_COLUMNS, summarize
    from linkratio.render.text import render_json, render_text

    frame, name = _frame(args, SUMMARY_COLUMNS)
    summary = summarize(
        frame,
        tz=args.tz,
        since=args.since,
        until=args.until,
        account=name,
        now=options.now_of(args),
    )
    out.write(render_json(summary) if args.json else render_text(summary))
    out.write("\n")
    return options.EXIT_OK


def report(args: argparse.Namespace, out: TextIO) -> int:
    """Write a self-contained report.html (charts embedded), report.md, the chart PNGs and
    summary.json into a folder.

    examples:
      linkratio report data/sample --out report
      linkratio report @marenbuilds --since 2024-01-01 --open
    """
    from linkratio.cli.progress import ReportProgress
    from linkratio.render.report import write_report

    if args.expand_links:
        from linkratio.expansion import require_account_name

        options.expand_after(args, require_account_name(str(args.path)))
    frame, name = _frame(args)
    progress = ReportProgress(not args.quiet)
    try:
        files = write_report(
            frame,
            args.out,  # as given: Path("") would be the current folder
            tz=args.tz,
            since=args.since,
            until=args.until,
            account=name,
            year=args.year,
            progress=progress,
        )
    finally:
        progress.done()
    from linkratio.render.escape import terminal_safe

    where = terminal_safe(str(files.html))  # --out may name any folder
    if not args.quiet:
        out.write(f"report written to {where}\n")
    if args.open:
        import webbrowser

        if not webbrowser.open(files.html.resolve().as_uri()):
            sys.stderr.write(f"linkratio: no browser found to open {where}: open it by hand\n")
    return options.EXIT_OK
