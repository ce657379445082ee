"""Tests for linkratio.sources.x_archive: X "Download your data" archives (zip, folder, .js)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from archives import account_js, write_folder, write_zip, ytd

from linkratio.classify import classify
from linkratio.errors import InputError, InputFormatError
from linkratio.model import Account, Link, Post
from linkratio.sources.x_archive import looks_like_archive, read_archive
from linkratio.sources.x_archive import ytd as ytd_files

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
X_ARCHIVE = CORPUS / "x_archive"
T0 = "Sat Nov 09 12:14:18 +0000 2024"


# --- Fixture builders: archives in X's own layout, written at test time -----------------


def tweet(
    tid: str,
    text: str,
    *,
    created: str = T0,
    reply_to: tuple[str | None, str, str | None] | None = None,
    urls: tuple[tuple[str, str], ...] = (),
    media: tuple[tuple[str, str], ...] = (),
    edit_chain: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """One tweets.js record shaped like X writes it: every number a string, text HTML-escaped."""

    def at(fragment: str) -> list[str]:
        start = text.find(fragment)
        return [str(start), str(start + len(fragment))]

    mentions = [
        {"name": h, "screen_name": h, "indices": at("@" + h), "id_str": "1", "id": "1"}
        for h in re.findall(r"@(\w+)", text)
    ]
    t: dict[str, Any] = {
        "edit_info": {
            "initial": {
                "editTweetIds": [tid],
                "editableUntil": "2024-11-09T13:14:18.648Z",
                "editsRemaining": "5",
                "isEditEligible": False,
            }
        },
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {
            "hashtags": [],
            "symbols": [],
            "user_mentions": mentions,
            "urls": [
                {"url": u, "expanded_url": e, "display_url": e[8:30], "indices": at(u)}
                for u, e in urls
            ],
        },
        "display_text_range": ["0", str(len(text))],
        "favorite_count": "0",
        "id_str": tid,
        "truncated": False,
        "retweet_count": "0",
        "id": tid,
        "created_at": created,
        "favorited": False,
        "full_text": text,
        "lang": "en",
    }
    if media:
        items = [
            {"url": u, "expanded_url": e, "indices": at(u), "type": "photo", "id": "7"}
            for u, e in media
        ]
        t["entities"]["media"] = items[:1]
        t["extended_entities"] = {"media": items}
    if reply_to is not None:
        status, user, handle = reply_to
        if status is not None:
            t["in_reply_to_status_id"] = t["in_reply_to_status_id_str"] = status
        t["in_reply_to_user_id"] = t["in_reply_to_user_id_str"] = user
        if handle is not None:
            t["in_reply_to_screen_name"] = handle
    if edit_chain is not None:
        if edit_chain[0] == tid:
            t["edit_info"]["initial"]["editTweetIds"] = list(edit_chain)
        else:
            initial = t["edit_info"].pop("initial")
            initial["editTweetIds"] = list(edit_chain)
            t["edit_info"]["edit"] = {
                "initialTweetId": edit_chain[0],
                "editControlInitial": initial,
            }
    return {"tweet": t}


def note(
    nid: str, created: str, text: str, urls: tuple[tuple[str, str], ...] = ()
) -> dict[str, Any]:
    """One note-tweet.js record (a long post's full body)."""
    mentions = [
        {"screenName": m.group(1), "fromIndex": str(m.start()), "toIndex": str(m.end())}
        for m in re.finditer(r"@(\w+)", text)
    ]
    return {
        "noteTweet": {
            "noteTweetId": nid,
            "updatedAt": created,
            "lifecycle": {"value": "1", "name": "Active"},
            "createdAt": created,
            "core": {
                "styletags": [],
                "urls": [
                    {"shortUrl": s, "expandedUrl": e, "displayUrl": e[8:30], "fromIndex": "0"}
                    for s, e in urls
                ],
                "text": text,
                "mentions": mentions,
                "cashtags": [],
                "hashtags": [],
            },
        }
    }


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {p.id: p for p in posts}


def kinds(posts: list[Post]) -> Counter[str]:
    return Counter(classify(p).kind.value for p in posts)


# A small archive that exercises the common shapes.
BASIC = [
    tweet("1", "hello &amp; welcome &lt;3", created="Sat Nov 09 10:00:00 +0000 2024"),
    tweet(
        "2",
        "@ana thanks, here is the doc https://t.co/doc",
        created="Sat Nov 09 10:01:00 +0000 2024",
        reply_to=("900", "200", "ana"),
        urls=(("https://t.co/doc", "https://example.org/doc"),),
    ),
    tweet(
        "3",
        "sunset at the pier https://t.co/pic",
        created="Sat Nov 09 10:02:00 +0000 2024",
        media=(
            ("https://t.co/pic", "https://twitter.com/me/status/3/photo/1"),
            ("https://t.co/pic", "https://twitter.com/me/status/3/photo/2"),
        ),
    ),
    tweet("4", "RT @bob_2: caching is hard…", created="Sat Nov 09 10:03:00 +0000 2024"),
    tweet(
        "5",
        "New post https://t.co/blog",
        created="Sat Nov 09 10:04:00 +0000 2024",
        urls=(("https://t.co/blog", "https://blog.example.com/p?id=3"),),
    ),
]


def basic_files(prefix: str = "data/") -> dict[str, bytes]:
    return {f"{prefix}tweets.js": ytd("tweets", BASIC), f"{prefix}account.js": account_js()}


# --- Layouts ----------------------------------------------------------------------------


def test_folder_archive_normalizes_every_field(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "archive", basic_files())
    timeline = read_archive(root)
    assert timeline.account == Account("x", id="100", handle="me")
    assert timeline.origin == str(root)
    posts = by_id(timeline.posts)
    assert [p.id for p in timeline.posts] == ["1", "2", "3", "4", "5"]
    for p in timeline.posts:
        assert (p.platform, p.source, p.author_id, p.author_handle) == ("x", "archive", "100", "me")
    assert posts["1"].text == "hello & welcome <3"
    assert posts["1"].created_at == datetime(2024, 11, 9, 10, 0, tzinfo=UTC)
    assert posts["1"].edit_ids == ("1",)
    reply = posts["2"]
    assert (reply.reply_to_post_id, reply.reply_to_user_id, reply.reply_to_handle) == (
        "900",
        "200",
        "ana",
    )
    assert reply.links == (Link("https://t.co/doc", "https://example.org/doc"),)
    assert reply.mentions == ("ana",)
    # entities.media and extended_entities.media repeat the first photo: it is kept once.
    assert posts["3"].links == (
        Link("https://t.co/pic", "https://twitter.com/me/status/3/photo/1", media=True),
        Link("https://t.co/pic", "https://twitter.com/me/status/3/photo/2", media=True),
    )
    assert posts["4"].is_repost and posts["4"].repost_of_handle == "bob_2"
    assert not any(p.is_repost for p in timeline.posts if p.id != "4")
    assert {p.id: classify(p).kind.value for p in timeline.posts} == {
        "1": "post",
        "2": "reply",
        "3": "post",
        "4": "repost",
        "5": "url",
    }


@pytest.mark.parametrize("prefix", ["data/", "", "twitter-2024-11-09-abc/data/"])
def test_zip_archive_reads_like_the_folder(tmp_path: Path, prefix: str) -> None:
    folder = read_archive(write_folder(tmp_path / "archive", basic_files()))
    zipped = read_archive(write_zip(tmp_path / "archive.zip", basic_files(prefix)))
    assert zipped.posts == folder.posts
    assert zipped.account == folder.account


def test_folder_holding_the_files_directly_and_parent_of_unpacked_folder(tmp_path: Path) -> None:
    write_folder(tmp_path / "unzipped" / "twitter-2024", basic_files())
    expected = read_archive(tmp_path / "unzipped" / "twitter-2024").posts
    assert read_archive(tmp_path / "unzipped" / "twitter-2024" / "data").posts == expected
    assert read_archive(tmp_path / "unzipped").posts == expected


def test_bare_tweets_js_uses_account_js_beside_it(tmp_path: Path) -> None:
    write_folder(tmp_path, basic_files(prefix=""))
    assert read_archive(tmp_path / "tweets.js").account == Account("x", "100", "me")


def test_multi_part_archive_reads_every_part(tmp_path: Path) -> None:
    files = {
        "data/tweets.js": ytd("tweets", BASIC[:2]),
        "data/tweets-part1.js": ytd("tweets", BASIC[2:4], part=1),
        "data/tweets-part2.js": ytd("tweets", BASIC[4:], part=2),
        "data/tweet-headers.js": ytd("tweet_headers", [{"tweet": {"tweet_id": "9"}}]),
        "data/account.js": account_js(),
    }
    timeline = read_archive(write_zip(tmp_path / "a.zip", files))
    assert [p.id for p in timeline.posts] == ["1", "2", "3", "4", "5"]


def test_older_tweet_js_parts_without_the_tweet_wrapper(tmp_path: Path) -> None:
    bare = [record["tweet"] for record in BASIC]
    write_folder(
        tmp_path,
        {
            "data/tweet.js": ytd("tweet", bare[:3]),
            "data/tweet-part1.js": ytd("tweet", bare[3:], part=1),
            "data/account.js": account_js(),
        },
    )
    expected = read_archive(write_folder(tmp_path / "new", basic_files())).posts
    assert read_archive(tmp_path).posts == expected


@pytest.mark.parametrize("style", ["minified", "spaced", "indent4-crlf"])
def test_other_json_layouts_give_the_same_posts(tmp_path: Path, style: str) -> None:
    pretty = read_archive(write_folder(tmp_path / "pretty", basic_files())).posts
    other = {"data/tweets.js": ytd("tweets", BASIC, style=style), "data/account.js": account_js()}
    assert read_archive(write_folder(tmp_path / style, other)).posts == pretty


@pytest.mark.parametrize(("style", "whole"), [("x", False), ("minified", False), ("spaced", True)])
def test_records_are_parsed_one_by_one_unless_the_layout_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, style: str, whole: bool
) -> None:
    calls: list[int] = []
    real = ytd_files._whole_array

    def spy(*args: Any) -> list[Any]:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(ytd_files, "_whole_array", spy)
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", BASIC, style=style))
    assert len(read_archive(path).posts) == len(BASIC)
    assert bool(calls) is whole


def test_empty_archive_gives_an_empty_timeline(tmp_path: Path) -> None:
    root = write_folder(
        tmp_path,
        {"data/tweets.js": b"window.YTD.tweets.part0 = [ ]", "data/account.js": account_js()},
    )
    timeline = read_archive(root)
    assert timeline.posts == []
    assert timeline.account == Account("x", "100", "me")


def test_progress_is_reported_every_ten_thousand_records(tmp_path: Path) -> None:
    records = [
        {"tweet": {"id": str(i), "created_at": T0, "full_text": f"post {i}"}}
        for i in range(1, 25_001)
    ]
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", records))
    seen: list[int] = []
    timeline = read_archive(path, progress=seen.append)
    assert seen == [10_000, 20_000, 25_000]
    assert len(timeline.posts) == 25_000


# --- Owner, text, replies, reposts, edits -----------------------------------------------


def test_bare_tweets_js_infers_owner_from_a_reply_to_its_own_tweet(tmp_path: Path) -> None:
    records = [
        tweet("10", "first part", created="Sat Nov 09 10:00:00 +0000 2024"),
        tweet(
            "11",
            "and the second part",
            created="Sat Nov 09 10:01:00 +0000 2024",
            reply_to=("10", "555", "Pat"),
        ),
        tweet(
            "12",
            "@ana agreed",
            created="Sat Nov 09 10:02:00 +0000 2024",
            reply_to=("77", "200", "ana"),
        ),
    ]
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", records))
    timeline = read_archive(path)
    assert timeline.account == Account("x", id="555", handle="Pat")
    assert {(p.author_id, p.author_handle) for p in timeline.posts} == {("555", "Pat")}
    assert {p.id: classify(p).kind.value for p in timeline.posts} == {
        "10": "post",
        "11": "thread",
        "12": "reply",
    }


def test_bare_tweets_js_falls_back_to_own_media_permalinks(tmp_path: Path) -> None:
    records = [
        # A retweet carries the original's media: its permalink names someone else.
        tweet(
            "20",
            "RT @other: look https://t.co/x",
            media=(("https://t.co/x", "https://twitter.com/other/status/5/photo/1"),),
        ),
        tweet(
            "21",
            "my cat https://t.co/y",
            media=(("https://t.co/y", "https://twitter.com/pat_b/status/21/photo/1"),),
        ),
    ]
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", records))
    timeline = read_archive(path)
    assert timeline.account == Account("x", id=None, handle="pat_b")
    assert {p.author_handle for p in timeline.posts} == {"pat_b"}


def test_bare_tweets_js_without_clues_has_an_unknown_owner(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", [tweet("30", "just text")]))
    assert read_archive(path).account == Account("x")


def test_html_entities_are_unescaped(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", [tweet("1", "a &gt; b &amp;&amp; c &lt; d &quot;q&quot;")]))
    assert read_archive(path).posts[0].text == 'a > b && c < d "q"'


def test_only_the_archive_rt_form_is_a_repost(tmp_path: Path) -> None:
    records = [
        tweet("1", "RT @ana: great thread on caching"),
        tweet("2", "rt @ana great thread"),
        tweet("3", "MT @ana: great thread, shortened"),
        tweet("4", "RT: not a retweet of anyone"),
    ]
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", records))
    posts = by_id(read_archive(path).posts)
    assert [(i, p.is_repost, p.repost_of_handle) for i, p in sorted(posts.items())] == [
        ("1", True, "ana"),
        ("2", False, None),
        ("3", False, None),
        ("4", False, None),
    ]
    assert [classify(posts[i]).kind.value for i in "1234"] == [
        "repost",
        "manual_rt",
        "manual_rt",
        "post",
    ]


def test_reply_to_an_account_without_a_status_is_a_reply(tmp_path: Path) -> None:
    records = [
        tweet("1", "@ana hello there", reply_to=(None, "200", "ana")),
        tweet("2", ".@ana how did the launch go", created="Sat Nov 09 12:15:00 +0000 2024"),
    ]
    write_folder(
        tmp_path, {"data/tweets.js": ytd("tweets", records), "data/account.js": account_js()}
    )
    posts = by_id(read_archive(tmp_path).posts)
    assert (posts["1"].reply_to_post_id, posts["1"].reply_to_user_id) == (None, "200")
    assert posts["1"].is_reply
    assert classify(posts["1"]).kind.value == "reply"
    assert not posts["2"].is_reply
    assert classify(posts["2"]).kind.value == "mention"


def test_edit_chain_keeps_only_the_newest_version_present(tmp_path: Path) -> None:
    chain = ("1000", "1001")
    records = [
        tweet("1001", "fixed text", created="Sat Nov 09 10:05:00 +0000 2024", edit_chain=chain),
        tweet("1000", "fxied text", created="Sat Nov 09 10:00:00 +0000 2024", edit_chain=chain),
        tweet("999", "unrelated", created="Sat Nov 09 09:00:00 +0000 2024"),
    ]
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", records))
    posts = read_archive(path).posts
    assert [(p.id, p.text, p.edit_ids) for p in posts] == [
        ("999", "unrelated", ("999",)),
        ("1001", "fixed text", chain),
    ]
    # The original alone (its edit not in the data) is kept.
    path.write_bytes(ytd("tweets", records[1:]))
    assert [p.id for p in read_archive(path).posts] == ["999", "1000"]


# --- note-tweet.js: long posts ----------------------------------------------------------

NOTE_TIME = "2024-01-30T08:14:27.000Z"
TWEET_TIME = "Tue Jan 30 08:14:27 +0000 2024"
LONG = (
    "Morning routine:\n\n- read mail & reply\n- review PRs\n- write code\n\n"
    "More at https://t.co/nnn"
)


def note_archive(tmp_path: Path) -> dict[str, Post]:
    tweets = [
        # The long post: cut with an ellipsis, escaped, whitespace as in the note.
        tweet("50", "Morning routine:\n\n- read mail &amp; reply\n- review…", created=TWEET_TIME),
        # Posted in the same second (a thread): not a prefix of the note, so not merged.
        tweet("51", "Second post of the thread", created=TWEET_TIME, reply_to=("50", "100", "me")),
        # A long post quoting another account: the quote URL exists only in the tweet.
        tweet(
            "60",
            "Check this out, a long text… https://t.co/qqq",
            created="Tue Jan 30 09:00:00 +0000 2024",
            urls=(("https://t.co/qqq", "https://twitter.com/ana/status/77"),),
        ),
        # A long reply: the note body lacks the automatic @-prefix.
        tweet(
            "70",
            "@ana @bob A long answer that…",
            created="Tue Jan 30 10:00:00 +0000 2024",
            reply_to=("88", "200", "ana"),
        ),
        # The note re-shortens links: t.co differs, the target is the same.
        tweet(
            "80",
            "See https://t.co/AAA for details, and…",
            created="Tue Jan 30 11:00:00 +0000 2024",
            urls=(("https://t.co/AAA", "https://example.org/x"),),
        ),
    ]
    notes = [
        note(
            "1752243867372396544", NOTE_TIME, LONG, (("https://t.co/nnn", "https://example.org/r"),)
        ),
        note("2", "2024-01-30T09:00:00.000Z", "Check this out, a long text that goes on and on"),
        note("3", "2024-01-30T10:00:00.000Z", "A long answer that keeps going, thanks @carl"),
        note(
            "4",
            "2024-01-30T11:00:00.000Z",
            "See https://t.co/BBB for details, and more.",
            (("https://t.co/BBB", "https://example.org/x"),),
        ),
        note("5", "2024-01-30T12:00:00.000Z", "A note whose tweet is not in the archive"),
    ]
    write_folder(
        tmp_path,
        {
            "data/tweets.js": ytd("tweets", tweets),
            "data/note-tweet.js": ytd("note_tweet", notes),
            "data/account.js": account_js(),
        },
    )
    return by_id(read_archive(tmp_path).posts)


def test_note_tweet_gives_a_long_post_its_full_text_and_links(tmp_path: Path) -> None:
    posts = note_archive(tmp_path)
    assert posts["50"].text == LONG
    assert posts["50"].links == (Link("https://t.co/nnn", "https://example.org/r"),)
    assert classify(posts["50"]).kind.value == "url"
    assert posts["51"].text == "Second post of the thread"


def test_note_tweet_keeps_the_tweets_quote_link(tmp_path: Path) -> None:
    post = note_archive(tmp_path)["60"]
    assert post.text == "Check this out, a long text that goes on and on"
    assert post.links == (Link("https://t.co/qqq", "https://twitter.com/ana/status/77"),)
    assert classify(post).kind.value == "quote"


def test_note_tweet_of_a_reply_keeps_the_reply_prefix(tmp_path: Path) -> None:
    post = note_archive(tmp_path)["70"]
    assert post.text == "@ana @bob A long answer that keeps going, thanks @carl"
    assert post.mentions == ("ana", "bob", "carl")
    assert classify(post).kind.value == "reply"


def test_note_tweet_links_replace_the_tweets_copies(tmp_path: Path) -> None:
    post = note_archive(tmp_path)["80"]
    assert post.text == "See https://t.co/BBB for details, and more."
    assert post.links == (Link("https://t.co/BBB", "https://example.org/x"),)


# --- Errors -----------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.zip"
    with pytest.raises(InputError, match=re.escape(str(missing))):
        read_archive(missing)


def test_zip_without_tweets(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "other.zip", {"data/account.js": account_js()})
    with pytest.raises(InputError) as info:
        read_archive(path)
    assert type(info.value) is InputError
    assert str(info.value) == f"{path} has no data/tweets.js: expected an X archive"


def test_folder_without_tweets(tmp_path: Path) -> None:
    write_folder(tmp_path, {"data/account.js": account_js(), "notes.txt": b"hi"})
    with pytest.raises(InputError, match=r"has no data/tweets\.js: expected an X archive") as info:
        read_archive(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_corrupt_zip(tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputFormatError, match=re.escape(str(path))):
        read_archive(path)


def test_truncated_json_names_file_and_line(tmp_path: Path) -> None:
    data = ytd("tweets", BASIC)
    cut = data.index(b'"full_text"', len(data) // 2)
    path = write_zip(tmp_path / "a.zip", {"data/tweets.js": data[:cut]})
    with pytest.raises(InputFormatError) as info:
        read_archive(path)
    message = str(info.value)
    assert message.startswith(f"{path}:data/tweets.js: invalid JSON at line ")
    line = data[:cut].count(b"\n") + 1
    assert f"line {line}," in message
    assert "\n" not in message


def test_invalid_json_on_the_first_line_counts_the_prefix_in_the_column(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(b'window.YTD.tweets.part0 = [{"tweet":{"id":x}}]')
    with pytest.raises(InputFormatError, match=r"tweets\.js: invalid JSON at line 1, column 43:"):
        read_archive(path)


def test_js_file_that_is_not_a_ytd_assignment(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(b'var tweets = [{"tweet": {}}]')
    with pytest.raises(InputFormatError, match=re.escape(f"{path}: not an X archive file")):
        read_archive(path)


def test_ytd_file_of_another_kind(tmp_path: Path) -> None:
    path = tmp_path / "account.js"
    path.write_bytes(account_js())
    with pytest.raises(InputFormatError, match=r"holds window\.YTD\.account\.part0, expected"):
        read_archive(path)


def test_record_that_is_not_a_tweet(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(ytd("tweets", [BASIC[0], {"like": {"tweetId": "5"}}]))
    with pytest.raises(InputFormatError, match=re.escape(f"{path}: record 2 is not a tweet")):
        read_archive(path)


# --- Format sniffing --------------------------------------------------------------------


def test_looks_like_archive(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "folder", basic_files())
    zipped = write_zip(tmp_path / "a.zip", basic_files())
    other_zip = write_zip(tmp_path / "b.zip", {"data/account.js": account_js()})
    (tmp_path / "empty").mkdir()
    (tmp_path / "app.js").write_bytes(b"console.log('hi')")
    (tmp_path / "tweets.jsonl").write_bytes(b'{"data": {"id": "1"}}\n')
    assert looks_like_archive(folder)
    assert looks_like_archive(folder / "data" / "tweets.js")
    assert looks_like_archive(zipped)
    assert not looks_like_archive(other_zip)
    assert not looks_like_archive(tmp_path / "empty")
    assert not looks_like_archive(tmp_path / "app.js")
    assert not looks_like_archive(tmp_path / "tweets.jsonl")
    assert not looks_like_archive(tmp_path / "missing.zip")


# --- The real archives in ../shared/corpus (personal data: read in place, never copied) -


@pytest.fixture
def archives() -> Path:
    if not X_ARCHIVE.is_dir():
        pytest.skip(f"../shared/corpus not present: real-archive tests need {X_ARCHIVE}")
    return X_ARCHIVE


def raw_records(path: Path, key: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    return [r[key] for r in json.loads(text[text.index("=") + 1 :])]


# The older versions of alrocar's four edited posts, each superseded by its edit in the file.
ALROCAR_SUPERSEDED = {
    "1759195435988586645",
    "1767230669153788276",
    "1767496415922585688",
    "1830570458221064378",
}
# Owners as the archives show them: the in_reply_to_* of replies to their own tweets, and
# the handle in their own media permalinks (checked by listing both).
OWNERS = {
    "smithjd": ("5838832", "smithjd"),
    "alrocar": ("52338276", "alrocar"),
    "andreruffert": ("112769581", "andreruffert"),
}


@pytest.mark.parametrize("name", sorted(OWNERS))
def test_real_archive_every_record_is_a_post(archives: Path, name: str) -> None:
    path = archives / name / "tweets.js"
    records = raw_records(path, "tweet")
    dropped = ALROCAR_SUPERSEDED if name == "alrocar" else set()
    timeline = read_archive(path)
    assert timeline.account == Account("x", *OWNERS[name])
    assert {p.id for p in timeline.posts} == {r["id_str"] for r in records} - dropped
    assert len(timeline.posts) == len(records) - len(dropped)
    assert all(p.created_at.tzinfo is UTC for p in timeline.posts)
    labels = [classify(p) for p in timeline.posts]
    assert len(labels) == len(timeline.posts)
    # Every "RT @name:" record, and nothing else, is a native repost.
    rts = {r["id_str"] for r in records if re.match(r"RT @\w+:", r["full_text"])}
    assert {p.id for p in timeline.posts if p.is_repost} == rts


def test_real_archive_reply_shapes_smithjd(archives: Path) -> None:
    # SOURCES.md counts 107 records with in_reply_to_user_id (71 with a status id, 36
    # without) and 19 self-replies; the 3 addressed to his own account without a status id
    # were listed and are not conversation.
    posts = read_archive(archives / "smithjd" / "tweets.js").posts
    replies = [p for p in posts if p.is_reply]
    to_others = [p for p in replies if p.reply_to_user_id != "5838832"]
    assert len(replies) == 107
    assert len(to_others) == 85
    assert {classify(p).kind.value for p in to_others} == {"reply"}
    assert sum(1 for p in replies if p.reply_to_user_id == "5838832" and p.reply_to_post_id) == 19


def test_real_archive_category_counts_andreruffert(archives: Path) -> None:
    # Verified by listing all 300 posts by kind with their text and link targets and reading
    # them: 104 "RT @name:" records; 78 replies to other accounts (66 with a status id, 12
    # addressed without one), links inside replies staying replies; 2 self-replies without
    # a question or link (thread) and 1 with a question; 17 posts whose only link is another
    # account's status URL (quote), plus 802104110078169088 whose only link is another
    # account's photo permalink (twitter.com/lapanoid/status/.../photo/1 in entities.urls,
    # not a media entity: a link to their post, so a quote); 78 with an external or short
    # link (t.co, bit.ly, j.mp, plain http in 2010 text); 1 more question (a photo post
    # ending in "!?"); 18 photos or plain statuses.
    posts = read_archive(archives / "andreruffert" / "tweets.js").posts
    assert kinds(posts) == Counter(
        {"repost": 104, "reply": 78, "url": 78, "post": 18, "quote": 18, "thread": 2, "question": 2}
    )
    assert Counter(classify(p).category.value for p in posts) == Counter(
        {"retweet": 104, "conversation": 80, "link": 96, "other": 20}
    )


def test_real_archive_alrocar_long_posts_come_from_note_tweet_js(archives: Path) -> None:
    notes = raw_records(archives / "alrocar" / "note-tweet.js", "noteTweet")
    posts = by_id(read_archive(archives / "alrocar" / "tweets.js").posts)
    texts = [p.text for p in posts.values()]
    matched = [n for n in notes if any(t.endswith(n["core"]["text"]) for t in texts)]
    # SOURCES.md: 37 of the 41 notes have their tweet in the trimmed file; the other four
    # (all written on 2024-04-21) belong to records that were trimmed away.
    assert len(notes) == 41
    assert len(matched) == 37
    assert {n["createdAt"][:10] for n in notes if n not in matched} == {"2024-04-21"}
    # Note 1752243867372396544 is tweet 1752243867426926637 (ids differ, same second).
    note = next(n for n in notes if n["noteTweetId"] == "1752243867372396544")
    long_post = posts["1752243867426926637"]
    assert long_post.text == note["core"]["text"]
    assert len(long_post.text) > 280
    # A long reply: its note lacks the @-prefix the tweet's text starts with.
    reply_note = next(n for n in notes if n["noteTweetId"] == "1760611342644289536")
    reply = posts["1760611342728208575"]
    assert reply.text == "@borlanco @Longor " + reply_note["core"]["text"]
    assert classify(reply).kind.value == "reply"
    # A long post whose quoted post exists only as the tweet's entities.urls entry.
    quoting = posts["1851942807159619757"]
    assert any("/GVA112/status/" in link.target for link in quoting.links)
    assert classify(quoting).kind.value == "quote"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Sat Nov 09 12:14:18 +0000 2024", "2024-11-09T12:14:18+00:00"),
        ("Sat Nov 09 12:14:18 -0130 2024", "2024-11-09T13:44:18+00:00"),
        ("Mon Jan 01 00:30:00 +0200 2024", "2023-12-31T22:30:00+00:00"),
        ("2021-05-01T09:27:19.000Z", "2021-05-01T09:27:19+00:00"),
    ],
)
def test_parse_time_is_utc(value: str, expected: str) -> None:
    from linkratio.sources.common import parse_time

    parsed = parse_time(value)
    assert parsed.isoformat() == expected
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0
