"""Deliver a weekly summary: email over SMTP (standard library) and webhooks through httpx.

A webhook URL is a secret (Slack and Discord URLs embed a token): it is kept only in
`Destination.target`, never shown (messages say `webhook hooks.slack.com/…`), never
stored (the library keys it by a hash), and masked in the records httpx logs. The SMTP
password is used for the login only and never appears in a message or an error.

Failures raise `DeliveryUnavailable` (exit 75) when they may pass by themselves: an SMTP
server that cannot be reached or answers 4xx, a webhook that times out, cannot be reached
or answers 5xx/429 through every retry. Anything else raises `DeliveryError` (exit 1): a
refused login, a 4xx answer, an untrusted certificate, a host that cannot be encoded;
`DeliveryRefused`, one of them, when the server refused this very message (a recipient or
the mail refused 5xx, a webhook's 400, 413, 415 or 422): later runs do not send that
week there again.
`linkratio weekly` exits 2 when every destination of a run failed that way (a setting to
fix, not a moment to wait for), 1 when some were delivered.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import cast

import httpx

from linkratio import config
from linkratio.errors import DeliveryError, DeliveryRefused, DeliveryUnavailable, InputError
from linkratio.model import Destination
from linkratio.net.deadline import Clock, bind_client, refuse_socks
from linkratio.net.policy import Policy, Retry, TooLarge, TooSlow, Wait, check_length, read_capped
from linkratio.net.redact import REDACTOR, is_loopback, one_line
from linkratio.weekly.values import DEFAULT_PORTS as DEFAULT_PORTS
from linkratio.weekly.values import TLS_MODES as TLS_MODES
from linkratio.weekly.values import check_host, check_port, check_sender, check_tls
from linkratio.weekly.values import email_destination as email_destination
from linkratio.weekly.values import webhook_destination as webhook_destination
from linkratio.wording import counted

log = logging.getLogger(__name__)

WEBHOOK_FORMATS = ("slack", "discord", "json")
ATTEMPTS = 3
"""How many times a webhook POST is tried."""
BACKOFF = 1.0
"""Seconds before the second attempt; doubled before each one after."""
TIMEOUT = 15.0
"""Seconds a webhook or SMTP server has to answer (each read)."""
DEADLINE = 60.0
"""Seconds a webhook has to answer in all, from the request to the last byte, and an SMTP
conversation may take in all."""
MAX_ANSWER = 1024 * 1024
"""The most bytes of a webhook's answer read (it is only checked for its status)."""


def webhook_format(dest: Destination, fmt: str | None) -> str:
    """The body format: `fmt` if given, else `discord` for Discord hosts and `slack` otherwise."""
    if fmt:
        return fmt
    host = httpx.URL(dest.target).host.lower().rstrip(".")
    discord = ("discord.com", "discordapp.com")
    return "discord" if any(host == d or host.endswith("." + d) for d in discord) else "slack"


# -- email -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server (from the config file or `LINKRATIO_SMTP_*`)."""

    host: str
    port: int
    sender: str
    tls: str = "starttls"
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def smtp_settings() -> SmtpSettings:
    """Read the SMTP settings; InputError naming the missing or bad setting."""
    host, sender = config.get("smtp.host"), config.get("smtp.sender")
    if not host or not sender:
        missing = "smtp.host" if not host else "smtp.sender"
        raise InputError(
            f"email needs {missing}: set LINKRATIO_{missing.replace('.', '_').upper()} or "
            f"'linkratio config set {missing}'"
        )
    host = check_host(host.strip(), "smtp.host")  # as checked: a space fails the lookup
    tls = check_tls(config.get("smtp.tls"))
    port = check_port(config.get("smtp.port"), tls)
    check_sender(sender)
    user = config.get("smtp.user")
    if user and tls == "none" and not is_loopback(host):
        raise InputError(
            f"smtp.tls is none but smtp.user is set: the password would cross the network "
            f"to {host} in clear; set smtp.tls to starttls or ssl (none is for localhost)"
        )
    password = config.get("smtp.password")
    if password:  # a server may echo the login in a reply this run quotes: masked there
        REDACTOR.add([password, *_auth_forms(user or "", password)])
    return SmtpSettings(host, port, sender, tls, user, password)


def _auth_forms(user: str, password: str) -> list[str]:
    """The password as AUTH LOGIN and AUTH PLAIN send it (base64), where it can be encoded."""
    try:
        return [
            base64.b64encode(text.encode("ascii")).decode()
            for text in (password, f"\0{user}\0{password}")
        ]
    except UnicodeEncodeError:  # not sent at all: the login refuses it first
        return []


def build_email(
    subject: str,
    sender: str,
    to: str,
    text: str,
    html_for: Callable[[str], str],
    png: bytes,
    now: datetime | None = None,
) -> EmailMessage:
    """A multipart/alternative message: the text part, and the HTML with the chart inline.

    `html_for(src)` renders the HTML page with its chart image at `src` (a `cid:` URL).
    """
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    domain = parseaddr(sender)[1].rpartition("@")[2] or "linkratio.invalid"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg.set_content(text)
    cid = make_msgid(domain=domain)
    msg.add_alternative(html_for(f"cid:{cid[1:-1]}"), subtype="html")
    html_part = cast(list[EmailMessage], msg.get_payload())[1]  # the alternative just added
    html_part.add_related(
        png,
        maintype="image",
        subtype="png",
        cid=cid,
        disposition="inline",
        filename="talk-share.png",
    )
    return msg


def _smtp(settings: SmtpSettings, timeout: float, deadline: float) -> smtplib.SMTP:
    from linkratio.weekly.smtp_bounds import BoundedSMTP, BoundedSMTPSSL

    host = settings.host  # `[::1]`, as an address is often written: the resolver wants `::1`
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if settings.tls == "ssl":
        context = ssl.create_default_context()
        return BoundedSMTPSSL(
            host, settings.port, timeout=timeout, context=context, deadline=deadline
        )
    return BoundedSMTP(host, settings.port, timeout=timeout, deadline=deadline)


_PLAIN = "the server speaks no TLS there: check smtp.tls and smtp.port (ssl 465, starttls 587)"
_NOT_OFFERED = {  # what a server that answers "not supported" lacks, by the step asked
    "starttls": "the server offers no STARTTLS: set smtp.tls to ssl or none",
    "login": "the server offers no login (AUTH) here: unset smtp.user, or use TLS",
    "send": "an address is not ASCII and the server offers no SMTPUTF8: use an ASCII one",
}


def send_email(
    settings: SmtpSettings,
    msg: EmailMessage,
    timeout: float = TIMEOUT,
    deadline: float = DEADLINE,
    on_accepted: Callable[[], None] | None = None,
) -> None:
    """Send `msg` through the server of `settings`; DeliveryError/DeliveryUnavailable if not.

    Each read may take `timeout` seconds and the whole conversation `deadline` seconds.
    `on_accepted()` is called as soon as the server has taken the mail, before QUIT.
    """
    where = f"email {msg['To']} (via {settings.host}:{settings.port})"
    step = "send"
    try:
        with _smtp(settings, timeout, deadline) as smtp:
            if settings.tls == "starttls":
                step = "starttls"
                smtp.starttls(context=ssl.create_default_context())
            if settings.user:
                step = "login"
                smtp.login(settings.user, settings.password or "")
            step = "send"
            smtp.send_message(msg)
            if on_accepted is not None:  # a stop during QUIT then sends no second mail
                on_accepted()
    except smtplib.SMTPNotSupportedError:
        raise DeliveryError(f"{where}: {_NOT_OFFERED[step]}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{where}: the server rejected smtp.user/smtp.password ({exc.smtp_code})"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        error = DeliveryUnavailable if all(400 <= c < 500 for c in codes) else DeliveryRefused
        codes_text = ", ".join(map(str, codes))
        raise error(f"{where}: the server refused the recipient ({codes_text})") from None
    except smtplib.SMTPResponseException as exc:
        # This very mail refused (an answer to DATA, 552 too big at MAIL): sent again, refused
        # again. Other 5xx (a sender refused, a greeting) are settings to mend.
        refused = isinstance(exc, smtplib.SMTPDataError) or exc.smtp_code == 552
        kind = DeliveryRefused if refused else DeliveryError
        answer = DeliveryUnavailable if 400 <= exc.smtp_code < 500 else kind
        raw = exc.smtp_error
        detail = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")
        detail = one_line(detail)  # its lines joined, cut short, an echoed login masked
        raise answer(f"{where}: the server answered {exc.smtp_code} {detail}".rstrip()) from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{where}: the server's certificate is not trusted ({exc.verify_message}): check "
            "smtp.host is the name on the certificate, or install the issuing authority"
        ) from None
    except ValueError as exc:  # UnicodeError too: a host name the resolver cannot encode
        if step == "login":  # smtplib sends AUTH in ASCII only
            raise DeliveryError(
                f"{where}: smtp.user or smtp.password holds a character that is not ASCII, "
                "which the login cannot send"
            ) from None
        raise DeliveryError(f"{where}: smtp.host cannot be used ({type(exc).__name__})") from None
    except (OSError, smtplib.SMTPException) as exc:
        from linkratio.net.policy import PLAIN_TEXT

        if getattr(exc, "reason", None) in PLAIN_TEXT:  # TLS, answered in plain
            raise DeliveryError(f"{where}: {_PLAIN}") from None
        raise DeliveryUnavailable(
            f"{where}: could not talk to the server ({type(exc).__name__}): try again later"
        ) from None


# -- webhooks ----------------------------------------------------------------------------


def post_webhook(
    dest: Destination,
    payload: dict[str, object],
    *,
    attempts: int = ATTEMPTS,
    backoff: float | None = None,
    timeout: float = TIMEOUT,
    on_wait: Callable[[float, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """POST `payload` as JSON to `dest` under the network policy (`net.policy`).

    5xx, timeouts and connection errors are retried; a 429 waits for its reset (at most
    the policy's `max_wait`). Returns the number of requests made. A 3xx or another 4xx
    is a permanent failure.
    """
    policy = Policy(
        timeout=timeout,
        deadline=max(DEADLINE, timeout),
        max_body=MAX_ANSWER,
        retries=attempts - 1,
        backoff=BACKOFF if backoff is None else backoff,
        on_wait=on_wait,
        sleep=sleep,
    )
    sent = [0]

    def attempt() -> None:
        sent[0] += 1
        clock.ends = time.monotonic() + policy.deadline
        _post(client, dest, payload, policy, clock.ends)

    def give_up(problem: str, tries: int) -> DeliveryUnavailable:
        return DeliveryUnavailable(f"{problem} after {counted(tries, 'attempt')}: try again later")

    refuse_socks()  # httpx would use the environment's proxies
    clock = Clock()
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        bind_client(client, clock)  # the deadline covers the status line and headers too
        policy.run(attempt, give_up)
    return sent[0]


def _post(
    client: httpx.Client, dest: Destination, payload: dict[str, object], policy: Policy, ends: float
) -> None:
    """One attempt, whole by `ends`: returns on success, raises Retry/Wait, or DeliveryError."""
    try:
        with client.stream("POST", dest.target, json=payload) as response:
            # A 2xx is delivered, its body unread (nor its length judged): one that trickled
            # past the deadline made the message a Retry, posted up to three times. Other
            # bodies are read raw (one claiming gzip and not gzip made a DecodingError).
            if not 200 <= response.status_code < 300:
                check_length(response.headers, policy.max_body, dest.label)
                read_capped(response.iter_raw(), policy.max_body, ends, dest.label)

    except (httpx.TimeoutException, TooSlow) as exc:
        # Which limit cut it off: the wait for one read, or the deadline of the whole answer.
        if isinstance(exc, TooSlow) or time.monotonic() >= ends:
            said = f"no whole answer within the {policy.deadline:g} s deadline"
        else:
            said = f"no answer within {policy.timeout:g} s"
        raise Retry(f"{dest.label}: {said}") from None
    except TooLarge as exc:
        raise DeliveryError(str(exc)) from None
    except httpx.TransportError as exc:
        from linkratio.net.policy import tls_problem

        if problem := tls_problem(exc):
            raise DeliveryError(f"{dest.label}: {problem}: check the webhook URL") from None
        raise Retry(f"{dest.label}: could not connect ({type(exc).__name__})") from None
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError: a host IDNA cannot encode
        raise DeliveryError(
            f"{dest.label}: the webhook URL cannot be used ({type(exc).__name__})"
        ) from None
    _judge(response, dest, policy)


def _judge(response: httpx.Response, dest: Destination, policy: Policy) -> None:
    """Accept a 2xx; Retry a 5xx; Wait on a 429 (or give up on it); refuse anything else."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status == 429:
        error = DeliveryUnavailable(
            f"{dest.label}: rate limited (HTTP 429) for longer than linkratio waits: "
            "try again later"
        )
        seconds = policy.limit_wait(response.headers)
        if seconds is None:
            raise error
        raise Wait(seconds, f"{dest.label}: rate limited (HTTP 429)", error)
    if status >= 500:
        raise Retry(f"{dest.label}: HTTP {status}")
    # An answer about the message itself refuses this week for good; one about the caller
    # or the address (401/403 a login, 404, a redirect) is a setting to mend, as an SMTP
    # login is: once mended, the next run catches the week up.
    kind = DeliveryRefused if status in _MESSAGE_REFUSED else DeliveryError
    raise kind(
        f"{dest.label}: refused the message (HTTP {status}): check the webhook URL and "
        "--webhook-format"
    )


_MESSAGE_REFUSED = frozenset({400, 413, 415, 422})
"""A webhook's answers that refuse the message sent (malformed, too large, of a type or
content it takes not): sent again, it would be refused again."""
