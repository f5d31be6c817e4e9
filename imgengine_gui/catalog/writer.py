"""The catalog's single writer: one thread, batched transactions.

Other threads hand it operations (callables taking a connection). It runs them in order and
commits every ``batch_size`` operations or ``flush_interval`` seconds, so a crash loses at most
the batch in flight. ``call`` runs an operation and waits for its committed result.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.errors import CatalogNotWritable, write_failure

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], Any]
_STOP = object()


class CatalogWriteError(CatalogNotWritable):
    """The writer stopped (disk full, I/O error): nothing more can be saved in this run."""


class CatalogWriter:
    def __init__(self, path: Path, *, batch_size: int = 64, flush_interval: float = 0.5) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.errors: list[str] = []
        self.failed_writes = 0  # operations whose results were not saved
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=4096)
        self._thread = threading.Thread(target=self._run, name="catalog-writer", daemon=True)
        self._ready: Future[None] = Future()
        self._dead: BaseException | None = None
        self._current: Future[Any] | None = None

    def __enter__(self) -> CatalogWriter:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        self._thread.start()
        self._ready.result()

    def submit(self, operation: Operation) -> None:
        self._check_alive()
        self._queue.put((operation, None))

    def call(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        self._check_alive()
        future: Future[T] = Future()
        self._queue.put((operation, future))
        while True:  # never wait forever on a writer that has died
            try:
                return future.result(timeout=0.5)
            except TimeoutError:
                self._check_alive()
            except sqlite3.OperationalError as exc:
                raise write_failure(self.path, exc) or exc from exc

    @property
    def failed(self) -> bool:
        """The writer has stopped: every later write would fail."""
        return self._dead is not None

    def _check_alive(self) -> None:
        if self._dead is not None:
            raise self._stopped_error() from self._dead

    def _stopped_error(self) -> CatalogWriteError:
        known = write_failure(self.path, self._dead) if self._dead is not None else None
        return CatalogWriteError(str(known) if known else f"the catalog writer stopped: {self._dead}")

    def flush(self) -> None:
        self.call(lambda conn: None)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()

    def _run(self) -> None:
        try:
            conn = connect(self.path)
        except Exception as exc:  # surfaced to the thread that started us
            self._ready.set_exception(exc)
            return
        conn.isolation_level = None
        self._ready.set_result(None)
        try:
            self._serve(conn)
        except BaseException as fatal:  # disk full, I/O error: fail loudly, never hang callers
            self._dead = fatal
            error = self._stopped_error()
            self.errors.append(str(error))
            if self._current is not None and not self._current.done():
                self._current.set_exception(error)
            self._fail_queued(error)
        finally:
            try:
                if conn.in_transaction:
                    conn.commit()
            except sqlite3.Error:
                pass
            conn.close()

    def _fail_queued(self, error: BaseException) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP and item[1] is not None:
                item[1].set_exception(error)

    def _serve(self, conn: sqlite3.Connection) -> None:
        pending = 0
        last_commit = time.monotonic()
        while True:
            timeout = max(0.0, self.flush_interval - (time.monotonic() - last_commit))
            try:
                item = self._queue.get(timeout=timeout if pending else None)
            except queue.Empty:
                item = None
            if item is _STOP:
                break
            if item is not None:
                operation, future = item
                self._current = future
                if not conn.in_transaction:  # the write lock up front: no upgrade can fail
                    conn.execute("BEGIN IMMEDIATE")
                conn.execute("SAVEPOINT op")
                try:
                    result = operation(conn)
                    conn.execute("RELEASE op")
                except Exception as exc:
                    if isinstance(exc, sqlite3.OperationalError) and write_failure(self.path, exc):
                        raise  # disk full, read-only, I/O: no later write can succeed either
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    self.errors.append(f"catalog write failed: {exc}")
                    self.failed_writes += 1
                    if future is not None:
                        conn.commit()
                        future.set_exception(exc)
                    continue
                pending += 1
                if future is not None:
                    conn.commit()
                    pending, last_commit = 0, time.monotonic()
                    future.set_result(result)
                    continue
            if pending and (
                pending >= self.batch_size
                or time.monotonic() - last_commit >= self.flush_interval
            ):
                conn.commit()
                pending, last_commit = 0, time.monotonic()
