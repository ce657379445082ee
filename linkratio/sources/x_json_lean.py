"""The fast way through saved X API v2 JSONL (twarc2) for a caller that only lists labels.

Each line (one response page) is decoded into typed msgspec Structs that declare only the
fields `x_tweet.tweet_to_post` reads, and each tweet becomes a `LeanTweet`: a Struct with
every field of `model.Post`, equal to the Post the general reader makes
(`tests/test_lean_v2.py` compares them). Anything unusual (another layout, a page without
`data`, an error response, a field of another type, a time the general reader would
refuse, a line that is no UTF-8) raises `Unsupported`, and the caller reads the file the
general way (`x_json.read_v2`), which keeps every guard, message and `--skip-invalid`
warning.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import cast

import msgspec
import orjson
from msgspec import UNSET, Raw, UnsetType

from linkratio.errors import LinkratioError
from linkratio.links import post_ref
from linkratio.model import Link, Post, Timeline, collapse, gc_paused
from linkratio.sources.common import Progress, main_author, parse_time
from linkratio.sources.jsonpages import BOM, json_head
from linkratio.sources.lean_post import LeanFields
from linkratio.sources.limits import HEAD, open_file
from linkratio.sources.x_json import _SNIFF_LINE
from linkratio.sources.x_tweet import NATIVE_RT, WITHHELD, is_attached, snowflake_time

log = logging.getLogger(__name__)

_ODD_NUMBER = re.compile(rb"[0-9](?:[eE][+-]?[0-9]{3}|[0-9]{299})")
"""A number orjson may refuse as infinite (msgspec skips it in a field nobody reads)."""
_DIGITS = bytes.maketrans(b"0123456789E", b"\x01" * 10 + b"e")
"""Every digit as one rare byte: `bytes.find` then looks for a digit's company in C."""


class Unsupported(Exception):
    """The file is not in the shape this reader knows: read it the general way."""


class _Url(msgspec.Struct, gc=False):
    url: str | None = None
    expanded_url: str | None = None
    unwound_url: str | None = None
    media_key: str | None = None
    display_url: str | None = None


class _Mention(msgspec.Struct, gc=False):
    username: str | None = None


class _Entities(msgspec.Struct, gc=False):
    urls: list[_Url] | None = None
    mentions: list[_Mention] | None = None


class _Note(msgspec.Struct, gc=False):
    text: str | None = None
    entities: _Entities | None = None


class _Ref(msgspec.Struct, gc=False):
    type: str
    id: str


class _Tweet(msgspec.Struct, gc=False):
    id: str
    text: str
    author_id: str | None = None
    created_at: str | None = None
    in_reply_to_user_id: str | None = None
    edit_history_tweet_ids: list[str] | None = None
    note_tweet: _Note | None = None
    # Present or not matters to the general reader, even when null: UNSET when absent.
    referenced_tweets: list[_Ref] | None | UnsetType = UNSET
    entities: _Entities | None | UnsetType = UNSET
    withheld: Raw | UnsetType = UNSET
    user: Raw | UnsetType = UNSET
    account: Raw | UnsetType = UNSET


class _User(msgspec.Struct, gc=False):
    id: str | None = None
    username: str | None = None


class _Included(msgspec.Struct, gc=False):
    id: str | None = None
    author_id: str | None = None


class _Includes(msgspec.Struct, gc=False):
    users: list[_User] | None = None
    tweets: list[_Included] | None = None


class _Page(msgspec.Struct, gc=False):
    data: list[_Tweet]
    includes: _Includes | None = None


class LeanTweet(LeanFields):
    """A `model.Post` of an X API v2 tweet, as a cheap Struct with the same fields."""

    platform: str
    id: str
    created_at: datetime


_DECODER = msgspec.json.Decoder(_Page)
_NO_REFS: dict[str, str] = {}


def read_v2_lean(path: Path, progress: Progress | None = None) -> Timeline | None:
    """The JSONL file at `path` as a Timeline of `LeanTweet`s, or None for the general reader."""
    try:
        with gc_paused():
            posts = _read(path, progress)
    except (
        Unsupported,
        LinkratioError,
        ValueError,
        msgspec.DecodeError,
        MemoryError,
        RecursionError,
        OSError,
    ):
        # Out of memory too: this reader holds the whole file, the general one a line of it;
        # RecursionError: msgspec's limit on nesting is below orjson's; OSError: a damaged
        # disk, which the general reader names.
        log.debug("%s: read the general way", path)
        return None
    kept = collapse(cast(list[Post], posts))
    return Timeline(account=main_author(kept, "x"), posts=kept, origin=str(path))


def _read(path: Path, progress: Progress | None) -> list[LeanTweet]:
    if path.is_dir():
        raise Unsupported("folder")
    with open_file(path) as fh:
        head = fh.read(HEAD)  # checked first: a file that is no JSON is not read whole
        json_head(path, "")(head)
        if head.startswith(BOM) or not head.lstrip().startswith(b"{"):
            raise Unsupported("layout")
        fh.seek(0)
        data = fh.read()
    suspect = _may_hold_odd_numbers(data)
    posts: list[LeanTweet] = []
    first = True
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        if first and len(line) >= _SNIFF_LINE:
            # The general reader tells JSONL by the first lines up to this long: longer, it
            # reads the file as one document (two lines of it: "not valid JSON").
            raise Unsupported("a first line too long to tell JSONL by")
        first = False
        if suspect and _ODD_NUMBER.search(line):
            orjson.loads(line)  # the general reader's verdict on it: JSONDecodeError or fine
        if not line.isascii():
            _check_utf8(line)
        page = _DECODER.decode(line)  # one document over several lines fails here
        posts.extend(_posts(page))
        if progress is not None:
            progress(len(posts))
    return posts


def _check_utf8(line: bytes) -> None:
    """Unsupported for a line that is no UTF-8, as orjson refuses it (msgspec does not look
    inside the fields it skips). Only lines with a byte above 127 are decoded: twarc writes
    ASCII, for which `isascii` answers in a fraction of a millisecond per 16 MB."""
    try:
        line.decode()
    except UnicodeDecodeError:
        raise Unsupported("not UTF-8") from None


def _may_hold_odd_numbers(data: bytes) -> bool:
    """False when no number in `data` can be infinite (an exponent or 300 digits): most files."""
    digits = data.translate(_DIGITS)
    return digits.find(b"\x01e") >= 0 or digits.find(b"\x01" * 300) >= 0


def _posts(page: _Page) -> list[LeanTweet]:
    includes = page.includes
    users: dict[str, _User] = {}
    tweets: dict[str, _Included] = {}
    if includes is not None:
        users = {u.id: u for u in includes.users or () if u.id is not None}
        tweets = {t.id: t for t in includes.tweets or () if t.id is not None}
    for tweet in page.data:
        if tweet.user is not UNSET or tweet.account is not UNSET:
            raise Unsupported("not a v2 tweet")
    return [_post(tweet, tweets, users) for tweet in page.data]


def _name(users: dict[str, _User], user_id: str | None) -> str | None:
    user = users.get(user_id) if user_id is not None else None
    return user.username if user is not None else None


def _author(tweets: dict[str, _Included], tweet_id: str) -> str | None:
    found = tweets.get(tweet_id)
    return found.author_id if found is not None else None


def _post(tweet: _Tweet, tweets: dict[str, _Included], users: dict[str, _User]) -> LeanTweet:
    """One tweet as `x_tweet.tweet_to_post` makes it (without raw)."""
    tweet_id = tweet.id
    edit_ids = tuple(tweet.edit_history_tweet_ids or ())
    found = tweet.referenced_tweets
    refs = {ref.type: ref.id for ref in found} if found else _NO_REFS  # read, never changed
    text, urls, mentions = _entities(tweet, refs)
    created = tweet.created_at
    reply_user = tweet.in_reply_to_user_id
    if reply_user is None and "replied_to" in refs:
        reply_user = _author(tweets, refs["replied_to"])
    quoted = refs.get("quoted")
    quoted_user = _author(tweets, quoted) if quoted else None
    is_repost, repost_of = _repost(tweet, text, refs, tweets, users)
    return LeanTweet(
        "x", tweet_id, parse_time(created) if created else snowflake_time(tweet_id), text=text,
        author_id=tweet.author_id, author_handle=_name(users, tweet.author_id),
        is_repost=is_repost, repost_of_handle=repost_of,
        reply_to_post_id=refs.get("replied_to"), reply_to_user_id=reply_user,
        reply_to_handle=_name(users, reply_user), quoted_post_id=quoted,
        quoted_user_id=quoted_user,
        quoted_handle=_name(users, quoted_user) or _handle_in_urls(urls, quoted),
        links=_links(urls, {tweet_id, *edit_ids}),
        mentions=tuple(dict.fromkeys([m.username for m in mentions if m.username]))
        if mentions else (),
        edit_ids=edit_ids,
    )  # fmt: skip


def _entities(tweet: _Tweet, refs: dict[str, str]) -> tuple[str, list[_Url], list[_Mention]]:
    """As `x_tweet._entities`: the text and URL and mention entities (a long post's note's)."""
    note = tweet.note_tweet
    note_text = note.text if note is not None else None
    text = note_text or tweet.text
    if "&" in text:
        text = html.unescape(text)
    entities = tweet.entities or None
    urls = list(entities.urls or ()) if entities else []
    mentions = list(entities.mentions or ()) if entities else []
    if note is not None and note_text:
        found = note.entities
        urls += found.urls or () if found else ()
        mentions = (list(found.mentions or ()) if found else []) or mentions
    if "retweeted" not in refs and tweet.withheld is not UNSET and WITHHELD.match(text):
        return "", [], []  # X's notice instead of a withheld post: no text of its own
    return text, urls, mentions


def _repost(
    tweet: _Tweet,
    text: str,
    refs: dict[str, str],
    tweets: dict[str, _Included],
    users: dict[str, _User],
) -> tuple[bool, str | None]:
    """As `x_tweet._repost`: (is a native retweet, the retweeted account's handle)."""
    rt_text = NATIVE_RT.match(text)
    retweeted = refs.get("retweeted")
    if retweeted is not None:
        handle = _name(users, _author(tweets, retweeted)) or (rt_text and rt_text.group(1))
        return True, handle or None
    if rt_text and tweet.referenced_tweets is UNSET and tweet.entities is UNSET:
        return True, rt_text.group(1)
    return False, None


def _handle_in_urls(urls: list[_Url], post_id: str | None) -> str | None:
    if post_id is None:
        return None
    for entity in urls:
        ref = post_ref(entity.expanded_url or "")
        if ref is not None and ref.post_id == post_id and ref.handle:
            return ref.handle
    return None


def _links(urls: list[_Url], own_ids: set[str]) -> tuple[Link, ...]:
    links: dict[str, Link] = {}
    for entity in urls:
        expanded_url = entity.expanded_url
        url = entity.url or expanded_url
        if not url or url in links:
            continue
        ref = post_ref(expanded_url) if expanded_url else None
        own_media = ref is not None and ref.media and ref.post_id in own_ids
        media = bool(entity.media_key) or own_media or is_attached(entity.display_url)
        links[url] = Link(url, entity.unwound_url or expanded_url, media)
    return tuple(links.values())
