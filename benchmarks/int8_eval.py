"""INT8 on this CPU: is it faster, and does it still agree with fp32? (README, "INT8")

MobileNetV2 (the offline scenes model) at fp32, with dynamic int8 Linear layers, with static int8
convolutions (torch.ao FX, x86 engine, calibrated on a share of the photos) and at bf16 autocast;
then CLIP ViT-B/32's image tower (random weights: speed only) at fp32 and dynamic int8. Photos:
the corpus (``../shared/corpus``) and scikit-image samples; agreement is measured on photos not
used for calibration. Times are per photo, best of ``--repeat``, batches of 16, ``--threads``.

    python -m benchmarks.int8_eval [--threads 1] [--calibration 16] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from benchmarks.library import find_corpus
from imgengine_gui.ml.offline.imagenet_tags import tag_scores
from imgengine_gui.ml.offline.scenes import (
    _MEAN,
    _STD,
    _build_network,
    _fuse_batch_norm,
    _square_input,
)
from imgengine_gui.ml.tags import pick_tags, scene_thresholds


def photos() -> list[Image.Image]:
    from skimage import data

    found = []
    corpus = find_corpus()
    roots = [corpus.parent] if corpus is not None else []
    for root in roots:
        for path in sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in (".jpg", ".png")):
            try:
                with Image.open(path) as image:
                    image.draft("RGB", (512, 512))
                    found.append(image.convert("RGB"))
            except OSError:
                continue
    names = ("astronaut", "coffee", "chelsea", "rocket", "cat")
    return found + [Image.fromarray(getattr(data, name)()).convert("RGB") for name in names]


def pixels(images: list[Image.Image]) -> torch.Tensor:
    batch = torch.from_numpy(np.stack([np.asarray(_square_input(i)) for i in images]))
    mean = torch.tensor(_MEAN).view(1, 3, 1, 1) * 255
    std = torch.tensor(_STD).view(1, 3, 1, 1) * 255
    return ((batch.permute(0, 3, 1, 2).float() - mean) / std).contiguous(
        memory_format=torch.channels_last
    )


def per_photo_ms(model: Callable[..., Any], batch: Any, repeat: int, **kwargs: Any) -> float:
    with torch.inference_mode():
        model(batch, **kwargs)
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            model(batch, **kwargs)
            best = min(best, time.perf_counter() - started)
    return 1000 * best / len(batch)


def static_int8(calibration: torch.Tensor) -> torch.nn.Module:
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    torch.backends.quantized.engine = "x86"
    prepared = prepare_fx(
        _build_network(None).eval(), get_default_qconfig_mapping("x86"), (calibration[:1],)
    )
    with torch.inference_mode():
        for start in range(0, len(calibration), 8):
            prepared(calibration[start : start + 8])
    return convert_fx(prepared)


def mobilenet_rows(images: list[Image.Image], calibration: int, repeat: int) -> list[str]:
    from torch.ao.quantization import quantize_dynamic

    order = np.random.default_rng(0).permutation(len(images))
    held_out = pixels([images[i] for i in order[calibration:]])
    timing_batch = held_out[:16]
    fp32 = _fuse_batch_norm(_build_network(None).eval()).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        ref_pooled, ref_logits = fp32(held_out)

    def row(label: str, model: Callable[..., Any], autocast: bool = False) -> str:
        context = torch.autocast("cpu", torch.bfloat16) if autocast else torch.inference_mode()
        with context, torch.inference_mode():
            pooled, logits = (t.float() for t in model(held_out))
            ms = per_photo_ms(model, timing_batch, repeat)
        top1 = (logits.argmax(1) == ref_logits.argmax(1)).float().mean()
        tags = np.mean([a == b for a, b in zip(scene_tags(logits), scene_tags(ref_logits),
                                                strict=True)])  # fmt: skip
        cosine = torch.nn.functional.cosine_similarity(pooled, ref_pooled).mean()
        return (f"| {label} | {ms:.0f} | {top1:.3f} | {tags:.3f} "
                f"| {cosine:.3f} |")  # fmt: skip

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dynamic = quantize_dynamic(_build_network(None).eval(), {torch.nn.Linear}, torch.qint8)
        calibrated = static_int8(pixels([images[i] for i in order[:calibration]]))
    return [
        row("fp32 (batch norm folded, channels_last)", fp32),
        row("dynamic int8 Linear", dynamic),
        row(f"static int8 convs (FX x86, {calibration} calibration photos)", calibrated),
        row("bf16 autocast", fp32, autocast=True),
    ]


def scene_tags(logits: torch.Tensor) -> list[frozenset[str]]:
    """The offline tier's calibrated scene tags per photo (what the catalog would store)."""
    thresholds = scene_thresholds("offline")
    scores = tag_scores(logits.softmax(1).numpy())
    return [frozenset(t["label"] for t in pick_tags(s, thresholds)) for s in scores]


def clip_row(repeat: int) -> str:
    from torch.ao.quantization import quantize_dynamic
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    config = CLIPVisionConfig(image_size=224, patch_size=32, projection_dim=512)
    model = CLIPVisionModelWithProjection(config).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantized = quantize_dynamic(model, {torch.nn.Linear}, torch.qint8)
    batch = torch.randn(8, 3, 224, 224)
    fp32 = per_photo_ms(model, batch, repeat)
    int8 = per_photo_ms(quantized, batch, repeat)
    return f"CLIP ViT-B/32 image tower: fp32 {fp32:.0f} ms/photo, dynamic int8 {int8:.0f} ms/photo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calibration", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    images = photos()
    print(f"{len(images)} photos, {args.threads} thread(s)")
    print("| MobileNetV2 | ms/photo | top-1 agreement | tag-set agreement | embedding cosine |")
    print("|---|---|---|---|---|")
    for line in mobilenet_rows(images, args.calibration, args.repeat):
        print(line)
    print(clip_row(args.repeat))


if __name__ == "__main__":
    main()
