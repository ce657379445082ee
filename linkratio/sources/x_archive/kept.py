"""The fast way through an X archive for the library: lean posts that keep their JSON.

The library stores each post's record as the general reader keeps it (`Post.raw`: the
`{"tweet": {...}}` record re-encoded as compact JSON by orjson). Here each block of
tweets.js is split into its records' bytes (`msgspec.Raw`, no copy); each record is
decoded into the typed `Record` the lean reader normalizes, and through orjson for its
compact JSON (`msgspec.json.format` would be faster but keeps what orjson rewrites:
escapes, numbers, repeated keys). Anything unusual raises `Unsupported` and the caller
reads the archive the general way, as for `lean`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import msgspec
import orjson

from linkratio.model import Timeline
from linkratio.sources.common import compact_json
from linkratio.sources.x_archive.files import Source
from linkratio.sources.x_archive.lean import LeanPost, Times, _post, read_blocks
from linkratio.sources.x_archive.notes import Notes
from linkratio.sources.x_archive.typed import Record, Unsupported, records

_RAWS = msgspec.json.Decoder(list[msgspec.Raw])
_RECORD = msgspec.json.Decoder(Record)


def raw_json(record: msgspec.Raw) -> bytes:
    """The record's JSON as the general reader keeps it: compact, re-encoded by orjson."""
    try:
        return compact_json(orjson.loads(memoryview(record)))
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        # JSONEncodeError: nested too deep for orjson to write (it reads deeper).
        raise Unsupported("record") from None


def _post_of(
    record: msgspec.Raw, notes: Notes, note_times: dict[str, datetime], times: Times
) -> LeanPost:
    """One record as the lean reader makes it, with its JSON."""
    try:
        tweet = _RECORD.decode(record).tweet
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        raise Unsupported("record") from None
    post = _post(tweet, notes, note_times, times)
    post.raw = raw_json(record)
    return post


def read_kept(path: Path, progress: Callable[[int], None] | None = None) -> Timeline:
    """The archive at `path` as a Timeline of `LeanPost`s with `raw`; Unsupported otherwise.

    Equal to `read_archive(path, keep_raw=True)` field for field; anything malformed or
    unusual raises Unsupported, never an InputError of its own (as `lean.read_lean`).
    """
    return read_blocks(path, progress, _blocks)


def _blocks(
    source: Source, notes: Notes, note_times: dict[str, datetime], times: Times
) -> Iterable[list[LeanPost]]:
    for block in records(source, _RAWS):
        yield [_post_of(r, notes, note_times, times) for r in block]
