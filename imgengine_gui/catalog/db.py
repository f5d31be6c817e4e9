"""Opening the catalog: checks first, then WAL, foreign keys, migrations.

Nothing is changed in a file before it is known to be ours: a folder, a file that is not SQLite,
another application's SQLite file (``PRAGMA application_id``) or a catalog of a newer Image
Engine is refused with a one-line ``CatalogError`` before any WAL switch or migration. A
writable connection also needs the file and its folder to be writable (WAL adds files next to
it). Every thread opens its own connection.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from imgengine_gui.catalog.errors import (
    CatalogError,
    CatalogMissing,
    CatalogNotWritable,
    CatalogTooNew,
    CatalogUnusable,
    write_failure,
)
from imgengine_gui.catalog.schema import APPLICATION_ID, SCHEMA_VERSION, migrate, too_new_message

__all__ = [
    "CatalogError",
    "CatalogMissing",
    "CatalogNotWritable",
    "CatalogTooNew",
    "CatalogUnusable",
    "check_catalog",
    "connect",
    "immediate",
]

BUSY_TIMEOUT_MS = 30_000
OUR_TABLES = frozenset({"folders", "photos", "phase_status", "clusters", "actions"})


def connect(
    path: Path, *, readonly: bool = False, allow_newer: bool | None = None
) -> sqlite3.Connection:
    """A connection to the catalog at ``path``; a new file becomes an empty catalog.

    Read-only connections accept a catalog of a newer Image Engine unless ``allow_newer`` is
    False (reading it cannot harm it); writable ones never do.
    """
    path = Path(path)
    if path.is_dir():
        raise CatalogUnusable(
            f"{path} is a folder, not a catalog file: pass a file name, e.g. "
            f"--catalog {path / 'catalog.sqlite'}"
        )
    if readonly:
        if not path.exists():
            raise CatalogMissing(f"no catalog at {path}: run `imgengine analyze FOLDER` first")
        target, uri = path.resolve().as_uri() + "?mode=ro", True
    else:
        _check_writable(path)
        target, uri = os.fspath(path), False
    try:
        conn = sqlite3.connect(target, uri=uri, check_same_thread=False, timeout=30)
        if readonly:
            conn = _readable(conn, path, target)
    except sqlite3.Error as exc:
        raise (write_failure(path, exc) if not readonly else None) or CatalogUnusable(
            f"cannot open the catalog {path} ({exc})"
        ) from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        _identify(conn, path, allow_newer=readonly if allow_newer is None else allow_newer)
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn, path)
        elif conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            conn = _migrated_snapshot(conn, path)
    except CatalogError:
        conn.close()
        raise
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise (write_failure(path, exc) if not readonly else None) or CatalogUnusable(
            f"{path} is not an Image Engine catalog ({exc}): choose another file with --catalog"
        ) from exc
    return conn


def _readable(conn: sqlite3.Connection, path: Path, target: str) -> sqlite3.Connection:
    """A WAL catalog on read-only media cannot get its shared-memory file: read it as immutable
    (nothing can change it there anyway)."""
    try:
        conn.execute("PRAGMA application_id").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        if "unable to open" not in str(exc) or os.access(path.parent, os.W_OK):
            raise
    conn.close()
    return sqlite3.connect(target + "&immutable=1", uri=True, check_same_thread=False)


def _migrated_snapshot(conn: sqlite3.Connection, path: Path) -> sqlite3.Connection:
    """An older catalog that may not be changed is read through an in-memory copy brought to
    the current schema, so every query sees the columns it expects; the file is untouched."""
    snapshot = sqlite3.connect(":memory:", check_same_thread=False)
    conn.backup(snapshot)
    conn.close()
    snapshot.row_factory = sqlite3.Row
    snapshot.execute("PRAGMA foreign_keys = ON")
    migrate(snapshot, path)
    return snapshot


def check_catalog(path: Path) -> CatalogError | None:
    """Why the catalog at ``path`` cannot be written (None: it can, or it does not exist yet).

    Changes nothing: the GUI asks this before opening a catalog, and opens it read-only (with
    a warning) for a ``CatalogTooNew`` or ``CatalogNotWritable`` answer.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    try:
        connect(path, readonly=True, allow_newer=False).close()
        _check_writable(path)
    except CatalogError as problem:
        return problem
    return None


@contextlib.contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock up front (waiting up to the busy timeout),
    so a read-then-write never fails half-way on another process's commit."""
    if conn.in_transaction:
        conn.commit()
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        raise write_failure(_name(conn), exc) or exc from exc
    try:
        yield conn
        conn.commit()
    except BaseException as exc:
        with contextlib.suppress(sqlite3.Error):
            conn.rollback()
        if isinstance(exc, sqlite3.OperationalError):
            raise write_failure(_name(conn), exc) or exc from exc
        raise


def _name(conn: sqlite3.Connection) -> str:
    row = conn.execute("PRAGMA database_list").fetchone()
    return row[2] if row is not None and row[2] else "the catalog"


def _identify(conn: sqlite3.Connection, path: Path, *, allow_newer: bool) -> None:
    """Refuse a file that is not ours (or too new) before anything is written to it."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app_id not in (0, APPLICATION_ID):
        raise CatalogUnusable(
            f"{path} is another application's database (SQLite application id {app_id:#x}), "
            "not an Image Engine catalog: choose another file with --catalog"
        )
    if app_id == 0 and tables and not (version >= 1 and tables >= OUR_TABLES):
        raise CatalogUnusable(
            f"{path} is an SQLite database of another application, not an Image Engine "
            "catalog: choose another file with --catalog"
        )
    if version > SCHEMA_VERSION and not allow_newer:
        raise CatalogTooNew(too_new_message(path, version))


def _check_writable(path: Path) -> None:
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CatalogNotWritable(
            f"cannot create the catalog's folder {folder}: {exc.strerror or exc}"
        ) from exc
    for place in ([path] if path.exists() else []) + [folder]:
        if not os.access(place, os.W_OK):
            reason = "on a read-only file system" if _read_only_fs(place) else "not writable"
            raise CatalogNotWritable(
                f"cannot write the catalog {path}: {place} is {reason}; make it writable, "
                "or choose another catalog with --catalog"
            )


def _read_only_fs(place: Path) -> bool:
    try:
        return bool(os.statvfs(place).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False
