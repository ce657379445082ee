"""The `linkratio weekly` command: parse, summarize, deliver, report, exit code.

The `challenge` and `schedule` commands live in `cli_challenge`; `register` adds all three.

The clock: every command reads the current time through `now_of(args)`; the hidden option
`--now 2026-11-23T07:00:00+00:00` fixes it (the tests use it to decide "last week").

Exit codes of `weekly`: 0 every destination delivered (or only files written), 1 partial
(some destinations failed, or `--sync` failed so the data may be stale), 2 bad input or
every destination failed for good (a refused login, a 4xx webhook answer, an untrusted
certificate: a setting to fix), 75 try again later (the library is busy, or every
destination failed for now: no connection, SMTP 4xx, webhook 5xx/timeouts).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from linkratio import config
from linkratio.accounts import account_name
from linkratio.accounts import find as find_account
from linkratio.cli import EXIT_OK, _add_db, _library
from linkratio.errors import DeliveryError, DeliveryUnavailable, InputError, LinkratioError
from linkratio.model import Account

if TYPE_CHECKING:
    from linkratio.analysis.weekly import WeekSummary
    from linkratio.render.weekly import WeeklyFiles
    from linkratio.store import Library
    from linkratio.weekly.deliver import Destination

EXIT_PARTIAL = 1
EXIT_BAD = 2
EXIT_TEMPFAIL = 75
DEFAULT_OUT = "linkratio-weekly"


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid time {value!r}: expected ISO 8601") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def seconds(value: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise argparse.ArgumentTypeError(f"invalid wait {value!r}: expected seconds, 0 or more")
    return number


def now_of(args: argparse.Namespace) -> datetime:
    """The current time (aware UTC), or the hidden `--now` the tests fix it with."""
    return getattr(args, "now", None) or datetime.now(UTC)


def add_common(p: argparse.ArgumentParser, tz: bool = True) -> None:
    """The options every command here has: --db, --tz and the hidden --now."""
    _add_db(p)
    if tz:
        p.add_argument("--tz", metavar="ZONE", help="IANA time zone for days (default: system)")
    p.add_argument("--now", type=_instant, help=argparse.SUPPRESS)


def register(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    """Add the weekly, challenge and schedule commands to the `linkratio` parser."""
    from linkratio.cli.challenge import register_challenge, register_schedule

    _register_weekly(sub, fmt)
    register_challenge(sub, fmt)
    register_schedule(sub, fmt)


def _register_weekly(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser(
        "weekly",
        help="write and deliver the weekly summary (for cron)",
        description="Summarize the last complete ISO week (Monday to Sunday, in --tz) against "
        "the week before and the 8 weeks before: posts, talk share, talk-to-link, talk-only "
        "days, streak, new sites, people, fading ties, challenge days and a nudge. Writes "
        "DIR/linkratio-YYYY-Www.md/.html/.png and delivers by email and/or webhook, once per "
        "destination and week. Exit 0 delivered, 1 partial or stale, 2 bad input or every "
        "destination refused for good (fix a setting), 75 try later.",
        epilog="examples:\n  linkratio weekly @marenbuilds --out ~/weekly\n"
        "  linkratio weekly @marenbuilds --sync --email me@example.org --quiet\n"
        "  linkratio weekly @marenbuilds --week 2026-W47 --webhook-env SLACK_WEBHOOK",
        formatter_class=fmt,
    )
    p.add_argument("account", metavar="ACCOUNT", help="an account in the library (@handle)")
    p.add_argument("--sync", action="store_true", help="fetch new posts first")
    p.add_argument(
        "--week", metavar="YYYY-Www", help="this complete ISO week instead of the last one"
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"output folder (default: ./{DEFAULT_OUT})",
    )
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
    p.add_argument("--webhook-env", metavar="VAR", help="post it to the URL in $VAR")
    p.add_argument(
        "--webhook-format",
        choices=("slack", "discord", "json"),
        help="webhook body (default: discord for Discord URLs, else slack)",
    )
    p.add_argument("--force", action="store_true", help="deliver again what was delivered")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    p.add_argument(
        "--wait",
        type=seconds,
        default=5.0,
        metavar="SECONDS",
        help="if another run holds the library, wait this long (default 5), then exit 75",
    )
    add_common(p)
    p.set_defaults(func=_cmd_weekly)


def _destinations(args: argparse.Namespace) -> list[Destination]:
    """The destinations of this run, checked before any work: InputError for a bad one."""
    from linkratio.weekly.deliver import email_destination, webhook_destination

    emails, hooks = list(args.email), list(args.webhook)
    if args.webhook_env:
        url = os.environ.get(args.webhook_env)
        if not url:
            raise InputError(f"--webhook-env {args.webhook_env}: that variable is not set")
        hooks.append(url)
    if not (emails or hooks):
        # What `linkratio schedule` relies on: destinations kept in the config file.
        emails = [e for e in (config.get("weekly.email") or "").split(",") if e.strip()]
        hooks = [config.get("weekly.webhook") or ""] if config.get("weekly.webhook") else []
    dests = [email_destination(e) for e in emails] + [webhook_destination(h) for h in hooks]
    return list({d.key: d for d in dests}.values())


def _stale(lib: Library, account: Account, args: argparse.Namespace) -> str | None:
    """Sync the account; on failure warn in one line and say why the data may be stale."""
    from linkratio.net.waiting import Waiter
    from linkratio.render.text import terminal_safe
    from linkratio.store.weekly import last_sync
    from linkratio.sync import refresh

    try:
        refresh(lib, account, waiter=Waiter(args.quiet))
        return None
    except LinkratioError as exc:
        when = last_sync(lib, account)
        since = f"last sync {when:%Y-%m-%d %H:%M} UTC" if when else "never synced"
        sys.stderr.write(
            f"linkratio: warning: --sync failed: {terminal_safe(str(exc))}; "
            "the summary uses the stored posts\n"
        )
        return f"data may be stale ({since})"


def _deliver(
    ws: WeekSummary, files: WeeklyFiles, dest: Destination, args: argparse.Namespace
) -> None:
    from linkratio.net.waiting import Waiter
    from linkratio.render import weekly as weekly_render
    from linkratio.weekly import deliver

    if dest.kind == "email":
        settings = deliver.smtp_settings()
        msg = deliver.build_email(
            weekly_render.subject(ws),
            settings.sender,
            dest.target,
            weekly_render.render_text(ws),
            lambda src: weekly_render.render_html(ws, src),
            files.png,
            now=now_of(args),
        )
        deliver.send_email(settings, msg)
        return
    payloads = {
        "slack": weekly_render.slack_payload,
        "discord": weekly_render.discord_payload,
        "json": weekly_render.json_payload,
    }
    body = payloads[deliver.webhook_format(dest, args.webhook_format)](ws)
    waiter = Waiter(args.quiet, sys.stderr)  # the current stderr, not the one at import
    deliver.post_webhook(dest, body, on_wait=waiter.on_wait, sleep=waiter.sleep)


def _week(args: argparse.Namespace) -> date:
    """The Monday of the week to summarize: `--week` if complete, else the last one."""
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.weekly import last_complete_week, parse_week, week_label

    zone, _ = resolve_zone(args.tz)
    now = now_of(args)
    if not args.week:
        return last_complete_week(now, zone)
    monday = parse_week(args.week)
    sunday = monday + timedelta(days=6)
    if sunday >= now.astimezone(zone).date():
        # Summarized now, it would be delivered and recorded half-done: the run after
        # its end would then skip it as already delivered.
        raise InputError(f"week {week_label(monday)} ends {sunday}: not complete yet")
    return monday


def _cmd_weekly(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.weekly.deliver import smtp_settings

    dests = _destinations(args)
    if any(d.kind == "email" for d in dests):
        smtp_settings()  # a missing smtp.host is bad input: say so before any work
    monday = _week(args)
    with _library(args) as lib, lib.run_lock(f"weekly {args.account}", wait=args.wait):
        account = find_account(lib, args.account)
        stale = _stale(lib, account, args) if args.sync else None
        ws, files = _summary(lib, account, monday, args, stale)
        code = _deliver_all(lib, account, ws, files, dests, args, out)
    return EXIT_PARTIAL if stale and code == EXIT_OK else code


def _summary(
    lib: Library, account: Account, monday: date, args: argparse.Namespace, stale: str | None
) -> tuple[WeekSummary, WeeklyFiles]:
    from linkratio.analysis.weekly import build_week
    from linkratio.render.weekly import write_files
    from linkratio.store.weekly import challenges

    frame = lib.frame(account.platform, account.id or "")
    ws = build_week(
        frame,
        monday,
        tz=args.tz,
        account=account_name(account),
        # Each challenge day with the zone it was set in: judged in that zone.
        challenge_days=challenges(lib, account, monday, monday + timedelta(days=6)),
        now=now_of(args),
        stale=stale,
    )
    return ws, write_files(ws, Path(args.out).expanduser())


def _try(ws: WeekSummary, files: WeeklyFiles, dest: Destination, args: argparse.Namespace) -> None:
    """Deliver to one destination; whatever goes wrong becomes a DeliveryError."""
    try:
        _deliver(ws, files, dest, args)
    except DeliveryError:
        raise
    except LinkratioError as exc:  # e.g. a setting that turned bad: permanent
        raise DeliveryError(str(exc)) from None
    except (OSError, ValueError) as exc:  # a safety net: one destination never stops the rest
        raise DeliveryError(f"{dest.label}: failed ({type(exc).__name__})") from None


def _deliver_all(
    lib: Library,
    account: Account,
    ws: WeekSummary,
    files: WeeklyFiles,
    dests: list[Destination],
    args: argparse.Namespace,
    out: TextIO,
) -> int:
    """Send to every destination not yet served; record each success; return the exit code."""
    from linkratio.render.text import terminal_safe
    from linkratio.store.weekly import delivered, record_delivery

    say = (lambda line: None) if args.quiet else (lambda line: out.write(line + "\n"))
    say(f"week {ws.week} of {terminal_safe(ws.account)}: {files.html} (.md, .png beside it)")
    done = set() if args.force else delivered(lib, account, ws.week)
    pending = [d for d in dests if d.key not in done]
    for dest in dests:
        if dest.key in done:
            say(f"already delivered to {dest.label}: skipped (--force sends again)")
    failed: list[DeliveryError] = []
    for dest in pending:
        try:
            _try(ws, files, dest, args)
        except DeliveryError as exc:
            failed.append(exc)
            sys.stderr.write(f"linkratio: error: {terminal_safe(str(exc))}\n")
            continue
        record_delivery(lib, account, ws.week, dest.key, now=now_of(args))
        say(f"delivered to {dest.label}")
    return _exit_code(failed, len(pending))


def _exit_code(failed: list[DeliveryError], tried: int) -> int:
    """0 when nothing failed; when all tried failed: 75 all for now, 2 all for good; else 1."""
    if not failed:
        return EXIT_OK
    if len(failed) == tried:
        if all(isinstance(e, DeliveryUnavailable) for e in failed):
            return EXIT_TEMPFAIL
        if not any(isinstance(e, DeliveryUnavailable) for e in failed):
            return EXIT_BAD
    return EXIT_PARTIAL
