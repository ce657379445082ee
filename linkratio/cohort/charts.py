"""The cohort report's three charts, each a matplotlib Figure (no pyplot, Agg when saved).

Site names come from posts: they are drawn as plain text (`$` escaped, TeX off) so a
domain never becomes mathtext. These move to the charts package later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

TALK_COLOR = "#0072B2"
"""Okabe-Ito blue, the colour of talking in every linkratio chart."""
LINK_COLOR = "#E69F00"
"""Okabe-Ito orange, the colour of linking."""


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    # A ChartFigure draws itself in Jupyter (a bare Figure showed as '<Figure size ...>').
    from linkratio.charts.style import ChartFigure

    return ChartFigure(figsize=(width, height), layout="constrained")


def _plain(text: object) -> str:
    return str(text).replace("$", r"\$")


def share_histogram(summary: pd.DataFrame) -> Figure:
    """How talk share is spread across the cohort's accounts (one count per account)."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    fig = _figure()
    ax = fig.add_subplot()
    shares = summary["talk_share"].dropna().astype(float) * 100
    ax.hist(shares, bins=[i * 5 for i in range(21)], color=TALK_COLOR, edgecolor="white")
    ax.xaxis.set_major_formatter(PercentFormatter(100))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, 100)
    ax.set_xlabel("talk share (conversation / all posts)")
    ax.set_ylabel("accounts")
    if len(shares):
        ax.axvline(shares.median(), color="black", linestyle="--", linewidth=1, label="median")
        ax.legend(frameon=False)
    return fig


def trend_chart(weekly: pd.DataFrame) -> Figure:
    """The cohort's weekly talk share: the median account and the interquartile band."""
    from matplotlib.ticker import PercentFormatter

    fig = _figure()
    ax = fig.add_subplot()
    if len(weekly):
        weeks = [w for w in weekly["week"]]
        q1, q3 = weekly["q1"].astype(float) * 100, weekly["q3"].astype(float) * 100
        ax.fill_between(weeks, q1, q3, color=TALK_COLOR, alpha=0.25, linewidth=0, label="IQR")
        ax.plot(weeks, weekly["median"].astype(float) * 100, color=TALK_COLOR, label="median")
        ax.legend(frameon=False, loc="upper left")
    ax.yaxis.set_major_formatter(PercentFormatter(100))
    ax.set_ylim(0, 100)
    ax.set_ylabel("talk share per week")
    return fig


def sites_chart(sites: pd.DataFrame) -> Figure:
    """The sites the cohort links to most, by posts (top first)."""
    fig = _figure(height=max(2.0, 0.28 * len(sites) + 0.8))
    ax = fig.add_subplot()
    names = [_plain(s) for s in sites["site"]][::-1]
    ax.barh(range(len(names)), list(sites["posts"])[::-1], color=LINK_COLOR)
    ax.set_yticks(range(len(names)), names, usetex=False)
    ax.set_xlabel("posts linking to the site")
    return fig
