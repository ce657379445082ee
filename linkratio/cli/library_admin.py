"""`linkratio library check` and `linkratio library backup`: keep the library file healthy."""

from __future__ import annotations

import argparse
from typing import TextIO

import linkratio.cli.options as options

EXIT_DAMAGED = 1


_LIBRARY_DOC = """Upkeep of the library file: an integrity check and an online backup.

examples:
  linkratio library check
  linkratio library backup ~/backups/linkratio.sqlite
"""


def register(sub: options.SubParsers) -> None:
    """Add the `library` command group: check, backup."""
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
            where = lib.path
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
    the copy appears only once complete.

    example:
      linkratio library backup ~/backups/
    """
    with options.library(args) as lib:
        copy = lib.backup(args.dest)
    if not args.quiet:
        out.write(f"library backed up to {copy}\n")
    return options.EXIT_OK
