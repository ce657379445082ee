"""linkratio: how much of your social-media life is talking, and how much is linking."""

from __future__ import annotations

from linkratio.analysis import Summary, summarize, summary_to_dict
from linkratio.classify import classify
from linkratio.errors import EmptyDataError, InputError, InputFormatError, LinkratioError
from linkratio.frame import COLUMNS, load, to_frame
from linkratio.model import Account, Category, Kind, Label, Link, Post, Timeline
from linkratio.render import render_json, render_text
from linkratio.sources import read

__version__ = "0.1.0"

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
    "classify",
    "load",
    "read",
    "render_json",
    "render_text",
    "summarize",
    "summary_to_dict",
    "to_frame",
]
