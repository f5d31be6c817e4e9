"""Subject masks from a SegFormer semantic segmentation model, on demand (background removal)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.full import loading
from imgengine_gui.settings import Settings

if TYPE_CHECKING:
    from PIL import Image

# Things people cut out of a photo (ADE20K, Cityscapes and COCO names); everything else, the
# stuff (wall, sky, floor, road, grass, building...) and furniture fixed to a room, is background.
SUBJECT_NAMES = frozenset((
    "person", "individual", "someone", "somebody", "mortal", "soul", "rider", "human",
    "animal", "dog", "cat", "horse", "bird", "cow", "sheep", "elephant", "bear", "zebra", "giraffe",
    "car", "automobile", "bus", "truck", "van", "motorbike", "motorcycle", "minibike", "bicycle",
    "bike", "train", "boat", "ship", "airplane", "aeroplane", "plane", "airliner",
    "bottle", "vase", "sculpture", "statue", "food", "ball", "plaything", "toy", "bag", "basket",
    "flower", "pot", "flowerpot", "chair", "armchair", "stool", "cushion", "pillow", "lamp",
    "clock", "apparel",
))  # fmt: skip
# Longest side handed to the image processor; it resizes to its own input size anyway.
MAX_INPUT_SIDE = 1024


def label_names(label: str) -> set[str]:
    """ADE20K labels list synonyms ("person;individual;someone"): every word of every one."""
    return {word for word in re.split(r"[;,/\s]+", label.lower()) if word}


def subject_label_ids(id2label: dict[int, str]) -> list[int]:
    return sorted(i for i, label in id2label.items() if label_names(label) & SUBJECT_NAMES)


def _logits_module(model: Any) -> Any:
    import torch

    class SegformerLogits(torch.nn.Module):
        """pixel_values -> class logits at a quarter of the input size."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
            return self.model(pixel_values=pixel_values).logits

    return SegformerLogits()


def _input_side(processor: Any) -> int:
    size = getattr(processor, "size", None)
    for key in ("height", "shortest_edge"):
        value = size.get(key) if isinstance(size, dict) else getattr(size, key, None)
        if value:
            return int(value)
    return 512


class SegformerSegmenter:
    """``subject_mask(image)``: per-pixel probability that a pixel belongs to a subject."""

    def __init__(self, model_id: str | None = None) -> None:
        self.model_id = model_id or Settings().segmentation_model
        self._runtime = Runtime()
        self._model: Any = None
        self._logits: Any = None
        self._processor: Any = None
        self._subject_ids: list[int] = []

    def load(self, runtime: Runtime) -> None:
        import torch
        from transformers import AutoImageProcessor, SegformerForSemanticSegmentation

        folder = loading.require_model(self.model_id)
        device = loading.torch_device(runtime)
        model = loading.load_local(SegformerForSemanticSegmentation, folder)
        self._model = model.eval().to(device)
        self._runtime = runtime
        if (folder / "preprocessor_config.json").is_file():
            self._processor = loading.load_local(AutoImageProcessor, folder)
        else:
            from transformers import SegformerImageProcessor

            self._processor = SegformerImageProcessor()
        labels = {int(k): str(v) for k, v in model.config.id2label.items()}
        self._subject_ids = subject_label_ids(labels)
        if not self._subject_ids:
            loading.note(runtime, f"{self.model_id}: no subject classes in its labels")
        side = _input_side(self._processor)
        example = torch.zeros(1, 3, side, side, device=device)
        # The one call site for compile / TensorRT / int8 (imgengine_gui.ml.backends).
        self._logits = loading.prepare(_logits_module(self._model), runtime, example)

    @property
    def subject_labels(self) -> list[str]:
        return [str(self._model.config.id2label[i]) for i in self._subject_ids]

    def subject_mask(self, image: Image.Image) -> np.ndarray:
        """float32 (H, W) in 0..1 at the image's size: summed probability of the subject classes."""
        from torch.nn import functional

        if self._model is None:
            raise RuntimeError("SegformerSegmenter.load(runtime) must run first")
        width, height = image.size
        small = image.convert("RGB")
        if max(small.size) > MAX_INPUT_SIDE:
            small.thumbnail((MAX_INPUT_SIDE, MAX_INPUT_SIDE))
        device = loading.torch_device(self._runtime)
        pixels = self._processor(images=[small], return_tensors="pt", device=device)
        with loading.inference(self._runtime):
            logits = self._logits(pixels["pixel_values"].to(device))
            probabilities = logits.float().softmax(dim=1)
            subject = probabilities[:, self._subject_ids].sum(dim=1, keepdim=True)
            # Upsample the one subject channel, not every class: cheap at any photo size.
            full = functional.interpolate(
                subject, size=(height, width), mode="bilinear", align_corners=False
            )
        return full[0, 0].clamp(0, 1).cpu().numpy().astype(np.float32)
