"""The tweets.js records as msgspec Structs, decoded a block of records at a time.

Only the fields the tweet normalizer reads are declared: msgspec skips every other key in
C, which is most of the work of decoding an archive. Whatever does not fit these types
raises `Unsupported`; the caller then reads the archive the general way (`tweets.py`),
which accepts or refuses each record exactly as before.

Known difference: in a field it skips, msgspec checks neither that the bytes are UTF-8
nor that a number fits a double (`1e400`), which orjson, and so the general reader,
refuses. Checking every byte costs more than the whole typed decode on real archives
(`bytes.decode` of 200,000 posts: 1.5 s; classify: 1.2 s), so such a damaged file is
listed by `classify` (every field it reads is checked) and refused by `audit`/`import`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import msgspec

from linkratio.errors import InputFormatError
from linkratio.sources.limits import HEAD, open_file
from linkratio.sources.x_archive.files import Source
from linkratio.sources.x_archive.ytd import _array_start, _seams, is_ytd

BLOCK = 8 * 1024 * 1024
"""Bytes read and decoded at a time: memory stays near one block, not the whole file."""

Id = str | Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
"""A numeric field: X writes strings, older exports numbers (in 64 bits, as orjson reads
them: the general reader refuses a larger one, so the typed reader must not take it)."""


class Unsupported(Exception):
    """The file or a record is not in the shape the typed reader knows: read it the general way."""


class UrlEntity(msgspec.Struct, gc=False):
    """An entry of `entities.urls` or `media`."""

    url: str
    expanded_url: str | None = None


class Mention(msgspec.Struct, gc=False):
    """An entry of `entities.user_mentions`."""

    screen_name: str
    indices: list[Id] | None = None
    """Checked where several mentions are ordered by it (`lean._mentions`): a pattern here
    would slow every decode by a quarter."""


class Entities(msgspec.Struct, gc=False):
    """`entities`: links, media and mentions."""

    urls: list[UrlEntity] | None = None
    media: list[UrlEntity] | None = None
    user_mentions: list[Mention] | None = None


class Extended(msgspec.Struct, gc=False):
    """`extended_entities`: only its media."""

    media: list[UrlEntity] | None = None


class Chain(msgspec.Struct, gc=False):
    """`edit_info.initial` (or `edit.editControlInitial`)."""

    editTweetIds: list[Id] | None = None  # noqa: N815 (the archive's key)


class Edit(msgspec.Struct, gc=False):
    """`edit_info.edit`."""

    editControlInitial: Chain | None = None  # noqa: N815 (the archive's key)


class EditInfo(msgspec.Struct, gc=False):
    """`edit_info`."""

    initial: Chain | None = None
    edit: Edit | None = None


class Tweet(msgspec.Struct, gc=False):
    """The fields of a tweet the normalizer reads."""

    id_str: str
    full_text: str
    created_at: str
    entities: Entities | None = None
    extended_entities: Extended | None = None
    in_reply_to_status_id_str: Id | None = None
    in_reply_to_status_id: Id | None = None
    in_reply_to_user_id_str: Id | None = None
    in_reply_to_user_id: Id | None = None
    in_reply_to_screen_name: Id | None = None
    edit_info: EditInfo | None = None


class Record(msgspec.Struct, gc=False):
    """One `{"tweet": {...}}` record of tweets.js."""

    tweet: Tweet


_DECODER = msgspec.json.Decoder(list[Record])
_TWEET_VARS = frozenset({"tweets", "tweet"})


def _chunks(source: Source, size: int) -> Iterator[bytes]:
    """The bytes of a tweets file in blocks, within the same caps as reading it whole."""
    if source.path is None:  # a zip entry: inflated whole, through its guards
        data = source.read()
        for at in range(0, len(data), size):
            yield data[at : at + size]
        return
    with open_file(source.path, source.name) as fh:
        left = source.path.stat().st_size  # never more than the size it had
        step = min(size, HEAD)  # the head first: a file that is no archive costs no block
        while left > 0:
            try:
                block = fh.read(min(step, left))
                step = size
            except OSError:  # a damaged disk: the general reader names the file and why
                raise Unsupported(source.name) from None
            if not block:
                return
            left -= len(block)
            yield block


def _head(chunks: Iterator[bytes], name: str) -> tuple[bytes, bytes, int, int]:
    """The first bytes (at least `HEAD`), the record seam and where the first record starts."""
    data = b""
    for block in chunks:
        data += block
        if len(data) >= HEAD:
            break
    if not is_ytd(data[:HEAD]):
        raise Unsupported(name)
    try:
        start = _array_start(data, name, _TWEET_VARS)
    except InputFormatError:
        raise Unsupported(name) from None
    layout = _seams(data, start)
    if layout is None or not layout[0].startswith((b"\n", b"\r\n")):
        raise Unsupported(name)  # minified: a seam could sit inside a string
    seam, pos, end_at, next_at = layout
    return data[pos:], seam, end_at, next_at


def records(
    source: Source,
    decoder: msgspec.json.Decoder[list[Any]] = _DECODER,
    size: int | None = None,
) -> Iterator[list[Any]]:
    """The records of one tweets file, a list per block; Unsupported for anything unusual.

    `decoder` decodes a block's JSON array: into `Record`s unless told otherwise. `size`:
    the bytes read at a time, at most `BLOCK` (the default).
    """
    chunks = _chunks(source, min(size or BLOCK, BLOCK))
    first, seam, end_at, next_at = _head(chunks, source.name)
    # The buffer opens the JSON array; the comma after a block's last record becomes its `]`.
    buf = bytearray(b"[") + first
    start = 0  # no seam starts before this in the buffer (none is left there)
    for block in chunks:
        buf += block
        at = buf.rfind(seam, start)
        if at >= 0:
            buf[at + end_at] = ord("]")
            yield _decode(decoder, memoryview(buf)[: at + end_at + 1], source.name)
            buf = bytearray(b"[") + memoryview(buf)[at + next_at :]
        start = max(0, len(buf) - len(seam) + 1)  # never the whole buffer again: linear
    close = len(buf)
    while close > 1 and buf[close - 1] in b" \t\r\n;":
        close -= 1
    if buf[close - 1 : close] != b"]":
        raise Unsupported(source.name)
    yield _decode(decoder, memoryview(buf)[:close], source.name)


def _decode(decoder: msgspec.json.Decoder[list[Any]], body: memoryview, name: str) -> list[Any]:
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        # RecursionError: nested past Python's recursion limit, which orjson refuses too.
        raise Unsupported(name) from None
