"""Talk-only days, streaks, the weekly rows and the nudge: what the posting days say."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from linkratio.analysis.period import ratio
from linkratio.analysis.results import WEEKDAYS, WEEKS, Nudge, Streak, TalkOnlyDays, Week


def talk_only_days(days: pd.DataFrame, end: date) -> TalkOnlyDays:
    """Count talk-only days and find the streaks among posting days."""
    flags = days["talk_only"]
    runs = (flags != flags.shift()).cumsum()
    only = pd.Series(days.index[flags.to_numpy()], index=runs[flags].to_numpy())
    if only.empty:
        return TalkOnlyDays(0, len(days), Streak(0), Streak(0), None, None)
    spans = only.groupby(level=0).agg(["first", "last", "size"])
    best = spans[spans["size"] == spans["size"].max()].iloc[-1]
    longest = Streak(int(best["size"]), best["first"], best["last"])
    current = Streak(0)
    if flags.iloc[-1]:
        cur = spans.loc[runs.iloc[-1]]
        current = Streak(int(cur["size"]), cur["first"], cur["last"])
    last = only.iloc[-1]
    return TalkOnlyDays(int(flags.sum()), len(days), longest, current, last, (end - last).days)


def week_rows(days: pd.DataFrame, end: date) -> tuple[Week, ...]:
    """The last `WEEKS` ISO weeks ending with the week of `end`, oldest first."""
    last_monday = end - timedelta(days=end.weekday())
    starts = [last_monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    monday = [d - timedelta(days=d.weekday()) for d in days.index]
    per_week = days[["posts", "talk"]].groupby(monday).sum().reindex(starts, fill_value=0)
    rows = []
    for start, (n, talk) in zip(starts, per_week.itertuples(index=False), strict=True):
        year, week, _ = start.isocalendar()
        n, talk = int(n), int(talk)
        rows.append(Week(f"{year}-W{week:02d}", start, n, talk, ratio(talk, n)))
    return tuple(rows)


def _next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def nudge(days: pd.DataFrame, talk: int, linking: int, talk_only: TalkOnlyDays, end: date) -> Nudge:
    """Pick one concrete next step: praise, a first talking day, or the best weekday."""
    tomorrow = end + timedelta(days=1)
    when = f"{WEEKDAYS[tomorrow.weekday()]}, {tomorrow}"
    if not linking:
        text = (
            f": every posting day was talk or your own posts. Keep it that way on {when}."
            if talk
            else f", but no talking either: reply to someone on {when} and make "
            "it a day of only talking."
        )
        return Nudge(f"No links or retweets at all in this period{text}", "no_links", tomorrow)
    if not talk:
        return Nudge(
            f"None of your posts in this period was talking: on {when}, reply to "
            f"people and share no links, a first day of only talking.",
            "no_talk",
            tomorrow,
        )
    return _weekday_nudge(days, talk_only, end)


def _weekday_nudge(days: pd.DataFrame, talk_only: TalkOnlyDays, end: date) -> Nudge:
    """Name the weekday whose posting days were most often talk-only, then by talk share."""
    weekday = pd.Series([d.weekday() for d in days.index], index=days.index)
    by_day = days.groupby(weekday).agg(
        pdays=("posts", "size"),
        tonly=("talk_only", "sum"),
        posts=("posts", "sum"),
        talk=("talk", "sum"),
    )
    by_day["rate"] = by_day["tonly"] / by_day["pdays"]
    by_day["share"] = by_day["talk"] / by_day["posts"]
    best = by_day.sort_values(["rate", "share", "pdays"], ascending=False, kind="stable")
    wd, row = int(best.index[0]), best.iloc[0]
    name, target = WEEKDAYS[wd], _next_weekday(end, wd)
    facts = f"{row['share']:.1%} talk"
    if row["tonly"]:
        facts += f", {int(row['tonly'])} of {int(row['pdays'])} talk-only"
    text = (
        f"{name}s are already your most talkative day ({facts}): "
        f"make next {name}, {target}, a day of only talking."
    )
    if talk_only.last is None:
        text += " You had no talk-only day in this period yet."
    elif talk_only.days_since_last == 0:
        text += f" Your last posting day was talk-only ({talk_only.last}): keep it going."
    else:
        n = talk_only.days_since_last
        text += f" Your last talk-only day was {talk_only.last}, {n} day{'s' * (n != 1)} before"
        text += f" {end}."
    return Nudge(
        text,
        "weekday",
        target,
        name,
        float(row["share"]),
        int(row["tonly"]),
        int(row["pdays"]),
        talk_only.last,
        talk_only.days_since_last,
    )
