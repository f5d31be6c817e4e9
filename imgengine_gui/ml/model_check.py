"""Does a downloaded model work? Load it the way the app will and run it on one image.

Loading goes through the analyzers' own ``load`` (``ModelAnalyzer``: ``runtime.hf`` finds the
folder, safetensors only, ``local_files_only=True``; ``runtime.prepare`` makes the session), on the
CPU and on the device thread like every model, so a model that passes here is one the pipeline can
serve.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from imgengine_gui.ml.base import Runtime
from imgengine_gui.ml.errors import ModelUnavailable
from imgengine_gui.ml.runtime import on_device

if TYPE_CHECKING:
    from PIL import Image

CHECKED_TASKS = ("scenes", "objects", "segmentation")


def smoke_image() -> Image.Image:
    """A 256x192 RGB gradient: enough structure for every model to produce an answer."""
    from PIL import Image

    x = np.linspace(0, 255, 256, dtype=np.float32)[None, :]
    y = np.linspace(0, 255, 192, dtype=np.float32)[:, None]
    rgb = np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def check_model(task: str, folder: Path) -> str:
    """One line on what the model answered; ``ModelUnavailable`` when it cannot serve ``task``."""
    check = _CHECKS.get(task)
    if check is None:
        raise ValueError(f"no check for task {task!r}")
    try:
        return on_device(check, str(folder), smoke_image())
    except ModelUnavailable:
        raise
    except Exception as error:  # whatever a broken model raises: one line for the user
        raise ModelUnavailable(f"{folder} does not work as a {task} model: {error}") from error
    finally:
        gc.collect()  # the checked model, and its mapped weights, go now, not at some later GC


def _scenes(folder: str, image: Image.Image) -> str:
    from imgengine_gui.ml.full.clip import ClipSceneAnalyzer

    analyzer = ClipSceneAnalyzer(folder)
    analyzer.load(Runtime())
    result = analyzer.run([image])[0]
    vector = np.asarray(result["embedding"])
    if vector.ndim != 1 or not np.isfinite(vector).all():
        raise ModelUnavailable(f"{folder} gave an unusable image embedding")
    return f"{len(analyzer.tag_names)} scene tags, {vector.size}-d embeddings"


def _objects(folder: str, image: Image.Image) -> str:
    from imgengine_gui.ml.full.detection import DetectionAnalyzer

    analyzer = DetectionAnalyzer(folder)
    analyzer.load(Runtime())
    result = analyzer.run([image])[0]
    if not isinstance(result.get("objects"), list) or not isinstance(result.get("people"), int):
        raise ModelUnavailable(f"{folder} gave no detections list")
    return f"detector answered ({len(result['objects'])} objects in the test image)"


def _segmentation(folder: str, image: Image.Image) -> str:
    from imgengine_gui.ml.full.segmentation import SegformerSegmenter

    segmenter = SegformerSegmenter(folder)
    segmenter.load(Runtime())
    mask = segmenter.subject_mask(image)
    if mask.shape != (image.height, image.width) or not np.isfinite(mask).all():
        raise ModelUnavailable(f"{folder} gave an unusable mask")
    return f"{len(segmenter.subject_labels)} subject classes"


_CHECKS = {"scenes": _scenes, "objects": _objects, "segmentation": _segmentation}
