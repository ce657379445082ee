"""The X API client against a fake X API v2 served over real HTTP on 127.0.0.1.

The real tweepy.Client talks to tests/fakes/x_api.py through the routing adapter; nothing
of tweepy is mocked. Assertions look at what came back and at what the server saw.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import time
from datetime import UTC, datetime

import orjson
import pytest
from fakes.x_api import (
    CLIENT_NOT_ENROLLED,
    CREDITS_DEPLETED,
    FIXTURE,
    UNSUPPORTED_AUTHENTICATION,
    USAGE_CAPPED,
    FakeXApi,
    Fault,
    forbidden,
    not_authorized,
    rate_limited,
    stall,
    timeline,
    unavailable,
)
from helpers import Waits, credentials_for

from linkratio.errors import (
    AccountError,
    ApiError,
    ApiUnavailable,
    AuthError,
    RateLimited,
    UsageCapped,
)
from linkratio.net.x import (
    EXPANSIONS,
    TWEET_FIELDS,
    Credentials,
    XClient,
    api_base_url,
    max_backfill_cost,
)
from linkratio.sources.x_json import read_v2

OWNER_ID = "2351222345"
OWNER = "PhillyNEFL"
CREDS = credentials_for("XAPI")
SECRETS = CREDS.values()


@pytest.fixture
def api(start_fake):
    return start_fake(FakeXApi, **dataclasses.asdict(CREDS))


def client(api, creds=CREDS, waits=None, **options) -> XClient:
    waits = waits or Waits()
    options = {"backoff": 0.01, "timeout": 5.0, **options}
    return XClient(
        creds, base_url=api.base_url, on_wait=waits.on_wait, sleep=waits.sleep, **options
    )


def posts_of(pages):
    return [post for page in pages for post in page.posts]


def error_of(call) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and message == message.strip()
    return caught.value


# --- Settings, cost, credentials ----------------------------------------------------


def test_base_url_is_the_official_host_unless_the_setting_says_otherwise(monkeypatch):
    monkeypatch.delenv("LINKRATIO_X_API_URL", raising=False)
    assert api_base_url() == "https://api.twitter.com"
    monkeypatch.setenv("LINKRATIO_X_API_URL", "http://proxy.internal:8080/x/")
    assert api_base_url() == "http://proxy.internal:8080/x"
    assert XClient(CREDS).base_url == "http://proxy.internal:8080/x"


def test_the_setting_reaches_the_server_without_a_base_url_argument(api, monkeypatch):
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    account = XClient(CREDS).lookup_user("PhillyNEFL")
    assert account.id == OWNER_ID
    assert [r.path for r in api.requests] == ["/2/users/by/username/PhillyNEFL"]


def test_a_base_url_that_is_not_http_is_refused(monkeypatch):
    monkeypatch.setenv("LINKRATIO_X_API_URL", "api.twitter.com")
    error = error_of(lambda: XClient(CREDS))
    assert error.exit_code == 2
    assert "LINKRATIO_X_API_URL must be an http(s) base URL" in str(error)


def test_max_backfill_cost():
    assert max_backfill_cost(owned=False) == 16.0  # 3,200 posts at $0.005
    assert max_backfill_cost(owned=True) == 3.2  # at $0.001 with the owner's tokens
    assert max_backfill_cost(500, owned=False) == 2.5
    assert max_backfill_cost(10_000, owned=False) == 16.0  # the timeline stops at 3,200


def test_credentials_repr_masks_every_value():
    shown = repr(CREDS)
    assert shown.count("***") == 5
    assert not any(secret in shown for secret in SECRETS)
    assert repr(Credentials(bearer_token="x" * 40)).endswith(
        "consumer_key=None, consumer_secret=None, access_token=None, access_token_secret=None)"
    )


# --- Lookups ------------------------------------------------------------------------


def test_lookup_user_sends_the_bearer_token_to_the_routed_host(api):
    account = client(api).lookup_user("@PhillyNEFL")
    assert (account.platform, account.id, account.handle) == ("x", OWNER_ID, OWNER)
    [seen] = api.requests
    assert seen.path == "/2/users/by/username/PhillyNEFL"
    assert seen.query == {"user.fields": "username"}
    assert seen.headers["authorization"] == f"Bearer {CREDS.bearer_token}"
    assert seen.headers["host"] == api.base_url.removeprefix("http://")
    assert "Tweepy/" in seen.headers["user-agent"]


def test_lookup_user_with_only_user_tokens_signs_with_oauth1(api):
    creds = dataclasses.replace(CREDS, bearer_token=None)
    assert client(api, creds).lookup_user("phillynefl").handle == OWNER
    assert [r.auth for r in api.requests] == ["oauth1"]


def test_me_uses_the_user_tokens_and_a_valid_oauth1_signature(api):
    account = client(api).me()
    assert (account.id, account.handle) == (OWNER_ID, OWNER)
    [seen] = api.requests
    assert seen.path == "/2/users/me"
    header = seen.headers["authorization"]
    assert header.startswith("OAuth ")
    assert f'oauth_consumer_key="{CREDS.consumer_key}"' in header
    assert f'oauth_token="{CREDS.access_token}"' in header
    assert CREDS.bearer_token not in header
    assert seen.status == 200  # the server checked the HMAC-SHA1 signature


def test_me_without_user_tokens_fails_before_any_request(api):
    error = error_of(client(api, Credentials(bearer_token="b" * 20)).me)
    assert isinstance(error, AuthError) and error.exit_code == 77
    assert str(error) == (
        "reading with the owner's user tokens needs X_CONSUMER_KEY, X_CONSUMER_SECRET, "
        "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
    )
    assert api.requests == []


def test_unknown_handle(api):
    error = error_of(lambda: client(api).lookup_user("nosuchuser42"))
    assert isinstance(error, AccountError) and error.exit_code == 2
    assert str(error) == "no X account @nosuchuser42"
    assert api.requests[0].status == 200  # X says "Not Found Error" in a 200 body


def test_suspended_handle(api):
    api.suspended.add("gone")
    error = error_of(lambda: client(api).lookup_user("gone"))
    assert str(error) == "X account @gone is suspended: its posts cannot be read"


def test_a_string_that_is_no_handle_is_refused_without_a_request(api):
    error = error_of(lambda: client(api).lookup_user("not a handle!"))
    assert isinstance(error, AccountError)
    assert str(error) == "no X account 'not a handle!': not an X handle"
    assert api.requests == []


# --- Timelines ----------------------------------------------------------------------


def test_full_backfill_pages_through_with_the_servers_tokens(api):
    api.timelines[OWNER_ID] = timeline(250)
    pages = list(client(api).timeline_pages(OWNER_ID))

    assert [len(p.posts) for p in pages] == [100, 100, 50]
    seen = api.seen("/tweets")
    assert len(seen) == 3
    assert "pagination_token" not in seen[0].query
    assert seen[1].query["pagination_token"] == pages[0].next_token
    assert seen[2].query["pagination_token"] == pages[1].next_token
    assert pages[2].next_token is None
    for request in seen:
        assert request.path == f"/2/users/{OWNER_ID}/tweets"
        assert request.query["max_results"] == "100"
        assert "exclude" not in request.query  # replies are the talking
        assert set(request.query["tweet.fields"].split(",")) == set(TWEET_FIELDS)
        assert set(request.query["expansions"].split(",")) == set(EXPANSIONS)
        assert request.query["user.fields"] == "username"
        assert request.auth == "bearer"

    posts = posts_of(pages)
    expected = [t["id"] for t in api.timelines[OWNER_ID]]
    assert [p.id for p in posts] == expected  # newest first, no gap, no duplicate
    assert pages[0].newest_id == expected[0] and pages[-1].oldest_id == expected[-1]
    assert [p.result_count for p in pages] == [100, 100, 50]
    assert pages[0].request_url.startswith(f"{api.base_url}/2/users/{OWNER_ID}/tweets?")
    assert all(p.source == "api" and p.author_handle == OWNER for p in posts)
    assert all(p.fetched_at.tzinfo is UTC for p in pages)


def test_posts_match_what_the_saved_file_reader_makes_of_the_same_tweets(api):
    # The server strips every field not asked for: equal posts prove the request asks
    # for all the classifier needs (references, their authors, entities, reply users).
    [page] = list(client(api).timeline_pages(OWNER_ID))
    from_file = {p.id: p for p in read_v2(FIXTURE).posts}
    assert len(page.posts) == len(from_file) == 100
    for post in page.posts:
        expected = dataclasses.replace(from_file[post.id], source="api", edit_ids=(post.id,))
        assert post == expected
    kinds = {
        "reposts": sum(p.is_repost and p.repost_of_handle is not None for p in page.posts),
        # 41 replies to a post, plus one with in_reply_to_user_id and no referenced tweet.
        "replies": sum(p.is_reply and p.reply_to_handle is not None for p in page.posts),
        "links": sum(bool(p.links) for p in page.posts),
    }
    assert kinds == {"reposts": 34, "replies": 42, "links": 25}


def test_posts_keep_their_raw_json_with_the_includes_they_need(api):
    [page] = list(client(api).timeline_pages(OWNER_ID))
    retweet = next(p for p in page.posts if p.is_repost)
    raw = orjson.loads(retweet.raw)
    assert raw["data"]["id"] == retweet.id
    assert raw["includes"]["tweets"], "the retweeted tweet travels with the raw JSON"


def test_since_id_asks_only_for_newer_posts(api):
    api.timelines[OWNER_ID] = timeline(103, newer=3)
    newest_stored = api.timelines[OWNER_ID][3]["id"]
    pages = list(client(api).timeline_pages(OWNER_ID, since_id=newest_stored))
    [seen] = api.seen("/tweets")
    assert seen.query["since_id"] == newest_stored
    assert [p.id for p in posts_of(pages)] == [t["id"] for t in api.timelines[OWNER_ID][:3]]


def test_nothing_new_is_one_request_and_one_empty_page(api):
    newest = api.timelines[OWNER_ID][0]["id"]
    pages = list(client(api).timeline_pages(OWNER_ID, since_id=newest))
    assert len(api.requests) == 1
    assert [(p.posts, p.result_count, p.next_token) for p in pages] == [([], 0, None)]


def test_until_id_and_start_time_pass_through(api):
    tweets = api.timelines[OWNER_ID]
    until = tweets[10]["id"]
    start = datetime(2020, 5, 1, tzinfo=UTC)
    posts = posts_of(client(api).timeline_pages(OWNER_ID, until_id=until, start_time=start))
    [seen] = api.requests
    assert seen.query["until_id"] == until
    assert seen.query["start_time"] == "2020-05-01T00:00:00Z"
    assert posts and all(int(p.id) < int(until) and p.created_at >= start for p in posts)


def test_max_posts_stops_early_and_asks_only_for_what_is_wanted(api):
    api.timelines[OWNER_ID] = timeline(250)
    pages = list(client(api).timeline_pages(OWNER_ID, max_posts=150))
    assert [r.query["max_results"] for r in api.requests] == ["100", "50"]
    assert len(posts_of(pages)) == 150
    assert pages[-1].next_token is not None  # more to read on the next run


def test_max_posts_below_the_smallest_page_reads_one_page_of_five(api):
    pages = list(client(api).timeline_pages(OWNER_ID, max_posts=3))
    assert [r.query["max_results"] for r in api.requests] == ["5"]
    assert len(posts_of(pages)) == 5


def test_a_pagination_token_resumes_where_a_run_stopped(api):
    api.timelines[OWNER_ID] = timeline(250)
    first = next(iter(client(api).timeline_pages(OWNER_ID)))
    rest = list(client(api).timeline_pages(OWNER_ID, pagination_token=first.next_token))
    ids = [p.id for p in first.posts + posts_of(rest)]
    assert ids == [t["id"] for t in api.timelines[OWNER_ID]]


def test_the_timeline_stops_at_the_cap(api):
    api.cap = 250
    api.timelines[OWNER_ID] = timeline(300)
    assert len(posts_of(client(api).timeline_pages(OWNER_ID))) == 250


def test_user_auth_signs_each_page_with_oauth1(api):
    api.timelines[OWNER_ID] = timeline(150)
    posts = posts_of(client(api).timeline_pages(OWNER_ID, user_auth=True))
    assert len(posts) == 150
    assert [r.auth for r in api.requests] == ["oauth1", "oauth1"]
    assert all(CREDS.bearer_token not in r.headers["authorization"] for r in api.requests)
    assert all(r.status == 200 for r in api.requests)


def test_a_protected_timeline_is_readable_only_with_the_owners_tokens(api):
    api.protected.add(OWNER_ID)
    c = client(api)
    assert c.lookup_user(OWNER).id == OWNER_ID
    error = error_of(lambda: list(c.timeline_pages(OWNER_ID)))
    assert isinstance(error, AccountError)
    assert str(error) == (
        "X account @PhillyNEFL is protected: only the owner's user tokens (X_CONSUMER_KEY, "
        "X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET) can read its posts"
    )
    assert len(posts_of(c.timeline_pages(OWNER_ID, user_auth=True))) == 100


def test_an_unknown_account_id(api):
    error = error_of(lambda: list(client(api).timeline_pages("123456")))
    assert str(error) == "no X account with id 123456"


# --- Rate limits --------------------------------------------------------------------


def test_429_waits_for_the_reset_then_succeeds(api):
    api.script(rate_limited(reset_in=2, path="/tweets"))
    waits = Waits()
    posts = posts_of(client(api, waits=waits).timeline_pages(OWNER_ID))
    assert len(posts) == 100
    assert [r.status for r in api.requests] == [429, 200]
    [(seconds, reason)] = waits.announced
    assert 1.0 <= seconds <= 3.5  # to the reset (whole seconds) plus a second of margin
    assert reason.startswith("X rate limit reached (HTTP 429, resets ")
    assert waits.slept == [seconds]


def test_429_really_waits_until_the_reset(api):
    api.script(rate_limited(reset_in=1, path="/tweets"))
    waits = Waits(real=True)
    started = time.monotonic()
    assert len(posts_of(client(api, waits=waits).timeline_pages(OWNER_ID))) == 100
    elapsed = time.monotonic() - started
    first, second = api.requests
    assert first.status == 429 and first.response_headers["x-rate-limit-remaining"] == "0"
    assert second.at >= int(first.response_headers["x-rate-limit-reset"])  # after the reset
    assert 1.0 <= elapsed <= 4.0
    assert len(waits.announced) == 1


def test_429_with_waiting_off_stops_with_exit_75(api):
    api.script(rate_limited(reset_in=120))
    waits = Waits()
    c = client(api, waits=waits, wait_on_rate_limit=False)
    with pytest.raises(RateLimited) as caught:
        c.lookup_user(OWNER)
    error = caught.value
    assert error.exit_code == 75
    assert error.reset_at is not None
    assert abs(error.reset_at.timestamp() - (time.time() + 120)) < 3
    assert str(error) == (
        f"X rate limit reached; it resets at {error.reset_at:%H:%M:%S} UTC; stopped cleanly, "
        "the next run resumes where this one stopped"
    )
    assert len(api.requests) == 1 and waits.announced == [] and waits.slept == []


def test_a_reset_too_far_away_stops_instead_of_waiting(api):
    api.script(rate_limited(reset_in=3600))
    waits = Waits()
    with pytest.raises(RateLimited):
        client(api, waits=waits, max_wait=60).lookup_user(OWNER)
    assert waits.slept == []


def test_monthly_usage_cap_stops_without_waiting(api):
    api.script(Fault(429, USAGE_CAPPED, reset_in=2))
    waits = Waits()
    error = error_of(lambda: client(api, waits=waits).lookup_user(OWNER))
    assert isinstance(error, UsageCapped) and error.exit_code == 75
    assert str(error) == (
        "the X API monthly usage cap of the developer account is reached (429 "
        "UsageCapExceeded); wait for it to reset or raise it in the X developer portal; "
        "the next run resumes from here"
    )
    assert waits.slept == [] and len(api.requests) == 1


def test_used_up_credits(api):
    api.script(Fault(402, CREDITS_DEPLETED))
    error = error_of(lambda: client(api).lookup_user(OWNER))
    assert isinstance(error, UsageCapped)
    assert str(error) == (
        "the X API credits of the developer account are used up (402 CreditsDepleted); "
        "add credits in the X developer portal; the next run resumes from here"
    )


# --- Server errors and stalls -------------------------------------------------------


def test_503_is_retried_with_backoff_then_succeeds(api):
    api.script(unavailable(times=2, path="/tweets"))
    waits = Waits()
    posts = posts_of(client(api, waits=waits).timeline_pages(OWNER_ID))
    assert len(posts) == 100
    assert [r.status for r in api.requests] == [503, 503, 200]
    assert waits.slept == [0.01, 0.02]
    assert [reason for _, reason in waits.announced] == [
        "503 Service Unavailable; retry 1 of 4",
        "503 Service Unavailable; retry 2 of 4",
    ]


def test_503_that_persists_fails_after_the_retries(api):
    api.script(unavailable(times=None))
    error = error_of(lambda: client(api, retries=2).lookup_user(OWNER))
    assert isinstance(error, ApiUnavailable) and error.exit_code == 69
    assert str(error) == (
        f"the X API at {api.base_url} is unavailable: 503 Service Unavailable; gave up "
        "after 3 tries: try again later"
    )
    assert len(api.requests) == 3


def test_a_stall_times_out_and_the_retry_succeeds(api):
    api.script(stall(5, path="/tweets"))
    waits = Waits()
    started = time.monotonic()
    posts = posts_of(client(api, waits=waits, timeout=0.5).timeline_pages(OWNER_ID))
    elapsed = time.monotonic() - started
    assert len(posts) == 100
    assert len(api.requests) == 2 and api.requests[1].status == 200
    assert [reason for _, reason in waits.announced] == ["no answer within 0.5 s; retry 1 of 4"]
    assert elapsed < 3  # the client gave up on the stalled answer after its timeout


def test_a_server_that_always_stalls_fails_in_bounded_time(api):
    api.script(stall(30, times=None))
    started = time.monotonic()
    error = error_of(lambda: client(api, timeout=0.3, retries=2).lookup_user(OWNER))
    elapsed = time.monotonic() - started
    assert isinstance(error, ApiUnavailable)
    assert str(error) == (
        f"the X API at {api.base_url} is unavailable: no answer within 0.3 s; gave up "
        "after 3 tries: try again later"
    )
    assert len(api.requests) == 3
    assert elapsed < 10  # never hangs


def test_no_server_at_all_fails_after_the_retries():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    waits = Waits()
    c = XClient(
        CREDS,
        base_url=f"http://127.0.0.1:{port}",
        retries=1,
        backoff=0.01,
        on_wait=waits.on_wait,
        sleep=waits.sleep,
    )
    error = error_of(lambda: c.lookup_user(OWNER))
    assert isinstance(error, ApiUnavailable)
    assert str(error).startswith(
        f"the X API at http://127.0.0.1:{port} is unavailable: cannot connect ("
    )
    assert str(error).endswith("; gave up after 2 tries: try again later")
    assert len(waits.slept) == 1


# --- Refusals -----------------------------------------------------------------------


def test_401_with_a_bad_bearer_token(api):
    creds = dataclasses.replace(CREDS, bearer_token="wrong-token")
    error = error_of(lambda: client(api, creds).lookup_user(OWNER))
    assert isinstance(error, AuthError) and error.exit_code == 77
    assert str(error) == "X rejected the credentials (401 Unauthorized): check X_BEARER_TOKEN"
    assert len(api.requests) == 1  # not retried


def test_401_with_bad_user_tokens(api):
    creds = dataclasses.replace(CREDS, access_token_secret="wrong-secret")
    error = error_of(client(api, creds).me)
    assert str(error) == (
        "X rejected the credentials (401 Unauthorized): check X_CONSUMER_KEY, "
        "X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
    )


@pytest.mark.parametrize("errors_list", [False, True], ids=["problem", "errors-list"])
def test_403_protected_account(api, errors_list):
    body = not_authorized(OWNER_ID)
    api.script(forbidden(body if errors_list else body["errors"][0], path="/tweets"))
    error = error_of(lambda: list(client(api).timeline_pages(OWNER_ID)))
    assert isinstance(error, AccountError)
    assert str(error).startswith("X account with id 2351222345 is protected: ")


def test_403_suspended_account(api):
    api.script(
        forbidden(
            {
                "errors": [
                    {
                        "title": "Forbidden",
                        "detail": "User has been suspended: [2351222345].",
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                ]
            }
        )
    )
    error = error_of(lambda: list(client(api).timeline_pages(OWNER_ID)))
    assert str(error) == "X account with id 2351222345 is suspended: its posts cannot be read"


def test_403_client_not_enrolled(api):
    api.script(forbidden(CLIENT_NOT_ENROLLED))
    error = error_of(lambda: client(api).lookup_user(OWNER))
    assert isinstance(error, AuthError) and error.exit_code == 77
    assert str(error) == (
        "X refused the app (403 client-not-enrolled): use keys and tokens of an App attached "
        "to a Project with X API v2 access in the X developer portal"
    )


def test_403_missing_user_context(api):
    api.script(forbidden(UNSUPPORTED_AUTHENTICATION, path="/tweets"))
    error = error_of(lambda: list(client(api).timeline_pages(OWNER_ID)))
    assert str(error) == (
        "X refused this kind of credentials here (403): it needs the account owner's user "
        "tokens (X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET)"
    )


def test_403_of_another_kind_quotes_the_api(api):
    api.script(
        forbidden(
            {"title": "Forbidden", "detail": "Something\nnew   happened.", "type": "about:blank"}
        )
    )
    error = error_of(lambda: client(api).lookup_user(OWNER))
    assert str(error) == "X refused access (403 Forbidden): Something new happened."


def test_400_quotes_the_api(api):
    error = error_of(lambda: list(client(api).timeline_pages(OWNER_ID, pagination_token="x1")))
    assert type(error) is ApiError and error.exit_code == 69
    assert str(error) == (
        "X refused the request (400 Bad Request): One or more parameters to your request was "
        "invalid."
    )


def test_an_answer_that_is_not_json(api):
    api.script(Fault(200, None, headers={"content-type": "text/html"}))
    error = error_of(lambda: client(api).lookup_user(OWNER))
    assert str(error).startswith("the X API answered 200 OK with no JSON object")


# --- Secrets ------------------------------------------------------------------------


def test_no_secret_in_any_message_log_record_or_repr(api, caplog):
    caplog.set_level(logging.DEBUG)
    api.timelines[OWNER_ID] = timeline(120)
    texts: list[str] = [repr(CREDS), str(CREDS)]
    c = client(api)
    texts.append(repr(c))
    pages = list(c.timeline_pages(OWNER_ID)) + list(c.timeline_pages(OWNER_ID, user_auth=True))
    texts += [repr(p) for p in pages]
    c.me()
    scenarios = [
        (
            Fault(401, {"title": "Unauthorized", "detail": f"bad {CREDS.bearer_token}"}),
            lambda: c.lookup_user(OWNER),
        ),
        (forbidden(CLIENT_NOT_ENROLLED), c.me),
        (forbidden({"title": "Forbidden", "detail": f"token {CREDS.access_token} refused"}), c.me),
        (unavailable(times=None), lambda: client(api, retries=1).lookup_user(OWNER)),
        (stall(5, times=None), lambda: client(api, retries=0, timeout=0.2).lookup_user(OWNER)),
        (rate_limited(), lambda: client(api, wait_on_rate_limit=False).me()),
    ]
    for fault, call in scenarios:
        api.faults.clear()
        api.script(fault)
        with pytest.raises(ApiError) as caught:
            call()
        texts += [str(caught.value), repr(caught.value)]
    texts += [record.getMessage() for record in caplog.records]

    assert any(r.name == "tweepy.client" for r in caplog.records), "tweepy logged its requests"
    assert any("Bearer ***" in r.getMessage() for r in caplog.records)
    leaks = [text for text in texts for secret in SECRETS if secret in text]
    assert leaks == []
    assert "X refused access (403 Forbidden): token *** refused" in texts
