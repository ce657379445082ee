"""The one check of every public chart function's arguments: a wrong one is an InputError.

A notebook passes arguments by hand: `sites_chart(df, "UTC")` (a zone where `top` goes)
or `calendar_chart(df, year="2024")` ended in a bare TypeError deep inside pandas or
matplotlib. `checked` checks each argument by its parameter's name, before any work,
and raises one line naming the chart, the parameter and what it takes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import date
from numbers import Integral
from typing import ParamSpec, TypeVar

import numpy as np
import pandas as pd

from linkratio.analysis.period import FRAME, resolve_zone
from linkratio.analysis.weekly import WeekSummary
from linkratio.days import is_day
from linkratio.errors import InputError
from linkratio.render.escape import terminal_safe

P = ParamSpec("P")
R = TypeVar("R")


def _whole(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def _count(value: object) -> bool:
    return _whole(value) and int(value) >= 1  # type: ignore[call-overload]


def _zone(value: object) -> bool:
    if value is not None:
        resolve_zone(value)  # type: ignore[arg-type]  # its own message names what to pass
    return True


def _moment(value: object) -> bool:
    if value is None or isinstance(value, date):
        return True
    if not isinstance(value, str):
        return False
    try:
        pd.Timestamp(value)  # as fading_ties takes it
    except (ValueError, TypeError):
        return False
    return True


_DAY = "a day: a date, a timestamp or text YYYY-MM-DD"

_CHECKS: dict[str, tuple[Callable[[object], bool], str]] = {
    "df": (lambda v: isinstance(v, pd.DataFrame), FRAME),
    "tz": (_zone, "a time zone's IANA name as text, such as 'Europe/Berlin'"),
    "year": (lambda v: v is None or _whole(v), "a year as a whole number, such as 2024"),
    "top": (_count, "a whole number of 1 or more, such as 15"),
    "now": (_moment, "a datetime (a naive one is taken as UTC)"),
    "narrow": (lambda v: isinstance(v, bool | np.bool_), "True or False"),
    "since": (is_day, _DAY),
    "until": (is_day, _DAY),
    "ws": (
        lambda v: isinstance(v, WeekSummary),
        "a WeekSummary (linkratio.analysis.weekly)",
    ),
}
"""Each chart parameter's check and what it takes, by the parameter's name."""


def _shown(value: object) -> str:
    """`value` in one short line: text and numbers as written, anything else by its type."""
    if isinstance(value, str | int | float | date):
        text = repr(value)
        return terminal_safe(text if len(text) <= 40 else text[:39] + "…")
    return f"a {type(value).__name__}"


def checked(chart: Callable[P, R]) -> Callable[P, R]:
    """`chart` with every argument checked first (`_CHECKS`): InputError for a wrong one."""
    signature = inspect.signature(chart)
    unknown = set(signature.parameters) - set(_CHECKS)
    if unknown:  # a new chart parameter needs its check here
        raise TypeError(f"{chart.__name__}: no check for {sorted(unknown)}")

    @functools.wraps(chart)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError:  # too many or unknown arguments: Python's own message says so
            return chart(*args, **kwargs)
        for name, value in bound.arguments.items():
            ok, expected = _CHECKS[name]
            try:
                good = ok(value)
            except InputError as exc:  # the check's own words (a zone object names its key)
                raise InputError(f"{chart.__name__}: {name}: {exc}") from None
            if not good:
                raise InputError(f"{chart.__name__}: {name} {_shown(value)}: expected {expected}")
        return chart(*args, **kwargs)

    return call
