"""Duplicate clusters in the catalog: what clustering reads, what it stores, what trash may take.

A photo belongs to one cluster at most (a unique index says so) and each cluster has one keeper.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClusterMember:
    photo_id: int
    keep: bool
    reason: str
    user_override: bool = False


def hashed_photos(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Present photos with content hashes: id, sha256, phash, dhash, signature, format."""
    return conn.execute(
        "SELECT p.id, p.sha256, c.phash, c.dhash, c.signature, p.format FROM photos p"
        " JOIN content c ON c.photo_id = p.id WHERE p.missing = 0 AND c.phash IS NOT NULL"
    ).fetchall()


def photo_embeddings(conn: sqlite3.Connection) -> list[tuple[int, bytes]]:
    """(photo id, float32 vector bytes) of present photos, any model."""
    return conn.execute(
        "SELECT e.photo_id, e.vector FROM embeddings e JOIN photos p ON p.id = e.photo_id"
        " WHERE p.missing = 0"
    ).fetchall()


def keeper_facts(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> list[sqlite3.Row]:
    """What the keeper choice compares, per photo (``quality``/``image_bytes`` may be NULL:
    not measured yet)."""
    marks = ",".join("?" * len(photo_ids))
    return conn.execute(
        "SELECT p.id, p.path, p.size, p.format, p.mtime_ns, p.sha256, m.width, m.height,"
        " m.taken_at, m.taken_at_source, m.gps_lat, c.sharpness, c.quality, c.image_bytes"
        " FROM photos p LEFT JOIN metadata m ON m.photo_id = p.id"
        f" LEFT JOIN content c ON c.photo_id = p.id WHERE p.id IN ({marks})",
        list(photo_ids),
    ).fetchall()


def store_image_measures(
    conn: sqlite3.Connection, photo_id: int, quality: float | None, image_bytes: int
) -> None:
    conn.execute(
        "UPDATE content SET quality = ?, image_bytes = ? WHERE photo_id = ?",
        (quality, image_bytes, photo_id),
    )


def user_chosen_keepers(conn: sqlite3.Connection) -> set[int]:
    return {r[0] for r in conn.execute("SELECT photo_id FROM cluster_members WHERE user_override = 1")}


def replace_clusters(
    conn: sqlite3.Connection, clusters: Iterable[tuple[str, Sequence[ClusterMember]]]
) -> int:
    """Replace every cluster with these (kind, members); returns how many were stored."""
    conn.execute("DELETE FROM cluster_members")
    conn.execute("DELETE FROM clusters")
    now = time.time()
    count = 0
    for kind, members in clusters:
        cluster_id = conn.execute(
            "INSERT INTO clusters(kind, created_at) VALUES (?, ?)", (kind, now)
        ).lastrowid
        conn.executemany(
            "INSERT INTO cluster_members(cluster_id, photo_id, keep, reason, user_override)"
            " VALUES (?,?,?,?,?)",
            [(cluster_id, m.photo_id, int(m.keep), m.reason, int(m.user_override)) for m in members],
        )
        count += 1
    return count


def cluster_member_ids(conn: sqlite3.Connection, cluster_id: int) -> list[int]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT photo_id FROM cluster_members WHERE cluster_id = ?", (cluster_id,)
        )
    ]


def set_cluster_keeper(conn: sqlite3.Connection, cluster_id: int, photo_id: int) -> None:
    """The user's keeper: it alone is kept in its cluster, the others lose to it."""
    conn.execute(
        "UPDATE cluster_members SET keep = 0, user_override = 0,"
        " reason = 'the other copy was chosen by you' WHERE cluster_id = ?",
        (cluster_id,),
    )
    conn.execute(
        "UPDATE cluster_members SET keep = 1, user_override = 1, reason = 'keep: chosen by you'"
        " WHERE cluster_id = ? AND photo_id = ?",
        (cluster_id, photo_id),
    )


def cluster_of_path(conn: sqlite3.Connection, path: str) -> tuple[int, int] | None:
    """(cluster id, photo id) of the file at ``path``, if it is in a cluster."""
    row = conn.execute(
        "SELECT cm.cluster_id, cm.photo_id FROM cluster_members cm JOIN photos p"
        " ON p.id = cm.photo_id WHERE p.path = ?",
        (path,),
    ).fetchone()
    return (row[0], row[1]) if row is not None else None


def kept_photo_ids(conn: sqlite3.Connection, photo_ids: Sequence[int]) -> set[int]:
    """Which of these photos some cluster marks as kept."""
    kept: set[int] = set()
    ids = list(photo_ids)
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        kept.update(
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT photo_id FROM cluster_members WHERE keep = 1"
                f" AND photo_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return kept


def trash_candidates(
    conn: sqlite3.Connection, cluster_ids: Sequence[int] | None = None
) -> list[tuple[int, str]]:
    """Distinct present photos that are not kept anywhere, in clusters whose keeper is present
    (the last present copy of a picture is never a candidate), ordered by path."""
    sql = (
        "SELECT DISTINCT p.id, p.path FROM cluster_members cm JOIN photos p ON p.id = cm.photo_id"
        " WHERE cm.keep = 0 AND p.missing = 0"
        " AND NOT EXISTS (SELECT 1 FROM cluster_members k WHERE k.photo_id = p.id AND k.keep = 1)"
        " AND cm.cluster_id IN (SELECT k.cluster_id FROM cluster_members k"
        " JOIN photos kp ON kp.id = k.photo_id WHERE k.keep = 1 AND kp.missing = 0)"
    )
    args: list[int] = []
    if cluster_ids is not None:
        sql += f" AND cm.cluster_id IN ({','.join('?' * len(cluster_ids)) or 'NULL'})"
        args = list(cluster_ids)
    return [(r[0], r[1]) for r in conn.execute(sql + " ORDER BY p.path", args)]
