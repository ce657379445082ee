"""A real SMTP server on 127.0.0.1 for tests (aiosmtpd), with AUTH PLAIN/LOGIN over plain TCP."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope

USER = "weekly-user"
PASSWORD = "smtp-PASSWORD-s3cret"


class _Handler:
    def __init__(self, reply: str) -> None:
        self.envelopes: list[Envelope] = []
        self.reply = reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802
        if self.reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.reply


def _authenticate(server: Any, session: Any, envelope: Any, mech: str, data: Any) -> AuthResult:
    ok = data.login == USER.encode() and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path] | None:
    """A certificate and key for 127.0.0.1 made with the openssl tool; None without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


class FakeSmtp:
    """`with FakeSmtp() as smtp:` a server that requires AUTH; `smtp.messages` holds the mail.

    `tls="starttls"` offers (and requires) STARTTLS, `tls="ssl"` speaks TLS from the start,
    both with the certificate `cert` (a (cert, key) pair); AUTH then needs TLS.
    """

    def __init__(
        self,
        reply: str = "250 OK",
        auth: bool = True,
        tls: str | None = None,
        cert: tuple[Path, Path] | None = None,
    ) -> None:
        self.port = free_port()
        self.handler = _Handler(reply)
        # aiosmtpd counts only STARTTLS as TLS for AUTH; implicit TLS ("ssl") is TLS too.
        options: dict[str, Any] = {"auth_require_tls": tls == "starttls"}
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
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)

    @property
    def envelopes(self) -> list[Envelope]:
        return self.handler.envelopes

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content or e.content, policy=policy.default)
            for e in self.envelopes
        ]

    def __enter__(self) -> FakeSmtp:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
