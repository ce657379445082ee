"""Saved API pages on disk: one JSON document, or JSONL with one JSON value per line."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from linkratio.errors import InputError, InputFormatError

log = logging.getLogger(__name__)

SKIPPED = object()
"""Stands in for a JSONL line that `skip_invalid` dropped."""
_BOM = b"\xef\xbb\xbf"


def json_values(path: Path, expected: str, skip_invalid: bool = False) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) per JSONL line, or (0, value) for a single JSON document.

    `expected` ends every error message ("expected ..."), so the user knows what to give.
    """
    try:
        data = path.read_bytes().removeprefix(_BOM)
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder; {expected}") from None
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror}); {expected}") from None
    if not data.strip():
        return
    try:
        yield 0, orjson.loads(data)
        return
    except orjson.JSONDecodeError as err:
        whole = err
    lines = data.splitlines()
    if len(lines) < 2 or lines[0].strip() in (b"{", b"["):
        raise InputFormatError(
            f"{path}: line {whole.lineno}, column {whole.colno}: not valid JSON ({whole.msg}); "
            f"{expected}"
        )
    yield from jsonl_values(lines, path, expected, skip_invalid)


def jsonl_values(
    lines: Iterable[bytes], path: Path, expected: str, skip_invalid: bool = False
) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) per non-blank JSONL line; a bad line stops or is SKIPPED."""
    for number, raw in enumerate(lines, 1):
        line = raw.removeprefix(_BOM) if number == 1 else raw
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as err:
            message = f"{path}: line {number}: not valid JSON ({err.msg})"
            if not skip_invalid:
                raise InputFormatError(f"{message}; {expected}") from None
            log.warning("%s; skipped", message)
            yield number, SKIPPED


def where(path: Path, line: int) -> str:
    """`path` or `path: line N` for messages."""
    return f"{path}: line {line}" if line else str(path)


MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)
"""What normalizing a post with a missing or malformed field raises."""


def iso_time(value: object) -> datetime:
    """An ISO 8601 time (`2024-05-01T09:27:19.000Z`) as UTC; ValueError naming the value."""
    if isinstance(value, str) and value[:1].isdigit():
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)
    raise ValueError(f"not an ISO 8601 time: {str(value)[:40]!r}")
