"""The SQL of link expansion: the `link_resolutions` cache and the `redirect_hosts` table.

Small functions over a `Library` (schema v4). A URL is resolved once ever: a success is
kept for good; a failure carries `retry_after` (7 days, doubled after each repeated
failure up to 90 days) so a dead host is not asked again every week. A failure that says
nothing about the link (offline, DNS trouble, a host skipped after failing in a row) is
asked again after 6 hours instead, and does not count as a repeated failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import orjson

from linkratio.model import REFUSED, Resolution
from linkratio.store.times import from_db_time, to_db_time

if TYPE_CHECKING:
    from linkratio.store.library import Library

FIRST_RETRY = timedelta(days=7)
"""How long a first failure keeps a URL from being asked again."""
MAX_RETRY = timedelta(days=90)
"""The longest wait after repeated failures."""
SOON_RETRY = timedelta(hours=6)
"""How long a temporary failure (offline, DNS trouble) keeps a URL from being asked."""
_CHUNK = 500  # SQLite's bound-parameter limit is far above, but keep statements small


def _db_time_or_none(when: datetime | None) -> str | None:
    return to_db_time(when) if when is not None else None


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _rows(library: Library, urls: Iterable[str]) -> list[tuple]:
    wanted = sorted(set(urls))
    rows: list[tuple] = []
    for chunk in _chunks(wanted):
        marks = ",".join("?" * len(chunk))
        rows += library.query(
            "SELECT url, final_url, status, hops, resolved_at, error, retry_after "
            f"FROM link_resolutions WHERE url IN ({marks})",
            chunk,
        )
    return rows


def cached(library: Library, urls: Iterable[str]) -> dict[str, Resolution]:
    """The stored resolutions of those of `urls` the library knows."""
    found = {}
    for url, final, status, hops, at, error, retry in _rows(library, urls):
        found[url] = Resolution(
            url=url,
            final_url=final,
            status=status,
            hops=tuple(orjson.loads(hops)),
            resolved_at=from_db_time(at) or datetime.now(UTC),
            error=error,
            retry_after=from_db_time(retry),
        )
    return found


@dataclass(frozen=True, slots=True)
class Due:
    """What a run has to do: the URLs to resolve now, and what the cache answers."""

    todo: list[str]
    cached: int
    """URLs the cache answers (successes and failures not yet due)."""
    failed_before: int = 0
    """Of those, failures waiting for their retry date."""
    next_try: datetime | None = None
    """The earliest retry date among them."""


def due(library: Library, urls: Iterable[str], *, now: datetime, retry_failed: bool = False) -> Due:
    """Split `urls` into those to resolve now (in order) and those the cache answers.

    A cached success is never asked again; a cached failure waits for its retry_after,
    unless `retry_failed`.
    """
    wanted = list(dict.fromkeys(urls))
    known = cached(library, wanted)
    todo, waiting = [], []
    for url in wanted:
        hit = known.get(url)
        if hit is None or (
            hit.error is not None
            and (retry_failed or (hit.retry_after is not None and hit.retry_after <= now))
        ):
            todo.append(url)
        elif hit.error is not None and hit.retry_after is not None:
            waiting.append(hit.retry_after)
    return Due(todo, len(wanted) - len(todo), len(waiting), min(waiting, default=None))


def _retry_after(result: Resolution, before: Resolution | None) -> datetime | None:
    """When a failed URL may be asked again: 7 days, doubled per repeated failure."""
    if result.error is None:
        return None
    if result.temporary:
        return result.resolved_at + SOON_RETRY
    wait = FIRST_RETRY
    if before is not None and before.error is not None and before.retry_after is not None:
        wait = min(MAX_RETRY, max(FIRST_RETRY, 2 * (before.retry_after - before.resolved_at)))
    return result.resolved_at + wait


def save(library: Library, results: Sequence[Resolution]) -> None:
    """Store `results` (one transaction) and the hosts that answered with a redirect."""
    if not results:
        return
    before = cached(library, [r.url for r in results])
    with library.transaction() as db:
        db.executemany(
            "INSERT OR REPLACE INTO link_resolutions "
            "(url, final_url, status, hops, resolved_at, error, retry_after) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r.url,
                    r.final_url,
                    r.status,
                    orjson.dumps(list(r.hops)).decode(),
                    to_db_time(r.resolved_at),
                    r.error,
                    _db_time_or_none(_retry_after(r, before.get(r.url))),
                )
                for r in results
            ],
        )
        db.executemany(
            "INSERT OR IGNORE INTO redirect_hosts (host, first_seen) VALUES (?, ?)",
            [(h, to_db_time(r.resolved_at)) for r in results for h in r.redirect_hosts],
        )


def redirect_hosts(library: Library) -> frozenset[str]:
    """Every host that answered with a redirect before (treated as a shortener)."""
    return frozenset(row[0] for row in library.query("SELECT host FROM redirect_hosts"))


def expansions(library: Library, urls: Iterable[str] | None = None) -> dict[str, str]:
    """Where links really go: URL as written -> destination, for `urls` (default: all known)."""
    rows = (
        library.query(
            "SELECT url, final_url, error FROM link_resolutions WHERE final_url IS NOT NULL"
        )
        if urls is None
        else [(row[0], row[1], row[5]) for row in _rows(library, urls)]
    )
    # A refused hop is not where the link goes: no request was made (169.254.169.254 is
    # not a site the user links to).
    return {
        url: final
        for url, final, error in rows
        if final is not None and final != url and not (error or "").startswith(REFUSED)
    }
