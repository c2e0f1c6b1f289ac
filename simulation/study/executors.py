"""Where runs execute: in this process, in local worker processes, or on a Dask cluster.

Every executor takes the same list of :class:`RunSpec` and calls back in the
driver, one run at a time: ``on_result(row)`` for a finished run,
``on_failure(spec, traceback_text)`` for a run that raised. The driver alone
writes results, so a killed worker loses at most the runs it was computing,
and they are run again (a new local pool, or Dask's own rescheduling).
Numbers do not depend on the executor: each run is seeded by its spec alone.
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

from simulation.study.runner import RunSpec, run_one

OnResult = Callable[[dict[str, Any]], None]
OnFailure = Callable[[RunSpec, str], None]
POOL_RESTARTS = 3  # a pool whose worker died is rebuilt this often before the sweep gives up


class ExecutorError(RuntimeError):
    """The executor cannot go on (e.g. worker processes keep dying, no scheduler at the address)."""


def _traceback(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


@contextlib.contextmanager
def _main_not_reimported() -> Iterator[None]:
    """Start spawned workers without re-running the caller's ``__main__`` file.

    Spawned processes normally re-import the parent's main script, so a script
    without an ``if __name__ == "__main__":`` guard would start the sweep again
    in every worker. The workers need only ``simulation`` (the job function is
    importable), so while processes start, ``__main__`` is made to look like an
    interactive session (as under ``python -`` or ``python -c``), for which
    multiprocessing does not re-import it.
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


def _ignore_sigint() -> None:
    # Workers leave Ctrl-C to the driver, which terminates them (no traceback from each worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_serial(specs: Sequence[RunSpec], on_result: OnResult, on_failure: OnFailure) -> None:
    """Run in this process, one after another."""
    for spec in specs:
        try:
            row = run_one(spec)
        except Exception as exc:  # a run's failure is recorded; the sweep goes on
            on_failure(spec, _traceback(exc))
        else:
            on_result(row)


def _terminate(pool: ProcessPoolExecutor) -> None:
    # ProcessPoolExecutor has no public way to stop running tasks; its processes are in ``_processes``.
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def run_local(specs: Sequence[RunSpec], on_result: OnResult, on_failure: OnFailure, workers: int) -> None:
    """Run in ``workers`` spawned local processes (spawn: forking a process that holds threads may deadlock)."""
    if workers <= 1:
        run_serial(specs, on_result, on_failure)
        return
    pending = {spec.key: spec for spec in specs}
    restarts = 0
    while pending:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(pending)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_ignore_sigint,
        )
        try:
            with _main_not_reimported():
                futures = {pool.submit(run_one, spec): spec for spec in pending.values()}
            not_done = set(futures)
            broken = False
            while not_done:
                done, not_done = wait(not_done, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = futures[fut]
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True
                    elif exc is not None:
                        on_failure(spec, _traceback(exc))
                        del pending[spec.key]
                    else:
                        on_result(fut.result())
                        del pending[spec.key]
            pool.shutdown(wait=True)
        except BaseException:
            _terminate(pool)
            raise
        if broken:
            restarts += 1
            if restarts > POOL_RESTARTS:
                raise ExecutorError(
                    f"worker processes died {restarts} times (out of memory?); {len(pending)} runs not done"
                )


@contextlib.contextmanager
def dask_client(scheduler: str, workers: int) -> Iterator[Any]:
    """A connected ``distributed.Client``: ``scheduler="local"`` starts a LocalCluster of ``workers`` processes."""
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


def run_dask(specs: Sequence[RunSpec], on_result: OnResult, on_failure: OnFailure, client: Any) -> None:
    """Run on the Dask cluster behind ``client``.

    A worker that dies takes its running tasks with it; the scheduler runs them
    again elsewhere (a task that kills several workers fails as KilledWorker).
    """
    from distributed import as_completed

    tag = uuid.uuid4().hex[:8]  # task keys must be unique on a shared scheduler
    futures: dict[Any, RunSpec] = {}
    try:
        for spec in specs:
            futures[client.submit(run_one, spec, key=f"govsim-{tag}-{spec.key}", pure=False)] = spec
        for fut in as_completed(list(futures)):
            spec = futures[fut]
            if fut.status == "finished":
                on_result(fut.result())
            else:  # "error" (the run raised, or KilledWorker) or "cancelled" (e.g. the scheduler went away)
                exc = fut.exception() if fut.status == "error" else None
                on_failure(spec, _traceback(exc) if exc is not None else f"run {spec.key}: {fut.status}\n")
    finally:
        with contextlib.suppress(Exception):
            client.cancel(list(futures), force=True)


Runner = Callable[[Sequence[RunSpec], OnResult, OnFailure], None]


@contextlib.contextmanager
def open_executor(executor: str = "local", workers: int = 1, scheduler: str | None = None) -> Iterator[Runner]:
    """``run(specs, on_result, on_failure)`` for the named executor (``local`` or ``dask``).

    Dask connects (or starts its LocalCluster) on entry, so a wrong address is
    reported before anything is written.
    """
    if executor == "local":
        yield lambda specs, on_result, on_failure: run_local(specs, on_result, on_failure, workers)
    elif executor == "dask":
        with dask_client(scheduler or "local", workers) as client:
            yield lambda specs, on_result, on_failure: run_dask(specs, on_result, on_failure, client)
    else:
        raise ValueError(f"unknown executor {executor!r} (allowed: local, dask)")
