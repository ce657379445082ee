"""A stored post read again from its JSON by today's readers (`linkratio library reread`).

The library keeps each post's JSON (`Post.raw`: an X archive's tweet record, an X API v2
tweet with the includes it refers to, a Bluesky feed item, a Mastodon status). A later
linkratio may read that JSON better; `reread(stored)` is the post as the current readers
make it, through each reader's own per-record function. What the JSON does not carry is
kept from the stored post: its origin (`source`), an archive post's author (account.js),
an author the JSON leaves out, and a long archive post's text, links and mentions (its body
is in note-tweet.js, which the library does not keep).

`reader_fingerprint()` is a hash of the code that turns JSON into posts: the library
records it, after this linkratio's version, beside each post it saves; a post saved by an
older version, or by this one under another hash, is due for `reread` (one a newer version
saved is not). `READER` hands all three to the store.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

from linkratio._version import __version__
from linkratio.model import Account, Post
from linkratio.store import Library, Reader

log = logging.getLogger(__name__)

READING_FILES: tuple[str, ...] = (
    "model.py",
    "links/__init__.py",
    "sources/common.py",
    "sources/jsonpages.py",
    "sources/lean_post.py",
    "sources/x_tweet.py",
    "sources/x_json.py",
    "sources/x_json_lean.py",
    "sources/bluesky.py",
    "sources/mastodon.py",
    "sources/x_archive/tweets.py",
    "sources/x_archive/notes.py",
    "sources/x_archive/lean.py",
    "sources/x_archive/typed.py",
    "sources/x_archive/kept.py",
    "sources/reread.py",
)
"""The modules (paths inside the package) whose code decides a stored post's columns: the
per-record readers (general and lean), the model and the link parsing they use."""

_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, OverflowError, IndexError)
"""What a reader raises for JSON it cannot read (orjson's errors are ValueErrors)."""


@functools.cache
def reader_fingerprint() -> str:
    """A hash of the code that turns JSON into posts: a change to it makes stored posts due."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for name in READING_FILES:
        try:
            digest.update((package / name).read_bytes())
        except OSError:  # no source shipped: fall back to the version
            digest.update(f"{name} linkratio {_version()}".encode())
    return digest.hexdigest()[:16]


def _version() -> str:
    try:
        return metadata.version("linkratio")
    except metadata.PackageNotFoundError:
        return "unknown"


def reread(stored: Post) -> Post:
    """`stored` read again from its JSON (`stored.raw`) by today's readers.

    ValueError (one line) when it has no JSON, or the JSON no longer reads as that post.
    """
    if stored.raw is None:
        raise ValueError("no stored JSON")
    try:
        value = orjson.loads(stored.raw)
        if not isinstance(value, dict):
            raise TypeError("the stored JSON is not an object")
        fresh = _read(stored.platform, value, stored)
    except RecursionError:
        raise ValueError("the stored JSON is nested too deep") from None
    except _UNREADABLE as e:
        name = type(e).__name__
        detail = f"no field {e}" if isinstance(e, KeyError) else str(e) or name
        raise ValueError(" ".join(detail.split())[:200]) from None
    if fresh.platform != stored.platform or fresh.id != stored.id:
        raise ValueError(f"the stored JSON is of another post ({fresh.id[:60]!r})")
    return replace(
        fresh,
        author_id=fresh.author_id or stored.author_id,
        author_handle=fresh.author_handle or stored.author_handle,
        source=stored.source,
        raw=stored.raw,
    )


def _read(platform: str, value: dict[str, Any], stored: Post) -> Post:
    """The post one platform's reader makes of `value`."""
    if platform == "x":
        return _x_v2(value, stored) if "data" in value else _x_archive(value, stored)
    if platform == "bluesky":
        from linkratio.sources.bluesky import item_to_post

        return item_to_post(value, source=stored.source)
    if platform == "mastodon":
        from linkratio.sources.mastodon import status_to_post

        return status_to_post(value, source=stored.source)
    raise ValueError(f"no reader for the platform {platform[:40]!r}")


def _x_v2(value: dict[str, Any], stored: Post) -> Post:
    """An X API v2 post: `{"data": tweet, "includes": {"users": [...], "tweets": [...]}}`."""
    from linkratio.sources.common import obj, objects
    from linkratio.sources.x_tweet import tweet_to_post

    includes = obj(value.get("includes"), "includes")
    tweets = {str(t.get("id")): t for t in objects(includes.get("tweets"), "includes.tweets")}
    users = {str(u.get("id")): u for u in objects(includes.get("users"), "includes.users")}
    return tweet_to_post(obj(value["data"], "data"), tweets, users, source=stored.source)


def _x_archive(value: dict[str, Any], stored: Post) -> Post:
    """An X archive's tweet record; its author is the archive's owner, as stored."""
    from linkratio.sources.x_archive.tweets import _row as archive_row
    from linkratio.sources.x_archive.tweets import to_post

    owner = Account("x", id=stored.author_id, handle=stored.author_handle)
    post = to_post(archive_row(value, {}), owner)
    if post.text != stored.text and _long_post(post.text, stored.text):
        # The body came from note-tweet.js, which the library does not keep.
        post = replace(post, text=stored.text, links=stored.links, mentions=stored.mentions)
    return post


def _long_post(tweet_text: str, stored_text: str) -> bool:
    """Whether `stored_text` is a long post's body that the cut-off `tweet_text` begins,
    as the archive reader matches a note to its tweet (`notes.take_note`)."""
    from linkratio.sources.x_archive.notes import _note_key, without_trailing_links

    body = without_trailing_links(tweet_text).rstrip().removesuffix("\u2026")
    key = _note_key(body)
    return bool(key) and _note_key(stored_text).startswith(key)


_NOTICED: set[tuple[str, str, str]] = set()
"""(library, platform, account id) a warning already named in this process."""


def notice_due(library: Library, account: Account) -> None:
    """Warn once (a line on stderr, none with --quiet) when other readers read the account's
    stored posts: how many, and the command that reads them again."""
    from linkratio.accounts import account_name, is_id_name

    key = (str(library.path), account.platform, account.id or "")
    if key in _NOTICED or not (due := library.due_posts(account.platform, account.id or "")):
        return
    _NOTICED.add(key)
    name = account_name(account)
    arg = f"@{account.id}" if is_id_name(name) else name  # how `find` takes it
    were = "1 post of {} was" if due == 1 else f"{due:,} posts of {{}} were"
    log.warning(
        "%s read by an older linkratio: run 'linkratio library reread %s' to read %s again",
        were.format(name),
        arg,
        "it" if due == 1 else "them",
    )


READER = Reader(
    fingerprint=lambda: reader_fingerprint(),
    reread=lambda post: reread(post),
    version=__version__,
)
"""How the library reads stored JSON again, and which readers' posts are current (those of
this version and code; a newer version's are never read again: `store.reread`)."""
