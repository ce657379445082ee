"""The ranking charts: the sites linked most, and the people talked with most."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

import linkratio.charts.style as style
from linkratio.analysis.rankings import person_name
from linkratio.analysis.series import fading_ties, top_partners, top_sites
from linkratio.charts.args import checked


def _ranking(
    ax: Axes,
    ranked: pd.Series,
    color: str,
    xlabel: str,
    ylabel: str,
    labels: list[str] | None = None,
    rows: int = 0,
    ticks: int | None = None,
    narrow: bool = False,
) -> None:
    """Horizontal bars of `ranked` (most on top), each labelled; `rows` fixes the bar pitch.

    `ticks` caps the count axis's ticks (a phone's narrow axis has room for few); names
    are clipped shorter on a phone's chart (`narrow`).
    """
    names = [style.short(n, narrow) for n in ranked.index]
    y = np.arange(len(ranked))
    bars = ax.barh(y, ranked.to_numpy(), color=color, height=0.7)
    ax.set_yticks(y, names, **style.TEXT)
    ax.set_ylim(max(rows, len(ranked)) - 0.4, -0.6)
    ax.bar_label(
        bars,
        # In full, as the tables show them: bar_label's '%g' drew 1,234,567 as 1.23457e+06.
        labels=[style.plain(s) for s in labels] if labels else [f"{n:,}" for n in ranked],
        padding=3,
        fontsize=9,
        **style.TEXT,
    )
    # Room on the right for the bar labels (long ones for fading ties).
    ax.set_xlim(0, max(float(ranked.max()), 1.0) * (2.4 if labels else 1.15))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=ticks or "auto", integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)


@checked
def sites_chart(df: pd.DataFrame, top: int = 15, *, narrow: bool = False) -> Figure:
    """The `top` registered domains the posts link to, as horizontal bars (`narrow`: a phone's)."""
    sites = top_sites(df, top)
    fig = style.figure(narrow, 1.6 + 0.3 * max(len(sites), 5), "Where your links go")
    ax = fig.add_subplot()
    ax.set_title(
        f"top {top} linked sites{'' if narrow else ' (registered domains)'}", **style.SUBTITLE
    )
    if sites.empty:
        style.placeholder(ax, "no links in this period")
        ax.set_xlabel("posts linking to the site")
        return fig
    color = style.CATEGORY_COLORS["link"]
    ticks = 4 if narrow else None
    xlabel = "posts linking to the site"
    _ranking(ax, sites, color, xlabel, "site", rows=5, ticks=ticks, narrow=narrow)
    return fig


@checked
def partners_chart(
    df: pd.DataFrame, top: int = 15, now: datetime | None = None, *, narrow: bool = False
) -> Figure:
    """The `top` conversation partners, beside the fading ties (3+ replies, none in 60 days).

    `narrow` draws it for a phone: the fading ties below the partners, not beside them.
    """
    partners = top_partners(df, top).rename(index=person_name)  # named as the text names them
    ties = fading_ties(df, now=now)
    quiet = ties.attrs.get("now")
    ties = ties.head(top)
    rows = max(len(partners), len(ties), 5)
    if narrow:
        fig = style.figure(narrow, 2.6 + 0.56 * rows, "Who you talk with")
        left, right = fig.subplots(2, 1)
    else:
        fig = style.figure(narrow, 1.8 + 0.3 * rows, "Who you talk with")
        # The fading ties carry long bar labels (count, last reply, days since): more room.
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": (2, 3)})
    left.set_title(f"top {top} conversation partners", **style.SUBTITLE)
    ticks = 4 if narrow else None
    if partners.empty:
        style.placeholder(left, "no conversation partners in this period")
    else:
        color = style.CATEGORY_COLORS["conversation"]
        xlabel = "conversation posts with them"
        _ranking(left, partners, color, xlabel, "account", rows=rows, ticks=ticks, narrow=narrow)
    _fading_ties(right, ties, quiet, rows, narrow)
    return fig


def _fading_ties(
    ax: Axes, ties: pd.DataFrame, quiet: datetime | None, rows: int, narrow: bool
) -> None:
    """The fading ties panel: replies before, and when the last one was (shorter on a phone)."""
    until = f" to {quiet:%Y-%m-%d}" if quiet is not None else ""
    rule = "quiet for 60 days" if narrow else f"3+ replies,\nnone in the 60 days{until}"
    ax.set_title(f"fading ties: {rule}", **style.SUBTITLE)
    if ties.empty:
        style.placeholder(ax, "no fading ties: nobody you talked with\n3+ times has gone quiet")
        return
    counts = pd.Series(ties["replies_before"].to_numpy(), index=ties["account"].to_numpy())
    counts.index = counts.index.map(person_name)
    shown = zip(counts, ties["last_reply"], ties["days_since"], strict=True)
    labels = [
        f"{n:,} · {s:,} days ago" if narrow else f"{n:,} · {d:%Y-%m-%d}, {s:,} days ago"
        for n, d, s in shown
    ]
    xlabel = "replies before the silence"
    _ranking(ax, counts, "#56B4E9", xlabel, "account", labels, rows, 4 if narrow else None, narrow)
