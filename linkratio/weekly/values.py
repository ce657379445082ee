"""The checks on a weekly run's settings and destinations, by value (no config read here).

`linkratio.weekly.deliver` makes them on what it is about to use, and `config set` makes the
same ones before it stores a value: a value every later run would refuse is refused at once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
from collections.abc import Sequence
from email.utils import parseaddr

import httpx
import idna

from linkratio.days import is_day
from linkratio.errors import InputError
from linkratio.model import Account, Destination
from linkratio.net.redact import REDACTOR
from linkratio.render.escape import url_hosts

TLS_MODES = ("starttls", "ssl", "none")
"""How the SMTP connection is protected: STARTTLS (default), TLS from the start, or not."""
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}

_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_ADDRESS = re.compile(r"[^@\s<>(),;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}")


def check_host(host: str, what: str) -> str:
    """`host` if it can be looked up (a DNS name or an IP address); InputError naming `what`."""
    bad = InputError(f"{what}: {host!r} is not a host name: expected e.g. mail.example.org")
    name = host.strip().removesuffix(".")
    try:
        ipaddress.ip_address(name.strip("[]"))
        return host
    except ValueError:
        pass
    if not name or len(name) > 253:
        raise bad
    for label in name.split("."):
        try:
            if not label.isascii():
                label = idna.encode(label, uts46=True).decode("ascii")
            elif label.lower().startswith("xn--"):
                idna.decode(label)
        except (idna.IDNAError, UnicodeError):
            raise bad from None
        if not _LABEL.fullmatch(label):
            raise bad
    return host


def email_destination(address: str) -> Destination:
    """A destination for `address`; InputError when it is not a plain `name@domain.tld`."""
    address = address.strip()
    if not _ADDRESS.fullmatch(address) or not address.isprintable():  # no ESC, NUL, bidi
        shown = url_hosts(address)  # a webhook URL given by mistake: its token stays hidden
        raise InputError(f"invalid email address {shown!r}: expected name@example.org")
    check_host(address.rpartition("@")[2], f"email address {address!r}")
    return Destination("email", f"email:{address.lower()}", f"email {address}", address)


def webhook_destination(url: str) -> Destination:
    """A destination for the webhook `url`; InputError (never quoting the URL) when unusable."""
    url = url.strip()
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decodes an xn-- name: may fail too
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InputError("the webhook URL is not a valid URL: expected https://host/path") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise InputError("the webhook URL is not an http(s) URL: expected https://host/path")
    try:
        check_host(host, "the webhook URL")
    except InputError:
        # The host is part of the secret URL only in name: it is shown in labels anyway.
        raise InputError(
            "the webhook URL has no valid host name: expected https://host/path"
        ) from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise InputError(f"the webhook URL has port {parsed.port}: expected a port from 1 to 65535")
    REDACTOR.add([url] + ([parsed.path] if parsed.path not in ("", "/") else []))
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Destination("webhook", f"webhook:{digest}", f"webhook {host}/…", url)


def check_tls(value: str | None) -> str:
    """The SMTP protection mode `value` names (default starttls); InputError if none."""
    tls = (value or "starttls").lower()
    if tls not in TLS_MODES:
        raise InputError(f"smtp.tls is {tls!r}: expected one of {', '.join(TLS_MODES)}")
    return tls


def check_port(value: str | None, tls: str = "starttls") -> int:
    """The SMTP port `value` names (default: the one of `tls`); InputError if none."""
    try:
        port = int(value) if value else DEFAULT_PORTS[tls]
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise InputError(f"smtp.port is {value!r}: expected a port number such as 587")
    return port


def check_sender(sender: str) -> str:
    """`sender` if it is an address (`Name <a@example.org>` too); InputError if not."""
    _, address = parseaddr(sender)
    # not isprintable: a line break (CR, LF, U+2028) would end the From header.
    if not sender.isprintable() or not address or not _ADDRESS.fullmatch(address):
        raise InputError(
            f"smtp.sender is {sender!r}: expected an address such as linkratio@example.org"
        )
    return sender


def check_run(
    library: object, account: object, week: object, dests: object, out_dir: object
) -> None:
    """InputError naming the `run_week` argument of the wrong kind: a notebook passes them by
    hand, and a path as the library, or a week number, ended in an AttributeError."""
    from linkratio.render.files import check_folder
    from linkratio.store import Library

    check_folder(out_dir, "run_week")
    if not isinstance(library, Library):
        path = repr(os.fspath(library)) if isinstance(library, str | os.PathLike) else "path"
        raise InputError(
            f"run_week: library a {type(library).__name__}: expected an open library, such "
            f"as linkratio.Library.open({path})"
        )
    if not isinstance(account, str | Account):
        raise InputError(
            f"run_week: account a {type(account).__name__}: expected a library account's "
            "name, such as '@handle'"
        )
    if week is not None and not isinstance(week, str) and not is_day(week):
        raise InputError(
            f"run_week: week a {type(week).__name__}: expected YYYY-Www or a day of that week"
        )
    if (
        isinstance(dests, str)
        or not isinstance(dests, Sequence)
        or not all(isinstance(d, Destination) for d in dests)
    ):
        raise InputError(
            "run_week: destinations: expected a list of Destination, such as "
            "linkratio.weekly.run.destinations(emails=['me@example.org'])"
        )
