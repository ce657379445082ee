"""Words of every message: counts with their noun in the right number (`1 post`, `2 posts`),
and a parameter as its caller calls it (`out_dir=` in Python, `--out` on the command line).
Imports nothing."""

from __future__ import annotations

from collections.abc import Mapping

Names = Mapping[str, str]
"""How a caller calls a function's parameters, for its messages: the command line passes
each parameter's option (`{"out_dir": "--out"}`); a parameter it does not name is spelled
as Python's keyword, `out_dir=`."""

_UNSET = object()


def counted(n: int, noun: str, many: str | None = None) -> str:
    """`n` (with thousands separators) and `noun`, or `many` (default `noun + "s"`) unless 1."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {many or noun + 's'}"


def named(param: str, names: Names | None = None, value: object = _UNSET) -> str:
    """`param` (with `value`, when given) as its caller writes it: the option `names` maps
    it to (`--out DIR`), else the keyword (`out_dir='DIR'`)."""
    option = (names or {}).get(param)
    if value is _UNSET:
        return option or f"{param}="
    return f"{option} {value}" if option else f"{param}={value!r}"
