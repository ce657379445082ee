"""What a cohort build reads: files, folders, globs and library accounts, each split into tasks."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import linkratio.cohort.tasks as tasks_mod
from linkratio.accounts import account_name, is_account_name
from linkratio.cohort.manifest import BUILDING, LOCK, NAME, OLD_NAME, key_of, stat_of
from linkratio.cohort.tasks import Task, is_jsonl, jsonl_ranges
from linkratio.errors import InputError
from linkratio.model import Account
from linkratio.wording import Names, named

if TYPE_CHECKING:
    from linkratio.store import Library

log = logging.getLogger(__name__)

_GLOB_CHARS = frozenset("*?[")


@dataclass(slots=True)
class Input:
    """One input of a build: its identity, its cheap fingerprint, and how to split it."""

    source: str
    """The absolute path, or `library:DB:platform:account_id`."""
    kind: str
    key: str
    size: int = 0
    mtime_ns: int = 0
    fingerprint: str = ""
    """For library accounts: a hash of the account's stats (its whole content fingerprint)."""
    path: str = ""
    input_format: str | None = None
    ranges: list[tuple[int, int]] = field(default_factory=list)
    platform: str = ""
    account_id: str = ""

    def tasks(self, out_dir: str, skip_invalid: bool = False) -> list[Task]:
        """The tasks that rebuild this input's parts in `out_dir`."""
        return [
            Task(
                kind=self.kind,
                source=self.path,
                key=self.key,
                chunk=i,
                out_dir=out_dir,
                start=start,
                end=end,
                input_format=self.input_format,
                platform=self.platform,
                account_id=self.account_id,
                skip_invalid=skip_invalid,
            )
            for i, (start, end) in enumerate(self.ranges)
        ]


def expand(
    inputs: Iterable[str | Path] | str | Path,
    db: str | Path | None = None,
    all_accounts: bool = False,
    out: Path | None = None,
    names: Names | None = None,
) -> list[Input]:
    """Every input named (globs expanded, accounts looked up), each once, in a stable order;
    the dataset's own files in the output folder `out` (`_in_dataset`) are not inputs.
    `names`: how errors name `db` (`builder.build`)."""
    found: dict[str, Input] = {}
    accounts: list[str] = []
    if isinstance(inputs, str | os.PathLike):  # one input, not a list of its letters ("/")
        inputs = [inputs]
    for item in inputs:
        text = str(item)
        if is_account_name(text):
            accounts.append(text)
            continue
        for path in _paths(text, out):
            found.setdefault(str(path), _file_input(path))
    if accounts or all_accounts:
        for account in _library_inputs(accounts, db, all_accounts, names):
            found.setdefault(account.source, account)
    return list(found.values())


def _paths(text: str, out: Path | None = None) -> list[Path]:
    if not text.strip():  # an unset shell variable: not the current folder
        raise InputError("an empty input: expected a file, a folder, a glob or an account")
    if _GLOB_CHARS & set(text) and not os.path.lexists(Path(text).expanduser()):
        matches = [Path(m).resolve() for m in sorted(_glob(str(Path(text).expanduser())))]
        # `data/*` with --out data/cohort: the dataset (made before the glob) is no input
        matches = [m for m in matches if not _in_dataset(m, out)]
        if not matches:
            raise InputError(f"{text}: no file matches this pattern")
        return matches
    path = Path(text).expanduser()
    if not path.exists():
        raise InputError(f"{text}: no such file or folder")
    if _in_dataset(path.resolve(), out):
        raise InputError(f"{text}: is in the output folder {out}: expected an input beside it")
    return [path.resolve()]


def _in_dataset(path: Path, out: Path | None) -> bool:
    """Whether `path` is the dataset folder `out` or one of its own (a partition, the
    manifest, the lock): inputs kept in the dataset's folder beside them are inputs."""
    if out is None or not path.is_relative_to(out):
        return False
    parts = path.relative_to(out).parts
    return not parts or parts[0].startswith("platform=") or parts[0] in _OWN


_OWN = frozenset({NAME, OLD_NAME, LOCK, BUILDING})
"""The dataset folder's own files beside its partitions."""


def _glob(pattern: str) -> list[str]:
    """The paths `pattern` matches, as `glob` finds them, but `**` enters each folder once
    (by its real path): a symlink back up the tree made it endless."""
    parts = Path(pattern).parts
    if "**" not in parts:
        return glob.glob(pattern)
    at = parts.index("**")
    head, tail = parts[:at], parts[at + 1 :]
    found: list[str] = []
    for base in glob.glob(str(Path(*head))) if head else ["."]:
        for folder, files in _folders(base):
            if tail:
                found += _glob(str(Path(glob.escape(folder), *tail)))
            else:  # a bare `**` matches folders too, but not the current one
                found += [folder] if head or folder != "." else []
                found += [os.path.join(folder, f) for f in files]
    return list(dict.fromkeys(found))


def _folders(base: str) -> Iterator[tuple[str, list[str]]]:
    """`base` and the folders under it (symlinks followed, dot names skipped as `**` skips
    them), each real folder once, with its file names."""
    seen: set[str] = set()
    for folder, subs, files in os.walk(base, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            subs.clear()
            continue
        seen.add(real)
        subs[:] = sorted(s for s in subs if not s.startswith("."))
        yield folder, sorted(f for f in files if not f.startswith("."))


def _file_input(path: Path) -> Input:
    from linkratio.sources import detect_format

    if _blank(path):  # a collection's account that posted nothing: no posts, no error
        size, mtime = stat_of(path, None)
        source = str(path)
        return Input(source, "file", key_of(source), size, mtime, path=source, ranges=[])
    fmt = detect_format(path)
    size, mtime = stat_of(path, fmt)
    source = str(path)
    opens = tasks_mod.JSONL_FORMATS.get(fmt)
    kind = "jsonl" if opens and path.is_file() and is_jsonl(path, opens) else "file"
    ranges = jsonl_ranges(path, size, tasks_mod.CHUNK_BYTES) if kind == "jsonl" else [(0, size)]
    return Input(
        source=source,
        kind=kind,
        key=key_of(source),
        size=size,
        mtime_ns=mtime,
        path=source,
        input_format=fmt,
        ranges=ranges,
    )


def _blank(path: Path) -> bool:
    """Whether `path` is a file holding nothing but white space (any size: read in blocks,
    stopping at the first byte that is not white space)."""
    try:
        if not path.is_file():
            return False
        with path.open("rb") as f:
            block = f.read(_BLOCK).removeprefix(b"\xef\xbb\xbf")
            while block:
                if block.strip():
                    return False
                block = f.read(_BLOCK)
        return True
    except OSError:
        return False  # detect_format says what is wrong with it


_BLOCK = 1 << 16
"""Bytes `_blank` reads at a time."""


def _notice_due(lib: Library, accounts: Sequence[Account]) -> None:
    """One warning when posts of `accounts` are due to be re-read: as `audit` says it for
    one account (`sources.reread.notice_due`); for several, how many accounts."""
    from linkratio.sources.reread import notice_due

    due = [a for a in accounts if lib.due_posts(a.platform, a.id or "")]
    if len(due) == 1:
        notice_due(lib, due[0])
    elif due:
        log.warning(
            "posts of %d accounts were read by an older linkratio: run 'linkratio library "
            "reread' to read them again",
            len(due),
        )


def _library_inputs(
    accounts: Sequence[str], db: str | Path | None, every: bool, names: Names | None
) -> list[Input]:
    from linkratio.accounts import find
    from linkratio.sources.reread import READER  # which posts an older linkratio read
    from linkratio.store import Library

    path = Path(db).expanduser() if db else Library.default_path()
    empty = path.is_file() and path.stat().st_size == 0  # opening it would write a library
    if empty or not path.exists():
        what = " (an empty file)" if empty else ""
        raise InputError(
            f"no library at {path}{what}: name it with {named('db', names)} or LINKRATIO_DB"
        )
    with Library(path, reader=READER) as lib:
        stats = {(s.platform, s.id): s for s in lib.accounts()}
        wanted = list(stats) if every else []
        for name in accounts:
            account = find(lib, name)
            wanted.append((account.platform, str(account.id)))
        wanted = list(dict.fromkeys(wanted))
        _notice_due(lib, [Account(p, a, stats[p, a].handle) for p, a in wanted])
    result = []
    for platform, account_id in wanted:
        stat = stats.get((platform, account_id))
        source = f"library:{path.resolve()}:{platform}:{account_id}"
        # A post saved again with changes (an edit) is a new `last_saved`: counts and dates
        # alone miss it.
        state = repr(
            (stat.posts, stat.first_post, stat.last_post, stat.last_sync, stat.last_saved)
            if stat
            else ()
        )
        result.append(
            Input(
                source=source,
                kind="library",
                key=key_of(source),
                fingerprint=hashlib.blake2b(state.encode(), digest_size=20).hexdigest(),
                path=str(path.resolve()),
                ranges=[(0, stat.posts if stat else 0)],
                platform=platform,
                account_id=account_id,
            )
        )
    return result


def describe(item: Input) -> str:
    """A short name of the input for messages: the path, or the account's name."""
    if item.kind != "library":
        return item.source
    from linkratio.model import Account

    return account_name(Account(platform=item.platform, id=item.account_id))
