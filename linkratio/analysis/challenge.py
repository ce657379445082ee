"""The talk-only-day challenge: how a challenge day went, and which day to pick next.

Pure: pandas in, plain data out. A challenge day is a local date in a time zone; it is
talk-only when it holds at least one conversation post and no link or retweet
(TAXONOMY.md, "Days and ratios"). A day without posts is neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import pandas as pd

from linkratio.analysis import period_days
from linkratio.analysis.pick import HISTORY_WEEKS, Suggestion, pick_day, posting_days
from linkratio.model import LINKING, TALK

__all__ = [
    "BROKEN",
    "HISTORY_WEEKS",
    "NOT_YET",
    "NO_POSTS",
    "NO_TALK",
    "TALK_ONLY",
    "Breaker",
    "Outcome",
    "Suggestion",
    "outcome",
    "suggest_day",
]
TALK_ONLY = "talk-only"
BROKEN = "broken"
NO_POSTS = "no posts"
NOT_YET = "not yet"
NO_TALK = "no talk"


@dataclass(frozen=True)
class Breaker:
    """A post that broke a challenge day: a link or a retweet."""

    created_at: datetime
    """UTC."""
    category: str
    kind: str
    text: str


@dataclass(frozen=True)
class Outcome:
    """How one challenge day went."""

    day: date
    status: str
    """`talk-only`, `broken` (a link or retweet), `no talk` (posts, none talking),
    `no posts` or `not yet` (a day to come, or today when nothing broke it so far: its
    posts so far are counted)."""
    posts: int
    conversation: int
    breakers: tuple[Breaker, ...] = ()


def outcome(df: pd.DataFrame, day: date, zone: tzinfo, today: date) -> Outcome:
    """How the challenge on `day` (a local day in `zone`) went, as seen on `today`.

    Only `broken` is final before the day ends: on `today` it is `not yet` otherwise.
    """
    if day > today:
        return Outcome(day, NOT_YET, 0, 0)
    if df.empty:
        return Outcome(day, NOT_YET if day == today else NO_POSTS, 0, 0)
    _, keep = period_days(df, zone, day, day)
    posts = df.loc[keep]
    category = posts["category"].astype(str)
    talk = int((category == TALK).sum())
    broke = posts[category.isin(LINKING).to_numpy()]
    breakers = tuple(
        Breaker(
            pd.Timestamp(row.created_at).to_pydatetime(),
            str(row.category),
            str(row.kind),
            str(row.text) if isinstance(row.text, str) else "",
        )
        for row in broke.sort_values("created_at").itertuples()
    )
    if breakers:
        status = BROKEN
    elif day == today:  # a link may still come
        status = NOT_YET
    elif posts.empty:
        status = NO_POSTS
    else:
        status = TALK_ONLY if talk else NO_TALK
    return Outcome(day, status, len(posts), talk, breakers)


def suggest_day(
    df: pd.DataFrame, zone: tzinfo, today: date, weeks: int = HISTORY_WEEKS
) -> Suggestion:
    """The next day after `today` to make a day of only talking: `pick.pick_day` on `df`.

    `day` is None when there is too little data to pick one; `reason` then says how many
    posting days a pick needs.
    """
    return pick_day(posting_days(df, zone), today, weeks)
