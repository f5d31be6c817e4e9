"""Duplicate clustering (exact + near), its benchmark, its scale, and the keeper choice."""

from __future__ import annotations

import time

import numpy as np
import pytest

from imgengine_gui.analysis.best_copy import Candidate, choose_keeper
from imgengine_gui.analysis.duplicates import (
    Cluster,
    PhotoSignature,
    cluster_duplicates,
    thresholds_for,
)

pytest.importorskip("skimage.data")


@pytest.mark.slow
def test_small_benchmark_precision_and_recall(corpus_dir, tmp_path_factory):
    from benchmarks.duplicates_eval import evaluate

    result = evaluate(corpus=corpus_dir, small=True, workdir=tmp_path_factory.mktemp("dupes"))
    print(
        f"\nsmall benchmark: {result['files']} files, precision {result['precision']:.4f}, "
        f"recall {result['recall']:.4f}, per edit {result['recall_per_edit']}, "
        f"false pairs {result['false_positive_pairs'][:5]}"
    )
    assert result["groups"] >= 6
    assert result["precision"] >= 0.99, result["false_positive_pairs"]
    assert result["recall"] >= 0.95, result["misses_per_edit"]
    # The consecutive town shots are hard negatives: none of them may merge.
    assert not [p for p in result["false_positive_pairs"] if "gps/" in p[0] and "gps/" in p[1]]


def _random_hashes(rng: np.random.Generator, n: int) -> list[int]:
    return [int(v) for v in rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * 2 + 1]


def _flip(rng: np.random.Generator, value: int, bits: int) -> int:
    for bit in rng.choice(64, bits, replace=False):
        value ^= 1 << int(bit)
    return value


def test_100k_synthetic_hashes_recover_planted_clusters():
    rng = np.random.default_rng(2024)
    n = 100_000
    phash, dhash = _random_hashes(rng, n), _random_hashes(rng, n)
    sha = [f"{i:064x}" for i in range(n)]
    planted, index = [], 0
    for _ in range(3000):  # near clusters of 2..5 copies, each within 4 bits of its original
        size = int(rng.integers(2, 6))
        for member in range(index + 1, index + size):
            phash[member] = _flip(rng, phash[index], int(rng.integers(0, 5)))
            dhash[member] = _flip(rng, dhash[index], int(rng.integers(0, 5)))
        planted.append(list(range(index, index + size)))
        index += size
    exact = []
    for _ in range(1000):  # byte-identical copies: same digest, same hashes
        sha[index + 1], phash[index + 1], dhash[index + 1] = sha[index], phash[index], dhash[index]
        exact.append([index, index + 1])
        index += 2
    photos = [PhotoSignature(i, sha[i], phash[i], dhash[i]) for i in range(n)]

    started = time.perf_counter()
    clusters = cluster_duplicates(photos, sensitivity=5)
    elapsed = time.perf_counter() - started
    print(f"\ncluster_duplicates on {n} photos: {elapsed:.2f} s")

    assert sorted(c.photo_ids for c in clusters if c.kind == "exact") == exact
    assert sorted(c.photo_ids for c in clusters if c.kind == "near") == planted


def _signature(image: np.ndarray) -> bytes:
    return np.clip(image, 0, 255).astype(np.uint8).tobytes()


def test_exact_copies_join_their_near_cluster_so_clusters_never_overlap():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (16, 16)).astype(np.float64)
    other = rng.integers(0, 255, (16, 16)).astype(np.float64)
    photos = [
        PhotoSignature(
            10, "a" * 64, 0x0F0F_0000_FFFF_1234, 0x1111_2222_3333_4444, _signature(base)
        ),
        PhotoSignature(
            11, "a" * 64, 0x0F0F_0000_FFFF_1234, 0x1111_2222_3333_4444, _signature(base)
        ),
        PhotoSignature(
            12, "b" * 64, 0x0F0F_0000_FFFF_1235, 0x1111_2222_3333_4445, _signature(base + 3)
        ),
        PhotoSignature(
            13, "c" * 64, 0xF0F0_FFFF_0000_EDCB, 0xEEEE_DDDD_CCCC_BBBB, _signature(other)
        ),
        PhotoSignature(14, None, None, None),
        PhotoSignature(15, "d" * 64, 0x1234_0000_5678_9999, 0x0000_1111_0000_2222, _signature(base)),
        PhotoSignature(16, "d" * 64, 0x1234_0000_5678_9999, 0x0000_1111_0000_2222, _signature(base)),
    ]
    clusters = cluster_duplicates(photos)
    assert clusters == [Cluster("near", [10, 11, 12]), Cluster("exact", [15, 16])]


def test_signature_vetoes_a_hash_collision_and_check_hook_decides():
    rng = np.random.default_rng(3)
    a = _signature(rng.integers(0, 255, (16, 16)))
    b = _signature(rng.integers(0, 255, (16, 16)))
    same_hash = [
        PhotoSignature(1, "x" * 64, 0x1234_5678_9ABC_DEF0, 0x0FED_CBA9_8765_4321, a),
        PhotoSignature(2, "y" * 64, 0x1234_5678_9ABC_DEF1, 0x0FED_CBA9_8765_4321, b),
    ]
    assert cluster_duplicates(same_hash) == []  # unrelated pictures behind equal hashes
    without_signatures = [PhotoSignature(p.photo_id, p.sha256, p.phash, p.dhash) for p in same_hash]
    assert cluster_duplicates(without_signatures) == [Cluster("near", [1, 2])]

    seen = []

    def veto(first, second, evidence):
        seen.append((first.photo_id, second.photo_id, evidence.phash_distance, evidence.accepted))
        return False

    assert cluster_duplicates(without_signatures, check=veto) == []
    assert seen == [(1, 2, 1, True)]


def test_embedding_vetoes_and_confirms():
    rng = np.random.default_rng(5)
    picture = rng.integers(0, 255, (16, 16)).astype(np.float64)
    x, y = np.eye(8, dtype=np.float32)[0], np.eye(8, dtype=np.float32)[1]
    hashes = (0x1234_5678_9ABC_DEF0, 0x0FED_CBA9_8765_4321)
    twins = [
        PhotoSignature(1, "p" * 64, *hashes, _signature(picture), x),
        PhotoSignature(2, "q" * 64, *hashes, _signature(picture), y),  # orthogonal embedding
    ]
    assert cluster_duplicates(twins) == []
    twins[1].embedding = x.copy()
    assert cluster_duplicates(twins) == [Cluster("near", [1, 2])]
    twins[1].embedding = np.ones(4, dtype=np.float32) / 2  # another model: not comparable
    assert cluster_duplicates(twins) == [Cluster("near", [1, 2])]


def test_sensitivity_levels_only_widen():
    levels = [thresholds_for(level) for level in range(1, 11)]
    for lower, higher in zip(levels, levels[1:], strict=False):
        assert higher.hash_accept >= lower.hash_accept
        assert higher.verify_sum >= lower.verify_sum
        assert higher.signature_min <= lower.signature_min
    assert thresholds_for(0) == thresholds_for(1) and thresholds_for(99) == thresholds_for(10)


# --- best copy ---------------------------------------------------------------------------------


def _candidate(photo_id: int, **values) -> Candidate:
    base = dict(
        path=f"/photos/{photo_id}.jpg", width=4000, height=3000, size_bytes=3_000_000, format="JPEG",
        taken_at="2021:06:01 10:00:00", has_gps=True, sharpness=100.0, mtime_ns=1_000,
    )  # fmt: skip
    base.update(values)
    return Candidate(photo_id=photo_id, **base)


def test_keeper_prefers_resolution_then_original_format_then_size():
    original = _candidate(1)
    smaller = _candidate(2, width=1600, height=1200, size_bytes=600_000)
    png = _candidate(3, format="PNG", size_bytes=14_000_000, taken_at=None, has_gps=False)
    recompressed = _candidate(4, size_bytes=1_200_000)
    for order in ([original, smaller, png, recompressed], [recompressed, png, smaller, original]):
        keeper, reasons = choose_keeper(order)
        assert keeper == 1
        # the copy most like the keeper (same resolution) was beaten by its size, not resolution
        assert reasons[1] == "keep: largest file (2.9 MB) of equal quality"
        assert reasons[2].startswith("lower resolution than the keeper (1600x1200 vs 4000x3000)")
        assert reasons[3].startswith("looks converted (PNG copy of the JPEG original)")
        assert reasons[4].startswith("smaller file than the keeper")


def test_keeper_reasons_name_what_sets_equal_copies_apart():
    a, b = _candidate(1, size_bytes=141_400), _candidate(2, size_bytes=141_312)
    keeper, reasons = choose_keeper([b, a])
    assert keeper == 1 and "highest resolution" not in reasons[1]
    assert reasons[2] == "smaller file than the keeper (141,312 vs 141,400 bytes)"
    small = _candidate(3, width=1600, height=1200)
    keeper, reasons = choose_keeper([small, b])
    assert keeper == 2 and reasons[2] == "keep: highest resolution (4000x3000)"


def test_keeper_a_lone_png_with_more_pixels_still_wins():
    png = _candidate(1, format="PNG", width=6000, height=4000, size_bytes=20_000_000)
    jpeg = _candidate(2)
    keeper, reasons = choose_keeper([jpeg, png])
    assert keeper == 1 and reasons[2].startswith("lower resolution")


def test_keeper_metadata_sharpness_and_ties():
    bare = _candidate(1, taken_at=None, has_gps=False)
    rich = _candidate(2)
    keeper, reasons = choose_keeper([bare, rich])
    assert keeper == 2 and reasons[1] == "less metadata than the keeper (no date, no GPS)"
    blurry = _candidate(3, sharpness=20.0)
    keeper, reasons = choose_keeper([blurry, rich])
    assert keeper == 2 and reasons[3] == "less sharp than the keeper"
    newer = _candidate(4, mtime_ns=5_000)
    longer = _candidate(5, path="/photos/backup/old/5.jpg")
    keeper, reasons = choose_keeper([newer, rich, longer])
    assert keeper == 2
    assert reasons[2] == "keep: oldest copy"
    assert (
        "older or has the shorter path" in reasons[4]
        and "older or has the shorter path" in reasons[5]
    )


def test_keeper_of_one_and_of_none():
    assert choose_keeper([_candidate(7)]) == (7, {7: "keep: the only copy"})
    with pytest.raises(ValueError):
        choose_keeper([])
