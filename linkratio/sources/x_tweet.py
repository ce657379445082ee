"""One X API v2 Tweet object (with the includes it refers to) normalized to a `Post`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from linkratio.links import post_ref
from linkratio.model import Link, Post
from linkratio.sources.common import (
    check_post,
    compact_json,
    in_range,
    items,
    kind_of,
    obj,
    objects,
    parse_time,
)

TWITTER_EPOCH_MS = 1288834974657
"""Milliseconds since 1970 at which X snowflake ids start counting (2010-11-04)."""

_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID_DIGITS = 25
"""More digits than any snowflake id until long after `common.LATEST` (19 digits today)."""
NATIVE_RT = re.compile(r"RT @(\w{1,20}):")
"""How the API renders a native retweet's text."""
WITHHELD = re.compile(r"^(?:@\w+'s account|This (?:Tweet|Post) from @\w+) has been withheld")

ById = dict[str, dict[str, Any]]
Entities = tuple[str, list[dict[str, Any]], Iterable[dict[str, Any]]]
"""A tweet's text, its URL entities and its mention entities."""


def tweet_to_post(
    tweet: dict[str, Any],
    tweets: ById,
    users: ById,
    source: str = "file",
    keep_raw: bool = False,
) -> Post:
    """Normalize one X API v2 Tweet object; `tweets` and `users` are the includes by id.

    With `keep_raw`, the post's `raw` is `{"data": tweet, "includes": {"users": [...],
    "tweets": [...]}}` with just the includes this tweet refers to, as compact JSON:
    enough to normalize it again on its own.
    """
    tweet_id = tweet["id"]
    edit_ids = tuple(items(tweet.get("edit_history_tweet_ids"), "edit_history_tweet_ids"))
    refs = {ref["type"]: ref["id"] for ref in items(tweet.get("referenced_tweets"), "references")}
    text, url_entities, mention_entities = _entities(tweet, refs)
    author_id = tweet.get("author_id")
    created = tweet.get("created_at")
    is_repost, repost_of = _repost(tweet, text, refs, tweets, users)
    post = Post(
        platform="x",
        id=tweet_id,
        created_at=parse_time(created) if created else snowflake_time(tweet_id),
        text=text,
        author_id=author_id,
        author_handle=_username(users, author_id),
        is_repost=is_repost,
        repost_of_handle=repost_of,
        **_partners(tweet, refs, tweets, users, url_entities),
        links=_links(url_entities, {tweet_id, *edit_ids}),
        mentions=_unique(m.get("username") for m in mention_entities),
        edit_ids=edit_ids,
        source=source,
        raw=_raw(tweet, refs, tweets, users) if keep_raw else None,
    )
    check_post(post)
    return post


def snowflake_time(tweet_id: str) -> datetime:
    """Return the creation time (UTC, millisecond precision) encoded in an X snowflake id.

    ValueError for an id that is not a number, or too large to be one X ever made.
    """
    # Ids from before November 2010 are not snowflakes; they all map to 2010-11-04.
    if not (isinstance(tweet_id, str) and tweet_id.isascii() and tweet_id.isdigit()):
        raise ValueError(f"id {str(tweet_id)[:40]!r} is not a number, and no created_at")
    if len(tweet_id) > _MAX_ID_DIGITS:
        raise ValueError(f"id {tweet_id[:40]!r} is too large for an X id, and no created_at")
    when = _UNIX_EPOCH + timedelta(milliseconds=(int(tweet_id) >> 22) + TWITTER_EPOCH_MS)
    return in_range(when)


def _entities(tweet: dict[str, Any], refs: dict[str, str]) -> Entities:
    """The text and the URL and mention entities of a tweet (a long post's from its note)."""
    note = obj(tweet.get("note_tweet"), "note_tweet")
    text = note.get("text") or tweet["text"]
    if not isinstance(text, str):
        raise ValueError(f"text is {kind_of(text)}, expected a string")
    if "&" in text:
        text = html.unescape(text)
    entities = obj(tweet.get("entities"), "entities")
    url_entities = objects(entities.get("urls"), "entities.urls")
    mention_entities = objects(entities.get("mentions"), "entities.mentions")
    if note.get("text"):
        note_entities = obj(note.get("entities"), "note_tweet.entities")
        url_entities += objects(note_entities.get("urls"), "note_tweet.entities.urls")
        mention_entities = (
            objects(note_entities.get("mentions"), "note_tweet.entities.mentions")
            or mention_entities
        )
    if "retweeted" not in refs and _withheld_placeholder(tweet, text):
        # X shows its own notice instead of a withheld post: neither the words nor the
        # "Learn more" link are the author's, so the post has no text of its own.
        return "", [], ()
    return text, url_entities, mention_entities


def _partners(
    tweet: dict[str, Any],
    refs: dict[str, str],
    tweets: ById,
    users: ById,
    url_entities: list[dict[str, Any]],
) -> dict[str, Any]:
    """The reply and quote fields of a post: which post and account it answers or quotes."""
    reply_user = tweet.get("in_reply_to_user_id")
    if reply_user is None and "replied_to" in refs:
        reply_user = tweets.get(refs["replied_to"], {}).get("author_id")
    quoted = refs.get("quoted")
    quoted_user = tweets.get(quoted, {}).get("author_id") if quoted else None
    return {
        "reply_to_post_id": refs.get("replied_to"),
        "reply_to_user_id": reply_user,
        "reply_to_handle": _username(users, reply_user),
        "quoted_post_id": quoted,
        "quoted_user_id": quoted_user,
        "quoted_handle": _username(users, quoted_user) or _handle_in_urls(url_entities, quoted),
    }


def _withheld_placeholder(tweet: dict[str, Any], text: str) -> bool:
    return "withheld" in tweet and WITHHELD.match(text) is not None


def _raw(tweet: dict[str, Any], refs: dict[str, str], tweets: ById, users: ById) -> bytes:
    """The tweet with the included tweets and users it refers to, as one compact response."""
    referenced = [tweets[i] for i in dict.fromkeys(refs.values()) if i in tweets]
    user_ids = [tweet.get("author_id"), tweet.get("in_reply_to_user_id")]
    user_ids += [t.get("author_id") for t in referenced]
    for entities in (tweet.get("entities"), (tweet.get("note_tweet") or {}).get("entities")):
        user_ids += [m.get("id") for m in (entities or {}).get("mentions") or ()]
    included = [users[i] for i in dict.fromkeys(user_ids) if i is not None and i in users]
    return compact_json({"data": tweet, "includes": {"users": included, "tweets": referenced}})


def _repost(
    tweet: dict[str, Any], text: str, refs: dict[str, str], tweets: ById, users: ById
) -> tuple[bool, str | None]:
    """Return (is a native retweet, the retweeted account's handle)."""
    rt_text = NATIVE_RT.match(text)
    retweeted = refs.get("retweeted")
    if retweeted is not None:
        original_author = tweets.get(retweeted, {}).get("author_id")
        handle = _username(users, original_author) or (rt_text and rt_text.group(1))
        return True, handle or None
    # Without `referenced_tweets` and `entities` (default fields: only id and text), the
    # API's `RT @name:` rendering is all there is of a native retweet. With entities the
    # response would also carry the reference, so such text is a manual RT.
    if rt_text and "referenced_tweets" not in tweet and "entities" not in tweet:
        return True, rt_text.group(1)
    return False, None


def _username(users: ById, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    return users.get(user_id, {}).get("username")


def _handle_in_urls(url_entities: list[dict[str, Any]], post_id: str | None) -> str | None:
    """The account named in a `x.com/USER/status/ID` URL entity for `post_id`, if any."""
    if post_id is None:
        return None
    for entity in url_entities:
        ref = post_ref(entity.get("expanded_url") or "")
        if ref is not None and ref.post_id == post_id and ref.handle:
            return ref.handle
    return None


def _links(url_entities: list[dict[str, Any]], own_ids: set[str]) -> tuple[Link, ...]:
    links: dict[str, Link] = {}
    for entity in url_entities:
        expanded_url = entity.get("expanded_url")
        url = entity.get("url") or expanded_url
        if not url or url in links:
            continue
        ref = post_ref(expanded_url) if expanded_url else None
        own_media = ref is not None and ref.media and ref.post_id in own_ids
        links[url] = Link(
            url=url,
            expanded=entity.get("unwound_url") or expanded_url,
            media=bool(entity.get("media_key"))
            or own_media
            or is_attached(entity.get("display_url")),
        )
    return tuple(links.values())


def is_attached(display_url: object) -> bool:
    """Whether a URL entity shown as `display_url` is a media attachment (pic.twitter.com).

    X shows every attachment so, with a `media_key` or without (2021 responses carry none),
    a photo attached from another post too (the archive lists it under `entities.media`).
    """
    return isinstance(display_url, str) and display_url.startswith(_ATTACHED)


_ATTACHED = ("pic.twitter.com/", "pic.x.com/")


def _unique(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))
