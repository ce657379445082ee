"""Review of the network side: hostile answers that escaped the policy or made a traceback.

Every server is a fake on 127.0.0.1 (tests/fakes/scripted.py); waits are recorded, never
slept. Each test failed before its fix.
"""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from fakes.scripted import Answer, Asked, Scripted, json_answer
from helpers import Waits

from linkratio.errors import ApiError, ApiUnavailable
from linkratio.net.service import ServiceClient


def service(server: Scripted, **policy: Any) -> ServiceClient:
    options = {"timeout": 5.0, "backoff": 0.01, **policy}
    return ServiceClient("Test", server.url, platform="bluesky", **Waits().options(**options))


# --- Bluesky and Mastodon: redirects and bodies ---------------------------------------


def test_a_redirect_body_is_never_read() -> None:
    # httpx read a redirect's body whole before following it: no cap, no deadline (an
    # endless one grew to gigabytes). This one claims 64 MiB and never sends it.
    def answer(asked: Asked) -> Answer:
        if asked.path == "/start":
            return Answer(302, b"", {"location": "/end"}, length=64 * 1024 * 1024)
        return json_answer({"ok": 1})

    with Scripted(answer) as server:
        client = service(server, timeout=1.0, retries=0)
        try:
            assert client.get_json("/start") == {"ok": 1}
        finally:
            client.close()
        assert [r.path for r in server.asked] == ["/start", "/end"]
        assert client.requests == 2


def test_a_redirect_loop_is_one_line_and_not_retried() -> None:
    with Scripted(lambda asked: Answer(302, b"", {"location": asked.target})) as server:
        client = service(server)
        try:
            with pytest.raises(ApiUnavailable) as err:
                client.get_json("/loop")
        finally:
            client.close()
        assert len(server.asked) == 11  # the request and 10 redirects, once
    assert "redirected /loop more than 10 times" in str(err.value)
    assert err.value.exit_code == 69 and "\n" not in str(err.value)


def test_a_cross_origin_redirect_carries_no_token() -> None:
    with Scripted(lambda asked: json_answer({"ok": 2})) as other:

        def answer(asked: Asked) -> Answer:
            return Answer(302, b"", {"location": f"{other.url}/there"})

        with Scripted(answer) as server:
            options = Waits().options(timeout=5.0, token="TOK-12345")
            client = ServiceClient("T", server.url, platform="mastodon", **options)
            try:
                assert client.get_json("/here") == {"ok": 2}
            finally:
                client.close()
            assert server.asked[0].headers["authorization"] == "Bearer TOK-12345"
        assert "authorization" not in other.asked[0].headers


def test_a_body_that_cannot_be_decoded_is_retried_then_one_line() -> None:
    garbage = Answer(200, b"not gzip at all", {"content-encoding": "gzip"})
    with Scripted(lambda asked: garbage) as server:
        client = service(server, retries=2)
        try:
            with pytest.raises(ApiUnavailable) as err:
                client.get_json("/x")
        finally:
            client.close()
        assert len(server.asked) == 3
    assert "sent a body that cannot be decoded" in str(err.value)
    assert isinstance(err.value, ApiError) and err.value.exit_code == 69


def test_a_gzipped_body_still_reads() -> None:
    good = Answer(200, gzip.compress(b'{"ok": 3}'), {"content-encoding": "gzip"})
    with Scripted(lambda asked: good) as server:
        client = service(server)
        try:
            assert client.get_json("/x") == {"ok": 3}
        finally:
            client.close()
