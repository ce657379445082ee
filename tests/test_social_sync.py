"""Fetching Bluesky and Mastodon accounts through httpx from fake servers on 127.0.0.1."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from fakes.social import (
    MASTODON_USER,
    OWNER_DID,
    OWNER_HANDLE,
    FakeSocial,
    Fault,
    bsky_feed,
    mastodon_statuses,
    sort_time,
)
from helpers import Waits, cleared, screen_text

from linkratio import cli
from linkratio.errors import (
    AccountError,
    ApiUnavailable,
    AuthError,
    RateLimited,
    SettingError,
)
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.mastodon import MastodonApi, split_handle
from linkratio.net.policy import reset_delay
from linkratio.net.service import checked_base_url
from linkratio.sources.bluesky import item_to_post
from linkratio.sync import sync_account

FEED = "/xrpc/app.bsky.feed.getAuthorFeed"


def bsky(waits: Waits | None = None, **more: Any) -> BlueskyApi:
    return BlueskyApi(**(waits or Waits()).options(**more))


def sync_bsky(lib: Library, api: BlueskyApi, **kwargs: Any) -> Any:
    account = api.resolve(OWNER_HANDLE)
    return sync_account(lib, api, account, **kwargs)


# -- Bluesky --------------------------------------------------------------------------


def test_bluesky_pages_through_the_author_feed(fake: FakeSocial, lib: Library) -> None:
    fake.feed = bsky_feed(250)
    api = bsky()
    try:
        result = sync_bsky(lib, api)
    finally:
        api.close()
    assert (result.pages, result.posts_read, result.new_posts, result.complete) == (
        3,
        250,
        250,
        True,
    )
    calls = fake.calls(FEED)
    assert [c.params.get("cursor") for c in calls][0] is None
    assert all(c.params["filter"] == "posts_with_replies" for c in calls)
    assert all(c.params["limit"] == "100" and c.params["actor"] == OWNER_DID for c in calls)
    assert calls[1].params["cursor"].startswith(sort_time(fake.feed[99]) + "::")
    assert result.account.id == OWNER_DID and result.account.handle == OWNER_HANDLE
    assert len(lib.posts("bluesky", OWNER_DID)) == 250
    assert lib.cursor("bluesky", OWNER_DID) is None


def test_bluesky_next_run_stops_at_stored_posts(fake: FakeSocial, lib: Library) -> None:
    fake.feed = bsky_feed(250)
    api = bsky()
    try:
        sync_bsky(lib, api)
        newer = bsky_feed(5, start=datetime(2030, 1, 1, tzinfo=UTC))
        for n, item in enumerate(newer):
            item["post"]["uri"] = item["post"]["uri"].replace("copy", f"new{n}")
        fake.feed = newer + fake.feed
        before = len(fake.calls(FEED))
        result = sync_bsky(lib, api)
    finally:
        api.close()
    assert len(fake.calls(FEED)) - before == 1
    assert (result.posts_read, result.new_posts, result.complete) == (100, 5, True)
    assert len(lib.posts("bluesky", OWNER_DID)) == 255


def test_bluesky_resumes_an_interrupted_backfill(fake: FakeSocial, lib: Library) -> None:
    fake.feed = bsky_feed(250)
    hundredth = sort_time(fake.feed[99])
    api = bsky()
    try:
        first = sync_bsky(lib, api, max_posts=100)
        assert not first.complete and first.pages == 1
        saved = lib.cursor("bluesky", OWNER_DID)
        assert saved is not None and saved["cursor"].startswith(hundredth + "::")
        # Three posts are made before the next run: they must neither shift the rest of
        # the backfill nor be missed.
        newer = bsky_feed(3, start=datetime(2030, 1, 1, tzinfo=UTC))
        for n, item in enumerate(newer):
            item["post"]["uri"] = item["post"]["uri"].replace("copy", f"new{n}")
        fake.feed = newer + fake.feed
        second = sync_bsky(lib, api)
    finally:
        api.close()
    calls = fake.calls(FEED)
    assert calls[1].params["cursor"].startswith(hundredth + "::")  # went on where it stopped
    assert second.complete and second.new_posts == 153
    assert calls[-1].params.get("cursor") is None  # then looked at the top for new posts
    assert len(lib.posts("bluesky", OWNER_DID)) == 253


def test_a_post_stored_under_another_account_does_not_stop_the_sync(
    fake: FakeSocial, lib: Library
) -> None:
    fake.feed = bsky_feed(250)
    stray = item_to_post(fake.feed[5], source="file")
    lib.save_posts(Account("bluesky", "did:plc:other", "else.bsky.social"), [stray], origin="file")
    api = bsky()
    try:
        result = sync_bsky(lib, api)
    finally:
        api.close()
    assert result.pages == 3 and result.new_posts == 249
    assert len(lib.posts("bluesky", OWNER_DID)) == 250


def test_rate_limit_waits_for_the_reset_header(fake: FakeSocial, lib: Library) -> None:
    reset = str(int(time.time()) + 30)
    fake.faults.append(Fault(FEED, 429, {"ratelimit-reset": reset, "ratelimit-remaining": "0"}))
    waits = Waits()
    api = bsky(waits)
    try:
        result = sync_bsky(lib, api)
    finally:
        api.close()
    assert result.new_posts == 25
    assert len(waits.announced) == 1 and "429" in waits.announced[0][1]
    assert 25 <= waits.slept[0] <= 32


def test_rate_limit_without_waiting_stops_cleanly(fake: FakeSocial, lib: Library) -> None:
    fake.feed = bsky_feed(250)
    api = bsky(wait_on_rate_limit=False)
    try:
        sync_bsky(lib, api, max_posts=100)  # one page is stored, with its cursor
        fake.faults.append(Fault(FEED, 429, {"retry-after": "60"}))
        with pytest.raises(RateLimited) as err:
            sync_bsky(lib, api)
    finally:
        api.close()
    assert err.value.exit_code == 75 and "next run resumes" in str(err.value)
    assert len(lib.posts("bluesky", OWNER_DID)) == 100
    assert lib.cursor("bluesky", OWNER_DID) is not None


def test_remaining_zero_waits_before_the_next_request(fake: FakeSocial, lib: Library) -> None:
    fake.feed = bsky_feed(150)
    fake.remaining = 0
    waits = Waits()
    api = bsky(waits)
    try:
        sync_bsky(lib, api)
    finally:
        api.close()
    reasons = [reason for _, reason in waits.announced]
    assert any("no requests left" in r for r in reasons)
    fake.remaining = 0
    api = bsky(wait_on_rate_limit=False)
    try:
        with pytest.raises(RateLimited, match="used up"):
            list(api.pages(api.resolve(OWNER_HANDLE)))
    finally:
        api.close()


def test_server_errors_are_retried_with_backoff(fake: FakeSocial, lib: Library) -> None:
    fake.faults.append(Fault(FEED, 503, times=2))
    waits = Waits()
    api = bsky(waits)
    try:
        result = sync_bsky(lib, api)
    finally:
        api.close()
    assert result.new_posts == 25
    assert waits.slept == [2.0, 4.0]
    assert all("HTTP 503" in reason for _, reason in waits.announced)


def test_a_stalled_server_times_out_and_gives_up(fake: FakeSocial, lib: Library) -> None:
    fake.faults.append(Fault(FEED, 200, stall=10.0, times=10))
    waits = Waits()
    api = bsky(waits, timeout=0.2, retries=2)
    try:
        with pytest.raises(ApiUnavailable) as err:
            sync_bsky(lib, api)
    finally:
        api.close()
    assert "did not answer in time" in str(err.value) and "3 tries" in str(err.value)
    assert len(fake.calls(FEED)) == 3 and len(waits.slept) == 2


def test_unknown_blocked_and_non_json(fake: FakeSocial, lib: Library) -> None:
    api = bsky()
    try:
        with pytest.raises(AccountError) as err:
            api.resolve("nobody.bsky.social")
        assert "nobody.bsky.social" in str(err.value) and err.value.exit_code == 2
        account = api.resolve(OWNER_HANDLE)
        fake.faults.append(Fault(FEED, 400, body=b'{"error":"BlockedActor","message":"x"}'))
        with pytest.raises(AccountError, match="blocks"):
            list(api.pages(account))
        fake.faults.append(Fault(FEED, 200, body=b"<html>hello</html>", content_type="text/html"))
        with pytest.raises(ApiUnavailable) as err:
            list(api.pages(account))
        assert "not JSON" in str(err.value) and "text/html" in str(err.value)
    finally:
        api.close()
    assert lib.cursor("bluesky", OWNER_DID) is None


def test_reset_headers_in_every_form() -> None:
    now = 1_700_000_000.0
    assert reset_delay({"ratelimit-reset": str(int(now) + 40)}, now) == 40
    assert reset_delay({"ratelimit-reset": "12"}, now) == 12
    iso = "2023-11-14T22:14:20.000Z"  # Mastodon's form: 60 s after `now`
    assert reset_delay({"x-ratelimit-reset": iso}, now) == pytest.approx(60)
    assert reset_delay({"x-ratelimit-reset": iso}, now + 90) == 0
    assert reset_delay({"retry-after": "5", "ratelimit-reset": "99"}, now) == 5
    assert reset_delay({}, now) is None


def test_plain_http_only_to_loopback_and_handles_checked() -> None:
    assert checked_base_url("http://127.0.0.1:8080/", "S", "mastodon") == "http://127.0.0.1:8080"
    with pytest.raises(SettingError, match="plain http"):
        checked_base_url("http://example.social", "S", "mastodon")
    for bad in ("alice", "alice@", "@alice@evil.example/x", "alice@a?b=1", "a b@example.social"):
        with pytest.raises(SettingError, match="not a Mastodon handle"):
            split_handle(bad)
    assert split_handle("alice@127.0.0.1:8080") == ("alice", "127.0.0.1:8080")
    assert split_handle("@alice@Example.Social") == ("alice", "example.social")


# -- Mastodon -------------------------------------------------------------------------


def statuses_calls(fake: FakeSocial) -> list[Any]:
    return [c for c in fake.calls("/api/v1/accounts/") if c.path.endswith("/statuses")]


def test_mastodon_pages_with_max_id(fake: FakeSocial, lib: Library) -> None:
    fake.statuses = mastodon_statuses(100, fake.url)
    with MastodonApi(fake.host, **Waits().options()) as api:
        account = api.resolve(f"@{MASTODON_USER}@{fake.host}")
        result = sync_account(lib, api, account)
    calls = statuses_calls(fake)
    assert len(calls) == 4  # 40 + 40 + 20, then the empty page that says it is the end
    assert calls[0].params == {"limit": "40"}
    assert calls[1].params["max_id"] == fake.statuses[39]["id"]
    assert not any(k.startswith("exclude") for c in calls for k in c.params)
    assert (result.posts_read, result.new_posts, result.complete) == (100, 100, True)
    assert account.id == f"{fake.url}/@{MASTODON_USER}"
    assert account.handle == f"{MASTODON_USER}@{fake.host}"
    assert fake.calls("/api/v1/accounts/lookup")[0].params == {"acct": MASTODON_USER}


def test_mastodon_next_run_stops_at_stored_posts(fake: FakeSocial, lib: Library) -> None:
    fake.statuses = mastodon_statuses(100, fake.url)
    with MastodonApi(fake.host, **Waits().options()) as api:
        account = api.resolve(f"@{MASTODON_USER}@{fake.host}")
        sync_account(lib, api, account)
        newer = mastodon_statuses(3, fake.url, start=datetime(2030, 1, 1, tzinfo=UTC))
        for n, status in enumerate(newer):
            status["id"] = str(int(fake.statuses[0]["id"]) + 10 + n)
            status["uri"] = f"{fake.url}/users/{MASTODON_USER}/statuses/{status['id']}"
        fake.statuses = sorted(newer, key=lambda s: -int(s["id"])) + fake.statuses
        before = len(statuses_calls(fake))
        result = sync_account(lib, api, account)
    assert len(statuses_calls(fake)) - before == 1
    assert result.new_posts == 3
    assert len(lib.posts("mastodon", account.id or "")) == 103


def test_instance_refusing_public_access(fake: FakeSocial, monkeypatch: pytest.MonkeyPatch) -> None:
    fake.public_access = False
    fake.token = "s3cret-token-value"
    with MastodonApi(fake.host, **Waits().options()) as api, pytest.raises(AuthError) as err:
        api.resolve(f"@{MASTODON_USER}@{fake.host}")
    assert err.value.exit_code == 77 and "LINKRATIO_MASTODON_TOKEN" in str(err.value)
    with (
        MastodonApi(fake.host, token="wrong-token-value", **Waits().options()) as wrong,
        pytest.raises(AuthError) as err,
    ):
        wrong.resolve(f"@{MASTODON_USER}@{fake.host}")
    assert "rejected the access token" in str(err.value)
    assert "wrong-token-value" not in str(err.value) and "wrong-token" not in repr(wrong.http)
    with MastodonApi(fake.host, token="s3cret-token-value", **Waits().options()) as right:
        account = right.resolve(f"@{MASTODON_USER}@{fake.host}")
    assert account.handle == f"{MASTODON_USER}@{fake.host}"
    assert fake.requests[-1].headers["authorization"] == "Bearer s3cret-token-value"


def test_unknown_mastodon_account(fake: FakeSocial) -> None:
    with MastodonApi(fake.host, **Waits().options()) as api, pytest.raises(AccountError) as err:
        api.resolve(f"@nobody@{fake.host}")
    assert f"@nobody@{fake.host}" in str(err.value) and "does not exist" in str(err.value)


# -- through the command line ----------------------------------------------------------


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(argv, out=out), out.getvalue()


def test_fetch_then_audit_bluesky_end_to_end(fake: FakeSocial, tmp_path: Path) -> None:
    db = str(tmp_path / "lib.sqlite")
    code, text = run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db])
    assert code == 0 and "fetched 25 posts of bsky:shinyakato.dev (bluesky)" in text
    assert "25 new" in text
    code, text = run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db])
    assert code == 0 and "0 new" in text
    code, text = run(["audit", f"bsky:{OWNER_HANDLE}", "--db", db, "--json"])
    assert code == 0 and orjson.loads(text)["posts"] == 25
    code, text = run(["accounts", "--db", db])
    assert "bsky:shinyakato.dev" in text


def test_fetch_then_audit_mastodon_end_to_end(fake: FakeSocial, tmp_path: Path) -> None:
    db = str(tmp_path / "lib.sqlite")
    name = f"mastodon:@{MASTODON_USER}@{fake.host}"
    code, text = run(["fetch", name, "--db", db])
    assert code == 0 and "fetched 40 posts" in text and "40 new" in text
    code, text = run(["classify", name, "--db", db, "--output", "jsonl"])
    rows = [orjson.loads(line) for line in text.splitlines()]
    assert code == 0 and len(rows) == 40 and {r["platform"] for r in rows} == {"mastodon"}


def test_cli_errors_are_one_line(
    fake: FakeSocial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.sqlite")
    assert run(["fetch", "bsky:nobody.bsky.social", "--db", db])[0] == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nobody.bsky.social" in err and "Traceback" not in err
    fake.public_access = False
    assert run(["fetch", f"mastodon:@{MASTODON_USER}@{fake.host}", "--db", db])[0] == 77
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "refuses public access" in err
    assert run(["fetch", "mastodon:alice", "--db", db])[0] == 2
    assert run(["audit", "bsky:nobody.bsky.social", "--db", db])[0] == 2
    assert "no account bsky:nobody.bsky.social" in capsys.readouterr().err


def test_weekly_refresh_syncs_bluesky_and_mastodon(fake: FakeSocial, lib: Library) -> None:
    from linkratio.sync import refresh

    fake.feed = bsky_feed(30)
    bsky_account = Account("bluesky", OWNER_DID, "old-handle.bsky.social")
    done = refresh(lib, bsky_account)
    assert (done.posts_read, done.new_posts) == (30, 30)
    assert fake.calls("/xrpc/app.bsky.actor.getProfile")[0].params == {"actor": OWNER_DID}
    assert lib.find_account(OWNER_HANDLE, "bluesky") == Account("bluesky", OWNER_DID, OWNER_HANDLE)
    masto = Account("mastodon", f"{fake.url}/@{MASTODON_USER}", f"{MASTODON_USER}@{fake.host}")
    done = refresh(lib, masto)
    assert (done.posts_read, done.new_posts) == (40, 40)
    assert len(lib.posts("mastodon", masto.id or "")) == 40


def test_cli_shows_its_waits_and_stops_on_no_wait(
    fake: FakeSocial,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # the CLI's waiter sleeps with time.sleep
    db = str(tmp_path / "lib.sqlite")
    fake.faults.append(Fault(FEED, 503))
    assert run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db])[0] == 0
    err = capsys.readouterr().err
    assert "Bluesky answered HTTP 503; retry 1 of 4: waiting 2s" in err and slept == [2.0]
    fake.faults.append(Fault(FEED, 429, {"retry-after": "120"}))
    assert run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db, "--no-wait"])[0] == 75
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rate limit reached" in err


def test_saved_files_with_a_named_format(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = Path(__file__).parent / "fixtures" / "bluesky" / "getAuthorFeed.json"
    code, text = run(["classify", str(feed), "--input-format", "bluesky", "--output", "csv"])
    assert code == 0 and len(text.splitlines()) == 26
    assert run(["classify", str(feed), "--input-format", "x-v2"])[0] == 2
    err = capsys.readouterr().err
    assert "Bluesky feed" in err and "--input-format bluesky" in err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so progress lines are drawn into it."""

    def isatty(self) -> bool:
        return True


def test_fetch_shows_pages_and_posts_on_a_terminal(
    fake: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    code, _ = run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", str(tmp_path / "lib.sqlite")])
    assert code == 0
    drawn = terminal.getvalue()
    assert "fetching: 1 page, 25 new ⠋ 25 " in screen_text(drawn)  # 25 posts read
    assert cleared(drawn)
