"""A large listing of labelled posts made by two processes, each classifying half the posts.

The classifier and the line writers are pure and per post, so the second half of a
listing made in a forked process is the same bytes as made here: the parent writes its
half, then the child's. Without `os.fork`, below `SPLIT_AT` posts, or when the child
fails, the parent does it all itself.
"""

from __future__ import annotations

import io
import logging
import os
import signal
from collections.abc import Sequence
from typing import BinaryIO, NamedTuple, TextIO

from linkratio.classify import classify
from linkratio.model import Post
from linkratio.render.listing import write_bytes, write_labels

log = logging.getLogger(__name__)

SPLIT_AT = 20_000
"""Posts from which a second process pays for its fork (a few milliseconds)."""


def write_labels_split(
    posts: Sequence[Post],
    out: TextIO,
    output: str = "table",
    *,
    with_author: bool = False,
    author: str | None = None,
) -> None:
    """`write_labels` of every post with its label, the second half made in a second process."""
    how = _How(output, with_author, author)
    half = len(posts) // 2 if len(posts) >= SPLIT_AT and hasattr(os, "fork") else len(posts)
    child = _fork_half(posts[half:], how) if half < len(posts) else None
    try:
        rows = ((p, classify(p)) for p in posts[:half])
        write_labels(rows, out, output, with_author=with_author, author=author)
        rest = _collect(child) if child is not None else None
    except BaseException:
        if child is not None:
            _reap(child)
        raise
    if rest is None:  # no child, or it failed: make its half (if any) here
        rest = _render(posts[half:], how) if half < len(posts) else b""
    if output == "jsonl":
        write_bytes(out, rest)  # as write_labels writes JSONL: UTF-8 to the buffer
    elif rest:
        out.write(rest.decode("utf-8", "surrogatepass"))


class _How(NamedTuple):
    output: str
    with_author: bool
    author: str | None


def _render(posts: Sequence[Post], how: _How) -> bytes:
    """The listing lines of `posts` (no CSV header), as UTF-8."""
    buf = io.StringIO()
    rows = ((p, classify(p)) for p in posts)
    write_labels(rows, buf, how.output, with_author=how.with_author, author=how.author)
    text = buf.getvalue()
    if how.output == "csv":
        text = text.split("\n", 1)[1]  # the header is the parent's
    return text.encode("utf-8", "surrogatepass")


def _fork_half(posts: Sequence[Post], how: _How) -> tuple[int, BinaryIO] | None:
    """Start a child writing the listing of `posts` into a pipe: (pid, read end), or None."""
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError as err:
        log.debug("no second process (%s): one does it all", err)
        return None
    if pid == 0:  # the child: nothing it inherited (stdout's buffer...) is flushed
        code = 1
        try:
            os.close(read_end)
            data = _render(posts, how)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb")


def _collect(child: tuple[int, BinaryIO]) -> bytes | None:
    """The child's listing, or None when it failed."""
    pid, pipe = child
    with pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        log.debug("the second process failed (status %d): its half is made here", status)
        return None
    return data


def _reap(child: tuple[int, BinaryIO]) -> None:
    """Make sure a child not yet waited for is gone (after an error or Ctrl-C here)."""
    pid, pipe = child
    pipe.close()  # nothing if _collect closed it
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
