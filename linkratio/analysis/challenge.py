"""The talk-only-day challenge: how a challenge day went, and which day to pick next.

Pure: pandas in, plain data out. A challenge day is a local date in a time zone; it is
talk-only when it holds at least one conversation post and no link or retweet
(TAXONOMY.md, "Days and ratios"). A day without posts is neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import pandas as pd

from linkratio.analysis import WEEKDAYS, period_days
from linkratio.model import LINKING, TALK

HISTORY_WEEKS = 8
"""How many weeks before today `suggest_day` looks at."""
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
    `no posts` or `not yet`."""
    posts: int
    conversation: int
    breakers: tuple[Breaker, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """The next challenge day and why it was picked."""

    day: date
    weekday: str
    reason: str
    """One line explaining the pick."""


def outcome(df: pd.DataFrame, day: date, zone: tzinfo, today: date) -> Outcome:
    """How the challenge on `day` (a local day in `zone`) went, as seen on `today`."""
    if day > today:
        return Outcome(day, NOT_YET, 0, 0)
    if df.empty:
        return Outcome(day, NO_POSTS, 0, 0)
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
    if posts.empty:
        status = NO_POSTS
    elif breakers:
        status = BROKEN
    else:
        status = TALK_ONLY if talk else NO_TALK
    return Outcome(day, status, len(posts), talk, breakers)


def _weekday_table(df: pd.DataFrame, zone: tzinfo, first: date, last: date) -> pd.DataFrame:
    """Per weekday (0 = Monday) of [first, last]: posting days, talk-only days, link share."""
    day, keep = period_days(df, zone, first, last)
    posts = pd.DataFrame(
        {
            "day": day.to_numpy()[keep],
            "talk": df["category"].to_numpy()[keep] == TALK,
            "link": pd.Series(df["category"].to_numpy()[keep]).isin(LINKING).to_numpy(),
        }
    )
    days = posts.groupby("day").agg(n=("talk", "size"), talk=("talk", "sum"), link=("link", "sum"))
    days["talk_only"] = (days["talk"] > 0) & (days["link"] == 0)
    days["weekday"] = pd.DatetimeIndex(days.index).day_of_week
    table = days.groupby("weekday").agg(
        pdays=("n", "size"), tonly=("talk_only", "sum"), posts=("n", "sum"), links=("link", "sum")
    )
    table["rate"] = table["tonly"] / table["pdays"]
    table["link_share"] = table["links"] / table["posts"]
    return table


def suggest_day(
    df: pd.DataFrame,
    zone: tzinfo,
    today: date,
    weeks: int = HISTORY_WEEKS,
    last: date | None = None,
) -> Suggestion:
    """The next day after `today` on the weekday closest to talk-only in the last `weeks`.

    The history is the `weeks` x 7 complete days ending on `last` (default the day before
    `today`: today is not over yet). Closest means the highest share of talk-only posting
    days, then the lowest link share (links and retweets / posts), then the soonest.
    Without posts in that window the pick is tomorrow.
    """
    last = today - timedelta(days=1) if last is None else last
    first = last - timedelta(weeks=weeks) + timedelta(days=1)
    table = _weekday_table(df, zone, first, last) if not df.empty else pd.DataFrame()
    if table.empty:
        tomorrow = today + timedelta(days=1)
        return Suggestion(
            tomorrow,
            WEEKDAYS[tomorrow.weekday()],
            f"no posts in the {weeks} weeks up to {last}: start tomorrow",
        )
    table["ahead"] = [(wd - today.weekday() - 1) % 7 for wd in table.index]
    best = table.sort_values(
        ["rate", "link_share", "ahead"], ascending=[False, True, True], kind="stable"
    )
    wd, row = int(best.index[0]), best.iloc[0]
    day = today + timedelta(days=int(row["ahead"]) + 1)
    name = WEEKDAYS[wd]
    reason = (
        f"{name}s were talk-only on {int(row['tonly'])} of {int(row['pdays'])} posting days "
        f"in the last {weeks} weeks, with {row['link_share']:.0%} of posts linking: "
        "the closest of your weekdays to a day of only talking"
    )
    return Suggestion(day, name, reason)
