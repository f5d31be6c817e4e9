"""A catalog of real (tiny) photo files with synthetic embeddings in groups, for personal tags.

Embeddings look like the offline tier's: all positive, unit length, 1280-d; each group's photos
sit around one random centre, so a tag taught from two of them should find the rest.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image

from imgengine_gui.catalog import records
from imgengine_gui.catalog.db import connect

MODEL = "torchvision/mobilenet_v2-imagenet"
MEADOW = 0.4
# "other": one photo per random centre; "meadow": flowers among other things (the "maybe"s)
GROUPS = {"flowers": 8, "grandpa": 8, "meadow": 6, "other": 40}


def embeddings(count: int, rng: np.random.Generator, centre: np.ndarray | None = None):
    base = centre if centre is not None else np.abs(rng.normal(size=(count, 1280)))
    vectors = np.maximum(base + rng.normal(scale=0.5, size=(count, 1280)), 0).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def build(folder: Path, catalog: Path, *, model: str = MODEL, seed: int = 0) -> dict[str, list]:
    """Files under ``folder``, their catalog rows and embeddings; returns group -> paths."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    conn = connect(catalog)
    now = time.time()
    groups: dict[str, list] = {}
    centres: dict[str, np.ndarray] = {}
    for group, count in GROUPS.items():
        centre = None if group == "other" else np.abs(rng.normal(size=1280))
        if group == "meadow":
            centre = MEADOW * centres["flowers"] + (1 - MEADOW) * centre
        centres[group] = centre
        vectors = embeddings(count, rng, centre)
        for n, vector in enumerate(vectors):
            path = folder / f"{group}_{n:02d}.jpg"
            Image.new("RGB", (8, 8), (n * 5, 80, 120)).save(path)
            pid = conn.execute(
                "INSERT INTO photos(path, size, mtime_ns, first_seen, last_seen)"
                " VALUES (?, 1, 1, ?, ?)",
                (str(path), now, now),
            ).lastrowid
            faces = [{"score": 0.99, "box": [0.4, 0.2, 0.6, 0.5]}] if group == "grandpa" else []
            result = {"embedding": vector, "faces": faces, "people": len(faces)}
            records.store_ml(conn, pid, result, {"embedding": model, "faces": "mtcnn"})
            groups.setdefault(group, []).append(path)
    conn.commit()
    conn.close()
    return groups


def replace_embeddings(catalog: Path, model: str, seed: int = 1) -> None:
    """Every photo re-analyzed by another embedding model (groups kept, new geometry)."""
    rng = np.random.default_rng(seed)
    conn = connect(catalog)
    rows = conn.execute("SELECT id, path FROM photos ORDER BY id").fetchall()
    centres = {g: np.abs(rng.normal(size=1280)) for g in GROUPS if g != "other"}
    for pid, path in rows:
        group = Path(path).name.split("_")[0]
        vector = embeddings(1, rng, centres.get(group))[0]
        records.store_ml(conn, pid, {"embedding": vector, "faces": []}, {"embedding": model})
    conn.commit()
    conn.close()


def one_person(conn, photo_ids, name: str | None = None) -> int:
    """Put every face of these photos in one new person (as People's clustering would)."""
    from imgengine_gui.catalog import people

    [person] = people.new_persons(conn, 1)
    faces = [f["face_id"] for pid in photo_ids for f in people.photo_faces(conn, pid)]
    people.assign(conn, faces, [person] * len(faces))
    if name:
        people.set_person_fields(conn, person, name=name)
    conn.commit()
    return person


def open_built(tmp_path: Path):
    """``build`` under ``tmp_path``, opened: (connection, group -> photo ids, catalog path,
    photo id -> file)."""
    from imgengine_gui.catalog import personal_tags as store

    catalog = tmp_path / "catalog.sqlite"
    groups = build(tmp_path / "photos", catalog)
    conn = connect(catalog)
    ids = store.photo_ids_by_path(conn, [str(p) for members in groups.values() for p in members])
    by_group = {g: [ids[str(p)] for p in members] for g, members in groups.items()}
    files = {ids[str(p)]: p for members in groups.values() for p in members}
    return conn, by_group, catalog, files


def grandpa_library(tmp_path: Path):
    """A built library under ``tmp_path``: its open connection and the "grandpa" photo ids."""
    conn, by_group, _, _ = open_built(tmp_path)
    return conn, by_group["grandpa"]
