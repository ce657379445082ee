"""`classify`'s fast way through an X archive: each tweet's label, and nothing more kept.

The tweets are decoded 1 MB at a time into the typed Structs of `x_archive.typed` and
labelled at once. Tweets of a common shape (a native retweet, a reply to another account,
a post with no link that answers no one else) take the label `classify` gave the first
tweet of that shape; a link post is labelled by `classify` on a `LeanPost` made from what
was read; any other by `classify` on the LeanPost `lean._post` makes. Only each tweet's
sort key and Label outlive its block: memory stays near one block plus a pair per post.
Edit chains collapse as in `model.collapse`. An archive this way does not read (no
account.js, anything `lean` refuses) gives None: the caller reads it the general way,
which keeps every guard and message (`tests/test_verdicts.py` compares the two).
"""

from __future__ import annotations

import gc
import html
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, cast

from linkratio.accounts import account_name, is_account_name
from linkratio.classify import classify, mention_led, question_mark, x_link_label
from linkratio.errors import LinkratioError
from linkratio.links import URL_MARK, bare_urls
from linkratio.model import Account, Label, Post, gc_paused, superseded
from linkratio.sources import detect_format
from linkratio.sources.limits import check_input
from linkratio.sources.x_archive.files import open_layout
from linkratio.sources.x_archive.lean import (
    _NATIVE_RT,
    _NATIVE_RT_SINCE,
    HOURS,
    MINUTES,
    LeanPost,
    Times,
    _links,
    _mentions,
    _post,
    _text,
)
from linkratio.sources.x_archive.notes import Notes, read_notes
from linkratio.sources.x_archive.tweets import PLATFORM, read_account
from linkratio.sources.x_archive.typed import Record, Tweet, Unsupported, UrlEntity, records

log = logging.getLogger(__name__)

_BLOCK = 1 << 20
"""Bytes decoded at a time: a block's records are labelled while still in the CPU's cache
(on the bench machine, 0.5-1 MB blocks took 25-30% less CPU time than 8 MB ones)."""

_LENGTHS = [f" {n:03d} " for n in range(1000)]
"""The middle of a sort key, by the length of the id."""

Row = tuple[str, Label]
"""A post's sort key (`lean.LeanPost.key`: ISO time, id length in 3 digits, id) and label."""


class ArchiveLabels(NamedTuple):
    """The labels of an archive's posts, in time order, and whose posts they are."""

    account: Account
    rows: list[Row]


def archive_labels(
    source: str | Path,
    *,
    db: str | Path | None = None,
    input_format: str = "auto",
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ArchiveLabels | None:
    """The labels of the X archive at `source` the fast way; None for anything else.

    None also for an archive this way does not read (or a file that is no archive, or
    that cannot be read): `loading.read_timeline` then reads it and says what is wrong.
    `db` and `skip_invalid` only matter to that general reader.
    """
    if is_account_name(str(source)) or input_format not in ("auto", "x-archive"):
        return None
    path = Path(source).expanduser()
    try:
        if not path.exists():
            return None
        if input_format == "auto" and detect_format(path) != "x-archive":
            return None
        check_input(path, "an X archive")
        found = read_labels(path, progress)
    except (Unsupported, LinkratioError, MemoryError):
        log.debug("%s: labelled the general way", path)
        return None
    return found if found.rows else None  # none: the general reader says so


def owner_name(account: Account) -> str | None:
    """The account name of the archive's owner, as `authors.author_name` gives it."""
    return account_name(account) if account.id or account.handle else None


def read_labels(path: Path, progress: Callable[[int], None] | None = None) -> ArchiveLabels:
    """The labels of the archive at `path`, in time order; Unsupported when it needs more.

    What it returns is moved out of the cycle collector's sight (`gc.freeze`): for a
    process that keeps it to its end, as `classify` does.
    """
    with gc_paused(), open_layout(path) as layout:
        owner = read_account(layout.account) if layout.account else None
        if owner is None:  # whose posts these are is inferred from all of them
            raise Unsupported("no account.js")
        labelled = _Labelled(owner, read_notes(layout.notes))
        for source in layout.tweets:
            for block in records(source, size=_BLOCK):
                labelled.add(block)
                if progress is not None:
                    progress(labelled.count)
        found = ArchiveLabels(owner, labelled.rows())
        # Kept to the end of the process: out of the collector's sight before it is back on
        # (its first pass would visit every row, 0.06 s for 200,000 posts).
        gc.freeze()
        return found


Urls = list[UrlEntity] | None
Shape = tuple[str | None, ...]
"""What the label of a tweet of a common shape depends on (`_Labelled`)."""


def _accounted(text: str, urls: Urls, media: Urls, extended: Urls) -> bool:
    """Whether every bare URL in `text` is an entity's: then the post's links are its entities.

    (`classify` adds any other as a link of its own, TAXONOMY.md "Text to look at".)
    """
    if text.count(URL_MARK) == 1:  # one bare URL at most (each holds its own `://`)
        entity = urls[-1] if urls else media[0] if media else extended[0] if extended else None
        if entity is not None and _ends_text(entity.url, text):
            return True
    bare = bare_urls(text)
    if not bare:
        return True
    if urls and len(urls) == 1 and not (media or extended):  # the most common: one link
        one = urls[0]
        return all(u == one.url or u == one.expanded_url for u in bare)
    entities = (*(urls or ()), *(media or ()), *(extended or ()))
    known = {u for entity in entities for u in (entity.url, entity.expanded_url)}
    return all(u in known for u in bare)


def _ends_text(url: str, text: str) -> bool:
    """Whether `url` is a t.co link of letters and digits that ends `text`.

    Then the bare URL `links.bare_urls` finds there is that link, whole: it starts at the
    link's `https://` and stops at the end of the text, with no punctuation to trim.
    """
    code = url[13:]
    return (
        url.startswith("https://t.co/") and code.isalnum() and code.isascii() and text.endswith(url)
    )


class _Labelled:
    """The labels of the tweets read so far, by id (a later record of an id replaces it).

    A shape names everything the label of a tweet of that shape depends on: whom a native
    retweet retweets (rule 1), whom a reply to another account answers (rule 2), or, for a
    post with no link that answers no one else, rule 6's question mark and whether it
    answers the author (rules 7, 8), or, for a post that answers no one and opens by
    addressing someone, the text up to its first whitespace (rule 3). A reply, and a post,
    must also open with nothing rule 1 reads (`RT @`, `MT @`).
    """

    def __init__(self, owner: Account, notes: Notes) -> None:
        self.owner_id = owner.id
        self.handle = owner.handle
        self.notes = notes
        self.note_times: dict[str, datetime] = {
            when.strftime("%Y-%m-%dT%H:%M:%S"): when for when in notes
        }
        self.times = Times()
        self.days = self.times.days
        self.count = 0
        self.by_id: dict[str, Row] = {}
        self.chains: dict[str, tuple[str, ...]] = {}
        """The edit ids of posts with more than one version."""
        self.shapes: dict[Shape, Label] = {}

    def add(self, block: list[Record]) -> None:
        """Label one block of records."""
        by_id, chains, quick, general = self.by_id, self.chains, self._quick, self._general
        for record in block:
            tweet = record.tweet
            entities = tweet.entities
            if entities is not None and entities.user_mentions and len(entities.user_mentions) > 1:
                _mentions(entities)  # several are ordered by index: Unsupported if one is odd
            row = quick(tweet)
            if row is None:
                row = general(tweet)
            elif chains and tweet.id_str in chains:
                del chains[tweet.id_str]  # a later record of the id is the one kept
            by_id[tweet.id_str] = row
        self.count += len(block)

    def _quick(self, tweet: Tweet) -> Row | None:
        """The row of a tweet of a common shape; None for any other."""
        post_id, info = tweet.id_str, tweet.edit_info
        if info is not None:  # only a chain of the tweet itself, as nearly every one is
            initial = info.initial
            ids = initial.editTweetIds if initial is not None else None
            if ids is None or len(ids) != 1 or ids[0] != post_id:
                return None
        text = tweet.full_text
        if "&" in text:
            text = html.unescape(text)
        when = tweet.created_at  # as Times.iso, without its call for a day and time seen
        day = self.days.get(when[4:11] + when[19:])
        if day is not None and when[11:14] in HOURS and when[14:19] in MINUTES:
            iso = day + when[11:19]
        else:
            iso = self.times.iso(when)  # a day not seen yet; Unsupported for an odd time
        if iso in self.note_times or not 0 < len(post_id) < 1000:
            return None
        key = iso + _LENGTHS[len(post_id)] + post_id
        if text.startswith("RT @"):
            rt = _NATIVE_RT.match(text) if iso >= _NATIVE_RT_SINCE else None
            if rt is None:
                return None  # a manual retweet
            shape: Shape = ("repost", rt.group(1))  # rule 1 names only whom
            return key, self.shapes.get(shape) or self._memo(shape, tweet)
        head = text.lstrip()[:3] if text[:1].isspace() else text[:3]
        if head[:1] in "RrMm" and head[1:2] in "Tt" and head[2:3] == " ":
            return None  # perhaps a manual retweet (rule 1)
        label = self._label(tweet, key, text, head[:1])
        return (key, label) if label is not None else None

    def _label(self, tweet: Tweet, key: str, text: str, lead: str) -> Label | None:
        """The label of a tweet that is no retweet of any kind; None: `_general` decides."""
        # `lean._text` of each, called only when it would change it ("", a number).
        to_user = tweet.in_reply_to_user_id_str or tweet.in_reply_to_user_id
        if to_user is not None and (type(to_user) is not str or not to_user):
            to_user = _text(to_user)
        to_post = tweet.in_reply_to_status_id_str or tweet.in_reply_to_status_id
        if to_post is not None and (type(to_post) is not str or not to_post):
            to_post = _text(to_post)
        to_handle = tweet.in_reply_to_screen_name
        if to_handle is not None and (type(to_handle) is not str or not to_handle):
            to_handle = _text(to_handle)
        if to_post is None and to_user is None and lead in ".@\uff20":
            if not lead or not mention_led(text):
                return None  # no text, or no address: rules 4 to 8 decide
            opening: Shape = ("mention", text.split(None, 1)[0])  # rule 3 names only whom
            return self.shapes.get(opening) or self._memo(opening, tweet)
        if to_user is not None and self.owner_id is not None and to_user != self.owner_id:
            whom: Shape = ("reply", to_user, to_handle)  # rule 2 names only whom
            return self.shapes.get(whom) or self._memo(whom, tweet)
        if to_user is None and to_post is not None or self.owner_id is None:
            return None  # whose post it answers is told by handles
        # No reply to another account: rules 4 and 5 read its links, else rule 6's mark,
        # else whether it is a reply (to the author) tells rule 7 from 8.
        reply = "reply" if to_post is not None or to_user is not None else None
        entities = tweet.entities
        urls = entities.urls if entities is not None else None
        media = entities.media if entities is not None else None
        extended = tweet.extended_entities.media if tweet.extended_entities is not None else None
        if not (urls or media or extended or URL_MARK in text):
            plain: Shape = ("plain", question_mark(text), reply)
            return self.shapes.get(plain) or self._memo(plain, tweet)
        if _accounted(text, urls, media, extended):  # its links are its entities
            if urls:
                one, post_id = urls[0], key[24:]
                targets = [u.expanded_url or u.url for u in urls] if len(urls) > 1 else None
                edits = (post_id,) if tweet.edit_info is not None else ()
                own = (post_id, edits, self.owner_id, self.handle)
                label = x_link_label(targets or [one.expanded_url or one.url], own)
                if label is not None:
                    return label
            if question_mark(text) is None:  # no link counts, nor a mark once URLs are out
                unmarked: Shape = ("plain", None, reply)
                return self.shapes.get(unmarked) or self._memo(unmarked, tweet)
        post = LeanPost(
            PLATFORM, key[24:], key, text=text, author_id=self.owner_id,
            author_handle=self.handle, reply_to_post_id=to_post, reply_to_user_id=to_user,
            reply_to_handle=to_handle, links=_links(entities, tweet), source="archive",
            edit_ids=(key[24:],) if tweet.edit_info is not None else (),
        )  # fmt: skip
        return classify(cast(Post, post))  # the LeanPost `_post` makes, but its mentions

    def _memo(self, shape: Shape, tweet: Tweet) -> Label:
        """The label of tweets of this shape, the first of them labelled by `_general`."""
        label = self.shapes.get(shape)
        if label is None:
            label = self.shapes[shape] = self._general(tweet)[1]
        return label

    def _general(self, tweet: Tweet) -> Row:
        """The row of any tweet: its post made as `lean` makes it, and labelled."""
        post = _post(tweet, self.notes, self.note_times, self.times, with_mentions=False)
        post.author_id = self.owner_id
        post.author_handle = self.handle
        if len(post.edit_ids) > 1:
            self.chains[post.id] = post.edit_ids
        elif self.chains:
            self.chains.pop(post.id, None)  # a later record of the id is the one kept
        return post.key, classify(cast(Post, post))  # a LeanPost has every field of a Post

    def rows(self) -> list[Row]:
        """One row per id and per edit chain (its newest version), in time order."""
        by_id = self.by_id
        for post_id in superseded(self.chains.items(), by_id):
            del by_id[post_id]  # an older version of a post whose newer one is here
        rows = list(by_id.values())
        rows.sort()  # every key is unique (it ends with the id): labels are never compared
        return rows
