"""`linkratio library check`, `backup` and `reread`: keep the library file healthy and current."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options

if TYPE_CHECKING:
    from linkratio.model import Account
    from linkratio.store import Reread

EXIT_DAMAGED = 1


_LIBRARY_DOC = """Upkeep of the library file: an integrity check, an online backup, and reading
stored posts again after an upgrade.

examples:
  linkratio library check
  linkratio library backup ~/backups/linkratio.sqlite
  linkratio library reread @yourhandle
"""


def register(sub: options.SubParsers) -> None:
    """Add the `library` command group: check, backup, reread."""
    group = options.command(sub, "library", None, doc=_LIBRARY_DOC)
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = options.command(
        actions,
        "check",
        check,
        help="check every page, index and reference of the library (exit 1: damaged)",
    )
    options.add_db(p)
    options.add_quiet(p, help="no warnings (the findings are still printed)")
    p = options.command(
        actions,
        "backup",
        backup,
        help="copy the library to PATH, consistently, even while another run writes",
    )
    p.add_argument("dest", metavar="PATH", help="the copy: a file, or a folder to put it in")
    options.add_db(p)
    options.add_quiet(p, help="print nothing on success")
    p = options.command(
        actions,
        "reread",
        reread,
        help="read stored posts again from their JSON with this linkratio's readers",
    )
    p.add_argument(
        "accounts",
        metavar="ACCOUNT",
        nargs="*",
        help="@handle, bsky:HANDLE or mastodon:@user@instance (default: every account)",
    )
    options.add_run(p, quiet="no progress, no summary (posts that cannot be read are named)")


def check(args: argparse.Namespace, out: TextIO) -> int:
    """Run SQLite's integrity and foreign-key checks on the library, and check the type of every
    value the commands read. Exit 0 when it is sound, 1 with the problems listed when it is damaged.

    example:
      linkratio library check --db ~/linkratio.sqlite
    """
    from linkratio.errors import LibraryDamagedError
    from linkratio.loading import library_path
    from linkratio.render.escape import terminal_safe
    from linkratio.store.maintenance import check_advice

    try:
        with options.library(args) as lib:
            problems = lib.check()
            where = terminal_safe(str(lib.path))  # LINKRATIO_DB may name any file
    except LibraryDamagedError as e:  # too damaged to be opened: that is the finding
        finding = str(e).replace(check_advice(library_path(args.db)), "")  # this is the check
        out.write(f"{terminal_safe(finding)}\n")
        return EXIT_DAMAGED
    if not problems:
        out.write(f"{where}: sound\n")
        return options.EXIT_OK
    out.write(f"{where}: damaged: restore a backup or re-import\n")
    out.writelines(f"  {terminal_safe(problem)}\n" for problem in problems)
    return EXIT_DAMAGED


def backup(args: argparse.Namespace, out: TextIO) -> int:
    """Copy the library with SQLite's online backup into PATH (a file, or a folder to put it in);
    the copy appears only once complete and checked as `library check` checks: a damaged
    library is exit 74 and leaves PATH as it was.

    example:
      linkratio library backup ~/backups/
    """
    from linkratio.render.escape import terminal_safe

    with options.library(args) as lib:
        copy = lib.backup(args.dest)
    if not args.quiet:
        out.write(f"library backed up to {terminal_safe(str(copy))}\n")
    return options.EXIT_OK


def reread(args: argparse.Namespace, out: TextIO) -> int:
    """Read the stored posts that an older linkratio read again, from the JSON the library kept,
    with this linkratio's readers, so old posts count as a fresh import would count them.
    Posts saved without their JSON are left as they are; a post whose JSON cannot be read is
    named and kept as stored. An interruption keeps what was done: run it again to go on.

    examples:
      linkratio library reread
      linkratio library reread @yourhandle --quiet
    """
    from linkratio.accounts import account_name, find
    from linkratio.cli.progress import Progress
    from linkratio.render.escape import terminal_safe

    progress = Progress(not args.quiet)

    def show(done: Reread) -> None:
        name = account_name(_account_of(done))
        progress.update(f"re-reading {name}", done.done, done.due)

    try:
        with options.library(args) as lib, lib.run_lock("library reread", wait=args.wait):
            named = [find(lib, name) for name in args.accounts] if args.accounts else None
            results = lib.reread(named, progress=show)
    finally:
        progress.done()
    for done in results:
        name = terminal_safe(account_name(_account_of(done)))
        out.writelines(
            f"{name}: post {terminal_safe(post_id)} could not be read again ({terminal_safe(why)});"
            " kept as stored\n"
            for post_id, why in done.failed
        )
        if done.failures > len(done.failed):
            out.write(
                f"{name}: {done.failures - len(done.failed):,} more posts could not be read\n"
            )
        if not args.quiet and (named is not None or _tried(done)):
            out.write(_result_line(name, done))
    if not args.quiet and named is None and not any(map(_tried, results)):
        out.write(_nothing_line(sum(done.no_json for done in results)))
    return options.EXIT_OK


def _tried(done: Reread) -> bool:
    """Whether a post of the account was read again (or tried): posts without stored JSON
    are due for ever, and a run over every account does not name them again each time."""
    return bool(done.read or done.failures)


def _nothing_line(no_json: int) -> str:
    """What `library reread` of every account says when it had no post to read again."""
    if not no_json:
        return "every stored post was read by this linkratio's readers: nothing to re-read\n"
    have = "has" if no_json == 1 else "have"
    return f"nothing to re-read: {no_json:,} older posts {have} no stored JSON (kept as stored)\n"


def _account_of(done: Reread) -> Account:
    from linkratio.model import Account

    return Account(done.platform, done.account_id, done.handle)


def _result_line(name: str, done: Reread) -> str:
    """`re-read 12,345 posts of @x: 321 changed, 40 have no stored JSON`."""
    from linkratio.wording import counted

    parts = [f"{done.changed:,} changed"]
    if done.no_json:
        parts.append(f"{done.no_json:,} {'has' if done.no_json == 1 else 'have'} no stored JSON")
    if done.failures:
        parts.append(f"{done.failures:,} could not be read")
    return f"re-read {counted(done.read, 'post')} of {name}: {', '.join(parts)}\n"
