"""An archive import whose records' JSON a forked child makes while the posts are read
(`sources.x_archive.paired`): the same library, row by row, as the general reader's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest
from archives import account_js, write_folder, write_zip, ytd
from helpers import generated_archive
from test_x_archive import BASIC

import linkratio.sources.x_archive.paired as paired
import linkratio.store.forked as forked_module
from linkratio.frame import Library
from linkratio.loading import import_source
from linkratio.sources.x_archive import read_archive
from linkratio.sources.x_archive.typed import Unsupported
from linkratio.store.posts import POST_COLUMNS

pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded:DeprecationWarning"
)


def rows(db: Path) -> list[tuple[object, ...]]:
    """Every post row but its fetch time (a save's clock), in id order."""
    with sqlite3.connect(db) as con:
        found = con.execute(f"SELECT {', '.join(POST_COLUMNS)} FROM posts ORDER BY post_id")
        at = POST_COLUMNS.index("fetched_at")
        return [row[:at] + row[at + 1 :] for row in found]


def saved_the_general_way(path: Path, db: Path) -> None:
    """The archive read by the general reader (keep_raw) and saved as import saves it."""
    timeline = read_archive(path, keep_raw=True)
    with Library(db) as library:
        library.save_posts(timeline.account, timeline.posts, origin="archive")


def test_an_import_equals_the_general_readers_library_row_by_row(
    tmp_path: Path, forks: list[int]
) -> None:
    archive = generated_archive(tmp_path / "archive", 3000, seed=11)
    import_source(archive, db=tmp_path / "new.sqlite")
    assert forks, "the records' JSON was not made in a child"
    saved_the_general_way(archive, tmp_path / "old.sqlite")
    new, old = rows(tmp_path / "new.sqlite"), rows(tmp_path / "old.sqlite")
    assert len(new) == len(old) > 2000
    assert new == old  # raw included, byte for byte
    assert [orjson.loads(r[-1]) for r in new] == [orjson.loads(r[-1]) for r in old]


def test_a_zip_archive_is_read_by_the_child_too(tmp_path: Path, forks: list[int]) -> None:
    files = {"data/tweets.js": ytd("tweets", BASIC), "data/account.js": account_js()}
    archive = write_zip(tmp_path / "a.zip", files)
    lean = paired.read_paired(archive)
    assert forks
    general = read_archive(archive, keep_raw=True)
    assert [(p.id, p.raw) for p in lean.posts] == [(p.id, p.raw) for p in general.posts]


def test_without_a_fork_the_json_is_made_here_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked_module, "_may_fork", lambda: False)
    files = {"data/tweets.js": ytd("tweets", BASIC), "data/account.js": account_js()}
    archive = write_folder(tmp_path, files)
    lean = paired.read_paired(archive)
    general = read_archive(archive, keep_raw=True)
    assert [(p.id, p.raw) for p in lean.posts] == [(p.id, p.raw) for p in general.posts]


_REAL = paired.raws_of


def _other_json(path: Path) -> paired.Raws:
    """The child's JSON had the archive changed after this process read it: the records
    shifted by one (the same count)."""
    made = _REAL(path)
    assert made is not None
    return [found[1:] + found[:1] for found in made]


@pytest.mark.parametrize(
    "child",
    [
        pytest.param(_other_json, id="other records"),
        pytest.param(lambda path: [found[:-1] for found in _REAL(path) or []], id="fewer"),
        pytest.param(lambda path: [*(_REAL(path) or []), []], id="another file"),
        pytest.param(lambda path: [], id="no file"),
        pytest.param(lambda path: None, id="unsupported"),
    ],
)
def test_json_that_does_not_pair_with_the_posts_is_never_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int], child: object
) -> None:
    """What the child made from an archive changed since: Unsupported, and the import
    reads it the general way (the posts and their JSON from one reading)."""
    files = {"data/tweets.js": ytd("tweets", BASIC), "data/account.js": account_js()}
    archive = write_folder(tmp_path / "archive", files)
    monkeypatch.setattr(paired, "raws_of", child)
    with pytest.raises(Unsupported):
        paired.read_paired(archive)
    import_source(archive, db=tmp_path / "new.sqlite")
    saved_the_general_way(archive, tmp_path / "old.sqlite")
    assert rows(tmp_path / "new.sqlite") == rows(tmp_path / "old.sqlite")


def test_a_record_orjson_refuses_is_refused_as_before(tmp_path: Path, forks: list[int]) -> None:
    """A number out of a double's range in a field the typed reader skips: the child finds
    it, and the import refuses the file as the general reader does."""
    body = ytd("tweets", BASIC).replace(b'"full_text"', b'"odd" : 1e400, "full_text"', 1)
    archive = write_folder(tmp_path, {"data/tweets.js": body, "data/account.js": account_js()})
    with pytest.raises(Unsupported):
        paired.read_paired(archive)
    assert forks
