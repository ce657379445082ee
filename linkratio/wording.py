"""Counts with their noun in the right number: `1 post`, `2 posts`. Imports nothing."""

from __future__ import annotations


def counted(n: int, noun: str, many: str | None = None) -> str:
    """`n` (with thousands separators) and `noun`, or `many` (default `noun + "s"`) unless 1."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {many or noun + 's'}"
