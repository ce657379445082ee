"""Helpers every source shares: time parsing, duplicate and edit collapsing."""

from __future__ import annotations

from datetime import UTC, datetime

# collapse and gc_paused live in model (the store needs them too); sources import them here.
from linkratio.model import collapse, gc_paused

__all__ = ["collapse", "gc_paused", "parse_time"]

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
    """Parse an ISO 8601 (`2021-05-01T09:27:19.000Z`) or archive (`Sat Nov 09 ...`) time as UTC."""
    if not value[:1].isdigit():
        return _archive_time(value)
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
