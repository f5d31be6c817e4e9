"""Personal tags' classifier: a few example photos -> a tag over stored image embeddings.

Embeddings are centred on the library's mean and re-normalised first (MobileNetV2's features are
all positive, so any two photos' raw cosine sits near 0.5). A photo's score is its similarity to
the nearest example (a tag may hold different looks: a trip's streets and its parks), lowered when
the photo is nearer a "not this" photo than any example. The threshold is calibrated on the
library itself: a photo must stand out of the library's scores (a robust z-score, higher with a
single example) and, with two or more examples, come most of the way to how alike the examples
are to each other (leave-one-out: each example scored by the others). Confidence is a logistic
of the margin, 0.5 at the threshold and MAYBE where a photo starts to stand out of the library.

Measured against a logistic regression (the previous classifier), a centroid, the two mixed,
query expansion, Hellinger (square-root) features, PCA whitening and the scene tags' scores:
``benchmarks/personal_tags_variants.py``; the README has the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit

MIN_Z = 3.5  # robust z-score over the library a photo needs to carry the tag
MIN_Z_ONE = 4.5  # ... with a single example (nothing says yet how far the tag reaches)
EXAMPLE_SHARE = 0.7  # ... and this share of the way to the least typical example's LOO score
REJECT_PUSH = 0.5  # how much of being nearer a rejected photo than an example it loses
NEAR_COPY = 0.95  # examples this alike are one look (a burst): no evidence of the tag's reach
MIN_POOL = 5  # fewer other photos than this: calibrate on the whole library
MAYBE = 0.1  # confidence from which a photo is offered as a suggestion
DIVERSITY = 0.5  # how much a suggestion loses for looking like one already offered
MAX_FACES_FOR_PERSON = 3  # more faces than this is a group photo, not a portrait


@dataclass(frozen=True)
class TagClassifier:
    """Scores unit-length embeddings; ``confidence`` is 0.5 exactly at ``threshold``."""

    examples: np.ndarray  # (k, dim) float32: the examples, centred on ``center``, unit length
    rejected: np.ndarray  # (r, dim) float32: the "not this" photos, likewise; r may be 0
    center: np.ndarray  # (dim,) float32, the library mean it was trained against
    threshold: float
    scale: float  # score units per logit unit of confidence

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        prototypes = np.vstack([self.examples, self.rejected, self.center[None]])
        both = matrix @ prototypes.T  # one pass over the matrix, no centred copy:
        # for unit x, |x - c|^2 = 1 - 2 x.c + c.c and (x - c).p = x.p - c.p
        norms = np.sqrt(np.maximum(1.0 - 2.0 * both[:, -1] + self.center @ self.center, 1e-12))
        similar = (both[:, :-1] - prototypes[:-1] @ self.center) / norms[:, None]
        return nearest(similar[:, : len(self.examples)], similar[:, len(self.examples) :])

    def confidence(self, matrix: np.ndarray) -> np.ndarray:
        return expit((self.scores(matrix) - self.threshold) / self.scale).astype(np.float32)


def nearest(to_examples: np.ndarray, to_rejected: np.ndarray) -> np.ndarray:
    """Score from similarities (rows: photos): the nearest example's, minus REJECT_PUSH of how
    much nearer the nearest rejected photo is."""
    score = to_examples.max(axis=1)
    if to_rejected.shape[1]:
        score = score - REJECT_PUSH * np.maximum(to_rejected.max(axis=1) - score, 0.0)
    return score


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
    examples = centred(matrix[positives], center)
    rejected = centred(matrix[negatives], center)
    scores = TagClassifier(examples, rejected, center, 0.0, 1.0).scores(matrix)
    others = np.ones(len(matrix), dtype=bool)
    others[positives + negatives] = False
    pool = scores[others] if others.sum() >= MIN_POOL else scores
    threshold, scale = _calibrate(pool, _leave_one_out(examples, rejected))
    confidence = expit((scores - threshold) / scale).astype(np.float32)
    return TagClassifier(examples, rejected, center, threshold, scale), confidence


def _leave_one_out(examples: np.ndarray, rejected: np.ndarray) -> np.ndarray:
    """Each example's score by the others, near copies of it left out too (none when every
    example is a copy of the others, or there is one)."""
    among = examples @ examples.T
    among[among >= NEAR_COPY] = -np.inf  # itself included
    scored = np.isfinite(among).any(axis=1)
    return nearest(among[scored], examples[scored] @ rejected.T)


def _calibrate(others: np.ndarray, leave_one_out: np.ndarray) -> tuple[float, float]:
    median = float(np.median(others))
    spread = 1.4826 * float(np.median(np.abs(others - median)))
    spread = max(spread, float(np.std(others)) * 0.1, 1e-4)
    threshold = median + (MIN_Z if len(leave_one_out) else MIN_Z_ONE) * spread
    if len(leave_one_out):
        threshold = max(threshold, median + EXAMPLE_SHARE * (float(leave_one_out.min()) - median))
    # a photo that stands out of the library (MIN_Z) but not as far as the threshold is a "maybe"
    stands_out = median + MIN_Z * spread
    return threshold, max(spread, (threshold - stands_out) / float(logit(1.0 - MAYBE)))


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
