"""Leftovers of day 22's reviews (b): small defects, each pinned by a test that failed before."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SAMPLE, usage_error
from test_reread import imported, read_by_old

from linkratio._version import __version__
from linkratio.cli import main
from linkratio.frame import Library
from linkratio.model import Account
from linkratio.render.weekly import OWNER_MARK
from linkratio.sources.reread import READER, reader_fingerprint
from linkratio.store import Reader
from linkratio.store.reread import _DUE_WITH_JSON, version_key


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


WEEKLY = ["weekly", "@marenbuilds", "--now", "2025-01-08T12:00:00Z", "--tz", "UTC", "-q"]


def test_weekly_says_it_reread_even_when_the_run_then_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh, db = tmp_path / "fresh.sqlite", tmp_path / "lib.sqlite"
    imported(SAMPLE, fresh, capsys)
    out = tmp_path / "out"
    code, _, err = run([*WEEKLY, "--db", str(fresh), "--out", str(out)], capsys)
    assert code in (0, 1), err
    (md,) = out.glob("*.md")  # now another account's week: the run below is refused
    text = md.read_text("utf-8")
    md.write_text(text[: text.rindex(OWNER_MARK)] + OWNER_MARK + "x:999 -->\n", "utf-8")
    account = imported(SAMPLE, db, capsys)
    read_by_old(db, account)
    code, _, err = run([*WEEKLY, "--db", str(db), "--out", str(out)], capsys)
    assert code == 2
    lines = err.splitlines()
    assert any("holds another account's week" in line for line in lines), err
    said = [line for line in lines if line.startswith("linkratio: re-read ")]
    assert len(said) == 1, err
    assert said[0].startswith(
        "linkratio: re-read 2,390 posts of @marenbuilds that an older linkratio read: "
    )
    assert said[0].endswith(" changed")
    with Library(db) as lib:  # it was done: nothing is due any more
        assert lib.due_posts(account.platform, account.id or "") == 0


# -- 2. the readers' version orders what is due -------------------------------------------


def test_version_keys_sort_as_the_versions_do() -> None:
    versions = ["unknown", "0.0.9", "0.1", "0.2.0rc1", "0.10.0", "1.0", "1.2.3", "2026.12.7",
                "1!0.1"]  # fmt: skip
    keys = [version_key(v) for v in versions]
    assert sorted(keys) == keys and len(set(keys)) == len(keys)
    assert version_key("1.0") == version_key("1.0.0") == version_key("v1")
    assert version_key("0.1.0.dev3+g1a2b") == version_key("0.1.0.post2") == version_key("0.1")
    for key in keys:  # a stamp of an older version sorts below any failure mark of a newer
        assert all(f"{key} {'f' * 16}" < f"{newer} !" for newer in keys if newer > key)


def _stamped(db: Path, account: Account, version: str | None, fingerprint: str) -> None:
    """Store the account's posts as readers of `version` and `fingerprint` read them."""
    reader = Reader(fingerprint=lambda: fingerprint, reread=READER.reread, version=version)
    with Library(db, reader=reader) as lib:
        posts = lib.posts(account.platform, account.id or "", with_raw=True)
        for origin in {p.source for p in posts}:
            lib.save_posts(account, [p for p in posts if p.source == origin], origin=origin)


def _readers(db: Path) -> list[tuple[str | None, int]]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT reader, count(*) FROM posts GROUP BY reader ORDER BY 1")
        found = rows.fetchall()
    con.close()
    return found


@pytest.mark.parametrize(
    ("version", "due"),
    [
        ("99.0", False),  # a newer linkratio: never read again, nor due
        (f"{__version__}.1", False),
        (__version__, True),  # this version, other code (a development checkout)
        ("0.0.1", True),  # an older one
        (None, True),  # one from before versions were recorded: a bare fingerprint
    ],
)
def test_posts_a_newer_linkratio_read_are_never_due(
    version: str | None, due: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    account = imported(SAMPLE, db, capsys)
    _stamped(db, account, version, "0123456789abcdef")
    before = _readers(db)
    with Library(db) as lib:
        assert lib.due_posts(account.platform, account.id or "") == (2_390 if due else 0)
        (done,) = lib.reread()
    assert (done.due, done.read) == ((2_390, 2_390) if due else (0, 0))
    assert (_readers(db) == [(READER.stamp(), 2_390)]) is due
    if not due:
        assert _readers(db) == before


def test_a_newer_linkratios_failure_mark_is_not_due_and_this_ones_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "lib.sqlite"
    account = imported(SAMPLE, db, capsys)
    this = version_key(__version__)
    for reader, due in [
        (f"{version_key('99.0')} !0123456789abcdef", 0),
        (f"{this} !0123456789abcdef", 2_390),  # this version's other code could not
        ("!0123456789abcdef", 2_390),
        (f"{this} !{reader_fingerprint()}", 0),  # these readers could not: not again
    ]:
        with sqlite3.connect(db) as con:
            con.execute("UPDATE posts SET reader = ?", (reader,))
        con.close()
        with Library(db) as lib:
            assert lib.due_posts(account.platform, account.id or "") == due, reader


def test_counting_the_due_posts_seeks_the_reader_index(tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite"
    with Library(db):
        pass
    with sqlite3.connect(db) as con:
        names = {"platform": "x", "account": "1", "low": "a", "high": "b", "one": "c", "two": "d"}
        plan = con.execute(f"EXPLAIN QUERY PLAN {_DUE_WITH_JSON}", names).fetchall()
    con.close()
    details = [row[-1] for row in plan]
    assert not [d for d in details if d.startswith("SCAN posts")], details
    seek = "USING INDEX posts_by_reader (platform=? AND account_id=? AND reader"
    seeks = [d for d in details if seek in d]
    assert len(seeks) == 5, details


# -- 3. a usage error never echoes a token -------------------------------------------------

TOKENS = [
    "sk-SECRETabc",  # an API key's prefix
    "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2Xz",
    "Zk3mQ9vT2xLp8aW4nR7cY1bH6jD0sF5gE",  # a Mastodon access token's shape
    "abcd-2fgh-ijkl-mnop",  # a Bluesky app password
]
HOOK = "https://hooks.slack.com/services/T0/B0/s3cretHookToken"


@pytest.mark.parametrize("token", TOKENS)
def test_an_unknown_word_that_looks_like_a_token_is_not_echoed(
    token: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = usage_error(["fetch", "@x", token], capsys)
    assert token not in err and "unrecognized arguments: <hidden" in err, err
    err = usage_error(["weekly", "@x", "--webhook-env", HOOK, f"--nope={token}"], capsys)
    assert token not in err and "s3cretHookToken" not in err and "services" not in err, err
    assert "--nope=<hidden" in err  # the mistake is still named


def test_every_commands_usage_error_hides_tokens_and_urls_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from test_cli_consistency import leaf_parsers

    from linkratio.cli.app import build_parser

    names = [name for name, _ in leaf_parsers(build_parser())]
    assert len(names) > 15
    for name in names:
        words = [*name.split(), "--x-nope", "two", TOKENS[1], HOOK, "\x1b[31mred\nline"]
        err = usage_error(words, capsys)
        assert TOKENS[1] not in err and "s3cretHookToken" not in err, (name, err)
        assert "\x1b" not in err, (name, err)
        (line,) = [line for line in err.splitlines() if ": error: " in line]
        assert line.startswith(f"linkratio {name}: error: "), (name, err)
        assert err.endswith(line + "\n"), (name, err)  # the error is the last line, whole


def test_ordinary_mistakes_are_named_as_before(capsys: pytest.CaptureFixture[str]) -> None:
    archive = "twitter-2024-11-30-8f3b2c1d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d.zip"
    err = usage_error(["audit", "a.zip", archive, "--weeek", "3"], capsys)
    assert f"unrecognized arguments: {archive} --weeek 3" in err, err
    err = usage_error(["audit", "a.zip", "/home/me/exports/0123456789abcdef0123456789"], capsys)
    assert "/home/me/exports/0123456789abcdef0123456789" in err
    err = usage_error(["weekly", "@me", "--webhook-format", "slak"], capsys)
    assert "invalid choice: 'slak'" in err and "did you mean 'slack'?" in err


# -- 4. build at a script's top level: the build's process names the cause ---------------

_TOP_LEVEL = """
from linkratio import cohort

cohort.build([{source!r}], {out!r}, workers=1)
"""


def test_build_at_a_scripts_top_level_says_why_in_the_scripts_process(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    from linkratio.cohort.builder import IMPORTED_AGAIN
    from linkratio.cohort.engines import LOST

    script = tmp_path / "analysis.py"
    script.write_text(_TOP_LEVEL.format(source=str(SAMPLE), out=str(tmp_path / "o")), "utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=120, cwd=tmp_path
    )
    err = done.stderr.decode()
    assert done.returncode == 1
    last = err.rstrip().splitlines()[-1]
    assert last == f"linkratio.errors.InputError: {IMPORTED_AGAIN}", err  # one line, the cause
    assert LOST not in err and "out of memory" not in err


# -- 5. cohort sql names the statement it refuses -----------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("INSTALL httpfs", "not INSTALL: it downloads an extension from the internet"),
        ("/* fetch */ force  install httpfs", "not FORCE INSTALL: it downloads an extension"),
        ("SELECT 1; -- then\n load httpfs", "not LOAD: it loads an extension's code"),
        ("ATTACH 'x.db'", "not ATTACH: it could write files"),
        ("UPDATE EXTENSIONS", "not UPDATE: it could write files"),  # a type duckdb cannot name
        ("LOAD httpfs; COPY posts TO 'x.csv'", "not LOAD, COPY: they could write files"),
    ],
)
def test_cohort_sql_names_what_it_refuses_and_why(
    query: str, named: str, sample_cohort: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["cohort", "sql", str(sample_cohort), query], capsys)
    assert code == 2 and out == ""
    assert err.startswith("linkratio: error: cohort sql runs queries only (SELECT, WITH, "), err
    assert named in err and len(err.splitlines()) == 1, err
    code, out, _ = run(
        ["cohort", "sql", str(sample_cohort), "SELECT count(*) AS n FROM posts"], capsys
    )
    assert code == 0 and "2390" in out
