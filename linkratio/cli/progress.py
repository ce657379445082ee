"""Progress on stderr (rich): counts, rate and time left; on a terminal only, never with -q.

The library reports progress through callbacks; each class here is one such callback,
drawing one rich progress display that is cleared when the work is done. rich is imported
on the first update only, so commands that never draw one never load it.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from linkratio.net.waiting import Waiter
from linkratio.render.escape import terminal_safe
from linkratio.wording import counted

if TYPE_CHECKING:
    from linkratio.links.expand import Counts

REDRAW = 0.1
"""Seconds between two drawings: a callback per post must not redraw per post."""


class Progress:
    """A progress display on stderr, shown only on a terminal and never with --quiet.

    Called with a count of posts read (`__call__`) or of a fetch's pages (`page`).
    """

    unit = "posts"
    """What the count counts (shown in the rate)."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr  # looked up now: tests swap sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self._bar: Any = None
        self._task: Any = None
        self._drawn = 0.0

    def update(self, description: str, completed: int, total: int | None = None) -> None:
        """Show `completed` (of `total`, when known) with `description` before it."""
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = _display(self.stream, self.unit, total is not None)
            self._bar.start()
            self._task = self._bar.add_task("", total=total)
        self._bar.update(
            self._task, description=terminal_safe(description), completed=completed, total=total
        )
        now = time.monotonic()
        if now - self._drawn >= REDRAW:
            self._bar.refresh()
            self._drawn = now

    def __call__(self, count: int) -> None:
        """Show how many posts were read so far."""
        self.update("reading", count)

    def page(self, pages: int, posts: int, new: int) -> None:
        """Show a fetch's progress: requests made, posts read, new posts."""
        self.update(f"fetching: {counted(pages, 'page')}, {new:,} new", posts)

    def done(self) -> None:
        """Draw the last counts, then clear the display."""
        if self._bar is not None:
            self._bar.refresh()
            self._bar.stop()
            self._bar = None


class ExpandProgress(Progress):
    """Links done of all, and how: resolved, cached, failed, refused."""

    unit = "links"

    def __call__(self, counts: Counts, total: int) -> None:  # type: ignore[override]
        """Show how many of `total` links are done, and how."""
        done = counts.resolved + counts.failed + counts.refused
        self.update(
            f"expanding: {counts.resolved:,} resolved, {counts.cached:,} cached, "
            f"{counts.failed:,} failed, {counts.refused:,} refused",
            done,
            total,
        )


class CohortProgress(Progress):
    """A cohort build: the parts done of all, and the posts written."""

    unit = "parts"

    def __call__(self, p: Any) -> None:  # type: ignore[override]
        """Show a `cohort.Progress`."""
        self.update(f"cohort build: {counted(p.posts, 'post')}", p.tasks_done, p.tasks_total)


class ReportProgress(Progress):
    """A report: the charts drawn of all."""

    unit = "charts"

    def __call__(self, done: int, total: int) -> None:  # type: ignore[override]
        """Show how many of the report's charts are drawn."""
        self.update("report: drawing charts", done, total)


def _display(stream: TextIO, unit: str, known: bool) -> Any:
    """A rich Progress drawing on `stream`: a bar and time left when the total is known."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.progress import Progress as RichProgress
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items per second."""

        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"- {unit}/s")

    columns: tuple[ProgressColumn, ...]
    if known:
        columns = (BarColumn(), MofNCompleteColumn(), Rate(), TimeRemainingColumn())
    else:
        columns = (
            SpinnerColumn(),
            TextColumn("{task.completed:,.0f}"),
            Rate(),
            TimeElapsedColumn(),
        )
    # Drawn when counts change (no refresh thread), and cleared when done (transient).
    return RichProgress(
        TextColumn("{task.description}", markup=False),
        *columns,
        console=Console(file=stream, force_terminal=True),
        auto_refresh=False,
        transient=True,
    )


class SafeWaiter(Waiter):
    """The API clients' `Waiter`, with the reason made inert: it may quote a server's words."""

    def on_wait(self, seconds: float, reason: str) -> None:
        """Say why the next sleep happens, in one line no server can turn into a command."""
        super().on_wait(seconds, terminal_safe(" ".join(reason.split())))
