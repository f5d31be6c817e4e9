"""A face detector plus identity: the detector's boxes get dlib descriptors in the same batch.

The wrapper serves the "faces" task under the detector's model id, so catalogs analyzed before
descriptors existed keep their ML phase; their faces are described by the people step instead
(``engine.people_update``). When the dlib models cannot load (missing or failing their checksum)
the detector still serves and the run notes why people are not recognised.

What it adds to the detector's result dicts (``catalog.people.store_faces`` reads them):
  each item of "faces": "quality" (``FaceQuality``: size_px, sharpness, identifiable, score) and
      "descriptor" (float32 (128,) or None when too small, blurred or past the per-photo cap);
  "identity": ``IDENTITY_VERSION`` (the faces were described); "identity_note": the cap warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Analyzer, ResultKey, Runtime
from imgengine_gui.ml.offline.face_identity import IDENTITY_VERSION, FaceDescriber, capped_note

if TYPE_CHECKING:
    from PIL import Image

DESCRIBE_SIZE = 1024  # long side of the image faces are described on: the pipeline's decode size


class IdentifiedFaceAnalyzer:
    def __init__(self, detector: Analyzer, describer: FaceDescriber | None = None) -> None:
        self.detector = detector
        self.describer = describer or FaceDescriber()
        self.name = detector.name
        self.model_id = detector.model_id
        self.tier = detector.tier
        self.batch_size = detector.batch_size
        self.stores: tuple[ResultKey, ...] = detector.stores
        # the detector shrinks its input to its own size; the describer wants the larger image
        self.input_size = max(detector.input_size, DESCRIBE_SIZE)

    def load(self, runtime: Runtime) -> None:
        self.detector.load(runtime)
        try:
            self.describer.load()
        except Exception as error:  # a refused or missing model: faces still found, not named
            runtime.notes.append(f"faces: people are not recognised ({error})")

    def run(self, images: Sequence[Image.Image]) -> list[dict[str, Any]]:
        results = self.detector.run(images)
        if self.describer.loaded:
            add_identity(self.describer, images, results)
        return results


def add_identity(
    describer: FaceDescriber, images: Sequence[Image.Image], results: list[dict[str, Any]]
) -> None:
    """Give each face dict in ``results`` its quality and descriptor (``None`` when unidentifiable)."""
    import numpy as np

    arrays = [np.asarray(image.convert("RGB") if image.mode != "RGB" else image) for image in images]
    boxes = [[face["box"] for face in result.get("faces") or ()] for result in results]
    described = describer.describe(arrays, boxes)
    for result, faces in zip(results, described, strict=True):
        for face, (quality, vector) in zip(result.get("faces") or (), faces, strict=True):
            face["quality"] = quality
            face["descriptor"] = vector
        result["identity"] = IDENTITY_VERSION
        note = capped_note(len(faces))
        if note:
            result["identity_note"] = note
