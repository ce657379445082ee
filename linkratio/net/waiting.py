"""Visible waiting for API clients: a countdown on a terminal, a line per wait otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Waiter:
    """Sleeps for an API client, showing a countdown (a line per wait when not a terminal).

    Without `stream` it writes to `sys.stderr` as it is when the waiter is made, not as
    it was when this module was imported (tests and `cli.main` swap it).
    """

    def __init__(self, quiet: bool, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.stream = stream if stream is not None else sys.stderr
        self.reason = "waiting"

    def on_wait(self, seconds: float, reason: str) -> None:
        """Remember why the next sleep happens and say so once."""
        self.reason = reason
        if not self.quiet and not self.stream.isatty():
            self.stream.write(f"linkratio: {reason}: waiting {seconds:.0f}s\n")

    def sleep(self, seconds: float) -> None:
        """Sleep `seconds`, updating a countdown on a terminal."""
        if self.quiet or not self.stream.isatty():
            time.sleep(seconds)
            return
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.stream.write(f"\r{self.reason}: resuming in {left:4.0f}s ")
            self.stream.flush()
            time.sleep(min(1.0, left))
        self.stream.write("\r\033[K")
