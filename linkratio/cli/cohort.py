"""The `cohort` command group (build, summary, report, sql): parse, call, print."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import linkratio.cli.options as options
from linkratio.render.escape import terminal_safe
from linkratio.wording import counted

_COHORT_DOC = """Analyse many accounts at once. 'build' reads archives, saved X/twarc2 JSONL,
Bluesky and Mastodon responses and library accounts into a Parquet dataset (needs pip install
'linkratio[cohort]'); the other commands query it.

example:
  linkratio cohort build tweets/*.jsonl --out cohort/
  linkratio cohort summary cohort/ --csv accounts.csv
  linkratio cohort report cohort/ --out cohort.html
"""


def register(sub: options.SubParsers) -> None:
    """Add the `cohort` command group and its subcommands."""
    group = options.command(sub, "cohort", None, doc=_COHORT_DOC)
    commands = group.add_subparsers(dest="cohort_command", metavar="SUBCOMMAND", required=True)
    _register_build(commands)
    for name, func, line, epilog in _QUERIES:
        p = options.command(commands, name, func, help=line, doc=f"{line}\n\n{epilog}")
        p.add_argument("dir", metavar="DIR", help="a folder made by 'linkratio cohort build'")
        if name == "sql":
            p.add_argument("query", metavar="SQL", help="a query over posts (columns: see README)")
        if name == "report":
            p.add_argument("--out", required=True, metavar="FILE", help="the HTML file to write")
            p.add_argument(
                "--top", type=options.positive, default=15, metavar="N", help="top sites shown (15)"
            )
        else:
            _add_output(p)
        if name != "sql":
            _add_period(p)
        quiet = (
            "print nothing on success" if name == "report" else "no warnings; --csv FILE: silent"
        )
        options.add_quiet(p, help=quiet)


def _add_period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--tz", metavar="ZONE", default="UTC", help="IANA zone for days (default UTC)")
    p.add_argument("--since", type=options.parse_date, metavar="DATE", help="first day to include")
    p.add_argument("--until", type=options.parse_date, metavar="DATE", help="last day to include")
    p.add_argument(
        "--min-posts", type=options.positive, default=1, metavar="N", help="accounts with N+ posts"
    )


_NAMES: dict[str, str] = {
    "out_dir": "--out",
    "engine": "--engine",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "db": "--db",
    "since": "--since",
    "until": "--until",
}
"""The option that sets each parameter of the cohort's functions: how their errors name it."""


def _period(args: argparse.Namespace) -> dict[str, Any]:
    """The period options as keyword arguments of the cohort's query functions."""
    period = {"tz": args.tz, "since": args.since, "until": args.until}
    return {**period, "min_posts": args.min_posts, "names": _NAMES}


def _register_build(commands: options.SubParsers) -> None:
    p = options.command(
        commands,
        "build",
        _cmd_build,
        help="read inputs into a Parquet dataset (only what changed since the last build)",
    )
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="X archives, saved X v2 / twarc2 JSONL, Bluesky or Mastodon JSON, globs "
        "(quoted), or library accounts (@handle, bsky:HANDLE, mastodon:@user@host)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="the dataset folder")
    p.add_argument("--all-accounts", action="store_true", help="every account in the library")
    p.add_argument("--db", metavar="PATH", help="the library file for accounts")
    p.add_argument("--engine", choices=("local", "dask"), default="local", help="default local")
    p.add_argument(
        "--workers", type=options.positive, metavar="N", help="processes (default: cores)"
    )
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler")
    options.add_skip_invalid(p)
    options.add_quiet(p, help="print nothing on success")


def _add_output(p: argparse.ArgumentParser) -> None:
    how = p.add_mutually_exclusive_group()
    how.add_argument("--json", action="store_true", help="print a JSON array of objects")
    how.add_argument("--csv", metavar="FILE", help="write CSV to FILE ('-' for stdout)")


# --- handlers -------------------------------------------------------------------------------


def _cmd_build(args: argparse.Namespace, out: TextIO) -> int:
    """Read every input into DIR as Parquet partitioned by platform and month. A rebuild reads only
    new or changed inputs, and drops inputs no longer named.

    example:
      linkratio cohort build 'tweets/*.jsonl' @me --out cohort/
    """
    from linkratio.cli.progress import CohortProgress
    from linkratio.cohort import build
    from linkratio.errors import InputError

    if not args.inputs and not args.all_accounts:
        raise InputError("name at least one INPUT, or give --all-accounts")
    bar = CohortProgress(not args.quiet)
    try:
        result = build(
            args.inputs,
            args.out,
            engine=args.engine,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=bar,
            db=args.db,
            all_accounts=args.all_accounts,
            skip_invalid=args.skip_invalid,
            names=_NAMES,
        )
    finally:
        bar.done()
    if args.quiet:
        return 0
    where = terminal_safe(str(result.out_dir))
    out.write(
        f"{where}: {result.inputs:,} input{'s' * (result.inputs != 1)} "
        f"({len(result.rebuilt):,} read, "
        f"{result.unchanged:,} unchanged, {result.removed:,} removed), "
        f"{counted(result.posts, 'post')} written in {result.seconds:.1f} s\n"
    )
    return 0


def _cmd_summary(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.cohort import summary

    table = summary(args.dir, **_period(args))
    columns = [str(c) for c in table.columns]
    _emit(args, out, columns, list(table.itertuples(index=False, name=None)))
    return 0


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.cohort import write_report

    path = write_report(args.dir, args.out, top=args.top, **_period(args))
    if not args.quiet:
        out.write(f"wrote {terminal_safe(str(path))}\n")
    return 0


def _cmd_sql(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.cohort.query import sql_batches

    with sql_batches(args.dir, args.query) as (columns, batches):
        _emit(args, out, columns, itertools.chain.from_iterable(batches))
    return 0


# --- output ---------------------------------------------------------------------------------


def _emit(args: argparse.Namespace, out: TextIO, columns: list[str], rows: Iterable[Any]) -> None:
    """Write the rows as asked, as they come: a JSON array, CSV (a file or stdout), or a table."""
    from linkratio.render.files import atomic_text
    from linkratio.render.rows import write_csv, write_json, write_table

    if args.json:
        write_json(out, columns, rows)
        out.write("\n")
    elif args.csv == "-":
        write_csv(out, columns, rows)
    elif args.csv:
        with atomic_text(Path(args.csv).expanduser(), newline="") as fh:
            count = write_csv(fh, columns, rows)
        if not args.quiet:
            out.write(f"wrote {counted(count, 'row')} to {terminal_safe(args.csv)}\n")
    else:
        write_table(out, columns, rows)


_QUERIES: tuple[tuple[str, options.Handler, str, str], ...] = (
    (
        "summary",
        _cmd_summary,
        "one row per account: counts, talk share, talk-to-link, talk-only days, top site",
        "example:\n  linkratio cohort summary cohort/ --csv accounts.csv",
    ),
    (
        "report",
        _cmd_report,
        "write a self-contained HTML report",
        "example:\n  linkratio cohort report cohort/ --out cohort.html",
    ),
    (
        "sql",
        _cmd_sql,
        "run DuckDB SQL over the view 'posts'",
        "example:\n  linkratio cohort sql cohort/ "
        '"SELECT site, count(*) FROM posts GROUP BY site ORDER BY 2 DESC LIMIT 10"',
    ),
)
"""The subcommands that query a built cohort: name, function, one-line help, examples."""
