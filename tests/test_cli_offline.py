"""Offline: every platform fails at once, expand says why links failed, --open says so.

No name lookup leaves the machine: `socket.getaddrinfo` is replaced in-process by one that
fails as a machine without a network does (EAI_AGAIN) and records what it was asked.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import SAMPLE

from linkratio.cli import main
from linkratio.frame import Library
from linkratio.model import Account, Link, Post

EXIT_UNAVAILABLE = 69


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No network: every lookup fails with EAI_AGAIN; the names asked are returned."""
    asked: list[str] = []

    def no_network(host: object, *args: object, **kwargs: object) -> object:
        asked.append(str(host))
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    for proxy in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    return asked


@pytest.mark.parametrize(
    "account", ["@marenbuilds", "bsky:alice.bsky.social", "mastodon:@alice@example.social"]
)
def test_fetch_offline_fails_at_once_on_every_platform(
    tmp_path: Path,
    offline: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    account: str,
) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", "bearer-offline")
    monkeypatch.delenv("LINKRATIO_X_API_URL", raising=False)
    started = time.monotonic()
    code = main(["fetch", account, "--db", str(tmp_path / "lib.sqlite")])
    took = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == EXIT_UNAVAILABLE, err
    assert "does not resolve" in err and "bearer-offline" not in err
    assert len(offline) == 1, offline  # asked once: no retry for a name that does not resolve
    assert took < 10  # was 31.5 s of backoff for X


def _short_link_library(path: Path, count: int) -> None:
    posts = [
        Post(
            platform="x",
            id=str(i),
            created_at=datetime(2024, 5, 1, 10, i, tzinfo=UTC),
            text=f"read https://bit.ly/x{i}",
            author_id="42",
            author_handle="ana",
            links=(Link(f"https://bit.ly/x{i}"),),
            source="api",
        )
        for i in range(1, count + 1)
    ]
    with Library(path) as lib:
        lib.save_posts(Account("x", "42", "ana"), posts, origin="file")


def test_expand_offline_names_the_cause(
    tmp_path: Path, offline: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    _short_link_library(db, 3)
    code = main(["expand", "@ana", "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3 failed (no network: 3 links, rerun later)" in out
    assert set(offline) == {"bit.ly"}


def test_report_open_without_a_browser_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) and False)
    code = main(["report", str(SAMPLE), "--out", str(tmp_path / "r"), "--open", "--tz", "UTC"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert len(opened) == 1 and opened[0].startswith("file://")
    assert err.splitlines() == [
        f"linkratio: no browser found to open {tmp_path / 'r' / 'report.html'}: open it by hand"
    ]
