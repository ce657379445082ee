"""Which day to make a day of only talking: the one rule behind the nudge, the weekly
summary and `challenge set --suggest`.

The history is the last `HISTORY_WEEKS` weeks of posting days before today (today is not
over yet): when the data ends earlier, the 8 weeks up to its last posting day, so a stale
library still speaks from its most recent posts. The pick is the weekday whose posting days
were most often talk-only (then the lower link share, then the higher talk share, then
the sooner), and the
day named is the next such weekday after today. Below `MIN_POSTING_DAYS` posting days, or
without a weekday of `MIN_WEEKDAY_DAYS` posting days, there is too little data to pick one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

import pandas as pd

from linkratio.analysis.period import day_table, period_days
from linkratio.analysis.results import WEEKDAYS

HISTORY_WEEKS = 8
"""How many weeks of posting the pick looks at."""
MIN_POSTING_DAYS = 14
"""Posting days the history needs before a weekday is picked."""
MIN_WEEKDAY_DAYS = 4
"""Posting days a weekday needs in the history to be picked."""
STALE_DAYS = 7
"""A last post more than this many days before today is worth saying."""
_LAST_PICKABLE = date.max - timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """The next day of only talking, why it was picked, and the facts behind it."""

    day: date | None
    """The next day on the picked weekday after today; None: too little data to pick."""
    weekday: str | None
    reason: str
    """One line explaining the pick, or how many days a pick needs."""
    talk_share: float | None = None
    """Of the picked weekday in the history: conversation / posts."""
    link_share: float | None = None
    talk_only_days: int = 0
    posting_days: int = 0
    """Posting days of the picked weekday in the history."""
    history_days: int = 0
    """Posting days in the whole history."""
    last_post: date | None = None
    """The last posting day before today."""
    days_since_post: int | None = None
    """Days from `last_post` to today."""


def posting_days(df: pd.DataFrame, zone: tzinfo) -> pd.DataFrame:
    """One row per posting day of the post frame in `zone` (see `period.day_table`)."""
    if df.empty:
        return day_table(pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "category": []}))
    day, _ = period_days(df, zone, None, None)
    return day_table(pd.DataFrame({"day": day.to_numpy(), "category": df["category"].to_numpy()}))


def pick_day(days: pd.DataFrame, today: date, weeks: int = HISTORY_WEEKS) -> Suggestion:
    """The next day to make a day of only talking, from the posting days `days` (a day table)."""
    today = min(today, _LAST_PICKABLE)
    before = days[days.index < today]
    if before.empty:
        return Suggestion(None, None, f"no posts before {today}: a pick needs a history")
    last = before.index[-1]
    history = before[before.index > last - timedelta(weeks=weeks)]
    since = (today - last).days
    facts = {"history_days": len(history), "last_post": last, "days_since_post": since}
    table = _weekday_table(history)
    able = table[table["pdays"] >= MIN_WEEKDAY_DAYS]
    if len(history) < MIN_POSTING_DAYS or able.empty:
        return Suggestion(None, None, _too_little(len(history), weeks, last), **facts)
    able = able.assign(ahead=[(wd - today.weekday() - 1) % 7 for wd in able.index])
    best = able.sort_values(
        ["rate", "link_share", "share", "ahead"],
        ascending=[False, True, False, True],
        kind="stable",
    )
    wd, row = int(best.index[0]), best.iloc[0]
    name = WEEKDAYS[wd]
    reason = (
        f"{name}s were talk-only on {int(row['tonly'])} of {int(row['pdays'])} posting days "
        f"in the {weeks} weeks to {last}, with {row['link_share']:.0%} of posts linking: "
        "the closest of your weekdays to a day of only talking"
    )
    return Suggestion(
        today + timedelta(days=int(row["ahead"]) + 1),
        name,
        reason + (f"; {note}" if (note := stale_note(last, since)) else ""),
        float(row["share"]),
        float(row["link_share"]),
        int(row["tonly"]),
        int(row["pdays"]),
        **facts,
    )


def _weekday_table(days: pd.DataFrame) -> pd.DataFrame:
    """Per weekday (0 = Monday): posting days, talk-only days, talk and link shares."""
    weekday = pd.Series([d.weekday() for d in days.index], index=days.index, dtype="int64")
    table = days.groupby(weekday).agg(
        pdays=("posts", "size"),
        tonly=("talk_only", "sum"),
        posts=("posts", "sum"),
        talk=("talk", "sum"),
        link=("link", "sum"),
    )
    table["rate"] = table["tonly"] / table["pdays"]
    table["share"] = table["talk"] / table["posts"]
    table["link_share"] = table["link"] / table["posts"]
    return table


def _too_little(found: int, weeks: int, last: date) -> str:
    return (
        f"too little data to pick a day: {found} posting day{'s' * (found != 1)} in the "
        f"{weeks} weeks to {last}; a pick needs {MIN_POSTING_DAYS}, with "
        f"{MIN_WEEKDAY_DAYS} on one weekday"
    )


def stale_note(last: date | None, days_ago: int | None, whose: str = "your") -> str:
    """`your last post was N days ago (DATE)` when N is over `STALE_DAYS`, else ''.

    `whose` names whose last post it is ("the period's" when a period ends before the data).
    """
    if last is None or days_ago is None or days_ago <= STALE_DAYS:
        return ""
    return f"{whose} last post was {days_ago:,} days ago ({last})"
