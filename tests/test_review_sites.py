"""Review: what a site is, the period of `load` against `audit`, and cohort rebuild inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from archives import account_js, write_folder, ytd

import linkratio
from linkratio.analysis import summarize, summary_to_dict
from linkratio.links import domain, site

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# --- 1. One site, however its host is written -------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a",
        "https://EXAMPLE.COM/a",
        "https://www.Example.com./a",  # a fully qualified name
        "https://example.com:8443/a",
        "https://user:secret@example.com/a",
        "https://ｅｘａｍｐｌｅ.com/a",  # fullwidth letters: a browser opens example.com
        "https://ＥＸＡＭＰＬＥ．ｃｏｍ/a",  # fullwidth, fullwidth full stop
        "https://www.ｅｘａｍｐｌｅ。com/a",  # ideographic full stop
        "https://exam\u00adple.com/a",  # a soft hyphen is ignored in a host name
        "https://ex%61mple.com/a",  # a percent-encoded letter
    ],
)
def test_one_host_however_written_is_one_site(url: str) -> None:
    assert site(url) == "example.com"
    assert domain(url) == "example.com"


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("https://xn--bcher-kva.example/x", "https://bücher.example/x"),
        ("https://XN--BCHER-KVA.example/x", "https://BÜCHER.example/x"),
        ("https://www.xn--bcher-kva.example:8080/", "https://ｂüｃｈｅｒ.example"),
        # IDNA 2008 keeps ß (UTS-46 non-transitional, as browsers): faß.de is its own name,
        # whether written in Unicode or punycode.
        ("https://xn--fa-hia.de/", "https://faß.de/"),
        ("https://www.xn--fa-hia.de./", "https://FAß.DE/"),
    ],
)
def test_punycode_and_unicode_name_one_site(written: str, normal: str) -> None:
    assert site(written) == site(normal)
    assert site(written).isascii() is False  # shown in Unicode


def test_a_fake_punycode_label_is_not_an_ascii_name() -> None:
    # `xn--example-` decodes to plain `example`, which no IDNA tool writes so: it must not
    # pass for example.com (a spoof), it stays the name written.
    assert site("https://xn--example-.com/") != "example.com"
    assert site("https://xn--zz.example.com/") == "example.com"  # invalid label, known suffix


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.internal/a", "example.internal"),
        ("https://example.internal/a", "example.internal"),
        ("https://WWW.intranet.corp./x", "intranet.corp"),
        ("http://www.localhost:8000/", "localhost"),
        ("https://localhost/", "localhost"),
        ("http://127.0.0.1/", "127.0.0.1"),
    ],
)
def test_a_host_off_the_suffix_list_drops_www_too(url: str, expected: str) -> None:
    assert site(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # Private-section suffixes of the public-suffix list: each name under them has
        # its own owner, as browsers' "site" has it (cookies, site isolation).
        ("https://alice.github.io/post", "alice.github.io"),
        ("https://www.alice.github.io/post", "alice.github.io"),
        ("https://ALICE.GITHUB.IO./post", "alice.github.io"),
        ("https://alice.blogspot.com/2024/01/x.html", "alice.blogspot.com"),
        ("https://shop.myshopify.com/", "shop.myshopify.com"),
        ("https://github.io/", "github.io"),  # the suffix itself: its own name
        ("https://www.github.com/a", "github.com"),  # the public section is unchanged
        ("https://news.bbc.co.uk/a", "bbc.co.uk"),
    ],
)
def test_names_under_private_suffixes_are_sites_of_their_own(url: str, expected: str) -> None:
    assert site(url) == expected


def test_two_github_pages_are_two_top_sites() -> None:
    from linkratio.frame import to_frame
    from linkratio.model import Link, Post

    def post(pid: str, url: str) -> Post:
        return Post(
            platform="x",
            id=pid,
            created_at=datetime(2024, 5, 1, tzinfo=UTC),
            text="read https://t.co/x",
            author_handle="me",
            links=(Link("https://t.co/x", url),),
        )

    df = to_frame(
        [
            post("1", "https://alice.github.io/a"),
            post("2", "https://bob.github.io/b"),
            post("3", "https://ｅｘａｍｐｌｅ.com/"),
            post("4", "https://www.example.com/"),
        ]
    )
    sites = {s.name: s.count for s in summarize(df, tz="UTC").top_sites}
    assert sites == {"alice.github.io": 1, "bob.github.io": 1, "example.com": 2}


def test_sites_use_the_bundled_snapshot_offline() -> None:
    # A fresh interpreter with sockets refused and no cache folder: private-section names
    # still come out right (the bundled list has both sections).
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from linkratio.links import site\n"
        "print(site('https://alice.github.io/'), site('https://ｅｘａｍｐｌｅ.com'))\n"
    )
    env = {**os.environ, "TLDEXTRACT_CACHE": "/nonexistent/never"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["alice.github.io", "example.com"]
    assert "network used" not in done.stderr


def test_the_frame_cache_knows_the_idna_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    # Site names now depend on the idna package's UTS-46 tables: a cached frame row made
    # with other tables must not be reused.
    from importlib import metadata

    from linkratio import frame

    real = metadata.version
    before = frame.classifier_fingerprint.__wrapped__()

    def other_idna(name: str) -> str:
        return "0.0-other" if name == "idna" else real(name)

    monkeypatch.setattr(frame.metadata, "version", other_idna)
    assert frame.classifier_fingerprint.__wrapped__() != before


# --- 2. `load(since, until)` against `audit --since/--until` ------------------------------

NOW = "2025-01-10T12:00:00+00:00"


def _audit_json(*args: str) -> dict[str, Any]:
    from linkratio.cli import main

    out = StringIO()
    old = sys.stdout
    sys.stdout = out
    try:
        code = main(["audit", str(SAMPLE), "--json", "--now", NOW, *args])
    finally:
        sys.stdout = old
    assert code in (0, None)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


@pytest.mark.parametrize(
    ("since", "until"),
    [
        ("2024-10-01", "2024-10-20"),
        ("2024-09-28", "2024-11-02"),
        ("2024-12-01", None),
        ("2023-05-06", "2023-05-13"),  # no post on its first day
    ],
)
def test_the_documented_recipe_gives_audits_summary(since: str, until: str | None) -> None:
    args = ["--tz", "UTC", "--since", since] + (["--until", until] if until else [])
    cli = _audit_json(*args)
    now = datetime.fromisoformat(NOW)
    df = linkratio.load(SAMPLE)
    recipe = summary_to_dict(summarize(df, tz="UTC", since=since, until=until, now=now))
    assert recipe == cli


def test_readme_shows_the_recipe_and_the_difference() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    # The recipe that gives audit's numbers for a period...
    assert 'linkratio.summarize(df, tz="Europe/Berlin", since="2024-10-01"' in readme
    # ...and what a frame loaded for a period no longer knows.
    assert "summarize(load(SOURCE), since=…, until=…)" in readme


def test_a_frame_loaded_for_a_period_picks_its_nudge_from_the_period_only() -> None:
    # What README says of `load(..., since=, until=)`: its summary knows no other day.
    now = datetime.fromisoformat(NOW)
    period = linkratio.load(SAMPLE, tz="UTC", since="2024-10-01", until="2024-10-20")
    whole = linkratio.load(SAMPLE)
    narrow = summarize(period, tz="UTC", now=now)
    wide = summarize(whole, tz="UTC", since="2024-10-01", until="2024-10-20", now=now)
    assert narrow.posts == wide.posts and narrow.talk_share == wide.talk_share
    assert narrow.nudge.last_post == datetime(2024, 10, 20).date()
    assert wide.nudge.last_post == datetime(2024, 12, 31).date()


def test_a_frame_loaded_for_a_period_counts_partial_weeks_from_its_first_post() -> None:
    # 2023-05-06 (a Saturday) has no post in the sample: audit's first week has the
    # period's two days of it, a frame loaded for the period only its one posting day.
    now = datetime.fromisoformat(NOW)
    since, until = "2023-05-06", "2023-05-13"
    period = linkratio.load(SAMPLE, tz="UTC", since=since, until=until)
    narrow = summarize(period, tz="UTC", since=since, until=until, now=now)
    wide = summarize(linkratio.load(SAMPLE), tz="UTC", since=since, until=until, now=now)
    assert (wide.weeks[0].label, wide.weeks[0].days) == ("2023-W18", 2)
    assert (narrow.weeks[0].label, narrow.weeks[0].days) == ("2023-W18", 1)
    assert summarize(period, tz="UTC", now=now).period_start.isoformat() == "2023-05-07"


# --- 3. A cohort's bare tweets.js input and the files read with it ------------------------


def _record(tid: str, text: str, day: int = 9) -> dict[str, Any]:
    return {
        "tweet": {
            "id_str": tid,
            "id": tid,
            "full_text": text,
            "created_at": f"Sat Nov {day:02d} 10:00:00 +0000 2024",
            "display_text_range": ["0", str(len(text))],
            "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            "edit_info": {"initial": {"editTweetIds": [tid]}},
            "retweeted": False,
            "lang": "en",
        }
    }


def _note(nid: str, text: str) -> dict[str, Any]:
    return {
        "noteTweet": {
            "noteTweetId": nid,
            "createdAt": "2024-11-09T10:00:00.000Z",
            "updatedAt": "2024-11-09T10:00:00.000Z",
            "core": {"text": text, "urls": [], "mentions": [], "hashtags": [], "cashtags": []},
        }
    }


def _rows(out: Path) -> dict[str, dict[str, Any]]:
    import duckdb

    con = duckdb.connect()
    glob = str(out / "platform=*" / "month=*" / "*.parquet")
    cursor = con.execute(f"SELECT id, account, kind FROM read_parquet('{glob}')")
    return {pid: {"account": acc, "kind": kind} for pid, acc, kind in cursor.fetchall()}


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    folder = write_folder(
        tmp_path / "data",
        {
            "tweets.js": ytd("tweets", [_record("1", "hello"), _record("2", "long post…")]),
            "tweets-part1.js": ytd("tweets", [_record("3", "more")], part=1),
            "account.js": account_js("100", "me"),
        },
    )
    return folder / "tweets.js"


def _later(path: Path, data: bytes) -> None:
    """Rewrite `path` so its mtime surely moves (a coarse clock would hide the write)."""
    before = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_a_changed_tweets_part_rebuilds_the_bare_input(bare: Path, tmp_path: Path) -> None:
    from linkratio import cohort

    out = tmp_path / "cohort"
    first = cohort.build([bare], out, workers=1)
    assert first.posts == 3 and set(_rows(out)) == {"1", "2", "3"}
    assert cohort.build([bare], out, workers=1).rebuilt == []  # nothing changed
    part = bare.parent / "tweets-part1.js"
    _later(part, ytd("tweets", [_record("3", "more"), _record("4", "what now?", 10)], part=1))
    again = cohort.build([bare], out, workers=1)
    assert again.rebuilt == [str(bare)]
    assert set(_rows(out)) == {"1", "2", "3", "4"} and _rows(out)["4"]["kind"] == "question"


def test_a_new_account_js_or_note_tweet_rebuilds_the_bare_input(bare: Path, tmp_path: Path):
    from linkratio import cohort

    out = tmp_path / "cohort"
    cohort.build([bare], out, workers=1)
    assert {r["account"] for r in _rows(out).values()} == {"@me"}
    _later(bare.parent / "account.js", account_js("100", "renamed"))
    assert cohort.build([bare], out, workers=1).rebuilt == [str(bare)]
    assert {r["account"] for r in _rows(out).values()} == {"@renamed"}
    # A note-tweet.js added beside it: the long post's full text now asks a question.
    note = bare.parent / "note-tweet.js"
    note.write_bytes(ytd("note_tweet", [_note("2", "long post, is it?")]))
    assert cohort.build([bare], out, workers=1).rebuilt == [str(bare)]
    assert _rows(out)["2"]["kind"] == "question"
    assert cohort.build([bare], out, workers=1).rebuilt == []  # and then it is current


def test_a_tweets_part_read_alone_ignores_its_sibling_parts(bare: Path, tmp_path: Path):
    from linkratio import cohort

    part = bare.parent / "tweets-part1.js"
    out = tmp_path / "cohort"
    cohort.build([part], out, workers=1)
    assert set(_rows(out)) == {"3"}
    _later(bare, ytd("tweets", [_record("1", "hello changed")]))  # not read with part1
    assert cohort.build([part], out, workers=1).rebuilt == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_beside_a_built_tweets_js_is_refused_not_waited_on(bare: Path, tmp_path: Path):
    # The fingerprint must never open a pipe named note-tweet.js (nothing would write to
    # it): the rebuild reads the input and the reader refuses the pipe in one line.
    out = tmp_path / "cohort"
    command = [sys.executable, "-m", "linkratio", "cohort", "build", str(bare), "--out", str(out)]
    first = subprocess.run([*command, "-q"], capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    os.mkfifo(bare.parent / "note-tweet.js")
    done = subprocess.run([*command, "-q"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "note-tweet.js: is a named pipe" in done.stderr


@pytest.mark.parametrize(
    "url", ["https://ex%1bample.com/", "https://a%E2%80%AEb.com/", "https://ex%00ample.com/"]
)
def test_a_percent_encoded_control_character_never_enters_a_site(url: str) -> None:
    # A browser refuses such a host; the site stays as written, escapes and all.
    name = site(url)
    assert name.isprintable() and "%" in name


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # A web URL's backslash is a slash to a browser: this link opens example.com.
        ("https://example.com\\@evil.example.org/", "example.com"),
        ("https://www.example.com\\path", "example.com"),
        ("https://user@example.com@evil.example.org/", "example.org"),  # the last @ counts
    ],
)
def test_the_site_is_the_host_a_browser_opens(url: str, expected: str) -> None:
    assert site(url) == expected
