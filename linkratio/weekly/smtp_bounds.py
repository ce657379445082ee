"""SMTP connections that cannot hold a run: a deadline for the whole conversation, and a
cap on each reply.

smtplib's timeout bounds each read only: a server that trickles a byte every few seconds,
or sends continuation lines (`250-…`) without end, would hold the weekly run (and the
library's run lock) forever and fill memory. Here the connection is shut down when its
deadline passes (the blocked read then ends), and a reply longer than `MAX_REPLY` bytes
is refused. Its end (QUIT) never fails a conversation: the mail was taken or not before.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import threading
from typing import Any, BinaryIO

MAX_REPLY = 1024 * 1024
"""The most bytes of one server reply read."""


class _CappedReader:
    """A reply stream read through a byte budget that `getreply` renews for each reply."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.left = MAX_REPLY

    def readline(self, size: int = -1) -> bytes:
        """A line as the stream gives it; OSError once the reply passes its budget."""
        line = self.file.readline(size)
        self.left -= len(line)
        if self.left < 0:
            raise OSError(f"a reply longer than {MAX_REPLY} bytes")
        return line

    def close(self) -> None:
        """Close the stream."""
        self.file.close()


class BoundedSMTP(smtplib.SMTP):
    """`smtplib.SMTP` whose connection is cut `deadline` seconds after it began."""

    cut = False
    _timer: threading.Timer | None = None

    def __init__(self, *args: Any, deadline: float = 60.0, **kwargs: Any) -> None:
        self.deadline = deadline  # the constructor connects: set before it runs
        super().__init__(*args, **kwargs)

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> Any:
        """Connect, with the deadline running from now (the greeting included)."""
        self._timer = threading.Timer(self.deadline, self._cut)
        self._timer.daemon = True
        self._timer.start()
        try:
            return super().connect(host, port, source_address)
        except BaseException:
            self.close()  # the constructor leaves a failed connection open
            raise

    def _cut(self) -> None:
        self.cut = True
        sock = self.sock  # the TLS socket after STARTTLS
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def getreply(self) -> tuple[int, bytes]:
        """smtplib's reply, read within the deadline and `MAX_REPLY` bytes."""
        if self.file is None and self.sock is not None:
            self.file = _CappedReader(self.sock.makefile("rb"))
        if isinstance(self.file, _CappedReader):
            self.file.left = MAX_REPLY
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected:
            if self.cut:
                raise TimeoutError(f"no whole answer within {self.deadline:g} s") from None
            raise

    def __exit__(self, *args: object) -> None:
        """Say QUIT and close, whatever the server answers to QUIT.

        smtplib's exit raises for an answer other than 221: a mail the server had taken
        (250) then counted as failed, unrecorded, and the next run sent it again; after a
        failure, the QUIT's error replaced the one that said what went wrong.
        """
        with contextlib.suppress(smtplib.SMTPException, OSError):
            self.quit()
        self.close()

    def close(self) -> None:
        """Close the connection and stop its deadline."""
        if self._timer is not None:
            self._timer.cancel()
        super().close()


class BoundedSMTPSSL(BoundedSMTP, smtplib.SMTP_SSL):
    """`smtplib.SMTP_SSL` (TLS from the start) with the same deadline and reply cap."""
