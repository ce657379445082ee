"""Bluesky and Mastodon posts whose labels once came out wrong: own links, GIFs, tags, quotes."""

from __future__ import annotations

from typing import Any

from test_bluesky import ANA, ME, bsky_item, label
from test_mastodon import INSTANCE, link_html, status

from linkratio.classify import classify
from linkratio.frame import to_frame
from linkratio.links import post_ref
from linkratio.sources.bluesky import item_to_post
from linkratio.sources.mastodon import status_to_post


def mlabel(body: dict[str, Any]) -> str:
    got = classify(status_to_post(body))
    return f"{got.category.value}/{got.kind.value}"


# -- Bluesky ---------------------------------------------------------------------------


def test_a_link_to_ones_own_post_by_did_is_not_a_quote() -> None:
    url = f"https://bsky.app/profile/{ME}/post/3kown"
    assert label(bsky_item(f"more on this {url}", link=(url, url))) == "other/post"
    # ... while the same link to another account's post still is a quote.
    other = f"https://bsky.app/profile/{ANA}/post/3kother"
    item = bsky_item(f"see {other}", link=(other, other))
    assert label(item) == "link/quote"
    assert to_frame([item_to_post(item)])["quoted"].tolist() == [ANA]


def test_a_gif_from_the_gif_picker_is_media_not_a_link() -> None:
    item = bsky_item("when the build is green")
    gif = "https://media.tenor.com/pGjCTsOsfboAAAAC/happy.gif?hh=280&ww=498"
    item["post"]["record"]["embed"] = {
        "$type": "app.bsky.embed.external",
        "external": {"uri": gif, "title": "Happy GIF", "description": "Alt: a happy dog"},
    }
    assert label(item) == "other/post"
    page = "https://tenor.com/view/happy-dog-gif-123"  # a link to Tenor's web page is a link
    assert label(bsky_item(f"this {page}", link=(page, page))) == "link/url"


def test_post_links_through_other_bluesky_web_clients_are_quotes() -> None:
    for client in ("psky.app", "main.bsky.dev", "staging.bsky.app", "deer.social"):
        url = f"https://{client}/profile/ana.bsky.social/post/3kabc"
        ref = post_ref(url, "bluesky")
        assert ref is not None and ref.handle == "ana.bsky.social", client
        assert label(bsky_item(f"look {url}", link=(url, url))) == "link/quote", client
    assert post_ref("https://example.com/profile/ana.bsky.social/post/3kabc", "bluesky") is None


# -- Mastodon --------------------------------------------------------------------------


def test_hashtags_without_a_hashtag_class_are_not_links() -> None:
    misskey = (
        '<p>so <a href="https://mk.example/tags/caching" rel="nofollow noopener">#caching</a></p>'
    )
    body = status(misskey)
    body["tags"] = [{"name": "caching", "url": f"{INSTANCE}/tags/caching"}]
    assert mlabel(body) == "other/post"
    bridge = '<p>so <a href="https://bsky.app/search?q=%23Caching">#Caching</a></p>'
    body = status(bridge)
    body["tags"] = [{"name": "caching", "url": f"{INSTANCE}/tags/caching"}]
    assert mlabel(body) == "other/post"
    pleroma = '<p>so <a class="" href="https://p.example/tag/x" rel="tag ugc">#x</a></p>'
    assert mlabel(status(pleroma)) == "other/post"
    # A real link whose text starts with '#' but names no tag of the status is still a link.
    real = '<p><a href="https://example.org/top">#1 tip</a></p>'
    assert mlabel(status(real)) == "link/url"


def test_a_mention_without_a_mention_class_is_not_a_link() -> None:
    html = '<p>thanks <a href="https://mk.example/@ana">@ana@mk.example</a></p>'
    body = status(html)
    body["mentions"] = [{"id": "7", "acct": "ana@mk.example", "url": "https://mk.example/@ana"}]
    assert mlabel(body) == "other/post"


def quote_not_shown(body: dict[str, Any], quote: dict[str, Any], fallback: str | None) -> None:
    body["quote"] = quote
    if fallback:
        body["content"] = f'<p class="quote-inline">RE: {link_html(fallback)}</p>' + body["content"]


def test_a_quote_whose_quoted_post_is_not_shown_is_still_a_quote() -> None:
    for quote in (
        {"state": "deleted", "quoted_status": None},
        {"state": "pending", "quoted_status": None},
        {"state": "accepted", "quoted_status_id": "5"},  # a shallow quote
    ):
        body = status("<p>this</p>")
        quote_not_shown(body, quote, None)
        assert mlabel(body) == "link/quote", quote
        body = status("<p>this</p>")
        quote_not_shown(body, quote, "https://other.example/@ana/5")
        post = status_to_post(body)
        assert mlabel(body) == "link/quote" and post.text == "this", quote
        assert to_frame([post])["quoted"].tolist() == ["ana@other.example"]
        body = status("<p>this</p>")
        quote_not_shown(body, quote, f"{INSTANCE}/@me/4")  # one's own post: no quote
        assert mlabel(body) == "other/post", quote


def test_mentions_and_reply_partners_are_full_handles() -> None:
    body = status("<p>" + "hi all" + "</p>", reply_to="ana", mentions=("ana",))
    post = status_to_post(body)
    assert post.mentions == ("ana@example.social",)
    assert post.reply_to_handle == "ana@example.social"
    assert to_frame([post])["partners"].tolist() == [["ana@example.social"]]
