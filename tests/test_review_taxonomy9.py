"""Review of the classifier contract (TAXONOMY.md) per platform: cases the other contract
tests do not hold, each built as the platform writes it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from archives import write_archive
from test_bluesky import ME, bsky_item, label
from test_mastodon import INSTANCE, p, status
from test_x_archive import tweet

from linkratio.classify import classify
from linkratio.sources import read
from linkratio.sources.mastodon import status_to_post
from linkratio.verdicts import archive_labels


def mlabel(body: dict[str, Any]) -> str:
    got = classify(status_to_post(body))
    return f"{got.category.value}/{got.kind.value}"


# -- Rule 6: link text that is words, not a URL ------------------------------------------
# A Bluesky link facet (clients with Markdown links) and a fediverse server's Markdown link
# may put a URL behind words of the author's own. Only URLs are taken out before rule 6
# looks for a question mark: the words stay, with their `?`. (A link that counts decides
# the label by rule 5 first, so it shows only when the link is to one's own post.)

OWN_BSKY = f"https://bsky.app/profile/{ME}/post/3kown"


@pytest.mark.parametrize("target", [OWN_BSKY, "https://bsky.app/profile/me.bsky.social/post/3kown"])
def test_words_behind_a_bluesky_link_to_ones_own_post_ask_a_question(target: str) -> None:
    words = "did I say this before?"
    assert label(bsky_item(words, link=(words, target))) == "conversation/question"
    assert label(bsky_item(f"as I said: {words}", link=(words, target))) == "conversation/question"


def test_words_behind_a_fediverse_link_to_ones_own_post_ask_a_question() -> None:
    body = status(p(f'<a href="{INSTANCE}/@me/4" rel="nofollow">was I right?</a>'))
    assert mlabel(body) == "conversation/question"


@pytest.mark.parametrize(
    ("shown", "target"),
    [
        # The Bluesky app shows a link without its scheme, and cuts a long one with `...`.
        ("bsky.app/profile/me.bsky.social/post/3kown?ref=1",
         "https://bsky.app/profile/me.bsky.social/post/3kown?ref=1"),
        ("bsky.app/profile/me.bsky.social/post/3kown?re...",
         "https://bsky.app/profile/me.bsky.social/post/3kown?ref=share&x=1"),
        ("BSKY.APP/profile/me.bsky.social/post/3kown?ref=1",
         "https://bsky.app/profile/me.bsky.social/post/3kown?ref=1"),
    ],
)  # fmt: skip
def test_a_shown_url_with_a_question_mark_is_still_taken_out(shown: str, target: str) -> None:
    assert label(bsky_item(f"as I said {shown}", link=(shown, target))) == "other/post"


def test_a_fediverse_link_shown_without_its_scheme_is_still_taken_out() -> None:
    shown = "example.social/@me/4?ref=1"
    body = status(p(f'as I said <a href="{INSTANCE}/@me/4?ref=1">{shown}</a>'))
    assert mlabel(body) == "other/post"


# -- Rule 4: links to posts on GoToSocial ------------------------------------------------
# GoToSocial serves the Mastodon API (`net.mastodon` reads its accounts) but writes a
# status's address as https://host/@user/statuses/<ULID> (its ActivityPub id
# https://host/users/user/statuses/<ULID>): a link there is a link to a post of that
# account, as https://host/@user/<id> is on Mastodon.

GTS = "https://gts.example"
MINE = "01HQ4ZD1X6K9D4W3V5N8B7C2EA"
THEIRS = "01HQ50A8T3M6P0R2S4V6X8Z0BC"


def gts_status(html: str) -> dict[str, Any]:
    """A status of @me@gts.example as a GoToSocial server sends it."""
    body = status(html)
    body.update(
        id="01HQ5F0000000000000000000A",
        uri=f"{GTS}/users/me/statuses/01HQ5F0000000000000000000A",
        url=f"{GTS}/@me/statuses/01HQ5F0000000000000000000A",
        account={"id": "01HQ3AAAAAAAAAAAAAAAAAAAAA", "username": "me", "acct": "me",
                 "url": f"{GTS}/@me"},
    )  # fmt: skip
    return body


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        (f"{GTS}/@me/statuses/{MINE}", "other/post"),
        (f"{GTS}/users/me/statuses/{MINE}", "other/post"),
        (f"{GTS}/@ana/statuses/{THEIRS}", "link/quote"),
        (f"{GTS}/users/ana/statuses/{THEIRS}", "link/quote"),
        (f"{GTS}/@me", "link/url"),  # a profile is no post
    ],
)
def test_a_link_to_a_gotosocial_post_is_judged_by_whose_post_it_is(
    href: str, expected: str
) -> None:
    body = gts_status(p(f'as I said <a href="{href}" rel="nofollow noopener">{href}</a>'))
    assert mlabel(body) == expected


def test_a_mastodon_post_linking_a_gotosocial_post_quotes_it() -> None:
    href = f"{GTS}/@ana/statuses/{THEIRS}"
    body = status(p(f'this <a href="{href}" rel="nofollow noopener">{href}</a>'))
    got = classify(status_to_post(body))
    assert (got.kind.value, got.reason) == (
        "quote",
        f"rule 4: links to another account's post {href}",
    )


def test_a_quote_fallback_to_ones_own_gotosocial_post_is_no_quote() -> None:
    own = f"{GTS}/@me/statuses/{MINE}"
    body = gts_status("<p>still true</p>")
    body["content"] += f'<p class="quote-inline">RE: <a href="{own}">{own}</a></p>'
    assert mlabel(body) == "other/post"
    other = gts_status("<p>still true</p>")
    other["content"] += (
        f'<p class="quote-inline">RE: <a href="{own.replace("@me", "@ana")}">x</a></p>'
    )
    assert mlabel(other) == "link/quote"


# -- Rule 4: X's old #! permalinks --------------------------------------------------------
# From 2010 to 2012 the web app's address for a tweet was https://twitter.com/#!/USER/status/ID,
# and that is what people pasted: a link to that account's post, as twitter.com/USER/status/ID.

OLD = "Thu Sep 08 09:00:00 +0000 2011"


@pytest.mark.parametrize(
    ("expanded", "expected"),
    [
        ("http://twitter.com/#!/ana/status/112000000000000001", "link/quote"),
        ("https://twitter.com/#!/ana/statuses/112000000000000001", "link/quote"),
        ("http://twitter.com/#!/me/status/112000000000000002", "other/post"),
        ("http://twitter.com/#!/search/%23cls12", "link/url"),  # a search is no post
    ],
)
def test_an_old_hashbang_permalink_is_a_link_to_that_post(
    tmp_path: Path, expanded: str, expected: str
) -> None:
    record = tweet("5", "so true http://t.co/a1", created=OLD, urls=(("http://t.co/a1", expanded),))
    archive = write_archive(tmp_path / "archive", [record])
    (post,) = read(archive).posts
    got = classify(post)
    assert f"{got.category.value}/{got.kind.value}" == expected
    fast = archive_labels(archive)  # the archive's fast way says the same
    assert fast is not None and [label for _, label in fast.rows] == [got]


# -- Rule 4: Mastodon's old web-app addresses ---------------------------------------------
# Up to Mastodon 4.0 the web app showed a status at https://instance/web/@user/ID (what
# people copied from the address bar; 4.0 and later redirect it to /@user/ID).


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("https://other.example/web/@ana/109000000000000001", "link/quote"),
        ("https://example.social/web/@me/109000000000000002", "other/post"),
        ("https://example.social/web/@me", "link/url"),  # a profile is no post
    ],
)
def test_an_old_web_app_status_address_is_a_link_to_that_post(href: str, expected: str) -> None:
    body = status(p(f'as I said <a href="{href}" rel="nofollow noopener">{href}</a>'))
    assert mlabel(body) == expected


# -- Rule 5: an X photo attached from another post -----------------------------------------
# A photo or video of another post can be attached to a tweet (pasting its link makes X
# attach it). The archive lists it under `entities.media`: the post's own media. API v2 lists
# it among `entities.urls`, shown as pic.twitter.com, often without a `media_key` (in 2021
# data none has one): it is the same attachment, not a quote (the same post gets the same
# label from every source). A typed link to another post's photo, shown as such, is a quote.

PHOTO = "https://twitter.com/ana/status/1390000000000000009/photo/1"


def v2_with(display: str, media_key: str | None) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "start": 4, "end": 27, "url": "https://t.co/AbCdEf1234",
        "expanded_url": PHOTO, "display_url": display,
    }  # fmt: skip
    if media_key:
        entity["media_key"] = media_key
    return {
        "id": "1391000000000000001",
        "text": "lol https://t.co/AbCdEf1234",
        "author_id": "1",
        "created_at": "2021-05-08T10:00:00.000Z",
        "conversation_id": "1391000000000000001",
        "attachments": {"media_keys": ["3_1390000000000000008"]},
        "entities": {"urls": [entity]},
    }


@pytest.mark.parametrize(
    ("display", "media_key", "expected"),
    [
        ("pic.twitter.com/AbCdEf1234", None, "other/post"),
        ("pic.x.com/AbCdEf1234", None, "other/post"),
        ("pic.twitter.com/AbCdEf1234", "3_1390000000000000008", "other/post"),
        ("twitter.com/ana/status/1390…", None, "link/quote"),
    ],
)
def test_a_photo_attached_from_another_post_is_media_in_api_v2(
    tmp_path: Path, display: str, media_key: str | None, expected: str
) -> None:
    page = {
        "data": [v2_with(display, media_key)],
        "includes": {"users": [{"id": "1", "username": "me"}]},
    }
    path = tmp_path / "tweets.jsonl"
    path.write_bytes(orjson.dumps(page) + b"\n")
    for lean in (False, True):
        (post,) = read(path, lean=lean).posts
        got = classify(post)
        assert f"{got.category.value}/{got.kind.value}" == expected, lean


def test_the_archive_calls_the_same_attachment_media(tmp_path: Path) -> None:
    record = tweet(
        "1391000000000000001", "lol https://t.co/AbCdEf1234",
        media=(("https://t.co/AbCdEf1234", PHOTO),),
    )  # fmt: skip
    (post,) = read(write_archive(tmp_path / "archive", [record])).posts
    assert classify(post).kind.value == "post"
