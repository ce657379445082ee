"""Every matplotlib Figure of linkratio: the report's five charts and the weekly chart.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot: no GUI
backend, no global figure registry, nothing to close but the object itself. Every
string taken from posts (handles, domains) is drawn as plain text: `$` is escaped
and TeX is off, so a handle such as `$evil$` never becomes mathtext.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from matplotlib.figure import Figure

from linkratio.analysis.period import in_days, resolve_zone
from linkratio.charts.args import checked
from linkratio.charts.calendar import calendar_chart
from linkratio.charts.hours import hours_chart
from linkratio.charts.ranking import partners_chart, sites_chart
from linkratio.charts.style import (
    CATEGORY_COLORS,
    CATEGORY_HATCHES,
    CATEGORY_LABELS,
    CSS_DPI,
    NARROW,
    NO_POSTS_COLOR,
    PIXEL_RATIO,
    SHARE_CMAP,
    WIDE,
)
from linkratio.charts.timeline import activity_chart
from linkratio.charts.weekly import talk_share_chart

__all__ = [
    "CATEGORY_COLORS",
    "CATEGORY_HATCHES",
    "CATEGORY_LABELS",
    "CSS_DPI",
    "NARROW",
    "NO_POSTS_COLOR",
    "PIXEL_RATIO",
    "SHARE_CMAP",
    "WIDE",
    "activity_chart",
    "all_charts",
    "calendar_chart",
    "hours_chart",
    "partners_chart",
    "sites_chart",
    "talk_share_chart",
]


@checked
def all_charts(
    df: pd.DataFrame,
    tz: str | None = None,
    year: int | None = None,
    *,
    narrow: bool = False,
    since: date | str | None = None,
    until: date | str | None = None,
) -> dict[str, Figure]:
    """Every chart of the report, by name, in report order; `year` picks the calendar's.

    `narrow` draws each for a phone-width screen (`NARROW` inches instead of `WIDE`).
    `since`/`until` name the period: every chart draws only its posts (as `summarize`
    counts them, so `df` may be the whole frame), the calendar leaves the days outside it
    blank instead of showing them as days without posts, and the activity chart marks a
    week (or month) it covers in part.
    """
    df = in_days(df, resolve_zone(tz)[0], since, until)
    return {
        "activity": activity_chart(df, tz, narrow=narrow, since=since, until=until),
        "calendar": calendar_chart(df, tz, year, narrow=narrow, since=since, until=until),
        "sites": sites_chart(df, narrow=narrow),
        "partners": partners_chart(df, narrow=narrow),
        "hours": hours_chart(df, tz, narrow=narrow),
    }
