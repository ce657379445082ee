"""What the HTML and Markdown reports share: chart titles, examples, the period, names."""

from __future__ import annotations

import errno
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Any

import pandas as pd

from linkratio.analysis import CATEGORIES, Ranked, Summary, resolve_zone
from linkratio.analysis.period import in_days
from linkratio.analysis.rankings import person_name
from linkratio.errors import DiskError, InputError, InputFormatError, LinkratioError
from linkratio.render.text import pct, ratio, talk_only_facts

MAX_TEXT = 600
"""Characters of a post's text an example shows; longer posts end in an ellipsis."""


@dataclass(frozen=True)
class Chart:
    """A chart's title and caption as the reports show it."""

    title: str
    caption: str


CHARTS: dict[str, Chart] = {
    "activity": Chart(
        "Talking vs linking over time",
        "Posts per period stacked by category, with the talk share as a line.",
    ),
    "calendar": Chart(
        "Talk-only days",
        "Each posting day coloured by what dominated it; talk-only days stand out and the "
        "longest streak is marked.",
    ),
    "sites": Chart("Where your links go", "The most linked sites (registered domains)."),
    "partners": Chart(
        "Who you talk with",
        "Your most frequent conversation partners, and fading ties: people you replied to "
        "at least 3 times before but not in the last 60 days.",
    ),
    "hours": Chart("When you talk", "Talk share by weekday and hour of the day."),
}

CATEGORY_NOTES = {
    "conversation": "replies, mentions and questions: counted as talking",
    "link": "posts with a link or quoting someone's post: counted as linking",
    "retweet": "reposts and manual RTs: counted as linking",
    "other": "your own posts and threads: neither talking nor linking",
}

# -- data ------------------------------------------------------------------------------


_EXAMPLE_COLUMNS = ("id", "created_at", "category", "kind", "reason", "text")
"""The frame columns an example post is made of."""


def examples(df: pd.DataFrame, per_category: int = 5) -> dict[str, list[dict[str, Any]]]:
    """The `per_category` most recent posts of each category, newest first.

    Keys are the four categories in report order (an empty list when a category has no
    posts); each post is a dict of `id`, `created_at` (aware UTC datetime), `kind`,
    `reason` and `text`. Posts of the same instant are ordered by id, highest first.
    """
    if per_category < 0:
        raise ValueError(f"per_category must be 0 or more, not {per_category}")
    picked: dict[str, list[dict[str, Any]]] = {c: [] for c in CATEGORIES}
    if df.empty or per_category == 0:
        return picked
    # Any index works, even a repeated one; set_index("id") keeps the ids there.
    df = df.reset_index(drop="id" in df.columns or df.index.name != "id")
    missing = [c for c in _EXAMPLE_COLUMNS if c not in df.columns]
    if missing:
        raise InputFormatError(f"the post frame lacks the column(s) {', '.join(missing)}")
    stamps = pd.to_datetime(df["created_at"], utc=True)
    category = df["category"].to_numpy()
    for name in CATEGORIES:
        mine = stamps[category == name]
        if mine.empty:
            continue
        # Only posts at or after the n-th newest instant can be among the n newest.
        cutoff = mine.nlargest(per_category).iloc[-1]
        picked[name] = _newest(df.loc[mine.index[mine >= cutoff]], per_category)
    return picked


def _newest(rows: pd.DataFrame, n: int) -> list[dict[str, Any]]:
    """The `n` newest of `rows` as example dicts; ties by numeric id, highest first."""
    ids = rows["id"].astype(str)
    # Snowflake ids are decimal strings: by length, then by value, is numeric order.
    order = pd.DataFrame(
        {"at": pd.to_datetime(rows["created_at"], utc=True), "len": ids.str.len(), "id": ids}
    ).sort_values(["at", "len", "id"], ascending=False)
    return [
        {
            "id": ids[i],
            "created_at": order.at[i, "at"].to_pydatetime(),
            "kind": _str(rows.at[i, "kind"]),
            "reason": _str(rows.at[i, "reason"]),
            "text": _str(rows.at[i, "text"]),
        }
        for i in order.index[:n]
    ]


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def in_period(
    df: pd.DataFrame, tz: str | None, since: date | str | None, until: date | str | None
) -> pd.DataFrame:
    """The rows whose local day (in `tz`) lies in [since, until], as `summarize` picks them."""
    if since is None and until is None:
        return df
    return in_days(df, resolve_zone(tz)[0], since, until)


# -- shared formatting -----------------------------------------------------------------


def who(summary: Summary) -> str:
    """Whose posts the report is about: `@handle`, or "your posts"."""
    return summary.account_name or "your posts"


def person(item: Ranked) -> str:
    """A partner as shown: `@handle`, or the account id when no handle was known."""
    return person_name(item.name)


def zone_or_utc(name: str) -> tzinfo | None:
    """The zone named `name`, or None (shown as UTC) when it has no IANA name."""
    try:
        return resolve_zone(name)[0]
    except LinkratioError:
        return None  # a fixed-offset system zone without an IANA name: show UTC


def when(moment: datetime, zone: tzinfo | None) -> str:
    """A post's time as shown: local to `zone`, or UTC."""
    if zone is None:
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"


def clip(text: str) -> str:
    """A post's text cut to MAX_TEXT characters, ending in an ellipsis when cut."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


@dataclass(frozen=True)
class Example:
    """One example post as both reports show it, its time already local and its text clipped."""

    id: str
    created_at: datetime
    when: str
    """`created_at` as shown: local to the summary's zone, or UTC."""
    kind: str
    reason: str
    text: str


@dataclass(frozen=True)
class ExampleGroup:
    """One category's examples and the note on what it counts as."""

    category: str
    note: str
    posts: list[Example]


def example_groups(s: Summary, picked: Mapping[str, list[dict[str, Any]]]) -> list[ExampleGroup]:
    """The example posts (`examples`) of each category, as both reports show them."""
    zone = zone_or_utc(s.tz)
    return [
        ExampleGroup(
            category,
            CATEGORY_NOTES.get(category, ""),
            [
                Example(
                    p["id"],
                    p["created_at"],
                    when(p["created_at"], zone),
                    p["kind"],
                    p["reason"],
                    clip(p["text"]),
                )
                for p in posts
            ],
        )
        for category, posts in picked.items()
    ]


def glance(s: Summary) -> list[tuple[str, str]]:
    """The headline figures, label and value, shared by both renderings."""
    return [
        ("posts", f"{s.posts:,}"),
        ("talk share", pct(s.talk_share)),
        ("talk-to-link", ratio(s.talk_to_link)),
        *talk_only_facts(s),
    ]


def weeks_title(weeks: int) -> str:
    """The heading of the weeks table: "Last week" for one, else "The last N weeks"."""
    return "Last week" if weeks == 1 else f"The last {weeks} weeks"


def out_folder(out_dir: str | Path) -> Path:
    """`out_dir` as a folder, made if missing; InputError when it is a file, DiskError when
    it cannot be made (a read-only or full disk)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder: choose another output folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno not in (errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EIO):
            raise  # no permission, a file on the way: the command says so (exit 2)
        raise DiskError(f"{out_dir}: could not be made ({e.strerror or e})") from None
    return out_dir
