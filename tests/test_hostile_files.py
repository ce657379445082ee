"""Hostile input files (issue 12): zip bombs, damaged zips, pipes and devices, huge files.

Every case ends in one line naming the file (and the zip entry), exit 2, no traceback;
with `--skip-invalid` a damaged part of an archive is skipped with a one-line warning.
The zips are built here, small on disk; none is ever inflated whole.
"""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from archives import account_js, write_folder, write_zip, ytd

from linkratio import cli
from linkratio.errors import InputError, InputFormatError
from linkratio.sources import limits, read

MIB = 1024 * 1024
T0 = "Sat Nov 09 12:14:18 +0000 2024"
GOOD = ytd("tweets", [{"tweet": {"id_str": "1", "id": "1", "created_at": T0, "full_text": "hi"}}])


def spaces(total: int, chunk: int = MIB) -> Iterator[bytes]:
    """`total` spaces, a chunk at a time: a bomb's payload without holding it."""
    block = b" " * chunk
    for _ in range(total // chunk):
        yield block


def bomb_zip(path: Path, size: int, name: str = "data/tweets.js", extra: bool = True) -> Path:
    """A zip whose `name` inflates to `size` spaces (written streaming, small on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        if extra:
            zf.writestr("data/account.js", account_js())
        with zf.open(name, "w", force_zip64=True) as fh:
            for block in spaces(size):
                fh.write(block)
    return path


def patch_central(path: Path, name: str, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of `name`'s central directory record (what zipfile trusts)."""
    data = bytearray(path.read_bytes())
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == encoded:
            struct.pack_into(fmt, data, at + offset, value)
            path.write_bytes(bytes(data))
            return
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{name} not in {path}")


def patch_local(path: Path, name: str, offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of `name`'s local header (zipfile reads the flags there too)."""
    with zipfile.ZipFile(path) as zf:
        at = zf.getinfo(name).header_offset
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, at + offset, value)
    path.write_bytes(bytes(data))


def one_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI in-process; it must exit 2 with one line on stderr, which is returned."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    return err


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """`with peak_memory() as peak:` ... `peak[0]` is the most Python held at once, in bytes."""
    peak: list[int] = []
    tracemalloc.start()
    try:
        yield peak
        peak.append(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()


def run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `python -m linkratio ARGV` in a process of its own, under a deadline."""
    return subprocess.run(
        [sys.executable, "-m", "linkratio", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# --- 1: zip bombs -------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_a_byte_is_inflated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bomb = bomb_zip(tmp_path / "bomb.zip", 100 * MIB)
    assert bomb.stat().st_size < MIB
    one_error(capsys, ["audit", str(bomb)])  # first: the modules it imports are not counted
    with peak_memory() as peak:
        err = one_error(capsys, ["audit", str(bomb)])
    assert "bomb.zip:data/tweets.js" in err and "200:1" in err and "zip bomb" in err
    assert peak[0] < 8 * MIB


def test_an_entry_over_the_size_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2 MiB of random-ish data compresses hardly at all: only the cap can refuse it.
    noise = ytd("tweets", []) + os.urandom(2 * MIB).hex().encode()
    path = write_zip(tmp_path / "big.zip", {"data/tweets.js": noise})
    monkeypatch.setattr(limits, "MAX_BYTES", MIB)
    with pytest.raises(InputFormatError, match=r"big\.zip:data/tweets\.js: 4 MiB is more than"):
        read(path)


def test_a_header_that_lies_about_the_size_inflates_no_more_than_it_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = bomb_zip(tmp_path / "liar.zip", 64 * MIB, extra=False)
    # The directory now says 1 MiB (under the ratio check's floor); the data holds 64 MiB.
    patch_central(path, "data/tweets.js", 24, "<I", MIB)
    one_error(capsys, ["audit", str(path)])  # first: the modules it imports are not counted
    with peak_memory() as peak:
        err = one_error(capsys, ["audit", str(path)])
    assert "liar.zip:data/tweets.js" in err
    assert "not an X archive file" in err or "damaged" in err
    assert peak[0] < 16 * MIB


def test_a_lying_header_past_the_head_fails_its_crc(tmp_path: Path) -> None:
    body = GOOD + b" " * (4 * MIB)
    path = write_zip(tmp_path / "liar.zip", {"data/tweets.js": body})
    patch_central(path, "data/tweets.js", 24, "<I", len(GOOD) + 100_000)
    with pytest.raises(InputFormatError, match=r"liar\.zip:data/tweets\.js: .*damaged.*CRC"):
        read(path)


# --- 2: damaged zips ----------------------------------------------------------------


def damaged(tmp_path: Path, how: str) -> Path:
    """An archive zip whose tweets.js is corrupt, encrypted or of an unknown method."""
    path = write_zip(
        tmp_path / f"{how}.zip", {"data/tweets.js": GOOD * 50, "data/account.js": account_js()}
    )
    name = "data/tweets.js"
    if how == "corrupt":
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(name)
        data = bytearray(path.read_bytes())
        start = info.header_offset + 30 + len(name) + len(info.extra)
        data[start : start + 16] = b"\xff" * 16
        path.write_bytes(bytes(data))
    elif how == "encrypted":
        patch_central(path, name, 8, "<H", 1)
        patch_local(path, name, 6, "<H", 1)
    else:  # method 99: WinZip AES
        patch_central(path, name, 10, "<H", 99)
        patch_local(path, name, 8, "<H", 99)
    return path


@pytest.mark.parametrize(
    ("how", "said"),
    [
        ("corrupt", "the zip is damaged"),
        ("encrypted", "is encrypted"),
        ("method99", "compression method 99"),
    ],
)
def test_a_damaged_zip_entry_is_one_line_naming_zip_and_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str, said: str
) -> None:
    path = damaged(tmp_path, how)
    err = one_error(capsys, ["audit", str(path)])
    assert f"{path}:data/tweets.js: " in err and said in err


def test_skip_invalid_skips_a_damaged_part_and_reads_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "parts.zip"
    bomb_zip(path, 40 * MIB, name="data/tweets-part1.js")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("data/tweets.js", GOOD)
    with pytest.raises(InputFormatError, match="tweets-part1.js"):
        read(path)
    with caplog.at_level(logging.WARNING):
        timeline = read(path, skip_invalid=True)
    assert [p.id for p in timeline.posts] == ["1"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "parts.zip:data/tweets-part1.js" in warnings[0]


# --- 3: pipes, devices and huge files -----------------------------------------------


@pytest.mark.parametrize("forced", [[], ["--input-format", "x-v2"], ["--input-format", "bluesky"]])
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(
    tmp_path: Path, forced: list[str]
) -> None:
    fifo = tmp_path / "tweets.js"
    os.mkfifo(fifo)
    done = run(["audit", str(fifo), *forced], timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and f"{fifo}: is a named pipe" in done.stderr


@pytest.mark.parametrize("forced", [[], ["--input-format", "x-v2"], ["--input-format", "mastodon"]])
def test_dev_zero_is_refused(forced: list[str]) -> None:
    done = run(["audit", "/dev/zero", *forced], timeout=30)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "/dev/zero: is a character device" in done.stderr


def test_a_pipe_inside_an_archive_folder_is_refused_by_name(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "arch", {"data/account.js": account_js()})
    os.mkfifo(root / "data" / "tweets.js")
    done = run(["audit", str(root)], timeout=30)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "data/tweets.js: is a named pipe" in done.stderr


def test_a_file_over_the_cap_is_refused_from_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_folder(tmp_path / "arch", {"data/account.js": account_js()})
    with (root / "data" / "tweets.js").open("wb") as fh:
        fh.truncate(5 * 1024**3)  # sparse: nothing is written
    err = one_error(capsys, ["audit", str(root)])
    assert "tweets.js: 5 GiB is more than the 4 GiB a file may hold" in err


@pytest.mark.parametrize(
    ("name", "forced", "said"),
    [
        ("tweets.js", [], "unknown format"),
        ("tweets.js", ["--input-format", "x-archive"], "not an X archive file"),
        ("page.json", [], "unknown format"),
        ("page.json", ["--input-format", "x-v2"], "not JSON"),
        ("page.json", ["--input-format", "bluesky"], "not JSON"),
        ("page.jsonl", ["--input-format", "mastodon"], "not JSON"),
    ],
)
def test_a_huge_file_of_nothing_is_refused_from_its_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, forced: list[str], said: str
) -> None:
    path = tmp_path / name
    with path.open("wb") as fh:
        fh.truncate(3 * 1024**3)  # 3 GiB of NUL bytes, sparse: reading it whole would hurt
    with peak_memory() as peak:
        err = one_error(capsys, ["audit", str(path), *forced])
    assert str(path) in err and said in err
    assert peak[0] < 8 * MIB


def test_a_tweets_js_of_spaces_is_refused_from_its_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_folder(tmp_path / "arch", {"data/account.js": account_js()})
    with (root / "data" / "tweets.js").open("wb") as fh:
        for block in spaces(20 * MIB):
            fh.write(block)
    with peak_memory() as peak:
        err = one_error(capsys, ["audit", str(root)])
    assert "tweets.js: not an X archive file" in err
    assert peak[0] < 8 * MIB


def test_memory_running_out_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_folder(tmp_path / "arch", {"data/tweets.js": GOOD})

    def no_memory(*args: object, **kwargs: object) -> bytes:
        raise MemoryError

    monkeypatch.setattr(limits, "read_file", no_memory)
    monkeypatch.setattr("linkratio.sources.x_archive.files.read_file", no_memory)
    monkeypatch.setattr("linkratio.sources.x_archive.typed.open_file", no_memory)  # the fast way
    err = one_error(capsys, ["audit", str(root)])
    assert f"{root}: too large to read in the memory available" in err


def test_the_refusals_are_input_errors(tmp_path: Path) -> None:
    fifo = tmp_path / "p.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        read(fifo, input_format="x-v2")
