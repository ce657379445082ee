"""The `linkratio schedule` command: print (or install) the jobs that run `weekly`."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

import linkratio.cli.options as options

EXIT_NOT_ENABLED = 1


def register(sub: options.SubParsers) -> None:
    """Add `linkratio schedule`."""
    from linkratio.weekly.schedule import default_out

    p = options.command(sub, "schedule", schedule)
    _add_account(p)
    p.add_argument(
        "--email", action="append", default=[], metavar="ADDRESS", help="mail it (repeatable)"
    )
    p.add_argument(
        "--webhook-env",
        action=options.Once,
        metavar="VAR",
        help="post to the URL in $VAR at run time (once)",
    )
    p.add_argument(
        "--at", default="07:00", metavar="HH:MM", help="time of day in --tz (default 07:00)"
    )
    p.add_argument("--weekday", default="mon", metavar="DAY", help="mon..sun (default mon)")
    p.add_argument(
        "--out", metavar="DIR", help=f"where the runs write their files (default: {default_out()})"
    )
    p.add_argument("--no-sync", action="store_true", help="summarize without fetching first")
    p.add_argument("--install", action="store_true", help="install and enable the systemd pair")
    options.add_db(p)
    options.add_quiet(p, help="no warnings")
    options.add_clock(p)


def _add_account(p: argparse.ArgumentParser) -> None:
    """ACCOUNT, or --account NAME as with challenge (the error for many accounts names it)."""
    p.add_argument(
        "account", nargs="?", metavar="ACCOUNT", help="the account (default: the only one)"
    )
    p.add_argument(
        "--account",
        dest="account_option",
        metavar="NAME",
        help="the account, as with challenge and weekly (the same as ACCOUNT)",
    )


def schedule(args: argparse.Namespace, out: TextIO) -> int:
    """Print a crontab line and a systemd user service/timer pair that run 'linkratio weekly --sync'
    with absolute paths; --install writes the pair into $XDG_CONFIG_HOME/systemd/user and enables
    the timer. Secrets stay in the config file or an environment file, never in these lines: cron
    and systemd do not see your shell's environment, so keep tokens and SMTP settings in the
    config file.

    examples:
      linkratio schedule @marenbuilds --email me@example.org
      linkratio schedule @marenbuilds --webhook-env SLACK_WEBHOOK --weekday mon --at 07:30
      linkratio schedule --install
    """
    from linkratio.errors import InputError
    from linkratio.render.escape import terminal_safe
    from linkratio.weekly import schedule as jobs

    if args.account and args.account_option and args.account != args.account_option:
        raise InputError("name the account once: ACCOUNT or --account, not two different ones")
    plan, warnings = jobs.plan_job(
        args.account or args.account_option,
        db=args.db,
        emails=args.email,
        webhook_env=args.webhook_env,
        at=args.at,
        weekday=args.weekday,
        tz=args.tz,
        out=args.out,
        sync=not args.no_sync,
        now=options.now_of(args),
    )
    for warning in [] if args.quiet else warnings:
        sys.stderr.write(f"linkratio: warning: {terminal_safe(warning)}\n")
    if plan.log is not None:
        plan.log.parent.mkdir(parents=True, exist_ok=True)
    if plan.env_file is not None:
        out.write(f"# put {args.webhook_env}='https://...' into {plan.env_file} (chmod 600)\n")
    out.write(f"# crontab (crontab -e):\n{jobs.crontab_line(plan)}\n\n")
    out.write(f"# {jobs.SERVICE}\n{jobs.service_unit(plan)}\n")
    out.write(f"# {jobs.TIMER}\n{jobs.timer_unit(plan)}")
    out.write(f"# {jobs.LINGER}\n")
    if not args.install:
        return options.EXIT_OK
    done = jobs.install(plan, jobs.unit_dir(), jobs.run_systemctl)
    out.write(f"\ninstalled {done.service} and {done.timer}\n{done.note}\n")
    return options.EXIT_OK if done.enabled or done.missing else EXIT_NOT_ENABLED
