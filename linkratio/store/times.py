"""The one format of every time the store writes, and the functions that read it back.

Times are ISO 8601 in UTC with microseconds and a `Z`, `2024-05-01T09:27:19.000000Z`: one
fixed width, so SQL compares and sorts them as text. A post's `created_at` and the frame
cache hold integer microseconds since 1970 instead (they are sorted and scanned in bulk).
"""

from __future__ import annotations

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
