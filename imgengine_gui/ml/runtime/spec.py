"""Plain data of the runtime layer: what was asked for (``Runtime``), what served (``Served``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Device = Literal["cpu", "cuda"]
Precision = Literal["fp32", "fp16", "bf16", "int8"]
Backend = Literal["eager", "compile", "tensorrt"]

DEFAULT_MAX_BATCH = 16  # Settings.batch_size's default


@dataclass
class Runtime:
    """Where and how models run, resolved for this machine (``resolve_runtime``).

    ``max_batch`` is the largest batch any model will be fed: TensorRT engines and ONNX profiles
    are built for batches 1..max_batch. ``notes`` collects one-line fallback reasons.
    """

    device: Device = "cpu"
    precision: Precision = "fp32"
    backend: Backend = "eager"
    num_threads: int = 0
    max_batch: int = DEFAULT_MAX_BATCH
    notes: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


@dataclass(frozen=True)
class Served:
    """What actually runs a model once prepared: device, backend (or execution provider), precision.

    ``backend`` is "eager", "compile" or "tensorrt" for torch modules, "onnxruntime/<Provider>"
    for ONNX models, and the library's name for plain CPU libraries ("dlib", "numpy").
    """

    device: str
    backend: str
    precision: str

    @property
    def text(self) -> str:
        return f"{self.device} · {self.backend} · {self.precision}"

    @staticmethod
    def combine(parts: list[Served]) -> Served | None:
        """One description for a model made of several sessions (MTCNN's three nets)."""
        if not parts:
            return None

        def joined(values: list[str]) -> str:
            return "+".join(dict.fromkeys(values))

        return Served(
            joined([p.device for p in parts]),
            joined([p.backend for p in parts]),
            joined([p.precision for p in parts]),
        )


@dataclass(frozen=True)
class InputRange:
    """The shapes one model input may take: TensorRT's min/opt/max profile for that input."""

    min: tuple[int, ...]
    opt: tuple[int, ...]
    max: tuple[int, ...]

    def admits(self, shape: tuple[int, ...]) -> bool:
        return len(shape) == len(self.min) and all(
            low <= size <= high for low, size, high in zip(self.min, shape, self.max, strict=True)
        )

    @staticmethod
    def batch(item_shape: tuple[int, ...], max_batch: int) -> InputRange:
        """Batches of 1..max_batch items of one fixed shape (full batches are the common case)."""
        top = max(1, max_batch)
        return InputRange((1, *item_shape), (top, *item_shape), (top, *item_shape))
