"""A fake server whose every answer the test scripts, on the one `FakeServer` base.

`Scripted(answer)` calls `answer(request)` for each request and sends the `Answer` it
returns: a status with headers, a body sent at once or a byte at a time (a trickle), under
a false `content-length`, or as an endless chunked stream. `sent` records how many body
bytes each answer got out before the client went away.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from fakes.base import Exchange, FakeServer, Request

Asked = Request
"""One request as the server saw it (number, method, path, query, headers, body)."""


@dataclass
class Answer:
    """What to send back."""

    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    drip: float = 0.0
    """Seconds between the body's bytes (a trickle)."""
    length: int | None = None
    """The content-length to claim instead of the body's own."""
    endless: bool = False
    """Send chunk after chunk until the client goes away."""


def json_answer(body: Any, status: int = 200, **headers: str) -> Answer:
    """A JSON answer."""
    return Answer(status, orjson.dumps(body), {"content-type": "application/json", **headers})


_CHUNK = b"x" * 65536


class Scripted(FakeServer):
    """`with Scripted(answer) as server:`, then point a client at `server.url`."""

    methods = frozenset({"GET", "POST"})
    protocol_version = "HTTP/1.1"

    def __init__(
        self, script: Callable[[Asked], Answer], tls: ssl.SSLContext | None = None
    ) -> None:
        super().__init__(tls)
        self.script = script
        self.sent: list[int] = []
        """Body bytes written per answer (for endless ones: until the client left)."""

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT"""
        return self.origin

    @property
    def asked(self) -> list[Asked]:
        """Every request, in order of arrival."""
        return self.log

    def answer(self, exchange: Exchange) -> None:
        """Send what the script says for this request."""
        answer = self.script(exchange.request)
        if answer.endless:
            head = _head(answer, {"transfer-encoding": "chunked"})
            sent = exchange.stream(head, b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK))
        elif answer.length is not None:  # claim more than is sent, then hold the line
            head = _head(answer, {"content-length": str(answer.length)})
            exchange.stream(head + answer.body, b"", pause=3600)
            sent = len(answer.body)
        else:
            if answer.drip:
                exchange.hang_up()
            exchange.send(answer.status, answer.body, answer.headers, drip=answer.drip)
            sent = len(answer.body) if exchange.request.status is not None else 0
        with self.lock:
            self.sent.append(sent)


def _head(answer: Answer, extra: dict[str, str]) -> bytes:
    """The status line and headers of `answer`, written by hand (for what `send` cannot)."""
    lines = [f"HTTP/1.1 {answer.status} Scripted"]
    lines += [f"{name}: {value}" for name, value in {**answer.headers, **extra}.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
