"""What the network code must never show: secrets in log records and messages; and which
hosts count as this machine (plain http and unencrypted logins are allowed only there).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from urllib.parse import quote, unquote

from linkratio.errors import SettingError
from linkratio.render.escape import hide_typed, typed_secrets

LOGGERS = (
    "httpx",
    "httpcore",
    "tweepy.client",
    "requests_oauthlib.oauth1_auth",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "urllib3.connectionpool",
)
"""The libraries that log request lines or headers: httpx logs each URL (a webhook URL is a
secret), tweepy its headers (the bearer token), oauthlib the OAuth 1.0a signature base."""


class Redactor(logging.Filter):
    """Masks every secret it was given in the records of the HTTP libraries, and in texts;
    in texts also what the command line holds that looks like a secret (`hide_typed`)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()
        self.typed: list[str] = []
        """The parts of this run's command line that look like secrets (`typed_secrets`)."""
        self._installed = False

    def hide_typed(self, argv: Iterable[str]) -> None:
        """Hide in every text `mask` makes, instead of the last command line's, what `argv`
        holds that looks like a secret: a token pasted after `--tz` is quoted by no error.

        As for a usage error (`escape.usage_safe`): a zone name, a path or a handle is shown.
        """
        self.typed = typed_secrets(argv)

    def add(self, values: Iterable[str]) -> None:
        """Mask `values` from now on (with their URL-quoted forms); installs the filter."""
        for value in values:
            if len(value) >= 4:  # a shorter "secret" would mask ordinary words
                self.secrets.update({value, quote(value, safe=""), unquote(value)})
        if not self._installed:
            for name in LOGGERS:
                logging.getLogger(name).addFilter(self)
            self._installed = True

    def mask(self, text: str) -> str:
        """`text` with every known secret replaced by `***` (longest first), and each secret
        of the command line by `escape.HIDDEN`."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, "***")
        return hide_typed(text, self.typed)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message when it holds a secret; never drop a record."""
        if self.secrets:
            message = record.getMessage()
            masked = self.mask(message)
            if masked != message:
                record.msg, record.args = masked, None
        return True


REDACTOR = Redactor()
"""The one redactor of the process: every client adds its secrets to it."""


_USERINFO = re.compile(r"//([^/?#@\s]+)@")
"""The `user:password@` before a URL's host."""


def hide_userinfo(url: str) -> str:
    """`url`, its `user:password` (and the password alone) masked from now on: return `url`."""
    found = _USERINFO.search(url)
    if found:
        userinfo = found.group(1)
        REDACTOR.add([userinfo, userinfo.partition(":")[2]])
    return url


def one_line(text: object, limit: int = 300) -> str:
    """`text` on one line, without any known secret, at most `limit` characters."""
    line = REDACTOR.mask(" ".join(str(text).split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


def checked_token(value: str | None, setting: str, platform: str) -> str | None:
    """A credential as it goes into a header: surrounding whitespace (a pasted line break,
    a CR from a Windows file) dropped; SettingError naming `setting`, never the value, for
    a space, control or non-ASCII character inside it (no token has one, and HTTP libraries
    refuse it with the whole header, token included, in their message).
    """
    if value is None:
        return None
    value = value.strip()
    if not all("!" <= char <= "~" for char in value):
        raise SettingError(
            f"{setting} holds a space, a line break or a non-ASCII character, which no token "
            "has: set it again (its value is not shown)",
            platform=platform,
        )
    return value or None


def is_loopback(host: str | None) -> bool:
    """Whether `host` is this machine: `localhost` or a loopback address (`[::1]` too)."""
    if not host:
        return False
    name = host.lower().removesuffix(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False
