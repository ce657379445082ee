"""What a first backfill keeps to: the `--since` it was given, remembered while it found nothing.

Part of the sync engine (`linkratio.sync`), which starts each pass from the top with it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from linkratio.errors import LibraryDamagedError
from linkratio.model import Account
from linkratio.net.page import Start
from linkratio.store import Library


def first_run(library: Library, account: Account) -> bool:
    """True when the library holds no post of `account` and no pass is under way."""
    assert account.id is not None
    return not library.has_posts(account.platform, account.id) and (
        library.cursor(account.platform, account.id) is None
    )


def since_key(account: Account) -> str:
    """The setting that remembers the `--since` of a first backfill of `account`."""
    return f"sync.since.{account.platform}.{account.id}"


def first_since(library: Library, account: Account, since: date | None) -> datetime | None:
    """The lower bound of a pass over an account with no stored post: `since` on a first
    backfill, else the `since` of a first backfill that found nothing (`_remember_since`).

    Without it a run after a `--since` backfill that stored nothing (no post since that
    day) would read, and pay for, the whole timeline from before the day.
    """
    if since is not None and first_run(library, account):
        return midnight(since)
    remembered = library.setting(since_key(account))
    try:
        return midnight(date.fromisoformat(remembered)) if remembered else None
    except (TypeError, ValueError):  # a garbled cell: never a silent full backfill
        raise LibraryDamagedError(
            f"{library.path}: the library is damaged (the --since remembered for "
            f"{account.platform} account {account.id} is garbled): fetch the account once "
            "with --since DATE to set it again"
        ) from None


def remember_since(library: Library, account: Account, start: Start) -> None:
    """Keep the bound of a finished `since` pass that stored nothing, for the next runs (a
    pass that failed keeps none: a --since the API refused is not kept to)."""
    assert account.id is not None
    if start.since is not None and not library.has_posts(account.platform, account.id):
        library.set_setting(since_key(account), start.since.date().isoformat())


def midnight(day: date | None) -> datetime | None:
    """The start of `day` in UTC (None for None)."""
    return datetime.combine(day, time.min, UTC) if day is not None else None
