"""Incremental scan: compare a folder with the catalog and plan the work.

Unchanged files (same size and mtime) are not read at all. Changed files lose their analysis.
A file that vanished from one path and appears at another (same inode, or same size and
content hash) is a move: its analysis is kept. Vanished files are marked missing, not deleted.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from imgengine_gui.catalog import Connection, inventory
from imgengine_gui.catalog.inventory import KnownPhoto, PhaseRecord
from imgengine_gui.common.files import sha256_file
from imgengine_gui.scan.walk import FoundFile, WalkProblem, walk_photos


@dataclass(slots=True)
class PhotoJob:
    photo_id: int
    path: str
    phases: tuple[str, ...]
    mtime_ns: int | None = None
    size: int | None = None


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


def scan_folder(
    conn: Connection,
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
    known = inventory.photos_under(conn, root_text)
    now = time.time()
    changed: list[tuple[int, FoundFile]] = []
    revived: list[int] = []
    new_files: list[FoundFile] = []
    for path, f in found.items():
        photo = known.get(path)
        if photo is None:
            new_files.append(f)
        elif photo.size == f.size and photo.mtime_ns == f.mtime_ns:
            result.unchanged += 1
            if photo.missing:
                revived.append(photo.id)
        else:
            result.changed += 1
            changed.append((photo.id, f))
    vanished = [photo for path, photo in known.items() if path not in found and not photo.missing]

    if changed:
        inventory.record_changed(conn, changed, now)
    if revived:
        inventory.mark_present(conn, revived, now)
    moved_ids = _match_moves(conn, new_files, vanished, folder_id, now)
    result.moved = len(moved_ids)
    result.new = inventory.add_photos(
        conn, folder_id, (f for f in new_files if f.path not in moved_ids), now
    )
    moved = set(moved_ids.values())
    still_missing = [photo.id for photo in vanished if photo.id not in moved]
    inventory.mark_missing(conn, still_missing)
    result.missing = len(still_missing)
    inventory.folder_scanned(conn, folder_id, now)
    if versions is not None:
        result.jobs = plan_jobs(conn, root_text, versions)
    return result


def _match_moves(
    conn: Connection,
    new_files: list[FoundFile],
    vanished: list[KnownPhoto],
    folder_id: int,
    now: float,
) -> dict[str, int]:
    """Re-point moved photos at their new paths; returns new path -> photo id."""
    if not new_files:
        return {}
    candidates = vanished + inventory.missing_photos(conn)
    if not candidates:
        return {}
    by_inode = {(p.dev, p.ino, p.size): p for p in candidates}
    by_size: dict[int, list[KnownPhoto]] = defaultdict(list)
    for p in candidates:
        if p.sha256:
            by_size[p.size].append(p)
    moved: dict[str, int] = {}
    taken: set[int] = set()
    for f in new_files:
        photo = by_inode.get((f.dev, f.ino, f.size))
        if photo is not None and photo.mtime_ns != f.mtime_ns:
            photo = None
        if photo is None and f.size in by_size:
            digest = _sha256(f.path)
            photo = next((p for p in by_size[f.size] if p.sha256 == digest), None)
        if photo is None or photo.id in taken:
            continue
        taken.add(photo.id)
        moved[f.path] = photo.id
        inventory.record_moved(conn, photo.id, f, folder_id, now)
    return moved


def _sha256(path: str) -> str | None:
    try:
        return sha256_file(path)
    except OSError:
        return None


def plan_jobs(
    conn: Connection, root: str, versions: Mapping[str, str], *, retry_errors: bool = False
) -> list[PhotoJob]:
    """Photos under ``root`` with at least one requested phase not done at its current version.

    An error counts as done only when it was the photo's own ("photo" class) and
    ``retry_errors`` is off: environmental errors (disk full, permissions...) are retried.
    """
    records = inventory.phase_records_under(conn, root)
    if "content" in versions:
        _forget_lost_thumbnails(conn, root, records)
    jobs = []
    for photo in inventory.present_photos_under(conn, root):
        status = records.get(photo.id, {})
        phases = tuple(
            p for p, v in versions.items() if not _is_done(status.get(p), v, retry_errors)
        )
        if phases:
            jobs.append(PhotoJob(photo.id, photo.path, phases, photo.mtime_ns, photo.size))
    return jobs


def _is_done(record: PhaseRecord | None, version: str, retry_errors: bool) -> bool:
    """Recorded at the current version: done, or failed for a reason of the photo's own (an
    environmental error is always due again; a photo error is, with ``retry_errors``)."""
    if record is None or record.version != version:
        return False
    return record.state != "error" or (record.error_class == "photo" and not retry_errors)


def _forget_lost_thumbnails(
    conn: Connection, root: str, records: dict[int, dict[str, PhaseRecord]]
) -> None:
    """A cleared or deleted cache makes the content phase due again for those photos."""
    for photo_id, thumb in inventory.thumbnails_under(conn, root).items():
        if not os.path.exists(thumb):
            records.get(photo_id, {}).pop("content", None)
