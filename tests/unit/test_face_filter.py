"""The MTCNN post-filter on detection rows shaped like the cascade's (no model)."""

from __future__ import annotations

import numpy as np
import pytest

from imgengine_gui.ml.offline.face_filter import FaceRules, calibrated_rules, keep_faces, plausible

RULES = FaceRules()
PHOTO = (640, 480)


def _row(x0=300.0, y0=200.0, size=80.0, score=0.99, **moved) -> np.ndarray:
    """A frontal face: box ``size`` wide, 1.3x as tall; eyes, nose and mouth where they sit."""
    width, height = size, size * 1.3
    marks = {
        "left_eye": (0.3, 0.4), "right_eye": (0.7, 0.4), "nose": (0.5, 0.55),
        "mouth_left": (0.35, 0.75), "mouth_right": (0.65, 0.75),
    }  # fmt: skip
    marks.update(moved)
    xs = [x0 + fx * width for fx, _ in marks.values()]
    ys = [y0 + fy * height for _, fy in marks.values()]
    return np.array([x0, y0, x0 + width, y0 + height, score, *xs, *ys])


def test_a_plain_frontal_face_is_kept_with_its_box_normalised():
    (face,) = keep_faces(_row()[None], *PHOTO, RULES)
    assert face["score"] == 0.99
    assert face["box"] == pytest.approx([300 / 640, 200 / 480, 380 / 640, 304 / 480], abs=1e-4)


@pytest.mark.parametrize(
    "row",
    [
        _row(score=0.9),  # a lamp or a knuckle: O-Net unsure
        _row(size=16),  # a 2.5% blob
        _row(
            left_eye=(0.3, 0.8),
            right_eye=(0.7, 0.8),
            mouth_left=(0.35, 0.3),
            mouth_right=(0.65, 0.3),
        ),  # upside down: mouth above the eyes
        _row(left_eye=(0.48, 0.4), right_eye=(0.52, 0.4)),  # eyes on top of each other
        _row(right_eye=(1.6, 0.4)),  # a landmark far outside the box
        _row(mouth_left=(0.1, 0.75), mouth_right=(0.95, 0.75)),  # mouth twice the eye distance
        _row(left_eye=(0.3, 0.2), right_eye=(0.6, 0.6)),  # eye line at 60 degrees
    ],
    ids=["score", "size", "upside-down", "eyes", "outside", "mouth", "tilt"],
)
def test_implausible_detections_are_dropped(row):
    assert not plausible(row, *PHOTO, RULES)
    assert keep_faces(row[None], *PHOTO, RULES) == []


def test_a_wide_flat_box_is_no_face():
    row = _row()
    row[3] = row[1] + 30  # 80 wide, 30 tall
    assert not plausible(row, *PHOTO, RULES)


def test_no_detections_no_faces_and_the_calibrated_rules_load():
    assert keep_faces(np.zeros((0, 15)), *PHOTO, RULES) == []
    rules = calibrated_rules()
    assert 0.5 < rules.min_score < 1.0 and 0.0 < rules.min_size < 0.2
    assert plausible(_row(), *PHOTO, rules)
