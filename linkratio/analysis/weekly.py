"""The weekly summary: one ISO week compared with the week before and the 8 weeks before it.

Pure: the post frame in, a plain `WeekSummary` out. Weeks are ISO weeks (Monday to
Sunday) of local days in the user's zone, so a week across a DST change still holds
seven local days, and the ISO year of a week can differ from its Monday's calendar year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

import pandas as pd

from linkratio.analysis import (
    Ranked,
    day_table,
    jsonable,
    resolve_zone,
    select_posts,
    site_names,
    talk_only_days,
    top_partners,
)
from linkratio.analysis.challenge import Outcome, Suggestion, outcome, suggest_day
from linkratio.analysis.period import stored_zone
from linkratio.analysis.series import fading_ties
from linkratio.errors import EmptyDataError, InputError
from linkratio.model import LINKING, TALK

HISTORY = 12
"""Weeks the chart and the history cover, this week included."""
BASELINE = 8
"""How many weeks right before this one the mean covers."""
FADING = 5
"""How many fading ties the summary lists."""
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
YEARS = (1000, 9998)
"""The ISO years a week may be of: the summary's 12 weeks and the week's end stay in
Python's calendar (and in the days --since/--until take)."""


@dataclass(frozen=True)
class WeekStats:
    """The numbers of one week."""

    week: str
    """`YYYY-Www`."""
    start: date
    posts: int
    conversation: int
    linking: int
    talk_share: float | None
    """None when the week has no posts."""
    talk_to_link: float | None
    """None when the week has no link or retweet ("no links")."""
    talk_only_days: int
    posting_days: int
    streak: int
    """The longest run of talk-only posting days inside the week."""


@dataclass(frozen=True)
class Baseline:
    """The mean of the weeks before: posts over all weeks, ratios over weeks that have them."""

    weeks: int
    """How many weeks the mean covers: up to `BASELINE`, none before the first post."""
    posts: float
    talk_share: float | None
    talk_to_link: float | None
    talk_only_days: float
    streak: float


@dataclass(frozen=True)
class Fading:
    """An account talked with often before, but not in the last 60 days."""

    account: str
    replies_before: int
    days_since: int


@dataclass(frozen=True)
class WeekSummary:
    """Everything the weekly summary shows."""

    account: str
    """How the account is named: `@handle` for X."""
    week: str
    start: date
    end: date
    tz: str
    this: WeekStats
    previous: WeekStats
    baseline: Baseline
    history: tuple[WeekStats, ...]
    """The last `HISTORY` weeks, oldest first, this week last."""
    new_sites: tuple[str, ...]
    """Sites linked this week that no earlier post linked."""
    partners: tuple[Ranked, ...]
    fading: tuple[Fading, ...]
    nudge: str
    challenges: tuple[Outcome, ...]
    next_challenge: Suggestion | None
    stale: str | None = None
    """Set when the data may be out of date: no post since before the week (`no posts since
    2024-12-31 (last sync ...)`), or a failed --sync. Says why; the run exits 1."""
    last_post: date | None = None
    """The account's last posting day (local), as far as the library knows."""


def parse_week(text: str) -> date:
    """The Monday of the ISO week `YYYY-Www` (e.g. 2026-W47); InputError if there is none."""
    m = _WEEK.fullmatch(text.strip())
    if not m:
        raise InputError(f"invalid week {text!r}: expected YYYY-Www, such as 2026-W47")
    if not YEARS[0] <= int(m[1]) <= YEARS[1]:  # its history must stay inside the calendar
        raise InputError(f"invalid week {text!r}: expected a year from {YEARS[0]} to {YEARS[1]}")
    try:
        return date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError:
        raise InputError(f"invalid week {text!r}: {m[1]} has no ISO week {int(m[2])}") from None


def week_label(monday: date) -> str:
    """`YYYY-Www` of the ISO week holding `monday`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_complete_week(now: datetime, zone: tzinfo) -> date:
    """The Monday of the last ISO week that ended before `now` (aware), in `zone`."""
    today = now.astimezone(zone).date()
    return today - timedelta(days=today.weekday() + 7)


def week_span(monday: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants where the local week starts and where the next one starts."""
    start = datetime.combine(monday, time.min, tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time.min, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _local(df: pd.DataFrame, zone: tzinfo) -> pd.DataFrame:
    """The posts with their local `date` (python dates) beside the analysis columns."""
    posts = select_posts(df, zone, None, None)
    posts["date"] = posts["day"].dt.date
    return posts


def _stats(posts: pd.DataFrame, monday: date) -> WeekStats:
    sunday = monday + timedelta(days=6)
    week = posts[(posts["date"] >= monday) & (posts["date"] <= sunday)]
    label = week_label(monday)
    if week.empty:
        return WeekStats(label, monday, 0, 0, 0, None, None, 0, 0, 0)
    n = len(week)
    talk = int((week["category"] == TALK).sum())
    linking = int(week["category"].isin(LINKING).sum())
    days = day_table(week)
    only = talk_only_days(days, sunday)
    return WeekStats(
        label,
        monday,
        n,
        talk,
        linking,
        talk / n,
        talk / linking if linking else None,
        only.count,
        only.posting_days,
        only.longest.length,
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


def baseline(weeks: tuple[WeekStats, ...]) -> Baseline:
    """The mean of `weeks`: counts over all of them, ratios over those that have one."""
    n = len(weeks) or 1
    return Baseline(
        len(weeks),
        sum(w.posts for w in weeks) / n,
        _mean(w.talk_share for w in weeks),
        _mean(w.talk_to_link for w in weeks),
        sum(w.talk_only_days for w in weeks) / n,
        sum(w.streak for w in weeks) / n,
    )


def _new_sites(posts: pd.DataFrame, monday: date) -> tuple[str, ...]:
    sunday = monday + timedelta(days=6)
    before = set(site_names(posts.loc[posts["date"] < monday, "domains"])["key"])
    inside = posts[(posts["date"] >= monday) & (posts["date"] <= sunday)]
    seen = site_names(inside["domains"])["key"]
    return tuple(sorted(set(seen) - before))


def _fading(df: pd.DataFrame, end: datetime) -> tuple[Fading, ...]:
    ties = fading_ties(df, now=end).head(FADING)
    return tuple(
        Fading(str(r.account), int(r.replies_before), int(r.days_since)) for r in ties.itertuples()
    )


def _nudge(this: WeekStats, pick: Suggestion) -> str:
    """The nudge: about this week, then the one day `pick` names (or why it names none)."""
    if not this.posts:
        head = "No posts this week."
    elif not this.linking:
        head = "No links or retweets this week: keep it that way."
    elif not this.conversation:
        head = "None of this week's posts was talking."
    else:
        head = f"{this.talk_only_days} talk-only day{'s' * (this.talk_only_days != 1)} this week."
    if pick.day is None:
        return f"{head} {pick.reason[0].upper()}{pick.reason[1:]}."
    return f"{head} Make {pick.weekday}, {pick.day}, a day of only talking."


def _challenge_outcomes(
    df: pd.DataFrame,
    days: Iterable[date | tuple[date, str]],
    zone: tzinfo,
    now: datetime,
) -> tuple[Outcome, ...]:
    """Each challenge day judged in its own zone (the one it was set in), in day order."""
    found: dict[date, tzinfo] = {}
    for item in days:
        day, own = (item, zone) if isinstance(item, date) else (item[0], stored_zone(item[1], zone))
        found[day] = own
    return tuple(
        outcome(df, day, own, now.astimezone(own).date()) for day, own in sorted(found.items())
    )


def build_week(
    df: pd.DataFrame,
    monday: date,
    *,
    tz: str | None = None,
    account: str = "",
    challenge_days: Iterable[date | tuple[date, str]] = (),
    now: datetime | None = None,
    stale: str | None = None,
    last_sync: str | None = None,
) -> WeekSummary:
    """Summarize the ISO week starting `monday` (local days in `tz`) against the weeks before.

    `challenge_days` are the challenge days to report (those of this week), each a date or
    a (date, zone name) pair: a day is judged in the zone it was set in. `now` (aware,
    default the current time) decides which of them are still ahead, and the next challenge
    day is the one `analysis.pick.pick_day` names after its day. `stale` says why the data
    may be out of date (a failed sync); `last_sync` (e.g. `last sync 2026-11-30 07:00 UTC`)
    goes with the note the summary adds when no post is as recent as the week. Raises
    InputError for an unknown zone, EmptyDataError when `df` holds no posts at all.
    """
    if monday.weekday() != 0:
        raise ValueError(f"{monday} is not a Monday")
    zone, zone_name = resolve_zone(tz)
    if df.empty:
        raise EmptyDataError(f"{account or 'the account'}: no posts in the library")
    now = now or datetime.now(UTC)
    posts = _local(df, zone)
    history = tuple(_stats(posts, monday - timedelta(weeks=k)) for k in range(HISTORY - 1, -1, -1))
    first_day = posts["date"].min()
    # The mean covers the weeks since the first post only: weeks before it were not "zero".
    before = history[-1 - BASELINE : -1]
    known = tuple(w for w in before if w.start + timedelta(days=6) >= first_day)
    this, end = history[-1], monday + timedelta(days=6)
    in_week = posts[(posts["date"] >= monday) & (posts["date"] <= end)]
    # The same pick as the audit's nudge and `challenge set --suggest`: after today.
    pick = suggest_day(df, zone, now.astimezone(zone).date())
    last_post = posts["date"].max()
    return WeekSummary(
        account=account,
        week=this.week,
        start=monday,
        end=end,
        tz=zone_name,
        this=this,
        previous=before[-1],
        baseline=baseline(known),
        history=history,
        new_sites=_new_sites(posts, monday),
        # Everyone: the renderings cap the lists and say how many more (the files keep all).
        partners=top_partners(in_week.loc[in_week["category"] == TALK, "partners"], None),
        fading=_fading(df, week_span(monday, zone)[1]),
        nudge=_nudge(this, pick),
        challenges=_challenge_outcomes(df, challenge_days, zone, now),
        next_challenge=pick,
        stale=stale_text(last_post, monday, stale, last_sync),
        last_post=last_post,
    )


def stale_text(
    last_post: date, monday: date, stale: str | None, last_sync: str | None
) -> str | None:
    """The week's stale note: `no posts since DATE (last sync ...)` before the week, and
    `stale` (a failed sync), joined by "; "; None when neither applies."""
    notes = [stale] if stale else []
    if last_post < monday:
        notes.insert(0, f"no posts since {last_post}" + (f" ({last_sync})" if last_sync else ""))
    return "; ".join(notes) or None


def week_to_dict(summary: WeekSummary) -> dict[str, Any]:
    """`summary` as a JSON-ready dict: dates and times as ISO strings, floats to 4 places."""
    return jsonable(asdict(summary))


def mean_label(ws: WeekSummary) -> str:
    """The head of the mean column: `8-week mean`, fewer weeks when the history is shorter."""
    return f"{ws.baseline.weeks}-week mean" if ws.baseline.weeks else "mean (no earlier weeks)"
