"""Ratios, talk-only days, streaks, weekly shares, sites and partners: pandas in, plain data out.

`summarize` is the front; the pieces live in `results` (the data), `period` (zones and
days), `days` (talk-only days, streaks, weeks, the nudge) and `rankings` (sites, short
links, partners).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import pandas as pd

from linkratio.analysis.days import nudge, talk_only_days, week_rows
from linkratio.analysis.period import (
    account_label,
    account_of,
    as_date,
    check_frame,
    data_span,
    day_table,
    kind_counts,
    period_days,
    ratio,
    resolve_zone,
    select_posts,
)
from linkratio.analysis.pick import Suggestion, pick_day, posting_days
from linkratio.analysis.rankings import (
    person_name,
    short_links,
    site_names,
    top_partners,
    top_sites,
    with_expansions,
)
from linkratio.analysis.results import (
    CATEGORIES,
    KINDS,
    TOP,
    WEEKDAYS,
    WEEKS,
    CategoryShare,
    Nudge,
    Ranked,
    Streak,
    Summary,
    TalkOnlyDays,
    Week,
)
from linkratio.errors import EmptyDataError, InputError
from linkratio.model import LINKING, TALK

__all__ = [
    "CATEGORIES",
    "KINDS",
    "SUMMARY_COLUMNS",
    "TOP",
    "WEEKDAYS",
    "WEEKS",
    "CategoryShare",
    "Nudge",
    "Ranked",
    "Streak",
    "Summary",
    "TalkOnlyDays",
    "Week",
    "check_summary",
    "day_table",
    "jsonable",
    "period_days",
    "person_name",
    "resolve_zone",
    "select_posts",
    "site_names",
    "summarize",
    "summary_to_dict",
    "talk_only_days",
    "top_partners",
    "with_expansions",
]

SUMMARY_COLUMNS = (
    "platform",
    "created_at",
    "author",
    "category",
    "kind",
    "urls",
    "domains",
    "partners",
)
"""The frame columns `summarize` (and `with_expansions` before it) read: a frame of only
these summarizes as the whole frame does."""


def summarize(
    df: pd.DataFrame,
    tz: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    account: str | None = None,
    shorteners: Collection[str] | None = None,
    now: datetime | None = None,
) -> Summary:
    """Summarize the posts whose local day lies in [since, until] (both inclusive).

    A post's day is its `created_at` in `tz` (an IANA name; default the system's zone).
    The period runs from `since` (default: the first posting day) to `until` (default:
    the last posting day); "the period's last day" is that end. A day may be a `date`, a
    datetime (its date; an aware one's day in `tz`) or an ISO day such as "2024-10-01", as
    `load` takes it.

    Streaks count consecutive *posting* days that are all talk-only: a day without
    posts neither breaks nor extends a streak, a day with a link or retweet breaks it.
    The current streak is the run ending at the last posting day (0 if that day is
    not talk-only); of equally long streaks the most recent is the longest.

    Top sites count, for every post of any category (a reply with a link links too),
    each registered domain in its `domains` once per post. Partners come from the
    `partners` of conversation posts, merged case-insensitively under the most common
    spelling, once per post. Weekly rows count only posts inside the period, and cover the
    weeks that both the period and the data (its first to its last post) reach: a week
    they reach in part says how many days (`Week.days`).

    The nudge names a day after today (`now`, aware, default the current time, in `tz`)
    picked by `analysis.pick.pick_day` from every posting day of `df`, not only the
    period's: the same rule, on the same days, as `challenge set --suggest` and the weekly
    summary, so all three name the same day.

    Short links are counted from the `urls` as written: a link through a host of the
    shortener list or of `shorteners` (hosts seen redirecting; default: the frame's
    `attrs["redirect_hosts"]`, set by `with_expansions`).

    Raises InputError for a `df` that is no DataFrame, an unknown zone, a since or until
    that is not a day, or since > until, InputFormatError for a frame without the needed
    columns, EmptyDataError when the frame or the period holds no posts.
    """
    check_frame(df, "summarize")
    _check_arguments(account, shorteners, now)
    zone, zone_name = resolve_zone(tz)
    since, until = as_date(since, zone), as_date(until, zone)
    posts = select_posts(df, zone, since, until)
    if df.empty:  # not "between the first post and the last post": there is none
        raise EmptyDataError(
            "no posts to summarize: the frame is empty (did a period given to load, or a "
            "filter, keep none?)"
        )
    if posts.empty:  # say when the posts are: a since after them all is easy to miss
        first, last = data_span(df, zone)
        raise EmptyDataError(
            f"no posts between {since or 'the first post'} and "
            f"{until or 'the last post'} (days in {zone_name}): the posts run from {first} "
            f"to {last}"
        )
    days = day_table(posts)
    end, n = until or days.index[-1], len(posts)
    cats = posts["category"].value_counts().reindex(CATEGORIES, fill_value=0)
    talk, linking = int(cats[TALK]), int(cats[list(LINKING)].sum())
    talk_only = talk_only_days(days, end)
    owner = account if account is not None else account_of(df, posts)
    return Summary(
        account=owner,
        tz=zone_name,
        period_start=since or days.index[0],
        period_end=end,
        posts=n,
        first_day=days.index[0],
        last_day=days.index[-1],
        categories=tuple(CategoryShare(c, int(k), int(k) / n) for c, k in cats.items()),
        kinds=kind_counts(posts["kind"]),
        talk_share=talk / n,
        talk_to_link=ratio(talk, linking),
        talk_only=talk_only,
        weeks=week_rows(days, *_covered(df, zone, since, end)),
        top_sites=top_sites(posts["domains"]),
        partners=top_partners(posts.loc[posts["category"] == TALK, "partners"]),
        nudge=nudge(talk, linking, talk_only, _pick(df, days, zone, since, until, now), end),
        **short_links(
            posts, df.attrs.get("redirect_hosts", ()) if shorteners is None else shorteners
        ),
        account_name=account_label(df, owner),
    )


def _check_arguments(account: object, shorteners: object, now: object) -> None:
    """InputError naming the `summarize` argument of the wrong kind (an AttributeError from
    deep inside before; `shorteners="bit.ly"` was read letter by letter)."""
    for name, value, ok, expected in (
        ("account", account, isinstance(account, str), "the account's name as text"),
        ("shorteners", shorteners, not isinstance(shorteners, str | bytes)
         and isinstance(shorteners, Collection), "a list of host names, such as ['bit.ly']"),
        ("now", now, isinstance(now, datetime), "a datetime, such as datetime.now(UTC)"),
    ):  # fmt: skip
        if value is not None and not ok:
            raise InputError(f"summarize: {name} a {type(value).__name__}: expected {expected}")


def _covered(df: pd.DataFrame, zone: tzinfo, since: date | None, end: date) -> tuple[date, date]:
    """The days both the period and the data (first to last post) cover."""
    first, last = data_span(df, zone)
    return max(since or first, first), min(end, last)


def _pick(
    df: pd.DataFrame,
    days: pd.DataFrame,
    zone: tzinfo,
    since: date | None,
    until: date | None,
    now: datetime | None,
) -> Suggestion:
    """The day of only talking after today, from all of `df`'s posting days (`days`, the
    period's, are all of them when no period is given)."""
    history = days if since is None and until is None else posting_days(df, zone)
    return pick_day(history, _today(now, zone))


def _today(now: datetime | None, zone: tzinfo) -> date:
    return (now or datetime.now(UTC)).astimezone(zone).date()


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """Return `summary` as a JSON-ready dict: dates as ISO strings, floats to 4 places."""
    check_summary(summary, "summary_to_dict")
    return jsonable(asdict(summary))


def check_summary(value: object, caller: str) -> None:
    """InputError naming `caller` when `value` is no Summary: `render_text(df)` was an
    AttributeError naming a field of the Summary it is not."""
    if not isinstance(value, Summary):
        raise InputError(
            f"{caller}: summary a {type(value).__name__}: expected a Summary, as "
            "linkratio.summarize(df) gives"
        )


def jsonable(value: Any) -> Any:
    """`value` made JSON-ready: dates as ISO strings, floats to 4 places, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value
