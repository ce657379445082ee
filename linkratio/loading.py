"""Posts for a command: a library account or files, as a timeline or a classified frame.

This is the one place that asks the library for an account's frame (`account_frame`), so
a change in how `Library.frame` is called touches one line.
"""

from __future__ import annotations

import gc
import logging
import re
import sqlite3
from collections.abc import Callable, Collection
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, Unpack

from linkratio.accounts import account_name, is_account_name
from linkratio.accounts import find as find_account
from linkratio.authors import note_assumed_timeline, note_no_author
from linkratio.days import as_date
from linkratio.errors import EmptyDataError, InputError, LinkratioError
from linkratio.model import Account, Lazy, Timeline, gc_paused

if TYPE_CHECKING:
    import pandas as pd

    from linkratio.authors import Author
    from linkratio.store import Library, SaveResult
else:  # what get_type_hints finds for `pd.DataFrame` (pandas is imported only then)
    pd = Lazy("pandas")

log = logging.getLogger(__name__)

_FORMAT_OPTION = re.compile(r"--input-format ([a-z0-9-]+)")
"""How a reader's hint names the format option; a Python caller is told the keyword."""

Progress = Callable[[int], None]
"""Called with the count of posts read so far."""


class Reading(TypedDict, total=False):
    """How files are read (`sources.read`); a library account ignores these."""

    input_format: str
    """A format name, or "auto" (the default) to detect it."""
    skip_invalid: bool
    """Skip malformed records with a warning instead of stopping."""
    progress: Progress | None
    """Told the count of posts read so far."""
    keep_raw: bool
    """Every post keeps the JSON it came from (for the library)."""
    lean: bool
    """An archive's posts may be cheap stand-ins, for a caller that only lists them."""


def _names_account(source: str | Path) -> bool:
    """Whether `source` names a library account: a str such as `@handle`; a Path is files."""
    return isinstance(source, str) and is_account_name(source)


def library_path(db: str | Path | None = None) -> Path:
    """The library file `db` names (default: $LINKRATIO_DB, else the user data folder)."""
    from linkratio.store import Library

    return Path(db).expanduser() if db else Library.default_path()


def library_failure(exc: sqlite3.Error, db: str | Path | None = None) -> LinkratioError:
    """The one-line error for what SQLite raised on the library `db` names (damaged, full)."""
    from linkratio.store.maintenance import failure

    return failure(exc, library_path(db))


def open_library(
    db: str | Path | None = None,
    *,
    create: bool = False,
    wait: float | None = None,
    python: bool = False,
) -> Library:
    """The library at `db` (default: $LINKRATIO_DB, else the user data folder).

    Unless `create`, a missing library is an InputError that says how to make one (by
    `--db`, or with `python` by `db=`). `wait`: how long to wait for a file another process
    holds locked (default 30 s).
    """
    from linkratio.frame import Library

    return Library.open(db, create=create, wait=wait, option="db=" if python else "--db")


def read_timeline(
    source: str | Path,
    *,
    db: str | Path | None = None,
    freeze: bool = False,
    author: str | None = None,
    python: bool = False,
    **reading: Unpack[Reading],
) -> Timeline:
    """The posts of `source`: a library account (`@handle`, `bsky:…`) or files to read.

    Files must hold one author's posts: with several, InputError naming them unless
    `author` picks one (`only_author`; the error names `--author`, or with `python` the
    keyword `author=`, and a reader's `--input-format` hint `input_format=`). EmptyDataError
    when there are none. With `freeze` the posts are moved out of the cycle collector's
    sight (`gc.freeze`): for a process that keeps them to its end, as rescanning them made
    2x the posts cost 2.4x the time.
    `reading` says how files are read (`Reading`).
    """
    from linkratio.authors import one_author

    # With `freeze`, the collector stays off until what was read is out of its sight: else
    # its first pass after the reader visits every post once (0.02 s for 40,000 tweets).
    with gc_paused() if freeze else nullcontext():
        try:
            timeline = read_posts(source, db=db, **reading)
        except InputError as exc:
            if python and (said := _FORMAT_OPTION.sub(r"input_format='\1'", str(exc))) != str(exc):
                raise type(exc)(said) from exc
            raise
        if author is not None or not _names_account(source):  # an account has one already
            option = "author=NAME" if python else "--author NAME"
            timeline = one_author(timeline, author, option=option)
            note_no_author(source, timeline)
        if freeze:
            gc.freeze()
    return timeline


def read_posts(
    source: str | Path, *, db: str | Path | None = None, **reading: Unpack[Reading]
) -> Timeline:
    """Every post of `source`, whoever wrote it; EmptyDataError when there are none."""
    if _names_account(source):
        from linkratio.sources.reread import notice_due  # as account_frame: one warning

        with open_library(db) as lib:
            account = find_account(lib, str(source))
            posts = lib.posts(account.platform, account.id or "")
            notice_due(lib, account)
            timeline = Timeline(account, posts, str(lib.path))
    else:
        from linkratio.sources import read

        timeline = read(source, **reading)
    if not timeline.posts:
        raise EmptyDataError(f"{source}: no posts found (the data holds none)")
    return timeline


def account_frame(
    library: Library,
    account: Account,
    *,
    link_cache: bool = False,
    columns: Collection[str] | None = None,
) -> pd.DataFrame:
    """The account's classified posts in the library; with `link_cache`, sites of short links.

    Short links the library resolved (`linkratio expand`) count as the sites they lead to.
    With `columns`, only those frame columns (see `Library.frame`).
    """
    from linkratio.sources.reread import notice_due  # one warning: posts to re-read

    frame = library.frame(account.platform, account.id or "", columns=columns)
    notice_due(library, account)
    return with_link_cache(library, frame) if link_cache else frame


def with_link_cache(library: Library, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with sites taken from the library's resolved links and its redirect hosts."""
    from linkratio.analysis import with_expansions
    from linkratio.store import links as store_links

    return with_expansions(
        frame, store_links.expansions(library), store_links.redirect_hosts(library)
    )


def load_frame(
    source: str | Path,
    *,
    db: str | Path | None = None,
    freeze: bool = False,
    author: str | None = None,
    columns: Collection[str] | None = None,
    python: bool = False,
    **reading: Unpack[Reading],
) -> tuple[pd.DataFrame, Account]:
    """The classified posts `source` names, and whose they are.

    A library account comes from the library at `db`; files are read and, when `db` names
    an existing library, their short links use its resolved-link cache. Files must hold
    one author's posts, or `author` must pick one (see `read_timeline`). `columns`: the
    frame columns the caller reads; a library account's frame may then hold only those (a
    frame read from files holds every column). With `freeze`, as for `read_timeline`,
    what was read is moved out of the cycle collector's sight (`gc.freeze`), a library
    account's frame too. With `python`, errors name keyword arguments (`db=`, `author=`),
    not the command line's options.
    """
    if _names_account(source):
        with open_library(db, python=python) as lib:
            account = find_account(lib, str(source))
            _check_author(account, author)
            frame = account_frame(lib, account, link_cache=True, columns=columns)
        if frame.empty:
            raise EmptyDataError(f"{source}: the library holds no posts of this account")
        if freeze:  # as read_timeline's: the frame's cells and lists, kept to the end
            gc.freeze()
        return frame, account
    from linkratio.frame import to_frame

    # Only the frame is kept: an X archive or v2 file is read the fast way (posts as Structs,
    # the same frame; twice as fast on 200,000 archive posts), unusual data the general way.
    reading.setdefault("lean", True)
    timeline = read_timeline(source, freeze=freeze, author=author, python=python, **reading)
    frame = to_frame(timeline.posts)
    if db and Path(db).expanduser().is_file() and Path(db).expanduser().stat().st_size:
        with open_library(db) as lib:  # (an empty file is no library: it stays empty)
            frame = with_link_cache(lib, frame)
    elif db:  # named on purpose, so a typo is worth a word (the default library is optional)
        log.warning(
            "%s: no library file there: short links are counted without its resolved links",
            Path(db).expanduser(),
        )
    return frame, timeline.account


def _check_author(account: Account, author: str | None) -> None:
    """InputError when `author` is given and names another account than `account`."""
    from linkratio.authors import names

    if author is not None and not names(account, author):
        raise InputError(
            f"{author} is not the library account {account_name(account)}: "
            "a library account holds one author's posts"
        )


def load(
    source: str | Path,
    *,
    db: str | Path | None = None,
    tz: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
    input_format: str = "auto",
    skip_invalid: bool = False,
    progress: Progress | None = None,
    author: str | None = None,
) -> pd.DataFrame:
    """One classified row per post of `source`: the frame `audit` and `report` summarize.

    `source` is files (an archive zip or folder, saved API pages) or an account in the
    library at `db` (default: $LINKRATIO_DB, else the CLI's library; `@handle`,
    `bsky:handle`, `mastodon:@user@host`; a `Path` is always files). The columns are
    `COLUMNS` (the README's table); `created_at` is UTC whatever `tz`. Files with posts by
    several accounts (a search, a hashtag timeline) are an InputError naming them unless
    `author` picks one. `since` and `until` keep the posts of those days (inclusive, ISO
    dates or `date`s; a timestamp is its day) in the zone `tz` (default: the system's); a
    summary of that frame knows no other day (nudge,
    partial weeks), so `audit --since/--until` is `summarize(load(source), tz=...,
    since=..., until=...)`. A bad `source`, `db`, `tz` or day is an InputError before any
    read; EmptyDataError when the source holds no posts (a period may keep none: empty).
    """
    from linkratio.analysis.period import period_days, resolve_zone
    from linkratio.sources.limits import check_path

    check_path(source, "load: source", "a path or a library account such as '@handle'")
    check_path(db or "", "load: db")  # these, as tz and the days, before a long read
    # a mistyped zone is an error even without a period (the system's is not looked up)
    zone = resolve_zone(tz)[0] if any(v is not None for v in (tz, since, until)) else None
    first, last = as_date(since, zone), as_date(until, zone)
    if first is not None and last is not None and first > last:
        raise InputError(f"since {first} is after until {last}: no day is in between")
    frame, account = load_frame(
        source,
        db=db,
        input_format=input_format,
        skip_invalid=skip_invalid,
        progress=progress,
        author=author,
        python=True,
    )
    attrs = {**frame.attrs, "account": owner_name(account), "origin": str(source)}
    if zone is not None and (first, last) != (None, None):
        _, keep = period_days(frame, zone, first, last)
        frame = frame.loc[keep].reset_index(drop=True)
    frame.attrs.update(attrs)
    return frame


def owner_name(account: Account | None) -> str | None:
    """How a summary names the account: its handle, else its name as `accounts` lists it
    (`id 123` on X, `bsky:did:…`), not its bare id, which would read as a handle."""
    if account is None or not (account.handle or account.id):
        return None
    return account.handle or account_name(account)


@dataclass(frozen=True)
class Imported:
    """What `import_source` did: whose posts, how many, what changed, and where."""

    account: Account
    """The account with the most posts (the only one, for an archive)."""
    posts: int
    saved: SaveResult
    library: Path
    accounts: tuple[Account, ...] = ()
    """Every account posts were filed under, most posts first."""


def import_source(
    source: str | Path,
    *,
    db: str | Path | None = None,
    wait: float = 30.0,
    freeze: bool = False,
    **reading: Unpack[Reading],
) -> Imported:
    """Read files and save each post under its author's account in the library at `db`.

    The library is made if missing; a file with many authors (a search, a hashtag
    timeline) gives one account each. InputError when the data does not say whose posts
    these are; LibraryBusyError when another run holds the library longer than `wait`.
    With `freeze` what was read is moved out of the cycle collector's sight (`gc.freeze`):
    for a process that ends after the import (a notebook's would never be collected).
    """
    from linkratio.authors import authors_of

    reading["keep_raw"] = reading["lean"] = True  # the library keeps every post's JSON
    timeline = read_posts(source, db=db, **reading)
    if freeze:
        gc.freeze()
    authors = authors_of(timeline)
    origin = "archive" if timeline.posts[0].source == "archive" else "file"
    if any(author.account.id is None for author in authors):
        raise InputError(
            f"{source}: cannot tell whose posts these are (no account.js and no author id): "
            "import the whole archive folder or zip"
            if origin == "archive"
            else f"{source}: cannot tell whose posts these are (no author_id): save X API "
            "data with tweet.fields=author_id, or audit the file itself"
        )
    excerpt = origin == "file" and not _own_timeline(source, authors)
    with open_library(db, create=True, wait=wait) as lib, lib.run_lock("import", wait=wait):
        saved = _save_authors(lib, authors, origin, excerpt)
        where = lib.path
    accounts = tuple(author.account for author in authors)
    return Imported(accounts[0], len(timeline.posts), saved, where, accounts)


def _own_timeline(source: str | Path, authors: list[Author]) -> bool:
    """Whether saved data is its one author's own timeline; not a search, a hashtag or home
    feed (many authors, or twarc2 pages of any X request but the user's tweets)."""
    if len(authors) != 1:
        return False
    account, path = authors[0].account, Path(source)
    if account.platform != "x" or _names_account(source) or not path.is_file():
        return True
    from linkratio.sources.x_json import twarc_requests

    if not (requests := set(twarc_requests(path))):  # no word of the request that saved it
        note_assumed_timeline(source, account)
    return requests <= {f"/2/users/{account.id}/tweets"}


def _save_authors(
    library: Library, authors: list[Author], origin: str, excerpt: bool
) -> SaveResult:
    """Save each author's posts under their account; what the saves did, added up."""
    from linkratio.store import SaveResult

    results = [
        library.save_posts(a.account, a.posts, origin=origin, excerpt=excerpt) for a in authors
    ]
    return SaveResult(
        inserted=sum(r.inserted for r in results),
        updated=sum(r.updated for r in results),
        unchanged=sum(r.unchanged for r in results),
    )
