"""The `.js` files of an X archive: a JSON array behind `window.YTD.<name>.partN = `.

X pretty-prints them, every top-level record between `\\n  {` and `\\n  }`; a raw newline
cannot occur inside a JSON string, so the records are cut at the `\\n  },\\n  {` seams (or
`},{"tweet":` when minified) and parsed one by one, instead of decoding a file of hundreds
of megabytes into one object tree. If a cut does not parse, the whole array is parsed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from linkratio.errors import InputFormatError
from linkratio.sources.common import check_memory, json_error

_JS_HEAD = b"window.YTD."
_LEADING = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 BOM and whitespace before the assignment
_FIRST_RECORD = re.compile(rb'\[(?:(?P<nl>\r?\n)(?P<indent>[ \t]*)\{|(?P<key>\{"\w{1,40}" ?:))')


def is_ytd(head: bytes) -> bool:
    """True when the first bytes of a file are a `window.YTD.` assignment."""
    return head.lstrip(_LEADING).startswith(_JS_HEAD)


RECORD_ERRORS = (KeyError, TypeError, ValueError, AttributeError, OverflowError)
"""What normalizing a malformed record raises."""


def bad_record(message: str, skip_invalid: bool, log: logging.Logger) -> None:
    """Raise InputFormatError(`message`), or with `skip_invalid` log it as a warning."""
    if not skip_invalid:
        raise InputFormatError(message)
    log.warning("%s; skipped", message)


def check_head(name: str) -> Callable[[bytes], None]:
    """A check that the first bytes of the file `name` open a `window.YTD.` assignment."""

    def check(head: bytes) -> None:
        if not is_ytd(head):
            raise InputFormatError(
                f"{name}: not an X archive file (expected it to start with 'window.YTD.')"
            )

    return check


def record_error(error: Exception) -> str:
    """What is wrong with a record, in a few words, from what reading it raised."""
    if isinstance(error, KeyError):
        return f"no {error.args[0]!r}"
    if isinstance(error, OverflowError):
        return f"a value out of range ({error})"
    return str(error) or type(error).__name__


def _array_start(data: bytes, name: str, expected: frozenset[str]) -> int:
    """Check the `window.YTD.<var>.partN = ` assignment; return where the JSON array starts."""
    head = data[:256]
    start = len(head) - len(head.lstrip(_LEADING))
    eq = data.find(b"=", start, start + 256)
    if not data.startswith(_JS_HEAD, start) or eq < 0:
        raise InputFormatError(
            f"{name}: not an X archive file (expected it to start with 'window.YTD.')"
        )
    var = data[start + len(_JS_HEAD) : eq].strip().decode("ascii", "replace")
    if var.split(".", 1)[0] not in expected:
        want = " or ".join(f"window.YTD.{v}" for v in sorted(expected))
        raise InputFormatError(f"{name}: holds window.YTD.{var}, expected {want}")
    end = eq + 1
    while data[end : end + 1] in (b" ", b"\t", b"\r", b"\n"):
        end += 1
    return end


def _whole_array(data: bytes, name: str, start: int, close: int) -> list[Any]:
    """Parse the whole array at once (minified or unusually laid out files)."""
    view = memoryview(data)
    body = view[start : close + 1] if close >= start else view[start:]
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        check_memory(e, name)
        line, column, what = json_error(data, start, e)
        raise InputFormatError(
            f"{name}: invalid JSON at line {line}, column {column}: {what}"
        ) from None
    if not isinstance(value, list):
        raise InputFormatError(f"{name}: expected a JSON array after 'window.YTD... ='")
    return value


def _seams(data: bytes, start: int) -> tuple[bytes, int, int, int] | None:
    """How records meet: (seam, first record's offset, record end and next start in the seam)."""
    m = _FIRST_RECORD.match(data, start)
    if m is None:
        return None
    if m.group("key"):  # minified: ...},{"tweet":{...
        return b"}," + m.group("key"), m.start("key"), 1, 2
    # Pretty-printed: a top-level record closes at the indentation its first one opened at.
    close = m.group("nl") + m.group("indent") + b"}"
    seam = close + b"," + m.group("nl") + m.group("indent") + b"{"
    return seam, m.end() - 1, len(close), len(seam) - 1


def records(data: bytes, name: str, expected: frozenset[str]) -> Iterator[Any]:
    """Yield the array's records, each parsed from its own slice when the layout allows."""
    start = _array_start(data, name, expected)
    close = len(data) - 1
    while close > start and data[close] in b" \t\r\n;":  # no rstrip(): it copies the file
        close -= 1
    if data[close : close + 1] != b"]":
        close = -1
    layout = _seams(data, start) if close > start else None
    done = 0
    if layout is not None:
        seam, pos, end_at, next_at = layout
        view = memoryview(data)
        while True:
            at = data.find(seam, pos, close)
            try:
                record = orjson.loads(view[pos : close if at < 0 else at + end_at])
            except orjson.JSONDecodeError:
                break  # not cut where a record ends: parse the whole array below
            yield record
            done += 1
            if at < 0:
                return
            pos = at + next_at
    # A slice that parsed is one whole value starting where a record starts, so the records
    # yielded so far are the array's first `done`.
    yield from _whole_array(data, name, start, close)[done:]
