"""The analyzer interface, and the base classes every built-in model is written on.

Shape (modelled on Immich's ML service: a model base class, one session class per runtime):

    Model.load(runtime)      -> self._load(runtime) loads weights (verified, local only) and
                                returns its session(s) from ``runtime.prepare(...)``
    ModelAnalyzer.run(images, found)
                             -> preprocess(images, found) -> infer(inputs) -> postprocess(...)

Sessions come from ``imgengine_gui.ml.runtime.prepare`` only: ``TorchSession`` (eager / compile /
TensorRT), ``OrtSession`` (onnxruntime execution providers) or ``PlainSession`` (a CPU library
such as dlib, or numpy). Each knows what serves it (``session.served``: device, backend or
execution provider, precision), and ``Model.served`` is what the run summary and ``imgengine
models`` print.

The executor-facing interface (``Analyzer``; plug-ins may implement it without the base class):
- ``name``: the task it serves: "scenes", "objects", "faces" (a plug-in may add its own);
- ``input_size``: long side, in pixels, of the images it wants (the executor resizes once);
- ``batch_size``: preferred batch size (the executor's, from settings, wins);
- ``stores``: the result keys it fills; ``needs``: keys of earlier analyzers it reads (optional);
- ``load(runtime)``: load weights onto ``runtime.device``; raises ``ModelUnavailable``;
- ``run(images)`` or, with ``needs``, ``run(images, found)``: one result dict per image, in order;
  ``found[i]`` holds what the analyzers before it found in image i (the registry's run order).
Optional: ``phase`` (the catalog phase whose version covers its results: "ml", or "people" for
face descriptors, which the ML phase's version and per-task keys leave out: ``in_ml_phase``),
``served`` (a ``Served``) and ``calibrate(images)``: with precision "int8" the executor hands
the first batch of the user's own photos to it; ``ModelAnalyzer.calibrate`` makes the
session's Linear layers int8 and keeps them only when they agree with fp32 on those photos.

Plugging in a model that works on another's results (face descriptors after face detection;
the real one is ``ml/offline/face_descriptors.py``):

    class FaceDescriptorAnalyzer(ModelAnalyzer):
        name, model_id, tier, input_size = "face_descriptors", "dlib-resnet-v1", "offline", 1024
        stores, needs = ("faces", "identity"), ("faces",)
        def _load(self, runtime):
            net = dlib.face_recognition_model_v1(str(path))      # verified file, local only
            return prepare(net.compute_face_descriptor, runtime, name=self.name, library="dlib")
        def preprocess(self, images, found):   # crops/landmarks from found[i]["faces"]
        def postprocess(self, outputs, images, found):

A classifier on stored embeddings is the same with ``needs = ("embedding",)`` and a numpy
``predict`` prepared with ``library="numpy"``. Register built-ins in ``ml/registry.py``; third-party
packages register a factory ``(settings) -> Analyzer | None`` under the entry-point group
``imgengine.analyzers``.

Result dict keys (all optional, per image):
  "scenes":    list[{"label": str, "score": float}]           best first
  "objects":   list[{"label": str, "score": float, "box": [x0, y0, x1, y1]}]
  "faces":     list[{"score": float, "box": [x0, y0, x1, y1]}]
  "people":    int
  "embedding": numpy float32 1-D array (L2-normalised)
  "identity":  str, the descriptor version, when each "faces" item also has "quality" and
               "descriptor" (``ml/offline/face_descriptors.py``)
Boxes are normalised to 0..1 of the oriented image, so any view can draw them at any size.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

from imgengine_gui.ml.runtime.int8 import top1_agreement
from imgengine_gui.ml.runtime.prepare import Session
from imgengine_gui.ml.runtime.spec import Backend, Device, Precision, Runtime, Served

if TYPE_CHECKING:
    from PIL import Image

Tier = Literal["offline", "full"]
ResultKey = Literal["scenes", "objects", "faces", "people", "embedding", "identity"]
Found = Sequence[Mapping[str, Any]]

__all__ = [
    "Analyzer", "Backend", "Device", "Found", "Model", "ModelAnalyzer", "Precision", "ResultKey",
    "Runtime", "Served", "Tier", "in_ml_phase",
]  # fmt: skip


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


def in_ml_phase(analyzer: Analyzer) -> bool:
    """Whether the ML phase's version and per-task keys cover ``analyzer``'s results."""
    return getattr(analyzer, "phase", "ml") == "ml"


class Model(ABC):
    """A model that loads into one or more prepared sessions (see the module docstring)."""

    name: ClassVar[str] = "model"
    model_id: str = ""

    def __init__(self) -> None:
        self.runtime = Runtime()
        self.sessions: dict[str, Session] = {}

    def load(self, runtime: Runtime) -> None:
        self.runtime = runtime
        loaded = self._load(runtime)
        self.sessions = dict(loaded) if isinstance(loaded, Mapping) else {self.name: loaded}

    @abstractmethod
    def _load(self, runtime: Runtime) -> Session | Mapping[str, Session]:
        """Load the weights and return ``prepare(...)``'s session, or several by role."""

    @property
    def loaded(self) -> bool:
        return bool(self.sessions)

    @property
    def session(self) -> Any:
        """The model's session (the first, for models made of several)."""
        self.require_loaded()
        return next(iter(self.sessions.values()))

    @property
    def served(self) -> Served | None:
        return Served.combine([session.served for session in self.sessions.values()])

    def require_loaded(self) -> None:
        if not self.sessions:
            raise RuntimeError(f"{type(self).__name__}.run() before load()")


class ModelAnalyzer(Model):
    """An analyzer of photo batches: preprocess -> infer -> postprocess, on prepared sessions."""

    model_id: str = ""
    tier: Tier = "offline"
    input_size: int = 256
    batch_size: int = 16
    stores: tuple[ResultKey, ...] = ()
    needs: tuple[str, ...] = ()
    phase: ClassVar[str] = "ml"  # the catalog phase whose version covers these results
    # why int8 would not serve this model (it then runs at its float precision)
    int8_refusal: ClassVar[str | None] = None

    def load(self, runtime: Runtime) -> None:
        super().load(runtime)
        if runtime.precision == "int8" and self.int8_refusal:
            runtime.note(f"{self.name}: fp32 ({self.int8_refusal})")

    def run(
        self, images: Sequence[Image.Image], found: Found | None = None
    ) -> list[dict[str, Any]]:
        self.require_loaded()
        if not images:
            return []
        found = found if found is not None else [{} for _ in images]
        return self.postprocess(self.infer(self.preprocess(images, found)), images, found)

    @abstractmethod
    def preprocess(self, images: Sequence[Image.Image], found: Found) -> Any:
        """Model inputs for a batch (a tensor or array, or a tuple of them)."""

    def infer(self, inputs: Any) -> Any:
        return self.session(*inputs) if isinstance(inputs, tuple) else self.session(inputs)

    @abstractmethod
    def postprocess(
        self, outputs: Any, images: Sequence[Image.Image], found: Found
    ) -> list[dict[str, Any]]:
        """One result dict per image."""

    def int8_agreement(self, reference: Any, candidate: Any) -> tuple[int, int]:
        """How int8 outputs are judged against fp32: (agreeing rows, rows). Top-1 class here."""
        return top1_agreement(reference, candidate)

    def calibrate(self, images: Sequence[Image.Image]) -> None:
        """Precision int8: int8 Linear layers, kept only when they agree with fp32 on ``images``."""
        self.require_loaded()
        quantize = getattr(self.session, "quantize_int8", None)
        if self.int8_refusal or quantize is None or not images:
            return
        inputs = self.preprocess(images, [{} for _ in images])
        batch = inputs if isinstance(inputs, tuple) else (inputs,)
        quantize([batch], measure=self.int8_agreement)
