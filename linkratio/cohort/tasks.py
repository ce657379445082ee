"""The unit of work of a cohort build: read one input partition, write its Parquet parts.

`run_task` is the one function every engine runs (a local process pool or a Dask cluster);
it takes a picklable `Task` and returns a small `TaskResult`, never the data itself: the
rows go straight to part files in the output folder, which must be shared with workers.
"""

from __future__ import annotations

import logging
import os
import resource
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from linkratio.accounts import account_name
from linkratio.cohort.manifest import file_hash, range_digest
from linkratio.cohort.rows import Part, row, write_parts
from linkratio.model import Account, Post, collapse

log = logging.getLogger(__name__)

CHUNK_BYTES = 32 * 1024 * 1024
"""A JSONL file is split into tasks of about this many bytes (whole lines each)."""
BUILDER_PID = 0
"""The process running `build` (set by it): a task run there (a thread of an in-process
Dask cluster) logs as usual; one run in a worker process hands its warnings back."""


@dataclass(frozen=True, slots=True)
class Task:
    """One partition of one input: a whole file, a byte range of a JSONL file, or an account."""

    kind: str
    """`file` (any format, read whole), `jsonl` (X v2 / twarc2 lines) or `library`."""
    source: str
    """The file's path, or the library file's path for `library`."""
    key: str
    """The input's stable key (names its part files)."""
    chunk: int
    out_dir: str
    start: int = 0
    end: int = 0
    input_format: str | None = None
    platform: str = ""
    account_id: str = ""
    skip_invalid: bool = False
    """Skip unparseable lines and malformed posts with a warning instead of failing."""

    @property
    def size(self) -> int:
        """Bytes this task reads (for progress), at least 1."""
        return max(self.end - self.start, 1)


@dataclass(slots=True)
class TaskResult:
    """What a task wrote: its parts (still under temporary names) and how many posts."""

    key: str
    chunk: int
    parts: list[Part] = field(default_factory=list)
    posts: int = 0
    bytes: int = 0
    digest: str = ""
    """The content hash of the partition read (see `manifest.combine`)."""
    peak_rss: int = 0
    """The worker process's peak resident memory so far, in bytes."""
    warnings: list[tuple[str, int, str]] = field(default_factory=list)
    """What a worker process logged (logger, level, message), for `build` to log: a worker
    has no handler of the caller's (the CLI's inert lines, its --quiet)."""


def run_task(task: Task) -> TaskResult:
    """Read the task's partition, classify each post and write its temporary part files."""
    # Hashed before it is read: a file rewritten meanwhile is vouched for with its old
    # bytes, so the next build reads it again (hashed after, the old rows kept the new hash).
    hashed = digest(task)
    with _kept_warnings() as warnings:
        owners: list[Account] = []
        posts = collapse(_posts(task, owners))
        unnamed = _unnamed(task, owners, posts)
        stem = f"part-{task.key}-{task.chunk:05d}"
        parts = write_parts((row(p, unnamed) for p in posts), task.out_dir, stem)
    return TaskResult(
        key=task.key,
        chunk=task.chunk,
        parts=parts,
        posts=len(posts),
        bytes=task.size,
        digest=hashed,
        peak_rss=peak_rss(),
        warnings=warnings,
    )


KEPT_WARNINGS = 1_000
"""Warnings a worker's task hands back at the most; the rest are counted (a file of bad
lines read with --skip-invalid logs one a line: kept all, they took gigabytes)."""


class _Keep(logging.Handler):
    """Keeps the warnings this thread logs, `KEPT_WARNINGS` at the most, and counts the rest."""

    def __init__(self, kept: list[tuple[str, int, str]]) -> None:
        super().__init__(logging.WARNING)
        self.kept = kept
        self.more = 0
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's logger, level and message."""
        if record.thread != self.thread:
            return
        if len(self.kept) < KEPT_WARNINGS:
            self.kept.append((record.name, record.levelno, record.getMessage()))
        else:
            self.more += 1


@contextmanager
def _kept_warnings() -> Iterator[list[tuple[str, int, str]]]:
    """The warnings logged meanwhile, in a worker process (never in the builder's own)."""
    kept: list[tuple[str, int, str]] = []
    if os.getpid() == BUILDER_PID:
        yield kept
        return
    root, handler = logging.getLogger(), _Keep(kept)
    root.addHandler(handler)
    try:
        yield kept
    finally:
        root.removeHandler(handler)
        if handler.more:
            kept.append((__name__, logging.WARNING, f"{handler.more:,} more warnings like these"))


def digest(task: Task) -> str:
    """The content hash of the task's partition ("" for a library account: it has its own)."""
    if task.kind == "jsonl":
        return range_digest(Path(task.source), task.start, task.end)
    if task.kind == "file":
        return file_hash(Path(task.source), task.input_format)
    return ""


def peak_rss() -> int:
    """This process's peak resident set size in bytes."""
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def _unnamed(task: Task, owners: list[Account], posts: list[Post]) -> tuple[str | None, str]:
    """(author_id, account) of the input's posts that name no author: as `audit` reads a file,
    its owner's (`authors.authors_of`; of a JSONL range, the author of most of its posts);
    when the data names none (a tweets.js without account.js), the input's own account,
    `file PATH` (`shown_path`), never one shared by every such input."""
    owner = owners[0] if owners else None
    if owner is None and posts:
        from linkratio.sources.common import main_author

        owner = main_author(posts, posts[0].platform)
    if owner is not None and (owner.id or owner.handle):
        return owner.id, account_name(owner)
    return None, f"file {shown_path(task.source, task.out_dir)}"


def shown_path(source: str, out_dir: str) -> str:
    """An input's path as its `file PATH` account shows it: relative to the output folder,
    with `/` on every system, so a shared report names no home folder or user; absolute
    only where no relative path leads to it (another drive on Windows)."""
    try:
        return Path(os.path.relpath(source, out_dir)).as_posix()
    except ValueError:
        return source


def _posts(task: Task, owners: list[Account]) -> Iterator[Post]:
    """The task's posts; a file read whole adds its timeline's owner to `owners`."""
    if task.kind == "jsonl" and task.input_format in ("bluesky", "mastodon"):
        yield from _page_posts(task)
    elif task.kind == "jsonl":
        yield from _jsonl_posts(Path(task.source), task.start, task.end, task.skip_invalid)
    elif task.kind == "library":
        from linkratio.store import Library

        with Library(task.source, deriver=None) as lib:
            yield from lib.posts(task.platform, task.account_id)
    else:
        from linkratio.sources import read

        timeline = read(task.source, task.input_format, skip_invalid=task.skip_invalid)
        owners.append(timeline.account)
        yield from timeline.posts


def lines_in_range(fh: IO[bytes], start: int, end: int) -> Iterator[bytes]:
    """Yield the lines of `fh` that begin at a byte offset in [start, end)."""
    if start > 0:
        fh.seek(start - 1)
        fh.readline()  # the line that began before `start` belongs to the previous range
    else:
        fh.seek(0)
    while fh.tell() < end:
        line = fh.readline()
        if not line:
            return
        yield line


def _jsonl_posts(path: Path, start: int, end: int, skip_invalid: bool) -> Iterator[Post]:
    """The posts of the X v2 / twarc2 JSONL lines that begin in [start, end)."""
    from linkratio.sources.jsonpages import SKIPPED, jsonl_values
    from linkratio.sources.x_json import _SAVED, EXPECTED, _page, _tweet_id, tweet_to_post

    here = [start]  # where the line being read begins

    def place(line: int) -> str:
        """A line as messages name it: a range counts its lines from its own start, so only
        the first range's numbers are the file's; a later one names the line's byte offset."""
        return f"{path}: line {line}" if start == 0 else f"{path}: the line at byte {here[0]:,}"

    with path.open("rb") as fh:
        lines = _tracked(lines_in_range(fh, start, end), fh, here)
        for line, value in jsonl_values(lines, path, EXPECTED, skip_invalid, place=place):
            number = line if start == 0 else 0  # 0: the file alone (a tweet is named by its id)
            page = None if value is SKIPPED else _page(value, path, number, skip_invalid)
            if page is None:
                continue
            tweets, included, users = page
            for tweet in tweets:  # a malformed tweet is skipped alone, as the other readers do
                try:
                    post = tweet_to_post(tweet, included, users)
                except _SAVED.errors as err:
                    _SAVED.malformed(path, number, err, skip_invalid, f"tweet {_tweet_id(tweet)}")
                    continue
                yield post


def _tracked(lines: Iterator[bytes], fh: IO[bytes], here: list[int]) -> Iterator[bytes]:
    """`lines` of `fh`, keeping in `here[0]` the byte offset where the one yielded begins."""
    for line in lines:
        here[0] = fh.tell() - len(line)
        yield line


def _page_posts(task: Task) -> Iterator[Post]:
    """The posts of the saved Bluesky or Mastodon JSONL pages that begin in the task's range."""
    from linkratio.sources import bluesky, mastodon

    read = bluesky.jsonl_posts if task.input_format == "bluesky" else mastodon.jsonl_posts
    path = Path(task.source)
    with path.open("rb") as fh:
        yield from read(lines_in_range(fh, task.start, task.end), path, task.skip_invalid)


JSONL_FORMATS: dict[str, bytes] = {"x-v2": b"{", "bluesky": b"{", "mastodon": b"{["}
"""The formats whose JSONL files are read in byte ranges, a line at a time, and the bytes
their lines begin with (a Mastodon line may be an array of statuses)."""


def jsonl_ranges(path: Path, size: int, chunk_bytes: int = CHUNK_BYTES) -> list[tuple[int, int]]:
    """Byte ranges covering a file of `size` bytes, each about `chunk_bytes` long."""
    if size <= 0:
        return [(0, 0)]
    bounds = list(range(0, size, max(chunk_bytes, 1))) + [size]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def is_jsonl(path: Path, opens: bytes = b"{") -> bool:
    """True when the file's first non-blank line is a whole JSON value (JSONL, not one document)
    beginning with one of the bytes `opens`."""
    import orjson

    with path.open("rb") as fh:
        for raw in fh:
            line = raw.strip().removeprefix(b"\xef\xbb\xbf")
            if not line:
                continue
            if line[:1] not in opens:  # a one-line document (`[...]`): not parsed here too
                return False
            try:
                orjson.loads(line)
            except orjson.JSONDecodeError:
                return False
            return True
    return False


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
