"""The SQL of the weekly summary: which weeks went where (`deliveries`), and `challenges`.

Small functions over a `Library`, through its `query` and `transaction` hooks. Times are
stored in the one format of `linkratio.store.times`; a delivery destination is a key such as
`email:ana@example.org` or `webhook:<16 hex of sha256(url)>`, never a webhook URL. A week
a destination refused for good is a row of `refusals` (schema version 8: `store.refusals`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from linkratio.model import Account
from linkratio.store.times import from_db_time, to_db_time

if TYPE_CHECKING:
    from linkratio.store.library import Library


def _ids(account: Account) -> tuple[str, str]:
    if account.id is None:
        raise ValueError("the account has no id: only library accounts have deliveries")
    return account.platform, account.id


def delivered(library: Library, account: Account, week: str) -> set[str]:
    """The destination keys that already received `week` of `account`."""
    rows = library.query(
        "SELECT destination FROM deliveries WHERE platform = ? AND account_id = ? AND week = ?",
        (*_ids(account), week),
    )
    return {row[0] for row in rows}


def weeks_to(library: Library, account: Account, destination: str) -> tuple[set[str], set[str]]:
    """The weeks (`YYYY-Www`) of `account` delivered to `destination`, and those it refused."""
    found: list[set[str]] = []
    for table in ("deliveries", "refusals"):
        rows = library.query(
            f"SELECT week FROM {table} WHERE platform = ? AND account_id = ? AND destination = ?",
            (*_ids(account), destination),
        )
        found.append({row[0] for row in rows if isinstance(row[0], str)})
    return found[0], found[1]


def record_delivery(
    library: Library, account: Account, week: str, destination: str, now: datetime | None = None
) -> None:
    """Remember that `week` of `account` reached `destination` (again: the time is updated)."""
    _record(library, "deliveries", "delivered_at", (*_ids(account), week, destination), now)


def record_refusal(
    library: Library, account: Account, week: str, destination: str, now: datetime | None = None
) -> None:
    """Remember that `destination` refused `week` of `account` for good."""
    _record(library, "refusals", "refused_at", (*_ids(account), week, destination), now)


def _record(
    library: Library, table: str, column: str, key: tuple[str, ...], now: datetime | None
) -> None:
    """Insert the row of `key` (platform, account id, week, destination) into `table`, or
    update its time `column`."""
    with library.transaction() as db:
        db.execute(
            f"INSERT INTO {table} (platform, account_id, week, destination, {column})"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, account_id, week, destination)"
            f" DO UPDATE SET {column} = excluded.{column}",
            (*key, to_db_time(now or datetime.now(UTC))),
        )


def add_challenge(
    library: Library, account: Account, day: date, zone: str, now: datetime | None = None
) -> bool:
    """Record a challenge on `day` (local in `zone`); False when that day was already set."""
    with library.transaction() as db:
        cur = db.execute(
            "INSERT INTO challenges (platform, account_id, day, zone, set_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (platform, account_id, day) DO NOTHING",
            (*_ids(account), day.isoformat(), zone, to_db_time(now or datetime.now(UTC))),
        )
        return cur.rowcount == 1


def challenges(
    library: Library, account: Account, first: date | None = None, last: date | None = None
) -> list[tuple[date, str]]:
    """The challenge days of `account` (in [first, last] if given) with their zones, in order."""
    rows = library.query(
        "SELECT day, zone FROM challenges WHERE platform = ? AND account_id = ?"
        " AND day >= ? AND day <= ? ORDER BY day",
        (
            *_ids(account),
            (first or date.min).isoformat(),
            (last or date.max).isoformat(),
        ),
    )
    return [(date.fromisoformat(day), zone) for day, zone in rows]


def last_sync(library: Library, account: Account) -> datetime | None:
    """When the account was last synced with its platform, or None."""
    rows = library.query(
        "SELECT max(at) FROM syncs WHERE platform = ? AND account_id = ?", _ids(account)
    )
    return from_db_time(rows[0][0] if rows else None)
