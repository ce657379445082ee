"""Hostile API answers (issue 12): malformed pages and records, absurd rate-limit headers.

Decided: a malformed post is skipped with a one-line warning naming it and the account
(one bad post must not make an account unreadable run after run); a malformed page
(`meta`, `includes`, `data`, a cursor or count of the wrong type) fails the fetch with one
line, exit 69, naming the account and what was expected. What earlier pages stored stays.
Servers are tests/fakes/scripted.py on 127.0.0.1; waits are recorded, never slept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.scripted import Answer, Asked, Scripted, json_answer
from helpers import Waits

from linkratio.errors import ApiError, RateLimited
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.mastodon import MastodonApi
from linkratio.net.policy import reset_text
from linkratio.net.x import Credentials, XClient
from linkratio.sync import sync_account

CREDS = Credentials(bearer_token="BEARER-hostile-secret")
OWNER = Account("x", id="42", handle="ana")
FIRST = "1800000000000000100"
SECOND = "1800000000000000050"


def tweet(tid: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": tid,
        "text": "hi https://t.co/x",
        "author_id": "42",
        "created_at": "2024-05-01T09:00:00.000Z",
        "edit_history_tweet_ids": [tid],
        "entities": {"urls": [{"url": "https://t.co/x", "expanded_url": "https://e.org"}]},
    }
    return {**base, **fields}


def good_page(next_token: str | None = "PAGE2") -> dict[str, Any]:
    meta: dict[str, Any] = {"result_count": 1, "newest_id": FIRST, "oldest_id": FIRST}
    if next_token:
        meta["next_token"] = next_token
    return {"data": [tweet(FIRST)], "meta": meta}


def x_timeline(second: dict[str, Any]) -> Callable[[Asked], Answer]:
    """A timeline of two pages: a good one, then `second`."""

    def answer(asked: Asked) -> Answer:
        if "pagination_token" not in asked.query:
            return json_answer(good_page())
        return json_answer(second)

    return answer


def x_sync(server: Scripted, lib: Library) -> Any:
    client = XClient(CREDS, base_url=server.url, timeout=5.0, backoff=0.01, **Waits().options())
    try:
        return sync_account(lib, client, OWNER)
    finally:
        client.close()


def stored(lib: Library, account: Account) -> list[str]:
    return sorted(p.id for p in lib.posts(account.platform, account.id or ""))


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


# --- 6: X pages -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ({"entities": "x"}, "entities is a string, expected an object"),
        ({"created_at": "0001-01-01T00:00:00+01:00"}, "out of range"),
        ({"created_at": "0001-01-01T00:00:00Z"}, "out of range"),
        ({"note_tweet": "long"}, "note_tweet is a string"),
    ],
)
def test_an_x_post_that_is_malformed_is_skipped_with_a_warning(
    lib: Library, caplog: pytest.LogCaptureFixture, bad: dict[str, Any], said: str
) -> None:
    second = {"data": [tweet(SECOND), tweet("1800000000000000040", **bad)], "meta": {}}
    with Scripted(x_timeline(second)) as server, caplog.at_level(logging.WARNING):
        result = x_sync(server, lib)
    assert result.complete and stored(lib, OWNER) == [SECOND, FIRST]
    (warning,) = warnings_of(caplog)
    assert "1800000000000000040" in warning and "@ana" in warning and said in warning


@pytest.mark.parametrize(
    ("page", "said"),
    [
        ({"data": [tweet(SECOND)], "meta": {"result_count": "lots"}}, "meta.result_count"),
        ({"data": [tweet(SECOND)], "includes": "users", "meta": {}}, "includes is a string"),
        ({"data": [tweet(SECOND)], "meta": {"next_token": {"a": 1}}}, "meta.next_token is an"),
        ({"data": [tweet(SECOND)], "meta": "done"}, "meta is a string"),
        ({"data": "tweets", "meta": {}}, "data is a string, expected a list"),
        ({"data": [7], "meta": {}}, "data[0] is a number"),
        ({"data": [], "includes": {"users": [1]}, "meta": {}}, "includes.users[0] is a number"),
        ({"data": [], "includes": {"users": [{"id": {}}]}, "meta": {}}, "includes.users[0].id"),
        ({"data": [], "meta": {"oldest_id": ["1"]}}, "meta.oldest_id"),
    ],
)
def test_a_malformed_x_page_fails_with_one_line_and_keeps_what_was_stored(
    lib: Library, page: dict[str, Any], said: str
) -> None:
    with Scripted(x_timeline(page)) as server, pytest.raises(ApiError) as caught:
        x_sync(server, lib)
    error = caught.value
    assert error.exit_code == 69 and error.platform == "x" and "\n" not in str(error)
    assert "malformed page of the posts of @ana" in str(error) and said in str(error)
    assert stored(lib, OWNER) == [FIRST]  # the first page stays


# --- 6: Bluesky and Mastodon pages ----------------------------------------------------

DID = "did:plc:hostile"


def bsky_item(rkey: str, created: str) -> dict[str, Any]:
    uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
    record = {"text": "hi", "createdAt": created}
    author = {"did": DID, "handle": "ana.bsky.social"}
    return {"post": {"uri": uri, "author": author, "record": record, "indexedAt": created}}


def bluesky(second: dict[str, Any]) -> Callable[[Asked], Answer]:
    def answer(asked: Asked) -> Answer:
        if asked.path.endswith("getProfile"):
            return json_answer({"did": DID, "handle": "ana.bsky.social"})
        if "cursor" not in asked.query:
            return json_answer(
                {"feed": [bsky_item("3kone", "2024-05-01T09:00:00Z")], "cursor": "c2"}
            )
        return json_answer(second)

    return answer


def bsky_sync(server: Scripted, lib: Library, monkeypatch: pytest.MonkeyPatch) -> Account:
    monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
    with BlueskyApi(timeout=5.0, backoff=0.01, **Waits().options()) as api:
        account = api.resolve("ana.bsky.social")
        sync_account(lib, api, account)
    return account


def test_a_bluesky_post_from_year_1_is_skipped_with_a_warning(
    lib: Library, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    second = {"feed": [bsky_item("3ktwo", "0001-01-01T00:00:00+01:00")]}
    with Scripted(bluesky(second)) as server, caplog.at_level(logging.WARNING):
        account = bsky_sync(server, lib, monkeypatch)
    assert len(stored(lib, account)) == 1
    (warning,) = warnings_of(caplog)
    assert "3ktwo" in warning and "out of range" in warning


def test_a_bluesky_cursor_that_is_an_object_fails_with_one_line(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = {"feed": [bsky_item("3ktwo", "2024-05-01T08:00:00Z")], "cursor": {"next": 1}}
    with Scripted(bluesky(second)) as server, pytest.raises(ApiError) as caught:
        bsky_sync(server, lib, monkeypatch)
    assert caught.value.exit_code == 69 and "\n" not in str(caught.value)
    assert "cursor is an object, expected a string" in str(caught.value)
    assert len(stored(lib, Account("bluesky", id=DID))) == 1


def toot(sid: Any, created: str) -> dict[str, Any]:
    account = {"id": "7", "acct": "ana", "username": "ana", "url": "http://127.0.0.1/@ana"}
    return {
        "id": sid,
        "uri": f"http://127.0.0.1/users/ana/statuses/{sid}",
        "created_at": created,
        "content": "<p>hi</p>",
        "account": account,
        "in_reply_to_account_id": None,
        "spoiler_text": "",
        "mentions": [],
    }


def mastodon_sync(second: list[Any], lib: Library, monkeypatch: pytest.MonkeyPatch) -> Account:
    def answer(asked: Asked) -> Answer:
        if asked.path.endswith("lookup"):
            return json_answer(toot("0", "2024-05-01T09:00:00Z")["account"])
        if "max_id" not in asked.query:
            return json_answer([toot("20", "2024-05-01T09:00:00Z")])
        return json_answer(second if asked.query["max_id"] == "20" else [])

    monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
    with (
        Scripted(answer) as server,
        MastodonApi(server.url.removeprefix("http://"), **Waits().options(timeout=5.0)) as api,
    ):
        account = api.resolve(f"@ana@{api.instance}")
        sync_account(lib, api, account)
    return account


def test_a_mastodon_status_from_year_1_is_skipped_with_a_warning(
    lib: Library, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    second = [toot("19", "2024-05-01T08:00:00Z"), toot("18", "0001-01-01T00:00:00+01:00")]
    with caplog.at_level(logging.WARNING):
        account = mastodon_sync(second, lib, monkeypatch)
    assert len(stored(lib, account)) == 2
    (warning,) = warnings_of(caplog)
    assert "statuses/18" in warning and "out of range" in warning


def test_a_mastodon_status_id_that_is_an_object_fails_with_one_line(
    lib: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    second = [toot({"id": 19}, "2024-05-01T08:00:00Z")]
    with pytest.raises(ApiError) as caught:
        mastodon_sync(second, lib, monkeypatch)
    assert caught.value.exit_code == 69 and "\n" not in str(caught.value)
    assert "status id is an object, expected a string" in str(caught.value)


# --- 7: rate-limit headers on X's tweepy path ----------------------------------------

USER = {"data": {"id": "42", "name": "Ana", "username": "ana"}}


def x_client(server: Scripted, waits: Waits, **policy: Any) -> XClient:
    options = {"timeout": 5.0, "backoff": 0.01, **policy}
    return XClient(CREDS, base_url=server.url, **waits.options(**options))


def limited_once(headers: dict[str, str]) -> Callable[[Asked], Answer]:
    def answer(asked: Asked) -> Answer:
        if asked.number == 1:
            return json_answer({"title": "Too Many Requests"}, 429, **headers)
        return json_answer(USER)

    return answer


@pytest.mark.parametrize("value", ["abc", "1.5e9", "99999999999999999999", "\u00b2", "-1", " 7"])
def test_garbage_x_reset_never_reaches_tweepy(value: str) -> None:
    waits = Waits()
    with Scripted(limited_once({"x-rate-limit-reset": value})) as server:
        client = x_client(server, waits)
        try:
            account = client.lookup_user("ana")
        except RateLimited as err:  # a reset too far away to wait for: stopped, one line
            assert err.exit_code == 75 and "\n" not in str(err)
        else:
            assert account.id == "42" and len(waits.slept) == 1
        finally:
            client.close()


def stopped(headers: dict[str, str], **policy: Any) -> RateLimited:
    """The RateLimited error of an X answer 429 with `headers`; nothing was slept."""
    waits = Waits()
    limited = json_answer({"title": "Too Many Requests"}, 429, **headers)
    with Scripted(lambda asked: limited) as server:
        client = x_client(server, waits, **policy)
        try:
            with pytest.raises(RateLimited) as caught:
                client.lookup_user("ana")
        finally:
            client.close()
    assert waits.slept == [] and "\n" not in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "headers",
    [
        {"x-rate-limit-reset": str(int(datetime(3000, 1, 1, tzinfo=UTC).timestamp()))},
        {"retry-after": "99999999"},
        {"x-rate-limit-reset": "99999999999"},
    ],
)
def test_an_absurdly_far_reset_stops_without_claiming_a_time(headers: dict[str, str]) -> None:
    error = stopped(headers)
    assert error.exit_code == 75 and error.reset_at is None
    assert "resets at" not in str(error) and "00:00:00" not in str(error)


def test_a_reset_on_another_day_shows_its_date() -> None:
    reset = int(time.time()) + 30 * 3600
    error = stopped({"x-rate-limit-reset": str(reset)}, wait_on_rate_limit=False)
    when = datetime.fromtimestamp(reset, UTC)
    assert f"it resets at {when:%Y-%m-%d %H:%M:%S} UTC" in str(error)


def test_reset_text_shows_the_date_only_when_it_is_not_today() -> None:
    now = datetime(2026, 12, 6, 23, 50, tzinfo=UTC)
    assert reset_text(now + timedelta(minutes=5), now) == "23:55:00 UTC"
    assert reset_text(now + timedelta(minutes=15), now) == "2026-12-07 00:05:00 UTC"
