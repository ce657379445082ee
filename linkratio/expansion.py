"""Expand an account's short links in the library: `linkratio expand` and `--expand-links`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from linkratio.accounts import find as find_account
from linkratio.accounts import is_account_name
from linkratio.errors import InputError
from linkratio.loading import account_frame

if TYPE_CHECKING:
    from linkratio.links.expand import Counts, ExpandOptions
    from linkratio.model import Account
    from linkratio.net.netguard import Guard
    from linkratio.store import Library

Progress = Callable[["Counts", int], None]
"""Called with the counts so far and the number of links to resolve."""


def expand_account(
    library: Library,
    account: Account,
    *,
    options: ExpandOptions | None = None,
    guard: Guard | None = None,
    progress: Progress | None = None,
) -> Counts:
    """Resolve the account's short links not yet in the library's cache; return the counts.

    `guard` checks every hop (default: public addresses only; see `net.netguard.Guard`).
    """
    from linkratio.links import short_links
    from linkratio.links.expand_run import expand_urls
    from linkratio.store import links as store_links

    frame = account_frame(library, account)
    urls = short_links(frame["urls"], store_links.redirect_hosts(library))
    return expand_urls(library, urls, options=options, guard=guard, progress=progress)


def last_synced_x(library: Library) -> str | None:
    """`@handle` of the X account synced last (what `fetch --me` fetched), or None."""
    synced = [a for a in library.accounts() if a.platform == "x" and a.last_sync and a.handle]
    if not synced:
        return None
    return "@" + str(max(synced, key=lambda a: str(a.last_sync)).handle)


@dataclass(frozen=True)
class Expanded:
    """Whose short links were expanded (the name asked for) and how it went."""

    name: str
    counts: Counts


def expand_named(
    library: Library,
    name: str | None,
    *,
    wait: float = 30.0,
    options: ExpandOptions | None = None,
    guard: Guard | None = None,
    progress: Progress | None = None,
) -> Expanded | None:
    """Expand the account `name` (None: the X account synced last) under the run lock.

    None when `name` is None and no X account was synced.
    """
    name = name if name is not None else last_synced_x(library)
    if name is None:
        return None
    account = find_account(library, name)
    with library.run_lock(f"expand {name}", wait=wait):
        counts = expand_account(library, account, options=options, guard=guard, progress=progress)
    return Expanded(name, counts)


def require_account_name(source: str) -> str:
    """`source` when it names a library account; InputError for a file (nothing to expand)."""
    if not is_account_name(source):
        raise InputError(
            f"--expand-links needs an account in the library (@handle), not the file "
            f"{source}: run 'linkratio import {source}' first"
        )
    return source
