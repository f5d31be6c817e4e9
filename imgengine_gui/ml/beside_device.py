"""Analyzers that run beside the device thread: CPU libraries that release the GIL (dlib).

An analyzer with ``beside_device = True`` does not need the device: the executor runs the device
models on batch N+1 while one CPU worker thread runs it on batch N, then merges its results and
hands the batch on. One batch waits for the worker at most (back-pressure: the executor waits
before handing over the next), and batches leave in the order they came, so every key still
comes back exactly once. An error in one photo costs that photo only: a batch that fails is run
again photo by photo.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from imgengine_gui.ml.base import Analyzer

THREAD_NAME = "imgengine-cpu"


def beside_device(analyzers: Sequence[Analyzer]) -> list[Analyzer]:
    """The analyzers that may run on the CPU worker: marked ``beside_device``, and no analyzer
    after them needs or stores their keys (their results merge after the device's)."""
    chosen = []
    for index, analyzer in enumerate(analyzers):
        if not getattr(analyzer, "beside_device", False):
            continue
        keys = set(analyzer.stores)
        later = analyzers[index + 1 :]
        if not any(keys & (set(a.stores) | set(getattr(a, "needs", ()))) for a in later):
            chosen.append(analyzer)
    return chosen


class CpuWorker:
    """One thread that finishes batches in order; at most one batch waits for it."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def hand_over(self, finish: Callable[[], None]) -> None:
        """Run ``finish`` on the worker once the previous batch is done (re-raising its error)."""
        self.settle()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix=THREAD_NAME)
        self._pending = self._pool.submit(finish)

    def settle(self) -> None:
        """Wait for the batch on the worker; re-raise what its callbacks raised."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.settle()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
