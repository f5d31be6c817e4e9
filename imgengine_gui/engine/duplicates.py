"""Duplicate clusters over the whole catalog: compute, pick keepers, keep the user's choices.

Every photo is in one cluster at most, with one keeper, so "keep" never means two things.
"""

from __future__ import annotations

import sqlite3

import numpy as np

from imgengine_gui.analysis.best_copy import Candidate, choose_keeper
from imgengine_gui.analysis.duplicates import PhotoSignature, cluster_duplicates
from imgengine_gui.analysis.formats import is_raw_format
from imgengine_gui.analysis.hashes import hex_to_hash
from imgengine_gui.analysis.image_data import measure_or_none
from imgengine_gui.catalog import clusters as store
from imgengine_gui.catalog.clusters import ClusterMember
from imgengine_gui.catalog.db import immediate


def _signatures(conn: sqlite3.Connection) -> list[PhotoSignature]:
    embeddings: dict[int, np.ndarray] = {}
    for photo_id, blob in store.photo_embeddings(conn):
        embeddings.setdefault(photo_id, np.frombuffer(blob, dtype=np.float32))
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
        for r in store.hashed_photos(conn)
    ]


def _candidates(conn: sqlite3.Connection, photo_ids: list[int]) -> list[Candidate]:
    """The members as the keeper choice sees them; image data is measured (from the file's
    headers, once, then stored) for members that have not been measured yet."""
    candidates = []
    for r in store.keeper_facts(conn, photo_ids):
        image_bytes, quality = r["image_bytes"], r["quality"]
        if image_bytes is None:
            measured = measure_or_none(r["path"])
            if measured is not None:
                image_bytes, quality = measured.image_bytes, measured.quality
                store.store_image_measures(conn, r["id"], quality, image_bytes)
        candidates.append(
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
                image_bytes=image_bytes,
                quality=quality,
                sha256=r["sha256"],
            )
        )
    return candidates


def refresh_clusters(conn: sqlite3.Connection, sensitivity: int = 5) -> int:
    """Recompute every cluster; a keeper the user chose survives when it is still clustered."""
    chosen = store.user_chosen_keepers(conn)
    found = cluster_duplicates(_signatures(conn), sensitivity=sensitivity)
    stored = []
    for cluster in found:
        keeper, reasons = choose_keeper(_candidates(conn, list(cluster.photo_ids)))
        overridden = [pid for pid in cluster.photo_ids if pid in chosen]
        if overridden:
            keeper = overridden[0]
            reasons = {pid: "the other copy was chosen by you" for pid in cluster.photo_ids}
            reasons[keeper] = "keep: chosen by you"
        members = [
            ClusterMember(pid, pid == keeper, reasons.get(pid, ""), pid == keeper and bool(overridden))
            for pid in cluster.photo_ids
        ]
        stored.append((cluster.kind, members))
    return store.replace_clusters(conn, stored)


def set_keeper(conn: sqlite3.Connection, cluster_id: int, photo_id: int) -> None:
    """Make the user's choice the keeper (committed, under the write lock)."""
    with immediate(conn):
        if photo_id not in store.cluster_member_ids(conn, cluster_id):
            raise ValueError(f"photo {photo_id} is not in cluster {cluster_id}")
        store.set_cluster_keeper(conn, cluster_id, photo_id)
