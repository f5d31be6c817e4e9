"""The one thread that owns the device: every model loads and runs on it.

The analysis executor hands it each batch; on-demand work (the cutout preview, ``imgengine
cutout``) queues here between batches, so a model is never run from two threads at once and a
loaded model serves every caller. A call made from the device thread itself runs inline.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
THREAD_NAME = "imgengine-device"


class DeviceThread:
    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``function`` on the device thread and return (or raise) what it did."""
        if threading.current_thread() is self._thread:
            return function(*args, **kwargs)
        future: Future[T] = Future()
        self._start()
        self._jobs.put((lambda: function(*args, **kwargs), future))
        return future.result()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                # daemon: an exit during a long model build must not hang the process
                self._thread = threading.Thread(target=self._serve, name=THREAD_NAME, daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as error:  # handed to the caller, who re-raises it
                future.set_exception(error)


_device = DeviceThread()


def on_device(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``function(*args, **kwargs)`` on the device thread (blocking) and return its result."""
    return _device.call(function, *args, **kwargs)
