"""Review (fetch): what a fetch says it may cost, and what it reads and pays for.

The fake X API is driven through the real tweepy client; `Billed` (from test_cost22)
records every post a timeline answer carried, which is what X bills a read for.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakes.social import (
    MASTODON_USER,
    OWNER_DID,
    OWNER_HANDLE,
    FakeSocial,
    bsky_copy,
    bsky_feed,
    mastodon_copy,
    mastodon_statuses,
)
from fakes.x_api import _invalid, timeline
from test_cost22 import (
    ACCOUNT,
    CREDS,
    OWNER,
    OWNER_ID,
    Backwards,
    Billed,
    client,
    newer_copies,
    point_cli_at,
)

from linkratio.cli import main
from linkratio.errors import NoProgressError
from linkratio.fetching import fetch_account
from linkratio.frame import Library
from linkratio.sync import sync_account

FEED = "/xrpc/app.bsky.feed.getAuthorFeed"


@pytest.fixture
def api(start_fake: Any) -> Billed:
    return start_fake(Billed, **dataclasses.asdict(CREDS))


@pytest.fixture
def cli_env(api: Billed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI pointed at the fake, a library of its own and both kinds of X tokens."""
    return point_cli_at(api, tmp_path, monkeypatch)


def test_the_owners_handle_read_with_the_owners_tokens_is_announced_at_the_owned_price(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.timelines[OWNER_ID] = timeline(300)
    assert main(["fetch", "--me", "--max-posts", "100", "--quiet"], out=io.StringIO()) == 0
    capsys.readouterr()
    before = len(api.seen())
    assert main(["fetch", f"@{OWNER}"], out=io.StringIO()) == 0
    err = capsys.readouterr().err
    # Read with the owner's tokens (the owned price, $0.001 a post), and said so beforehand.
    assert {r.auth for r in api.seen()[before:]} == {"oauth1"}
    assert "going on with the unfinished backfill of @PhillyNEFL: up to 3,200 posts, " in err
    assert "at most $3.20 in API reads" in err
    api.add_user("42", "someoneelse", timeline(30))
    assert main(["fetch", "@someoneelse"], out=io.StringIO()) == 0
    assert "at most $16.01 in API reads" in capsys.readouterr().err  # the app's, and a lookup


class Repeating(Billed):
    """The fake X API that, while `loop` is set, answers a page asked with a token with that
    same token as its next_token (a server stuck on one page)."""

    loop = True

    def _timeline(self, user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        status, body = super()._timeline(user_id, query, auth)
        meta = body.get("meta", {}) if status == 200 and isinstance(body, dict) else {}
        if self.loop and query.get("pagination_token") and "next_token" in meta:
            meta["next_token"] = query["pagination_token"]
        return status, body


def test_a_next_token_handed_out_again_stops_the_run_before_paying_for_its_page_again(
    start_fake: Any, lib: Library
) -> None:
    api = start_fake(Repeating, **dataclasses.asdict(CREDS))
    api.timelines[OWNER_ID] = timeline(1000)
    with pytest.raises(NoProgressError, match="same next page token"):
        sync_account(lib, client(api), ACCOUNT)
    # Page 2 named its own token as the next: following it would buy page 2 again.
    assert len(api.seen("/tweets")) == 2 and len(api.billed) == len(set(api.billed)) == 200
    api.loop = False
    assert sync_account(lib, client(api), ACCOUNT).complete
    assert len(api.billed) == len(set(api.billed)) == 1000


def test_a_token_that_leads_back_is_bought_once_not_three_times(
    start_fake: Any, lib: Library
) -> None:
    api = start_fake(Backwards, **dataclasses.asdict(CREDS))
    api.timelines[OWNER_ID] = timeline(1000)
    with pytest.raises(NoProgressError):
        sync_account(lib, client(api), ACCOUNT)
    # Page 3 is page 1 again, and names the token page 2 named: the run stops there.
    assert len(api.seen("/tweets")) == 3 and len(api.billed) == 300


@pytest.mark.parametrize("platform", ["bsky", "mastodon"])
def test_a_bluesky_or_mastodon_cursor_handed_out_again_stops_at_once(
    fake_social: FakeSocial, lib: Library, platform: str
) -> None:
    fake_social.feed = bsky_feed(250)
    fake_social.statuses = mastodon_statuses(250, fake_social.url)
    name = f"bsky:{OWNER_HANDLE}"
    path = "/xrpc/app.bsky.feed.getAuthorFeed"
    if platform == "mastodon":
        name = f"mastodon:@{MASTODON_USER}@{fake_social.host}"
        path = "/statuses"
    served = fake_social.route
    first: dict[str, str] = {}

    def stuck(path: str, params: dict[str, str], auth: str | None) -> tuple[int, Any]:
        # From the second cursor on, every page is the page of the first cursor again.
        for key in ("cursor", "max_id"):
            if params.get(key):
                params = {**params, key: first.setdefault(key, params[key])}
        return served(path, params, auth)

    fake_social.route = stuck  # type: ignore[method-assign]
    with pytest.raises(NoProgressError, match="same"):
        fetch_account(lib, name, max_posts=1000)
    assert len(fake_social.calls(path)) == 3  # the third named the cursor the second did


def test_max_posts_holds_when_a_run_has_fewer_posts_left_than_x_serves_a_request(
    api: Billed, cli_env: Path
) -> None:
    # X serves at least 5 posts a request. A run that finishes an interrupted backfill with
    # 2 of its --max-posts left must not ask for the newest 5: it stops there, as promised.
    api.timelines[OWNER_ID] = timeline(300)
    assert main(["fetch", f"@{OWNER}", "--max-posts", "100", "--quiet"], io.StringIO()) == 0
    newer_copies(api, 5)
    bought = len(api.billed)
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--max-posts", "202"], out=out) == 0
    assert len(api.billed) - bought == 200  # the rest of the backfill, not 205
    assert "stopped at --max-posts in an earlier backfill, before the newest posts" in (
        out.getvalue()
    )
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    assert len(api.billed) == len(set(api.billed)) == 305


@pytest.mark.parametrize("cap", ["1", "4"])
def test_max_posts_below_what_x_serves_a_request_is_refused_in_one_line(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str], cap: str
) -> None:
    api.timelines[OWNER_ID] = timeline(30)
    assert main(["fetch", f"@{OWNER}", "--max-posts", cap], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"--max-posts {cap}" in err and "at least 5 posts a request" in err
    assert api.billed == []
    assert main(["fetch", f"@{OWNER}", "--max-posts", "5", "--quiet"], io.StringIO()) == 0
    assert len(api.billed) == 5


def test_a_renamed_x_account_fetched_by_its_old_name_is_named_in_one_line(
    api: Billed, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api.timelines[OWNER_ID] = timeline(100)
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    api.users[OWNER_ID]["username"] = "NewNEFL"  # the account renames its handle
    before = len(api.seen())
    for quiet in ([], ["--quiet"]):
        newer_copies(api, 3)  # X names the author's handle with its posts: new ones show it
        assert main(["fetch", f"@{OWNER}", *quiet], out=io.StringIO()) == 0
        err = capsys.readouterr().err
        # Read by its stored id as before (no lookup, nothing bought twice), and said so.
        assert "@PhillyNEFL is now @NewNEFL on X (the same account, id 2351222345)" in err
        assert "linkratio fetch @NewNEFL" in err and err.count("\n") == 1
    assert [r.path for r in api.seen()[before:]] == [f"/2/users/{OWNER_ID}/tweets"] * 2
    # The new name reaches the same stored account (one lookup), which takes the new name.
    assert main(["fetch", "@NewNEFL", "--quiet"], out=io.StringIO()) == 0
    assert capsys.readouterr().err == ""
    with Library(cli_env) as lib:
        assert [(a.id, a.handle) for a in lib.accounts()] == [(OWNER_ID, "NewNEFL")]
    assert len(api.billed) == len(set(api.billed)) == 106
    # The old name now names whoever holds it: it is looked up again.
    api.add_user("77", "PhillyNEFL")
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 0
    assert api.seen()[-2].path == f"/2/users/by/username/{OWNER}"
    assert api.seen()[-1].path == "/2/users/77/tweets"


def test_a_bluesky_cursor_that_leads_back_does_not_cut_the_backfill_short(
    fake_social: FakeSocial, lib: Library
) -> None:
    # Pages 1 and 2 are good, but page 2's cursor leads back to the top, where a post was
    # made since: page 3 is page 1 again with one fresh post on it, and names the same cursor.
    fake_social.feed = bsky_feed(1000)
    served = fake_social._author_feed
    top = "2100-01-01T00:00:00.000Z::bafyreihdpdn7uiqmshzb2y4o67gzy2a"
    back = [True]

    def backwards(params: dict[str, str]) -> tuple[int, Any]:
        if back[0] and params.get("cursor") == top and len(fake_social.feed) == 1000:
            fake_social.feed.insert(
                0, bsky_copy(fake_social.feed[5], datetime(2025, 1, 1, tzinfo=UTC), 9999)
            )
        status, body = served(params)
        if back[0] and params.get("cursor") and body.get("cursor"):
            body["cursor"] = top
        return status, body

    fake_social._author_feed = backwards  # type: ignore[method-assign]
    name = f"bsky:{OWNER_HANDLE}"
    with pytest.raises(NoProgressError):
        fetch_account(lib, name)
    back[0] = False
    fetch_account(lib, name)  # the server mends: the backfill goes on where it was cut
    stored = {p.id for p in lib.posts("bluesky", OWNER_DID)}
    assert len(stored) == 1001
    before = len(fake_social.calls(FEED))
    again = fetch_account(lib, name)  # then nothing is new: one page, as for any account
    assert (again.posts_read, len(fake_social.calls(FEED)) - before) == (100, 1)
    assert lib.cursor("bluesky", OWNER_DID) is None


def test_a_backfill_resumed_from_the_top_before_a_page_that_led_back_reads_it_once(
    fake_social: FakeSocial, lib: Library
) -> None:
    # The resumed pass does not end at its first page (read before); the pass from the top
    # that follows it ends at stored posts as always.
    fake_social.feed = bsky_feed(150)
    name = f"bsky:{OWNER_HANDLE}"
    fetch_account(lib, name, max_posts=100)
    account = lib.account_by_id("bluesky", OWNER_DID)
    assert account is not None
    saved = lib.cursor("bluesky", OWNER_DID)
    assert saved is not None
    with lib.run_lock("test"):  # the state a run leaves when a page led back: read again
        lib.save_posts(account, [], origin="api", cursor={**saved, "cursor": None, "again": True})
    new = datetime(2024, 6, 2, tzinfo=UTC)
    fake_social.feed[:0] = [bsky_copy(fake_social.feed[i], new, 5000 + i) for i in (0, 1)]
    before = len(fake_social.calls(FEED))
    done = fetch_account(lib, name)
    # From the top again (2 new, 98 stored: not an end), then the 50 older; a pass from the
    # top read the newest already, so no second one reads them again.
    assert done.complete and done.newest_read and done.new_posts == 52
    assert len(fake_social.calls(FEED)) - before == 2
    assert fetch_account(lib, name).posts_read == 100  # then one page: nothing new


def test_max_posts_counts_the_posts_x_served_malformed_ones_included(
    api: Billed, cli_env: Path
) -> None:
    # X bills every post it serves; a post skipped as malformed was bought all the same.
    api.timelines[OWNER_ID] = timeline(400)
    for tweet in api.timelines[OWNER_ID][::2]:
        tweet["entities"] = "not an object"
    assert main(["fetch", f"@{OWNER}", "--max-posts", "100", "--quiet"], io.StringIO()) == 0
    with Library(cli_env) as lib:
        assert len(lib.posts("x", OWNER_ID)) == 50  # the others were skipped
    assert len(api.billed) == 100


def test_the_cli_says_a_repeated_token_in_one_line_and_exits_69(
    start_fake: Any, cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    looping = start_fake(Repeating, **dataclasses.asdict(CREDS))
    looping.timelines[OWNER_ID] = timeline(300)
    monkeypatch.setenv("LINKRATIO_X_API_URL", looping.base_url)
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=io.StringIO()) == 69
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "the same next page token again for @PhillyNEFL" in err and "try again later" in err


def test_a_mastodon_page_that_leads_back_does_not_cut_the_backfill_short(
    fake_social: FakeSocial, lib: Library
) -> None:
    # From the third request on the instance ignores max_id (the newest page again, with a
    # status made since on top of it): the backfill must go on from before it, later.
    fake_social.statuses = mastodon_statuses(400, fake_social.url)
    served = fake_social._statuses
    broken = [True]

    def backwards(params: dict[str, str]) -> tuple[int, Any]:
        if broken[0] and len(fake_social.calls("/statuses")) >= 3:
            if len(fake_social.statuses) == 400:
                top = int(fake_social.statuses[0]["id"]) + 1000
                new = datetime(2025, 8, 1, tzinfo=UTC)
                fake_social.statuses.insert(
                    0, mastodon_copy(fake_social.statuses[3], new, top, fake_social.url)
                )
            params = {k: v for k, v in params.items() if k != "max_id"}
        return served(params)

    fake_social._statuses = backwards  # type: ignore[method-assign]
    name = f"mastodon:@{MASTODON_USER}@{fake_social.host}"
    with pytest.raises(NoProgressError):
        fetch_account(lib, name)
    broken[0] = False
    assert fetch_account(lib, name).complete
    account = lib.find_account(f"@{MASTODON_USER}@{fake_social.host}", "mastodon")
    assert account is not None and account.id is not None
    assert len(lib.posts("mastodon", account.id)) == 401


class Since2010(Billed):
    """The fake X API refusing a start_time before 2010-11-06, as the timeline endpoint does."""

    def _timeline(self, user_id: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        start = query.get("start_time")
        if start and start < "2010-11-06T00:00:00":
            why = "must be on or after 2010-11-06T00:00:00Z"
            return 400, _invalid("start_time", start, why)
        return super()._timeline(user_id, query, auth)


def test_since_before_x_keeps_times_reads_the_whole_timeline_instead_of_failing(
    start_fake: Any, cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    strict = start_fake(Since2010, **dataclasses.asdict(CREDS))
    strict.timelines[OWNER_ID] = timeline(150)
    monkeypatch.setenv("LINKRATIO_X_API_URL", strict.base_url)
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--since", "2009-01-01"], out=out) == 0
    assert "fetched 150 posts" in out.getvalue() and len(strict.billed) == 150
