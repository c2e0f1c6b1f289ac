"""Row blocks of large networks computed in parallel threads.

The compiled kernels release the GIL, so a product over the ties can be split into blocks of whole
rows, each computed by one thread exactly as the single loop computes it: results do not change. On
two cores a product over 700,000 tie entries took 2.4 instead of 4.4 ms. Small networks (a community
of a few thousand adults) stay on one thread, where handing work to another thread costs more than
it saves.

The number of threads is ``GOVSIM_THREADS`` (>= 1) when set, else the cores this process may use.
Local sweep workers use their share of the cores (``set_threads``), so that workers x threads does not
exceed the machine.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Tie entries each thread must get before another thread is used (networks of 200,000 entries and more,
# about 30,000 adults, use two): handing a block to a waiting thread costs about 40 us, and a product
# over 100,000 entries about 0.4 ms.
MIN_ENTRIES_PER_THREAD = 100_000

_threads: int | None = None
_pool: tuple[int, int, ThreadPoolExecutor] | None = None  # (process id, threads, pool): a forked child makes its own


def _default_threads() -> int:
    text = os.environ.get("GOVSIM_THREADS", "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"GOVSIM_THREADS must be a whole number >= 1, not {text!r}")
        return value
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def threads() -> int:
    """Threads the row-block kernels may use (>= 1)."""
    global _threads
    if _threads is None:
        _threads = _default_threads()
    return _threads


def set_threads(count: int) -> None:
    """Use at most ``count`` (>= 1) threads from now on in this process."""
    global _threads
    if int(count) < 1:
        raise ValueError(f"threads must be >= 1, not {count}")
    _threads = int(count)


def row_ranges(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges [first, stop) with about equal numbers of entries, one per thread to use; a single range
    for a network too small to split."""
    n, entries = len(indptr) - 1, int(indptr[-1])
    k = max(1, min(threads(), entries // MIN_ENTRIES_PER_THREAD))
    cuts = [0] + [int(np.searchsorted(indptr, entries * b // k)) for b in range(1, k)] + [n]
    return [(cuts[b], cuts[b + 1]) for b in range(k) if cuts[b + 1] > cuts[b]] or [(0, n)]


def run_blocks(task: Callable[..., object], blocks: list[tuple[int, ...]]) -> None:
    """``task(*block)`` for every block (e.g. a range ``(start, stop)``): the first in this thread, the
    others in the pool's."""
    if len(blocks) == 1:
        task(*blocks[0])
        return
    futures = [_executor().submit(task, *block) for block in blocks[1:]]
    task(*blocks[0])
    for future in futures:
        future.result()  # re-raises a block's error here


def even_blocks(n: int, per_thread: int) -> list[tuple[int, int]]:
    """[start, stop) ranges splitting 0..n into about equal parts, one per thread to use, each of at least
    ``per_thread`` items (one range when n is smaller)."""
    k = max(1, min(threads(), n // max(per_thread, 1)))
    cuts = [n * b // k for b in range(k + 1)]
    return [(cuts[b], cuts[b + 1]) for b in range(k)]


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None or _pool[0] != os.getpid() or _pool[1] != threads():
        if _pool is not None and _pool[0] == os.getpid():
            _pool[2].shutdown(wait=False)
        pool = ThreadPoolExecutor(max_workers=max(1, threads() - 1), thread_name_prefix="govsim-rows")
        _pool = (os.getpid(), threads(), pool)
    return _pool[2]
