"""INT8 as it exists here: dynamic quantisation of ``nn.Linear`` layers on the CPU, kept only when
it agrees with fp32 on the user's own first photos.

Dynamic means int8 weights, with activations quantised per batch at run time; convolutions stay
fp32. Measured on a 2-core AVX2 CPU: CLIP ViT-B/32's image tower ran 1.7x faster this way, while
for MobileNetV2 it was slower than fp32 (one Linear layer) and static int8 of its convolutions
(torch.ao FX, x86, calibrated on 40 photos) was 2x faster but agreed with fp32 on only 54-66% of
top-1 classes, so convolution models run fp32 (see README, "INT8").
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from imgengine_gui.ml.runtime.resolve import one_line

if TYPE_CHECKING:
    from torch import nn

Measure = Callable[[Any, Any], tuple[int, int]]  # (reference, candidate) -> (agreeing, total)
MIN_AGREEMENT = 0.97


def top1_agreement(reference: Any, candidate: Any) -> tuple[int, int]:
    """Rows whose best-scoring class is the same."""
    import torch

    reference = torch.as_tensor(as_scores(reference)).float()
    candidate = torch.as_tensor(as_scores(candidate)).float()
    if reference.shape != candidate.shape:
        return 0, max(1, reference.shape[0] if reference.dim() else 1)
    ref_top = reference.reshape(reference.shape[0], -1).argmax(dim=1)
    cand_top = candidate.reshape(candidate.shape[0], -1).argmax(dim=1)
    return int((ref_top == cand_top).sum()), int(ref_top.numel())


def cosine_agreement(threshold: float = 0.99) -> Measure:
    """Rows (embeddings) whose cosine similarity with fp32 is at least ``threshold``."""

    def measure(reference: Any, candidate: Any) -> tuple[int, int]:
        import torch
        from torch.nn import functional

        reference = torch.as_tensor(as_scores(reference)).float()
        candidate = torch.as_tensor(as_scores(candidate)).float()
        if reference.shape != candidate.shape:
            return 0, max(1, reference.shape[0])
        similarity = functional.cosine_similarity(reference, candidate, dim=-1)
        return int((similarity >= threshold).sum()), int(similarity.numel())

    return measure


def check_int8_agreement(
    reference_fn: Callable[[Any], Any],
    int8_fn: Callable[[Any], Any],
    sample_batches: Iterable[Any],
    min_agreement: float = MIN_AGREEMENT,
    measure: Measure = top1_agreement,
) -> tuple[bool, float]:
    """Agreement of ``int8_fn`` with ``reference_fn`` over the sample; (accepted, agreement).

    No samples: refused.
    """
    agree = total = 0
    for batch in sample_batches:
        agreeing, count = measure(reference_fn(batch), int8_fn(batch))
        agree += agreeing
        total += count
    if total == 0:
        return False, 0.0
    agreement = agree / total
    return agreement >= min_agreement, agreement


def as_scores(output: Any) -> Any:
    if isinstance(output, (tuple, list)):  # (features, logits) models: compare the last output
        output = output[-1]
    logits = getattr(output, "logits", None)
    return logits if logits is not None else output


def quantize_linear_int8(
    module: nn.Module,
    calibration: Sequence[Any],
    *,
    label: str,
    notes: list[str],
    min_agreement: float = MIN_AGREEMENT,
    measure: Measure = top1_agreement,
) -> nn.Module | None:
    """The int8 module when it agrees with fp32 on ``calibration`` batches, else None (noted)."""
    import torch
    from torch import nn as torch_nn

    if not any(isinstance(layer, torch_nn.Linear) for layer in module.modules()):
        notes.append(f"{label}int8 not applicable: no Linear layers; using fp32")
        return None
    if not calibration:
        notes.append(f"{label}int8 refused: no photos to check agreement on; using fp32")
        return None
    try:
        from torch.ao.quantization import quantize_dynamic

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*quantiz.* deprecated", category=UserWarning)
            quantized = quantize_dynamic(module.eval(), {torch_nn.Linear}, dtype=torch.qint8)
    except Exception as error:  # quantised engines are missing on some builds
        notes.append(f"{label}int8 unavailable: {one_line(error)}; using fp32")
        return None

    def run(model: nn.Module) -> Callable[[Any], Any]:
        def forward(batch: Any) -> Any:
            with torch.inference_mode():
                return model(*batch) if isinstance(batch, tuple) else model(batch)

        return forward

    accepted, agreement = check_int8_agreement(
        run(module), run(quantized), calibration, min_agreement, measure
    )
    count = sum(int((b[0] if isinstance(b, tuple) else b).shape[0]) for b in calibration)
    if not accepted:
        notes.append(
            f"{label}int8 refused: agreement {agreement:.3f} < {min_agreement:.2f} "
            f"on {count} photos; using fp32"
        )
        return None
    notes.append(f"{label}int8 accepted: agreement {agreement:.3f} on {count} photos")
    return quantized
