"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), with AUTH PLAIN/LOGIN over plain TCP."""

from __future__ import annotations

import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

from fakes.base import HOST, free_port, self_signed

__all__ = ["PASSWORD", "SMTP_WARNINGS", "USER", "FakeSmtp", "free_port", "self_signed"]

USER = "weekly-user"
PASSWORD = "smtp-PASSWORD-s3cret"

SMTP_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated"),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]
"""`pytestmark` of a module using this server: aiosmtpd 1.4 warns about AUTH without TLS (on
purpose here: plain TCP on 127.0.0.1) and sets its own deprecated Session.login_data."""


class Keeper:
    """An aiosmtpd handler that keeps each mail it takes (answering `reply` to DATA)."""

    def __init__(self, reply: str = "250 OK") -> None:
        self.envelopes: list[Envelope] = []
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply


def _authenticate(server: Any, session: Any, envelope: Any, mech: str, data: Any) -> AuthResult:
    ok = data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


class FakeSmtp:
    """`with FakeSmtp() as smtp:` a server that requires AUTH; `smtp.messages` holds the mail.

    `tls="starttls"` offers (and requires) STARTTLS, `tls="ssl"` speaks TLS from the start,
    both with the certificate `cert` (a (cert, key) pair); AUTH then needs TLS.
    `size_limit` is the most bytes of a mail the server takes (its SIZE; else 552).
    """

    def __init__(
        self,
        reply: str = "250 OK",
        auth: bool = True,
        tls: str | None = None,
        cert: tuple[Path, Path] | None = None,
        size_limit: int | None = None,
    ) -> None:
        self.port = free_port()
        self.handler = Keeper(reply)
        # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS ("ssl") is TLS too.
        options: dict[str, Any] = {"auth_require_tls": tls == "starttls"}
        if size_limit is not None:  # advertised as SIZE; a bigger mail is answered 552
            options["data_size_limit"] = size_limit
        if auth:
            options |= {"authenticator": _authenticate, "auth_required": True}
        if tls is not None:
            assert cert is not None
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*cert)
            if tls == "starttls":
                options |= {"tls_context": context, "require_starttls": True}
            else:
                options["ssl_context"] = context
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **options)

    @property
    def envelopes(self) -> list[Envelope]:
        """Every mail accepted, as aiosmtpd received it."""
        return self.handler.envelopes

    @property
    def messages(self) -> list[EmailMessage]:
        """Every mail accepted, parsed."""
        return [
            message_from_bytes(e.original_content or e.content, policy=policy.default)
            for e in self.envelopes
        ]

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
