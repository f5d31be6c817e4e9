"""Duplicate clustering: exact copies by SHA-256, near duplicates by hashes + verification.

Method (near duplicates, over one representative per exact cluster):

1. Candidates. Multi-index hashing over the 128 bits of (pHash, dHash): 8 tables keyed by
   the 16-bit chunks of each hash (a pair within 3 bits on either hash shares a chunk), plus
   48 tables keyed by random 16-bit samples of the bits edits flip least (pairs further apart
   still meet in one of them with high probability). Pairs come from sorted keys, vectorised;
   no pairwise loop. Only pairs with pHash + dHash within ``verify_sum`` are kept.
2. Decision, per candidate pair, with the thresholds of the sensitivity level:
   - both pHash and dHash within ``hash_accept`` bits: a duplicate, unless the signatures
     disagree outright (a veto for degenerate hashes of near-flat pictures);
   - pHash + dHash within ``verify_sum`` bits: a duplicate only when the crop-tolerant NCC of
     the two 16 x 16 signatures reaches ``signature_min`` (cropped, captioned, heavily
     recompressed copies land here; different shots of the same place do not pass);
   - an optional embedding (e.g. CLIP, L2-normalised) vetoes pairs whose cosine is below
     ``embedding_veto`` and can confirm a verification that just missed.
   Hash matches are decided first; a pair to verify is skipped when hash matches already join
   its two photos (it could not change the clusters), which keeps the crop search off bursts.
3. Connected components of the accepted pairs are the near-duplicate clusters; each takes in
   the exact copies of its members, so that clusters never overlap.

A ``check`` callable can veto or confirm candidates with any other signal.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from imgengine_gui.analysis.signature import pair_similarity, plain_similarity

_CHUNK_BITS = 16
_RANDOM_TABLES = 48
# Bits the random tables sample (bit k of the 128 = row-major cell of imagehash's 8x8 arrays,
# pHash first): the low-frequency pHash cells (not the constant DC) and the inner dHash rows.
# Crops, captions and borders flip them least, so edited copies meet in more tables.
_STABLE_BITS = np.array(
    [r * 8 + c for r in range(8) for c in range(8) if 0 < r + c <= 5]
    + [64 + r * 8 + c for r in range(1, 7) for c in range(8)]
)
_MAX_BUCKET = 2_000  # a bucket larger than this (degenerate hashes) is skipped in that table
_TABLE_SEED = 0x1E_D0_70  # fixed: the same photos always give the same candidates
_PLAIN_FLOOR = 0.2  # below this whole-signature NCC, no crop window rescues a pair


@dataclass
class PhotoSignature:
    photo_id: int
    sha256: str | None
    phash: int | None
    dhash: int | None
    signature: bytes | None = None  # ContentResult.extra["signature"]: 16 x 16 uint8 grayscale
    embedding: np.ndarray | None = None  # optional L2-normalised embedding from the ML phase
    raw: bool = False  # a RAW file (seen through its preview): never a near copy of a JPEG etc.


@dataclass
class Cluster:
    kind: str  # "exact" | "near"
    photo_ids: list[int]


@dataclass(frozen=True)
class Thresholds:
    hash_accept: int  # both hashes within this many bits: duplicate
    verify_sum: int  # pHash + dHash within this many bits: verify the signatures
    signature_min: float  # crop-tolerant NCC that confirms a verified pair
    signature_veto: float  # NCC below which even a hash match is refused
    embedding_veto: float  # cosine below which any pair is refused (both embeddings present)
    embedding_confirm: float  # cosine that lets a pair pass with NCC up to 0.1 under the bar


# level: (hash_accept, verify_sum, signature_min). Level 5 is tuned on benchmarks/duplicates_eval.
_LEVELS = {
    1: (4, 28, 0.95),
    2: (5, 32, 0.94),
    3: (6, 36, 0.93),
    4: (7, 40, 0.92),
    5: (8, 44, 0.90),
    6: (9, 48, 0.89),
    7: (10, 52, 0.88),
    8: (11, 56, 0.87),
    9: (12, 60, 0.87),
    10: (13, 64, 0.86),
}


def thresholds_for(sensitivity: int) -> Thresholds:
    """1 = only near-identical copies ... 10 = heavier edits too (more found, more risk)."""
    hash_accept, verify_sum, signature_min = _LEVELS[min(10, max(1, int(sensitivity)))]
    return Thresholds(
        hash_accept=hash_accept,
        verify_sum=verify_sum,
        signature_min=signature_min,
        signature_veto=0.5,
        embedding_veto=0.75,  # provisional: not yet tuned on real CLIP/MobileNet embeddings
        embedding_confirm=0.97,
    )


# A check sees the two photos and the evidence so far and returns True (duplicate), False
# (not a duplicate) or None (no opinion: the built-in decision stands).
PairCheck = Callable[[PhotoSignature, PhotoSignature, "PairEvidence"], bool | None]


@dataclass(frozen=True)
class PairEvidence:
    phash_distance: int
    dhash_distance: int
    signature_similarity: float | None
    embedding_similarity: float | None
    accepted: bool  # the built-in decision


def cluster_duplicates(
    photos: Sequence[PhotoSignature],
    sensitivity: int = 5,
    *,
    check: PairCheck | None = None,
) -> list[Cluster]:
    """Disjoint clusters: every photo is in one cluster at most, ordered by smallest member.

    Byte-identical photos (same SHA-256) form an "exact" cluster. Near duplicates are found
    between one representative per distinct content; a near cluster then takes in the exact
    copies of its members, so a picture's exact and near copies are one "near" cluster, with
    one keeper among them all.
    """
    exact, representatives = exact_clusters(photos)
    hashed = [p for p in representatives if p.phash is not None and p.dhash is not None]
    if len(hashed) < 2:
        return exact
    first, second = near_duplicate_edges(hashed, thresholds_for(sensitivity), check=check)
    near = [[hashed[i].photo_id for i in c] for c in _components(len(hashed), first, second)]
    return merge_exact_into_near(exact, near)


def merge_exact_into_near(exact: Sequence[Cluster], near: Sequence[list[int]]) -> list[Cluster]:
    """Each near group (of representatives) absorbs the exact clusters its members stand for."""
    copies = {cluster.photo_ids[0]: cluster.photo_ids for cluster in exact}
    absorbed: set[int] = set()
    merged: list[Cluster] = []
    for group in near:
        members: set[int] = set()
        for photo_id in group:
            members.update(copies.get(photo_id, (photo_id,)))
            absorbed.add(photo_id)
        merged.append(Cluster("near", sorted(members)))
    merged += [c for c in exact if c.photo_ids[0] not in absorbed]
    return sorted(merged, key=lambda c: c.photo_ids[0])


def exact_clusters(photos: Sequence[PhotoSignature]) -> tuple[list[Cluster], list[PhotoSignature]]:
    """(clusters of photos with the same SHA-256, one representative per distinct content)."""
    by_digest: dict[str, list[PhotoSignature]] = defaultdict(list)
    representatives: list[PhotoSignature] = []
    for photo in photos:
        if photo.sha256:
            by_digest[photo.sha256].append(photo)
        else:
            representatives.append(photo)
    clusters = []
    for members in by_digest.values():
        members = sorted(members, key=lambda p: p.photo_id)
        representatives.append(members[0])
        if len(members) > 1:
            clusters.append(Cluster("exact", [p.photo_id for p in members]))
    clusters.sort(key=lambda c: c.photo_ids[0])
    representatives.sort(key=lambda p: p.photo_id)
    return clusters, representatives


def near_duplicate_edges(
    photos: Sequence[PhotoSignature], limits: Thresholds, *, check: PairCheck | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Accepted near-duplicate pairs (indices into ``photos``).

    Hash matches are decided first; a pair that needs signature verification is only verified
    when the hash matches have not already joined its two photos (it could not change the
    clusters), which keeps the crop search off the bulk of bursts and copies.
    """
    phash = np.fromiter((p.phash for p in photos), dtype=np.uint64, count=len(photos))
    dhash = np.fromiter((p.dhash for p in photos), dtype=np.uint64, count=len(photos))
    first, second = candidate_pairs(phash, dhash, limits.verify_sum)
    raw = np.fromiter((p.raw for p in photos), dtype=bool, count=len(photos))
    same_kind = raw[first] == raw[second]  # a RAW and its JPEG are a pair, not duplicates
    first, second = first[same_kind], second[same_kind]
    p_dist = np.bitwise_count(phash[first] ^ phash[second]).astype(np.int32)
    d_dist = np.bitwise_count(dhash[first] ^ dhash[second]).astype(np.int32)
    hash_match = (p_dist <= limits.hash_accept) & (d_dist <= limits.hash_accept)

    strong = np.flatnonzero(hash_match)
    ncc = np.full(len(first), np.nan, dtype=np.float32)
    ncc[strong] = _signature_similarity(
        photos, first[strong], second[strong], crop_search=False, limits=limits
    )
    cosine = _embedding_similarity(photos, first, second)
    accepted = np.zeros(len(first), dtype=bool)
    accepted[strong] = _decide(strong, True, ncc, cosine, limits)

    labels = _labels(len(photos), first[accepted], second[accepted])
    weak = np.flatnonzero(~hash_match & (labels[first] != labels[second]))
    ncc[weak] = _signature_similarity(
        photos, first[weak], second[weak], crop_search=True, limits=limits
    )
    accepted[weak] = _decide(weak, False, ncc, cosine, limits)

    if check is not None:
        for k in np.concatenate([strong, weak]):
            evidence = PairEvidence(
                int(p_dist[k]),
                int(d_dist[k]),
                None if np.isnan(ncc[k]) else float(ncc[k]),
                None if np.isnan(cosine[k]) else float(cosine[k]),
                bool(accepted[k]),
            )
            verdict = check(photos[first[k]], photos[second[k]], evidence)
            if verdict is not None:
                accepted[k] = verdict
    return first[accepted], second[accepted]


def _decide(
    rows: np.ndarray, hash_match: bool, ncc: np.ndarray, cosine: np.ndarray, limits: Thresholds
) -> np.ndarray:
    ncc, cosine = ncc[rows], cosine[rows]
    has_ncc, has_cos = ~np.isnan(ncc), ~np.isnan(cosine)
    vetoed = has_cos & (cosine < limits.embedding_veto)
    if hash_match:
        return ~(vetoed | (has_ncc & (ncc < limits.signature_veto)))
    verified = has_ncc & (ncc >= limits.signature_min)
    confirmed = (
        has_ncc
        & (ncc >= limits.signature_min - 0.1)
        & has_cos
        & (cosine >= limits.embedding_confirm)
    )
    return (verified | confirmed) & ~vetoed


def _signature_similarity(
    photos: Sequence[PhotoSignature],
    first: np.ndarray,
    second: np.ndarray,
    *,
    crop_search: bool,
    limits: Thresholds,
) -> np.ndarray:
    """NCC of the signatures per pair (NaN where one is missing).

    The whole-signature NCC is a lower bound of the crop-tolerant one, so the crop search runs
    only where it could change the decision: for pairs to verify (``crop_search``), those the
    plain NCC leaves below ``signature_min`` but not hopeless; for hash matches, those it would
    veto.
    """
    ncc = np.full(len(first), np.nan, dtype=np.float32)
    present = np.fromiter((p.signature is not None for p in photos), dtype=bool, count=len(photos))
    both = np.flatnonzero(present[first] & present[second])
    if not both.size:
        return ncc
    signatures = [p.signature for p in photos]
    plain = plain_similarity(signatures, first[both], second[both])
    ncc[both] = plain
    if crop_search:
        search = both[(plain < limits.signature_min) & (plain >= _PLAIN_FLOOR)]
    else:  # hash matches: only a would-be veto is worth a closer look
        search = both[plain < limits.signature_veto]
    if search.size:
        ncc[search] = pair_similarity(signatures, first[search], second[search])
    return ncc


def _embedding_similarity(
    photos: Sequence[PhotoSignature], first: np.ndarray, second: np.ndarray
) -> np.ndarray:
    cosine = np.full(len(first), np.nan, dtype=np.float32)
    present = np.fromiter((p.embedding is not None for p in photos), dtype=bool, count=len(photos))
    both = np.flatnonzero(present[first] & present[second])
    for k in both:  # only rows the ML phase has filled; few when it has not run
        a = np.ravel(photos[first[k]].embedding)
        b = np.ravel(photos[second[k]].embedding)
        if a.shape == b.shape:  # embeddings of two different models are not comparable
            cosine[k] = float(np.dot(a, b))
    return cosine


def candidate_pairs(
    phash: np.ndarray, dhash: np.ndarray, max_sum: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) sharing a key in some hash table, with pHash + dHash <= ``max_sum``."""
    n = len(phash)
    found = []
    for keys in _table_keys(phash, dhash):
        codes = _bucket_pairs(keys)
        first, second = codes // n, codes % n
        distance = np.bitwise_count(phash[first] ^ phash[second]) + np.bitwise_count(
            dhash[first] ^ dhash[second]
        )
        found.append(codes[distance <= max_sum])
    codes = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
    return codes // n, codes % n


def _table_keys(phash: np.ndarray, dhash: np.ndarray):
    """16-bit keys (uint16, so sorting them is a radix sort) of every hash table."""
    for value in (phash, dhash):
        chunks = value.astype("<u8").view(np.uint16).reshape(len(value), 4)
        yield from chunks.T
    bits = np.unpackbits(np.stack([phash, dhash], axis=1).astype(">u8").view(np.uint8), axis=1)
    rng = np.random.default_rng(_TABLE_SEED)
    weights = np.zeros((bits.shape[1], _RANDOM_TABLES), dtype=np.float32)
    for table in range(_RANDOM_TABLES):
        chosen = rng.choice(_STABLE_BITS, size=_CHUNK_BITS, replace=False)
        weights[chosen, table] = 2.0 ** np.arange(_CHUNK_BITS)
    keys = (bits.astype(np.float32) @ weights).astype(np.uint16)  # exact: sums < 2**16
    yield from keys.T


def _bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Codes i * n + j (i < j) of every pair of rows with the same key (vectorised)."""
    n = len(keys)
    order = np.argsort(np.ascontiguousarray(keys), kind="stable")
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, n])
    keep = (sizes >= 2) & (sizes <= _MAX_BUCKET)
    if not keep.any():
        return np.empty(0, dtype=np.int64)
    run_end = np.repeat(starts + sizes, sizes)
    usable = np.repeat(keep, sizes)
    position = np.flatnonzero(usable)
    chunks = []
    step = 1
    while position.size:
        partner = position + step
        position = position[partner < run_end[position]]
        partner = position + step
        if not position.size:
            break
        a, b = order[position], order[partner]
        chunks.append(np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b))
        step += 1
    return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.int64)


def _labels(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Connected-component label of each of ``n`` nodes."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(first), dtype=np.int8), (first, second)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def _components(n: int, first: np.ndarray, second: np.ndarray) -> list[list[int]]:
    """Connected components with at least two members, each sorted, ordered by first member."""
    if not len(first):
        return []
    labels = _labels(n, first, second)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    groups = [g.tolist() for g in np.split(order, bounds) if len(g) >= 2]
    return sorted(groups, key=lambda g: g[0])
