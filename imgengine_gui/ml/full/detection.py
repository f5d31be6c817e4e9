"""Objects and people with RT-DETR or DETR (full tier)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import ResultKey, Runtime, Tier
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.full import loading
from imgengine_gui.settings import Settings

if TYPE_CHECKING:
    import torch
    from PIL import Image

PERSON = "person"
NO_LABEL = "N/A"  # DETR's COCO id2label keeps unused category ids under this name


def _detector(model: Any) -> torch.nn.Module:
    import torch

    class Detector(torch.nn.Module):
        """pixel_values (+ DETR's padding mask) -> (class logits, normalised cxcywh boxes)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, pixel_values: torch.Tensor, pixel_mask: torch.Tensor | None = None
        ) -> tuple[torch.Tensor, torch.Tensor]:
            kwargs = {} if pixel_mask is None else {"pixel_mask": pixel_mask}
            output = self.model(pixel_values=pixel_values, **kwargs)
            return output.logits, output.pred_boxes

    return Detector()


def _clamp_box(box: Sequence[float]) -> list[float]:
    return [min(1.0, max(0.0, float(value))) for value in box]


class DetectionAnalyzer:
    """COCO objects with boxes normalised to 0..1, and the number of people."""

    name = "objects"
    tier: Tier = "full"
    input_size = 640
    batch_size = 8
    stores: tuple[ResultKey, ...] = ("objects", "people")

    def __init__(self, model_id: str | None = None, *, threshold: float = 0.5) -> None:
        self.model_id = model_id or Settings().objects_model
        self.threshold = threshold
        self._runtime = Runtime()
        self._model: Any = None
        self._detector: Any = None
        self._processor: Any = None
        self._labels: dict[int, str] = {}

    def load(self, runtime: Runtime) -> None:
        from PIL import Image
        from transformers import AutoImageProcessor, AutoModelForObjectDetection

        folder = loading.require_model(self.model_id)
        if not (folder / "preprocessor_config.json").is_file():
            raise ModelUnavailable(f"{folder} has no preprocessor_config.json (image processor)")
        device = loading.torch_device(runtime)
        model = loading.load_local(AutoModelForObjectDetection, folder).eval().to(device)
        self._processor = loading.load_local(AutoImageProcessor, folder)
        self._runtime = runtime
        self._model = model
        self._labels = {int(k): str(v) for k, v in model.config.id2label.items()}
        side = self.input_size
        blank = Image.new("RGB", (side, side))
        example = self._processor(images=[blank], return_tensors="pt", device=device)
        # The one call site for compile / TensorRT / int8 (imgengine_gui.ml.backends).
        self._detector = loading.prepare(_detector(model), runtime, example["pixel_values"])

    def run(self, images: Sequence[Image.Image]) -> list[dict[str, Any]]:
        if self._model is None:
            raise RuntimeError("DetectionAnalyzer.load(runtime) must run first")
        if not images:
            return []
        device = loading.torch_device(self._runtime)
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        inputs = self._processor(images=rgb, return_tensors="pt", device=device)
        mask = inputs.get("pixel_mask")
        with loading.inference(self._runtime):
            logits, boxes = self._detector(
                inputs["pixel_values"].to(device), None if mask is None else mask.to(device)
            )
        outputs = SimpleNamespace(logits=logits.float(), pred_boxes=boxes.float())
        # No target sizes: boxes stay relative to the image, which is what the catalog stores.
        detections = self._processor.post_process_object_detection(
            outputs, threshold=self.threshold
        )
        return [self._result(found) for found in detections]

    def _result(self, found: dict[str, Any]) -> dict[str, Any]:
        objects = [
            {
                "label": self._labels.get(int(label), str(int(label))),
                "score": float(score),
                "box": _clamp_box(box.tolist()),
            }
            for score, label, box in zip(
                found["scores"], found["labels"], found["boxes"], strict=True
            )
            if self._labels.get(int(label)) != NO_LABEL
        ]
        objects.sort(key=lambda item: item["score"], reverse=True)
        people = sum(1 for item in objects if item["label"] == PERSON)
        return {"objects": objects, "people": people}
