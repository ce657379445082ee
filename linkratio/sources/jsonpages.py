"""Saved API pages on disk: one JSON document, or JSONL with one JSON value per line."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from linkratio.errors import InputError, InputFormatError
from linkratio.model import Post
from linkratio.sources.common import Progress, check_memory, in_range, json_error
from linkratio.sources.limits import HEAD, read_file

log = logging.getLogger(__name__)

SKIPPED = object()
"""Stands in for a JSONL line that `skip_invalid` dropped."""
BOM = b"\xef\xbb\xbf"
"""The UTF-8 byte order mark some tools write before JSON."""


def json_values(path: Path, expected: str, skip_invalid: bool = False) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) per JSONL line, or (0, value) for a single JSON document.

    `expected` ends every error message ("expected ..."), so the user knows what to give.
    """
    if path.is_dir():
        raise InputError(f"{path}: is a folder; {expected}")
    data = read_file(path, json_head(path, expected)).removeprefix(BOM)
    if not data.strip():
        return
    try:
        yield 0, orjson.loads(data)
        return
    except orjson.JSONDecodeError as err:
        whole = err  # out of memory for the whole: its lines may still fit
    lines = data.splitlines()
    if len(lines) < 2 or lines[0].strip() in (b"{", b"["):
        check_memory(whole, path)
        line, column, what = json_error(data, 0, whole)
        raise InputFormatError(
            f"{path}: line {line}, column {column}: not valid JSON ({what}); {expected}"
        )
    yield from jsonl_values(lines, path, expected, skip_invalid)


def json_head(path: Path, expected: str) -> Callable[[bytes], None]:
    """A check that a file's first bytes can begin JSON or JSONL (an object or an array)."""

    def check(head: bytes) -> None:
        start = head.removeprefix(BOM).lstrip()
        if start[:1] in (b"{", b"[") or (not start and len(head) < HEAD):
            return
        if start.startswith(b"window.YTD."):
            problem = "it looks like an X archive file (window.YTD...), not JSON"
        else:
            shown = f"{start[:12]!r}" if start else f"{len(head):,} blank bytes"
            problem = f"not JSON (it starts with {shown})"
        raise InputFormatError(f"{path}: {problem}; {expected}")

    return check


def jsonl_values(
    lines: Iterable[bytes],
    path: Path,
    expected: str,
    skip_invalid: bool = False,
    place: Callable[[int], str] | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield (line number, value) per non-blank JSONL line; a bad line stops or is SKIPPED.

    `place(number)` names a line in messages (default: `path: line N`).
    """
    for number, raw in enumerate(lines, 1):
        line = raw.removeprefix(BOM) if number == 1 else raw
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as err:
            check_memory(err, path)  # a line orjson had no memory for is not invalid
            message = (
                f"{place(number) if place else where(path, number)}: not valid JSON ({err.msg})"
            )
            if not skip_invalid:
                raise InputFormatError(f"{message}; {expected}") from None
            log.warning("%s; skipped", message)
            yield number, SKIPPED


def where(path: Path, line: int) -> str:
    """`path` or `path: line N` for messages."""
    return f"{path}: line {line}" if line else str(path)


MALFORMED: tuple[type[Exception], ...] = (
    KeyError,
    TypeError,
    ValueError,
    AttributeError,
    IndexError,
    OverflowError,
)
"""What normalizing a post with a missing or malformed field raises."""

PagePosts = Callable[[int, Any], "list[Post] | None"]
"""The posts of one saved value (given its line number), or None for a page to skip."""


@dataclass(frozen=True)
class SavedPages:
    """One platform's saved pages: how messages name them and the loop that reads them."""

    expected: str
    """Ends every error message ("expected ..."), so the user knows what to give."""
    item: str
    """What one post is called in messages: "a tweet", "a status"."""
    log: logging.Logger
    """Where the warnings about skipped pages go (the platform's own module logger)."""
    errors: tuple[type[Exception], ...] = MALFORMED
    """What normalizing a malformed post raises."""
    show_error: Callable[[Exception], str] = str
    """How a malformed-field message shows the error."""

    def malformed(
        self, path: Path, line: int, err: Exception, skip_invalid: bool, name: str | None = None
    ) -> None:
        """Raise InputFormatError for a malformed post, or with `skip_invalid` log a warning.

        `name` says which post ("tweet '123'"), when the page holds more than one.
        """
        problem = self.show_error(err)
        message = f"{where(path, line)}: {name or self.item} has a malformed field ({problem})"
        if not skip_invalid:
            raise InputFormatError(f"{message}; {self.expected}") from None
        self.log.warning("%s; skipped", message)

    def read(
        self,
        values: Iterable[tuple[int, Any]],
        path: Path,
        page_posts: PagePosts,
        progress: Progress | None = None,
        skip_invalid: bool = False,
    ) -> tuple[list[Post], int]:
        """Every post of the pages, and how many lines or pages were skipped.

        A SKIPPED line or a page that gives None is skipped; a page whose posts raise one of
        `errors` is `malformed`. `progress` gets the count read so far after each page.
        """
        posts: list[Post] = []
        skipped = 0
        for line, value in values:
            try:
                page = None if value is SKIPPED else page_posts(line, value)
            except self.errors as err:
                self.malformed(path, line, err, skip_invalid)
                skipped, page = skipped + 1, []
            if page is None:
                skipped += 1
                continue
            posts += page
            if progress is not None:
                progress(len(posts))
        return posts, skipped

    def stream(
        self,
        lines: Iterable[bytes],
        path: Path,
        page_posts: PagePosts,
        skip_invalid: bool = False,
    ) -> Iterator[Post]:
        """The posts of JSONL `lines` of pages, line by line, as `read` takes them (without
        its counts): a cohort task's byte range of a file, never held whole."""
        for line, value in jsonl_values(lines, path, self.expected, skip_invalid):
            try:
                page = None if value is SKIPPED else page_posts(line, value)
            except self.errors as err:
                self.malformed(path, line, err, skip_invalid)
                continue
            yield from page or ()


def iso_time(value: object) -> datetime:
    """An ISO 8601 time (`2024-05-01T09:27:19.000Z`) as UTC; ValueError naming the value."""
    if isinstance(value, str) and value[:1].isdigit():
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            try:
                utc = when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)
            except OverflowError:  # year 1 at +01:00 is before year 1 in UTC
                raise ValueError(f"time out of range: {value[:40]!r}") from None
            return in_range(utc)
    raise ValueError(f"not an ISO 8601 time: {str(value)[:40]!r}")
