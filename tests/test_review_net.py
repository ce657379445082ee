"""Review of the network side: hostile answers that escaped the policy or made a traceback.

Every server is a fake on 127.0.0.1 (tests/fakes/scripted.py); waits are recorded, never
slept. Each test failed before its fix.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fakes.base import RawServer
from fakes.scripted import Answer, Asked, Scripted, json_answer
from helpers import Waits

from linkratio.cli import main
from linkratio.errors import ApiError, ApiUnavailable, AuthError, RateLimited, SettingError
from linkratio.links.expand import ExpandOptions
from linkratio.links.expand_run import run
from linkratio.model import Resolution
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.deadline import Clock
from linkratio.net.mastodon import MastodonApi
from linkratio.net.netguard import Guard
from linkratio.net.service import ServiceClient, checked_base_url
from linkratio.net.x import Credentials, XClient
from linkratio.net.x_settings import checked_url


def service(server: Scripted, **policy: Any) -> ServiceClient:
    options = {"timeout": 5.0, "backoff": 0.01, **policy}
    return ServiceClient("Test", server.url, platform="bluesky", **Waits().options(**options))


# --- Bluesky and Mastodon: redirects and bodies ---------------------------------------


def test_a_redirect_body_is_never_read() -> None:
    # httpx read a redirect's body whole before following it: no cap, no deadline (an
    # endless one grew to gigabytes). This one claims 64 MiB and never sends it.
    def answer(asked: Asked) -> Answer:
        if asked.path == "/start":
            return Answer(302, b"", {"location": "/end"}, length=64 * 1024 * 1024)
        return json_answer({"ok": 1})

    with Scripted(answer) as server:
        with service(server, timeout=1.0, retries=0) as client:
            assert client.get_json("/start") == {"ok": 1}
        assert [r.path for r in server.asked] == ["/start", "/end"]
        assert client.requests == 2


def test_a_redirect_loop_is_one_line_and_not_retried() -> None:
    with Scripted(lambda asked: Answer(302, b"", {"location": asked.target})) as server:
        with service(server) as client, pytest.raises(ApiUnavailable) as err:
            client.get_json("/loop")
        assert len(server.asked) == 11  # the request and 10 redirects, once
    assert "redirected /loop more than 10 times" in str(err.value)
    assert err.value.exit_code == 69 and "\n" not in str(err.value)


def test_a_cross_origin_redirect_carries_no_token() -> None:
    with Scripted(lambda asked: json_answer({"ok": 2})) as other:

        def answer(asked: Asked) -> Answer:
            return Answer(302, b"", {"location": f"{other.url}/there"})

        with Scripted(answer) as server:
            options = Waits().options(timeout=5.0, token="TOK-12345")
            with ServiceClient("T", server.url, platform="mastodon", **options) as client:
                assert client.get_json("/here") == {"ok": 2}
            assert server.asked[0].headers["authorization"] == "Bearer TOK-12345"
        assert "authorization" not in other.asked[0].headers


def test_a_body_that_cannot_be_decoded_is_retried_then_one_line() -> None:
    garbage = Answer(200, b"not gzip at all", {"content-encoding": "gzip"})
    with Scripted(lambda asked: garbage) as server:
        with service(server, retries=2) as client, pytest.raises(ApiUnavailable) as err:
            client.get_json("/x")
        assert len(server.asked) == 3
    assert "sent a body that cannot be decoded" in str(err.value)
    assert isinstance(err.value, ApiError) and err.value.exit_code == 69


def test_a_gzipped_body_still_reads() -> None:
    good = Answer(200, gzip.compress(b'{"ok": 3}'), {"content-encoding": "gzip"})
    with Scripted(lambda asked: good) as server, service(server) as client:
        assert client.get_json("/x") == {"ok": 3}


# --- X: answers tweepy or urllib3 could not take ------------------------------------

CREDS = Credentials(bearer_token="BEARER-review-secret")


def x_client(server: Scripted | HeaderTrickle, **policy: Any) -> XClient:
    options = {"timeout": 5.0, "backoff": 0.01, **policy}
    return XClient(CREDS, base_url=server.url, **Waits().options(**options))


def x_lookup_error(answer: Answer, **policy: Any) -> tuple[ApiError, Scripted]:
    with (
        Scripted(lambda asked: answer) as server,
        x_client(server, **policy) as client,
        pytest.raises(ApiError) as err,
    ):
        client.lookup_user("ana")
    assert "\n" not in str(err.value) and err.value.platform == "x"
    assert "BEARER-review-secret" not in str(err.value)
    return err.value, server


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, b'{"errors": 5}', AuthError),
        (403, b'{"errors": true, "title": "Forbidden"}', AuthError),
        (403, b"[1, 2]", AuthError),
        (403, b'{"detail": 5}', AuthError),
        (403, b"[" * 100_000, AuthError),
        (400, b'{"errors": NaN}', ApiError),
        (400, b'{"errors": [7]}', ApiError),
        (404, b'{"errors": "x", "error": "y"}', ApiError),
        (503, b'{"errors": 5}', ApiUnavailable),
        (429, b'{"errors": 5, "title": "Too Many Requests"}', RateLimited),
    ],
)
def test_an_error_body_tweepy_cannot_read_is_one_line(
    status: int, body: bytes, error: type[ApiError]
) -> None:
    # tweepy walks `errors` and joins `detail` unchecked: each of these raised inside it.
    answer = Answer(status, body, {"content-type": "application/json", "retry-after": "1"})
    err, server = x_lookup_error(answer, retries=1, wait_on_rate_limit=False)
    assert type(err) is error
    assert not str(err).endswith(":")  # no detail: no dangling "403 Forbidden):"
    assert len(server.asked) == (2 if status == 503 else 1)


def test_an_error_body_tweepy_can_read_keeps_its_detail() -> None:
    body = json_answer({"detail": "the app is not allowed here", "title": "Forbidden"}, 403)
    err, _ = x_lookup_error(body)
    assert "the app is not allowed here" in str(err)


def test_an_x_body_that_stalls_midway_is_retried_then_one_line() -> None:
    # Headers and part of the body, then nothing: urllib3's ReadTimeoutError escaped.
    stall = Answer(200, b'{"da', {"content-type": "application/json"}, length=1000)
    err, server = x_lookup_error(stall, timeout=0.5, retries=1)
    assert isinstance(err, ApiUnavailable) and "gave up after 2 tries" in str(err)
    assert len(server.asked) == 2


def test_an_x_body_that_cannot_be_decoded_is_retried_then_one_line() -> None:
    garbage = Answer(200, b"not gzip at all", {"content-encoding": "gzip"})
    err, server = x_lookup_error(garbage, retries=1)
    assert isinstance(err, ApiUnavailable) and "cannot be decoded" in str(err)
    assert len(server.asked) == 2


@pytest.mark.parametrize("location", ["/elsewhere", "ftp://127.0.0.1/x", "SELF"])
def test_an_x_redirect_is_not_followed(location: str) -> None:
    # Followed, a hop to another host left the Route: no timeout, cap or deadline; a loop
    # or an ftp: hop ended as a requests error with exit 2.
    def answer(asked: Asked) -> Answer:
        return Answer(302, b"", {"location": asked.target if location == "SELF" else location})

    with Scripted(answer) as server:
        with x_client(server) as client, pytest.raises(ApiError) as err:
            client.lookup_user("ana")
        assert len(server.asked) == 1
    assert type(err.value) is ApiError and err.value.exit_code == 69
    assert "a redirect to" in str(err.value) and "LINKRATIO_X_API_URL" in str(err.value)


# --- Account lookups of the wrong shape ------------------------------------------------


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"id": [1], "username": "ana"}, "data.id is [1], expected a string of digits"),
        ({"id": 42, "username": "ana"}, "data.id is 42, expected a string of digits"),
        ({"id": "../x", "username": "ana"}, "data.id is '../x', expected a string of digits"),
        ({"id": "42", "username": {"a": 1}}, "data.username is an object, expected a string"),
    ],
)
def test_an_x_account_of_the_wrong_shape_is_one_line(data: dict[str, Any], said: str) -> None:
    # A list id was a TypeError; a dict username reached SQLite ("the library is damaged").
    err, _ = x_lookup_error(json_answer({"data": data}))
    assert type(err) is ApiError and str(err) == f"X answered a malformed account @ana: {said}"


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        ({"did": "did:plc:abc", "handle": {"x": 1}}, "handle is an object, expected a string"),
        ({"did": {"x": 1}, "handle": "a.b"}, "did is an object, expected a DID string"),
        ({"did": 7, "handle": "a.b"}, "did is a number, expected a DID string"),
    ],
)
def test_a_bluesky_profile_of_the_wrong_shape_is_one_line(
    profile: dict[str, Any], said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Scripted(lambda asked: json_answer(profile)) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        with BlueskyApi(**Waits().options()) as api, pytest.raises(ApiError) as err:
            api.resolve("a.b")
    assert type(err.value) is ApiError and err.value.exit_code == 69
    assert str(err.value) == f"Bluesky answered a malformed profile of @a.b: {said}"


@pytest.mark.parametrize(
    ("account", "said"),
    [
        ({"id": "1", "url": {"a": 1}, "acct": "alice"}, "url is an object, expected a string"),
        ({"id": "1", "url": "https://h/@alice", "acct": {"a": 1}}, "acct is an object"),
        ({"id": [1], "url": "https://h/@alice", "acct": "alice"}, "id is a list"),
        ({"id": "../../x?y=", "url": "https://h/@alice"}, "id is not a plain account id"),
    ],
)
def test_a_mastodon_account_of_the_wrong_shape_is_one_line(
    account: dict[str, Any], said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A dict url was a TypeError; a dict acct was stored as the handle "{'a': 1}@h"; an id
    # "../../x?y=" made the statuses request go to /x.
    with Scripted(lambda asked: json_answer(account)) as server:
        monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        with (
            MastodonApi(server.host, **Waits().options()) as api,
            pytest.raises(ApiError) as err,
        ):
            api.resolve(f"@alice@{server.host}")
        assert len(server.asked) == 1
    assert type(err.value) is ApiError and said in str(err.value)
    assert str(err.value).startswith(f"{server.host} answered a malformed account @alice@")


def test_a_pleroma_account_id_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    account = {"id": "AbC-9_xYz", "url": "https://h.example/@alice", "acct": "alice"}
    with Scripted(lambda asked: json_answer(account)) as server:
        monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        with MastodonApi(server.host, **Waits().options()) as api:
            found = api.resolve(f"@alice@{server.host}")
    assert found.id == "https://h.example/@alice" and found.handle == "alice@h.example"


# --- The deadline covers the headers too ----------------------------------------------


class HeaderTrickle(RawServer):
    """A server on 127.0.0.1 that sends its status line and headers a byte at a time.

    `pad` bytes of one header, one every `pause` seconds, then a whole JSON answer: each
    byte comes well within the read timeout, the whole answer long after the deadline.
    """

    def __init__(self, pad: int = 150, pause: float = 0.02, claim: int | None = None) -> None:
        super().__init__()
        self.pad, self.pause, self.claim = pad, pause, claim
        """`claim`: the content-length to claim (then the connection closes short of it)."""
        self.answered = 0
        """Answers sent whole: the client was still there at their last byte."""

    def answer(self, conn: socket.socket) -> None:
        """The headers a byte at a time, then the body."""
        body = b'{"data": {"id": "42", "username": "ana"}, "did": "did:plc:abc"}'
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nx-pad: ")
        for _ in range(self.pad):
            conn.sendall(b"a")
            if self.stopping.wait(self.pause):
                return
        head = b"\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
        conn.sendall(head % (self.claim or len(body)) + body)
        self.answered += 1


def test_the_deadline_covers_trickled_headers() -> None:
    with HeaderTrickle() as server:
        with (
            ServiceClient(
                "Test", server.url, platform="bluesky", **Waits().options(deadline=0.3, retries=1)
            ) as client,
            pytest.raises(ApiUnavailable) as err,
        ):
            client.get_json("/x")
        assert server.asked == 2
        # Cut off at the deadline, not once the headers were in: no answer got out whole.
        assert server.answered == 0
    assert str(err.value) == "Test did not answer in time; gave up after 2 tries: try again later"


def test_the_x_deadline_covers_trickled_headers() -> None:
    with HeaderTrickle() as server:
        with (
            x_client(server, deadline=0.3, retries=1) as client,
            pytest.raises(ApiUnavailable) as err,
        ):
            client.lookup_user("ana")
        assert server.asked == 2
        assert server.answered == 0
    assert "no whole answer in time; gave up after 2 tries" in str(err.value)


# --- A token the server echoes ---------------------------------------------------------


@pytest.mark.parametrize("status", [401, 404, 422])
@pytest.mark.parametrize("field", ["error", "message"])
def test_a_token_echoed_in_an_error_is_never_shown(status: int, field: str) -> None:
    def answer(asked: Asked) -> Answer:
        said = f"invalid token {asked.headers.get('authorization')}"
        return json_answer({field: said, "error_description": said}, status)

    with Scripted(answer) as server:
        options = Waits().options(token="MASTO-echoed-secret")
        with (
            ServiceClient("T", server.url, platform="mastodon", **options) as client,
            pytest.raises(ApiError) as err,
        ):
            client.get_json("/api/v1/accounts/lookup", subject="@a@b")
        assert server.asked[0].headers["authorization"] == "Bearer MASTO-echoed-secret"
    assert "MASTO-echoed-secret" not in str(err.value)
    assert "invalid token Bearer ***" in str(err.value)


def test_a_mastodon_token_echoed_in_its_refusal_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def answer(asked: Asked) -> Answer:
        return json_answer({"error": f"bad {asked.headers.get('authorization')}"}, 401)

    with Scripted(answer) as server:
        monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        with (
            MastodonApi(server.host, token="MASTO-echoed-secret", **Waits().options()) as api,
            pytest.raises(ApiError) as err,
        ):
            api.resolve(f"@alice@{server.host}")
    assert "MASTO-echoed-secret" not in str(err.value) and "(bad Bearer ***)" in str(err.value)


# --- Expansion: workers bounded by the links --------------------------------------------


def test_a_huge_concurrency_makes_no_more_workers_than_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2 x --concurrency workers were made whatever the number of links: one link with
    # --concurrency 1000000 took 33 s and 1.9 GB; 100000000 ran out of memory.
    made = []
    ensure_future = asyncio.ensure_future

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return ensure_future(*args, **kwargs)

    monkeypatch.setattr(asyncio, "ensure_future", counted)
    saved: list[Resolution] = []
    urls = ["http://127.0.0.1/a", "http://127.0.0.1/b"]  # refused by the guard: no request
    counts = run(urls, saved.extend, options=ExpandOptions(concurrency=50_000), guard=Guard())
    assert counts.refused == 2 and sorted(r.url for r in saved) == urls
    assert len(made) <= 4  # two workers (and any lookups), not 100,000


# --- A token with a line break or a character no token has ------------------------------


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for name in ("X_BEARER_TOKEN", "LINKRATIO_MASTODON_TOKEN", "LINKRATIO_MASTODON_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("token", ["SECRET\rTOKEN-1", "SECRET-TOKEN-1\u20ac", "SECRET TOKEN-1"])
def test_an_x_token_no_header_can_carry_is_one_line_without_it(
    token: str, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # requests put the whole header, token included, in its error (exit 2); a non-ASCII
    # character was a UnicodeEncodeError traceback.
    with Scripted(lambda asked: json_answer({"data": {"id": "42", "username": "ana"}})) as server:
        cli_env.setenv("LINKRATIO_X_API_URL", server.url)
        cli_env.setenv("X_BEARER_TOKEN", token)
        assert main(["fetch", "@ana"], out=io.StringIO()) == 2
        assert server.asked == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SECRET" not in err
    assert "X_BEARER_TOKEN (x.bearer_token) holds a space, a line break" in err


@pytest.mark.parametrize("token", ["MASTO\rSECRET-1", "MASTO-SECRET-1\u20ac"])
def test_a_mastodon_token_no_header_can_carry_is_one_line_without_it(
    token: str, cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # httpx refused it before any request: retried 4 times as "cannot reach" (exit 69), or
    # a UnicodeEncodeError traceback.
    with Scripted(lambda asked: json_answer({})) as server:
        cli_env.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        cli_env.setenv("LINKRATIO_MASTODON_TOKEN", token)
        cli_env.setenv("LINKRATIO_MASTODON_INSTANCE", server.host)
        assert main(["fetch", f"mastodon:@alice@{server.host}"], out=io.StringIO()) == 2
        assert server.asked == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "SECRET" not in err
    assert "LINKRATIO_MASTODON_TOKEN (mastodon.token) holds a space" in err


def test_a_token_with_a_trailing_line_break_still_works(cli_env: pytest.MonkeyPatch) -> None:
    def answer(asked: Asked) -> Answer:
        if "by/username" in asked.path:
            return json_answer({"data": {"id": "42", "username": "ana"}})
        return json_answer({"meta": {"result_count": 0}})

    with Scripted(answer) as server:
        cli_env.setenv("LINKRATIO_X_API_URL", server.url)
        cli_env.setenv("X_BEARER_TOKEN", "SECRET-TOKEN-1\r\n")
        assert main(["fetch", "@ana", "--quiet"], out=io.StringIO()) == 0
        assert {r.headers["authorization"] for r in server.asked} == {"Bearer SECRET-TOKEN-1"}


# --- Base URLs that do not parse ----------------------------------------------------------


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:0"])
def test_an_api_url_that_does_not_parse_is_a_setting_error(url: str) -> None:
    # "http://[::1" was a ValueError traceback; port 99999 was retried as "cannot reach"
    # for 30 s (Bluesky, Mastodon) or "Port out of range" without the setting's name (X).
    with pytest.raises(SettingError) as x_err:
        checked_url(url)
    assert "LINKRATIO_X_API_URL must be an http(s) base URL" in str(x_err.value)
    with pytest.raises(SettingError) as bsky_err:
        checked_base_url(url, "LINKRATIO_BSKY_API_URL", "bluesky")
    assert str(bsky_err.value).startswith("LINKRATIO_BSKY_API_URL: ")
    assert x_err.value.exit_code == bsky_err.value.exit_code == 2


def test_a_mastodon_instance_port_past_65535_is_one_line(
    cli_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_env.setenv("LINKRATIO_MASTODON_SCHEME", "http")
    assert main(["fetch", "mastodon:@alice@127.0.0.1:99999"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not an http(s) URL" in err


@pytest.mark.parametrize("value", ["\u00b2", "-\u00b2", "\u00b9\u00b2"])
def test_a_remaining_count_in_superscript_digits_is_ignored(value: str) -> None:
    # "²".isdigit() is true and int("²") raised: a ValueError traceback on a good answer.
    headers = {"content-type": "application/json", "ratelimit-remaining": value}
    waits = Waits()
    with (
        Scripted(lambda asked: Answer(200, b'{"ok": 4}', headers)) as server,
        ServiceClient("Test", server.url, platform="bluesky", **waits.options()) as client,
    ):
        assert client.get_json("/x") == {"ok": 4}
        assert client.get_json("/x") == {"ok": 4}
    assert waits.slept == []  # not taken for "no requests left"


def test_the_clock_cuts_timeouts_to_the_deadline() -> None:
    clock = Clock()
    assert clock.limit(None, TimeoutError) is None  # no request yet: no deadline
    assert clock.limit(5.0, TimeoutError) == 5.0
    clock.ends = time.monotonic() + 3600
    assert clock.limit(0.5, TimeoutError) == 0.5
    left = clock.limit(None, TimeoutError)
    assert left is not None and 3500 < left <= 3600
    clock.ends = time.monotonic() - 1
    with pytest.raises(TimeoutError, match="no whole answer within the deadline"):
        clock.limit(30.0, TimeoutError)


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """`proxied(url)`: plain http requests go through the proxy at `url` (the environment)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return lambda url: monkeypatch.setenv("HTTP_PROXY", url)


def test_the_deadline_covers_trickled_headers_through_a_proxy(
    proxied: Callable[[str], None],
) -> None:
    with HeaderTrickle() as proxy:
        proxied(proxy.url)
        options = Waits().options(deadline=0.3, retries=0)
        with (
            ServiceClient("Test", "http://127.0.0.1:9", platform="bluesky", **options) as client,
            pytest.raises(ApiUnavailable, match="did not answer in time"),
        ):
            client.get_json("/x")
        assert proxy.asked == 1 and proxy.answered == 0


def test_the_x_deadline_covers_trickled_headers_through_a_proxy(
    proxied: Callable[[str], None],
) -> None:
    with HeaderTrickle() as proxy:
        proxied(proxy.url)
        with (
            XClient(CREDS, base_url="http://127.0.0.1:9", deadline=0.3, retries=0) as client,
            pytest.raises(ApiUnavailable, match="no whole answer in time"),
        ):
            client.lookup_user("ana")
        assert proxy.asked == 1 and proxy.answered == 0


def test_an_x_body_cut_short_is_retried_then_one_line() -> None:
    # The connection closes short of its content-length: urllib3's ProtocolError escaped
    # as a traceback.
    with HeaderTrickle(pad=0, claim=1000) as server:
        with x_client(server, retries=1) as client, pytest.raises(ApiUnavailable) as err:
            client.lookup_user("ana")
        assert server.asked == 2
    assert "ChunkedEncodingError" in str(err.value) and "gave up after 2 tries" in str(err.value)
