"""Work done by a forked child process while this one goes on: a second core for a bulk save.

A first import of a large archive spends about as long deriving the frame cache (pure
Python: the classifier) as writing the posts (SQLite). `Forked` runs the first in a
child made with `os.fork` (so it sees the posts without copying them) and hands its
result back, pickled, through a pipe, while the parent writes. The child never touches
the library: it closes the files it inherited, computes, writes to the pipe and leaves
with `os._exit`. An archive import uses it the same way while it reads
(`sources.x_archive.paired`: the records' JSON).

A process with other threads (Python's, or a C library's such as numpy's BLAS pool) is
never forked: a fork would copy them half-way. Neither is one that may run on one CPU
only, nor one on a system without /proc/self/task (where threads cannot be counted) or
without fork. Then, and whatever goes wrong in the child (an exception, a signal), the
parent does the work itself, so the outcome, error included, is the one the work gives
in-process.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class Forked(Generic[T]):
    """`work()` run in a forked child, started at once; `result()` waits for it.

    With `fork=False`, or when a fork is not safe here, the work is done at once, in
    this process (so its errors come from here too).
    """

    def __init__(self, work: Callable[[], T], *, fork: bool = True) -> None:
        self._work = work
        self._pid: int | None = None
        self._pipe: int | None = None
        if fork and _may_fork():
            self._start()
        if self._pid is None:
            self._done = work()

    def _start(self) -> None:
        read_end, write_end = os.pipe()
        parent = os.getpid()
        # No handler may run between the fork and the bookkeeping of its child.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            try:
                pid = os.fork()
            except OSError as e:  # no memory or process slot: work in-process
                log.debug("no forked worker (%s)", e)
                os.close(read_end)
                os.close(write_end)
                return
            if pid == 0:  # the child: compute, write the result, leave without any cleanup
                os.close(read_end)
                _child(self._work, write_end, held, parent)
            os.close(write_end)
            self._pid, self._pipe = pid, read_end
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)

    def result(self) -> T:
        """The work's result: the child's, or computed here if the child gave none."""
        if self._pid is not None and self._pipe is not None:
            self._done = self._collect(self._pid, self._pipe)
        return self._done

    def _collect(self, pid: int, pipe: int) -> T:
        """Read the child's result and reap it; redo the work here if it failed."""
        self._pid = self._pipe = None
        whole = False
        try:
            # Unpickled as it comes: the pickle's bytes are never held whole beside the
            # result (an archive's JSON: twice its size at once). Closing the pipe after a
            # garbled one ends a child still writing (EPIPE) before it is reaped.
            with open(pipe, "rb") as stream:
                try:
                    result: T = pickle.load(stream)
                    whole = True
                except (pickle.UnpicklingError, EOFError, ValueError) as e:
                    log.debug("the forked worker's result is cut short (%s)", e)
        except BaseException:  # e.g. Ctrl-C while waiting: the child's work is not wanted
            _reap(pid, kill=True)
            raise
        code = _reap(pid)
        if code in (0, None) and whole:  # None: not known, but a whole pickle is whole
            return result
        log.debug("the forked worker failed (exit %s): working in-process", code)
        return self._work()

    def close(self) -> None:
        """Stop the child if it still runs (the result is no longer wanted)."""
        if self._pid is None or self._pipe is None:
            return
        pid, pipe = self._pid, self._pipe
        self._pid = self._pipe = None
        os.close(pipe)
        _reap(pid, kill=True)


_HELD = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
"""Signals held while forking: their handlers run once the child is known."""


def _reap(pid: int, *, kill: bool = False) -> int | None:
    """Wait for the child (SIGKILLed first with `kill`): its exit code, None when unknown.

    Unknown when this process ignores SIGCHLD (the system then reaps its children
    itself) or another handler reaped it first.
    """
    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def _may_fork() -> bool:
    """True when a child would have a core of its own and this process runs one thread.

    One thread of any kind, Python's or a C library's (e.g. a BLAS pool): known only where
    /proc lists a process's threads (Linux); elsewhere, no fork. With a single CPU to run
    on, the child would only add its copy-on-write faults to the same work.
    """
    if not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1 and len(os.listdir("/proc/self/task")) == 1
    except (OSError, AttributeError):
        return False


def _child(work: Callable[[], T], write_end: int, mask: Iterable[int], parent: int) -> None:
    """The forked child's whole life: `work()`, pickled into the pipe, then `os._exit`."""
    code = 1
    try:
        _plain_signals(mask, parent)
        _close_inherited(keep=write_end)
        done = work()
        with open(write_end, "wb") as stream:  # pickled as it is written: no copy held whole
            pickle.dump(done, stream, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:  # the parent redoes the work and sees the error itself
        pass
    finally:
        os._exit(code)


def _plain_signals(mask: Iterable[int], parent: int) -> None:
    """The child's signals: no handler of the parent's (it could act on the parent's files,
    e.g. close a library), the default actions, the parent's mask again; and it dies with
    its parent (Linux), whose result it computes."""
    with contextlib.suppress(ValueError):  # only the main thread has a wakeup fd
        signal.set_wakeup_fd(-1)
    for sig in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError, TypeError):
            if callable(signal.getsignal(sig)):
                signal.signal(sig, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)


_PR_SET_PDEATHSIG = 1
"""Linux prctl(2): the signal a process gets when its parent ends."""


def _close_inherited(keep: int) -> None:
    """Close every file the child inherited but stdio and `keep`.

    The library's file and its run lock above all: the child has no use for them, and an
    open copy of the lock file would keep the run lock held after a killed parent.
    (Closing them frees none of the parent's locks: SQLite's are the parent's own.)
    """
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):  # e.g. the listing's own, already closed
                os.close(fd)
