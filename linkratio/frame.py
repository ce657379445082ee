"""The pandas view of a timeline: one row per post with its label, links and partners.

Also the `Library` the rest of linkratio opens: the store's library with this module's
deriver, so its `frame()` serves these rows from the store's cache. The cache is keyed by
`classifier_fingerprint()`, a hash of the code that derives the rows: any change to that
code makes the cache stale, and the next `frame()` rebuilds it from the stored posts.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib
import inspect
import logging
import os
import re
import sqlite3
import weakref
from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkratio import store
from linkratio.accounts import account_name
from linkratio.classify import classify, label_and_urls, lead_handle
from linkratio.errors import InputError
from linkratio.links import bare_urls, post_ref, site, x_external_origin
from linkratio.model import Kind, Label, Lazy, Post, Timeline, gc_paused
from linkratio.sources.limits import check_path
from linkratio.sources.reread import READER

if TYPE_CHECKING:
    import pandas as pd
else:  # what get_type_hints finds for `pd.DataFrame` (pandas is imported only then)
    pd = Lazy("pandas")

log = logging.getLogger(__name__)

COLUMNS: tuple[str, ...] = (
    "platform",
    "id",
    "created_at",
    "author",
    "text",
    "category",
    "kind",
    "reason",
    "reply_to",
    "quoted",
    "urls",
    "domains",
    "mentions",
    "partners",
    "source",
)
"""The stable column set of `load()` / `to_frame()` (documented in the README)."""

_GAP = re.compile(r"[\s,:;]*")
"""What may stand between the handles a post opens with: `@ana, @bob: hi`."""
_LONGEST_HANDLE = 1_000
"""How much of the text one handle is read from (a Bluesky handle is at most 253)."""


def _partners(post: Post, label: Label) -> list[str]:
    """The accounts this post talks with: the replied-to one, or those it opens by addressing."""
    if label.kind is Kind.REPLY:
        if post.reply_to_handle:
            return [post.reply_to_handle]
        # The data named only the account's id (an archive reply to a since-renamed account).
        return [f"id:{post.reply_to_user_id}"] if post.reply_to_user_id else []
    if label.kind is Kind.MENTION:
        names = _leading_handles(post.text, post.platform)
        return _on_instances(names, post.mentions) if post.platform == "mastodon" else names
    return []


def _leading_handles(text: str, platform: str) -> list[str]:
    """The handles `text` opens by addressing: the one rule 3 names, then any right after.

    A handle is read as the classifier reads it (TAXONOMY.md: a word in any script, its
    marks included; `.` and `-` continue it on Bluesky and Mastodon, `@host` on Mastodon).
    """
    pos = len(text) - len(text.lstrip())
    pos += text.startswith(".", pos)
    names = []
    # Positions, not slices of the rest: a text of many handles is read once.
    while text[pos : pos + 1] in ("@", "\uff20") and (
        name := lead_handle(text[pos : pos + _LONGEST_HANDLE], platform)
    ):
        names.append(name)
        gap = _GAP.match(text, pos + 1 + len(name))
        pos = gap.end() if gap else pos + 1 + len(name)
    return names


def _on_instances(names: list[str], mentions: tuple[str, ...]) -> list[str]:
    """Mastodon handles as `user@instance`, the way replies name them: the text shows
    `@ana`, the status's mentions (in text order) say which instance she is on."""
    # `@ana` is the next mentioned ana not yet named; `@ana@host` names itself.
    by_user: dict[str, deque[str]] = {}
    for m in mentions:
        by_user.setdefault(m.split("@")[0].lower(), deque()).append(m)
    named = Counter(n.lower() for n in names if "@" in n)
    out = []
    for name in names:
        queue = by_user.get(name.lower()) if "@" not in name else None
        while queue and named[queue[0].lower()] > 0:  # written in full elsewhere
            named[queue.popleft().lower()] -= 1
        out.append(queue.popleft() if queue else name)
    return out


def labelled(posts: Iterable[Post]) -> Iterable[tuple[Post, Label]]:
    """Yield each post with its label."""
    for post in posts:
        yield post, classify(post)


def _quoted(post: Post, label: Label) -> str | None:
    """Whose post this one quotes: from the native quote, else from the quoted post's URL."""
    who = post.quoted_handle or post.quoted_user_id
    if who or label.kind is not Kind.QUOTE:
        return who
    # Archives carry a quote only as a URL to the other account's post.
    for url in [link.target for link in post.links] + bare_urls(post.text):
        ref = post_ref(url, post.platform)
        if (
            ref is not None
            and ref.handle
            and ref.handle.lower() != (post.author_handle or "").lower()
            and ref.handle != post.author_id  # a Bluesky link by the author's own DID
        ):
            return ref.handle
    return None


def columns(posts: Iterable[Post]) -> dict[str, list[Any]]:
    """Per column of `COLUMNS`, the values of every post, in order (created_at as integer
    microseconds UTC), each list cell its own list."""
    # The cycle collector paused: these lists hold no cycles, and left on it rescanned the
    # growing columns again and again (two fifths of the time on a large archive).
    with gc_paused():
        return _columns(posts)


_QUOTE, _REPLY, _MENTION = Kind.QUOTE, Kind.REPLY, Kind.MENTION
"""Kinds `_columns` asks about, looked up once (an enum member is a slow attribute)."""


def _columns(posts: Iterable[Post]) -> dict[str, list[Any]]:
    cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    (
        platforms, ids, times, authors, texts, categories, kinds, reasons, reply_to, quoted,
        url_lists, domains, mentions, partners, sources,
    ) = (cols[name].append for name in COLUMNS)  # fmt: skip
    classified = label_and_urls  # at call time: a patched classifier is the one used
    sites = _Sites()
    for post in posts:
        label, urls = classified(post)
        kind = label.kind
        platforms(post.platform)
        ids(post.id)
        times(int(post.created_at.timestamp() * 1_000_000))
        authors(post.author_handle)
        texts(post.text)
        categories(label.category._value_)  # `.value`, without the enum's property call
        kinds(kind._value_)
        reasons(label.reason)
        reply_to(post.reply_to_handle or post.reply_to_user_id)
        who = post.quoted_handle or post.quoted_user_id
        quoted(_quoted(post, label) if kind is _QUOTE and not who else who)
        url_lists(urls)
        domains(sites.of(urls, post.platform) if urls else [])
        mentions(list(post.mentions))
        partners(_partners(post, label) if kind is _REPLY or kind is _MENTION else [])
        sources(post.source)
    return cols


class _Sites:
    """`site` of many links of posts: on X, each external origin (scheme and host) read once."""

    def __init__(self) -> None:
        self._of_origin: dict[str, str] = {}

    def of(self, urls: list[str], platform: str) -> list[str]:
        """`[site(url, platform) for url in urls]`, for less."""
        if platform != "x":
            return [site(url, platform) for url in urls]
        known = self._of_origin
        found = []
        for url in urls:
            # An external origin holds the URL's whole host and is no X page: its site is
            # the URL's (`x_external_origin`).
            origin = x_external_origin(url)
            if origin is None:
                found.append(site(url, platform))
            elif (name := known.get(origin)) is not None:
                found.append(name)
            else:
                found.append(known.setdefault(origin, site(origin, platform)))
        return found


LIST_COLUMNS: tuple[str, ...] = ("urls", "domains", "mentions", "partners")
"""The columns whose cells are lists."""
OBJECT_COLUMNS: tuple[str, ...] = tuple(
    name for name in COLUMNS if name != "created_at" and name not in LIST_COLUMNS
)
"""Columns kept as object dtype whatever the data, so the frame's dtypes are stable."""


def to_frame(posts: Iterable[Post]) -> pd.DataFrame:
    """Classify `posts` and return them as a DataFrame with the `COLUMNS` columns."""
    import pandas as pd

    _check_posts(posts)
    cols: dict[str, Any] = columns(posts)
    cols["created_at"] = pd.to_datetime(cols["created_at"], unit="us", utc=True)
    for name in OBJECT_COLUMNS:
        # Built as object Series so a missing value stays None (not NaN) whatever the data.
        cols[name] = pd.Series(cols[name], dtype=object)
    return pd.DataFrame(cols, columns=list(COLUMNS))


_POSTS = "Post objects, as linkratio.read(path).posts gives"
"""What `to_frame` takes (said when given something else)."""


def _check_posts(posts: object) -> None:
    """InputError naming `to_frame`'s argument when it is no collection of posts: a frame
    already made, a Timeline, a path (each ended in an AttributeError deep inside)."""
    import pandas as pd

    if isinstance(posts, pd.DataFrame):
        why = f"a DataFrame: expected {_POSTS} (a frame is made already: use it as it is)"
    elif isinstance(posts, Timeline):
        why = f"a Timeline: expected {_POSTS}: pass its .posts"
    elif isinstance(posts, str | os.PathLike):
        name = os.fspath(posts)
        why = f"{name!r} is a name, not posts: expected {_POSTS} (linkratio.load({name!r}) "
        why += "reads them into a frame)"
    elif isinstance(posts, bytes | Mapping) or not isinstance(posts, Iterable):
        why = f"a {type(posts).__name__}: expected {_POSTS}"
    else:
        return
    raise InputError(f"to_frame: posts {why}")


# -- the library, with this module's rows cached -----------------------------------------

DERIVING_MODULES: tuple[str, ...] = (
    "linkratio.model",
    "linkratio.links",
    "linkratio.links.hosts",
    "linkratio.links.names",
    "linkratio.classify",
    __name__,
    "linkratio.store.cache",
)
"""The modules whose code decides a cached frame row: the classifier, what it reads, the
frame's columns (partners) and the store's encoding of them."""


@functools.cache
def classifier_fingerprint() -> str:
    """A hash of the code behind the frame cache: any change to it invalidates the cache."""
    digest = hashlib.sha256()
    for name in DERIVING_MODULES:
        # import_module, not `from linkratio import classify`: the package re-exports a
        # function under that name.
        module = importlib.import_module(name)
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):  # no source shipped: fall back to the version
            source = f"{module.__name__} linkratio {_version_of('linkratio')}"
        digest.update(source.encode())
    # domains come from tldextract's bundled public-suffix snapshot, host names are read
    # with idna's UTS-46 tables.
    digest.update(_version_of("tldextract").encode())
    digest.update(_version_of("idna").encode())
    return digest.hexdigest()[:16]


def _version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


DERIVER = store.Deriver(
    columns=COLUMNS,
    list_columns=LIST_COLUMNS,
    object_columns=OBJECT_COLUMNS,
    # Looked up at call time, so a patched `columns` or classifier is what the cache uses.
    derive=lambda posts: columns(posts),
    fingerprint=lambda: classifier_fingerprint(),
)
"""How the library derives and caches the rows of `to_frame`."""


def _close_quietly(db: sqlite3.Connection) -> None:
    """Close `db`, unless it is another thread's (sqlite3 refuses: its collector closes it)."""
    with contextlib.suppress(sqlite3.ProgrammingError):
        db.close()


class Library(store.Library):
    """The local SQLite library of posts, whose `frame()` equals `to_frame(posts)`."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 30.0,
        deriver: store.Deriver | None = DERIVER,
        open_wait: float | None = None,
        reader: store.Reader | None = READER,
    ) -> None:
        check_path(path, "Library: path", "the library file's path")
        super().__init__(
            path, busy_timeout=busy_timeout, deriver=deriver, open_wait=open_wait, reader=reader
        )
        # A library left open (a notebook's `lib = Library.open()` run again) closes its file
        # when dropped: sqlite3's connection is in a cycle (its statement cache) and would
        # hold the file, its WAL and a ResourceWarning until the cycle collector ran.
        weakref.finalize(self, _close_quietly, self._db)

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        create: bool = False,
        wait: float | None = None,
        option: str = "path=",
    ) -> Library:
        """The library at `path` (default: $LINKRATIO_DB, else the user data folder).

        Unless `create`, a missing library or an empty file (which opening would make a
        library: a read writes nothing) is an InputError that says how to make one, or to
        name another with `option` (`--db` for the command line's callers).
        `wait`: how long to wait for a file another process holds locked (default 30 s).
        """
        check_path(path or "", "Library.open: path", "the library file's path")
        where = Path(path).expanduser() if path else cls.default_path()
        empty = where.is_file() and where.stat().st_size == 0
        if not create and (empty or not where.exists()):
            raise InputError(
                f"no library at {where}{' (an empty file)' if empty else ''}: run 'linkratio "
                f"import PATH' or 'linkratio fetch @handle' first, or name it with {option} / "
                "LINKRATIO_DB"
            )
        return cls(where, open_wait=wait)

    def __repr__(self) -> str:
        """The library by its file, as a notebook shows it: `linkratio.Library('lib.sqlite')`."""
        return f"linkratio.Library({str(self.path)!r}{', read-only' * self.read_only})"

    def frame(
        self, platform: str, account_id: str, *, columns: Collection[str] | None = None
    ) -> pd.DataFrame:
        """The account's cached frame (`store.Library.frame`): `to_frame` of its posts.

        `account_id` is the id `accounts()` lists (an X user id, a Bluesky DID), not the
        handle: with no account of that id the frame is empty, and a warning says so.
        """
        table = super().frame(platform, account_id, columns=columns)
        if table.empty and self.account_by_id(platform, account_id) is None:
            named = self.find_account(account_id, platform)
            log.warning(
                "%s: no %s account has the id %r: frame() takes its id%s",
                self.path,
                platform,
                account_id,
                f" ({named.id!r}; or linkratio.load({account_name(named)!r}, db=...))"
                if named and named.id
                else ", as accounts() lists it",
            )
        return table
