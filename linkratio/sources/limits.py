"""Reading input files within bounds: regular files only, size caps, no zip bombs.

Every file and zip entry a source reads goes through here. What is refused, and why:

- Anything that is not a regular file or a folder (a named pipe, `/dev/zero`, a socket):
  reading it could block forever or never end.
- A file or zip entry larger than `MAX_BYTES` (4 GiB): more than any real export holds.
- A zip entry over `RATIO_FROM` (8 MiB) that claims to inflate more than `MAX_RATIO`
  (200) times its compressed size: exports compress about 10:1, bombs 1000:1. This is
  checked from the zip's directory, before a byte is inflated; the read itself never
  takes more than the declared size either (a header that lies fails its CRC check).
  When the entries read inflate over 8 MiB together, the ratio of each is checked,
  whatever its own size: many small bombs are one bomb.
- A zip entry that cannot be inflated: corrupt data, a password, an unknown method.
"""

from __future__ import annotations

import io
import os
import stat
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from linkratio.errors import InputError, InputFormatError

if TYPE_CHECKING:
    import zipfile

GIB = 1024**3
MIB = 1024**2
MAX_BYTES = 4 * GIB
"""The largest file or zip entry read, in bytes."""
MAX_RATIO = 200
"""The largest inflated/compressed size ratio of a zip entry over `RATIO_FROM` bytes."""
RATIO_FROM = 8 * MIB
"""Entries that inflate to less than this are never refused for their ratio."""
HEAD = 64 * 1024
"""How many bytes `read_file` and `read_entry` show `check_head` before reading the rest."""

Head = Callable[[bytes], None]
"""Raises InputFormatError when the first bytes of a file show it is not what is wanted."""

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(count: int) -> str:
    """`4 GiB`, `12.5 MiB` or `300 bytes`."""
    if count >= GIB:
        return f"{count / GIB:,.1f} GiB".replace(".0 ", " ")
    if count >= MIB:
        return f"{count / MIB:,.1f} MiB".replace(".0 ", " ")
    return f"{count:,} bytes"


def check_path(value: object, where: str, expected: str = "a path") -> None:
    """InputError `where: a <type>: expected <expected>` for a path that is no text or Path
    (None, a number, bytes from a notebook): a TypeError from inside pathlib otherwise."""
    if not isinstance(value, str | os.PathLike):
        raise InputError(f"{where} a {type(value).__name__}: expected {expected}")


def check_input(path: Path, expected: str) -> None:
    """Raise InputError unless `path` is a regular file or a folder (symlinks followed)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return  # the caller says "no such file" in its own words
    except OSError as err:
        raise InputError(f"{path}: cannot be read ({err.strerror or err}); {expected}") from None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise InputError(f"{path}: is {kind}, not a regular file or folder; {expected}")


def open_file(
    path: Path, name: str | None = None, expected: str = "a regular file"
) -> io.BufferedReader:
    """Open the regular file at `path` for reading, if it holds at most `MAX_BYTES`.

    `name` is how messages call the file (default: its path); `expected` ends them.
    """
    name = name or str(path)
    check_input(path, f"expected {expected}")
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file; expected {expected}") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder; expected {expected}") from None
    except OSError as err:
        raise InputError(f"{name}: cannot be read ({err.strerror or err})") from None
    try:
        _check_size(os.fstat(fh.fileno()).st_size, name)
    except BaseException:
        fh.close()
        raise
    return fh


def read_file(path: Path, check_head: Head | None = None, name: str | None = None) -> bytes:
    """The bytes of the regular file at `path`, at most `MAX_BYTES` (InputError otherwise).

    `check_head` sees the first `HEAD` bytes before the rest is read; `name` is how
    messages call the file (default: its path).
    """
    name = name or str(path)
    with open_file(path, name) as fh:
        try:
            size = os.fstat(fh.fileno()).st_size
            if check_head is not None:
                check_head(fh.read(HEAD))
                fh.seek(0)
            return fh.read(size)  # never more than the size it had: a growing file stops
        except OSError as err:
            raise InputError(f"{name}: cannot be read ({err.strerror or err})") from None


def _check_size(size: int, name: str) -> None:
    if size > MAX_BYTES:
        raise InputFormatError(
            f"{name}: {size_text(size)} is more than the {size_text(MAX_BYTES)} a file may hold "
            "(the cap per file and per zip entry)"
        )


def check_entry(info: zipfile.ZipInfo, zip_name: str, together: int = 0) -> None:
    """Refuse a zip entry whose declared size or compression ratio is absurd, before inflating.

    `together`: what the entries read with it inflate to in all; over `RATIO_FROM`, the
    ratio of each is checked whatever its own size (many small bombs are one bomb).
    """
    name = f"{zip_name}:{info.filename}"
    _check_size(info.file_size, name)
    ratio = info.file_size / max(info.compress_size, 1)
    if max(info.file_size, together) > RATIO_FROM and ratio > MAX_RATIO:
        raise InputFormatError(
            f"{name}: claims to inflate {size_text(info.compress_size)} to "
            f"{size_text(info.file_size)} ({ratio:,.0f}:1), more than the {MAX_RATIO}:1 "
            "an export compresses to: refused as a zip bomb"
        )


def read_entry(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    zip_name: str,
    check_head: Head | None = None,
    together: int = 0,
) -> bytes:
    """The inflated bytes of one zip entry, within `check_entry`'s bounds (`together`: the
    declared size of all the entries read with it).

    Never more than the declared size is inflated; corrupt data, a password or an
    unsupported compression method is an InputFormatError naming the zip and the entry.
    """
    import zipfile  # here, not at the top: a folder archive is read without zipfile

    check_entry(info, zip_name, together)
    name = f"{zip_name}:{info.filename}"
    try:
        if check_head is not None:
            with zf.open(info) as fh:
                check_head(fh.read(HEAD))
        with zf.open(info) as fh:
            data = fh.read(info.file_size)
            fh.read(1)  # reaching the end checks the CRC: a header lying about the size fails
            return data
    except NotImplementedError:  # a RuntimeError too: first
        raise InputFormatError(
            f"{name}: cannot be unpacked (compression method {info.compress_type}): expected "
            "stored or deflated entries; unpack it with another tool and give the folder"
        ) from None
    except RuntimeError as err:  # zipfile's words for an encrypted entry
        if "encrypted" not in str(err):
            raise
        raise InputFormatError(
            f"{name}: is encrypted: export the archive again, or unpack it and give the folder"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as err:
        raise InputFormatError(f"{name}: cannot be unpacked, the zip is damaged ({err})") from None
