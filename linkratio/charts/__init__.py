"""Every matplotlib Figure of linkratio: the report's five charts and the weekly chart.

Figures are built with `matplotlib.figure.Figure` directly, never pyplot: no GUI
backend, no global figure registry, nothing to close but the object itself. Every
string taken from posts (handles, domains) is drawn as plain text: `$` is escaped
and TeX is off, so a handle such as `$evil$` never becomes mathtext.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from linkratio.charts.calendar import calendar_chart
from linkratio.charts.hours import hours_chart
from linkratio.charts.ranking import partners_chart, sites_chart
from linkratio.charts.style import (
    CATEGORY_COLORS,
    CATEGORY_HATCHES,
    CATEGORY_LABELS,
    NO_POSTS_COLOR,
    SHARE_CMAP,
)
from linkratio.charts.timeline import activity_chart
from linkratio.charts.weekly import talk_share_chart

__all__ = [
    "CATEGORY_COLORS",
    "CATEGORY_HATCHES",
    "CATEGORY_LABELS",
    "NO_POSTS_COLOR",
    "SHARE_CMAP",
    "activity_chart",
    "all_charts",
    "calendar_chart",
    "hours_chart",
    "partners_chart",
    "sites_chart",
    "talk_share_chart",
]


def all_charts(
    df: pd.DataFrame, tz: str | None = None, year: int | None = None
) -> dict[str, Figure]:
    """Every chart of the report, by name, in report order; `year` picks the calendar's."""
    return {
        "activity": activity_chart(df, tz),
        "calendar": calendar_chart(df, tz, year),
        "sites": sites_chart(df),
        "partners": partners_chart(df),
        "hours": hours_chart(df, tz),
    }
