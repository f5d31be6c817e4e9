"""Duplicate clusters over the whole catalog: compute, pick keepers, keep the user's choices."""

from __future__ import annotations

import sqlite3
import time

import numpy as np

from imgengine_gui.analysis.best_copy import Candidate, choose_keeper
from imgengine_gui.analysis.duplicates import PhotoSignature, cluster_duplicates
from imgengine_gui.analysis.formats import is_raw_format
from imgengine_gui.analysis.hashes import hex_to_hash


def _signatures(conn: sqlite3.Connection) -> list[PhotoSignature]:
    embeddings: dict[int, np.ndarray] = {}
    for photo_id, blob in conn.execute(
        "SELECT e.photo_id, e.vector FROM embeddings e JOIN photos p ON p.id = e.photo_id"
        " WHERE p.missing = 0"
    ):
        embeddings.setdefault(photo_id, np.frombuffer(blob, dtype=np.float32))
    rows = conn.execute(
        "SELECT p.id, p.sha256, c.phash, c.dhash, c.signature, p.format FROM photos p"
        " JOIN content c ON c.photo_id = p.id WHERE p.missing = 0 AND c.phash IS NOT NULL"
    )
    return [
        PhotoSignature(
            photo_id=r[0],
            sha256=r[1],
            phash=hex_to_hash(r[2]),
            dhash=hex_to_hash(r[3]),
            signature=r[4],
            embedding=embeddings.get(r[0]),
            raw=is_raw_format(r[5]),
        )
        for r in rows
    ]


def _candidates(conn: sqlite3.Connection, photo_ids: list[int]) -> list[Candidate]:
    marks = ",".join("?" * len(photo_ids))
    rows = conn.execute(
        "SELECT p.id, p.path, p.size, p.format, p.mtime_ns, m.width, m.height, m.taken_at,"
        " m.taken_at_source, m.gps_lat, c.sharpness FROM photos p"
        " LEFT JOIN metadata m ON m.photo_id = p.id LEFT JOIN content c ON c.photo_id = p.id"
        f" WHERE p.id IN ({marks})",
        photo_ids,
    )
    return [
        Candidate(
            photo_id=r["id"],
            path=r["path"],
            width=r["width"] or 0,
            height=r["height"] or 0,
            size_bytes=r["size"],
            format=r["format"],
            taken_at=r["taken_at"] if r["taken_at_source"] != "mtime" else None,
            has_gps=r["gps_lat"] is not None,
            sharpness=r["sharpness"],
            mtime_ns=r["mtime_ns"],
        )
        for r in rows
    ]


def refresh_clusters(conn: sqlite3.Connection, sensitivity: int = 5) -> int:
    """Recompute every cluster; a keeper the user chose survives when it is still clustered."""
    chosen = {
        row[0]
        for row in conn.execute("SELECT photo_id FROM cluster_members WHERE user_override = 1")
    }
    clusters = cluster_duplicates(_signatures(conn), sensitivity=sensitivity)
    conn.execute("DELETE FROM cluster_members")
    conn.execute("DELETE FROM clusters")
    now = time.time()
    for cluster in clusters:
        cluster_id = conn.execute(
            "INSERT INTO clusters(kind, created_at) VALUES (?, ?)", (cluster.kind, now)
        ).lastrowid
        keeper, reasons = choose_keeper(_candidates(conn, list(cluster.photo_ids)))
        overridden = [pid for pid in cluster.photo_ids if pid in chosen]
        if overridden:
            keeper = overridden[0]
            reasons = {pid: "the other copy was chosen by you" for pid in cluster.photo_ids}
            reasons[keeper] = "keep: chosen by you"
        conn.executemany(
            "INSERT INTO cluster_members(cluster_id, photo_id, keep, reason, user_override)"
            " VALUES (?,?,?,?,?)",
            [
                (
                    cluster_id,
                    pid,
                    int(pid == keeper),
                    reasons.get(pid, ""),
                    int(pid == keeper and bool(overridden)),
                )
                for pid in cluster.photo_ids
            ],
        )
    return len(clusters)


def set_keeper(conn: sqlite3.Connection, cluster_id: int, photo_id: int) -> None:
    members = [r[0] for r in conn.execute(
        "SELECT photo_id FROM cluster_members WHERE cluster_id = ?", (cluster_id,)
    )]
    if photo_id not in members:
        raise ValueError(f"photo {photo_id} is not in cluster {cluster_id}")
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
