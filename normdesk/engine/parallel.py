"""Run ``ChunkTransform`` over chunks, in order, in this process or in worker processes.

The per-value libraries are pure Python and hold the GIL, so both cores are only used by
processes. Workers are spawned (safe beside Qt threads, and what a frozen app supports with
``multiprocessing.freeze_support``), build their normalizers once, keep their caches across
chunks, and die with the process that started them.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Iterable, Iterator

import polars as pl

from normdesk.engine.plan import Plan
from normdesk.engine.report import ChunkCounts
from normdesk.engine.transform import ChunkTransform

Result = tuple[pl.DataFrame, ChunkCounts]
_transform: ChunkTransform | None = None


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _die_with_parent(parent_pid: int) -> None:
    """Linux: have the kernel kill this worker when its parent dies (e.g. by SIGKILL). A parent
    that died while this worker was still starting is caught by comparing the parent pid."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:
        os._exit(0)


def _yield_to_the_desktop() -> None:
    """Run at a lower priority, so a window (and the rest of the desktop) stays responsive."""
    if hasattr(os, "nice"):
        os.nice(5)
    elif sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        kernel32.SetPriorityClass(kernel32.GetCurrentProcess(), 0x4000)  # BELOW_NORMAL_PRIORITY_CLASS


def _init_worker(parent_pid: int, plan: dict, columns: list[str], header: list[str], profile: bool) -> None:
    global _transform
    _die_with_parent(parent_pid)
    _yield_to_the_desktop()
    _transform = ChunkTransform(Plan.from_dict(plan), columns, header, profile)


def _run_chunk(chunk: pl.DataFrame, first_row: int) -> Result:
    assert _transform is not None
    return _transform(chunk, first_row)


def in_order(futures: Iterable[Any], limit: int, pending: deque | None = None) -> Iterator[Any]:
    """The results of ``futures`` (anything with ``.result()``: a concurrent or a Dask future), in
    order, drawing the next one only while fewer than ``limit`` are in flight. ``pending`` (when
    given) is the caller's view of the futures in flight, to cancel them."""
    pending = deque() if pending is None else pending
    for future in futures:
        pending.append(future)
        if len(pending) >= limit:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class ChunkRunner:
    """``map(chunks)`` yields each chunk's result in input order, with ``workers + 1`` in flight
    (each worker busy, one queued): enough to keep the cores fed, little enough to keep memory flat."""

    def __init__(self, plan: Plan, columns: list[str], header: list[str], workers: int, profile: bool = True) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers > 0:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(os.getpid(), plan.to_dict(), columns, header, profile),
            )
        else:
            self._local = ChunkTransform(plan, columns, header, profile)

    def map(self, chunks: Iterable[tuple[pl.DataFrame, int]]) -> Iterator[Result]:
        if self._pool is None:
            for chunk, first_row in chunks:
                yield self._local(chunk, first_row)
            return
        pool = self._pool
        yield from in_order((pool.submit(_run_chunk, chunk, first) for chunk, first in chunks), self.workers + 1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
