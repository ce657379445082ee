"""Long posts: the bodies in note-tweet.js, matched to the truncated tweets they belong to."""

from __future__ import annotations

import logging
import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linkratio.model import Link
from linkratio.sources.common import kind_of, parse_time
from linkratio.sources.x_archive.files import Source, source_records
from linkratio.sources.x_archive.ytd import RECORD_ERRORS, bad_record, record_error

log = logging.getLogger(__name__)

_TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_TCO_MARK = "://t.co/"
_REPLY_PREFIX = re.compile(r"(?:@([A-Za-z0-9_]+)\s+)+")
_HANDLE = re.compile(r"@([A-Za-z0-9_]+)")

Notes = dict[datetime, "Second"]
"""Long-post bodies by creation second (note ids are not tweet ids)."""


@dataclass(slots=True)
class Note:
    """One long-post body from note-tweet.js."""

    text: str
    key: str
    """The text with t.co links masked and whitespace collapsed, for prefix matching."""
    urls: tuple[Link, ...]
    mentions: tuple[str, ...]


def _note_key(text: str) -> str:
    return " ".join(_TCO.sub("\x00", text).split())


def _note(record: Any) -> tuple[datetime, Note]:
    note = record["noteTweet"]
    core = note["core"]
    text = core["text"]
    urls = tuple(Link(u["shortUrl"], u.get("expandedUrl")) for u in core.get("urls") or ())
    mentions = sorted(core.get("mentions") or (), key=lambda m: int(m.get("fromIndex") or 0))
    created = parse_time(note["createdAt"]).replace(microsecond=0)
    handles = tuple(m["screenName"] for m in mentions)
    for name, value in (
        ("text", text),
        *(("a URL", u.url) for u in urls),
        *(("an expanded URL", u.expanded) for u in urls if u.expanded is not None),
        *(("a mention", h) for h in handles),
    ):
        if type(value) is not str:
            raise ValueError(f"{name} is {kind_of(value)}, expected a string")
    return created, Note(text, _note_key(text), urls, handles)


def read_notes(sources: list[Source], skip_invalid: bool = False) -> Notes:
    """Long-post bodies by creation second (note ids are not tweet ids).

    A malformed record is an InputFormatError naming it, or with `skip_invalid` a warning.
    """
    notes: Notes = {}
    for source in sources:
        found = source_records(source, frozenset({"note_tweet"}), skip_invalid)
        for n, record in enumerate(found, 1):
            try:
                created, note = _note(record)
            except RECORD_ERRORS as e:
                message = f"{source.name}: record {n} is not a note tweet ({record_error(e)})"
                bad_record(message, skip_invalid, log)
                continue
            second = notes.get(created)
            if second is None:
                second = notes[created] = Second()
            second.notes.append(note)
    return notes


def without_trailing_links(text: str) -> str:
    """`text` without the t.co links that end it (and the whitespace around them).

    Found from the end with `rfind`, in time linear in the text: a regex anchored at the
    end is tried from every position, and backtracks over every whitespace run.
    """
    end, cut = len(text.rstrip()), None
    while (at := text.rfind(_TCO_MARK, 0, end)) >= 4:
        code = text[at + len(_TCO_MARK) : end]
        start = at - 5 if text[at - 5 : at] == "https" else at - 4
        if not (code.isalnum() and code.isascii()) or text[start : start + 4] != "http":
            break
        cut = end = start
        while end and text[end - 1].isspace():
            end -= 1
    return text if cut is None else text[:end]


def take_note(notes: Notes, created: datetime, text: str) -> tuple[Note, str] | None:
    """The note whose text the (truncated) tweet text begins, and the tweet's reply prefix."""
    second = notes.get(created)
    if not second:
        return None
    body = without_trailing_links(text).rstrip().removesuffix("\u2026")
    tries = [("", _note_key(body))]
    prefix = _REPLY_PREFIX.match(body)
    if prefix is not None:
        # Replies carry the automatic `@name ` prefix; the note body does not.
        tries.append((body[: prefix.end()], _note_key(body[prefix.end() :])))
    for lead, key in tries:
        note = second.take(key) if key else None
        if note is not None:
            return note, lead
    return None


_FEW = 32
"""Notes in one second looked through one by one; more are indexed (`Second.take`)."""


class Second:
    """The notes created in one second; each is taken by the first tweet it begins."""

    __slots__ = ("_keys", "_least", "_places", "_taken", "notes")

    def __init__(self) -> None:
        self.notes: list[Note] = []
        """In file order; with more than `_FEW`, the ones taken are left in."""
        self._keys: list[str] = []
        self._least: list[int] = []
        self._places: list[int] = []
        self._taken = 0

    def __len__(self) -> int:
        """How many of its notes no tweet has taken yet."""
        return len(self.notes) - self._taken

    def take(self, key: str) -> Note | None:
        """Take the first note (in file order) whose key starts with `key`, if any.

        With many notes in the second (a crafted archive), they are sorted by key once:
        those starting with `key` are then a run, and a tree of the least file position
        in each span finds the first untaken one of the run in logarithmic time.
        """
        notes = self.notes
        if len(notes) <= _FEW:
            for note in notes:
                if note.key.startswith(key):
                    notes.remove(note)
                    return note
            return None
        if not self._keys:
            self._index()
        keys, least = self._keys, self._least
        start = bisect_left(keys, key)
        low, high = start, len(keys)
        while low < high:  # the end of the run of keys that start with `key`
            middle = (low + high) // 2
            if keys[middle].startswith(key):
                low = middle + 1
            else:
                high = middle
        found = self._first(start, low)
        if found is None:
            return None
        place = self._places[found]
        spot = len(least) // 2 + place
        least[spot] = _TAKEN
        while spot > 1:
            spot //= 2
            least[spot] = min(least[2 * spot], least[2 * spot + 1])
        self._taken += 1
        return notes[found]

    def _index(self) -> None:
        order = sorted(range(len(self.notes)), key=lambda n: self.notes[n].key)
        self._keys = [self.notes[n].key for n in order]
        width = 1 << max(len(order) - 1, 1).bit_length()
        least = [_TAKEN] * (2 * width)
        places = [0] * len(order)
        for place, n in enumerate(order):
            least[width + place] = n
            places[n] = place
        for spot in range(width - 1, 0, -1):
            least[spot] = min(least[2 * spot], least[2 * spot + 1])
        self._least, self._places = least, places

    def _first(self, start: int, end: int) -> int | None:
        """The least file position of an untaken note among sorted places start..end-1."""
        least, width, best = self._least, len(self._least) // 2, _TAKEN
        low, high = start + width, end + width
        while low < high:
            if low & 1:
                best = min(best, least[low])
                low += 1
            if high & 1:
                high -= 1
                best = min(best, least[high])
            low //= 2
            high //= 2
        return None if best == _TAKEN else best


_TAKEN = 1 << 62
"""The tree's value for a note already taken (above any file position)."""


def merge_note(
    note: Note, lead: str, links: tuple[Link, ...]
) -> tuple[str, tuple[Link, ...], tuple[str, ...]]:
    """Text, links and mentions of a long post: the note's, plus what only the tweet has."""
    targets = {link.target for link in note.urls}
    # The tweet keeps its media and an attached quote's status URL, which the note lacks.
    extra = tuple(link for link in links if link.media or link.target not in targets)
    mentions = tuple(_HANDLE.findall(lead)) + note.mentions
    return lead + note.text, note.urls + extra, mentions
