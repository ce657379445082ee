"""Running the expander over many URLs: a fixed set of workers, results saved as they arrive.

`run` resolves a list of URLs (taken in turns by host), handing results to a save
function in small batches, so Ctrl-C keeps what was resolved; `expand_urls` does that for
the URLs a library's cache does not answer yet.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from linkratio.links import host
from linkratio.links.expand import Counts, Expander, ExpandOptions, Resolution

if TYPE_CHECKING:
    from linkratio.net.netguard import Guard
    from linkratio.store import Library

Save = Callable[[Sequence[Resolution]], None]
Progress = Callable[[Counts, int], None]


def run(
    urls: Sequence[str],
    save: Save,
    *,
    options: ExpandOptions | None = None,
    guard: Guard | None = None,
    progress: Progress | None = None,
    batch: int = 50,
    every: float = 1.0,
    counts: Counts | None = None,
) -> Counts:
    """Resolve `urls`, handing results to `save` in small batches as they arrive.

    A batch is saved every `batch` results or `every` seconds, and whatever is left when
    the run stops, Ctrl-C included: what was resolved is kept.
    """
    batches = _Batches(save, batch, progress, counts or Counts(), len(urls))
    asyncio.run(_run(urls, batches, options, guard, every))
    return batches.counts


@dataclass
class _Batches:
    """Collects results as the workers hand them in; saves them batch by batch."""

    save: Save
    size: int
    progress: Progress | None
    counts: Counts
    total: int
    ready: list[Resolution] = field(default_factory=list)
    last: float = field(default_factory=time.monotonic)

    def add(self, result: Resolution) -> None:
        """Count one result, show progress, save a full batch."""
        self.counts.add(result)
        self.ready.append(result)
        if len(self.ready) >= self.size:
            self.flush()
        if self.progress is not None:
            self.progress(self.counts, self.total)

    def flush(self) -> None:
        """Save what is waiting."""
        if self.ready:
            ready, self.ready, self.last = self.ready, [], time.monotonic()
            self.save(ready)


async def _run(
    urls: Sequence[str],
    batches: _Batches,
    options: ExpandOptions | None,
    guard: Guard | None,
    every: float,
) -> None:
    todo = _Todo(iter(_host_turns(urls)))
    workers: list[asyncio.Future[None]] = []
    try:
        async with Expander(options, guard) as expander:

            async def worker() -> None:
                # A fixed set of workers, not a task per URL: waiting on thousands of
                # tasks costs more CPU than the requests themselves.
                while (url := todo.take()) is not None:
                    result = await expander.resolve(url)
                    # A library may turn the stop's cancellation into an answer: `take`
                    # gives no next URL after the stop, and a failure then may be the
                    # stop's own doing (a closed connection): only a success is kept.
                    if not todo.stopped or result.error is None:
                        batches.add(result)

            # Twice as many workers as requests at once: while some wait for a busy
            # host's slot (holding no global one), the others keep the remaining hosts
            # busy. Never more than there are URLs: `--concurrency 100000000` must not
            # make 2e8 tasks.
            count = min(2 * expander.options.concurrency, len(urls))
            workers.extend(asyncio.ensure_future(worker()) for _ in range(count))
            try:
                running = set(workers)
                while running:
                    done, running = await asyncio.wait(running, timeout=every)
                    for task in done:
                        task.result()  # an unexpected error stops the run
                    if time.monotonic() - batches.last >= every:
                        batches.flush()
            finally:
                # Cancelled (Ctrl-C) or done: no URL is taken any more, what was resolved
                # is saved first, then the rest stops.
                todo.stopped = True
                batches.flush()
                await _stop(workers)
    finally:
        # The expander's connections are closed now: a request that outlived the stop's
        # deadline ends; what came in meanwhile is saved too.
        await _stop(workers)
        batches.flush()


STOP_WAIT = 10.0
"""Seconds the workers get to stop after Ctrl-C; then their connections are closed."""


@dataclass
class _Todo:
    """The URLs still to resolve, taken one at a time; none once the run is stopping."""

    urls: Iterator[str]
    stopped: bool = False

    def take(self) -> str | None:
        """The next URL, or None when there is none left or the run is stopping."""
        return None if self.stopped else next(self.urls, None)


async def _stop(workers: Sequence[asyncio.Future[None]]) -> None:
    """Cancel the workers and wait until each has stopped, cancelling again as needed.

    A request in flight can swallow a cancellation (seen with httpcore's anyio streams
    under load: Ctrl-C then waited for a slow server); asking again keeps Ctrl-C prompt.
    After `STOP_WAIT` seconds it stops waiting: closing the expander's
    connections then ends the requests still in flight, each within its own timeout.
    """
    deadline = time.monotonic() + STOP_WAIT
    pending = [task for task in workers if not task.done()]
    while pending and time.monotonic() < deadline:
        for task in pending:
            task.cancel()
        _, still = await asyncio.wait(pending, timeout=0.5)
        pending = list(still)
    for task in workers:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a worker's error after Ctrl-C is not reported


def _host_turns(urls: Sequence[str]) -> list[str]:
    """`urls` taken in turns by host: one host's links (a slow one's) do not come in a block."""
    queues: dict[str, list[str]] = {}
    for url in urls:
        queues.setdefault(host(url), []).append(url)
    turns = itertools.zip_longest(*queues.values())
    return [url for turn in turns for url in turn if url is not None]


def expand_urls(
    library: Library,
    urls: Sequence[str],
    *,
    options: ExpandOptions | None = None,
    guard: Guard | None = None,
    progress: Progress | None = None,
) -> Counts:
    """Resolve those of `urls` the library's cache does not answer, saving as they arrive."""
    from linkratio.store import links as store_links

    retry_failed = options is not None and options.retry_failed
    due = store_links.due(library, urls, now=datetime.now(UTC), retry_failed=retry_failed)
    counts = Counts(cached=due.cached, failed_before=due.failed_before, next_try=due.next_try)
    if progress is not None:
        progress(counts, len(due.todo))
    if due.todo:
        run(
            due.todo,
            lambda batch: store_links.save(library, batch),
            options=options,
            guard=guard,
            progress=progress,
            counts=counts,
        )
    return counts
