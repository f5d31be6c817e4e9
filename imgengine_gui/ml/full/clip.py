"""CLIP zero-shot scenes and search embeddings (full tier)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from imgengine_gui.ml.base import Found, ModelAnalyzer, ResultKey, Runtime, Tier
from imgengine_gui.ml.runtime import Session, hf, prepare
from imgengine_gui.ml.runtime.int8 import cosine_agreement
from imgengine_gui.ml.tags import pick_tags, scene_thresholds
from imgengine_gui.settings import Settings

if TYPE_CHECKING:
    import torch
    from PIL import Image

TEXT_BATCH = 64


def _projected(output: Any) -> torch.Tensor:
    """get_*_features returns a tensor in transformers 4.x, an output object in 5.x."""
    import torch

    return output if isinstance(output, torch.Tensor) else output.pooler_output


def _image_encoder(model: Any) -> torch.nn.Module:
    import torch
    from torch.nn import functional

    class ClipImageEncoder(torch.nn.Module):
        """pixel_values -> L2-normalised projected image features: one tensor in, one out."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
            features = _projected(self.model.get_image_features(pixel_values=pixel_values))
            return functional.normalize(features.float(), dim=-1)

    return ClipImageEncoder()


def _text_encoder(model: Any) -> torch.nn.Module:
    import torch
    from torch.nn import functional

    class ClipTextEncoder(torch.nn.Module):
        """token ids + attention mask -> L2-normalised projected text features."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            output = self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask)
            return functional.normalize(_projected(output).float(), dim=-1)

    return ClipTextEncoder()


def _image_processor(folder: Path, image_size: int) -> Any:
    from transformers import CLIPImageProcessor

    if (folder / "preprocessor_config.json").is_file():
        return hf.load_local(CLIPImageProcessor, folder)
    # CLIP's own recipe (bicubic shortest side, centre crop, OpenAI mean/std), torchvision-batched.
    return CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    )


class ClipSceneAnalyzer(ModelAnalyzer):
    """Scenes from the tag vocabulary by CLIP zero-shot, plus one image embedding per photo."""

    name = "scenes"
    tier: Tier = "full"
    input_size = 224
    batch_size = 32
    stores: tuple[ResultKey, ...] = ("scenes", "embedding")

    def __init__(
        self,
        model_id: str | None = None,
        *,
        tags: Mapping[str, Sequence[str]] | None = None,
        threshold: float | None = None,
        max_scenes: int = 5,
    ) -> None:
        super().__init__()
        self.model_id = model_id or Settings().scenes_model
        self.threshold = threshold  # one for every tag; None: ml/calibration.json's "full" ones
        self.max_scenes = max_scenes
        self._tags = tags
        self._config: Any = None
        self._processor: Any = None
        self._tokenizer: Any = None
        self._tag_names: list[str] = []
        self._tag_matrix: torch.Tensor | None = None
        self._logit_scale = 100.0

    def _load(self, runtime: Runtime) -> dict[str, Session]:
        import torch
        from transformers import AutoTokenizer, CLIPModel

        folder = hf.require_model(self.model_id)
        model = hf.load_local(CLIPModel, folder).eval()
        self._config = model.config
        self._tokenizer = hf.load_local(AutoTokenizer, folder)
        size = int(model.config.vision_config.image_size)
        # the executor bounds the long side; the processor then scales the short side to
        # ``size`` and crops: twice the size keeps photos up to 2:1 from being enlarged
        self.input_size = 2 * size
        self._processor = _image_processor(folder, size)
        self._logit_scale = float(model.logit_scale.detach().exp().clamp(max=100.0))
        example = torch.zeros(1, 3, size, size)
        sessions = {
            "image": prepare(_image_encoder(model), runtime, example, name=self.name),
            "text": prepare(
                _text_encoder(model), runtime, name=f"{self.name} text",
                eager_only="its token count changes with every query",
            ),
        }  # fmt: skip
        self.sessions = sessions  # encode_text needs them while the tags are encoded
        self._tag_names, self._tag_matrix = self._encode_tags()
        return sessions

    def _encode_tags(self) -> tuple[list[str], torch.Tensor]:
        import torch
        from torch.nn import functional

        if self._tags is None:
            from imgengine_gui.ml.tags import TAGS

            self._tags = TAGS
        names = list(self._tags)
        prompts = [prompt for name in names for prompt in self._tags[name]]
        prompt_vectors = torch.from_numpy(self.encode_text(prompts))
        rows, start = [], 0
        for name in names:
            count = len(self._tags[name])
            rows.append(prompt_vectors[start : start + count].mean(dim=0))
            start += count
        matrix = functional.normalize(torch.stack(rows), dim=-1)
        return names, matrix.to(self.sessions["image"].device)

    @property
    def tag_names(self) -> list[str]:
        return list(self._tag_names)

    def encode_text(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised text embeddings, shape (len(texts), dim), float32: for text search."""
        self.require_loaded()
        session = self.sessions["text"]
        chunks = []
        for start in range(0, len(texts), TEXT_BATCH):
            tokens = self._tokenizer(
                list(texts[start : start + TEXT_BATCH]),
                padding=True,
                truncation=True,
                max_length=self._config.text_config.max_position_embeddings,
                return_tensors="pt",
            ).to(session.device)
            features = session(tokens["input_ids"], tokens["attention_mask"])
            chunks.append(features.float().cpu().numpy())
        if not chunks:
            return np.zeros((0, int(self._config.projection_dim)), np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)

    def preprocess(self, images: Sequence[Image.Image], found: Found) -> torch.Tensor:
        device = self.sessions["image"].device
        rgb = [image if image.mode == "RGB" else image.convert("RGB") for image in images]
        pixels = self._processor(images=rgb, return_tensors="pt", device=device)["pixel_values"]
        return pixels.to(device)

    def infer(self, inputs: torch.Tensor) -> torch.Tensor:
        """L2-normalised image embeddings on the runtime's device, float32, shape (N, dim)."""
        return self.sessions["image"](inputs).float()

    def int8_agreement(self, reference: Any, candidate: Any) -> tuple[int, int]:
        return cosine_agreement(0.99)(reference, candidate)

    def postprocess(
        self, outputs: torch.Tensor, images: Sequence[Image.Image], found: Found
    ) -> list[dict[str, Any]]:
        embeddings = outputs
        assert self._tag_matrix is not None
        probabilities = (self._logit_scale * embeddings @ self._tag_matrix.T).softmax(dim=-1)
        thresholds = self._thresholds()
        results = []
        for vector, scores in zip(
            embeddings.cpu().numpy(), probabilities.cpu().numpy(), strict=True
        ):
            by_tag = dict(zip(self._tag_names, scores.tolist(), strict=True))
            scenes = pick_tags(by_tag, thresholds, self.max_scenes)
            results.append({"scenes": scenes, "embedding": vector.astype(np.float32)})
        return results

    def _thresholds(self) -> dict[str, float]:
        """Per tag, the probability to reach (tags outside the vocabulary: the lowest one)."""
        if self.threshold is not None:
            return dict.fromkeys(self._tag_names, self.threshold)
        calibrated = scene_thresholds("full")
        fallback = min(calibrated.values(), default=1.0)
        return {name: calibrated.get(name, fallback) for name in self._tag_names}
