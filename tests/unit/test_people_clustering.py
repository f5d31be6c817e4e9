"""Clustering faces into people: precision first, users' decisions, the scalable search."""

from __future__ import annotations

import numpy as np
import pytest

from imgengine_gui.analysis import people


def _person(rng, centre, count, spread=0.024):
    return centre + rng.normal(0.0, spread, (count, 128))


def _centres(rng, count, sigma=0.055):
    return rng.normal(0.0, sigma, (count, 128))  # ~0.88 apart, like strangers in dlib's space


def _pairs(labels, truth):
    same_t = truth[:, None] == truth[None, :]
    same_l = labels[:, None] == labels[None, :]
    upper = np.triu(np.ones_like(same_t, dtype=bool), 1)
    tp = (same_t & same_l & upper).sum()
    return tp / max(1, (same_l & upper).sum()), tp / max(1, (same_t & upper).sum())


def test_separate_people_found_exactly():
    rng = np.random.default_rng(1)
    centres = _centres(rng, 6)
    X = np.vstack([_person(rng, c, 10) for c in centres]).astype(np.float32)
    truth = np.repeat(np.arange(6), 10)
    precision, recall = _pairs(people.cluster(X), truth)
    assert precision == 1.0 and recall == 1.0


def test_a_chain_of_look_alikes_does_not_merge_two_people():
    """Single linkage would join A and B through faces stepping from one to the other."""
    rng = np.random.default_rng(2)
    a, b = _centres(rng, 2)
    b = a + (b - a) * 0.8 / np.linalg.norm(b - a)  # two people 0.8 apart
    steps = [a + (b - a) * t for t in np.linspace(0.3, 0.7, 4)]  # each < 0.6 from the next
    X = np.vstack([_person(rng, a, 15), _person(rng, b, 15), np.array(steps)]).astype(np.float32)
    labels = people.cluster(X)
    assert len(set(labels[:15])) == 1 and len(set(labels[15:30])) == 1
    assert labels[0] != labels[15]
    rows, cols, _ = people.pair_graph(X)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(X), len(X)))
    assert connected_components(graph, directed=False)[0] < len(set(labels))  # the chain exists


def test_cell_search_finds_the_exact_graph(monkeypatch):
    from benchmarks.people_synthetic import synthetic_faces

    X, truth = synthetic_faces(3000, seed=3)
    rows, cols, _ = people.pair_graph(X)
    exact = set(zip(rows.tolist(), cols.tolist(), strict=True))
    exact_labels = people.cluster(X)
    monkeypatch.setattr(people, "EXACT_SEARCH", 500)
    rows, cols, dists = people.pair_graph(X)
    cells = set(zip(rows.tolist(), cols.tolist(), strict=True))
    true_d = np.linalg.norm(X[rows] - X[cols], axis=1)
    assert np.allclose(dists, true_d, atol=1e-4) and (dists < people.SAME_PERSON).all()
    assert len(cells & exact) >= 0.9 * len(exact)
    assert _pairs(people.cluster(X), exact_labels) == pytest.approx((1.0, 1.0), abs=0.01)
    assert _pairs(people.cluster(X), truth)[0] >= 0.995


def _faces(rng, sizes, person=None, pinned=None):
    centres = _centres(rng, len(sizes))
    X = np.vstack([_person(rng, c, n) for c, n in zip(centres, sizes, strict=True)]).astype(np.float32)
    n = len(X)
    return people.Faces(
        X,
        np.full(n, -1) if person is None else np.asarray(person),
        np.zeros(n, dtype=bool) if pinned is None else np.asarray(pinned),
        {},
    )


def test_recluster_keeps_ids_pins_and_rejections():
    rng = np.random.default_rng(4)
    faces = _faces(rng, [8, 8, 1])
    faces.person[:8] = 7  # person 7 had the first group
    faces.person[8:16] = 9
    faces.pinned[16] = True  # the user said face 16 is person 9 (far from its faces)
    faces.person[16] = 9
    faces.rejected = {3: {7}}  # and that face 3 is not person 7
    result = people.recluster(faces)
    assert set(result[:8]) - {-1} == {7} and result[3] == -1
    assert set(result[8:16]) == {9}
    assert result[16] == 9


def test_recluster_splits_a_cluster_holding_two_pinned_people():
    rng = np.random.default_rng(5)
    faces = _faces(rng, [10])
    faces.person[:] = -1
    faces.person[0], faces.pinned[0] = 1, True
    faces.person[1], faces.pinned[1] = 2, True  # the user insists these are two people
    result = people.recluster(faces)
    assert result[0] == 1 and result[1] == 2
    assert set(result[2:]) <= {1, 2}


def test_new_faces_join_people_or_form_new_ones():
    rng = np.random.default_rng(6)
    centres = _centres(rng, 3)
    known = np.vstack([_person(rng, centres[0], 6), _person(rng, centres[1], 6)])
    new = np.vstack([_person(rng, centres[0], 2), _person(rng, centres[2], 3)])
    X = np.vstack([known, new]).astype(np.float32)
    person = np.array([4] * 6 + [5] * 6 + [-1] * 5)
    faces = people.Faces(X, person, np.zeros(len(X), dtype=bool), {12: {4}})
    fresh = np.arange(12, 17)
    joined = people.join_people(faces, fresh)
    assert list(joined) == [-1, 4, -1, -1, -1]  # face 12 was rejected from person 4
    faces.person[fresh] = joined
    groups = people.new_groups(faces, fresh)
    assert [sorted(g.tolist()) for g in groups] == [[14, 15, 16]]


@pytest.mark.parametrize("count", [0, 1])
def test_tiny_inputs(count):
    X = np.zeros((count, 128), dtype=np.float32)
    assert len(people.cluster(X)) == count
