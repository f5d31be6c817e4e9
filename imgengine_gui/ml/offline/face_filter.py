"""Which MTCNN detections are faces a person would agree with: score, size, shape and landmarks.

MTCNN's O-Net answers "face" with 0.8-0.95 for lamps, knuckles and leaf patterns, and finds
"faces" of 20 px in a corner of a 600 px portrait. A detection is kept only when
- its score reaches ``min_score``;
- its box is at least ``min_size`` of the photo's long side (tiny blobs are where the false
  positives are, and a face that small says little about the photo);
- its box has a face's proportions (``aspect``, width / height);
- its 5 landmarks (eyes, nose, mouth corners) lie in the box, the eyes at a plausible distance
  apart, the mouth below them and about as wide as they are apart, the eye line not past
  ``max_tilt`` degrees.
The limits are data (``faces`` in ``ml/calibration.json``), calibrated on the labelled dev photos
by ``benchmarks/tags_eval.py``. This module has no torch: rows come in as numpy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FaceRules:
    min_score: float = 0.93
    min_size: float = 0.04  # box side / photo long side
    aspect: tuple[float, float] = (0.5, 1.1)  # box width / height
    eye_distance: tuple[float, float] = (0.2, 0.7)  # / box width
    mouth_below_eyes: tuple[float, float] = (0.2, 0.6)  # / box height
    mouth_width: tuple[float, float] = (0.5, 1.5)  # / eye distance
    max_tilt: float = 45.0  # degrees of the eye line
    landmark_margin: float = 0.1  # landmarks may lie this far (of the box) outside it

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> FaceRules:
        values = {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}
        return cls(**{key: v for key, v in values.items() if key in cls.__dataclass_fields__})


def calibrated_rules() -> FaceRules:
    from imgengine_gui.ml.tags import calibration

    return FaceRules.from_data(calibration()["faces"])


def plausible(row: np.ndarray, width: int, height: int, rules: FaceRules) -> bool:
    """One detection: ``x0, y0, x1, y1, score`` then 5 landmark x and 5 y, in pixels."""
    x0, y0, x1, y1, score = (float(v) for v in row[:5])
    xs, ys = row[5:10].astype(float), row[10:15].astype(float)
    box_w, box_h = x1 - x0, y1 - y0
    if score < rules.min_score or box_w <= 0 or box_h <= 0:
        return False
    if max(box_w, box_h) < rules.min_size * max(width, height):
        return False
    if not rules.aspect[0] <= box_w / box_h <= rules.aspect[1]:
        return False
    margin_x, margin_y = rules.landmark_margin * box_w, rules.landmark_margin * box_h
    if not (
        np.all((xs >= x0 - margin_x) & (xs <= x1 + margin_x))
        and np.all((ys >= y0 - margin_y) & (ys <= y1 + margin_y))
    ):
        return False
    eye_distance = math.hypot(xs[1] - xs[0], ys[1] - ys[0])
    if not rules.eye_distance[0] <= eye_distance / box_w <= rules.eye_distance[1]:
        return False
    if abs(math.degrees(math.atan2(ys[1] - ys[0], xs[1] - xs[0]))) > rules.max_tilt:
        return False
    mouth_drop = ((ys[3] + ys[4]) - (ys[0] + ys[1])) / 2 / box_h
    if not rules.mouth_below_eyes[0] <= mouth_drop <= rules.mouth_below_eyes[1]:
        return False
    mouth_width = math.hypot(xs[4] - xs[3], ys[4] - ys[3]) / eye_distance
    return rules.mouth_width[0] <= mouth_width <= rules.mouth_width[1]


def keep_faces(
    rows: np.ndarray, width: int, height: int, rules: FaceRules | None = None
) -> list[dict[str, Any]]:
    """The plausible detections as ``faces`` entries: score and box normalised to 0..1."""
    rules = rules or calibrated_rules()
    scale = np.array([width, height, width, height], dtype=float)
    faces = []
    for row in np.asarray(rows, dtype=float):
        if plausible(row, width, height, rules):
            box = np.clip(row[:4] / scale, 0.0, 1.0)
            faces.append(
                {"score": round(float(row[4]), 4), "box": [round(float(v), 4) for v in box]}
            )
    return faces
