"""The command line: outputs, help, exit codes and one-line errors for bad input."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from archives import write_archive
from helpers import SAMPLE, cleared, screen_text

from linkratio import __version__
from linkratio.cli import build_parser, main


def tweet(
    tid: str, text: str, when: str = "Wed May 01 10:00:00 +0000 2024", **extra: object
) -> dict:
    record = {
        "id": tid,
        "id_str": tid,
        "full_text": text,
        "created_at": when,
        "entities": {"urls": [], "user_mentions": [], "hashtags": []},
        "display_text_range": ["0", str(len(text))],
    }
    record.update(extra)
    return {"tweet": record}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    link = {
        "url": "https://t.co/a",
        "expanded_url": "https://www.example.org/x",
        "indices": ["5", "28"],
    }
    return write_archive(
        tmp_path / "arch",
        [
            tweet("1003", "RT @ana: big news", "Fri May 03 09:00:00 +0000 2024"),
            tweet("1001", "hello?", "Wed May 01 09:00:00 +0000 2024"),
            tweet(
                "1002",
                "look https://t.co/a",
                "Thu May 02 09:00:00 +0000 2024",
                entities={"urls": [link], "user_mentions": [], "hashtags": []},
            ),
        ],
        user_id="42",
        handle="sam",
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    err = capsys.readouterr().err
    return code, out.getvalue(), err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"linkratio {__version__}"


def test_every_command_has_help_with_an_example() -> None:
    parser = build_parser()
    assert "example" in parser.format_help()
    subparsers = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert {"classify", "audit"} <= set(subparsers)
    for name, sub in subparsers.items():
        text = sub.format_help()
        assert "example" in text, name
        assert f"linkratio {name}" in text, name


def test_classify_jsonl_contract(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["classify", str(archive), "--output", "jsonl"], capsys)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [set(r) for r in rows] == [
        {"platform", "id", "created_at", "category", "kind", "reason"}
    ] * 3
    assert [r["id"] for r in rows] == ["1001", "1002", "1003"]  # time order
    assert rows[0]["created_at"] == "2024-05-01T09:00:00Z"
    assert [(r["category"], r["kind"]) for r in rows] == [
        ("conversation", "question"),
        ("link", "url"),
        ("retweet", "repost"),
    ]
    assert all(r["platform"] == "x" for r in rows)


def test_classify_csv_and_table(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["classify", str(archive), "--output", "csv"], capsys)
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "platform,id,created_at,category,kind,reason"
    assert lines[2].startswith("x,1002,2024-05-02T09:00:00Z,link,url,")
    code, out, _ = run(["classify", str(archive)], capsys)
    assert code == 0
    assert "conversation/question" in out.splitlines()[0]
    assert len(out.splitlines()) == 3


def test_audit_text_and_json(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["audit", str(archive), "--tz", "UTC"], capsys)
    assert code == 0, err
    assert "example.org" in out
    code, out, _ = run(["audit", str(archive), "--tz", "UTC", "--json"], capsys)
    doc = json.loads(out)
    assert doc["posts"] == 3
    assert code == 0


def test_audit_since_until_filters(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["audit", str(archive), "--tz", "UTC", "--json", "--since", "2024-05-02"]
    code, out, _ = run([*argv, "--until", "2024-05-02"], capsys)
    assert code == 0
    assert json.loads(out)["posts"] == 1


def _bad(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (lambda t: t / "missing.zip", "no such file"),
        (lambda t: _bad(t, "notes.txt", b"hello world"), "unknown format"),
        (lambda t: _bad(t, "tweets.json", b'{"data": [{"id": "1", "text": "x"'), "tweets.json"),
        (lambda t: _bad(t, "feed.json", b'{"feed": [], "cursor": "x"}'), "feed.json"),
        (lambda t: _bad(t, "tweets.js", b'window.YTD.tweets.part0 = [ {"tweet": '), "tweets.js"),
    ],
    ids=["missing", "unknown", "truncated-json", "wrong-platform", "truncated-archive"],
)
def test_bad_input_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], maker, expected: str
) -> None:
    path = maker(tmp_path)
    code, out, err = run(["classify", str(path)], capsys)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("linkratio: error: ")
    assert expected in err
    assert "Traceback" not in err


def test_zip_without_tweets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data/account.js", "window.YTD.account.part0 = []")
    code, _, err = run(["audit", str(path)], capsys)
    assert code == 2
    assert "export.zip has no data/tweets.js" in err


def test_empty_archive_says_no_posts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_archive(tmp_path / "empty", [], user_id="42", handle="sam")
    code, _, err = run(["audit", str(folder)], capsys)
    assert code == 2
    assert "no posts" in err


def test_bad_time_zone_and_date(archive: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["audit", str(archive), "--tz", "Mars/Olympus"], capsys)
    assert code == 2
    assert "Mars/Olympus" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        main(["audit", str(archive), "--since", "May 1"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_debug_shows_the_exception(tmp_path: Path) -> None:
    from linkratio.errors import InputError

    with pytest.raises(InputError):
        main(["--debug", "classify", str(tmp_path / "nope")])


def test_python_dash_m(archive: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linkratio", "classify", str(archive), "--output", "jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 3


def test_report_writes_the_files(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "rep"
    code, out, err = run(["report", str(archive), "--out", str(out_dir), "--tz", "UTC"], capsys)
    assert code == 0, err
    assert out.strip() == f"report written to {out_dir / 'report.html'}"
    names = {p.name for p in out_dir.iterdir()}
    assert {"report.html", "report.md", "summary.json", "activity.png", "hours.png"} <= names
    assert json.loads((out_dir / "summary.json").read_text())["posts"] == 3


def test_debug_is_accepted_after_the_command(tmp_path: Path) -> None:
    from linkratio.errors import InputError

    with pytest.raises(InputError):
        main(["classify", str(tmp_path / "nope"), "--debug"])


def test_error_messages_cannot_drive_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bad(tmp_path, "b.json", b'[{"\x1b[2Jboom": 1}]')
    code, _, err = run(["audit", str(path)], capsys)
    assert code == 2
    assert "\x1b" not in err and "b.json" in err


def test_csv_reason_has_no_control_characters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = {
        "url": "https://t.co/a",
        "expanded_url": "https://\x1b[31mred.example.com/",
        "indices": ["0", "1"],
    }
    folder = write_archive(
        tmp_path / "a",
        [tweet("5", "x https://t.co/a", entities={"urls": [link], "user_mentions": []})],
        user_id="42",
        handle="sam",
    )
    code, out, _ = run(["classify", str(folder), "--output", "csv"], capsys)
    assert code == 0
    assert "\x1b" not in out and "red.example.com" in out


def test_library_round_trip_through_the_cli(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib" / "library.sqlite"
    code, out, err = run(["audit", "@sam", "--db", str(db)], capsys)
    assert code == 2 and "no library at" in err and not db.exists()  # a read never creates one
    code, out, _ = run(["import", str(archive), "--db", str(db)], capsys)
    assert code == 0 and "imported 3 posts of @sam: 3 new, into " in out
    code, out, _ = run(["import", str(archive), "--db", str(db)], capsys)
    assert "3 posts of @sam: 0 new, 3 unchanged, into " in out  # never a duplicate
    code, out, _ = run(["accounts", "--db", str(db)], capsys)
    assert code == 0 and "@sam" in out and "2024-05-01" in out
    code, out, _ = run(["audit", "@sam", "--db", str(db), "--json", "--tz", "UTC"], capsys)
    assert code == 0 and json.loads(out)["posts"] == 3
    code, out, _ = run(["classify", "@SAM", "--db", str(db), "--output", "jsonl"], capsys)
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["1001", "1002", "1003"]
    code, out, _ = run(
        ["report", "@sam", "--db", str(db), "--out", str(tmp_path / "r"), "--tz", "UTC"], capsys
    )
    assert code == 0 and (tmp_path / "r" / "report.html").exists()
    code, _, err = run(["audit", "@nobody", "--db", str(db)], capsys)
    assert code == 2 and "no account @nobody in the library" in err


def test_import_of_a_bare_file_without_owner_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "tweets.js"
    bare.write_text("window.YTD.tweets.part0 = " + json.dumps([tweet("7", "hello")]))
    code, _, err = run(["import", str(bare), "--db", str(tmp_path / "l.sqlite")], capsys)
    assert code == 2
    assert "cannot tell whose posts these are" in err


def test_config_through_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LINKRATIO_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.delenv("X_BEARER_TOKEN", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("tok-SECRET-42\n"))
    code, out, _ = run(["config", "set", "x.bearer_token"], capsys)
    assert code == 0 and "tok-SECRET-42" not in out and "mode 0600" in out
    code, out, _ = run(["config", "show"], capsys)
    assert "x.bearer_token" in out and "set (file)" in out and "tok-SECRET-42" not in out
    code, _, err = run(["config", "set", "x.bogus"], capsys)
    assert code == 2 and "not 'x.bogus'" in err
    code, out, _ = run(["config", "unset", "x.bearer_token"], capsys)
    assert code == 0 and "removed" in out
    code, out, _ = run(["config", "show"], capsys)
    assert "x.bearer_token" in out and "not set" in out


def test_report_open_hands_the_file_to_the_browser(
    archive: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    code, _, _ = run(["report", str(archive), "--out", str(tmp_path / "o"), "--open"], capsys)
    assert code == 0
    assert opened == [(tmp_path / "o" / "report.html").resolve().as_uri()]


@pytest.mark.parametrize(
    ("platform", "account_id", "handle", "name"),
    [
        ("x", "1", "maren", "@maren"),
        ("x", "1", None, "id 1"),
        ("bluesky", "did:plc:a", "ana.bsky.social", "bsky:ana.bsky.social"),
        ("bluesky", "did:plc:a", None, "bsky:did:plc:a"),
        ("mastodon", "u", "ana@example.social", "mastodon:@ana@example.social"),
    ],
)
def test_accounts_are_named_as_the_commands_take_them(
    platform: str, account_id: str, handle: str | None, name: str
) -> None:
    from linkratio.accounts import account_name
    from linkratio.model import Account

    assert account_name(Account(platform, account_id, handle)) == name


def test_reading_shows_a_post_count_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for quiet, stream in ((False, Terminal()), (True, Terminal()), (False, io.StringIO())):
        monkeypatch.setattr(sys, "stderr", stream)
        argv = ["classify", str(SAMPLE), "--output", "csv", *(["-q"] if quiet else [])]
        assert main(argv, out=io.StringIO()) == 0
        drawn = stream.getvalue()
        if quiet or not stream.isatty():
            assert drawn == ""
        else:
            # Records read so far: edit versions count until the chains are collapsed.
            text = screen_text(drawn)
            shown = [int(n.replace(",", "")) for n in re.findall(r"reading \S ([\d,]+)", text)]
            assert shown and shown[-1] >= 2390
            assert "posts/s" in text and cleared(drawn)
