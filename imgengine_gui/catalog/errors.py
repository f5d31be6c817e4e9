"""Why the catalog cannot be used. ``str(error)`` is one line naming the file and what to do;
the CLI turns each class into its exit code, the GUI shows the same line in a dialog."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

_NEARLY_FULL = 1 << 20


class CatalogError(RuntimeError):
    """The catalog cannot be used as asked."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


class CatalogMissing(CatalogError):
    """No catalog yet (reading needs one)."""


class CatalogUnusable(CatalogError):
    """A folder, a file that is not SQLite, or another application's SQLite file."""


class CatalogTooNew(CatalogUnusable):
    """Made by a newer Image Engine: this version must not change it."""


class CatalogNotWritable(CatalogError):
    """Read-only file or folder, a full disk, or a write that finally failed."""


class CatalogBusy(CatalogError):
    """Another analysis holds the catalog's lock."""

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


_WRITE_PROBLEMS = (
    ("disk is full", "the disk is full: free some space and run again"),
    ("readonly", "it is read-only: make it writable or choose another with --catalog"),
    ("read-only", "it is read-only: make it writable or choose another with --catalog"),
    ("disk i/o error", "a disk I/O error: check the disk, then run again"),
    ("unable to open", "it cannot be opened for writing: check the folder's permissions"),
    ("locked", "another program kept it locked: close it (or wait), then run again"),
    ("busy", "another program kept it locked: close it (or wait), then run again"),
)


def write_failure(path: Path | str, error: BaseException) -> CatalogNotWritable | None:
    """The one-line CatalogNotWritable for an SQLite error that means "cannot write here"."""
    if isinstance(error, CatalogNotWritable):
        return error
    if not isinstance(error, sqlite3.OperationalError | OSError):
        return None
    text = str(error).lower()
    if ("i/o error" in text or isinstance(error, OSError)) and _disk_nearly_full(path):
        text = "disk is full"  # SQLite reports a full disk under WAL as an I/O error
    for needle, advice in _WRITE_PROBLEMS:
        if needle in text:
            return CatalogNotWritable(f"cannot write the catalog {path} ({error}): {advice}")
    if isinstance(error, OSError):
        reason = error.strerror or str(error)
        return CatalogNotWritable(f"cannot write the catalog {path}: {reason}")
    return None


def _disk_nearly_full(path: Path | str) -> bool:
    try:
        return shutil.disk_usage(Path(path).parent).free < _NEARLY_FULL
    except OSError:
        return False
