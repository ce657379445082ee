"""The weeks a `weekly` run of the default week sends before its own: the missed weeks.

A destination missed a week when it has had a delivery of the account before and the week
lies after its first delivered week and before the run's week, and is neither delivered
there nor refused there for good (the machine was off that Monday, every destination
failed for now, the library stayed busy past the wait, a login refused until mended). Of
them a run sends those among the `CATCH_UP` weeks before its own, oldest first, each as a
run of that `--week` would, each once; a week the destination refused for good (an SMTP
5xx for that mail, a webhook's 400/413/415/422) is not sent again (its error said to send it with
`--week` once mended). Older weeks after its latest delivery are only named
(`MissedWeeks.left_out`). A destination with no delivery yet is sent no history: a first
run sends only its own week.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from linkratio.accounts import find as find_account
from linkratio.errors import InputError
from linkratio.model import Account, Destination
from linkratio.store import Library
from linkratio.weekly.run import EXIT_BAD, EXIT_OK, EXIT_PARTIAL, EXIT_TEMPFAIL, WeekRun

CATCH_UP = 3
"""The most missed weeks one run sends before its own."""
_SEVERITY = (EXIT_OK, EXIT_PARTIAL, EXIT_TEMPFAIL, EXIT_BAD)
"""Exit codes from best to worst: a setting to fix (2) outweighs a wait (75)."""
_WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class MissedWeek:
    """One missed week to send before the run's own, to the destinations that missed it."""

    monday: date
    destinations: list[Destination]

    @property
    def week(self) -> str:
        """`YYYY-Www`."""
        from linkratio.analysis.weekly import week_label

        return week_label(self.monday)


@dataclass(frozen=True)
class MissedWeeks:
    """What `missed_weeks` found: the weeks to send first, and the older ones left out."""

    weeks: list[MissedWeek] = field(default_factory=list)
    """The missed weeks to send, oldest first: at most `CATCH_UP`, the latest ones."""
    left_out: tuple[date, date] | None = None
    """The Mondays of the first and the last older missed week, not sent (None: none)."""
    left_out_by: list[str] = field(default_factory=list)
    """The labels of the destinations that missed the weeks left out."""

    @property
    def left_out_text(self) -> str:
        """The weeks left out as a person reads them (`2026-W43 and 2026-W44`), or ""."""
        from linkratio.analysis.weekly import week_label

        if self.left_out is None:
            return ""
        first, last = self.left_out
        count = (last - first).days // 7 + 1
        if count == 1:
            return week_label(first)
        joint = " and " if count == 2 else " to "
        return f"{week_label(first)}{joint}{week_label(last)}" + (
            f" ({count:,} weeks)" if count > 2 else ""
        )


def missed_weeks(
    library: Library, account: Account | str, destinations: Sequence[Destination], week: date
) -> MissedWeeks:
    """The weeks before `week` (a Monday) that `destinations` missed: see the module docstring."""
    found = find_account(library, account) if isinstance(account, str) else account
    if found.id is None:  # read from files: it has no deliveries (run_week refuses it)
        return MissedWeeks()
    window = [week - n * _WEEK for n in range(CATCH_UP, 0, -1)]
    sends: dict[date, list[Destination]] = {monday: [] for monday in window}
    first_left: date | None = None
    left_by: list[str] = []
    for dest in destinations:
        done, refused = _weeks(library, found, dest.key)
        if not done:
            continue  # never delivered: no history is sent
        for monday in window:
            if min(done) < monday and monday not in done | refused:
                sends[monday].append(dest)
        older = [m for m in _span(max(done) + _WEEK, window[0]) if m not in refused]
        if older:
            first_left = min(first_left or older[0], older[0])
            left_by.append(dest.label)
    missed = [MissedWeek(monday, dests) for monday, dests in sends.items() if dests]
    left = (first_left, window[0] - _WEEK) if first_left is not None else None
    return MissedWeeks(missed, left, left_by)


def _span(first: date, end: date) -> list[date]:
    """The Mondays from `first` up to `end` (not included)."""
    return [first + n * _WEEK for n in range(max((end - first).days // 7, 0))]


def _weeks(library: Library, account: Account, key: str) -> tuple[set[date], set[date]]:
    """The Mondays of the weeks delivered to `key`, and of those it refused for good (a
    garbled week, such as 2026-W60, is left out: `library check`'s to name)."""
    from linkratio.store.weekly import weeks_to

    done, refused = weeks_to(library, account, key)
    return _mondays(done), _mondays(refused)


def _mondays(weeks: set[str]) -> set[date]:
    """The Mondays of `weeks`, less any garbled one."""
    from linkratio.analysis.weekly import parse_week

    mondays: set[date] = set()
    for week in weeks:
        try:
            mondays.add(parse_week(week))
        except InputError:
            continue
    return mondays


def failed_for_now(run: WeekRun) -> set[str]:
    """The destinations (keys) `run` failed for now: sent no later week in this catch-up, so
    the next run, finding those weeks still undelivered, sends them in order."""
    return {d.key for d in run.deliveries if d.status == "failed-temporary"}


def worst_exit(codes: Iterable[int]) -> int:
    """The exit code of a run of several weeks: the worst of theirs (0, then 1, 75, 2)."""
    return max(codes, key=_SEVERITY.index, default=EXIT_OK)
