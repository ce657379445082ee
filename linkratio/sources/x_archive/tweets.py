"""The records of an X archive's tweets.js and account.js, normalized to posts."""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from linkratio.model import Account, Link, Post
from linkratio.sources.common import check_post, compact_json, kind_of, parse_time
from linkratio.sources.x_archive.files import Source, source_records
from linkratio.sources.x_archive.notes import Notes, merge_note, take_note
from linkratio.sources.x_archive.ytd import RECORD_ERRORS, bad_record, record_error

log = logging.getLogger(__name__)

PLATFORM = "x"
_TWEET_VARS = frozenset({"tweets", "tweet"})
_PROGRESS_EVERY = 10_000
_NATIVE_RT = re.compile(r"RT @([A-Za-z0-9_]+):")
_NATIVE_RT_SINCE = datetime(2009, 11, 6, tzinfo=UTC)
"""The day X began native retweets: an `RT @name:` post before it was copied by hand."""
_MEDIA_PERMALINK = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]+)/status/(\d+)/(?:photo|video)/"
)


class Row(NamedTuple):
    """A normalized tweet whose owner may not be known yet."""

    id: str
    created_at: datetime
    text: str
    is_repost: bool
    repost_of_handle: str | None
    reply_to_post_id: str | None
    reply_to_user_id: str | None
    reply_to_handle: str | None
    links: tuple[Link, ...]
    mentions: tuple[str, ...]
    edit_ids: tuple[str, ...]
    raw: bytes | None = None


def read_account(source: Source, skip_invalid: bool = False) -> Account | None:
    """The archive owner's account from account.js (None when it holds no record).

    A malformed record is an InputFormatError, or with `skip_invalid` a warning (and None:
    the owner is then inferred from the tweets).
    """
    for record in source_records(source, frozenset({"account"}), skip_invalid):
        account = record.get("account") if isinstance(record, dict) else None
        try:
            if not isinstance(account, dict):
                raise ValueError('expected {"account": {...}}')
            handle = _str(account.get("username"), "username")
            return Account(PLATFORM, id=_str(account.get("accountId"), "accountId"), handle=handle)
        except ValueError as e:
            bad_record(f"{source.name}: record 1 is not an account ({e})", skip_invalid, log)
        return None
    return None


def _str(value: Any, name: str) -> str | None:
    """A string or number field as a string ('' and null: None); ValueError for the rest."""
    if value is None or isinstance(value, str):
        return value or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{name} is {kind_of(value)}, expected a string")


def _id(tweet: dict[str, Any]) -> str:
    """The tweet's id as a string; a null id is as missing as no id."""
    value = _str(tweet.get("id_str") or tweet["id"], "id")
    if value is None:
        raise KeyError("id")
    return value


def _links(entities: dict[str, Any], extended: dict[str, Any] | None) -> tuple[Link, ...]:
    links = [Link(u["url"], u.get("expanded_url")) for u in entities.get("urls") or ()]
    media = (entities.get("media") or []) + ((extended or {}).get("media") or [])
    if media:
        seen: set[tuple[str, str | None]] = set()
        for m in media:
            key = (m["url"], m.get("expanded_url"))
            if key not in seen:
                seen.add(key)
                links.append(Link(key[0], key[1], media=True))
    return tuple(links)


def _mentions(entities: dict[str, Any]) -> tuple[str, ...]:
    found = entities.get("user_mentions")
    if not found:
        return ()
    if len(found) > 1:
        found = sorted(found, key=lambda m: int((m.get("indices") or (0,))[0]))
    return tuple(m["screen_name"] for m in found)


def _edit_ids(info: dict[str, Any] | None, post_id: str) -> tuple[str, ...]:
    if not info:
        return ()
    chain = info.get("initial") or (info.get("edit") or {}).get("editControlInitial") or {}
    ids = chain.get("editTweetIds")
    if not ids:
        return ()
    if len(ids) == 1 and ids[0] == post_id:
        return (post_id,)
    return tuple(sorted((str(i) for i in ids), key=lambda i: (len(i), i)))


def _row(record: Any, notes: Notes, keep_raw: bool = False) -> Row:
    # Older tweet.js archives hold the tweet objects themselves, without the {"tweet": ...}.
    t = record.get("tweet", record)
    post_id = _id(t)
    text = t["full_text"]
    if type(text) is not str:
        raise ValueError(f"full_text is {kind_of(text)}, expected a string")
    if "&" in text:
        text = html.unescape(text)
    created = parse_time(t["created_at"])
    entities = t.get("entities") or {}
    links = _links(entities, t.get("extended_entities"))
    mentions = _mentions(entities)
    native = text.startswith("RT @") and created >= _NATIVE_RT_SINCE
    rt = _NATIVE_RT.match(text) if native else None
    if notes and rt is None:
        found = take_note(notes, created, text)
        if found is not None:
            text, links, mentions = merge_note(found[0], found[1], links)
    row = Row(
        post_id, created, text, rt is not None, rt.group(1) if rt else None,
        _str(t.get("in_reply_to_status_id_str") or t.get("in_reply_to_status_id"),
             "in_reply_to_status_id"),
        _str(t.get("in_reply_to_user_id_str") or t.get("in_reply_to_user_id"),
             "in_reply_to_user_id"),
        _str(t.get("in_reply_to_screen_name"), "in_reply_to_screen_name"),
        links, mentions, _edit_ids(t.get("edit_info"), post_id),
        compact_json(record) if keep_raw else None,
    )  # fmt: skip
    check_post(row)
    return row


def read_tweets(
    sources: list[Source],
    notes: Notes,
    progress: Callable[[int], None] | None,
    keep_raw: bool = False,
    skip_invalid: bool = False,
) -> list[Row]:
    """Every tweet record of the tweets files, long posts completed from `notes`.

    A malformed record is an InputFormatError naming it, or with `skip_invalid` a warning.
    """
    rows: list[Row] = []
    for source in sources:
        for n, record in enumerate(source_records(source, _TWEET_VARS, skip_invalid), 1):
            try:
                rows.append(_row(record, notes, keep_raw))
            except RECORD_ERRORS as e:
                what = record_error(e)
                if isinstance(e, KeyError):
                    what += '; expected {"tweet": {...}}'
                bad_record(f"{source.name}: record {n} is not a tweet ({what})", skip_invalid, log)
                continue
            if progress is not None and len(rows) % _PROGRESS_EVERY == 0:
                progress(len(rows))
    if progress is not None and len(rows) % _PROGRESS_EVERY:
        progress(len(rows))
    unmatched = sum(len(v) for v in notes.values())
    if unmatched:
        log.debug("%d long-post notes matched no tweet", unmatched)
    return rows


def infer_owner(rows: list[Row]) -> Account:
    """Guess the owner of a bare tweets.js: whom replies to its own tweets answer, or media URLs."""
    ids = {row.id for row in rows}
    user_ids: Counter[str] = Counter()
    handles: Counter[str] = Counter()
    for row in rows:
        if row.reply_to_post_id in ids and not row.is_repost:
            if row.reply_to_user_id:
                user_ids[row.reply_to_user_id] += 1
            if row.reply_to_handle:
                handles[row.reply_to_handle] += 1
    if not handles:
        # An own photo's permalink is https://twitter.com/HANDLE/status/OWN_ID/photo/1.
        for row in rows:
            for link in row.links:
                m = _MEDIA_PERMALINK.match(link.expanded or "") if link.media else None
                if m is not None and m.group(2) == row.id:
                    handles[m.group(1)] += 1
    user_id = user_ids.most_common(1)[0][0] if user_ids else None
    handle = handles.most_common(1)[0][0] if handles else None
    return Account(PLATFORM, id=user_id, handle=handle)


def to_post(row: Row, owner: Account) -> Post:
    """The post of a tweet row, written by `owner`."""
    return Post(
        platform=PLATFORM,
        id=row.id,
        created_at=row.created_at,
        text=row.text,
        author_id=owner.id,
        author_handle=owner.handle,
        is_repost=row.is_repost,
        repost_of_handle=row.repost_of_handle,
        reply_to_post_id=row.reply_to_post_id,
        reply_to_user_id=row.reply_to_user_id,
        reply_to_handle=row.reply_to_handle,
        links=row.links,
        mentions=row.mentions,
        edit_ids=row.edit_ids,
        source="archive",
        raw=row.raw,
    )
