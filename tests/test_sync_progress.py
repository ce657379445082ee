"""The sync engine stops on pages that make no progress, on every platform, over real HTTP.

A server that hands out a new cursor on every page while the pages hold nothing (X), or
the same posts again (Bluesky, Mastodon), must not be followed forever: after a few such
pages the run stops with NoProgressError (exit 69, one line), its requests counted.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fakes.scripted import Answer, Asked, Scripted, json_answer
from fakes.social import MASTODON_USER, OWNER_HANDLE, FakeSocial
from helpers import Waits

from linkratio import sync
from linkratio.cli import main
from linkratio.errors import NoProgressError
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.bluesky import BlueskyApi
from linkratio.net.mastodon import MastodonApi
from linkratio.net.x import Credentials, XClient
from linkratio.sync import NO_PROGRESS_PAGES, sync_account

USER = {"data": {"id": "42", "name": "Loop", "username": "looper"}}
TIMELINE = "/2/users/42/tweets"


def endless_tokens(asked: Asked) -> Answer:
    """An X API that answers every timeline page with no posts and a new next_token."""
    if asked.path.startswith("/2/users/by/username/"):
        return json_answer(USER)
    return json_answer({"meta": {"result_count": 0, "next_token": f"token{asked.number}"}})


def timeline_requests(server: Scripted) -> int:
    return sum(a.path == TIMELINE for a in server.asked)


def test_x_endless_tokens_without_posts_stop_with_exit_69(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with Scripted(endless_tokens) as server:
        monkeypatch.setenv("LINKRATIO_X_API_URL", server.url)
        monkeypatch.setenv("X_BEARER_TOKEN", "BEARER-progress-secret")
        monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
        monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
        code = main(["fetch", "@looper", "--quiet"], out=io.StringIO())
        assert timeline_requests(server) == NO_PROGRESS_PAGES
    err = capsys.readouterr().err
    assert code == 69
    assert err.count("\n") == 1 and "nothing new" in err and "@looper" in err


def test_x_empty_pages_count_against_max_posts(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "NO_PROGRESS_PAGES", 1000)  # only the budget stops it now
    with Scripted(endless_tokens) as server:
        client = XClient(Credentials(bearer_token="b" * 20), base_url=server.url)
        result = sync_account(lib, client, Account("x", "42", "looper"), max_posts=12)
        # 8 empty pages count 8; the 4 left are fewer than the 5 an X request may read.
        assert timeline_requests(server) == 8
    assert (result.pages, result.posts_read, result.complete) == (8, 0, False)


def test_x_timeline_cap_bounds_a_run_of_empty_pages(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync, "NO_PROGRESS_PAGES", 1000)
    with Scripted(endless_tokens) as server:
        client = XClient(Credentials(bearer_token="b" * 20), base_url=server.url)
        client.timeline_cap = 9
        result = sync_account(lib, client, Account("x", "42", "looper"))
        assert timeline_requests(server) == 9
    assert result.complete is False


class _RepeatingSocial(FakeSocial):
    """Bluesky and Mastodon servers that serve the first page again and again."""

    def _author_feed(self, params: dict[str, str]) -> tuple[int, Any]:
        n = len(self.requests)
        return 200, {"feed": self.feed[:5], "cursor": f"2024-01-01T00:00:00Z::{n}"}

    def _statuses(self, params: dict[str, str]) -> tuple[int, Any]:
        return 200, self.statuses[:10]  # max_id ignored


@pytest.fixture
def repeating(monkeypatch: pytest.MonkeyPatch) -> Any:
    with _RepeatingSocial() as server:
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        monkeypatch.setenv("LINKRATIO_MASTODON_SCHEME", "http")
        monkeypatch.delenv("LINKRATIO_MASTODON_TOKEN", raising=False)
        monkeypatch.delenv("LINKRATIO_MASTODON_INSTANCE", raising=False)
        monkeypatch.setenv("LINKRATIO_CONFIG", "/nonexistent/linkratio-test-config.toml")
        yield server


def test_bluesky_new_cursors_over_the_same_posts_stop(repeating: FakeSocial, lib: Library) -> None:
    with BlueskyApi(**Waits().options()) as api:
        account = api.resolve(OWNER_HANDLE)
        with pytest.raises(NoProgressError) as caught:
            sync_account(lib, api, account)
    error = caught.value
    assert error.exit_code == 69 and error.platform == "bluesky" and "\n" not in str(error)
    assert len(repeating.calls("/xrpc/app.bsky.feed.getAuthorFeed")) == 1 + NO_PROGRESS_PAGES
    assert len(lib.posts("bluesky", account.id or "")) == 5


def test_mastodon_ignoring_max_id_stops(repeating: FakeSocial, lib: Library) -> None:
    with (
        MastodonApi(repeating.host, **Waits().options()) as api,
        pytest.raises(NoProgressError) as caught,
    ):
        sync_account(lib, api, api.resolve(f"@{MASTODON_USER}@{repeating.host}"))
    assert caught.value.platform == "mastodon" and caught.value.exit_code == 69
    statuses = [r for r in repeating.requests if r.path.endswith("/statuses")]
    assert len(statuses) == 2  # the second page names the max_id the first did: a loop


def test_cli_fetch_of_a_looping_bluesky_feed_exits_69_in_one_line(
    repeating: FakeSocial, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lib.sqlite")
    code = main(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db, "--quiet"], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 69 and err.count("\n") == 1 and "nothing new" in err
