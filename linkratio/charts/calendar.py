"""The calendar chart: a year of days (the last 12 months, or a calendar year) coloured by
what dominated each."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from linkratio.analysis import CATEGORIES, resolve_zone
from linkratio.analysis.series import (
    calendar_days,
)
from linkratio.charts.style import (
    CATEGORY_COLORS,
    CATEGORY_LABELS,
    LEGEND,
    NO_POSTS_COLOR,
    SUBTITLE,
    figure,
    placeholder,
    plain,
    rects,
)


def calendar_chart(df: pd.DataFrame, tz: str | None = None, year: int | None = None) -> Figure:
    """A year of days (weeks x weekdays) coloured by what dominated each; talk-only outlined.

    The year is `year`, or by default the 12 months ending with the last post's month.
    """
    days = calendar_days(df, tz, year)
    fig = figure(11, 3.3, _title(days, year))
    ax = fig.add_subplot()
    _, zone = resolve_zone(tz)
    if days.empty:
        placeholder(ax, "no posts in this period")
        return fig
    first = pd.Timestamp(days["date"].iloc[0])
    offset = (pd.to_datetime(days["date"]) - first).dt.days.to_numpy() + first.weekday()
    col, row = offset // 7, offset % 7
    colors = np.array([to_rgba(NO_POSTS_COLOR)] * len(days))
    for cat in CATEGORIES:
        colors[(days["dominant"] == cat).to_numpy()] = to_rgba(CATEGORY_COLORS[cat])
    _cells(ax, col, row, colors, edge="white", lw=1.0)
    only = days["talk_only"].to_numpy()
    _cells(ax, col[only], row[only], "none", edge="black", lw=1.6)
    streak = days["in_longest_streak"].to_numpy()
    ax.scatter(
        col[streak] + 0.5,
        row[streak] + 0.5,
        s=14,
        color="white",
        edgecolor="black",
        linewidth=0.8,
        zorder=3,
    )
    _calendar_axes(ax, days, col, zone)
    ax.set_title(_streak_note(days), **SUBTITLE)
    fig.legend(handles=_calendar_legend(), ncols=4, **LEGEND)
    return fig


def _title(days: pd.DataFrame, year: int | None) -> str:
    if year is not None:
        return f"Talk-only days in {year}"
    if days.empty:
        return "Talk-only days"
    first, last = days["date"].iloc[0], days["date"].iloc[-1]
    return f"Talk-only days, {first:%b %Y} to {last:%b %Y}"


def _cells(ax: Axes, col: np.ndarray, row: np.ndarray, face: object, edge: str, lw: float) -> None:
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


def _calendar_axes(ax: Axes, days: pd.DataFrame, col: np.ndarray, zone: str) -> None:
    dates = pd.to_datetime(days["date"])
    starts = np.flatnonzero(dates.dt.day.to_numpy() == 1)
    # The year goes on the first month and on January, so a window across two years reads.
    names = [
        d.strftime("%b %Y" if i == 0 or d.month == 1 else "%b")
        for i, d in enumerate(dates.iloc[starts])
    ]
    ax.set_xticks(col[starts] + 0.5, names)
    ax.set_yticks(np.arange(7) + 0.5, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.tick_params(length=0, labelsize=9)
    ax.set_xlim(-0.2, col.max() + 1.2)
    ax.set_ylim(7.1, -0.1)
    ax.set_aspect("equal")
    ax.set_xlabel(plain(f"month (days in {zone} time)"), fontsize=9)
    ax.set_ylabel("weekday", fontsize=9)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _streak_note(days: pd.DataFrame) -> str:
    only, streak = int(days["talk_only"].sum()), days.loc[days["in_longest_streak"], "date"]
    posting = int((days["posts"] > 0).sum())
    note = f"{only} talk-only of {posting} posting days"
    if len(streak) == 1:
        note += f"; longest streak: 1 posting day, {streak.iloc[0]:%d %b}"
    elif len(streak):
        note += (
            f"; longest streak: {len(streak)} posting days, "
            f"{streak.iloc[0]:%d %b} to {streak.iloc[-1]:%d %b}"
        )
    return note


def _calendar_legend() -> list[Patch | Line2D]:
    handles: list[Patch | Line2D] = [
        Patch(facecolor=CATEGORY_COLORS[c], label=f"mostly {CATEGORY_LABELS[c].split()[0]}")
        for c in CATEGORIES
    ]
    handles.append(Patch(facecolor=NO_POSTS_COLOR, label="no posts"))
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
