"""Reading the catalog: what the CLI prints and the GUI shows."""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from imgengine_gui.catalog import annotations, pairs, personal_tags
from imgengine_gui.catalog.paths import folder_range
from imgengine_gui.catalog.people import name_faces


@dataclass
class PhotoFilter:
    folder: str | None = None
    scenes: tuple[str, ...] = ()  # any of these
    objects: tuple[str, ...] = ()  # any of these
    tags: tuple[str, ...] = ()  # personal tags, any of these
    people: bool | None = None  # True: with people, False: without
    min_faces: int | None = None
    camera: str | None = None  # "Make Model" or make alone
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive
    has_gps: bool | None = None
    has_errors: bool | None = None
    name: str | None = None  # substring of the file path, case-insensitive
    photo_ids: tuple[int, ...] | None = None
    persons: tuple[int, ...] = ()  # with a face of any of these people
    include_missing: bool = False
    min_rating: int | None = None  # at least this many stars (the user's, else the file's)
    flag: str | None = None  # "pick", "reject" or "none" (neither)


# "Canon PowerShot S40", not "Canon Canon PowerShot S40"
CAMERA_SQL = (
    "CASE WHEN m.model LIKE m.make || '%' THEN m.model"
    " ELSE TRIM(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')) END"
)

# what the user set wins over what the file says (as `photos --json` shows them)
RATING_SQL = "COALESCE((SELECT a.rating FROM annotations a WHERE a.photo_id = p.id), m.rating)"
FLAG_SQL = "COALESCE((SELECT a.flag FROM annotations a WHERE a.photo_id = p.id), m.flag)"
_REJECTED = f"({FLAG_SQL} = 'reject' OR {RATING_SQL} = -1)"  # -1 stars: Adobe's "rejected"
FLAG_CLAUSES = {
    "pick": f"{FLAG_SQL} = 'pick'",
    "reject": _REJECTED,
    "none": f"({FLAG_SQL} IS NULL AND COALESCE({RATING_SQL}, 0) <> -1)",
}

_BASE = """
SELECT p.id, p.path, p.size, p.sha256, p.format, p.missing, p.mtime_ns,
       m.width, m.height, m.orientation, m.taken_at, m.taken_at_source, m.make, m.model, m.lens,
       m.iso, m.f_number, m.exposure_time, m.focal_length, m.gps_lat, m.gps_lon, m.gps_alt,
       m.display_width, m.display_height, m.reader, m.sidecar,
       c.phash, c.dhash, c.sharpness, c.exposure, c.thumb_path, c.preview_path,
       s.people, s.faces AS face_count
FROM photos p
LEFT JOIN metadata m ON m.photo_id = p.id
LEFT JOIN content c ON c.photo_id = p.id
LEFT JOIN ml_summary s ON s.photo_id = p.id
"""


def _where(f: PhotoFilter) -> tuple[str, list[Any]]:
    clauses, args = [], []
    if not f.include_missing:
        clauses.append("p.missing = 0")
    if f.folder:
        clauses.append("p.path >= ? AND p.path < ?")
        args += folder_range(f.folder)
    for kind, labels in (("scene", f.scenes), ("object", f.objects)):
        if labels:
            marks = ",".join("?" * len(labels))
            clauses.append(
                "EXISTS (SELECT 1 FROM tags t WHERE t.photo_id = p.id AND t.kind = ?"
                f" AND t.label IN ({marks}))"
            )
            args += [kind, *labels]
    if f.tags:
        clause, tag_args = personal_tags.filter_clause(f.tags)
        clauses.append(clause)
        args += tag_args
    if f.people is True:
        clauses.append("s.people > 0")
    elif f.people is False:
        clauses.append("s.people = 0")
    if f.min_faces is not None:
        clauses.append("s.faces >= ?")
        args.append(f.min_faces)
    if f.camera:
        clauses.append(f"({CAMERA_SQL} = ? OR m.make = ?)")
        args += [f.camera, f.camera]
    if f.date_from:
        clauses.append("substr(m.taken_at, 1, 10) >= ?")
        args.append(f.date_from[:10])
    if f.date_to:
        clauses.append("substr(m.taken_at, 1, 10) <= ?")
        args.append(f.date_to[:10])
    if f.has_gps is not None:
        clauses.append("m.gps_lat IS NOT NULL" if f.has_gps else "m.gps_lat IS NULL")
    if f.has_errors is not None:
        exists = "EXISTS (SELECT 1 FROM phase_status e WHERE e.photo_id = p.id AND e.state = 'error')"
        clauses.append(exists if f.has_errors else "NOT " + exists)
    if f.name:
        clauses.append("p.path LIKE ? ESCAPE '\\'")
        escaped = f.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        args.append(f"%{escaped}%")
    if f.persons:
        clauses.append(
            "EXISTS (SELECT 1 FROM faces pf WHERE pf.photo_id = p.id"
            f" AND pf.person_id IN ({','.join('?' * len(f.persons))}))"
        )
        args += list(f.persons)
    if f.min_rating is not None:
        clauses.append(f"COALESCE({RATING_SQL}, 0) >= ?")
        args.append(f.min_rating)
    if f.flag is not None:
        clauses.append(FLAG_CLAUSES[f.flag])
    if f.photo_ids is not None:
        clauses.append(f"p.id IN ({','.join('?' * len(f.photo_ids)) or 'NULL'})")
        args += list(f.photo_ids)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def filter_clause(f: PhotoFilter) -> tuple[str, list[Any]]:
    """The WHERE clause of a filter, over ``photos p``, ``metadata m`` and ``ml_summary s``."""
    return _where(f)


def photo_ids(conn: sqlite3.Connection, f: PhotoFilter | None = None) -> list[int]:
    where, args = _where(f or PhotoFilter())
    sql = "SELECT p.id FROM photos p LEFT JOIN metadata m ON m.photo_id = p.id"
    sql += " LEFT JOIN ml_summary s ON s.photo_id = p.id" + where
    sql += " ORDER BY COALESCE(m.taken_at, ''), p.path"
    return [row[0] for row in conn.execute(sql, args)]


def _status(conn: sqlite3.Connection, ids: list[int]) -> dict[int, tuple[str | None, list[str]]]:
    out: dict[int, tuple[str | None, list[str]]] = {}
    for chunk in _chunks(ids):
        for pid, phase, state, error, warnings in conn.execute(
            "SELECT photo_id, phase, state, error, warnings FROM phase_status"
            f" WHERE photo_id IN ({','.join('?' * len(chunk))}) ORDER BY photo_id, phase",
            chunk,
        ):
            first_error, all_warnings = out.get(pid, (None, []))
            if state == "error" and first_error is None:
                first_error = f"{phase}: {error}"
            all_warnings = all_warnings + [w for w in json.loads(warnings or "[]")]
            out[pid] = (first_error, all_warnings)
    return out


def _tags(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, list[dict]]]:
    out: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for chunk in _chunks(ids):
        for pid, kind, label, score, box in conn.execute(
            "SELECT photo_id, kind, label, score, box FROM tags"
            f" WHERE photo_id IN ({','.join('?' * len(chunk))}) ORDER BY photo_id, score DESC",
            chunk,
        ):
            item: dict[str, Any] = {"score": round(score, 4)}
            if kind != "face":
                item["label"] = label
            if box is not None:
                item["box"] = json.loads(box)
            out[pid][kind].append(item)
    return out


def _chunks(ids: list[int], size: int = 900):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def list_photos(conn: sqlite3.Connection, f: PhotoFilter | None = None) -> list[dict[str, Any]]:
    """Photos as plain dicts, the shape of `imgengine photos --json`."""
    where, args = _where(f or PhotoFilter())
    rows = conn.execute(_BASE + where + " ORDER BY COALESCE(m.taken_at, ''), p.path", args)
    rows = rows.fetchall()
    ids = [r["id"] for r in rows]
    status, tags = _status(conn, ids), _tags(conn, ids)
    name_faces(conn, tags)
    photos = [_photo_dict(r, status.get(r["id"], (None, [])), tags.get(r["id"], {})) for r in rows]
    notes, paired = annotations.for_photos(conn, ids), pairs.partners(conn, ids)
    personal = personal_tags.photo_tags(conn, ids)
    for photo in photos:
        photo.update(notes[photo["id"]], paired_with=paired.get(photo["id"], []))
        photo["tags"] = personal.get(photo["id"], [])
    return photos


def _photo_dict(r: sqlite3.Row, status, tags) -> dict[str, Any]:
    error, warnings = status
    ml_ran = r["people"] is not None or r["face_count"] is not None or bool(tags)
    return {
        "id": r["id"],
        "path": r["path"],
        "size_bytes": r["size"],
        "format": r["format"],
        "missing": bool(r["missing"]),
        "width": r["width"],
        "height": r["height"],
        "orientation": r["orientation"],
        "display_width": r["display_width"],
        "display_height": r["display_height"],
        "taken_at": r["taken_at"],
        "taken_at_source": r["taken_at_source"],
        "camera_make": r["make"],
        "camera_model": r["model"],
        "lens": r["lens"],
        "iso": r["iso"],
        "f_number": r["f_number"],
        "exposure_time": r["exposure_time"],
        "focal_length": r["focal_length"],
        "gps_lat": r["gps_lat"],
        "gps_lon": r["gps_lon"],
        "gps_alt": r["gps_alt"],
        "metadata_reader": r["reader"],
        "sidecar": r["sidecar"],
        "sha256": r["sha256"],
        "phash": r["phash"],
        "dhash": r["dhash"],
        "sharpness": r["sharpness"],
        "exposure": r["exposure"],
        "thumbnail": r["thumb_path"],
        "preview": r["preview_path"],
        "scenes": tags.get("scene", []) if ml_ran else None,
        "objects": tags.get("object", []) if ml_ran else None,
        "faces": tags.get("face", []) if ml_ran else None,
        "people": r["people"],
        "error": error,
        "warnings": warnings,
    }


def tag_counts(conn: sqlite3.Connection, kind: str, folder: str | None = None) -> list[tuple[str, int]]:
    where, args = _where(PhotoFilter(folder=folder))
    sql = (
        "SELECT t.label, COUNT(DISTINCT t.photo_id) FROM tags t JOIN photos p ON p.id = t.photo_id"
        + where
        + (" AND" if where else " WHERE")
        + " t.kind = ? GROUP BY t.label ORDER BY 2 DESC, 1"
    )
    return [(label, count) for label, count in conn.execute(sql, [*args, kind])]


def camera_counts(conn: sqlite3.Connection, folder: str | None = None) -> list[tuple[str, int]]:
    where, args = _where(PhotoFilter(folder=folder))
    sql = (
        f"SELECT {CAMERA_SQL} AS cam, COUNT(*)"
        " FROM metadata m JOIN photos p ON p.id = m.photo_id"
        + where
        + (" AND" if where else " WHERE")
        + " (m.make IS NOT NULL OR m.model IS NOT NULL) GROUP BY cam ORDER BY 2 DESC"
    )
    return [(cam, n) for cam, n in conn.execute(sql, args)]


def grid_rows(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a thumbnail cell shows, for many photos at once: path, thumbnail, first error,
    displayed size, rating and flag."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(ids):
        for pid, path, thumb, error, width, height, rating, flag in conn.execute(
            "SELECT p.id, p.path, c.thumb_path, (SELECT e.phase || ': ' || e.error FROM"
            " phase_status e WHERE e.photo_id = p.id AND e.state = 'error' LIMIT 1),"
            f" m.display_width, m.display_height, {RATING_SQL}, {FLAG_SQL}"
            " FROM photos p LEFT JOIN content c ON c.photo_id = p.id"
            " LEFT JOIN metadata m ON m.photo_id = p.id"
            f" WHERE p.id IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            out[pid] = {"id": pid, "path": path, "thumbnail": thumb, "error": error,
                        "display_width": width, "display_height": height,
                        "rating": rating, "flag": flag}  # fmt: skip
    return out


def folders(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    out = []
    for fid, path, last_scan in conn.execute("SELECT id, path, last_scan FROM folders ORDER BY path"):
        count = conn.execute(
            "SELECT COUNT(*) FROM photos WHERE folder_id = ? AND missing = 0", (fid,)
        ).fetchone()[0]
        out.append({"id": fid, "path": path, "last_scan": last_scan, "photos": count})
    return out


def clusters(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Duplicate clusters with their files, the shape of `duplicates --export`."""
    out: dict[int, dict[str, Any]] = {}
    for r in conn.execute(
        "SELECT cl.id, cl.kind, cm.photo_id, cm.keep, cm.reason, p.path, p.size, p.format,"
        " m.width, m.height, m.taken_at, c.thumb_path, m.display_width, m.display_height"
        " FROM clusters cl"
        " JOIN cluster_members cm ON cm.cluster_id = cl.id JOIN photos p ON p.id = cm.photo_id"
        " LEFT JOIN metadata m ON m.photo_id = p.id LEFT JOIN content c ON c.photo_id = p.id"
        " WHERE p.missing = 0 ORDER BY cl.id, cm.keep DESC, p.path"
    ):
        cluster = out.setdefault(r["id"], {"id": r["id"], "kind": r["kind"], "files": []})
        cluster["files"].append(
            {
                "photo_id": r["photo_id"],
                "path": r["path"],
                "keep": bool(r["keep"]),
                "width": r["width"],
                "height": r["height"],
                "display_width": r["display_width"],
                "display_height": r["display_height"],
                "size_bytes": r["size"],
                "format": r["format"],
                "taken_at": r["taken_at"],
                "thumbnail": r["thumb_path"],
                "reason": r["reason"] or "",
            }
        )
    return [c for c in out.values() if len(c["files"]) > 1]


def photo_by_path(conn: sqlite3.Connection, path: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM photos WHERE path = ?", (path,)).fetchone()


# stored errors of files that hold no image at all (analysis/formats.py describe_unknown)
NOT_AN_IMAGE = "(s.error LIKE 'not an image%' OR s.error LIKE 'empty file%')"


def counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Present photos (files found not to be images are counted apart, as ``not_images``)."""
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    not_images = one(
        "SELECT COUNT(DISTINCT s.photo_id) FROM phase_status s JOIN photos p ON p.id = s.photo_id"
        f" WHERE s.state = 'error' AND p.missing = 0 AND {NOT_AN_IMAGE}"
    )
    return {
        "photos": one("SELECT COUNT(*) FROM photos WHERE missing = 0") - not_images,
        "not_images": not_images,
        "missing": one("SELECT COUNT(*) FROM photos WHERE missing = 1"),
        "errors": one(
            "SELECT COUNT(DISTINCT s.photo_id) FROM phase_status s JOIN photos p"
            " ON p.id = s.photo_id WHERE s.state = 'error' AND p.missing = 0"
        ),
        # groups that still have two files present, as `clusters()` lists them
        "clusters": one(
            "SELECT COUNT(*) FROM (SELECT cm.cluster_id FROM cluster_members cm JOIN photos p"
            " ON p.id = cm.photo_id WHERE p.missing = 0 GROUP BY cm.cluster_id"
            " HAVING COUNT(*) > 1)"
        ),
    }


def paths_of(conn: sqlite3.Connection, photo_ids: list[int]) -> dict[int, str]:
    """photo id -> path, for these photos."""
    found: dict[int, str] = {}
    for chunk in _chunks(photo_ids):
        found.update(
            conn.execute(
                f"SELECT id, path FROM photos WHERE id IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
        )
    return found


def subject_boxes(conn: sqlite3.Connection, path: str) -> tuple[list[list[float]], list[list[float]]]:
    """(person boxes, face boxes) the ML phase stored for the photo at ``path`` (normalised)."""
    people: list[list[float]] = []
    faces: list[list[float]] = []
    for kind, box in conn.execute(
        "SELECT t.kind, t.box FROM tags t JOIN photos p ON p.id = t.photo_id WHERE p.path = ?"
        " AND t.box IS NOT NULL AND (t.kind = 'face' OR (t.kind = 'object' AND t.label = 'person'))",
        (path,),
    ):
        (people if kind == "object" else faces).append(json.loads(box))
    return people, faces


def data_version(conn: sqlite3.Connection) -> int:
    """Changes whenever another connection commits to the catalog."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def wait_when_busy(conn: sqlite3.Connection, milliseconds: int) -> None:
    """How long this connection's reads wait for a writer before failing as busy."""
    conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
