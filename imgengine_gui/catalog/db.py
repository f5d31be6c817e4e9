"""Opening the catalog: WAL, foreign keys, migrations. Every thread opens its own connection."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from imgengine_gui.catalog.schema import migrate


class CatalogError(RuntimeError):
    pass


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    path = Path(path)
    if readonly:
        if not path.exists():
            raise CatalogError(f"no catalog at {path}: run `imgengine analyze FOLDER` first")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise CatalogError(f"{path} is not a usable Image Engine catalog: {exc}") from exc
    return conn
