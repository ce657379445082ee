"""One weekly run: refresh, summarize the week, write the files, deliver once per destination.

The exit policy of `linkratio weekly` lives here (`WeekRun.exit_code`): 0 every
destination delivered (or only files written), 1 partial or stale (some destinations
failed; or the sync failed, or the library holds no post since before the week, so the
data may be stale: the summary is still written and delivered, its note says so), 2 bad
input or every destination failed for good (a refused login, a 4xx webhook answer, an
untrusted certificate: a setting to fix), 75 try again later (every destination failed
for now: no connection, SMTP 4xx, webhook 5xx/timeouts). A library another run holds is
waited for (`LOCK_WAIT`), then LibraryBusyError (75); bad input raises InputError (2) first.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from linkratio import config
from linkratio.accounts import account_name
from linkratio.accounts import find as find_account
from linkratio.days import as_date
from linkratio.errors import (
    DeliveryError,
    DeliveryRefused,
    DeliveryUnavailable,
    DiskError,
    InputError,
    LinkratioError,
)
from linkratio.loading import account_frame
from linkratio.model import Account, Destination
from linkratio.net.waiting import Waiter
from linkratio.store import Library, Reread
from linkratio.weekly.output import write_week
from linkratio.weekly.send import deliver_week

if TYPE_CHECKING:
    from linkratio.analysis.weekly import WeekSummary
    from linkratio.render.weekly import WeeklyFiles

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_BAD = 2
EXIT_TEMPFAIL = 75
DEFAULT_OUT = "linkratio-weekly"
"""The folder the week's files go to unless told otherwise."""
LOCK_WAIT = 3600.0
"""Seconds a run waits for a library another run holds: given up, the week comes only late."""

Status = Literal["delivered", "skipped", "failed-permanent", "failed-temporary"]


@dataclass(frozen=True)
class Delivery:
    """What became of one destination: delivered, skipped (done before) or failed."""

    label: str
    key: str
    status: Status
    error: str | None = None
    refused: bool = False
    """Whether the server refused this week for good: recorded, so no later run sends it."""

    @property
    def failed(self) -> bool:
        """Whether delivering to this destination failed (for now or for good)."""
        return self.status.startswith("failed")


@dataclass(frozen=True)
class WeekRun:
    """The outcome of `run_week`: the week, its files, each destination, staleness."""

    week: str
    account: str
    files: WeeklyFiles
    deliveries: list[Delivery] = field(default_factory=list)
    stale: str | None = None
    """Why the data may be stale (no posts since before the week, or the sync failed), as
    the summary says it."""
    sync_error: str | None = None
    """The sync's error message when `sync` was asked for and failed."""
    reread: Reread | None = None
    """What reading the account's posts again did, when an older linkratio had read them."""

    @property
    def exit_code(self) -> int:
        """The documented exit code of this run (see the module docstring)."""
        tried = [d for d in self.deliveries if d.status != "skipped"]
        failed = [d for d in tried if d.failed]
        code = EXIT_OK
        if failed and len(failed) == len(tried):
            if all(d.status == "failed-temporary" for d in failed):
                code = EXIT_TEMPFAIL
            elif all(d.status == "failed-permanent" for d in failed):
                code = EXIT_BAD
            else:
                code = EXIT_PARTIAL
        elif failed:
            code = EXIT_PARTIAL
        return EXIT_PARTIAL if self.stale and code == EXIT_OK else code


def destinations(
    emails: Sequence[str] = (),
    webhooks: Sequence[str] = (),
    webhook_env: str | Sequence[str] | None = None,
) -> list[Destination]:
    """The destinations of a run, checked before any work: InputError for a bad one.

    `emails`, `webhooks` and `webhook_env` (environment variables holding webhook URLs)
    take one (text) or several. Without any destination, the `weekly.email` and
    `weekly.webhook` settings (what a scheduled job relies on). Duplicates are dropped.
    """
    from linkratio.render.escape import url_hosts
    from linkratio.weekly.deliver import email_destination, webhook_destination

    emails, hooks = ([e] if isinstance(e, str) else list(e) for e in (emails, webhooks))
    names = [webhook_env] if isinstance(webhook_env, str) else list(webhook_env or ())
    for name in names:
        if "://" in name:  # the URL itself, given by mistake: its token stays hidden
            raise InputError(
                f"--webhook-env {url_hosts(name)}: expected the name of a variable that holds "
                "the URL (e.g. SLACK_WEBHOOK), not the URL"
            )
        url = os.environ.get(name)
        if not url:
            raise InputError(f"--webhook-env {name}: that variable is not set")
        hooks.append(url)
    if emails or hooks:
        dests = [email_destination(e) for e in emails] + [webhook_destination(h) for h in hooks]
    else:
        dests = _configured()
    return list({d.key: d for d in dests}.values())


def _configured() -> list[Destination]:
    """The `weekly.email` and `weekly.webhook` settings as destinations; a bad value is
    InputError naming the setting and where it is set (a cron line names no address)."""
    from linkratio.weekly.deliver import email_destination, webhook_destination

    dests: list[Destination] = []
    for key, make in (("weekly.email", email_destination), ("weekly.webhook", webhook_destination)):
        value = config.get(key) or ""
        items = value.split(",") if key == "weekly.email" else [value]
        try:
            dests += [make(item) for item in items if item.strip()]
        except InputError as exc:
            env = config.KEYS[key]
            where = env if os.environ.get(env) else f"{key} in {config.config_path()}"
            raise InputError(f"{where}: {exc}") from None
    return dests


def week_start(week: str | date | None, *, tz: str | None = None, now: datetime) -> date:
    """The Monday of the week to summarize: `week` if complete, else the last complete one.

    `week` is `YYYY-Www` or a day of that week, as `days.as_date` reads one (an aware
    datetime: its day in `tz`); InputError for a week outside the years a summary can reach.
    """
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.weekly import YEARS, last_complete_week, parse_week, week_label

    zone, _ = resolve_zone(tz)
    # `not week` took numpy's day 1970-01-01 (falsy) for no week: the last complete one
    if week is None or (isinstance(week, str) and not week.strip()):
        return last_complete_week(now, zone)
    day = _day_of(week, zone)
    if day is None:
        monday = parse_week(str(week))
    else:
        if not YEARS[0] <= day.isocalendar().year <= YEARS[1]:
            raise InputError(f"week {day.isoformat()}: expected a day of {YEARS[0]} to {YEARS[1]}")
        monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    if sunday >= now.astimezone(zone).date():
        # Summarized now, it would be delivered and recorded half-done: the run after
        # its end would then skip it as already delivered.
        raise InputError(f"week {week_label(monday)} ends {sunday}: not complete yet")
    return monday


def _day_of(week: object, zone: tzinfo) -> date | None:
    """The day `week` names (`days.as_date`), or None for text that is no day (a week)."""
    try:
        return as_date(week, zone)
    except InputError:
        if isinstance(week, str):
            return None  # parse_week reads it, or names what it expected
        raise


def check_inputs(
    dests: Sequence[Destination], week: str | date | None, *, tz: str | None, now: datetime
) -> date:
    """Check what a run needs before any work (SMTP settings, the week); return its Monday."""
    from linkratio.net.deadline import refuse_socks
    from linkratio.weekly.deliver import smtp_settings

    if any(d.kind == "email" for d in dests):
        smtp_settings()  # a missing smtp.host is bad input: say so before any work
    if any(d.kind == "webhook" for d in dests):
        refuse_socks()  # so is a SOCKS proxy the webhook would go through
    return week_start(week, tz=tz, now=now)


def run_week(
    library: Library,
    account: Account | str,
    *,
    week: str | date | None = None,
    tz: str | None = None,
    destinations: Sequence[Destination] = (),
    sync: bool = False,
    sync_failed: str | None = None,
    force: bool = False,
    now: datetime | None = None,
    out_dir: str | Path = DEFAULT_OUT,
    waiter: Waiter | None = None,
    webhook_format: str | None = None,
    wait: float = LOCK_WAIT,
    on_reread: Callable[[str, Reread], None] | None = None,
    on_lock_wait: Callable[[str], None] | None = None,
) -> WeekRun:
    """Summarize the week for `account`, write its files and deliver them; see `WeekRun`.

    `week` is `YYYY-Www` or any day of that week (default: the last complete week).
    Holds the library's run lock for the whole run, waiting up to `wait` seconds for another
    run's (`on_lock_wait(holder)` is told first, `holder` naming that run or ""; without
    it a warning is logged: a notebook's run never waits in silence). The
    account's posts an older linkratio read are read again first (`WeekRun.reread`);
    `on_reread(name, done)` is told at once, so it can be said even if the run then fails.
    `sync_failed` is the error of the sync an earlier run made for this one (the first week
    of a catch-up, `missed_weeks`): the week is summarized as after its own failed sync.
    """
    from linkratio.weekly.values import check_run  # (it loads httpx for its URL checks)

    check_run(library, account, week, destinations, out_dir)
    now = now or datetime.now(UTC)
    waiter = waiter or Waiter(True)
    monday = check_inputs(destinations, week, tz=tz, now=now)
    name = account if isinstance(account, str) else account_name(account)
    if not isinstance(account, str) and account.id is None:  # read from files, say
        who = name if account.handle else "the account"
        raise InputError(f"{who} has no account id: name a library account (@handle) instead")
    on_lock_wait = on_lock_wait or functools.partial(_lock_wait_logged, library.path, wait)
    with library.run_lock(f"weekly {name}", wait=wait, on_wait=on_lock_wait):
        found = find_account(library, account) if isinstance(account, str) else account
        sync_error = _refresh(library, found, waiter) if sync else sync_failed
        reread = _reread(library, found)
        if reread is not None and on_reread is not None:
            on_reread(account_name(found), reread)
        ws = _summary(library, found, monday, tz=tz, now=now, sync_failed=sync_error is not None)
        files = write_week(ws, out_dir, found)
        done = set() if force else _delivered(library, found, ws.week)
        if library.read_only and any(d.key not in done for d in destinations):
            # Sent, a delivery could not be recorded: the run would stop at the first one
            # and every later run would send that one again, and never the others.
            raise DiskError(
                f"{library.path}: the library cannot be written here, so no delivery could "
                "be recorded: nothing was sent (the files are written)"
            )
        deliveries = [
            _deliver_one(library, found, ws, files, dest, done, now, waiter, webhook_format)
            for dest in destinations
        ]
    return WeekRun(ws.week, ws.account, files, deliveries, ws.stale, sync_error, reread)


def _refresh(library: Library, account: Account, waiter: Waiter) -> str | None:
    """Fetch the account's new posts; the error message when that failed."""
    from linkratio.sync import refresh

    try:
        done = refresh(library, account, waiter=waiter)
    except LinkratioError as exc:
        return str(exc)
    if done.stopped is not None:  # partial: what it read is stored, the next run goes on
        return f"the sync stopped {done.stopped}; the next run continues"
    return None


def _reread(library: Library, account: Account) -> Reread | None:
    """Read the account's stored posts again when an older linkratio read them (once after
    an upgrade; its own posts only, each once); None when none is due."""
    if library.read_only or library.reader is None:
        return None  # the summary's notice says what is due
    if not library.due_posts(account.platform, account.id or ""):
        return None
    return library.reread([account])[0]


def _sync_note(library: Library, account: Account) -> str:
    """`last sync 2026-11-30 07:00 UTC`, or `never synced`."""
    from linkratio.store.weekly import last_sync

    when = last_sync(library, account)
    return f"last sync {when:%Y-%m-%d %H:%M} UTC" if when else "never synced"


def _summary(
    library: Library,
    account: Account,
    monday: date,
    *,
    tz: str | None,
    now: datetime,
    sync_failed: bool,
) -> WeekSummary:
    from linkratio.analysis.weekly import build_week
    from linkratio.store.weekly import challenges

    synced = _sync_note(library, account)
    return build_week(
        account_frame(library, account),
        monday,
        tz=tz,
        account=account_name(account),
        # Each challenge day with the zone it was set in: judged in that zone.
        challenge_days=challenges(library, account, monday, monday + timedelta(days=6)),
        now=now,
        stale=f"data may be stale ({synced})" if sync_failed else None,
        last_sync=synced,
    )


def _delivered(library: Library, account: Account, week: str) -> set[str]:
    from linkratio.store.weekly import delivered

    return delivered(library, account, week)


def _deliver_one(
    library: Library,
    account: Account,
    ws: WeekSummary,
    files: WeeklyFiles,
    dest: Destination,
    done: set[str],
    now: datetime,
    waiter: Waiter,
    webhook_format: str | None,
) -> Delivery:
    """Deliver to `dest` unless done before; record a success; never raise for a failure."""
    from linkratio.store.weekly import record_delivery, record_refusal

    if dest.key in done:
        return Delivery(dest.label, dest.key, "skipped")
    recorded: list[bool] = []

    def record() -> None:
        record_delivery(library, account, ws.week, dest.key, now=now)
        recorded.append(True)

    try:  # a mail is recorded once the server took it, before QUIT: a SIGTERM then costs none
        deliver_week(
            ws,
            files,
            dest,
            now=now,
            waiter=waiter,
            webhook_format=webhook_format,
            on_accepted=record,
        )
    except DeliveryError as exc:
        refused = isinstance(exc, DeliveryRefused)
        if refused:  # sent again, it would be refused again: the catch-up leaves it
            record_refusal(library, account, ws.week, dest.key, now=now)
        status: Status = (
            "failed-temporary" if isinstance(exc, DeliveryUnavailable) else "failed-permanent"
        )
        return Delivery(dest.label, dest.key, status, str(exc), refused)
    if not recorded:
        record()
    return Delivery(dest.label, dest.key, "delivered")


def _lock_wait_logged(path: Path, wait: float, holder: str) -> None:
    """The warning a run without its own `on_lock_wait` gives while another run holds the
    library (terminal-safe: the holder's name comes from a file)."""
    from linkratio.render.escape import terminal_safe

    by = f" by {terminal_safe(holder)}" if holder else ""
    log.warning("%s is in use%s: waiting for the library lock (at most %g s)", path, by, wait)
