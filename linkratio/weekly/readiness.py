"""What a scheduled weekly job will lack, said when `linkratio schedule` writes it: cron
and systemd see neither this shell's environment nor settings it alone holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from linkratio import config
from linkratio.errors import InputError
from linkratio.model import Account


def _env_only(keys: Sequence[str]) -> list[str]:
    """A warning for each of `keys` set in this shell but not in the config file."""
    return [
        f"{config.KEYS[key]} is set only in this shell's environment: cron and systemd will "
        f"not have it: store it with 'linkratio config set {key}'"
        for key in keys
        if config.get(key) and not config.in_file(key)
    ]


def _smtp_problem() -> list[str]:
    """What the weekly run would refuse in the SMTP settings, as a warning (none if fine)."""
    from linkratio.weekly.deliver import smtp_settings

    try:
        smtp_settings()
    except InputError as e:
        return [f"{e} (every weekly run would fail to mail until it is fixed)"]
    return []


def setup_warnings(
    account: Account, *, emails: Sequence[str], webhook_env: str | None, sync: bool
) -> list[str]:
    """What the scheduled job will lack, one line each: cron and systemd have no shell env."""
    warnings = []
    if emails or config.in_file("weekly.email"):
        smtp = ("smtp.host", "smtp.port", "smtp.user", "smtp.password", "smtp.sender", "smtp.tls")
        warnings += _env_only(smtp)
        missing = [key for key in ("smtp.host", "smtp.sender") if not config.get(key)]
        warnings += [f"email needs {key}: 'linkratio config set {key}'" for key in missing]
        if not missing:
            warnings += _smtp_problem()
    if sync and account.platform in ("x", "mastodon"):
        warnings += _env_only([k for k in config.KEYS if k.startswith(f"{account.platform}.")])
    if not (emails or webhook_env):  # the job's destinations are then these settings
        warnings += _env_only(("weekly.email", "weekly.webhook"))
    has_config_dest = config.in_file("weekly.email") or config.in_file("weekly.webhook")
    if not (emails or webhook_env or has_config_dest):
        warnings.append(
            "the job has no destination: it will only write files; add --email or "
            "--webhook-env, or set weekly.email / weekly.webhook in the config file"
        )
    return warnings


def skipped_hour(weekday: int, at: time, zone: tzinfo, name: str, today: date) -> list[str]:
    """A warning when `at` on `weekday` (0 Monday) falls in the hour a clock change skips
    in `zone` within the next year: the job's start time does not exist that week."""
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    for _ in range(53):
        local = datetime.combine(day, at, tzinfo=zone)
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(
            tzinfo=None
        ):  # a wall time that does not exist comes back another one
            return [
                f"{at:%H:%M} on {day:%A %Y-%m-%d} does not exist in {name} (the clocks skip "
                "it): the job may not run that week (the next run sends the week it missed); "
                "choose an --at outside the clock change"
            ]
        day += timedelta(weeks=1)
    return []
