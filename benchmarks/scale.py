"""Scale checks: a rescan of 10,000 unchanged photos, and clustering 100,000 perceptual hashes.

1. Rescan: 10k tiny real JPEGs (varied crops of real photos, with EXIF) in 100 folders are
   generated once in the cache (``<cache>/bench-library/tiny-10000-v1``), cataloged with the
   metadata phase on a fresh catalog, then rescanned with ``analyze_folder(phases=("metadata",))``
   while nothing changed: the scan must stat every file, find nothing to do, and return fast.
2. Clustering: ``cluster_duplicates`` over 100k synthetic signatures (64-bit pHash/dHash, half
   of them grouped around shared "scene" hashes, 2% planted near duplicates with a few flipped
   bits, 0.5% exact copies by SHA-256; see ``synthetic_signatures``).

Targets: each under 2 s on the reference 2-core machine.

    python -m benchmarks.scale [--photos 10000] [--hashes 100000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

TARGET_S = 2.0
TINY_SIZE = (64, 48)
TINY_VERSION = 1
PER_FOLDER = 100


def tiny_library(count: int, root: Path | None = None) -> tuple[Path, bool]:
    """``count`` tiny real JPEGs in folders of 100, made once; returns (folder, generated)."""
    from imgengine_gui.settings import cache_dir

    folder = (root or cache_dir() / "bench-library") / f"tiny-{count}-v{TINY_VERSION}"
    marker = folder / "complete.json"
    if marker.is_file() and json.loads(marker.read_text()).get("count") == count:
        return folder, False
    chunks = [(start, min(count, start + 1000)) for start in range(0, count, 1000)]
    workers = max(1, min(os.cpu_count() or 1, len(chunks)))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        for _ in pool.map(_make_tiny_chunk, [(str(folder), a, b) for a, b in chunks]):
            pass
    marker.write_text(json.dumps({"count": count}))
    return folder, True


def _make_tiny_chunk(task: tuple[str, int, int]) -> int:
    from benchmarks.library import camera_exif, source_photos, vary

    folder, start, stop = Path(task[0]), task[1], task[2]
    sources = source_photos()
    for index in range(start, stop):
        target = folder / f"d{index // PER_FOLDER:03d}" / f"img_{index:05d}.jpg"
        if target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        rng = random.Random(index)
        image = vary(sources[index % len(sources)], rng, TINY_SIZE)
        image.save(target, "JPEG", quality=85, exif=camera_exif(index, rng))
    return stop - start


def rescan_unchanged(count: int = 10_000, repeat: int = 3) -> dict[str, Any]:
    from imgengine_gui.engine.pipeline import AnalyzeRequest, analyze_folder
    from imgengine_gui.settings import Settings

    started = time.perf_counter()
    folder, generated = tiny_library(count)
    generate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="imgengine-scale-") as tmp:
        settings = Settings().with_overrides(cache_dir=str(Path(tmp) / "cache"))
        request = AnalyzeRequest(folder, Path(tmp) / "catalog.sqlite", settings, ("metadata",))
        first = analyze_folder(request)
        timings, summaries = [], []
        for _ in range(repeat):
            mark = time.perf_counter()
            summaries.append(analyze_folder(request))
            timings.append(time.perf_counter() - mark)
        walk_s = _walk_seconds(folder)
    last = summaries[-1]
    return {
        "photos": count,
        "library": str(folder),
        "library_generated": generated,
        "generate_s": round(generate_s, 2),
        "first_scan": {
            "analyzed": first.analyzed,
            "failed": first.failed,
            "seconds": round(first.elapsed_s, 2),
            "photos_per_s": round(first.photos_per_s, 1),
        },
        "rescan_s": [round(t, 3) for t in timings],
        "rescan_best_s": round(min(timings), 3),
        "rescan_median_s": round(statistics.median(timings), 3),
        "rescan_unchanged": last.unchanged,
        "rescan_analyzed": last.analyzed,
        "walk_only_s": round(walk_s, 3),
        "target_s": TARGET_S,
        "meets_target": statistics.median(timings) < TARGET_S
        and last.unchanged == count
        and last.analyzed == 0,
    }


def _walk_seconds(folder: Path) -> float:
    from imgengine_gui.scan.walk import walk_photos

    mark = time.perf_counter()
    for _ in walk_photos(folder):
        pass
    return time.perf_counter() - mark


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


def synthetic_signatures(
    count: int, seed: int = 0
) -> tuple[list[Any], list[tuple[int, int]], int, int]:
    """(signatures, planted (copy, original) pairs, near duplicates, exact copies).

    Like a real library, hashes are not uniform: half the photos are "scenes" shot several
    times (a shared hash with 6-16 bits changed and their own signature: similar, not duplicates),
    which gives the candidate search and the verification real work; the other half are
    unrelated. 2% are near duplicates of an earlier photo (1-3 bits changed, same signature) and
    0.5% exact copies (same SHA-256).
    """
    from imgengine_gui.analysis.duplicates import PhotoSignature
    from imgengine_gui.analysis.signature import SIGNATURE_SIDE

    rng = random.Random(seed)
    scenes = [(rng.getrandbits(64), rng.getrandbits(64)) for _ in range(max(1, count // 50))]
    photos: list[PhotoSignature] = []
    planted: list[tuple[int, int]] = []
    near = exact = 0
    for photo_id in range(count):
        roll = rng.random()
        sha = f"{rng.getrandbits(256):064x}"
        if photos and roll < 0.025:
            original = photos[rng.randrange(len(photos))]
            if roll < 0.02:
                bits = rng.randint(1, 3)
                phash, dhash = _flip(original.phash, bits, rng), _flip(original.dhash, bits, rng)
                near += 1
            else:
                sha, phash, dhash = original.sha256, original.phash, original.dhash
                exact += 1
            photos.append(PhotoSignature(photo_id, sha, phash, dhash, original.signature))
            planted.append((photo_id, original.photo_id))
            continue
        if roll < 0.5:
            phash, dhash = scenes[rng.randrange(len(scenes))]
            phash, dhash = _flip(phash, rng.randint(6, 16), rng), _flip(dhash, rng.randint(6, 16), rng)
        else:
            phash, dhash = rng.getrandbits(64), rng.getrandbits(64)
        signature = rng.randbytes(SIGNATURE_SIDE * SIGNATURE_SIDE)
        photos.append(PhotoSignature(photo_id, sha, phash, dhash, signature))
    return photos, planted, near, exact


def score_clusters(clusters: list[Any], planted: list[tuple[int, int]]) -> tuple[int, int]:
    """(planted copies found with their original, photos clustered with no planted relation)."""
    from benchmarks.duplicates_eval import merged_clusters

    cluster_of = merged_clusters(clusters)
    found = sum(
        1
        for copy, original in planted
        if copy in cluster_of and cluster_of[copy] == cluster_of.get(original)
    )
    related = {photo for pair in planted for photo in pair}
    unrelated = sum(1 for photo in cluster_of if photo not in related)
    return found, unrelated


def cluster_hashes(count: int = 100_000, repeat: int = 3, sensitivity: int = 5) -> dict[str, Any]:
    from imgengine_gui.analysis.duplicates import cluster_duplicates

    photos, planted, near, exact = synthetic_signatures(count)
    timings, clusters = [], []
    for _ in range(repeat):
        mark = time.perf_counter()
        clusters = cluster_duplicates(photos, sensitivity=sensitivity)
        timings.append(time.perf_counter() - mark)
    clustered = sum(len(c.photo_ids) for c in clusters)
    found, unrelated = score_clusters(clusters, planted)
    return {
        "hashes": count,
        "sensitivity": sensitivity,
        "planted_near_duplicates": near,
        "planted_exact_copies": exact,
        "clusters": len(clusters),
        "clustered_photos": clustered,
        "planted_found": found,
        "unrelated_clustered": unrelated,
        "cluster_s": [round(t, 3) for t in timings],
        "cluster_best_s": round(min(timings), 3),
        "cluster_median_s": round(statistics.median(timings), 3),
        "target_s": TARGET_S,
        "meets_target": statistics.median(timings) < TARGET_S,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=10_000, help="files for the rescan check")
    parser.add_argument("--hashes", type=int, default=100_000, help="signatures to cluster")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print(f"rescan: {args.photos} unchanged photos ...", file=sys.stderr)
    rescan = rescan_unchanged(args.photos, args.repeat)
    print(f"clustering: {args.hashes} hashes ...", file=sys.stderr)
    clustering = cluster_hashes(args.hashes, args.repeat)
    report = {
        "rescan": rescan,
        "clustering": clustering,
        "cores": os.cpu_count(),
        "load_avg": [round(v, 2) for v in os.getloadavg()],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(
            f"rescan of {args.photos} unchanged photos: median {rescan['rescan_median_s']} s "
            f"(best {rescan['rescan_best_s']} s; walk alone {rescan['walk_only_s']} s; "
            f"target < {TARGET_S} s) {'OK' if rescan['meets_target'] else 'MISSED'}"
        )
        print(
            f"clustering {args.hashes} hashes: median {clustering['cluster_median_s']} s "
            f"({clustering['clusters']} clusters; target < {TARGET_S} s) "
            f"{'OK' if clustering['meets_target'] else 'MISSED'}"
        )
    return 0 if rescan["meets_target"] and clustering["meets_target"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
