"""Ctrl-C during `linkratio expand` under load: the stop is bounded and keeps what came in.

A request in flight may turn the stop's cancellation into an answer (a failed request),
as httpcore's anyio streams were seen to do under load. These tests put an expander that
always does so in the run's place and cancel the run as asyncio's Ctrl-C handler does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from linkratio.links import expand_run
from linkratio.links.expand import Counts, ExpandOptions
from linkratio.model import Resolution
from linkratio.net.netguard import Guard


class _Swallowing:
    """An expander whose requests never end by themselves and answer a cancellation."""

    started: list[str]
    closed: asyncio.Event
    stubborn = False
    """When set, a request ignores every cancellation until the expander is closed."""

    def __init__(self, options: ExpandOptions | None, guard: Guard | None) -> None:
        self.options = options or ExpandOptions()

    async def __aenter__(self) -> _Swallowing:
        return self

    async def __aexit__(self, *exc: object) -> None:
        type(self).closed.set()

    async def resolve(self, url: str) -> Resolution:
        """Wait (for ever); a cancellation becomes a failed result, as a library may make it."""
        type(self).started.append(url)
        while True:
            try:
                await type(self).closed.wait()
                break
            except asyncio.CancelledError:
                if not type(self).stubborn:
                    break
        if url.endswith("0"):  # an answer that came as the stop did: it is the link's
            return Resolution(url, url, 200, (url,), datetime.now(UTC))
        # A failure after the stop may be the stop's own doing: never recorded.
        return Resolution(url, None, None, (url,), datetime.now(UTC), error="ReadError")


async def _interrupted(urls: Sequence[str], saved: list[Resolution], busy: int) -> bool:
    """Run over `urls`, cancel the run once `busy` requests are in flight; True if it ended."""
    _Swallowing.started, _Swallowing.closed = [], asyncio.Event()
    batches = expand_run._Batches(saved.extend, 50, None, Counts(), len(urls))
    options = ExpandOptions(concurrency=busy // 2)
    run = asyncio.ensure_future(expand_run._run(urls, batches, options, None, 1.0))
    while len(_Swallowing.started) < busy:
        await asyncio.sleep(0)
    run.cancel()  # what asyncio.run does on SIGINT
    done, _ = await asyncio.wait({run}, timeout=120)  # a bound on a hang, not a timing check
    return run in done


URLS = [f"https://s{i % 7}.example/{i}" for i in range(40)]


def _answered(started: list[str]) -> list[str]:
    """Those of `started` the fake answers with a success."""
    return sorted(url for url in started if url.endswith("0"))


def test_no_url_is_taken_after_ctrl_c_and_answers_that_came_are_saved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(expand_run, "Expander", _Swallowing)
    monkeypatch.setattr(_Swallowing, "stubborn", False)
    saved: list[Resolution] = []
    assert asyncio.run(_interrupted(URLS, saved, busy=4))
    # The four requests in flight answered the cancellation; no worker took a fifth URL,
    # and the one success among them is saved.
    assert len(_Swallowing.started) == 4 and len(saved) == 1
    assert sorted(r.url for r in saved) == _answered(_Swallowing.started)


def test_a_request_that_ignores_every_cancel_is_ended_by_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(expand_run, "Expander", _Swallowing)
    monkeypatch.setattr(_Swallowing, "stubborn", True)
    monkeypatch.setattr(expand_run, "STOP_WAIT", 1.0, raising=False)
    saved: list[Resolution] = []
    # The stop cancels again until its deadline, then closes the expander: that ends
    # the requests still in flight, and their successes are saved.
    assert asyncio.run(_interrupted(URLS, saved, busy=4))
    assert len(_Swallowing.started) == 4 and len(saved) == 1
    assert sorted(r.url for r in saved) == _answered(_Swallowing.started)
