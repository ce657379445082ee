"""Bluesky: getAuthorFeed items normalized to posts, saved feeds read, labels as TAXONOMY.md."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers import FIXTURES

from linkratio import cli
from linkratio.classify import classify
from linkratio.errors import InputFormatError
from linkratio.links import is_platform_media, post_ref
from linkratio.model import Kind
from linkratio.sources import detect_format, read
from linkratio.sources.bluesky import item_to_post, read_bluesky, repost_id

FEED = FIXTURES / "bluesky" / "getAuthorFeed.json"
ME = "did:plc:me000000000000000000000"
ANA = "did:plc:ana00000000000000000000"


def bsky_item(
    text: str,
    *,
    rkey: str = "3kaaaaaaaaa22",
    reply_to: str | None = None,
    quote_of: str | None = None,
    link: tuple[str, str] | None = None,
    mention: str | None = None,
    repost_of: str | None = None,
    image: bool = False,
    when: str = "2024-05-01T10:00:00.000Z",
) -> dict[str, Any]:
    """A getAuthorFeed item shaped like the real ones (see tests/fixtures/bluesky)."""
    author = {"did": ME, "handle": "me.bsky.social"}
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": when}
    facets = []
    if link is not None:
        shown, uri = link
        start = text.encode().index(shown.encode())
        index = {"byteStart": start, "byteEnd": start + len(shown.encode())}
        facets.append(
            {"index": index, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}
        )
    if mention is not None:
        start = text.encode().index(("@" + mention).encode())
        index = {"byteStart": start, "byteEnd": start + len(mention.encode()) + 1}
        feature = {"$type": "app.bsky.richtext.facet#mention", "did": ANA}
        facets.append({"index": index, "features": [feature]})
    if facets:
        record["facets"] = facets
    if reply_to is not None:
        parent = {"uri": f"at://{reply_to}/app.bsky.feed.post/3kparent0000", "cid": "bafy"}
        record["reply"] = {"root": parent, "parent": parent}
    if quote_of is not None:
        uri = f"at://{quote_of}/app.bsky.feed.post/3kquoted0000"
        record["embed"] = {"$type": "app.bsky.embed.record", "record": {"uri": uri, "cid": "bafy"}}
    if image:
        record["embed"] = {"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": {}}]}
    post_author = author
    if repost_of is not None:
        post_author = {"did": repost_of, "handle": "ana.bsky.social"}
    did = post_author["did"]
    post = {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": "bafyrei",
        "author": post_author,
        "record": record,
        "indexedAt": when,
    }
    item: dict[str, Any] = {"post": post}
    if repost_of is not None:
        reason = {"$type": "app.bsky.feed.defs#reasonRepost", "by": author, "indexedAt": when}
        item["reason"] = reason
    return item


def label(item: dict[str, Any]) -> str:
    got = classify(item_to_post(item))
    return f"{got.category.value}/{got.kind.value}"


def test_hand_counted_author_feed() -> None:
    # Counted by hand from the JSON: 25 feed items. Items 1 and 19 carry
    # `reason.$type == app.bsky.feed.defs#reasonRepost` -> 2 repost. 20 items have
    # `record.reply`; every parent URI names another DID than shinyakato.dev's
    # (did:plc:iijrtk7ocored6zuziwmqq3c), e.g. eri.bsky.social, nighthaven.bsky.social
    # -> 20 reply. The 3 others: 3jukdwsblqu2l's two link facets and external embed all
    # point at https://psky.app/profile/why.bsky.team/post/3juk5phzpf62w, another
    # account's post shown by psky.app (a Bluesky web client) -> 1 quote by rule 4 (it
    # was counted as 1 url before psky.app was known as a Bluesky client); "A treasure
    # trove!" (an image) and "Some of the pioneers..." (plain text, no "?") -> 2 post.
    # The one "?" of the file is in a reply.
    timeline = read_bluesky(FEED)
    kinds = Counter(classify(p).kind for p in timeline.posts)
    assert kinds == {Kind.REPLY: 20, Kind.REPOST: 2, Kind.QUOTE: 1, Kind.POST: 2}
    assert timeline.account.id == "did:plc:iijrtk7ocored6zuziwmqq3c"
    assert timeline.account.handle == "shinyakato.dev"
    assert {p.platform for p in timeline.posts} == {"bluesky"}


def test_every_corpus_post_classifies(corpus: Path) -> None:
    files = sorted((corpus / "bluesky").rglob("*.json"))
    assert len(files) == 4
    total = 0
    for path in files:
        timeline = read(path)
        assert detect_format(path) == "bluesky"
        labels = [classify(p) for p in timeline.posts]
        assert len(labels) == len(orjson.loads(path.read_bytes())["feed"])
        total += len(labels)
    assert total == 245  # as SOURCES.md counts the Bluesky posts


def test_link_facet_uses_the_uri_not_the_shortened_text(corpus: Path) -> None:
    timeline = read(corpus / "bluesky" / "atproto.dart" / "getTimeline.json")
    shortened = [p for p in timeline.posts if any(link.url == "thehive.ai" for link in p.links)]
    assert len(shortened) == 1
    link = next(link for link in shortened[0].links if link.url == "thehive.ai")
    assert link.target == "https://thehive.ai"


def test_mentions_come_from_byte_offsets_in_multibyte_text() -> None:
    timeline = read_bluesky(FEED)
    post = next(p for p in timeline.posts if p.id.endswith("3jukf53n6ba25"))
    assert post.mentions == ("amir.blue",)
    text = "日本語 @ana.bsky.social ですね"
    item = bsky_item(text, mention="ana.bsky.social")
    assert item_to_post(item).mentions == ("ana.bsky.social",)


def test_repost_ids_are_the_record_uri_or_stable_and_unique() -> None:
    first = bsky_item("great thread", repost_of=ANA, when="2024-05-01T10:00:00.000Z")
    again = bsky_item("great thread", repost_of=ANA, when="2024-05-03T08:00:00.000Z")
    assert repost_id(first) == repost_id(orjson.loads(orjson.dumps(first)))
    assert repost_id(first) != repost_id(again)
    assert repost_id(first) != first["post"]["uri"]
    first["reason"]["uri"] = f"at://{ME}/app.bsky.feed.repost/3krepost0000"
    post = item_to_post(first)
    assert post.id == f"at://{ME}/app.bsky.feed.repost/3krepost0000"
    assert post.is_repost and post.author_id == ME and post.repost_of_handle == "ana.bsky.social"


def test_reply_to_other_versus_self_thread_by_parent_did() -> None:
    assert label(bsky_item("agreed", reply_to=ANA)) == "conversation/reply"
    assert label(bsky_item("and that is why", reply_to=ME)) == "other/thread"
    post = item_to_post(bsky_item("agreed", reply_to=ANA))
    assert post.reply_to_user_id == ANA


def test_quotes_of_others_count_quotes_of_own_posts_do_not() -> None:
    assert label(bsky_item("this!", quote_of=ANA)) == "link/quote"
    assert label(bsky_item("as I said", quote_of=ME)) == "other/post"
    item = bsky_item("this!", quote_of=ANA)
    item["post"]["record"]["embed"] = {
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"record": {"uri": f"at://{ANA}/app.bsky.feed.post/3kq", "cid": "b"}},
        "media": {"$type": "app.bsky.embed.images", "images": []},
    }
    assert label(item) == "link/quote"
    item["post"]["record"]["embed"]["record"]["record"]["uri"] = (
        f"at://{ANA}/app.bsky.feed.generator/whats-hot"
    )
    assert label(item) == "other/post"  # a feed generator is not a post


def test_external_embed_card_is_a_link() -> None:
    item = bsky_item("look")
    item["post"]["record"]["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": "https://example.org/a", "title": "t", "description": ""},
    }
    post = item_to_post(item)
    assert [link.target for link in post.links] == ["https://example.org/a"]
    assert label(item) == "link/url"


def test_bsky_post_urls_and_cdn_hosts() -> None:
    ref = post_ref("https://bsky.app/profile/ana.bsky.social/post/3kq2", "bluesky")
    assert ref is not None and ref.handle == "ana.bsky.social"
    ref = post_ref(f"https://bsky.app/profile/{ANA}/post/3kq2", "bluesky")
    assert ref is not None and ref.post_id == f"at://{ANA}/app.bsky.feed.post/3kq2"
    assert post_ref("https://bsky.app/profile/ana.bsky.social", "bluesky") is None
    assert post_ref("https://bsky.app/profile/ana.bsky.social/post/3kq2", "x") is None
    assert is_platform_media("https://cdn.bsky.app/img/feed_fullsize/plain/x@jpeg", "bluesky")
    assert not is_platform_media("https://example.org/img.jpg", "bluesky")
    text = "see https://bsky.app/profile/ana.bsky.social/post/3kq2"
    assert label(bsky_item(text)) == "link/quote"
    own = "as I wrote https://bsky.app/profile/me.bsky.social/post/3kq2"
    assert label(bsky_item(own)) == "other/post"


def test_jsonl_of_pages_is_read_and_detected(tmp_path: Path) -> None:
    feed = orjson.loads(FEED.read_bytes())
    path = tmp_path / "pages.jsonl"
    pages = [{"feed": feed["feed"][:10], "cursor": "a"}, {"feed": feed["feed"][10:]}]
    path.write_bytes(b"\n".join(orjson.dumps(p) for p in pages) + b"\n")
    assert detect_format(path) == "bluesky"
    assert len(read(path).posts) == 25


def test_wrong_shapes_are_one_line_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"feed": [{"post": {"uri": "at://x"}}], "cursor": "c"}')
    timeline = read_bluesky(path)  # an item without a record is skipped, not fatal
    assert timeline.posts == []
    path.write_bytes(b'{"feed": [1, 2')
    with pytest.raises(InputFormatError) as err:
        read_bluesky(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    path.write_bytes(b'{"data": []}')
    with pytest.raises(InputFormatError, match="not a Bluesky feed page"):
        read_bluesky(path)


def test_classify_and_import_accept_a_saved_feed(tmp_path: Path) -> None:
    out = io.StringIO()
    assert cli.main(["classify", str(FEED), "--output", "jsonl"], out=out) == 0
    rows = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 25 and {r["platform"] for r in rows} == {"bluesky"}
    db = tmp_path / "lib.sqlite"
    out = io.StringIO()
    assert cli.main(["import", str(FEED), "--db", str(db)], out=out) == 0
    assert "25 new" in out.getvalue()
    out = io.StringIO()
    assert cli.main(["audit", "bsky:shinyakato.dev", "--db", str(db), "--json"], out=out) == 0
    summary = orjson.loads(out.getvalue())
    assert summary["posts"] == 25
    out = io.StringIO()
    name = "bsky:did:plc:iijrtk7ocored6zuziwmqq3c"
    assert cli.main(["classify", name, "--db", str(db), "--output", "csv"], out=out) == 0
    assert len(out.getvalue().splitlines()) == 26
