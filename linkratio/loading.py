"""Posts for a command: a library account or files, as a timeline or a classified frame.

This is the one place that asks the library for an account's frame (`account_frame`), so
a change in how `Library.frame` is called touches one line.
"""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from linkratio.accounts import find as find_account
from linkratio.accounts import is_account_name
from linkratio.errors import EmptyDataError, InputError, LinkratioError
from linkratio.model import Account, Timeline

if TYPE_CHECKING:
    import pandas as pd

    from linkratio.store import Library, SaveResult

Progress = Callable[[int], None]
"""Called with the count of posts read so far."""


def library_path(db: str | Path | None = None) -> Path:
    """The library file `db` names (default: $LINKRATIO_DB, else the user data folder)."""
    from linkratio.store import Library

    return Path(db).expanduser() if db else Library.default_path()


def library_failure(exc: sqlite3.Error, db: str | Path | None = None) -> LinkratioError:
    """The one-line error for what SQLite raised on the library `db` names (damaged, full)."""
    from linkratio.store.maintenance import failure

    return failure(exc, library_path(db))


def open_library(db: str | Path | None = None, *, create: bool = False) -> Library:
    """The library at `db` (default: $LINKRATIO_DB, else the user data folder).

    Unless `create`, a missing library is an InputError that says how to make one.
    """
    from linkratio.frame import Library

    return Library.open(db, create=create)


def read_timeline(
    source: str | Path,
    *,
    db: str | Path | None = None,
    input_format: str = "auto",
    skip_invalid: bool = False,
    keep_raw: bool = False,
    progress: Progress | None = None,
    freeze: bool = False,
) -> Timeline:
    """The posts of `source`: a library account (`@handle`, `bsky:…`) or files to read.

    EmptyDataError when there are none. With `freeze` the posts are moved out of the
    cycle collector's sight (`gc.freeze`): for a process that keeps them to its end, as
    rescanning them made 2x the posts cost 2.4x the time.
    """
    if is_account_name(str(source)):
        with open_library(db) as lib:
            account = find_account(lib, str(source))
            posts = lib.posts(account.platform, account.id or "")
            timeline = Timeline(account, posts, str(lib.path))
    else:
        from linkratio.sources import read

        timeline = read(
            source,
            input_format=input_format,
            progress=progress,
            skip_invalid=skip_invalid,
            keep_raw=keep_raw,
        )
    if not timeline.posts:
        raise EmptyDataError(f"{source}: no posts found (the data holds none)")
    if freeze:
        gc.freeze()
    return timeline


def account_frame(library: Library, account: Account, *, link_cache: bool = False) -> pd.DataFrame:
    """The account's classified posts in the library; with `link_cache`, sites of short links.

    Short links the library resolved (`linkratio expand`) count as the sites they lead to.
    """
    frame = library.frame(account.platform, account.id or "")
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
    input_format: str = "auto",
    skip_invalid: bool = False,
    progress: Progress | None = None,
    freeze: bool = False,
) -> tuple[pd.DataFrame, Account]:
    """The classified posts `source` names, and whose they are.

    A library account comes from the library at `db`; files are read and, when `db` names
    an existing library, their short links use its resolved-link cache.
    """
    if is_account_name(str(source)):
        with open_library(db) as lib:
            account = find_account(lib, str(source))
            frame = account_frame(lib, account, link_cache=True)
        if frame.empty:
            raise EmptyDataError(f"{source}: the library holds no posts of this account")
        return frame, account
    from linkratio.frame import to_frame

    timeline = read_timeline(
        source,
        input_format=input_format,
        skip_invalid=skip_invalid,
        progress=progress,
        freeze=freeze,
    )
    frame = to_frame(timeline.posts)
    if db and Path(db).expanduser().is_file():
        with open_library(db) as lib:
            frame = with_link_cache(lib, frame)
    return frame, timeline.account


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
) -> pd.DataFrame:
    """One classified row per post of `source`: the frame `audit` and `report` summarize.

    `source` is files (an archive zip or folder, saved API pages) or an account in the
    library at `db` (`@handle`, `bsky:handle`, `mastodon:@user@host`). `since` and `until`
    keep the posts of those days (inclusive, ISO dates or `date`s) in the zone `tz`
    (default: the system's).
    """
    frame, account = load_frame(
        source, db=db, input_format=input_format, skip_invalid=skip_invalid, progress=progress
    )
    attrs = {**frame.attrs, "account": owner_name(account), "origin": str(source)}
    if since is not None or until is not None:
        from linkratio.analysis.period import as_date, period_days, resolve_zone

        first, last = as_date(_day(since)), as_date(_day(until))
        if first is not None and last is not None and first > last:
            raise InputError(f"since {first} is after until {last}: no day is in between")
        _, keep = period_days(frame, resolve_zone(tz)[0], first, last)
        frame = frame.loc[keep].reset_index(drop=True)
    frame.attrs.update(attrs)
    return frame


def _day(value: date | str | None) -> date | None:
    """A day given as a `date` or an ISO string; InputError for anything else."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a day: expected YYYY-MM-DD") from None


def owner_name(account: Account | None) -> str | None:
    """How a summary names the account: its handle, else its id."""
    return (account.handle or account.id) if account is not None else None


@dataclass(frozen=True)
class Imported:
    """What `import_source` did: whose posts, how many, what changed, and where."""

    account: Account
    posts: int
    saved: SaveResult
    library: Path


def import_source(
    source: str | Path,
    *,
    db: str | Path | None = None,
    input_format: str = "auto",
    skip_invalid: bool = False,
    progress: Progress | None = None,
    wait: float = 30.0,
) -> Imported:
    """Read files and save their posts into the library at `db` (made if missing).

    InputError when the data does not say whose posts these are; LibraryBusyError when
    another run holds the library longer than `wait` seconds.
    """
    timeline = read_timeline(
        source,
        db=db,
        input_format=input_format,
        skip_invalid=skip_invalid,
        keep_raw=True,
        progress=progress,
        freeze=True,
    )
    account = timeline.account
    if account.id is None:
        raise InputError(
            f"{source}: cannot tell whose posts these are (no account.js and no author id): "
            "import the whole archive folder or zip"
        )
    origin = "archive" if timeline.posts[0].source == "archive" else "file"
    with open_library(db, create=True) as lib, lib.run_lock("import", wait=wait):
        saved = lib.save_posts(account, timeline.posts, origin=origin)
        return Imported(account, len(timeline.posts), saved, lib.path)


def only_account(library: Library, name: str | None) -> Account:
    """The account `name`, or the library's only account; InputError listing them otherwise."""
    from linkratio.accounts import account_name

    if name:
        return find_account(library, name)
    rows = library.accounts()
    if len(rows) == 1:
        return Account(rows[0].platform, rows[0].id, rows[0].handle)
    names = ", ".join(account_name(Account(r.platform, r.id, r.handle)) for r in rows)
    raise InputError(
        f"the library {library.path} holds {len(rows)} accounts"
        + (f" ({names}): name one with --account" if rows else ": import or fetch one first")
    )
