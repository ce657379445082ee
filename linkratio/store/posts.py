"""The SQL of posts: rows in and out, edit chains, and the lookups a sync needs.

Functions over an open `sqlite3.Connection`; `Library` calls them, inside its transactions
where they write. A post row holds only what the sources normalized (and the raw JSON):
labels are derived from it, never stored as truth.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import orjson

import linkratio.store.maintenance as maintenance
from linkratio.model import Link, Post, gc_paused, id_key
from linkratio.store.excerpts import NOT_EXCERPT
from linkratio.store.times import from_micros, to_micros

ORIGINS: tuple[str, ...] = ("api", "archive", "file")
"""Where a stored post came from: the X API, an archive import, or saved API data."""


@dataclass(frozen=True, slots=True)
class SaveResult:
    """How many posts a save added, updated in place, and found stored as they were."""

    inserted: int
    updated: int
    unchanged: int = 0


def tool_version() -> str:
    """`linkratio <version>`: the provenance stored beside each post."""
    return _tool_version()


@functools.cache
def _tool_version() -> str:
    try:
        return "linkratio " + metadata.version("linkratio")
    except metadata.PackageNotFoundError:
        return "linkratio unknown"


def to_json(values: Sequence[Any]) -> str:
    """A JSON array of `values` as text ('[]' when empty)."""
    return orjson.dumps(values).decode() if values else "[]"


def _links_json(post_links: Sequence[Link]) -> str:
    if not post_links:
        return "[]"
    items = []
    for link in post_links:
        item: dict[str, Any] = {"url": link.url}
        if link.expanded is not None:
            item["expanded"] = link.expanded
        if link.media:
            item["media"] = True
        items.append(item)
    return orjson.dumps(items).decode()


def _links_of(text: str) -> tuple[Link, ...]:
    if text == "[]":
        return ()
    items = orjson.loads(text)
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and type(i.get("url")) is str for i in items
    ):
        raise TypeError("links is not a JSON array of links")
    return tuple(Link(i["url"], i.get("expanded"), i.get("media", False)) for i in items)


POST_COLUMNS = (
    "platform", "post_id", "account_id", "created_at", "text", "author_id", "author_handle",
    "is_repost", "repost_of_handle", "reply_to_post_id", "reply_to_user_id", "reply_to_handle",
    "quoted_post_id", "quoted_user_id", "quoted_handle", "links", "mentions", "edit_ids",
    "chain_id", "origin", "fetched_at", "tool_version", "reader", "raw",
)  # fmt: skip
"""A post row's columns, `raw` last (`reader`: `linkratio.store.reread`)."""
_INSERT_POST = (
    f"INSERT INTO posts ({', '.join(POST_COLUMNS)}) VALUES ({', '.join('?' * len(POST_COLUMNS))})"
)
_UPSERT_POST = (
    _INSERT_POST
    + " ON CONFLICT (platform, post_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in POST_COLUMNS[2:-1])
    # A save without raw JSON keeps the JSON an earlier save brought.
    + ", raw = coalesce(excluded.raw, posts.raw)"
)
_SELECT_POST = f"SELECT {', '.join(POST_COLUMNS)} FROM posts"
_SELECT_POST_NO_RAW = _SELECT_POST.replace(", raw FROM", ", NULL FROM")


def post_row(
    post: Post, account_id: str, origin: str, fetched: str, reader: str | None
) -> tuple[Any, ...]:
    """The `POST_COLUMNS` values of `post`, stored under the account, read by `reader`."""
    edit_ids = post.edit_ids
    return (
        post.platform, post.id, account_id, to_micros(post.created_at), post.text,
        post.author_id, post.author_handle, int(post.is_repost), post.repost_of_handle,
        post.reply_to_post_id, post.reply_to_user_id, post.reply_to_handle,
        post.quoted_post_id, post.quoted_user_id, post.quoted_handle,
        _links_json(post.links), to_json(post.mentions), to_json(edit_ids),
        min(edit_ids, key=id_key) if len(edit_ids) > 1 else None,
        origin, fetched, tool_version(), reader, post.raw,
    )  # fmt: skip


def _post_of(row: Sequence[Any]) -> Post:
    (platform, post_id, _, created, text, author_id, author_handle, is_repost, repost_of,
     reply_post, reply_user, reply_handle, quoted_post, quoted_user, quoted_handle,
     post_links, mentions, edit_ids, _, origin, _, _, _, raw) = row  # fmt: skip
    if bytes in map(type, row[:-1]):  # the tables are not STRICT; only `raw` is a BLOB
        raise TypeError("a text column holds a BLOB")
    return Post(
        platform=platform, id=post_id, created_at=from_micros(created), text=text,
        author_id=author_id, author_handle=author_handle, is_repost=bool(is_repost),
        repost_of_handle=repost_of, reply_to_post_id=reply_post, reply_to_user_id=reply_user,
        reply_to_handle=reply_handle, quoted_post_id=quoted_post, quoted_user_id=quoted_user,
        quoted_handle=quoted_handle, links=_links_of(post_links),
        mentions=tuple(orjson.loads(mentions)), edit_ids=tuple(orjson.loads(edit_ids)),
        source=origin, raw=raw,
    )  # fmt: skip


def owners(db: sqlite3.Connection, platform: str, ids: list[str]) -> dict[str, str]:
    """The stored posts among `ids`, with the account each is stored under."""
    rows = db.execute(
        "SELECT post_id, account_id FROM posts WHERE platform = ? AND post_id IN"
        " (SELECT value FROM json_each(?))",
        (platform, to_json(ids)),
    )
    return dict(rows.fetchall())


def write_posts(
    db: sqlite3.Connection,
    posts: Sequence[Post],
    account_id: str,
    origin: str,
    fetched: str,
    reader: str | None = None,
) -> tuple[dict[str, str], int]:
    """Insert or update `posts` (read by `reader`) under the account; return the owners they
    had before, and how many of those were stored exactly as given (only the fetch time, and
    the reader, would change)."""
    rows = [post_row(p, account_id, origin, fetched, reader) for p in posts]
    # Into a library without posts (a first import) nothing is known: no look-up of every id.
    known = owners(db, posts[0].platform, [p.id for p in posts]) if posts and has_any(db) else {}
    same = _unchanged(db, [row for row in rows if row[1] in known])
    # A plain INSERT is a quarter faster than the upsert: keep that for new ids.
    db.executemany(_INSERT_POST, [row for row in rows if row[1] not in known])
    db.executemany(_UPSERT_POST, [row for row in rows if row[1] in known])
    return known, same


SAME_UP_TO = POST_COLUMNS.index("fetched_at")
"""Columns before this one are what a post is; a save that changes none of them (and
brings no new raw JSON) leaves the post unchanged."""


def _unchanged(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> int:
    """How many of `rows` (posts already stored) match the stored row."""
    if not rows:
        return 0
    stored = {
        row[1]: row
        for row in db.execute(
            f"SELECT {', '.join(POST_COLUMNS)} FROM posts WHERE platform = ? AND post_id IN"
            " (SELECT value FROM json_each(?))",
            (rows[0][0], to_json([row[1] for row in rows])),
        )
    }
    return sum(
        1
        for row in rows
        if (old := stored.get(row[1])) is not None
        and tuple(old[:SAME_UP_TO]) == row[:SAME_UP_TO]
        and row[-1] in (None, old[-1])
    )


def all_posts(
    db: sqlite3.Connection, platform: str, account_id: str, with_raw: bool = False
) -> list[Post]:
    """Every stored post of the account, superseded edit versions included, in no order."""
    rows = db.execute(
        f"{_SELECT_POST if with_raw else _SELECT_POST_NO_RAW}"
        " WHERE platform = ? AND account_id = ?",
        (platform, account_id),
    )
    with gc_paused():
        return [checked_post_of(db, row) for row in rows]


def checked_post_of(db: sqlite3.Connection, row: Sequence[Any]) -> Post:
    """`_post_of`, or LibraryDamagedError naming the row when its values are garbled."""
    try:
        return _post_of(row)
    except (ValueError, TypeError, OverflowError) as e:  # orjson errors are ValueErrors
        detail = f"post {str(row[1])[:40]!r} of {str(row[0])[:20]!r} is garbled: {e}"
        raise maintenance.damaged(maintenance.file_of(db), detail) from None


def count_posts(db: sqlite3.Connection, platform: str, account_id: str) -> int:
    """How many posts of the account are stored, superseded edit versions included."""
    row = db.execute(
        "SELECT count(*) FROM posts WHERE platform = ? AND account_id = ?",
        (platform, account_id),
    ).fetchone()
    return int(row[0])


def superseded(db: sqlite3.Connection, platform: str, account_id: str) -> set[str]:
    """Ids of stored posts that a newer stored version of the same edit chain replaces."""
    edited = db.execute(
        "SELECT post_id, chain_id FROM posts"
        " WHERE platform = ? AND account_id = ? AND chain_id IS NOT NULL",
        (platform, account_id),
    ).fetchall()
    if not edited:
        return set()
    chains: dict[str, list[str]] = {}
    for post_id, chain in edited:
        chains.setdefault(chain, []).append(post_id)
    # A chain's first post may name only itself, so its own chain_id is NULL.
    heads = db.execute(  # CROSS JOIN: look the few ids up, never scan the account
        "SELECT p.post_id FROM json_each(?) AS j CROSS JOIN posts AS p"
        " ON p.platform = ? AND p.post_id = j.value"
        " WHERE p.account_id = ? AND p.chain_id IS NULL",
        (to_json(sorted(chains)), platform, account_id),
    )
    for (post_id,) in heads:
        chains[post_id].append(post_id)
    dropped: set[str] = set()
    for members in chains.values():
        newest = max(members, key=id_key)
        dropped.update(m for m in members if m != newest)
    return dropped


def stored_post_ids(
    db: sqlite3.Connection, platform: str, account_id: str, ids: Sequence[str]
) -> set[str]:
    """Those of `ids` that the library stores as posts of this account from its timeline
    (not an excerpt: `linkratio.store.excerpts`)."""
    if not ids:
        return set()
    rows = db.execute(
        f"SELECT post_id FROM posts WHERE platform = ? AND account_id = ? AND {NOT_EXCERPT}"
        " AND post_id IN (SELECT value FROM json_each(?))",
        (platform, account_id, orjson.dumps(list(ids)).decode()),
    )
    return {row[0] for row in rows}


def has_any(db: sqlite3.Connection) -> bool:
    """True when the library stores at least one post, of any account."""
    return db.execute("SELECT 1 FROM posts LIMIT 1").fetchone() is not None


def has_posts(db: sqlite3.Connection, platform: str, account_id: str) -> bool:
    """True when the library stores a post of this account from its timeline (no excerpt)."""
    row = db.execute(
        f"SELECT 1 FROM posts WHERE platform = ? AND account_id = ? AND {NOT_EXCERPT} LIMIT 1",
        (platform, account_id),
    ).fetchone()
    return row is not None


def newest_post_id(db: sqlite3.Connection, platform: str, account_id: str) -> str | None:
    """The account's newest post id (snowflake order) stored from its timeline (an archive,
    the API or a timeline file; not an excerpt): since_id."""
    row = db.execute(
        f"SELECT post_id FROM posts WHERE platform = ? AND account_id = ? AND {NOT_EXCERPT}"
        " ORDER BY length(post_id) DESC, post_id DESC LIMIT 1",
        (platform, account_id),
    ).fetchone()
    return row[0] if row is not None else None
