"""Incremental scan: compare a folder with the catalog and plan the work.

Unchanged files (same size and mtime) are not read at all. Changed files lose their analysis.
A file that vanished from one path and appears at another (same inode, or same size and
content hash) is a move: its analysis is kept. Vanished files are marked missing, not deleted.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from imgengine_gui.scan.walk import FoundFile, WalkProblem, walk_photos

ANALYSIS_TABLES = (
    "phase_status", "metadata", "content", "tags", "ml_summary", "embeddings", "ml_tasks",
)  # fmt: skip


@dataclass(slots=True)
class PhotoJob:
    photo_id: int
    path: str
    phases: tuple[str, ...]
    mtime_ns: int | None = None
    size: int | None = None
    recorded: set[str] | None = None  # phases whose outcome is already reported (pipeline)


@dataclass
class ScanResult:
    folder_id: int
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    problems: list[WalkProblem] = field(default_factory=list)
    jobs: list[PhotoJob] = field(default_factory=list)


def _under(root: str) -> tuple[str, str]:
    prefix = root.rstrip(os.sep) + os.sep
    return prefix, prefix[:-1] + chr(ord(os.sep) + 1)


def _sha256(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def _clear_analysis(conn: sqlite3.Connection, photo_ids: Iterable[int]) -> None:
    rows = [(pid,) for pid in photo_ids]
    for table in ANALYSIS_TABLES:
        conn.executemany(f"DELETE FROM {table} WHERE photo_id = ?", rows)
    conn.executemany("DELETE FROM cluster_members WHERE photo_id = ?", rows)


def scan_folder(
    conn: sqlite3.Connection,
    root: Path,
    folder_id: int,
    versions: Mapping[str, str] | None = None,
    *,
    found: list[FoundFile] | None = None,
    problems: list[WalkProblem] | None = None,
) -> ScanResult:
    """Bring the catalog in line with ``root`` and list the phases each photo still needs.

    ``found`` (with its ``problems``) is a walk done beforehand, so that the walk does not hold
    the catalog's write lock; without it the folder is walked here.
    """
    root_text = os.fspath(root)
    result = ScanResult(folder_id, problems=list(problems or []))
    if found is None:
        found = list(walk_photos(root, result.problems))
    found = {f.path: f for f in found}
    low, high = _under(root_text)
    known = {
        row["path"]: row
        for row in conn.execute(
            "SELECT id, path, size, mtime_ns, dev, ino, sha256, missing FROM photos"
            " WHERE path >= ? AND path < ?",
            (low, high),
        )
    }
    now = time.time()
    changed_ids, revived = [], []
    new_files: list[FoundFile] = []
    for path, f in found.items():
        row = known.get(path)
        if row is None:
            new_files.append(f)
        elif row["size"] == f.size and row["mtime_ns"] == f.mtime_ns:
            result.unchanged += 1
            if row["missing"]:
                revived.append(row["id"])
        else:
            result.changed += 1
            changed_ids.append((f.size, f.mtime_ns, f.dev, f.ino, now, row["id"]))
    vanished = [row for path, row in known.items() if path not in found and not row["missing"]]

    if changed_ids:
        _clear_analysis(conn, [c[-1] for c in changed_ids])
        conn.executemany(
            "UPDATE photos SET size=?, mtime_ns=?, dev=?, ino=?, sha256=NULL, format=NULL,"
            " missing=0, last_seen=? WHERE id=?",
            changed_ids,
        )
    if revived:
        conn.executemany(
            "UPDATE photos SET missing=0, last_seen=? WHERE id=?", [(now, i) for i in revived]
        )

    moved_ids = _match_moves(conn, new_files, vanished, folder_id, now)
    result.moved = len(moved_ids)
    inserts = [
        (folder_id, f.path, f.size, f.mtime_ns, f.dev, f.ino, now, now)
        for f in new_files
        if f.path not in moved_ids
    ]
    conn.executemany(
        "INSERT INTO photos(folder_id, path, size, mtime_ns, dev, ino, first_seen, last_seen)"
        " VALUES (?,?,?,?,?,?,?,?)",
        inserts,
    )
    result.new = len(inserts)
    moved = set(moved_ids.values())
    still_missing = [row["id"] for row in vanished if row["id"] not in moved]
    conn.executemany("UPDATE photos SET missing=1 WHERE id=?", [(i,) for i in still_missing])
    result.missing = len(still_missing)
    conn.execute("UPDATE folders SET last_scan=? WHERE id=?", (now, folder_id))
    if versions is not None:
        result.jobs = plan_jobs(conn, root_text, versions)
    return result


def _match_moves(
    conn: sqlite3.Connection,
    new_files: list[FoundFile],
    vanished: list[sqlite3.Row],
    folder_id: int,
    now: float,
) -> dict[str, int]:
    """Re-point moved photos at their new paths; returns new path -> photo id."""
    if not new_files:
        return {}
    candidates = list(vanished) + list(
        conn.execute(
            "SELECT id, path, size, mtime_ns, dev, ino, sha256, missing FROM photos WHERE missing=1"
        )
    )
    if not candidates:
        return {}
    by_inode = {(r["dev"], r["ino"], r["size"]): r for r in candidates}
    by_size: dict[int, list[sqlite3.Row]] = defaultdict(list)
    for r in candidates:
        if r["sha256"]:
            by_size[r["size"]].append(r)
    moved: dict[str, int] = {}
    taken: set[int] = set()
    for f in new_files:
        row = by_inode.get((f.dev, f.ino, f.size))
        if row is not None and row["mtime_ns"] != f.mtime_ns:
            row = None
        if row is None and f.size in by_size:
            digest = _sha256(f.path)
            row = next((r for r in by_size[f.size] if r["sha256"] == digest), None)
        if row is None or row["id"] in taken:
            continue
        taken.add(row["id"])
        moved[f.path] = row["id"]
        conn.execute(
            "UPDATE photos SET path=?, folder_id=?, mtime_ns=?, dev=?, ino=?, missing=0,"
            " last_seen=? WHERE id=?",
            (f.path, folder_id, f.mtime_ns, f.dev, f.ino, now, row["id"]),
        )
    return moved


def plan_jobs(
    conn: sqlite3.Connection, root: str, versions: Mapping[str, str], *, retry_errors: bool = False
) -> list[PhotoJob]:
    """Photos under ``root`` with at least one requested phase not done at its current version.

    An error counts as done only when it was the photo's own ("photo" class) and
    ``retry_errors`` is off: environmental errors (disk full, permissions...) are retried.
    """
    low, high = _under(root)
    done: dict[int, dict[str, str]] = defaultdict(dict)
    for row in conn.execute(
        "SELECT s.photo_id, s.phase, s.analyzer_version, s.state, s.error_class FROM phase_status s"
        " JOIN photos p ON p.id = s.photo_id WHERE p.path >= ? AND p.path < ? AND p.missing = 0",
        (low, high),
    ):
        if row[3] == "error" and (retry_errors or row[4] != "photo"):
            continue
        done[row[0]][row[1]] = row[2]
    if "content" in versions:
        _forget_lost_thumbnails(conn, low, high, done)
    jobs = []
    for photo_id, path, mtime_ns, size in conn.execute(
        "SELECT id, path, mtime_ns, size FROM photos WHERE path >= ? AND path < ?"
        " AND missing = 0 ORDER BY path",
        (low, high),
    ):
        status = done.get(photo_id, {})
        phases = tuple(p for p, v in versions.items() if status.get(p) != v)
        if phases:
            jobs.append(PhotoJob(photo_id, path, phases, mtime_ns, size))
    return jobs


def _forget_lost_thumbnails(conn, low: str, high: str, done: dict[int, dict[str, str]]) -> None:
    """A cleared or deleted cache makes the content phase due again for those photos."""
    for photo_id, thumb in conn.execute(
        "SELECT c.photo_id, c.thumb_path FROM content c JOIN photos p ON p.id = c.photo_id"
        " WHERE p.path >= ? AND p.path < ? AND p.missing = 0",
        (low, high),
    ):
        if thumb and not os.path.exists(thumb):
            done.get(photo_id, {}).pop("content", None)
