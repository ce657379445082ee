"""A webhook receiver on 127.0.0.1 for tests: records every POST, answers scripted statuses."""

from __future__ import annotations

from pathlib import Path

from fakes.base import Exchange, FakeServer, Request, tls_context


class FakeWebhook(FakeServer):
    """`with FakeWebhook(500, 200) as hook:` answers 500, then 200 for every later request.

    `stall` seconds are waited before answering the first `stalls` requests (a timeout).
    `cert` (a (cert, key) pair) serves HTTPS with that certificate.
    `limits` maps a JSON body field to its most characters, as the real services enforce
    them (e.g. `{"content": 2000}` for Discord): a longer one is answered 400, a JSON error.
    """

    methods = frozenset({"POST"})

    def __init__(
        self,
        *statuses: int,
        stall: float = 0.0,
        stalls: int = 0,
        cert: tuple[Path, Path] | None = None,
        limits: dict[str, int] | None = None,
    ) -> None:
        super().__init__(tls_context(cert) if cert is not None else None)
        self.statuses = list(statuses) or [200]
        self.stall, self.stalls = stall, stalls
        self.limits = limits or {}

    @property
    def received(self) -> list[Request]:
        """Every POST, in order."""
        return self.log

    @property
    def url(self) -> str:
        """A Slack-like webhook URL on this server."""
        return f"{self.origin}/services/T000/B000/SECRETTOKEN123456"

    def answer(self, exchange: Exchange) -> None:
        """Answer the next scripted status (the last one again and again), after any stall."""
        n = exchange.request.number - 1
        if n < self.stalls:
            exchange.wait(self.stall)
        if self.limits:
            body = exchange.request.json()
            over = [k for k, most in self.limits.items() if len(body.get(k, "")) > most]
            if over:
                error = {"message": "Invalid Form Body", "fields": over}
                exchange.send_json(400, error)
                return
        exchange.send(self.statuses[min(n, len(self.statuses) - 1)], b"ok")
