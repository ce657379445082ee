"""Settings and secrets: environment variables first, then a private config file (mode 0600).

The file is TOML (`~/.config/linkratio/config.toml` by default, `LINKRATIO_CONFIG` to move it)
with one table per service::

    [x]
    bearer_token = "..."
    consumer_key = "..."

Values are never printed: `describe()` reports only whether a key is set and where from.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import tomli_w

from linkratio.errors import DiskError, InputError

KEYS: dict[str, str] = {
    "x.bearer_token": "X_BEARER_TOKEN",
    "x.consumer_key": "X_CONSUMER_KEY",
    "x.consumer_secret": "X_CONSUMER_SECRET",
    "x.access_token": "X_ACCESS_TOKEN",
    "x.access_token_secret": "X_ACCESS_TOKEN_SECRET",
    "mastodon.instance": "LINKRATIO_MASTODON_INSTANCE",
    "mastodon.token": "LINKRATIO_MASTODON_TOKEN",
    "smtp.host": "LINKRATIO_SMTP_HOST",
    "smtp.port": "LINKRATIO_SMTP_PORT",
    "smtp.user": "LINKRATIO_SMTP_USER",
    "smtp.password": "LINKRATIO_SMTP_PASSWORD",
    "smtp.sender": "LINKRATIO_SMTP_SENDER",
    "smtp.tls": "LINKRATIO_SMTP_TLS",
    "weekly.email": "LINKRATIO_WEEKLY_EMAIL",
    "weekly.webhook": "LINKRATIO_WEEKLY_WEBHOOK",
}
"""Every known setting and the environment variable that overrides it."""


_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
"""Why a file could not be written that is no fault of the key or value (exit 74)."""


def config_path() -> Path:
    """Where the config file lives: `$LINKRATIO_CONFIG`, else the user config directory."""
    env = os.environ.get("LINKRATIO_CONFIG")
    if env:
        return Path(env).expanduser()
    return platformdirs.user_config_path("linkratio") / "config.toml"


def _read_file(path: Path, replacing: str | None = None) -> dict[str, str]:
    """The settings in the file; InputError for a setting it does not know or of a type it
    cannot use. `replacing` names a key being set: its bad value is dropped and unknown keys
    are kept as they are (not refused: `config set` is the way to fix a value)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML config file ({exc})") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays or tables
        raise InputError(f"{path}: nested too deep to read as a config file") from None
    values: dict[str, str] = {}
    for section, table in data.items():
        if not isinstance(table, dict) and replacing is None:  # `email = ...` above any table
            raise _unknown(path, section)
        if isinstance(table, dict):
            for key, value in table.items():
                if f"{section}.{key}" not in KEYS and replacing is None:
                    # A misspelt `[weekly] emails` left a job that mailed nobody, silently.
                    raise _unknown(path, f"{section}.{key}")
                if isinstance(value, bool):
                    values[f"{section}.{key}"] = str(value).lower()
                elif isinstance(value, str | int):
                    # A hand-written file may say `port = 587`: keep it as the string "587".
                    values[f"{section}.{key}"] = str(value)
                elif f"{section}.{key}" in KEYS and f"{section}.{key}" != replacing:
                    # Dropped, a list of addresses or `port = 587.0` left a job that mailed
                    # nobody or tried the wrong port, without a word. The value is never shown.
                    raise _wrong_type(path, f"{section}.{key}", value)
    return values


def _unknown(path: Path, key: str) -> InputError:
    """The error for a setting linkratio does not know (a typo would be ignored otherwise)."""
    close = difflib.get_close_matches(key, KEYS, n=1)
    hint = f"did you mean {close[0]}?" if close else f"expected one of {', '.join(KEYS)}"
    return InputError(f"{path}: unknown setting {key!r} ({hint}): correct or remove it")


_HINTS = {
    "weekly.email": " (several addresses: one string, comma-separated)",
    "smtp.port": " or a whole number",
}


def _wrong_type(path: Path, key: str, value: object) -> InputError:
    """The error for a known setting whose TOML value is no string or number (unshown)."""
    kind = {list: "list", dict: "table", float: "decimal number"}.get(type(value), "date")
    return InputError(f"{path}: {key} is a {kind}: expected a string{_HINTS.get(key, '')}")


@dataclass(frozen=True)
class Setting:
    """Whether a key is set and where its value comes from (never the value itself)."""

    key: str
    env: str
    source: str | None
    """"environment", "file" or None when unset."""


def get(key: str, path: Path | None = None) -> str | None:
    """Return the value of `key`: its environment variable wins over the config file."""
    env = KEYS.get(key)
    if env and os.environ.get(env):
        return os.environ[env]
    return _read_file(path or config_path()).get(key) or None


def in_file(key: str, path: Path | None = None) -> bool:
    """Whether the config file itself sets `key` (what a cron job, without env, will see)."""
    return bool(_read_file(path or config_path()).get(key))


def holds(key: str, path: Path | None = None) -> bool:
    """Whether the config file has an entry for `key`, of any type (what `config unset`
    removes): a stray setting elsewhere, or this one's wrong type, is what unset fixes."""
    path = path or config_path()
    if _read_file(path, replacing=key).get(key):
        return True
    section, _, name = key.partition(".")
    table = tomllib.loads(path.read_text(encoding="utf-8")).get(section) if path.exists() else None
    return isinstance(table, dict) and name in table


def describe(path: Path | None = None) -> list[Setting]:
    """Say for every known key whether it is set, and by the environment or the file."""
    stored = _read_file(path or config_path())
    out = []
    for key, env in KEYS.items():
        source = "environment" if os.environ.get(env) else ("file" if stored.get(key) else None)
        out.append(Setting(key, env, source))
    return out


def set_value(key: str, value: str | None, path: Path | None = None) -> Path:
    """Store (or with None remove) `key` in the config file, written with mode 0600."""
    if key not in KEYS:
        raise InputError(f"unknown setting {key!r}: expected one of {', '.join(KEYS)}")
    _check_text(key, value)
    _check_value(key, value)
    path = path or config_path()
    tables = _with_value(path, key, value)
    # tomli-w writes any Unicode (emoji included) as valid TOML; a hand-made writer that
    # borrowed JSON's escapes wrote surrogate pairs that no TOML reader accepts.
    text = "# linkratio settings: secrets, keep this file private (mode 0600)\n\n"
    try:
        text += tomli_w.dumps(tables)
    except RecursionError:  # an entry added by hand, nested deeper than it can be written
        raise InputError(
            f"{path}: an entry is nested too deep to keep: correct or remove it"
        ) from None
    # A config file linked from a dotfiles folder stays a link: its target is rewritten.
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):  # on a read-only disk even this fails
            tmp.unlink(missing_ok=True)  # the old file stays as it was
        message = f"{path}: cannot write the config file ({exc.strerror})"
        if exc.errno in _NO_ROOM:  # a full disk or a read-only one: exit 74, as every file
            raise DiskError(message) from None
        raise InputError(message) from None
    return path


def _with_value(path: Path, key: str, value: str | None) -> dict[str, object]:
    """The file's TOML with `key` set to `value` (None: removed), every other entry as it was:
    a table, number or date someone added by hand is kept, not dropped or made a string."""
    _read_file(path, replacing=key)  # refuses a broken file or another setting's bad value
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    section, _, name = key.partition(".")
    table = data.setdefault(section, {})
    if not isinstance(table, dict):  # `smtp = "..."` above any table: no room for smtp.host
        raise InputError(f"{path}: {section!r} is not a [{section}] table: correct or remove it")
    if value:
        table[name] = value
    else:
        table.pop(name, None)
        if not table:
            del data[section]
    return data


def require_key(key: str | None, action: str) -> str:
    """`key` when it names a known setting, else an InputError listing them for `action`.

    Asked before any prompt: nobody should type a secret for a typo.
    """
    if key not in KEYS:
        raise InputError(f"config {action} needs a KEY, one of: {', '.join(KEYS)}{_not(key)}")
    return key


def _not(key: str | None) -> str:
    """What was given instead of a key, shown only when it looks like one: it may be a token
    typed in the key's place (`KEY=VALUE`, or the value alone), which must not be printed."""
    if not key:
        return ""
    if "=" in key:
        return " (not KEY=VALUE: the value is read from a hidden prompt or standard input)"
    if re.fullmatch(r"[a-z_]{1,30}(\.[a-z_]{1,30})?", key):
        return f" (not {key!r})"
    return " (what was given is not shown: it may be a secret)"


def store_secret(key: str, text: str) -> Path:
    """Store the value typed or piped for `key` (surrounding whitespace dropped); not empty."""
    value = text.strip()
    if not value:
        raise InputError(f"no value given for {key}")
    return set_value(key, value)


def _check_text(key: str, value: str | None) -> None:
    """Refuse a value that cannot be written as UTF-8 (a lone surrogate from bad input)."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"the value for {key} is not valid UTF-8 text") from None


def _check_value(key: str, value: str | None) -> None:
    """Refuse now, in the words of the check, a value every later use of `key` refuses
    (a weekly run in cron weeks later): the checks are those its users make."""
    from linkratio.errors import SettingError
    from linkratio.net.redact import checked_token
    from linkratio.weekly import values

    if not value:
        return
    checks = {
        "smtp.host": lambda: values.check_host(value, key),
        "smtp.port": lambda: values.check_port(value),
        "smtp.tls": lambda: values.check_tls(value),
        "smtp.sender": lambda: values.check_sender(value),
        "weekly.webhook": lambda: values.webhook_destination(value),
        "weekly.email": lambda: [
            values.email_destination(e) for e in value.split(",") if e.strip()
        ],
    }
    if key.startswith("x.") or key == "mastodon.token":  # what goes into a header
        checks[key] = lambda: checked_token(value, key, key.partition(".")[0])
    try:
        if key in checks:
            checks[key]()
    except (InputError, SettingError) as exc:
        said = str(exc) if str(exc).startswith(key) else f"{key}: {exc}"
        raise InputError(f"{said}; nothing was stored") from None
