"""A damaged library file and a full disk: one line naming the file, no traceback, no debris.

The damage is real: bytes flipped in a page of the `posts` table or its index, a dropped
table, a garbled row or cache segment. The full disk is real too when the tests may mount
a small tmpfs (they run as root in the sandbox); else those tests are skipped and the
simulated ones (an `ENOSPC` from the write) still run.
"""

from __future__ import annotations

import errno
import io
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SAMPLE, copied, one_line, small_tmpfs

from linkratio.cli import main

PAGE = 4096


@pytest.fixture
def sound(sample_library: Path) -> Path:
    """The sample account (2,390 posts) in a library file, frame cache written."""
    return sample_library


def _pages(path: Path, table: str, kind: str) -> list[int]:
    with sqlite3.connect(path) as db:
        try:
            rows = db.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY pageno",
                (table, kind),
            ).fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find a page with")
    return [row[0] for row in rows]


def _flip(path: Path, page: int, at: int = 0, count: int = 200) -> None:
    data = bytearray(path.read_bytes())
    start = (page - 1) * PAGE + at
    for i in range(start, start + count):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


def _one_damage_line(err: str, path: Path) -> None:
    assert "Traceback" not in err
    one_line(err)
    assert err.startswith(f"linkratio: error: {path}: the library is damaged")
    assert "run 'linkratio library check" in err and "restore a backup or re-import" in err


# -- damage --------------------------------------------------------------------------------


@pytest.fixture
def damaged_posts(sound: Path, tmp_path: Path) -> Path:
    """The library with a b-tree page header of the `posts` table overwritten."""
    path = copied(sound, tmp_path)
    _flip(path, _pages(path, "posts", "leaf")[3])
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["classify", "@marenbuilds", "--output", "csv"],
        ["classify", "@marenbuilds"],
        ["import", str(SAMPLE), "-q"],
    ],
)
def test_a_damaged_posts_page_is_one_line(
    damaged_posts: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*command, "--db", str(damaged_posts)], capsys)
    assert code == 74
    _one_damage_line(err, damaged_posts)


def test_a_damaged_root_page_is_one_line_for_every_reader(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sound, tmp_path)
    _flip(path, _pages(path, "posts", "internal")[0])
    report = ["report", "@marenbuilds", "--out", str(tmp_path / "r")]
    for command in (["accounts"], ["audit", "@marenbuilds"], report):
        code, out, err = run([*command, "--db", str(path)], capsys)
        assert code == 74, command
        _one_damage_line(err, path)


def test_accounts_never_shows_counts_a_damaged_index_hides(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sound, tmp_path)
    # Cells, not the header, of an index page: SQLite reads on and finds fewer posts.
    _flip(path, _pages(path, "posts_by_account", "leaf")[1], at=100)
    code, out, err = run(["accounts", "--db", str(path)], capsys)
    assert code == 74 and out == ""
    _one_damage_line(err, path)
    assert "of 2,390" in err
    code, out, err = run(["audit", "@marenbuilds", "--db", str(path)], capsys)
    assert code == 74 and "cached" in err  # not a summary of the posts the index still finds
    _one_damage_line(err, path)


def test_a_dropped_cache_table_is_one_line(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sound, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE frame_columns")
    code, _, err = run(["audit", "@marenbuilds", "--db", str(path)], capsys)
    assert code == 74 and "no such table: frame_columns" in err
    _one_damage_line(err, path)


def test_a_garbled_post_row_is_one_line_naming_it(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sound, tmp_path)
    with sqlite3.connect(path) as db:
        post_id = db.execute("SELECT post_id FROM posts LIMIT 1").fetchone()[0]
        db.execute("UPDATE posts SET links = 'garbage' WHERE post_id = ?", (post_id,))
    code, _, err = run(["classify", "@marenbuilds", "--output", "csv", "--db", str(path)], capsys)
    assert code == 74 and post_id in err
    _one_damage_line(err, path)


@pytest.mark.parametrize(
    "garble",
    [
        "UPDATE frame_columns SET data = randomblob(64) WHERE name = 'domains'",
        "UPDATE frame_columns SET data = randomblob(13) WHERE name = 'created_at'",
        "UPDATE frame_columns SET codes = x'0000ff7f' WHERE name = 'category'",
        "UPDATE frame_columns SET data = '[\"a\"]' WHERE name = 'id'",
        "DELETE FROM frame_columns WHERE name = 'text'",
    ],
)
def test_a_garbled_cache_segment_is_rebuilt_from_the_posts(
    sound: Path, tmp_path: Path, garble: str, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = run(["audit", "@marenbuilds", "--json", "--db", str(sound)], capsys)[1]
    path = copied(sound, tmp_path)
    with sqlite3.connect(path) as db:
        db.execute(garble)
    code, out, err = run(["audit", "@marenbuilds", "--json", "--db", str(path)], capsys)
    assert code == 0 and out == expected
    assert "frame cache" in err and "rebuilt" in err and "Traceback" not in err
    code, out, err = run(["audit", "@marenbuilds", "--json", "--db", str(path)], capsys)
    assert (code, out, err) == (0, expected, "")  # rebuilt for good


# -- library check and backup -----------------------------------------------------------------


def test_library_check(
    sound: Path, damaged_posts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["library", "check", "--db", str(sound)], capsys)
    assert (code, out) == (0, f"{sound}: sound\n")
    code, out, _ = run(["library", "check", "--db", str(damaged_posts)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{damaged_posts}: damaged: restore a backup or re-import"
    assert len(lines) > 1 and all(line.startswith("  ") for line in lines[1:])


def test_library_check_of_a_file_too_damaged_to_open(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = copied(sound, tmp_path)
    _flip(path, 2)  # the schema's second page
    code, out, _ = run(["library", "check", "--db", str(path)], capsys)
    assert code == 1 and "damaged" in out


def test_library_backup(sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["library", "backup", str(tmp_path), "--db", str(sound)], capsys)
    assert code == 0 and out == f"library backed up to {tmp_path / sound.name}\n"
    code, out, _ = run(["library", "check", "--db", str(tmp_path / sound.name)], capsys)
    assert code == 0


def _garbled_value(path: Path) -> None:
    """A post whose text is a BLOB: only the value checks of `library check` find it."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE posts SET text = x'00ff' WHERE rowid = (SELECT min(rowid) FROM posts)")


@pytest.mark.parametrize("damage", ["page", "value"])
def test_a_damaged_library_never_replaces_a_good_backup(
    sound: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    """A nightly `library backup` of a library that went bad keeps the last good copy."""
    backups = tmp_path / "backups"
    code, _, _ = run(["library", "backup", f"{backups}/", "--db", str(sound)], capsys)
    good = (backups / sound.name).read_bytes()
    path = copied(sound, tmp_path)
    if damage == "page":
        _flip(path, _pages(path, "posts", "leaf")[3])
    else:
        _garbled_value(path)
    code, out, err = run(["library", "backup", f"{backups}/", "--db", str(path)], capsys)
    assert code == 74 and out == ""
    _one_damage_line(err, path)
    assert f"no backup was written, {backups / sound.name} is left as it was" in err
    assert (backups / sound.name).read_bytes() == good
    assert sorted(p.name for p in backups.iterdir()) == [sound.name]  # no temporary file


# -- a full disk -----------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 160 KB tmpfs: a real full disk (skipped where mounting is not allowed; the
    simulated ENOSPC tests still run)."""
    with small_tmpfs(tmp_path / "tiny", "160k") as where:
        yield where


def _complete_png(path: Path) -> bool:
    return path.read_bytes().endswith(b"IEND\xaeB`\x82")


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or p.stat().st_size == 0]


def test_report_on_a_full_disk(
    sound: Path, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tiny_disk / "report"
    code, _, err = run(
        ["report", "@marenbuilds", "--db", str(sound), "--out", str(out_dir)], capsys
    )
    assert code == 74 and len(err.strip().splitlines()) == 1
    assert "No space left on device" in err and f"{out_dir}/" in err  # names the file
    assert _leftovers(tiny_disk) == []
    assert all(_complete_png(p) for p in out_dir.glob("*.png"))


def test_weekly_on_a_full_disk(
    sound: Path, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_disk / "filler").write_bytes(b"\0" * 140_000)  # leave too little for the chart
    argv = ["weekly", "@marenbuilds", "--week", "2024-W50", "--out", str(tiny_disk / "w")]
    code, _, err = run([*argv, "--db", str(sound), "--now", "2024-12-20T00:00:00+00:00"], capsys)
    assert code == 74 and len(err.strip().splitlines()) == 1, err
    assert "linkratio-2024-W50" in err and "No space left on device" in err
    assert _leftovers(tiny_disk) == []


def test_import_on_a_full_disk(tiny_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tiny_disk / "library.sqlite"
    code, _, err = run(["import", str(SAMPLE), "--db", str(db), "-q"], capsys)
    assert code == 74
    assert err == f"linkratio: error: {db}: the library could not be written: the disk is full\n"


def test_write_atomic_on_enospc_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The simulated full disk: the write of the temporary file fails."""
    from linkratio.errors import DiskError
    from linkratio.render.files import write_atomic

    (tmp_path / "chart.png").write_bytes(b"the old chart")
    real_fdopen = os.fdopen

    class Full(io.RawIOBase):
        def __init__(self, fd: int) -> None:
            self.fd = fd

        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self) -> None:
            os.close(self.fd)
            super().close()

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: Full(fd))
    with pytest.raises(DiskError, match=r"chart\.png: could not be written \(No space left"):
        write_atomic(tmp_path / "chart.png", b"\x89PNG new")
    monkeypatch.setattr(os, "fdopen", real_fdopen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]
    assert (tmp_path / "chart.png").read_bytes() == b"the old chart"


def test_a_failed_commit_is_not_hidden_by_a_failed_rollback() -> None:
    """COMMIT failing with SQLITE_FULL may roll back itself: no second ROLLBACK then."""
    from linkratio.store.schema import transaction

    db = sqlite3.connect(":memory:", isolation_level=None)
    db.execute("CREATE TABLE t (x)")
    with pytest.raises(ZeroDivisionError), transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("ROLLBACK")  # as a failed COMMIT leaves it
        raise ZeroDivisionError
    assert not db.in_transaction
