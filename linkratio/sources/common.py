"""Helpers every source shares: time parsing, duplicate and edit collapsing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from linkratio.model import Post

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def _archive_time(value: str) -> datetime:
    # "Sat Nov 09 12:14:18 +0000 2024", sliced by hand: strptime costs 10x more per post.
    try:
        day, clock, offset, year = value[8:10], value[11:19], value[20:25], value[26:30]
        dt = datetime(
            int(year),
            _MONTHS[value[4:7]],
            int(day),
            int(clock[0:2]),
            int(clock[3:5]),
            int(clock[6:8]),
            tzinfo=UTC,
        )
    except (KeyError, ValueError, IndexError):
        return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    if offset != "+0000":
        sign = -1 if offset[0] == "-" else 1
        dt -= sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return dt


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 (`2021-05-01T09:27:19.000Z`) or archive (`Sat Nov 09 ...`) time as UTC."""
    if not value[:1].isdigit():
        return _archive_time(value)
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
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
