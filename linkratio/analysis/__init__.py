"""Ratios, talk-only days, streaks, weekly shares, sites and partners: pandas in, plain data out."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from linkratio.errors import EmptyDataError, InputError, InputFormatError
from linkratio.links import domain, is_platform_media, post_ref, shortener
from linkratio.model import LINKING, TALK, Category, Kind

CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
"""The four categories, in report order."""
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)
"""The nine kinds, in report order."""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
"""Weekday names, Monday first (ISO)."""
WEEKS = 12
"""How many ISO weeks the weekly table covers."""
TOP = 10
"""How many sites and partners the top lists keep."""

_REQUIRED = ("created_at", "category", "kind", "domains", "partners")


@dataclass(frozen=True, slots=True)
class CategoryShare:
    """How many posts of the period fell in one category, and their share of all posts."""

    category: str
    count: int
    share: float


@dataclass(frozen=True, slots=True)
class Streak:
    """A run of consecutive talk-only posting days; length 0 (and no dates) means none."""

    length: int
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class TalkOnlyDays:
    """Talk-only days of the period: how many, streaks and the most recent one."""

    count: int
    posting_days: int
    longest: Streak
    current: Streak
    last: date | None
    """The most recent talk-only day, None if there was none."""
    days_since_last: int | None
    """Days from `last` to the period's last day (0: that very day)."""


@dataclass(frozen=True, slots=True)
class Week:
    """One ISO week (Monday start, local zone) of the weekly table."""

    label: str
    """`YYYY-Www`, the ISO year and week number."""
    start: date
    posts: int
    conversation: int
    talk_share: float | None
    """Conversation / posts, None when the week has no posts."""


@dataclass(frozen=True, slots=True)
class Ranked:
    """A site or an account with how many posts named it."""

    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Nudge:
    """One concrete suggestion drawn from the data, with the facts it used."""

    text: str
    rule: str
    """Which rule wrote it: `no_links`, `no_talk` or `weekday`."""
    day: date
    """The suggested day, always after the period's last day."""
    weekday: str | None = None
    weekday_talk_share: float | None = None
    weekday_talk_only_days: int | None = None
    weekday_posting_days: int | None = None
    last_talk_only: date | None = None
    days_since_talk_only: int | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """Everything the reports show about one account's posts in one period."""

    account: str | None
    tz: str
    period_start: date
    """`since` if given, else the first posting day."""
    period_end: date
    """`until` if given, else the last posting day: "the period's last day"."""
    posts: int
    first_day: date
    last_day: date
    categories: tuple[CategoryShare, ...]
    """All four categories, always, in the order conversation, link, retweet, other."""
    kinds: dict[str, int]
    """Posts per kind, all nine kinds in `Kind` order."""
    talk_share: float
    talk_to_link: float | None
    """Conversation / (link + retweet); None means "no links"."""
    talk_only: TalkOnlyDays
    weeks: tuple[Week, ...]
    top_sites: tuple[Ranked, ...]
    partners: tuple[Ranked, ...]
    nudge: Nudge
    links: int = 0
    """External links in the period's posts, each one counted."""
    short_links: int = 0
    """Of `links`, those written as a short link (on a known shortener host)."""
    shorteners: tuple[Ranked, ...] = ()
    """The shortener hosts, by how many links went through them."""


def resolve_zone(name: str | None) -> tuple[tzinfo, str]:
    """Return the zone called `name` (IANA), or the system's zone when None, with its name."""
    if name is None:
        return _system_zone()
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        msg = f"unknown time zone {name!r}: expected an IANA name such as Europe/Berlin"
        raise InputError(msg) from exc


def _system_zone() -> tuple[tzinfo, str]:
    """The system zone by IANA name when it can be found, else today's fixed offset."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.readlink("/etc/localtime")
        candidates.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:
        pass
    for name in filter(None, candidates):
        try:
            return ZoneInfo(name), name
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    local = datetime.now().astimezone().tzinfo or ZoneInfo("UTC")
    return local, local.tzname(None) or "local"


def summarize(
    df: pd.DataFrame,
    tz: str | None = None,
    since: date | None = None,
    until: date | None = None,
    account: str | None = None,
    shorteners: Collection[str] | None = None,
) -> Summary:
    """Summarize the posts whose local day lies in [since, until] (both inclusive).

    A post's day is its `created_at` in `tz` (an IANA name; default the system's zone).
    The period runs from `since` (default: the first posting day) to `until` (default:
    the last posting day); "the period's last day" is that end.

    Streaks count consecutive *posting* days that are all talk-only: a day without
    posts neither breaks nor extends a streak, a day with a link or retweet breaks it.
    The current streak is the run ending at the last posting day (0 if that day is
    not talk-only); of equally long streaks the most recent is the longest.

    Top sites count, for every post of any category (a reply with a link links too),
    each registered domain in its `domains` once per post. Partners come from the
    `partners` of conversation posts, merged case-insensitively under the most common
    spelling, once per post. Weekly rows count only posts inside the period.

    Short links are counted from the `urls` as written: a link through a host of the
    shortener list or of `shorteners` (hosts seen redirecting; default: the frame's
    `attrs["redirect_hosts"]`, set by `with_expansions`).

    Raises InputError for an unknown zone or since > until, InputFormatError for a
    frame without the needed columns, EmptyDataError when the period holds no posts.
    """
    zone, zone_name = resolve_zone(tz)
    since, until = _as_date(since), _as_date(until)
    posts = _select(df, zone, since, until)
    if posts.empty:
        raise EmptyDataError(
            f"no posts between {since or 'the first post'} and "
            f"{until or 'the last post'} (days in {zone_name})"
        )
    days = _day_table(posts)
    end, n = until or days.index[-1], len(posts)
    cats = posts["category"].value_counts().reindex(CATEGORIES, fill_value=0)
    talk, linking = int(cats[TALK]), int(cats[list(LINKING)].sum())
    talk_only = _talk_only(days, end)
    return Summary(
        account=account if account is not None else _account(df, posts),
        tz=zone_name,
        period_start=since or days.index[0],
        period_end=end,
        posts=n,
        first_day=days.index[0],
        last_day=days.index[-1],
        categories=tuple(CategoryShare(c, int(k), int(k) / n) for c, k in cats.items()),
        kinds=_kinds(posts["kind"]),
        talk_share=talk / n,
        talk_to_link=_ratio(talk, linking),
        talk_only=talk_only,
        weeks=_weeks(days, end),
        top_sites=_top_sites(posts["domains"]),
        partners=_top_partners(posts.loc[posts["category"] == TALK, "partners"]),
        nudge=_nudge(days, talk, linking, talk_only, end),
        **_short_links(
            posts, df.attrs.get("redirect_hosts", ()) if shorteners is None else shorteners
        ),
    )


def _as_date(value: date | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def period_days(
    df: pd.DataFrame, zone: tzinfo, since: date | None, until: date | None
) -> tuple[pd.Series, np.ndarray]:
    """Each post's naive local day in `zone`, and which posts fall in [since, until]."""
    stamps = pd.to_datetime(df["created_at"], utc=True)
    day = stamps.dt.tz_convert(zone).dt.tz_localize(None).dt.floor("D")
    keep = pd.Series(True, index=df.index)
    if since is not None:
        keep &= day >= pd.Timestamp(since)
    if until is not None:
        keep &= day <= pd.Timestamp(until)
    return day, keep.to_numpy()


def _select(df: pd.DataFrame, zone: tzinfo, since: date | None, until: date | None) -> pd.DataFrame:
    """The posts of the period, positional index, with a naive local `day` column."""
    if since is not None and until is not None and since > until:
        raise InputError(f"since {since} is after until {until}: nothing to summarize")
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise InputFormatError(f"the post frame lacks the column(s) {', '.join(missing)}")
    day, keep = period_days(df, zone, since, until)
    cols = [c for c in ("domains", "partners", "author", "urls") if c in df.columns]
    posts = df.loc[keep, cols].reset_index(drop=True)
    posts["day"] = day.to_numpy()[keep]
    # Categoricals: one hashing pass, then every comparison and count works on codes.
    category = df["category"].to_numpy()[keep]
    posts["category"] = _categorical(category, CATEGORIES)
    posts["kind"] = _categorical(df["kind"].to_numpy()[keep], KINDS)
    unknown = pd.Series(category[posts["category"].isna().to_numpy()]).dropna()
    if len(unknown):
        raise InputFormatError(
            f"unknown category {unknown.iloc[0]!r} in the post frame: "
            f"expected one of {', '.join(CATEGORIES)}"
        )
    return posts


def _categorical(values: Any, categories: tuple[str, ...]) -> pd.Categorical:
    """`values` as a Categorical of `categories`; anything else becomes missing."""
    codes, uniques = pd.factorize(values)
    # Map only the distinct values; the appended -1 keeps missing values (code -1) missing.
    mapping = np.append(pd.Index(categories).get_indexer(uniques), -1)
    return pd.Categorical.from_codes(mapping[codes], categories=list(categories))


def _day_table(posts: pd.DataFrame) -> pd.DataFrame:
    """One row per posting day (python `date` index, ascending): posts, talk, link counts."""
    flags = pd.DataFrame(
        {
            "day": posts["day"],
            "posts": 1,
            "talk": posts["category"].eq(TALK).astype(int),
            "link": posts["category"].isin(LINKING).astype(int),
        }
    )
    days = flags.groupby("day", sort=True).sum()
    days["talk_only"] = (days["talk"] > 0) & (days["link"] == 0)
    days.index = pd.Index(days.index.date, name="day")
    return days


def _account(df: pd.DataFrame, posts: pd.DataFrame) -> str | None:
    """The frame's `account` attribute (set by `frame.load`), else the commonest author."""
    if df.attrs.get("account"):
        return str(df.attrs["account"])
    if "author" not in posts.columns or posts["author"].isna().all():
        return None
    return str(posts["author"].value_counts().index[0])


def _kinds(kind: pd.Series) -> dict[str, int]:
    counts = kind.value_counts().reindex(KINDS, fill_value=0)
    return {k: int(n) for k, n in counts.items()}


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _talk_only(days: pd.DataFrame, end: date) -> TalkOnlyDays:
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


def _weeks(days: pd.DataFrame, end: date) -> tuple[Week, ...]:
    """The last `WEEKS` ISO weeks ending with the week of `end`, oldest first."""
    last_monday = end - timedelta(days=end.weekday())
    starts = [last_monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    monday = [d - timedelta(days=d.weekday()) for d in days.index]
    per_week = days[["posts", "talk"]].groupby(monday).sum().reindex(starts, fill_value=0)
    rows = []
    for start, (n, talk) in zip(starts, per_week.itertuples(index=False), strict=True):
        year, week, _ = start.isocalendar()
        n, talk = int(n), int(talk)
        rows.append(Week(f"{year}-W{week:02d}", start, n, talk, _ratio(talk, n)))
    return tuple(rows)


def _rank(names: pd.Series) -> tuple[Ranked, ...]:
    """Count `names` and keep the `TOP` most common (ties by name, case-insensitively)."""
    counts = names.value_counts().rename_axis("name").reset_index(name="count")
    counts["key"] = counts["name"].str.lower()
    counts = counts.sort_values(["count", "key", "name"], ascending=[False, True, True])
    return tuple(Ranked(str(r.name), int(r.count)) for r in counts.head(TOP).itertuples())


def _names(lists: pd.Series) -> pd.DataFrame:
    """Explode a list column into unique (post, name, key) rows; key is the lower-case name."""
    flat = lists.explode().dropna()
    # Clean only the distinct values: per-element string methods are slow on 200k rows.
    codes, uniques = pd.factorize(flat)
    names = pd.Index(uniques.astype(str)).str.strip().str.lstrip("@").to_numpy(dtype=object)
    keys = pd.Index(names).str.lower().to_numpy(dtype=object)
    pairs = pd.DataFrame({"post": flat.index, "name": names[codes], "key": keys[codes]})
    return pairs[pairs["key"] != ""].drop_duplicates(["post", "key"])


def _top_sites(domains: pd.Series) -> tuple[Ranked, ...]:
    """Domains (lower-cased) by how many posts link to them; a post counts a domain once."""
    return _rank(_names(domains)["key"])


def _short_links(posts: pd.DataFrame, known: Collection[str]) -> dict[str, Any]:
    """How many links the posts carry, how many through a shortener, and which shorteners."""
    if "urls" not in posts.columns:
        return {}
    flat = posts["urls"].explode().dropna()
    codes, uniques = pd.factorize(flat)
    hosts = np.array([shortener(str(u), known) for u in uniques] + [None], dtype=object)
    short = pd.Series(hosts[codes]).dropna()
    ranked = _rank(short) if len(short) else ()
    return {"links": len(flat), "short_links": len(short), "shorteners": ranked}


def with_expansions(
    df: pd.DataFrame, expansions: Mapping[str, str], redirect_hosts: Collection[str] = ()
) -> pd.DataFrame:
    """`df` with each link's site taken from where it really goes, when that is known.

    `expansions` maps a URL as written to its destination (the library's resolutions);
    `urls` stay as written, only the expanded links' `domains` change, so short links are
    still counted. A link that leads to the platform's own posts or media is no site.
    `redirect_hosts` is kept in `attrs` for `summarize`.
    """
    out = df.copy(deep=False)
    out.attrs = {**df.attrs, "redirect_hosts": frozenset(redirect_hosts)}
    if expansions:
        platforms = df["platform"] if "platform" in df.columns else ["x"] * len(df)
        out["domains"] = [
            _expanded_sites(urls, sites, expansions, platform)
            if any(u in expansions for u in urls)
            else sites
            for urls, sites, platform in zip(df["urls"], df["domains"], platforms, strict=True)
        ]
    return out


def _expanded_sites(
    urls: list[str], sites: list[str], expansions: Mapping[str, str], platform: str
) -> list[str]:
    """One post's sites (one per URL), each expanded link's taken from its destination."""
    if len(sites) != len(urls):
        return sites  # not one site per URL: nothing to line up
    out = []
    for url, site in zip(urls, sites, strict=True):
        final = expansions.get(url)
        if final is None:
            out.append(site)
        elif post_ref(final, platform) is None and not is_platform_media(final, platform):
            out.append(domain(final))
    return out


def _top_partners(partners: pd.Series) -> tuple[Ranked, ...]:
    """Accounts by how many conversation posts talk with them, under the commonest spelling."""
    pairs = _names(partners)
    if pairs.empty:
        return ()
    spellings = pairs.groupby(["key", "name"]).size().reset_index(name="n")
    spellings = spellings.sort_values(["key", "n", "name"], ascending=[True, False, True])
    spelling = spellings.drop_duplicates("key").set_index("key")["name"]
    return _rank(pairs["key"].map(spelling))


def _next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _nudge(
    days: pd.DataFrame, talk: int, linking: int, talk_only: TalkOnlyDays, end: date
) -> Nudge:
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


def summary_to_dict(summary: Summary) -> dict[str, Any]:
    """Return `summary` as a JSON-ready dict: dates as ISO strings, floats to 4 places."""
    return _jsonable(asdict(summary))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


# Public names for the helpers other modules build on (the weekly summary); the private
# names stay for the callers in this module.
select_posts = _select
day_table = _day_table
talk_only_days = _talk_only
site_names = _names
top_partners = _top_partners
jsonable = _jsonable
