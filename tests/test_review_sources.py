"""Defects found by the review of the file readers, each pinned by a test that failed first."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from archives import account_js, write_folder, write_zip, ytd
from helpers import ROOT

from linkratio.cli import main
from linkratio.model import Link
from linkratio.sources import detect_format, read
from linkratio.sources.limits import MIB
from linkratio.sources.mastodon import parse_content
from linkratio.sources.x_archive.notes import without_trailing_links

FIXTURES = ROOT / "tests" / "fixtures"
BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("x_v2/two_tweets.jsonl", "x-v2"),
        ("x_v2/search_tweets_query.json", "x-v2"),
        ("bluesky/getAuthorFeed.json", "bluesky"),
        ("mastodon/get_account_statuses_limit.1.body.json", "mastodon"),
    ],
)
def test_a_json_file_with_a_byte_order_mark_is_detected_as_without_one(
    tmp_path: Path, fixture: str, expected: str
) -> None:
    # Every JSON reader skips a leading UTF-8 BOM; detecting the format must too, or a
    # file saved by a Windows tool is "unknown format" unless --input-format names it.
    plain = (FIXTURES / fixture).read_bytes()
    path = tmp_path / Path(fixture).name
    path.write_bytes(BOM + plain)
    assert detect_format(path) == expected
    named = read(path, input_format=expected)
    assert read(path).posts == named.posts and named.posts


def _note_archive(folder: Path, expanded: object, with_account: bool = True) -> Path:
    """An archive whose one long post's note has `expanded` as its link's expandedUrl."""
    text = "A long text\u2026 https://t.co/abc"
    when = "Sat Nov 09 12:14:18 +0000 2024"
    record = {"tweet": {"id_str": "1", "id": "1", "full_text": text, "created_at": when}}
    urls = [{"shortUrl": "https://t.co/nnn", "expandedUrl": expanded}]
    core = {"text": "A long text, and more", "urls": urls}
    note = {"noteTweetId": "9", "core": core, "createdAt": "2024-11-09T12:14:18.000Z"}
    files = {
        "data/tweets.js": ytd("tweets", [record]),
        "data/note-tweet.js": ytd("note_tweet", [{"noteTweet": note}]),
    }
    if with_account:
        files["data/account.js"] = account_js()
    return write_folder(folder, files)


@pytest.mark.parametrize("expanded", [5, ["https://example.org"], {"a": 1}])
@pytest.mark.parametrize("command", ["classify", "audit", "import"])
@pytest.mark.parametrize("with_account", [True, False])
def test_a_long_post_link_that_is_no_string_is_one_line_naming_the_note(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    expanded: object,
    command: str,
    with_account: bool,
) -> None:
    # The fast readers build posts without `check_post`: a note's expandedUrl of another
    # type reached the classifier (a traceback) unless the note reader refuses it.
    folder = _note_archive(tmp_path / "archive", expanded, with_account)
    db = tmp_path / "library.sqlite"
    argv = [command, str(folder), "--db", str(db), "--quiet"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "note-tweet.js: record 1" in err and "expected a string" in err
    assert not db.exists()  # nothing stored


def test_a_skipped_long_post_note_leaves_its_tweet_as_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = _note_archive(tmp_path / "archive", 5)
    assert main(["classify", str(folder), "--skip-invalid", "--output", "jsonl", "--quiet"]) == 0
    captured = capsys.readouterr()
    warning = caplog.text
    assert "note-tweet.js: record 1" in warning and "skipped" in warning
    assert captured.out.count("\n") == 1 and '"id":"1"' in captured.out
    assert "rule 5: links to https://t.co/abc" in captured.out


def _damaged_zip(path: Path, damage: str) -> Path:
    """An archive zip whose central directory is damaged in the way `damage` names."""
    record = {
        "tweet": {"id_str": "1", "full_text": "hi", "created_at": "Sat Nov 09 12:14:18 +0000 2024"}
    }
    write_zip(path, {"data/tweets.js": ytd("tweets", [record]), "data/account.js": account_js()})
    data = bytearray(path.read_bytes())
    entry = data.index(b"PK\x01\x02")  # the first central directory header
    if damage == "version":  # needs a newer zip version than any reader supports
        data[entry + 6 : entry + 8] = (99).to_bytes(2, "little")
    else:  # its name is flagged UTF-8 but is not
        flags = int.from_bytes(data[entry + 8 : entry + 10], "little") | 0x800
        data[entry + 8 : entry + 10] = flags.to_bytes(2, "little")
        data[entry + 46] = 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("damage", ["version", "utf8-name"])
@pytest.mark.parametrize("command", ["classify", "audit", "import"])
def test_a_zip_with_a_damaged_directory_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str, command: str
) -> None:
    # zipfile raises NotImplementedError or UnicodeDecodeError for these, not BadZipFile.
    path = _damaged_zip(tmp_path / "twitter.zip", damage)
    db = tmp_path / "library.sqlite"
    assert main([command, str(path), "--db", str(db), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert str(path) in err and "zip" in err
    assert not db.exists()


def _tweet_records(count: int) -> list[dict[str, object]]:
    when = "Sat Nov 09 12:14:18 +0000 2024"
    return [
        {"tweet": {"id_str": str(n), "full_text": f"post {n}", "created_at": when, "source": "web"}}
        for n in range(1, count + 1)
    ]


def test_a_byte_that_is_not_utf8_is_placed_where_it_is_in_an_archive_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # orjson places invalid UTF-8 at the start of what it parsed ("line 1, column 27") and
    # calls it a surrogate: the message must point at the damaged line instead.
    data = ytd("tweets", _tweet_records(30))
    lines = data.split(b"\n")
    damaged = next(n for n, line in enumerate(lines) if b'"post 20"' in line)
    lines[damaged] = lines[damaged].replace(b"post 20", b"post \xff20")
    column = lines[damaged].index(b"\xff") + 1
    folder = write_folder(tmp_path / "a", {"data/tweets.js": b"\n".join(lines)})
    assert main(["audit", str(folder), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert f"tweets.js: invalid JSON at line {damaged + 1}, column {column}:" in err
    assert "0xff" in err and "UTF-8" in err and "surrogate" not in err


@pytest.mark.parametrize("name", ["page.json", "pretty.json"])
def test_a_byte_that_is_not_utf8_is_placed_where_it_is_in_a_json_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    tweets = [
        {"id": str(n), "text": f"post {n}", "author_id": "5", "created_at": "2024-01-01T00:00:00Z"}
        for n in range(1, 30)
    ]
    indent = 2 if name == "pretty.json" else None
    data = json.dumps({"data": tweets, "meta": {"result_count": 29}}, indent=indent).encode()
    data = data.replace(b"post 20", b"post \xfe20")
    at = data.index(b"\xfe")
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    path = tmp_path / name
    path.write_bytes(data)
    for fmt in ("auto", "x-v2"):
        assert main(["audit", str(path), "--input-format", fmt, "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.count("\n") == 1, err
        assert f"{name}: line {line}, column {column}: not valid JSON" in err
        assert "0xfe" in err and "surrogate" not in err


# The pattern notes.py used to strip the t.co links that end a truncated long post: a
# `.sub` with it backtracks over every whitespace run (quadratic: 200,000 spaces, 30 s).
OLD_TRAILING_TCO = re.compile(r"(?:\s*https?://t\.co/[A-Za-z0-9]+)+\s*\Z")


def test_the_links_ending_a_long_post_are_stripped_as_before() -> None:
    pieces = ["https://t.co/", "http://t.co/", "abc", "Z9", "h", "https", " ", "\t", "\u3000",
              "\n", "x", ":", "/", "t.co/", "\u2026", "é", "@ana ", "https://t.co/ab"]  # fmt: skip
    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        expected = OLD_TRAILING_TCO.sub("", text).rstrip()
        assert without_trailing_links(text).rstrip() == expected, repr(text)


@pytest.mark.parametrize(
    "text",
    [
        " " * 1_000_000 + "x",
        "https://t.co/" + "https://t.co/".join(["a"] * 100_000) + "!",
        "https://t.co/a " * 150_000 + "x",
    ],
)
def test_a_long_post_with_a_hostile_text_is_read_in_bounded_time(tmp_path: Path, text: str) -> None:
    # A tweet whose second has a note goes through the stripping: with the old pattern
    # each of these took from ten minutes to hours. 120 s is a watchdog, not a measurement.
    when = "Sat Nov 09 12:14:18 +0000 2024"
    record = {"tweet": {"id_str": "1", "full_text": text, "created_at": when}}
    note = {"noteTweetId": "9", "core": {"text": "x"}, "createdAt": "2024-11-09T12:14:18.000Z"}
    files = {
        "data/tweets.js": ytd("tweets", [record]),
        "data/account.js": account_js(),
        "data/note-tweet.js": ytd("note_tweet", [{"noteTweet": note}]),
    }
    folder = write_folder(tmp_path / "a", files)
    argv = [sys.executable, "-m", "linkratio", "classify", str(folder), "--quiet"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1


@pytest.mark.parametrize("content", ["<p>hi <![ ]> there</p>", "<![foo[x]]>", "<p>a</p><![1]>"])
def test_a_status_whose_html_the_parser_refuses_is_one_line_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    content: str,
) -> None:
    # html.parser raises AssertionError on a malformed declaration: it was a traceback.
    fixture = FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json"
    statuses = json.loads(fixture.read_text())
    statuses[1]["content"] = content
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses))
    assert main(["classify", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "statuses.json" in err and repr(statuses[1]["uri"]) in err
    assert main(["classify", str(path), "--skip-invalid", "--output", "jsonl"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("\n") == len(statuses) - 1 and statuses[1]["uri"] not in listed
    assert "skipped" in caplog.text


def _statuses_file(tmp_path: Path, content: str) -> Path:
    """A saved Mastodon page whose second status has `content`."""
    fixture = FIXTURES / "mastodon" / "get_account_statuses_limit.1.body.json"
    statuses = json.loads(fixture.read_text())
    statuses[1]["content"] = content
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(statuses))
    return path


@pytest.mark.parametrize("content", ["<!--" * 250_000, "<a\n" * 100_000, "<x y='>'" * 60_000])
def test_a_status_of_hostile_html_is_read_in_bounded_time(tmp_path: Path, content: str) -> None:
    # html.parser scans the rest of the content for each `<` that opens nothing it can
    # close: these took from 5 to 20 minutes. 120 s is a watchdog, not a measurement.
    path = _statuses_file(tmp_path, content)
    argv = [sys.executable, "-m", "linkratio", "classify", str(path), "--quiet"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_many_stray_angle_brackets_leave_the_text_and_links_as_they_were() -> None:
    hearts = "<3 " * 200
    content = f'<p>{hearts}<a href="https://example.org/">example.org</a> &amp; more</p>'
    parsed = parse_content(content)
    assert parsed.text == f"{hearts}example.org & more"
    assert parsed.links == [Link("example.org", "https://example.org/")]


def test_a_bluesky_post_with_many_facets_is_read_in_bounded_time(tmp_path: Path) -> None:
    # Each facet's text was cut from the whole text encoded again: 200,000 link facets
    # over 2 million non-ASCII characters took minutes. 120 s is a watchdog.
    feed = json.loads((FIXTURES / "bluesky" / "getAuthorFeed.json").read_text())
    item = next(i for i in feed["feed"] if "reason" not in i and "reply" not in i["post"]["record"])
    record = item["post"]["record"]
    record["text"] = "\u00e9" * 2_000_000
    link = {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/"}
    record["facets"] = [
        {"index": {"byteStart": 20 * n, "byteEnd": 20 * n + 10}, "features": [link]}
        for n in range(200_000)
    ]
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(feed))
    argv = [sys.executable, "-m", "linkratio", "classify", str(path), "--quiet"]
    argv += ["--output", "jsonl"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert f'"id":"{item["post"]["uri"]}"' in done.stdout
    assert "rule 5: links to https://example.org/" in done.stdout


@pytest.mark.parametrize("command", ["classify", "audit", "import"])
def test_many_small_bombs_in_one_zip_are_refused_as_a_zip_bomb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    # Each part stays under the 8 MiB from which one entry's ratio is checked; together
    # they inflate 24 MiB from a few dozen KB (a 2.5 MB zip of such parts took 9 s).
    part = b"window.YTD.tweets.part0 = [" + b" " * (MIB - 40) + b"]"
    files = {f"data/tweets-part{n}.js": part for n in range(1, 25)}
    path = write_zip(tmp_path / "parts.zip", files)
    db = tmp_path / "library.sqlite"
    assert main([command, str(path), "--db", str(db), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert "parts.zip" in err and "zip bomb" in err and "200:1" in err
    assert not db.exists()


def test_a_zipped_export_of_ordinary_size_and_ratio_is_read(tmp_path: Path) -> None:
    # The sample's files, many times over in parts: over 8 MiB in all, compressed as an
    # export compresses.
    data = ROOT / "data" / "sample" / "data"
    files = {f"data/tweets-part{n}.js": (data / "tweets.js").read_bytes() for n in range(1, 6)}
    files["data/account.js"] = (data / "account.js").read_bytes()
    path = write_zip(tmp_path / "export.zip", files)
    assert sum(len(b) for b in files.values()) > 8 * MIB
    assert len(read(path).posts) == len(read(ROOT / "data" / "sample").posts)


def test_with_skip_invalid_the_small_bombs_are_skipped_and_the_rest_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    part = b"window.YTD.tweets.part0 = [" + b" " * (MIB - 40) + b"]"
    files = {f"data/tweets-part{n}.js": part for n in range(1, 25)}
    files["data/tweets.js"] = ytd("tweets", _tweet_records(2))
    path = write_zip(tmp_path / "parts.zip", files)
    assert [p.id for p in read(path, skip_invalid=True).posts] == ["1", "2"]
    bombs = [r for r in caplog.records if "zip bomb" in r.getMessage()]
    assert len(bombs) == 24 and all("skipped" in r.getMessage() for r in bombs)
