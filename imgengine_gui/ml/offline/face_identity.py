"""Face identity: dlib's 5-point alignment and ResNet descriptor (128-d) for faces already found.

The two model files come from the ``face_recognition_models`` package, located through its import
spec (the package itself is never imported) and checked against pinned SHA-256 digests before dlib
reads them. The package's 68-point predictor is never loaded (its training data excludes
commercial use). Faces too small or too blurred to identify get quality figures but no descriptor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from imgengine_gui.ml.runtime import Runtime, Session, prepare
from imgengine_gui.ml.weights import WeightFile, locate, read_verified

_REQUIREMENT = "face-recognition-models==0.3.0"
LANDMARKS_5 = WeightFile(
    "face_recognition_models",
    "models/shape_predictor_5_face_landmarks.dat",
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    _REQUIREMENT,
)
RESNET = WeightFile(
    "face_recognition_models",
    "models/dlib_face_recognition_resnet_model_v1.dat",
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    _REQUIREMENT,
)
# Bumped whenever descriptors or the quality gate change: faces are then described again.
IDENTITY_VERSION = "dlib-resnet-v1:gate-1"
CHIP_SIZE = 150  # the ResNet's input: an aligned 150x150 chip, 25% padding around the face
CHIP_PADDING = 0.25
# The gate (measured with `python -m benchmarks.faces_eval --gate`): shrunk below ~40 px, or
# blurred until the chip's sharpness falls under ~10, a face's descriptor drifts about 0.3 from
# the sharp, large one: half of dlib's 0.6 same-person distance.
MIN_FACE_PX = 40.0
MIN_SHARPNESS = 10.0  # variance of the Laplacian of the aligned grey chip
MAX_DESCRIBED = 40  # per photo: the largest faces are described, the rest stay anonymous faces


@dataclass
class FaceQuality:
    size_px: float  # shorter side of the face box, in pixels of the image described
    sharpness: float  # variance of the Laplacian of the aligned grey chip; -1 when not measured
    identifiable: bool

    @property
    def score(self) -> float:
        """One figure in 0..1 for choosing a person's best face: size and sharpness, saturating."""
        size = min(1.0, self.size_px / (3 * MIN_FACE_PX))
        sharp = min(1.0, max(0.0, self.sharpness) / (5 * MIN_SHARPNESS))
        return round(size * sharp, 4)


def load_dlib_models() -> tuple[Any, Any]:
    """dlib's 5-point shape predictor and face ResNet, each file checked before dlib reads it."""
    import dlib

    paths = []
    for weight in (LANDMARKS_5, RESNET):
        path = locate(weight)
        read_verified(weight, path)  # ModelUnavailable on a corrupt or replaced file
        paths.append(str(path))
    return dlib.shape_predictor(paths[0]), dlib.face_recognition_model_v1(paths[1])


class FaceDescriber:
    """Quality and descriptors of faces already found, on the two dlib models.

    ``load`` prepares both models through ``ml.runtime.prepare`` (plain CPU sessions, each
    saying it is dlib that serves); ``FaceDescriptorAnalyzer`` is the analyzer built on it.
    """

    model_id = "dlib-resnet-v1"

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    def load(
        self, runtime: Runtime | None = None, name: str = "face_descriptors"
    ) -> dict[str, Session]:
        runtime = runtime or Runtime()
        landmarks, resnet = load_dlib_models()
        self.sessions = {
            "landmarks": prepare(landmarks, runtime, name=name, library="dlib"),
            "descriptors": prepare(
                resnet.compute_face_descriptor, runtime, name=name, library="dlib"
            ),
        }
        return self.sessions

    @property
    def loaded(self) -> bool:
        return bool(self.sessions)

    def describe(
        self, images: Sequence[np.ndarray], boxes: Sequence[Sequence[Sequence[float]]]
    ) -> list[list[tuple[FaceQuality, np.ndarray | None]]]:
        """Per image, per box (normalised x0, y0, x1, y1): quality and descriptor (or None).

        ``images`` are RGB uint8 arrays; one batched ResNet call covers every identifiable face.
        """
        import dlib

        if not self.sessions:
            raise RuntimeError("FaceDescriber.describe() before load()")
        landmarks, descriptors = self.sessions["landmarks"], self.sessions["descriptors"]
        out: list[list[tuple[FaceQuality, np.ndarray | None]]] = []
        chips: list[np.ndarray] = []
        slots: list[tuple[int, int]] = []
        for index, (image, photo_boxes) in enumerate(zip(images, boxes, strict=True)):
            height, width = image.shape[:2]
            described = set(_largest(photo_boxes, width, height, MAX_DESCRIBED))
            faces: list[tuple[FaceQuality, np.ndarray | None]] = []
            for number, box in enumerate(photo_boxes):
                x0, y0, x1, y1 = (box[0] * width, box[1] * height, box[2] * width, box[3] * height)
                size = min(x1 - x0, y1 - y0)
                if number not in described or size < MIN_FACE_PX:
                    faces.append((FaceQuality(round(size, 1), -1.0, False), None))
                    continue
                rect = dlib.rectangle(round(x0), round(y0), round(x1), round(y1))
                shape = landmarks(image, rect)
                chip = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
                sharpness = laplacian_variance(chip)
                quality = FaceQuality(round(size, 1), round(sharpness, 1), sharpness >= MIN_SHARPNESS)
                faces.append((quality, None))
                if quality.identifiable:
                    chips.append(chip)
                    slots.append((index, number))
            out.append(faces)
        if chips:
            vectors = descriptors(chips)
            for (index, number), vector in zip(slots, vectors, strict=True):
                quality = out[index][number][0]
                out[index][number] = (quality, np.asarray(vector, dtype=np.float32))
        return out


def _largest(boxes: Sequence[Sequence[float]], width: int, height: int, keep: int) -> list[int]:
    areas = [((b[2] - b[0]) * width) * ((b[3] - b[1]) * height) for b in boxes]
    return sorted(range(len(boxes)), key=lambda i: -areas[i])[:keep]


def laplacian_variance(chip: np.ndarray) -> float:
    """Sharpness of an RGB chip: variance of the 4-neighbour Laplacian of its grey levels."""
    grey = chip.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    lap = (
        grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    )
    return float(lap.var())


def capped_note(found: int) -> str | None:
    """The warning a crowded photo carries: how many of its faces got an identity."""
    if found <= MAX_DESCRIBED:
        return None
    return f"faces: {found} found; only the {MAX_DESCRIBED} largest can be recognised as people"
