"""Analysis runs as the catalog records them: started, then ended as done or cancelled.

A run whose row still says "running" while no process holds the analysis lock was interrupted
(killed, crashed, the machine went down); the engine offers to resume it.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from imgengine_gui.catalog.db import CatalogError, connect

RUNNING, DONE, CANCELLED, DISMISSED = "running", "done", "cancelled", "dismissed"


def start_run(conn: sqlite3.Connection, folder: str, phases: tuple[str, ...]) -> int:
    cursor = conn.execute(
        "INSERT INTO analysis_runs(folder, phases, started_at, status) VALUES (?, ?, ?, ?)",
        (folder, ",".join(phases), time.time(), RUNNING),
    )
    return int(cursor.lastrowid)


def end_run(conn: sqlite3.Connection, run_id: int, status: str, planned: int,
            analyzed: int) -> None:
    conn.execute(
        "UPDATE analysis_runs SET status = ?, ended_at = ?, planned = ?, analyzed = ?"
        " WHERE id = ?",
        (status, time.time(), planned, analyzed, run_id),
    )


def set_planned(conn: sqlite3.Connection, run_id: int, planned: int) -> None:
    conn.execute("UPDATE analysis_runs SET planned = ? WHERE id = ?", (planned, run_id))


def last_run(conn: sqlite3.Connection) -> dict[str, Any] | None:
    """The most recent run: id, folder, phases (tuple), started_at, status, planned, analyzed."""
    row = conn.execute(
        "SELECT id, folder, phases, started_at, status, planned, analyzed FROM analysis_runs"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    run = dict(zip(("id", "folder", "phases", "started_at", "status", "planned", "analyzed"),
                   tuple(row), strict=True))
    run["phases"] = tuple(p for p in run["phases"].split(",") if p)
    return run


def dismiss_run(conn: sqlite3.Connection, run_id: int) -> None:
    """The user chose not to resume: the run is not offered again."""
    conn.execute(
        "UPDATE analysis_runs SET status = ? WHERE id = ? AND status IN (?, ?)",
        (DISMISSED, run_id, RUNNING, CANCELLED),
    )


def last_run_of(catalog: Path) -> dict[str, Any] | None:
    """``last_run`` of the catalog file (None: no catalog, or one from before runs were kept)."""
    if not Path(catalog).exists():
        return None
    try:
        conn = connect(catalog, readonly=True)
    except (CatalogError, sqlite3.Error):
        return None
    try:
        return last_run(conn)
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def dismiss_run_of(catalog: Path, run_id: int) -> None:
    conn = connect(catalog)
    try:
        with conn:
            dismiss_run(conn, run_id)
    finally:
        conn.close()
