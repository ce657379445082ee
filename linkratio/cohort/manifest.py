"""The build manifest: which inputs the Parquet dataset holds, and which part files each wrote.

An input is rebuilt when its fingerprint changed. A file's fingerprint is its size, mtime
and content hash; the hash is only recomputed when size or mtime moved, so an unchanged
file costs one `stat`. The manifest is written to a temporary file and renamed: a reader
sees the old or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson

from linkratio.cohort.disk import sync_folders
from linkratio.errors import DiskError, InputError
from linkratio.render.escape import json_inert

if TYPE_CHECKING:
    from filelock import FileLock

NAME = "_manifest.json"
"""The manifest's file name inside the output folder: its leading `_` keeps Arrow's dataset
discovery (`pd.read_parquet("cohort/")`, `pyarrow.dataset`) from taking it for data."""
OLD_NAME = "manifest.json"
"""Its name in cohorts built before: read when there is no `NAME`, removed on the next save."""


LOCK = ".lock"
"""The build lock's file name inside the output folder (`build_lock`)."""


def build_lock(out_dir: Path) -> FileLock:
    """The lock a `cohort build` holds on the folder `out_dir` while it writes."""
    from filelock import FileLock

    return FileLock(out_dir / LOCK)


def path_of(out_dir: Path) -> Path:
    """The manifest file of the cohort in `out_dir` (an older cohort's `OLD_NAME`)."""
    new, old = out_dir / NAME, out_dir / OLD_NAME
    return old if not new.exists() and old.exists() else new


FORMAT = 4
"""The manifest's format version; a different one means a full rebuild.

2: a bare tweets.js input's fingerprint holds the files read with it, and `site` names a
name under a private suffix (alice.github.io) and a host as a browser reads it.
3: a post that names no author is its input's owner's, or the input's own account
(`file PATH`), where every such post of every input was one nameless account.
4: `file PATH` names the input relative to the output folder, where it was absolute (a
shared report gave away the home folder and the user's name)."""


@dataclass(slots=True)
class Entry:
    """One input as last built: where it is, its fingerprint, and the part files it wrote."""

    source: str
    kind: str
    size: int = 0
    mtime_ns: int = 0
    hash: str = ""
    posts: int = 0
    parts: list[str] = field(default_factory=list)
    """Part files relative to the output folder."""


def key_of(source: str) -> str:
    """The stable key of an input (a short hash of its absolute path or library name)."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def read_with(path: Path, input_format: str | None = None) -> list[Path]:
    """The files an input is read from. An X archive: its tweets parts, note-tweet.js and
    account.js, for a bare tweets.js (with those beside it, as the archive reader takes
    them) or an unpacked folder (not its media, which nothing reads); a zip is the file.
    Any other file is read alone, any other folder whole."""
    if input_format != "x-archive":
        return sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    from linkratio.sources.x_archive.files import open_layout

    with open_layout(path) as layout:  # InputError for a zip without tweets.js: refused early
        sources = [*layout.tweets, *layout.notes, *filter(None, [layout.account])]
    files = [source.path for source in sources if source.path is not None]
    if len(files) < len(sources):
        return [path]  # entries of a zip: the zip is the file
    return sorted({*files} if path.is_dir() else {path, *files})


def file_hash(path: Path, input_format: str | None = None) -> str:
    """The BLAKE2b content hash of an input: of the files it is read from (`read_with`), with
    their names (relative to a folder); for an archive zip, of the names, CRC-32s and sizes
    its directory gives the entries read (reading them checks those CRCs), not its media."""
    digest = hashlib.blake2b(digest_size=20)
    from linkratio.sources.x_archive.files import zip_entries

    if input_format == "x-archive" and path.is_file() and (entries := zip_entries(path)):
        digest.update(os.fsencode(path.name) + b"\0zip")
        for info in entries:
            digest.update(f"\0{info.filename}\0{info.CRC:08x}\0{info.file_size}".encode())
        return digest.hexdigest()
    for file in read_with(path, input_format):
        digest.update(os.fsencode(file.relative_to(path) if path.is_dir() else file.name))
        if not file.is_file():  # a pipe beside tweets.js: never opened (the reader refuses it)
            digest.update(b"\0not a regular file")
            continue
        with file.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def range_digest(path: Path, start: int, end: int) -> str:
    """The BLAKE2b hash of bytes [start, end) of a file."""
    digest = hashlib.blake2b(digest_size=20)
    with path.open("rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0 and (block := fh.read(min(left, 1 << 20))):
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def combine(digests: list[str]) -> str:
    """The content hash of an input from its partitions' digests, in partition order."""
    if len(digests) == 1:
        return digests[0]
    return hashlib.blake2b("".join(digests).encode(), digest_size=20).hexdigest()


def stat_of(path: Path, input_format: str | None = None) -> tuple[int, int]:
    """(size, mtime in ns) of the files an input is read from (`read_with`: an archive's
    media not among them), summed and newest."""
    stats = [p.stat() for p in read_with(path, input_format)]
    return sum(s.st_size for s in stats), max((s.st_mtime_ns for s in stats), default=0)


def load(out_dir: Path, derived: str | None = None) -> dict[str, Entry]:
    """The manifest's entries by input key ({} when there is none, or it is of another format
    or, `derived` given, its rows were derived by another classifier: all are read again)."""
    path = path_of(out_dir)
    try:
        doc = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except orjson.JSONDecodeError:
        raise InputError(f"{path}: not a cohort manifest (bad JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        return {}
    inputs = doc.get("inputs", {})
    entries = {k: _entry(v) for k, v in inputs.items()} if isinstance(inputs, dict) else None
    if entries is None or None in entries.values():
        raise InputError(f"{path}: not a cohort manifest (an input is malformed)")
    if derived is not None and doc.get("derived") != derived:
        return {}
    return cast(dict[str, Entry], entries)


UNFINISHED = "unfinished"
"""The manifest's count of the inputs its build has not finished (absent once it has)."""


def unfinished(out_dir: Path) -> int:
    """How many inputs the last build of the cohort in `out_dir` did not finish (0 when it
    did, or the manifest cannot be read: `load` says what is wrong with it)."""
    try:
        doc = orjson.loads(path_of(out_dir).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return 0
    count = doc.get(UNFINISHED, 0) if isinstance(doc, dict) else 0
    return count if isinstance(count, int) and count > 0 else 0


_TYPES = {"source": str, "kind": str, "size": int, "mtime_ns": int, "hash": str, "posts": int}


def _entry(value: Any) -> Entry | None:
    """The manifest entry `value` describes, or None when it is not one."""
    if not isinstance(value, dict) or not {"source", "kind"} <= value.keys() <= {*_TYPES, "parts"}:
        return None
    parts = value.get("parts", [])
    if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
        return None
    if not all(isinstance(value[k], t) for k, t in _TYPES.items() if k in value):
        return None
    return Entry(**value)


def save(out_dir: Path, entries: dict[str, Entry], extra: dict[str, Any] | None = None) -> None:
    """Write the manifest atomically (temporary file in the same folder, fsync, rename, the
    folder flushed), readable as the part files are (mkstemp made it the owner's only); an
    older cohort's `OLD_NAME` goes once it is written."""
    doc = {"format": FORMAT, **(extra or {})}
    doc["inputs"] = {key: asdict(entry) for key, entry in sorted(entries.items())}
    # Inert when shown with `cat` (input paths are file names); the same keys when read back.
    data = json_inert(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()).encode()
    tmp = out_dir / f".{NAME}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out_dir / NAME)
        (out_dir / OLD_NAME).unlink(missing_ok=True)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):  # a full disk: the write's error names no file
            raise DiskError(f"{out_dir / NAME}: could not be written ({e.strerror or e})") from None
        raise
    sync_folders([out_dir])  # the rename itself on disk: a power cut keeps the new manifest


BUILDING = ".building"
"""The marker a `cohort build` keeps in the output folder while it holds the build lock:
its host name and process id, for a query to tell a build running (`building`) without
taking the lock (a build starting meanwhile would wait and warn)."""


def mark_building(out_dir: Path) -> None:
    """Record this process as the folder's running build (temporary file, then renamed)."""
    doc = {"host": socket.gethostname(), "pid": os.getpid()}
    tmp = out_dir / f"{BUILDING}.{secrets.token_hex(8)}.tmp"
    try:
        tmp.write_bytes(orjson.dumps(doc))
        os.replace(tmp, out_dir / BUILDING)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DiskError(f"{out_dir / BUILDING}: could not be written ({e.strerror or e})") from None


def unmark_building(out_dir: Path) -> None:
    """Remove the marker of the folder's running build: this build has ended."""
    (out_dir / BUILDING).unlink(missing_ok=True)


def building(out_dir: Path) -> bool:
    """Whether a `cohort build` is writing the folder now: its marker is there and names a
    process alive on this machine, or one on another machine (whose processes cannot be
    seen from here). Read only: the build lock is not taken."""
    try:
        doc = orjson.loads((out_dir / BUILDING).read_bytes())
    except (OSError, orjson.JSONDecodeError):  # none: no build; unreadable: not this user's
        return False
    if not isinstance(doc, dict) or not isinstance(pid := doc.get("pid"), int):
        return False
    if doc.get("host") != socket.gethostname():
        return True
    if os.name != "nt":  # os.kill ends the process there
        try:
            os.kill(pid, 0)  # no signal sent: whether the process is there
        except ProcessLookupError:  # a build killed outright: its marker stays until the next
            return False
        except OSError:  # there, another user's
            pass
    # A process of that id runs, but a marker left by a crashed build may name an id used
    # again since (or, on Windows, any): the build's lock, held while the marker is meant
    # to be there, tells. Tried only here, where a marker is found, and never waited for.
    return _lock_held(out_dir)


def _lock_held(out_dir: Path) -> bool:
    """Whether a process holds the folder's build lock now (True where it cannot be tried)."""
    from filelock import Timeout

    lock = build_lock(out_dir)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return True
    except OSError:  # a folder this user cannot write: whose marker cannot be told stale
        return True
    lock.release()
    return False
