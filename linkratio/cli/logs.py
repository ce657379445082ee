"""Log records on the terminal: one inert `linkratio: warning:` line each."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable


class TerminalLogHandler(logging.Handler):
    """Each log record as one `linkratio: warning:` line on the current stderr, made inert.

    Records quote files and servers (an X error's detail, a post id): whatever they hold,
    no escape sequence, control or bidi character reaches the terminal.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record as one inert line."""
        from linkratio.net.redact import REDACTOR
        from linkratio.render.escape import terminal_safe

        try:  # no secret a client registered or the user typed (a --db that is a token)
            message = terminal_safe(REDACTOR.mask(" ".join(record.getMessage().split())))
            sys.stderr.write(f"linkratio: {record.levelname.lower()}: {message}\n")
        except Exception:
            self.handleError(record)


def log_to_stderr(*, quiet: bool = False) -> Callable[[], None]:
    """Send warnings (only errors when `quiet`) to stderr through one `TerminalLogHandler`;
    the function returned takes it away again and puts back the root logger's level (a
    notebook that ran `main(["...", "-q"])` would see no warning of the library after it)."""
    level = logging.ERROR if quiet else logging.WARNING
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, TerminalLogHandler)]:
        root.removeHandler(handler)  # main() may run many times in one process
    before = root.level
    handler = TerminalLogHandler(level)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)

    def restore() -> None:
        root.removeHandler(handler)
        root.setLevel(before)

    return restore
