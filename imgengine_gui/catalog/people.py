"""People in the catalog: faces with descriptors, persons, rejections, the people-edit journal.

Nothing here commits: the caller's transaction (the catalog writer, or the CLI) does. Person ids
are the ``persons`` rows' ids; front ends show them as strings.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from imgengine_gui.catalog.paths import folder_range

PEOPLE_PHASE = "people"  # phase_status row: this photo's faces were described at this version
_IOU_SAME_FACE = 0.5  # a re-analysed face keeps the user's decisions when its box overlaps this much


def box_text(box: Sequence[float]) -> str:
    """A face box as the catalog stores it (the same text as its face tag)."""
    return json.dumps([round(float(v), 5) for v in box])


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _chunks(values: Sequence[Any], size: int = 900) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- faces from the ML phase ----------------------------------------------------------------------


def store_faces(conn: sqlite3.Connection, photo_id: int, result: Mapping[str, Any]) -> None:
    """Replace a photo's faces from an ML result; faces that overlap an old one keep its row (and
    with it the user's pin and rejections). Stamps the people phase when identity was computed."""
    faces = result.get("faces")
    if faces is None:
        return
    identity = result.get("identity")
    old = conn.execute(
        "SELECT id, box, person_id, pinned FROM faces WHERE photo_id = ?", (photo_id,)
    ).fetchall()
    matched = _match_old(old, [face["box"] for face in faces])
    for face, old_row in zip(faces, matched, strict=True):
        values = _face_values(face)
        if old_row is None:
            conn.execute(
                "INSERT INTO faces(photo_id, box, score, size_px, sharpness, quality, descriptor)"
                " VALUES (?,?,?,?,?,?,?)",
                (photo_id, *values),
            )
        else:
            # the person stays as a hint; the people update checks it again (clustered = 0)
            conn.execute(
                "UPDATE faces SET box=?, score=?, size_px=?, sharpness=?, quality=?, descriptor=?,"
                " clustered=0 WHERE id=?",
                (*values, old_row["id"]),
            )
    kept = {row["id"] for row in matched if row is not None}
    gone = [(row["id"],) for row in old if row["id"] not in kept]
    conn.executemany("DELETE FROM faces WHERE id = ?", gone)
    if identity:
        note = result.get("identity_note")
        stamp_described(conn, photo_id, str(identity), [note] if note else [])


def _face_values(face: Mapping[str, Any]) -> tuple[Any, ...]:
    quality = face.get("quality")
    vector = face.get("descriptor")
    blob = np.asarray(vector, dtype=np.float32).tobytes() if vector is not None else None
    return (
        box_text(face["box"]),
        float(face["score"]),
        getattr(quality, "size_px", None),
        getattr(quality, "sharpness", None),
        getattr(quality, "score", None),
        blob,
    )


def _match_old(old: list[sqlite3.Row], boxes: list[Sequence[float]]) -> list[sqlite3.Row | None]:
    pairs = []
    for i, box in enumerate(boxes):
        for j, row in enumerate(old):
            overlap = iou(box, json.loads(row["box"]))
            if overlap >= _IOU_SAME_FACE:
                pairs.append((overlap, i, j))
    out: list[sqlite3.Row | None] = [None] * len(boxes)
    used: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if out[i] is None and j not in used:
            out[i] = old[j]
            used.add(j)
    return out


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def stamp_described(
    conn: sqlite3.Connection, photo_id: int, version: str, warnings: Sequence[str] = ()
) -> None:
    from imgengine_gui.catalog.records import set_phase

    set_phase(conn, photo_id, PEOPLE_PHASE, version, warnings=warnings)


@dataclass
class PhotoToDescribe:
    photo_id: int
    path: str
    faces: list[tuple[int | None, list[float], float]]  # (face row id or None, box, score)


def photos_to_describe(conn: sqlite3.Connection, root: str, version: str) -> list[PhotoToDescribe]:
    """Photos under ``root`` whose ML phase is done but whose faces were not described at
    ``version`` (catalogs from before people, or an older descriptor). Their stored face boxes
    are what gets described: the detector does not run again."""
    low, high = folder_range(root)
    rows = conn.execute(
        "SELECT p.id, p.path FROM photos p JOIN phase_status m ON m.photo_id = p.id"
        " AND m.phase = 'ml' AND m.state = 'done'"
        " LEFT JOIN phase_status d ON d.photo_id = p.id AND d.phase = ?"
        " WHERE p.missing = 0 AND p.path >= ? AND p.path < ?"
        " AND (d.analyzer_version IS NULL OR d.analyzer_version != ?) ORDER BY p.path",
        (PEOPLE_PHASE, low, high, version),
    ).fetchall()
    out = []
    for chunk in _chunks(rows):
        ids = [r[0] for r in chunk]
        boxes: dict[int, list[tuple[int | None, list[float], float]]] = defaultdict(list)
        for pid, box, score in conn.execute(
            f"SELECT photo_id, box, score FROM tags WHERE kind = 'face' AND photo_id IN ({_marks(ids)})"
            " ORDER BY photo_id, score DESC",
            ids,
        ):
            boxes[pid].append((None, json.loads(box), score))
        out += [PhotoToDescribe(r[0], r[1], boxes.get(r[0], [])) for r in chunk]
    return out


# --- what the clustering reads and writes ---------------------------------------------------------


@dataclass
class FaceTable:
    ids: np.ndarray  # face row ids
    vectors: np.ndarray  # (n, 128) float32
    person: np.ndarray  # person id or -1
    pinned: np.ndarray  # bool
    clustered: np.ndarray  # bool: seen by a people update since its descriptor was stored
    rejected: dict[int, set[int]]  # face row id -> persons it is not


def identifiable_faces(conn: sqlite3.Connection) -> FaceTable:
    """Every face with a descriptor, on photos still present."""
    rows = conn.execute(
        "SELECT f.id, f.descriptor, COALESCE(f.person_id, -1), f.pinned, f.clustered FROM faces f"
        " JOIN photos p ON p.id = f.photo_id WHERE f.descriptor IS NOT NULL AND p.missing = 0"
        " ORDER BY f.id"
    ).fetchall()
    rejected: dict[int, set[int]] = defaultdict(set)
    for face, person in conn.execute("SELECT face_id, person_id FROM face_rejections"):
        rejected[face].add(person)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return FaceTable(empty, np.zeros((0, 128), np.float32), empty, empty.astype(bool),
                         empty.astype(bool), dict(rejected))
    ids, blobs, person, pinned, clustered = zip(*rows, strict=True)
    vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(rows), -1)
    return FaceTable(
        np.asarray(ids, dtype=np.int64),
        vectors,
        np.asarray(person, dtype=np.int64),
        np.asarray(pinned, dtype=bool),
        np.asarray(clustered, dtype=bool),
        dict(rejected),
    )


def pending_faces(conn: sqlite3.Connection) -> int:
    """Faces with a descriptor that no people update has seen yet."""
    return conn.execute(
        "SELECT COUNT(*) FROM faces WHERE clustered = 0 AND descriptor IS NOT NULL"
    ).fetchone()[0]


def new_persons(conn: sqlite3.Connection, count: int) -> list[int]:
    now = time.time()
    return [
        conn.execute("INSERT INTO persons(created_at) VALUES (?)", (now,)).lastrowid
        for _ in range(count)
    ]


def assign(conn: sqlite3.Connection, face_ids: Sequence[int], persons: Sequence[int | None]) -> None:
    """Set each face's person (None: unassigned) and mark it clustered; pins stay as they are."""
    conn.executemany(
        "UPDATE faces SET person_id = ?, clustered = 1 WHERE id = ?",
        [(p, f) for f, p in zip(face_ids, persons, strict=True)],
    )


def delete_persons(conn: sqlite3.Connection, person_ids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM persons WHERE id = ?", [(p,) for p in person_ids])


def drop_empty_persons(conn: sqlite3.Connection) -> int:
    """Unnamed persons left with no face go; named ones stay (a name is the user's)."""
    return conn.execute(
        "DELETE FROM persons WHERE name IS NULL AND id NOT IN"
        " (SELECT DISTINCT person_id FROM faces WHERE person_id IS NOT NULL)"
    ).rowcount


# --- what front ends show -------------------------------------------------------------------------


def list_people(conn: sqlite3.Connection, include_hidden: bool = False) -> list[dict[str, Any]]:
    """Persons with faces on present photos, most photos first: id, name, counts, best face."""
    hidden = "" if include_hidden else " AND ps.hidden = 0"
    rows = conn.execute(
        "SELECT ps.id, ps.name, ps.hidden, COUNT(*) AS faces, COUNT(DISTINCT f.photo_id) AS photos"
        " FROM persons ps JOIN faces f ON f.person_id = ps.id JOIN photos p ON p.id = f.photo_id"
        f" WHERE p.missing = 0{hidden} GROUP BY ps.id ORDER BY photos DESC, faces DESC, ps.id"
    ).fetchall()
    best = _best_faces(conn, [r["id"] for r in rows])
    return [
        {
            "id": str(r["id"]),
            "name": r["name"],
            "faces": r["faces"],
            "photos": r["photos"],
            "hidden": bool(r["hidden"]),
            "best_face": best.get(r["id"]),
        }
        for r in rows
    ]


def _best_faces(conn: sqlite3.Connection, person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per person, the face to show on its tile: pinned first, then quality, then detector score."""
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(person_ids):
        for r in conn.execute(
            "SELECT f.person_id, f.id, f.photo_id, f.box, p.path, c.thumb_path, c.preview_path"
            " FROM faces f JOIN photos p ON p.id = f.photo_id"
            " LEFT JOIN content c ON c.photo_id = f.photo_id"
            f" WHERE p.missing = 0 AND f.person_id IN ({_marks(chunk)})"
            " ORDER BY f.person_id, f.pinned DESC, COALESCE(f.quality, 0) DESC, f.score DESC",
            list(chunk),
        ):
            out.setdefault(
                r["person_id"],
                {
                    "face_id": r["id"],
                    "photo_id": r["photo_id"],
                    "box": json.loads(r["box"]),
                    "path": r["path"],
                    "thumbnail": r["thumb_path"],
                    "preview": r["preview_path"],
                },
            )
    return out


def has_people(conn: sqlite3.Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'faces'")
    return row.fetchone() is not None


def face_people(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> dict[tuple[int, str], tuple]:
    """(photo id, box text) -> (face id, person id or None, name or None), for listing photos."""
    out: dict[tuple[int, str], tuple] = {}
    for chunk in _chunks(list(photo_ids)):
        for pid, box, face, person, name in conn.execute(
            "SELECT f.photo_id, f.box, f.id, f.person_id, ps.name FROM faces f"
            f" LEFT JOIN persons ps ON ps.id = f.person_id WHERE f.photo_id IN ({_marks(chunk)})",
            list(chunk),
        ):
            out[(pid, box)] = (face, person, name)
    return out


def name_faces(conn: sqlite3.Connection, tags: Mapping[int, Mapping[str, list[dict]]]) -> None:
    """Give each face item of ``tags`` (photo id -> kind -> items) its "person" and "name".

    A catalog opened read-only before its people migration has no faces table: no one is known.
    """
    with_faces = [pid for pid, kinds in tags.items() if kinds.get("face")]
    known = face_people(conn, with_faces) if with_faces and has_people(conn) else {}
    for pid, kinds in tags.items():
        for face in kinds.get("face", ()):
            _, person, name = known.get((pid, box_text(face.get("box") or ())), (None, None, None))
            face["person"] = str(person) if person is not None else None
            face["name"] = name


def photo_faces(conn: sqlite3.Connection, photo_id: int) -> list[dict[str, Any]]:
    """A photo's faces for the detail view: id, box, person, name, quality, identifiable."""
    return [
        {
            "face_id": r[0],
            "box": json.loads(r[1]),
            "score": r[2],
            "quality": r[3],
            "identifiable": bool(r[4]),
            "person": str(r[5]) if r[5] is not None else None,
            "name": r[6],
            "pinned": bool(r[7]),
        }
        for r in conn.execute(
            "SELECT f.id, f.box, f.score, f.quality, f.descriptor IS NOT NULL, f.person_id,"
            " ps.name, f.pinned FROM faces f LEFT JOIN persons ps ON ps.id = f.person_id"
            " WHERE f.photo_id = ? ORDER BY f.box",
            (photo_id,),
        )
    ]


def find_persons(conn: sqlite3.Connection, name_or_id: str) -> list[int]:
    """Persons with this id, else with this name (case-insensitive; several may share it)."""
    text = name_or_id.strip()
    if text.isdigit():
        row = conn.execute("SELECT id FROM persons WHERE id = ?", (int(text),)).fetchone()
        if row is not None:
            return [row[0]]
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM persons WHERE name = ? COLLATE NOCASE ORDER BY id", (text,)
        )
    ]


def person_exists(conn: sqlite3.Connection, person_id: int) -> bool:
    return conn.execute("SELECT 1 FROM persons WHERE id = ?", (person_id,)).fetchone() is not None


def person_name(conn: sqlite3.Connection, person_id: int) -> str | None:
    row = conn.execute("SELECT name FROM persons WHERE id = ?", (person_id,)).fetchone()
    return row[0] if row else None


# --- users' edits and their undo ------------------------------------------------------------------


def faces_of(conn: sqlite3.Connection, person_ids: Sequence[int]) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            f"SELECT id FROM faces WHERE person_id IN ({_marks(person_ids)})", list(person_ids)
        )
    ]


def snapshot(
    conn: sqlite3.Connection, face_ids: Sequence[int], person_ids: Sequence[int]
) -> dict[str, Any]:
    """The state an edit may change, to restore it on undo."""
    faces = []
    for chunk in _chunks(list(face_ids)):
        faces += [
            list(r)
            for r in conn.execute(
                f"SELECT id, person_id, pinned FROM faces WHERE id IN ({_marks(chunk)})", list(chunk)
            )
        ]
    persons = [
        list(r)
        for r in conn.execute(
            f"SELECT id, name, hidden, created_at FROM persons WHERE id IN ({_marks(person_ids)})",
            list(person_ids),
        )
    ]
    rejections = [
        list(r)
        for r in conn.execute(
            f"SELECT face_id, person_id FROM face_rejections WHERE person_id IN ({_marks(person_ids)})",
            list(person_ids),
        )
    ]
    for chunk in _chunks(list(face_ids)):
        rejections += [
            list(r)
            for r in conn.execute(
                f"SELECT face_id, person_id FROM face_rejections WHERE face_id IN ({_marks(chunk)})",
                list(chunk),
            )
        ]
    return {"faces": faces, "persons": persons, "rejections": rejections, "face_ids": list(face_ids)}


def journal(conn: sqlite3.Connection, kind: str, before: Mapping[str, Any]) -> int:
    return conn.execute(
        "INSERT INTO people_journal(kind, created_at, before) VALUES (?,?,?)",
        (kind, time.time(), json.dumps(before)),
    ).lastrowid


def last_edit(conn: sqlite3.Connection) -> tuple[int, str, dict[str, Any]] | None:
    row = conn.execute(
        "SELECT id, kind, before FROM people_journal WHERE undone_at IS NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1], json.loads(row[2])) if row else None


def restore(conn: sqlite3.Connection, edit_id: int, before: Mapping[str, Any]) -> None:
    """Put back what ``snapshot`` saw; persons made by the edit go if nothing else uses them."""
    conn.executemany(
        "INSERT INTO persons(id, name, hidden, created_at) VALUES (?,?,?,?) ON CONFLICT(id)"
        " DO UPDATE SET name = excluded.name, hidden = excluded.hidden",
        [tuple(p) for p in before["persons"]],
    )
    conn.executemany(
        "UPDATE faces SET person_id = ?, pinned = ?, clustered = 1 WHERE id = ?",
        [(person, pinned, face) for face, person, pinned in before["faces"]],
    )
    for chunk in _chunks(before["face_ids"]):
        conn.execute(f"DELETE FROM face_rejections WHERE face_id IN ({_marks(chunk)})", list(chunk))
    conn.executemany(
        "INSERT OR IGNORE INTO face_rejections(face_id, person_id) SELECT ?, ? WHERE EXISTS"
        " (SELECT 1 FROM persons WHERE id = ?)",
        [(face, person, person) for face, person in before["rejections"]],
    )
    conn.execute("UPDATE people_journal SET undone_at = ? WHERE id = ?", (time.time(), edit_id))


def set_person_fields(conn: sqlite3.Connection, person_id: int, **fields: Any) -> None:
    for column in fields:
        if column not in ("name", "hidden"):
            raise ValueError(f"unknown person field {column}")
    sets = ", ".join(f"{column} = ?" for column in fields)
    conn.execute(f"UPDATE persons SET {sets} WHERE id = ?", (*fields.values(), person_id))


def move_faces(
    conn: sqlite3.Connection, face_ids: Sequence[int], person_id: int | None, pinned: bool
) -> None:
    conn.executemany(
        "UPDATE faces SET person_id = ?, pinned = ?, clustered = 1 WHERE id = ?",
        [(person_id, int(pinned), face) for face in face_ids],
    )


def reject(conn: sqlite3.Connection, face_id: int, person_id: int) -> None:
    conn.execute(
        "INSERT OR IGNORE INTO face_rejections(face_id, person_id) VALUES (?, ?)",
        (face_id, person_id),
    )


def unreject(conn: sqlite3.Connection, face_id: int, person_id: int) -> None:
    """The face may belong to the person again (the user put it there)."""
    conn.execute(
        "DELETE FROM face_rejections WHERE face_id = ? AND person_id = ?", (face_id, person_id)
    )


def face_row(conn: sqlite3.Connection, face_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT id, photo_id, person_id, pinned, descriptor IS NOT NULL AS identifiable"
        " FROM faces WHERE id = ?",
        (face_id,),
    ).fetchone()


def forget_all(conn: sqlite3.Connection) -> dict[str, int]:
    """Delete every descriptor, face row, person, rejection and people edit; the face tags (boxes
    the detector found) stay, and the people phase is due again."""
    counts = {
        "faces": conn.execute("SELECT COUNT(*) FROM faces").fetchone()[0],
        "descriptors": conn.execute(
            "SELECT COUNT(*) FROM faces WHERE descriptor IS NOT NULL"
        ).fetchone()[0],
        "people": conn.execute("SELECT COUNT(*) FROM persons").fetchone()[0],
    }
    for table in ("face_rejections", "faces", "persons", "people_journal"):
        conn.execute(f"DELETE FROM {table}")
    conn.execute("DELETE FROM phase_status WHERE phase = ?", (PEOPLE_PHASE,))
    return counts
