"""People: clustering face descriptors (dlib's 128-d ResNet space, Euclidean distance).

Method, chosen by measurement (``benchmarks/faces_eval.py``, ``benchmarks/people_scale.py``):

1. Graph. Pairs of faces closer than ``SAME_PERSON`` (0.6, dlib's published LFW operating point),
   at most ``MAX_NEIGHBORS`` per face. Exact blocked search up to ``EXACT_SEARCH`` faces; above
   that an inverted-file search: k-means cells, each face compared with the faces filed in its
   cell, every face filed in its ``PROBES`` nearest cells.
2. Tight groups: connected components of the pairs closer than ``TIGHT`` (0.4), faces that
   close being the same person with near certainty; a component that is not itself coherent
   (RMS distance of its faces over 0.6: a chain) is split by chinese whispers (dlib).
3. RMS linkage over the groups, cut at the same 0.6: two groups merge only while the
   root-mean-square distance between their faces stays under dlib's same-person distance. It is
   exact from each group's size, centroid and spread, so large groups cost no pairwise work,
   and single links (one look-alike pair, one blurred face near everyone) never merge two
   people, as they do in connected components or chinese whispers at 0.6.
4. A person needs ``MIN_FACES`` faces; others stay unassigned until a second face turns up.

Incremental: a new face joins the person whose faces are closest to it in RMS distance, when
that is under 0.6 (the same linkage rule, one face joining a group); the rest cluster among the
unassigned faces near them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

SAME_PERSON = 0.6
MIN_FACES = 2
MAX_NEIGHBORS = 16
EXACT_SEARCH = 8_000
TIGHT = 0.4  # first groups: chinese whispers over pairs this close (same person, near certain)
PROBES = 2
_BLOCK = 2048
_SEED = 20_13


def sq_norms(X: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", X, X)


def pair_graph(
    X: np.ndarray, radius: float = SAME_PERSON, max_neighbors: int = MAX_NEIGHBORS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i < j) closer than ``radius``, at most ``max_neighbors`` nearest per face."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if len(X) < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    if len(X) <= EXACT_SEARCH:
        rows, cols, dists = _search(X, np.arange(len(X)), np.arange(len(X)), radius, max_neighbors)
    else:
        rows, cols, dists = _search_cells(X, radius, max_neighbors)
    keep = rows < cols
    rows, cols, dists = rows[keep], cols[keep], dists[keep]
    # a pair found from both ends (or in two cells) counts once
    key = rows * len(X) + cols
    _, first = np.unique(key, return_index=True)
    return rows[first], cols[first], dists[first]


def _search(
    X: np.ndarray, queries: np.ndarray, base: np.ndarray, radius: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both directions of every close pair between ``queries`` and ``base`` (index arrays)."""
    base_x = X[base]
    base_n = sq_norms(base_x)
    limit = radius * radius
    out_r, out_c, out_d = [], [], []
    for start in range(0, len(queries), _BLOCK):
        q = queries[start : start + _BLOCK]
        qx = X[q]
        d2 = sq_norms(qx)[:, None] + base_n[None, :] - 2.0 * (qx @ base_x.T)
        if d2.shape[1] > k + 1:  # the k nearest of each row (one slot for the face itself)
            c = np.argpartition(d2, k, axis=1)[:, : k + 1]
            r = np.repeat(np.arange(len(q)), k + 1)
            c = c.ravel()
            d = d2[r, c]
            close = d < limit
            r, c, d = r[close], c[close], d[close]
        else:
            r, c = np.nonzero(d2 < limit)
            d = d2[r, c]
        other = q[r] != base[c]
        out_r.append(q[r][other])
        out_c.append(base[c][other])
        out_d.append(np.sqrt(np.maximum(d[other], 0.0)))
    rows, cols, dists = (np.concatenate(a) for a in (out_r, out_c, out_d))
    # undirected: each pair in both directions, so that i < j keeps it whichever end found it
    return (
        np.concatenate([rows, cols]),
        np.concatenate([cols, rows]),
        np.concatenate([dists, dists]).astype(np.float32),
    )


def _search_cells(
    X: np.ndarray, radius: float, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cells = max(8, int(np.sqrt(len(X)) * 1.5))
    centers = kmeans(X, cells)
    d2 = sq_norms(centers)[None, :] - 2.0 * (X @ centers.T)
    nearest = np.argpartition(d2, PROBES, axis=1)[:, :PROBES]
    primary = np.argmin(d2, axis=1)
    filed = np.argsort(nearest.ravel(), kind="stable")
    filed_cell = nearest.ravel()[filed]
    filed_face = filed // PROBES
    by_primary = np.argsort(primary, kind="stable")
    primary_sorted = primary[by_primary]
    parts = []
    for cell in range(cells):
        queries = by_primary[np.searchsorted(primary_sorted, cell) : np.searchsorted(primary_sorted, cell, "right")]
        base = filed_face[np.searchsorted(filed_cell, cell) : np.searchsorted(filed_cell, cell, "right")]
        if len(queries) and len(base):
            parts.append(_search(X, queries, base, radius, k))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return tuple(np.concatenate(a) for a in zip(*parts, strict=True))  # type: ignore[return-value]


def kmeans(X: np.ndarray, k: int, iterations: int = 8, sample: int = 64) -> np.ndarray:
    """Lloyd's k-means on a fixed random sample (``sample`` points per centre): the cells of the
    inverted-file search only need to be roughly balanced and local, not optimal."""
    rng = np.random.default_rng(_SEED)
    points = X[rng.permutation(len(X))[: k * sample]]
    centers = points[rng.choice(len(points), k, replace=False)].copy()
    for _ in range(iterations):
        nearest = np.argmin(sq_norms(centers)[None, :] - 2.0 * (points @ centers.T), axis=1)
        filled = np.bincount(nearest, minlength=k) > 0
        centers[filled] = group_summaries(points, nearest, k)[0][filled].astype(np.float32)
    return centers


def cluster(X: np.ndarray, threshold: float = SAME_PERSON) -> np.ndarray:
    """A cluster label per face (0..k-1, singletons included): tight groups, then RMS linkage."""
    rows, cols, dists = pair_graph(X, threshold)
    tight = dists < TIGHT
    groups = tight_groups(X, rows[tight], cols[tight], threshold)
    return rms_linkage(X, groups, rows, cols, threshold)


def tight_groups(X: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float) -> np.ndarray:
    """Connected components of the tight pairs; a component whose faces are not themselves within
    ``threshold`` in RMS distance (a chain) is split by chinese whispers instead."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(X)
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    count, groups = connected_components(graph, directed=False)
    _, spread = group_summaries(X, groups, count)
    chains = np.flatnonzero(2.0 * spread >= threshold * threshold)  # mean |a - b|^2 = 2 spread
    for chain in chains:
        members = np.flatnonzero(groups == chain)
        inside = np.isin(rows, members)
        local = np.searchsorted(members, np.concatenate([rows[inside], cols[inside]]))
        half = len(local) // 2
        split = whispers(len(members), local[:half], local[half:])
        groups[members] = np.where(split == 0, chain, count + split - 1)
        count += int(split.max())
    return groups


def whispers(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Chinese whispers (dlib) over the given edges: a group label per node (0..k-1)."""
    if len(rows) == 0:
        return np.arange(n)
    import dlib

    edges = list(zip(rows.tolist(), cols.tolist(), strict=True))
    edges += [(i, i) for i in range(n)]  # every node appears, isolated ones too
    _, labels = np.unique(np.asarray(dlib.chinese_whispers(edges)), return_inverse=True)
    return labels


def rms_linkage(
    X: np.ndarray, groups: np.ndarray, rows: np.ndarray, cols: np.ndarray, threshold: float
) -> np.ndarray:
    """Agglomerative clustering of ``groups`` (a starting label per face): merge the two adjacent
    groups whose faces are closest in RMS distance, while that distance is under ``threshold``.

    The RMS distance between groups A and B is exact from their sizes, centroids and spreads:
    mean |a - b|^2 = |mean A - mean B|^2 + spread A + spread B. The graph only says which groups
    may merge: two groups with no face pair under ``threshold`` are never under it in RMS.
    """
    import heapq

    n = int(groups.max()) + 1 if len(groups) else 0
    size = np.bincount(groups, minlength=n).astype(np.float64)
    centre, spread = group_summaries(X, groups, n)
    alive = np.ones(n, dtype=bool)
    owner = np.arange(n)  # the group a group merged into, resolved at the end
    neighbours: list[set[int]] = [set() for _ in range(n)]
    a_side, b_side = groups[rows], groups[cols]
    apart = a_side != b_side
    for a, b in zip(a_side[apart].tolist(), b_side[apart].tolist(), strict=True):
        neighbours[a].add(b)
        neighbours[b].add(a)
    limit = threshold * threshold
    queued = np.full(n, np.inf)  # the gap of each group's entry in the heap
    heap: list[tuple[float, int]] = []

    def offer(group: int, gap: float) -> None:
        if gap < limit and gap < queued[group]:
            queued[group] = gap
            heapq.heappush(heap, (gap, group))

    def nearest(group: int) -> tuple[float, int]:
        near = neighbours[group]
        if not near:
            return np.inf, -1
        others = np.fromiter(near, dtype=np.int64, count=len(near))
        gaps = ((centre[others] - centre[group]) ** 2).sum(axis=1) + spread[others] + spread[group]
        best = int(np.argmin(gaps))
        return float(gaps[best]), int(others[best])

    # one entry per group: its nearest neighbour's RMS gap (squared); stale entries are only ever
    # too small, so popping one just recomputes it
    for group in range(n):
        if neighbours[group]:
            offer(group, nearest(group)[0])
    while heap:
        gap, a = heapq.heappop(heap)
        if not alive[a] or gap != queued[a]:
            continue  # merged away, or superseded by a smaller entry
        true_gap, b = nearest(a)
        if true_gap > gap:
            queued[a] = np.inf
            offer(a, true_gap)
            continue
        if size[a] < size[b]:
            a, b = b, a
        total = size[a] + size[b]
        merged = (centre[a] * size[a] + centre[b] * size[b]) / total
        spread[a] = (
            size[a] * (spread[a] + ((centre[a] - merged) ** 2).sum())
            + size[b] * (spread[b] + ((centre[b] - merged) ** 2).sum())
        ) / total
        centre[a], size[a] = merged, total
        owner[b], alive[b] = a, False
        near = (neighbours[a] | neighbours[b]) - {a, b}
        neighbours[b] = set()
        for c in near:
            neighbours[c].discard(b)
            neighbours[c].add(a)
        neighbours[a] = near
        if not near:
            continue
        others = np.fromiter(near, dtype=np.int64, count=len(near))
        gaps = ((centre[others] - merged) ** 2).sum(axis=1) + spread[others] + spread[a]
        close = gaps < limit
        for c, g in zip(others[close].tolist(), gaps[close].tolist(), strict=True):
            offer(c, g)
        queued[a] = np.inf
        offer(a, float(gaps.min()))
    while True:  # resolve chains of merges to the final group
        parent = owner[owner]
        if np.array_equal(parent, owner):
            break
        owner = parent
    _, labels = np.unique(owner[groups], return_inverse=True)
    return labels


def near_any(X: np.ndarray, Q: np.ndarray, radius: float) -> np.ndarray:
    """Mask over the rows of ``X``: closer than ``radius`` to at least one row of ``Q``."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    Q = np.ascontiguousarray(Q, dtype=np.float32)
    mask = np.zeros(len(X), dtype=bool)
    x_n = sq_norms(X)
    for start in range(0, len(Q), 256):
        q = Q[start : start + 256]
        d2 = sq_norms(q)[:, None] + x_n[None, :] - 2.0 * (q @ X.T)
        mask |= (d2 < radius * radius).any(axis=0)
    return mask


@dataclass
class Faces:
    """The faces a people update works on. ``person``: current person id, or -1."""

    vectors: np.ndarray  # (n, 128) float32
    person: np.ndarray  # (n,) int64
    pinned: np.ndarray  # (n,) bool: the user put this face in its person
    rejected: Mapping[int, set[int]]  # face index -> persons the user said it is not


def join_people(faces: Faces, new: np.ndarray, threshold: float = SAME_PERSON) -> np.ndarray:
    """Person for each face index in ``new`` (-1: none close enough): the person whose faces are
    closest in RMS distance (the clustering's own rule, one face joining a group), under
    ``threshold``, and not one the face was rejected from."""
    known = np.flatnonzero(faces.person >= 0)
    result = np.full(len(new), -1, dtype=np.int64)
    if len(known) == 0 or len(new) == 0:
        return result
    ids, groups = np.unique(faces.person[known], return_inverse=True)
    centre, spread = group_summaries(faces.vectors[known], groups, len(ids))
    q = faces.vectors[new].astype(np.float64)
    gaps = sq_norms(q)[:, None] + sq_norms(centre)[None, :] - 2.0 * (q @ centre.T) + spread[None, :]
    for row, face in enumerate(new):
        for person in faces.rejected.get(int(face), ()):
            hit = np.searchsorted(ids, person)
            if hit < len(ids) and ids[hit] == person:
                gaps[row, hit] = np.inf
    best = np.argmin(gaps, axis=1)
    close = gaps[np.arange(len(new)), best] < threshold * threshold
    result[close] = ids[best[close]]
    return result


def group_summaries(X: np.ndarray, groups: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: centroid and spread (mean squared distance of its members to the centroid)."""
    from scipy.sparse import csr_matrix

    size = np.maximum(np.bincount(groups, minlength=n), 1).astype(np.float64)
    members = csr_matrix((np.ones(len(groups)), (groups, np.arange(len(groups)))), shape=(n, len(groups)))
    centre = (members @ X.astype(np.float64)) / size[:, None]
    spread = np.bincount(groups, ((X - centre[groups]) ** 2).sum(axis=1), minlength=n) / size
    return centre, spread


def new_groups(
    faces: Faces, new: np.ndarray, threshold: float = SAME_PERSON, min_faces: int = MIN_FACES
) -> list[np.ndarray]:
    """Groups (face indexes) of unassigned faces that form new people, each holding a new face."""
    pool = np.flatnonzero(faces.person < 0)
    if len(new) == 0 or len(pool) < min_faces:
        return []
    is_new = np.zeros(len(faces.person), dtype=bool)
    is_new[new] = True
    # the unassigned faces within reach of a new face, and the new faces themselves
    reach = pool[near_any(faces.vectors[pool], faces.vectors[new], threshold)]
    candidates = np.union1d(reach, new[faces.person[new] < 0])
    labels = cluster(faces.vectors[candidates], threshold)
    groups = []
    for label in np.unique(labels):
        group = candidates[labels == label]
        if len(group) >= min_faces and is_new[group].any():
            groups.append(group)
    return groups


def recluster(faces: Faces, threshold: float = SAME_PERSON, min_faces: int = MIN_FACES) -> np.ndarray:
    """A person per face after a full re-cluster; new people get ids below -1 (-2, -3, ...).

    Users' decisions hold: pinned faces keep their person, a cluster holding pinned faces goes to
    their person (unpinned faces of a cluster with several pinned people go to the nearest on
    average), other clusters keep the id most of their faces had (largest cluster first; one
    cluster per id, a person's pinned faces aside), and a face never lands in a person it was
    rejected from.
    """
    n = len(faces.person)
    result = np.full(n, -1, dtype=np.int64)
    labels = cluster(faces.vectors, threshold)
    taken: set[int] = set()
    fresh = -2
    groups = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    groups.sort(key=lambda g: -len(g))
    for group in groups:
        pinned_people = np.unique(faces.person[group][faces.pinned[group]])
        if len(pinned_people) == 1:
            result[group] = pinned_people[0]
        elif len(pinned_people) > 1:
            _split_between(faces, group, pinned_people, result, threshold)
        elif len(group) >= min_faces:
            before = faces.person[group]
            before = before[before >= 0]
            ids, counts = np.unique(before, return_counts=True)
            ranked = [int(p) for _, p in sorted(zip(-counts, ids, strict=True)) if p not in taken]
            if ranked:
                result[group] = ranked[0]
                taken.add(ranked[0])
            else:
                result[group] = fresh
                fresh -= 1
    pinned = np.flatnonzero(faces.pinned)
    result[pinned] = faces.person[pinned]
    for face, people in faces.rejected.items():
        if result[face] in people:
            result[face] = -1
    return result


def _split_between(
    faces: Faces, group: np.ndarray, people: np.ndarray, result: np.ndarray, threshold: float
) -> None:
    anchors = group[faces.pinned[group]]
    free = group[~faces.pinned[group]]
    if len(free) == 0:
        return
    ids, which = np.unique(faces.person[anchors], return_inverse=True)
    centre, spread = group_summaries(faces.vectors[anchors], which, len(ids))
    q = faces.vectors[free].astype(np.float64)
    gaps = sq_norms(q)[:, None] + sq_norms(centre)[None, :] - 2.0 * (q @ centre.T) + spread[None, :]
    best = np.argmin(gaps, axis=1)
    close = gaps[np.arange(len(free)), best] < threshold * threshold
    result[free[close]] = ids[best[close]]
