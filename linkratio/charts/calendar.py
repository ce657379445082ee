"""The calendar chart: a year of days (the last 12 months, or a calendar year) coloured by
what dominated each."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from linkratio.analysis import CATEGORIES, resolve_zone
from linkratio.analysis.period import as_date, in_days
from linkratio.analysis.series import (
    calendar_days,
)
from linkratio.charts.args import checked
from linkratio.charts.style import (
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    LEGEND,
    NARROW_LEGEND,
    NO_POSTS_COLOR,
    SUBTITLE,
    TEXT,
    figure,
    placeholder,
    plain,
    rects,
)
from linkratio.wording import counted


@checked
def calendar_chart(
    df: pd.DataFrame,
    tz: str | None = None,
    year: int | None = None,
    *,
    narrow: bool = False,
    since: date | str | None = None,
    until: date | str | None = None,
) -> Figure:
    """A year of days (weeks x weekdays) coloured by what dominated each; talk-only outlined.

    The year is `year`, or by default the 12 months ending with the last post's month.
    `narrow` draws it for a phone: the weeks in three bands (about four months each),
    one above the other, so a day stays a cell you can see. `since`/`until`: the period
    (only its posts are drawn: `df` may hold more); the days outside it are left blank,
    not shown as days without posts.
    """
    local, zone = resolve_zone(tz)
    days = calendar_days(in_days(df, local, since, until), tz, year)  # a whole frame: its period
    bands = 3 if narrow else 1
    fig = figure(narrow, 3.3 if bands == 1 else 6.2, _title(days, year))
    ax = fig.add_subplot()
    if days.empty:
        placeholder(ax, "no posts in this period")
        return fig
    first = pd.Timestamp(days["date"].iloc[0])
    offset = (pd.to_datetime(days["date"]) - first).dt.days.to_numpy() + first.weekday()
    per = -(-(offset.max() // 7 + 1) // bands)  # weeks per band, rounded up
    col, row = offset // 7 % per, offset % 7 + _BAND * (offset // 7 // per)
    colors = np.array([to_rgba(NO_POSTS_COLOR)] * len(days))
    for cat in CATEGORIES:
        colors[(days["dominant"] == cat).to_numpy()] = to_rgba(CATEGORY_COLORS[cat])
    outside = _outside(days, as_date(since, local), as_date(until, local))
    colors[outside] = to_rgba("white")
    edges = np.array([to_rgba("white")] * len(days))
    edges[outside] = to_rgba(NO_POSTS_COLOR)
    _cells(ax, col, row, colors, edge=edges, lw=1.0)
    only = days["talk_only"].to_numpy()
    _cells(ax, col[only], row[only], "none", edge="black", lw=1.6 if bands == 1 else 1.0)
    streak = days["in_longest_streak"].to_numpy()
    dot = 14 if bands == 1 else 8
    ax.scatter(col[streak] + 0.5, row[streak] + 0.5, s=dot, **_STREAK_DOT)
    _calendar_axes(ax, days, col, row, zone)
    ax.set_title(_streak_note(days, narrow), **{**SUBTITLE, "fontsize": 9 if narrow else 10})
    legend = NARROW_LEGEND if narrow else LEGEND
    fig.legend(handles=_calendar_legend(bool(outside.any())), ncols=2 if narrow else 4, **legend)
    return fig


def _outside(days: pd.DataFrame, first: date | None, last: date | None) -> np.ndarray:
    """Which days of the calendar lie outside the period [first, last]."""
    dates = pd.to_datetime(days["date"])
    outside = np.zeros(len(days), dtype=bool)
    if first is not None:
        outside |= (dates < pd.Timestamp(first)).to_numpy()
    if last is not None:
        outside |= (dates > pd.Timestamp(last)).to_numpy()
    return outside


_STREAK_DOT: dict[str, Any] = {
    "color": "white",
    "edgecolor": "black",
    "linewidth": 0.8,
    "zorder": 3,
}
_BAND = 9
"""Rows from one band of weeks to the next: 7 weekdays and room for the month names."""


def _title(days: pd.DataFrame, year: int | None) -> str:
    if year is not None:
        return f"Talk-only days in {year}"
    if days.empty:
        return "Talk-only days"
    first, last = days["date"].iloc[0], days["date"].iloc[-1]
    return f"Talk-only days, {first:%b %Y} to {last:%b %Y}"


def _cells(
    ax: Axes, col: np.ndarray, row: np.ndarray, face: object, edge: object, lw: float
) -> None:
    """Draw one square per (col, row) day in a single collection."""
    inset = 0.06
    cells = rects(
        col + inset,
        col + 1 - inset,
        row + inset,
        row + 1 - inset,
        facecolors=face,
        edgecolors=edge,
        linewidths=lw,
        zorder=2 if isinstance(face, str) else 1,
    )
    ax.add_collection(cells)


def _calendar_axes(
    ax: Axes, days: pd.DataFrame, col: np.ndarray, row: np.ndarray, zone: str
) -> None:
    """Month names above the weeks they start in (with the year on the first and January)."""
    dates = pd.to_datetime(days["date"])
    starts = np.flatnonzero(dates.dt.day.to_numpy() == 1)
    bands = int(row.max()) // _BAND + 1
    for i, at in enumerate(starts):
        # On a phone the title alone names the years: a band is too short for "Jan 2024".
        with_year = bands == 1 and (i == 0 or dates.iloc[at].month == 1)
        name = dates.iloc[at].strftime("%b %Y" if with_year else "%b")
        top = row[at] - row[at] % _BAND  # the first row of the day's band
        ax.text(col[at], top - 0.35, name, fontsize=9, va="bottom", ha="left", **TEXT)
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    shown = names if bands == 1 else [n if i % 2 == 0 else "" for i, n in enumerate(names)]
    ax.set_yticks([b * _BAND + d + 0.5 for b in range(bands) for d in range(7)], shown * bands)
    ax.set_xticks([])
    ax.tick_params(length=0, labelsize=9)
    ax.set_xlim(-0.2, col.max() + 1.2)
    ax.set_ylim((bands - 1) * _BAND + 7.1, -1.6)
    ax.set_aspect("equal")
    ax.set_xlabel(plain(f"weeks (days in {zone} time)"), fontsize=9)
    ax.set_ylabel("weekday", fontsize=9)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _streak_note(days: pd.DataFrame, narrow: bool = False) -> str:
    """How many talk-only days, and the longest streak (on two shorter lines on a phone)."""
    sep, unit = ("\n", "days") if narrow else ("; ", "posting days")
    only, streak = int(days["talk_only"].sum()), days.loc[days["in_longest_streak"], "date"]
    posting = int((days["posts"] > 0).sum())
    note = f"{only} talk-only of {counted(posting, 'posting day')}"
    if len(streak) == 1:
        note += f"{sep}longest streak: 1 {unit[:-1]}, {streak.iloc[0]:%d %b}"
    elif len(streak):
        note += (
            f"{sep}longest streak: {len(streak)} {unit}, "
            f"{streak.iloc[0]:%d %b} to {streak.iloc[-1]:%d %b}"
        )
    return note


def _calendar_legend(outside: bool) -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [
        Patch(facecolor=CATEGORY_COLORS[c], label=f"mostly {CATEGORY_LABELS[c].split()[0]}")
        for c in CATEGORIES
    ]
    handles.append(Patch(facecolor=NO_POSTS_COLOR, label="no posts"))
    if outside:
        handles.append(
            Patch(facecolor="white", edgecolor=NO_POSTS_COLOR, label="outside the period")
        )
    handles.append(
        Patch(facecolor="white", edgecolor="black", linewidth=1.6, label="talk-only day")
    )
    handles.append(
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=5,
            markerfacecolor="white",
            markeredgecolor="black",
            label="longest talk-only streak",
        )
    )
    return handles
