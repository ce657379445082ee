"""Saved X API v2 data: response JSON, twarc2 JSONL, filtered-stream lines, tweet arrays."""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from linkratio.errors import InputError, InputFormatError, LinkratioError
from linkratio.links import post_ref
from linkratio.model import Account, Link, Post, Timeline
from linkratio.sources.common import collapse, parse_time
from linkratio.sources.jsonpages import SKIPPED, jsonl_values

log = logging.getLogger(__name__)

TWITTER_EPOCH_MS = 1288834974657
"""Milliseconds since 1970 at which X snowflake ids start counting (2010-11-04)."""

EXPECTED = (
    'expected X API v2 data (a response with tweets in "data", twarc2 JSONL or tweet objects)'
)
_UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_BOM = b"\xef\xbb\xbf"
"""Stands in for a JSONL line that `skip_invalid` dropped."""
_NATIVE_RT = re.compile(r"RT @(\w{1,20}):")
"""How the API renders a native retweet's text."""

Tweets = list[dict[str, Any]]
ById = dict[str, dict[str, Any]]


def read_v2(
    path: Path,
    progress: Callable[[int], None] | None = None,
    skip_invalid: bool = False,
    keep_raw: bool = False,
) -> Timeline:
    """Read saved X API v2 tweets into a Timeline (deduplicated, newest edits only)."""
    return read_v2_counted(path, progress, skip_invalid, keep_raw)[0]


def read_v2_counted(
    path: Path,
    progress: Callable[[int], None] | None = None,
    skip_invalid: bool = False,
    keep_raw: bool = False,
) -> tuple[Timeline, int]:
    """Like `read_v2`, also returning how many lines or pages were skipped.

    Skipped are invalid JSONL lines (only with `skip_invalid`) and API error responses
    without data; each is logged as a warning. `progress` gets the number of tweets read
    so far after each response or line. `keep_raw` is passed on to `tweet_to_post`.
    """
    path = Path(path)
    posts: list[Post] = []
    skipped = 0
    for line, value in _values(path, skip_invalid):
        page = None if value is SKIPPED else _page(value, path, line)
        if page is None:
            skipped += 1
            continue
        tweets, included_tweets, users = page
        try:
            posts += [
                tweet_to_post(tweet, included_tweets, users, keep_raw=keep_raw) for tweet in tweets
            ]
        except (KeyError, TypeError, ValueError) as err:
            message = f"{_where(path, line)}: a tweet has a malformed field ({err!r})"
            if not skip_invalid:
                raise InputFormatError(f"{message}; {EXPECTED}") from None
            log.warning("%s; skipped", message)
            skipped += 1
        if progress is not None:
            progress(len(posts))
    kept = collapse(posts)
    return Timeline(account=_owner(kept), posts=kept, origin=str(path)), skipped


def looks_like_v2(path: Path) -> bool:
    """True when the file's first JSON value is X API v2 data (a response or tweet objects)."""
    try:
        with closing(_values(Path(path), skip_invalid=False)) as values:
            first = next(values, None)
    except LinkratioError:
        return False
    return first is not None and _is_v2(first[1])


_WITHHELD = re.compile(r"^(?:@\w+'s account|This (?:Tweet|Post) from @\w+) has been withheld")


def _withheld_placeholder(tweet: dict[str, Any], text: str) -> bool:
    return "withheld" in tweet and _WITHHELD.match(text) is not None


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
    note = tweet.get("note_tweet") or {}
    text = note.get("text") or tweet["text"]
    if "&" in text:
        text = html.unescape(text)
    entities = tweet.get("entities") or {}
    url_entities = list(entities.get("urls") or ())
    mention_entities = entities.get("mentions") or ()
    if note.get("text"):
        note_entities = note.get("entities") or {}
        url_entities += note_entities.get("urls") or ()
        mention_entities = note_entities.get("mentions") or mention_entities
    edit_ids = tuple(tweet.get("edit_history_tweet_ids") or ())
    refs = {ref["type"]: ref["id"] for ref in tweet.get("referenced_tweets") or ()}
    if "retweeted" not in refs and _withheld_placeholder(tweet, text):
        # X shows its own notice instead of a withheld post: neither the words nor the
        # "Learn more" link are the author's, so the post has no text of its own.
        text, url_entities, mention_entities = "", [], ()
    author_id = tweet.get("author_id")
    created = tweet.get("created_at")
    reply_user = tweet.get("in_reply_to_user_id")
    if reply_user is None and "replied_to" in refs:
        reply_user = tweets.get(refs["replied_to"], {}).get("author_id")
    quoted = refs.get("quoted")
    quoted_user = tweets.get(quoted, {}).get("author_id") if quoted else None
    is_repost, repost_of = _repost(tweet, text, refs, tweets, users)
    return Post(
        platform="x",
        id=tweet_id,
        created_at=parse_time(created) if created else snowflake_time(tweet_id),
        text=text,
        author_id=author_id,
        author_handle=_username(users, author_id),
        is_repost=is_repost,
        repost_of_handle=repost_of,
        reply_to_post_id=refs.get("replied_to"),
        reply_to_user_id=reply_user,
        reply_to_handle=_username(users, reply_user),
        quoted_post_id=quoted,
        quoted_user_id=quoted_user,
        quoted_handle=_username(users, quoted_user) or _handle_in_urls(url_entities, quoted),
        links=_links(url_entities, {tweet_id, *edit_ids}),
        mentions=_unique(m.get("username") for m in mention_entities),
        edit_ids=edit_ids,
        source=source,
        raw=_raw(tweet, refs, tweets, users) if keep_raw else None,
    )


def snowflake_time(tweet_id: str) -> datetime:
    """Return the creation time (UTC, millisecond precision) encoded in an X snowflake id."""
    # Ids from before November 2010 are not snowflakes; they all map to 2010-11-04.
    return _UNIX_EPOCH + timedelta(milliseconds=(int(tweet_id) >> 22) + TWITTER_EPOCH_MS)


# --- Tweet fields -------------------------------------------------------------------


def _raw(tweet: dict[str, Any], refs: dict[str, str], tweets: ById, users: ById) -> bytes:
    """The tweet with the included tweets and users it refers to, as one compact response."""
    referenced = [tweets[i] for i in dict.fromkeys(refs.values()) if i in tweets]
    user_ids = [tweet.get("author_id"), tweet.get("in_reply_to_user_id")]
    user_ids += [t.get("author_id") for t in referenced]
    for entities in (tweet.get("entities"), (tweet.get("note_tweet") or {}).get("entities")):
        user_ids += [m.get("id") for m in (entities or {}).get("mentions") or ()]
    included = [users[i] for i in dict.fromkeys(user_ids) if i is not None and i in users]
    raw = orjson.dumps({"data": tweet, "includes": {"users": included, "tweets": referenced}})
    # A copy of its own size: orjson's result keeps its growth buffer allocated (~8 KB each).
    return bytes(memoryview(raw))


def _repost(
    tweet: dict[str, Any], text: str, refs: dict[str, str], tweets: ById, users: ById
) -> tuple[bool, str | None]:
    """Return (is a native retweet, the retweeted account's handle)."""
    rt_text = _NATIVE_RT.match(text)
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
            media=bool(entity.get("media_key")) or own_media,
        )
    return tuple(links.values())


def _unique(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))


def _owner(posts: list[Post]) -> Account:
    """The account that wrote most of the posts."""
    counts = Counter(post.author_id for post in posts if post.author_id)
    if not counts:
        return Account(platform="x")
    owner_id = counts.most_common(1)[0][0]
    handle = next(
        (p.author_handle for p in posts if p.author_id == owner_id and p.author_handle), None
    )
    return Account(platform="x", id=owner_id, handle=handle)


# --- Response shapes ----------------------------------------------------------------


def _is_tweet(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str)
        and isinstance(value.get("text"), str)
        and "user" not in value
        and "account" not in value
    )


def _is_v2(value: Any) -> bool:
    """True for a v2 response with tweets, a bare tweet, or an array of tweets."""
    if isinstance(value, dict) and "data" in value:
        data = value["data"]
        if isinstance(data, list):
            return _is_tweet(data[0]) if data else "meta" in value
        return _is_tweet(data)
    if isinstance(value, list):
        return bool(value) and _is_tweet(value[0])
    return _is_tweet(value)


def _page(value: Any, path: Path, line: int) -> tuple[Tweets, ById, ById] | None:
    """Return (tweets, included tweets by id, users by id) of one JSON value.

    An API error response without data is logged and gives None; anything
    that is not X API v2 data raises InputFormatError.
    """
    if isinstance(value, dict) and "data" not in value and "errors" in value:
        log.warning(
            "%s: skipped an X API error response: %s",
            _where(path, line),
            _error_text(value["errors"]),
        )
        return None
    if isinstance(value, dict) and "data" not in value and "meta" in value:
        return [], {}, {}  # an empty page (result_count 0)
    if isinstance(value, dict) and "data" in value:
        data = value["data"]
        tweets = data if isinstance(data, list) else [data]
        includes = value.get("includes") or {}
        page = tweets, _by_id(includes.get("tweets")), _by_id(includes.get("users"))
    else:
        tweets = value if isinstance(value, list) else [value]
        page = tweets, {}, {}
    for tweet in tweets:
        if not _is_tweet(tweet):
            raise InputFormatError(
                f"{_where(path, line)}: {_looks_like(value)}, not X API v2 tweets; {EXPECTED}"
            )
    return page


def _by_id(objects: list[dict[str, Any]] | None) -> ById:
    return {obj["id"]: obj for obj in objects or () if "id" in obj}


def _error_text(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return str(first)
    return str(first.get("detail") or first.get("message") or first.get("title") or first)


def _looks_like(value: Any) -> str:
    """Say in a few words what a JSON value that is not X v2 tweets looks like."""
    items = value if isinstance(value, list) else [value]
    sample = items[0] if items else None
    if isinstance(value, dict) and "data" in value:
        data = value["data"]
        sample = data[0] if isinstance(data, list) and data else data
        if isinstance(sample, dict) and "username" in sample:
            return "it looks like X API v2 user objects"
    if not isinstance(sample, dict):
        return f"it is a JSON {type(value).__name__} of {type(sample).__name__}"
    if "feed" in sample:
        return "it looks like a Bluesky feed (read it with --input-format bluesky)"
    if "account" in sample and "content" in sample:
        return "it looks like Mastodon statuses (read them with --input-format mastodon)"
    if "id_str" in sample or "user" in sample or "statuses" in sample:
        return "it looks like X API v1.1 statuses"
    if "tweet" in sample:
        return "it looks like X archive records"
    keys = ", ".join(sorted(sample)[:6])
    return f"it is a JSON object with keys {keys}"


# --- Reading JSON and JSONL ---------------------------------------------------------


def _where(path: Path, line: int) -> str:
    return f"{path}: line {line}" if line else str(path)


def _values(path: Path, skip_invalid: bool) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) per JSONL line, or (0, value) for one JSON document."""
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; {EXPECTED}") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; {EXPECTED}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}); {EXPECTED}") from None
    with fh:
        if _is_jsonl(fh, path):
            yield from jsonl_values(fh, path, EXPECTED, skip_invalid)
            return
        doc = fh.read().removeprefix(_BOM)
        if not doc.strip():
            return
        try:
            yield 0, orjson.loads(doc)
        except orjson.JSONDecodeError as err:
            raise InputFormatError(
                f"{path}: line {err.lineno}, column {err.colno}: not valid JSON "
                f"({err.msg}); {EXPECTED}"
            ) from None


def _is_jsonl(fh: BinaryIO, path: Path) -> bool:
    """Decide from the first lines whether the file is JSONL; leave `fh` at its start."""
    lines = []
    for raw in fh:
        line = raw.removeprefix(_BOM).strip() if not lines else raw.strip()
        if line:
            lines.append(line)
        if len(lines) == 2:
            break
    fh.seek(0)
    if not lines:
        return False
    if lines[0].startswith(b"window.YTD."):
        raise InputFormatError(
            f"{path}: it looks like an X archive file (window.YTD...), not X API v2 data; "
            f"{EXPECTED}"
        )
    if lines[0] in (b"{", b"["):
        return False
    return any(_parses(line) for line in lines)


def _parses(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True
