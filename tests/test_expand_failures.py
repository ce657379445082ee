"""Expansion when hosts misbehave: lookups that hang, dead hosts, odd answers, TLS pinning.

Real HTTP(S) servers on 127.0.0.1 through real httpx; host names other than 127.0.0.1
and localhost exist only in the guard's resolver given by each test.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fakes.base import self_signed
from fakes.links import FakeSite, Route, Tally

from linkratio.frame import Library
from linkratio.links.expand import BREAKER, Expander, ExpandOptions, Resolution
from linkratio.links.expand_run import run
from linkratio.net import netguard
from linkratio.net.netguard import Guard, pinned_transport
from linkratio.store import links as store_links


def _resolve(
    urls: list[str], guard: Guard, context: ssl.SSLContext | None = None, **options: float
) -> list[Resolution]:
    async def go() -> list[Resolution]:
        opts = ExpandOptions(**options)  # type: ignore[arg-type]
        async with Expander(opts, guard, context) as expander:
            return list(await asyncio.gather(*(expander.resolve(u) for u in urls)))

    return asyncio.run(go())


def _names(asked: list[tuple[str, int]]) -> netguard.Resolver:
    """A resolver that sends every name to 127.0.0.1, recording each lookup."""

    async def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["127.0.0.1"]

    return resolver


# -- host lookups ---------------------------------------------------------------------


def test_a_lookup_that_never_answers_times_out_once_for_all_its_links() -> None:
    asked: list[str] = []

    async def never(host: str, port: int) -> list[str]:
        asked.append(host)
        await asyncio.Event().wait()
        return []

    guard = Guard(allow_private=True, resolver=never)
    results = _resolve(["http://stuck.test/a", "http://stuck.test/b"], guard, timeout=0.3)
    for result in results:
        assert result.error == "looking up stuck.test took more than 0.3 s"
        assert result.temporary and not result.refused
    assert asked == ["stuck.test"]  # the second hop shared the lookup in flight


def test_each_host_is_looked_up_once_per_run() -> None:
    asked: list[tuple[str, int]] = []
    with FakeSite() as site:
        for path in ("/a", "/b", "/c"):
            site.add(path, Route(status=200))
        urls = [f"http://named.test:{site.port}{p}" for p in ("/a", "/b", "/c")]
        guard = Guard(allow_private=True, resolver=_names(asked))
        results = _resolve(urls, guard)
        assert [r.status for r in results] == [200, 200, 200]
        assert asked == [("named.test", site.port)] and site.hits("/a") == 1
        _resolve(urls[:1], guard)  # a new run looks the name up again
    assert asked == [("named.test", site.port)] * 2


def test_a_hung_system_lookup_does_not_hold_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()

    def hung(host: object, *args: object, **kwargs: object) -> object:
        entered.set()
        release.wait(20)
        finished.set()
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    try:
        [result] = _resolve(["http://hung.test/x"], Guard(allow_private=True), timeout=0.3)
        # The run is over while the lookup thread is still inside getaddrinfo: asyncio.run
        # did not wait for it (as it waits for the loop's executor threads).
        assert entered.is_set() and not finished.is_set()
        assert result.error == "looking up hung.test took more than 0.3 s"
    finally:
        release.set()


@pytest.mark.parametrize(
    ("errno", "worked_before", "temporary"),
    [
        (socket.EAI_AGAIN, True, True),  # DNS trouble: says nothing about the host
        (socket.EAI_NONAME, False, True),  # no lookup worked yet this run: maybe offline
        (socket.EAI_NONAME, True, False),  # the network works: the name does not exist
    ],
)
def test_lookup_failures_offline_are_retried_within_hours(
    monkeypatch: pytest.MonkeyPatch, errno: int, worked_before: bool, temporary: bool
) -> None:
    def fails(host: object, *args: object, **kwargs: object) -> object:
        raise socket.gaierror(errno, "lookup failed")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    guard = Guard()
    guard.resolved_any = worked_before
    [result] = _resolve(["https://gone.example/x"], guard)
    assert result.error is not None and result.error.startswith("cannot resolve gone.example")
    assert result.temporary is temporary
    with Library(":memory:") as lib:
        store_links.save(lib, [result])
        [stored] = store_links.cached(lib, [result.url]).values()
    wait = timedelta(hours=6) if temporary else timedelta(days=7)
    assert stored.retry_after is not None and stored.retry_after - stored.resolved_at == wait


# -- dead and slow hosts --------------------------------------------------------------


def test_a_dead_host_is_skipped_and_does_not_starve_the_others() -> None:
    asked_names: list[tuple[str, int]] = []
    with FakeSite() as slow, FakeSite() as fast:
        stuck = [slow.add(f"/s{i}", Route(status=200, delay=10)) for i in range(12)]
        quick = [fast.add(f"/f{i}", Route(status=200)) for i in range(4)]
        # Two hosts (the per-host limit counts a host whatever its port).
        stuck = [u.replace("127.0.0.1", "slow.test") for u in stuck]
        quick = [u.replace("127.0.0.1", "fast.test") for u in quick]
        saved: list[Resolution] = []
        counts = run(
            [*stuck, *quick],  # the dead host's links first, in a block
            saved.extend,
            options=ExpandOptions(concurrency=4, per_host=2, timeout=1.0),
            guard=Guard(allow_private=True, resolver=_names(asked_names)),
            batch=1,
        )
        asked = sum(slow.hits(f"/s{i}") for i in range(12))
    assert counts.resolved == 4 and counts.failed == 12
    # The quick links did not wait behind the dead host's: they came first.
    assert {r.url for r in saved[:4]} == set(quick)
    # After BREAKER timeouts in a row the host's other links were not asked at all.
    assert BREAKER <= asked <= BREAKER + 1
    skipped = [r for r in saved if r.error and "skipped this run" in r.error]
    assert len(skipped) == 12 - asked and all(r.temporary for r in skipped)
    assert skipped[0].error == "slow.test failed 3 times in a row: skipped this run"


def test_sixteen_requests_at_once_by_default() -> None:
    tally = Tally()
    names: list[tuple[str, int]] = []
    with contextlib.ExitStack() as stack:
        hosts = [stack.enter_context(FakeSite(tally=tally)) for _ in range(6)]
        urls = [
            site.add(f"/w{i}", Route(status=200, delay=1.0)).replace("127.0.0.1", f"h{n}.test")
            for i in range(5)
            for n, site in enumerate(hosts)
        ]
        results = _resolve(urls, Guard(allow_private=True, resolver=_names(names)))
    assert all(r.status == 200 for r in results)
    # 30 links on 6 hosts (4 at once each would allow 24): never more than 16 in total.
    assert tally.max_active == 16
    assert max(site.max_active for site in hosts) == 4


def test_the_per_host_limit_counts_every_port_of_a_host() -> None:
    # http and https (or any two ports) of one shortener share its limit.
    tally = Tally()
    with FakeSite(tally=tally) as one, FakeSite(tally=tally) as two:
        urls = []
        for i in range(3):
            urls.append(one.add(f"/a{i}", Route(status=200, delay=0.3)))
            urls.append(two.add(f"/b{i}", Route(status=200, delay=0.3)))
        results = _resolve(urls, Guard(allow_private=True), per_host=2)
    assert all(r.status == 200 for r in results)
    # Per host:port each server would have had 2 at once (4 in all); per host the two
    # share 2. Counted together at each moment: the sum of each server's own most at once
    # is no measure (one may have had 2 early and the other 2 later).
    assert tally.max_active == 2


@contextmanager
def _full_queue(address: str, port: int) -> Iterator[None]:
    """A listening socket at (address, port) whose queue is full: a connect there hangs."""
    with socket.socket() as blocked:
        try:
            blocked.bind((address, port))
        except OSError:  # e.g. macOS answers only 127.0.0.1 of 127/8 unless configured
            pytest.skip(f"{address} is not a local address here")
        blocked.listen(0)
        fillers = [socket.socket() for _ in range(4)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                with contextlib.suppress(BlockingIOError):
                    filler.connect((address, port))
            yield
        finally:
            for filler in fillers:
                filler.close()


def test_a_connect_timeout_on_one_address_tries_the_next() -> None:
    async def two(host: str, port: int) -> list[str]:
        return ["127.0.0.2", "127.0.0.1"]  # the first one never answers

    with FakeSite() as site, _full_queue("127.0.0.2", site.port):
        site.add("/ok", Route(status=200))
        guard = Guard(allow_private=True, resolver=two)
        [result] = _resolve([f"http://two.test:{site.port}/ok"], guard, timeout=2.0)
        assert (result.error, result.status) == (None, 200)
        assert site.hits("/ok") == 1


# -- what is learnt, what counts as an answer -----------------------------------------


def test_only_the_short_link_host_is_learnt_as_a_shortener() -> None:
    asked: list[tuple[str, int]] = []
    guard = Guard(allow_private=True, resolver=_names(asked))
    with FakeSite() as a, FakeSite() as b, FakeSite() as c:
        final = c.add("/final", Route(status=200)).replace("127.0.0.1", "c.test")
        b.redirect("/story/2024/05/a-long-article", final)
        article = f"http://b.test:{b.port}/story/2024/05/a-long-article"
        a.redirect("/x7Kq", article)
        short, moved = f"http://a.test:{a.port}/x7Kq", article
        via_short, via_article = _resolve([short, moved], guard)
    assert via_short.final_url == final and via_short.redirect_hosts == ("a.test",)
    # b.test redirected to another site too, but as an article (wired.com/story/... ->
    # wired.co.uk), not a short code: it is not taken for a shortener.
    assert via_article.final_url == final and via_article.redirect_hosts == ()


@pytest.mark.parametrize("status", [401, 403, 404])
def test_an_error_from_the_link_host_itself_is_a_failure(status: int) -> None:
    with FakeSite() as short:
        url = short.add("/nope", Route(status=status, head_status=status))
        [result] = _resolve([url], Guard(allow_private=True))
    assert result.error == f"server answered {status}" and result.final_url is None
    with Library(":memory:") as lib:
        store_links.save(lib, [result])
        assert store_links.due(lib, [url], now=result.resolved_at).todo == []
        later = result.resolved_at + timedelta(days=8)
        assert store_links.due(lib, [url], now=later).todo == [url]


@pytest.mark.parametrize("location", ["http://[v1.x]/", "http://[::1/"])
def test_an_unusable_location_is_the_answer_without_a_get(location: str) -> None:
    with FakeSite() as short:
        url = short.redirect("/odd", location)
        [result] = _resolve([url], Guard(allow_private=True))
        requests = list(short.requests)
    assert result.error is not None and result.error.startswith("not a usable URL")
    assert requests == [("HEAD", "/odd")]


def test_a_body_is_never_read() -> None:
    with FakeSite() as site:
        url = site.add("/big", Route(status=200, head_status=405, endless=True))
        [result] = _resolve([url], Guard(allow_private=True), timeout=5)
        requests = list(site.requests)
    # Reading the endless body would have run into the 5 s limit.
    assert (result.error, result.status) == (None, 200)
    assert requests == [("HEAD", "/big"), ("GET", "/big")]


def test_headers_trickled_forever_stop_at_the_timeout() -> None:
    with FakeSite() as site:
        url = site.add("/drip", Route(status=200, trickle=0.05))
        [result] = _resolve([url], Guard(allow_private=True), timeout=0.5)
    assert result.error == "timed out after 0.5 s"


# -- TLS through the pinned transport -------------------------------------------------


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for `site.test` (made with the openssl command)."""
    made = self_signed(tmp_path, "site.test")
    if made is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    return made


def test_tls_checks_the_host_name_through_the_pinned_connection(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    asked: list[tuple[str, int]] = []
    guard = Guard(allow_private=True, resolver=_names(asked))
    with FakeSite(tls=server) as site:
        site.add("/p", Route(status=200))
        right, wrong = _resolve(
            [f"https://site.test:{site.port}/p", f"https://other.test:{site.port}/p"],
            guard,
            trust,
        )
        names = list(site.names)
    # Connected to 127.0.0.1, yet TLS named the host: SNI site.test, certificate checked.
    assert (right.error, right.status) == (None, 200)
    assert "site.test" in names and "other.test" in names
    assert wrong.error is not None and "CERTIFICATE_VERIFY_FAILED" in wrong.error
    assert site.hits("/p") == 1


def test_pinning_needs_the_transport_it_knows(monkeypatch: pytest.MonkeyPatch) -> None:
    class Changed(httpx.AsyncHTTPTransport):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            del self._pool

    monkeypatch.setattr(httpx, "AsyncHTTPTransport", Changed)
    with pytest.raises(RuntimeError, match="cannot pin connections"):
        pinned_transport(Guard(), 4)
