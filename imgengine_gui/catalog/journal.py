"""The trash journal: an action per "move to trash", an item per file.

An item is written, committed, as ``pending`` before its file moves, and becomes ``trashed``
(with where the file went) after; ``restored`` once undone. A ``pending`` item therefore means
"this file may have moved": the reconcile pass (engine/trash.py) settles it. Each function
commits its own ``BEGIN IMMEDIATE`` transaction, so it never fails half-way on another process's
write, and a failure to write is raised before anything else happens.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from imgengine_gui.catalog.db import immediate


@dataclass(frozen=True, slots=True)
class JournalItem:
    item_id: int  # the action_items rowid
    action_id: int
    photo_id: int | None
    original_path: str
    trashed_path: str | None


_ITEM = "SELECT rowid, action_id, photo_id, original_path, trashed_path FROM action_items"


def start_trash_action(conn: sqlite3.Connection) -> int:
    """A new, empty trash action (its commit proves the catalog is writable)."""
    with immediate(conn):
        return conn.execute(
            "INSERT INTO actions(kind, created_at) VALUES ('trash', ?)", (time.time(),)
        ).lastrowid


def record_intent(
    conn: sqlite3.Connection, action_id: int, photo_id: int | None, path: str
) -> int | None:
    """Commit "about to move ``path``"; None (nothing written) when the photo is a kept copy of
    a duplicate cluster: kept copies are never moved."""
    with immediate(conn):
        if photo_id is not None and conn.execute(
            "SELECT 1 FROM cluster_members WHERE photo_id = ? AND keep = 1", (photo_id,)
        ).fetchone():
            return None
        return conn.execute(
            "INSERT INTO action_items(action_id, photo_id, original_path, state)"
            " VALUES (?, ?, ?, 'pending')",
            (action_id, photo_id, path),
        ).lastrowid


def mark_trashed(conn: sqlite3.Connection, item: JournalItem, trashed_path: str | None) -> None:
    """The file has moved: the item becomes undoable and the photo is missing from the library.

    Should a concurrent reconcile pass have dropped the intent meanwhile, the item is written
    again: a moved file is never left out of the journal.
    """
    with immediate(conn):
        updated = conn.execute(
            "UPDATE action_items SET state = 'trashed', trashed_path = COALESCE(?, trashed_path)"
            " WHERE rowid = ? AND state IN ('pending', 'trashed')",
            (trashed_path, item.item_id),
        ).rowcount
        if not updated:
            conn.execute(
                "INSERT INTO action_items(action_id, photo_id, original_path, trashed_path, state)"
                " VALUES (?, ?, ?, ?, 'trashed')",
                (item.action_id, item.photo_id, item.original_path, trashed_path),
            )
        if item.photo_id is not None:
            conn.execute("UPDATE photos SET missing = 1 WHERE id = ?", (item.photo_id,))


def drop_intent(conn: sqlite3.Connection, item_id: int) -> None:
    """The file did not move: forget the intent."""
    with immediate(conn):
        conn.execute("DELETE FROM action_items WHERE rowid = ? AND state = 'pending'", (item_id,))


def forget_if_empty(conn: sqlite3.Connection, action_id: int) -> None:
    """Drop an action none of whose files moved (there is nothing to undo in it)."""
    with immediate(conn):
        conn.execute(
            "DELETE FROM actions WHERE id = ? AND NOT EXISTS"
            " (SELECT 1 FROM action_items WHERE action_id = ?)",
            (action_id, action_id),
        )


def pending_items(conn: sqlite3.Connection) -> list[JournalItem]:
    return [JournalItem(*r) for r in conn.execute(_ITEM + " WHERE state = 'pending' ORDER BY rowid")]


def last_undoable_action(conn: sqlite3.Connection) -> int | None:
    """The most recent trash action with files still in the trash (or journaled as moving):
    what an undo restores. The one definition of "undoable" (the Undo button, `duplicates
    --undo`)."""
    row = conn.execute(
        "SELECT id FROM actions WHERE kind = 'trash' AND undone_at IS NULL AND EXISTS"
        " (SELECT 1 FROM action_items i WHERE i.action_id = actions.id"
        " AND i.state IN ('trashed', 'pending')) ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return row[0] if row is not None else None


def has_undoable_action(conn: sqlite3.Connection) -> bool:
    return last_undoable_action(conn) is not None


def trashed_items(conn: sqlite3.Connection, action_id: int) -> list[JournalItem]:
    return [
        JournalItem(*r)
        for r in conn.execute(
            _ITEM + " WHERE action_id = ? AND state = 'trashed' ORDER BY rowid", (action_id,)
        )
    ]


def mark_restored(conn: sqlite3.Connection, item: JournalItem) -> None:
    with immediate(conn):
        conn.execute("UPDATE action_items SET state = 'restored' WHERE rowid = ?", (item.item_id,))
        if item.photo_id is not None:
            conn.execute("UPDATE photos SET missing = 0 WHERE id = ?", (item.photo_id,))


def mark_undone(conn: sqlite3.Connection, action_id: int) -> None:
    with immediate(conn):
        conn.execute("UPDATE actions SET undone_at = ? WHERE id = ?", (time.time(), action_id))
