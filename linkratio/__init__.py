"""linkratio: how much of your social-media life is talking, and how much is linking.

The package front is lazy: `import linkratio` loads none of pandas, numpy, matplotlib,
tweepy or httpx. Each public name below is imported from its home module on first use,
and each module of the package on its first use as an attribute (`linkratio.cohort.summary`
after `import linkratio`, as `import scipy; scipy.stats` works).
`from linkratio import *` uses them all at once: it loads pandas and matplotlib (`Summary`
is a class of the pandas-based analysis, and a name in `__all__` is imported by it).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

from linkratio._version import __version__

_FRONT: dict[str, tuple[str, ...]] = {
    "linkratio.model": ("Account", "Category", "Kind", "Label", "Link", "Post", "Timeline"),
    "linkratio.errors": ("LinkratioError", "InputError", "InputFormatError", "EmptyDataError"),
    "linkratio.sources": ("read",),
    "linkratio.frame": ("COLUMNS", "to_frame", "Library"),
    "linkratio.loading": ("load",),
    "linkratio.analysis": ("Summary", "summarize", "summary_to_dict"),
    "linkratio.render.text": ("render_json", "render_text"),
    "linkratio.render.report": ("write_report",),
    "linkratio.weekly.run": ("run_week",),
    "linkratio.charts": ("all_charts", "activity_chart", "calendar_chart", "hours_chart")
    + ("sites_chart", "partners_chart"),
}
"""Each home module and the public names it gives the front (charts in report order)."""

# public name -> (home module, attribute there)
_HOMES: dict[str, tuple[str, str]] = {
    "classify_post": ("linkratio.classify", "classify"),
    **{name: (module, name) for module, names in _FRONT.items() for name in names},
}

__all__ = [
    "Account",
    "COLUMNS",
    "Category",
    "EmptyDataError",
    "InputError",
    "InputFormatError",
    "Kind",
    "Label",
    "Library",
    "Link",
    "LinkratioError",
    "Post",
    "Summary",
    "Timeline",
    "__version__",
    "activity_chart",
    "all_charts",
    "calendar_chart",
    "classify_post",
    "hours_chart",
    "load",
    "partners_chart",
    "read",
    "render_json",
    "render_text",
    "run_week",
    "sites_chart",
    "summarize",
    "summary_to_dict",
    "to_frame",
    "write_report",
]


def __getattr__(name: str) -> object:
    """Import a public name from its home module on first use (pandas etc. load then), or a
    module of the package (`linkratio.cohort`, `linkratio.charts`) named as an attribute."""
    home = _HOMES.get(name)
    if home is None:
        # `_` names are not looked up: `linkratio.__main__` would run the command line
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}"):
            return importlib.import_module(f"{__name__}.{name}")  # sets the attribute too
        raise AttributeError(f"module 'linkratio' has no attribute {name!r}")
    value = getattr(importlib.import_module(home[0]), home[1])
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    """The public names, dunders and loaded submodules: what `linkratio.<Tab>` offers (not
    this file's own helpers, `importlib`, `annotations` or `TYPE_CHECKING`)."""
    loaded = {k for k, v in globals().items() if getattr(v, "__name__", "") == f"{__name__}.{k}"}
    return sorted({*__all__, *loaded, *(k for k in globals() if k.startswith("__"))})


if TYPE_CHECKING:  # for type checkers and IDEs; never executed
    from linkratio.analysis import Summary, summarize, summary_to_dict
    from linkratio.charts import (
        activity_chart,
        all_charts,
        calendar_chart,
        hours_chart,
        partners_chart,
        sites_chart,
    )
    from linkratio.classify import classify as classify_post
    from linkratio.errors import EmptyDataError, InputError, InputFormatError, LinkratioError
    from linkratio.frame import COLUMNS, Library, to_frame
    from linkratio.loading import load
    from linkratio.model import Account, Category, Kind, Label, Link, Post, Timeline
    from linkratio.render.report import write_report
    from linkratio.render.text import render_json, render_text
    from linkratio.sources import read
    from linkratio.weekly.run import run_week
