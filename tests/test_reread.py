"""`linkratio library reread`: stored posts read again from their JSON by today's readers.

An older linkratio is simulated the way it leaves a library: each post's JSON as received,
columns as that reader made them (here: blind to links, mentions, replies and quotes), and
its reader fingerprint; the frame cache derived from those columns. Re-reading must give
the audit a fresh import of the same data gives.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from archives import account_js, write_folder, ytd
from fakes.x_api import FakeXApi
from helpers import (
    FIXTURES,
    SAMPLE,
    Terminal,
    cleared,
    copied,
    make_read_only,
    screen_text,
    small_tmpfs,
)
from test_sync import ACCOUNT as SYNC_ACCOUNT
from test_sync import CREDS as SYNC_CREDS
from test_sync import client as sync_client
from test_x_archive import LONG, note_archive

import linkratio
import linkratio.sources.reread as sources_reread
import linkratio.store.reread as store_reread
from linkratio._version import __version__
from linkratio.cli import main
from linkratio.frame import Library, to_frame
from linkratio.loading import account_frame
from linkratio.model import Account, Post
from linkratio.sources.reread import READER, reader_fingerprint
from linkratio.store import Reader
from linkratio.store.posts import POST_COLUMNS
from linkratio.store.reread import version_key
from linkratio.sync import sync_account

NOW = "2025-06-02T12:00:00Z"
OLD = Reader(fingerprint=lambda: "01d01d01d01d01d0", reread=READER.reread)
"""The readers of an older linkratio: another fingerprint (what they read is simulated)."""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def blind(post: Post) -> Post:
    """The post as a reader that saw no links, mentions, replies or quotes read it (a long
    archive post's links and mentions come from note-tweet.js, not from the stored JSON:
    those stay as they were read)."""
    long = post.source == "archive" and post.text != _tweet_text(post)
    return replace(
        post,
        links=post.links if long else (),
        mentions=post.mentions if long else (),
        reply_to_post_id=None,
        reply_to_user_id=None,
        reply_to_handle=None,
        quoted_post_id=None,
        quoted_user_id=None,
        quoted_handle=None,
    )


def _tweet_text(post: Post) -> str:
    record = json.loads(post.raw or b"{}")
    return html.unescape(record.get("tweet", record).get("full_text", ""))


def imported(path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> Account:
    """`linkratio import path` into the library `db`; its one account."""
    code, _, err = run(["import", str(path), "--db", str(db), "-q"], capsys)
    assert code == 0, err
    with Library(db) as lib:
        (stats,) = lib.accounts()
    return Account(stats.platform, stats.id, stats.handle)


def read_by_old(db: Path, account: Account, change: Callable[[Post], Post] = blind) -> int:
    """Store the account's posts as the older linkratio left them; how many differ now."""
    with Library(db, reader=OLD) as old:
        posts = old.posts(account.platform, account.id or "", with_raw=True)
        for origin in {p.source for p in posts}:
            batch = [change(p) for p in posts if p.source == origin]
            old.save_posts(account, batch, origin=origin)
    return sum(change(p) != p for p in posts)


def audit(db: Path, name: str, capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], str]:
    code, out, err = run(["audit", name, "--db", str(db), "--json", "--now", NOW], capsys)
    assert code == 0, err
    return json.loads(out), err


COLUMNS = ", ".join(POST_COLUMNS)
"""Every column of a post row, `reader` and `raw` last."""
NAMES = {"x": "@{}", "bluesky": "bsky:{}", "mastodon": "mastodon:@{}"}


@pytest.mark.parametrize(
    "source",
    [
        SAMPLE,  # an X archive
        FIXTURES / "x_v2" / "withheld_line4_user_timeline.jsonl",  # X API v2 (twarc2)
        FIXTURES / "bluesky" / "getAuthorFeed.json",
        FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json",
    ],
    ids=["x-archive", "x-v2", "bluesky", "mastodon"],
)
def test_reread_gives_the_audit_of_a_fresh_import(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh_db, db = tmp_path / "fresh.sqlite", tmp_path / "old.sqlite"
    account = imported(source, fresh_db, capsys)
    imported(source, db, capsys)
    name = NAMES[account.platform].format(account.handle)
    fresh, _ = audit(fresh_db, name, capsys)
    differ = read_by_old(db, account)
    assert differ > 0
    stale, err = audit(db, name, capsys)
    assert stale != fresh  # the old reading shows in the numbers
    with Library(db) as lib:
        due = lib.due_posts(account.platform, account.id or "")
    assert due == len(lib_posts(fresh_db, account))  # every post the old reader saved
    code, out, _ = run(["library", "reread", "--db", str(db)], capsys)
    assert code == 0
    assert out == f"re-read {due:,} posts of {name}: {differ:,} changed\n"
    again, err = audit(db, name, capsys)
    assert again == fresh
    assert "library reread" not in err
    with Library(db) as lib, Library(fresh_db) as new:
        cached = lib.frame(account.platform, account.id or "")
        derived = to_frame(lib.posts(account.platform, account.id or ""))
        expected = new.frame(account.platform, account.id or "")
        assert lib.due_posts(account.platform, account.id or "") == 0
    for frame in (cached, derived):
        assert frame.drop(columns="source").to_dict("records") == expected.drop(
            columns="source"
        ).to_dict("records")
    code, out, _ = run(["library", "reread", "--db", str(db)], capsys)  # nothing left
    assert (code, out) == (0, "every stored post was read by this linkratio's readers: "
                                "nothing to re-read\n")  # fmt: skip


def lib_posts(db: Path, account: Account) -> list[Post]:
    with Library(db) as lib:
        return lib.posts(account.platform, account.id or "")


@pytest.fixture
def old_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Account]:
    """The sample archive in a library, as an older linkratio read it."""
    db = tmp_path / "lib.sqlite"
    account = imported(SAMPLE, db, capsys)
    read_by_old(db, account)
    return db, account


class _Forgetful(set[tuple[str, str, str]]):
    def add(self, element: tuple[str, str, str]) -> None:
        pass


def test_the_notice_is_one_warning_a_process(
    old_sample: tuple[Path, Account], caplog: pytest.LogCaptureFixture
) -> None:
    db, _ = old_sample
    linkratio.load("@marenbuilds", db=db)
    linkratio.load("@marenbuilds", db=db)
    with Library(db) as lib:
        account_frame(lib, lib.find_account("marenbuilds") or Account("x"))
    notices = [r.getMessage() for r in caplog.records if "library reread" in r.getMessage()]
    assert notices == [
        "2,390 posts of @marenbuilds were read by an older linkratio: run 'linkratio library "
        "reread @marenbuilds' to read them again"
    ]


def test_the_notice_names_the_posts_due_once_and_goes_after_reread(
    old_sample: tuple[Path, Account],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db, _ = old_sample
    # One warning a process (a notebook's session): each command here is a process of its own.
    monkeypatch.setattr(sources_reread, "_NOTICED", _Forgetful())
    notice = (
        "linkratio: warning: 2,390 posts of @marenbuilds were read by an older linkratio: "
        "run 'linkratio library reread @marenbuilds' to read them again\n"
    )
    code, out, err = run(["audit", "@marenbuilds", "--db", str(db), "--json"], capsys)
    assert code == 0 and err == notice
    assert "reread" not in out  # not in the JSON
    code, out, err = run(["audit", "@marenbuilds", "--db", str(db), "-q"], capsys)
    assert code == 0 and err == ""
    code, out, err = run(
        ["report", "@marenbuilds", "--db", str(db), "--out", str(tmp_path / "r")], capsys
    )
    assert code == 0 and err == notice
    texts = [f for f in (tmp_path / "r").rglob("*") if f.suffix in (".md", ".html", ".json")]
    assert texts and not [f for f in texts if "reread" in f.read_text("utf-8")]
    assert run(["library", "reread", "@marenbuilds", "--db", str(db), "-q"], capsys) == (0, "", "")
    code, out, err = run(["audit", "@marenbuilds", "--db", str(db)], capsys)
    assert code == 0 and err == ""


def test_a_post_whose_json_no_longer_reads_is_named_and_kept(
    old_sample: tuple[Path, Account], capsys: pytest.CaptureFixture[str]
) -> None:
    db, account = old_sample
    with sqlite3.connect(db) as con:
        (post_id,) = con.execute("SELECT post_id FROM posts WHERE rowid = 100").fetchone()
        raw = json.dumps({"tweet": {"id_str": post_id, "full_text": 5}}).encode()
        con.execute("UPDATE posts SET raw = ? WHERE rowid = 100", (raw,))
        kept = con.execute(f"SELECT {COLUMNS} FROM posts WHERE rowid = 100").fetchone()
    con.close()
    code, out, err = run(["library", "reread", "--db", str(db), "-q"], capsys)
    assert code == 0 and err == ""
    assert out == (
        f"@marenbuilds: post {post_id} could not be read again (full_text is a number, "
        "expected a string); kept as stored\n"
    )
    with sqlite3.connect(db) as con:
        row = con.execute(f"SELECT {COLUMNS} FROM posts WHERE rowid = 100").fetchone()
    con.close()
    assert row[:-2] == kept[:-2] and row[-1] == kept[-1]  # all but `reader` as it was
    assert row[-2] == f"{version_key(__version__)} !{reader_fingerprint()}"
    with Library(db) as lib:  # marked as tried by these readers: no notice, no retry
        assert lib.due_posts(account.platform, account.id or "") == 0
    code, out, _ = run(["library", "reread", "--db", str(db)], capsys)
    assert out.startswith("every stored post was read")


def test_posts_without_json_are_left_and_counted(
    old_sample: tuple[Path, Account], capsys: pytest.CaptureFixture[str]
) -> None:
    db, account = old_sample
    with sqlite3.connect(db) as con:
        con.execute("UPDATE posts SET raw = NULL WHERE rowid % 100 = 7")
        bare = con.execute("SELECT * FROM posts WHERE raw IS NULL ORDER BY rowid").fetchall()
    con.close()
    assert len(bare) == 24
    with Library(db) as lib:
        assert lib.due_posts(account.platform, account.id or "") == 2_390 - 24
    code, out, _ = run(["library", "reread", "@marenbuilds", "--db", str(db)], capsys)
    assert code == 0
    assert out.startswith("re-read 2,366 posts of @marenbuilds: ")
    assert out.endswith(" changed, 24 have no stored JSON\n")
    with sqlite3.connect(db) as con:
        assert (
            con.execute("SELECT * FROM posts WHERE raw IS NULL ORDER BY rowid").fetchall() == bare
        )
    con.close()
    with Library(db) as lib:  # nothing left that could be read again: no notice
        assert lib.due_posts(account.platform, account.id or "") == 0


def test_an_interruption_keeps_the_library_consistent(
    old_sample: tuple[Path, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, account = old_sample
    key = (account.platform, account.id or "")
    calls = 0

    def interrupted(post: Post) -> Post:
        nonlocal calls
        calls += 1
        if calls == 1_500:  # in the second batch
            raise KeyboardInterrupt
        return READER.reread(post)

    with Library(db, reader=Reader(READER.fingerprint, interrupted)) as lib:
        with pytest.raises(KeyboardInterrupt):
            lib.reread()
        # The first batch is done, the second undone whole: every row either way.
        assert lib.due_posts(*key) == 2_390 - store_reread.BATCH
        posts = lib.posts(*key)
        assert lib.frame(*key).to_dict("records") == to_frame(posts).to_dict("records")
        assert sum(bool(p.links) for p in posts) < 700
        (done,) = lib.reread()  # going on finishes the rest
        assert (done.due, done.read) == (2_390 - store_reread.BATCH,) * 2
        assert lib.due_posts(*key) == 0
        assert lib.frame(*key).to_dict("records") == to_frame(lib.posts(*key)).to_dict("records")


def test_unchanged_posts_get_only_the_new_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    account = imported(SAMPLE, db, capsys)
    read_by_old(db, account, change=lambda post: post)  # the old readers read it the same
    query = "SELECT post_id, fetched_at, tool_version, text, links FROM posts ORDER BY rowid"
    with sqlite3.connect(db) as con:
        before = con.execute(query).fetchall()
        segments = con.execute("SELECT segment FROM frame_segments").fetchall()
    con.close()
    code, out, _ = run(["library", "reread", "--db", str(db)], capsys)
    assert out == "re-read 2,390 posts of @marenbuilds: 0 changed\n"
    with sqlite3.connect(db) as con:
        assert con.execute(query).fetchall() == before
        assert con.execute("SELECT segment FROM frame_segments").fetchall() == segments
        readers = con.execute("SELECT DISTINCT reader FROM posts").fetchall()
    con.close()
    assert readers == [(f"{version_key(__version__)} {reader_fingerprint()}",)]


def test_a_long_archive_post_keeps_the_body_its_note_gave(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note_archive(tmp_path / "archive")
    db = tmp_path / "lib.sqlite"
    account = imported(tmp_path / "archive", db, capsys)
    read_by_old(db, account, change=lambda post: replace(post, reply_to_handle="someone"))
    with Library(db) as lib:
        (done,) = lib.reread()
        posts = {p.id: p for p in lib.posts("x", "100")}
    assert done.changed == 5  # the reply handle, read again
    assert posts["50"].text == LONG and posts["50"].reply_to_handle is None


def test_the_library_of_an_older_schema_counts_every_post_as_due(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    account = imported(SAMPLE, db, capsys)
    with sqlite3.connect(db) as con:  # as a schema-6 library: no reader column
        con.execute("DROP INDEX posts_by_reader")
        con.execute("ALTER TABLE posts DROP COLUMN reader")
        con.execute("PRAGMA user_version = 6")
    con.close()
    with Library(db) as lib:
        assert lib.schema_version() == 8
        assert lib.due_posts(account.platform, account.id or "") == 2_390
        (done,) = lib.reread()
    assert (done.read, done.changed) == (2_390, 0)


def test_weekly_reads_its_accounts_posts_again_and_says_so(
    old_sample: tuple[Path, Account], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, account = old_sample
    fresh = tmp_path / "fresh.sqlite"
    imported(SAMPLE, fresh, capsys)
    argv = ["weekly", "@marenbuilds", "--now", "2025-01-08T12:00:00Z", "--tz", "UTC", "-q"]
    code, _, err = run([*argv, "--db", str(db), "--out", str(tmp_path / "old")], capsys)
    assert code in (0, 1)
    assert err.startswith("linkratio: re-read 2,390 posts of @marenbuilds that an older "
                          "linkratio read: ")  # fmt: skip
    assert "library reread" not in err  # re-read before the summary: no notice
    code, _, err = run([*argv, "--db", str(fresh), "--out", str(tmp_path / "new")], capsys)
    assert "re-read" not in err
    old_md = next((tmp_path / "old").glob("*.md")).read_text("utf-8")
    new_md = next((tmp_path / "new").glob("*.md")).read_text("utf-8")
    assert old_md == new_md


def test_a_read_only_library_cannot_be_reread_and_says_so(
    old_sample: tuple[Path, Account], read_only_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = old_sample
    copy = copied(db, read_only_disk)
    make_read_only(read_only_disk)
    before = copy.read_bytes()
    code, out, err = run(["library", "reread", "--db", str(copy)], capsys)
    assert code == 74 and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert str(copy) in err
    assert copy.read_bytes() == before


def test_a_mastodon_hashtag_card_an_old_reader_counted_as_a_link_is_no_link_after_reread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """4ec5254: a status's preview card of its own hashtag is no link. A library read
    before it kept the card as the post's link; reread takes it off."""
    statuses = json.loads(
        (FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json").read_text()
    )
    tag = (
        '<a href="https://bsky.app/search?q=%23ExStra" class="mention hashtag">'
        "#<span>ExStra</span></a>"
    )
    plain = next(
        s
        for s in statuses
        if not (s["in_reply_to_account_id"] or s["mentions"] or s["card"] or s["reblog"])
    )
    plain["content"] = f"<p>Jene Unis rutschen ab {tag}</p>"
    plain["card"] = {"url": "https://bsky.app/search?q=%23ExStra", "title": "Bluesky"}
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses))
    db = tmp_path / "lib.sqlite"
    account = imported(path, db, capsys)
    first = plain["uri"]

    def card_as_link(post: Post) -> Post:
        from linkratio.model import Link

        if post.id != first:
            return post
        return replace(post, links=(Link("https://bsky.app/search?q=%23ExStra"),))

    assert read_by_old(db, account, card_as_link) == 1
    name = f"mastodon:@{account.handle}"
    code, out, _ = run(["classify", name, "--db", str(db), "--output", "jsonl"], capsys)
    before = {r["id"]: r["kind"] for r in map(json.loads, out.splitlines())}
    assert before[first] == "url"
    code, out, _ = run(["library", "reread", name, "--db", str(db)], capsys)
    assert out == f"re-read 20 posts of {name}: 1 changed\n"
    code, out, _ = run(["classify", name, "--db", str(db), "--output", "jsonl"], capsys)
    after = {r["id"]: r["kind"] for r in map(json.loads, out.splitlines())}
    assert after[first] == "post" and {k: v for k, v in after.items() if k != first} == {
        k: v for k, v in before.items() if k != first
    }


def test_reread_names_an_unknown_account_in_one_line(
    old_sample: tuple[Path, Account], capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = old_sample
    code, out, err = run(["library", "reread", "@nobody", "--db", str(db)], capsys)
    assert code == 2 and out == "" and "no account @nobody" in err
    assert len(err.strip().splitlines()) == 1


def test_the_readers_fingerprint_covers_the_per_record_readers() -> None:
    from linkratio.sources import reread

    assert len(reader_fingerprint()) == 16
    package = Path(reread.__file__).resolve().parent.parent
    for name in reread.READING_FILES:
        assert (package / name).is_file(), name
    for module in ("x_tweet", "bluesky", "mastodon"):
        assert f"sources/{module}.py" in reread.READING_FILES


def test_account_js_owner_is_kept_for_archive_posts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The archive's tweet records do not name their author: account.js does."""
    record = {
        "tweet": {
            "id_str": "5",
            "id": "5",
            "full_text": "hi",
            "created_at": "Wed May 01 10:00:00 +0000 2024",
        }
    }
    folder = write_folder(
        tmp_path / "a",
        {"data/tweets.js": ytd("tweets", [record]), "data/account.js": account_js("77", "owner")},
    )
    db = tmp_path / "lib.sqlite"
    account = imported(folder, db, capsys)
    read_by_old(db, account, change=lambda post: replace(post, text="ho"))
    with Library(db) as lib:
        (done,) = lib.reread()
        (post,) = lib.posts("x", "77")
    assert done.changed == 1
    assert (post.text, post.author_id, post.author_handle) == ("hi", "77", "owner")


def test_posts_fetched_from_the_x_api_are_read_again_without_a_request(
    start_fake: Callable[..., Any], tmp_path: Path
) -> None:
    """The posts a weekly run never pays for twice: read again from the JSON kept."""
    api = start_fake(FakeXApi, **dataclasses.asdict(SYNC_CREDS))
    for name in ("fresh", "old"):
        with Library(tmp_path / f"{name}.sqlite") as lib:
            assert sync_account(lib, sync_client(api), SYNC_ACCOUNT).new_posts > 50
    assert read_by_old(tmp_path / "old.sqlite", SYNC_ACCOUNT) > 0
    requests = len(api.seen("/tweets"))
    key = (SYNC_ACCOUNT.platform, SYNC_ACCOUNT.id or "")
    with Library(tmp_path / "old.sqlite") as lib, Library(tmp_path / "fresh.sqlite") as fresh:
        expected = fresh.frame(*key).to_dict("records")
        assert lib.frame(*key).to_dict("records") != expected
        (done,) = lib.reread()
        assert done.changed > 0 and done.failures == 0 and done.no_json == 0
        assert lib.frame(*key).to_dict("records") == expected
        assert {p.source for p in lib.posts(*key)} == {"api"}
    assert len(api.seen("/tweets")) == requests


def test_a_cohort_builds_a_reread_account_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cohort's fingerprint of a library account goes by its last save: a re-read that
    changes posts is one, so the dataset holds the posts as read now."""
    from test_cohort_build import rows

    from linkratio import cohort

    source = FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json"
    datasets = {}
    for name in ("fresh", "old"):
        account = imported(source, tmp_path / f"{name}.sqlite", capsys)
        if name == "old":
            read_by_old(tmp_path / "old.sqlite", account)
        datasets[name] = tmp_path / f"cohort-{name}"
        cohort.build([], datasets[name], db=tmp_path / f"{name}.sqlite", all_accounts=True)
    fresh, old = (rows(datasets[name]) for name in ("fresh", "old"))
    assert old != fresh
    with Library(tmp_path / "old.sqlite") as lib:
        saved = lib.accounts()[0].last_saved
        lib.reread()
        assert lib.accounts()[0].last_saved != saved
    built = cohort.build([], datasets["old"], db=tmp_path / "old.sqlite", all_accounts=True)
    assert len(built.rebuilt) == 1
    assert rows(datasets["old"]) == fresh


def test_a_terminal_sees_the_count_and_quiet_sees_nothing(
    old_sample: tuple[Path, Account], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = old_sample
    copy = copied(db, db.parent, "copy.sqlite")
    for path, quiet in ((db, False), (copy, True)):
        stream = Terminal()
        monkeypatch.setattr(sys, "stderr", stream)
        out = io.StringIO()
        argv = ["library", "reread", "--db", str(path)]
        assert main([*argv, "-q"] if quiet else argv, out=out) == 0
        if quiet:
            assert (stream.getvalue(), out.getvalue()) == ("", "")
        else:
            text = screen_text(stream.getvalue())
            assert "re-reading @marenbuilds" in text and "2390/2390" in text, text[-300:]
            assert cleared(stream.getvalue())
            assert out.getvalue().startswith("re-read 2,390 posts of @marenbuilds: ")


def test_progress_is_told_each_batch(old_sample: tuple[Path, Account]) -> None:
    db, _ = old_sample
    seen: list[tuple[int, int]] = []
    with Library(db) as lib:
        lib.reread(progress=lambda done: seen.append((done.done, done.due)))
    assert seen == [(1_000, 2_390), (2_000, 2_390), (2_390, 2_390)]


@pytest.mark.parametrize("extra", [200, 3_000], ids=["at-once", "mid-way"])
def test_a_full_disk_keeps_the_library_consistent(
    extra: int,
    old_sample: tuple[Path, Account],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A real full disk (a tmpfs `extra` KB larger than the library: full in the first
    batch, or after it): one line, exit 74, and each post read again whole or as it was."""
    db, account = old_sample
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    room = db.stat().st_size // 1024 + extra
    key = (account.platform, account.id or "")
    with small_tmpfs(tmp_path / "disk", f"{room}k") as disk:
        full = copied(db, disk)
        code, out, err = run(["library", "reread", "--db", str(full)], capsys)
        assert code == 74, (out, err)
        assert err == (
            f"linkratio: error: {full}: the library could not be written: the disk is full\n"
        )
        with Library(full) as lib:
            assert lib.due_posts(*key) in range(2_390, 0, -store_reread.BATCH)
            posts = lib.posts(*key)
            assert lib.frame(*key).to_dict("records") == to_frame(posts).to_dict("records")
            assert lib.check() == []
