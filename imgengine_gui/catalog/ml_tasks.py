"""Which model produced each ML task's results for each photo, and which photos are due again.

``ml_tasks`` holds one row per (photo, task): the key of the model that served the task (see
``ml.model_versions.serving_keys``), or ``NOT_SERVED`` when no model did. A photo is due for a
task when its row is missing or names another model, so a changed model re-runs that task alone;
also when it failed for the environment (state ``error``), or, with ``retry_errors``, for the
photo's own fault (state ``photo-error``: the file could not be decoded).
Recording a task replaces everything it wrote before (its tags, its embedding): an old model's
results are never mixed with a new one's. ``ml_summary`` is derived from the rows and the tags.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from imgengine_gui.catalog.paths import folder_range

NOT_SERVED = "none"
# The version written on phase_status 'ml' rows once these rows, not that version, decide what
# the ML phase re-runs (plan_jobs is then asked for the other phases only).
ML_PHASE_VERSION = "tasks-1"
# task -> (tag kind, result key of its tags, writes the embedding)
TASK_OUTPUTS = {
    "scenes": ("scene", "scenes", True),
    "objects": ("object", "objects", False),
    "faces": ("face", "faces", False),
}
PHOTO_ERROR = "photo-error"
PERSON = "person"
# A scene tag made from the face boxes (ml.photo_tags): the faces task owns it, so it stays when
# the scenes task re-runs alone and follows the faces when they re-run.
PORTRAIT = "portrait"  # a detector's people count is its person boxes (ml.full.detection)


@dataclass(frozen=True)
class TaskRun:
    """A task that ran on a photo: the model key to record, the id its tags carry, any error."""

    model: str
    model_id: str
    error: str | None = None
    photo_fault: bool = False  # the error is the photo's own: not retried unless asked

    @property
    def state(self) -> str:
        if self.error is None:
            return "done"
        return PHOTO_ERROR if self.photo_fault else "error"


@dataclass(frozen=True)
class DueML:
    photo_id: int
    path: str
    mtime_ns: int
    size: int
    tasks: frozenset[str]


def due_ml_tasks(
    conn: sqlite3.Connection,
    root: str,
    serving: Mapping[str, str],
    *,
    retry_errors: bool = False,
) -> list[DueML]:
    """Photos under ``root`` (not missing) with a task whose recorded model is not ``serving``'s
    (or that failed, see the module docstring)."""
    low, high = folder_range(root)
    recorded: dict[int, dict[str, str]] = defaultdict(dict)
    photos: dict[int, tuple[str, int, int]] = {}
    for photo_id, path, mtime_ns, size, task, model, state in conn.execute(
        "SELECT p.id, p.path, p.mtime_ns, p.size, t.task, t.model, t.state FROM photos p"
        " LEFT JOIN ml_tasks t ON t.photo_id = p.id"
        " WHERE p.path >= ? AND p.path < ? AND p.missing = 0 ORDER BY p.path",
        (low, high),
    ):
        photos[photo_id] = (path, mtime_ns, size)
        if task is not None and not _retried(state, retry_errors):
            recorded[photo_id][task] = model
    due = []
    for photo_id, (path, mtime_ns, size) in photos.items():
        have = recorded.get(photo_id, {})
        tasks = frozenset(t for t, key in serving.items() if have.get(t) != key)
        if tasks:
            due.append(DueML(photo_id, path, mtime_ns, size, tasks))
    return due


def count_due(conn: sqlite3.Connection, root: str, serving: Mapping[str, str]) -> dict[str, int]:
    """Per task, how many photos under ``root`` it would re-run ("Re-analyze N photos")."""
    counts = dict.fromkeys(serving, 0)
    for item in due_ml_tasks(conn, root, serving):
        for task in item.tasks:
            counts[task] += 1
    return counts


def retire_unserved(conn: sqlite3.Connection, root: str, serving: Mapping[str, str]) -> int:
    """Tasks no model serves any more: drop their results and record that; no decode needed.

    Returns the number of photos changed. Run before ``due_ml_tasks``, so that what stays due
    needs a model.
    """
    unserved = {task: key for task, key in serving.items() if key == NOT_SERVED}
    changed = 0
    for item in due_ml_tasks(conn, root, unserved):
        runs = {task: TaskRun(NOT_SERVED, NOT_SERVED) for task in item.tasks}
        record_ml_tasks(conn, item.photo_id, runs, {})
        changed += 1
    return changed


def record_ml_tasks(
    conn: sqlite3.Connection,
    photo_id: int,
    runs: Mapping[str, TaskRun],
    result: Mapping[str, object],
) -> None:
    """Replace the results of the tasks in ``runs`` with ``result``'s and record their models.

    A task with an error keeps no results. Tasks not in ``runs`` keep theirs untouched.
    """
    now = time.time()
    for task, run in runs.items():
        kind, key, embeds = TASK_OUTPUTS.get(task, (None, None, False))
        if kind is not None:
            conn.execute(
                "DELETE FROM tags WHERE photo_id = ? AND kind = ? AND label != ?",
                (photo_id, kind, PORTRAIT if task == "scenes" else ""),
            )
            items = [i for i in result.get(key) or () if i.get("label") != PORTRAIT]
            _insert_tags(conn, photo_id, kind, items, run)
        if task == "faces":
            conn.execute(
                "DELETE FROM tags WHERE photo_id = ? AND kind = 'scene' AND label = ?",
                (photo_id, PORTRAIT),
            )
            _insert_tags(conn, photo_id, "scene", _portrait(result), run)
        if embeds:
            conn.execute("DELETE FROM embeddings WHERE photo_id = ?", (photo_id,))
            _store_embedding(conn, photo_id, result.get("embedding"), run)
        conn.execute(
            "INSERT OR REPLACE INTO ml_tasks(photo_id, task, model, state, error, updated_at)"
            " VALUES (?,?,?,?,?,?)",
            (photo_id, task, run.model, run.state, run.error, now),
        )
    refresh_summary(conn, [photo_id])


def refresh_summary(conn: sqlite3.Connection, photo_ids: Iterable[int]) -> None:
    """``ml_summary`` from the task rows: people are person boxes when a detector served, else
    faces; faces are the face tags once the faces task has run."""
    for photo_id in photo_ids:
        rows = {
            task: (model, state)
            for task, model, state in conn.execute(
                "SELECT task, model, state FROM ml_tasks WHERE photo_id = ?", (photo_id,)
            )
        }
        counts = dict(
            conn.execute(
                "SELECT kind, COUNT(*) FROM tags WHERE photo_id = ?"
                " AND (kind = 'face' OR (kind = 'object' AND label = ?)) GROUP BY kind",
                (photo_id, PERSON),
            ).fetchall()
        )
        faces = counts.get("face", 0) if _served(rows.get("faces")) else None
        people = counts.get("object", 0) if _served(rows.get("objects")) else faces
        models = json.dumps({task: model for task, (model, _) in rows.items()}, sort_keys=True)
        conn.execute(
            "INSERT OR REPLACE INTO ml_summary(photo_id, people, faces, models) VALUES (?,?,?,?)",
            (photo_id, people, faces, models),
        )


def _retried(state: str, retry_errors: bool) -> bool:
    return state == "error" or (state == PHOTO_ERROR and retry_errors)


def _served(row: tuple[str, str] | None) -> bool:
    return row is not None and row[0] != NOT_SERVED and row[1] == "done"


def _portrait(result: Mapping[str, object]) -> list:
    """The portrait tag: ``result["portrait"]`` when the scenes did not run, else from them."""
    if "portrait" in result:
        return list(result["portrait"] or ())
    return [i for i in result.get("scenes") or () if i.get("label") == PORTRAIT]


def _insert_tags(conn: sqlite3.Connection, photo_id: int, kind: str, items, run: TaskRun) -> None:
    if run.error is None and run.model != NOT_SERVED:
        conn.executemany(
            "INSERT INTO tags(photo_id, kind, label, score, box, model_id) VALUES (?,?,?,?,?,?)",
            _tag_rows(photo_id, kind, items, run.model_id),
        )


def _tag_rows(photo_id: int, kind: str, items: Iterable, model_id: str) -> list[tuple]:
    rows = []
    for item in items:
        box = item.get("box")
        rows.append(
            (
                photo_id,
                kind,
                item.get("label", kind),
                float(item["score"]),
                json.dumps([round(float(v), 5) for v in box]) if box is not None else None,
                model_id,
            )
        )
    return rows


def _store_embedding(conn: sqlite3.Connection, photo_id: int, embedding, run: TaskRun) -> None:
    if embedding is None or run.error is not None or run.model == NOT_SERVED:
        return
    import numpy as np

    vector = np.asarray(embedding, dtype=np.float32).ravel()
    conn.execute(
        "INSERT INTO embeddings(photo_id, model_id, dim, vector) VALUES (?,?,?,?)",
        (photo_id, run.model_id, vector.size, vector.tobytes()),
    )
