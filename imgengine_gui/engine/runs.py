"""Whether the last analysis of a catalog was interrupted, and what resuming it means."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from imgengine_gui.catalog import runs
from imgengine_gui.catalog.errors import CatalogError
from imgengine_gui.catalog.lock import AnalysisLock


@dataclass(frozen=True)
class InterruptedRun:
    run_id: int
    folder: str
    phases: tuple[str, ...]
    cancelled: bool  # stopped by the user (else killed or crashed)
    planned: int | None
    analyzed: int | None


def _lock_is_free(catalog: Path) -> bool:
    """No process is analyzing this catalog now (a run in progress is not interrupted)."""
    try:
        with AnalysisLock(catalog):
            return True
    except CatalogError:
        return False


def interrupted_run(catalog: Path) -> InterruptedRun | None:
    """The last run when it did not finish (cancelled, or still marked running with the lock
    free) and its folder is still there; None otherwise."""
    last = runs.last_run_of(catalog)
    if last is None or last["status"] not in (runs.RUNNING, runs.CANCELLED):
        return None
    if not os.path.isdir(last["folder"]):
        return None
    if last["status"] == runs.RUNNING and not _lock_is_free(catalog):
        return None
    return InterruptedRun(last["id"], last["folder"], last["phases"],
                          last["status"] == runs.CANCELLED, last["planned"], last["analyzed"])


def dismiss(catalog: Path, run_id: int) -> None:
    runs.dismiss_run_of(catalog, run_id)
