"""Offline face detection and people count: MTCNN on the packaged weights."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Found, ModelAnalyzer, ResultKey, Runtime, Tier
from imgengine_gui.ml.runtime import InputRange, Session, prepare

if TYPE_CHECKING:
    from PIL import Image

    from imgengine_gui.ml.offline.mtcnn import CascadeConfig, Nets


class MtcnnFaceAnalyzer(ModelAnalyzer):
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
    int8_refusal = "int8 is for Linear-heavy models; MTCNN is small convolutions"

    def __init__(
        self,
        weights_dir: Path | None = None,
        min_face: float = 24.0,
        # P-Net 0.7 (not 0.6) halves the R-Net work and lost no face in our checks; real faces
        # score >= 0.97 on O-Net there, while textures and ears reached 0.8..0.91
        thresholds: tuple[float, float, float] = (0.7, 0.7, 0.93),
    ) -> None:
        super().__init__()
        self._weights_dir = weights_dir
        self._min_face = min_face
        self._thresholds = thresholds
        self._nets: Nets | None = None
        self._config: CascadeConfig | None = None

    def _load(self, runtime: Runtime) -> dict[str, Session]:
        from imgengine_gui.ml import weights
        from imgengine_gui.ml.offline.mtcnn import CascadeConfig, Nets, ONet, PNet, RNet

        config = CascadeConfig(min_face=self._min_face, thresholds=self._thresholds)
        nets = {
            "pnet": (PNet(), weights.MTCNN_PNET),
            "rnet": (RNet(), weights.MTCNN_RNET),
            "onet": (ONet(), weights.MTCNN_ONET),
        }
        sessions: dict[str, Session] = {}
        for role, (net, weight) in nets.items():
            path = self._weights_dir / weight.name if self._weights_dir else None
            weights.load_into(net, weight, path)
            example, ranges = _shapes(role, runtime.max_batch, self.input_size, config)
            sessions[role] = prepare(
                net, runtime, example, name=self.name, ranges=ranges,
                fp32_on_cpu="bf16 is slower for its small convolutions",
            )  # fmt: skip
        self._nets = Nets(sessions["pnet"], sessions["rnet"], sessions["onet"])
        self._config = config
        return sessions

    def preprocess(self, images: Sequence[Image.Image], found: Found) -> list[tuple[list[int], Any]]:
        """Images fitted to ``input_size``, stacked by size: [(indexes, uint8 NHWC batch)]."""
        import numpy as np
        import torch

        arrays = [np.asarray(self._fit(image)) for image in images]
        by_size: dict[tuple[int, ...], list[int]] = {}
        for index, array in enumerate(arrays):
            by_size.setdefault(array.shape, []).append(index)
        return [
            (indexes, self.session.upload(torch.from_numpy(np.stack([arrays[i] for i in indexes]))))
            for indexes in by_size.values()
        ]

    def infer(self, inputs: list[tuple[list[int], Any]]) -> list[tuple[list[int], Any, list[Any]]]:
        """Per size group: (indexes, the group's pixels, ``(N, 15)`` detections per image)."""
        import torch

        from imgengine_gui.ml.offline.mtcnn import detect

        assert self._nets is not None and self._config is not None
        with torch.inference_mode():
            groups = []
            for indexes, uploaded in inputs:
                pixels = uploaded.permute(0, 3, 1, 2).float().contiguous()
                groups.append((indexes, pixels, detect(self._nets, pixels, self._config)))
            return groups

    def postprocess(
        self, outputs: list[tuple[list[int], Any, list[Any]]], images: Sequence[Image.Image],
        found: Found,
    ) -> list[dict[str, Any]]:
        from imgengine_gui.ml.offline.face_filter import calibrated_rules, keep_faces

        rules = calibrated_rules()  # score, size, shape and landmark checks (face_filter.py)
        results: list[dict[str, Any]] = [{} for _ in images]
        for indexes, pixels, detections in outputs:
            height, width = pixels.shape[2:]
            for index, rows in zip(indexes, detections, strict=True):
                faces = keep_faces(rows.float().cpu().numpy(), width, height, rules)
                results[index] = {"faces": faces, "people": len(faces)}
        return results

    def _fit(self, image: Image.Image) -> Image.Image:
        from imgengine_gui.ml.executor import fit_long_side

        return fit_long_side(image if image.mode == "RGB" else image.convert("RGB"), self.input_size)


def _shapes(
    role: str, max_batch: int, input_size: int, config: CascadeConfig
) -> tuple[Any, list[InputRange]]:
    """An example batch and the TensorRT range of each net's input at this batch size.

    P-Net sees every pyramid level of a batch (any size up to the input's); R-Net and O-Net see
    every candidate of a batch: up to ``max_proposals`` / ``max_refined`` per photo.
    """
    import torch

    if role == "pnet":
        top = (max_batch, 3, input_size, input_size)
        return torch.zeros(1, 3, 48, 48), [InputRange((1, 3, 12, 12), top, top)]
    side, per_photo = (24, config.max_proposals) if role == "rnet" else (48, config.max_refined)
    item = (3, side, side)
    return torch.zeros(1, *item), [InputRange.batch(item, max_batch * per_photo)]
