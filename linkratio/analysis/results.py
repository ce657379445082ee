"""The plain data a summary is made of, and the names it counts in (categories, kinds, days)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from linkratio.model import Category, Kind

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
    days: int = 7
    """How many of its 7 days the period and the data (first to last post) cover."""

    @property
    def name(self) -> str:
        """The week as tables show it: `2025-W01`, or `2025-W01 (2 of 7 days)` when partial."""
        return self.label if self.days == 7 else f"{self.label} ({self.days} of 7 days)"


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
    """Which rule wrote it: `no_links`, `no_talk`, `weekday` or `too_little_data`."""
    day: date | None
    """The suggested day (`analysis.pick.pick_day`): after today; None when there is too
    little data to pick one."""
    weekday: str | None = None
    weekday_talk_share: float | None = None
    weekday_talk_only_days: int | None = None
    weekday_posting_days: int | None = None
    last_talk_only: date | None = None
    days_since_talk_only: int | None = None
    last_post: date | None = None
    """The last posting day before today."""
    days_since_post: int | None = None


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
    account_name: str | None = None
    """`account` as a command takes it (`accounts.account_name`): `@handle`, `bsky:handle`,
    `mastodon:@user@host`; what the reports show."""
