"""Helpers every source shares: time parsing, duplicate and edit collapsing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from linkratio.model import Post

_ARCHIVE_TIME = "%a %b %d %H:%M:%S %z %Y"


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 (`2021-05-01T09:27:19.000Z`) or archive (`Sat Nov 09 ...`) time as UTC."""
    if value[:1].isdigit():
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        dt = datetime.strptime(value, _ARCHIVE_TIME)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _id_key(post_id: str) -> tuple[int, str]:
    return (len(post_id), post_id)


def collapse(posts: Iterable[Post]) -> list[Post]:
    """Keep one post per id and, of each edit chain, only the newest version present.

    The result is in time order (creation time, then id).
    """
    by_id: dict[str, Post] = {}
    for post in posts:
        by_id[post.id] = post
    latest: dict[str, Post] = {}
    for post in by_id.values():
        chain = min(post.edit_ids, key=_id_key) if len(post.edit_ids) > 1 else post.id
        kept = latest.get(chain)
        if kept is None or _id_key(post.id) > _id_key(kept.id):
            latest[chain] = post
    return sorted(latest.values(), key=lambda p: (p.created_at, _id_key(p.id)))
