"""Days as a person writes them: ISO dates, never a week taken for its Monday; and the one
reading of a day a Python caller hands over (a date, a timestamp, numpy's datetime64, text)."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, tzinfo

from linkratio.errors import InputError

FIRST_DAY, LAST_DAY = date(1000, 1, 1), date(9998, 12, 31)
"""The days a date option takes: a week more or less than any of them is still a date."""
_WEEK = re.compile(r"\d{4}-?W\d{2}", re.IGNORECASE)
"""An ISO week without its day: `date.fromisoformat` reads it as that week's Monday."""


def iso_day(text: str) -> date:
    """`text` as a day (YYYY-MM-DD, or another ISO form of one day); ValueError otherwise.

    A bare week (`2024-W52`) is refused: read as its Monday, `--until 2024-W52` kept one day
    of the week a person meant.
    """
    if isinstance(text, str) and _WEEK.fullmatch(text.strip()):  # else fromisoformat refuses
        raise ValueError(f"{text!r} is a week, not a day: give its days, e.g. 2024-12-23")
    return date.fromisoformat(text)


def as_date(value: object, zone: tzinfo | None = None) -> date | None:
    """`value` as a day, wherever the library takes one (`since=`, `until=`, a week's day).

    A date is itself; a datetime (pandas' Timestamp too) its date part, an aware one its
    day in `zone` when given (the moment it names); numpy's datetime64 is read as a naive
    datetime (it has no zone); text is an ISO day (YYYY-MM-DD) or an ISO moment, read as a
    datetime. None stays None; InputError for anything else (NaT, a week, a number).
    """
    day = _from_text(value) if isinstance(value, str) else value
    if (np := sys.modules.get("numpy")) is not None and isinstance(day, np.datetime64):
        # microseconds: a datetime's own precision; NaT and years past 9999 give no datetime
        day = day.astype("datetime64[us]").item()
    if isinstance(day, datetime) and day == day:  # pandas' NaT is a datetime equal to nothing
        return (day.astimezone(zone) if zone and day.tzinfo else day).date()
    if value is None or (isinstance(day, date) and not isinstance(day, datetime)):
        return day  # type: ignore[return-value]  # None, or a date
    shown = repr(value)
    raise InputError(
        f"{shown if len(shown) <= 60 else shown[:59] + '…'} is not a day: expected YYYY-MM-DD"
    )


def is_day(value: object) -> bool:
    """Whether `value` is a day (or None) as `as_date` reads it."""
    try:
        as_date(value)
    except InputError:
        return False
    return True


def _from_text(text: str) -> object:
    """An ISO day, or an ISO moment (`2024-12-31 10:00:00+00:00`, as a Timestamp prints);
    `text` itself when it is neither (a week, which either would misread, included)."""
    try:
        return iso_day(text)
    except ValueError:
        pass
    if not _WEEK.fullmatch(text.strip()):  # a bare week: fromisoformat takes its Monday
        try:
            return datetime.fromisoformat(text.strip())
        except ValueError:
            pass
    return text
