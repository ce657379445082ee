"""Tests for linkratio.store: the SQLite library, its frame cache, migrations and run lock."""

from __future__ import annotations

import dataclasses
import inspect
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import platformdirs
import pytest
from archives import write_archive
from helpers import FIXTURES, ROOT, SAMPLE

import linkratio.frame as frame_module
from linkratio import store
from linkratio.errors import InputError, LibraryBusyError
from linkratio.frame import COLUMNS, DERIVER, Library, to_frame
from linkratio.model import Account, Category, Kind, Label, Link, Post
from linkratio.sources import read
from linkratio.sources.x_archive import read_archive
from linkratio.sources.x_json import read_v2, tweet_to_post
from linkratio.store import MIGRATIONS, AccountStats, SaveResult
from linkratio.store import accounts as store_accounts
from linkratio.store import cache as store_cache
from linkratio.store import links as store_links
from linkratio.store import weekly as weekly_store

ME = Account("x", "100", "Maren")
T0 = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def post(pid: str, text: str = "hello", minutes: int = 0, **fields: Any) -> Post:
    values: dict[str, Any] = {
        "platform": "x",
        "id": pid,
        "created_at": T0 + timedelta(minutes=minutes),
        "text": text,
        "author_id": "100",
        "author_handle": "Maren",
        "source": "api",
    }
    values.update(fields)
    return Post(**values)


def full_post() -> Post:
    """A post with every field set to something other than its default."""
    return Post(
        platform="x",
        id="1771234567890123456",
        created_at=datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC),
        text="@ana agreed ❓ see https://t.co/a and https://t.co/b",
        author_id="100",
        author_handle="Maren",
        is_repost=True,
        repost_of_handle="bob",
        reply_to_post_id="1771234567890000000",
        reply_to_user_id="300",
        reply_to_handle="ana",
        quoted_post_id="1771234567000000000",
        quoted_user_id="400",
        quoted_handle="cy",
        links=(
            Link("https://t.co/a", "https://example.org/a?x=1"),
            Link("https://t.co/b"),
            Link("https://t.co/p", "https://x.com/Maren/status/1/photo/1", media=True),
        ),
        mentions=("ana", "cy"),
        edit_ids=("1771234567890123000", "1771234567890123456"),
        source="api",
        raw=b'{"data":{"id":"1771234567890123456"}}',
    )


@pytest.fixture
def lib(memory_library: Library) -> Library:
    return memory_library


def assert_frame_matches_posts(library: Library, account_id: str = "100") -> pd.DataFrame:
    """frame() must be exactly to_frame() of the rebuilt posts."""
    table = library.frame("x", account_id)
    pd.testing.assert_frame_equal(table, to_frame(library.posts("x", account_id)))
    return table


# --- saving and reading back ------------------------------------------------------------


def test_every_post_field_round_trips(lib: Library) -> None:
    bare = Post(platform="x", id="5", created_at=T0, text="", source="api")
    given = [full_post(), bare]
    assert lib.save_posts(ME, given, origin="api") == SaveResult(inserted=2, updated=0)
    back = lib.posts("x", "100", with_raw=True)
    assert back == sorted(given, key=lambda p: p.created_at)  # every compared field
    by_id = {p.id: p for p in back}
    assert by_id[full_post().id].raw == full_post().raw  # raw is not part of ==
    assert by_id["5"].raw is None
    assert by_id[full_post().id].created_at.tzinfo is not None
    assert all(p.raw is None for p in lib.posts("x", "100"))  # raw only on request


def test_the_same_post_saved_again_is_updated_in_place(lib: Library) -> None:
    assert lib.save_posts(ME, [post("1", "first"), post("2")], origin="api") == SaveResult(2, 0)
    result = lib.save_posts(ME, [post("1", "edited https://t.co/x"), post("3")], origin="api")
    assert result == SaveResult(inserted=1, updated=1)
    # Saved again as stored: unchanged, not updated.
    again = [post("1", "edited https://t.co/x"), post("2")]
    assert lib.save_posts(ME, again, origin="api") == SaveResult(0, 0, unchanged=2)
    back = {p.id: p for p in lib.posts("x", "100")}
    assert sorted(back) == ["1", "2", "3"]
    assert back["1"].text == "edited https://t.co/x"
    assert lib.accounts()[0].posts == 3
    table = assert_frame_matches_posts(lib)
    assert table.loc[table["id"] == "1", "text"].tolist() == ["edited https://t.co/x"]
    assert table.loc[table["id"] == "1", "kind"].tolist() == ["url"]


def test_a_post_given_twice_in_one_save_counts_once(lib: Library) -> None:
    result = lib.save_posts(ME, [post("1", "a"), post("1", "b")], origin="api")
    assert result == SaveResult(inserted=1, updated=0)
    assert [p.text for p in lib.posts("x", "100")] == ["b"]


def test_a_save_without_raw_keeps_the_raw_json_stored_before(lib: Library) -> None:
    lib.save_posts(ME, [post("1", raw=b'{"id":"1"}')], origin="api")
    lib.save_posts(ME, [post("1", "newer")], origin="file")
    (back,) = lib.posts("x", "100", with_raw=True)
    assert (back.text, back.source, back.raw) == ("newer", "file", b'{"id":"1"}')


def test_origin_is_stored_as_the_source(lib: Library) -> None:
    lib.save_posts(ME, [post("1", source="file")], origin="archive")
    assert [p.source for p in lib.posts("x", "100")] == ["archive"]
    assert lib.frame("x", "100")["source"].tolist() == ["archive"]
    with pytest.raises(ValueError, match="origin"):
        lib.save_posts(ME, [post("2")], origin="web")


def test_a_post_of_another_platform_is_refused(lib: Library) -> None:
    with pytest.raises(ValueError, match="bluesky"):
        lib.save_posts(ME, [post("1", platform="bluesky")], origin="api")
    assert lib.accounts() == []  # nothing of the failed save was kept


def test_an_account_without_id_needs_a_known_handle(lib: Library) -> None:
    with pytest.raises(InputError, match="@Maren"):
        lib.save_posts(Account("x", None, "Maren"), [post("1")], origin="archive")
    lib.save_posts(ME, [post("1")], origin="api")
    lib.save_posts(Account("x", None, "maren"), [post("2")], origin="archive")
    assert [p.id for p in lib.posts("x", "100")] == ["1", "2"]


# --- an archive, then the API -----------------------------------------------------------


def archive_tweet(tid: str, text: str, created: str, **extra: Any) -> dict[str, Any]:
    tweet = {
        "id_str": tid,
        "id": tid,
        "created_at": created,
        "full_text": text,
        "entities": {"urls": [], "user_mentions": []},
        "edit_info": {"initial": {"editTweetIds": [tid], "editsRemaining": "5"}},
        **extra,
    }
    return {"tweet": tweet}


ARCHIVE = [
    archive_tweet("1500000000000000001", "plain post", "Sat Nov 09 10:00:00 +0000 2024"),
    archive_tweet(
        "1500000000000000002",
        "@ana thanks",
        "Sat Nov 09 11:00:00 +0000 2024",
        in_reply_to_status_id_str="1400000000000000000",
        in_reply_to_user_id_str="300",
        in_reply_to_screen_name="ana",
    ),
    archive_tweet("1500000000000000003", "anyone there?", "Sat Nov 09 12:00:00 +0000 2024"),
]


def v2_page() -> dict[str, Any]:
    """An API page: one post the archive also holds, one new reply, one new quote."""
    return {
        "data": [
            {
                "id": "1500000000000000003",
                "text": "anyone there?",
                "author_id": "100",
                "created_at": "2024-11-09T12:00:00.000Z",
                "edit_history_tweet_ids": ["1500000000000000003"],
            },
            {
                "id": "1500000000000000004",
                "text": "@ana yes!",
                "author_id": "100",
                "created_at": "2024-11-10T09:00:00.000Z",
                "in_reply_to_user_id": "300",
                "referenced_tweets": [{"type": "replied_to", "id": "1400000000000000009"}],
                "entities": {"mentions": [{"start": 0, "end": 4, "username": "ana", "id": "300"}]},
            },
            {
                "id": "1500000000000000005",
                "text": "this!",
                "author_id": "100",
                "created_at": "2024-11-11T09:00:00.000Z",
                "referenced_tweets": [{"type": "quoted", "id": "1400000000000000010"}],
            },
        ],
        "includes": {
            "users": [
                {"id": "100", "username": "Maren"},
                {"id": "300", "username": "ana"},
                {"id": "400", "username": "bob"},
                {"id": "999", "username": "unrelated"},
            ],
            "tweets": [
                {"id": "1400000000000000009", "author_id": "300", "text": "ready?"},
                {"id": "1400000000000000010", "author_id": "400", "text": "a thought"},
                {"id": "1400000000000000099", "author_id": "999", "text": "unrelated"},
            ],
        },
    }


def api_posts(page: dict[str, Any]) -> list[Post]:
    tweets = {t["id"]: t for t in page["includes"]["tweets"]}
    users = {u["id"]: u for u in page["includes"]["users"]}
    return [tweet_to_post(t, tweets, users, source="api", keep_raw=True) for t in page["data"]]


def test_archive_then_overlapping_api_posts_are_stored_once(
    tmp_path: Path, memory_library: Library
) -> None:
    timeline = read(write_archive(tmp_path / "archive", ARCHIVE, handle="Maren"), keep_raw=True)
    library = memory_library
    assert library.save_posts(timeline.account, timeline.posts, origin="archive") == (
        SaveResult(inserted=3, updated=0)
    )
    result = library.save_posts(ME, api_posts(v2_page()), origin="api")
    assert result == SaveResult(inserted=2, updated=1)
    back = {p.id: p for p in library.posts("x", "100", with_raw=True)}
    assert len(back) == 5
    assert back["1500000000000000001"].source == "archive"
    overlap = back["1500000000000000003"]
    assert overlap.source == "api"
    assert orjson.loads(overlap.raw or b"")["data"]["id"] == "1500000000000000003"
    assert library.accounts()[0].posts == 5
    table = assert_frame_matches_posts(library)
    assert table["kind"].tolist() == ["post", "reply", "question", "reply", "quote"]


def test_the_sample_archive_frame_equals_to_frame(tmp_path: Path) -> None:
    timeline = read(SAMPLE, keep_raw=True)
    with Library(tmp_path / "lib.sqlite") as library:
        # Several saves (segments), one of them repeating earlier posts.
        for start in range(0, len(timeline.posts), 700):
            library.save_posts(
                timeline.account, timeline.posts[start : start + 700], origin="archive"
            )
        library.save_posts(timeline.account, timeline.posts[100:150], origin="archive")
        assert library.posts("x", timeline.account.id or "") == timeline.posts
        table = assert_frame_matches_posts(library, timeline.account.id or "")
        assert len(table) == len(timeline.posts) == 2390
        assert table.attrs == {"account": "marenbuilds", "origin": str(tmp_path / "lib.sqlite")}
        # After merging the segments (the first frame() did), the same frame again.
        pd.testing.assert_frame_equal(library.frame("x", timeline.account.id or ""), table)


@pytest.mark.parametrize(
    "name", ["quoted_edit.jsonl", "many_urls.jsonl", "test_client_get_users_mentions.1.body.json"]
)
def test_api_fixtures_frame_equals_to_frame(lib: Library, name: str) -> None:
    timeline = read_v2(FIXTURES / "x_v2" / name)
    account = Account("x", timeline.account.id or "1", timeline.account.handle)
    lib.save_posts(account, timeline.posts, origin="file")
    assert len(assert_frame_matches_posts(lib, account.id or "")) == len(timeline.posts)


def test_frame_orders_posts_of_the_same_second_by_id(lib: Library) -> None:
    posts = [post("10"), post("9"), post("100", minutes=-1), post("11")]
    lib.save_posts(ME, posts[:2], origin="api")
    lib.save_posts(ME, posts[2:], origin="api")
    table = assert_frame_matches_posts(lib)
    assert table["id"].tolist() == ["100", "9", "10", "11"]


def test_an_account_without_posts_has_an_empty_frame(lib: Library) -> None:
    table = lib.frame("x", "nobody")
    assert tuple(table.columns) == COLUMNS and table.empty


def test_many_small_saves_are_merged_and_read_the_same(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_cache, "MAX_SEGMENTS", 3)
    for i in range(8):
        lib.save_posts(ME, [post(str(i), f"post {i}?", minutes=i)], origin="api")
    first = assert_frame_matches_posts(lib)
    second = assert_frame_matches_posts(lib)
    assert first["id"].tolist() == second["id"].tolist() == [str(i) for i in range(8)]


# --- edits ------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_an_edit_chain_collapses_to_its_newest_stored_version(lib: Library, order: str) -> None:
    first = post("1500", "frist post")  # as an archive holds it: only its own id
    edited = post("1501", "first post?", minutes=2, edit_ids=("1500", "1501"))
    other = post("1600", "unrelated", minutes=5)
    saves = [[first, other], [edited]] if order == "older first" else [[edited], [first, other]]
    for posts in saves:
        lib.save_posts(ME, posts, origin="api")
    assert [p.id for p in lib.posts("x", "100")] == ["1501", "1600"]
    table = assert_frame_matches_posts(lib)
    assert table["kind"].tolist() == ["question", "post"]
    assert lib.accounts()[0].posts == 2


# --- the frame cache --------------------------------------------------------------------


def test_the_frame_cache_is_used_until_the_classifier_changes(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.save_posts(ME, [post("1", "any news?"), post("2", "@bo hi", minutes=1)], origin="api")

    def no_classifier(_: Post) -> Any:
        raise AssertionError("frame() classified a post although its cache is valid")

    monkeypatch.setattr(frame_module, "label_and_urls", no_classifier)
    assert lib.frame("x", "100")["kind"].tolist() == ["question", "mention"]

    # A different classifier: a new fingerprint makes every cached row stale.
    fake = Label(Category.OTHER, Kind.POST, "fake classifier")
    monkeypatch.setattr(frame_module, "label_and_urls", lambda p: (fake, []))
    lib.deriver = replace(DERIVER, fingerprint=lambda: "changed")
    table = lib.frame("x", "100")
    assert table["reason"].tolist() == ["fake classifier"] * 2
    assert table["kind"].tolist() == ["post", "post"]

    monkeypatch.undo()  # the real classifier and fingerprint again: relabelled once more
    lib.deriver = DERIVER
    assert lib.frame("x", "100")["kind"].tolist() == ["question", "mention"]


def test_the_fingerprint_changes_with_any_line_of_the_classifier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fingerprint = frame_module.classifier_fingerprint()
    assert fingerprint == DERIVER.fingerprint()
    assert len(fingerprint) == 16
    assert fingerprint == frame_module.classifier_fingerprint.__wrapped__()
    real = inspect.getsource

    def edited(module: Any) -> str:
        text = real(module)
        return text + "\n# a new rule\n" if module.__name__ == "linkratio.classify" else text

    monkeypatch.setattr(inspect, "getsource", edited)
    assert frame_module.classifier_fingerprint.__wrapped__() != fingerprint
    assert "linkratio.classify" in frame_module.DERIVING_MODULES
    assert "linkratio.store.cache" in frame_module.DERIVING_MODULES
    assert "linkratio.links.hosts" in frame_module.DERIVING_MODULES  # the shortener list


def test_a_store_library_without_deriver_keeps_posts_and_leaves_the_cache(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lib.sqlite"
    with Library(db) as library:
        library.save_posts(ME, [post("1", "any news?")], origin="api")
        assert_frame_matches_posts(library)
    with store.Library(db) as bare:  # the store alone: it cannot derive frame rows
        assert bare.deriver is None
        bare.save_posts(ME, [post("1", "@bo hi"), post("2", minutes=1)], origin="api")
        assert [p.text for p in bare.posts("x", "100")] == ["@bo hi", "hello"]
        with pytest.raises(TypeError, match="no deriver"):
            bare.frame("x", "100")
    with Library(db) as library:  # the stale rows of post 1 are not served
        assert assert_frame_matches_posts(library)["kind"].tolist() == ["mention", "post"]


def test_a_post_moving_to_another_account_leaves_the_first(lib: Library) -> None:
    lib.save_posts(ME, [post("1"), post("2", minutes=1)], origin="api")
    lib.frame("x", "100")  # cached
    lib.save_posts(Account("x", "200", "other"), [post("2", minutes=1)], origin="api")
    assert lib.frame("x", "100")["id"].tolist() == ["1"]
    assert lib.frame("x", "200")["id"].tolist() == ["2"]


def test_a_save_from_another_process_during_frame_is_not_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "lib.sqlite"
    with Library(db) as library, Library(db) as other:
        library.save_posts(ME, [post("1"), post("2", "old", minutes=1)], origin="api")
        library.save_posts(ME, [post("2", "new", minutes=1)], origin="api")  # cache to merge
        real = Library._superseded

        def meanwhile(self: Library, platform: str, account_id: str) -> set[str]:
            if self is library:  # while frame() reads its snapshot, another run saves
                other.save_posts(ME, [post("1", "changed")], origin="api")
            return real(self, platform, account_id)

        monkeypatch.setattr(Library, "_superseded", meanwhile)
        table = library.frame("x", "100")
        assert table["text"].tolist() == ["hello", "new"]  # one consistent view: before it
        monkeypatch.undo()
        # frame() did not merge its older view over the newer save.
        assert assert_frame_matches_posts(library)["text"].tolist() == ["changed", "new"]


def test_frame_does_not_wait_long_to_update_its_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "lib.sqlite"
    with Library(db) as library:  # waits up to 30 s for a write lock when it saves
        library.save_posts(ME, [post("1"), post("2", "old", minutes=1)], origin="api")
        library.save_posts(ME, [post("2", "new", minutes=1)], origin="api")  # cache to merge
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # another run in the middle of a long write
        try:
            began = time.monotonic()
            table = assert_frame_matches_posts(library)
            assert time.monotonic() - began < 10
        finally:
            writer.execute("ROLLBACK")
            writer.close()
        assert table["text"].tolist() == ["hello", "new"]
        assert "frame cache not written" in caplog.text
        assert_frame_matches_posts(library)


# --- cursors ----------------------------------------------------------------------------


def test_the_cursor_is_saved_with_its_page(lib: Library) -> None:
    assert lib.cursor("x", "100") is None
    lib.save_posts(ME, [post("1")], origin="api", cursor={"next_token": "p2", "pages": 1})
    assert lib.cursor("x", "100") == {"next_token": "p2", "pages": 1}
    lib.save_posts(ME, [post("2")], origin="api", cursor_done=True)
    assert lib.cursor("x", "100") is None
    lib.save_posts(ME, [], origin="api", cursor={"next_token": "p9"})
    lib.clear_cursor("x", "100")
    assert lib.cursor("x", "100") is None


def test_a_save_failing_midway_writes_neither_posts_nor_cursor(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.save_posts(ME, [post("1")], origin="api", cursor={"next_token": "p2"})
    seen_inside: list[list[str]] = []

    def fail(*args: Any) -> None:
        # The page's posts are written already, inside the still open transaction.
        seen_inside.append([p.id for p in lib.posts("x", "100")])
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_accounts, "write_cursor", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        lib.save_posts(ME, [post("2"), post("3")], origin="api", cursor={"next_token": "p3"})
    assert seen_inside == [["1", "2", "3"]]
    monkeypatch.undo()
    assert [p.id for p in lib.posts("x", "100")] == ["1"]
    assert lib.cursor("x", "100") == {"next_token": "p2"}
    assert lib.frame("x", "100")["id"].tolist() == ["1"]


_PAGER = """
import sys
from datetime import UTC, datetime, timedelta
from linkratio.model import Account, Post
from linkratio.frame import Library
library = Library(sys.argv[1])
me = Account("x", "100", "Maren")
t0 = datetime(2024, 1, 1, tzinfo=UTC)
for page in range(100000):
    posts = [Post("x", str(1000 * page + i), t0 + timedelta(minutes=10 * page + i), "hi")
             for i in range(10)]
    library.save_posts(me, posts, origin="api", cursor={"page": page})
    print(page, flush=True)
"""


def test_a_fetch_killed_at_any_moment_keeps_pages_and_cursor_together(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", _PAGER, str(db)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert child.stdout is not None
    with child.stdout:
        for _ in range(5):  # let it commit a few pages, then kill -9 in the middle of one
            child.stdout.readline()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    with Library(db) as library:
        cursor = library.cursor("x", "100")
        assert cursor is not None and cursor["page"] >= 4
        stored = library.posts("x", "100")
        assert len(stored) == 10 * (cursor["page"] + 1)
        assert_frame_matches_posts(library)


# --- the schema -------------------------------------------------------------------------


def test_a_version_1_library_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    assert store.migrate(db, target=1) == 1
    db.execute("INSERT INTO accounts VALUES ('x', '100', 'Maren', '2024-01-01', '2024-01-01')")
    link = '[{"url":"https://t.co/a","expanded":"https://e.org"}]'
    rows = [  # a post, and an edit chain: 21 edited into 22
        ("20", T0, "a link https://t.co/a", link, "[]"),
        ("21", T0 + timedelta(hours=1), "frist", "[]", '["21"]'),
        ("22", T0 + timedelta(hours=1, minutes=3), "first?", "[]", '["21","22"]'),
    ]  # fmt: skip
    for pid, when, text, links, edits in rows:
        db.execute(
            "INSERT INTO posts (platform, post_id, account_id, created_at, text, author_id,"
            " author_handle, links, mentions, edit_ids, origin, fetched_at, tool_version, raw)"
            " VALUES ('x', ?, '100', ?, ?, '100', 'Maren', ?, '[]', ?, 'archive', 'then',"
            " 'linkratio 0.0', ?)",
            (pid, int(when.timestamp() * 1_000_000), text, links, edits, b"{}"),
        )
    db.execute("INSERT INTO cursors VALUES ('x', '100', '{\"next_token\":\"t\"}', 'then')")
    db.execute("INSERT INTO syncs VALUES (1, 'x', '100', '2024-03-02T00:00:00+00:00', 3, 1)")
    db.close()

    with Library(path) as library:
        assert library.schema_version() == len(MIGRATIONS) == 8
        posts = library.posts("x", "100", with_raw=True)
        assert [(p.id, p.text) for p in posts] == [
            ("20", "a link https://t.co/a"),
            ("22", "first?"),
        ]
        assert posts[0].links == (Link("https://t.co/a", "https://e.org"),)
        assert posts[1].raw == b"{}" and posts[1].source == "archive"
        assert library.cursor("x", "100") == {"next_token": "t"}
        (stats,) = library.accounts()
        assert stats.posts == 2
        assert stats.last_sync == datetime(2024, 3, 2, tzinfo=UTC)
        table = assert_frame_matches_posts(library)
        assert table["kind"].tolist() == ["url", "question"]
        # The upgraded library takes new posts like a new one.
        library.save_posts(ME, [post("23", minutes=600)], origin="api")
        assert [p.id for p in library.posts("x", "100")] == ["20", "22", "23"]
    with Library(path) as again:  # opening an up-to-date library migrates nothing
        assert again.schema_version() == 8
        assert again.setting("k") is None
        again.set_setting("k", "v1")
        again.set_setting("k", "v2")
        assert again.setting("k") == "v2"


def test_a_version_4_library_gets_one_time_format(tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    assert store.migrate(db, target=4) == 4
    # The three formats of version 4: isoformat(), isoformat(timespec="seconds"), %H:%M:%SZ.
    micro, second = "2024-03-01T08:30:15.123456+00:00", "2024-03-02T00:00:00+00:00"
    db.execute("INSERT INTO accounts VALUES ('x', '100', 'Maren', ?, ?)", (micro, second))
    db.execute("INSERT INTO syncs VALUES (1, 'x', '100', ?, 3, 1)", (micro,))
    db.execute("INSERT INTO syncs VALUES (2, 'x', '100', ?, 0, 0)", (second,))
    db.execute("INSERT INTO cursors VALUES ('x', '100', '{}', 'then')")  # no time: kept
    db.execute(
        "INSERT INTO deliveries VALUES ('x', '100', '2024-W09', 'email:a@b.c', ?)", (second,)
    )
    db.execute("INSERT INTO challenges VALUES ('x', '100', '2024-03-04', 'UTC', ?)", (second,))
    db.execute(
        "INSERT INTO link_resolutions VALUES ('https://t.co/a', NULL, NULL, '[]',"
        " '2024-03-01T08:30:15Z', 'timeout', '2024-03-08T08:30:15Z')"
    )
    db.execute("INSERT INTO redirect_hosts VALUES ('bit.ly', '2024-03-01T08:30:15Z')")
    db.close()

    with Library(path) as library:
        assert library.schema_version() == len(MIGRATIONS) == 8
        (stats,) = library.accounts()
        assert stats.last_sync == datetime(2024, 3, 2, tzinfo=UTC)
        assert weekly_store.last_sync(library, ME) == datetime(2024, 3, 2, tzinfo=UTC)
        hit = store_links.cached(library, ["https://t.co/a"])["https://t.co/a"]
        assert hit.resolved_at == datetime(2024, 3, 1, 8, 30, 15, tzinfo=UTC)
        assert hit.retry_after == datetime(2024, 3, 8, 8, 30, 15, tzinfo=UTC)
        rows = library.query("SELECT first_seen, updated_at FROM accounts")
        assert rows == [("2024-03-01T08:30:15.123456Z", "2024-03-02T00:00:00.000000Z")]
        assert library.query("SELECT at FROM syncs ORDER BY id") == [
            ("2024-03-01T08:30:15.123456Z",),
            ("2024-03-02T00:00:00.000000Z",),
        ]
        assert library.query("SELECT updated_at FROM cursors") == [("then",)]
        for table, column in [
            ("deliveries", "delivered_at"),
            ("challenges", "set_at"),
            ("link_resolutions", "resolved_at"),
            ("link_resolutions", "retry_after"),
            ("redirect_hosts", "first_seen"),
        ]:
            (value,) = library.query(f"SELECT {column} FROM {table}")[0]
            assert len(value) == 27 and value.endswith("Z"), (table, column, value)
            assert store.from_db_time(value) is not None


def test_every_time_the_store_writes_has_one_format(memory_library: Library) -> None:
    when = datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
    memory_library.save_posts(ME, [post("1")], origin="api", fetched_at=when)
    memory_library.record_sync("x", "100", when=when, posts_read=1, complete=True)
    weekly_store.record_delivery(memory_library, ME, "2024-W09", "email:a@b.c", now=when)
    (fetched,) = memory_library.query("SELECT fetched_at FROM posts")[0]
    (synced,) = memory_library.query("SELECT at FROM syncs")[0]
    (delivered,) = memory_library.query("SELECT delivered_at FROM deliveries")[0]
    assert fetched == synced == delivered == "2024-03-01T08:30:00.000000Z"
    assert store.from_db_time(fetched) == when
    with pytest.raises(ValueError, match="naive"):
        store.to_db_time(datetime(2024, 3, 1))


def test_a_library_from_a_newer_linkratio_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Library(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="upgrade linkratio"):
        Library(path)


def test_a_file_that_is_not_a_library_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a database, just some words " * 100)
    with pytest.raises(InputError, match=str(path)):
        Library(path)


def test_the_library_file_is_in_wal_mode_in_a_created_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "lib.sqlite"
    with Library(path) as library:
        library.save_posts(ME, [post("1")], origin="api")
        mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"
        assert path.with_name("lib.sqlite-wal").exists()


@pytest.mark.parametrize("reader", [False, True])
def test_a_bulk_save_into_an_empty_library_ends_in_wal_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: bool
) -> None:
    """A first import is written with a rollback journal, then the file is WAL again; with
    another connection open it stays WAL throughout, without waiting for it."""
    import linkratio.store.library as library_module

    monkeypatch.setattr(library_module, "BULK_POSTS", 2)
    path = tmp_path / "lib.sqlite"
    with Library(path) as library:
        other = sqlite3.connect(path) if reader else None
        if other is not None:
            other.execute("SELECT count(*) FROM posts").fetchone()
        began = time.monotonic()
        library.save_posts(ME, [post("1"), post("2", minutes=1)], origin="archive")
        assert time.monotonic() - began < 5  # not the 30 s busy timeout
        assert library.query("PRAGMA journal_mode") == [("wal",)]
        assert [p.id for p in library.posts("x", "100")] == ["1", "2"]
        library.save_posts(ME, [post("3", minutes=2), post("4", minutes=3)], origin="archive")
        assert len(library.frame("x", "100")) == 4
        if other is not None:
            other.close()


def test_default_path_honours_linkratio_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "mine.sqlite"))
    assert Library.default_path() == tmp_path / "mine.sqlite"
    monkeypatch.setenv("LINKRATIO_DB", "~/lr.sqlite")
    assert Library.default_path() == Path.home() / "lr.sqlite"
    monkeypatch.delenv("LINKRATIO_DB")
    expected = platformdirs.user_data_path("linkratio", appauthor=False) / "library.sqlite"
    assert Library.default_path() == expected


# --- accounts ---------------------------------------------------------------------------


def test_accounts_list_counts_ranges_and_last_sync(lib: Library) -> None:
    lib.save_posts(ME, [post("1"), post("2", minutes=90)], origin="api")
    lib.save_posts(Account("x", "7", "bo"), [post("3", minutes=5)], origin="archive")
    when = datetime(2024, 5, 1, 12, tzinfo=UTC)
    lib.record_sync("x", "100", when=when, posts_read=2, complete=True)
    lib.record_sync("x", "100", when=when + timedelta(days=7), posts_read=0, complete=False)
    lib.record_sync("x", "55", when=when, posts_read=0, complete=True)  # not saved before
    stats = lib.accounts()
    assert [s.last_saved is not None for s in stats] == [False, True, True]
    assert [dataclasses.replace(s, last_saved=None) for s in stats] == [
        AccountStats("x", "55", None, 0, None, None, when, True),
        AccountStats("x", "7", "bo", 1, T0 + timedelta(minutes=5), T0 + timedelta(minutes=5),
                     None, None),
        AccountStats("x", "100", "Maren", 2, T0, T0 + timedelta(minutes=90),
                     when + timedelta(days=7), False),
    ]  # fmt: skip


def test_find_account_by_handle_any_case_or_id(lib: Library) -> None:
    lib.save_posts(ME, [post("1")], origin="api")
    lib.save_posts(Account("x", "12345", "digits"), [post("2")], origin="api")
    for name in ("@Maren", "maren", "@MAREN", " 100 "):
        assert lib.find_account(name) == ME
    assert lib.find_account("12345") == Account("x", "12345", "digits")
    assert lib.find_account("@nobody") is None
    assert lib.find_account("Maren", platform="bluesky") is None
    lib.save_posts(Account("x", "100", "maren_new"), [], origin="api")  # renamed
    assert lib.find_account("@maren_new") == Account("x", "100", "maren_new")
    lib.save_posts(Account("x", "100", None), [], origin="api")  # no handle: keep the known one
    assert lib.find_account("100") == Account("x", "100", "maren_new")


def test_newest_post_id_is_by_snowflake_order(lib: Library) -> None:
    assert lib.newest_post_id("x", "100") is None
    lib.save_posts(ME, [post("999"), post("1000", minutes=-5)], origin="api")
    lib.save_posts(ME, [post("998", minutes=9)], origin="archive")
    assert lib.newest_post_id("x", "100") == "1000"  # "999" > "1000" as text


# --- the run lock -----------------------------------------------------------------------

_HOLDER = """
import sys, time
from linkratio.frame import Library
library = Library(sys.argv[1])
with library.run_lock("fetch @Maren"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def hold_lock(db: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def test_a_second_run_waits_then_fails_naming_the_library(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    holder = hold_lock(db, 60)
    try:
        with Library(db) as library:
            began = time.monotonic()
            with pytest.raises(LibraryBusyError) as caught, library.run_lock("import", wait=0.5):
                pass
            waited = time.monotonic() - began
            assert 0.5 <= waited < 5
            assert str(db) in str(caught.value) and "fetch @Maren" in str(caught.value)
            assert caught.value.exit_code == 75
            holder.send_signal(signal.SIGKILL)  # kill -9: the kernel drops the lock
            holder.wait(timeout=30)
            with library.run_lock("import", wait=5):
                library.save_posts(ME, [post("1")], origin="archive")
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_second_run_gets_the_lock_once_the_first_ends(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    holder = hold_lock(db, 0.5)
    try:
        with Library(db) as library:
            began = time.monotonic()
            with library.run_lock("import", wait=30):
                assert time.monotonic() - began < 25
                assert holder.wait(timeout=30) == 0
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_the_lock_file_sits_beside_the_library(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    with Library(db) as library, library.run_lock("audit"):
        assert (tmp_path / "lib.sqlite.lock").exists()
        holder = (tmp_path / "lib.sqlite.lock.holder").read_text()
        assert holder == f"audit (pid {os.getpid()})"
    assert not (tmp_path / "lib.sqlite.lock.holder").exists()  # nobody holds it now


# --- raw JSON from the sources ----------------------------------------------------------


def test_archive_posts_keep_their_record_only_when_asked(tmp_path: Path) -> None:
    folder = write_archive(tmp_path, ARCHIVE, handle="Maren")
    assert all(p.raw is None for p in read_archive(folder).posts)
    posts = read_archive(folder, keep_raw=True).posts
    by_id = {r["tweet"]["id"]: r for r in ARCHIVE}
    for kept in posts:
        assert kept.raw == orjson.dumps(by_id[kept.id])
    assert [p.raw for p in read(folder, keep_raw=True).posts] == [p.raw for p in posts]


def test_api_posts_keep_their_tweet_with_its_own_includes(tmp_path: Path) -> None:
    page = v2_page()
    reply = api_posts(page)[1]
    raw = orjson.loads(reply.raw or b"")
    assert raw["data"] == page["data"][1]
    assert [u["id"] for u in raw["includes"]["users"]] == ["100", "300"]
    assert [t["id"] for t in raw["includes"]["tweets"]] == ["1400000000000000009"]
    path = tmp_path / "page.json"
    path.write_bytes(orjson.dumps(page))
    assert all(p.raw is None for p in read_v2(path).posts)
    for kept in read(path, keep_raw=True).posts:
        # Normalized again from its raw JSON alone, the post is the same.
        again = orjson.loads(kept.raw or b"")
        tweets = {t["id"]: t for t in again["includes"]["tweets"]}
        users = {u["id"]: u for u in again["includes"]["users"]}
        assert tweet_to_post(again["data"], tweets, users) == replace(kept, raw=None)
        assert again["data"]["id"] == kept.id


def test_opening_an_up_to_date_library_does_not_wait_for_a_writer(tmp_path):
    import time as _time

    path = tmp_path / "lib.sqlite"
    with Library(path) as writer:
        writer._db.execute("BEGIN IMMEDIATE")  # an import or fetch mid-transaction
        began = _time.monotonic()
        with Library(path, busy_timeout=5.0) as reader:
            assert reader.accounts() == []
        assert _time.monotonic() - began < 2.0
        writer._db.execute("ROLLBACK")


def test_transaction_commits_or_rolls_back_and_query_reads(memory_library: Library) -> None:
    library = memory_library
    with library.transaction() as db:
        db.execute("INSERT INTO redirect_hosts VALUES ('bit.ly', 'then')")
    with pytest.raises(RuntimeError), library.transaction() as db:
        db.execute("INSERT INTO redirect_hosts VALUES ('ow.ly', 'then')")
        raise RuntimeError("half-way")
    assert library.query("SELECT host FROM redirect_hosts ORDER BY host") == [("bit.ly",)]


def test_account_and_post_lookups_by_id(memory_library: Library) -> None:
    library = memory_library
    assert library.account_by_id("x", "100") is None
    assert not library.has_posts("x", "100")
    library.save_posts(ME, [post("20"), post("21", minutes=5)], origin="api")
    assert library.account_by_id("x", "100") == ME
    assert library.account_by_id("bluesky", "100") is None
    assert library.has_posts("x", "100") and not library.has_posts("x", "999")
    assert library.stored_post_ids("x", "100", ["21", "22", "20"]) == {"20", "21"}
    assert library.stored_post_ids("x", "999", ["20"]) == set()
    assert library.stored_post_ids("x", "100", []) == set()
