"""Moving duplicates to the system trash, journaled so the user can undo.

Never a hard delete: files go through send2trash. On freedesktop systems (Linux) an undo moves
them back from the trash folder; elsewhere the journal tells the user what to restore.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TrashReport:
    action_id: int | None
    moved: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    dry_run: bool = False


def losers(conn: sqlite3.Connection, cluster_ids: list[int] | None = None) -> list[tuple[int, str]]:
    sql = (
        "SELECT DISTINCT p.id, p.path FROM cluster_members cm JOIN photos p ON p.id = cm.photo_id"
        " WHERE cm.keep = 0 AND p.missing = 0"
        " AND cm.cluster_id IN (SELECT k.cluster_id FROM cluster_members k"
        " JOIN photos kp ON kp.id = k.photo_id WHERE k.keep = 1 AND kp.missing = 0)"
    )
    args: list[int] = []
    if cluster_ids is not None:
        sql += f" AND cm.cluster_id IN ({','.join('?' * len(cluster_ids)) or 'NULL'})"
        args = list(cluster_ids)
    return [(r[0], r[1]) for r in conn.execute(sql + " ORDER BY p.path", args)]


def trash_photos(
    conn: sqlite3.Connection, photos: list[tuple[int, str]], *, dry_run: bool = False
) -> TrashReport:
    """Send the given photos to the trash and journal it (one action, undoable as a whole)."""
    if dry_run:
        return TrashReport(None, moved=[p for _, p in photos], dry_run=True)
    from send2trash import send2trash

    report = TrashReport(None)
    for photo_id, path in photos:
        try:
            send2trash(path)
        except Exception as exc:
            report.failed.append((path, str(exc)))
            continue
        if report.action_id is None:  # an action exists only once something really moved
            report.action_id = conn.execute(
                "INSERT INTO actions(kind, created_at) VALUES ('trash', ?)", (time.time(),)
            ).lastrowid
        report.moved.append(path)
        conn.execute(
            "INSERT INTO action_items(action_id, photo_id, original_path, trashed_path, state)"
            " VALUES (?, ?, ?, ?, 'trashed')",
            (report.action_id, photo_id, path, _find_in_trash(path)),
        )
        conn.execute("UPDATE photos SET missing = 1 WHERE id = ?", (photo_id,))
        conn.commit()  # the journal keeps up with the files: an interruption loses no undo
    return report


def undo_last(conn: sqlite3.Connection) -> TrashReport:
    """Restore the files of the most recent trash action that is not undone yet."""
    row = conn.execute(
        "SELECT id FROM actions WHERE kind = 'trash' AND undone_at IS NULL AND EXISTS"
        " (SELECT 1 FROM action_items i WHERE i.action_id = actions.id AND i.state = 'trashed')"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return TrashReport(None)
    action_id = row[0]
    report = TrashReport(action_id)
    items = conn.execute(
        "SELECT rowid, photo_id, original_path, trashed_path FROM action_items"
        " WHERE action_id = ? AND state = 'trashed'",
        (action_id,),
    ).fetchall()
    for rowid, photo_id, original, trashed in items:
        problem = _restore(original, trashed)
        if problem:
            report.failed.append((original, problem))
            continue
        report.moved.append(original)
        conn.execute("UPDATE action_items SET state = 'restored' WHERE rowid = ?", (rowid,))
        conn.execute("UPDATE photos SET missing = 0 WHERE id = ?", (photo_id,))
        conn.commit()
    if not report.failed:
        conn.execute("UPDATE actions SET undone_at = ? WHERE id = ?", (time.time(), action_id))
    conn.commit()
    return report


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
    if trashed is None or not os.path.exists(trashed):
        return "restore it from the system Trash (this platform's trash is not reachable here)"
    if os.path.exists(original):
        return "a file already exists at the original path"
    try:
        os.makedirs(os.path.dirname(original), exist_ok=True)
        shutil.move(trashed, original)
    except OSError as exc:
        return f"cannot restore: {exc.strerror or exc}"
    info = Path(trashed).parent.parent / "info" / (Path(trashed).name + ".trashinfo")
    info.unlink(missing_ok=True)
    return None
