"""`linkratio`: the parser, assembled from the command modules, and the one error mapping.

Each command module registers its commands (`register(sub)`); none imports another.
Every expected failure is a `LinkratioError` whose `exit_code` says how it ends; here it
becomes one line on stderr (no traceback unless `--debug`).
"""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

import linkratio.cli.challenge as challenge
import linkratio.cli.cohort as cohort
import linkratio.cli.expand as expand
import linkratio.cli.fetch as fetch
import linkratio.cli.files as files
import linkratio.cli.library as library
import linkratio.cli.library_admin as library_admin
import linkratio.cli.options as options
import linkratio.cli.schedule as schedule
import linkratio.cli.weekly as weekly
from linkratio import __version__
from linkratio.errors import LinkratioError

EXIT_INTERRUPTED = 130
COMMAND_GROUPS = (files, library, library_admin, fetch, expand, weekly, challenge, schedule, cohort)
"""The command modules, in the order their commands are listed."""


def build_parser() -> argparse.ArgumentParser:
    """The `linkratio` parser with every command the command modules register."""
    parser = argparse.ArgumentParser(
        prog="linkratio",
        description="How much of your social-media life is talking, and how much is linking.",
        epilog="example:\n  linkratio audit data/sample\n  linkratio classify twitter.zip",
        formatter_class=options.FORMATTER,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"linkratio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in COMMAND_GROUPS:
        group.register(sub)
    for command in sub.choices.values():
        command.allow_abbrev = False  # an option is named in full: no prefix matches it
        # Accepted after the command too; SUPPRESS keeps the top-level value otherwise.
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input or usage)."""
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    _log_to_stderr(logging.ERROR if getattr(args, "quiet", False) else logging.WARNING)
    func: Callable[[argparse.Namespace, TextIO], int] = args.func
    try:
        return func(args, out)
    except LinkratioError as exc:
        if args.debug:
            raise
        return _error(str(exc), exc.exit_code)
    except sqlite3.DatabaseError as exc:  # what the library file raised mid-command
        if args.debug:
            raise
        from linkratio.loading import library_failure

        failure = library_failure(exc, getattr(args, "db", None))
        return _error(str(failure), failure.exit_code)
    except BrokenPipeError:
        # A reader such as `head` closed the pipe: not an error for us.
        sys.stderr.close()
        return options.EXIT_OK
    except OSError as exc:
        if args.debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        return _error(f"{where}{exc.strerror or exc}", options.EXIT_USAGE)
    except KeyboardInterrupt:
        print("linkratio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


class TerminalLogHandler(logging.Handler):
    """Each log record as one `linkratio: warning:` line on the current stderr, made inert.

    Records quote files and servers (an X error's detail, a post id): whatever they hold,
    no escape sequence, control or bidi character reaches the terminal.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record as one inert line."""
        from linkratio.render.escape import terminal_safe

        try:
            message = terminal_safe(" ".join(record.getMessage().split()))
            sys.stderr.write(f"linkratio: {record.levelname.lower()}: {message}\n")
        except Exception:
            self.handleError(record)


def _log_to_stderr(level: int) -> None:
    """Send warnings (or only errors) to stderr through one `TerminalLogHandler`."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, TerminalLogHandler)]:
        root.removeHandler(handler)  # main() may run many times in one process
    handler = TerminalLogHandler(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)


def _error(message: str, code: int) -> int:
    """Say `message` in one line on stderr; return `code`."""
    from linkratio.render.escape import terminal_safe

    # Messages can quote file content (JSON keys, handles): never let it drive the terminal.
    print(f"linkratio: error: {terminal_safe(message)}", file=sys.stderr)
    return code
