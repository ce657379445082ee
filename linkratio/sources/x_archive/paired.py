"""Import's way through an X archive: `kept`'s posts, their JSON made by a forked child.

`kept.read_kept` re-encodes each record through orjson in the reading process, which is
half of its cost. Here a child (`store.forked`) opens the archive anew and makes each
tweets file's records' JSON with the same `kept.raw_json`, while this process reads the
lean posts as `lean` does (its typed block decode); the JSON comes back (pickled) a list
per tweets file, and is paired with the posts in file order: each list as long as the
file's posts, each JSON holding its post's id, or the archive changed in between and
this raises Unsupported (the caller then reads it the general way). The result equals
`read_kept`'s, field for field and byte for byte (`tests/test_import25.py`).

No value is decided here (`kept` and `lean` make them), so this module is not one of the
reading files of `sources.reread`: a post stored through it is the one `read_kept` stores.
Without a fork (one CPU, other threads) the child's work is done here, first.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextlib import closing
from datetime import datetime
from pathlib import Path

from linkratio.model import Timeline
from linkratio.sources.x_archive.files import Source, open_layout
from linkratio.sources.x_archive.kept import _RAWS, raw_json
from linkratio.sources.x_archive.lean import LeanPost, Times, _post, read_blocks
from linkratio.sources.x_archive.notes import Notes
from linkratio.sources.x_archive.typed import Unsupported, records
from linkratio.store.forked import Forked

Raws = list[list[bytes]] | None
"""The JSON of every record, a list per tweets file in the layout's order; None: Unsupported."""


def raws_of(path: Path) -> Raws:
    """The compact JSON of each record of each tweets file of the archive; None: Unsupported."""
    try:
        with open_layout(path) as layout:
            return [
                [raw_json(r) for block in records(source, _RAWS) for r in block]
                for source in layout.tweets
            ]
    except Unsupported:
        return None


def read_paired(path: Path, progress: Callable[[int], None] | None = None) -> Timeline:
    """The archive at `path` as a Timeline of `LeanPost`s with `raw`; Unsupported otherwise.

    Equal to `read_archive(path, keep_raw=True)` field for field; anything malformed or
    unusual raises Unsupported, never an InputError of its own (as `lean.read_lean`).
    """
    with closing(Forked(functools.partial(raws_of, path))) as child:  # made while this reads
        files = _Files(child)
        timeline = read_blocks(path, progress, files.blocks)
        files.check_all_used()
    return timeline


class _Files:
    """The child's JSON of each tweets file, paired with the posts read from it, in turn."""

    def __init__(self, child: Forked[Raws]) -> None:
        self.child = child
        self.made: list[list[bytes]] | None = None
        self.used = 0

    def next_file(self, name: str) -> list[bytes]:
        """The JSON of the next tweets file's records (waiting for the child the first time)."""
        if self.made is None:
            self.made = self.child.result()
            if self.made is None:
                raise Unsupported(name)
        if self.used >= len(self.made):
            raise Unsupported(name)  # more tweets files than the child found: changed since
        self.used += 1
        return self.made[self.used - 1]

    def check_all_used(self) -> None:
        """Unsupported when the child found tweets files the posts were not read from."""
        if self.made is not None and self.used != len(self.made):
            raise Unsupported("tweets")

    def blocks(
        self, source: Source, notes: Notes, note_times: dict[str, datetime], times: Times
    ) -> Iterable[list[LeanPost]]:
        """`lean`'s blocks of one tweets file; each post given its JSON once all are read."""
        posts: list[LeanPost] = []
        for block in records(source):
            made = [_post(r.tweet, notes, note_times, times) for r in block]
            posts.extend(made)
            yield made  # the same posts: their JSON is filled in below, before collapse
        found = self.next_file(source.name)
        if len(found) != len(posts):
            raise Unsupported(source.name)
        for post, raw in zip(posts, found, strict=True):
            if b'"id_str":"%s"' % post.id.encode() not in raw:  # changed since the child read
                raise Unsupported(source.name)
            post.raw = raw
