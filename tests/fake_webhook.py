"""A webhook receiver on 127.0.0.1 for tests: records every POST, answers scripted statuses."""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeWebhook:
    """`with FakeWebhook(500, 200) as hook:` answers 500, then 200 for every later request.

    `stall` seconds are waited before answering the first `stalls` requests (a timeout).
    `cert` (a (cert, key) pair) serves HTTPS with that certificate.
    """

    def __init__(
        self,
        *statuses: int,
        stall: float = 0.0,
        stalls: int = 0,
        cert: tuple[Path, Path] | None = None,
    ) -> None:
        self.statuses = list(statuses) or [200]
        self.scheme = "https" if cert else "http"
        self.stall, self.stalls = stall, stalls
        self.received: list[Received] = []
        self._lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with hook._lock:
                    n = len(hook.received)
                    hook.received.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    status = hook.statuses[min(n, len(hook.statuses) - 1)]
                if n < hook.stalls:
                    time.sleep(hook.stall)
                payload = b"ok"
                try:
                    self.send_response(status)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        if cert is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*cert)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host}:{port}/services/T000/B000/SECRETTOKEN123456"

    def __enter__(self) -> FakeWebhook:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
