"""Talk-only-day challenges kept in the library: set one (or have one suggested), judge them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from linkratio.errors import InputError
from linkratio.loading import account_frame

if TYPE_CHECKING:
    from linkratio.analysis.challenge import Outcome
    from linkratio.model import Account
    from linkratio.store import Library

REACH = timedelta(days=366)
"""How far from today a challenge day may be set, either way."""


@dataclass(frozen=True)
class ChallengeSet:
    """A challenge day as set: the day, its zone, whether it is new, and why it was picked."""

    day: date
    zone: str
    added: bool
    reason: str = ""


@dataclass(frozen=True)
class ChallengeDay:
    """One challenge day, the zone it was set in, and how it went."""

    day: date
    zone: str
    outcome: Outcome


def set_challenge(
    library: Library,
    account: Account,
    *,
    day: date | None = None,
    suggest: bool = False,
    tz: str | None = None,
    now: datetime,
) -> ChallengeSet:
    """Record `day` (or, with `suggest`, the day history suggests) as a talk-only day.

    The day is a local day in `tz`; InputError unless exactly one of `day` and `suggest`
    is given, when the day is more than a year from today, or when the history is too
    short to suggest a day (`analysis.pick`: the message says how many days it needs).
    """
    from linkratio.analysis.challenge import suggest_day
    from linkratio.analysis.period import named_zone
    from linkratio.store.weekly import add_challenge

    zone, zone_name = named_zone(tz)  # stored: status and weekly resolve it by its name
    today = now.astimezone(zone).date()
    if bool(day) == bool(suggest):
        raise InputError("challenge set needs a DATE (YYYY-MM-DD) or --suggest, not both")
    why = ""
    if day is None:  # so --suggest, checked above
        suggestion = suggest_day(account_frame(library, account), zone, today)
        if suggestion.day is None:
            raise InputError(f"cannot suggest a day: {suggestion.reason}; set a DATE instead")
        day, why = suggestion.day, suggestion.reason
    if abs(day - today) > REACH:
        raise InputError(
            f"challenge day {day} is more than a year from today ({today}): "
            "expected a day within a year"
        )
    added = add_challenge(library, account, day, zone_name, now=now)
    return ChallengeSet(day, zone_name, added, why)


def challenge_status(library: Library, account: Account, *, now: datetime) -> list[ChallengeDay]:
    """Every challenge day of the account, judged in the zone it was set in."""
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.challenge import outcome
    from linkratio.analysis.period import stored_zone
    from linkratio.store.weekly import challenges

    rows = challenges(library, account)
    if not rows:
        return []
    frame = account_frame(library, account)
    days = []
    for day, zone_name in rows:
        zone = stored_zone(zone_name, resolve_zone(None)[0])
        result = outcome(frame, day, zone, now.astimezone(zone).date())
        days.append(ChallengeDay(day, zone_name, result))
    return days
