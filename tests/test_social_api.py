"""The Bluesky/Mastodon client's edges: tokens, malformed posts, DNS, deadlines, Mastodon faults."""

from __future__ import annotations

import io
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fakes.social import (
    MASTODON_LOCAL_ID,
    MASTODON_USER,
    OWNER_DID,
    OWNER_HANDLE,
    FakeSocial,
    Fault,
    bsky_feed,
    mastodon_statuses,
)
from helpers import Waits

from linkratio import cli
from linkratio.errors import AccountError, ApiUnavailable, InputFormatError
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.mastodon import MastodonApi
from linkratio.sources.bluesky import read_bluesky
from linkratio.sources.mastodon import account_of, read_mastodon, status_to_post
from linkratio.sync import open_api, sync_account

STATUSES = f"/api/v1/accounts/{MASTODON_LOCAL_ID}/statuses"
PROFILE = "/xrpc/app.bsky.actor.getProfile"


def mastodon(fake: FakeSocial, waits: Waits | None = None, **more: Any) -> MastodonApi:
    return MastodonApi(fake.host, **(waits or Waits()).options(**more))


def sync_mastodon(lib: Library, api: MastodonApi) -> Any:
    return sync_account(lib, api, api.resolve(f"@{MASTODON_USER}@{api.instance}"))


# -- 1: the access token goes only to its own instance -----------------------------------


def test_the_token_is_sent_only_to_the_configured_instance(
    fake: FakeSocial, monkeypatch: pytest.MonkeyPatch
) -> None:
    handle = f"@{MASTODON_USER}@{fake.host}"
    monkeypatch.setenv("LINKRATIO_MASTODON_TOKEN", "token-for-my-home-instance")

    def auth_sent() -> str | None:
        api = open_api("mastodon", handle, Waits().options())
        try:
            api.resolve(handle)
        finally:
            api.close()
        return fake.requests[-1].headers.get("authorization")

    assert auth_sent() is None  # a token without its instance goes nowhere
    monkeypatch.setenv("LINKRATIO_MASTODON_INSTANCE", "home.example")
    assert auth_sent() is None  # another instance never sees it
    monkeypatch.setenv("LINKRATIO_MASTODON_INSTANCE", f"https://{fake.host.upper()}/")
    assert auth_sent() == "Bearer token-for-my-home-instance"


def test_the_social_apis_close_their_connections_at_the_end_of_a_with_block(
    fake: FakeSocial,
) -> None:
    with (
        BlueskyApi(**Waits().options()) as bsky,
        MastodonApi(fake.host, **Waits().options()) as mastodon,
    ):
        assert bsky.resolve(OWNER_HANDLE).id == OWNER_DID
        assert mastodon.resolve(f"@{MASTODON_USER}@{fake.host}").platform == "mastodon"
        assert not bsky.http._http.is_closed and not mastodon.http._http.is_closed
    assert bsky.http._http.is_closed and mastodon.http._http.is_closed


def test_the_config_file_ties_the_token_to_an_instance(
    fake: FakeSocial, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[mastodon]\ntoken = "file-token"\ninstance = "home.example"\n')
    monkeypatch.setenv("LINKRATIO_CONFIG", str(config))
    fake.public_access = False
    fake.token = "file-token"
    api = mastodon(fake)
    try:
        with pytest.raises(Exception, match="mastodon.instance") as err:
            api.resolve(f"@{MASTODON_USER}@{fake.host}")
    finally:
        api.close()
    assert "file-token" not in str(err.value)
    assert "authorization" not in fake.requests[-1].headers


# -- 2: one malformed post is skipped, not fatal -------------------------------------


def test_a_malformed_bluesky_post_is_skipped_with_a_warning(
    fake: FakeSocial, lib: Library, caplog: pytest.LogCaptureFixture
) -> None:
    fake.feed = bsky_feed(5)
    bad = fake.feed[2]["post"]
    bad["record"]["createdAt"] = "nonsense"
    bad.pop("indexedAt")
    with BlueskyApi(**Waits().options()) as api, caplog.at_level(logging.WARNING):
        result = sync_account(lib, api, api.resolve(OWNER_HANDLE))
    assert result.new_posts == 4 and result.complete
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and bad["uri"] in warnings[0] and "nonsense" in warnings[0]


def test_a_malformed_mastodon_status_is_skipped_with_a_warning(
    fake: FakeSocial, lib: Library, caplog: pytest.LogCaptureFixture
) -> None:
    fake.statuses[1]["created_at"] = None
    api = mastodon(fake)
    try:
        with caplog.at_level(logging.WARNING):
            result = sync_mastodon(lib, api)
    finally:
        api.close()
    assert result.new_posts == 39
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and fake.statuses[1]["uri"] in warnings[0]


def test_fetch_with_a_malformed_post_warns_and_goes_on(
    fake: FakeSocial, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake.feed = bsky_feed(5)
    fake.feed[3]["post"]["record"]["createdAt"] = 12
    out = io.StringIO()
    db = str(tmp_path / "lib.sqlite")
    with caplog.at_level(logging.WARNING):
        assert cli.main(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db], out=out) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and fake.feed[3]["post"]["uri"] in warnings[0]
    assert "\n" not in warnings[0] and ": 4 new," in out.getvalue()


# -- 13: messages about bad saved data -----------------------------------------------


def test_a_bad_time_is_named_as_iso_not_as_the_x_archive_format(tmp_path: Path) -> None:
    feed = bsky_feed(2)
    feed[1]["post"]["record"]["createdAt"] = "yesterday"
    path = tmp_path / "feed.json"
    path.write_bytes(orjson.dumps({"feed": feed}))
    with pytest.raises(InputFormatError) as err:
        read_bluesky(path)
    assert "not an ISO 8601 time: 'yesterday'" in str(err.value) and "%a" not in str(err.value)
    statuses = mastodon_statuses(2, "https://example.social")
    statuses[0]["created_at"] = "Sat Nov 09 12:14:18 +0000 2024"
    path.write_bytes(orjson.dumps(statuses))
    with pytest.raises(InputFormatError, match="not an ISO 8601 time"):
        read_mastodon(path)


def test_an_empty_feed_says_posts_not_tweets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "empty.json"
    path.write_bytes(b'{"feed": []}')
    assert cli.main(["audit", str(path), "--input-format", "bluesky"], out=io.StringIO()) != 0
    err = capsys.readouterr().err
    assert "no posts" in err and "tweets" not in err


# -- 14, 15: no retries for a name that does not resolve; a deadline per answer --------


def test_a_host_name_that_does_not_resolve_fails_at_once(
    fake: FakeSocial, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def resolver(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "no-such-instance.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "https")
    waits = Waits()
    with (
        MastodonApi("no-such-instance.example", **waits.options()) as api,
        pytest.raises(ApiUnavailable) as err,
    ):
        api.resolve("@alice@no-such-instance.example")
    assert "does not resolve" in str(err.value) and "no-such-instance.example" in str(err.value)
    assert waits.slept == [] and api.http.requests == 1


def test_a_trickling_answer_meets_the_deadline(fake: FakeSocial) -> None:
    body = orjson.dumps({"did": OWNER_DID, "handle": OWNER_HANDLE, "displayName": "x" * 40})
    fake.faults.append(Fault(PROFILE, 200, body=body, drip=0.05, times=10))
    waits = Waits()
    # Each byte comes well within the 5 s read timeout; the whole answer would take ~5 s.
    with (
        BlueskyApi(**waits.options(timeout=5.0, deadline=0.3, retries=1)) as api,
        pytest.raises(ApiUnavailable, match="did not answer in time"),
    ):
        api.resolve(OWNER_HANDLE)
    assert len(fake.calls(PROFILE)) == 2 and len(waits.slept) == 1


# -- 10: Mastodon's own faults, and one status through two instances -----------------


def test_mastodon_rate_limit_waits_for_its_iso_reset(fake: FakeSocial, lib: Library) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=40)).isoformat().replace("+00:00", "Z")
    fake.faults.append(Fault(STATUSES, 429, {"x-ratelimit-reset": reset}))
    waits = Waits()
    api = mastodon(fake, waits)
    try:
        result = sync_mastodon(lib, api)
    finally:
        api.close()
    assert result.new_posts == 40
    assert len(waits.slept) == 1 and 35 <= waits.slept[0] <= 42
    assert "429" in waits.announced[0][1]


def test_mastodon_server_errors_are_retried(fake: FakeSocial, lib: Library) -> None:
    fake.faults.append(Fault("/api/v1/accounts/lookup", 502, body=b"<html>bad gateway</html>"))
    fake.faults.append(Fault(STATUSES, 503, times=2))
    waits = Waits()
    api = mastodon(fake, waits)
    try:
        result = sync_mastodon(lib, api)
    finally:
        api.close()
    assert result.new_posts == 40
    assert waits.slept == [2.0, 2.0, 4.0]
    assert [r for _, r in waits.announced] == [
        f"{fake.host} answered HTTP 502; retry 1 of 4",
        f"{fake.host} answered HTTP 503; retry 1 of 4",
        f"{fake.host} answered HTTP 503; retry 2 of 4",
    ]


def test_a_stalled_mastodon_instance_gives_up_in_one_line(fake: FakeSocial, lib: Library) -> None:
    fake.faults.append(Fault(STATUSES, 200, stall=10.0, times=10))
    waits = Waits()
    api = mastodon(fake, waits, timeout=0.2, retries=1)
    try:
        with pytest.raises(ApiUnavailable) as err:
            sync_mastodon(lib, api)
    finally:
        api.close()
    assert "did not answer in time" in str(err.value) and "2 tries" in str(err.value)
    assert "\n" not in str(err.value) and len(fake.calls(STATUSES)) == 2


def test_one_status_through_two_instances_is_one_post_of_one_account(lib: Library) -> None:
    home = mastodon_statuses(1, "https://home.example")[0]
    home["account"]["acct"] = MASTODON_USER  # relative on its own instance
    # The same status as another instance serves it: its own ids, the acct made absolute.
    remote = orjson.loads(orjson.dumps(home))
    remote["id"] = "7"
    remote["account"]["id"] = "4242"
    remote["account"]["acct"] = f"{MASTODON_USER}@home.example"
    posts = [status_to_post(home), status_to_post(remote)]
    accounts = [account_of(home["account"]), account_of(remote["account"])]
    assert posts[0].id == posts[1].id == home["uri"]
    assert (
        accounts[0]
        == accounts[1]
        == Account(
            "mastodon", f"https://home.example/@{MASTODON_USER}", f"{MASTODON_USER}@home.example"
        )
    )
    assert lib.save_posts(accounts[0], posts[:1], origin="api").inserted == 1
    assert lib.save_posts(accounts[1], posts[1:], origin="api").inserted == 0
    assert len(lib.posts("mastodon", accounts[0].id or "")) == 1


# -- 11: a handle whose domain is not its server's -----------------------------------


def test_a_handle_on_another_domain_is_found_by_webfinger(fake: FakeSocial, lib: Library) -> None:
    with FakeSocial() as domain:  # example.com: only a WebFinger pointing at the server
        domain.has_accounts = False
        domain.webfinger = {
            f"acct:{MASTODON_USER}@{domain.host}": f"{fake.url}/users/{MASTODON_USER}"
        }
        with MastodonApi(domain.host, **Waits().options()) as api:
            result = sync_account(lib, api, api.resolve(f"@{MASTODON_USER}@{domain.host}"))
        assert domain.calls("/.well-known/webfinger")[0].params == {
            "resource": f"acct:{MASTODON_USER}@{domain.host}"
        }
        assert domain.calls(STATUSES) == []
    assert result.new_posts == 40 and len(fake.calls(STATUSES)) == 2
    assert result.account.handle == f"{MASTODON_USER}@{domain.host}"
    assert result.account.id == f"{fake.url}/@{MASTODON_USER}"


def test_without_webfinger_the_error_says_to_name_the_server(fake: FakeSocial) -> None:
    fake.has_accounts = False
    with MastodonApi(fake.host, **Waits().options()) as api, pytest.raises(AccountError) as err:
        api.resolve(f"@{MASTODON_USER}@{fake.host}")
    message = str(err.value)
    assert "does not exist" in message and f"mastodon:@{MASTODON_USER}@SERVER" in message
    assert "\n" not in message and err.value.exit_code == 2


# -- 18: what fetch and accounts print -------------------------------------------------


def test_fetch_counts_every_request_and_accounts_stay_aligned(
    fake: FakeSocial, tmp_path: Path
) -> None:
    db = str(tmp_path / "lib.sqlite")
    out = io.StringIO()
    assert cli.main(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db], out=out) == 0
    assert " in 2 requests: 25 new" in out.getvalue()  # the profile lookup and one page
    out = io.StringIO()
    assert cli.main(["fetch", f"mastodon:@{MASTODON_USER}@{fake.host}", "--db", db], out=out) == 0
    assert " in 3 requests: 40 new" in out.getvalue()  # the lookup, a page, the empty end
    out = io.StringIO()
    assert cli.main(["accounts", "--db", db], out=out) == 0
    lines = out.getvalue().splitlines()
    long_name = f"mastodon:@{MASTODON_USER}@{fake.host}"
    assert len(long_name) > 24 and any(line.startswith(long_name + " ") for line in lines)
    end = lines[0].index("posts") + len("posts")  # the posts column is right-aligned
    assert all(line[end - 1].isdigit() and line[end] == " " for line in lines[1:])
