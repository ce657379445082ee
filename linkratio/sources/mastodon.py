"""Mastodon: statuses (`/api/v1/accounts/:id/statuses`) normalized to `Post`, and saved pages.

Keys, chosen so the same status or account seen through two instances is one:

- a post is keyed by the status `uri` (its ActivityPub id, e.g.
  `https://example.social/users/alice/statuses/1093…`): the status `id` is only unique
  within the instance that served it, the `uri` is the same everywhere. A boost's `uri`
  is that of its Announce activity (`…/activity`), so each boost is a post of its own.
- an account is keyed by its profile `url` (`https://example.social/@alice`), for the same
  reason; its handle is the full `alice@example.social`.
- `author_id`, `reply_to_user_id` and `quoted_user_id` keep the serving instance's account
  ids: they are compared only with each other, within one status, to tell a reply to
  someone else from a self-thread.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson

from linkratio.errors import InputFormatError
from linkratio.links import post_ref
from linkratio.model import Account, Link, Post, Timeline
from linkratio.sources.common import Progress, check_post, collapse
from linkratio.sources.jsonpages import MALFORMED, SavedPages, iso_time, json_values, where

log = logging.getLogger(__name__)

PLATFORM = "mastodon"
EXPECTED = "expected saved Mastodon statuses (a JSON array of statuses, or JSONL of such pages)"
_SAVED = SavedPages(EXPECTED, "a status", log)
_BREAKS = frozenset({"br"})
_BLOCKS = frozenset({"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


class _Content(HTMLParser):
    """Plain text and links of a status's HTML `content`.

    Mentions (`class="mention"`, `u-url mention`) and hashtags (`mention hashtag`, or any
    `rel="tag"`) are not links. The `quote-inline` `RE: <link>` fallback that Mastodon adds
    for older clients is dropped from the text; its links are kept apart (`fallback`), to
    stand for a quote whose quoted post the server does not show.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[tuple[str, list[str]]] = []
        self.fallback: list[str] = []
        self.not_links: list[str] = []
        """The hrefs of mentions and hashtags."""
        self._skip_depth = 0
        self._link: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        classes = (named.get("class") or "").split()
        if self._skip_depth or "quote-inline" in classes:
            if tag == "a" and named.get("href"):
                self.fallback.append(named["href"] or "")
            if tag not in _BREAKS:
                self._skip_depth += 1
            return
        if tag in _BREAKS:
            self.parts.append("\n")
        elif tag == "a":
            href = named.get("href")
            tagged = "tag" in (named.get("rel") or "").split()
            if href and "mention" not in classes and "hashtag" not in classes and not tagged:
                self._link = (href, [])
                self.links.append(self._link)
            elif href:
                self.not_links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if self._skip_depth:
            if tag not in _BREAKS:
                self._skip_depth -= 1
            return
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        self.parts.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def text(self) -> str:
        """The collected text, paragraphs separated by one blank line, ends trimmed."""
        text = "".join(self.parts)
        while "\n\n\n" in text:
            text = text.replace("\n\n\n", "\n\n")
        return text.strip()


@dataclass(frozen=True)
class Content:
    """What a status's HTML content says: plain text, links, and the quote fallback's links."""

    text: str
    links: list[Link]
    fallback: list[str]
    not_links: frozenset[str] = frozenset()
    """The hrefs of its mentions and hashtags: no links (nor is a card of one of them)."""


def parse_content(
    content: str, tags: Collection[str] = (), not_links: Collection[str] = ()
) -> Content:
    """The plain text and links of a status's HTML content (a link's `url` is its text).

    Servers that do not mark hashtags and mentions with a class (Misskey, the Bluesky
    bridge) are caught by the status's own lists: an anchor whose text is `#name` for one
    of `tags` (lower-case names), or whose href is in `not_links` (the tag and mention
    URLs), is not a link.
    """
    if "<" not in content:
        return Content(html.unescape(content).strip(), [], [])
    parser = _Content()
    try:
        parser.feed(_bounded(content))
        parser.close()
    except AssertionError as err:  # how html.parser refuses a malformed `<!...>` declaration
        raise ValueError(f"content is HTML that cannot be parsed ({err})") from None
    links = []
    dropped = set(parser.not_links)
    for href, shown in parser.links:
        visible = "".join(shown).strip()
        if href in not_links or (visible[:1] in ("#", "＃") and visible[1:].lower() in tags):
            dropped.add(href)
            continue
        links.append(Link(url=visible or href, expanded=href))
    return Content(parser.text(), links, parser.fallback, frozenset(dropped))


_LT = re.compile("<")
_TAG = re.compile(r"</?[A-Za-z][^<>\"']*(?:(?:\"[^\"<]*\"|'[^'<]*')[^<>\"']*)*>")
"""A start or end tag whose quoted values hold no `<`: a match never reads past the next `<`."""
_COMMENT_CLOSE = re.compile(r"--\s*>")
_ODD_TAGS = 64
"""`<`s that open no tag or comment in one content before they are escaped: html.parser
scans the rest of the content for each (quadratic: 160 KB of `<!--` took 8 s)."""


def _bounded(content: str) -> str:
    """`content`, or with many `<` that open no tag or comment, those escaped as `&lt;`.

    The parser takes such a `<` as text (or its junk up to a `>` as a bogus comment):
    escaped, it reads the same text in time linear in the content.
    """
    last_close = max((m.start() for m in _COMMENT_CLOSE.finditer(content)), default=-1)
    odd = [
        m.start()
        for m in _LT.finditer(content)
        if _TAG.match(content, m.start()) is None
        and not (content.startswith("<!--", m.start()) and last_close >= m.start() + 4)
    ]
    if len(odd) <= _ODD_TAGS:
        return content
    parts, at = [], 0
    for lt in odd:
        parts += [content[at:lt], "&lt;"]
        at = lt + 1
    return "".join([*parts, content[at:]])


def _instance_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).netloc.lower() or None
    except ValueError:
        return None


def full_handle(account: dict[str, Any]) -> str | None:
    """`user@instance` of an account object (`acct` is relative to the serving instance)."""
    acct = account.get("acct") or account.get("username")
    if not acct:
        return None
    if "@" in acct:
        return str(acct)
    instance = _instance_of(account.get("url"))
    return f"{acct}@{instance}" if instance else str(acct)


def account_of(account: dict[str, Any]) -> Account:
    """The library account of a Mastodon account object, keyed by its profile URL."""
    key = account.get("url") or account.get("uri")
    handle = full_handle(account)
    if not key and handle:
        user, _, instance = handle.partition("@")
        key = f"https://{instance}/@{user}"
    return Account(platform=PLATFORM, id=key, handle=handle)


def _reply_handle(status: dict[str, Any], account_id: str | None) -> str | None:
    for mention in status.get("mentions") or ():
        if account_id is not None and str(mention.get("id")) == account_id:
            return full_handle(mention) if mention.get("url") else mention.get("acct")
    return None


def _content(shown: dict[str, Any]) -> Content:
    """The parsed content of a status, its `card` as one more link."""
    tags = {str(t.get("name") or "").lower() for t in shown.get("tags") or () if t}
    not_links = {
        str(item["url"])
        for item in [*(shown.get("tags") or ()), *(shown.get("mentions") or ())]
        if isinstance(item, dict) and item.get("url")
    }
    content = parse_content(shown.get("content") or "", tags - {""}, not_links)
    card = shown.get("card")
    card_url = card.get("url") if isinstance(card, dict) else None
    # A card of one of its own hashtags or mentions (the Bluesky bridge's `bsky.app/search?q=
    # %23tag` and profile pages) is no more a link than the anchor it previews.
    if (
        card_url
        and card_url not in content.not_links
        and card_url not in not_links
        and all(link.target != card_url for link in content.links)
    ):
        content.links.append(Link(url=card_url))
    return content


def _quote(status: dict[str, Any], content: Content) -> dict[str, Any]:
    """The quote fields of a quote post (Mastodon 4.4+), else {}.

    When the server shows the quoted status, its URI and account are the quote. When it
    does not (a pending, revoked or deleted quote, or a shallow one with only
    `quoted_status_id`), or sends no `quote` at all (Threads), the `RE:` fallback link
    stands for it: a link to another account's post is a quote, to one's own post neither
    (TAXONOMY "Text to look at"). A `quote` without a fallback is of an unknown account.
    """
    quote = status.get("quote")
    quoted = quote.get("quoted_status") if isinstance(quote, dict) else None
    if isinstance(quoted, dict) and quoted.get("uri"):
        account = quoted.get("account") or {}
        return {
            "quoted_post_id": quoted["uri"],
            "quoted_user_id": str(account["id"]) if account.get("id") is not None else None,
            "quoted_handle": full_handle(account),
        }
    if content.fallback:
        # The post the link names, and its account when the URL tells (a bsky.app link
        # through a bridge names a DID only: a quote of an unknown account).
        ref = post_ref(content.fallback[0], PLATFORM)
        if ref is None:
            return {"quoted_post_id": content.fallback[0]}
        return {"quoted_post_id": ref.post_id, "quoted_handle": ref.handle}
    if isinstance(quote, dict):
        return {"quoted_post_id": str(quote.get("quoted_status_id") or "?")}
    return {}


def status_to_post(status: dict[str, Any], source: str = "file", keep_raw: bool = False) -> Post:
    """Normalize one Mastodon status (a post, reply, quote or boost) to a Post."""
    account = status.get("account") or {}
    reblog = status.get("reblog")
    shown: dict[str, Any] = reblog if isinstance(reblog, dict) else status
    content = _content(shown)
    reply_user = status.get("in_reply_to_account_id")
    reply_user = str(reply_user) if reply_user is not None else None
    # Mentions as full user@instance (`acct` is relative for the serving instance's own
    # users), so a partner is one name whether met in a mention or a reply.
    mentions = (full_handle(m) for m in shown.get("mentions") or () if m.get("acct"))
    post = Post(
        platform=PLATFORM,
        id=status.get("uri") or status["url"],
        created_at=iso_time(status["created_at"]),
        text=content.text,
        author_id=str(account["id"]) if account.get("id") is not None else None,
        author_handle=full_handle(account),
        is_repost=shown is not status,
        repost_of_handle=full_handle(shown.get("account") or {}) if shown is not status else None,
        reply_to_post_id=status.get("in_reply_to_id"),
        reply_to_user_id=reply_user,
        reply_to_handle=_reply_handle(status, reply_user),
        **(_quote(status, content) if shown is status else {}),
        links=tuple(content.links),
        mentions=tuple(m for m in mentions if m),
        source=source,
        raw=bytes(orjson.dumps(status)) if keep_raw else None,
    )
    check_post(post)
    return post


def api_posts(statuses: list[dict[str, Any]]) -> list[Post]:
    """The posts of one API page; a malformed status is skipped with a one-line warning."""
    posts = []
    for status in statuses:
        try:
            posts.append(status_to_post(status, source="api", keep_raw=True))
        except MALFORMED as err:
            log.warning(
                "skipped Mastodon status %s: a malformed field (%s)", status_name(status), err
            )
    return posts


def status_name(status: Any) -> str:
    """How a message names a status: its URI, URL or id, quoted and shortened, or `?`."""
    if not isinstance(status, dict):
        return "?"
    uri = status.get("uri") or status.get("url") or status.get("id")
    return repr(str(uri)[:120]) if uri else "?"


def is_status(value: Any) -> bool:
    """True for a Mastodon status object."""
    return (
        isinstance(value, dict)
        and "content" in value
        and "account" in value
        and ("uri" in value or "url" in value)
        and "created_at" in value
    )


def statuses_of(value: Any) -> list[dict[str, Any]] | None:
    """The statuses of one saved value (an array, one status, or a thread context)."""
    if isinstance(value, list) and all(is_status(v) for v in value):
        return value
    if is_status(value):
        return [value]
    if isinstance(value, dict) and {"ancestors", "descendants"} <= set(value):
        return statuses_of([*value["ancestors"], *value["descendants"]])
    return None


def owner(posts: Iterable[Post], accounts: dict[str, dict[str, Any]]) -> Account:
    """The account that wrote (or boosted) most of the posts."""
    counts = Counter(p.author_handle for p in posts if p.author_handle)
    if not counts:
        return Account(platform=PLATFORM)
    return account_of(accounts[counts.most_common(1)[0][0]])


def read_mastodon(
    path: Path, progress: Progress | None = None, skip_invalid: bool = False, keep_raw: bool = False
) -> Timeline:
    """Read saved statuses (a JSON array, or JSONL of arrays) into a Timeline."""
    path = Path(path)
    accounts: dict[str, dict[str, Any]] = {}
    saved_posts = _saved_posts(path, skip_invalid, accounts, keep_raw)
    values = json_values(path, EXPECTED, skip_invalid)
    posts = _SAVED.read(values, path, saved_posts, progress, skip_invalid)[0]
    kept = collapse(posts)
    authors = {
        p.author_id or p.author_handle: account_of(accounts[p.author_handle])
        for p in kept
        if p.author_handle in accounts
    }
    return Timeline(account=owner(kept, accounts), posts=kept, origin=str(path), authors=authors)


def _saved_posts(
    path: Path, skip_invalid: bool, accounts: dict[str, dict[str, Any]], keep_raw: bool = False
) -> Callable[[int, Any], list[Post]]:
    """The posts of one saved value of `path`; each author's account goes into `accounts`."""

    def saved_posts(line: int, value: Any) -> list[Post]:
        statuses = statuses_of(value)
        if statuses is None:
            raise InputFormatError(f"{where(path, line)}: not Mastodon statuses; {EXPECTED}")
        posts = []
        for status in statuses:
            try:
                post = status_to_post(status, keep_raw=keep_raw)
            except MALFORMED as err:
                _SAVED.malformed(path, line, err, skip_invalid, f"status {status_name(status)}")
                continue
            posts.append(post)
            if post.author_handle:
                accounts.setdefault(post.author_handle, status["account"])
        return posts

    return saved_posts


def jsonl_posts(lines: Iterable[bytes], path: Path, skip_invalid: bool = False) -> Iterator[Post]:
    """The posts of saved statuses, one JSONL line at a time (a cohort task's lines)."""
    return _SAVED.stream(lines, path, _saved_posts(path, skip_invalid, {}), skip_invalid)
