"""Short-link expansion against real HTTP servers on 127.0.0.1, through real httpx.

The commands (`expand`, `--expand-links`) are tested in test_cli_expand.py.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from fakes.links import FakeSite, Route
from rows import frame, post

from linkratio.analysis import summarize, with_expansions
from linkratio.frame import Library
from linkratio.links.expand import USER_AGENT, Expander, ExpandOptions, Resolution
from linkratio.links.expand_run import expand_urls, run
from linkratio.net.netguard import Guard, ResolveFailed
from linkratio.store import links as store_links


def _resolve(urls: list[str], guard: Guard | None = None, **options: float) -> list[Resolution]:
    guard = guard or Guard(allow_private=True)

    async def go() -> list[Resolution]:
        async with Expander(ExpandOptions(**options), guard) as expander:  # type: ignore[arg-type]
            return list(await asyncio.gather(*(expander.resolve(u) for u in urls)))

    return asyncio.run(go())


def test_chain_through_two_shorteners(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short1, short2, dest = sites
    # The destination is named `localhost`: another site than the shorteners' 127.0.0.1.
    final = dest.add("/story?id=3", Route(status=200)).replace("127.0.0.1", "localhost")
    inner = short2.redirect("/b", final, status=302)
    short1.redirect("/hop", "/a")  # a relative Location
    short1.redirect("/a", inner)
    start = short1.origin + "/hop"
    [result] = _resolve([start])
    assert result.error is None and result.status == 200
    assert result.final_url == final
    assert result.hops == (start, short1.origin + "/a", inner, final)
    assert result.redirect_hosts == ("127.0.0.1",)
    assert dest.requests == [("HEAD", "/story?id=3")]
    assert set(short1.agents + short2.agents + dest.agents) == {USER_AGENT}


def test_cookies_are_never_kept(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, _ = sites
    short.add("/end", Route(status=200))
    url = short.add("/c", Route(status=302, location="/end", cookie="sid=tracking; Path=/"))
    [result] = _resolve([url, url.replace("/c", "/end")])[:1]
    assert result.final_url == short.origin + "/end"
    assert short.hits("/end") == 2 and short.cookies == []


def test_redirects_within_a_site_do_not_make_a_shortener(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    site, _, _ = sites
    site.add("/page/", Route(status=200))
    url = site.redirect("/page", "/page/")  # a trailing-slash redirect, same site
    [result] = _resolve([url])
    assert result.final_url == site.origin + "/page/" and result.redirect_hosts == ()


def test_head_refused_then_get_without_reading_the_body(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, dest = sites
    final = dest.add("/p", Route(status=200))
    url = short.add("/x", Route(status=301, location=final, head_status=405))
    [result] = _resolve([url])
    assert (result.final_url, result.status, result.error) == (final, 200, None)
    assert short.requests == [("HEAD", "/x"), ("GET", "/x")]


def test_loop_and_too_many_redirects(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, other, _ = sites
    short.redirect("/loop1", other.origin + "/loop2")
    other.redirect("/loop2", short.origin + "/loop1")
    for i in range(11):
        short.redirect(f"/r{i}", f"/r{i + 1}")
    short.add("/r11", Route(status=200))
    for i in range(10):
        other.redirect(f"/s{i}", f"/s{i + 1}")
    other.add("/s10", Route(status=200))
    loop, eleven, ten = _resolve(
        [short.origin + "/loop1", short.origin + "/r0", other.origin + "/s0"]
    )
    assert loop.error == "redirect loop" and loop.final_url is None
    assert short.hits("/loop1") == 1 and other.hits("/loop2") == 1
    assert eleven.error == "more than 10 redirects" and short.hits("/r11") == 0
    assert ten.error is None and ten.final_url == other.origin + "/s10" and len(ten.hops) == 11


def test_not_found_and_server_error(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, dest = sites
    gone = dest.add("/gone", Route(status=404, head_status=404))
    short.redirect("/dead", gone)
    short.add("/broken", Route(status=503))
    dead, broken = _resolve([short.origin + "/dead", short.origin + "/broken"])
    # A 404 is an answer (the link is dead), not a failure to retry.
    assert (dead.final_url, dead.status, dead.error) == (gone, 404, None)
    assert broken.error == "server answered 503" and broken.final_url is None


def test_slow_server_times_out(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, dest = sites
    slow = dest.add("/slow", Route(status=200, delay=5))
    url = short.redirect("/s", slow)
    [result] = _resolve([url], timeout=0.3)
    assert result.error == "timed out after 0.3 s"
    # The shortener answered: where the link goes is known even though it did not load.
    assert result.final_url == slow and result.status is None


def test_redirect_into_private_addresses_is_refused() -> None:
    # The private-address option is OFF: only the shortener's own host:port is exempt,
    # every hop it redirects to is checked like any link from a stranger.
    with FakeSite() as short, FakeSite() as internal:
        internal.add("/secret", Route(status=200))
        targets = {
            "/ten": "http://10.0.0.1/",
            "/meta": "http://169.254.169.254/latest/meta-data/",
            "/v6": "http://[::1]/",
            "/mapped": "http://[::ffff:127.0.0.1]/",
            "/local": internal.origin + "/secret",
            "/name": "http://intranet.corp/",
            "/loop80": "http://127.0.0.1/secret",  # on the default port: refused as loopback
        }
        urls = [short.redirect(path, to) for path, to in targets.items()]
        asked: list[str] = []

        async def resolver(host: str, port: int) -> list[str]:
            asked.append(host)
            if host == "intranet.corp":
                return ["192.168.0.10"]
            raise ResolveFailed(host)

        guard = Guard(allow=frozenset({("127.0.0.1", short.port)}), resolver=resolver)
        results = _resolve(urls, guard)
        for result, target in zip(results, targets.values(), strict=True):
            assert result.refused, result
            assert result.final_url == target and result.status is None
        assert "a private address" in results[0].error
        assert "cloud metadata" in results[1].error
        assert "loopback" in results[2].error and "loopback" in results[3].error
        assert "192.168.0.10" in results[5].error
        assert "port" in results[4].error  # the internal server's own port is not 80
        assert results[6].error == "refused: 127.0.0.1 is a loopback address"
        # Nothing was asked of the internal server, and no refused host was ever pinned.
        assert internal.requests == [] and asked == ["intranet.corp"]
        assert set(guard.pins) == {("127.0.0.1", short.port)}


def test_app_link_destination_is_recorded_not_requested(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, _ = sites
    url = short.redirect("/app", "itms-apps://apps.apple.com/app/id1")
    [result] = _resolve([url])
    assert result.error is None and result.final_url == "itms-apps://apps.apple.com/app/id1"


def test_per_host_limit_holds(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, _ = sites
    urls = [short.add(f"/w{i}", Route(status=200, delay=0.2)) for i in range(8)]
    results = _resolve(urls, per_host=2)
    assert all(r.error is None for r in results)
    assert short.max_active == 2


def _library_with_cache() -> Library:
    return Library(":memory:")


def test_cache_prevents_a_second_request(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, dest = sites
    final = dest.add("/a", Route(status=200)).replace("127.0.0.1", "localhost")
    ok = short.redirect("/ok", final)
    slow = short.add("/slow", Route(status=200, delay=5))
    guard = Guard(allow_private=True)
    with _library_with_cache() as lib:
        first = expand_urls(lib, [ok, slow], guard=guard, options=ExpandOptions(timeout=0.3))
        assert (first.resolved, first.failed, first.cached) == (1, 1, 0)
        assert store_links.expansions(lib, [ok, slow]) == {ok: final}
        assert store_links.redirect_hosts(lib) == {"127.0.0.1"}
        requests = len(short.requests) + len(dest.requests)
        again = expand_urls(lib, [ok, slow], guard=guard, options=ExpandOptions(timeout=0.3))
        assert (again.resolved, again.failed, again.cached) == (0, 0, 2)
        assert len(short.requests) + len(dest.requests) == requests
        [failure] = store_links.cached(lib, [slow]).values()
        assert failure.error is not None and failure.retry_after is not None
        assert failure.retry_after - failure.resolved_at == timedelta(days=7)
        # After retry_after the failure is due again, and a repeated failure waits longer.
        later = failure.retry_after + timedelta(minutes=1)
        assert store_links.due(lib, [ok, slow], now=later) == store_links.Due([slow], 1)
        waiting = store_links.due(lib, [ok, slow], now=failure.resolved_at)
        assert waiting == store_links.Due([], 2, 1, failure.retry_after)
        forced = expand_urls(
            lib, [ok, slow], guard=guard, options=ExpandOptions(timeout=0.3, retry_failed=True)
        )
        assert (forced.failed, forced.cached) == (1, 1)
        [second] = store_links.cached(lib, [slow]).values()
        assert second.retry_after - second.resolved_at == timedelta(days=14)


def test_results_are_saved_in_batches_as_they_arrive(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, _ = sites
    urls = [short.add(f"/p{i}", Route(status=200)) for i in range(7)]
    batches: list[int] = []
    counts = run(
        urls,
        lambda b: batches.append(len(b)),
        guard=Guard(allow_private=True),
        batch=3,
        every=60,
    )
    assert counts.resolved == 7 and batches == [3, 3, 1]


def test_cancelled_run_keeps_what_was_resolved(sites: tuple[FakeSite, FakeSite, FakeSite]) -> None:
    short, _, _ = sites
    fast = [short.add(f"/f{i}", Route(status=200)) for i in range(3)]
    slow = short.add("/hang", Route(status=200, delay=30))
    saved: list[str] = []

    def save(batch: object) -> None:
        saved.extend(r.url for r in batch)  # type: ignore[attr-defined]

    def progress(counts: object, total: int) -> None:
        if counts.resolved == 3:  # type: ignore[attr-defined]
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(
            [*fast, slow],
            save,
            guard=Guard(allow_private=True),
            progress=progress,
            batch=100,
            every=60,
        )
    assert sorted(saved) == sorted(fast)


def test_invalid_urls_fail_without_raising() -> None:
    [bad] = _resolve(["http://[::1/"], Guard())
    assert bad.error is not None and bad.error.startswith("not a usable URL")
    assert not bad.refused and bad.final_url is None


def test_client_closes_cleanly_on_connection_refused() -> None:
    with FakeSite() as site:
        port = site.port
    [result] = _resolve([f"http://127.0.0.1:{port}/gone"])
    assert result.error is not None and "ConnectError" in result.error


# -- sites of expanded links -----------------------------------------------------------


def test_expansions_change_sites_not_the_urls_as_written() -> None:
    df = frame(
        post("2024-05-01 10:00", "link", urls=["https://bit.ly/a", "https://www.wired.com/x"],
             domains=["bit.ly", "wired.com"]),
        post("2024-05-02 10:00", "link", urls=["https://go.example.net/q"],
             domains=["example.net"]),
        post("2024-05-03 10:00", "conversation", urls=["https://bit.ly/b"], domains=["bit.ly"]),
    )  # fmt: skip
    df.attrs["account"] = "ana"
    expanded = with_expansions(
        df,
        {"https://bit.ly/a": "https://www.smashingmagazine.com/p", "https://other/": "x"},
        redirect_hosts={"go.example.net"},
    )
    assert list(expanded["domains"]) == [
        ["smashingmagazine.com", "wired.com"],
        ["example.net"],
        ["bit.ly"],
    ]
    assert expanded["urls"].equals(df["urls"]) and df["domains"].iloc[0][0] == "bit.ly"
    assert expanded.attrs["account"] == "ana"
    s = summarize(expanded, tz="UTC")
    assert (s.links, s.short_links) == (4, 3)
    assert [(r.name, r.count) for r in s.shorteners] == [("bit.ly", 2), ("go.example.net", 1)]
    assert {r.name for r in s.top_sites} == {
        "smashingmagazine.com",
        "wired.com",
        "example.net",
        "bit.ly",
    }
    # Without the learnt hosts only the list counts.
    assert summarize(df, tz="UTC").short_links == 2


def test_expansions_to_the_platforms_own_posts_and_media_are_not_sites() -> None:
    bsky = post("2024-05-04 10:00", "link", urls=["https://bit.ly/d"], domains=["bit.ly"])
    bsky["platform"] = "bluesky"
    df = frame(
        post("2024-05-01 10:00", "link", urls=["https://bit.ly/a", "https://go.example.net/q"],
             domains=["bit.ly", "kept-as-is.example"]),
        post("2024-05-02 10:00", "link", urls=["https://bit.ly/b"], domains=["bit.ly"]),
        post("2024-05-03 10:00", "link", urls=["https://bit.ly/c"], domains=["bit.ly"]),
        bsky,
    )  # fmt: skip
    expanded = with_expansions(
        df,
        {
            "https://bit.ly/a": "https://x.com/someone/status/1",
            "https://bit.ly/b": "https://pbs.twimg.com/media/x.jpg",
            "https://bit.ly/c": "https://www.wired.com/s",
            "https://bit.ly/d": "https://bsky.app/profile/a.bsky.social/post/3kabc",
        },
    )
    # Only the expanded link's site changes; the post's other site stays as it was.
    assert list(expanded["domains"]) == [["kept-as-is.example"], [], ["wired.com"], []]


def test_expanded_links_count_for_their_site_as_written_links_do() -> None:
    df = frame(
        post("2024-05-01 10:00", "link", urls=["https://bit.ly/y"], domains=["bit.ly"]),
        post("2024-05-02 10:00", "link", urls=["https://bit.ly/l"], domains=["bit.ly"]),
        post("2024-05-03 10:00", "link", urls=["https://bit.ly/w"], domains=["bit.ly"]),
    )
    expanded = with_expansions(
        df,
        {
            "https://bit.ly/y": "https://youtu.be/dQw4w9WgXcQ",  # youtube.com's own short host
            "https://bit.ly/l": "https://x.com/i/broadcasts/1ynKOZPzXXXGR",  # X's page: no site
            "https://bit.ly/w": "https://www.wired.com/s",
        },
    )
    assert list(expanded["domains"]) == [["youtube.com"], [""], ["wired.com"]]
    assert [r.name for r in summarize(expanded, tz="UTC").top_sites] == [
        "wired.com",
        "youtube.com",
    ]


def test_a_refused_destination_is_not_a_site(
    sites: tuple[FakeSite, FakeSite, FakeSite],
) -> None:
    short, _, _ = sites
    meta = short.redirect("/m", "http://169.254.169.254/latest/")
    [refused] = _resolve([meta], Guard(allow=frozenset({("127.0.0.1", short.port)})))
    assert refused.refused and refused.final_url == "http://169.254.169.254/latest/"
    with Library(":memory:") as lib:
        store_links.save(lib, [refused])
        assert store_links.expansions(lib) == {} and store_links.expansions(lib, [meta]) == {}
