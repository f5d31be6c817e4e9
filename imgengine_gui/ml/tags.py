"""The scene/object tag vocabulary people filter by, shared by both ML tiers, and its thresholds.

``TAGS`` maps each tag to the prompts the full tier's CLIP zero-shot classifier scores (a tag's
prompts are averaged: a prompt ensemble); the offline tier maps ImageNet classes onto the same tags
(``ml/offline/imagenet_tags.py``). A tag's name is what the catalog stores and the UI shows.

Both tiers pick their tags the same way (``pick_tags``): a tag is emitted only when its score passes
that tier's threshold for it, from ``ml/calibration.json`` (written by
``python -m benchmarks.tags_calibrate --write``); a tag without a threshold is never emitted by that
tier. ``DERIVED_TAGS`` are not scored by a scene model at all: ``ml/photo_tags.py`` adds them from
the other results of the same photo (``portrait`` from the face boxes).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TAGS: dict[str, tuple[str, ...]] = {
    "beach": ("a photo of a beach", "a photo of a sandy beach by the sea", "people on a beach"),
    "mountain": ("a photo of mountains", "a mountain landscape", "a photo of a snowy peak"),
    "forest": ("a photo of a forest", "trees in a forest", "a path through the woods"),
    "water": ("a photo of a lake", "a photo of the sea", "a photo of a river", "a waterfall"),
    "snow": ("a photo of snow", "a snowy winter landscape", "people skiing in the snow"),
    "sunset": ("a photo of a sunset", "a photo of a sunrise", "an orange sky at dusk"),
    "city": ("a photo of a city street", "a city skyline", "an urban street with cars"),
    "building": ("a photo of a building", "a photo of a house", "a church", "a castle"),
    "indoor": ("a photo of a room", "an indoor photo of a living room", "a kitchen", "an office"),
    "food": (
        "a photo of food",
        "a plate of food",
        "a meal on a table",
        "a cup of coffee",
        "a drink",
    ),
    "portrait": ("a portrait of a person", "a photo of a person", "a group of people posing"),
    "animal": ("a photo of an animal", "a wild animal", "a farm animal"),
    "pet": ("a photo of a dog", "a photo of a cat", "a pet at home"),
    "bird": ("a photo of a bird", "a bird flying", "a bird on a branch"),
    "flower": ("a photo of a flower", "a bouquet of flowers", "flowers in a garden"),
    "plant": ("a photo of a plant", "a potted plant", "green leaves", "a garden"),
    "vehicle": (
        "a photo of a car",
        "a photo of a bus",
        "a photo of a train",
        "a bicycle",
        "a truck",
    ),
    "boat": ("a photo of a boat", "a sailing boat", "a ship at sea"),
    "aircraft": ("a photo of an airplane", "an aircraft in the sky", "a helicopter"),
    "document": ("a photo of a document", "a page of text", "a receipt", "a printed form"),
    "screen": ("a screenshot", "a photo of a computer screen", "a phone screen", "a television"),
    "sport": (
        "a photo of a sports game",
        "people playing sports",
        "a stadium",
        "a person exercising",
    ),
}

TAG_NAMES: tuple[str, ...] = tuple(TAGS)

DERIVED_TAGS: tuple[str, ...] = ("portrait",)
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
MAX_TAGS = 5


@functools.cache
def calibration() -> dict[str, Any]:
    """The calibrated thresholds (scene tags per tier, face filter, portrait rule), as stored."""
    return json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))


@functools.cache
def calibration_digest() -> str:
    """Short digest of the calibration file: part of the ML phase's version in the catalog."""
    return hashlib.sha256(CALIBRATION_FILE.read_bytes()).hexdigest()[:10]


def scene_thresholds(tier: str) -> dict[str, float]:
    """tag -> the score it must reach in ``tier`` ("offline" or "full"); absent: never emitted."""
    stored = calibration()["scenes"][tier]
    return {tag: float(value) for tag, value in stored.items() if value is not None and tag in TAGS}


def pick_tags(
    scores: Mapping[str, float], thresholds: Mapping[str, float], max_tags: int = MAX_TAGS
) -> list[dict[str, Any]]:
    """``scenes`` entries for the tags whose score passed their threshold, best first."""
    passed = [
        (tag, float(score))
        for tag, score in scores.items()
        if tag not in DERIVED_TAGS and tag in thresholds and score >= thresholds[tag]
    ]
    passed.sort(key=lambda item: -item[1])
    return [{"label": tag, "score": round(score, 4)} for tag, score in passed[:max_tags]]
