"""The one way the UI runs work off its thread: ``TaskRunner.submit(lane, name, job, ...)``.

A job is a plain callable (no Qt) run on the thread pool of its lane; its result or error comes
back through the bridge and is handed to the ``on_done``/``on_error`` callbacks on the UI thread.
Lanes keep unrelated work from queueing behind each other, and order the work within a lane:

- ``analysis``: the analysis run (hours on a large library), one at a time;
- ``library``: catalog writes and file moves (trash, undo, keepers, export, cache clearing), in
  the order asked, so an undo never overtakes the trash it undoes;
- ``models``: anything that imports torch or runs a model (search, cutout, hardware probes);
- ``reads``: catalog reads too slow for the UI thread on a large library (duplicate groups,
  filter counts), in the order asked;
- ``thumbnails``: decoding cached thumbnails and previews into QImages (two threads);
- ``viewer``: decoding photos at screen size for the viewer, and its prefetch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from imgengine_gui.ui.bridge import EngineBridge, describe_error

LANES = {"analysis": 1, "library": 1, "models": 1, "reads": 1, "thumbnails": 2, "viewer": 1}
WRITING_LANES = ("analysis", "library")  # a closing window waits for their running jobs
THREAD_PREFIX = "ui-task-"


def live_task_threads() -> list[str]:
    """Names of task threads still alive (tests assert none are left after a window closes)."""
    return [t.name for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


@dataclass(eq=False)
class Task:
    name: str
    lane: str
    future: Future = field(repr=False)
    result: Any = None  # set on the UI thread once the task settled
    error: str | None = None


def _alive(callback: Callable[..., Any]) -> bool:
    """False when the callback is a method of a Qt object that has been deleted."""
    owner = getattr(callback, "__self__", None)
    return not isinstance(owner, QObject) or shiboken6.isValid(owner)


class TaskRunner(QObject):
    settled = Signal(object)  # Task, on the UI thread, after its callback ran

    def __init__(self, bridge: EngineBridge, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._pending: dict[str, int] = dict.fromkeys(LANES, 0)
        self._closed = False

    def submit(
        self,
        lane: str,
        name: str,
        job: Callable[[], Any],
        on_done: Callable[[Any], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> Task:
        """Run ``job`` on ``lane``; ``on_done(result)`` or ``on_error(message)`` on the UI thread.
        After ``shutdown`` nothing runs: the task comes back cancelled."""
        if self._closed:
            cancelled: Future = Future()
            cancelled.cancel()
            return Task(name, lane, cancelled)
        pool = self._pools.get(lane)
        if pool is None:
            pool = ThreadPoolExecutor(LANES[lane], thread_name_prefix=f"{THREAD_PREFIX}{lane}")
            self._pools[lane] = pool
        task = Task(name, lane, pool.submit(job))
        self._pending[lane] += 1
        task.future.add_done_callback(
            lambda _f: self._bridge.post(self._settle, task, on_done, on_error)
        )
        return task

    def _settle(self, task: Task, on_done, on_error) -> None:
        self._pending[task.lane] -= 1
        if self._closed:
            return
        try:
            task.result = task.future.result()
        except CancelledError:
            return
        except Exception as exc:
            task.error = describe_error(exc)
            if on_error is not None and _alive(on_error):
                on_error(task.error)
        else:
            if on_done is not None and _alive(on_done):
                on_done(task.result)
        self.settled.emit(task)

    def busy(self, *lanes: str) -> bool:
        """Whether tasks of these lanes (all lanes when none are named) have not settled yet."""
        return any(self._pending[lane] for lane in lanes or LANES)

    def shutdown(self) -> None:
        """Drop queued jobs; wait for the running ones that write (analysis, library), not for
        reads and probes (a first ``import torch`` can take seconds: quitting never waits for
        it). No callback runs from here on."""
        self._closed = True
        for lane, pool in self._pools.items():
            pool.shutdown(wait=lane in WRITING_LANES, cancel_futures=True)
        self._pools.clear()
