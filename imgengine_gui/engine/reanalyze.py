"""Re-analysis: redo chosen phases for every analyzed photo or a selection, and the photos a
changed model made due ("Re-analyze N photos with the new models").

``reanalyze`` runs the ordinary analysis (``engine.pipeline``) on each analyzed folder that holds
the photos, with the chosen phases marked due first, so progress, cancel and the summary are the
same as for any run.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from imgengine_gui.catalog.db import connect
from imgengine_gui.catalog.ml_tasks import due_ml_tasks
from imgengine_gui.catalog.redo import ALL_TASKS, VERSIONED, analyzed_folders, redo_choices
from imgengine_gui.engine.pipeline import AnalyzeRequest, ProgressCallback, analyze_folder
from imgengine_gui.engine.progress import RunSummary
from imgengine_gui.settings import PHASES, Settings

REDO_CHOICES = redo_choices()


def phases_for(redo: Iterable[str]) -> tuple[str, ...]:
    """The pipeline phases a run needs to redo ``redo``."""
    redo = set(redo)
    wanted = {p for p in VERSIONED if p in redo}
    if redo - set(VERSIONED):
        wanted.add("ml")
    return tuple(p for p in PHASES if p in wanted)


def roots_for(catalog: Path, paths: Sequence[Path] | None) -> dict[str, tuple[str, ...] | None]:
    """Analyzed folder -> the paths in it to redo (None: all of it); nested folders count once."""
    conn = connect(catalog)
    try:
        folders = analyzed_folders(conn)
    finally:
        conn.close()
    roots = [f for f in folders if not any(_inside(f, other) for other in folders if other != f)]
    if paths is None:
        return dict.fromkeys(roots)
    chosen: dict[str, tuple[str, ...] | None] = {}
    for root in roots:
        inside = tuple(os.fspath(p) for p in paths if _inside(os.fspath(p), root))
        if inside:
            chosen[root] = inside
    return chosen


def reanalyze(
    catalog: Path,
    settings: Settings,
    redo: Iterable[str],
    paths: Sequence[Path] | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> RunSummary:
    """Redo ``redo`` for ``paths`` (every analyzed photo when None); one summary for all folders.

    An empty ``redo`` runs what is due anyway (a changed model's tasks)."""
    redo = tuple(redo)
    cancel = cancel or threading.Event()
    phases = phases_for(redo) if redo else PHASES
    total: RunSummary | None = None
    for root, only in roots_for(catalog, paths).items():
        if cancel.is_set() or not os.path.isdir(root):
            continue
        request = AnalyzeRequest(Path(root), catalog, settings, phases, redo=redo, only=only)
        summary = analyze_folder(request, on_progress=on_progress, cancel=cancel)
        total = summary if total is None else _merged(total, summary)
    return total or RunSummary(folder="")


def photos_due_for_models(catalog: Path, settings: Settings) -> int:
    """Photos whose ML results came from another model than the one serving each task now (a
    task no model serves any more counts where it left results)."""
    from imgengine_gui.ml.model_versions import serving_keys
    from imgengine_gui.ml.registry import choose_analyzers

    serving = serving_keys(choose_analyzers(settings)[0])
    conn = connect(catalog)
    try:
        due = set()
        for root in roots_for(catalog, None):
            due.update(item.photo_id for item in due_ml_tasks(conn, root, serving))
    finally:
        conn.close()
    return len(due)


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)


def _merged(a: RunSummary, b: RunSummary) -> RunSummary:
    counts = ("new", "changed", "unchanged", "moved", "missing", "analyzed", "failed", "planned")
    merged = replace(a, **{name: getattr(a, name) + getattr(b, name) for name in counts})
    merged.elapsed_s = a.elapsed_s + b.elapsed_s
    merged.cancelled = a.cancelled or b.cancelled
    merged.problems = a.problems + b.problems
    merged.notes = a.notes + [n for n in b.notes if n not in a.notes]
    merged.clusters = b.clusters
    merged.failure = a.failure or b.failure
    merged.write_failures = a.write_failures + b.write_failures
    return merged


__all__ = ["ALL_TASKS", "REDO_CHOICES", "phases_for", "photos_due_for_models", "reanalyze"]
