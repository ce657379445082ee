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

import io
from collections.abc import Iterator
from contextlib import ExitStack
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


class _Filler:
    """Reads a tweets file into the caller's buffer, within the caps of reading it whole.

    Straight into the buffer the blocks are decoded from: no block is made and then copied
    (reading 110 MB in 1 MB blocks took about 60% longer that way).
    """

    def __init__(self, source: Source, files: ExitStack) -> None:
        self.name = source.name
        self.fh: io.BufferedReader | None = None
        self.data = memoryview(b"")
        """A zip entry, inflated whole through its guards (no file to read)."""
        if source.path is None:
            self.data = memoryview(source.read())
            self.left = len(self.data)
        else:
            self.fh = files.enter_context(open_file(source.path, source.name))
            self.left = source.path.stat().st_size
        """Bytes still to read: never more than the file's size when it was opened."""

    def into(self, view: memoryview) -> int:
        """Read the next bytes into `view` (as many as fit); how many, 0 at the end."""
        want = min(len(view), self.left)
        if want <= 0:
            return 0
        if self.fh is None:
            at = len(self.data) - self.left
            view[:want] = self.data[at : at + want]
            got: int | None = want
        else:
            try:
                got = self.fh.readinto(view[:want])
            except OSError:  # a damaged disk: the general reader names the file and why
                raise Unsupported(self.name) from None
        self.left -= got or 0
        return got or 0


class _Buffer:
    """The bytes read but not decoded yet, after the `[` that opens a block's JSON array."""

    def __init__(self, filler: _Filler, size: int) -> None:
        self.filler = filler
        self.size = size
        self.buf = bytearray(b"[")  # grown as read: a file that is no archive costs no block
        self.end = 1
        """Where the bytes read end in `buf`."""

    def fill(self, most: int | None = None) -> int:
        """Read up to a block (or `most` bytes) more onto the end; how many bytes (0 at the
        end of the file)."""
        want = self.size if most is None else min(most, self.size)
        if len(self.buf) - self.end < want:  # a long record left over: room for a block
            self.buf.extend(bytes(self.end + want - len(self.buf)))
        got = self.filler.into(memoryview(self.buf)[self.end : self.end + want])
        self.end += got
        return got

    def drop(self, upto: int) -> None:
        """Forget the bytes from after the `[` up to `upto` (decoded, or before the records)."""
        rest = self.buf[upto : self.end]
        self.buf[1 : 1 + len(rest)] = rest
        self.end = 1 + len(rest)


def _head(buf: _Buffer, name: str) -> tuple[bytes, int, int]:
    """Read the first bytes (at least `HEAD`), keep them from the first record on; the record
    seam, and where a record ends and the next starts in it."""
    while buf.end - 1 < HEAD and buf.fill(HEAD - (buf.end - 1)):  # the head, checked first
        pass
    data = bytes(buf.buf[1 : buf.end])
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
    buf.drop(1 + pos)
    return seam, end_at, next_at


def records(
    source: Source,
    decoder: msgspec.json.Decoder[list[Any]] = _DECODER,
    size: int | None = None,
) -> Iterator[list[Any]]:
    """The records of one tweets file, a list per block; Unsupported for anything unusual.

    `decoder` decodes a block's JSON array: into `Record`s unless told otherwise. `size`:
    the bytes read at a time, at most `BLOCK` (the default).
    """
    with ExitStack() as files:
        buf = _Buffer(_Filler(source, files), min(size or BLOCK, BLOCK))
        seam, end_at, next_at = _head(buf, source.name)
        # The comma after a block's last record becomes its `]`.
        start = 0  # no seam starts before this in the buffer (none is left there)
        while buf.fill():
            at = buf.buf.rfind(seam, start, buf.end)
            if at >= 0:
                buf.buf[at + end_at] = ord("]")
                yield _decode(decoder, memoryview(buf.buf)[: at + end_at + 1], source.name)
                buf.drop(at + next_at)
            start = max(0, buf.end - len(seam) + 1)  # never the whole buffer again: linear
        close = buf.end
        while close > 1 and buf.buf[close - 1] in b" \t\r\n;":
            close -= 1
        if buf.buf[close - 1 : close] != b"]":
            raise Unsupported(source.name)
        yield _decode(decoder, memoryview(buf.buf)[:close], source.name)


def _decode(decoder: msgspec.json.Decoder[list[Any]], body: memoryview, name: str) -> list[Any]:
    try:
        return decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        # RecursionError: nested past Python's recursion limit, which orjson refuses too.
        raise Unsupported(name) from None
