"""The interface every analyzer implements, built-ins and plug-ins alike.

Analyzers are registered through the entry-point group ``imgengine.analyzers``. Each one:
- ``name``: the task it serves: "scenes", "objects", "faces" (a plug-in may add its own);
- ``input_size``: long side, in pixels, of the images it wants (the executor resizes once);
- ``batch_size``: preferred fixed batch size (the executor may override from settings);
- ``stores``: the result keys it fills (see ``ResultKey``);
- ``load(runtime)``: load weights onto ``runtime.device``; raises ``ModelUnavailable``;
- ``run(images)``: one result dict per input image, in order.

Optional: ``calibrate(images)``: with precision "int8", the executor hands the first batch of
the user's own photos (already sized) to each analyzer that has it, before running that batch;
the analyzer quantises and keeps int8 only when it agrees with fp32 on them (see
``ml.backends.quantize_int8``). Analyzers without it run at their best float precision.

Result dict keys (all optional, per image):
  "scenes":    list[{"label": str, "score": float}]           best first
  "objects":   list[{"label": str, "score": float, "box": [x0, y0, x1, y1]}]
  "faces":     list[{"score": float, "box": [x0, y0, x1, y1]}]
  "people":    int
  "embedding": numpy float32 1-D array (L2-normalised)
Boxes are normalised to 0..1 of the oriented image, so any view can draw them at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from PIL import Image

Device = Literal["cpu", "cuda"]
Precision = Literal["fp32", "fp16", "bf16", "int8"]
Backend = Literal["eager", "compile", "tensorrt"]
Tier = Literal["offline", "full"]
ResultKey = Literal["scenes", "objects", "faces", "people", "embedding"]


@dataclass
class Runtime:
    """Where and how models run. ``notes`` collects one-line fallback reasons for the summary."""

    device: Device = "cpu"
    precision: Precision = "fp32"
    backend: Backend = "eager"
    num_threads: int = 0
    notes: list[str] = field(default_factory=list)


@runtime_checkable
class Analyzer(Protocol):
    name: str
    model_id: str
    tier: Tier
    input_size: int
    batch_size: int
    stores: tuple[ResultKey, ...]

    def load(self, runtime: Runtime) -> None: ...

    def run(self, images: Sequence[Image.Image]) -> list[dict[str, Any]]: ...
