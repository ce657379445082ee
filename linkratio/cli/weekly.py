"""The `linkratio weekly` command: parse, call `run_week`, print what happened.

The clock: the hidden option `--now 2026-11-23T07:00:00+00:00` fixes it (the tests use it
to decide "last week"). The exit codes are `WeekRun.exit_code` (see `linkratio.weekly.run`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, TextIO

import linkratio.cli.options as options
from linkratio.weekly.run import DEFAULT_OUT, LOCK_WAIT

if TYPE_CHECKING:
    from linkratio.model import Destination
    from linkratio.store import Library, Reread
    from linkratio.weekly.catchup import MissedWeeks
    from linkratio.weekly.run import WeekRun

    Sender = Callable[[date, list[Destination], bool, str | None], WeekRun]


def register(sub: options.SubParsers) -> None:
    """Add the `weekly` command."""
    p = options.command(sub, "weekly", weekly)
    options.add_account(p)
    p.add_argument("--sync", action="store_true", help="fetch new posts first")
    p.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="this complete ISO week instead of the last one (and only it: no missed weeks)",
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"output folder (default: ./{DEFAULT_OUT})",
    )
    _add_destinations(p)
    p.add_argument("--force", action="store_true", help="deliver again what was delivered")
    options.add_run(p, quiet="print nothing on success", wait=LOCK_WAIT)
    options.add_clock(p)


def _add_destinations(p: argparse.ArgumentParser) -> None:
    """--email, --webhook, --webhook-env and --webhook-format."""
    p.add_argument(
        "--email",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="mail it to ADDRESS (repeatable; without --email/--webhook*: the weekly.email "
        "and weekly.webhook settings)",
    )
    p.add_argument(
        "--webhook",
        action="append",
        default=[],
        metavar="URL",
        help="post it to URL (repeatable; prefer --webhook-env: a URL is a secret)",
    )
    p.add_argument(
        "--webhook-env",
        action="append",
        default=[],
        metavar="VAR",
        help="post it to the URL in $VAR (repeatable)",
    )
    p.add_argument(
        "--webhook-format",
        choices=("slack", "discord", "json"),
        help="webhook body (default: discord for Discord URLs, else slack)",
    )


def weekly(args: argparse.Namespace, out: TextIO) -> int:
    """Summarize the last complete ISO week (Monday to Sunday, in --tz) against the week before and
    the 8 weeks before: posts, talk share, talk-to-link, talk-only days, streak, new sites,
    people, fading ties, challenge days and a nudge. Writes DIR/linkratio-YYYY-Www.md/.html/.png
    and delivers by email and/or webhook, once per destination and week. Without --week, the
    weeks a destination missed since its last delivery (at most 3) are sent first. Exit 0
    delivered, 1 partial or stale, 2 bad input or every destination refused for good (fix a
    setting), 75 try later: the worst of the weeks sent.

    examples:
      linkratio weekly @marenbuilds --out ~/weekly
      linkratio weekly @marenbuilds --sync --email me@example.org --quiet
      linkratio weekly bsky:alice.bsky.social --sync --out ~/weekly
      linkratio weekly mastodon:@alice@example.social --sync --out ~/weekly
      linkratio weekly @marenbuilds --week 2026-W47 --webhook-env SLACK_WEBHOOK
    """
    from linkratio.weekly.catchup import MissedWeeks, failed_for_now, missed_weeks, worst_exit
    from linkratio.weekly.run import check_inputs, destinations

    now = options.now_of(args)
    dests = destinations(args.email, args.webhook, args.webhook_env)
    monday = check_inputs(dests, args.week, tz=args.tz, now=now)
    with options.library(args) as lib:
        # A week a run could not deliver is sent by the next default run, oldest first.
        missed = MissedWeeks() if args.week else missed_weeks(lib, args.account, dests, monday)
        _say_left_out(missed, args.account)
        send = _sender(lib, args, now)
        codes: list[int] = []
        held: set[str] = set()  # failed for now: their later weeks wait for the next run
        sync_error: str | None = None  # one sync, with the first week sent
        for week in missed.weeks:
            to = [d for d in week.destinations if d.key not in held]
            if to:
                run = send(week.monday, to, args.sync and not codes, sync_error)
                _print(run, args.quiet, out, missed=True)
                held |= failed_for_now(run)
                codes.append(run.exit_code)
                sync_error = run.sync_error
        to = [d for d in dests if d.key not in held]
        run = send(monday, to, args.sync and not codes, sync_error)
    _print(run, args.quiet, out, synced=args.sync)
    return worst_exit([*codes, run.exit_code])


def _sender(lib: Library, args: argparse.Namespace, now: datetime) -> Sender:
    """`run_week` with the command's options, given a week, its destinations and its sync."""
    from linkratio.cli.progress import SafeWaiter as Waiter
    from linkratio.weekly.run import run_week

    def send(week: date, to: list[Destination], sync: bool, failed: str | None) -> WeekRun:
        return run_week(
            lib,
            args.account,
            week=week,
            tz=args.tz,
            destinations=to,
            sync=sync,
            sync_failed=failed,  # a failed sync makes each later week stale too
            force=args.force,
            now=now,
            out_dir=args.out,
            waiter=Waiter(args.quiet, sys.stderr),  # the current stderr, not the one at import
            webhook_format=args.webhook_format,
            wait=args.wait,
            on_reread=_say_reread,  # said at once: whatever happens after, it was done
            on_lock_wait=None if args.quiet else _say_lock_wait(args.wait),
        )

    return send


def _say_left_out(missed: MissedWeeks, account: str) -> None:
    """The warning naming the missed weeks too old to be sent now: said even with --quiet."""
    from linkratio.render.escape import terminal_safe
    from linkratio.weekly.catchup import CATCH_UP

    if missed.left_out is None:
        return
    first, last = missed.left_out
    who = terminal_safe(", ".join(missed.left_out_by))
    sys.stderr.write(
        f"linkratio: warning: {missed.left_out_text} never reached {who}: "
        f"{'it is' if first == last else 'they are'} "
        f"older than the {CATCH_UP} missed weeks a run sends; send each with "
        f"'linkratio weekly {terminal_safe(account)} --week YYYY-Www'\n"
    )


def _say_lock_wait(wait: float) -> Callable[[str], None]:
    """The line said when another run holds the library: a cron log shows why the run was slow."""
    from linkratio.render.escape import terminal_safe

    def say(holder: str) -> None:
        by = f" by {terminal_safe(holder)}" if holder else ""
        sys.stderr.write(
            f"linkratio: the library is in use{by}: waiting for the library lock "
            f"(at most {wait:g} s)\n"
        )
        sys.stderr.flush()

    return say


def _say_reread(account: str, done: Reread) -> None:
    """The line about a re-read: it changed the library unasked, so said even with --quiet."""
    from linkratio.render.escape import terminal_safe
    from linkratio.wording import counted

    sys.stderr.write(
        f"linkratio: re-read {counted(done.read, 'post')} of {terminal_safe(account)} "
        f"that an older linkratio read: {done.changed:,} changed"
        + (f", {done.failures:,} could not be read" if done.failures else "")
        + "\n"
    )


def _said(text: str) -> str:
    """A failure's text as `cli.app` shows errors: a server may quote a secret."""
    from linkratio.net.redact import REDACTOR
    from linkratio.render.escape import terminal_safe

    return terminal_safe(REDACTOR.mask(text))


def _warn(run: WeekRun, synced: bool) -> None:
    """The warning of a failed sync or of stale data (exit 1: the line says why, cron logs it)."""
    if run.sync_error is not None:
        sys.stderr.write(
            f"linkratio: warning: --sync failed: {_said(run.sync_error)}; "
            "the summary uses the stored posts\n"
        )
    elif run.stale is not None:
        # After a sync that worked, asking for one is no help: the account posted nothing.
        todo = (
            "the sync found no newer posts"
            if synced
            else "run 'linkratio weekly --sync' or 'linkratio fetch' to bring new posts"
        )
        sys.stderr.write(f"linkratio: warning: {_said(run.stale)}: {todo}\n")


def _print(
    run: WeekRun, quiet: bool, out: TextIO, synced: bool = False, missed: bool = False
) -> None:
    """What became of a week; a `missed` one (sent before the run's own) says so, and its
    warnings are left to the run's own week."""
    from linkratio.render.escape import terminal_safe

    if not missed:
        _warn(run, synced)
    if not quiet:
        who = terminal_safe(run.account)
        where = terminal_safe(str(run.files.html))  # --out may name any folder
        late = " (missed, sent now)" if missed else ""
        out.write(f"week {run.week} of {who}{late}: {where} (.md, .png beside it)\n")
    for d in run.deliveries:
        if d.status == "skipped" and not quiet:
            out.write(f"already delivered to {d.label}: skipped (--force sends again)\n")
    for d in run.deliveries:
        if d.refused:  # no later run sends it: the line says how to, once mended
            week = f"week {run.week}: " if missed else ""
            error = f"{week}{_said(d.error or d.label)}; refused for good: no later run sends "
            sys.stderr.write(f"linkratio: error: {error}week {run.week} (--week does)\n")
        elif d.failed and missed:
            later = (
                "; the next run sends it and the weeks after it"
                if d.status == "failed-temporary"
                else f"; once mended, send it with --week {run.week}"
            )
            error = f"week {run.week}: {_said(d.error or d.label)}{later}"
            sys.stderr.write(f"linkratio: error: {error}\n")
        elif d.failed:
            sys.stderr.write(f"linkratio: error: {_said(d.error or d.label)}\n")
        elif d.status == "delivered" and not quiet:
            out.write(f"delivered to {d.label}\n")
