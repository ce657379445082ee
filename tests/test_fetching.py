"""`fetch_account` called as a library function (no command line) against the fake servers."""

from __future__ import annotations

from datetime import date

import pytest
from fakes.social import OWNER_DID, OWNER_HANDLE, FakeSocial
from fakes.x_api import FakeXApi, rate_limited, timeline

from linkratio.errors import AccountError, AuthError, InputError, RateLimited, TryLater
from linkratio.fetching import fetch_account
from linkratio.frame import Library
from linkratio.net.waiting import Waiter
from linkratio.net.x import Credentials

USER_TOKENS = ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET")


@pytest.fixture
def x_env(
    fake_x_api: FakeXApi, x_credentials: Credentials, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> FakeXApi:
    """The fake X API, with linkratio pointed at it and no token set yet."""
    monkeypatch.setenv("LINKRATIO_X_API_URL", fake_x_api.base_url)
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for env in ("X_BEARER_TOKEN", *USER_TOKENS):
        monkeypatch.delenv(env, raising=False)
    return fake_x_api


def set_user_tokens(creds: Credentials, monkeypatch: pytest.MonkeyPatch) -> None:
    values = (creds.consumer_key, creds.consumer_secret, creds.access_token)
    for env, value in zip(USER_TOKENS, (*values, creds.access_token_secret), strict=True):
        monkeypatch.setenv(env, value or "")


def test_a_handle_is_fetched_with_the_bearer_token_and_says_what_a_first_run_costs(
    x_env: FakeXApi, x_credentials: Credentials, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", x_credentials.bearer_token or "")
    x_env.timelines[x_env.owner_id] = timeline(150)
    handle = x_env.owner["username"]
    said: list[str] = []
    pages: list[int] = []
    done = fetch_account(
        lib, f"@{handle}", notify=said.append, progress=lambda d: pages.append(d.pages)
    )
    assert (done.account.id, done.posts_read, done.new_posts, done.complete) == (
        x_env.owner_id,
        150,
        150,
        True,
    )
    assert done.pages == 2 and pages == [1, 2]
    assert done.requests == len(x_env.seen()) == 3  # the lookup and two pages
    assert done.library == lib.path
    assert said == [  # 3,200 posts at $0.005 and the lookup of @handle ($0.010)
        f"first fetch of @{handle}: up to 3,200 posts, at most $16.01 in API reads "
        "(the account's lookup included)"
    ]
    before = len(x_env.seen())
    again = fetch_account(lib, f"@{handle}", since=date(2020, 1, 1), notify=said.append)
    assert (again.posts_read, again.new_posts) == (0, 0)
    assert [r.path for r in x_env.seen()[before:]] == [f"/2/users/{x_env.owner_id}/tweets"]
    assert said[-1].startswith("--since applies to the first backfill only")


def test_me_reads_the_owner_with_the_user_tokens_and_remembers_who_that_is(
    x_env: FakeXApi, x_credentials: Credentials, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_user_tokens(x_credentials, monkeypatch)
    done = fetch_account(lib, None, me=True, max_posts=20)
    assert done.account.id == x_env.owner_id and done.posts_read == 20 and not done.complete
    assert x_env.seen()[0].path == "/2/users/me"
    before = len(x_env.seen())
    fetch_account(lib, None, me=True)
    again = x_env.seen()[before:]
    assert "/2/users/me" not in [r.path for r in again]
    assert {r.auth for r in again} == {"oauth1"}


def test_a_bluesky_account_counts_its_requests(fake_bluesky: FakeSocial, lib: Library) -> None:
    said: list[str] = []
    done = fetch_account(lib, f"bsky:{OWNER_HANDLE}", waiter=Waiter(True), notify=said.append)
    assert (done.account.platform, done.account.id) == ("bluesky", OWNER_DID)
    assert (done.posts_read, done.new_posts, done.requests) == (25, 25, 2)  # lookup, one page
    assert said == [f"first fetch of @{OWNER_HANDLE}: reading the whole timeline"]
    assert lib.has_posts("bluesky", OWNER_DID)


@pytest.mark.parametrize(
    ("name", "me", "match"),
    [
        (None, False, "name one account"),
        ("@someone", True, "name one account"),
        (f"bsky:{OWNER_HANDLE}", True, "--me is for X only"),
        ("@someone", False, "X_BEARER_TOKEN"),
        (None, True, "user tokens"),
    ],
)
def test_bad_requests_are_input_errors_before_any_request(
    x_env: FakeXApi, lib: Library, name: str | None, me: bool, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        fetch_account(lib, name, me=me)
    assert x_env.seen() == []


def test_api_failures_are_api_errors_with_their_platform_and_exit_code(
    x_env: FakeXApi, x_credentials: Credentials, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "wrong-token")
    with pytest.raises(AuthError) as refused:
        fetch_account(lib, f"@{x_env.owner['username']}")
    assert (refused.value.platform, refused.value.exit_code) == ("x", 77)
    monkeypatch.setenv("X_BEARER_TOKEN", x_credentials.bearer_token or "")
    with pytest.raises(AccountError) as unknown:
        fetch_account(lib, "@nobody_here_1")
    assert "no X account @nobody_here_1" in str(unknown.value) and unknown.value.exit_code == 2
    x_env.script(rate_limited(reset_in=30, path="/tweets"))
    with pytest.raises(RateLimited) as limited:
        fetch_account(lib, f"@{x_env.owner['username']}", wait_on_rate_limit=False)
    assert limited.value.exit_code == 75 and isinstance(limited.value, TryLater)
