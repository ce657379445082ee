"""The activity chart: posts per category over time, with the talk share of recent bins."""

from __future__ import annotations

from datetime import date

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator, PercentFormatter

from linkratio.analysis import CATEGORIES, resolve_zone
from linkratio.analysis.period import as_date, in_days
from linkratio.analysis.series import (
    FREQ_NAMES,
    ROLLING_BINS,
    activity_bins,
)
from linkratio.charts.args import checked
from linkratio.charts.style import (
    CATEGORY_COLORS,
    CATEGORY_HATCHES,
    CATEGORY_LABELS,
    LEGEND,
    NARROW_LEGEND,
    figure,
    placeholder,
    plain,
    rects,
)


@checked
def activity_chart(
    df: pd.DataFrame,
    tz: str | None = None,
    *,
    narrow: bool = False,
    since: date | str | None = None,
    until: date | str | None = None,
) -> Figure:
    """Stacked posts per category per day/week/month, with the talk share of recent bins on top.

    The line is `activity_bins`' `talk_share_rolling`: conversation / posts over the bin
    and the ones before it, broken where a bin has no posts. `narrow` draws it for a
    phone: narrower, taller, fewer ticks, the legend in two columns. `since`/`until`
    name the period (only its posts are drawn: `df` may hold more): a week or month
    that it and the data (first to last post) cover only in part is drawn lighter and
    outlined, as a "partial" bin (the weekly table's "2 of 7 days"), so its fewer posts
    do not read as a dip.
    """
    fig = figure(narrow, 4.6, "Talking vs linking over time")
    ax = fig.add_subplot()
    local, zone = resolve_zone(tz)
    bins = activity_bins(in_days(df, local, since, until), tz)  # a whole frame: its period
    unit = FREQ_NAMES[bins.attrs["freq"]]
    monday = " (from Monday)" if unit == "week" and not narrow else ""
    ax.set_xlabel(plain(f"{unit}{monday}, {zone} time"))
    ax.set_ylabel(f"posts per {unit}")
    if bins.empty:
        placeholder(ax, "no posts in this period")
        return fig
    x = mdates.date2num(bins.index.to_numpy())
    ends = bins.index + pd.tseries.frequencies.to_offset(bins.attrs["freq"])
    width = (mdates.date2num(ends.to_numpy()) - x) * (0.85 if len(bins) < 200 else 1.0)
    partial = _partial(bins, ends, as_date(since, local), as_date(until, local))
    _stacked_bars(ax, bins, x, width, 4 if narrow else 8, partial)
    _date_axis(ax, x[0], x[-1] + width[-1], unit, 5 if narrow else 10)
    share = ax.twinx()
    line = _share_line(share, x + width / 2, bins["talk_share_rolling"].to_numpy(), unit)
    if narrow:
        share.set_ylabel("talk share (%)")
    handles, labels = ax.get_legend_handles_labels()
    if partial.any():
        handles.append(Patch(facecolor=PARTIAL_FACE, edgecolor=PARTIAL_EDGE, linestyle="--"))
        labels.append(f"partial {unit}")
    fig.legend(
        [*handles, line],
        [*labels, str(line.get_label())],
        ncols=2 if narrow else 5,
        **(NARROW_LEGEND if narrow else LEGEND),
    )
    return fig


def _share_line(share: Axes, x: np.ndarray, rolling: np.ndarray, unit: str) -> Line2D:
    """The pooled talk share in percent, with gaps where a bin has no posts.

    A bin with posts between two empty ones would be a line of no length: it gets a dot.
    """
    y = rolling * 100
    known = ~np.isnan(y)
    alone = known & ~np.r_[False, known[:-1]] & ~np.r_[known[1:], False]
    label = f"talk share (last {ROLLING_BINS} {unit}s)"
    (line,) = share.plot(x, y, color="black", linewidth=2, label=label)
    if len(y) <= 12 or alone.any():
        marks = slice(None) if len(y) <= 12 else alone
        share.plot(x[marks], y[marks], linestyle="none", marker="o", color="black", ms=4)
    # 0..100% with a margin: a line at 0% or 100% stays inside the axes, never on its edge.
    share.set_ylim(-5, 105)
    share.set_yticks([0, 25, 50, 75, 100])
    share.yaxis.set_major_formatter(PercentFormatter(100))
    share.set_ylabel(f"talk share (%) of the last {ROLLING_BINS} {unit}s' posts")
    return line


PARTIAL_ALPHA = 0.4
"""How opaque the bars of a bin the period covers in part are (a whole bin's: 1)."""
PARTIAL_FACE = (0.5, 0.5, 0.5, PARTIAL_ALPHA)
PARTIAL_EDGE = "#333333"


def _partial(
    bins: pd.DataFrame, ends: pd.DatetimeIndex, since: date | None, until: date | None
) -> np.ndarray:
    """Which bins [start, end) the period and the data (first to last post) cover only in
    part: the weekly table's partial weeks (a period past the last post ends with it)."""
    first, last = pd.Timestamp(bins.attrs["first"]), pd.Timestamp(bins.attrs["last"])
    if since is not None:
        first = max(first, pd.Timestamp(since))
    if until is not None:
        last = min(last, pd.Timestamp(until))
    return np.asarray((bins.index < first) | (ends - pd.Timedelta(days=1) > last))


def _stacked_bars(
    ax: Axes, bins: pd.DataFrame, x: np.ndarray, width: np.ndarray, ticks: int, partial: np.ndarray
) -> None:
    """The categories stacked per bin, conversation at the bottom; `partial` bins lighter."""
    bottom = np.zeros(len(bins))
    for cat in CATEGORIES:
        top = bottom + bins[cat].to_numpy(dtype=float)
        colors = np.array([to_rgba(CATEGORY_COLORS[cat])] * len(bins))
        colors[partial, 3] = PARTIAL_ALPHA
        # One collection per category, not one patch per bar: 50x faster for long histories.
        bars = rects(
            x,
            x + width,
            bottom,
            top,
            facecolors=colors,
            hatch=CATEGORY_HATCHES[cat] or None,
            hatchcolor="#333333",
            linewidths=0,
            label=CATEGORY_LABELS[cat],
        )
        ax.add_collection(bars, autolim=True)
        bottom = top
    for at in np.flatnonzero(partial):  # outlined whole, dashed, as in the legend (<= 2)
        box = Rectangle((x[at], 0), width[at], bottom[at], fill=False, edgecolor=PARTIAL_EDGE)
        box.set(linestyle="--", linewidth=0.8)
        ax.add_patch(box)
    ax.set_ylim(0, max(bottom.max(), 1) * 1.05)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=ticks, integer=True))


def _date_axis(ax: Axes, start: float, end: float, unit: str, ticks: int) -> None:
    """Concise, non-colliding date ticks over at least a week (a month for monthly bins)."""
    least = {"day": 7, "week": 28, "month": 92}[unit]
    if end - start < least:
        mid = (start + end) / 2
        start, end = mid - least / 2, mid + least / 2
    pad = (end - start) * 0.01
    ax.set_xlim(start - pad, end + pad)
    locator = mdates.AutoDateLocator(minticks=2 if ticks < 6 else 3, maxticks=ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
