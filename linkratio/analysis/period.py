"""Days in a time zone: the zone, the posts of a period, one row per posting day."""

from __future__ import annotations

import functools
import logging
import os
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from linkratio.accounts import account_name, is_account_name, is_id_name
from linkratio.analysis.results import CATEGORIES, KINDS
from linkratio.days import as_date
from linkratio.errors import InputError, InputFormatError
from linkratio.model import LINKING, TALK, Account

_REQUIRED = ("created_at", "category", "kind", "domains", "partners")
_log = logging.getLogger(__name__)
_NAME_ONE = "name one with --tz (tz= in Python), e.g. Europe/Berlin"
FRAME = "a DataFrame of posts, as linkratio.load or to_frame gives"
"""What every function of a frame of posts takes as `df` (said when given something else)."""


def resolve_zone(name: str | None) -> tuple[tzinfo, str]:
    """Return the zone called `name` (IANA), or the system's zone when None, with its name."""
    if name is None:
        return _system_zone()
    if not isinstance(name, str):  # a ZoneInfo from a notebook: a TypeError naming no zone
        key = getattr(name, "key", None)
        hint = f" such as {key!r}" if isinstance(key, str) else ", such as 'Europe/Berlin'"
        raise InputError(f"time zone {name!r}: expected the zone's IANA name as text{hint}")
    if name == _LOCALTIME and (copy := _localtime_copy()):
        return copy  # the system's zone by its file, as `_system_zone` names a copy
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        msg = f"unknown time zone {name!r}: expected an IANA name such as Europe/Berlin"
        raise InputError(msg) from exc


def named_zone(name: str | None) -> tuple[tzinfo, str]:
    """`resolve_zone` for a zone that is written down and resolved again by its name later
    (a scheduled job's --tz, a challenge day's zone): InputError, asking for --tz, when
    the system's zone has no IANA name (a copied /etc/localtime, a POSIX `TZ`)."""
    tz = _tz_setting()
    if name is None and tz and _zone_or_none(tz) is None:  # a POSIX TZ such as CET-1CEST
        raise InputError(f"TZ={tz!r} is not an IANA time zone: {_NAME_ONE}")
    zone, zone_name = resolve_zone(name)
    if name is None:
        try:
            resolve_zone(zone_name)
        except InputError:
            raise InputError(
                f"the system's time zone has no IANA name ({zone_name}): {_NAME_ONE}"
            ) from None
    return zone, zone_name


def stored_zone(name: str, fallback: tzinfo) -> tzinfo:
    """The zone a challenge day was stored with, or `fallback` (with a warning) when that
    name no longer resolves (stored by a version that kept a system zone's abbreviation)."""
    try:
        return resolve_zone(name)[0]
    except InputError:
        _warn_stored(name)
        return fallback


@functools.cache
def _warn_stored(name: str) -> None:
    _log.warning(
        "challenge days stored in the zone %r, which is unknown: judged in this run's zone", name
    )


_LOCALTIME = "/etc/localtime"
"""The system's zone file: a link into the zoneinfo folder, or a copy of one."""
_TIMEZONE = "/etc/timezone"
"""Where Debian, Gentoo and many container images name the zone /etc/localtime holds."""


def _system_zone() -> tuple[tzinfo, str]:
    """The system zone by IANA name when it can be found, else the rules of a copied
    /etc/localtime (named so), else today's fixed offset.

    A `TZ` that names no zone is skipped, with one warning naming it and the zone used.
    """
    tz = _tz_setting()
    candidates = [tz]
    try:
        link = os.readlink(_LOCALTIME)
        candidates.append(link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else "")
    except OSError:  # no link: a copy names its zone in /etc/timezone, if anywhere
        try:
            with open(_TIMEZONE, encoding="utf-8") as fh:
                candidates.append(fh.readline(200).strip())
        except (OSError, ValueError):
            pass
    for name in filter(None, candidates):
        try:
            zone: tzinfo = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        break
    else:
        zone, name = _localtime_copy() or _today_offset()
    if tz and name != tz:
        _warn_bad_tz(tz, name)
    return zone, name


def _tz_setting() -> str:
    """`$TZ` as a zone name: glibc's `:` dropped, a zone file's path named by its zone,
    `/etc/localtime` (the system's zone) as no setting at all."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz == _LOCALTIME:
        return ""
    return tz.split("zoneinfo/", 1)[1] if tz.startswith("/") and "zoneinfo/" in tz else tz


def _zone_or_none(name: str) -> tzinfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _localtime_copy() -> tuple[tzinfo, str] | None:
    """/etc/localtime read as the zone file it is: its rules all year, summer time included."""
    try:
        with open(_LOCALTIME, "rb") as fh:
            return ZoneInfo.from_file(fh, key=_LOCALTIME), _LOCALTIME
    except (OSError, ValueError):
        return None


def _today_offset() -> tuple[tzinfo, str]:
    zone = datetime.now().astimezone().tzinfo or ZoneInfo("UTC")
    return zone, zone.tzname(None) or "local"


@functools.cache
def _warn_bad_tz(value: str, used: str) -> None:
    """Warn once per process that `TZ=value` names no zone, and which one is used."""
    _log.warning("TZ=%r is not a known time zone: using %s for days (%s)", value, used, _NAME_ONE)


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


def in_days(
    df: pd.DataFrame, zone: tzinfo, since: date | str | None, until: date | str | None
) -> pd.DataFrame:
    """The rows of `df` whose local day (in `zone`) lies in [since, until]; `df` itself when
    they all do (or it has no `created_at`: the caller's own check names that)."""
    first, last = as_date(since, zone), as_date(until, zone)
    if (first is None and last is None) or "created_at" not in df.columns:
        return df
    keep = period_days(df, zone, first, last)[1]
    return df if keep.all() else df.loc[keep]


def data_span(df: pd.DataFrame, zone: tzinfo) -> tuple[date, date]:
    """The local days (in `zone`) of the frame's first and last post; the frame has posts."""
    stamps = pd.to_datetime(df["created_at"], utc=True)
    return stamps.min().tz_convert(zone).date(), stamps.max().tz_convert(zone).date()


def check_frame(df: object, caller: str) -> None:
    """InputError naming `caller` when `df` is no DataFrame: a path, an account, a column."""
    if isinstance(df, pd.DataFrame):
        return
    if isinstance(df, str | os.PathLike):  # summarize("archive.zip"): the step before it
        raise InputError(
            f"{caller}: df {os.fspath(df)!r} is a name, not posts: expected {FRAME} "
            f"(linkratio.load({os.fspath(df)!r}) reads them)"
        )
    raise InputError(f"{caller}: df a {type(df).__name__}: expected {FRAME}")


def select_posts(
    df: pd.DataFrame, zone: tzinfo, since: date | None, until: date | None
) -> pd.DataFrame:
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
    posts["category"] = categorical(category, CATEGORIES)
    posts["kind"] = categorical(df["kind"].to_numpy()[keep], KINDS)
    unknown = pd.Series(category[posts["category"].isna().to_numpy()]).dropna()
    if len(unknown):
        raise InputFormatError(
            f"unknown category {unknown.iloc[0]!r} in the post frame: "
            f"expected one of {', '.join(CATEGORIES)}"
        )
    return posts


def categorical(values: Any, categories: tuple[str, ...]) -> pd.Categorical:
    """`values` as a Categorical of `categories`; anything else becomes missing."""
    codes, uniques = pd.factorize(values)
    # Map only the distinct values; the appended -1 keeps missing values (code -1) missing.
    mapping = np.append(pd.Index(categories).get_indexer(uniques), -1)
    return pd.Categorical.from_codes(mapping[codes], categories=list(categories))


def day_table(posts: pd.DataFrame) -> pd.DataFrame:
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


def account_of(df: pd.DataFrame, posts: pd.DataFrame) -> str | None:
    """The frame's `account` attribute (set by `linkratio.load`), else the commonest author."""
    if df.attrs.get("account"):
        return str(df.attrs["account"])
    if "author" not in posts.columns or posts["author"].isna().all():
        return None
    return str(posts["author"].value_counts().index[0])


def account_label(df: pd.DataFrame, owner: str | None) -> str | None:
    """`owner` (a handle) named as a command takes it: `@handle`, `bsky:handle`, ..."""
    if not owner or is_account_name(owner) or is_id_name(owner):
        return owner or None
    platform = str(df["platform"].iloc[0]) if "platform" in df.columns and len(df) else "x"
    return account_name(Account(platform, handle=owner))


def kind_counts(kind: pd.Series) -> dict[str, int]:
    """How many posts of each kind, every kind listed."""
    counts = kind.value_counts().reindex(KINDS, fill_value=0)
    return {k: int(n) for k, n in counts.items()}


def ratio(num: int, den: int) -> float | None:
    """`num / den`, or None when `den` is 0."""
    return num / den if den else None
