"""Worker processes over files: one way to spread file checks over CPUs (validate and fmt share it).

Processes are forked (the only start method that does not import the
caller's main module again), biggest files first, and only when there is
enough to read to pay for starting them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from .errors import QingdanError

# Below this many bytes to check, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
MAX_WORKERS = 8


def map_files(check: Callable[[str], tuple], missed: list[tuple[str, int]], workers: int | None) -> Iterator[tuple]:
    """``check`` over the missed files, in worker processes when that pays off."""
    count = _worker_count(workers, [size for _relpath, size in missed])
    if count < 2:
        yield from (check(relpath) for relpath, _size in missed)
        return
    # Biggest first, so that no worker is left alone with a big file at the end.
    order = [relpath for relpath, _size in sorted(missed, key=lambda m: -m[1])]
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(check, order)


def _worker_count(requested: int | None, sizes: list[int]) -> int:
    """How many processes to check ``sizes`` bytes of files with; 1 means this process alone.

    Without ``requested``: QINGDAN_WORKERS if set, else the CPUs this process
    may use, and only when there is enough to read.
    """
    if requested is None:
        requested = _workers_from_env() or min(_usable_cpus(), MAX_WORKERS)
        if sum(sizes) < PARALLEL_MIN_BYTES:
            return 1
    # fork is the only start method that does not import the caller's main
    # module again; it is unsafe when other threads run (a lock may be held),
    # and a daemon process (a worker of someone else's pool) may not have children.
    if ("fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1
            or multiprocessing.current_process().daemon):
        return 1
    return max(1, min(requested, len(sizes)))


def _workers_from_env() -> int | None:
    value = os.environ.get("QINGDAN_WORKERS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise QingdanError(f"环境变量 QINGDAN_WORKERS 的值 {value!r} 无效：应为正整数，例如 2；1 表示不用多进程")
    return int(value)


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
