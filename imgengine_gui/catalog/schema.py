"""Catalog schema and its migrations, versioned with PRAGMA user_version."""

from __future__ import annotations

import sqlite3

from imgengine_gui.catalog.errors import CatalogTooNew

APPLICATION_ID = 0x494D4745  # "IMGE" in the SQLite header: this file is an Image Engine catalog

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
    # per ML task: the model that produced a photo's results (catalog/ml_tasks.py); rows for
    # catalogs analyzed before come from ml_summary.models (result key -> model id)
    """
    CREATE TABLE ml_tasks (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        task TEXT NOT NULL,
        model TEXT NOT NULL,
        state TEXT NOT NULL,
        error TEXT,
        updated_at REAL NOT NULL,
        PRIMARY KEY (photo_id, task)
    );
    CREATE INDEX ml_tasks_task_model ON ml_tasks(task, model);
    INSERT INTO ml_tasks(photo_id, task, model, state, error, updated_at)
    SELECT s.photo_id, t.task,
           COALESCE('1:' || json_extract(s.models, '$.' || t.task), 'none'), 'done', NULL,
           COALESCE(st.updated_at, 0)
    FROM ml_summary s
    JOIN (SELECT 'scenes' AS task UNION ALL SELECT 'objects' UNION ALL SELECT 'faces') t
    LEFT JOIN phase_status st ON st.photo_id = s.photo_id AND st.phase = 'ml'
    WHERE json_valid(s.models);
    """,
    # personal tags: taught from example photos (or typed: no learning), their classifier, the
    # photos that carry them (examples included, score 1)
    """
    CREATE TABLE personal_tags (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        learns INTEGER NOT NULL DEFAULT 1,
        model_id TEXT,
        weights BLOB,
        center BLOB,
        threshold REAL,
        scale REAL,
        created_at REAL NOT NULL,
        trained_at REAL
    );
    CREATE TABLE personal_tag_examples (
        tag_id INTEGER NOT NULL REFERENCES personal_tags(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        positive INTEGER NOT NULL,
        decided_at REAL NOT NULL,
        PRIMARY KEY (tag_id, photo_id)
    );
    CREATE TABLE personal_tag_photos (
        tag_id INTEGER NOT NULL REFERENCES personal_tags(id) ON DELETE CASCADE,
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        score REAL NOT NULL,
        example INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tag_id, photo_id)
    );
    CREATE INDEX personal_tag_photos_photo ON personal_tag_photos(photo_id);
    """,
    # metadata from exiv2: displayed size, reader, XMP sidecar, ratings/labels/keywords/regions
    # (read from files, or set by the user), RAW+JPEG pairs. Rows of the old reader keep their
    # values (display size derived here) until the metadata phase, whose version moved, re-reads
    # them: only that phase re-runs.
    """
    ALTER TABLE metadata ADD COLUMN display_width INTEGER;
    ALTER TABLE metadata ADD COLUMN display_height INTEGER;
    ALTER TABLE metadata ADD COLUMN reader TEXT;
    ALTER TABLE metadata ADD COLUMN sidecar TEXT;
    ALTER TABLE metadata ADD COLUMN rating INTEGER;
    ALTER TABLE metadata ADD COLUMN flag TEXT;
    ALTER TABLE metadata ADD COLUMN label TEXT;
    UPDATE metadata SET
        display_width = CASE WHEN orientation >= 5 THEN height ELSE width END,
        display_height = CASE WHEN orientation >= 5 THEN width ELSE height END;
    CREATE TABLE annotations (
        photo_id INTEGER PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        rating INTEGER,
        flag TEXT,
        label TEXT,
        updated_at REAL NOT NULL
    );
    CREATE TABLE photo_keywords (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        keyword TEXT NOT NULL,
        source TEXT NOT NULL,
        PRIMARY KEY (photo_id, keyword, source)
    );
    CREATE INDEX photo_keywords_keyword ON photo_keywords(keyword);
    CREATE TABLE photo_regions (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        name TEXT,
        kind TEXT,
        x0 REAL, y0 REAL, x1 REAL, y1 REAL,
        source TEXT NOT NULL
    );
    CREATE INDEX photo_regions_photo ON photo_regions(photo_id);
    CREATE TABLE photo_pairs (
        photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        partner_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        PRIMARY KEY (photo_id, partner_id)
    );
    """,
    # safety: the application id marks our catalogs; an error's class decides whether a rerun
    # retries it; a photo sits in one duplicate cluster at most (overlapping clusters of older
    # catalogs are dropped and found again, merged, by the next analysis); the compressed image
    # data's size and estimated quality rank copies (file size only breaks ties)
    f"""
    PRAGMA application_id = {APPLICATION_ID};
    ALTER TABLE phase_status ADD COLUMN error_class TEXT;
    DELETE FROM cluster_members WHERE cluster_id IN (
        SELECT cluster_id FROM cluster_members WHERE photo_id IN (
            SELECT photo_id FROM cluster_members GROUP BY photo_id HAVING COUNT(*) > 1));
    DELETE FROM clusters WHERE id NOT IN (SELECT cluster_id FROM cluster_members);
    CREATE UNIQUE INDEX cluster_members_one_cluster ON cluster_members(photo_id);
    ALTER TABLE content ADD COLUMN quality REAL;
    ALTER TABLE content ADD COLUMN image_bytes INTEGER;
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
    # personal tags score by the nearest example: "weights" keeps the examples' vectors and
    # "rejected" the "not this" photos'; classifiers of the earlier kind retrain at next use
    """
    ALTER TABLE personal_tags ADD COLUMN rejected BLOB;
    UPDATE personal_tags SET weights = NULL;
    """,
    # analysis runs: a run still "running" when no process holds the lock was interrupted
    """
    CREATE TABLE analysis_runs (
        id INTEGER PRIMARY KEY,
        folder TEXT NOT NULL,
        phases TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        status TEXT NOT NULL,
        planned INTEGER,
        analyzed INTEGER
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection, path: object = "the catalog") -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise CatalogTooNew(too_new_message(path, version))
    for number in range(version, SCHEMA_VERSION):
        with conn:
            conn.executescript("BEGIN;" + MIGRATIONS[number] + f"PRAGMA user_version = {number + 1};")


def too_new_message(path: object, version: int) -> str:
    return (
        f"the catalog {path} has schema v{version}, newer than this Image Engine "
        f"(v{SCHEMA_VERSION}): update Image Engine, or choose another catalog with --catalog"
    )
