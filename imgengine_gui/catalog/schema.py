"""Catalog schema and its migrations, versioned with PRAGMA user_version."""

from __future__ import annotations

import sqlite3

MIGRATIONS: list[str] = [
    # 1: identity, metadata, per-phase status, content, ML results, duplicates, actions journal
    """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        added_at REAL NOT NULL,
        last_scan REAL
    );
    CREATE TABLE photos (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER REFERENCES folders(id),
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        dev INTEGER,
        ino INTEGER,
        sha256 TEXT,
        format TEXT,
        missing INTEGER NOT NULL DEFAULT 0,
        first_seen REAL NOT NULL,
        last_seen REAL NOT NULL
    );
    CREATE INDEX photos_folder ON photos(folder_id);
    CREATE INDEX photos_sha256 ON photos(sha256);
    CREATE TABLE metadata (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        width INTEGER, height INTEGER, orientation INTEGER,
        taken_at TEXT, taken_at_source TEXT,
        make TEXT, model TEXT, lens TEXT,
        iso INTEGER, f_number REAL, exposure_time REAL, focal_length REAL,
        gps_lat REAL, gps_lon REAL, gps_alt REAL,
        frames INTEGER
    );
    CREATE TABLE phase_status (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        phase TEXT NOT NULL,
        state TEXT NOT NULL,
        error TEXT,
        warnings TEXT NOT NULL DEFAULT '[]',
        analyzer_version TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (photo_id, phase)
    );
    CREATE TABLE content (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        phash TEXT, dhash TEXT, sharpness REAL, exposure REAL,
        thumb_path TEXT, preview_path TEXT,
        decoded_width INTEGER, decoded_height INTEGER,
        signature BLOB
    );
    CREATE TABLE tags (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        label TEXT NOT NULL,
        score REAL NOT NULL,
        box TEXT,
        model_id TEXT NOT NULL
    );
    CREATE INDEX tags_photo ON tags(photo_id);
    CREATE INDEX tags_kind_label ON tags(kind, label);
    CREATE TABLE ml_summary (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        people INTEGER,
        faces INTEGER,
        models TEXT
    );
    CREATE TABLE embeddings (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        dim INTEGER NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (photo_id, model_id)
    );
    CREATE TABLE clusters (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE TABLE cluster_members (
        cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        keep INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        user_override INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (cluster_id, photo_id)
    );
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at REAL NOT NULL,
        undone_at REAL
    );
    CREATE TABLE action_items (
        action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        photo_id INTEGER,
        original_path TEXT NOT NULL,
        trashed_path TEXT,
        state TEXT NOT NULL
    );
    """,
    # people: faces with descriptors, persons, users' rejections, an undo journal for people edits
    """
    CREATE TABLE persons (
        id INTEGER PRIMARY KEY AUTOINCREMENT,  -- ids are never reused: they name people
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
    CREATE TABLE faces (
        id INTEGER PRIMARY KEY,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        box TEXT NOT NULL,
        score REAL NOT NULL,
        size_px REAL,
        sharpness REAL,
        quality REAL,
        descriptor BLOB,
        person_id INTEGER REFERENCES persons(id) ON DELETE SET NULL,
        pinned INTEGER NOT NULL DEFAULT 0,
        clustered INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX faces_photo ON faces(photo_id);
    CREATE INDEX faces_person ON faces(person_id);
    CREATE TABLE face_rejections (
        face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        PRIMARY KEY (face_id, person_id)
    );
    CREATE TABLE people_journal (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at REAL NOT NULL,
        before TEXT NOT NULL,
        undone_at REAL
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


class CatalogTooNew(RuntimeError):
    pass


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CatalogTooNew(
            f"catalog schema v{version} is newer than this Image Engine (v{SCHEMA_VERSION}); "
            "update the app"
        )
    for number in range(version, SCHEMA_VERSION):
        with conn:
            conn.executescript("BEGIN;" + MIGRATIONS[number] + f"PRAGMA user_version = {number + 1};")
