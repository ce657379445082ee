"""Tests for linkratio.sources.x_json: saved X API v2 responses, twarc2 JSONL, stream lines."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from linkratio.classify import classify
from linkratio.errors import InputError, InputFormatError
from linkratio.model import Account, Post
from linkratio.sources.x_json import (
    looks_like_v2,
    read_v2,
    read_v2_counted,
    snowflake_time,
    tweet_to_post,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "x_v2"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
X_V2 = CORPUS / "x_v2"
LOGGER = "linkratio.sources.x_json"


def kinds(posts: list[Post]) -> Counter[str]:
    return Counter(classify(p).kind.value for p in posts)


def categories(posts: list[Post]) -> Counter[str]:
    return Counter(classify(p).category.value for p in posts)


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {p.id: p for p in posts}


def write_jsonl(path: Path, values: list[object]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(v) + b"\n" for v in values))
    return path


# --- The whole shared corpus -----------------------------------------------------------

# Distinct posts per file, as counted by the corpus author's own script (SOURCES.md).
CORPUS_POSTS = {
    "twarc-csv/brexit.jsonl": 100,
    "twarc-csv/cashtags.jsonl": 1,
    "twarc-csv/cotweet.jsonl": 1,
    "twarc-csv/edited.jsonl": 1,
    "twarc-csv/edited_after.jsonl": 1,
    "twarc-csv/edited_before.jsonl": 1,
    "twarc-csv/entities_test.jsonl": 474,
    "twarc-csv/geo_tweets.jsonl": 2,
    "twarc-csv/kpop.jsonl": 100,
    "twarc-csv/many_urls.jsonl": 1,
    "twarc-csv/media_policy_violation_off.jsonl": 100,
    "twarc-csv/media_tweet.jsonl": 1,
    "twarc-csv/mentions_tweet.jsonl": 1,
    "twarc-csv/noflat.jsonl": 100,
    "twarc-csv/quoted_edit.jsonl": 1,
    "twarc-csv/streaming_output_with_error.jsonl": 7,
    "twarc-csv/two_tweets.jsonl": 1,
    "twarc-csv/verified_type.jsonl": 1,
    "twarc-csv/withheld.jsonl": 215,
    "tweepy/extracted/test_client_bookmarks.1.body.json": 1,
    "tweepy/extracted/test_client_get_home_timeline.1.body.json": 98,
    "tweepy/extracted/test_client_get_liked_tweets.1.body.json": 96,
    "tweepy/extracted/test_client_get_list_tweets.1.body.json": 97,
    "tweepy/extracted/test_client_get_quote_tweets.1.body.json": 9,
    "tweepy/extracted/test_client_get_tweet.1.body.json": 1,
    "tweepy/extracted/test_client_get_tweets.1.body.json": 2,
    "tweepy/extracted/test_client_get_users_mentions.1.body.json": 10,
    "tweepy/extracted/test_client_get_users_tweets.1.body.json": 2,
    "tweepy/extracted/test_client_search_all_tweets.1.body.json": 10,
    "tweepy/extracted/test_client_search_recent_tweets.1.body.json": 10,
    "pytwitter/search_tweets_for_nyc.json": 10,
    "pytwitter/search_tweets_query.json": 4,
    "pytwitter/timeline_mentions.json": 5,
    "pytwitter/timeline_reverse_chronological.json": 5,
    "pytwitter/timeline_tweets.json": 5,
    "pytwitter/tweet_quote_tweets_resp.json": 15,
    "pytwitter/tweet_retweet_tweets_resp.json": 8,
    "pytwitter/tweets_by_user_bookmark.json": 5,
    "pytwitter/user_liked_tweets_resp.json": 5,
}
NO_CORPUS = f"shared corpus not found at {X_V2} (tests/fixtures/x_v2 still runs)"


def corpus_files() -> list[object]:
    if not X_V2.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=NO_CORPUS), id="no-corpus")]
    files = [
        *sorted(X_V2.glob("twarc-csv/*.jsonl")),
        *sorted(X_V2.glob("tweepy/extracted/*.json")),
        *sorted(X_V2.glob("pytwitter/*.json")),
    ]
    return [pytest.param(f, id=f.relative_to(X_V2).as_posix()) for f in files]


@pytest.mark.parametrize("path", corpus_files())
def test_every_corpus_file_loads_and_classifies(path: Path) -> None:
    name = path.relative_to(X_V2).as_posix()
    assert looks_like_v2(path)
    timeline = read_v2(path, skip_invalid=name.endswith("with_error.jsonl"))
    assert len(timeline.posts) == CORPUS_POSTS[name]
    assert timeline.origin == str(path)
    for post in timeline.posts:
        assert post.platform == "x"
        assert post.created_at.tzinfo is not None
        classify(post)


def test_corpus_is_fully_listed() -> None:
    if not X_V2.is_dir():
        pytest.skip(NO_CORPUS)
    names = {p.relative_to(X_V2).as_posix() for p in X_V2.rglob("*.json*")}
    assert names == set(CORPUS_POSTS)


def test_corpus_withheld_retweets_are_reposts() -> None:
    # SOURCES.md "Edge cases": 10 retweets of withheld accounts whose text is
    # "@user's account has been withheld ..." (line 5 of withheld.jsonl).
    path = X_V2 / "twarc-csv" / "withheld.jsonl"
    if not path.is_file():
        pytest.skip(NO_CORPUS)
    placeholder = [p for p in read_v2(path).posts if "account has been withheld" in p.text]
    reposts = [p for p in placeholder if p.is_repost]
    assert len(reposts) == 10
    assert {classify(p).kind.value for p in reposts} == {"repost"}


# --- Counts verified by reading the posts ----------------------------------------------


def test_user_timeline_page_counts_verified_by_hand() -> None:
    # Line 4 of withheld.jsonl, GET /2/users/2351222345/tweets (full fields). Verified by
    # printing all 100 posts (id, text, references, links) and deciding each by TAXONOMY.md:
    # 34 native RTs (`retweeted` reference); 42 replies to other accounts (41 `replied_to`
    # plus 1253745657246109696, which has in_reply_to_user_id=@NFL but no replied_to: a
    # reply to that account, rule 2); 4 external links (3 instagram.com, 1 epicstream.com);
    # 2 questions with "?" (1250743419623874564, 1252393198577573888); 18 plain posts, of
    # which 3 carry only their own photo and 1255480028336467968 ("Which sport are you
    # missing the most right now...") has no question mark. No mention-led, quote or
    # self-reply post on that page.
    timeline = read_v2(FIXTURES / "withheld_line4_user_timeline.jsonl")
    assert timeline.account == Account(platform="x", id="2351222345", handle="PhillyNEFL")
    assert len(timeline.posts) == 100
    assert kinds(timeline.posts) == {"repost": 34, "reply": 42, "url": 4, "question": 2, "post": 18}
    assert categories(timeline.posts) == {"retweet": 34, "conversation": 44, "link": 4, "other": 18}
    posts = by_id(timeline.posts)
    assert classify(posts["1253745657246109696"]).kind.value == "reply"
    assert posts["1253745657246109696"].reply_to_post_id is None
    assert posts["1253745657246109696"].reply_to_handle == "NFL"
    # Own photo only -> a plain post; reply with own photo -> still a reply.
    assert classify(posts["1254825061472702467"]).kind.value == "post"
    assert classify(posts["1256614037586132992"]).kind.value == "reply"
    assert classify(posts["1255480028336467968"]).kind.value == "post"


def test_tweepy_mentions_counts_verified_by_hand() -> None:
    # GET /2/users/783214/mentions, default fields (id, text, edit_history_tweet_ids only):
    # no reply fields exist, so the 7 texts opening with "@name" are mention-led (rule 3,
    # 1578516230448631808 has a "?" and 1578516249856077825 a t.co link, rule 3 wins both);
    # 1578516107798884353 and 1578516273537118209 carry a bare t.co short link (rule 5);
    # 1578516149339574274 ("... @Twitter" at the end) is a plain post.
    posts = read_v2(FIXTURES / "test_client_get_users_mentions.1.body.json").posts
    assert kinds(posts) == {"mention": 7, "url": 2, "post": 1}
    assert categories(posts) == {"conversation": 7, "link": 2, "other": 1}


def test_tweepy_quote_tweets_counts_verified_by_hand() -> None:
    # GET /2/tweets/1293593516040269825/quote_tweets, default fields: 7 texts are the
    # API's "RT @TwitterAPI: ..." rendering of native retweets; the other 2 end in t.co
    # links ("Hello #Twitter https://t.co/..." and the Al-Ezzi appeal): link/url.
    timeline = read_v2(FIXTURES / "test_client_get_quote_tweets.1.body.json")
    assert kinds(timeline.posts) == {"repost": 7, "url": 2}
    assert {p.repost_of_handle for p in timeline.posts if p.is_repost} == {"TwitterAPI"}
    assert timeline.account == Account(platform="x")


def test_stream_counts_verified_by_hand() -> None:
    # 7 good filtered-stream lines: 1377650090978992134 quotes @Manie_DS (plus its own
    # photo): link/quote; 3 replies to other accounts; 2 Instagram check-ins with an
    # external link; 1377650387579248643 has only its own photo: other/post.
    posts = read_v2(FIXTURES / "streaming_output_with_error.jsonl", skip_invalid=True).posts
    assert kinds(posts) == {"quote": 1, "reply": 3, "url": 2, "post": 1}


# --- Input shapes ----------------------------------------------------------------------


def test_single_pretty_printed_response(tmp_path: Path) -> None:
    timeline = read_v2(FIXTURES / "search_tweets_query.json")
    assert len(timeline.posts) == 4
    assert timeline.account == Account(platform="x", id="17200003", handle="snowman")


def test_single_tweet_lookup_with_data_object() -> None:
    posts = read_v2(FIXTURES / "test_client_get_tweet.1.body.json").posts
    assert [p.id for p in posts] == ["1293593516040269825"]


def test_jsonl_of_tweet_objects_and_json_array(tmp_path: Path) -> None:
    data = orjson.loads((FIXTURES / "test_client_get_users_mentions.1.body.json").read_bytes())
    tweets = data["data"]
    lines = write_jsonl(tmp_path / "tweets.jsonl", tweets)
    array = tmp_path / "tweets.json"
    array.write_bytes(orjson.dumps(tweets, option=orjson.OPT_INDENT_2))
    expected = read_v2(FIXTURES / "test_client_get_users_mentions.1.body.json").posts
    assert read_v2(lines).posts == expected
    assert read_v2(array).posts == expected
    assert looks_like_v2(lines) and looks_like_v2(array)


def test_blank_lines_and_bom_are_ignored(tmp_path: Path) -> None:
    raw = (FIXTURES / "two_tweets.jsonl").read_bytes()
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf\n\n" + raw + b"\n  \n")
    assert [p.id for p in read_v2(path).posts] == ["1394735776701816833"]


def test_same_tweet_on_two_pages_counts_once(tmp_path: Path) -> None:
    line = (FIXTURES / "media_tweet.jsonl").read_bytes()
    path = tmp_path / "twice.jsonl"
    path.write_bytes(line + line)
    assert len(read_v2(path).posts) == 1


def test_progress_reports_tweets_read() -> None:
    seen: list[int] = []
    read_v2(FIXTURES / "streaming_output_with_error.jsonl", seen.append, skip_invalid=True)
    assert seen == [1, 2, 3, 4, 5, 6, 7]


# --- Normalization ---------------------------------------------------------------------


def test_retweet_via_referenced_tweets_uses_includes() -> None:
    (post,) = read_v2(FIXTURES / "mentions_tweet.jsonl").posts
    assert post.is_repost
    # The retweeted tweet 1589671906718134272 is by user 1221317221714157569 in includes.
    assert post.repost_of_handle == "S3NT1N3L17"
    assert post.author_handle == "BaldManGamer"
    assert post.mentions == ("S3NT1N3L17",)
    assert classify(post).kind.value == "repost"


def test_retweet_handle_falls_back_to_rt_text() -> None:
    tweet = {
        "id": "1394735776701816833",
        "text": "RT @bibaigna96: #POIUYTREWQ",
        "author_id": "1379899464345923590",
        "created_at": "2021-05-18T19:24:56.000Z",
        "referenced_tweets": [{"type": "retweeted", "id": "1391677057810288641"}],
    }
    post = tweet_to_post(tweet, {}, {})
    assert post.is_repost and post.repost_of_handle == "bibaigna96"


# Tweet 1404393119253250054 of withheld.jsonl, trimmed to the fields that matter.
WITHHELD_RT = {
    "id": "1404393119253250054",
    "author_id": "1358082450635829249",
    "created_at": "2021-06-14T11:04:32.000Z",
    "text": "@irshad_rathi's account has been withheld in India in response to a legal demand. "
    "Learn more.",
    "referenced_tweets": [{"type": "retweeted", "id": "1404374446257934336"}],
    "withheld": {"copyright": False, "country_codes": ["IN"], "scope": "user"},
    "entities": {
        "urls": [
            {
                "start": 82,
                "end": 92,
                "url": "https://support.twitter.com/articles/20169222",
                "expanded_url": "https://support.twitter.com/articles/20169222",
                "display_url": "Learn more",
            }
        ]
    },
}


def test_withheld_retweet_is_a_repost_not_a_mention() -> None:
    post = tweet_to_post(WITHHELD_RT, {}, {})
    assert post.is_repost
    assert classify(post).kind.value == "repost"
    # The author's own withheld post: X's notice and its "Learn more" link are not the
    # author's words or link, so the post has no text of its own (withheld.jsonl line 5).
    own = {k: v for k, v in WITHHELD_RT.items() if k != "referenced_tweets"}
    own_post = tweet_to_post(own, {}, {})
    assert (own_post.text, own_post.links) == ("", ())
    assert classify(own_post).kind.value == "post"
    unwithheld = {k: v for k, v in own.items() if k != "withheld"}
    assert classify(tweet_to_post(unwithheld, {}, {})).kind.value == "mention"


def test_quote_of_another_account() -> None:
    posts = by_id(read_v2(FIXTURES / "streaming_output_with_error.jsonl", skip_invalid=True).posts)
    post = posts["1377650090978992134"]
    assert post.quoted_post_id == "1377640162566496258"
    assert post.quoted_user_id == "41783881"
    assert post.quoted_handle == "Manie_DS"
    assert classify(post).kind.value == "quote"


def test_reply_with_quote_is_a_reply() -> None:
    (post,) = read_v2(FIXTURES / "quoted_edit.jsonl").posts
    assert post.reply_to_post_id == "1576994789110992896"
    assert post.reply_to_handle == "wongmjane"
    assert (post.quoted_post_id, post.quoted_handle) == ("1576994746135764992", "wongmjane")
    assert classify(post).kind.value == "reply"


# Tweet 1404366923190521857 of withheld.jsonl: quotes its author's own earlier tweet,
# which is missing from includes; the handle comes from the quote's URL entity.
SELF_QUOTE = {
    "id": "1404366923190521857",
    "author_id": "1139079460543504384",
    "created_at": "2021-06-14T09:20:27.000Z",
    "text": "#RELIANCE 2227 to 2258.25 boom\U0001f525\U0001f525 https://t.co/07WviLoZgG",
    "referenced_tweets": [{"type": "quoted", "id": "1404292105745301504"}],
    "entities": {
        "urls": [
            {
                "start": 37,
                "end": 60,
                "url": "https://t.co/07WviLoZgG",
                "expanded_url": "https://twitter.com/Charts_insiders/status/1404292105745301504",
                "display_url": "twitter.com/Charts_insider…",
            }
        ]
    },
}
SELF_QUOTE_USERS = {
    "1139079460543504384": {"id": "1139079460543504384", "username": "Charts_insiders"}
}


def test_quote_of_own_post_is_not_a_link() -> None:
    post = tweet_to_post(SELF_QUOTE, {}, SELF_QUOTE_USERS)
    assert post.quoted_user_id is None
    assert post.quoted_handle == "Charts_insiders"
    assert classify(post).kind.value == "post"
    # The same tweet quoting someone else is a quote.
    other = tweet_to_post({**SELF_QUOTE, "author_id": "42"}, {}, {"42": {"username": "ana"}})
    assert classify(other).kind.value == "quote"


def test_self_quote_found_through_included_tweet() -> None:
    included = {"1404292105745301504": {"author_id": "1139079460543504384"}}
    post = tweet_to_post(SELF_QUOTE, included, SELF_QUOTE_USERS)
    assert post.quoted_user_id == "1139079460543504384"
    assert classify(post).kind.value == "post"


def test_reply_to_other_and_to_self_with_includes() -> None:
    posts = by_id(read_v2(FIXTURES / "search_tweets_query.json").posts)
    other = posts["1276035977375477760"]  # @happycamper replying to @snowman
    assert (other.author_handle, other.reply_to_handle) == ("happycamper", "snowman")
    assert classify(other).kind.value == "reply"
    own = posts["1275882613572583424"]  # @snowman replying to @snowman
    assert (own.author_handle, own.reply_to_user_id) == ("snowman", "17200003")
    assert own.reply_to_post_id == "1273733248749690880"
    assert classify(own).kind.value == "thread"


def test_reply_user_falls_back_to_replied_tweet_author() -> None:
    tweet = {
        "id": "1275882613572583424",
        "text": "Using Labs Recent search for polling use cases has been great.",
        "author_id": "17200003",
        "referenced_tweets": [{"type": "replied_to", "id": "1273733248749690880"}],
    }
    included = {"1273733248749690880": {"id": "1273733248749690880", "author_id": "17200003"}}
    users = {"17200003": {"id": "17200003", "username": "snowman"}}
    post = tweet_to_post(tweet, included, users)
    assert (post.reply_to_user_id, post.reply_to_handle) == ("17200003", "snowman")
    assert classify(post).kind.value == "thread"


def test_self_reply_with_external_link_is_a_link() -> None:
    (post,) = read_v2(FIXTURES / "many_urls.jsonl").posts
    assert post.reply_to_handle == post.author_handle == "uiuxadrian"
    assert (
        post.links[0].expanded
        == "https://uiadrian.gumroad.com/l/web-design-guide/?offer_code=twk0uc9f7"
    )
    assert classify(post).kind.value == "url"


def test_note_tweet_text_and_entities_are_used() -> None:
    # note_tweet never occurs in the recorded corpus; shape from the v2 Tweet object docs.
    tweet = {
        "id": "1752243867426926637",
        "author_id": "1",
        "created_at": "2024-01-30T09:00:00.000Z",
        "text": "A long post that the API truncates in text \u2026",
        "note_tweet": {
            "text": "A long post that the API truncates in text &amp; continues here. "
            "Worth it? https://t.co/abc",
            "entities": {
                "urls": [{"url": "https://t.co/abc", "expanded_url": "https://example.org/a"}],
                "mentions": [],
            },
        },
    }
    post = tweet_to_post(tweet, {}, {})
    assert post.text.startswith("A long post") and "& continues here. Worth it?" in post.text
    assert [link.expanded for link in post.links] == ["https://example.org/a"]
    assert classify(post).kind.value == "url"


def test_html_entities_are_decoded() -> None:
    tweet = {"id": "1", "text": "a &amp; b &lt;3 &gt; c &amp;amp;", "author_id": "2"}
    assert tweet_to_post(tweet, {}, {}).text == "a & b <3 > c &amp;"


def test_media_links_of_this_tweet() -> None:
    (post,) = read_v2(FIXTURES / "edited_before.jsonl").posts
    selflink, photo = post.links
    # twitter.com/i/web/status/OWN_ID is not media, but classify knows it is no link.
    assert (selflink.media, photo.media) == (False, True)
    assert classify(post).kind.value == "post"
    tweet = {
        "id": "10",
        "text": "look https://t.co/p",
        "entities": {
            "urls": [
                {
                    "url": "https://t.co/p",
                    "expanded_url": "https://twitter.com/me/status/10/photo/1",
                },
                {"url": "https://t.co/q", "expanded_url": "https://x.com/you/status/11/video/1"},
            ]
        },
    }
    own, foreign = tweet_to_post(tweet, {}, {}).links
    assert own.media and not foreign.media


def test_edit_chain_keeps_the_newest_version(tmp_path: Path) -> None:
    before = (FIXTURES / "edited_before.jsonl").read_bytes()
    after = (FIXTURES / "edited_after.jsonl").read_bytes()
    for name, raw in (("ba.jsonl", before + after), ("ab.jsonl", after + before)):
        path = tmp_path / name
        path.write_bytes(raw)
        (post,) = read_v2(path).posts
        assert post.id == "1576994789110992896"
        assert post.text == "hey :) https://t.co/rnwEIoNuqd"
        assert post.edit_ids == ("1576994746135764992", "1576994789110992896")
    (old,) = read_v2(FIXTURES / "edited_before.jsonl").posts
    assert old.id == "1576994746135764992"


def test_snowflake_time_for_default_fields() -> None:
    (post,) = read_v2(FIXTURES / "test_client_get_tweet.1.body.json").posts
    assert post.created_at == datetime(2020, 8, 12, 17, 1, 42, 686000, tzinfo=UTC)


def test_snowflake_time_matches_created_at_of_real_tweets() -> None:
    posts = read_v2(FIXTURES / "withheld_line4_user_timeline.jsonl").posts
    for post in posts:
        assert snowflake_time(post.id).replace(microsecond=0) == post.created_at


def test_default_fields_rt_text_is_native_but_full_fields_rt_is_manual() -> None:
    default = {"id": "1458146351036841988", "text": "RT @TwitterAPI: Twitter API v2\u2026"}
    post = tweet_to_post(default, {}, {})
    assert (post.is_repost, post.repost_of_handle) == (True, "TwitterAPI")
    full = {
        **default,
        "author_id": "5",
        "created_at": "2021-11-09T18:55:55.000Z",
        "entities": {"mentions": [{"start": 3, "end": 14, "username": "TwitterAPI"}]},
    }
    manual = tweet_to_post(full, {}, {})
    assert not manual.is_repost
    assert classify(manual).kind.value == "manual_rt"


def test_rt_text_with_author_but_no_entities_is_native() -> None:
    # pytwitter's GET /2/tweets/:id/retweets example: author_id requested, but neither
    # entities nor referenced_tweets, so nothing tells a manual RT apart: native.
    posts = read_v2(FIXTURES / "tweet_retweet_tweets_resp.json").posts
    assert len(posts) == 8
    assert all(p.is_repost and p.repost_of_handle == "XDevelopers" for p in posts)


def test_mentions_in_order() -> None:
    tweet = {
        "id": "1",
        "text": "@b hi @a and @b",
        "entities": {
            "mentions": [
                {"start": 0, "end": 2, "username": "b"},
                {"start": 6, "end": 8, "username": "a"},
                {"start": 13, "end": 15, "username": "b"},
            ]
        },
    }
    assert tweet_to_post(tweet, {}, {}).mentions == ("b", "a")


def test_source_is_passed_through() -> None:
    assert tweet_to_post({"id": "1", "text": "x"}, {}, {}, source="api").source == "api"


# --- looks_like_v2 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "withheld_line4_user_timeline.jsonl",
        "streaming_output_with_error.jsonl",
        "search_tweets_query.json",
        "test_client_get_tweet.1.body.json",
    ],
)
def test_looks_like_v2_accepts_v2(name: str) -> None:
    assert looks_like_v2(FIXTURES / name)


NOT_V2 = {
    "bluesky.json": {
        "feed": [{"post": {"uri": "at://x", "record": {"text": "hi"}}}],
        "cursor": "c",
    },
    "mastodon.json": [{"id": "1", "content": "<p>hi</p>", "account": {"acct": "a"}, "text": None}],
    "v1.json": {"id": 1, "id_str": "1", "text": "hi", "user": {"screen_name": "a"}},
    "users.json": {"data": [{"id": "1", "name": "A", "username": "a"}]},
}
NOT_V2_SAYS = {
    "bluesky.json": "Bluesky",
    "mastodon.json": "Mastodon",
    "v1.json": "v1.1",
    "users.json": "user objects",
}


@pytest.mark.parametrize("name", sorted(NOT_V2))
def test_other_platforms_are_refused(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(NOT_V2[name], option=orjson.OPT_INDENT_2))
    assert not looks_like_v2(path)
    with pytest.raises(InputFormatError) as err:
        read_v2(path)
    message = str(err.value)
    assert str(path) in message and NOT_V2_SAYS[name] in message and "X API v2" in message
    assert "\n" not in message


def test_looks_like_v2_is_false_for_missing_invalid_and_empty(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_bytes(b'{"data": [')
    (tmp_path / "empty.json").write_bytes(b"")
    write_jsonl(tmp_path / "errors.jsonl", [{"errors": [{"title": "Not Found Error"}]}])
    for name in ("missing.json", "bad.json", "empty.json", "errors.jsonl"):
        assert not looks_like_v2(tmp_path / name)


# --- Errors ------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_v2(tmp_path / "nope.jsonl")
    assert not isinstance(err.value, InputFormatError)
    assert "nope.jsonl" in str(err.value) and "no such file" in str(err.value)


def test_folder_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="folder"):
        read_v2(tmp_path)


def test_truncated_stream_line_raises_with_file_and_line() -> None:
    path = FIXTURES / "streaming_output_with_error.jsonl"
    with pytest.raises(InputFormatError) as err:
        read_v2(path)
    message = str(err.value)
    assert message.startswith(f"{path}: line 8:")
    assert "not valid JSON" in message and "\n" not in message


def test_skip_invalid_skips_and_reports(caplog: pytest.LogCaptureFixture) -> None:
    path = FIXTURES / "streaming_output_with_error.jsonl"
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        timeline, skipped = read_v2_counted(path, skip_invalid=True)
    assert len(timeline.posts) == 7
    assert skipped == 1
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}: line 8: not valid JSON (unexpected end of data); skipped"
    ]


def test_bad_first_jsonl_line_is_still_jsonl(tmp_path: Path) -> None:
    good = (FIXTURES / "media_tweet.jsonl").read_bytes()
    path = tmp_path / "first_bad.jsonl"
    path.write_bytes(b'{"data": [{"id": "1"\n' + good)
    with pytest.raises(InputFormatError, match=r"first_bad\.jsonl: line 1:"):
        read_v2(path)
    timeline, skipped = read_v2_counted(path, skip_invalid=True)
    assert (len(timeline.posts), skipped) == (1, 1)


def test_invalid_single_document_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{\n  "data": [\n    {"id": "1", "text": "a",}\n  ]\n}\n')
    with pytest.raises(InputFormatError) as err:
        read_v2(path, skip_invalid=True)
    assert str(err.value).startswith(f"{path}: line 3, column ")


def test_api_error_page_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    error = {
        "errors": [{"title": "Not Found Error", "detail": "Could not find tweet with ids: [1]."}]
    }
    good = orjson.loads((FIXTURES / "media_tweet.jsonl").read_bytes())
    path = write_jsonl(tmp_path / "pages.jsonl", [error, good])
    with caplog.at_level(logging.WARNING, logger=LOGGER):
        timeline, skipped = read_v2_counted(path)
    assert [p.id for p in timeline.posts] == ["1558553189766631429"]
    assert skipped == 1
    assert "line 1" in caplog.text and "Could not find tweet" in caplog.text


def test_malformed_tweet_field(tmp_path: Path) -> None:
    good = orjson.loads((FIXTURES / "media_tweet.jsonl").read_bytes())
    bad = {"data": [{"id": "1", "text": "x", "created_at": "yesterday"}, {"id": "2", "text": "y"}]}
    path = write_jsonl(tmp_path / "malformed.jsonl", [good, bad])
    with pytest.raises(
        InputFormatError, match=r"malformed\.jsonl: line 2: tweet '1' has a malformed"
    ):
        read_v2(path)
    timeline, skipped = read_v2_counted(path, skip_invalid=True)
    # Only the bad tweet is skipped, not the page it came in.
    assert (sorted(p.id for p in timeline.posts), skipped) == (["1558553189766631429", "2"], 1)


def test_empty_result_page_is_not_an_error(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "empty.jsonl", [{"meta": {"result_count": 0}}])
    timeline, skipped = read_v2_counted(path)
    assert (timeline.posts, skipped, timeline.account) == ([], 0, Account(platform="x"))


def test_archive_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "tweets.js"
    path.write_bytes(b'window.YTD.tweets.part0 = [\n  {"tweet": {"id": "1"}}\n]')
    with pytest.raises(InputFormatError, match="X archive"):
        read_v2(path)
