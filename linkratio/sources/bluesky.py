"""Bluesky: `app.bsky.feed.getAuthorFeed` items normalized to `Post`, and saved feed pages.

A feed item is `{"post": PostView, "reply"?: ..., "reason"?: ...}`. Posts are keyed by
their AT URI (`at://DID/app.bsky.feed.post/RKEY`), which is global and never changes when
the author renames their handle; accounts are keyed by DID for the same reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from linkratio.errors import InputFormatError
from linkratio.model import Account, Link, Post, Timeline
from linkratio.sources.common import Progress, check_post, collapse, main_author
from linkratio.sources.jsonpages import (
    MALFORMED,
    PagePosts,
    SavedPages,
    iso_time,
    json_values,
    where,
)

log = logging.getLogger(__name__)

PLATFORM = "bluesky"
EXPECTED = (
    'expected saved Bluesky app.bsky.feed.getAuthorFeed JSON ({"feed": [...], "cursor": ...}) '
    "or JSONL of such pages"
)
_REPOST = "app.bsky.feed.defs#reasonRepost"
_LINK = "app.bsky.richtext.facet#link"
_MENTION = "app.bsky.richtext.facet#mention"
_POST_COLLECTION = "app.bsky.feed.post"
_SAVED = SavedPages(EXPECTED, "a feed item", log)


def did_of(uri: str | None) -> str | None:
    """The repository (author) DID of an AT URI `at://DID/collection/rkey`, or None."""
    if not uri or not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def _collection(uri: str) -> str:
    parts = uri[5:].split("/")
    return parts[1] if len(parts) > 2 else ""


def repost_id(item: dict[str, Any]) -> str:
    """A stable id for a repost feed item, unique per repost.

    Newer AppViews give the repost record's own URI (`reason.uri`): that is the id. Older
    ones (the 2023 data) do not, so the id is made from who reposted what and when the
    AppView indexed the repost: one account can repost a post only once at a time, and an
    undo-then-repost is a new repost with a new time, so it counts again as it should.
    Limit: the two forms of one repost differ, so the same repost read once from old data
    and once from a newer AppView is stored as two posts.
    """
    reason = item["reason"]
    if reason.get("uri"):
        return str(reason["uri"])
    by = reason.get("by") or {}
    return f"{item['post']['uri']}#repost:{by.get('did')}:{reason.get('indexedAt')}"


def _byte_slice(encoded: bytes, index: dict[str, Any] | None) -> str:
    """The part of a text (`encoded` as UTF-8) a facet's byte range covers ('' when it is
    out of range)."""
    if not index:
        return ""
    try:
        raw = encoded[int(index["byteStart"]) : int(index["byteEnd"])]
    except (KeyError, TypeError, ValueError):
        return ""
    return raw.decode("utf-8", "replace")


def _facets(record: dict[str, Any]) -> tuple[list[Link], list[str]]:
    """The link facets (the facet's URI is the target; the visible text may be shortened)
    and the mentioned handles, in text order."""
    text = record.get("text") or ""
    links: list[Link] = []
    mentions: list[str] = []
    facets = sorted(
        (f for f in record.get("facets") or () if isinstance(f, dict)),
        key=lambda f: (f.get("index") or {}).get("byteStart", 0),
    )
    encoded = text.encode("utf-8") if facets else b""  # once, not once per facet
    for facet in facets:
        shown = _byte_slice(encoded, facet.get("index"))
        for feature in facet.get("features") or ():
            kind = feature.get("$type")
            if kind == _LINK and feature.get("uri"):
                links.append(Link(url=shown or feature["uri"], expanded=feature["uri"]))
            elif kind == _MENTION and shown.lstrip().startswith("@"):
                mentions.append(shown.strip().removeprefix("@"))
    return links, mentions


def _embed_parts(record: dict[str, Any]) -> tuple[str | None, str | None]:
    """(external card URI, embedded record URI) of a post record's embed."""
    embed = record.get("embed") or {}
    kind = embed.get("$type", "")
    external = None
    quoted = None
    if kind == "app.bsky.embed.external":
        external = (embed.get("external") or {}).get("uri")
    elif kind == "app.bsky.embed.record":
        quoted = (embed.get("record") or {}).get("uri")
    elif kind == "app.bsky.embed.recordWithMedia":
        quoted = ((embed.get("record") or {}).get("record") or {}).get("uri")
        media = embed.get("media") or {}
        if media.get("$type") == "app.bsky.embed.external":
            external = (media.get("external") or {}).get("uri")
    if quoted and _collection(quoted) != _POST_COLLECTION:
        quoted = None  # an embedded feed generator, list or starter pack is not a post
    return external, quoted


def _view_handle(view_embed: dict[str, Any] | None, uri: str) -> str | None:
    """The handle of the embedded record's author, from the hydrated embed view."""
    view = view_embed or {}
    record = view.get("record") or {}
    if "record" in record and isinstance(record["record"], dict):  # recordWithMedia#view
        record = record["record"]
    if record.get("uri") == uri:
        return (record.get("author") or {}).get("handle")
    return None


def _reply(
    item: dict[str, Any], record: dict[str, Any]
) -> tuple[str | None, str | None, str | None]:
    """(parent post URI, parent author DID, parent author handle) of a reply, else Nones."""
    reply = record.get("reply")
    if not isinstance(reply, dict):
        return None, None, None
    parent_uri = (reply.get("parent") or {}).get("uri")
    parent_did = did_of(parent_uri)
    view = (item.get("reply") or {}).get("parent") or {}
    author = view.get("author") or {}
    handle = author.get("handle") if author.get("did") == parent_did else None
    return parent_uri, parent_did, handle


def _repost(item: dict[str, Any], common: dict[str, Any]) -> Post:
    """The Post of a repost feed item: the reposter's, at the time of the repost."""
    post, reason = item["post"], item["reason"]
    by = reason.get("by") or {}
    when = reason.get("indexedAt") or post.get("indexedAt") or post["record"]["createdAt"]
    return Post(
        id=repost_id(item),
        created_at=iso_time(when),
        author_id=by.get("did"),
        author_handle=by.get("handle"),
        is_repost=True,
        repost_of_handle=(post.get("author") or {}).get("handle"),
        **common,
    )


def item_to_post(item: dict[str, Any], source: str = "file", keep_raw: bool = False) -> Post:
    """Normalize one getAuthorFeed item (a post, a reply, a quote or a repost) to a Post."""
    post = item["post"]
    record = post["record"]
    author = post.get("author") or {}
    reason = item.get("reason") or {}
    text = record.get("text") or ""
    links, mentions = _facets(record)
    external, quoted_uri = _embed_parts(record)
    if external and all(link.target != external for link in links):
        links.append(Link(url=external))
    parent_uri, parent_did, parent_handle = _reply(item, record)
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "text": text,
        "links": tuple(links),
        "mentions": tuple(dict.fromkeys(mentions)),
        "source": source,
        "raw": bytes(orjson.dumps(item)) if keep_raw else None,
    }
    if reason.get("$type") == _REPOST:
        repost = _repost(item, common)
        check_post(repost)
        return repost
    result = Post(
        id=post["uri"],
        created_at=iso_time(record.get("createdAt") or post["indexedAt"]),
        author_id=author.get("did") or did_of(post["uri"]),
        author_handle=author.get("handle"),
        reply_to_post_id=parent_uri,
        reply_to_user_id=parent_did,
        reply_to_handle=parent_handle,
        quoted_post_id=quoted_uri,
        quoted_user_id=did_of(quoted_uri),
        quoted_handle=_view_handle(post.get("embed"), quoted_uri) if quoted_uri else None,
        **common,
    )
    check_post(result)
    return result


def is_feed_page(value: Any) -> bool:
    """True for a getAuthorFeed-shaped response: an object with a `feed` array."""
    return isinstance(value, dict) and isinstance(value.get("feed"), list)


def item_uri(item: Any) -> str:
    """The post URI of a feed item, for messages (`?` when it has none)."""
    post = item.get("post") if isinstance(item, dict) else None
    uri = post.get("uri") if isinstance(post, dict) else None
    return str(uri) if uri else "?"


def page_posts(
    page: dict[str, Any],
    source: str = "file",
    keep_raw: bool = False,
    skip_malformed: bool = False,
) -> list[Post]:
    """Every post of one feed page (items without a post record are skipped with a warning).

    A malformed item raises (KeyError, ValueError, ...), or with `skip_malformed` is
    skipped with a one-line warning naming its URI: one bad post must not stop a fetch.
    """
    posts = []
    for item in page["feed"]:
        post = item.get("post") if isinstance(item, dict) else None
        if not isinstance(post, dict) or not isinstance(post.get("record"), dict):
            log.warning("skipped a Bluesky feed item without a post record")
            continue
        try:
            posts.append(item_to_post(item, source=source, keep_raw=keep_raw))
        except MALFORMED as err:
            if not skip_malformed:
                raise ValueError(f"post {item_uri(item)!r}: {err}") from None
            log.warning("skipped Bluesky post %r: a malformed field (%s)", item_uri(item), err)
    return posts


def owner(posts: Iterable[Post]) -> Account:
    """The account whose feed this is: the one that wrote or reposted most of the posts."""
    return main_author(posts, PLATFORM)


def read_bluesky(
    path: Path, progress: Progress | None = None, skip_invalid: bool = False, keep_raw: bool = False
) -> Timeline:
    """Read saved getAuthorFeed responses (one JSON page, or JSONL of pages) into a Timeline."""
    path = Path(path)
    values = json_values(path, EXPECTED, skip_invalid)
    feed_posts = _feed_posts(path, skip_invalid, keep_raw)
    posts = _SAVED.read(values, path, feed_posts, progress, skip_invalid)[0]
    kept = collapse(posts)
    return Timeline(account=owner(kept), posts=kept, origin=str(path))


def _feed_posts(path: Path, skip_invalid: bool, keep_raw: bool = False) -> PagePosts:
    """The posts of one saved value of `path`: InputFormatError when it is no feed page."""

    def feed_posts(line: int, value: Any) -> list[Post]:
        if not is_feed_page(value):
            raise InputFormatError(f"{where(path, line)}: not a Bluesky feed page; {EXPECTED}")
        return page_posts(value, keep_raw=keep_raw, skip_malformed=skip_invalid)

    return feed_posts


def jsonl_posts(lines: Iterable[bytes], path: Path, skip_invalid: bool = False) -> Iterator[Post]:
    """The posts of saved feed pages, one JSONL line at a time (a cohort task's lines)."""
    return _SAVED.stream(lines, path, _feed_posts(path, skip_invalid), skip_invalid)
