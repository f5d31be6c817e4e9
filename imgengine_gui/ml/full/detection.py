"""Objects and people with RT-DETR or DETR (full tier)."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Found, ModelAnalyzer, ResultKey, Runtime, Tier
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.runtime import InputRange, Session, hf, prepare
from imgengine_gui.ml.runtime.int8 import top1_agreement
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


class DetectionAnalyzer(ModelAnalyzer):
    """COCO objects with boxes normalised to 0..1, and the number of people."""

    name = "objects"
    tier: Tier = "full"
    input_size = 640
    batch_size = 8
    stores: tuple[ResultKey, ...] = ("objects", "people")

    def __init__(self, model_id: str | None = None, *, threshold: float = 0.5) -> None:
        super().__init__()
        self.model_id = model_id or Settings().objects_model
        self.threshold = threshold
        self._processor: Any = None
        self._labels: dict[int, str] = {}

    def _load(self, runtime: Runtime) -> Session:
        from PIL import Image
        from transformers import AutoImageProcessor, AutoModelForObjectDetection

        folder = hf.require_model(self.model_id)
        if not (folder / "preprocessor_config.json").is_file():
            raise ModelUnavailable(f"{folder} has no preprocessor_config.json (image processor)")
        model = hf.load_local(AutoModelForObjectDetection, folder).eval()
        self._processor = hf.load_local(AutoImageProcessor, folder)
        self._labels = {int(k): str(v) for k, v in model.config.id2label.items()}
        side = self.input_size
        example = self._processor(images=[Image.new("RGB", (side, side))], return_tensors="pt")
        pixels, mask = example["pixel_values"], example.get("pixel_mask")
        inputs = (pixels,) if mask is None else (pixels, mask)
        ranges = _input_ranges(self._processor, inputs, runtime.max_batch)
        return prepare(_detector(model), runtime, inputs, name=self.name, ranges=ranges)

    def preprocess(self, images: Sequence[Image.Image], found: Found) -> tuple[Any, ...]:
        device = self.session.device
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        inputs = self._processor(images=rgb, return_tensors="pt", device=device)
        mask = inputs.get("pixel_mask")
        pixels = inputs["pixel_values"].to(device)
        return (pixels,) if mask is None else (pixels, mask.to(device))

    def postprocess(
        self, outputs: Any, images: Sequence[Image.Image], found: Found
    ) -> list[dict[str, Any]]:
        logits, boxes = outputs
        outputs = SimpleNamespace(logits=logits.float(), pred_boxes=boxes.float())
        # No target sizes: boxes stay relative to the image, which is what the catalog stores.
        detections = self._processor.post_process_object_detection(
            outputs, threshold=self.threshold
        )
        return [self._result(detected) for detected in detections]

    def int8_agreement(self, reference: Any, candidate: Any) -> tuple[int, int]:
        """Per query: the same best class."""
        return top1_agreement(reference[0].flatten(0, 1), candidate[0].flatten(0, 1))

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


def _input_ranges(processor: Any, inputs: tuple[Any, ...], max_batch: int) -> list[InputRange]:
    """Batches of 1..max_batch; processors that keep the aspect (DETR) also vary height and width."""
    size = getattr(processor, "size", None) or {}
    get = size.get if isinstance(size, dict) else lambda key: getattr(size, key, None)
    fixed = get("height") and get("width")
    longest = int(get("longest_edge") or get("shortest_edge") or inputs[0].shape[-1])
    ranges = []
    for tensor in inputs:
        item = tuple(int(d) for d in tensor.shape[1:])
        if fixed:
            ranges.append(InputRange.batch(item, max_batch))
            continue
        channels = item[:-2]
        ranges.append(InputRange(
            (1, *channels, 1, 1), (max_batch, *item), (max_batch, *channels, longest, longest)
        ))  # fmt: skip
    return ranges
