"""`build`: turn many inputs into one Parquet dataset, reading only what changed since last time.

Each task writes its part files under temporary names. When every task of an input is
done, the build renames that input's parts into place, removes the parts it no longer
has, and records it in the manifest; the manifest is saved first (counting the inputs to
do, which readers warn of) and last. A build killed at any point leaves either a finished
input or one the manifest does not vouch for, which the next build rebuilds whole (part
names are deterministic, so nothing is left twice).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import linkratio.cohort.manifest as manifest
import linkratio.cohort.tasks as tasks_mod
import linkratio.frame
from linkratio.cohort._deps import require
from linkratio.cohort.disk import sync_folders
from linkratio.cohort.engines import IMPORTED_AGAIN, IMPORTED_AGAIN_EXIT, check, run
from linkratio.cohort.inputs import Input, describe, expand
from linkratio.cohort.manifest import Entry
from linkratio.cohort.rows import TMP_SUFFIX
from linkratio.cohort.tasks import Task, TaskResult
from linkratio.errors import InputError
from linkratio.wording import Names, named

log = logging.getLogger(__name__)

SAVE_EVERY = 5.0
"""Seconds between manifest saves during a long build (a crash loses at most this much)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a build is: tasks and bytes done of all, posts written, and an estimate."""

    tasks_done: int
    tasks_total: int
    bytes_done: int
    bytes_total: int
    posts: int
    elapsed: float
    eta: float | None
    """Seconds left, from the bytes rate so far (None before the first task is done)."""


@dataclass(slots=True)
class BuildResult:
    """What a build did."""

    out_dir: Path
    inputs: int
    rebuilt: list[str] = field(default_factory=list)
    """The inputs read this time (their source strings)."""
    unchanged: int = 0
    removed: int = 0
    """Inputs of the previous build that are no longer given: their parts were deleted."""
    posts: int = 0
    """Posts written by this build (of the rebuilt inputs)."""
    total_posts: int = 0
    """Posts of every input in the dataset (duplicates across inputs counted per input)."""
    tasks: int = 0
    peak_rss: int = 0
    """The largest peak resident memory any worker reported, in bytes."""
    seconds: float = 0.0


def build(
    inputs: Iterable[str | Path] | str | Path,
    out_dir: str | Path,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    db: str | Path | None = None,
    all_accounts: bool = False,
    skip_invalid: bool = False,
    names: Names | None = None,
) -> BuildResult:
    """Build or update the cohort Parquet dataset in `out_dir` from `inputs`: files,
    folders, globs or library accounts (one as text, or a list).

    `names`: how errors name the parameters (the command line passes its options, such as
    `{"out_dir": "--out"}`); by default they name the keywords (`out_dir=`).
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        # A worker starting imports the script that called `build`: its own `build` would
        # wait for the first one's lock forever. Python itself refuses so to start a process.
        # The exit code tells the build's process why (`engines._lost`).
        sys.stderr.write(f"linkratio: error: {IMPORTED_AGAIN}\n")
        raise SystemExit(IMPORTED_AGAIN_EXIT)
    require("pyarrow")  # the workers write Parquet: say what to install before any work
    started = time.monotonic()
    check(engine, workers, scheduler, names)  # before the dataset is touched
    tasks_mod.BUILDER_PID = os.getpid()
    if not str(out_dir).strip():  # an unset variable: not the current folder
        raise InputError(f"{named('out_dir', names)} is empty: expected the dataset folder")
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise InputError(
            f"{out}: is a file: expected the dataset folder ({named('out_dir', names)})"
        )
    if not out.exists():
        out.mkdir(parents=True, exist_ok=True)
        sync_folders([out.parent])  # the new folder's entry on disk, as its contents will be
    items = expand(inputs, db, all_accounts, out, names)
    with _locked(out):
        # Labels come from the classifier: a changed one relabels every input, not the new only.
        derived = linkratio.frame.classifier_fingerprint()
        state = _State(out, manifest.load(out, derived), _scan(out), derived)
        todo = state.plan(items)
        result = BuildResult(out_dir=out, inputs=len(items), removed=state.removed)
        result.unchanged = len(items) - len(todo)
        tasks = [task for item in todo for task in item.tasks(str(out), skip_invalid)]
        try:
            _run(state, todo, tasks, result, (engine, workers, scheduler), progress, started)
        except BaseException:  # SIGTERM too: the workers are stopped by now
            _scan(out)  # removes the unfinished inputs' part files (temporary names)
            raise
        finally:
            state.save()  # the inputs finished so far are kept even when a task failed
    result.rebuilt = [item.source for item in todo]
    result.tasks = len(tasks)
    result.total_posts = sum(entry.posts for entry in state.entries.values())
    result.seconds = time.monotonic() - started
    return result


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold the folder's build lock; say so when another build has it and this one waits."""
    from filelock import Timeout

    lock = manifest.build_lock(out)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        log.warning("%s: another build is writing this folder: waiting for it to finish", out)
        lock.acquire()
    try:
        manifest.mark_building(out)  # what a query reads, never taking the lock
        try:
            yield
        finally:
            manifest.unmark_building(out)
    finally:
        lock.release()


def _run(
    state: _State,
    todo: Sequence[Input],
    tasks: Sequence[Task],
    result: BuildResult,
    how: tuple[str, int | None, str | None],
    progress: Callable[[Progress], None] | None,
    started: float,
) -> None:
    # input key -> (the input, its task results by chunk)
    pending: dict[str, tuple[Input, dict[int, TaskResult]]] = {i.key: (i, {}) for i in todo}
    for item in todo:
        if not item.ranges:  # a blank file: nothing to read, recorded all the same
            state.commit(item, [])
    total = sum(task.size for task in tasks)
    done_bytes = done = 0
    if progress is not None:
        progress(Progress(0, len(tasks), 0, total, 0, 0.0, None))
    # closing: a failure or SIGTERM here stops the engine's workers now, not when collected
    with closing(run(tasks, *how)) as results:
        for task_result in results:
            for name, level, message in task_result.warnings:  # a worker's, said here
                logging.getLogger(name).log(level, "%s", message)
            item, chunks = pending[task_result.key]
            chunks[task_result.chunk] = task_result
            if len(chunks) == len(item.ranges):
                state.commit(item, [chunks[i] for i in range(len(item.ranges))])
            done, done_bytes = done + 1, done_bytes + task_result.bytes
            result.posts += task_result.posts
            result.peak_rss = max(result.peak_rss, task_result.peak_rss)
            if progress is not None:
                elapsed = time.monotonic() - started
                eta = elapsed * (total - done_bytes) / done_bytes if done_bytes else None
                now = Progress(done, len(tasks), done_bytes, total, result.posts, elapsed, eta)
                progress(now)


def _scan(out: Path) -> dict[str, set[str]]:
    """Part files on disk by input key (relative paths); leftover temporary files are removed."""
    found: dict[str, set[str]] = {}
    for folder in out.glob("platform=*/month=*"):
        for entry in os.scandir(folder):
            if entry.name.endswith(TMP_SUFFIX):
                Path(entry.path).unlink(missing_ok=True)  # a killed build's unfinished part
            elif entry.name.startswith("part-") and entry.name.endswith(".parquet"):
                key = entry.name.split("-")[1]
                found.setdefault(key, set()).add(os.path.relpath(entry.path, out))
    return found


class _State:
    """The manifest being updated and the part files on disk, by input key."""

    def __init__(
        self, out: Path, entries: dict[str, Entry], on_disk: dict[str, set[str]], derived: str
    ) -> None:
        self.out = out
        self.derived = derived
        self.entries = entries
        self.on_disk = on_disk
        self.removed = 0
        self.saved_at = time.monotonic()
        self.pending: set[str] = set()
        """The keys of the inputs to rebuild that are not committed yet."""
        self.unsynced: set[str] = set()
        """Folders with parts renamed into them since the manifest was last saved."""

    def plan(self, items: Sequence[Input]) -> list[Input]:
        """The inputs to rebuild; drops inputs no longer given and parts no input owns."""
        keys = {item.key for item in items}
        for key in [k for k in self.entries if k not in keys]:
            del self.entries[key]
            self.removed += 1
        for key in [k for k in self.on_disk if k not in keys]:
            self._delete(self.on_disk.pop(key))
        todo = [item for item in items if not self._current(item)]
        self.pending = {item.key for item in todo}
        if self.removed or todo:  # before a part changes: a build killed outright says so
            self.save()
        return todo

    def _current(self, item: Input) -> bool:
        """True when the manifest's record of `item` matches it and all its parts are there."""
        entry = self.entries.get(item.key)
        if entry is None or entry.kind != item.kind or not self._parts_ok(item.key, entry):
            return False
        if item.kind == "library":
            return entry.hash == item.fingerprint
        if (entry.size, entry.mtime_ns) == (item.size, item.mtime_ns):
            return True
        if entry.size != item.size or entry.hash != _content_hash(item):
            return False
        entry.mtime_ns = item.mtime_ns  # touched, not changed: nothing to read
        return True

    def _parts_ok(self, key: str, entry: Entry) -> bool:
        on_disk = self.on_disk.get(key, set())
        self._delete(on_disk - set(entry.parts))  # a crashed rebuild's renamed parts
        return on_disk >= set(entry.parts)

    def commit(self, item: Input, results: list[TaskResult]) -> None:
        """Rename the input's new parts into place, delete its stale ones, record it."""
        new = set()
        for part in (p for r in results for p in r.parts):
            try:
                os.replace(part.tmp, part.final)
            except FileNotFoundError:  # written on a Dask worker's own disk
                raise InputError(
                    f"{self.out}: a worker wrote {describe(item)}'s parts where this machine "
                    "cannot see them: the output folder must be on a filesystem shared with "
                    "every worker, at the same path"
                ) from None
            new.add(os.path.relpath(part.final, self.out))
        self.unsynced.update(os.path.dirname(p.final) for r in results for p in r.parts)
        self._delete(self.on_disk.pop(item.key, set()) - new)
        digest = item.fingerprint or manifest.combine([r.digest for r in results])
        posts = sum(r.posts for r in results)
        kind, size, mtime = item.kind, item.size, item.mtime_ns
        self.entries[item.key] = Entry(item.source, kind, size, mtime, digest, posts, sorted(new))
        self.on_disk[item.key] = new
        self.pending.discard(item.key)
        if time.monotonic() - self.saved_at > SAVE_EVERY:
            self.save()

    def save(self) -> None:
        """Write the manifest now: with the count of inputs not finished yet, which readers
        warn of (a build stopped, or still running, leaves a partial dataset)."""
        # The renames on disk before a manifest names them, and the folders a worker made
        # for them (`platform=`, `month=`): each entry is flushed in its parent folder.
        months = sorted(self.unsynced)
        platforms = sorted({os.path.dirname(folder) for folder in months})
        sync_folders([*months, *platforms, *([self.out] if months else [])])
        self.unsynced.clear()
        unfinished = {manifest.UNFINISHED: len(self.pending)} if self.pending else {}
        manifest.save(self.out, self.entries, {"derived": self.derived, **unfinished})
        self.saved_at = time.monotonic()

    def _delete(self, relpaths: Iterable[str]) -> None:
        for rel in relpaths:
            (self.out / rel).unlink(missing_ok=True)


def _content_hash(item: Input) -> str:
    """The input's content hash, computed here the way the tasks compute it."""
    if item.kind == "jsonl":
        path = Path(item.path)
        return manifest.combine([manifest.range_digest(path, s, e) for s, e in item.ranges])
    return manifest.file_hash(Path(item.path), item.input_format)
