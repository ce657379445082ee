"""Review: a Bluesky or Mastodon run is bounded, and `--since` follows the AppView's order.

An endless feed of fresh posts used to be followed for as long as the server kept making
them (only X has a timeline cap). The run cap is lowered here so that the fake feeds,
which are long but finite, are "endless" for one run.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakes import social
from fakes.social import (
    MASTODON_LOCAL_ID,
    MASTODON_USER,
    OWNER_DID,
    OWNER_HANDLE,
    FakeSocial,
    bsky_copy,
    bsky_feed,
    mastodon_statuses,
    real_feed,
)

from linkratio import cli, sync
from linkratio.frame import Library
from linkratio.net.bluesky import BlueskyApi
from linkratio.sync import sync_account

FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
STATUSES = f"/api/v1/accounts/{MASTODON_LOCAL_ID}/statuses"
CAP = 300


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    # raising=False: on code without a run cap the test runs on and fails on what it checks.
    monkeypatch.setattr(sync, "RUN_CAP", CAP, raising=False)
    return CAP


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(argv, out=out), out.getvalue()


def test_an_endless_bluesky_feed_stops_at_the_run_cap_and_the_next_run_goes_on(
    fake: FakeSocial, lib: Library, small_cap: int
) -> None:
    fake.feed = bsky_feed(10 * small_cap)  # far more fresh posts than one run may read
    with BlueskyApi() as api:
        account = api.resolve(OWNER_HANDLE)
        first = sync_account(lib, api, account)
        saved = lib.cursor("bluesky", OWNER_DID)
        second = sync_account(lib, api, account)
    assert (first.posts_read, first.new_posts, first.complete) == (small_cap, small_cap, False)
    assert saved is not None and saved["cursor"]  # what was read stays, with where to go on
    calls = fake.calls(FEED)
    assert calls[first.pages].params["cursor"] == saved["cursor"]  # resumed, not restarted
    assert (second.new_posts, second.complete) == (small_cap, False)
    assert len(lib.posts("bluesky", OWNER_DID)) == 2 * small_cap


def test_an_endless_mastodon_feed_ends_the_fetch_cleanly_and_resumes(
    fake: FakeSocial, tmp_path: Path, small_cap: int
) -> None:
    fake.statuses = mastodon_statuses(10 * small_cap, fake.url)
    db = str(tmp_path / "lib.sqlite")
    name = f"mastodon:@{MASTODON_USER}@{fake.host}"
    code, text = run(["fetch", name, "--db", db])
    assert code == 0  # a run cut short by the cap is not a failure for cron
    read = small_cap  # pages of 40, the last one asking only for what the cap leaves
    assert f"fetched {read} posts" in text and "the next run continues" in text
    assert "--max-posts" not in text  # it was not --max-posts that stopped it
    first_pages = len(fake.calls(STATUSES))
    code, text = run(["fetch", name, "--db", db, "--quiet"])
    assert (code, text) == (0, "")
    calls = fake.calls(STATUSES)
    oldest_read = fake.statuses[read - 1]["id"]
    assert calls[first_pages].params["max_id"] == oldest_read
    with Library(Path(db)) as lib:
        assert len(lib.posts("mastodon", f"{fake.url}/@{MASTODON_USER}")) == 2 * read


def test_max_posts_above_the_run_cap_is_what_the_user_asked_for(
    fake: FakeSocial, tmp_path: Path, small_cap: int
) -> None:
    fake.feed = bsky_feed(10 * small_cap)
    db = str(tmp_path / "lib.sqlite")
    code, text = run(["fetch", f"bsky:{OWNER_HANDLE}", "--db", db, "--max-posts", "500"])
    assert code == 0 and "fetched 500 posts" in text and "stopped at --max-posts" in text


def test_a_short_feed_is_read_whole_under_the_cap(
    fake: FakeSocial, lib: Library, small_cap: int
) -> None:
    fake.feed = bsky_feed(small_cap - 50)
    with BlueskyApi() as api:
        done = sync_account(lib, api, api.resolve(OWNER_HANDLE))
    assert (done.new_posts, done.complete) == (small_cap - 50, True)
    assert lib.cursor("bluesky", OWNER_DID) is None


def _appview_sort_time(item: dict[str, Any]) -> str:
    """How the AppView orders an author feed: a feed item's `sortAt` is the earlier of its
    record's `createdAt` and its indexing time (a back-dated post sorts at its claimed date)."""
    reason = item.get("reason")
    if reason:
        return str(reason["indexedAt"])
    return min(str(item["post"]["record"]["createdAt"]), str(item["post"]["indexedAt"]))


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_since_skips_an_imported_history_that_was_indexed_after_it(
    fake: FakeSocial, lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Joined in December 2024, posted every hour since, and imported 2013's tweets (back-dated
    # createdAt, indexed on 5 December). The AppView sorts the imports at 2013, below every
    # native post: `--since 2024-11-01` must store the native posts and none of the imports,
    # although the imports were indexed after that day.
    monkeypatch.setattr(social, "sort_time", _appview_sort_time)
    shapes = [i for i in real_feed() if "reason" not in i]
    newest, tweeted, imported_on = (
        datetime(2025, 1, 10, tzinfo=UTC),
        datetime(2013, 6, 1, tzinfo=UTC),
        datetime(2024, 12, 5, tzinfo=UTC),
    )
    native = [
        bsky_copy(shapes[n % len(shapes)], newest - timedelta(hours=n), n) for n in range(250)
    ]
    imported = []
    for n in range(300):
        item = bsky_copy(shapes[n % len(shapes)], tweeted, 1000 + n)
        item["post"]["record"]["createdAt"] = _iso(tweeted - timedelta(days=n))
        item["post"]["indexedAt"] = _iso(imported_on + timedelta(seconds=n))
        imported.append(item)
    fake.feed = sorted(native + imported, key=_appview_sort_time, reverse=True)
    with BlueskyApi() as api:
        done = sync_account(lib, api, api.resolve(OWNER_HANDLE), since=date(2024, 11, 1))
    stored = lib.posts("bluesky", OWNER_DID)
    assert done.complete and len(stored) == 250
    assert min(p.created_at for p in stored) >= datetime(2024, 11, 1, tzinfo=UTC)
    assert len(fake.calls(FEED)) == 3  # the imported history's pages are not read
