"""linkratio: how much of your social-media life is talking, and how much is linking."""

from __future__ import annotations

from typing import TYPE_CHECKING

# Eager: the submodule `linkratio.classify` would otherwise shadow the function once loaded.
from linkratio.classify import classify
from linkratio.errors import EmptyDataError, InputError, InputFormatError, LinkratioError
from linkratio.model import Account, Category, Kind, Label, Link, Post, Timeline

if TYPE_CHECKING:
    from linkratio.analysis import Summary, summarize, summary_to_dict
    from linkratio.charts import (
        activity_chart,
        all_charts,
        calendar_chart,
        hours_chart,
        partners_chart,
        sites_chart,
    )
    from linkratio.frame import COLUMNS, load, to_frame
    from linkratio.render.report import write_report
    from linkratio.render.text import render_json, render_text
    from linkratio.sources import read

__version__ = "0.1.0"

_CHARTS = (
    "activity_chart",
    "all_charts",
    "calendar_chart",
    "hours_chart",
    "partners_chart",
    "sites_chart",
)
_LAZY = {
    **{name: "linkratio.charts" for name in _CHARTS},
    **{name: "linkratio.analysis" for name in ("Summary", "summarize", "summary_to_dict")},
    **{name: "linkratio.frame" for name in ("COLUMNS", "load", "to_frame")},
    **{name: "linkratio.render.text" for name in ("render_json", "render_text")},
    "read": "linkratio.sources",
    "write_report": "linkratio.render.report",
}


def __getattr__(name: str) -> object:
    """Import the pandas and matplotlib side on first use: `import linkratio` stays cheap."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'linkratio' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "COLUMNS",
    "Account",
    "Category",
    "EmptyDataError",
    "InputError",
    "InputFormatError",
    "Kind",
    "Label",
    "Link",
    "LinkratioError",
    "Post",
    "Summary",
    "Timeline",
    "__version__",
    "activity_chart",
    "all_charts",
    "calendar_chart",
    "classify",
    "hours_chart",
    "load",
    "partners_chart",
    "read",
    "render_json",
    "render_text",
    "sites_chart",
    "summarize",
    "summary_to_dict",
    "to_frame",
    "write_report",
]
