"""The days a cohort query covers: its zone and either end, read and checked once."""

from __future__ import annotations

from datetime import date
from typing import TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from linkratio.days import as_date
from linkratio.errors import InputError
from linkratio.wording import Names, named


class Period(TypedDict, total=False):
    """The days a query covers, in the zone `tz` (default UTC); either end may be open."""

    tz: str
    """An IANA time zone name: the days and weeks are counted in it."""
    since: date | str | None
    """The first day kept (inclusive; a `date`, a timestamp or YYYY-MM-DD)."""
    until: date | str | None
    """The last day kept (inclusive)."""


def period_of(period: Period, names: Names | None = None) -> Period:
    """`period` checked, its days read as dates in its zone (`days.as_date`: a date, a
    timestamp, text); InputError naming a bad one as the caller does (`names`)."""
    tz = period.get("tz", "UTC")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(f"unknown time zone {tz!r}: expected an IANA name such as UTC") from None
    start, end = as_date(period.get("since"), zone), as_date(period.get("until"), zone)
    if start is not None and end is not None and start > end:
        since, until = named("since", names, str(start)), named("until", names, str(end))
        raise InputError(f"{since} is after {until}")
    return {"tz": tz, "since": start, "until": end}
