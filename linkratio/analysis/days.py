"""Talk-only days, streaks, the weekly rows and the nudge: what the posting days say."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from linkratio.analysis.period import ratio
from linkratio.analysis.pick import HISTORY_WEEKS, Suggestion, stale_note
from linkratio.analysis.results import WEEKS, Nudge, Streak, TalkOnlyDays, Week


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


def week_rows(days: pd.DataFrame, first: date, last: date) -> tuple[Week, ...]:
    """The last `WEEKS` ISO weeks ending with the week of `last`, oldest first.

    [first, last] is what both the period and the data cover: a week wholly outside it is
    left out, not shown empty, and a week it covers in part says how many days (`days`).
    """
    last_monday = last - timedelta(days=last.weekday())
    starts = [last_monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    starts = [s for s in starts if s + timedelta(days=6) >= first]
    monday = [d - timedelta(days=d.weekday()) for d in days.index]
    per_week = days[["posts", "talk"]].groupby(monday).sum().reindex(starts, fill_value=0)
    rows = []
    for start, (n, talk) in zip(starts, per_week.itertuples(index=False), strict=True):
        year, week, _ = start.isocalendar()
        n, talk = int(n), int(talk)
        covered = (min(last, start + timedelta(days=6)) - max(first, start)).days + 1
        rows.append(Week(f"{year}-W{week:02d}", start, n, talk, ratio(talk, n), covered))
    return tuple(rows)


def nudge(talk: int, linking: int, talk_only: TalkOnlyDays, pick: Suggestion, end: date) -> Nudge:
    """One concrete next step on the day `pick` names: praise, a first talking day, a weekday."""
    rule, text = _rule_text(talk, linking, pick)
    if pick.day is None:
        text = " ".join(filter(None, (text, f"{pick.reason[0].upper()}{pick.reason[1:]}.")))
    note = stale_note(pick.last_post, pick.days_since_post)
    if rule in ("weekday", "too_little_data"):
        text += _talk_only_text(talk_only, end, bool(note))
    if note:
        text += f" Note: {note}."
    return Nudge(
        text,
        rule,
        pick.day,
        pick.weekday,
        pick.talk_share,
        pick.talk_only_days if pick.day else None,
        pick.posting_days if pick.day else None,
        talk_only.last,
        talk_only.days_since_last,
        pick.last_post,
        pick.days_since_post,
    )


def _rule_text(talk: int, linking: int, pick: Suggestion) -> tuple[str, str]:
    """Which rule speaks (`no_links`, `no_talk`, `weekday`), and what it says."""
    when = f"{pick.weekday}, {pick.day}" if pick.day else ""
    on = f" on {when}" if when else ""
    if not linking and talk:
        return "no_links", (
            "No links or retweets at all in this period: every posting day was talk or your "
            f"own posts. Keep it that way{on}."
        )
    if not linking:
        return "no_links", (
            "No links or retweets at all in this period, but no talking either: reply to "
            f"someone{on} and make it a day of only talking."
        )
    if not talk:
        return "no_talk", (
            f"None of your posts in this period was talking: {f'on {when}, ' if when else ''}"
            "reply to people and share no links, a first day of only talking."
        )
    if pick.day is None:
        return "too_little_data", ""
    # The pick is the weekday most often talk-only (`pick_day`), not the one that talked
    # most: another may have a higher talk share, so the text claims only the former.
    facts = f"{pick.talk_share:.1%} talk"
    if pick.talk_only_days:
        facts = f"{pick.talk_only_days} of {pick.posting_days} talk-only, {facts}"
    return "weekday", (
        f"Of your weekdays, {pick.weekday}s come closest to only talking ({facts} in the "
        f"{HISTORY_WEEKS} weeks to {pick.last_post}): make {when}, a day of only talking."
    )


def _talk_only_text(talk_only: TalkOnlyDays, end: date, stale: bool = False) -> str:
    """The sentence on the period's last talk-only day (no "keep it going" after a silence)."""
    if talk_only.last is None:
        return " You had no talk-only day in this period yet."
    n = talk_only.days_since_last or 0
    if n == 0:
        keep = "." if stale else ": keep it going."
        return f" Your last posting day was talk-only ({talk_only.last}){keep}"
    return f" Your last talk-only day was {talk_only.last}, {n} day{'s' * (n != 1)} before {end}."
