"""Review leftovers: `cohort sql` streams its result; check sees garbled post times; SOCKS is
refused in one line; the weekly JSON webhook body is bounded; sync bounds its requests."""

from __future__ import annotations

import json
import socket
import sqlite3
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fakes.base import RawServer
from fakes.social import MASTODON_USER, OWNER_HANDLE, FakeSocial, bsky_copy
from fakes.webhook import FakeWebhook
from fakes.x_api import FakeXApi
from test_cohort_cli import built, run  # noqa: F401  (the fixture)

from linkratio.cohort.query import sql
from linkratio.frame import Library
from linkratio.net.x import Credentials

# --- cohort sql streams its result ----------------------------------------------------------

ROWS = 200_000
MANY = f"SELECT i, 'row ' || i AS label FROM range({ROWS}) r(i)"
BOUND = 8_000_000
"""Bytes of Python memory `cohort sql` may hold at once, whatever the number of rows."""


class _Sink:
    """A text stream that counts what it is given and keeps only the last bit of it."""

    def __init__(self) -> None:
        self.chars = 0
        self.tail = ""

    def write(self, text: str) -> int:
        self.chars += len(text)
        self.tail = (self.tail + text)[-200:]
        return len(text)


def _peak(action) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_holding_the_whole_result_would_pass_the_bound(built: Path):  # noqa: F811
    """The bound below means something: these rows, all held at once, take more than it."""
    assert _peak(lambda: sql(built, MANY)) > BOUND


@pytest.mark.parametrize("how", [[], ["--json"], ["--csv", "-"], ["--csv", "FILE"]])
def test_sql_streams_many_rows_in_bounded_memory(built: Path, tmp_path: Path, how: list[str]):  # noqa: F811
    from linkratio.cli import main

    target = tmp_path / "rows.csv"
    how = [str(target) if h == "FILE" else h for h in how]
    sink = _Sink()
    codes: list[int] = []
    peak = _peak(lambda: codes.append(main(["cohort", "sql", str(built), MANY, *how], out=sink)))  # type: ignore[arg-type]
    assert codes == [0]
    assert peak < BOUND
    if how == ["--json"]:
        assert sink.tail.endswith(f'"label": "row {ROWS - 1}"\n  }}\n]\n')
    elif how == ["--csv", "-"]:
        assert sink.tail.endswith(f"{ROWS - 1},row {ROWS - 1}\r\n")
    elif how:
        assert sink.tail == f"wrote {ROWS:,} rows to {target}\n"
        with target.open(newline="") as fh:
            assert sum(1 for _ in fh) == ROWS + 1
    else:
        assert sink.tail.endswith(f"{ROWS - 1:<6}  row {ROWS - 1}\n({ROWS:,} rows)\n")


FAILS_LATE = (
    "SELECT CAST(CASE WHEN i > 500000 THEN 'x' ELSE '1' END AS INT) AS n FROM range(1000000) r(i)"
)


def test_a_query_failing_halfway_is_one_line_and_leaves_the_csv_file(
    built: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    target = tmp_path / "rows.csv"
    target.write_text("previous\n")
    code, text = run("cohort", "sql", str(built), FAILS_LATE, "--csv", str(target))
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("linkratio: error: SQL error: Conversion Error") and err.count("\n") == 1
    assert target.read_text() == "previous\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary


def test_streamed_json_is_the_same_document(built: Path):  # noqa: F811
    code, text = run(
        "cohort", "sql", str(built), "SELECT i, NULL AS n, 'a' || chr(155) AS c FROM range(3) r(i)",
        "--json",
    )  # fmt: skip
    assert code == 0 and "\x9b" not in text
    assert json.loads(text) == [{"i": i, "n": None, "c": "a\x9b"} for i in range(3)]
    code, text = run("cohort", "sql", str(built), "SELECT 1 AS x WHERE false", "--json")
    assert code == 0 and text == "[]\n"


# --- library check names rows no command could read ----------------------------------------


def _check(path: Path) -> tuple[int, list[str]]:
    code, text = run("library", "check", "--db", str(path))
    return code, text.splitlines()


@pytest.mark.parametrize(
    ("garble", "found"),
    [
        ("UPDATE posts SET created_at = 'garbage' WHERE post_id = :id", "created_at 'garbage'"),
        ("UPDATE posts SET created_at = 1e300 WHERE post_id = :id", "created_at '1e+300'"),
        ("UPDATE posts SET links = 'garbage' WHERE post_id = :id", "links 'garbage'"),
        ("UPDATE posts SET mentions = '{}' WHERE post_id = :id", "mentions '{}'"),
        ("UPDATE posts SET fetched_at = 'soon' WHERE post_id = :id", "fetched_at 'soon'"),
    ],
)
def test_check_names_a_garbled_post_row(
    sample_library: Path, tmp_path: Path, garble: str, found: str
):
    from helpers import copied

    path = copied(sample_library, tmp_path)
    assert _check(path) == (0, [f"{path}: sound"])
    with sqlite3.connect(path) as db:
        post_id = db.execute("SELECT post_id FROM posts ORDER BY post_id LIMIT 1").fetchone()[0]
        db.execute(garble, {"id": post_id})
    code, lines = _check(path)
    assert code == 1 and lines[0] == f"{path}: damaged: restore a backup or re-import"
    assert len(lines) == 2 and lines[1].startswith(f"  post '{post_id}' of x in posts: {found} ")


def test_check_names_twenty_garbled_rows_and_counts_the_rest(sample_library: Path, tmp_path: Path):
    from helpers import copied

    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE posts SET created_at = 'x' || created_at WHERE rowid <= 25")
        db.execute("UPDATE accounts SET first_seen = 'yesterday'")
    code, lines = _check(path)
    assert code == 1 and len(lines) == 1 + 20 + 1
    assert all(" in posts: created_at 'x" in line for line in lines[1:21])
    assert lines[21] == "  and 6 more values of the wrong type or shape"


def test_check_names_a_garbled_account_time_the_accounts_command_refuses(
    sample_library: Path, tmp_path: Path
):
    from helpers import copied

    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO syncs (platform, account_id, at, posts_read, complete)"
            " SELECT platform, id, 'garbage', 1, 1 FROM accounts"
        )
    assert run("accounts", "--db", str(path))[0] == 74  # it says: run 'library check'
    code, lines = _check(path)
    assert code == 1 and lines[1:] == ["  row 1 in syncs: at 'garbage' is not a time"]


# --- a SOCKS proxy in the environment is one line, never a connection -----------------------


class _TricklingSocks(RawServer):
    """A SOCKS5 proxy on 127.0.0.1 that answers its greeting one byte a second, forever."""

    def answer(self, conn: socket.socket) -> None:
        """The greeting's answer, a byte a second."""
        conn.recv(16)
        for byte in b"\x05\x00" * 1000:
            if self.stopping.wait(1):
                return
            conn.sendall(bytes([byte]))


@pytest.fixture
def socks(monkeypatch: pytest.MonkeyPatch) -> Iterator[_TricklingSocks]:
    for name in ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    with _TricklingSocks() as proxy:
        yield proxy


@pytest.mark.parametrize("variable", ["ALL_PROXY", "https_proxy", "HTTP_PROXY"])
@pytest.mark.parametrize("platform", ["bsky", "mastodon", "x"])
def test_a_socks_proxy_is_one_line_naming_the_variable(
    socks: _TricklingSocks,
    fake_social: FakeSocial,
    fake_x_api: FakeXApi,
    x_credentials: Credentials,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    platform: str,
):
    monkeypatch.setenv(variable, f"socks5h://user:pr0xy-s3cret@127.0.0.1:{socks.port}")
    monkeypatch.setenv("LINKRATIO_X_API_URL", fake_x_api.base_url)
    monkeypatch.setenv("X_BEARER_TOKEN", x_credentials.bearer_token or "")
    name = {
        "bsky": f"bsky:{OWNER_HANDLE}",
        "mastodon": f"mastodon:@{MASTODON_USER}@{fake_social.host}",
        "x": "@" + fake_x_api.owner["username"],
    }[platform]
    code, _ = run("fetch", name, "--db", str(tmp_path / "lib.sqlite"))
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"linkratio: error: {variable} names a SOCKS proxy (socks5h://…)")
    assert "pr0xy-s3cret" not in err
    assert socks.asked == 0 and fake_social.requests == [] and fake_x_api.requests == []


def test_a_socks_proxy_stops_a_weekly_webhook_before_any_work(
    socks: _TricklingSocks,
    fake_webhook: FakeWebhook,
    sample_library: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
):
    from helpers import copied

    monkeypatch.setenv("ALL_PROXY", f"socks5://127.0.0.1:{socks.port}")
    monkeypatch.chdir(tmp_path)
    code, _ = run(
        "weekly", "@marenbuilds", "--now", "2024-12-16T08:00:00+00:00", "--out", "out",
        "--webhook", fake_webhook.url, "--db", str(copied(sample_library, tmp_path)),
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "ALL_PROXY names a SOCKS proxy" in err
    assert socks.asked == 0 and fake_webhook.received == []
    assert not (tmp_path / "out").exists()


# --- the generic JSON webhook body is bounded ------------------------------------------------


JSON_LIMIT = 100_000
"""The documented cap of the generic JSON webhook body, in bytes."""


def test_a_heavy_week_reaches_a_json_webhook_within_its_limit(tmp_path: Path):
    from dataclasses import replace

    from test_review_delivery_limits import NOW, _heavy

    from linkratio.analysis.weekly import week_to_dict
    from linkratio.net.waiting import Waiter
    from linkratio.render import weekly as weekly_render
    from linkratio.render.weekly import json_payload, write_files
    from linkratio.weekly.deliver import webhook_destination
    from linkratio.weekly.run import deliver_week

    small = _heavy(10)
    assert json_payload(small) == week_to_dict(small)  # a usual week: whole, no `truncated`
    heavy = _heavy(1500)
    with FakeWebhook(200) as hook:
        deliver_week(
            heavy, write_files(heavy, tmp_path), webhook_destination(hook.url), now=NOW,
            waiter=Waiter(quiet=True), webhook_format="json",
        )  # fmt: skip
    (received,) = hook.received
    assert len(received.body) <= JSON_LIMIT
    body = received.json()
    whole = week_to_dict(heavy)
    assert set(body) == {*whole, "truncated"}  # the same keys, and what was left out
    sites, breakers = body["new_sites"], body["challenges"][0]["breakers"]
    assert sites == whole["new_sites"][: len(sites)] and 0 < len(sites) < 1500
    assert breakers == whole["challenges"][0]["breakers"][: len(breakers)]
    partners = body["partners"]  # all 1500 people talked with, as the files list them
    assert partners == whole["partners"][: len(partners)] and len(whole["partners"]) == 1500
    omitted = {
        "new_sites": 1500 - len(sites), "partners": 1500 - len(partners),
        "breakers": 1500 - len(breakers),
    }  # fmt: skip
    assert body["truncated"] == {
        "bytes_limit": JSON_LIMIT, "omitted": omitted, "strings_clipped": False,
    }  # fmt: skip
    assert body["nudge"] == whole["nudge"] and body["this"] == whole["this"]
    # Even a handle of a megabyte (data from outside) leaves a bounded body.
    huge = json_payload(replace(small, account="@" + "a" * 1_000_000))
    assert len(json.dumps(huge, ensure_ascii=False).encode()) <= JSON_LIMIT
    assert huge["truncated"]["strings_clipped"] is True and huge["new_sites"] == []
    assert weekly_render.JSON_LIMIT == JSON_LIMIT


# --- a run's requests are bounded as its posts are --------------------------------------------


class _OnePostPages(FakeSocial):
    """A Bluesky AppView that serves one fresh post a page, or (`gaps`) every other page the
    post of the page before again (nothing new, but never three such pages in a row)."""

    gaps = False

    def _author_feed(self, params: dict[str, str]) -> tuple[int, object]:
        n = len(self.requests)
        fresh = n - n % 2 if self.gaps else n
        when = datetime(2024, 1, 1, tzinfo=UTC) - timedelta(minutes=n)
        item = bsky_copy(self.feed[fresh % len(self.feed)], when, fresh)
        return 200, {"feed": [item], "cursor": f"{when.isoformat()}::{n}"}


@pytest.mark.parametrize("gaps", [False, True])
def test_one_post_pages_and_repeated_ones_cost_the_run_cap_in_requests(
    lib: Library, monkeypatch: pytest.MonkeyPatch, gaps: bool
):
    from linkratio import sync
    from linkratio.net.bluesky import BlueskyApi

    monkeypatch.setattr(sync, "RUN_CAP", 40)
    with _OnePostPages() as server:
        server.gaps = gaps
        monkeypatch.setenv("LINKRATIO_BSKY_API_URL", server.url)
        with BlueskyApi() as api:
            result = sync.sync_account(lib, api, api.resolve(OWNER_HANDLE))
        feed_requests = len(server.calls("/xrpc/app.bsky.feed.getAuthorFeed"))
    assert feed_requests == result.pages == 40 and result.complete is False
    assert result.posts_read == 40 and (result.new_posts < 40 if gaps else result.new_posts == 40)


# --- the webhook deadline covers the status line and headers -----------------------------------


def test_a_webhook_trickling_its_headers_is_cut_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
):
    from test_review_net import HeaderTrickle

    from linkratio.errors import DeliveryUnavailable
    from linkratio.weekly import deliver

    for name in ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setattr(deliver, "DEADLINE", 0.3)
    # 150 header bytes, one every 0.02 s: each within the 0.2 s read timeout, all 3 s late.
    with HeaderTrickle(pad=150, pause=0.02) as server:
        dest = deliver.webhook_destination(server.url + "/hook")
        with pytest.raises(DeliveryUnavailable, match="after 1 attempt:"):
            deliver.post_webhook(dest, {"text": "hi"}, attempts=1, timeout=0.2)
        assert server.asked == 1 and server.answered == 0  # left at the deadline, not after


def test_a_streamed_csv_on_a_full_disk_is_one_line_and_leaves_the_old_file(
    built: Path,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    from helpers import small_tmpfs

    with small_tmpfs(tmp_path / "small", "1m") as disk:
        target = disk / "rows.csv"
        target.write_text("previous\n")
        code, _ = run("cohort", "sql", str(built), MANY, "--csv", str(target))
        err = capsys.readouterr().err
        assert code == 74 and err.count("\n") == 1, err
        assert err.startswith(f"linkratio: error: {target}: could not be written")
        assert target.read_text() == "previous\n"
        assert [p.name for p in disk.iterdir()] == ["rows.csv"]  # no temporary left


@pytest.mark.parametrize(
    ("garble", "found"),
    [
        (
            "UPDATE posts SET links = '[{}]' WHERE post_id = :id",
            "links '[{}]' is not a JSON array of links",
        ),
        (
            "UPDATE posts SET links = '[{\"url\": 7}]' WHERE post_id = :id",
            "links '[{\"url\": 7}]' is not",
        ),
        (
            "UPDATE posts SET text = x'ff00' WHERE post_id = :id",
            "text (a BLOB of 2 bytes) is not text",
        ),
        (
            "UPDATE posts SET post_id = x'ff00' WHERE post_id = :id",
            "post_id (a BLOB of 2 bytes) is not text",
        ),
    ],
)
def test_a_post_cell_of_the_wrong_type_is_one_line_and_check_names_it(
    sample_library: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    garble: str,
    found: str,
):
    from helpers import copied

    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:
        post_id = db.execute("SELECT post_id FROM posts ORDER BY post_id LIMIT 1").fetchone()[0]
        db.execute(garble, {"id": post_id})
    capsys.readouterr()
    code, _ = run("classify", "@marenbuilds", "--output", "csv", "--db", str(path))
    err = capsys.readouterr().err
    assert code == 74 and err.count("\n") == 1, err
    assert "the library is damaged (post " in err and "run 'linkratio library check" in err
    code, lines = _check(path)
    assert code == 1 and len(lines) == 2 and f" in posts: {found}" in lines[1], lines


@pytest.mark.parametrize("column", ["author_handle", "reply_to_handle"])
def test_a_handle_stored_as_a_blob_is_one_line_and_check_names_it(
    sample_library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], column: str
):
    from helpers import copied

    path = copied(sample_library, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(
            f"UPDATE posts SET {column} = x'61ff' WHERE rowid ="
            f" (SELECT min(rowid) FROM posts WHERE {column} IS NOT NULL)"
        )
        db.execute("DELETE FROM frame_columns")  # the cache is derived from the posts again
        db.execute("DELETE FROM frame_segments")
    capsys.readouterr()
    for command in (["classify", "@marenbuilds", "--output", "jsonl"], ["audit", "@marenbuilds"]):
        code, _ = run(*command, "--db", str(path))
        err = capsys.readouterr().err
        assert code == 74 and err.count("\n") == 1 and "a text column holds a BLOB" in err, err
    code, lines = _check(path)
    assert code == 1 and lines[1].endswith(f" in posts: {column} (a BLOB of 2 bytes) is not text")
