"""Speed of personal tags on a 100,000-photo catalog: teach, accept/reject, suggestions, refresh.

A real catalog (the app's schema) gets ``--photos`` rows with synthetic 1280-d embeddings, as the
offline tier stores them (unit length, all positive; grouped around random "scenes" so a tag has
neighbours). Timings are medians of ``--repeat`` runs; the first load of the embeddings from
SQLite is reported apart (the engine keeps them between calls).

    python -m benchmarks.personal_tags_speed [--photos 100000] [--dim 1280] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from imgengine_gui.analysis import personal_tags as classifier
from imgengine_gui.catalog.db import connect
from imgengine_gui.engine.personal_tags import PersonalTags

MODEL = "torchvision/mobilenet_v2-imagenet"


def build_catalog(path: Path, photos: int, dim: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    conn = connect(path)
    centres = np.abs(rng.normal(size=(500, dim))).astype(np.float32)
    now = time.time()
    for start in range(0, photos, 10_000):
        count = min(10_000, photos - start)
        ids = np.arange(start + 1, start + count + 1)
        vectors = centres[rng.integers(0, len(centres), count)]
        vectors = np.maximum(vectors + rng.normal(scale=0.6, size=vectors.shape), 0)
        vectors = classifier.unit_rows(vectors.astype(np.float32))
        conn.executemany(
            "INSERT INTO photos(id, path, size, mtime_ns, first_seen, last_seen)"
            " VALUES (?, ?, 1, 1, ?, ?)",
            [(int(i), f"/photos/{i:06d}.jpg", now, now) for i in ids],
        )
        conn.executemany(
            "INSERT INTO embeddings(photo_id, model_id, dim, vector) VALUES (?, ?, ?, ?)",
            [(int(i), MODEL, dim, v.tobytes()) for i, v in zip(ids, vectors, strict=True)],
        )
        conn.commit()
    conn.close()


def _timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _cpu(action) -> float:
    """CPU seconds of this process (all threads): what the work costs on a shared machine."""
    started = time.process_time()
    action()
    return time.process_time() - started


def _one_tag(engine: PersonalTags, index, rng, photos: int, name: str) -> dict[str, float]:
    examples = [int(i) for i in rng.choice(photos, 3, replace=False) + 1]
    rows = index.rows(examples)
    out = {"train": _timed(lambda: classifier.train(index.matrix, rows, center=index.center))}
    model, _ = classifier.train(index.matrix, rows, center=index.center)
    out["score"] = _timed(lambda: model.confidence(index.matrix))
    out["train_cpu"] = _cpu(lambda: classifier.train(index.matrix, rows, center=index.center))
    many = index.rows([int(i) for i in rng.choice(photos, 20, replace=False) + 1])
    out["train_many"] = _timed(
        lambda: classifier.train(index.matrix, many[:10], many[10:], center=index.center)
    )
    out["teach"] = _timed(lambda: engine.teach(name, examples))
    engine.forget(name)
    out["teach_cpu"] = _cpu(lambda: engine.teach(name, examples))
    offered = [p.photo_id for p in engine.suggestions(name, limit=2)]
    offered += [int(i) for i in rng.choice(photos, 2, replace=False) + 1]  # none near it
    out["accept"] = _timed(lambda: engine.accept(name, offered[0]))
    out["reject"] = _timed(lambda: engine.reject(name, offered[1]))
    out["suggestions"] = _timed(lambda: engine.suggestions(name, limit=10))
    return out


def measure(catalog: Path, photos: int, repeat: int) -> dict:
    conn = connect(catalog)
    engine = PersonalTags(conn)
    load = _timed(engine.load_index)  # the first read of the embeddings from SQLite
    index = engine.load_index()
    rng = np.random.default_rng(1)
    times: dict[str, list[float]] = {}
    for run in range(repeat):
        for key, seconds in _one_tag(engine, index, rng, photos, f"tag {run}").items():
            times.setdefault(key, []).append(seconds)
    times["refresh"] = [_timed(engine.refresh)]
    return {
        "photos": photos,
        "load_s": round(load, 3),
        **{f"{k}_s": round(statistics.median(v), 3) for k, v in times.items()},
        "tags_refreshed": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=1280)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        catalog = Path(folder) / "catalog.sqlite"
        started = time.perf_counter()
        build_catalog(catalog, args.photos, args.dim)
        built = time.perf_counter() - started
        report = measure(catalog, args.photos, args.repeat)
    report["build_s"] = round(built, 1)
    if args.json:
        print(json.dumps(report, indent=1))
        return
    print(f"{args.photos:,} photos, {args.dim}-d embeddings (catalog built in {built:.0f} s)"
          f"; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    print(f"  first load of the embeddings from SQLite: {report['load_s']:.3f} s (kept after)")
    print(f"  train on 3 examples + score the library to calibrate: {report['train_s']:.3f} s"
          f" ({report['train_cpu_s']:.3f} s CPU)")  # fmt: skip
    print(f"  ... on 10 examples and 10 rejected photos: {report['train_many_s']:.3f} s")
    print(f"  score the library again (a stored tag): {report['score_s']:.3f} s")
    print(f"  teach = train + score + store who carries it: {report['teach_s']:.3f} s"
          f" ({report['teach_cpu_s']:.3f} s CPU)")  # fmt: skip
    print(
        f"  accept / reject (retrain at once): {report['accept_s']:.3f} / {report['reject_s']:.3f} s"
    )
    print(f"  10 suggestions: {report['suggestions_s']:.3f} s")
    print(f"  end-of-run refresh of {args.repeat} tags: {report['refresh_s']:.3f} s")


if __name__ == "__main__":
    main()
