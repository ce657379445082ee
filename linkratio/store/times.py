"""The one format of every time the store writes, and the functions that read it back.

Times are ISO 8601 in UTC with microseconds and a `Z`, `2024-05-01T09:27:19.000000Z`: one
fixed width, so SQL compares and sorts them as text. A post's `created_at` and the frame
cache hold integer microseconds since 1970 instead (they are sorted and scanned in bulk).
The migration to version 5 (`V5_ONE_TIME_FORMAT`) rewrote the older formats in this one.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""The zero of the integer microsecond times."""
_MICROSECOND = timedelta(microseconds=1)


def to_db_time(when: datetime) -> str:
    """`when` as the store writes it: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, in UTC."""
    if when.tzinfo is None:
        raise ValueError(f"{when!r} is naive: library times must be timezone-aware")
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db_time(value: str | None) -> datetime | None:
    """A stored time as an aware UTC datetime (older ISO formats too); None for NULL or ''."""
    if not value:
        return None
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def to_micros(when: datetime) -> int:
    """`when` as integer microseconds since 1970-01-01 UTC."""
    return (when - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    """Integer microseconds since 1970-01-01 UTC as an aware datetime."""
    return EPOCH + value * _MICROSECOND


TIMESTAMPS: tuple[tuple[str, str], ...] = (
    ("accounts", "first_seen"),
    ("accounts", "updated_at"),
    ("posts", "fetched_at"),
    ("cursors", "updated_at"),
    ("syncs", "at"),
    ("deliveries", "delivered_at"),
    ("challenges", "set_at"),
    ("link_resolutions", "resolved_at"),
    ("link_resolutions", "retry_after"),
    ("redirect_hosts", "first_seen"),
)
"""Every TEXT column that holds a time (a post's created_at is integer microseconds)."""


def _in_db_time(value: str | bytes | int | float) -> str | bytes | int | float:
    """One stored time rewritten in the `to_db_time` format; a value that is no time is kept."""
    try:
        when = from_db_time(value)  # type: ignore[arg-type]  # a garbled cell: any type
    except (ValueError, TypeError):
        return value
    return to_db_time(when) if when is not None else value


def _one_time_format(db: sqlite3.Connection) -> None:
    """Rewrite every stored time in the one format of `to_db_time`.

    Up to version 4 the library wrote three: `isoformat()` (`+00:00`, microseconds only
    when not zero), `isoformat(timespec="seconds")` and `%Y-%m-%dT%H:%M:%SZ`.
    """
    db.create_function("linkratio_db_time", 1, _in_db_time, deterministic=True)
    for table, column in TIMESTAMPS:
        db.execute(
            f"UPDATE {table} SET {column} = linkratio_db_time({column})"
            f" WHERE {column} IS NOT NULL AND NOT ({column} LIKE '%Z' AND length({column}) = 27)"
        )


V5_ONE_TIME_FORMAT = (_one_time_format,)
"""The migration to schema version 5: every stored time in the one format."""
