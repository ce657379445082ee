"""The fast way through an X archive for a caller that only classifies and lists the posts.

The tweets are decoded into typed Structs a block at a time (`typed`) and normalized
into `LeanPost`s: msgspec Structs with every field of `model.Post` (0.7 us to make
instead of 2.9 us for the frozen dataclass), whose created_at is checked by slicing the
archive's fixed format. The result equals what `tweets.py` makes, field for field
(`tests/test_lean_archive.py` compares them); anything this reader does not know (an odd
time, a record of another shape, a type the Structs refuse) raises `Unsupported` and
the caller reads the archive the general way, which keeps every guard and message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import cast

from linkratio.model import Link, Post, Timeline, superseded
from linkratio.sources.lean_post import LeanFields
from linkratio.sources.x_archive.files import Source, open_layout
from linkratio.sources.x_archive.notes import Notes, merge_note, read_notes, take_note
from linkratio.sources.x_archive.tweets import PLATFORM, Row, infer_owner, read_account
from linkratio.sources.x_archive.typed import Chain, Entities, Tweet, Unsupported, records

_NATIVE_RT = re.compile(r"RT @([A-Za-z0-9_]+):")
_NATIVE_RT_SINCE = "2009-11-06T"
"""Native retweets began on this day (UTC): an archive's `RT @name:` before it is manual."""
_MONTHS = {
    m: f"-{i:02d}-"
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


class LeanPost(LeanFields):
    """A `model.Post` of an archive tweet, as a cheap Struct with the same fields."""

    platform: str
    id: str
    key: str
    """The sort key: ISO time to the second, then the id's length in 3 digits, then the id."""

    @property
    def created_at(self) -> datetime:
        """Creation time, timezone-aware UTC (made on demand: listings use `key`)."""
        # With its offset in the text: a tenth of the cost of `.replace(tzinfo=UTC)`.
        return datetime.fromisoformat(self.key[:19] + "+00:00")


_SIXTY = [f"{n:02d}" for n in range(60)]
HOURS = frozenset([f"{h}:" for h in _SIXTY[:24]])
"""`00:` to `23:`: an hour of the day and its colon."""
MINUTES = frozenset([f"{m}:{s}" for m in _SIXTY for s in _SIXTY])
"""`00:00` to `59:59`: minutes and seconds. With `HOURS`, every time of day that
`time.fromisoformat` reads and `isoformat` writes back the same."""


class Times:
    """Archive times (`Sat Nov 09 12:14:18 +0000 2024`) as ISO text to the second, checked.

    Each distinct day is checked once (with `date.fromisoformat`, as `common.parse_time`
    would parse it), each time of day against `HOURS` and `MINUTES`; anything else
    raises Unsupported.
    """

    __slots__ = ("days",)

    def __init__(self) -> None:
        self.days: dict[str, str] = {}
        """`2024-11-09T` by `Nov 09  +0000 2024` (`value[4:11] + value[19:]`): a day seen
        is found only in a time of the whole format (30 characters, UTC)."""

    def iso(self, value: str) -> str:
        """`2024-11-09T12:14:18` for `Sat Nov 09 12:14:18 +0000 2024`."""
        day = self.days.get(value[4:11] + value[19:])
        if day is None:
            day = self._day(value)
        if value[11:14] not in HOURS or value[14:19] not in MINUTES:
            raise Unsupported(value)
        return day + value[11:19]

    def _day(self, value: str) -> str:
        month = _MONTHS.get(value[4:7])
        if len(value) != 30 or value[19:26] != " +0000 " or month is None or value[10] != " ":
            raise Unsupported(value)
        day = value[26:] + month + value[8:10]
        try:
            ok = date.fromisoformat(day).isoformat() == day and "1970" <= day < "2200"
        except ValueError:
            ok = False
        if not ok:
            raise Unsupported(value)
        self.days[value[4:11] + value[19:]] = day + "T"
        return day + "T"


def _text(value: str | int | None) -> str | None:
    """A string or number field as a string; '' and null are None (as `tweets._str`)."""
    if value is None or type(value) is str:
        return value or None
    return str(value)


def _links(entities: Entities | None, tweet: Tweet) -> tuple[Link, ...]:
    urls, media = (entities.urls, entities.media) if entities else (None, None)
    extended = tweet.extended_entities.media if tweet.extended_entities else None
    if not (urls or media or extended):
        return ()
    if urls and not (media or extended) and len(urls) == 1:  # the most common: one link
        return (Link(urls[0].url, urls[0].expanded_url),)
    links = [Link(u.url, u.expanded_url) for u in urls or ()]
    media = (media or []) + (extended or [])
    if media:
        seen: set[tuple[str, str | None]] = set()
        for m in media:
            key = (m.url, m.expanded_url)
            if key not in seen:
                seen.add(key)
                links.append(Link(key[0], key[1], media=True))
    return tuple(links)


def _mentions(entities: Entities | None) -> tuple[str, ...]:
    found = entities.user_mentions if entities else None
    if not found:
        return ()
    if len(found) > 1:
        try:
            found = sorted(found, key=lambda m: int((m.indices or (0,))[0]))
        except ValueError:
            raise Unsupported("mention indices") from None
    return tuple(m.screen_name for m in found)


def _edit_ids(tweet: Tweet, post_id: str) -> tuple[str, ...]:
    info = tweet.edit_info
    if info is None:
        return ()
    chain: Chain | None = info.initial
    if chain is None or chain.editTweetIds is None:
        if chain is not None and info.edit is not None:
            raise Unsupported("edit_info")  # `initial` may have been {}: let tweets.py decide
        chain = info.edit.editControlInitial if info.edit else None
    ids = chain.editTweetIds if chain else None
    if not ids:
        return ()
    if len(ids) == 1 and ids[0] == post_id:
        return (post_id,)
    return tuple(sorted((str(i) for i in ids), key=lambda i: (len(i), i)))


def _post(
    tweet: Tweet,
    notes: Notes,
    note_times: dict[str, datetime],
    times: Times,
    *,
    with_mentions: bool = True,
) -> LeanPost:
    """One tweet as `tweets._row` and `to_post` make it (author filled in later).

    Without `with_mentions` its mentions stay () (the classifier never reads them).
    """
    post_id = tweet.id_str
    if not post_id or len(post_id) > 999:  # the sort key holds its length in 3 digits
        raise Unsupported("id")
    text = tweet.full_text
    if "&" in text:
        text = html.unescape(text)
    iso = times.iso(tweet.created_at)
    links = _links(tweet.entities, tweet)
    mentions = _mentions(tweet.entities) if with_mentions else ()
    native = text.startswith("RT @") and iso >= _NATIVE_RT_SINCE
    rt = _NATIVE_RT.match(text) if native else None
    if notes and rt is None and iso in note_times:
        found = take_note(notes, note_times[iso], text)
        if found is not None:
            text, links, noted = merge_note(found[0], found[1], links)
            mentions = noted if with_mentions else ()
    return LeanPost(
        PLATFORM, post_id, f"{iso} {len(post_id):03d} {post_id}", text=text,
        is_repost=rt is not None, repost_of_handle=rt.group(1) if rt else None,
        reply_to_post_id=_text(tweet.in_reply_to_status_id_str or tweet.in_reply_to_status_id),
        reply_to_user_id=_text(tweet.in_reply_to_user_id_str or tweet.in_reply_to_user_id),
        reply_to_handle=_text(tweet.in_reply_to_screen_name),
        links=links, mentions=mentions, edit_ids=_edit_ids(tweet, post_id), source="archive",
    )  # fmt: skip


def collapse(posts: list[LeanPost]) -> list[LeanPost]:
    """`model.collapse` on lean posts: one per id, the newest of each edit chain, in time order."""
    by_id = {post.id: post for post in posts}
    chains = [(post.id, post.edit_ids) for post in by_id.values() if len(post.edit_ids) > 1]
    for post_id in superseded(chains, by_id):
        del by_id[post_id]
    return sorted(by_id.values(), key=lambda p: p.key)


Blocks = Callable[[Source, Notes, dict[str, datetime], Times], Iterable[list[LeanPost]]]
"""How a fast reader turns one tweets file into blocks of posts (with or without raw)."""


def read_lean(path: Path, progress: Callable[[int], None] | None = None) -> Timeline:
    """The archive at `path` as a Timeline of `LeanPost`s; Unsupported when it needs tweets.py.

    Any malformed or unusual file or record raises Unsupported (never an InputError of its
    own): the general reader then says what is wrong, or skips it with --skip-invalid.
    """
    return read_blocks(path, progress, _blocks)


def _blocks(
    source: Source, notes: Notes, note_times: dict[str, datetime], times: Times
) -> Iterable[list[LeanPost]]:
    for block in records(source):
        yield [_post(r.tweet, notes, note_times, times) for r in block]


def read_blocks(path: Path, progress: Callable[[int], None] | None, blocks: Blocks) -> Timeline:
    """The archive at `path`, its tweets files read by `blocks`, as a Timeline of its owner."""
    with open_layout(path) as layout:
        account = read_account(layout.account) if layout.account else None
        notes = read_notes(layout.notes)
        note_times = {when.strftime("%Y-%m-%dT%H:%M:%S"): when for when in notes}
        posts: list[LeanPost] = []
        times = Times()
        for source in layout.tweets:
            for block in blocks(source, notes, note_times, times):
                posts.extend(block)
                if progress is not None:
                    progress(len(posts))
    owner = account or infer_owner(cast(list[Row], posts))
    for post in posts:
        post.author_id = owner.id
        post.author_handle = owner.handle
    kept = cast(list[Post], collapse(posts))
    return Timeline(account=owner, posts=kept, origin=str(path))
