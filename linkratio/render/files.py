"""Writing an output file whole or not at all: a temporary name in its folder, then a rename.

A reader (a browser, a mail job, a web server) never sees a half-written report, chart or
weekly page, and a full disk leaves the previous file, not a truncated one. `write_all`
does the same for files that belong together (a report's pages and the charts they show).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TextIO

from linkratio.errors import DiskError, InputError
from linkratio.sources.limits import check_path


def check_folder(out_dir: object, where: str) -> None:
    """InputError for an output folder that is no path, or empty text: an unset variable
    (`--out "$DIR"`, `out_dir=os.environ.get(...)`) put the files in the current folder."""
    check_path(out_dir, f"{where}: out_dir", "a folder's path")
    if not str(out_dir).strip():  # said alike to the command line and to Python
        raise InputError(
            "the output folder (--out, out_dir=) is empty text (an unset variable?): "
            "expected a folder, '.' for the current one"
        )


def write_atomic(path: str | Path, data: bytes | str) -> Path:
    """Write `data` (text as UTF-8) to `path` through a temporary file renamed into place.

    On failure (disk full, no permission) nothing of it is left, neither the temporary file
    nor a partial `path`, and DiskError names `path`.
    """
    path = Path(path)
    write_all({path: data})
    return path


def write_all(files: Mapping[Path, bytes | str]) -> None:
    """Write every file of `files` (path -> data, text as UTF-8) whole, or none of them.

    Each is written to a temporary name first; only when all are written are they renamed
    into place, so a full disk leaves every earlier file as it was and no temporary file.
    DiskError names the file that could not be written.
    """
    written: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            written[path] = _temporary(path, data)
        for path in list(written):
            try:
                os.replace(written[path], path)
            except OSError as e:
                raise DiskError(f"{path}: could not be written ({e.strerror or e})") from None
            del written[path]
    finally:  # Ctrl-C too: no temporary file is left behind
        for tmp in written.values():
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_text(path: str | Path, newline: str | None = None) -> Iterator[TextIO]:
    """A UTF-8 text file to write as it goes: renamed to `path` only when the block ends well.

    An error in the block (a query failing halfway, Ctrl-C) or on the disk leaves no
    temporary file and the previous `path` as it was; a disk error is DiskError naming `path`.
    """
    path = Path(path)
    with _temporary_file(path) as (tmp, fd):
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(tmp, path)


def _temporary(path: Path, data: bytes | str) -> Path:
    """`data` written to a new temporary file beside `path`; DiskError names `path`."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _temporary_file(path) as (tmp, fd), os.fdopen(fd, "wb") as fh:
        fh.write(payload)
    return tmp


@contextlib.contextmanager
def _temporary_file(path: Path) -> Iterator[tuple[Path, int]]:
    """A new temporary file beside `path` (its name and an open fd), removed again if the
    block fails; an OSError becomes DiskError naming `path`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 under the umask: the file gets the permissions a plain open() would give.
        yield tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except BaseException as e:  # Ctrl-C too: no temporary file is left behind
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if not isinstance(e, OSError):
            raise
        raise DiskError(f"{path}: could not be written ({e.strerror or e})") from None
