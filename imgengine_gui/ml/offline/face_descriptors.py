"""Who is in the photo: dlib descriptors for the faces the detector kept, in the same batch.

``FaceDescriptorAnalyzer`` runs after the face detector (``needs = ("faces",)``): it reads the
faces that passed the calibrated filter (``face_filter.keep_faces``, applied by the detector) from
``found[i]["faces"]`` and describes them on the larger decode (``input_size``). Its results are
versioned by the people phase (``IDENTITY_VERSION``), not the ML phase: turning it on, or a new
descriptor version, leaves the other models' results alone, and catalogs analyzed before it are
described by the people step (``engine.people_update``) from their stored boxes.

What it returns per photo (``catalog.people.store_faces`` reads it):
  "faces": the detector's faces, each with "quality" (``FaceQuality``: size_px, sharpness,
      identifiable, score) and "descriptor" (float32 (128,) or None when too small, blurred or
      past the per-photo cap);
  "identity": ``IDENTITY_VERSION`` (the faces were described); "identity_note": the cap warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from imgengine_gui.ml.base import Found, ModelAnalyzer, ResultKey, Runtime, Tier
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.offline.face_identity import IDENTITY_VERSION, FaceDescriber, capped_note
from imgengine_gui.ml.runtime import Session

if TYPE_CHECKING:
    import numpy as np
    from PIL import Image

DESCRIBE_SIZE = 1024  # long side of the image faces are described on: the pipeline's decode size


class FaceDescriptorAnalyzer(ModelAnalyzer):
    name = "face_descriptors"
    model_id = FaceDescriber.model_id
    tier: Tier = "offline"
    input_size = DESCRIBE_SIZE
    batch_size = 16
    stores: tuple[ResultKey, ...] = ("faces", "identity")
    needs = ("faces",)
    phase: ClassVar[str] = "people"  # recorded and versioned by the people phase, not "ml"
    int8_refusal = "dlib's ResNet runs in its own float precision"

    def __init__(self) -> None:
        super().__init__()
        self.describer = FaceDescriber()

    def _load(self, runtime: Runtime) -> dict[str, Session]:
        try:
            return self.describer.load(runtime, name=self.name)
        except ModelUnavailable as error:  # refused by checksum, or missing
            raise ModelUnavailable(f"people are not recognised: {error}") from error
        except (ImportError, RuntimeError, OSError) as error:  # dlib itself failed to load them
            raise ModelUnavailable(f"people are not recognised: {error}") from error

    def preprocess(
        self, images: Sequence[Image.Image], found: Found
    ) -> tuple[list[np.ndarray], list[list[Any]]]:
        """RGB arrays and, per photo, the normalised boxes of the faces found in it."""
        import numpy as np

        arrays = [
            np.asarray(image if image.mode == "RGB" else image.convert("RGB")) for image in images
        ]
        return arrays, [[face["box"] for face in result.get("faces") or ()] for result in found]

    def infer(self, inputs: tuple[list[np.ndarray], list[list[Any]]]) -> Any:
        arrays, boxes = inputs
        return self.describer.describe(arrays, boxes)

    def postprocess(
        self, outputs: Any, images: Sequence[Image.Image], found: Found
    ) -> list[dict[str, Any]]:
        return [
            identified(result["faces"], described) if "faces" in result else {}
            for result, described in zip(found, outputs, strict=True)
        ]  # no "faces": the detector failed on this photo, so nothing is known about its faces


def identified(
    faces: Sequence[Mapping[str, Any]], described: Sequence[tuple[Any, Any]]
) -> dict[str, Any]:
    """One photo's result: its faces with quality and descriptor, the version and the cap note."""
    result: dict[str, Any] = {
        "faces": [
            {**face, "quality": quality, "descriptor": vector}
            for face, (quality, vector) in zip(faces, described, strict=True)
        ],
        "identity": IDENTITY_VERSION,
    }
    note = capped_note(len(faces))
    if note:
        result["identity_note"] = note
    return result
