"""Scene-tag mapping, picking and the portrait post-step, on made-up model outputs (no model)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from imgengine_gui.ml.offline.imagenet_tags import GROUPS, TOP_K, colourful, tag_scores
from imgengine_gui.ml.photo_tags import PortraitRule, finalise
from imgengine_gui.ml.tags import DERIVED_TAGS, TAGS, calibration, pick_tags, scene_thresholds

TABBY, GAZELLE, DINGO, ESPRESSO, DAISY = 281, 353, 273, 967, 985
ANIMAL_CLASSES = sorted(
    {i for classes, tags in GROUPS.values() if "animal" in tags for i in classes}
)


def _probabilities(*pairs: tuple[int, float]) -> np.ndarray:
    """A softmax row: the given classes, the rest of the mass spread over all the others."""
    row = np.zeros(1000, np.float32)
    for index, p in pairs:
        row[index] = p
    rest = [i for i in range(1000) if row[i] == 0]
    row[rest] = (1.0 - row.sum()) / len(rest)
    return row[None, :]


def _offline_tags(row: np.ndarray, colour: bool = True) -> list[str]:
    (scores,) = tag_scores(row, np.array([colour]))
    return [tag["label"] for tag in pick_tags(scores, scene_thresholds("offline"))]


def test_a_photo_the_network_cannot_place_gets_no_tag():
    # the old bug: 400 animal classes at 0.1% each summed to 40% "animal"
    assert _offline_tags(_probabilities()) == []


def test_a_thin_spread_over_every_animal_class_is_not_an_animal():
    row = np.full((1, 1000), 0.2 / 600, np.float32)
    row[0, ANIMAL_CLASSES] = 0.8 / len(ANIMAL_CLASSES)
    row /= row.sum()
    assert tag_scores(row)[0]["animal"] < 0.02  # the five best of them count, not all 390
    assert _offline_tags(row) == []


def test_a_confident_cat_is_an_animal_and_a_pet():
    (scores,) = tag_scores(_probabilities((TABBY, 0.9)))
    assert scores["animal"] == pytest.approx(0.9, abs=1e-3)
    assert set(_offline_tags(_probabilities((TABBY, 0.9)))) == {"animal", "pet"}


def test_probability_split_between_breeds_adds_up_within_the_family():
    breeds = [(151 + i, 0.17) for i in range(TOP_K)]  # five dog breeds, 85% in all
    assert set(_offline_tags(_probabilities(*breeds))) == {"animal", "pet"}


def test_two_unrelated_animals_at_low_confidence_say_nothing():
    # a hillside town read as "gazelle 0.28, dingo 0.17": no family is sure
    assert _offline_tags(_probabilities((GAZELLE, 0.28), (DINGO, 0.17))) == []


def test_only_the_top_classes_count():
    row = _probabilities(*[(i, 0.15) for i in (400, 401, 402, 403, 404)], (TABBY, 0.1))
    assert "animal" not in tag_scores(row)[0]  # the cat is sixth


def test_colour_tags_need_a_colour_photo():
    row = _probabilities((ESPRESSO, 0.9))
    assert _offline_tags(row, colour=True) == ["food"]
    assert _offline_tags(row, colour=False) == []
    assert _offline_tags(_probabilities((DAISY, 0.9)), colour=False) == []


def test_colourful_tells_grey_from_colour_photos():
    grey = Image.new("RGB", (64, 48), (120, 120, 120))
    red = Image.new("RGB", (64, 48), (200, 40, 40))
    luminance = Image.new("L", (64, 48), 90)
    assert colourful([grey, red, luminance]).tolist() == [False, True, False]


def test_pick_tags_keeps_passing_tags_best_first_without_derived_ones():
    thresholds = {"animal": 0.5, "pet": 0.4, "food": 0.3, "portrait": 0.0}
    scores = {"animal": 0.6, "pet": 0.7, "food": 0.2, "portrait": 0.9, "beach": 0.9}
    assert pick_tags(scores, thresholds) == [
        {"label": "pet", "score": 0.7},
        {"label": "animal", "score": 0.6},
    ]
    assert len(pick_tags(dict.fromkeys(TAGS, 0.5), dict.fromkeys(TAGS, 0.1), 3)) == 3


def test_the_calibration_file_covers_the_vocabulary():
    data = calibration()
    offline, full = data["scenes"]["offline"], data["scenes"]["full"]
    scored = set(TAGS) - set(DERIVED_TAGS)
    assert set(offline) == scored and set(full) == scored
    assert all(value is None or 0.3 <= value <= 1.0 for value in offline.values())
    assert all(0.2 <= value <= 1.0 for value in full.values())
    assert scene_thresholds("offline") == {t: v for t, v in offline.items() if v is not None}


# --- portrait, derived from the face boxes ------------------------------------------------------

RULE = PortraitRule(min_face_height=0.12, max_faces=6)


def _face(height: float, score: float = 0.99) -> dict:
    return {"score": score, "box": [0.4, 0.2, 0.4 + height * 0.75, 0.2 + height]}


def test_one_large_face_makes_a_portrait_scored_by_the_face():
    result = finalise(
        {"scenes": [{"label": "indoor", "score": 0.6}], "faces": [_face(0.3, 0.97)]}, RULE
    )
    assert result["scenes"] == [
        {"label": "portrait", "score": 0.97},
        {"label": "indoor", "score": 0.6},
    ]


@pytest.mark.parametrize(
    "faces",
    [[], [_face(0.05)], [_face(0.05), _face(0.06)], [_face(0.2)] * 7],
    ids=["no face", "a passer-by", "a street", "a crowd"],
)
def test_small_or_many_faces_or_none_are_no_portrait(faces):
    assert finalise({"scenes": [], "faces": faces}, RULE)["scenes"] == []


def test_a_scene_model_never_says_portrait_and_missing_results_are_left_alone():
    said = {"scenes": [{"label": "portrait", "score": 0.9}], "faces": []}
    assert finalise(said, RULE)["scenes"] == []
    assert finalise({"faces": [_face(0.3)]}, RULE) == {"faces": [_face(0.3)]}
    no_faces = {"scenes": [{"label": "food", "score": 0.9}]}
    assert finalise(dict(no_faces), RULE) == no_faces
