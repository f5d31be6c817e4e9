"""Personal tags' classifier: a few example photos -> a linear tag over stored image embeddings.

Embeddings are centred on the library's mean and re-normalised first (MobileNetV2's features are
all positive, so any two photos' raw cosine sits near 0.5). A logistic regression with strong L2
then separates the examples from the user's "not this" photos (full weight) and a sample of the
rest of the library (low weight: most of a library is not the tag, and the few that are still
look like the examples). With one or two examples it stays close to their mean; more examples and
rejections bend it. The threshold is calibrated on the library itself: a photo must stand out of
the library's score distribution (robust z-score) and come part of the way to the examples' own
scores. Confidence is a logistic of the margin, 0.5 at the threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

MIN_Z = 2.5  # robust z-score over the library needed to carry the tag
MIN_SHARE = 0.3  # ... and this share of the way from the library's median to the examples' scores
L2 = 0.1  # regularisation: strong, for 1-10 examples in 512-1280 dimensions
BACKGROUND = 500  # library photos sampled as weak negatives
MAYBE = 0.1  # confidence from which a photo is offered as a suggestion
DIVERSITY = 0.5  # how much a suggestion loses for looking like one already offered
MAX_FACES_FOR_PERSON = 3  # more faces than this is a group photo, not a portrait


@dataclass(frozen=True)
class TagClassifier:
    """Scores unit-length embeddings; ``confidence`` is 0.5 exactly at ``threshold``."""

    weights: np.ndarray  # (dim,) float32, for centred unit vectors
    center: np.ndarray  # (dim,) float32, the library mean it was trained against
    threshold: float
    scale: float  # score units per logit unit of confidence

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        # |x - c|^2 = 1 - 2 x.c + c.c for unit x: one pass over the matrix, no centred copy
        both = matrix @ np.stack([self.weights, self.center], axis=1)
        norms = np.sqrt(np.maximum(1.0 - 2.0 * both[:, 1] + self.center @ self.center, 1e-12))
        return (both[:, 0] - self.weights @ self.center) / norms

    def confidence(self, matrix: np.ndarray) -> np.ndarray:
        return expit((self.scores(matrix) - self.threshold) / self.scale).astype(np.float32)


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))[:, None]
    if np.allclose(norms, 1.0, atol=1e-4):  # stored embeddings are unit length already
        return matrix
    return matrix / np.maximum(norms, 1e-12)


def centred(rows: np.ndarray, center: np.ndarray) -> np.ndarray:
    return unit_rows(rows - center)


def train(
    matrix: np.ndarray,
    positives: Sequence[int],
    negatives: Sequence[int] = (),
    *,
    center: np.ndarray | None = None,
    seed: int = 0,
) -> tuple[TagClassifier, np.ndarray]:
    """A classifier from row indices of ``matrix`` (the library's unit embeddings, one model),
    and every row's confidence (calibrating scores the whole library anyway)."""
    positives = sorted(set(positives))
    negatives = sorted(set(negatives) - set(positives))
    if not positives:
        raise ValueError("a tag needs at least one example photo")
    if center is None:
        center = matrix.mean(axis=0)
    center = np.asarray(center, dtype=np.float32)
    others = np.ones(len(matrix), dtype=bool)
    others[positives + negatives] = False
    pool = np.flatnonzero(others)
    rng = np.random.default_rng(seed)
    background = np.sort(rng.choice(pool, min(BACKGROUND, len(pool)), replace=False))
    weights = _fit(
        centred(matrix[positives], center),
        centred(matrix[negatives], center),
        centred(matrix[background], center),
    )
    scores = TagClassifier(weights, center, 0.0, 1.0).scores(matrix)
    threshold, scale = _calibrate(scores, positives, pool)
    confidence = expit((scores - threshold) / scale).astype(np.float32)
    return TagClassifier(weights, center, threshold, scale), confidence


def _fit(pos: np.ndarray, neg: np.ndarray, background: np.ndarray) -> np.ndarray:
    """L2 logistic regression; examples weigh 1/len(pos) each, the background 1 in all."""
    rows = np.vstack([pos, neg, background]).astype(np.float32)
    labels = np.r_[np.ones(len(pos)), -np.ones(len(neg) + len(background))].astype(np.float32)
    weight = np.r_[
        np.full(len(pos) + len(neg), 1.0 / len(pos)),
        np.full(len(background), 1.0 / max(len(background), 1)),
    ].astype(np.float32)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = theta[:-1].astype(np.float32), np.float32(theta[-1])
        margin = labels * (rows @ w + b)
        grad = -labels * weight * expit(-margin)
        value = float(weight @ np.logaddexp(0.0, -margin)) + 0.5 * L2 * float(w @ w)
        return value, np.r_[rows.T @ grad + L2 * w, grad.sum()].astype(np.float64)

    start = np.r_[pos.mean(axis=0), 0.0].astype(np.float64)
    theta = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 200}).x
    w = theta[:-1]
    return (w / max(np.linalg.norm(w), 1e-12)).astype(np.float32)


def _calibrate(scores: np.ndarray, positives: list[int], pool: np.ndarray) -> tuple[float, float]:
    reference = float(np.mean(scores[positives]))
    if len(pool) < 5:  # nearly the whole library is examples: nothing to stand out from
        return reference * MIN_SHARE, max(abs(reference) * 0.1, 1e-3)
    others = scores[pool]
    median = float(np.median(others))
    spread = 1.4826 * float(np.median(np.abs(others - median)))
    spread = max(spread, float(np.std(others)) * 0.1, 1e-4)
    threshold = max(median + MIN_Z * spread, median + MIN_SHARE * (reference - median))
    return threshold, spread


def most_informative(confidence: np.ndarray, vectors: np.ndarray, limit: int) -> list[int]:
    """Review order of "maybe" candidates (positions into ``confidence``): nearest the threshold
    first, but a near-copy of one already offered waits (one decision teaches both)."""
    order = list(np.argsort(-confidence)[: max(limit, 0) * 10])
    picked: list[int] = []
    best_similarity = np.full(len(order), -1.0, dtype=np.float32)
    while order and len(picked) < limit:
        values = confidence[order] - DIVERSITY * np.maximum(best_similarity, 0.0)
        at = int(np.argmax(values))
        chosen = order.pop(at)
        best_similarity = np.delete(best_similarity, at)
        picked.append(chosen)
        if order:
            best_similarity = np.maximum(best_similarity, vectors[order] @ vectors[chosen])
    return picked


@dataclass(frozen=True)
class PersonHint:
    person: str | None  # who, when face identities are known; None when only counts are
    message: str


def person_hint(
    face_counts: Sequence[int | None], identities: Sequence[set[str]] | None = None
) -> PersonHint | None:
    """Whether a tag's examples look like one person rather than a thing or a place.

    With face identities (one set of person ids per example) it is the person every example
    shares. With face counts alone it is "every example shows a face and none is a crowd".
    """
    if not face_counts:
        return None
    if identities is not None:
        shared = set.intersection(*map(set, identities)) if identities else set()
        if not shared:
            return None
        person = sorted(shared)[0]
        return PersonHint(person, f"every example shows {person}: make it a person instead?")
    if all(count is not None and 1 <= count <= MAX_FACES_FOR_PERSON for count in face_counts):
        return PersonHint(
            None, "every example shows a face: if the tag is a person, make it a person instead"
        )
    return None
