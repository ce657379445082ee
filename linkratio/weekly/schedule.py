"""Run the weekly summary by itself: a crontab line and a systemd user timer/service pair.

Everything is written with absolute paths (the Python running linkratio, the library and
config files), so neither cron nor systemd needs a PATH. Secrets are never written into
these files: the webhook URL and the SMTP password are read at run time from the config
file, or from an environment file that only the user can read.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path

import platformdirs

from linkratio.errors import InputError
from linkratio.render.escape import url_hosts
from linkratio.render.files import write_atomic

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""`--weekday` values, Monday first."""
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SERVICE = "linkratio-weekly.service"
TIMER = "linkratio-weekly.timer"
_PASSED_ON = ("LINKRATIO_DB", "LINKRATIO_CONFIG")
LINGER = (
    "systemd runs user timers only while you are logged in; to run it anyway: "
    "loginctl enable-linger $USER"
)
"""The note printed with the systemd pair."""


@dataclass(frozen=True)
class Plan:
    """What to run and when."""

    command: tuple[str, ...]
    """The argv of the weekly run, absolute paths."""
    weekday: str
    at: time
    env: dict[str, str] = field(default_factory=dict)
    """Variables the run needs (LINKRATIO_DB, LINKRATIO_CONFIG when set)."""
    env_file: Path | None = None
    """A private file of VAR=value lines read at run time (for --webhook-env)."""
    log: Path | None = None
    """Where cron appends the run's output."""
    zone: str | None = None
    """The IANA zone `weekday` and `at` are in (`--tz`); None: the machine's clock."""


def parse_at(text: str) -> time:
    """`HH:MM` as a time; InputError otherwise."""
    try:
        hours, minutes = (int(part) for part in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise InputError(f"invalid time {text!r}: expected HH:MM such as 07:30") from None


def parse_weekday(text: str) -> str:
    """`mon`..`sun` from a day name (`mon`, `Monday`); InputError for anything else."""
    day = text.strip().lower()
    for short, full in zip(WEEKDAYS, _FULL_DAYS, strict=True):
        if day in (short, full):
            return short
    raise InputError(f"invalid weekday {text!r}: expected one of {', '.join(WEEKDAYS)}")


def default_out() -> Path:
    """Where scheduled runs write their files: the user data folder, `weekly` in it."""
    return platformdirs.user_data_path("linkratio", appauthor=False) / "weekly"


def make_plan(
    account: str,
    *,
    weekday: str = "mon",
    at: time = time(7, 0),
    emails: Sequence[str] = (),
    webhook_env: str | None = None,
    tz: str | None = None,
    db: Path | None = None,
    out: Path | None = None,
    sync: bool = True,
    environ: Mapping[str, str] = os.environ,
    python: str = sys.executable,
) -> Plan:
    """The weekly run of `account`: `python -m linkratio weekly ACCOUNT --quiet --sync ...`.

    Every path in it is absolute (`out` defaults to `default_out()`): cron and systemd
    start in another folder than the one `schedule` ran in.
    """
    weekday = parse_weekday(weekday)
    if webhook_env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", webhook_env):
        shown = url_hosts(webhook_env)  # a URL given by mistake: its token stays hidden
        raise InputError(f"invalid variable name {shown!r}: expected e.g. SLACK_WEBHOOK")
    command = [str(Path(python).absolute()), "-m", "linkratio", "weekly", account, "--quiet"]
    if sync:
        command.append("--sync")
    command += ["--out", str((out or default_out()).expanduser().absolute())]
    for address in emails:
        command += ["--email", address]
    if webhook_env:
        command += ["--webhook-env", webhook_env]
    if tz:
        command += ["--tz", tz]
    env = {k: str(Path(environ[k]).expanduser().absolute()) for k in _PASSED_ON if environ.get(k)}
    if db is not None:
        env["LINKRATIO_DB"] = str(db.expanduser().absolute())
    # Folders moved by XDG_DATA_HOME / XDG_CONFIG_HOME in this shell are not cron's or
    # systemd's: the library and the config file are named as this shell finds them.
    for name, xdg, file in (
        ("LINKRATIO_DB", "XDG_DATA_HOME", "library.sqlite"),
        ("LINKRATIO_CONFIG", "XDG_CONFIG_HOME", "config.toml"),
    ):
        if name not in env and environ.get(xdg, "").strip():
            env[name] = str(Path(environ[xdg]).expanduser().absolute() / "linkratio" / file)
    state = platformdirs.user_state_path("linkratio", appauthor=False)
    env_file = _config_dir(environ) / "linkratio" / "weekly.env" if webhook_env else None
    log = state / "weekly.log"
    for text in (*command, *env.values(), str(env_file or ""), str(log)):
        _one_line(text)
    return Plan(tuple(command), weekday, at, env, env_file, log, tz)


def _one_line(text: str) -> None:
    """InputError when `text` holds a control or line-break character: in a crontab line
    or a unit file it would end the line and start one of its own (an account's handle
    comes from the data)."""
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in text):
        raise InputError(
            f"{text!r} holds a control character: it cannot go into a crontab line or a "
            "systemd unit"
        )


def _config_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def unit_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where systemd looks for the user's units: `$XDG_CONFIG_HOME/systemd/user`."""
    return _config_dir(environ) / "systemd" / "user"


def crontab_line(plan: Plan) -> str:
    """One crontab line: the run with its environment, output appended to the log."""
    # cron turns an unescaped % into a newline.
    parts = [f"{k}={shlex.quote(v)}" for k, v in plan.env.items()]
    prefix = " ".join(parts) + " " if parts else ""
    if plan.env_file is not None:
        # `. FILE` makes a POSIX shell (cron's /bin/sh) exit when FILE is missing: test first.
        env_file = shlex.quote(str(plan.env_file))
        prefix = f"set -a; [ -r {env_file} ] && . {env_file}; set +a; {prefix}"
    log = shlex.quote(str(plan.log)) if plan.log else "/dev/null"
    dow = (WEEKDAYS.index(plan.weekday) + 1) % 7
    when = f"{plan.at.minute} {plan.at.hour} * * {dow}"
    if plan.zone:
        # cron reads its fields on the machine's clock, and only cronie knows CRON_TZ (which
        # would move the user's other lines too): run every quarter of an hour (every zone
        # is whole quarters from UTC) and go on only at the weekday and time in the zone.
        # The start cron makes in that quarter of an hour goes on, so one that cron begins a
        # few minutes late (a busy machine, cronie's RANDOM_DELAY) still runs that week.
        quarters = sorted({(plan.at.minute + 15 * k) % 60 for k in range(4)})
        when = ",".join(map(str, quarters)) + " * * * *"
        day, first = WEEKDAYS.index(plan.weekday) + 1, plan.at.hour * 60 + plan.at.minute
        end = min(first + 15, 24 * 60)  # 24:00 at the most: the check stays in its day
        low, high = (f"{day}{m // 60:02d}{m % 60:02d}" for m in (first, end))
        zone = shlex.quote(plan.zone)
        prefix = (
            f't=$(TZ={zone} date +%u%H%M); [ "$t" -ge {low} ] && [ "$t" -lt {high} ] '
            f"|| exit 0; {prefix}"
        )
    line = f"{prefix}{shlex.join(plan.command)} >> {log} 2>&1"
    # Every backslash is inside single quotes (shlex.quote): closing and reopening them
    # after it (`\''`) keeps it from escaping the next character for cron (`\%`, and
    # `\\` on the BSD crons), whatever that is.
    return f"{when} " + line.replace("\\", "\\''").replace("%", "\\%")


def _systemd_quote(arg: str, dollar: bool = True) -> str:
    """`arg` as one word of ExecStart= (`$` expands there) or, with `dollar` False, of
    Environment= (where `$` means nothing): specifiers escaped, quoted when needed."""
    arg = arg.replace("%", "%%")
    if dollar:
        arg = arg.replace("$", "$$")
    if arg and not any(c in arg for c in " \t\"'\\;"):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def service_unit(plan: Plan) -> str:
    """The `linkratio-weekly.service` unit: one run of the weekly summary."""
    lines = [
        "[Unit]",
        "Description=linkratio weekly summary",
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
    ]
    lines += [f"Environment={_systemd_quote(f'{k}={v}', False)}" for k, v in plan.env.items()]
    if plan.env_file is not None:
        # The path is taken as it is, never unquoted (a quoted one is ignored); only
        # specifiers are expanded.
        lines.append(f"EnvironmentFile=-{str(plan.env_file).replace('%', '%%')}")
    lines.append("ExecStart=" + " ".join(_systemd_quote(a) for a in plan.command))
    return "\n".join(lines) + "\n"


def timer_unit(plan: Plan) -> str:
    """The `linkratio-weekly.timer` unit: weekly, catching up a run missed while off."""
    day = plan.weekday.capitalize()
    zone = f" {plan.zone}" if plan.zone else ""  # systemd 235+: the time is in that zone
    return (
        "[Unit]\nDescription=linkratio weekly summary, every "
        f"{day} at {plan.at:%H:%M}{zone}\n\n[Timer]\n"
        f"OnCalendar={day} *-*-* {plan.at:%H:%M}:00{zone}\n"
        "Persistent=true\n\n[Install]\nWantedBy=timers.target\n"
    )


def run_systemctl(args: Sequence[str]) -> int | None:
    """Run `systemctl --user ARGS`; None when systemctl is not installed."""
    systemctl = shutil.which("systemctl")
    if systemctl is None:
        return None
    return subprocess.run([systemctl, "--user", *args], check=False).returncode


@dataclass(frozen=True)
class Installed:
    """What `install` did."""

    service: Path
    timer: Path
    enabled: bool
    note: str
    """One line: enabled, or how to enable it by hand."""
    missing: bool = False
    """True when there was no systemctl to run (not a failure: cron may be the way)."""


def install(
    plan: Plan,
    directory: Path,
    run: Callable[[Sequence[str]], int | None] = run_systemctl,
) -> Installed:
    """Write the unit pair into `directory`, reload systemd and enable the timer.

    InputError, writing nothing, when the pair there runs another account's job: the unit
    names are fixed, and replacing it would stop that account's summaries in silence.
    """
    service, timer = directory / SERVICE, directory / TIMER
    other = _installed_account(service)
    if other is not None and other.casefold() != plan.command[4].casefold():  # @Me is @me
        raise InputError(
            f"{service} runs the weekly job of {other}: installing {plan.command[4]}'s would "
            f"replace it; remove that one first (systemctl --user disable --now {TIMER}) or "
            "run this account's job from cron (the line above, with an --out of its own)"
        )
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(service, service_unit(plan))
    write_atomic(timer, timer_unit(plan))
    by_hand = f"systemctl --user daemon-reload && systemctl --user enable --now {TIMER}"
    code = run(["daemon-reload"])
    if code == 0:
        code = run(["enable", "--now", TIMER])
    if code is None:
        return Installed(
            service, timer, False, f"systemctl not found: enable it with {by_hand}", missing=True
        )
    if code != 0:
        return Installed(
            service, timer, False, f"systemctl failed (exit {code}): enable it with {by_hand}"
        )
    return Installed(service, timer, True, f"{TIMER} enabled: 'systemctl --user list-timers'")


def _installed_account(service: Path) -> str | None:
    """The account whose weekly job the unit file `service` runs; None when there is none."""
    try:
        text = service.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            try:
                words = shlex.split(line.removeprefix("ExecStart="))
            except ValueError:
                return None
            if len(words) > 4 and words[1:4] == ["-m", "linkratio", "weekly"]:
                return words[4].replace("%%", "%").replace("$$", "$")
    return None


def plan_job(
    account: str | None,
    *,
    db: str | Path | None = None,
    emails: Sequence[str] = (),
    webhook_env: str | None = None,
    at: str = "07:00",
    weekday: str = "mon",
    tz: str | None = None,
    out: str | Path | None = None,
    sync: bool = True,
    now: datetime | None = None,
) -> tuple[Plan, list[str]]:
    """The checked plan of `linkratio schedule`, and warnings about what the job will lack.

    Checks the account is in the library (default: its only account), the zone, the
    addresses and the times; InputError for a bad one.
    """
    from linkratio.accounts import account_name, only_account
    from linkratio.analysis.period import named_zone
    from linkratio.loading import open_library
    from linkratio.render.files import check_folder
    from linkratio.weekly.deliver import email_destination
    from linkratio.weekly.readiness import setup_warnings, skipped_hour

    if out is not None:  # "": an unset variable; the default would be used in silence
        check_folder(out, "plan_job")
    for address in emails:
        email_destination(address)
    when, day = parse_at(at), parse_weekday(weekday)
    zone, zone_name = named_zone(tz)  # the job runs in the zone asked for now, named by --tz
    with open_library(db) as lib:
        found = only_account(lib, account)
    warnings = setup_warnings(found, emails=emails, webhook_env=webhook_env, sync=sync)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    warnings += skipped_hour(WEEKDAYS.index(day), when, zone, zone_name, today)
    plan = make_plan(
        account or account_name(found),
        weekday=day,
        at=when,
        emails=emails,
        webhook_env=webhook_env,
        tz=zone_name,
        db=Path(db) if db else None,
        out=Path(out) if out is not None else None,
        sync=sync,
    )
    return plan, warnings
