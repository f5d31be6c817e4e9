"""What the catalog knows about the files of a folder: identity, presence, analysis state.

The scan (``scan/diff.py``) compares a walked folder with these rows and plans the work; every
statement it needs is here.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog.paths import folder_range

# A changed file loses everything derived from its old content.
ANALYSIS_TABLES = (
    "phase_status", "metadata", "content", "tags", "ml_summary", "embeddings", "ml_tasks",
)  # fmt: skip
_PHOTO = "SELECT id, path, size, mtime_ns, dev, ino, sha256, missing FROM photos"


class FileIdentity(Protocol):
    """A file as the folder walk found it."""

    path: str
    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(slots=True, frozen=True)
class KnownPhoto:
    id: int
    path: str
    size: int
    mtime_ns: int
    dev: int | None
    ino: int | None
    sha256: str | None
    missing: bool


@dataclass(slots=True, frozen=True)
class PhaseRecord:
    """The last outcome of one phase for one photo."""

    version: str
    state: str  # "done" | "error"
    error: str | None = None
    error_class: str | None = None  # for an error: "photo" (its own fault) or "environment"


def _known(rows: Iterable[tuple]) -> list[KnownPhoto]:
    return [KnownPhoto(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]


# -- reading ---------------------------------------------------------------------------------------
def photos_under(conn: Connection, folder: str) -> dict[str, KnownPhoto]:
    """Every cataloged photo inside ``folder`` (missing ones too), by path."""
    low, high = folder_range(folder)
    rows = conn.execute(_PHOTO + " WHERE path >= ? AND path < ?", (low, high))
    return {photo.path: photo for photo in _known(rows)}


def missing_photos(conn: Connection) -> list[KnownPhoto]:
    """Photos whose files are gone, anywhere in the catalog (candidates for a move)."""
    return _known(conn.execute(_PHOTO + " WHERE missing = 1"))


def present_photos_under(conn: Connection, folder: str) -> list[KnownPhoto]:
    """Photos inside ``folder`` whose files are there, by path."""
    low, high = folder_range(folder)
    rows = conn.execute(
        _PHOTO + " WHERE path >= ? AND path < ? AND missing = 0 ORDER BY path", (low, high)
    )
    return _known(rows)


def phase_records_under(conn: Connection, folder: str) -> dict[int, dict[str, PhaseRecord]]:
    """photo id -> phase -> its last outcome, for the present photos inside ``folder``."""
    low, high = folder_range(folder)
    found: dict[int, dict[str, PhaseRecord]] = defaultdict(dict)
    for photo_id, phase, version, state, error, error_class in conn.execute(
        "SELECT s.photo_id, s.phase, s.analyzer_version, s.state, s.error, s.error_class"
        " FROM phase_status s"
        " JOIN photos p ON p.id = s.photo_id WHERE p.path >= ? AND p.path < ? AND p.missing = 0",
        (low, high),
    ):
        found[photo_id][phase] = PhaseRecord(version, state, error, error_class)
    return found


def thumbnails_under(conn: Connection, folder: str) -> dict[int, str]:
    """photo id -> thumbnail path, for the present photos inside ``folder`` that have one."""
    low, high = folder_range(folder)
    return dict(
        conn.execute(
            "SELECT c.photo_id, c.thumb_path FROM content c JOIN photos p ON p.id = c.photo_id"
            " WHERE p.path >= ? AND p.path < ? AND p.missing = 0 AND c.thumb_path IS NOT NULL",
            (low, high),
        )
    )


def missing_paths(conn: Connection) -> list[str]:
    return [row[0] for row in conn.execute("SELECT path FROM photos WHERE missing = 1 ORDER BY path")]


# -- writing (the scan runs on the catalog writer) -------------------------------------------------
def add_photos(
    conn: Connection, folder_id: int, files: Iterable[FileIdentity], now: float | None = None
) -> int:
    now = time.time() if now is None else now
    rows = [(folder_id, f.path, f.size, f.mtime_ns, f.dev, f.ino, now, now) for f in files]
    conn.executemany(
        "INSERT INTO photos(folder_id, path, size, mtime_ns, dev, ino, first_seen, last_seen)"
        " VALUES (?,?,?,?,?,?,?,?)",
        rows,
    )
    return len(rows)


def record_changed(
    conn: Connection, changed: Iterable[tuple[int, FileIdentity]], now: float | None = None
) -> None:
    """Files whose size or mtime changed: new identity, no analysis left, present."""
    now = time.time() if now is None else now
    changed = list(changed)
    forget_analysis(conn, [photo_id for photo_id, _ in changed])
    conn.executemany(
        "UPDATE photos SET size=?, mtime_ns=?, dev=?, ino=?, sha256=NULL, format=NULL,"
        " missing=0, last_seen=? WHERE id=?",
        [(f.size, f.mtime_ns, f.dev, f.ino, now, photo_id) for photo_id, f in changed],
    )


def record_moved(
    conn: Connection, photo_id: int, file: FileIdentity, folder_id: int, now: float | None = None
) -> None:
    """The photo's file now lives at ``file.path``: its analysis is kept."""
    conn.execute(
        "UPDATE photos SET path=?, folder_id=?, mtime_ns=?, dev=?, ino=?, missing=0,"
        " last_seen=? WHERE id=?",
        (file.path, folder_id, file.mtime_ns, file.dev, file.ino,
         time.time() if now is None else now, photo_id),
    )  # fmt: skip


def mark_present(conn: Connection, photo_ids: Iterable[int], now: float | None = None) -> None:
    now = time.time() if now is None else now
    conn.executemany("UPDATE photos SET missing=0, last_seen=? WHERE id=?", [(now, i) for i in photo_ids])


def mark_missing(conn: Connection, photo_ids: Iterable[int]) -> None:
    conn.executemany("UPDATE photos SET missing=1 WHERE id=?", [(i,) for i in photo_ids])


def forget_analysis(conn: Connection, photo_ids: Iterable[int]) -> None:
    rows = [(pid,) for pid in photo_ids]
    for table in ANALYSIS_TABLES:
        conn.executemany(f"DELETE FROM {table} WHERE photo_id = ?", rows)
    conn.executemany("DELETE FROM cluster_members WHERE photo_id = ?", rows)


def folder_scanned(conn: Connection, folder_id: int, now: float | None = None) -> None:
    conn.execute(
        "UPDATE folders SET last_scan=? WHERE id=?", (time.time() if now is None else now, folder_id)
    )


def forget_missing_photos(conn: Connection) -> int:
    """Delete the photos whose files are gone (``imgengine purge``); returns how many."""
    return conn.execute("DELETE FROM photos WHERE missing = 1").rowcount
