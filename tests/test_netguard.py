"""The expansion guard: only public addresses, checked at every hop, and pinned connections."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fakes.links import FakeSite, Route

from linkratio.links.expand import Expander, ExpandOptions
from linkratio.net.netguard import (
    Guard,
    ResolveFailed,
    UnsafeTarget,
    pinned_transport,
    unsafe_reason,
)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "address"),
        ("255.255.255.255", "address"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("fd00:ec2::254", "metadata"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 around 169.254.169.254
    ],
)
def test_unsafe_addresses_are_named(address: str, why: str) -> None:
    reason = unsafe_reason(address)
    assert reason is not None and why in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert unsafe_reason(address) is None


class _Resolver:
    """A resolver that answers from a table and records every question."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.table:
            raise ResolveFailed(f"cannot resolve {host}")
        return self.table[host]


def _check(guard: Guard, url: str) -> str:
    return asyncio.run(guard.check(httpx.URL(url)))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00:ec2::254]/",
        "https://100.64.1.2/",
    ],
)
def test_private_literals_refused_without_a_lookup(url: str) -> None:
    resolver = _Resolver({})
    guard = Guard(resolver=resolver)
    with pytest.raises(UnsafeTarget):
        _check(guard, url)
    assert resolver.asked == [] and guard.pins == {}


def test_any_private_address_of_a_name_refuses_it() -> None:
    resolver = _Resolver(
        {"rebind.example": ["93.184.216.34", "10.1.2.3"], "ok.example": ["8.8.8.8"]}
    )
    guard = Guard(resolver=resolver)
    with pytest.raises(UnsafeTarget, match="10.1.2.3, a private address"):
        _check(guard, "http://rebind.example/x")
    assert _check(guard, "https://OK.example/y") == "8.8.8.8"
    assert guard.pins == {("ok.example", 443): ("8.8.8.8",)}


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://8.8.8.8/file", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:secret@8.8.8.8/", "credentials"),
        ("http://8.8.8.8:22/", "port 22"),
        ("https://8.8.8.8:80/", "port 80"),
    ],
)
def test_schemes_credentials_and_ports_refused(url: str, why: str) -> None:
    with pytest.raises(UnsafeTarget, match=why):
        _check(Guard(resolver=_Resolver({})), url)


@pytest.mark.parametrize("url", ["http://exa mple.com/", "http://ex%41mple.com/", "http://a..b,c/"])
def test_malformed_host_names_are_never_looked_up(url: str) -> None:
    resolver = _Resolver({})
    with pytest.raises(ResolveFailed, match="not a valid host name"):
        _check(Guard(resolver=resolver), url)
    assert resolver.asked == []


def test_allow_private_is_explicit_and_exemptions_are_exact() -> None:
    assert _check(Guard(allow_private=True), "http://127.0.0.1:8080/") == "127.0.0.1"
    guard = Guard(allow=frozenset({("127.0.0.1", 8080)}))
    assert _check(guard, "http://127.0.0.1:8080/") == "127.0.0.1"
    with pytest.raises(UnsafeTarget):
        _check(guard, "http://127.0.0.1:8081/")
    with pytest.raises(UnsafeTarget):
        _check(guard, "http://127.0.0.1/")


def test_connections_go_to_the_checked_address() -> None:
    # `.invalid` never resolves in DNS: reaching the local server through that name
    # proves the transport connected to the address the guard checked (pinned).
    with FakeSite() as site:
        site.add("/page", Route(status=200))
        resolver = _Resolver({"short.invalid": ["127.0.0.1"]})
        guard = Guard(allow_private=True, resolver=resolver)

        async def go() -> tuple[int | None, str | None]:
            async with Expander(ExpandOptions(timeout=5), guard) as expander:
                result = await expander.resolve(f"http://short.invalid:{site.port}/page")
            return result.status, result.error

        assert asyncio.run(go()) == (200, None)
        assert resolver.asked == ["short.invalid"]
        assert site.requests == [("HEAD", "/page")]


def test_next_checked_address_is_tried_when_one_refuses() -> None:
    with FakeSite() as site:
        site.add("/page", Route(status=200))
        # 127.0.0.2 has nothing listening on the port: the next checked address answers.
        resolver = _Resolver({"two.invalid": ["127.0.0.2", "127.0.0.1"]})
        guard = Guard(allow_private=True, resolver=resolver)

        async def go() -> tuple[int | None, str | None]:
            async with Expander(ExpandOptions(timeout=5), guard) as expander:
                result = await expander.resolve(f"http://two.invalid:{site.port}/page")
            return result.status, result.error

        assert asyncio.run(go()) == (200, None)
        assert site.requests == [("HEAD", "/page")]


def test_transport_refuses_a_host_the_guard_never_checked() -> None:
    with FakeSite() as site:
        site.add("/page", Route(status=200))
        guard = Guard(allow_private=True)

        async def go() -> None:
            async with httpx.AsyncClient(transport=pinned_transport(guard, 2)) as client:
                await client.get(site.origin + "/page")

        with pytest.raises(httpx.ConnectError, match="not checked"):
            asyncio.run(go())
        assert site.requests == []


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://169.254.169.254/", "169.254.169.254 is the cloud metadata address"),
    ],
)
def test_a_literal_address_is_named_once_in_the_refusal(url: str, text: str) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        _check(Guard(resolver=_Resolver({})), url)
    assert str(refused.value) == text


def test_a_name_is_named_with_its_address_in_the_refusal() -> None:
    guard = Guard(resolver=_Resolver({"inside.example": ["10.9.8.7"]}))
    with pytest.raises(UnsafeTarget) as refused:
        _check(guard, "http://inside.example/")
    assert str(refused.value) == "inside.example resolves to 10.9.8.7, a private address"
