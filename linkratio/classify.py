"""The classifier: TAXONOMY.md's precedence rules applied to one normalized post. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from linkratio.links import (
    URL_MARK,
    PostRef,
    bare_urls,
    cut_urls,
    is_platform_media,
    is_shortener,
    is_web,
    post_ref,
    without_bare_urls,
    x_external_origin,
)
from linkratio.model import Category, Kind, Label, Link, Post

QUESTION_MARKS = "?\uff1f\u00bf\u061f\u203d\u2047\u2048\u2049\u2753\u2754"
"""Every character that makes a question (TAXONOMY.md rule 6)."""

_MANUAL_RT = re.compile(r"^(?:RT|MT) [@\uff20]\w", re.IGNORECASE)
_MENTION_LED = re.compile(r"^\.?[@\uff20]\w")
_QUESTION = re.compile("[" + re.escape(QUESTION_MARKS) + "]")


_CACHE_SIZE = 1 << 16
"""Entries a memo below keeps before it starts afresh: bounded memory on any input."""
_labels: dict[tuple[Category, Kind, str], Label] = {}
_targets: dict[tuple[str, str], PostRef | bool] = {}
_short: dict[str, bool] = {}
_origins: dict[str, str] = {}
"""Rule 5's words after an X link's target, by the target's external origin (`links`)."""


def _label(category: Category, kind: Kind, reason: str) -> Label:
    """The one Label for these values: most posts share a handful of verdicts."""
    key = (category, kind, reason)
    label = _labels.get(key)
    if label is None:
        if len(_labels) >= _CACHE_SIZE:
            _labels.clear()
        label = _labels[key] = Label(category, kind, reason)
    return label


def _target(target: str, platform: str) -> PostRef | bool:
    """What a link target is on `platform`: a post (its PostRef), external (True) or neither.

    Neither (False) is another scheme than the web's, or the platform's own media.
    """
    key = (target, platform)
    found = _targets.get(key)
    if found is None:
        if len(_targets) >= _CACHE_SIZE:
            _targets.clear()
        if not is_web(target):  # javascript:, data:, file: ... lead to no site
            found = False
        else:
            ref = post_ref(target, platform)
            found = ref if ref is not None else not is_platform_media(target, platform)
        _targets[key] = found
    return found


def _is_short(url: str) -> bool:
    found = _short.get(url)
    if found is None:
        if len(_short) >= _CACHE_SIZE:
            _short.clear()
        found = _short[url] = is_shortener(url)
    return found


def _short_words(url: str) -> str:
    """What rule 5 says after `url`: whether it is a short link (its host alone tells)."""
    origin = x_external_origin(url)
    if origin is None:
        return " (short link)" if _is_short(url) else ""
    return _origin_words(origin)


def _origin_words(origin: str) -> str:
    words = _origins.get(origin)
    if words is None:
        if len(_origins) >= _CACHE_SIZE:
            _origins.clear()
        words = _origins[origin] = " (short link)" if is_shortener(origin) else ""
    return words


def _url_label(target: str, short: str) -> Label:
    return _label(Category.LINK, Kind.URL, f"rule 5: links to {target}{short}")


def x_link_label(targets: Sequence[str], own: Own) -> Label | None:
    """Rules 4 and 5 for an X post that quotes no post but by its links' `targets`.

    `targets`: where its links but its media lead, in order; `own`: whose post it is.
    The label `classify` gives such a post when either rule holds; None when neither does
    (rule 6 on decides), or for no targets.
    """
    external = words = None
    for target in targets:
        origin = x_external_origin(target)
        if origin is not None:  # what `_target` says of it, for less
            if external is None:
                external, words = target, _origin_words(origin)
            continue
        found = _target(target, "x")
        if found is True:
            if external is None:
                external, words = target, _short_words(target)
        elif found is not False and not _own_ref(found, *own):
            return _quote_label(target)
    return None if external is None or words is None else _url_label(external, words)


def _quote_label(url: str) -> Label:
    return _label(Category.LINK, Kind.QUOTE, f"rule 4: links to another account's post {url}")


def question_mark(text: str) -> str | None:
    """The first of `QUESTION_MARKS` in `text` (rule 6 names it), or None."""
    m = _QUESTION.search(text)
    return m.group(0) if m is not None else None


def mention_led(text: str) -> bool:
    """Whether `text`, after leading whitespace, opens by addressing someone (rule 3's test).

    What rule 3 then names, the handle, ends at the first whitespace or before.
    """
    return _MENTION_LED.match(text.lstrip()) is not None


def _same_account(post: Post, user_id: str | None, handle: str | None) -> bool:
    """True when (user_id, handle) names the post's own author, as far as the data tells."""
    if user_id is not None and post.author_id is not None:
        return user_id == post.author_id
    if handle and post.author_handle:
        return handle.lower() == post.author_handle.lower()
    return False


def _handle_char(ch: str) -> bool:
    # A word character in any script, with its combining marks (Devanagari vowel signs...).
    return ch.isalnum() or ch == "_" or unicodedata.category(ch)[0] == "M"


def lead_handle(text: str, platform: str) -> str:
    """The `@handle` that opens `text` (which `_MENTION_LED` matched), without the `@`.

    On Bluesky and Mastodon `.` and `-` may continue a handle, and on Mastodon `@host`.
    """
    start = 2 if text[0] == "." else 1
    joiners = "" if platform == "x" else ".-@" if platform == "mastodon" else ".-"
    end = start
    while end < len(text):
        ch = text[end]
        if _handle_char(ch) or (
            ch in joiners and end + 1 < len(text) and _handle_char(text[end + 1])
        ):
            end += 1
        else:
            break
    return text[start:end]


def _at(handle: str | None, user_id: str | None) -> str:
    if handle:
        return "@" + handle
    return f"account {user_id}" if user_id else "an unknown account"


def _all_links(post: Post) -> Sequence[Link]:
    """The post's entity links plus bare http(s) URLs in the text no entity accounts for."""
    links = post.links
    bare = bare_urls(post.text)
    if bare:
        if len(links) == 1:  # the most common: one link, its URL in the text
            one = links[0]
            extra = [Link(url=u) for u in bare if u != one.url and u != one.expanded]
        else:
            known = {u for link in links for u in (link.url, link.expanded)}  # None: no URL
            extra = [Link(url=u) for u in bare if u not in known]
        if extra:
            return [*links, *extra]
    return links


def _own_quote(post: Post) -> bool:
    return post.quoted_post_id is not None and _same_account(
        post, post.quoted_user_id, post.quoted_handle
    )


def _scan_links(post: Post, links: Sequence[Link]) -> tuple[list[str], list[str]]:
    """Split link targets into (URLs to another account's post, external URLs)."""
    quotes: list[str] = []
    external: list[str] = []
    platform = post.platform
    for link in links:
        if link.media:
            continue
        target = link.expanded or link.url  # `link.target`, without a property call
        if platform == "x" and x_external_origin(target) is not None:
            external.append(target)  # what `_target` says of it, for less
            continue
        ref = _targets.get((target, platform))
        if ref is None:
            ref = _target(target, platform)
        if ref is True:
            external.append(target)
        elif ref is not False and not _own_post(post, ref):
            quotes.append(target)
    return quotes, external


def _own_post(post: Post, ref: PostRef) -> bool:
    """Whether `ref` names one of the author's own posts (or its photo), or no one's."""
    if ref.post_id == post.quoted_post_id and _own_quote(post):
        return True
    return _own_ref(ref, post.id, post.edit_ids, post.author_id, post.author_handle)


Own = tuple[str, tuple[str, ...], str | None, str | None]
"""Whose post it is, as far as a link to a post can tell: its id, edit ids, author id, handle."""


def _own_ref(
    ref: PostRef, post_id: str, edit_ids: tuple[str, ...], author_id: str | None, handle: str | None
) -> bool:
    """`_own_post` for a post that quotes no post: what it reads of the post, given."""
    # A link to one of the author's own posts (or its photo) is neither a quote nor a link;
    # a link to another account's post, even to its photo, is a quote.
    if ref.post_id == post_id or ref.post_id in edit_ids:
        return True
    own_handle = handle.lower() if handle else None
    if ref.handle and own_handle and ref.handle.lower() == own_handle:
        return True
    if ref.handle and ref.handle == author_id:  # a Bluesky link by the author's DID
        return True
    return bool(ref.media and ref.handle is None)


_STRIP_BUDGET = 1 << 25
"""Characters `_strip_urls` may scan (URLs to take out x text length) before it takes the
bare URLs out in one pass instead: thousands of links in megabytes of text are hostile."""


def _strip_urls(text: str, links: Sequence[Link]) -> str:
    """`text` with its links' URLs, then the bare URLs left, each replaced by a space.

    A URL without whitespace is never found again once replaced (a replacement only joins
    text across a space), so each is replaced once; an empty one has nothing to take out.
    """
    urls = [_shown_url(link) for link in links]
    if len(urls) > 1:
        urls = [u for u in dict.fromkeys(urls) if u]  # in their order, each URL once
    if (len(urls) + text.count(URL_MARK)) * len(text) > _STRIP_BUDGET:
        return without_bare_urls(text)  # each bare URL scanned for once
    for url in urls:
        if url:
            text = text.replace(url, " ")
    bare = bare_urls(text)
    for url in dict.fromkeys(bare) if len(bare) > 1 else bare:
        text = text.replace(url, " ")
    return text


def _shown_url(link: Link) -> str:
    """What of the text is `link`'s URL: its text, or '' when that is words, not the URL.

    A Bluesky link facet, or a Markdown link on another fediverse server, may put a URL
    behind any words; those stay the author's own (rule 6). Text that starts with a web
    scheme, or is part of the target (`example.org/p?id=3`, cut short with `...`), is the URL.
    """
    url, target = link.url, link.expanded
    if target is None or url[:8].lower().startswith(("http://", "https://")):
        return url
    shown = url.rstrip(".\u2026").lower().removeprefix("www.")
    return url if shown and shown in target.lower() else ""


_THREAD = _label(Category.OTHER, Kind.THREAD, "rule 7: continues the author's own thread")
_POST = _label(Category.OTHER, Kind.POST, "rule 8: a plain post")


def classify(post: Post) -> Label:
    """Label one post with its category, kind and the TAXONOMY.md rule that decided it."""
    return _decide(post, post.text.lstrip(), None)


def external_urls(post: Post) -> list[str]:
    """The external link targets that rule 5 counts (expanded where known), in order."""
    return _scan(post)[2]


def label_and_urls(post: Post) -> tuple[Label, list[str]]:
    """Classify `post` and list its external link targets, scanning its links once."""
    scanned = _scan(post)
    urls = scanned[2]
    if urls and ("\u2026" in post.text or post.is_repost):
        # A URL X cut off still marks a link (rule 5), but names no target: no site.
        cut = cut_urls(post.text, post.is_repost) - {link.url for link in post.links}
        urls = [url for url in urls if url not in cut] if cut else urls
    return _decide(post, post.text.lstrip(), scanned), urls


Scanned = tuple[Sequence[Link], Sequence[str], list[str]]
"""A post's links, the URLs among them to another account's post, and its external URLs."""


def _scan(post: Post) -> Scanned:
    text = post.text
    links = _all_links(post) if post.links or URL_MARK in text else ()
    quote_urls, external = _scan_links(post, links) if links else ((), [])
    return links, quote_urls, external


def _decide(post: Post, stripped: str, scanned: Scanned | None) -> Label:
    """The first rule that matches; the links are scanned only when a rule needs them."""
    # Rule 1: reposts, native or copied by hand.
    if post.is_repost:
        who = f" of @{post.repost_of_handle}" if post.repost_of_handle else ""
        return _label(Category.RETWEET, Kind.REPOST, f"rule 1: native repost{who}")
    if stripped[:1] in "RrMm" and _MANUAL_RT.match(stripped):
        return _label(
            Category.RETWEET, Kind.MANUAL_RT, "rule 1: manual retweet (" + stripped[:2] + " @...)"
        )
    # Rule 2: a reply to someone else is talking, links or not.
    is_reply = post.reply_to_post_id is not None or post.reply_to_user_id is not None
    if is_reply and not _same_account(post, post.reply_to_user_id, post.reply_to_handle):
        who = _at(post.reply_to_handle, post.reply_to_user_id)
        return _label(Category.CONVERSATION, Kind.REPLY, f"rule 2: reply to {who}")
    # Rule 3: not a reply, and the text opens by addressing someone.
    if not is_reply and stripped[:1] in ".@\uff20" and _MENTION_LED.match(stripped):
        who = lead_handle(stripped, post.platform)
        return _label(Category.CONVERSATION, Kind.MENTION, f"rule 3: opens by addressing @{who}")
    # Rule 4: quoting another account's post.
    if post.quoted_post_id is not None and not _own_quote(post):
        who = _at(post.quoted_handle, post.quoted_user_id)
        return _label(Category.LINK, Kind.QUOTE, f"rule 4: quotes a post by {who}")
    links, quote_urls, external = _scan(post) if scanned is None else scanned
    if quote_urls:
        return _quote_label(quote_urls[0])
    # Rule 5: an external link (short links count even when not expanded).
    if external:
        return _url_label(external[0], _short_words(external[0]))
    # Rule 6: a question, with URLs taken out first.
    mark = question_mark(post.text)  # taking URLs out never adds a mark
    if mark is not None and links:
        mark = question_mark(_strip_urls(post.text, links))
    if mark is not None:
        return _label(Category.CONVERSATION, Kind.QUESTION, f"rule 6: asks a question ({mark})")
    # Rule 7 and 8.
    return _THREAD if is_reply else _POST
