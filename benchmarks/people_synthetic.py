"""Synthetic face descriptors with the structure of a real library, for the people scale checks.

dlib descriptors of one person sit ~0.38 apart (median; 95th percentile ~0.5) and different people
~0.88 apart with a tail of look-alikes down to ~0.55 (measured on faces-dev and the deepface set,
see benchmarks/faces_eval.py). The generator reproduces that in 128 dimensions:

- person centres = a "family" component shared by 1-4 look-alike people + a personal component
  (family members sit ~0.7 apart, strangers ~0.88);
- faces = centre + isotropic noise whose scale varies per face (log-normal: sharp frontal faces
  close to the centre, poor ones further out);
- person sizes follow a Zipf law (a few people with thousands of faces, many with a handful),
  and ``strangers`` of the faces are people seen once.
"""

from __future__ import annotations

import numpy as np

DIM = 128
FACE_SIGMA = 0.0237  # sqrt(2 * 128) * 0.0237 ~ 0.38: the median same-person distance
PERSON_SIGMA = 0.0367  # family members ~0.7 apart
FAMILY_SIGMA = 0.0333  # strangers ~0.88 apart


def synthetic_faces(
    count: int, *, seed: int = 0, strangers: float = 0.3, zipf: float = 1.6
) -> tuple[np.ndarray, np.ndarray]:
    """(descriptors float32 (count, 128), true person per face)."""
    rng = np.random.default_rng(seed)
    alone = int(count * strangers)
    sizes: list[int] = []
    while sum(sizes) < count - alone:
        sizes.append(int(min(rng.zipf(zipf) + 1, max(2, count // 20))))
    sizes[-1] -= sum(sizes) - (count - alone)
    sizes = [s for s in sizes if s > 0] + [1] * alone
    people = len(sizes)
    family = np.repeat(np.arange(people), 1)
    family = np.minimum(family // 1, people - 1)
    family_of = np.cumsum(rng.random(people) < 0.5) - 1  # runs of ~2 look-alikes share a family
    family_vec = rng.normal(0.0, FAMILY_SIGMA, (family_of.max() + 1, DIM))
    centres = family_vec[family_of] + rng.normal(0.0, PERSON_SIGMA, (people, DIM))
    truth = np.repeat(np.arange(people), sizes)
    scale = FACE_SIGMA * rng.lognormal(0.0, 0.25, count)
    faces = centres[truth] + rng.normal(0.0, 1.0, (count, DIM)) * scale[:, None]
    order = rng.permutation(count)
    return faces[order].astype(np.float32), truth[order]
