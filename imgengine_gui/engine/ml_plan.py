"""The ML part of a run's plan: which photos need which ML tasks, folded into the scan's jobs.

``plan_jobs`` plans metadata and content by phase version; the ML phase is planned per task from
``catalog.ml_tasks``: a photo is due for the tasks whose serving model changed (or that never
ran), and only those run. A photo due for ML alone is decoded once, small, with no metadata read
and no thumbnail written.
"""

from __future__ import annotations

from collections.abc import Mapping

from imgengine_gui.catalog import Connection
from imgengine_gui.catalog.ml_tasks import NOT_SERVED, TaskRun, due_ml_tasks, retire_unserved
from imgengine_gui.scan import PhotoJob


def plan_ml_tasks(
    conn: Connection,
    root: str,
    jobs: list[PhotoJob],
    serving: Mapping[str, str],
    *,
    retry_errors: bool = False,
) -> dict[int, frozenset[str]]:
    """Add the ML phase to ``jobs`` (planned without it) where tasks are due; photo id -> tasks.

    Tasks no model serves any more lose their results here, without a decode.
    """
    retire_unserved(conn, root, serving)
    served = {task: key for task, key in serving.items() if key != NOT_SERVED}
    due = due_ml_tasks(conn, root, served, retry_errors=retry_errors)
    by_id = {job.photo_id: job for job in jobs}
    for item in due:
        job = by_id.get(item.photo_id)
        if job is None:
            jobs.append(PhotoJob(item.photo_id, item.path, ("ml",), item.mtime_ns, item.size))
        elif "ml" not in job.phases:
            job.phases = (*job.phases, "ml")
    jobs.sort(key=lambda job: job.path)
    return {item.photo_id: item.tasks for item in due}


def task_runs(
    tasks: frozenset[str],
    serving: Mapping[str, str],
    model_ids: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    photo_fault: bool = False,
) -> dict[str, TaskRun]:
    """What to record for a photo's tasks that ran: model key, the id on its tags, its error."""
    return {
        task: TaskRun(
            serving[task], model_ids.get(task, serving[task]), errors.get(task), photo_fault
        )
        for task in tasks
    }


def failed_runs(tasks: frozenset[str], serving: Mapping[str, str], message: str, photo_fault: bool):
    """Every due task failed with ``message`` (the photo could not be read or decoded)."""
    errors = dict.fromkeys(tasks, message)
    return task_runs(tasks, serving, {}, errors, photo_fault=photo_fault)


def portrait_tags(faces) -> list[dict]:
    """The portrait scene tag the faces make (``ml.photo_tags``), for a run without the scenes."""
    from imgengine_gui.ml.photo_tags import PortraitRule, portrait_score

    score = portrait_score(list(faces), PortraitRule.calibrated())
    return [] if score is None else [{"label": "portrait", "score": round(score, 4)}]
