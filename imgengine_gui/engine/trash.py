"""Moving duplicates to the system trash, journaled first so that every move can be undone.

Never a hard delete: files go through send2trash. For each file the intent is committed to the
journal before the move and marked done after it, so a crash, a kill or a full disk between the
two leaves a ``pending`` item that ``reconcile`` settles (the file is in the trash: undoable; it
is still in place: the intent is dropped). Nothing moves when the catalog cannot be written, and
a kept copy of a duplicate cluster is never moved. On freedesktop systems (Linux) undo moves the
files back from the trash folder; elsewhere the journal tells the user what to restore.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imgengine_gui.catalog import clusters, journal
from imgengine_gui.catalog.db import connect

KEPT_COPY = "it is the kept copy of its duplicate group (choose another keeper to move it)"


@dataclass
class TrashReport:
    action_id: int | None
    moved: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False
    recovered: list[str] = field(default_factory=list)  # moves of an interrupted run, now journaled


def losers(conn: sqlite3.Connection, cluster_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """The copies a duplicates trash would move: never a kept copy, never the last present one."""
    return clusters.trash_candidates(conn, cluster_ids)


def trash_duplicates(
    conn: sqlite3.Connection, cluster_ids: list[int] | None = None, *, dry_run: bool = False
) -> TrashReport:
    return trash_photos(conn, losers(conn, cluster_ids), dry_run=dry_run)


def trash_photos(
    conn: sqlite3.Connection, photos: Sequence[tuple[int, str]], *, dry_run: bool = False
) -> TrashReport:
    """Send the given photos to the trash, journaled (one action, undoable as a whole)."""
    wanted = list(dict.fromkeys((int(pid), str(path)) for pid, path in photos))
    kept = clusters.kept_photo_ids(conn, [pid for pid, _ in wanted])
    report = TrashReport(None, dry_run=dry_run)
    report.failed = [(path, KEPT_COPY) for pid, path in wanted if pid in kept]
    todo = [(pid, path) for pid, path in wanted if pid not in kept]
    if dry_run:
        report.moved = [path for _, path in todo]
        return report
    report.recovered = reconcile(conn)
    if not todo:
        return report
    from send2trash import send2trash

    report.action_id = journal.start_trash_action(conn)  # a catalog that can't record: no move
    try:
        for photo_id, path in todo:
            item_id = journal.record_intent(conn, report.action_id, photo_id, path)
            if item_id is None:  # became a keeper since it was listed
                report.failed.append((path, KEPT_COPY))
                continue
            try:
                send2trash(path)
            except Exception as exc:
                journal.drop_intent(conn, item_id)
                report.failed.append((path, _one_line(exc)))
                continue
            item = journal.JournalItem(item_id, report.action_id, photo_id, path, None)
            journal.mark_trashed(conn, item, _find_in_trash(path))
            report.moved.append(path)
    finally:
        if not report.moved:  # on a failed catalog, the error raised already is the one to report
            with contextlib.suppress(Exception):
                journal.forget_if_empty(conn, report.action_id)
    return report


def undo_last(conn: sqlite3.Connection) -> TrashReport:
    """Restore the files of the most recent trash action that is not undone yet.

    A file is restored only where nothing (file, folder, link, even a dangling link) is at its
    original path; anything there blocks that file and is reported.
    """
    recovered = reconcile(conn)
    action_id = journal.last_undoable_action(conn)
    report = TrashReport(action_id, recovered=recovered)
    if action_id is None:
        return report
    for item in journal.trashed_items(conn, action_id):
        problem = _restore(item.original_path, item.trashed_path)
        if problem:
            report.failed.append((item.original_path, problem))
            continue
        journal.mark_restored(conn, item)
        report.moved.append(item.original_path)
    if not report.failed:
        journal.mark_undone(conn, action_id)
    return report


def reconcile(conn: sqlite3.Connection) -> list[str]:
    """Settle the intents of an interrupted trash; returns the paths found moved (now undoable)."""
    recovered = []
    for item in journal.pending_items(conn):
        if os.path.lexists(item.original_path):
            journal.drop_intent(conn, item.item_id)  # the move never happened
            continue
        journal.mark_trashed(conn, item, _find_in_trash(item.original_path))
        recovered.append(item.original_path)
    return recovered


def reconcile_catalog(catalog: Path) -> list[str]:
    """``reconcile`` on its own connection (analysis start, app start)."""
    conn = connect(catalog)
    try:
        return reconcile(conn)
    finally:
        conn.close()


def can_undo(conn: sqlite3.Connection) -> bool:
    return journal.has_undoable_action(conn)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _trash_dirs(path: str) -> list[Path]:
    data_home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    dirs = [data_home / "Trash"]
    mount = Path(path).resolve().parent
    while not os.path.ismount(mount) and mount != mount.parent:
        mount = mount.parent
    dirs += [mount / ".Trash" / str(os.getuid()), mount / f".Trash-{os.getuid()}"]
    return [d for d in dirs if (d / "info").is_dir()]


def _find_in_trash(original: str) -> str | None:
    """Where send2trash put the file (freedesktop trash: the .trashinfo naming it, newest)."""
    if sys.platform in ("darwin", "win32"):
        return None
    best: tuple[float, str] | None = None
    for trash in _trash_dirs(original):
        for info in (trash / "info").glob("*.trashinfo"):
            try:
                text = info.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("Path="):
                    recorded = urllib.parse.unquote(line[5:])
                    if not os.path.isabs(recorded):
                        recorded = str(trash.parent.parent / recorded)
                    if os.path.normpath(recorded) == os.path.normpath(original):
                        stamp = info.stat().st_mtime
                        if best is None or stamp > best[0]:
                            best = (stamp, str(trash / "files" / info.name[: -len(".trashinfo")]))
    return best[1] if best else None


def _restore(original: str, trashed: str | None) -> str | None:
    if trashed is None or not os.path.lexists(trashed):
        return "restore it from the system Trash (this platform's trash is not reachable here)"
    if os.path.lexists(original):
        return "something is already at the original path: move it away, then undo again"
    try:
        os.makedirs(os.path.dirname(original), exist_ok=True)
        _move_without_replacing(trashed, original)
    except FileExistsError:
        return "something is already at the original path: move it away, then undo again"
    except OSError as exc:
        return f"cannot restore: {exc.strerror or exc}"
    info = Path(trashed).parent.parent / "info" / (Path(trashed).name + ".trashinfo")
    info.unlink(missing_ok=True)
    return None


def _move_without_replacing(source: str, target: str) -> None:
    """A hard link fails if anything appeared at ``target`` meanwhile; a rename would replace it."""
    try:
        os.link(source, target, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES):
            raise
        if os.path.lexists(target):
            raise FileExistsError(errno.EEXIST, "exists", target) from exc
        shutil.move(source, target)  # another file system: copy, then delete
        return
    os.unlink(source)
