"""One analysis per catalog: an OS file lock on ``<catalog>.lock``, which holds the owner's pid.

The operating system drops the lock when its process ends, however it ends, so a lock file left
by a killed run (a dead pid) is simply taken over. The file itself is never deleted: deleting a
lock file races with a process that has just opened it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from imgengine_gui.catalog.errors import CatalogBusy, CatalogNotWritable

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def lock_path(catalog: Path) -> Path:
    catalog = Path(catalog)
    return catalog.with_name(catalog.name + ".lock")


class AnalysisLock:
    """``with AnalysisLock(catalog):`` or raise ``CatalogBusy`` naming the running pid."""

    def __init__(self, catalog: Path) -> None:
        self.catalog = Path(catalog)
        self.path = lock_path(self.catalog)
        self._fd: int | None = None

    def __enter__(self) -> AnalysisLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CatalogNotWritable(
                f"cannot create the lock file {self.path}: {exc.strerror or exc}; make the "
                "catalog's folder writable, or choose another catalog with --catalog"
            ) from exc
        if not _try_lock(fd):
            pid = _read_pid(fd)
            os.close(fd)
            owner = f" (pid {pid})" if pid else ""
            raise CatalogBusy(
                f"another analysis is running on this catalog{owner}: {self.catalog}; wait for "
                "it to finish or stop it, then run again",
                pid,
            )
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        _unlock(fd)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _read_pid(fd: int) -> int | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
