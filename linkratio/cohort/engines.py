"""Where tasks run: a local process pool, or a Dask cluster. Both run the same `run_task`.

A Dask cluster needs, on every worker, the same linkratio version with the `cohort` extra,
and the inputs and the output folder at the same paths (a shared filesystem): workers
read the inputs and write the part files themselves, and only small results travel back.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Generator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from linkratio.cohort._deps import need
from linkratio.cohort.tasks import Task, TaskResult, default_workers, run_task
from linkratio.errors import InputError, LinkratioError
from linkratio.net.reach import unanswered
from linkratio.wording import Names, named

log = logging.getLogger(__name__)

ENGINES: tuple[str, ...] = ("local", "dask")
"""The engines `build` accepts."""


class WorkerLost(LinkratioError):
    """A worker process ended in the middle of a build (killed, out of memory)."""


LOST = (
    "a worker process of the build ended abruptly (killed, or out of memory?): the inputs "
    "finished so far are kept; run the same build again to finish it"
)
"""What `WorkerLost` says."""
IMPORTED_AGAIN = (
    "cohort.build ran again in a worker process starting, which imports the script that "
    'calls it: call it under if __name__ == "__main__": in that script'
)
"""Why a worker ends at once when the script that starts it calls `build` at its top level."""
IMPORTED_AGAIN_EXIT = 86
"""The exit code of such a worker: how the build's process tells that cause from a kill."""


def run(
    tasks: Sequence[Task],
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
) -> Generator[TaskResult, None, None]:
    """Run every task on `engine` and yield each result as it completes (in any order)."""
    check(engine, workers, scheduler)
    if engine == "local":
        return _local(tasks, workers or default_workers())
    return _dask(tasks, workers, scheduler)


def check(
    engine: str, workers: int | None, scheduler: str | None, names: Names | None = None
) -> None:
    """InputError when the engine options cannot run a build (said before it starts), naming
    them as the caller does (`names`: the command line's options, else the keywords)."""
    workers_, scheduler_ = named("workers", names), named("scheduler", names)
    if workers is not None and workers < 1:
        raise InputError(f"{workers_} must be at least 1, not {workers}")
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if scheduler is not None and not scheduler.strip():  # an unset variable: no LocalCluster
        raise InputError(f"{scheduler_} is empty: expected {_ADDRESS}")
    if engine == "local" and scheduler:
        raise InputError(f"{scheduler_} needs {named('engine', names, 'dask')}")
    if engine == "dask" and scheduler and workers:
        raise InputError(f"give {scheduler_} (a running cluster) or {workers_}, not both")
    if engine == "dask" and scheduler:
        _check_address(scheduler, names)


_ADDRESS = "a Dask scheduler's address such as tcp://HOST:8786"


def _check_address(scheduler: str, names: Names | None) -> None:
    """InputError unless `scheduler` reads as an address, as `distributed.Client` reads it
    (`http://...:8787`, the dashboard's, or a port that is no number was a traceback)."""
    comm: Any = need("distributed.comm")
    try:
        if comm.parse_address(scheduler)[0] == "inproc":  # a scheduler in this process
            return
        host, port = comm.get_address_host_port(scheduler)
    except ValueError as exc:
        said = named("scheduler", names, scheduler)
        raise InputError(f"{said}: {exc}: expected {_ADDRESS}") from None
    # A Client tries again and again for 30 s where nothing listens, and waits forever where
    # something else does: said at once, or in CONNECT_SECONDS, here. A scheduler's plain
    # TCP sends its handshake first; over TLS the client speaks first.
    plain = comm.parse_address(scheduler)[0] == "tcp"
    reason = unanswered(host, port, CONNECT_SECONDS, speaks_first=plain)
    if reason is not None:
        said = named("scheduler", names, scheduler)
        raise InputError(f"{said}: no Dask scheduler answers there ({reason})")


CONNECT_SECONDS = 10.0
"""How long `build` waits for a Dask scheduler's address to answer, then for the Client's
handshake (something else listening there, such as the dashboard's port, never completes it)."""


def _local(tasks: Sequence[Task], workers: int) -> Generator[TaskResult, None, None]:
    if not tasks:
        return
    # spawn, not fork: the parent may hold threads (DuckDB, Arrow) that a fork would copy mid-lock.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=context,
        initializer=_end_with,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(run_task, task) for task in tasks]
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool:
                raise _lost(pool) from None
            yield result
    except BaseException:  # SIGTERM, Ctrl-C, a failed task, the build closing us early
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def _lost(pool: ProcessPoolExecutor) -> LinkratioError:
    """Why the pool broke: its workers imported a script that calls `build` (InputError),
    or one was killed (`WorkerLost`)."""
    workers = list((pool._processes or {}).values())
    for _ in range(50):  # the pool's thread may be reaping them: their codes, in 5 s at most
        codes = [worker.exitcode for worker in workers]
        if IMPORTED_AGAIN_EXIT in codes:
            return InputError(IMPORTED_AGAIN)
        if None not in codes:
            break
        time.sleep(0.1)
    return WorkerLost(LOST)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop `pool` now: cancel the tasks not started, end the workers running one (waiting
    for them, a SIGTERM waited for the running tasks to finish; a task has no state of its
    own to lose: its part files are under temporary names until the build renames them)."""
    workers = list((pool._processes or {}).values())  # Python 3.14: pool.terminate_workers()
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join()


def _end_with(parent: int) -> None:
    """A local worker's start: it ends when the build's process does, even a killed one
    (orphaned, it would wait for tasks forever)."""
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _dask(
    tasks: Sequence[Task], workers: int | None, scheduler: str | None
) -> Generator[TaskResult, None, None]:
    distributed: Any = need("dask.distributed")
    cluster, level = None, None
    if scheduler:
        client = _client(distributed, scheduler)
    else:
        cluster = distributed.LocalCluster(
            n_workers=workers or default_workers(),
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # No dashboard, but the scheduler's HTTP server binds anyway: 8787 unless told
            # otherwise, and a second cluster on the machine would warn that it is taken.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        client = distributed.Client(cluster)
    try:
        if tasks:
            futures = client.map(run_task, list(tasks), pure=False)
            for future in distributed.as_completed(futures):
                try:
                    result = future.result()
                except distributed.KilledWorker:  # every worker it was given died
                    raise WorkerLost(LOST) from None
                yield result
    except BaseException:  # SIGTERM, Ctrl-C, a failed task, the build closing us early
        if cluster is not None:  # a task cannot be interrupted: end its worker process
            level = _kill_workers(cluster)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        if level is not None:
            logging.getLogger("distributed").setLevel(level)


def _client(distributed: Any, scheduler: str) -> Any:
    """A Client of the running cluster at `scheduler`; a warning when it has no worker yet
    (an adaptive cluster starts them for the tasks; otherwise the build waits for one)."""
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            f"the Dask scheduler at {scheduler} did not answer in {CONNECT_SECONDS:g} s "
            f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        ) from None
    if not client.scheduler_info().get("workers"):
        log.warning(
            "the Dask scheduler at %s has no workers yet: the build waits for them to join",
            scheduler,
        )
    return client


def _kill_workers(cluster: Any) -> int:
    """End the local cluster's worker processes now: closing it would wait for each running
    task (4 seconds, then kill it), and the workers' log lines would fill the terminal.
    A remote cluster's tasks run on (their part files have temporary names, which the next
    build removes). Returns the `distributed` logger's level, quiet until the cluster closes."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # what a killed worker makes the nannies say
    nannies = list(cluster.workers.values())
    for nanny in nannies:
        nanny.close_gracefully()  # a worker killed here is not started again
    for nanny in nannies:
        with contextlib.suppress(OSError, TypeError):  # gone already, or never started
            os.kill(nanny.pid, signal.SIGKILL)
    return level
