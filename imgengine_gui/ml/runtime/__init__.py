"""The ML runtime layer: every model, torch, ONNX or a plain CPU library, runs through it.

- ``resolve_runtime(settings)``: what the device/precision/backend/batch settings can be on this
  machine (``Runtime``), each downgrade noted in one line;
- ``prepare(model, runtime, example, name=...)``: a ``Session`` for a torch module (eager,
  torch.compile or TensorRT, engines built for batches 1..``runtime.max_batch``), an ``OnnxModel``
  (onnxruntime: TensorRT, CUDA or CPU execution provider) or a plain callable (dlib). Each session
  reports what actually serves it in ``session.served`` (``Served``: device, backend, precision);
- ``on_device(fn)``: run on the one thread that owns the device (models load and run there);
- ``probes``: CUDA, bf16, torch.compile, TensorRT and onnxruntime providers, asked in one place;
- ``hf``: full-tier models from a local folder or the Hugging Face cache, never downloaded;
- ``int8``: what INT8 means here (dynamic int8 ``Linear`` layers, kept when they agree with fp32).

Importing this package imports neither torch nor onnxruntime.
"""

from __future__ import annotations

from imgengine_gui.ml.runtime.device import on_device
from imgengine_gui.ml.runtime.onnx_session import OnnxModel
from imgengine_gui.ml.runtime.prepare import Session, prepare
from imgengine_gui.ml.runtime.resolve import inference, one_line, resolve_runtime
from imgengine_gui.ml.runtime.spec import InputRange, Runtime, Served

__all__ = [
    "InputRange",
    "OnnxModel",
    "Runtime",
    "Served",
    "Session",
    "inference",
    "on_device",
    "one_line",
    "prepare",
    "resolve_runtime",
]
