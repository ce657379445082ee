"""The library's integrity check and online backup, on real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers import copied

from linkratio.errors import InputError
from linkratio.frame import Library
from linkratio.store import maintenance


def test_a_sound_library_checks_clean(sample_library: Path) -> None:
    with Library(sample_library) as lib:
        assert lib.check() == []


def test_flipped_bytes_are_found(sample_library: Path, tmp_path: Path) -> None:
    damaged = copied(sample_library, tmp_path, "damaged.sqlite")
    data = bytearray(damaged.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    for i in range(5 * page, 5 * page + 200):  # a b-tree page's header, past the schema
        data[i] ^= 0xFF
    damaged.write_bytes(bytes(data))
    with sqlite3.connect(damaged) as db:
        problems = maintenance.check(db)
    assert problems and all(isinstance(p, str) and p for p in problems)


def test_backup_is_a_complete_library(sample_library: Path, tmp_path: Path) -> None:
    with Library(sample_library) as lib:
        (tmp_path / "backups").mkdir()
        copy = lib.backup(tmp_path / "backups")
        account = lib.accounts()[0]
        expected = len(lib.frame(account.platform, account.id))
    assert copy == tmp_path / "backups" / "library.sqlite"
    assert not list((tmp_path / "backups").glob(".*tmp"))  # no temporary file left
    with Library(copy) as restored:
        assert restored.check() == []
        assert len(restored.frame(account.platform, account.id)) == expected


def test_backup_refuses_the_library_itself_and_keeps_it(sample_library: Path) -> None:
    before = sample_library.stat().st_size
    with Library(sample_library) as lib, pytest.raises(InputError, match="the library itself"):
        lib.backup(sample_library)
    assert sample_library.stat().st_size == before


def test_a_failed_backup_leaves_no_partial_file(sample_library: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with Library(sample_library) as lib, pytest.raises(InputError, match="could not be written"):
        lib.backup(tmp_path / "a-file" / "copy.sqlite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]
