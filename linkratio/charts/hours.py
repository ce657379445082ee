"""The hours chart: talk share by weekday and hour of day."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from linkratio.analysis import resolve_zone
from linkratio.analysis.series import (
    hour_grid,
    hour_posts,
)
from linkratio.charts.args import checked
from linkratio.charts.style import (
    NOTE,
    SHARE_CMAP,
    SUBTITLE,
    TEXT,
    figure,
    plain,
)


@checked
def hours_chart(df: pd.DataFrame, tz: str | None = None, *, narrow: bool = False) -> Figure:
    """Talk share per weekday and hour of day, in the user's time zone.

    `narrow` draws it for a phone: every third hour named, no numbers in the cells (the
    colour bar below tells the share), so nothing is smaller than the page's print.
    """
    grid, posts = hour_grid(df, tz), hour_posts(df, tz)
    _, zone = resolve_zone(tz)
    fig = figure(narrow, 3.6 if narrow else 4.2, "When you talk")
    ax = fig.add_subplot()
    blank = "blank: no posts"
    ax.set_title(
        f"talk share per hour ({blank})"
        if narrow
        else f"talk share of the posts in each hour ({blank})",
        **SUBTITLE,
    )
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
    _cell_labels(ax, grid.to_numpy(), posts.to_numpy(), numbers=not narrow)
    step = 3 if narrow else 1
    ax.set_xticks(range(0, 24, step), [f"{h:02d}" for h in range(0, 24, step)])
    ax.set_yticks(range(7), list(grid.index))
    # Cell borders as two collections: minor ticks would cost an artist per line.
    ax.vlines(np.arange(0.5, 23), -0.5, 6.5, color="#DDDDDD", linewidth=0.5)
    ax.hlines(np.arange(0.5, 6), -0.5, 23.5, color="#DDDDDD", linewidth=0.5)
    ax.set_xlabel(plain(f"hour of day ({zone} time)"))
    ax.set_ylabel("weekday")
    where = "bottom" if narrow else "right"
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(100), location=where, pad=0.01)
    bar.set_label("talk share (%)")
    return fig


def _cell_labels(ax: Axes, share: np.ndarray, posts: np.ndarray, numbers: bool) -> None:
    """Write each cell's talk share (percent) in it; say so when there are no posts at all."""
    for r, c in zip(*np.nonzero(posts) if numbers else ((), ()), strict=True):
        ax.text(
            c,
            r,
            f"{share[r, c] * 100:.0f}",
            ha="center",
            va="center",
            fontsize=7,
            color="white" if share[r, c] < 0.55 else "black",
            **TEXT,
        )
    if not posts.any():
        ax.text(11.5, 3, "no posts in this period", **NOTE)
