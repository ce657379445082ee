"""Review of day 22's change: library reread, the weekly owner mark, chart checks, config."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import copied
from helpers import run_cli as run

# --- config: a file nested deeper than Python recurses -----------------------------------

DEEP = {
    # a table 1,500 dotted keys deep: tomllib reads it, tomli_w cannot write it back
    "dotted": "a" + ".a" * 1500 + " = 1\n",
    # arrays 1,500 deep: tomllib itself recurses once per level
    "array": "x = " + "[" * 1500 + "]" * 1500 + "\n",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_config_set_on_a_deeply_nested_file_is_one_line_and_keeps_it(
    config_file: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    # `config set` kept stray entries by writing the whole file again (tomli_w): a table
    # too deep for that ended in a RecursionError traceback; so did reading deep arrays.
    config_file.write_text(DEEP[kind])
    code, out, err = run(["config", "set", "smtp.host", "-q"], capsys, "mail.example.org\n")
    assert code == 2, err[-300:]
    assert err.count("\n") == 1 and str(config_file) in err and "Traceback" not in err
    assert config_file.read_text() == DEEP[kind]


def test_config_show_on_deeply_nested_arrays_is_one_line(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_file.write_text(DEEP["array"])
    code, out, err = run(["config", "show"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(config_file) in err and "Traceback" not in err


# --- reread: posts fetched from Bluesky and Mastodon ---------------------------------------


def _forget_readers(db: Path) -> None:
    """The library as a linkratio before reader fingerprints left it (schema 6, migrated)."""
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("UPDATE posts SET reader = NULL")
    con.close()


@pytest.mark.parametrize("platform", ["bluesky", "mastodon"])
def test_posts_fetched_from_bluesky_and_mastodon_read_again_unchanged(
    fake_social, tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str
) -> None:
    from fakes.social import MASTODON_USER, OWNER_HANDLE

    db = tmp_path / "lib.sqlite"
    name = (
        f"bsky:{OWNER_HANDLE}"
        if platform == "bluesky"
        else f"mastodon:@{MASTODON_USER}@{fake_social.host}"
    )
    assert run(["fetch", name, "--db", str(db), "-q"], capsys)[0] == 0
    # Right after a fetch nothing is due: no notice.
    code, _, err = run(["audit", name, "--db", str(db), "--json"], capsys)
    assert code == 0 and "older linkratio" not in err
    _forget_readers(db)
    code, _, err = run(["audit", name, "--db", str(db), "--json"], capsys)
    assert code == 0 and "read by an older linkratio" in err
    code, out, err = run(["library", "reread", name, "--db", str(db)], capsys)
    assert code == 0, err
    assert ": 0 changed" in out and "could not" not in out, out


# --- weekly: the owner mark's look at an existing .md -----------------------------------


def _weekly_in_child(library: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """`linkratio weekly` in a child process with 3 GB of address space: a read without
    end fails there, and a run that never ends is killed (a guard, not a measurement)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    argv = [sys.executable, "-m", "linkratio", "weekly", "@marenbuilds", "--db", str(library)]
    argv += ["--week", "2024-W49", "--out", str(out), "-q"]
    env = {**os.environ, "LINKRATIO_DB": str(library)}
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=90, preexec_fn=limit, env=env
        )
    except subprocess.TimeoutExpired:
        pytest.fail("weekly never ended: it waits on the .md in --out")


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_weekly_is_not_held_by_an_md_that_is_no_file(
    sample_library: Path, tmp_path: Path, kind: str
) -> None:
    # The owner check opened the week's .md to read its end: a FIFO planted in a shared
    # --out held every run forever; a link to /dev/zero read until memory ran out. Before
    # the check, the run replaced either (the files are written to a temporary name and
    # renamed), as it still must.
    library = copied(sample_library, tmp_path)
    out = tmp_path / "weekly"
    out.mkdir()
    md = out / "linkratio-2024-W49.md"
    if kind == "fifo":
        os.mkfifo(md)
    else:
        md.symlink_to("/dev/zero")
    done = _weekly_in_child(library, out)
    assert done.returncode == 0, done.stderr[-500:]
    assert md.is_file() and not md.is_symlink()
    assert "# " in md.read_text(encoding="utf-8")


# --- cohort: a Mastodon status saved twice, edited in between -------------------------


def test_a_cohort_keeps_the_last_saved_version_of_an_edited_mastodon_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Mastodon edit keeps the status id. Read whole (before Mastodon JSONL was read in
    # byte ranges, and still by import), the last version in the file counts; read in
    # ranges, the view kept whichever row its dedup met first: the version before the edit.
    import copy

    import orjson

    from linkratio import cohort
    from linkratio.cohort import tasks
    from linkratio.sources import read

    pytest.importorskip("duckdb")
    fixtures = Path(__file__).parent / "fixtures" / "mastodon"
    statuses = orjson.loads((fixtures / "get_account_statuses_limit.1.body.json").read_bytes())
    first = next(s for s in statuses if not s.get("reblog"))
    before = copy.deepcopy(first)
    before.update(content="<p>just talking</p>", card=None, media_attachments=[], mentions=[])
    before.update(in_reply_to_id=None, in_reply_to_account_id=None)
    after = copy.deepcopy(before)
    after["content"] = '<p>now a link <a href="https://example.org/x">example.org/x</a></p>'
    after["edited_at"] = "2025-07-01T00:00:00.000Z"
    others = [s for s in statuses if s["id"] != first["id"]]
    lines = [orjson.dumps([before]), *(orjson.dumps([s]) for s in others), orjson.dumps([after])]
    path = tmp_path / "statuses.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    [imported] = [p for p in read(path).posts if p.id == first["uri"]]
    assert imported.links  # whole, the edit (a link) counts

    monkeypatch.setattr(tasks, "CHUNK_BYTES", 2_000)  # the two versions in other ranges
    out = tmp_path / "cohort"
    cohort.build([path], out, workers=1)
    con = cohort.connect(out)
    rows = con.sql(f"SELECT category FROM posts WHERE id = '{first['uri']}'").fetchall()
    assert rows == [("link",)]
    assert con.sql("SELECT count(*) FROM posts").fetchall() == [(len(statuses),)]
