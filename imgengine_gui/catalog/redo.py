"""Marking analyzed photos due again: the phases and ML tasks a user asked to redo.

Metadata and content are due when their ``phase_status`` row is gone; an ML task when its
``ml_tasks`` row is (see ``catalog.ml_tasks``). Results stay until the next run replaces them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from imgengine_gui.catalog.ml_tasks import TASK_OUTPUTS
from imgengine_gui.catalog.paths import folder_range

VERSIONED = ("metadata", "content")  # redone by forgetting their phase_status rows
ALL_TASKS = "ml"  # every ML task


def redo_choices() -> tuple[str, ...]:
    return (*VERSIONED, ALL_TASKS, *TASK_OUTPUTS)


def mark_due(
    conn: sqlite3.Connection, root: str, redo: Iterable[str], paths: Iterable[str] | None = None
) -> int:
    """Make ``redo`` due for the photos under ``root`` (only ``paths`` among them when given);
    returns how many photos were marked."""
    redo = set(redo)
    unknown = redo - set(redo_choices())
    if unknown:
        raise ValueError(f"cannot redo {', '.join(sorted(unknown))}")
    ids = _photo_ids(conn, root, paths)
    phases = [p for p in VERSIONED if p in redo]
    tasks = list(TASK_OUTPUTS) if ALL_TASKS in redo else [t for t in TASK_OUTPUTS if t in redo]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for table, column, names in (("phase_status", "phase", phases), ("ml_tasks", "task", tasks)):
            if names:
                conn.execute(
                    f"DELETE FROM {table} WHERE photo_id IN ({marks})"
                    f" AND {column} IN ({','.join('?' * len(names))})",
                    (*chunk, *names),
                )
    return len(ids)


def _photo_ids(conn: sqlite3.Connection, root: str, paths: Iterable[str] | None) -> list[int]:
    low, high = folder_range(root)
    rows = conn.execute(
        "SELECT id, path FROM photos WHERE path >= ? AND path < ? AND missing = 0", (low, high)
    ).fetchall()
    if paths is None:
        return [photo_id for photo_id, _ in rows]
    wanted = set(paths)
    return [photo_id for photo_id, path in rows if path in wanted]


def analyzed_folders(conn: sqlite3.Connection) -> list[str]:
    """The folders analyzed into this catalog (the roots a re-analysis runs on)."""
    return [path for (path,) in conn.execute("SELECT path FROM folders ORDER BY path")]
