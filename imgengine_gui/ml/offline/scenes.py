"""Offline scene tags and search embedding: torchvision's ImageNet MobileNetV2."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.base import Found, ModelAnalyzer, ResultKey, Runtime, Tier
from imgengine_gui.ml.runtime import Session, prepare

if TYPE_CHECKING:
    import torch
    from PIL import Image

CROP = 224
MAX_ASPECT = 4 / 3  # longer photos are centre-cropped to 4:3 first, then the whole is squeezed
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


class MobileNetSceneAnalyzer(ModelAnalyzer):
    """Scene tags (``ml.tags`` vocabulary) and a 1280-d L2-normalised embedding per photo.

    The whole photo (at most 4:3 of it) is resized to 224x224 rather than centre-cropped from a
    larger square: scene tags are about the entire picture, not its middle.
    """

    name = "scenes"
    model_id = "torchvision/mobilenet_v2-imagenet"
    tier: Tier = "offline"
    input_size = 256
    batch_size = 16
    stores: tuple[ResultKey, ...] = ("scenes", "embedding")
    int8_refusal = "int8 is for Linear-heavy models; MobileNetV2 is convolutions"

    def __init__(
        self,
        weights_path: Path | None = None,
        thresholds: Mapping[str, float] | None = None,
        max_tags: int = 5,
    ) -> None:
        super().__init__()
        self._weights_path = weights_path
        self._thresholds = thresholds  # None: the calibrated ones (ml/calibration.json)
        self._max_tags = max_tags

    def _load(self, runtime: Runtime) -> Session:
        import torch

        net = _build_network(self._weights_path).eval()
        if runtime.backend == "eager":
            net = _fuse_batch_norm(net)
        example = torch.zeros(runtime.max_batch, 3, CROP, CROP)
        return prepare(net, runtime, example, name=self.name)

    def preprocess(self, images: Sequence[Image.Image], found: Found) -> Any:
        import numpy as np
        import torch

        batch = np.stack([np.asarray(_square_input(image)) for image in images])
        device = self.session.served.device
        mean = torch.tensor(_MEAN, device=device).view(1, 3, 1, 1) * 255
        std = torch.tensor(_STD, device=device).view(1, 3, 1, 1) * 255
        # NHWC bytes permuted to NCHW are channels_last in memory already
        uploaded = self.session.upload(torch.from_numpy(batch))  # pinned, async on CUDA
        with torch.inference_mode():
            return (uploaded.permute(0, 3, 1, 2).float() - mean) / std

    def postprocess(
        self, outputs: Any, images: Sequence[Image.Image], found: Found
    ) -> list[dict[str, Any]]:
        import numpy as np
        import torch

        with torch.inference_mode():
            pooled, logits = outputs
            pooled, logits = pooled.float(), logits.float()
            embeddings = torch.nn.functional.normalize(pooled, dim=1).cpu().numpy()
            probabilities = logits.softmax(1).cpu().numpy()
        tags = self._pick_tags(probabilities, images)
        return [
            {"scenes": scenes, "embedding": embedding.astype(np.float32)}
            for scenes, embedding in zip(tags, embeddings, strict=True)
        ]

    def _pick_tags(
        self, probabilities: Any, images: Sequence[Image.Image]
    ) -> list[list[dict[str, Any]]]:
        """The calibrated tags of each photo from its ImageNet probabilities."""
        from imgengine_gui.ml.offline.imagenet_tags import colourful, tag_scores
        from imgengine_gui.ml.tags import pick_tags, scene_thresholds

        thresholds = self._thresholds
        if thresholds is None:
            thresholds = scene_thresholds("offline")
        scores = tag_scores(probabilities, colourful(images))
        return [pick_tags(tags, thresholds, self._max_tags) for tags in scores]


def _square_input(image: Image.Image) -> Image.Image:
    """``image`` as CROP x CROP RGB: centre-cropped to at most 4:3, then resized whole."""
    from PIL import Image as PILImage

    image = image if image.mode == "RGB" else image.convert("RGB")
    width, height = image.size
    box_w = min(width, height * MAX_ASPECT)
    box_h = min(height, width * MAX_ASPECT)
    left, top = (width - box_w) / 2, (height - box_h) / 2
    return image.resize(
        (CROP, CROP),
        PILImage.Resampling.BILINEAR,
        box=(left, top, left + box_w, top + box_h),
        reducing_gap=3.0,
    )


def _build_network(weights_path: Path | None) -> torch.nn.Module:
    """MobileNetV2 with the packaged ImageNet weights, returning ``(pooled features, logits)``."""
    import torch
    import torchvision

    from imgengine_gui.ml import weights

    backbone = torchvision.models.mobilenet_v2()
    weights.load_into(backbone, weights.MOBILENET_V2, weights_path)

    class SceneNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = backbone.features
            self.classifier = backbone.classifier

        def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            pooled = self.features(pixels).mean((2, 3))
            return pooled, self.classifier(pooled)

    return SceneNet()


def _fuse_batch_norm(net: Any) -> Any:
    """Fold batch norm into the convolutions (inference only): about a third less CPU time."""
    try:
        from torch.fx.experimental.optimization import fuse

        return fuse(net)
    except Exception:  # tracing is an optimisation; the plain network gives the same answers
        return net
