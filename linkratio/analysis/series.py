"""The data behind each chart: pandas in, plain DataFrames and Series out (no matplotlib).

Every function reads the post frame of `linkratio.frame` and follows the rules of
TAXONOMY.md ("Days and ratios") through the helpers of `linkratio.analysis`, so a chart
never disagrees with the summary: a post's day is its local day in `tz` (an IANA name,
default the system's zone), talk share is conversation / all posts, a talk-only day has
a conversation post and no link or retweet, and a streak runs over posting days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from linkratio.analysis.days import talk_only_days
from linkratio.analysis.period import day_table, resolve_zone, select_posts
from linkratio.analysis.rankings import site_names
from linkratio.analysis.results import CATEGORIES, WEEKDAYS
from linkratio.errors import InputError, InputFormatError
from linkratio.model import TALK

DAILY_MAX_DAYS = 60
"""Periods up to this many days get daily bins."""
WEEKLY_MAX_DAYS = 3 * 365 + 1
"""Periods up to this many days (about three years) get weekly bins; longer ones monthly."""
ROLLING_BINS = 4
"""How many bins the rolling talk share pools (this bin and the ones before)."""
FREQ_NAMES = {"D": "day", "W-MON": "week", "MS": "month"}
"""The bin sizes `activity_bins` uses, by pandas frequency alias, with their names."""


def bin_freq(first: date, last: date) -> str:
    """The bin size for a period from `first` to `last` (local days): "D", "W-MON" or "MS"."""
    days = (last - first).days + 1
    if days <= DAILY_MAX_DAYS:
        return "D"
    return "W-MON" if days <= WEEKLY_MAX_DAYS else "MS"


def _bin_start(day: pd.Series, freq: str) -> pd.Series:
    """The start of the bin each (naive, local, midnight) `day` falls in."""
    if freq == "D":
        return day
    if freq == "W-MON":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if freq == "MS":
        return pd.Series(day.to_numpy().astype("datetime64[M]").astype(day.dtype), index=day.index)
    raise ValueError(f"unknown bin size {freq!r}: expected one of {', '.join(FREQ_NAMES)}")


def activity_bins(df: pd.DataFrame, tz: str | None = None, freq: str | None = None) -> pd.DataFrame:
    """Posts per category in each day/week/month bin, with the talk share and its rolling share.

    The index holds each bin's start (naive local time, every bin from the first to the
    last post, empty ones included); `freq` is "D", "W-MON" (weeks from Monday) or "MS"
    (calendar months), chosen from the period's length when None (see `bin_freq`).
    `talk_share` is conversation / posts of the bin (NaN without posts);
    `talk_share_rolling` pools the bin and the `ROLLING_BINS - 1` bins before it:
    their conversation posts / their posts, so a bin of 2 posts weighs 2 and one of
    200 weighs 200 (an unweighted mean of shares swings on sparse bins). It is NaN
    in a bin without posts: a gap in the line, never a share carried into silence.
    The chosen frequency is also in `attrs["freq"]`; the first and last post's day in
    `attrs["first"]` and `attrs["last"]` (when there are posts).
    """
    zone, _ = resolve_zone(tz)
    posts = select_posts(df, zone, None, None)
    columns = [*CATEGORIES, "talk_share", "talk_share_rolling"]
    if posts.empty:
        empty = pd.DataFrame(columns=columns, index=pd.DatetimeIndex([], name="start"))
        empty.attrs["freq"] = freq or "D"
        return empty
    first, last = posts["day"].min(), posts["day"].max()
    freq = freq or bin_freq(first.date(), last.date())
    start = _bin_start(posts["day"], freq)
    counts = posts.groupby([start.rename("start"), "category"], observed=False).size()
    bins = counts.unstack("category").reindex(columns=list(CATEGORIES), fill_value=0)
    full = pd.date_range(start.min(), start.max(), freq=freq, name="start")
    bins = bins.reindex(full, fill_value=0).astype("int64")
    bins.columns = pd.Index(list(CATEGORIES))
    total = bins.sum(axis=1)
    bins["talk_share"] = (bins[TALK] / total).where(total > 0)
    pooled = bins[TALK].rolling(ROLLING_BINS, min_periods=1).sum()
    pooled_total = total.rolling(ROLLING_BINS, min_periods=1).sum()
    bins["talk_share_rolling"] = (pooled / pooled_total).where(total > 0)
    bins.attrs["freq"] = freq
    bins.attrs["first"], bins.attrs["last"] = first, last
    return bins


YEARS = (1900, 2200)
"""The calendar years a calendar can show (pandas' timestamps end in 2262)."""


def calendar_window(
    df: pd.DataFrame, tz: str | None = None, year: int | None = None
) -> tuple[date, date] | None:
    """The first and last day a calendar shows: `year`, or the last 12 months of posts.

    Without `year`, the window is the 12 calendar months ending with the month of the
    last post (local day in `tz`): an archive ending in October 2022 shows November 2021
    to October 2022. None when there are no posts and no `year`; InputError for a year
    outside `YEARS`.
    """
    if year is not None:
        if not YEARS[0] <= year <= YEARS[1]:
            raise InputError(f"year {year}: pick a year from {YEARS[0]} to {YEARS[1]}")
        return date(year, 1, 1), date(year, 12, 31)
    zone, _ = resolve_zone(tz)
    posts = select_posts(df, zone, None, None)
    if posts.empty:
        return None
    end = posts["day"].max()
    first = (end - pd.DateOffset(months=11)).replace(day=1)
    return first.date(), (end + pd.offsets.MonthEnd(0)).date()


def calendar_days(df: pd.DataFrame, tz: str | None = None, year: int | None = None) -> pd.DataFrame:
    """One row per day of the calendar window (`calendar_window`), local days in `tz`.

    The window is `year`, or by default the 12 months ending with the last post's month.
    Columns: `date` (datetime.date), `posts`, `dominant` (the category with the most
    posts that day, ties going to the first of conversation, link, retweet, other; None
    without posts), `talk_only` (False on days without posts) and `in_longest_streak`:
    the talk-only days of the longest streak within the window, as `summarize` finds it
    for that period (a day without posts neither breaks nor extends a streak; of equally
    long streaks the most recent wins). With no posts at all and no `year`, the frame
    is empty.
    """
    columns = ["date", "posts", "dominant", "talk_only", "in_longest_streak"]
    window = calendar_window(df, tz, year)
    if window is None:
        return pd.DataFrame(columns=columns)
    first, last = window
    zone, _ = resolve_zone(tz)
    posts = select_posts(df, zone, None, None)
    inside = (posts["day"] >= pd.Timestamp(first)) & (posts["day"] <= pd.Timestamp(last))
    posts = posts[inside.to_numpy()]
    days = pd.date_range(first, last, freq="D")
    counts = posts.groupby(["day", "category"], observed=False).size().unstack("category")
    counts = counts.reindex(index=days, columns=list(CATEGORIES), fill_value=0)
    n = counts.sum(axis=1).to_numpy()
    dominant = np.array(CATEGORIES, dtype=object)[counts.to_numpy().argmax(axis=1)]
    dominant[n == 0] = None
    talk_only, in_streak = _streak_days(posts, days, last)
    return pd.DataFrame(
        {
            "date": days.date,
            "posts": n.astype("int64"),
            "dominant": pd.Series(dominant, dtype=object),
            "talk_only": talk_only,
            "in_longest_streak": in_streak,
        }
    )


def _streak_days(
    posts: pd.DataFrame, days: pd.DatetimeIndex, last: date
) -> tuple[np.ndarray, np.ndarray]:
    """Per day of `days`: is it talk-only, and is it in the longest talk-only streak."""
    talk_only = np.zeros(len(days), dtype=bool)
    in_streak = np.zeros(len(days), dtype=bool)
    if posts.empty:
        return talk_only, in_streak
    table = day_table(posts)
    where = (pd.DatetimeIndex(table.index) - days[0]).days.to_numpy()
    talk_only[where] = table["talk_only"].to_numpy()
    longest = talk_only_days(table, last).longest
    if longest.length:
        span = (days >= pd.Timestamp(longest.start)) & (days <= pd.Timestamp(longest.end))
        in_streak = talk_only & np.asarray(span)
    return talk_only, in_streak


def _ranked(names: pd.Series, top: int, label: str) -> pd.Series:
    """Count `names`, most common first (ties by name, case-insensitively), keep `top`."""
    counts = names.value_counts().rename_axis("name").reset_index(name="count")
    counts["key"] = counts["name"].astype(str).str.lower()
    counts = counts.sort_values(["count", "key", "name"], ascending=[False, True, True])
    counts = counts.head(max(top, 0))
    index = pd.Index(counts["name"].astype(object).to_numpy(), name=label, dtype=object)
    return pd.Series(counts["count"].to_numpy(dtype="int64"), index=index, name="posts")


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        raise InputFormatError(f"the post frame lacks the column {name}")
    return df[name].reset_index(drop=True)


def top_sites(df: pd.DataFrame, top: int = 15) -> pd.Series:
    """The `top` registered domains by how many posts (of any category) link to each.

    A post counts a domain once; domains are lower-cased. Index: the domain ("site"),
    values: posts, most first; the same ranking as `summarize`'s top sites.
    """
    return _ranked(site_names(_column(df, "domains"))["key"], top, "site")


def _partner_pairs(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (conversation post, partner): `post` position, `account`, `created_at`.

    Accounts are merged case-insensitively under their most common spelling, as in
    `summarize`; a post names an account once.
    """
    category = _column(df, "category")
    talk = category.eq(TALK).to_numpy()
    partners = _column(df, "partners")[talk]
    pairs = site_names(partners)
    if pairs.empty:
        return pd.DataFrame({"post": [], "account": [], "created_at": []})
    spellings = pairs.groupby(["key", "name"]).size().reset_index(name="n")
    spellings = spellings.sort_values(["key", "n", "name"], ascending=[True, False, True])
    spelling = spellings.drop_duplicates("key").set_index("key")["name"]
    stamps = pd.to_datetime(_column(df, "created_at"), utc=True)
    return pd.DataFrame(
        {
            "post": pairs["post"].to_numpy(),
            "account": pairs["key"].map(spelling).to_numpy(dtype=object),
            "created_at": stamps.iloc[pairs["post"].to_numpy(dtype="int64")].array,
        }
    )


def top_partners(df: pd.DataFrame, top: int = 15) -> pd.Series:
    """The `top` accounts by how many conversation posts talk with each (replies, mentions).

    Index: the account ("account") under its most common spelling, values: posts, most
    first; the same ranking as `summarize`'s partners.
    """
    return _ranked(_partner_pairs(df)["account"], top, "account")


def fading_ties(
    df: pd.DataFrame,
    now: datetime | None = None,
    min_replies: int = 3,
    quiet_days: int = 60,
) -> pd.DataFrame:
    """Accounts talked with at least `min_replies` times, but not in the `quiet_days` to `now`.

    A reply here is any conversation post naming the account as its partner (a reply to
    it, or a post that opens by addressing it). Only posts up to `now` count (default:
    the last post's time; a naive `now` is taken as UTC). An account fades when its last
    reply is older than `now - quiet_days` days: a reply exactly `quiet_days` days ago
    still keeps it. Columns: `account`, `replies_before`, `last_reply` (UTC), `days_since`
    (whole days from `last_reply` to `now`); most replies first, then the longest silent.
    `attrs["now"]` holds the `now` used (UTC; None when there were no posts).
    """
    columns = ["account", "replies_before", "last_reply", "days_since"]
    pairs = _partner_pairs(df)
    stamps = pd.to_datetime(_column(df, "created_at"), utc=True)
    if stamps.empty and now is None:
        return _empty_ties(columns)
    end = stamps.max() if now is None else pd.Timestamp(now)
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    if pairs.empty:
        return _empty_ties(columns, end)
    pairs = pairs[pairs["created_at"] <= end]
    ties = pairs.groupby("account").agg(
        replies_before=("post", "size"), last_reply=("created_at", "max")
    )
    quiet = ties["last_reply"] < end - timedelta(days=quiet_days)
    ties = ties[(ties["replies_before"] >= min_replies) & quiet].reset_index()
    if ties.empty:
        return _empty_ties(columns, end)
    ties["days_since"] = (end - ties["last_reply"]).dt.days.astype("int64")
    ties["replies_before"] = ties["replies_before"].astype("int64")
    ties["key"] = ties["account"].str.lower()
    ties = ties.sort_values(["replies_before", "last_reply", "key"], ascending=[False, True, True])
    ties = ties[columns].reset_index(drop=True).astype({"account": object})
    ties.attrs["now"] = end
    return ties


def _empty_ties(columns: list[str], now: pd.Timestamp | None = None) -> pd.DataFrame:
    ties = pd.DataFrame(
        {
            "account": pd.Series([], dtype=object),
            "replies_before": pd.Series([], dtype="int64"),
            "last_reply": pd.Series([], dtype="datetime64[ns, UTC]"),
            "days_since": pd.Series([], dtype="int64"),
        }
    )[columns]
    ties.attrs["now"] = now
    return ties


def _hour_cells(df: pd.DataFrame, tz: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Posts and conversation posts per local (weekday, hour) cell, each a 7 x 24 array."""
    zone, _ = resolve_zone(tz)
    stamps = pd.to_datetime(_column(df, "created_at"), utc=True).dt.tz_convert(zone)
    cell = (stamps.dt.day_of_week * 24 + stamps.dt.hour).to_numpy(dtype="int64")
    talk = _column(df, "category").eq(TALK).to_numpy(dtype=float)
    posts = np.bincount(cell, minlength=7 * 24).reshape(7, 24)
    conv = np.bincount(cell, weights=talk, minlength=7 * 24).reshape(7, 24)
    return posts, conv


def _grid(values: np.ndarray) -> pd.DataFrame:
    index = pd.Index(list(WEEKDAYS), name="weekday")
    return pd.DataFrame(values, index=index, columns=pd.RangeIndex(24, name="hour"))


def hour_grid(df: pd.DataFrame, tz: str | None = None) -> pd.DataFrame:
    """Talk share per local weekday (rows Monday..Sunday) and hour (columns 0..23).

    NaN where no post fell in that hour of that weekday.
    """
    posts, conv = _hour_cells(df, tz)
    return _grid(np.where(posts > 0, conv / np.maximum(posts, 1), np.nan))


def hour_posts(df: pd.DataFrame, tz: str | None = None) -> pd.DataFrame:
    """Posts per local weekday (rows Monday..Sunday) and hour (columns 0..23)."""
    posts, _ = _hour_cells(df, tz)
    return _grid(posts.astype("int64"))
