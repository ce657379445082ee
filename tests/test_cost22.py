"""What a fetch costs: every X post it asks for is counted, and none is bought twice.

The fake X API is driven through the real tweepy client and the sync engine; `Billed`
records the id of every post each timeline answer carried (what X bills a read for).
"""

from __future__ import annotations

import dataclasses
import io
import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes.social import (
    MASTODON_USER,
    OWNER_HANDLE,
    FakeSocial,
    bsky_feed,
    mastodon_statuses,
)
from fakes.x_api import FakeXApi, Fault, copy_tweet, rate_limited, timeline, unavailable
from helpers import credentials_for

from linkratio.cli import main
from linkratio.errors import LinkratioError, NoProgressError, RateLimited
from linkratio.fetching import fetch_account
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.x import XClient
from linkratio.sync import PageDone, Refreshed, refresh, sync_account

OWNER_ID = "2351222345"
OWNER = "PhillyNEFL"
CREDS = credentials_for("COST")
ACCOUNT = Account("x", OWNER_ID, OWNER)
X_ENV = {
    "X_BEARER_TOKEN": CREDS.bearer_token,
    "X_CONSUMER_KEY": CREDS.consumer_key,
    "X_CONSUMER_SECRET": CREDS.consumer_secret,
    "X_ACCESS_TOKEN": CREDS.access_token,
    "X_ACCESS_TOKEN_SECRET": CREDS.access_token_secret,
}


class Billed(FakeXApi):
    """The fake X API, keeping the id of every post its timeline answers carried."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.billed: list[str] = []

    def _timeline(self, user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        status, body = super()._timeline(user_id, query, auth)
        if status == 200 and isinstance(body, dict):
            with self.lock:
                self.billed.extend(t["id"] for t in body.get("data", ()))
        return status, body


@pytest.fixture
def api(start_fake: Any) -> Billed:
    return start_fake(Billed, **dataclasses.asdict(CREDS))


@pytest.fixture
def cli_env(api: Billed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI pointed at the fake, a library of its own and both kinds of X tokens."""
    return point_cli_at(api, tmp_path, monkeypatch)


def point_cli_at(api: FakeXApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the CLI at the fake X API `api`, with a library of its own in `tmp_path` and
    both kinds of X tokens; the library's path."""
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for name, value in X_ENV.items():
        monkeypatch.setenv(name, value or "")
    return tmp_path / "lib.sqlite"


def client(api: FakeXApi) -> XClient:
    return XClient(CREDS, base_url=api.base_url, backoff=0.01, timeout=5.0, sleep=lambda s: None)


def newest_day(api: FakeXApi) -> datetime:
    return datetime.fromisoformat(api.timelines[OWNER_ID][0]["created_at"])


def test_a_first_backfill_from_since_that_found_nothing_is_not_bought_again_in_full(
    api: Billed, lib: Library
) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    since = (newest_day(api) + timedelta(days=2)).date()
    first = sync_account(lib, client(api), ACCOUNT, since=since)
    assert (first.posts_read, first.complete) == (0, True)
    # The next run (a weekly --sync, a fetch without --since) is no first backfill: it
    # reads what was posted since, not the whole timeline from before `since`.
    before = len(api.seen("/tweets"))
    again = sync_account(lib, client(api), ACCOUNT)
    asked = api.seen("/tweets")[before:]
    assert again.posts_read == 0 and api.billed == []
    assert len(asked) == 1 and asked[0].query["start_time"].startswith(since.isoformat())
    api.timelines[OWNER_ID] = timeline(253, newer=3)
    api.timelines[OWNER_ID][:3] = [
        dict(t, created_at=(newest_day(api) + timedelta(days=3 + n)).isoformat())
        for n, t in enumerate(api.timelines[OWNER_ID][:3])
    ]
    later = sync_account(lib, client(api), ACCOUNT)
    assert (later.posts_read, later.new_posts) == (3, 3)
    assert sorted(api.billed) == sorted(t["id"] for t in api.timelines[OWNER_ID][:3])


def test_the_weekly_sync_of_the_owners_account_reads_with_the_owners_tokens(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.protected.add(OWNER_ID)  # only the owner's user tokens can read it at all
    assert main(["fetch", "--me", "--quiet"], out=io.StringIO()) == 0
    api.timelines[OWNER_ID] = timeline(105, newer=5)
    before = len(api.seen())
    main(["weekly", f"@{OWNER}", "--sync", "--quiet", "--out", str(cli_env.parent / "w")])
    assert "--sync failed" not in capsys.readouterr().err
    asked = api.seen()[before:]
    assert [(r.path, r.auth) for r in asked] == [(f"/2/users/{OWNER_ID}/tweets", "oauth1")]
    with Library(cli_env) as lib:
        assert len(lib.posts("x", OWNER_ID)) == 105
    assert not [i for i, n in Counter(api.billed).items() if n > 1]


def test_the_fetch_line_counts_every_request_sent_to_x(api: Billed, cli_env: Path) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    api.script(unavailable(path="/tweets", at={3}))  # the second page is retried once
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}"], out=out) == 0
    sent = len(api.seen())
    assert sent == 5  # the user lookup, three pages, one retry
    assert f" in {sent} requests: 250 new" in out.getvalue()


@pytest.mark.parametrize("cap", [103, 104, 201, 7])
def test_max_posts_reads_no_more_posts_than_it_says(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str], cap: int
) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--max-posts", str(cap)], out=out) == 0
    cents = -(-cap * 5 // 10) + 1  # $0.005 a post, rounded up to the cent, and the lookup
    assert f"up to {cap} posts, at most ${cents / 100:.2f} " in capsys.readouterr().err
    assert len(api.billed) == cap
    assert f"fetched {cap} posts of @{OWNER}" in out.getvalue()
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    assert sorted(api.billed) == sorted(t["id"] for t in api.timelines[OWNER_ID])


def test_a_garbled_remembered_since_is_a_damaged_library_not_a_full_backfill(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    since = (newest_day(api) + timedelta(days=2)).date().isoformat()
    assert main(["fetch", f"@{OWNER}", "--since", since, "--quiet"], out=io.StringIO()) == 0
    with sqlite3.connect(cli_env) as db:
        assert db.execute("UPDATE settings SET value = 'soon' WHERE value = ?", (since,)).rowcount
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 74
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "damaged" in err and "Traceback" not in err
    assert "fetch the account once with --since DATE" in err and api.billed == []
    # What it says mends it: the run with --since sets the bound again.
    assert main(["fetch", f"@{OWNER}", "--since", since, "--quiet"], out=io.StringIO()) == 0
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    assert api.billed == []


def test_another_account_read_with_the_user_tokens_is_announced_at_the_apps_price(
    api: Billed, cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only the owner's own posts are billed at the owned price ($0.001); anyone else's read
    # with the same tokens costs what the app's reads do ($0.005).
    monkeypatch.delenv("X_BEARER_TOKEN")
    api.add_user("42", "someoneelse", timeline(30))
    assert main(["fetch", "@someoneelse"], out=io.StringIO()) == 0
    assert "up to 3,200 posts, at most $16.01 " in capsys.readouterr().err  # and its lookup
    assert {r.auth for r in api.seen()} == {"oauth1"} and len(api.billed) == 30
    assert main(["fetch", "--me"], out=io.StringIO()) == 0
    assert "up to 3,200 posts, at most $3.21 " in capsys.readouterr().err  # and /users/me


def client_with(api: FakeXApi, **options: Any) -> XClient:
    options.setdefault("timeout", 5.0)
    return XClient(CREDS, base_url=api.base_url, backoff=0.01, sleep=lambda s: None, **options)


def newer_copies(api: FakeXApi, n: int) -> None:
    """`n` new posts on top of the timeline, made after its newest."""
    tweets = api.timelines[OWNER_ID]
    top = newest_day(api)
    fresh = [copy_tweet(tweets[i % 100], top + timedelta(minutes=n - i), 9) for i in range(n)]
    api.timelines[OWNER_ID] = fresh + tweets


@pytest.mark.parametrize("incremental", [False, True], ids=["backfill", "incremental"])
@pytest.mark.parametrize("how", ["503s", "429-no-wait", "ctrl-c"])
@pytest.mark.parametrize("page", [1, 2, 3, 4, 5])
def test_a_run_stopped_at_any_page_and_resumed_buys_each_post_once(
    api: Billed, lib: Library, incremental: bool, how: str, page: int
) -> None:
    if incremental:  # 100 stored, then 450 new ones: a pass with since_id
        api.timelines[OWNER_ID] = timeline(100)
        sync_account(lib, client(api), ACCOUNT)
        newer_copies(api, 450)
    else:
        api.timelines[OWNER_ID] = timeline(450)
    first = len(api.seen()) + page  # the number of the request for that page
    options: dict[str, Any] = {}
    progress = None
    if how == "503s":  # every try of that page fails: the run gives up after its retries
        api.script(
            Fault(
                503,
                {"title": "down"},
                path="/tweets",
                at=frozenset(range(first, first + 9)),
                times=None,
            )
        )
    elif how == "429-no-wait":
        api.script(rate_limited(reset_in=30, path="/tweets", at=frozenset({first})))
        options["wait_on_rate_limit"] = False
    else:

        def progress(done: PageDone) -> None:
            if done.pages == page:
                raise KeyboardInterrupt

    with pytest.raises((LinkratioError, KeyboardInterrupt)):
        sync_account(lib, client_with(api, **options), ACCOUNT, progress=progress)
    api.faults.clear()
    newer_copies(api, 3)  # posted while the run was stopped
    done = sync_account(lib, client(api), ACCOUNT)
    assert done.complete and lib.cursor("x", OWNER_ID) is None
    before = len(api.seen("/tweets"))
    assert sync_account(lib, client(api), ACCOUNT).posts_read == 0
    assert len(api.seen("/tweets")) == before + 1  # nothing new: one request
    bought = Counter(api.billed)
    assert [i for i, n in bought.items() if n > 1] == []
    assert {p.id for p in lib.posts("x", OWNER_ID)} == {t["id"] for t in api.timelines[OWNER_ID]}


def test_the_3200_cap_over_several_capped_runs_buys_each_post_once_then_one_request(
    api: Billed, cli_env: Path
) -> None:
    api.timelines[OWNER_ID] = timeline(3500)
    runs = 0
    while True:
        runs += 1
        out = io.StringIO()
        assert main(["fetch", f"@{OWNER}", "--max-posts", "1000"], out=out) == 0
        if "the next run continues" not in out.getvalue():
            break
        assert runs < 6
    assert runs == 4 and len(api.billed) == len(set(api.billed)) == 3200
    assert set(api.billed) == {t["id"] for t in api.timelines[OWNER_ID][:3200]}
    before = len(api.seen())
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}"], out=out) == 0
    assert len(api.seen()) == before + 1 and len(api.billed) == 3200
    assert "fetched 0 posts of @PhillyNEFL (x) in 1 request: 0 new" in out.getvalue()


def test_a_weekly_sync_with_nothing_new_is_one_request_and_buys_nothing(
    api: Billed, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_CONFIG", "/nonexistent/linkratio-cost22.toml")
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    api.timelines[OWNER_ID] = timeline(250)
    sync_account(lib, client(api), ACCOUNT)
    bought, before = len(api.billed), len(api.seen())
    assert refresh(lib, ACCOUNT) == Refreshed(0, 0)
    asked = api.seen()[before:]
    assert len(asked) == 1 and asked[0].query["since_id"] == api.timelines[OWNER_ID][0]["id"]
    assert len(api.billed) == bought
    newer_copies(api, 4)
    assert refresh(lib, ACCOUNT) == Refreshed(4, 4)
    assert len(api.billed) == bought + 4


@pytest.mark.parametrize(("platform", "per_page"), [("bsky", 100), ("mastodon", 40)])
def test_max_posts_reads_no_more_bluesky_or_mastodon_posts_than_it_says(
    fake_social: FakeSocial, lib: Library, platform: str, per_page: int
) -> None:
    name = f"bsky:{OWNER_HANDLE}"
    if platform == "mastodon":
        name = f"mastodon:@{MASTODON_USER}@{fake_social.host}"
    fake_social.feed = bsky_feed(250)
    fake_social.statuses = mastodon_statuses(250, fake_social.url)
    first = fetch_account(lib, name, max_posts=per_page + 7)
    assert (first.posts_read, first.new_posts, first.complete) == (
        per_page + 7,
        per_page + 7,
        False,
    )
    second = fetch_account(lib, name)
    assert (second.new_posts, second.complete) == (250 - per_page - 7, True)


class Backwards(Billed):
    """The fake X API whose next_token, while `back` is set, leads back to the newest page."""

    back = True

    def _timeline(self, user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        status, body = super()._timeline(user_id, query, auth)
        meta = body.get("meta", {}) if status == 200 and isinstance(body, dict) else {}
        if self.back and query.get("pagination_token") and "next_token" in meta:
            top = self.timelines[user_id][0]["id"]
            meta["next_token"] = self._token(user_id, str(int(top) + 1))
        return status, body


def test_pages_that_go_back_do_not_move_where_the_next_run_goes_on(
    start_fake: Any, lib: Library
) -> None:
    api = start_fake(Backwards, **dataclasses.asdict(CREDS))
    api.timelines[OWNER_ID] = timeline(1000)
    with pytest.raises(NoProgressError):  # pages 3 to 5 are page 1 again
        sync_account(lib, client(api), ACCOUNT)
    assert len(lib.posts("x", OWNER_ID)) == 200
    saved = lib.cursor("x", OWNER_ID)
    assert saved is not None and saved["cursor"] == api.timelines[OWNER_ID][199]["id"]
    api.back = False
    done = sync_account(lib, client(api), ACCOUNT)
    assert done.complete and done.new_posts == 800  # none of the older 800 is left out
    assert {p.id for p in lib.posts("x", OWNER_ID)} == {t["id"] for t in api.timelines[OWNER_ID]}


def test_an_interrupted_since_backfill_that_found_nothing_is_not_followed_by_a_full_one(
    api: Billed, lib: Library
) -> None:
    # X may answer an empty page that still has a next_token; the run stops after it.
    api.timelines[OWNER_ID] = timeline(250)
    since = (newest_day(api) + timedelta(days=2)).date()
    token = api._token(OWNER_ID, str(int(api.timelines[OWNER_ID][0]["id"]) + 1))
    empty = {"meta": {"result_count": 0, "next_token": token}}
    api.script(Fault(200, empty, path="/tweets", at=frozenset({1})))
    api.script(rate_limited(reset_in=30, path="/tweets", at=frozenset({2})))
    with pytest.raises(RateLimited):
        sync_account(lib, client_with(api, wait_on_rate_limit=False), ACCOUNT, since=since)
    saved = lib.cursor("x", OWNER_ID)
    assert saved is not None and saved["since"] is not None  # the pass and its bound
    done = sync_account(lib, client(api), ACCOUNT)  # finishes that pass, then the newest
    assert done.complete and done.posts_read == 0 and api.billed == []
    assert all(r.query.get("start_time") for r in api.seen("/tweets"))


def test_a_first_bluesky_fetch_with_max_posts_says_how_many_it_reads(
    fake_social: FakeSocial, lib: Library
) -> None:
    fake_social.feed = bsky_feed(250)
    said: list[str] = []
    done = fetch_account(lib, f"bsky:{OWNER_HANDLE}", max_posts=30, notify=said.append)
    assert said == [f"first fetch of @{OWNER_HANDLE}: reading up to 30 posts"]
    assert done.posts_read == 30


def test_a_page_that_goes_back_with_a_new_post_on_it_does_not_move_the_x_cursor_back(
    start_fake: Any, lib: Library
) -> None:
    api = start_fake(Backwards, **dataclasses.asdict(CREDS))
    api.timelines[OWNER_ID] = timeline(1000)
    served = api._timeline

    def with_a_new_post(user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        if len(api.seen("/tweets")) == 3 and len(api.timelines[OWNER_ID]) == 1000:
            newer_copies(api, 1)  # a post made while the run pages on
        return served(user_id, query, auth)

    api._timeline = with_a_new_post  # type: ignore[method-assign]
    with pytest.raises(NoProgressError):  # page 3 goes back (with the new post on top)
        sync_account(lib, client(api), ACCOUNT)
    saved = lib.cursor("x", OWNER_ID)
    assert saved is not None and saved["cursor"] == api.timelines[OWNER_ID][200]["id"]
    api.back = False
    assert sync_account(lib, client(api), ACCOUNT).complete
    assert {p.id for p in lib.posts("x", OWNER_ID)} == {t["id"] for t in api.timelines[OWNER_ID]}


def test_an_edit_is_one_new_read_and_replaces_the_version_it_edits(
    api: Billed, lib: Library
) -> None:
    api.timelines[OWNER_ID] = timeline(100)
    sync_account(lib, client(api), ACCOUNT)
    edited = api.timelines[OWNER_ID][3]
    newer_copies(api, 1)
    edit = api.timelines[OWNER_ID][0]
    edit["edit_history_tweet_ids"] = [edited["id"], edit["id"]]
    del api.timelines[OWNER_ID][4]  # the timeline shows the newest version only
    done = sync_account(lib, client(api), ACCOUNT)
    assert (done.posts_read, done.new_posts) == (1, 1) and api.billed.count(edit["id"]) == 1
    (stats,) = lib.accounts()
    assert stats.posts == 100  # the edited version no longer counts
    assert edited["id"] not in set(lib.frame("x", OWNER_ID)["id"])


def test_two_accounts_in_one_library_each_read_only_what_is_new_for_them(
    api: Billed, cli_env: Path
) -> None:
    api.timelines[OWNER_ID] = timeline(150)
    api.add_user("42", "otherone", timeline(250)[150:])  # older posts, other ids
    for name in (f"@{OWNER}", "@otherone"):
        assert main(["fetch", name, "--quiet"], out=io.StringIO()) == 0
    assert len(api.billed) == 250
    newer_copies(api, 2)
    before = len(api.seen("/tweets"))
    for name in (f"@{OWNER}", "@otherone"):
        assert main(["fetch", name, "--quiet"], out=io.StringIO()) == 0
    asked = api.seen("/tweets")[before:]
    assert [r.path for r in asked] == ["/2/users/2351222345/tweets", "/2/users/42/tweets"]
    assert asked[1].query["since_id"] == api.timelines["42"][0]["id"]
    assert len(api.billed) == len(set(api.billed)) == 252


def test_a_capped_fetch_spent_on_an_earlier_backfill_says_the_newest_are_not_read(
    api: Billed, cli_env: Path
) -> None:
    api.timelines[OWNER_ID] = timeline(350)
    assert main(["fetch", f"@{OWNER}", "--max-posts", "100", "--quiet"], io.StringIO()) == 0
    newer_copies(api, 5)
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--max-posts", "100"], out=out) == 0
    assert api.billed.count(api.timelines[OWNER_ID][0]["id"]) == 0  # the 5 are not read
    assert "before the newest posts" in out.getvalue()
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}"], out=out) == 0
    assert "newest" not in out.getvalue() and len(set(api.billed)) == len(api.billed) == 355


# `fetch @myhandle` after `fetch --me`: the owner's own account by its handle is read with
# the owner's user tokens, as `--me` and `weekly --sync` read it.


def test_fetching_the_owners_handle_reads_with_the_owners_tokens(
    api: Billed,
    cli_env: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    api.protected.add(OWNER_ID)  # only the owner's user tokens can read it at all
    api.timelines[OWNER_ID] = timeline(100)
    assert main(["fetch", "--me", "--quiet"], out=io.StringIO()) == 0
    api.timelines[OWNER_ID] = timeline(105, newer=5)
    before = len(api.seen())
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    assert capsys.readouterr().err == ""
    asked = api.seen()[before:]
    assert [(r.path, r.auth) for r in asked] == [(f"/2/users/{OWNER_ID}/tweets", "oauth1")]
    with Library(cli_env) as lib:
        assert len(lib.posts("x", OWNER_ID)) == 105


def test_another_handle_is_still_read_with_the_apps_token(
    api: Billed,
    cli_env: Path,
) -> None:
    assert main(["fetch", "--me", "--quiet"], out=io.StringIO()) == 0
    api.add_user("783214", "someone_else", timeline(10))
    before = len(api.seen())
    assert main(["fetch", "@someone_else", "--quiet"], out=io.StringIO()) == 0
    assert {r.auth for r in api.seen()[before:] if r.path.endswith("/tweets")} == {"bearer"}
