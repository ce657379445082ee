"""Saved X API v2 data: response JSON, twarc2 JSONL, filtered-stream lines, tweet arrays."""

from __future__ import annotations

import logging
import re
from collections.abc import Generator, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import orjson

from linkratio.errors import InputError, InputFormatError, LinkratioError
from linkratio.model import Post, Timeline, gc_paused
from linkratio.sources.common import (
    Progress,
    check_memory,
    collapse,
    json_error,
    kind_of,
    main_author,
)
from linkratio.sources.jsonpages import BOM, MALFORMED, SavedPages, json_head, jsonl_values, where
from linkratio.sources.limits import HEAD, open_file
from linkratio.sources.x_tweet import TWITTER_EPOCH_MS, ById, snowflake_time, tweet_to_post

__all__ = [
    "EXPECTED",
    "TWITTER_EPOCH_MS",
    "looks_like_v2",
    "read_v2",
    "read_v2_counted",
    "snowflake_time",
    "tweet_to_post",
]

log = logging.getLogger(__name__)

EXPECTED = (
    'expected X API v2 data (a response with tweets in "data", twarc2 JSONL or tweet objects)'
)

Tweets = list[dict[str, Any]]
_SNIFF_LINE = 64 * 1024 * 1024
"""The longest line read to tell JSONL from one JSON document (a twarc2 page is ~1 MB)."""


def _show(err: Exception) -> str:
    """A malformed tweet's problem in a few words."""
    if isinstance(err, KeyError):
        return f"no {err.args[0]!r}"
    return str(err) if isinstance(err, ValueError) and str(err) else repr(err)


_SAVED = SavedPages(EXPECTED, "a tweet", log, MALFORMED, _show)


def read_v2(
    path: Path, progress: Progress | None = None, skip_invalid: bool = False, keep_raw: bool = False
) -> Timeline:
    """Read saved X API v2 tweets into a Timeline (deduplicated, newest edits only)."""
    return read_v2_counted(path, progress, skip_invalid, keep_raw)[0]


def read_v2_counted(
    path: Path, progress: Progress | None = None, skip_invalid: bool = False, keep_raw: bool = False
) -> tuple[Timeline, int]:
    """Like `read_v2`, also returning how many lines or pages were skipped.

    Skipped are invalid JSONL lines (only with `skip_invalid`) and API error responses
    without data; each is logged as a warning. `progress` gets the number of tweets read
    so far after each response or line. `keep_raw` is passed on to `tweet_to_post`.
    """
    path = Path(path)
    bad = 0

    def page_posts(line: int, value: Any) -> list[Post] | None:
        nonlocal bad
        page = _page(value, path, line, skip_invalid)
        if page is None:
            return None
        tweets, included_tweets, users = page
        posts = []
        for tweet in tweets:
            try:
                posts.append(tweet_to_post(tweet, included_tweets, users, keep_raw=keep_raw))
            except _SAVED.errors as err:
                _SAVED.malformed(path, line, err, skip_invalid, f"tweet {_tweet_id(tweet)}")
                bad += 1
        return posts

    with gc_paused():  # many acyclic objects: see model.gc_paused
        posts, skipped = _SAVED.read(
            _values(path, skip_invalid), path, page_posts, progress, skip_invalid
        )
        kept = collapse(posts)
    return Timeline(account=main_author(kept, "x"), posts=kept, origin=str(path)), skipped + bad


def _tweet_id(tweet: dict[str, Any]) -> str:
    """How a message names a tweet: its id, shortened, or `?`."""
    return repr(str(tweet.get("id"))[:40]) if tweet.get("id") is not None else "?"


def looks_like_v2(path: Path) -> bool:
    """True when the file's first JSON value is X API v2 data (a response or tweet objects)."""
    try:
        with closing(_values(Path(path), skip_invalid=False)) as values:
            first = next(values, None)
    except LinkratioError:
        return False
    return first is not None and _is_v2(first[1])


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


def _page(
    value: Any, path: Path, line: int, skip_invalid: bool = False
) -> tuple[Tweets, ById, ById] | None:
    """Return (tweets, included tweets by id, users by id) of one JSON value.

    An API error response without data is logged and gives None; anything
    that is not X API v2 data raises InputFormatError.
    """
    if isinstance(value, dict) and "data" not in value and "errors" in value:
        log.warning(
            "%s: skipped an X API error response: %s",
            where(path, line),
            _error_text(value["errors"]),
        )
        return None
    if isinstance(value, dict) and "data" not in value and "meta" in value:
        return [], {}, {}  # an empty page (result_count 0)
    if isinstance(value, dict) and "data" in value:
        data = value["data"]
        tweets = data if isinstance(data, list) else [data]
        page = tweets, *_includes(value.get("includes"), where(path, line), skip_invalid)
    else:
        tweets = value if isinstance(value, list) else [value]
        page = tweets, {}, {}
    for tweet in tweets:
        if not _is_tweet(tweet):
            raise InputFormatError(
                f"{where(path, line)}: {_looks_like(value)}, not X API v2 tweets; {EXPECTED}"
            )
    return page


def _includes(includes: Any, place: str, skip_invalid: bool) -> tuple[ById, ById]:
    """(included tweets by id, included users by id) of a response's `includes`.

    A malformed include is an InputFormatError, or with `skip_invalid` left out with a
    warning: the tweets that refer to it lose only its handle or its author.
    """
    if not isinstance(includes, dict) and includes is not None:
        _bad_include(f"includes is {kind_of(includes)}, expected an object", place, skip_invalid)
        includes = None
    found = includes or {}
    tweets = _by_id(found.get("tweets"), "includes.tweets", place, skip_invalid)
    return tweets, _by_id(found.get("users"), "includes.users", place, skip_invalid)


def _by_id(objects: Any, name: str, place: str, skip_invalid: bool) -> ById:
    if objects is not None and not isinstance(objects, list):
        _bad_include(f"{name} is {kind_of(objects)}, expected a list", place, skip_invalid)
        return {}
    by_id: ById = {}
    for n, obj in enumerate(objects or ()):
        key = obj.get("id") if isinstance(obj, dict) else None
        if isinstance(key, str):
            by_id[key] = obj
        elif isinstance(obj, dict) and key is None:
            continue  # no id: nothing refers to it
        else:
            what = f"{name}[{n}]" + ("" if key is None else ".id")
            expected = "an object with a string id" if key is None else "a string"
            problem = f"{what} is {kind_of(obj if key is None else key)}, expected {expected}"
            _bad_include(problem, place, skip_invalid)
    return by_id


def _bad_include(problem: str, place: str, skip_invalid: bool) -> None:
    message = f"{place}: {problem}"
    if not skip_invalid:
        raise InputFormatError(f"{message}; {EXPECTED}")
    log.warning("%s; left out", message)


def _error_text(errors: Any) -> str:
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, dict):
        return str(first)
    return str(first.get("detail") or first.get("message") or first.get("title") or first)


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _json_type(value: Any) -> str:
    """JSON's name for the type of a decoded value (`object`, `array`, `number`, `null`)."""
    return _JSON_TYPES.get(type(value), "number")


def _shape(value: Any) -> str:
    """A JSON value's type in JSON's words: `null`, `a JSON string`, `a JSON array of number`."""
    if value is None:
        return "JSON null"
    if isinstance(value, list):
        return f"a JSON array of {_json_type(value[0])}" if value else "an empty JSON array"
    return f"a JSON {_json_type(value)}"


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
            return f'its "data" is {_shape(data)}'
    if not isinstance(sample, dict):
        return f"it is {_shape(value)}"
    if "feed" in sample:
        return "it looks like a Bluesky feed (read it with --input-format bluesky)"
    if "account" in sample and "content" in sample:
        return "it looks like Mastodon statuses (read them with --input-format mastodon)"
    if "id_str" in sample or "user" in sample or "statuses" in sample:
        return "it looks like X API v1.1 statuses"
    if "tweet" in sample:
        return "it looks like X archive records"
    if not sample:
        return "it is an empty JSON object"
    keys = ", ".join(sorted(sample)[:6])
    return f"it is a JSON object with keys {keys}"


# --- Reading JSON and JSONL ---------------------------------------------------------


def _values(path: Path, skip_invalid: bool) -> Generator[tuple[int, Any], None, None]:
    """Yield (line number, value) per JSONL line, or (0, value) for one JSON document."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder; {EXPECTED}")
    with open_file(path, expected=EXPECTED.removeprefix("expected ")) as fh:
        try:
            json_head(path, EXPECTED)(fh.read(HEAD))
            fh.seek(0)
            if _is_jsonl(fh, path):
                yield from jsonl_values(fh, path, EXPECTED, skip_invalid)
                return
            doc = fh.read().removeprefix(BOM)
        except OSError as err:  # a damaged disk: say which file
            raise InputError(f"{path}: cannot be read ({err.strerror or err})") from None
        if not doc.strip():
            return
        try:
            yield 0, orjson.loads(doc)
        except orjson.JSONDecodeError as err:
            check_memory(err, path)
            line, column, what = json_error(doc, 0, err)
            raise InputFormatError(
                f"{path}: line {line}, column {column}: not valid JSON ({what}); {EXPECTED}"
            ) from None


def _is_jsonl(fh: BinaryIO, path: Path) -> bool:
    """Decide from the first lines whether the file is JSONL; leave `fh` at its start."""
    lines: list[bytes] = []
    # Bounded: a file of one endless line must not be read whole just to look at it.
    for raw in iter(lambda: fh.readline(_SNIFF_LINE), b""):
        line = raw.removeprefix(BOM).strip() if not lines else raw.strip()
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


_TWARC_URL = re.compile(rb'"__twarc"\s*:\s*\{\s*"url"\s*:\s*"([^"\\]{1,8192})"')
"""The request URL twarc2 notes in each page it writes (`{"__twarc": {"url": ...}}`)."""


def twarc_requests(path: Path) -> Iterator[str]:
    """The path of each request twarc2 noted in the file (none in other saved data)."""
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            data = tail + chunk
            for found in _TWARC_URL.finditer(data):
                yield urlsplit(found.group(1).decode("utf-8", "replace")).path
            tail = data[-16384:]  # a URL the chunk's end cuts is whole in the next one
