"""The library kept in step with a real HTTP peer: the fake X API driven by the real tweepy.

Each scenario is checked by what the library holds and by the requests the server saw.
"""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes.x_api import FakeXApi, Fault, rate_limited, timeline
from helpers import credentials_for

from linkratio.cli import main
from linkratio.errors import RateLimited
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.net.x import XClient
from linkratio.sync import sync_account

OWNER_ID = "2351222345"
OWNER = "PhillyNEFL"
CREDS = credentials_for("SYNC")
ACCOUNT = Account("x", OWNER_ID, OWNER)
FIXTURE = Path(__file__).parent / "fixtures" / "x_v2" / "withheld_line4_user_timeline.jsonl"


@pytest.fixture
def api(start_fake):
    return start_fake(FakeXApi, **dataclasses.asdict(CREDS))


def client(api: FakeXApi, **options: object) -> XClient:
    return XClient(
        CREDS, base_url=api.base_url, backoff=0.01, timeout=5.0, sleep=lambda s: None, **options
    )


def stored_ids(lib: Library) -> list[str]:
    return [p.id for p in lib.posts("x", OWNER_ID)]


def test_full_backfill_then_nothing_new_is_one_request(api: FakeXApi, lib: Library) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    result = sync_account(lib, client(api), ACCOUNT)
    assert (result.pages, result.posts_read, result.new_posts, result.complete) == (
        3,
        250,
        250,
        True,
    )
    assert sorted(stored_ids(lib)) == sorted(t["id"] for t in api.timelines[OWNER_ID])
    assert lib.cursor("x", OWNER_ID) is None
    before = len(api.seen("/tweets"))
    again = sync_account(lib, client(api), ACCOUNT)
    seen = api.seen("/tweets")[before:]
    assert len(seen) == 1  # a weekly run with nothing new costs one request
    assert seen[0].query["since_id"] == api.timelines[OWNER_ID][0]["id"]
    assert (again.posts_read, again.new_posts) == (0, 0)


def test_incremental_run_reads_only_newer_posts(api: FakeXApi, lib: Library) -> None:
    api.timelines[OWNER_ID] = timeline(120, newer=0)
    sync_account(lib, client(api), ACCOUNT)
    newest = api.timelines[OWNER_ID][0]["id"]
    api.timelines[OWNER_ID] = timeline(120, newer=7)
    result = sync_account(lib, client(api), ACCOUNT)
    assert (result.posts_read, result.new_posts) == (7, 7)
    assert api.seen("/tweets")[-1].query["since_id"] == newest
    assert len(stored_ids(lib)) == 127


def test_max_posts_stops_and_the_next_run_continues_the_backfill(
    api: FakeXApi, lib: Library
) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    first = sync_account(lib, client(api), ACCOUNT, max_posts=100)
    assert (first.posts_read, first.complete) == (100, False)
    cursor = lib.cursor("x", OWNER_ID)
    assert cursor is not None and cursor["cursor"] == api.timelines[OWNER_ID][99]["id"]
    before = len(api.seen("/tweets"))
    second = sync_account(lib, client(api), ACCOUNT)
    resumed = api.seen("/tweets")[before]
    assert resumed.query["until_id"] == api.timelines[OWNER_ID][99]["id"]
    assert second.complete and second.new_posts == 150
    assert sorted(stored_ids(lib)) == sorted(t["id"] for t in api.timelines[OWNER_ID])
    assert lib.cursor("x", OWNER_ID) is None


def test_rate_limit_without_waiting_keeps_the_pages_and_resumes(
    api: FakeXApi, lib: Library
) -> None:
    api.timelines[OWNER_ID] = timeline(250)
    api.script(rate_limited(reset_in=30, path="/tweets", at={2}))
    with pytest.raises(RateLimited) as caught:
        sync_account(lib, client(api, wait_on_rate_limit=False), ACCOUNT)
    assert caught.value.exit_code == 75
    assert len(stored_ids(lib)) == 100  # the first page is kept
    before = len(api.seen("/tweets"))
    result = sync_account(lib, client(api), ACCOUNT)
    assert result.new_posts == 150
    assert api.seen("/tweets")[before].query["until_id"] == api.timelines[OWNER_ID][99]["id"]
    assert len(set(stored_ids(lib))) == 250


def test_archive_then_api_reads_only_what_the_archive_lacks(api: FakeXApi, lib: Library) -> None:
    from linkratio.sources import read

    saved = read(FIXTURE, keep_raw=True)
    assert lib.save_posts(saved.account, saved.posts, origin="file").inserted == 100
    api.timelines[OWNER_ID] = timeline(130, newer=30)
    result = sync_account(lib, client(api), ACCOUNT)
    assert (result.posts_read, result.new_posts) == (30, 30)  # the 100 are never bought
    assert api.seen("/tweets")[0].query["since_id"] == api.timelines[OWNER_ID][30]["id"]
    ids = stored_ids(lib)
    assert len(ids) == len(set(ids)) == 130


def test_api_then_archive_overlap_is_stored_once(api: FakeXApi, lib: Library) -> None:
    from linkratio.sources import read

    api.timelines[OWNER_ID] = timeline(130, newer=30)
    assert sync_account(lib, client(api), ACCOUNT).new_posts == 130
    saved = read(FIXTURE, keep_raw=True)  # the same 100 real tweets, saved from the API
    result = lib.save_posts(saved.account, saved.posts, origin="file")
    assert (result.inserted, result.updated) == (0, 100)
    assert len(stored_ids(lib)) == 130
    # ...and what the library holds is not bought again.
    assert sync_account(lib, client(api), ACCOUNT).posts_read == 0


def _run_fetch(db: Path, api: FakeXApi, *extra: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "LINKRATIO_X_API_URL": api.base_url,
        "X_BEARER_TOKEN": CREDS.bearer_token or "",
        "LINKRATIO_DB": str(db),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "linkratio", "fetch", f"@{OWNER}", "--quiet", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_mid_backfill_resumes_without_gap_or_duplicate(
    api: FakeXApi, tmp_path: Path
) -> None:
    api.timelines[OWNER_ID] = timeline(450)
    api.script(Fault(stall=30.0, path="/tweets", at={4}))  # the 3rd timeline page hangs
    db = tmp_path / "lib.sqlite"
    proc = _run_fetch(db, api)
    deadline = time.monotonic() + 20
    while len(api.seen("/tweets")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(api.seen("/tweets")) == 3, proc.stderr.read() if proc.poll() is not None else ""
    time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)  # kill -9 while the third page is in flight
    proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    with Library(db) as lib:
        assert len(stored_ids(lib)) == 200
        assert lib.cursor("x", OWNER_ID)["cursor"] == api.timelines[OWNER_ID][199]["id"]
    before = len(api.seen("/tweets"))
    done = _run_fetch(db, api)
    out, err = done.communicate(timeout=60)
    assert done.returncode == 0, err
    after = api.seen("/tweets")[before:]
    assert after[0].query["until_id"] == api.timelines[OWNER_ID][199]["id"]  # no page read twice
    with Library(db) as lib:
        ids = stored_ids(lib)
    assert len(ids) == len(set(ids)) == 450  # no gap, no duplicate


def test_cli_fetch_errors_are_one_line_with_meaningful_exit_codes(
    api: FakeXApi, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    for env in (
        "X_BEARER_TOKEN",
        "X_CONSUMER_KEY",
        "X_CONSUMER_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
    ):
        monkeypatch.delenv(env, raising=False)
    assert main(["fetch", f"@{OWNER}"], out=io.StringIO()) == 2
    assert "X_BEARER_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("X_BEARER_TOKEN", "wrong-token-XYZ")
    assert main(["fetch", f"@{OWNER}"], out=io.StringIO()) == 77
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "401" in err and "wrong-token-XYZ" not in err
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    assert main(["fetch", "@nobody_here_1"], out=io.StringIO()) == 2
    assert "no X account @nobody_here_1" in capsys.readouterr().err
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}"], out=out) == 0
    assert "fetched 100 posts" in out.getvalue()
    assert main(["accounts"], out=(listing := io.StringIO())) == 0
    assert f"@{OWNER}" in listing.getvalue() and "100" in listing.getvalue()
    assert main(["audit", f"@{OWNER}", "--json", "--tz", "UTC"], out=(audit := io.StringIO())) == 0
    assert '"posts": 100' in audit.getvalue()


def test_cli_fetch_cost_line_no_wait_and_quiet(
    api: FakeXApi, tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("X_BEARER_TOKEN", CREDS.bearer_token or "")
    api.timelines[OWNER_ID] = timeline(250)
    api.script(rate_limited(reset_in=30, path="/tweets", at={3}))
    out = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--no-wait", "--max-posts", "5"], out=out) == 0
    err = capsys.readouterr().err
    assert "first fetch of @PhillyNEFL: up to 5 posts, at most $0.04" in err  # lookup too
    assert "stopped at --max-posts" in out.getvalue()
    code = main(["fetch", f"@{OWNER}", "--no-wait"], out=io.StringIO())
    err = capsys.readouterr().err
    assert code == 75
    # Going on with the backfill the capped run left may cost as much as a first one: said
    # first, as for a first fetch; then the error, in one line.
    notice, error = err.splitlines()
    going_on = "going on with the unfinished backfill of @PhillyNEFL: up to 3,200 posts"
    assert going_on in notice and "at most $16.00" in notice
    assert "next run resumes" in error
    quiet = io.StringIO()
    assert main(["fetch", f"@{OWNER}", "--quiet"], out=quiet) == 0
    assert quiet.getvalue() == "" and capsys.readouterr().err == ""
    with Library(tmp_path / "lib.sqlite") as lib:
        assert len(set(stored_ids(lib))) == 250


def test_cli_fetch_me_remembers_the_owner_so_nothing_new_is_one_request(
    api: FakeXApi, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
    monkeypatch.setenv("LINKRATIO_DB", str(tmp_path / "lib.sqlite"))
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    for env, value in (
        ("X_CONSUMER_KEY", CREDS.consumer_key),
        ("X_CONSUMER_SECRET", CREDS.consumer_secret),
        ("X_ACCESS_TOKEN", CREDS.access_token),
        ("X_ACCESS_TOKEN_SECRET", CREDS.access_token_secret),
    ):
        monkeypatch.setenv(env, value or "")
    assert main(["fetch", "--me", "--quiet"], out=io.StringIO()) == 0
    assert [r.path for r in api.seen()][0] == "/2/users/me"
    before = len(api.seen())
    assert main(["fetch", "--me", "--quiet"], out=io.StringIO()) == 0
    again = api.seen()[before:]
    assert [r.path for r in again] == [f"/2/users/{OWNER_ID}/tweets"]  # one request, no /me
    assert again[0].auth == "oauth1"
    with Library(tmp_path / "lib.sqlite") as lib:
        assert len(stored_ids(lib)) == 100
        stored = repr(lib._db.execute("SELECT key, value FROM settings").fetchall())
    assert OWNER_ID in stored
    assert all(secret not in stored for secret in CREDS.values())
