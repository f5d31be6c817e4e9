"""Subject masks from a SegFormer semantic segmentation model, on demand (background removal)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from imgengine_gui.ml.base import Model, Runtime
from imgengine_gui.ml.runtime import Session, hf, prepare
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


class SegformerSegmenter(Model):
    """``subject_mask(image)``: per-pixel probability that a pixel belongs to a subject."""

    name = "cutout"
    label = "SegFormer"

    def __init__(self, model_id: str | None = None) -> None:
        super().__init__()
        self.model_id = model_id or Settings().segmentation_model
        self._labels: dict[int, str] = {}
        self._processor: Any = None
        self._subject_ids: list[int] = []

    def _load(self, runtime: Runtime) -> Session:
        import torch
        from transformers import AutoImageProcessor, SegformerForSemanticSegmentation

        folder = hf.require_model(self.model_id)
        model = hf.load_local(SegformerForSemanticSegmentation, folder).eval()
        if (folder / "preprocessor_config.json").is_file():
            self._processor = hf.load_local(AutoImageProcessor, folder)
        else:
            from transformers import SegformerImageProcessor

            self._processor = SegformerImageProcessor()
        self._labels = {int(k): str(v) for k, v in model.config.id2label.items()}
        self._subject_ids = subject_label_ids(self._labels)
        if not self._subject_ids:
            runtime.note(f"{self.model_id}: no subject classes in its labels")
        side = _input_side(self._processor)
        example = torch.zeros(1, 3, side, side)
        return prepare(_logits_module(model), runtime, example, name=self.name)

    @property
    def subject_labels(self) -> list[str]:
        return [self._labels[i] for i in self._subject_ids]

    def subject_mask(self, image: Image.Image) -> np.ndarray:
        """float32 (H, W) in 0..1 at the image's size: summed probability of the subject classes."""
        import torch
        from torch.nn import functional

        session = self.session
        width, height = image.size
        small = image.convert("RGB")
        if max(small.size) > MAX_INPUT_SIDE:
            small.thumbnail((MAX_INPUT_SIDE, MAX_INPUT_SIDE))
        pixels = self._processor(images=[small], return_tensors="pt", device=session.device)
        logits = session(pixels["pixel_values"].to(session.device))
        with torch.inference_mode():
            probabilities = logits.float().softmax(dim=1)
            subject = probabilities[:, self._subject_ids].sum(dim=1, keepdim=True)
            # Upsample the one subject channel, not every class: cheap at any photo size.
            full = functional.interpolate(
                subject, size=(height, width), mode="bilinear", align_corners=False
            )
        return full[0, 0].clamp(0, 1).cpu().numpy().astype(np.float32)
