"""Table-driven tests of the classifier: every rule and every example of TAXONOMY.md."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from linkratio.classify import QUESTION_MARKS, classify, external_urls, x_link_label
from linkratio.model import Category, Kind, Link, Post

ME = {"author_id": "100", "author_handle": "me"}
ANA = {"reply_to_post_id": "900", "reply_to_user_id": "200", "reply_to_handle": "ana"}
SELF = {"reply_to_post_id": "901", "reply_to_user_id": "100", "reply_to_handle": "me"}
WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def post(text: str, **fields: object) -> Post:
    values = {"platform": "x", "id": "555", "created_at": WHEN, "text": text, **ME}
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


def tco(expanded: str | None, code: str = "abc", media: bool = False) -> Link:
    return Link(url=f"https://t.co/{code}", expanded=expanded, media=media)


# Every example of TAXONOMY.md's "Examples" table, in its order.
EXAMPLES = [
    ("native retweet of any post", post("RT @ana: nice", is_repost=True), "retweet/repost"),
    ("manual RT", post("RT @ana: great thread on caching"), "retweet/manual_rt"),
    (
        "reply with link",
        post(
            "@ana agreed, here is the doc https://t.co/abc",
            links=(tco("https://example.org/doc"),),
            **ANA,
        ),
        "conversation/reply",
    ),
    ("mention-led", post(".@ana how did the launch go?"), "conversation/mention"),
    (
        "quote of ana",
        post(
            "this! https://t.co/q",
            quoted_post_id="900",
            quoted_user_id="200",
            quoted_handle="ana",
            links=(tco("https://twitter.com/ana/status/900", "q"),),
        ),
        "link/quote",
    ),
    (
        "url with ? inside",
        post("New post: how to scale Postgres https://blog.example.com/p?id=3"),
        "link/url",
    ),
    ("question", post("Anyone going to PyCon this year?"), "conversation/question"),
    ("link beats question", post("Read this, thoughts? https://example.org"), "link/url"),
    ("self-thread", post("and that is why caching matters", **SELF), "other/thread"),
    (
        "photo",
        post(
            "sunset at the pier https://t.co/pic",
            links=(tco("https://twitter.com/me/status/555/photo/1", "pic", media=True),),
        ),
        "other/post",
    ),
]

# One or more cases per precedence rule, including the edges the rules spell out.
RULES = [
    # Rule 1
    ("repost wins over reply", post("@ana yes", is_repost=True, **ANA), "retweet/repost"),
    ("MT is manual", post("MT @ana: shorter version"), "retweet/manual_rt"),
    ("rt lower-case", post("rt @ana this"), "retweet/manual_rt"),
    ("RT after whitespace", post("  RT @ana this"), "retweet/manual_rt"),
    ("RT without @ is not RT", post("RT this if you agree"), "other/post"),
    ("RT@ without space", post("RT@ana hi"), "other/post"),
    ("manual RT beats reply", post("RT @ana: so true", **ANA), "retweet/manual_rt"),
    # Rule 2
    (
        "reply with quote",
        post("@ana see", quoted_post_id="7", quoted_user_id="300", **ANA),
        "conversation/reply",
    ),
    ("reply with question", post("@ana really?", **ANA), "conversation/reply"),
    (
        "archive reply to account only",
        post("@ana hello", reply_to_user_id="200", reply_to_handle="ana"),
        "conversation/reply",
    ),
    ("reply, target account unknown", post("thanks", reply_to_post_id="9"), "conversation/reply"),
    (
        "reply decided by handle",
        post("yes", author_id=None, reply_to_post_id="9", reply_to_handle="Ana"),
        "conversation/reply",
    ),
    # Rule 3
    ("at-led", post("@ana hi there"), "conversation/mention"),
    ("at-led after whitespace", post("\n @ana hi"), "conversation/mention"),
    ("full-width at", post("\uff20ana hi"), "conversation/mention"),
    ("mention-led with link", post("@ana look https://example.org"), "conversation/mention"),
    ("mention in the middle", post("lunch with @ana today"), "other/post"),
    ("email is not a mention", post("mail me@example.com"), "other/post"),
    ("self-reply never mention-led", post("@bob and more", **SELF), "other/thread"),
    # Rule 4
    (
        "quote url mobile",
        post("wow https://t.co/x", links=(tco("https://mobile.twitter.com/bob/status/77", "x"),)),
        "link/quote",
    ),
    ("quote url x.com", post("wow https://x.com/bob/status/77"), "link/quote"),
    ("quote of unknown author", post("hm", quoted_post_id="77"), "link/quote"),
    (
        "own native quote is not a quote",
        post("more on this", quoted_post_id="4", quoted_user_id="100"),
        "other/post",
    ),
    (
        "own quote with its url",
        post(
            "more https://t.co/o",
            quoted_post_id="4",
            quoted_user_id="100",
            links=(tco("https://twitter.com/me/status/4", "o"),),
        ),
        "other/post",
    ),
    (
        "url to own post",
        post("as I said https://t.co/o", links=(tco("https://x.com/ME/status/3", "o"),)),
        "other/post",
    ),
    (
        "own quote then question",
        post("still true?", quoted_post_id="4", quoted_user_id="100"),
        "conversation/question",
    ),
    (
        "own quote plus external link",
        post("more https://example.org", quoted_post_id="4", quoted_user_id="100"),
        "link/url",
    ),
    # Rule 5
    ("unexpanded t.co", post("look https://t.co/zzz"), "link/url"),
    ("t.co expanded to itself", post("look", links=(tco("https://t.co/abc"),)), "link/url"),
    ("bit.ly", post("look", links=(Link("https://bit.ly/x"),)), "link/url"),
    (
        "media link only",
        post("look https://t.co/m", links=(tco(None, "m", media=True),)),
        "other/post",
    ),
    (
        "photo permalink in urls",
        post("x", links=(tco("https://twitter.com/me/status/555/video/1"),)),
        "other/post",
    ),
    (
        "pic.twitter.com",
        post("x pic.twitter.com/abc", links=(tco("http://pic.twitter.com/abc"),)),
        "other/post",
    ),
    (
        "self-link of truncated text",
        post(
            "long text… https://t.co/s", links=(tco("https://twitter.com/i/web/status/555", "s"),)
        ),
        "other/post",
    ),
    (
        "link to earlier edit",
        post("fixed typo https://x.com/me2/status/554", edit_ids=("554", "555")),
        "other/post",
    ),
    ("self-reply with link", post("and the doc https://example.org", **SELF), "link/url"),
    (
        "bare url beside entity",
        post("a https://t.co/m and http://example.net/x", links=(tco(None, "m", media=True),)),
        "link/url",
    ),
    ("bare url, scheme in mixed case", post("look Http://example.com/a?b"), "link/url"),
    # Rule 6
    (
        "question mark in url only",
        post("see https://twitter.com/i/web/status/555?s=20"),
        "other/post",
    ),
    ("self-reply question", post("what next?", **SELF), "conversation/question"),
    # Rule 7 / 8
    ("self-reply plain", post("part two", **SELF), "other/thread"),
    ("plain post", post("shipping today"), "other/post"),
]


@pytest.mark.parametrize(
    ("name", "p", "expected"), EXAMPLES + RULES, ids=[c[0] for c in EXAMPLES + RULES]
)
def test_label(name: str, p: Post, expected: str) -> None:
    label = classify(p)
    assert f"{label.category.value}/{label.kind.value}" == expected, label.reason
    assert label.kind.category is label.category


@pytest.mark.parametrize("mark", list(QUESTION_MARKS))
def test_every_question_mark(mark: str) -> None:
    label = classify(post(f"ready for the weekend{mark}"))
    assert (label.category, label.kind) == (Category.CONVERSATION, Kind.QUESTION)
    assert mark in label.reason


def test_question_marks_are_exactly_the_taxonomy_list() -> None:
    assert set(QUESTION_MARKS) == set("?\uff1f\u00bf\u061f\u203d\u2047\u2048\u2049\u2753\u2754")
    assert classify(post("semicolon \u037e is greek")).kind is Kind.POST


@pytest.mark.parametrize(
    ("p", "rule"),
    [
        (post("x", is_repost=True, repost_of_handle="ana"), "rule 1"),
        (post("@ana yes", **ANA), "rule 2"),
        (post("@ana yes"), "rule 3"),
        (post("x", quoted_post_id="1", quoted_handle="bob"), "rule 4"),
        (post("x https://example.org"), "rule 5"),
        (post("x?"), "rule 6"),
        (post("x", **SELF), "rule 7"),
        (post("x"), "rule 8"),
    ],
)
def test_reason_names_the_rule(p: Post, rule: str) -> None:
    assert classify(p).reason.startswith(rule + ":")


def test_reason_names_who_and_where() -> None:
    assert "@ana" in classify(post("@ana yes", **ANA)).reason
    assert "@bob" in classify(post("x", quoted_post_id="1", quoted_handle="bob")).reason
    reason = classify(post("x", links=(tco("https://example.org/a"),))).reason
    assert "https://example.org/a" in reason
    assert "short link" in classify(post("see https://t.co/zzz")).reason


def test_external_urls_lists_only_what_rule_5_counts() -> None:
    p = post(
        "a https://t.co/a b https://t.co/m c https://t.co/q d http://example.net/x",
        links=(
            tco("https://www.wired.com/story", "a"),
            tco(None, "m", media=True),
            tco("https://twitter.com/bob/status/9", "q"),
        ),
    )
    assert external_urls(p) == ["https://www.wired.com/story", "http://example.net/x"]
    assert external_urls(post("no links here")) == []


def test_text_opening_with_any_handle_is_mention_led() -> None:
    # Rule 3 says any @handle, the author's own included (a note to self is addressed).
    assert classify(post("@me note to self")).kind is Kind.MENTION
    assert classify(post("@ana's talk was great")).kind is Kind.MENTION
    reason = classify(post("@bsky.user.social hi", platform="bluesky")).reason
    assert reason == "rule 3: opens by addressing @bsky.user.social"
    # X handles stop at the dot (the post is mention-led all the same).
    assert classify(post("@ana.bsky.social hi")).reason == "rule 3: opens by addressing @ana"


def test_photo_permalink_of_another_accounts_post_is_a_quote() -> None:
    other = post("look", links=(tco("https://x.com/ana/status/7/photo/1"),))
    assert classify(other).kind is Kind.QUOTE
    own = post("look", links=(tco("https://x.com/me/status/7/photo/1"),))
    assert classify(own).kind is Kind.POST


@pytest.mark.parametrize(
    "target",
    ["javascript:alert(1)", "JavaScript:void(0)", "data:text/html,<b>x</b>", "file:///etc/passwd",
     "mailto:someone@example.org"],
)  # fmt: skip
def test_a_link_of_another_scheme_is_no_web_link(target: str) -> None:
    p = post("look at this", links=(Link(url=target),))
    assert classify(p).category is Category.OTHER
    assert external_urls(p) == []
    behind_tco = post("look at this", links=(tco(target),))
    assert external_urls(behind_tco) == []


@pytest.mark.parametrize(
    "target",
    ["https://example.org/a", "HTTP://EXAMPLE.ORG", "example.org/page", "example.org:8080/x"],
)
def test_web_links_with_or_without_a_scheme_still_count(target: str) -> None:
    p = post("read", links=(Link(url=target),))
    assert classify(p).kind is Kind.URL
    assert external_urls(p) == [target]


@pytest.mark.parametrize(
    ("targets", "decides"),
    [
        (["https://example.org/a"], True),
        (["https://bit.ly/a"], True),
        (["https://u@bit.ly/a"], True),
        (["https://bit.ly/a", "https://example.org/b"], True),
        (["https://example.org/a", "https://x.com/ana/status/5"], True),
        (["https://x.com/about"], True),
        (["HTTPS://EXAMPLE.ORG"], True),
        (["https://x.com/ana/status/5/photo/1"], True),
        (["https://x.com/i/web/status/9"], True),
        (["https://x.com/me/status/9", "https://x.com/ME/status/8/photo/1"], False),
        (["https://x.com/i/web/status/555"], False),
        (["https://x.com/100/status/7"], False),
        (["https://x.com/other/status/7"], True),
        (["https://x.com/i/status/1/photo/1"], False),
        (["https://pic.twitter.com/a"], False),
        (["javascript:alert(1)"], False),
        ([], False),
    ],
)
def test_x_link_label_is_classify_or_nothing(targets: list[str], decides: bool) -> None:
    """Rules 4 and 5 from the link targets and whose post it is, or None: rule 6 goes on."""
    links = tuple(tco(target, code=str(n)) for n, target in enumerate(targets))
    found = x_link_label(targets, ("555", ("555",), "100", "me"))
    assert (found is not None) is decides
    expected = classify(post(" ".join(link.url for link in links), links=links, edit_ids=("555",)))
    if found is not None:
        assert found == expected
    else:
        assert expected.kind not in (Kind.QUOTE, Kind.URL)
