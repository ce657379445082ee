"""linkratio: how much of your social-media life is talking, and how much is linking."""

from __future__ import annotations

from linkratio.classify import classify
from linkratio.errors import EmptyDataError, InputError, InputFormatError, LinkratioError
from linkratio.model import Account, Category, Kind, Label, Link, Post, Timeline

__version__ = "0.1.0"

__all__ = [
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
    "Timeline",
    "__version__",
    "classify",
]
