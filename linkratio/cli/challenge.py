"""The `linkratio challenge` and `linkratio schedule` commands (registered by `cli_weekly`)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from linkratio import config
from linkratio.accounts import account_name
from linkratio.accounts import find as find_account
from linkratio.cli import EXIT_OK, _date, _library
from linkratio.cli.weekly import add_common, now_of
from linkratio.errors import InputError
from linkratio.model import Account

if TYPE_CHECKING:
    from linkratio.store import Library
    from linkratio.weekly.schedule import Plan

EXIT_NOT_ENABLED = 1
REACH = timedelta(days=366)
"""How far from today a challenge day may be set, either way."""


def register_challenge(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    """Add `linkratio challenge set|status`."""
    p = sub.add_parser(
        "challenge",
        help="set a talk-only-day challenge, or see how it went",
        description="Record a day of only talking (a DATE, or --suggest: the next day on the "
        "weekday whose last 8 weeks came closest to talk-only), or show each challenge day: "
        "talk-only or not, and the posts that broke it. A day is a local day in --tz when "
        "it is set; status judges each day in the zone it was set in.",
        epilog="examples:\n  linkratio challenge set --suggest\n"
        "  linkratio challenge set 2026-12-02 --account @marenbuilds\n"
        "  linkratio challenge status",
        formatter_class=fmt,
    )
    p.add_argument("action", choices=("set", "status"))
    p.add_argument("date", nargs="?", type=_date, metavar="DATE", help="the day (YYYY-MM-DD)")
    p.add_argument("--suggest", action="store_true", help="pick the day from your history")
    p.add_argument("--account", metavar="NAME", help="the account (default: the only one)")
    add_common(p)
    p.set_defaults(func=_cmd_challenge)


def register_schedule(sub: argparse._SubParsersAction, fmt: type[argparse.HelpFormatter]) -> None:
    """Add `linkratio schedule`."""
    from linkratio.weekly.schedule import default_out

    p = sub.add_parser(
        "schedule",
        help="print (or install) a crontab line and a systemd timer for the weekly summary",
        description="Print a crontab line and a systemd user service/timer pair that run "
        "'linkratio weekly --sync' with absolute paths; --install writes the pair into "
        "$XDG_CONFIG_HOME/systemd/user and enables the timer. Secrets stay in the config "
        "file or an environment file, never in these lines: cron and systemd do not see "
        "your shell's environment, so keep tokens and SMTP settings in the config file.",
        epilog="examples:\n  linkratio schedule @marenbuilds --email me@example.org\n"
        "  linkratio schedule @marenbuilds --webhook-env SLACK_WEBHOOK --weekday mon --at 07:30"
        "\n  linkratio schedule --install",
        formatter_class=fmt,
    )
    p.add_argument("account", nargs="?", metavar="ACCOUNT", help="default: the only account")
    p.add_argument(
        "--email", action="append", default=[], metavar="ADDRESS", help="mail it (repeatable)"
    )
    p.add_argument("--webhook-env", metavar="VAR", help="post to the URL in $VAR at run time")
    p.add_argument("--at", default="07:00", metavar="HH:MM", help="time of day (default 07:00)")
    p.add_argument("--weekday", default="mon", metavar="DAY", help="mon..sun (default mon)")
    p.add_argument(
        "--out", metavar="DIR", help=f"where the runs write their files (default: {default_out()})"
    )
    p.add_argument("--no-sync", action="store_true", help="summarize without fetching first")
    p.add_argument("--install", action="store_true", help="install and enable the systemd pair")
    add_common(p)
    p.set_defaults(func=_cmd_schedule)


# -- challenge ---------------------------------------------------------------------------


def only_account(lib: Library, name: str | None) -> Account:
    """The account `name`, or the library's only account; InputError listing them otherwise."""
    if name:
        return find_account(lib, name)
    rows = lib.accounts()
    if len(rows) == 1:
        return Account(rows[0].platform, rows[0].id, rows[0].handle)
    names = ", ".join(account_name(Account(r.platform, r.id, r.handle)) for r in rows)
    raise InputError(
        f"the library {lib.path} holds {len(rows)} accounts"
        + (f" ({names}): name one with --account" if rows else ": import or fetch one first")
    )


def _cmd_challenge(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.analysis import resolve_zone

    if args.action == "status" and (args.date or args.suggest or args.tz):
        raise InputError(
            "challenge status takes no DATE, --suggest or --tz: each day is shown in the zone "
            "it was set in"
        )
    zone, zone_name = resolve_zone(args.tz)
    today = now_of(args).astimezone(zone).date()
    with _library(args) as lib:
        account = only_account(lib, args.account)
        if args.action == "set":
            return _challenge_set(lib, account, args, today, zone_name, out)
        return _challenge_status(lib, account, args, out)


def _challenge_set(
    lib: Library,
    account: Account,
    args: argparse.Namespace,
    today: date,
    zone_name: str,
    out: TextIO,
) -> int:
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.challenge import suggest_day
    from linkratio.store.weekly import add_challenge

    if bool(args.date) == bool(args.suggest):
        raise InputError("challenge set needs a DATE (YYYY-MM-DD) or --suggest, not both")
    why = ""
    day = args.date
    if args.suggest:
        frame = lib.frame(account.platform, account.id or "")
        suggestion = suggest_day(frame, resolve_zone(zone_name)[0], today)
        day, why = suggestion.day, suggestion.reason
    if abs(day - today) > REACH:
        raise InputError(
            f"challenge day {day} is more than a year from today ({today}): "
            "expected a day within a year"
        )
    added = add_challenge(lib, account, day, zone_name, now=now_of(args))
    state = "set" if added else "was already set"
    out.write(
        f"challenge {state}: {day} ({day:%A}), a day of only talking for {account_name(account)}"
    )
    out.write(f" (days in {zone_name})\n")
    if why:
        out.write(f"why: {why}\n")
    return EXIT_OK


def _challenge_status(lib: Library, account: Account, args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.analysis import resolve_zone
    from linkratio.analysis.challenge import outcome
    from linkratio.render.text import terminal_safe
    from linkratio.store.weekly import challenges

    rows = challenges(lib, account)
    if not rows:
        out.write("no challenge set yet: try 'linkratio challenge set --suggest'\n")
        return EXIT_OK
    frame = lib.frame(account.platform, account.id or "")
    for day, zone_name in rows:
        zone = resolve_zone(zone_name)[0]
        result = outcome(frame, day, zone, now_of(args).astimezone(zone).date())
        out.write(f"{day} {day:%a}  {result.status}")
        if result.posts and result.status != "not yet":
            plural = "s" * (result.posts != 1)
            out.write(f" ({result.posts} post{plural}, {result.conversation} talking)")
        out.write("\n")
        for b in result.breakers:
            text = " ".join(b.text.split())
            text = text if len(text) <= 70 else text[:69] + "…"
            when = b.created_at.astimezone(zone).strftime("%H:%M")
            kind = f"{b.category}/{b.kind}"
            out.write(f"    {when}  {kind:<16} {terminal_safe(text)}\n")
    return EXIT_OK


# -- schedule ----------------------------------------------------------------------------


def _warn(text: str) -> None:
    sys.stderr.write(f"linkratio: warning: {text}\n")


def _env_only(keys: tuple[str, ...]) -> list[str]:
    """The variables of `keys` set in this shell but not in the config file."""
    names = []
    for key in keys:
        env = config.KEYS[key]
        if config.get(key) and not config.in_file(key):
            names.append(env)
    return names


def _check_setup(account: Account, args: argparse.Namespace) -> None:
    """Warn about what the scheduled job will lack: cron and systemd have no shell env."""
    later = "cron and systemd will not have it: store it with 'linkratio config set KEY'"
    if args.email or config.in_file("weekly.email"):
        smtp = ("smtp.host", "smtp.port", "smtp.user", "smtp.password", "smtp.sender", "smtp.tls")
        for name in _env_only(smtp):
            _warn(f"{name} is set only in this shell's environment: {later}")
        for key in ("smtp.host", "smtp.sender"):
            if not config.get(key):
                _warn(f"email needs {key}: 'linkratio config set {key}'")
    if not args.no_sync and account.platform in ("x", "mastodon"):
        keys = tuple(k for k in config.KEYS if k.startswith(f"{account.platform}."))
        for name in _env_only(keys):
            _warn(f"{name} is set only in this shell's environment: {later}")
    has_config_dest = config.in_file("weekly.email") or config.in_file("weekly.webhook")
    if not (args.email or args.webhook_env or has_config_dest):
        _warn(
            "the job has no destination: it will only write files; add --email or "
            "--webhook-env, or set weekly.email / weekly.webhook in the config file"
        )


def _plan(args: argparse.Namespace) -> Plan:
    """The checked plan: a library account, a known zone, valid addresses and times."""
    from linkratio.analysis import resolve_zone
    from linkratio.weekly import schedule
    from linkratio.weekly.deliver import email_destination

    for address in args.email:
        email_destination(address)
    at, weekday = schedule.parse_at(args.at), schedule.parse_weekday(args.weekday)
    _, zone_name = resolve_zone(args.tz)  # the job runs in the zone asked for now
    with _library(args) as lib:
        account = only_account(lib, args.account)
    _check_setup(account, args)
    return schedule.make_plan(
        args.account or account_name(account),
        weekday=weekday,
        at=at,
        emails=args.email,
        webhook_env=args.webhook_env,
        tz=zone_name,
        db=Path(args.db) if args.db else None,
        out=Path(args.out) if args.out else None,
        sync=not args.no_sync,
    )


def _cmd_schedule(args: argparse.Namespace, out: TextIO) -> int:
    from linkratio.weekly import schedule

    plan = _plan(args)
    if plan.log is not None:
        plan.log.parent.mkdir(parents=True, exist_ok=True)
    if plan.env_file is not None:
        out.write(f"# put {args.webhook_env}='https://...' into {plan.env_file} (chmod 600)\n")
    out.write(f"# crontab (crontab -e):\n{schedule.crontab_line(plan)}\n\n")
    out.write(f"# {schedule.SERVICE}\n{schedule.service_unit(plan)}\n")
    out.write(f"# {schedule.TIMER}\n{schedule.timer_unit(plan)}")
    out.write(f"# {schedule.LINGER}\n")
    if not args.install:
        return EXIT_OK
    done = schedule.install(plan, schedule.unit_dir(), schedule.run_systemctl)
    out.write(f"\ninstalled {done.service} and {done.timer}\n{done.note}\n")
    return EXIT_OK if done.enabled or done.missing else EXIT_NOT_ENABLED
