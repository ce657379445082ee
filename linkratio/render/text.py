"""Renderings of one summary: an aligned terminal report and JSON."""

from __future__ import annotations

import json
import textwrap

from linkratio.analysis import (
    Ranked,
    Streak,
    Summary,
    check_summary,
    person_name,
    summary_to_dict,
)
from linkratio.model import Kind
from linkratio.render.escape import json_inert, terminal_safe
from linkratio.wording import counted

BAR_WIDTH = 20
"""Cells of the weekly bar at 100% talk."""
_LABEL = 20
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_MAX_NAME = 40


_MAX_ACCOUNT = 300
"""Characters of the account's name the header shows: a Mastodon name whole (a 30-character
user on a 253-character host), a name made to flood the terminal cut short."""


def _name(text: str, limit: int = _MAX_NAME) -> str:
    """A post-derived name made safe and short enough to align (or, with `limit`, to show)."""
    text = terminal_safe(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- formatting shared by every rendering (terminal, HTML, Markdown) -----------------


def pct(share: float | None) -> str:
    """A share as a percentage with one decimal, or a dash when there is none."""
    return "—" if share is None else f"{share * 100:.1f}%"


def ratio(value: float | None) -> str:
    """Talk-to-link as shown: `0.42`, or `no links` when nothing was linked."""
    return "no links" if value is None else f"{value:.2f}"


def days(n: int) -> str:
    """`1 day`, `3 days`."""
    return f"{n} day" if n == 1 else f"{n} days"


def streak_text(streak: Streak) -> str:
    """A streak as `8 days (2024-08-18 to 2024-08-26)`, `1 day (2024-08-18)`, or `0 days`."""
    if not streak.length:
        return "0 days"
    if streak.start == streak.end:
        return f"{days(streak.length)} ({streak.start})"
    return f"{days(streak.length)} ({streak.start} to {streak.end})"


def kinds_text(s: Summary, category: str) -> str:
    """The non-zero kinds of a category, e.g. `reply 811, mention 47`."""
    return ", ".join(
        f"{k.value} {s.kinds.get(k.value, 0):,}"
        for k in Kind
        if k.category.value == category and s.kinds.get(k.value, 0)
    )


def talk_only_facts(s: Summary) -> list[tuple[str, str]]:
    """The talk-only-day figures, label and value, as every rendering shows them."""
    t = s.talk_only
    share = t.count / t.posting_days if t.posting_days else None
    last = "none in this period"
    if t.last is not None and t.days_since_last:
        last = f"{t.last} ({days(t.days_since_last)} before {s.period_end})"
    elif t.last is not None:  # the period's last day itself
        last = str(t.last)
    return [
        ("talk-only days", f"{t.count} of {counted(t.posting_days, 'posting day')} ({pct(share)})"),
        ("longest streak", streak_text(t.longest)),
        ("current streak", streak_text(t.current)),
        ("last talk-only day", last),
    ]


def _bar(share: float | None) -> str:
    """A bar of block characters, `BAR_WIDTH` cells for 100%, in eighths of a cell."""
    if share is None:
        return ""
    eighths = round(max(0.0, min(1.0, share)) * BAR_WIDTH * 8)
    full, rest = divmod(eighths, 8)
    return _FULL * full + (_EIGHTHS[rest] if rest else "")


def _row(label: str, value: str) -> str:
    return f"  {label:<{_LABEL}}{value}"


def _header(s: Summary) -> list[str]:
    who = _name(s.account_name, _MAX_ACCOUNT) if s.account_name else "your posts"
    zone = terminal_safe(s.tz)
    return [f"linkratio: {who}, {s.period_start} to {s.period_end} ({zone})"]


def _posts(s: Summary) -> list[str]:
    return [
        "Posts",
        _row("posts", f"{s.posts:,}"),
        _row("first post day", str(s.first_day)),
        _row("last post day", str(s.last_day)),
    ]


def _categories(s: Summary) -> list[str]:
    lines = ["Categories"]
    width = max(len(f"{c.count:,}") for c in s.categories)
    for c in s.categories:
        kinds = kinds_text(s, c.category)
        value = f"{c.count:>{width},}  {pct(c.share):>6}"
        lines.append(_row(c.category, value + (f"  ({kinds})" if kinds else "")))
    return lines


def _talking(s: Summary) -> list[str]:
    return [
        "Talking vs linking",
        _row("talk share", pct(s.talk_share)),
        _row("talk-to-link", ratio(s.talk_to_link)),
    ]


def _talk_only(s: Summary) -> list[str]:
    return ["Talk-only days"] + [_row(label, value) for label, value in talk_only_facts(s)]


def _weeks(s: Summary) -> list[str]:
    width = max(len(w.name) for w in s.weeks) + 2
    title = "Last week" if len(s.weeks) == 1 else f"Last {len(s.weeks)} weeks"
    lines = [title, f"  {'week':<{width}}{'from':<12}{'posts':>6}{'talk':>8}"]
    for w in s.weeks:
        row = f"  {w.name:<{width}}{w.start!s:<12}{w.posts:>6,}{pct(w.talk_share):>8}"
        lines.append(f"{row}  {_bar(w.talk_share)}".rstrip())
    return lines


def _ranked(title: str, items: tuple[Ranked, ...], people: bool, empty: str) -> list[str]:
    if not items:
        return [title, f"  {empty}"]
    names = [_name(person_name(item.name)) if people else _name(item.name) for item in items]
    width = max(_LABEL, max(len(n) for n in names) + 2)
    rows = zip(names, items, strict=True)
    return [title] + [f"  {n:<{width}}{item.count:>6,}" for n, item in rows]


def short_links_text(s: Summary) -> str:
    """One sentence on how many links went through a shortener ('' when there are no links)."""
    if not s.links:
        return ""
    if not s.short_links:
        if s.links == 1:
            return "The 1 link did not go through a link shortener."
        return f"None of the {s.links:,} links went through a link shortener."
    share = pct(s.short_links / s.links)
    return (
        f"{s.short_links:,} of {counted(s.links, 'link')} ({share}) went through a link shortener."
    )


def _short(s: Summary) -> list[str]:
    ranked = _ranked("Short links", s.shorteners, False, "")
    text = short_links_text(s) or "no links"
    return [ranked[0], f"  {text}", *(ranked[1:] if s.shorteners else [])]


def _nudge(s: Summary) -> list[str]:
    body = textwrap.wrap(terminal_safe(s.nudge.text), width=76, break_on_hyphens=False)
    return ["Nudge"] + [f"  {line}" for line in body]


def render_text(summary: Summary) -> str:
    """Return a readable, aligned terminal report of `summary`; post data is escaped."""
    check_summary(summary, "render_text")
    sections = [
        _header(summary),
        _posts(summary),
        _categories(summary),
        _talking(summary),
        _talk_only(summary),
        _weeks(summary),
        _ranked("Top sites", summary.top_sites, False, "no links to other sites"),
        _short(summary),
        _ranked("People you talk with", summary.partners, True, "nobody yet"),
        _nudge(summary),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def render_json(summary: Summary) -> str:
    """Return `summary` as indented JSON (see `summary_to_dict`)."""
    check_summary(summary, "render_json")
    return json_inert(json.dumps(summary_to_dict(summary), indent=2, ensure_ascii=False))
