"""The `expand` command and `--expand-links`, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import io
import json
import signal
import socket
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes.links import FakeSite, Route
from fakes.x_api import FakeXApi, copy_tweet
from helpers import cleared, screen_text

from linkratio.cli import main
from linkratio.cli import options as cli_options
from linkratio.frame import Library
from linkratio.links import short_links, shortener
from linkratio.links.expand import Resolution
from linkratio.model import Account, Link, Post
from linkratio.net.x import Credentials
from linkratio.render.report import md_escape
from linkratio.store import links as store_links


def _post(pid: str, *urls: str) -> Post:
    return Post(
        platform="x",
        id=pid,
        created_at=datetime(2024, 5, int(pid), 10, tzinfo=UTC),
        text="read " + " ".join(urls),
        author_id="42",
        author_handle="ana",
        links=tuple(Link(u) for u in urls),
        source="api",
    )


def _library(path: Path, posts: list[Post], shortener_host: str = "127.0.0.1") -> None:
    with Library(path) as lib:
        lib.save_posts(Account("x", "42", "ana"), posts, origin="file")
        # The local servers' host counts as a shortener, as if it had redirected before.
        with lib.transaction() as db:
            db.execute(
                "INSERT INTO redirect_hosts (host, first_seen) VALUES (?, ?)",
                (shortener_host, "2024-01-01T00:00:00Z"),
            )


@pytest.fixture
def local_ok(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the real commands reach this test's 127.0.0.1 servers (set in-process only)."""
    monkeypatch.setattr(cli_options, "ALLOW_PRIVATE", True)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_expand_command_then_audit_uses_the_destinations(
    tmp_path: Path,
    sites: tuple[FakeSite, FakeSite, FakeSite],
    capsys: pytest.CaptureFixture[str],
    local_ok: None,
) -> None:
    short, _, dest = sites
    story = dest.add("/story", Route(status=200))
    # The destination is named `localhost`: its site differs from the shorteners' host.
    named = story.replace("127.0.0.1", "localhost")
    a = short.redirect("/a", named)
    b = short.redirect("/b", a)  # a shortener behind another
    bad = short.redirect("/creds", "http://user:pw@127.0.0.1/")
    gone = short.add("/boom", Route(status=500))
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", a, "https://www.wired.com/x"), _post("2", b, bad), _post("3", gone)])
    argv = ["expand", "@ana", "--db", str(db), "--timeout", "5"]
    code, out, err = _cli(argv, capsys)
    assert code == 0, err
    assert "2 resolved, 0 already known, 1 failed (server error: 1 link), 1 refused" in out
    assert "asked again after 7 days" in out
    asked = len(short.requests) + len(dest.requests)
    code, out, _ = _cli(argv, capsys)
    assert code == 0 and "0 resolved, 2 already known, 2 failed or refused before" in out
    assert "0 failed, 0 refused" in out
    with Library(db) as lib:
        next_try = min(r.retry_after for r in store_links.cached(lib, [bad, gone]).values())
    assert f"(next try after {next_try:%Y-%m-%d %H:%M} UTC)" in out
    assert len(short.requests) + len(dest.requests) == asked

    code, out, _ = _cli(["audit", "@ana", "--db", str(db), "--json"], capsys)
    data = json.loads(out)
    sites_seen = {r["name"]: r["count"] for r in data["top_sites"]}
    assert sites_seen["localhost"] == 2 and sites_seen["wired.com"] == 1
    assert data["links"] == 5 and data["short_links"] == 4
    assert data["shorteners"] == [{"name": "127.0.0.1", "count": 4}]
    code, out, _ = _cli(["audit", "@ana", "--db", str(db)], capsys)
    assert "4 of 5 links (80.0%) went through a link shortener." in out


def test_report_expand_links(
    tmp_path: Path,
    sites: tuple[FakeSite, FakeSite, FakeSite],
    capsys: pytest.CaptureFixture[str],
    local_ok: None,
) -> None:
    short, _, dest = sites
    a = short.redirect("/a", dest.add("/p", Route(status=200)).replace("127.0.0.1", "localhost"))
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", a), _post("2", "https://example.org/x")])
    out_dir = tmp_path / "report"
    argv = ["report", "@ana", "--db", str(db), "--out", str(out_dir), "-q"]
    code, _, err = _cli([*argv, "--expand-links"], capsys)
    assert code == 0, err
    assert short.hits("/a") == 1 and dest.hits("/p") == 1
    summary = json.loads((out_dir / "summary.json").read_text())
    assert {r["name"] for r in summary["top_sites"]} == {"localhost", "example.org"}
    assert (summary["links"], summary["short_links"]) == (2, 1)
    assert summary["shorteners"] == [{"name": "127.0.0.1", "count": 1}]
    html = (out_dir / "report.html").read_text()
    md = (out_dir / "report.md").read_text()
    text = "1 of 2 links (50.0%) went through a link shortener."
    assert text in html and md_escape(text) in md
    assert '<td class="name">127.0.0.1</td><td class="n">1</td>' in html
    assert "### Short links" in md and "| 127.0.0.1 |" in md


def test_shorteners_of_a_file_input_come_from_the_urls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tweets = [
        {"tweet": {"id": "1", "id_str": "1", "full_text": "a https://t.co/x",
                   "created_at": "Wed May 01 10:00:00 +0000 2024",
                   "entities": {"urls": [{"url": "https://t.co/x",
                                          "expanded_url": "https://buff.ly/3abc"}]},
                   "display_text_range": ["0", "16"]}},
        {"tweet": {"id": "2", "id_str": "2", "full_text": "b https://t.co/y",
                   "created_at": "Thu May 02 10:00:00 +0000 2024",
                   "entities": {"urls": [{"url": "https://t.co/y",
                                          "expanded_url": "https://www.wired.com/s"}]},
                   "display_text_range": ["0", "16"]}},
    ]  # fmt: skip
    data = tmp_path / "archive" / "data"
    data.mkdir(parents=True)
    account = [{"account": {"accountId": "42", "username": "sam"}}]
    (data / "account.js").write_text("window.YTD.account.part0 = " + json.dumps(account))
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets))
    code, out, err = _cli(["audit", str(tmp_path / "archive"), "--json", "--tz", "UTC"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["links"], summary["short_links"]) == (2, 1)
    assert summary["shorteners"] == [{"name": "buff.ly", "count": 1}]
    # With a library named, its cache tells where the short link went.
    db = tmp_path / "lib.sqlite"
    with Library(db) as lib:
        store_links.save(
            lib,
            [
                Resolution(
                    url="https://buff.ly/3abc",
                    final_url="https://www.smashingmagazine.com/2024/05/a",
                    status=200,
                    hops=("https://buff.ly/3abc", "https://www.smashingmagazine.com/2024/05/a"),
                    resolved_at=datetime.now(UTC),
                    redirect_hosts=("buff.ly",),
                )
            ],
        )
    argv = ["audit", str(tmp_path / "archive"), "--json", "--tz", "UTC", "--db", str(db)]
    code, out, _ = _cli(argv, capsys)
    sites_seen = {r["name"] for r in json.loads(out)["top_sites"]}
    assert sites_seen == {"smashingmagazine.com", "wired.com"}


def test_expand_bad_input_and_busy_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", "https://example.org/")])
    code, _, err = _cli(["expand", "@nobody", "--db", str(db)], capsys)
    assert code == 2 and "no account @nobody" in err and "Traceback" not in err
    code, _, err = _cli(["report", str(tmp_path), "--expand-links"], capsys)
    assert code == 2 and "--expand-links needs an account in the library" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["expand", "@ana", "--db", str(db), "--concurrency", "0"])
    assert exit_info.value.code == 2
    with Library(db) as lib, lib.run_lock("holder"):
        code, _, err = _cli(["expand", "@ana", "--db", str(db), "--wait", "0"], capsys)
    assert code == 75 and "in use by another linkratio run" in err


def test_ctrl_c_keeps_what_was_resolved(tmp_path: Path) -> None:
    with FakeSite() as short:
        fast = [short.add(f"/f{i}", Route(status=200)) for i in range(3)]
        hang = short.add("/hang", Route(status=200, delay=60))
        db = tmp_path / "lib.sqlite"
        _library(db, [_post("1", *fast), _post("2", hang)])
        argv = ["expand", "@ana", "--db", str(db), "--timeout", "60"]
        # The real command in a process of its own (Ctrl-C is a signal to a process); the
        # guard is opened for its 127.0.0.1 server in-process, as no CLI input can do.
        code = (
            "import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1); "
            "from linkratio import cli; from linkratio.cli import options; "
            "options.ALLOW_PRIVATE = True; "
            "sys.exit(cli.main(sys.argv[1:]))"
        )
        proc = subprocess.Popen(
            [sys.executable, "-c", code, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            saved: dict[str, Resolution] = {}
            for _ in range(600):  # the fast ones are committed while /hang still runs
                with Library(db) as lib:
                    saved = store_links.cached(lib, fast)
                if len(saved) == 3 or proc.poll() is not None:
                    break
                threading.Event().wait(0.05)
            assert len(saved) == 3 and short.hits("/hang") == 1
            proc.send_signal(signal.SIGINT)
            try:
                out, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGUSR1)  # where it hangs, for the failure message
                threading.Event().wait(1)
                proc.kill()
                out, err = proc.communicate()
                pytest.fail(f"no exit 30 s after Ctrl-C; its threads:\n{err}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    with Library(db) as lib:
        assert set(store_links.cached(lib, [*fast, hang])) == set(fast)


def test_fetch_expand_links_expands_the_fetched_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = Credentials("bearer-EXPAND-secret", "ck-E", "cs-E", "at-E", "ats-E")
    # Short links in the served posts point at real shorteners: no name may leave this
    # machine, so every lookup but the fake API's own fails (and is recorded).
    asked: list[str] = []
    real = socket.getaddrinfo

    def local_only(host: object, *args: object, **kwargs: object) -> object:
        if host in ("127.0.0.1", "localhost", b"127.0.0.1"):
            return real(host, *args, **kwargs)  # type: ignore[arg-type]
        asked.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "no network in tests")

    monkeypatch.setattr(socket, "getaddrinfo", local_only)
    with FakeXApi(**dataclasses.asdict(creds)) as api:
        monkeypatch.setenv("LINKRATIO_X_API_URL", api.base_url)
        monkeypatch.setenv("X_BEARER_TOKEN", creds.bearer_token or "")
        owner = api.users[api.owner_id]["username"]
        # The real timeline's only short links were t.co codes its retweets' text cut off
        # ("https://t.co/Iu5…"): no link to resolve. A post of its own with a bit.ly link:
        served = api.timelines[api.owner_id]
        newest = datetime.fromisoformat(served[0]["created_at"])
        post = copy_tweet(served[0], newest.replace(year=newest.year + 1))
        tco, short = "https://t.co/AbCdEf1234", "https://bit.ly/3xYz9Ab"
        post.update(text=f"read {tco}", referenced_tweets=[])
        post.pop("in_reply_to_user_id", None)
        url = {"start": 5, "end": 28, "url": tco, "expanded_url": short, "display_url": short[8:]}
        post["entities"] = {"urls": [url]}
        served.insert(0, post)
        db = tmp_path / "lib.sqlite"
        argv = ["fetch", f"@{owner}", "--db", str(db), "--max-posts", "3200", "--expand-links"]
        code, out, err = _cli(argv, capsys)
    assert code == 0, err
    assert "fetched" in out
    with Library(db) as lib:
        frame = lib.frame("x", api.owner_id)
        wanted = short_links(frame["urls"], store_links.redirect_hosts(lib))
        stored = store_links.cached(lib, wanted)
    assert wanted, "the served posts carry no short link: the test would prove nothing"
    assert f"linkratio: short links of @{owner}: 0 resolved" in err
    assert f"{len(wanted)} failed" in err and set(stored) == set(wanted)
    assert all(r.error is not None and "cannot resolve" in r.error for r in stored.values())
    assert sorted(set(asked)) == sorted({shortener(u) for u in wanted})


@pytest.mark.parametrize("command", ["expand", "report", "fetch"])
@pytest.mark.parametrize("flag", ["--allow-private-for-tests", "--allow", "--al", "--allow-p"])
def test_no_option_opens_the_guard(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, flag: str
) -> None:
    db = tmp_path / "lib.sqlite"
    with pytest.raises(SystemExit) as exit_info:
        main([command, "@ana", "--db", str(db), flag])
    assert exit_info.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


def test_options_are_never_abbreviated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["expand", "@ana", "--conc", "4"], ["--deb", "accounts"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "--conc" in capsys.readouterr().err


def test_the_command_keeps_the_guard_on(
    tmp_path: Path, sites: tuple[FakeSite, FakeSite, FakeSite], capsys: pytest.CaptureFixture[str]
) -> None:
    short, _, _ = sites
    url = short.redirect("/a", "https://example.org/")
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", url)])
    code, out, err = _cli(["expand", "@ana", "--db", str(db)], capsys)
    assert code == 0, err
    assert "0 resolved" in out and "1 refused as unsafe" in out and short.requests == []


def test_report_expand_links_takes_any_spelling_of_an_account_prefix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", "https://example.org/")])
    argv = ["report", "BSKY:nobody.example", "--db", str(db), "--expand-links", "-q"]
    code, _, err = _cli([*argv, "--out", str(tmp_path / "r")], capsys)
    # Taken as a library account (not refused as a file): it is just not in the library.
    assert code == 2 and "needs an account in the library" not in err
    assert "nobody.example" in err


class _Terminal(io.StringIO):
    """A stderr that says it is a terminal, so progress lines are drawn into it."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("quiet", [False, True])
def test_progress_counts_resolved_cached_and_failed_on_a_terminal(
    tmp_path: Path,
    sites: tuple[FakeSite, FakeSite, FakeSite],
    monkeypatch: pytest.MonkeyPatch,
    local_ok: None,
    quiet: bool,
) -> None:
    short, _, dest = sites
    ok = short.redirect("/ok", dest.add("/story", Route(status=200)))
    gone = short.add("/gone", Route(status=500))
    db = tmp_path / "lib.sqlite"
    _library(db, [_post("1", ok), _post("2", gone)])
    argv = ["expand", "@ana", "--db", str(db), "--timeout", "5", *(["-q"] if quiet else [])]
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(argv, out=io.StringIO()) == 0
    drawn = terminal.getvalue()
    if quiet:
        assert drawn == ""
        return
    # The last frame drawn before it was cleared holds the whole run's counts.
    last = screen_text(drawn).split("\r")[-2]
    assert "expanding: 1 resolved, 0 cached, 1 failed, 0 refused" in last
    assert " 2/2 " in last and "links/s" in last
    assert cleared(drawn)  # so the summary starts on a clean line
    terminal.truncate(0)
    terminal.seek(0)
    assert main(argv, out=io.StringIO()) == 0
    # The second run asks nobody: the destination and the cached failure answer both.
    assert "expanding: 0 resolved, 2 cached, 0 failed" in screen_text(terminal.getvalue())
