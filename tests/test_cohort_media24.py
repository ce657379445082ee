"""cohort build fingerprints an X archive by the files its reader reads, not by its media.

A "Download your data" archive holds gigabytes of photos and videos beside a few megabytes of
tweets.js. A researcher's thousand archives were hashed whole on the first build (every byte
of media read for nothing) and every later build stat-ed every media file; a media file
touched (a backup tool, a thumbnail cache) meant the archive was read again.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import SAMPLE, one_error, run_cli

from linkratio import cohort
from linkratio.cohort import manifest
from linkratio.cohort.rows import COLUMNS, write_parts

FMT = "x-archive"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The sample archive unpacked, with a media folder beside its data files."""
    archive = tmp_path / "archive"
    shutil.copytree(SAMPLE, archive)
    media = archive / "data" / "tweets_media"
    media.mkdir()
    (media / "1-a.jpg").write_bytes(b"\xff\xd8" + os.urandom(4096))
    return archive


def _zip(folder: Path, to: Path, media: bytes) -> Path:
    with zipfile.ZipFile(to, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and "tweets_media" not in file.parts:
                zf.write(file, file.relative_to(folder).as_posix())
        zf.writestr("data/tweets_media/1-a.jpg", media)
    return to


def test_a_folders_fingerprint_leaves_its_media_out(folder: Path) -> None:
    size, mtime = manifest.stat_of(folder, FMT)
    digest = manifest.file_hash(folder, FMT)
    photo = folder / "data" / "tweets_media" / "1-a.jpg"
    photo.write_bytes(photo.read_bytes() + b"more")
    os.utime(photo, ns=(mtime + 10**9, mtime + 10**9))
    (folder / "data" / "tweets_media" / "2-b.mp4").write_bytes(b"video" * 1000)
    assert manifest.stat_of(folder, FMT) == (size, mtime)
    assert manifest.file_hash(folder, FMT) == digest
    assert size == sum(f.stat().st_size for f in (folder / "data").iterdir() if f.is_file())


def test_a_folders_fingerprint_still_follows_what_is_read(folder: Path) -> None:
    digest = manifest.file_hash(folder, FMT)
    for name in ("tweets.js", "note-tweet.js", "account.js"):
        path = folder / "data" / name
        kept = path.read_bytes()
        path.write_bytes(kept.replace(b"2", b"3", 1))
        assert manifest.file_hash(folder, FMT) != digest, name
        path.write_bytes(kept)
    assert manifest.file_hash(folder, FMT) == digest
    (folder / "data" / "tweets-part1.js").write_bytes(b"window.YTD.tweets.part1 = []")
    assert manifest.file_hash(folder, FMT) != digest


def test_a_zips_fingerprint_leaves_its_media_out(folder: Path, tmp_path: Path) -> None:
    one = manifest.file_hash(_zip(folder, tmp_path / "one.zip", b"photo"), FMT)
    two = manifest.file_hash(_zip(folder, tmp_path / "one.zip", b"another photo" * 99), FMT)
    assert one == two
    (folder / "data" / "tweets.js").write_bytes(
        (folder / "data" / "tweets.js").read_bytes().replace(b"2", b"3", 1)
    )
    assert manifest.file_hash(_zip(folder, tmp_path / "one.zip", b"photo"), FMT) != one


def test_a_rebuild_after_the_media_changed_reads_nothing(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "cohort"
    first = cohort.build([folder], out, workers=1)
    photo = folder / "data" / "tweets_media" / "1-a.jpg"
    photo.write_bytes(b"edited" + photo.read_bytes())
    again = cohort.build([folder], out, workers=1)
    assert first.rebuilt == [str(folder)]
    assert (again.rebuilt, again.unchanged) == ([], 1)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Path]]:
    """What this process fsyncs and renames, in order (path of each)."""
    events: list[tuple[str, Path]] = []
    fsync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        events.append(("fsync", Path(os.readlink(f"/proc/self/fd/{fd}"))))
        fsync(fd)

    def replaced(src: str, dst: str) -> None:
        events.append(("replace", Path(dst)))
        replace(src, dst)

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", replaced)
    return events


def test_a_part_is_on_disk_when_written(tmp_path: Path, synced: list[tuple[str, Path]]) -> None:
    """Without fsync a power cut could leave the (synced) manifest naming an empty part."""
    rows = [("x", "1", None, "alice", datetime(2024, 5, 1, tzinfo=UTC), "other")]
    rows[0] += (None,) * (len(COLUMNS) - len(rows[0]))
    (part,) = write_parts(rows, str(tmp_path), "part-k-0")
    assert synced == [("fsync", Path(part.tmp))]


def test_the_parts_renames_are_on_disk_before_the_manifest_names_them(
    folder: Path, tmp_path: Path, synced: list[tuple[str, Path]]
) -> None:
    out = tmp_path / "cohort"
    cohort.build([folder], out, workers=1)
    parts = sorted(out.glob("platform=*/month=*/*.parquet"))
    assert parts
    manifest_at = max(i for i, e in enumerate(synced) if e == ("replace", out / manifest.NAME))
    for part in parts:
        renamed = synced.index(("replace", part))
        folder_synced = [i for i, e in enumerate(synced) if e == ("fsync", part.parent)]
        assert folder_synced and renamed < folder_synced[-1] < manifest_at


@pytest.mark.parametrize("building", [False, True])
def test_a_part_unreadable_while_a_build_writes_gets_no_advice_to_delete_it(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], building: bool
) -> None:
    """A query racing a build (a part renamed or deleted under it) told the user to delete
    a part file: wrong advice, as the build was still writing the folder."""
    from contextlib import nullcontext

    from linkratio.cohort.builder import _locked

    out = tmp_path / "cohort"
    cohort.build([folder], out, workers=1)
    part = sorted(out.glob("platform=*/month=*/part-*.parquet"))[-1]
    part.write_bytes(part.read_bytes()[:100])
    # as a running `cohort build` holds the folder: its lock, and its marker (session 25)
    with _locked(out) if building else nullcontext():
        code, _, err = run_cli(["cohort", "summary", str(out)], capsys)
    line = one_error(err)
    assert code == 2 and part.name in line
    assert ("delete that part file" in line) is not building
    assert ("a 'linkratio cohort build' is writing it" in line) is building
    assert not manifest.building(out)


def test_a_one_line_json_document_is_not_parsed_to_tell_it_from_jsonl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A saved X API v2 array on one line (hundreds of MB, say) was parsed whole only to
    learn that it is no JSONL, then parsed again by its reader."""
    import orjson

    from linkratio.cohort.tasks import is_jsonl

    path = tmp_path / "tweets.json"
    path.write_bytes(orjson.dumps([{"id": "1", "text": "hi"}] * 1000))
    parsed: list[int] = []
    loads = orjson.loads
    monkeypatch.setattr(orjson, "loads", lambda data: parsed.append(len(data)) or loads(data))
    assert not is_jsonl(path, b"{")
    assert parsed == []
    path.write_bytes(b'{"id": "1", "text": "hi"}\n{"id": "2", "text": "yo"}\n')
    assert is_jsonl(path, b"{")
    path.write_bytes(b'{"data": [\n{"id": "1"}]}\n')
    assert not is_jsonl(path, b"{")
