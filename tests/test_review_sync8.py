"""Review (sync engine): what an import tells the first fetch, and a bound on a whole run.

An import of a file that is not an account's own timeline (a twarc2 search, a hashtag or
home feed) holds a few posts of each author; it says nothing about the rest of their
history, so it must not make the first `fetch` of such an author stop at those posts.
"""

from __future__ import annotations

import copy
import io
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from fakes.social import OWNER_DID, OWNER_HANDLE, FakeSocial, bsky_feed
from fakes.x_api import FakeXApi, load_page, timeline
from helpers import altered, one_line

from linkratio import store, sync
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.model import Account, Post
from linkratio.net.x import Credentials

FIXTURE = Path(__file__).parent / "fixtures" / "x_v2" / "withheld_line4_user_timeline.jsonl"
SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent?query=%23linkratio&max_results=100"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
OTHER_ID = "987654321"


def cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@pytest.fixture
def x_env(
    fake_x_api: FakeXApi,
    x_credentials: Credentials,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FakeXApi:
    """The fake X API with linkratio pointed at it and a bearer token set."""
    monkeypatch.setenv("LINKRATIO_X_API_URL", fake_x_api.base_url)
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("X_BEARER_TOKEN", x_credentials.bearer_token or "")
    return fake_x_api


def search_file(
    folder: Path, tweets: list[dict[str, Any]], owner: dict[str, Any], twarc: bool = True
) -> Path:
    """A search page holding `tweets` (their authors in includes): twarc2 JSONL, or the
    response as the API sent it (no `__twarc`)."""
    users = [
        {"id": owner["id"], "name": owner["name"], "username": owner["username"]},
        {"id": OTHER_ID, "name": "Other", "username": "someone_else"},
    ]
    page = {
        "data": tweets,
        "includes": {"users": users},
        "meta": {"result_count": len(tweets)},
    }
    if twarc:
        page["__twarc"] = {"url": SEARCH_URL, "version": "2.14.0", "retrieved_at": "2024-01-01"}
    path = folder / "search.jsonl"
    path.write_bytes(orjson.dumps(page) + b"\n")
    return path


def by_other(tweet: dict[str, Any]) -> dict[str, Any]:
    other = copy.deepcopy(tweet)
    other["id"] = str(int(tweet["id"]) + 1)
    other["edit_history_tweet_ids"] = [other["id"]]
    other["author_id"] = OTHER_ID
    return other


def stored(db: Path, platform: str, account: str) -> set[str]:
    with Library(db) as lib:
        return {p.id for p in lib.posts(platform, account)}


@pytest.mark.parametrize(
    ("others", "twarc"), [(True, False), (False, True)], ids=["many-authors", "twarc2-one-post"]
)
def test_a_search_import_does_not_make_the_first_fetch_stop_at_its_post(
    x_env: FakeXApi, tmp_path: Path, others: bool, twarc: bool
) -> None:
    owner = x_env.owner
    x_env.timelines[x_env.owner_id] = timeline(250)
    middle = x_env.timelines[x_env.owner_id][120]  # on the second of three pages
    tweets = [middle, by_other(middle)] if others else [middle]
    db = tmp_path / "lib.sqlite"
    assert cli("import", str(search_file(tmp_path, tweets, owner, twarc)), "--db", str(db))[0] == 0
    code, _ = cli("fetch", f"@{owner['username']}", "--db", str(db), "--quiet")
    assert code == 0
    assert stored(db, "x", x_env.owner_id) == {t["id"] for t in x_env.timelines[x_env.owner_id]}
    first = x_env.seen("/tweets")[0]
    assert "since_id" not in first.query  # a first backfill, not "newer than the search's post"


def test_a_timeline_file_import_still_makes_the_fetch_read_only_what_is_newer(
    x_env: FakeXApi, tmp_path: Path
) -> None:
    # twarc2's user timeline (`/2/users/:id/tweets`): the account's own history.
    x_env.timelines[x_env.owner_id] = timeline(130, newer=30)
    db = tmp_path / "lib.sqlite"
    assert cli("import", str(FIXTURE), "--db", str(db))[0] == 0
    code, _ = cli("fetch", f"@{x_env.owner['username']}", "--db", str(db), "--quiet")
    assert code == 0
    newest = max(load_page()["data"], key=lambda t: int(t["id"]))["id"]
    assert [r.query.get("since_id") for r in x_env.seen("/tweets")] == [newest]
    assert len(stored(db, "x", x_env.owner_id)) == 130


def test_a_search_imported_after_a_fetch_leaves_the_next_fetch_incremental(
    x_env: FakeXApi, tmp_path: Path
) -> None:
    owner = x_env.owner
    x_env.timelines[x_env.owner_id] = timeline(150)
    db = tmp_path / "lib.sqlite"
    assert cli("fetch", f"@{owner['username']}", "--db", str(db), "--quiet")[0] == 0
    newest = x_env.timelines[x_env.owner_id][0]
    path = search_file(tmp_path, [newest, by_other(newest)], owner)
    assert cli("import", str(path), "--db", str(db))[0] == 0
    before = len(x_env.seen("/tweets"))
    assert cli("fetch", f"@{owner['username']}", "--db", str(db), "--quiet")[0] == 0
    again = x_env.seen("/tweets")[before:]
    assert [r.query.get("since_id") for r in again] == [newest["id"]]  # one request


def test_a_bluesky_feed_of_many_authors_does_not_cut_the_first_fetch_short(
    fake: FakeSocial, tmp_path: Path
) -> None:
    fake.feed = bsky_feed(250)
    middle = copy.deepcopy(fake.feed[150])  # on the second of three pages
    stranger = copy.deepcopy(fake.feed[151])
    stranger.pop("reason", None)
    stranger["post"]["author"] = {"did": "did:plc:someoneelse", "handle": "else.bsky.social"}
    stranger["post"]["uri"] = "at://did:plc:someoneelse/app.bsky.feed.post/x1"
    home = tmp_path / "home.json"
    home.write_bytes(orjson.dumps({"feed": [middle, stranger]}))
    db = tmp_path / "lib.sqlite"
    assert cli("import", str(home), "--db", str(db))[0] == 0
    assert cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--quiet")[0] == 0
    assert len(stored(db, "bluesky", OWNER_DID)) == 250
    assert len(fake.calls(FEED)) == 3


def store_post(pid: str) -> Post:
    return Post(
        platform="x",
        id=pid,
        created_at=datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=int(pid)),
        text=f"post {pid}",
        author_id="100",
        author_handle="maren",
    )


ME = Account("x", "100", "maren")


def test_an_excerpt_is_no_history_until_a_timeline_brings_the_post(lib: Library) -> None:
    lib.save_posts(ME, [store_post("30"), store_post("40")], origin="file", excerpt=True)
    assert lib.newest_post_id("x", "100") is None and not lib.has_posts("x", "100")
    assert lib.stored_post_ids("x", "100", ["30", "40"]) == set()
    assert len(lib.posts("x", "100")) == 2  # stored and reported all the same
    lib.save_posts(ME, [store_post("20"), store_post("30")], origin="api")
    assert lib.newest_post_id("x", "100") == "30"  # 40 is still an excerpt
    assert lib.stored_post_ids("x", "100", ["20", "30", "40"]) == {"20", "30"}
    # An excerpt that holds a post a timeline brought leaves it history.
    lib.save_posts(ME, [store_post("30"), store_post("50")], origin="file", excerpt=True)
    assert lib.newest_post_id("x", "100") == "30"
    lib.save_posts(ME, [store_post("50")], origin="archive")
    assert lib.newest_post_id("x", "100") == "50"


def test_a_version_5_library_is_upgraded_and_its_posts_stay_history(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    assert store.migrate(db, target=5) == 5
    db.execute("INSERT INTO accounts VALUES ('x', '100', 'maren', 'then', 'then')")
    db.execute(
        "INSERT INTO posts (platform, post_id, account_id, created_at, text, origin,"
        " fetched_at, tool_version) VALUES ('x', '77', '100', 0, 'hi', 'file', 'then', 'v')"
    )
    db.close()
    with Library(path) as lib:
        assert lib.schema_version() == len(store.MIGRATIONS) == 8
        assert lib.newest_post_id("x", "100") == "77"  # what it held before stays history
        lib.save_posts(ME, [store_post("90")], origin="file", excerpt=True)
        assert lib.newest_post_id("x", "100") == "77"
        assert [p.id for p in lib.posts("x", "100")] == ["77", "90"]


# -- a whole run is bounded -----------------------------------------------------------------
#
# A server that keeps sending pages that do make progress (fresh posts, a new cursor) was
# followed up to RUN_CAP (50,000) posts: one post a page is 50,000 requests, each allowed
# 120 s and its retries and rate-limit waits: days. The bounds are lowered here so that a
# long but finite fake feed is "endless" for one run.


@pytest.fixture
def trickle(fake: FakeSocial, monkeypatch: pytest.MonkeyPatch) -> FakeSocial:
    """The fake AppView serving one fresh post a page, whatever `limit` asks for."""
    served = fake._author_feed
    monkeypatch.setattr(fake, "_author_feed", lambda params: served({**params, "limit": "1"}))
    fake.feed = bsky_feed(200, start=datetime(2024, 6, 9, 12, tzinfo=UTC))
    monkeypatch.setattr(sync, "RUN_CAP", 150)  # below the feed: the old bound, for contrast
    return fake


def test_a_fetch_of_one_post_pages_stops_at_the_page_bound_and_the_next_run_goes_on(
    trickle: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "RUN_PAGES", 7, raising=False)
    db = tmp_path / "lib.sqlite"
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db))
    assert code == 0  # what `--max-posts` gives: partial, the next run continues
    assert "fetched 7 posts" in out and "the most pages one run reads" in out
    assert "the next run continues" in out and out.count("\n") == 1
    assert len(trickle.calls(FEED)) == 7
    assert len(stored(db, "bluesky", OWNER_DID)) == 7
    with Library(db) as lib:
        assert lib.cursor("bluesky", OWNER_DID) is not None  # where the next run goes on
    monkeypatch.setattr(sync, "RUN_PAGES", 1000)
    monkeypatch.setattr(sync, "RUN_CAP", 1000)
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--quiet")
    assert (code, out) == (0, "")
    assert len(stored(db, "bluesky", OWNER_DID)) == 200
    # The 193 pages left from the saved cursor on, then one from the top for what is new.
    assert len(trickle.calls(FEED)) == 7 + 193 + 1


def test_max_posts_beyond_what_the_page_bound_holds_raises_it(
    trickle: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--max-posts 100000` on Mastodon (40 a page) stopped at 2,000 pages, 80,000 posts:
    a run may now read twice the full pages of the posts asked for, when that is more."""
    monkeypatch.setattr(sync, "RUN_PAGES", 7, raising=False)
    monkeypatch.setattr(sync, "FULL_PAGE", 4, raising=False)
    db = tmp_path / "lib.sqlite"
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--max-posts", "20")
    assert code == 0 and "the most pages one run reads" in out
    assert len(trickle.calls(FEED)) == 10  # 2 x ceil(20 / 4), not RUN_PAGES (7)


def test_a_fetch_past_the_run_deadline_starts_no_new_request(
    trickle: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setattr(sync, "RUN_SECONDS", 0.0, raising=False)  # over after any page
    db = tmp_path / "lib.sqlite"
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--quiet")
    assert (code, out) == (0, "")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the longest one run takes" in err
    assert "the next run continues" in err and "Traceback" not in err
    assert len(trickle.calls(FEED)) == 1
    assert len(stored(db, "bluesky", OWNER_DID)) == 1


def test_weekly_sync_stopped_by_the_run_bound_is_partial(
    trickle: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    db = tmp_path / "lib.sqlite"
    # The newest post (in the week) is stored; the rest of the backfill is still to come.
    assert cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--max-posts", "1")[0] == 0
    monkeypatch.setattr(sync, "RUN_PAGES", 5, raising=False)
    out = str(tmp_path / "out")
    argv = ["weekly", f"bsky:{OWNER_HANDLE}", "--sync", "--db", str(db), "--out", out]
    code, _ = cli(*argv, "--now", "2024-06-10T07:00:00+00:00", "--tz", "UTC")
    assert code == 1  # partial: the summary is made from what is stored
    err = capsys.readouterr().err
    assert "warning: --sync failed" in err and "the most pages one run reads" in err
    assert len(stored(db, "bluesky", OWNER_DID)) == 6
    assert len(trickle.calls(FEED)) == 6


def test_weekly_sync_that_spends_its_run_on_an_old_backfill_says_the_newest_are_unread(
    fake: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    # A backfill left unfinished (here by --max-posts 1) is finished first; when that spends
    # the posts one run reads, the week's newest post is not read: the run is partial.
    served = fake._author_feed  # pages of one post, so that --max-posts 1 leaves a backfill
    monkeypatch.setattr(fake, "_author_feed", lambda params: served({**params, "limit": "1"}))
    full = bsky_feed(40, start=datetime(2024, 6, 9, 18, tzinfo=UTC))
    fake.feed = full[1:]
    db = tmp_path / "lib.sqlite"
    assert cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--max-posts", "1")[0] == 0
    fake.feed = full  # a post made since, on Sunday evening: in the week summarized below
    newest = full[0]["post"]["uri"].rsplit("/", 1)[-1]
    monkeypatch.setattr(sync, "RUN_CAP", 5)
    out = str(tmp_path / "out")
    argv = ["weekly", f"bsky:{OWNER_HANDLE}", "--sync", "--db", str(db), "--out", out]
    code, _ = cli(*argv, "--now", "2024-06-10T07:00:00+00:00", "--tz", "UTC", "--force")
    assert code == 1  # partial: the summary lacks what was posted since the backfill began
    err = capsys.readouterr().err
    assert "warning: --sync failed" in err and "before the newest posts" in err, err
    assert not any(newest in post_id for post_id in stored(db, "bluesky", OWNER_DID))
    monkeypatch.setattr(sync, "RUN_CAP", 1000)
    code, _ = cli(*argv, "--now", "2024-06-10T07:00:00+00:00", "--tz", "UTC", "--force")
    assert code == 0, capsys.readouterr().err
    assert len(stored(db, "bluesky", OWNER_DID)) == 40


def test_a_backfill_that_ends_exactly_at_max_posts_leaves_the_run_incomplete(
    fake: FakeSocial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The interrupted pass ends with the budget's last post: the newer posts are not read,
    # so the run must not say it is done (it said nothing, and the next run read them).
    served = fake._author_feed
    monkeypatch.setattr(fake, "_author_feed", lambda params: served({**params, "limit": "1"}))
    full = bsky_feed(11, start=datetime(2024, 6, 9, 18, tzinfo=UTC))
    fake.feed = full[1:]
    db = tmp_path / "lib.sqlite"
    assert cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--max-posts", "1")[0] == 0
    fake.feed = full  # one post made since
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db), "--max-posts", "9")
    assert code == 0 and "fetched 9 posts" in out, out
    stopped = "stopped at --max-posts in an earlier backfill, before the newest posts"
    assert f"{stopped}; the next run continues" in out, out
    assert len(stored(db, "bluesky", OWNER_DID)) == 10
    code, out = cli("fetch", f"bsky:{OWNER_HANDLE}", "--db", str(db))
    assert code == 0 and len(stored(db, "bluesky", OWNER_DID)) == 11, out


@pytest.mark.parametrize(
    ("name", "history"),
    [
        ("two_tweets.jsonl", False),  # twarc2 search/all: one post of one author
        ("edited_after.jsonl", False),  # twarc2 tweet lookup (/2/tweets?ids=)
        ("withheld_line4_user_timeline.jsonl", True),  # twarc2 /2/users/:id/tweets
    ],
)
def test_real_twarc2_files_are_history_only_when_they_are_a_user_timeline(
    tmp_path: Path, name: str, history: bool
) -> None:
    db = tmp_path / "lib.sqlite"
    assert cli("import", str(FIXTURE.parent / name), "--db", str(db))[0] == 0
    with Library(db) as lib:
        (account,) = lib.accounts()
        assert account.posts > 0  # stored and reported all the same
        assert (lib.newest_post_id("x", account.id) is not None) is history
        assert lib.has_posts("x", account.id) is history


def test_a_library_that_lost_its_excerpts_table_is_damaged_for_check_and_fetch(
    x_env: FakeXApi, tmp_path: Path, capsys: Any
) -> None:
    made = tmp_path / "made"
    made.mkdir()
    db = made / "library.sqlite"
    assert cli("import", str(FIXTURE.parent / "two_tweets.jsonl"), "--db", str(db))[0] == 0
    hurt = altered(db, tmp_path, "DROP TABLE excerpts")
    code, out = cli("library", "check", "--db", str(hurt))
    assert code == 1 and "no such table: excerpts" in out
    capsys.readouterr()
    assert cli("fetch", "@LachiVeronica", "--db", str(hurt))[0] == 74
    err = capsys.readouterr().err
    assert one_line(err) and "damaged" in err and "excerpts" in err
    assert x_env.seen("/tweets") == []


@pytest.mark.parametrize(
    "state", ['{"cursor": {"a": 1}}', '{"cursor": "1", "newer_than": ["2"]}', '{"until_id": 7}']
)
def test_a_saved_cursor_whose_ids_are_not_text_is_a_damaged_library(
    x_env: FakeXApi, tmp_path: Path, capsys: Any, state: str
) -> None:
    # It went to X as a query parameter: "X refused the request" (exit 69) on every run
    # from then on, while `library check` called the file sound.
    x_env.timelines[x_env.owner_id] = timeline(250)
    db = tmp_path / "lib.sqlite"
    fetch = ["fetch", f"@{x_env.owner['username']}", "--quiet", "--db", str(db)]
    assert cli(*fetch, "--max-posts", "100")[0] == 0
    with sqlite3.connect(db) as raw:
        assert raw.execute("UPDATE cursors SET state = ?", (state,)).rowcount == 1
    raw.close()
    before = len(x_env.seen("/tweets"))
    capsys.readouterr()
    assert cli(*fetch)[0] == 74
    err = one_line(capsys.readouterr().err)
    assert "damaged" in err and "cursor" in err
    assert len(x_env.seen("/tweets")) == before  # nothing sent
    code, out = cli("library", "check", "--db", str(db))
    assert code == 1 and "cursors" in out
