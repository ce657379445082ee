"""The progress line on stderr: shown only on a terminal, never with --quiet."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from linkratio.net.waiting import Waiter
from linkratio.render.escape import terminal_safe

if TYPE_CHECKING:
    from linkratio.links.expand import Counts


class Progress:
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
        """Show how many posts were read so far."""
        self.show(f"reading... {count:,} posts")

    def page(self, pages: int, posts: int, new: int) -> None:
        """Show a fetch's progress: requests made, posts read, new posts."""
        self.show(f"fetching... {pages:,} pages, {posts:,} posts read, {new:,} new ")

    def done(self) -> None:
        """Clear the progress line."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()


class ExpandProgress(Progress):
    """Resolved / cached / failed counts on stderr, on a terminal only and never with -q."""

    def __call__(self, counts: Counts, total: int) -> None:  # type: ignore[override]
        """Show how many of `total` links are done, and how."""
        done = counts.resolved + counts.failed + counts.refused
        self.show(
            f"expanding... {done:,}/{total:,} links: {counts.resolved:,} resolved, "
            f"{counts.cached:,} cached, {counts.failed:,} failed, {counts.refused:,} refused "
        )


class SafeWaiter(Waiter):
    """The API clients' `Waiter`, with the reason made inert: it may quote a server's words."""

    def on_wait(self, seconds: float, reason: str) -> None:
        """Say why the next sleep happens, in one line no server can turn into a command."""
        super().on_wait(seconds, terminal_safe(" ".join(reason.split())))
