"""Long posts: the bodies in note-tweet.js, matched to the truncated tweets they belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linkratio.errors import InputFormatError
from linkratio.model import Link
from linkratio.sources.common import parse_time
from linkratio.sources.x_archive.files import Source
from linkratio.sources.x_archive.ytd import record_error, records

_TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
_TRAILING_TCO = re.compile(r"(?:\s*https?://t\.co/[A-Za-z0-9]+)+\s*\Z")
_REPLY_PREFIX = re.compile(r"(?:@([A-Za-z0-9_]+)\s+)+")
_HANDLE = re.compile(r"@([A-Za-z0-9_]+)")

Notes = dict[datetime, list["Note"]]
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
    note_obj = Note(text, _note_key(text), urls, tuple(m["screenName"] for m in mentions))
    return created, note_obj


def read_notes(sources: list[Source]) -> Notes:
    """Long-post bodies by creation second (note ids are not tweet ids)."""
    notes: Notes = {}
    for source in sources:
        found = records(source.read(), source.name, frozenset({"note_tweet"}))
        for n, record in enumerate(found, 1):
            try:
                created, note = _note(record)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                raise InputFormatError(
                    f"{source.name}: record {n} is not a note tweet ({record_error(e)})"
                ) from None
            notes.setdefault(created, []).append(note)
    return notes


def take_note(notes: Notes, created: datetime, text: str) -> tuple[Note, str] | None:
    """The note whose text the (truncated) tweet text begins, and the tweet's reply prefix."""
    candidates = notes.get(created)
    if not candidates:
        return None
    body = _TRAILING_TCO.sub("", text).rstrip().removesuffix("\u2026")
    tries = [("", _note_key(body))]
    prefix = _REPLY_PREFIX.match(body)
    if prefix is not None:
        # Replies carry the automatic `@name ` prefix; the note body does not.
        tries.append((body[: prefix.end()], _note_key(body[prefix.end() :])))
    for lead, key in tries:
        for note in candidates:
            if key and note.key.startswith(key):
                candidates.remove(note)
                return note, lead
    return None


def merge_note(
    note: Note, lead: str, links: tuple[Link, ...]
) -> tuple[str, tuple[Link, ...], tuple[str, ...]]:
    """Text, links and mentions of a long post: the note's, plus what only the tweet has."""
    targets = {link.target for link in note.urls}
    # The tweet keeps its media and an attached quote's status URL, which the note lacks.
    extra = tuple(link for link in links if link.media or link.target not in targets)
    mentions = tuple(_HANDLE.findall(lead)) + note.mentions
    return lead + note.text, note.urls + extra, mentions
