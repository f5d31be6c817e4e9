"""Personal tags in the catalog: the tags, the user's decisions, classifiers, who carries them."""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from imgengine_gui.catalog.paths import folder_range

# A personal tag named like a built-in scene or object is stored under this suffix, never merged.
NAMESPACE_SUFFIX = " (personal)"


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def _chunks(ids: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# -- tags --------------------------------------------------------------------------------------


def find_tag(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The tag called ``name`` (any case), or the namespaced tag a clashing name became."""
    name = name.strip()
    return conn.execute(
        "SELECT * FROM personal_tags WHERE name = ? OR name = ? COLLATE NOCASE"
        " ORDER BY name = ? DESC LIMIT 1",
        (name, name + NAMESPACE_SUFFIX, name),
    ).fetchone()


def tag_rows(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM personal_tags ORDER BY id").fetchall()


def create_tag(conn: sqlite3.Connection, name: str, *, learns: bool) -> int:
    return conn.execute(
        "INSERT INTO personal_tags(name, learns, created_at) VALUES (?, ?, ?)",
        (name, int(learns), time.time()),
    ).lastrowid


def set_learns(conn: sqlite3.Connection, tag_id: int, learns: bool) -> None:
    conn.execute("UPDATE personal_tags SET learns = ? WHERE id = ?", (int(learns), tag_id))


def rename_tag(conn: sqlite3.Connection, tag_id: int, name: str) -> None:
    conn.execute("UPDATE personal_tags SET name = ? WHERE id = ?", (name, tag_id))


def delete_tag(conn: sqlite3.Connection, tag_id: int) -> None:
    conn.execute("DELETE FROM personal_tags WHERE id = ?", (tag_id,))


def all_tags(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every tag with how many photos carry it and how many decisions taught it."""
    rows = conn.execute(
        "SELECT t.id, t.name, t.learns, t.model_id, t.trained_at,"
        " (SELECT COUNT(*) FROM personal_tag_photos c JOIN photos p ON p.id = c.photo_id"
        "  WHERE c.tag_id = t.id AND p.missing = 0) AS photos,"
        " (SELECT COUNT(*) FROM personal_tag_examples e WHERE e.tag_id = t.id AND e.positive = 1)"
        "  AS examples,"
        " (SELECT COUNT(*) FROM personal_tag_examples e WHERE e.tag_id = t.id AND e.positive = 0)"
        "  AS rejected"
        " FROM personal_tags t ORDER BY t.name COLLATE NOCASE"
    )
    return [dict(row) for row in rows]


def builtin_labels(conn: sqlite3.Connection) -> set[str]:
    """Scene and object labels the catalog holds (a personal tag must not merge into one)."""
    rows = conn.execute("SELECT DISTINCT label FROM tags WHERE kind IN ('scene', 'object')")
    return {row[0].casefold() for row in rows}


# -- decisions and classifiers -----------------------------------------------------------------


def record_decisions(
    conn: sqlite3.Connection, tag_id: int, photo_ids: Iterable[int], *, positive: bool
) -> None:
    """Remember photos as examples ("this") or rejections ("not this"); the last decision wins."""
    now = time.time()
    conn.executemany(
        "INSERT OR REPLACE INTO personal_tag_examples(tag_id, photo_id, positive, decided_at)"
        " VALUES (?, ?, ?, ?)",
        [(tag_id, pid, int(positive), now) for pid in photo_ids],
    )


def decisions(conn: sqlite3.Connection, tag_id: int) -> dict[int, bool]:
    """photo id -> True (example) / False (rejected), photos still present only."""
    rows = conn.execute(
        "SELECT e.photo_id, e.positive FROM personal_tag_examples e JOIN photos p"
        " ON p.id = e.photo_id WHERE e.tag_id = ? AND p.missing = 0",
        (tag_id,),
    )
    return {pid: bool(positive) for pid, positive in rows}


def save_classifier(
    conn: sqlite3.Connection, tag_id: int, model_id: str | None, model: Any = None
) -> None:
    """Keep a tag's classifier (an ``analysis.personal_tags.TagClassifier``), or clear it (None):
    its examples' and rejected photos' vectors, the library mean, threshold and scale."""
    blob = lambda v: None if v is None else np.asarray(v, dtype=np.float32).tobytes()  # noqa: E731
    parts = (None,) * 5
    if model is not None:
        rejected = model.rejected if len(model.rejected) else None
        parts = (model.examples, rejected, model.center, model.threshold, model.scale)
    examples, rejected, center, threshold, scale = parts
    conn.execute(
        "UPDATE personal_tags SET model_id = ?, weights = ?, rejected = ?, center = ?,"
        " threshold = ?, scale = ?, trained_at = ? WHERE id = ?",
        (model_id, blob(examples), blob(rejected), blob(center), threshold, scale, time.time(),
         tag_id),
    )  # fmt: skip


def replace_carriers(
    conn: sqlite3.Connection, tag_id: int, rows: Iterable[tuple[int, float, bool]]
) -> int:
    """The photos that carry the tag now: (photo id, confidence, is an example)."""
    rows = list(rows)
    conn.execute("DELETE FROM personal_tag_photos WHERE tag_id = ?", (tag_id,))
    conn.executemany(
        "INSERT INTO personal_tag_photos(tag_id, photo_id, score, example) VALUES (?, ?, ?, ?)",
        [(tag_id, pid, float(score), int(example)) for pid, score, example in rows],
    )
    return len(rows)


def carriers(conn: sqlite3.Connection, tag_id: int) -> list[dict[str, Any]]:
    """Photos carrying the tag, examples first, then by confidence."""
    rows = conn.execute(
        "SELECT c.photo_id, p.path, c.score, c.example FROM personal_tag_photos c"
        " JOIN photos p ON p.id = c.photo_id WHERE c.tag_id = ? AND p.missing = 0"
        " ORDER BY c.example DESC, c.score DESC, p.path",
        (tag_id,),
    )
    return [
        {"photo_id": pid, "path": path, "score": score, "example": bool(example)}
        for pid, path, score, example in rows
    ]


# -- what queries.py shows and filters by -------------------------------------------------------


def filter_clause(names: Sequence[str]) -> tuple[str, list[Any]]:
    """SQL over photos ``p``: the photo carries any of these personal tags."""
    wanted = [n.strip() for n in names] + [n.strip() + NAMESPACE_SUFFIX for n in names]
    sql = (
        "EXISTS (SELECT 1 FROM personal_tag_photos c JOIN personal_tags t ON t.id = c.tag_id"
        f" WHERE c.photo_id = p.id AND t.name IN ({_marks(wanted)}))"
    )
    return sql, wanted


def tag_counts(conn: sqlite3.Connection, folder: str | None = None) -> list[tuple[str, int]]:
    """Every personal tag with how many present photos (inside ``folder``) carry it, by name."""
    inside, args = "", []
    if folder:
        inside, args = " AND p.path >= ? AND p.path < ?", list(folder_range(folder))
    rows = conn.execute(
        "SELECT t.name, COUNT(p.id) FROM personal_tags t LEFT JOIN personal_tag_photos c"
        " ON c.tag_id = t.id LEFT JOIN photos p ON p.id = c.photo_id AND p.missing = 0" + inside
        + " GROUP BY t.id ORDER BY t.name COLLATE NOCASE",
        args,
    )
    return [(name, count) for name, count in rows]


def photo_tags(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """photo id -> [{"label", "score", "source": "personal"}] for the photos listed."""
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks(list(ids)):
        for pid, name, score in conn.execute(
            "SELECT c.photo_id, t.name, c.score FROM personal_tag_photos c JOIN personal_tags t"
            f" ON t.id = c.tag_id WHERE c.photo_id IN ({_marks(chunk)})"
            " ORDER BY c.photo_id, c.score DESC, t.name",
            list(chunk),
        ):
            out[pid].append({"label": name, "score": round(score, 4), "source": "personal"})
    return out


# -- what the classifier reads ------------------------------------------------------------------


def library_model(conn: sqlite3.Connection) -> tuple[str | None, tuple]:
    """The embedding model most present photos were analyzed with, and a key that changes
    whenever a photo of that model is (re)analyzed, purged or goes missing. Re-analyzing the
    newest photo alone gives its embedding the same rowid again: the ML phase's time tells."""
    row = conn.execute(
        "SELECT e.model_id, SUM(p.missing = 0) AS present, COUNT(*), MAX(e.rowid), SUM(p.missing),"
        " (SELECT MAX(updated_at) FROM phase_status WHERE phase = 'ml')"
        " FROM embeddings e JOIN photos p ON p.id = e.photo_id"
        " GROUP BY e.model_id ORDER BY present DESC, e.model_id LIMIT 1"
    ).fetchone()
    return (row[0], tuple(row)) if row and row[1] else (None, ())


def photo_ids_by_path(conn: sqlite3.Connection, paths: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(list(paths)):
        out.update(
            conn.execute(
                f"SELECT path, id FROM photos WHERE missing = 0 AND path IN ({_marks(chunk)})",
                list(chunk),
            ).fetchall()
        )
    return out


def photo_paths(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(list(ids)):
        out.update(
            conn.execute(
                f"SELECT id, path FROM photos WHERE id IN ({_marks(chunk)})", list(chunk)
            ).fetchall()
        )
    return out


def ml_problems(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, str]:
    """Why photos have no embedding: the ml (or an earlier) phase's error, where one was kept."""
    out: dict[int, str] = {}
    for chunk in _chunks(list(ids)):
        for pid, phase, error in conn.execute(
            "SELECT photo_id, phase, error FROM phase_status WHERE state = 'error'"
            f" AND photo_id IN ({_marks(chunk)}) ORDER BY phase = 'ml' DESC",
            list(chunk),
        ):
            out.setdefault(pid, f"{phase}: {error}")
    return out


def face_counts(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, int | None]:
    out: dict[int, int | None] = {}
    for chunk in _chunks(list(ids)):
        out.update(
            conn.execute(
                f"SELECT photo_id, faces FROM ml_summary WHERE photo_id IN ({_marks(chunk)})",
                list(chunk),
            ).fetchall()
        )
    return out
