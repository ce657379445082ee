"""Helpers every source shares: time parsing, duplicate and edit collapsing, the owner."""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import orjson

# collapse and gc_paused live in model (the store needs them too); sources import them here.
from linkratio.errors import InputError
from linkratio.model import Account, Post, collapse, gc_paused

__all__ = [
    "Progress",
    "check_memory",
    "check_post",
    "collapse",
    "compact_json",
    "gc_paused",
    "in_range",
    "items",
    "json_error",
    "kind_of",
    "main_author",
    "obj",
    "objects",
    "parse_time",
]

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""No post is older than this; an earlier time is malformed."""
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""No post is this new; a later time is malformed (and past what pandas holds in any zone)."""

Progress = Callable[[int], None]
"""Called with the number of posts read so far."""

_MONTHS = {
    m: f"-{i:02d}-"
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _archive_time(value: str) -> datetime:
    # "Sat Nov 09 12:14:18 +0000 2024" rearranged for fromisoformat: 5x faster than strptime.
    month = _MONTHS.get(value[4:7])
    if month is not None and len(value) == 30 and value[19:20] == " " and value[25:26] == " ":
        offset = value[20:23] + ":" + value[23:25]
        iso = value[26:] + month + value[8:10] + "T" + value[11:19] + offset
        try:
            dt = datetime.fromisoformat(iso)
            return dt if offset == "+00:00" else dt.astimezone(UTC)
        except ValueError:
            pass
    return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 (`2021-05-01T09:27:19.000Z`) or archive (`Sat Nov 09 ...`) time as UTC.

    ValueError when it is neither, or not within `EARLIEST`..`LATEST` (see `in_range`).
    """
    try:
        if not value[:1].isdigit():
            return in_range(_archive_time(value))
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        return in_range(dt.astimezone(UTC))
    except OverflowError:  # year 1 at +01:00 is before year 1 in UTC
        raise ValueError(f"time out of range: {value[:40]!r}") from None


def in_range(when: datetime) -> datetime:
    """`when` if it lies from `EARLIEST` up to `LATEST`, else ValueError naming it."""
    if not EARLIEST <= when < LATEST:
        years = f"{EARLIEST.year} to {LATEST.year - 1}"
        raise ValueError(f"time {when.date().isoformat()} out of range (expected {years})")
    return when


_OPTIONAL_TEXT = (
    "author_id",
    "author_handle",
    "repost_of_handle",
    "reply_to_post_id",
    "reply_to_user_id",
    "reply_to_handle",
    "quoted_post_id",
    "quoted_user_id",
    "quoted_handle",
)


def kind_of(value: object) -> str:
    """How a message names the JSON type of `value`: `an object`, `a list`, `null`..."""
    if value is None:
        return "null"
    name = {dict: "object", list: "list", str: "string", bool: "boolean"}.get(type(value))
    return f"an {name}" if name == "object" else f"a {name or 'number'}"


def obj(value: Any, name: str) -> dict[str, Any]:
    """`value` if it is a JSON object, {} if null or missing; ValueError naming `name` else."""
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    raise ValueError(f"{name} is {kind_of(value)}, expected an object")


def items(value: Any, name: str) -> list[Any]:
    """`value` if it is a JSON array, [] if null or missing; ValueError naming `name` else."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    raise ValueError(f"{name} is {kind_of(value)}, expected a list")


def objects(value: Any, name: str) -> list[dict[str, Any]]:
    """Like `items`, and every item must be an object (a copy: callers may extend it)."""
    found = items(value, name)
    for n, item in enumerate(found):
        if not isinstance(item, dict):
            raise ValueError(f"{name}[{n}] is {kind_of(item)}, expected an object")
    return list(found)


def check_post(post: Any) -> None:
    """ValueError naming the first field of a `Post` (or a row with its names) of a wrong type.

    The last guard at the edge: whatever a file or an API holds, a post that leaves a
    source has text where text belongs, so nothing further down meets a list or an object.
    """
    if type(post.id) is not str or type(post.text) is not str:
        field = "id" if type(post.id) is not str else "text"
        raise ValueError(f"{field} is {kind_of(getattr(post, field))}, expected a string")
    for name in _OPTIONAL_TEXT:
        value = getattr(post, name, None)
        if value is not None and type(value) is not str:
            raise ValueError(f"{name} is {kind_of(value)}, expected a string or null")
    for n, link in enumerate(post.links):
        if type(link.url) is not str or not (link.expanded is None or type(link.expanded) is str):
            bad = link.url if type(link.url) is not str else link.expanded
            raise ValueError(f"link {n + 1} is {kind_of(bad)}, expected a URL string")
    for n, mention in enumerate(post.mentions):
        if type(mention) is not str:
            raise ValueError(f"mention {n + 1} is {kind_of(mention)}, expected a handle string")
    for edit_id in getattr(post, "edit_ids", ()):
        if type(edit_id) is not str:
            raise ValueError(f"an edit id is {kind_of(edit_id)}, expected a string")


def main_author(posts: Iterable[Post], platform: str) -> Account:
    """The account that wrote (or reposted) most of the posts, with its handle if known."""
    posts = list(posts)
    counts = Counter(post.author_id for post in posts if post.author_id)
    if not counts:
        return Account(platform=platform)
    owner_id = counts.most_common(1)[0][0]
    handle = next(
        (p.author_handle for p in posts if p.author_id == owner_id and p.author_handle), None
    )
    return Account(platform=platform, id=owner_id, handle=handle)


def compact_json(value: Any) -> bytes:
    """`value` as compact JSON, in a bytes object of its own size."""
    # orjson's result keeps its whole growth buffer allocated (about 8 KB for a 1 KB tweet):
    # a copy of the right size lets that buffer go, or 200,000 of them hold 1.5 GB.
    return bytes(memoryview(orjson.dumps(value)))


_OUT_OF_MEMORY = "Not enough memory"
"""How the words of orjson's JSONDecodeError begin when it could not allocate."""


def check_memory(error: orjson.JSONDecodeError, name: object) -> None:
    """InputError (never skipped as malformed) when orjson raised `error` parsing the file
    `name` for want of memory: the JSON may be fine."""
    if error.msg.startswith(_OUT_OF_MEMORY):
        raise InputError(f"{name}: too large to read in the memory available") from None


def json_error(data: bytes, start: int, error: orjson.JSONDecodeError) -> tuple[int, int, str]:
    """Line, column (in the whole of `data`) and words of an error orjson raised parsing
    `data` from offset `start`.

    orjson places invalid UTF-8 at the start of what it parsed, and calls it a surrogate:
    for it, the first byte from `start` that is not UTF-8 is found and named.
    """
    at = _bad_utf8(data, start) if "UTF-8" in error.msg else None
    if at is None:
        line = data.count(b"\n", 0, start) + error.lineno
        column = error.colno
        if error.lineno == 1:
            column += start - (data.rfind(b"\n", 0, start) + 1)
        return line, column, error.msg
    column = at - data.rfind(b"\n", 0, at)
    return data.count(b"\n", 0, at) + 1, column, f"byte 0x{data[at]:02x} is not UTF-8"


def _bad_utf8(data: bytes, start: int) -> int | None:
    """The offset of the first byte from `start` that is not UTF-8, a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view, block = memoryview(data), 1 << 20
    for at in range(start, len(data), block):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(view[at : at + block], final=at + block >= len(data))
        except UnicodeDecodeError as err:
            return at - pending + err.start
    return None
