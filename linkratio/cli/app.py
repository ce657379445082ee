"""`linkratio`: the parser, assembled from the command modules, and the one error mapping.

Each command module registers its commands (`register(sub)`); none imports another.
Every expected failure is a `LinkratioError` whose `exit_code` says how it ends; here it
becomes one line on stderr (no traceback unless `--debug`).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeGuard, cast

import linkratio.cli.options as options
from linkratio._version import __version__
from linkratio.errors import DiskError, LinkratioError

if TYPE_CHECKING:
    import sqlite3

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd stopping the job, `timeout`, a shutdown), raised where Python runs
    next: the run ends as after Ctrl-C, every temporary file and transaction undone."""


def _terminate(signum: int, frame: object) -> None:
    """The SIGTERM handler of a command: once; a second SIGTERM ends the process at once."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise Terminated


def _modules(argv: Sequence[str] | None) -> set[str]:
    """The command modules to load: the one of the command `argv` names (all for None).

    Only that module (and what it imports) loads, so `linkratio --version`, `--help` and a
    mistyped command start in a blink; the others are listed from `options.COMMANDS`.
    """
    if argv is None:
        return {module for module, _ in options.COMMANDS.values()}
    word = next((arg for arg in argv if not arg.startswith("-")), None)
    return {options.COMMANDS[word][0]} if word in options.COMMANDS else set()


_INVALID_CHOICE = re.compile(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)$")
_UNRECOGNIZED = "unrecognized arguments: "


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors say "did you mean" for a mistyped command or option.

    Every command's parser is one too (subparsers take the class of their parent). Python
    3.12 has `suggest_on_error`; this works on 3.11 and for options as well.
    """

    argv: list[str] = []
    """The words being parsed (set by `main`), to find which command an option was for."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message, with a suggestion when one is close; exit 2.

        An unknown option is reported by the top parser (argparse 3.11): the command it was
        given to says it instead, with its own usage line.
        """
        command = self._command() if message.startswith(_UNRECOGNIZED) else self
        if command is not self:
            command.error(message)
        from linkratio.render.escape import usage_safe  # no token typed by mistake is shown

        super().error(usage_safe(self._suggest(message)))

    def _suggest(self, message: str) -> str:
        found = _INVALID_CHOICE.match(message)
        if found:
            what, word, listed = found.groups()
            choices = re.findall(r"'([^']*)'", listed)
            if what in ("COMMAND", "ACTION", "SUBCOMMAND"):
                hint = did_you_mean(word, choices) or f" (see '{self.prog} --help')"
                return f"unknown command {word!r}{hint}"
            return message + did_you_mean(word, choices)
        if message.startswith(_UNRECOGNIZED):
            words = message.removeprefix(_UNRECOGNIZED).split()
            typo = next((w.split("=", 1)[0] for w in words if w.startswith("--")), None)
            if typo is not None:
                known = [o for a in self._actions for o in a.option_strings]
                return message + did_you_mean(typo, [o for o in known if o.startswith("--")])
        return message

    def _command(self) -> Parser:
        """The deepest (sub)command parser that `argv` names, from this one down."""
        parser: Parser = self
        words = [w for w in self.argv if not w.startswith("-")]
        while True:
            subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
            named = next((s.choices[w] for s in subs for w in words if w in s.choices), None)
            if not isinstance(named, Parser):
                return parser
            parser = named


def did_you_mean(word: str, choices: list[str]) -> str:
    """`; did you mean 'audit'?` when a choice is close to `word`, else an empty string."""
    import difflib

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Parser(Parser):
    """`Parser`, whose `--help` and `--version` raise a write error on stdout.

    argparse drops it, and `linkratio --help > /dev/full` exited 0: `main` says it in one
    line and exits 74. On stderr (usage errors) it stays dropped, as in argparse.
    """

    def _print_message(self, message: str, file: Any = None) -> None:
        if file is None or file is sys.stderr:
            super()._print_message(message, file)
        elif message:
            file.write(message)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The `linkratio` parser: every command, loaded when `argv` names it (all for None)."""
    parser = _Parser(
        prog="linkratio",
        description="How much of your social-media life is talking, and how much is linking.",
        epilog="example:\n  linkratio audit data/sample\n  linkratio classify twitter.zip",
        formatter_class=options.FORMATTER,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"linkratio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted, loaded = _modules(argv), set()
    for name, (module, line) in options.COMMANDS.items():
        if module not in wanted:
            sub.add_parser(name, help=line)  # listed; its options load when it is named
        elif module not in loaded:
            importlib.import_module(f"linkratio.cli.{module}").register(sub)
            loaded.add(module)
    for command in _below(parser):
        command.allow_abbrev = False  # an option is named in full: no prefix matches it
        # Accepted after the command too; SUPPRESS keeps the top-level value otherwise.
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
    return parser


def _below(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command parser under `parser`: `audit`, `library`, `library check`, ..."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in action.choices.values():
                yield command
                yield from _below(command)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 2 bad input or usage)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    Parser.argv = argv  # for "did you mean": which command an unknown option was for
    debug = "--debug" in argv
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help or --version: what they printed must reach stdout
        if done.code not in (0, None):
            raise
        raise SystemExit(_settle_stdout(options.EXIT_OK, debug)) from None
    except OSError as exc:  # they could not write it
        raise SystemExit(_settle_stdout(_write_failed(exc, debug), debug)) from None
    if out is None and isinstance(sys.stdout, io.TextIOWrapper):
        # A character stdout's encoding lacks (ASCII, Latin-1, a Windows code page) is
        # replaced: never a UnicodeEncodeError traceback halfway through the output.
        sys.stdout.reconfigure(errors="replace")
    out = out or sys.stdout or cast(TextIO, _Closed())  # None: stdout closed (`>&-`)
    from linkratio.cli.logs import log_to_stderr
    from linkratio.net.redact import REDACTOR

    REDACTOR.hide_typed(argv)  # a token typed in a value's place: quoted by no error or warning

    quiet_logs = log_to_stderr(quiet=getattr(args, "quiet", False))
    func: Callable[[argparse.Namespace, TextIO], int] = args.func
    try:
        return _settle_stdout(_run(func, args, out), args.debug)
    finally:  # the library used after main (a notebook) hides none of it, says its warnings
        REDACTOR.hide_typed(())
        quiet_logs()


def _run(
    func: Callable[[argparse.Namespace, TextIO], int], args: argparse.Namespace, out: TextIO
) -> int:
    """Run the command; every expected failure becomes one line on stderr and an exit code."""
    try:
        with _sigterm_caught():
            return _outcome(func, args, out)
    except Terminated:  # just after the handler was set, or as it was set back
        return _terminated()


def _terminated() -> int:
    """Say that SIGTERM ended the run; its exit code."""
    print("linkratio: terminated", file=sys.stderr)
    return EXIT_TERMINATED


@contextlib.contextmanager
def _sigterm_caught() -> Iterator[None]:
    """SIGTERM raises `Terminated` while a command runs, in the main thread, unless the
    program that called `main` set a handler of its own (then it is left alone)."""
    import signal
    import threading

    ours = threading.current_thread() is threading.main_thread()
    ours = ours and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if ours:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        if ours:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _outcome(
    func: Callable[[argparse.Namespace, TextIO], int], args: argparse.Namespace, out: TextIO
) -> int:
    """The command's exit code, or the code and one line of the failure that ended it."""
    try:
        return func(args, out)
    except Terminated:
        return _terminated()
    except LinkratioError as exc:
        if args.debug:
            raise
        return _error(str(exc), exc.exit_code)
    except OSError as exc:
        return _write_failed(exc, args.debug)
    except KeyboardInterrupt:
        print("linkratio: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug or not _from_sqlite(exc):
            raise
        from linkratio.loading import library_failure

        failure = library_failure(exc, getattr(args, "db", None))
        return _error(str(failure), failure.exit_code)


def _write_failed(exc: OSError, debug: bool) -> int:
    """The exit code of an OSError, said in one line (a closed pipe is no error)."""
    if isinstance(exc, BrokenPipeError):
        # A reader such as `head` closed the pipe: not an error for us.
        sys.stderr.close()
        return options.EXIT_OK
    if debug:
        raise exc
    full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    where = f"{exc.filename}: " if exc.filename else "standard output: " if full else ""
    # A full or read-only disk is a file that could not be written (74, as DiskError),
    # not bad input.
    unwritable = full or exc.errno == errno.EROFS
    code = DiskError.exit_code if unwritable else options.EXIT_USAGE
    return _error(f"{where}{exc.strerror or exc}", code)


def _settle_stdout(code: int, debug: bool) -> int:
    """Flush stdout before exiting with `code`, so a write error on it is said here.

    Python would flush it at exit instead, print "Exception ignored" and exit 120: a full
    disk under stdout is exit 74 in one line, as for any command. Once stdout failed, what
    it still buffers goes to /dev/null (it cannot fail a second time at exit).
    """
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        _drop_stdout()
        return code if code != options.EXIT_OK else _write_failed(exc, debug)
    return code


class _Closed(io.TextIOBase):
    """Stands in for a closed stdout: a command's first write says so (one line, exit 2)."""

    def write(self, text: str) -> int:
        """Refuse: there is no standard output to write to."""
        raise OSError(errno.EBADF, "standard output is closed")


def _drop_stdout() -> None:
    """Point file descriptor 1 at /dev/null (stdout may be no file at all: then nothing)."""
    with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)


def _from_sqlite(exc: Exception) -> TypeGuard[sqlite3.DatabaseError]:
    """Whether the library file raised `exc` (sqlite3 is loaded only by commands using it)."""
    sqlite3 = sys.modules.get("sqlite3")
    return sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError)


def _error(message: str, code: int) -> int:
    """Say `message` in one line on stderr; return `code`."""
    from linkratio.net.redact import REDACTOR
    from linkratio.render.escape import terminal_safe

    message = REDACTOR.mask(message)  # a secret a client registered or the user typed
    # Messages can quote file content (JSON keys, handles): never let it drive the terminal.
    print(f"linkratio: error: {terminal_safe(message)}", file=sys.stderr)
    return code
