"""The one network policy (linkratio.net.policy) as every client meets it, over real HTTP.

The X client talks through the real tweepy/requests, Bluesky through the real httpx, the
webhook through httpx too; the servers are tests/fakes/scripted.py on 127.0.0.1. Waits are
recorded, never slept; time limits are tiny so every test stays fast.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from fakes.scripted import Answer, Asked, Scripted, json_answer
from helpers import Waits

from linkratio.errors import ApiUnavailable, DeliveryError, RateLimited
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.policy import MAX_WAIT, NO_RESET_WAIT, Policy, reset_delay
from linkratio.net.x import Credentials, XClient
from linkratio.weekly.deliver import post_webhook, webhook_destination

CREDS = Credentials(bearer_token="BEARER-policy-secret")
USER = {"data": {"id": "42", "name": "Pol", "username": "policy"}}
NOW = 1_700_000_000.0


def x_client(server: Scripted, waits: Waits | None = None, **policy: Any) -> XClient:
    options = {"timeout": 5.0, "backoff": 0.01, **policy}
    return XClient(CREDS, base_url=server.url, **(waits or Waits()).options(**options))


def one_line_error(call: Any, kind: type[Exception]) -> Exception:
    with pytest.raises(kind) as caught:
        call()
    assert "\n" not in str(caught.value)
    return caught.value


# --- Reset headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "30"}, 30),
        ({"retry-after": format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True)}, 90),
        ({"x-rate-limit-reset": str(int(NOW) + 40)}, 40),  # X: epoch seconds
        ({"ratelimit-reset": "12"}, 12),  # IETF draft: seconds to go
        ({"ratelimit-reset": str(int(NOW) + 7)}, 7),  # Bluesky: epoch seconds
        ({"x-ratelimit-reset": "2023-11-14T22:14:20.000Z"}, 60),  # Mastodon: an ISO time
        ({"x-ratelimit-reset": "2023-11-14T22:14:20+00:00"}, 60),
        ({"retry-after": "5", "x-rate-limit-reset": str(int(NOW) + 99)}, 5),
        ({"x-rate-limit-reset": str(int(NOW) - 50)}, 0),  # already past
        ({}, None),
    ],
)
def test_every_reset_header_form(headers: dict[str, str], seconds: float | None) -> None:
    assert reset_delay(headers, NOW) == (pytest.approx(seconds) if seconds is not None else None)


@pytest.mark.parametrize("garbage", ["abc", "1.5e9", "-5", "nan", "inf", "", " ", "0x10", "1e400"])
@pytest.mark.parametrize(
    "name", ["retry-after", "x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"]
)
def test_garbage_reset_values_are_ignored_never_raised(name: str, garbage: str) -> None:
    assert reset_delay({name: garbage}, NOW) is None
    assert reset_delay({name: garbage, "ratelimit-reset": "9"}, NOW) == 9  # the next one counts


def test_absurd_resets_are_clamped_into_a_stop() -> None:
    policy = Policy()
    huge = {"x-rate-limit-reset": "99999999999999999999"}
    assert reset_delay(huge, NOW) > MAX_WAIT
    assert policy.limit_wait(huge, NOW) is None  # beyond 15 min: stop, do not wait
    assert policy.limit_wait({"retry-after": str(MAX_WAIT + 1)}, NOW) is None
    assert policy.limit_wait({"retry-after": "30"}, NOW) == 31  # a second of margin
    assert policy.limit_wait({"retry-after": "abc"}, NOW) == NO_RESET_WAIT
    assert Policy(wait_on_rate_limit=False).limit_wait({"retry-after": "1"}, NOW) is None


# --- Retries ------------------------------------------------------------------------


def test_500_then_200_is_retried_once_and_counted_server_side() -> None:
    def answer(asked: Asked) -> Answer:
        return json_answer({"title": "boom"}, 500) if asked.number == 1 else json_answer(USER)

    waits = Waits()
    with Scripted(answer) as server:
        assert x_client(server, waits).lookup_user("policy").id == "42"
        assert [a.number for a in server.asked] == [1, 2]
    assert waits.slept == [0.01]
    assert waits.announced == [(0.01, "500 Internal Server Error; retry 1 of 4")]


def test_a_503_retry_after_within_the_clamp_is_waited() -> None:
    def answer(asked: Asked) -> Answer:
        if asked.number == 1:
            return json_answer({"title": "busy"}, 503, **{"retry-after": "30"})
        return json_answer(USER)

    waits = Waits()
    with Scripted(answer) as server:
        assert x_client(server, waits).lookup_user("policy").id == "42"
    assert waits.slept == [30.0]


@pytest.mark.parametrize("after", ["99999999", str(int(MAX_WAIT) + 1)])
def test_a_503_retry_after_beyond_the_clamp_stops_at_once(after: str) -> None:
    waits = Waits()
    busy = json_answer({"title": "busy"}, 503, **{"retry-after": after})
    with Scripted(lambda asked: busy) as server:
        error = one_line_error(
            lambda: x_client(server, waits).lookup_user("policy"), ApiUnavailable
        )
        assert len(server.asked) == 1
    assert waits.slept == [] and waits.announced == []
    assert f"it asks for a retry in {int(after):,} s, longer than the 900 s a run waits" in str(
        error
    )
    assert str(error).endswith("gave up after 1 try: try again later")


def test_bluesky_500_then_200_is_retried_once(monkeypatch: pytest.MonkeyPatch) -> None:
    profile = {"did": "did:plc:abc", "handle": "a.bsky.social"}

    def answer(asked: Asked) -> Answer:
        return json_answer({"error": "x"}, 500) if asked.number == 1 else json_answer(profile)

    with Scripted(answer) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        api = BlueskyApi(**Waits().options(backoff=0.01))
        assert api.resolve("a.bsky.social").id == "did:plc:abc"
        api.close()
        assert len(server.asked) == 2


# --- Deadline -----------------------------------------------------------------------


def test_x_deadline_cuts_off_a_trickling_answer() -> None:
    body = b'{"data": {"id": "42", "username": "policy", "name": "' + b"x" * 200 + b'"}}'
    with Scripted(lambda asked: Answer(200, body, drip=0.05)) as server:
        started = time.monotonic()
        error = one_line_error(
            lambda: x_client(server, retries=1, deadline=0.3).lookup_user("policy"),
            ApiUnavailable,
        )
        elapsed = time.monotonic() - started
    # Each byte came well within the 5 s read timeout; the whole answer would take ~13 s.
    assert "no whole answer in time; gave up after 2 tries" in str(error)
    assert len(server.asked) == 2 and elapsed < 5


# --- Body cap -----------------------------------------------------------------------


def test_x_refuses_a_huge_content_length_before_reading() -> None:
    huge = Answer(200, b"{}", {"content-type": "application/json"}, length=3 * 1024**3)
    with Scripted(lambda asked: huge) as server:
        error = one_line_error(lambda: x_client(server).lookup_user("policy"), ApiUnavailable)
        assert len(server.asked) == 1  # not retried: it would be as big again
    assert str(error) == (
        f"the X API at {server.url.removeprefix('http://')} sent 3,072 MiB, more than the "
        "32 MiB cap"
    )
    assert error.platform == "x"


def test_x_stops_reading_an_endless_body_at_the_cap() -> None:
    with Scripted(lambda asked: Answer(200, endless=True)) as server:
        error = one_line_error(
            lambda: x_client(server, max_body=256 * 1024).lookup_user("policy"), ApiUnavailable
        )
        assert "sent more than the 262,144 bytes cap; stopped reading" in str(error)
        _server_gave_up(server)


def test_bluesky_stops_reading_an_endless_body_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    with Scripted(lambda asked: Answer(200, endless=True)) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        api = BlueskyApi(max_body=256 * 1024)
        error = one_line_error(lambda: api.resolve("a.bsky.social"), ApiUnavailable)
        api.close()
        assert error.platform == "bluesky" and "cap; stopped reading" in str(error)
        _server_gave_up(server)


def _server_gave_up(server: Scripted) -> None:
    """The endless answer ended because the client left, far before the server's own limit."""
    ends = time.monotonic() + 5
    while not server.sent and time.monotonic() < ends:
        time.sleep(0.02)
    assert server.sent and server.sent[0] < 1 << 30
    assert len(server.asked) == 1


# --- Rate limits --------------------------------------------------------------------


def test_x_garbage_reset_waits_the_default_then_succeeds() -> None:
    def answer(asked: Asked) -> Answer:
        if asked.number == 1:
            return json_answer({"title": "Too Many Requests"}, 429, **{"x-rate-limit-reset": "abc"})
        return json_answer(USER)

    waits = Waits()
    with Scripted(answer) as server:
        assert x_client(server, waits).lookup_user("policy").id == "42"
    assert waits.slept == [NO_RESET_WAIT]
    assert waits.announced[0][1] == "X rate limit reached (HTTP 429)"


@pytest.mark.parametrize(
    "headers",
    [
        {"x-rate-limit-reset": "99999999999999999999"},
        {"retry-after": "3600"},
        {"retry-after": "1.5e9", "x-rate-limit-reset": str(int(time.time()) + 7200)},
    ],
)
def test_x_reset_beyond_the_clamp_stops_with_exit_75(headers: dict[str, str]) -> None:
    waits = Waits()
    limited = json_answer({"title": "Too Many Requests"}, 429, **headers)
    with Scripted(lambda asked: limited) as server:
        error = one_line_error(lambda: x_client(server, waits).lookup_user("policy"), RateLimited)
        assert len(server.asked) == 1
    assert error.exit_code == 75 and error.platform == "x"
    assert "next run resumes" in str(error) and waits.slept == []


def test_mastodon_style_iso_reset_on_bluesky_client_is_waited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    profile = {"did": "did:plc:abc", "handle": "a.bsky.social"}

    def answer(asked: Asked) -> Answer:
        if asked.number == 1:
            return json_answer({"error": "RateLimitExceeded"}, 429, **{"x-ratelimit-reset": reset})
        return json_answer(profile)

    waits = Waits()
    with Scripted(answer) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        api = BlueskyApi(**waits.options())
        api.resolve("a.bsky.social")
        api.close()
    assert len(waits.slept) == 1 and 15 <= waits.slept[0] <= 22


# --- Webhooks -----------------------------------------------------------------------


def test_a_webhook_429_waits_for_its_reset_through_the_policy() -> None:
    def answer(asked: Asked) -> Answer:
        if asked.number == 1:
            return Answer(429, b"slow down", {"retry-after": "2"})
        return Answer(200, b"ok")

    waits = Waits()
    with Scripted(answer) as server:
        dest = webhook_destination(f"{server.url}/hook/SECRETTOKEN")
        assert post_webhook(dest, {"text": "hi"}, **waits.options()) == 2
        assert [a.method for a in server.asked] == ["POST", "POST"]
    assert waits.announced == [(3.0, "webhook 127.0.0.1/…: rate limited (HTTP 429)")]


def test_a_webhook_429_too_far_away_is_temporary_without_waiting() -> None:
    with Scripted(lambda asked: Answer(429, b"", {"retry-after": "99999"})) as server:
        dest = webhook_destination(f"{server.url}/hook/SECRETTOKEN")
        waits = Waits()
        error = one_line_error(lambda: post_webhook(dest, {}, **waits.options()), DeliveryError)
    assert error.exit_code == 75 and waits.slept == [] and "SECRETTOKEN" not in str(error)


def test_a_webhook_answer_is_capped_too() -> None:
    with Scripted(lambda asked: Answer(500, endless=True)) as server:
        dest = webhook_destination(f"{server.url}/hook/SECRETTOKEN")
        error = one_line_error(lambda: post_webhook(dest, {}, sleep=lambda s: None), DeliveryError)
        _server_gave_up(server)
    assert "webhook 127.0.0.1/… sent more than the 1 MiB cap" in str(error)


def test_a_webhook_that_accepts_with_an_endless_answer_has_the_message_once() -> None:
    """A 2xx is delivered when it is said; its body is never read (so it cannot hold the run)."""
    with Scripted(lambda asked: Answer(200, endless=True)) as server:
        dest = webhook_destination(f"{server.url}/hook/SECRETTOKEN")
        assert post_webhook(dest, {}, sleep=lambda s: None) == 1
        _server_gave_up(server)


def test_no_requests_left_until_a_far_reset_stops_before_the_next_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    profile = {"did": "did:plc:abc", "handle": "a.bsky.social"}
    spent = {"ratelimit-remaining": "0", "ratelimit-reset": "99999"}
    with Scripted(lambda asked: json_answer(profile, **spent)) as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        waits = Waits()
        api = BlueskyApi(**waits.options())
        api.resolve("a.bsky.social")
        error = one_line_error(lambda: api.resolve("a.bsky.social"), RateLimited)
        api.close()
        assert len(server.asked) == 1
    assert error.exit_code == 75 and "used up" in str(error) and waits.slept == []
