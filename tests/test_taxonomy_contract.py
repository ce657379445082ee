"""TAXONOMY.md's clarifications, each case built as an X archive record, an X API v2 tweet,
a Bluesky feed item and a Mastodon status wherever the case exists on that platform."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from archives import account_js, write_archive, write_folder, ytd
from test_bluesky import ANA, ME, bsky_item
from test_mastodon import INSTANCE, account, link_html, mention_html, p, status, x_tweet
from test_x_archive import note, tweet

from linkratio.classify import classify
from linkratio.frame import to_frame
from linkratio.model import Post
from linkratio.sources import read
from linkratio.sources.bluesky import item_to_post
from linkratio.sources.mastodon import status_to_post

Build = Callable[[], Any] | None
Case = tuple[str, str, Build, Build, Build, Build]
"""(case, expected label, archive record, X v2 Post, Bluesky item, Mastodon status)."""

LATER = "Mon Mar 01 09:00:00 +0000 2010"


def archive_post(tmp_path: Path, record: dict[str, Any]) -> Post:
    """The one post of an archive (owner @me, id 100) holding just `record`."""
    (post,) = read(write_archive(tmp_path / "archive", [record])).posts
    return post


def labels(tmp_path: Path, case: Case) -> dict[str, str]:
    """The label of the case on every platform it is built for."""
    _, _, on_archive, on_x, on_bluesky, on_mastodon = case
    posts: dict[str, Post] = {}
    if on_archive is not None:
        posts["archive"] = archive_post(tmp_path, on_archive())
    if on_x is not None:
        posts["x"] = on_x()
    if on_bluesky is not None:
        posts["bluesky"] = item_to_post(on_bluesky())
    if on_mastodon is not None:
        posts["mastodon"] = status_to_post(on_mastodon())
    found = {}
    for where, post in posts.items():
        got = classify(post)
        found[where] = f"{got.category.value}/{got.kind.value}"
    return found


def check(tmp_path: Path, case: Case) -> None:
    found = labels(tmp_path, case)
    assert found and found == dict.fromkeys(found, case[1]), case[0]


def ids(cases: list[Case]) -> list[str]:
    return [c[0] for c in cases]


# -- 1. Rule 1 in archives: only `RT @name:` from 2009-11-06 on is a native retweet ------

RETWEETS: list[Case] = [
    ("RT @ana: from 2010 (archive: native)", "retweet/repost",
     lambda: tweet("1", "RT @ana: caching", created=LATER), None, None, None),
    ("RT @ana: on 2009-11-06 00:00 UTC", "retweet/repost",
     lambda: tweet("1", "RT @ana: caching", created="Fri Nov 06 00:00:00 +0000 2009"),
     None, None, None),
    ("RT @ana: on 2009-11-05 23:59 UTC", "retweet/manual_rt",
     lambda: tweet("1", "RT @ana: caching", created="Thu Nov 05 23:59:59 +0000 2009"),
     None, None, None),
    ("RT @ana: in 2008", "retweet/manual_rt",
     lambda: tweet("1", "RT @ana: caching", created="Tue Jun 03 10:00:00 +0000 2008"),
     None, None, None),
    ("RT @ana: with full fields", "retweet/manual_rt", None,
     lambda: x_tweet("RT @ana: caching"),
     lambda: bsky_item("RT @ana: caching"),
     lambda: status(p("RT ", mention_html("ana"), ": caching"))),
    ("RT @ana without the colon", "retweet/manual_rt",
     lambda: tweet("1", "RT @ana caching", created=LATER),
     lambda: x_tweet("RT @ana caching"),
     lambda: bsky_item("RT @ana caching"),
     lambda: status(p("RT ", mention_html("ana"), " caching"))),
    ("MT @ana:", "retweet/manual_rt",
     lambda: tweet("1", "MT @ana: caching, shorter", created=LATER),
     lambda: x_tweet("MT @ana: caching, shorter"),
     lambda: bsky_item("MT @ana: caching, shorter"),
     lambda: status(p("MT ", mention_html("ana"), ": caching, shorter"))),
    ("rt @ana: in lower case", "retweet/manual_rt",
     lambda: tweet("1", "rt @ana: caching", created=LATER),
     lambda: x_tweet("rt @ana: caching"),
     lambda: bsky_item("rt @ana: caching"),
     lambda: status(p("rt ", mention_html("ana"), ": caching"))),
    ("RT @下クラ: a handle X never had", "retweet/manual_rt",
     lambda: tweet("1", "RT @下クラ: 白石先生", created=LATER),
     lambda: x_tweet("RT @下クラ: 白石先生"),
     lambda: bsky_item("RT @下クラ: 白石先生"),
     lambda: status(p("RT @下クラ: 白石先生"))),
]  # fmt: skip


@pytest.mark.parametrize("case", RETWEETS, ids=ids(RETWEETS))
def test_rule_1_only_the_native_form_after_native_retweets_began_is_a_repost(
    tmp_path: Path, case: Case
) -> None:
    check(tmp_path, case)


def test_an_archive_native_retweet_names_the_retweeted_account(tmp_path: Path) -> None:
    post = archive_post(tmp_path, tweet("1", "RT @ana: caching", created=LATER))
    assert post.is_repost and post.repost_of_handle == "ana"
    old = archive_post(
        tmp_path, tweet("2", "RT @ana: caching", created="Sun Jan 04 10:00:00 +0000 2009")
    )
    assert not old.is_repost and classify(old).reason == "rule 1: manual retweet (RT @...)"


# -- 3. `@handle` in any script leads a mention -------------------------------------------


def mention_cases(name: str, text: str) -> Case:
    """A post that is no reply and opens with `text` (X handles, ASCII or not, as written)."""
    return (
        name, "conversation/mention",
        lambda: tweet("1", text, created=LATER),
        lambda: x_tweet(text),
        lambda: bsky_item(text),
        lambda: status(p(text)),
    )  # fmt: skip


MENTIONS: list[Case] = [
    mention_cases("CJK", "@下クラ 白石先生は今日も元気"),
    mention_cases("Cyrillic", "@Иван привет, как дела"),
    mention_cases("Arabic", "@محمد شكرا لك"),
    mention_cases("Devanagari with combining marks", "@राहुल नमस्ते दोस्त"),
    mention_cases("fullwidth at sign", "＠ana こんにちは"),
    mention_cases(".@name", ".@ana how did the launch go"),
    mention_cases("after leading whitespace", " \u3000@下クラ 白石先生"),
    ("dotted Bluesky handle", "conversation/mention", None, None,
     lambda: bsky_item(".@ana.bsky.social hi", mention="ana.bsky.social"), None),
    ("Mastodon user@host", "conversation/mention", None, None, None,
     lambda: status(p(mention_html("ana", "other.example"), " hi"), mentions=("ana",))),
    ("@ then a space is no handle", "other/post",
     lambda: tweet("1", "@ 下クラ", created=LATER),
     lambda: x_tweet("@ 下クラ"), lambda: bsky_item("@ 下クラ"), lambda: status(p("@ 下クラ"))),
    ("a reply's @下クラ prefix is a reply", "conversation/reply",
     lambda: tweet("1", "@下クラ はい", created=LATER, reply_to=(None, "200", None)),
     lambda: x_tweet("@下クラ はい", reply_to="ana"),
     lambda: bsky_item("@下クラ はい", reply_to=ANA),
     lambda: status(p("@下クラ はい"), reply_to="ana")),
]  # fmt: skip


@pytest.mark.parametrize("case", MENTIONS, ids=ids(MENTIONS))
def test_rule_3_a_handle_in_any_script_leads_a_mention(tmp_path: Path, case: Case) -> None:
    check(tmp_path, case)


@pytest.mark.parametrize(
    ("platform", "text", "handle"),
    [("x", "@下クラ 白石先生", "下クラ"), ("x", "@राहुल नमस्ते", "राहुल"),
     ("x", "＠ana hi", "ana"), ("x", ".@ana.bsky.social hi", "ana"),
     ("bluesky", ".@ana.bsky.social, hi", "ana.bsky.social"),
     ("bluesky", "@ana-b.example.com. hi", "ana-b.example.com"),
     ("mastodon", "@ana@other.example: hi", "ana@other.example")],
)  # fmt: skip
def test_the_reason_names_the_whole_handle(platform: str, text: str, handle: str) -> None:
    post = status_to_post(status(p(text))) if platform == "mastodon" else None
    if platform == "bluesky":
        post = item_to_post(bsky_item(text))
    if platform == "x":
        post = x_tweet(text)
    assert post is not None
    assert classify(post).reason == f"rule 3: opens by addressing @{handle}"


@pytest.mark.parametrize("start", [0, 5])
def test_the_archive_keeps_a_non_replys_leading_mention(tmp_path: Path, start: int) -> None:
    # Whatever display_text_range says (X puts a reply's prefix outside it), a post that
    # is no reply keeps its whole text: its opening @下クラ is the author's own words.
    record = tweet("1", "@下クラ 白石先生は今日も元気", created=LATER)
    record["tweet"]["display_text_range"] = [str(start), "16"]
    post = archive_post(tmp_path, record)
    assert post.text == "@下クラ 白石先生は今日も元気"
    assert classify(post).reason == "rule 3: opens by addressing @下クラ"


def test_the_archive_keeps_a_long_non_replys_leading_mention(tmp_path: Path) -> None:
    # The note body is matched whole first: the reply-prefix fallback never strips it.
    body = "@下クラ 白石先生は今日も元気です。" + "長い話。" * 80
    short = tweet(
        "1", body[:260] + "\u2026 https://t.co/more", created="Tue Jan 30 09:00:00 +0000 2024"
    )
    files = {
        "data/tweets.js": ytd("tweets", [short]),
        "data/note-tweet.js": ytd("note_tweet", [note("9", "2024-01-30T09:00:00.000Z", body)]),
        "data/account.js": account_js(),
    }
    (post,) = read(write_folder(tmp_path, files)).posts
    assert post.text == body
    assert classify(post).reason == "rule 3: opens by addressing @下クラ"


# -- 4. A Mastodon `quote-inline` RE: link without a `quote` object is a quote -------------


def threads_status(html: str, quoted: str | None, user: str = "sharong003") -> dict[str, Any]:
    """A Threads post as a Mastodon server shows it: no `quote`, only the RE: fallback."""
    body = status(html)
    body.update(
        id="114870000000000001",
        uri="https://threads.net/ap/users/17841415492850986/post/18092086090572424/",
        url=f"https://www.threads.com/@{user}/post/DMOKCEYtkZZ",
        account={
            "id": "110000000000000042",
            "username": user,
            "acct": f"{user}@threads.net",
            "url": f"https://threads.net/@{user}/",
            "uri": "https://threads.net/ap/users/17841415492850986/",
        },
        quote=None,
    )
    if quoted is not None:
        anchor = f'<a href="{quoted}" rel="nofollow noopener" target="_blank">{quoted}</a>'
        body["content"] += f'<p><span class="quote-inline">RE: {anchor}</span></p>'
    return body


def fallback_only(html: str, quoted: str) -> dict[str, Any]:
    body = status(html)
    body["content"] += f'<p class="quote-inline">RE: {link_html(quoted)}</p>'
    return body


OTHERS = "https://www.threads.com/@lgbtqnation/post/DMNbXLmsMJA"
OWN = "https://www.threads.net/@sharong003/post/DMAAAAAAAAA"
QUOTES: list[Case] = [
    ("Threads: quotes another account", "link/quote", None,
     lambda: x_tweet("This is just ridiculous!", quote_of="ana"),
     lambda: bsky_item("This is just ridiculous!", quote_of=ANA),
     lambda: threads_status("<p>This is just ridiculous!</p>", OTHERS)),
    ("Threads: threads.net and /t/ forms", "link/quote", None, None, None,
     lambda: threads_status("<p>so this</p>", "https://threads.net/t/CuXFPIeLLod")),
    ("Threads: quotes its own post", "other/post", None,
     lambda: x_tweet("as I said", quote_of="me"),
     lambda: bsky_item("as I said", quote_of=ME),
     lambda: threads_status("<p>as I said</p>", OWN)),
    ("Threads: own quote, then a question", "conversation/question", None,
     lambda: x_tweet("still true?", quote_of="me"),
     lambda: bsky_item("still true?", quote_of=ME),
     lambda: threads_status("<p>still true?</p>", OWN)),
    ("Threads: own quote, then a link", "link/url", None, None, None,
     lambda: threads_status(p("more ", link_html("https://example.org/doc")), OWN)),
    ("Threads: no quote at all", "other/post", None, None, None,
     lambda: threads_status("<p>Astronomer employees today</p>", None)),
    ("Mastodon: RE: another account, quote null", "link/quote", None, None, None,
     lambda: fallback_only("<p>this</p>", "https://other.example/@ana/5")),
    ("Mastodon: RE: one's own post, quote null", "other/post", None, None, None,
     lambda: fallback_only("<p>this</p>", f"{INSTANCE}/@me/4")),
    ("Bridged: RE: a bsky.app post by DID", "link/quote", None, None, None,
     lambda: fallback_only("<p>this</p>", f"https://bsky.app/profile/{ANA}/post/3kq")),
]  # fmt: skip


@pytest.mark.parametrize("case", QUOTES, ids=ids(QUOTES))
def test_a_quote_inline_fallback_without_a_quote_object_is_a_quote(
    tmp_path: Path, case: Case
) -> None:
    check(tmp_path, case)


def test_a_threads_quote_names_the_quoted_account_and_keeps_the_text() -> None:
    post = status_to_post(threads_status("<p>This is just ridiculous!</p>", OTHERS))
    assert post.text == "This is just ridiculous!"
    assert post.author_handle == "sharong003@threads.net"
    assert classify(post).reason == "rule 4: quotes a post by @lgbtqnation@threads.net"
    assert to_frame([post])["quoted"].tolist() == ["lgbtqnation@threads.net"]


# -- 2. Every rule is judged from the post's own author, not the file it came in ----------
# One file of each platform holds posts by two accounts, @me (who wrote most of it) and
# @ana: ana's posts are judged as ana's.

X_USERS = {"1": "me", "2": "ana"}


def v2(tid: str, by: str, text: str, **refs: str) -> dict[str, Any]:
    """A v2 tweet by user id `by`; `refs` maps replied_to / quoted to the tweet id."""
    tweet: dict[str, Any] = {
        "id": tid,
        "text": text,
        "author_id": by,
        "edit_history_tweet_ids": [tid],
        "created_at": "2024-05-01T10:00:00.000Z",
        "entities": {"urls": []},
    }
    if refs:
        tweet["referenced_tweets"] = [{"type": k, "id": v} for k, v in refs.items()]
    return tweet


def as_ana_bsky(item: dict[str, Any]) -> dict[str, Any]:
    post = item["post"]
    post["author"] = {"did": ANA, "handle": "ana.bsky.social"}
    post["uri"] = post["uri"].replace(ME, ANA)
    return item


def as_ana_status(body: dict[str, Any]) -> dict[str, Any]:
    body["account"] = account("2", "ana")
    body["uri"] = body["uri"].replace("/users/me/", "/users/ana/")
    return body


ANA_OWN = "https://x.com/ana/status/1790000000000000014"
AUTHORS = [
    # (case, expected, X v2 tweet, Bluesky item, Mastodon status); ids are per case
    ("ana replies to me", "conversation/reply",
     v2("1790000000000000011", "2", "@me yes", replied_to="1790000000000000010"),
     as_ana_bsky(bsky_item("yes", rkey="3kb11", reply_to=ME)),
     as_ana_status(status(p("yes"), sid="11", reply_to="me"))),
    ("ana quotes her own post", "other/post",
     v2("1790000000000000012", "2", "as I said", quoted="1790000000000000014"),
     as_ana_bsky(bsky_item("as I said", rkey="3kb12", quote_of=ANA)),
     as_ana_status(status(p("as I said"), sid="12", quote_of="ana"))),
    ("ana continues her own thread", "other/thread",
     v2("1790000000000000013", "2", "and more", replied_to="1790000000000000014"),
     as_ana_bsky(bsky_item("and more", rkey="3kb13", reply_to=ANA)),
     as_ana_status(status(p("and more"), sid="13", reply_to="ana"))),
    ("ana links to her own post", "other/post",
     {**v2("1790000000000000015", "2", f"see {ANA_OWN}"),
      "entities": {"urls": [{"url": ANA_OWN, "expanded_url": ANA_OWN, "start": 4, "end": 46}]}},
     as_ana_bsky(bsky_item(f"see {(u := 'https://bsky.app/profile/ana.bsky.social/post/3k')}",
                           rkey="3kb15", link=(u, u))),
     as_ana_status(status(p("see ", link_html(f"{INSTANCE}/@ana/4")), sid="15"))),
    ("me quotes ana", "link/quote",
     v2("1790000000000000016", "1", "this!", quoted="1790000000000000012"),
     bsky_item("this!", rkey="3kb16", quote_of=ANA),
     status(p("this!"), sid="16", quote_of="ana")),
    ("me continues my own thread", "other/thread",
     v2("1790000000000000017", "1", "and so", replied_to="1790000000000000010"),
     bsky_item("and so", rkey="3kb17", reply_to=ME),
     status(p("and so"), sid="17", reply_to="me")),
    ("me replies to ana", "conversation/reply",
     v2("1790000000000000018", "1", "@ana thanks", replied_to="1790000000000000011"),
     bsky_item("thanks", rkey="3kb18", reply_to=ANA),
     status(p("thanks"), sid="18", reply_to="ana")),
]  # fmt: skip


def read_file(path: Path, value: Any) -> dict[str, Post]:
    path.write_bytes(orjson.dumps(value))
    return {post.id: post for post in read(path).posts}


def test_every_reader_fills_each_posts_own_author(tmp_path: Path) -> None:
    others = [v2("1790000000000000010", "1", "first"), v2("1790000000000000014", "2", "mine")]
    tweets = [case[2] for case in AUTHORS] + others
    users = [{"id": i, "username": name} for i, name in X_USERS.items()]
    # Only the data says who wrote a tweet: its author_id, named through includes.users.
    x_posts = read_file(
        tmp_path / "x.json", {"data": tweets, "includes": {"users": users, "tweets": tweets}}
    )
    bsky = read_file(tmp_path / "bsky.json", {"feed": [case[3] for case in AUTHORS]})
    masto = read_file(tmp_path / "masto.json", [case[4] for case in AUTHORS])
    for case, expected, tweet_, item, body in AUTHORS:
        ana = case.startswith("ana")
        found = {}
        for where, post, author in (
            ("x", x_posts[tweet_["id"]], ("2", "ana") if ana else ("1", "me")),
            ("bluesky", bsky[item["post"]["uri"]],
             (ANA, "ana.bsky.social") if ana else (ME, "me.bsky.social")),
            ("mastodon", masto[body["uri"]],
             ("2", "ana@example.social") if ana else ("1", "me@example.social")),
        ):  # fmt: skip
            assert (post.author_id, post.author_handle) == author, (case, where)
            got = classify(post)
            found[where] = f"{got.category.value}/{got.kind.value}"
        assert found == dict.fromkeys(found, expected), case


def test_an_archive_post_is_its_owners(tmp_path: Path) -> None:
    # An archive holds one account's posts: each is the owner's (account.js), and a reply
    # is to another account when the replied-to account is not the owner.
    reply = archive_post(tmp_path, tweet("1", "@ana yes", reply_to=("9", "200", "ana")))
    assert (reply.author_id, reply.author_handle) == ("100", "me")
    assert classify(reply).kind.value == "reply"
    thread = archive_post(tmp_path, tweet("2", "and more", reply_to=("1", "100", "me")))
    assert classify(thread).kind.value == "thread"
