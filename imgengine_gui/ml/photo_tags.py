"""The per-photo post-step: tags that need several analyzers' results, added once all have run.

``portrait`` comes from the face boxes, not from a scene model: one or a few faces, the largest
at least ``min_face_height`` of the photo's height (a head and shoulders, a couple, a small group
posing), never a crowd of small faces or a street with passers-by. Its score is that face's
detector score. The limits are data (``portrait`` in ``ml/calibration.json``). The executor calls
``finalise`` on each photo's merged results, so no photo is decoded or run twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from imgengine_gui.ml.tags import MAX_TAGS, calibration


@dataclass(frozen=True)
class PortraitRule:
    min_face_height: float = 0.12  # of the photo's height
    max_faces: int = 6

    @classmethod
    def calibrated(cls) -> PortraitRule:
        data = calibration()["portrait"]
        return cls(float(data["min_face_height"]), int(data["max_faces"]))


def portrait_score(faces: Sequence[Mapping[str, Any]], rule: PortraitRule) -> float | None:
    """The largest face's score when the faces make a portrait, else None."""
    if not 1 <= len(faces) <= rule.max_faces:
        return None
    largest = max(faces, key=lambda face: face["box"][3] - face["box"][1])
    if largest["box"][3] - largest["box"][1] < rule.min_face_height:
        return None
    return float(largest["score"])


def finalise(result: dict[str, Any], rule: PortraitRule | None = None) -> dict[str, Any]:
    """Add the derived tags to one photo's merged results (in place; returned for chaining).

    Only when both the scene and the face analyzers gave results: a photo whose faces were not
    looked at is not "no portrait", and one without scenes gets no scenes list from here.
    """
    scenes, faces = result.get("scenes"), result.get("faces")
    if scenes is None or faces is None:
        return result
    scenes = [scene for scene in scenes if scene["label"] != "portrait"]
    score = portrait_score(faces, rule or PortraitRule.calibrated())
    if score is not None:
        scenes.append({"label": "portrait", "score": round(score, 4)})
        scenes.sort(key=lambda scene: -scene["score"])
    result["scenes"] = scenes[:MAX_TAGS]
    return result
