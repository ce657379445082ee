"""Where an X archive's files are: a zip, an unpacked folder, or a bare tweets.js."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkratio.errors import InputError, InputFormatError
from linkratio.sources.limits import read_entry, read_file
from linkratio.sources.x_archive.ytd import check_head, is_ytd, records

if TYPE_CHECKING:
    import zipfile

log = logging.getLogger(__name__)

_TWEETS_FILE = re.compile(r"tweets?(?:-part(\d+))?\.js")
_NOTES_FILE = re.compile(r"note-tweet(?:-part(\d+))?\.js")
_ACCOUNT_FILE = "account.js"
_ZIP_MAGIC = b"PK\x03\x04"
"""How a zip file starts (its first entry's local header), even one cut short."""


def looks_like_zip(path: Path) -> bool:
    """Whether the file at `path` is meant as a zip: named `.zip`, or starting as one does.

    A zip cut short (a download that stopped) has lost its directory, which sits at its
    end, so `zipfile.is_zipfile` says no; it is still a zip to refuse as damaged, not a
    file of an unknown format.
    """
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC
    except OSError:
        return False


def _zip_errors() -> tuple[type[Exception], ...]:
    """What opening a damaged zip raises: a directory entry of an unknown zip version is a
    NotImplementedError, a name flagged UTF-8 that is not a UnicodeDecodeError."""
    import zipfile

    return (OSError, zipfile.BadZipFile, NotImplementedError, ValueError, EOFError)


@dataclass(frozen=True, slots=True)
class Source:
    """One archive file: its name for messages and how to read its bytes."""

    name: str
    read: Callable[[], bytes]
    path: Path | None = None
    """The file itself, when it is one (not a zip entry): it can then be read in blocks."""


@dataclass(slots=True)
class Layout:
    """The archive files that matter: tweets parts, note-tweet parts and account.js."""

    tweets: list[Source]
    notes: list[Source]
    account: Source | None


def source_records(source: Source, expected: frozenset[str], skip_invalid: bool) -> Iterator[Any]:
    """The records of one archive file; with `skip_invalid` an unreadable one gives a warning.

    Without it, a file that cannot be read or parsed is an InputFormatError naming it.
    """
    try:
        yield from records(source.read(), source.name, expected)
    except InputFormatError as err:
        if not skip_invalid:
            raise
        log.warning("%s; skipped the rest of this file", err)


def looks_like_archive(path: Path) -> bool:
    """Cheaply tell whether `path` is an X archive: a zip or folder with tweets, or a YTD file."""
    path = Path(path)
    try:
        if path.is_dir():
            return _archive_folder(path) is not None
        if not path.is_file():
            return False
        import zipfile  # here: a folder archive is read without zipfile

        if path.suffix.lower() != ".js" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                return _zip_folder(zf.namelist()) is not None
        with path.open("rb") as f:
            return is_ytd(f.read(64))
    except _zip_errors():
        return False


def _matching(names: list[str], pattern: re.Pattern[str]) -> list[str]:
    """The names (paths) whose last component matches `pattern`: tweets.js, then part1, ..."""
    found = []
    for name in names:
        m = pattern.fullmatch(name.rpartition("/")[2])
        if m is not None:
            found.append((int(m.group(1) or -1), name))
    return [name for _, name in sorted(found)]


def _archive_folder(path: Path) -> Path | None:
    """The folder holding the tweets files: `data/`, the folder itself, or `*/data/`."""
    for folder in (path / "data", path, *sorted(path.glob("*/data"))):
        if folder.is_dir() and any(_TWEETS_FILE.fullmatch(p.name) for p in folder.iterdir()):
            return folder
    return None


def _file_source(path: Path) -> Source:
    return Source(str(path), lambda: read_file(path, check_head(str(path))), path)


def _folder_layout(folder: Path, tweets: list[Path] | None = None) -> Layout:
    """The archive files in `folder`; `tweets` overrides its tweets files (a bare file)."""
    # Not only regular files: a pipe named tweets.js is refused when read, not passed over.
    names = sorted(p.name for p in folder.iterdir() if not p.is_dir())
    if tweets is None:
        tweets = [folder / n for n in _matching(names, _TWEETS_FILE)]
    account = folder / _ACCOUNT_FILE
    return Layout(
        tweets=[_file_source(p) for p in tweets],
        notes=[_file_source(folder / n) for n in _matching(names, _NOTES_FILE)],
        account=_file_source(account) if account.is_file() else None,
    )


def _zip_folder(names: list[str]) -> str | None:
    """The shallowest folder inside a zip that holds a tweets file ('' for the top)."""
    folders = {n.rpartition("/")[0] for n in _matching(names, _TWEETS_FILE)}
    if not folders:
        return None
    return min(folders, key=lambda f: (f.count("/") + (f != ""), f))


def _zip_names(path: Path, names: list[str]) -> tuple[list[str], list[str], str | None]:
    """The tweets entries, the note-tweet entries and account.js of a zip (by name)."""
    folder = _zip_folder(names)
    if folder is None:
        raise InputError(f"{path} has no data/tweets.js: expected an X archive")
    inside = [n for n in names if n.rpartition("/")[0] == folder]
    account = f"{folder}/{_ACCOUNT_FILE}" if folder else _ACCOUNT_FILE
    tweets, notes = _matching(inside, _TWEETS_FILE), _matching(inside, _NOTES_FILE)
    return tweets, notes, account if account in inside else None


def zip_entries(path: Path) -> list[zipfile.ZipInfo] | None:
    """The entries of the archive zip at `path` that its reader reads (not its media), as its
    directory lists them; None when `path` is no zip or the zip cannot be opened."""
    import zipfile

    unreadable: tuple[type[Exception], ...] = (*_zip_errors(), InputError)
    suffix = path.suffix.lower()
    try:
        if suffix == ".js" or not (suffix == ".zip" or zipfile.is_zipfile(path)):
            return None
        with zipfile.ZipFile(path) as zf:
            entries = {i.filename: i for i in zf.infolist() if not i.is_dir()}
            tweets, notes, account = _zip_names(path, list(entries))
    except unreadable:
        return None
    return [entries[n] for n in (*tweets, *notes, *filter(None, [account]))]


def _zip_layout(path: Path, zf: zipfile.ZipFile) -> Layout:
    entries = {i.filename: i for i in zf.infolist() if not i.is_dir()}
    tweets, notes, account = _zip_names(path, list(entries))
    read = [*tweets, *notes, *filter(None, [account])]
    together = sum(entries[n].file_size for n in read)

    def source(name: str) -> Source:
        where = f"{path}:{name}"
        info = entries[name]
        return Source(where, lambda: read_entry(zf, info, str(path), check_head(where), together))

    return Layout(
        tweets=[source(n) for n in tweets],
        notes=[source(n) for n in notes],
        account=source(account) if account else None,
    )


def _damaged_zip(path: Path, err: zipfile.BadZipFile) -> str:
    """The refusal of a zip whose directory cannot be read: most often a download cut short."""
    why = str(err)
    if why == "File is not a zip file":  # zipfile's words for "no directory at the end"
        why = "its directory, at the end of the file, is missing"
    return (
        f"{path}: not a readable zip file: damaged or cut short ({why}); expected a whole X "
        "archive .zip: download it again"
    )


@contextmanager
def open_layout(path: Path) -> Iterator[Layout]:
    """Find the archive files under `path`; a zip stays open while they are read."""
    if path.is_dir():
        folder = _archive_folder(path)
        if folder is None:
            raise InputError(f"{path} has no data/tweets.js: expected an X archive")
        yield _folder_layout(folder)
        return
    import zipfile

    suffix = path.suffix.lower()
    if suffix != ".js" and (looks_like_zip(path) or zipfile.is_zipfile(path)):
        try:
            zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as e:
            raise InputFormatError(_damaged_zip(path, e)) from None
        except _zip_errors() as e:
            raise InputFormatError(f"{path}: not a readable zip file ({e})") from None
        with zf:
            yield _zip_layout(path, zf)
        return
    # A bare tweets file still uses the account.js and note-tweet.js beside it, if any; the
    # archive's tweets.js brings its other parts too (a tweets-partN.js is read alone).
    first = _TWEETS_FILE.fullmatch(path.name)
    yield _folder_layout(path.parent, None if first and first[1] is None else [path])
