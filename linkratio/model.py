"""The platform-neutral post that every source yields, the labels the classifier gives, and
where a link went (a `Resolution`)."""

from __future__ import annotations

import enum
import gc
import importlib
from collections.abc import Container, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime


class Category(enum.StrEnum):
    """The four categories of TAXONOMY.md."""

    CONVERSATION = "conversation"
    LINK = "link"
    RETWEET = "retweet"
    OTHER = "other"


TALK: str = Category.CONVERSATION.value
"""The category that counts as talking (TAXONOMY.md: talk share = conversation / all)."""
LINKING: tuple[str, ...] = (Category.LINK.value, Category.RETWEET.value)
"""The categories that count as linking (TAXONOMY.md: talk-to-link = conversation / these)."""


class Kind(enum.StrEnum):
    """The kinds of TAXONOMY.md; each belongs to exactly one category."""

    REPOST = "repost"
    MANUAL_RT = "manual_rt"
    REPLY = "reply"
    MENTION = "mention"
    QUESTION = "question"
    QUOTE = "quote"
    URL = "url"
    THREAD = "thread"
    POST = "post"

    @property
    def category(self) -> Category:
        """The category this kind belongs to."""
        return _CATEGORY_OF[self]


_CATEGORY_OF = {
    Kind.REPOST: Category.RETWEET,
    Kind.MANUAL_RT: Category.RETWEET,
    Kind.REPLY: Category.CONVERSATION,
    Kind.MENTION: Category.CONVERSATION,
    Kind.QUESTION: Category.CONVERSATION,
    Kind.QUOTE: Category.LINK,
    Kind.URL: Category.LINK,
    Kind.THREAD: Category.OTHER,
    Kind.POST: Category.OTHER,
}


@dataclass(frozen=True, slots=True)
class Link:
    """One URL a post carries, as the platform wrote it and where it points."""

    url: str
    """The URL as it appears in the text (often a t.co short link)."""
    expanded: str | None = None
    """The expanded target the platform reported, if any."""
    media: bool = False
    """True when the platform says the URL is the post's own photo, video or GIF."""

    @property
    def target(self) -> str:
        """The best known destination: the expanded URL, else the URL itself."""
        return self.expanded or self.url


@dataclass(frozen=True, slots=True)
class Post:
    """One post, normalized from any source; the classifier's only input."""

    platform: str
    id: str
    created_at: datetime
    """Creation time, timezone-aware UTC."""
    text: str
    """The full own text (long-post body when known), HTML entities decoded."""
    author_id: str | None = None
    author_handle: str | None = None
    is_repost: bool = False
    """A native retweet / repost / boost (or an archive `RT @name:` record)."""
    repost_of_handle: str | None = None
    reply_to_post_id: str | None = None
    reply_to_user_id: str | None = None
    reply_to_handle: str | None = None
    quoted_post_id: str | None = None
    quoted_user_id: str | None = None
    quoted_handle: str | None = None
    links: tuple[Link, ...] = ()
    mentions: tuple[str, ...] = ()
    """Handles mentioned in the own text, without the `@`, in text order."""
    edit_ids: tuple[str, ...] = ()
    """All ids of this post's edit chain that the data names (oldest first)."""
    source: str = "file"
    """Where the post came from: `archive`, `api` or `file`."""
    raw: bytes | None = field(default=None, compare=False, repr=False)
    """The post's JSON exactly as received, when the reader was asked to keep it."""

    @property
    def is_reply(self) -> bool:
        """True for a reply of any kind (to a post or, as in old archives, to an account)."""
        return self.reply_to_post_id is not None or self.reply_to_user_id is not None


@dataclass(frozen=True, slots=True)
class Label:
    """The classifier's verdict on one post."""

    category: Category
    kind: Kind
    reason: str
    """Which rule of TAXONOMY.md fired, in words."""


@dataclass(frozen=True, slots=True)
class Account:
    """The owner of a timeline, as far as the data tells."""

    platform: str
    id: str | None = None
    handle: str | None = None


@dataclass(slots=True)
class Timeline:
    """What a source read: the owner and the posts (deduplicated, newest edits only)."""

    account: Account
    posts: list[Post] = field(default_factory=list)
    origin: str = ""
    """The file or folder read, for messages."""
    authors: dict[str, Account] = field(default_factory=dict)
    """The account of each post author (by `author_id`, else `author_handle`) when the
    reader knows more than the posts say (Mastodon: the profile URL that keys it)."""

    def __repr__(self) -> str:
        """The owner, how many posts and where from: not every post (megabytes in a notebook)."""
        posts = f"{len(self.posts):,} post{'s' * (len(self.posts) != 1)}"
        return f"Timeline(account={self.account!r}, posts=<{posts}>, origin={self.origin!r})"


# -- handling many posts ------------------------------------------------------------------


def id_key(post_id: str) -> tuple[int, str]:
    """The sort key of post ids: by length, then text (numeric snowflake ids in time order)."""
    return (len(post_id), post_id)


def collapse(posts: Iterable[Post]) -> list[Post]:
    """Keep one post per id and, of each edit chain, only the newest version present.

    The result is in time order (creation time, then id).
    """
    by_id: dict[str, Post] = {}
    for post in posts:
        by_id[post.id] = post
    chains = [(post.id, post.edit_ids) for post in by_id.values() if len(post.edit_ids) > 1]
    for post_id in superseded(chains, by_id):
        del by_id[post_id]
    return sorted(by_id.values(), key=lambda p: (p.created_at, len(p.id), p.id))


def superseded(chains: Iterable[tuple[str, Sequence[str]]], present: Container[str]) -> set[str]:
    """Of posts with edit chains (id, its edit ids: two or more), and the ids `present`,
    the ids of versions a newer version present replaces (the newest has the largest id)."""
    # A chain is named by its first id: its versions, and the post of that id if present
    # (it may tell of no edit). Every other post stands alone: only these can be dropped.
    members = [(post_id, min(ids, key=id_key)) for post_id, ids in chains]
    chained = {post_id for post_id, _ in members}
    roots = {root for _, root in members}
    members += [(root, root) for root in roots if root in present and root not in chained]
    newest: dict[str, str] = {}
    for post_id, root in members:
        kept = newest.get(root)
        if kept is None or id_key(post_id) > id_key(kept):
            newest[root] = post_id
    return {post_id for post_id, root in members if newest[root] != post_id}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a reader makes many acyclic objects, then restore it."""
    # Left on, the collector rescans the growing heap again and again (a third of the time
    # of reading a 400 MB archive) and finds nothing: posts hold no reference cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Lazy:
    """A module imported on its first attribute use: where pandas is imported only for type
    checkers, `pd = Lazy("pandas")` lets `typing.get_type_hints` resolve `pd.DataFrame`."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> object:
        if attr.startswith("__"):  # introspection (inspect.unwrap, copy) imports nothing
            raise AttributeError(attr)
        return getattr(importlib.import_module(self._name), attr)


REFUSED = "refused: "
"""The prefix of the error of a hop the link guard refused (unsafe address, scheme, port)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """Where one URL went: its final URL and status, the hops, or why it failed."""

    url: str
    final_url: str | None
    """The last URL reached (or known from a Location); None when nothing was learnt."""
    status: int | None
    """The HTTP status of the final URL; None when it was not reached."""
    hops: tuple[str, ...]
    """Every URL visited, the first one included."""
    resolved_at: datetime
    error: str | None = None
    """None on success; else why it failed (`refused: ...` for a safety refusal)."""
    retry_after: datetime | None = None
    """For a stored failure, when it may be asked again."""
    redirect_hosts: tuple[str, ...] = ()
    """The host of a short link that led to another site (a shortener from then on)."""
    temporary: bool = False
    """A failure that says nothing about the link (offline, DNS trouble): asked again soon."""

    @property
    def refused(self) -> bool:
        """True when the guard refused a hop (unsafe address, scheme, port, credentials)."""
        return self.error is not None and self.error.startswith(REFUSED)


@dataclass(frozen=True)
class Destination:
    """Where a summary goes: `key` is what the library records, `label` what messages show."""

    kind: str
    """`email` or `webhook`."""
    key: str
    label: str
    target: str = field(repr=False)
    """The address, or the webhook URL (a secret: never print it)."""
