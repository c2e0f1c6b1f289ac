"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Every executor takes the same groups of :class:`RunSpec` (one job each, see
``runner.run_group``) and calls back in the driver, one run at a time:
``on_result(row)`` for a finished run, ``on_failure(spec, traceback_text)``
for a run that raised. The driver alone writes results, so a killed worker
loses at most the runs it was computing, and they are run again (a new local
pool, or Dask's own rescheduling). Numbers do not depend on the executor or
the grouping: each run is seeded by its spec alone.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from simulation import threads
from simulation.study.runner import RunSpec, run_group

OnResult = Callable[[dict[str, Any]], None]
OnFailure = Callable[[RunSpec, str], None]
Group = list[RunSpec]
POOL_RESTARTS = 3  # a pool whose worker died is rebuilt this often before the sweep gives up
# While the fork server starts (1-3 s on 2 cores), the driver runs one group itself if the group simulates
# at most this many resident-days (about 1-2 s: at 3,000 adults a year's burn-in and two arms of a year).
OWN_GROUP_MAX_RESIDENT_DAYS = 5_000_000


class ExecutorError(RuntimeError):
    """The executor cannot go on (e.g. worker processes keep dying, no scheduler at the address)."""


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Start workers without re-running the caller's ``__main__`` file.

    A fork server (and spawned processes) normally import the parent's main
    script, so a script without an ``if __name__ == "__main__":`` guard would
    start the sweep again in every worker. The workers need only ``simulation``
    (the job function is importable), so while processes start, ``__main__`` is
    made to look like an interactive session (as under ``python -`` or
    ``python -c``), for which multiprocessing does not import it.
    """
    main = sys.modules.get("__main__")
    saved = {name: getattr(main, name) for name in ("__file__", "__spec__") if main and hasattr(main, name)}
    try:
        if main is not None:
            if "__file__" in saved:
                del main.__file__
            main.__spec__ = None
        yield
    finally:
        if main is not None:
            for name, value in saved.items():
                setattr(main, name, value)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers are forked from a fork server that imports the package and loads its compiled kernels once
    per process (``simulation.study.preload``; the first pool starts it; a clean process without threads,
    so forking it is safe): a worker starts without importing or loading anything, and exits without
    tearing the interpreter down (spawned workers paid about 1.5 s and 0.5 s). A 48-run sweep at 3,000
    adults on 2 cores went from 1.63 to 1.84 times one worker's runs per minute with the imports."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows: spawned workers
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulation.study.preload"])
    return ctx


_fork_server_started = False  # by this process: later pools fork their workers from it at once


def _start_fork_server() -> bool:
    """Start the workers' fork server now without waiting for it, if this process has not started it yet
    (True then). The server imports the package and loads the kernels in its own process; a pool's first
    worker waits for that."""
    global _fork_server_started
    if _fork_server_started or _worker_context().get_start_method() != "forkserver":
        return False
    from multiprocessing import forkserver  # (POSIX only)

    with _main_not_reimported():
        forkserver.ensure_running()
    _fork_server_started = True
    return True


def _resident_days(group: Group) -> int:
    """Resident-days a group simulates: its runs' days and the burn-in (once, as ``run_group`` shares it)."""
    base = group[0].base
    return base.community.adults * (base.burn_in_days + sum(spec.days for spec in group))


def _start_worker(thread_count: int) -> None:
    # Workers leave Ctrl-C to the driver, which terminates them (no traceback from each worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Each worker uses its share of the cores for the row-block kernels (large networks only).
    threads.set_threads(thread_count)


def _deliver(results, on_result: OnResult, on_failure: OnFailure) -> None:
    for spec, row, text in results:
        if row is not None:
            on_result(row)
        else:
            on_failure(spec, text)


def run_serial(groups: Sequence[Group], on_result: OnResult, on_failure: OnFailure) -> None:
    """Run in this process, one group after another."""
    for group in groups:
        _deliver(run_group(group), on_result, on_failure)


def _terminate(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop running tasks; its processes are in ``_processes``.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    # Let the pool's manager thread see its dead workers and close its wake-up pipe before this process
    # exits: Python 3.12.1's exit hook otherwise writes to that pipe while the thread closes it, and a
    # stray "Exception ignored ... _python_exit" traceback followed an interrupted sweep's one-line message
    # (the Ctrl-C test failed so in 2 of about 12 runs of its file here). The thread ends within milliseconds;
    # the wait is bounded.
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(timeout=5)


def run_local(groups: Sequence[Group], on_result: OnResult, on_failure: OnFailure, workers: int) -> None:
    """Run in ``workers`` local processes, forked from the fork server (``_worker_context``): forking this
    process instead could deadlock when it holds threads (the row blocks', a caller's).

    The first sweep of a process starts the fork server, and its workers wait 1-3 s for it to import the
    package: meanwhile this process runs the last group itself when it is short
    (``OWN_GROUP_MAX_RESIDENT_DAYS``), so that a core does not idle: a process's first 48-run sweep at 3,000
    adults on 2 cores kept 1.86-1.90 cores busy instead of 1.76-1.82, 7% more runs a minute (median of
    seven pairs)."""
    if workers <= 1:
        run_serial(groups, on_result, on_failure)
        return
    pending = dict(enumerate(groups))
    if len(pending) > workers and _start_fork_server():
        last = max(pending)
        if _resident_days(pending[last]) <= OWN_GROUP_MAX_RESIDENT_DAYS:
            _deliver(run_group(pending.pop(last)), on_result, on_failure)
    restarts = 0
    while pending:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(pending)),
            mp_context=_worker_context(),
            initializer=_start_worker,
            initargs=(max(1, threads.threads() // workers),),
        )
        try:
            with _main_not_reimported():
                futures = {pool.submit(run_group, group): i for i, group in pending.items()}
            not_done = set(futures)
            broken = False
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures[fut]
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                        continue
                    if exc is not None:  # run_group catches a run's errors; this is e.g. a pickling error
                        for spec in pending[i]:
                            on_failure(spec, _traceback(exc))
                    else:
                        _deliver(fut.result(), on_result, on_failure)
                    del pending[i]
            pool.shutdown(wait=True)
        except BaseException:
            _terminate(pool)
            raise
        if broken:
            restarts += 1
            if restarts > POOL_RESTARTS:
                left = sum(len(g) for g in pending.values())
                raise ExecutorError(f"worker processes died {restarts} times (out of memory?); {left} runs not done")


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int) -> Iterator[Any]:
    """A connected ``distributed.Client``: ``scheduler="local"`` starts a LocalCluster of ``workers`` processes,
    each with its share of the cores (``GOVSIM_THREADS``). The workers of a cluster started elsewhere use
    their machine's cores unless ``GOVSIM_THREADS`` is set where they start."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is a dependency; a stripped install may lack it
        raise ExecutorError("the dask executor needs dask[distributed]: pip install 'dask[distributed]'") from None

    cluster = None
    with _main_not_reimported():
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                # Each worker uses its share of the cores for the row-block kernels, as local workers do.
                env={"GOVSIM_THREADS": str(max(1, threads.threads() // workers))},
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError, ValueError) as err:
                raise ExecutorError(f"--scheduler {scheduler!r}: cannot connect ({err})") from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=5)


def run_dask(groups: Sequence[Group], on_result: OnResult, on_failure: OnFailure, client: Any) -> None:
    """Run on the Dask cluster behind ``client``.

    A worker that dies takes its running tasks with it; the scheduler runs them
    again elsewhere (a task that kills several workers fails as KilledWorker).
    """
    from distributed import as_completed

    tag = uuid.uuid4().hex[:8]  # task keys must be unique on a shared scheduler
    futures: dict[Any, Group] = {}
    try:
        for group in groups:
            futures[client.submit(run_group, group, key=f"govsim-{tag}-{group[0].key}", pure=False)] = group
        for fut in as_completed(list(futures)):
            group = futures[fut]
            if fut.status == "finished":
                _deliver(fut.result(), on_result, on_failure)
                continue
            # "error" (KilledWorker, or the task could not run) or "cancelled" (e.g. the scheduler went away)
            exc = fut.exception() if fut.status == "error" else None
            for spec in group:
                on_failure(spec, _traceback(exc) if exc is not None else f"run {spec.key}: {fut.status}\n")
    finally:
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)


Runner = Callable[[Sequence[Group], OnResult, OnFailure], None]


@contextlib.contextmanager
def open_executor(executor: str = "local", workers: int = 1, scheduler: str | None = None) -> Iterator[Runner]:
    """``run(groups, on_result, on_failure)`` for the named executor (``local`` or ``dask``).

    Dask connects (or starts its LocalCluster) on entry, so a wrong address is
    reported before anything is written.
    """
    if executor == "local":
        yield lambda groups, on_result, on_failure: run_local(groups, on_result, on_failure, workers)
    elif executor == "dask":
        with dask_client(scheduler or "local", workers) as client:
            yield lambda groups, on_result, on_failure: run_dask(groups, on_result, on_failure, client)
    else:
        raise ValueError(f"unknown executor {executor!r} (allowed: local, dask)")
