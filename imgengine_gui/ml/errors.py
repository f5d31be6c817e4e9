from __future__ import annotations


class ModelUnavailable(RuntimeError):
    """A model's weights are not on this machine (no download is ever attempted)."""


class BackendUnavailable(RuntimeError):
    """A backend (CUDA, torch.compile, TensorRT, INT8) cannot serve; the message says why."""
