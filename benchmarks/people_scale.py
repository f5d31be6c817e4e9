"""People at scale: a full re-cluster of 100,000 faces, then 1,000 new faces added incrementally.

A fresh catalog gets 100k synthetic descriptors (``benchmarks.people_synthetic``: Zipf-sized
people, look-alike families, 30% strangers, spreads measured on real dlib descriptors), one face
per photo, stored through the catalog's own ``store_faces``. Timed, through the engine API and
the catalog as the app runs them (read descriptors, cluster, write assignments):

1. ``update_people(full=True)`` over the 100k faces (target < 60 s on 2 cores);
2. 1,000 more faces of the same library, then ``update_people()`` (target < 2 s).

Wall and CPU seconds are both printed, with the load average: on a shared machine the wall time
mostly measures the neighbours (numpy's BLAS uses both cores, so CPU time can exceed wall time).

Also printed: pairwise precision / recall against the synthetic truth (a check that the scale
path clusters like the small one, not a quality claim about real faces).

    python -m benchmarks.people_scale [--faces 100000] [--new 1000] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.people_synthetic import synthetic_faces

FULL_TARGET_S = 60.0
ADD_TARGET_S = 2.0


def build_catalog(path: Path, vectors: np.ndarray, first_photo: int = 0) -> None:
    from imgengine_gui.catalog.db import connect
    from imgengine_gui.catalog.people import store_faces
    from imgengine_gui.catalog.records import upsert_folder

    conn = connect(path)
    with conn:
        folder = upsert_folder(conn, "/synthetic")
        now = time.time()
        conn.executemany(  # benchmark set-up only: the app adds photos through the scanner
            "INSERT INTO photos(id, folder_id, path, size, mtime_ns, first_seen, last_seen)"
            " VALUES (?, ?, ?, 1, 1, ?, ?)",
            [
                (first_photo + i + 1, folder, f"/synthetic/{first_photo + i:07d}.jpg", now, now)
                for i in range(len(vectors))
            ],
        )
        for i, vector in enumerate(vectors):
            store_faces(
                conn,
                first_photo + i + 1,
                {"faces": [{"box": [0.3, 0.3, 0.6, 0.6], "score": 0.99, "descriptor": vector}]},
            )
    conn.close()


def pair_scores(conn, truth: np.ndarray) -> tuple[float, float]:
    """Pairwise precision / recall of the catalog's people against the synthetic truth."""
    rows = conn.execute("SELECT photo_id, COALESCE(person_id, -1) FROM faces ORDER BY photo_id")
    person = np.array([p for _, p in rows])
    said = person >= 0
    # unassigned faces are singletons: give each its own label
    labels = np.where(said, person, -np.arange(1, len(person) + 1))
    _, labels = np.unique(labels, return_inverse=True)
    pairs = lambda counts: float((counts * (counts - 1) / 2).sum())  # noqa: E731
    joint = np.unique(labels.astype(np.int64) * (truth.max() + 1) + truth, return_counts=True)[1]
    tp = pairs(joint)
    predicted = pairs(np.bincount(labels))
    actual = pairs(np.bincount(truth))
    return (tp / predicted if predicted else 1.0), (tp / actual if actual else 1.0)


def run(faces: int, new: int, repeat: int) -> dict:
    from imgengine_gui.catalog.db import connect
    from imgengine_gui.engine.people import update_people

    vectors, truth = synthetic_faces(faces + new, seed=7)
    full_times, add_times, full_cpu, add_cpu, report = [], [], [], [], {}
    load = os.getloadavg()[0]
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            catalog = Path(tmp) / "catalog.sqlite"
            build_catalog(catalog, vectors[:faces])
            conn = connect(catalog)
            started, cpu = time.perf_counter(), time.process_time()
            with conn:
                full = update_people(conn, full=True)
            full_times.append(time.perf_counter() - started)
            full_cpu.append(time.process_time() - cpu)
            report["full_precision"], report["full_recall"] = pair_scores(conn, truth[:faces])
            conn.close()
            build_catalog(catalog, vectors[faces:], first_photo=faces)
            conn = connect(catalog)
            started, cpu = time.perf_counter(), time.process_time()
            with conn:
                added = update_people(conn)
            add_times.append(time.perf_counter() - started)
            add_cpu.append(time.process_time() - cpu)
            report["add_precision"], report["add_recall"] = pair_scores(conn, truth)
            conn.close()
    return {
        "faces": faces,
        "new_faces": new,
        "full_recluster_s": [round(t, 2) for t in full_times],
        "full_recluster_median_s": round(statistics.median(full_times), 2),
        "full_recluster_cpu_s": [round(t, 2) for t in full_cpu],
        "people_after_full": full.people,
        "add_s": [round(t, 2) for t in add_times],
        "add_median_s": round(statistics.median(add_times), 2),
        "add_cpu_s": [round(t, 2) for t in add_cpu],
        "load_avg_at_start": round(load, 2),
        "add_joined": added.joined,
        "add_new_people": added.new_people,
        **{k: round(v, 4) for k, v in report.items()},
        "targets": {"full_recluster_s": FULL_TARGET_S, "add_s": ADD_TARGET_S},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.faces, args.new, args.repeat)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        print()
    else:
        print(
            f"full re-cluster of {result['faces']:,} faces: {result['full_recluster_median_s']} s"
            f" median {result['full_recluster_s']}, CPU {result['full_recluster_cpu_s']} s"
            f" (target < {FULL_TARGET_S:.0f} s; load average {result['load_avg_at_start']});"
            f" {result['people_after_full']} people; pair precision {result['full_precision']},"
            f" recall {result['full_recall']}"
        )
        print(
            f"add {result['new_faces']:,} faces: {result['add_median_s']} s median"
            f" {result['add_s']}, CPU {result['add_cpu_s']} s (target < {ADD_TARGET_S:.0f} s);"
            f" {result['add_joined']} joined,"
            f" {result['add_new_people']} new people; pair precision {result['add_precision']},"
            f" recall {result['add_recall']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
