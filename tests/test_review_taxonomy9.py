"""Review of the classifier contract (TAXONOMY.md) per platform: cases the other contract
tests do not hold, each built as the platform writes it."""

from __future__ import annotations

from typing import Any

import pytest
from test_bluesky import ME, bsky_item, label
from test_mastodon import INSTANCE, p, status

from linkratio.classify import classify
from linkratio.sources.mastodon import status_to_post


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
