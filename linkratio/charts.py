"""The five charts of the report, each a matplotlib Figure drawn from `linkratio.analysis.series`.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot: no GUI
backend, no global figure registry, nothing to close but the object itself. Every
string taken from posts (handles, domains) is drawn as plain text: `$` is escaped
and TeX is off, so a handle such as `$evil$` never becomes mathtext.
"""

from __future__ import annotations

from datetime import datetime

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from linkratio.analysis import CATEGORIES, resolve_zone
from linkratio.analysis.series import (
    FREQ_NAMES,
    ROLLING_BINS,
    activity_bins,
    calendar_days,
    fading_ties,
    hour_grid,
    hour_posts,
    top_partners,
    top_sites,
)

CATEGORY_COLORS: dict[str, str] = {
    "conversation": "#0072B2",  # Okabe-Ito blue: darkest in grey print
    "link": "#E69F00",  # Okabe-Ito orange: light
    "retweet": "#D55E00",  # Okabe-Ito vermillion: mid, hatched
    "other": "#BBBBBB",  # neutral grey: lightest fill, dotted
}
"""One colour per category (Okabe-Ito, colour-blind safe); lightness differs for grey print."""
CATEGORY_HATCHES: dict[str, str] = {
    "conversation": "",
    "link": "",
    "retweet": "////",
    "other": "..",
}
"""Hatching that keeps retweet and other apart from link in grey print."""
CATEGORY_LABELS: dict[str, str] = {
    "conversation": "conversation (talking)",
    "link": "link",
    "retweet": "retweet",
    "other": "other",
}
"""Legend names of the categories."""
NO_POSTS_COLOR = "#EEEEEE"
"""Calendar cells of days without posts."""
SHARE_CMAP = "cividis"
"""Talk-share colour map: colour-blind safe and monotonic in lightness (grey-print safe)."""

_TEXT = {"usetex": False}
_MUTED = "#555555"
_SUBTITLE = {"fontsize": 10, "color": _MUTED, "usetex": False}
_NOTE = {"ha": "center", "va": "center", "fontsize": 12, "color": _MUTED, "usetex": False}
_LEGEND = {"loc": "outside lower center", "frameon": False, "fontsize": 9}


def _plain(text: object) -> str:
    """`text` as a literal matplotlib string: every `$` escaped so mathtext never runs."""
    return str(text).replace("$", r"\$")


def _figure(width: float, height: float, title: str) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    fig.suptitle(_plain(title), fontsize=14, fontweight="bold", **_TEXT)
    return fig


def _placeholder(ax: Axes, message: str) -> None:
    """Turn `ax` into a readable note that there is nothing to draw."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#CCCCCC")
    ax.text(0.5, 0.5, _plain(message), transform=ax.transAxes, wrap=True, **_NOTE)


# --- 1. activity -------------------------------------------------------------------------


def activity_chart(df: pd.DataFrame, tz: str | None = None) -> Figure:
    """Stacked posts per category per day/week/month, with the rolling talk share on top."""
    fig = _figure(10, 5, "Talking vs linking over time")
    ax = fig.add_subplot()
    bins = activity_bins(df, tz)
    unit = FREQ_NAMES[bins.attrs["freq"]]
    _, zone = resolve_zone(tz)
    ax.set_xlabel(_plain(f"{unit}{' (from Monday)' if unit == 'week' else ''}, {zone} time"))
    ax.set_ylabel(f"posts per {unit}")
    if bins.empty:
        _placeholder(ax, "no posts in this period")
        return fig
    x = mdates.date2num(bins.index.to_numpy())
    ends = bins.index + pd.tseries.frequencies.to_offset(bins.attrs["freq"])
    width = (mdates.date2num(ends.to_numpy()) - x) * (0.85 if len(bins) < 200 else 1.0)
    _stacked_bars(ax, bins, x, width)
    _date_axis(ax, x[0], x[-1] + width[-1], unit)
    share = ax.twinx()
    label = f"talk share ({ROLLING_BINS}-{unit} mean)"
    line = share.plot(
        x + width / 2,
        bins["talk_share_rolling"].to_numpy() * 100,
        color="black",
        linewidth=2,
        marker="o" if len(bins) <= 12 else None,
        clip_on=False,
        label=label,
    )
    share.set_ylim(0, 100)
    share.yaxis.set_major_formatter(PercentFormatter(100))
    share.set_ylabel(f"talk share (%), {ROLLING_BINS}-{unit} rolling mean")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles + line, [*labels, label], ncols=5, **_LEGEND)
    return fig


def _stacked_bars(ax: Axes, bins: pd.DataFrame, x: np.ndarray, width: np.ndarray) -> None:
    """The categories stacked per bin, conversation at the bottom."""
    bottom = np.zeros(len(bins))
    for cat in CATEGORIES:
        top = bottom + bins[cat].to_numpy(dtype=float)
        # One collection per category, not one patch per bar: 50x faster for long histories.
        bars = _rects(
            x,
            x + width,
            bottom,
            top,
            facecolors=CATEGORY_COLORS[cat],
            hatch=CATEGORY_HATCHES[cat] or None,
            hatchcolor="#333333",
            linewidths=0,
            label=CATEGORY_LABELS[cat],
        )
        ax.add_collection(bars, autolim=True)
        bottom = top
    ax.set_ylim(0, max(bottom.max(), 1) * 1.05)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def _date_axis(ax: Axes, start: float, end: float, unit: str) -> None:
    """Concise, non-colliding date ticks over at least a week (a month for monthly bins)."""
    least = {"day": 7, "week": 28, "month": 92}[unit]
    if end - start < least:
        mid = (start + end) / 2
        start, end = mid - least / 2, mid + least / 2
    pad = (end - start) * 0.01
    ax.set_xlim(start - pad, end + pad)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


# --- 2. calendar -------------------------------------------------------------------------


def calendar_chart(df: pd.DataFrame, tz: str | None = None, year: int | None = None) -> Figure:
    """A year of days (weeks x weekdays) coloured by what dominated each; talk-only outlined."""
    days = calendar_days(df, tz, year)
    year = year if year is not None else (days["date"].iloc[0].year if len(days) else None)
    fig = _figure(11, 3.3, f"Talk-only days in {year}" if year else "Talk-only days")
    ax = fig.add_subplot()
    _, zone = resolve_zone(tz)
    if days.empty:
        _placeholder(ax, "no posts in this period")
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
    ax.set_title(_streak_note(days), **_SUBTITLE)
    fig.legend(handles=_calendar_legend(), ncols=4, **_LEGEND)
    return fig


def _cells(ax: Axes, col: np.ndarray, row: np.ndarray, face: object, edge: str, lw: float) -> None:
    """Draw one square per (col, row) day in a single collection."""
    inset = 0.06
    cells = _rects(
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


def _rects(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray, **kwargs: object
) -> PolyCollection:
    """Rectangles [x0, x1] x [y0, y1] as one PolyCollection (one artist, fast to draw)."""
    corners = [np.stack(p, 1) for p in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    return PolyCollection(np.stack(corners, axis=1), **kwargs)


def _calendar_axes(ax: Axes, days: pd.DataFrame, col: np.ndarray, zone: str) -> None:
    dates = pd.to_datetime(days["date"])
    starts = np.flatnonzero(dates.dt.day.to_numpy() == 1)
    ax.set_xticks(col[starts] + 0.5, [d.strftime("%b") for d in dates.iloc[starts]])
    ax.set_yticks(np.arange(7) + 0.5, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.tick_params(length=0, labelsize=9)
    ax.set_xlim(-0.2, col.max() + 1.2)
    ax.set_ylim(7.1, -0.1)
    ax.set_aspect("equal")
    ax.set_xlabel(_plain(f"month (days in {zone} time)"), fontsize=9)
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


# --- 3. sites and 4. partners ------------------------------------------------------------


def _ranking(
    ax: Axes,
    ranked: pd.Series,
    color: str,
    xlabel: str,
    ylabel: str,
    labels: list[str] | None = None,
    rows: int = 0,
) -> None:
    """Horizontal bars of `ranked` (most on top), each labelled; `rows` fixes the bar pitch."""
    names = [_plain(n) for n in ranked.index]
    y = np.arange(len(ranked))
    bars = ax.barh(y, ranked.to_numpy(), color=color, height=0.7)
    ax.set_yticks(y, names, **_TEXT)
    ax.set_ylim(max(rows, len(ranked)) - 0.4, -0.6)
    ax.bar_label(
        bars, labels=[_plain(s) for s in labels] if labels else None, padding=3, fontsize=8, **_TEXT
    )
    # Room on the right for the bar labels (long ones for fading ties).
    ax.set_xlim(0, max(float(ranked.max()), 1.0) * (2.1 if labels else 1.15))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)


def sites_chart(df: pd.DataFrame, top: int = 15) -> Figure:
    """The `top` registered domains the posts link to, as horizontal bars."""
    sites = top_sites(df, top)
    fig = _figure(8, 1.6 + 0.3 * max(len(sites), 5), "Where your links go")
    ax = fig.add_subplot()
    ax.set_title(f"top {top} linked sites (registered domains)", **_SUBTITLE)
    if sites.empty:
        _placeholder(ax, "no links in this period")
        ax.set_xlabel("posts linking to the site")
        return fig
    _ranking(ax, sites, CATEGORY_COLORS["link"], "posts linking to the site", "site", rows=5)
    return fig


def partners_chart(df: pd.DataFrame, top: int = 15, now: datetime | None = None) -> Figure:
    """The `top` conversation partners, beside the fading ties (3+ replies, none in 60 days)."""
    partners = top_partners(df, top)
    ties = fading_ties(df, now=now)
    quiet = ties.attrs.get("now")
    ties = ties.head(top)
    rows = max(len(partners), len(ties), 5)
    fig = _figure(12, 1.8 + 0.3 * rows, "Who you talk with")
    left, right = fig.subplots(1, 2)
    left.set_title(f"top {top} conversation partners", **_SUBTITLE)
    until = f" to {quiet:%Y-%m-%d}" if quiet is not None else ""
    right.set_title(f"fading ties: 3+ replies, none in the 60 days{until}", **_SUBTITLE)
    if partners.empty:
        _placeholder(left, "no conversation partners in this period")
    else:
        _ranking(
            left,
            partners,
            CATEGORY_COLORS["conversation"],
            "conversation posts with them",
            "account",
            rows=rows,
        )
    if ties.empty:
        _placeholder(right, "no fading ties: nobody you talked with\n3+ times has gone quiet")
    else:
        counts = pd.Series(ties["replies_before"].to_numpy(), index=ties["account"].to_numpy())
        labels = [
            f"{n} · last {d:%Y-%m-%d}, {s} days ago"
            for n, d, s in zip(counts, ties["last_reply"], ties["days_since"], strict=True)
        ]
        _ranking(
            right, counts, "#56B4E9", "replies before they went quiet", "account", labels, rows=rows
        )
    return fig


# --- 5. hours ----------------------------------------------------------------------------


def hours_chart(df: pd.DataFrame, tz: str | None = None) -> Figure:
    """Talk share per weekday and hour of day, in the user's time zone."""
    grid, posts = hour_grid(df, tz), hour_posts(df, tz)
    _, zone = resolve_zone(tz)
    fig = _figure(12, 4.2, "When you talk")
    ax = fig.add_subplot()
    ax.set_title("talk share of the posts in each hour (blank: no posts)", **_SUBTITLE)
    cmap = colormaps[SHARE_CMAP].with_extremes(bad="white")
    image = ax.imshow(
        grid.to_numpy() * 100,
        cmap=cmap,
        vmin=0,
        vmax=100,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, 23.5, 6.5, -0.5),
    )
    _cell_labels(ax, grid.to_numpy(), posts.to_numpy())
    ax.set_xticks(range(24), [f"{h:02d}" for h in range(24)])
    ax.set_yticks(range(7), list(grid.index))
    # Cell borders as two collections: minor ticks would cost an artist per line.
    ax.vlines(np.arange(0.5, 23), -0.5, 6.5, color="#DDDDDD", linewidth=0.5)
    ax.hlines(np.arange(0.5, 6), -0.5, 23.5, color="#DDDDDD", linewidth=0.5)
    ax.set_xlabel(_plain(f"hour of day ({zone} time)"))
    ax.set_ylabel("weekday")
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(100), pad=0.01)
    bar.set_label("talk share (%)")
    return fig


def _cell_labels(ax: Axes, share: np.ndarray, posts: np.ndarray) -> None:
    """Write each cell's talk share (percent) in it; say so when there are no posts at all."""
    for r, c in zip(*np.nonzero(posts), strict=True):
        ax.text(
            c,
            r,
            f"{share[r, c] * 100:.0f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if share[r, c] < 0.55 else "black",
            **_TEXT,
        )
    if not posts.any():
        ax.text(11.5, 3, "no posts in this period", **_NOTE)


def all_charts(df: pd.DataFrame, tz: str | None = None) -> dict[str, Figure]:
    """Every chart of the report, by name, in report order."""
    return {
        "activity": activity_chart(df, tz),
        "calendar": calendar_chart(df, tz),
        "sites": sites_chart(df),
        "partners": partners_chart(df),
        "hours": hours_chart(df, tz),
    }
