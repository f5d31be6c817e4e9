"""Offline face detection and people count: MTCNN on the packaged weights."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import ResultKey, Runtime, Tier

if TYPE_CHECKING:
    from PIL import Image

    from imgengine_gui.ml.offline.mtcnn import CascadeConfig, Nets


class MtcnnFaceAnalyzer:
    """Faces (score + normalised box) and the number of people, per photo.

    Photos are searched at ``input_size`` pixels on the long side at most, with windows from
    ``min_face`` pixels up; box regression still finds faces from ~16 px (2.5% of 640 px).
    """

    name = "faces"
    model_id = "mtcnn"
    tier: Tier = "offline"
    input_size = 640
    batch_size = 8
    stores: tuple[ResultKey, ...] = ("faces", "people")

    def __init__(
        self,
        weights_dir: Path | None = None,
        min_face: float = 24.0,
        # P-Net 0.7 (not 0.6) halves the R-Net work and lost no face in our checks; real faces
        # score >= 0.97 on O-Net there, while textures and ears reached 0.8..0.91
        thresholds: tuple[float, float, float] = (0.7, 0.7, 0.93),
    ) -> None:
        self._weights_dir = weights_dir
        self._min_face = min_face
        self._thresholds = thresholds
        self._nets: Nets | None = None
        self._config: CascadeConfig | None = None
        self._runtime = Runtime()

    def load(self, runtime: Runtime) -> None:
        import torch

        from imgengine_gui.ml import weights
        from imgengine_gui.ml.offline.mtcnn import CascadeConfig, Nets, ONet, PNet, RNet

        nets = Nets(PNet(), RNet(), ONet())
        for net, weight in (
            (nets.pnet, weights.MTCNN_PNET),
            (nets.rnet, weights.MTCNN_RNET),
            (nets.onet, weights.MTCNN_ONET),
        ):
            path = self._weights_dir / weight.name if self._weights_dir else None
            weights.load_into(net, weight, path)
            # channels_last: ~3x faster for these small convolutions on oneDNN
            net.eval().to(runtime.device, memory_format=torch.channels_last)
        # The P-Net runs at a new size per pyramid level and the crop nets at a new batch size per
        # call, so compile/TensorRT would rebuild all the time: MTCNN stays eager by design.
        self._nets = nets
        self._config = CascadeConfig(min_face=self._min_face, thresholds=self._thresholds)
        self._runtime = runtime
        if runtime.device == "cpu" and runtime.precision != "fp32":
            runtime.notes.append(
                f"faces: MTCNN runs fp32 on cpu ({runtime.precision} is slower for its small nets)"
            )

    def run(self, images: Sequence[Image.Image]) -> list[dict[str, Any]]:
        import numpy as np
        import torch

        from imgengine_gui.ml.backends import autocast, to_device_batch
        from imgengine_gui.ml.offline.face_filter import calibrated_rules, keep_faces
        from imgengine_gui.ml.offline.mtcnn import detect

        if self._nets is None or self._config is None:
            raise RuntimeError("MtcnnFaceAnalyzer.run() before load()")
        device = self._runtime.device
        arrays = [np.asarray(self._fit(image)) for image in images]
        results: list[dict[str, Any]] = [{} for _ in images]
        by_size: dict[tuple[int, ...], list[int]] = {}
        for index, array in enumerate(arrays):
            by_size.setdefault(array.shape, []).append(index)

        rules = calibrated_rules()  # score, size, shape and landmark checks (face_filter.py)
        mixed = autocast(self._runtime) if device == "cuda" else contextlib.nullcontext()
        with torch.inference_mode(), mixed:
            for (height, width, _), indexes in by_size.items():
                stacked = torch.from_numpy(np.stack([arrays[i] for i in indexes]))
                uploaded = to_device_batch(stacked, self._runtime)  # pinned, async on CUDA
                pixels = uploaded.permute(0, 3, 1, 2).float().contiguous()
                for index, found in zip(
                    indexes, detect(self._nets, pixels, self._config), strict=True
                ):
                    faces = keep_faces(found.float().cpu().numpy(), width, height, rules)
                    results[index] = {"faces": faces, "people": len(faces)}
        return results

    def _fit(self, image: Image.Image) -> Image.Image:
        from imgengine_gui.ml.executor import fit_long_side

        return fit_long_side(image if image.mode == "RGB" else image.convert("RGB"), self.input_size)
