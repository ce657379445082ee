"""Days as a person writes them: ISO dates, never a week taken for its Monday."""

from __future__ import annotations

import re
from datetime import date

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
